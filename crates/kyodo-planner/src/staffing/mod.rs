//! Who fills each new term (人選). The timetables give the seats; this puts
//! one person in each, by every hard rule, so that as many people as
//! possible serve for the first time and no seat stays empty when someone
//! could take it.

mod board;
mod search;

use crate::model::Problem;
use crate::rng::Rng;
use crate::score::Assigned;

use board::Board;
pub use search::{Limits, improve};

/// A seat to fill: a new term of `position` from `start` for `len` years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub position: usize,
    pub start: i32,
    pub len: u32,
    /// The person the coordinator fixed for this seat.
    pub pinned: Option<usize>,
}

impl Seat {
    pub fn end(&self) -> i32 {
        self.start + self.len as i32 - 1
    }
}

/// People to place first, each in some seat they fit (必ず任命する職員).
pub struct Staffing<'a> {
    pub banned: &'a [bool],
    pub required: &'a [usize],
}

/// Seats and who holds each (None: the seat's years stay empty).
#[derive(Debug, Clone, Default)]
pub struct Staffed {
    pub seats: Vec<Seat>,
    pub holder: Vec<Option<usize>>,
}

impl Staffed {
    /// Each appointment of `plan` as a seat its holder holds.
    pub fn from_plan(plan: &[Assigned]) -> Staffed {
        Staffed {
            seats: plan
                .iter()
                .map(|a| Seat {
                    position: a.position,
                    start: a.start,
                    len: (a.end - a.start + 1) as u32,
                    pinned: None,
                })
                .collect(),
            holder: plan.iter().map(|a| Some(a.staff)).collect(),
        }
    }

    /// The appointments: the seats someone holds.
    pub fn plan(&self) -> Vec<Assigned> {
        self.seats
            .iter()
            .zip(&self.holder)
            .filter_map(|(seat, h)| {
                h.map(|staff| Assigned {
                    position: seat.position,
                    staff,
                    start: seat.start,
                    end: seat.end(),
                })
            })
            .collect()
    }
}

/// Fill `seats`; a seat nobody can take stays empty.
pub fn fill(problem: &Problem, seats: &[Seat], rules: &Staffing, rng: &mut Rng) -> Staffed {
    let mut seats = seats.to_vec();
    let seats = &mut seats;
    let mut board = Board::new(problem, rules.banned);
    let mut holder: Vec<Option<usize>> = vec![None; seats.len()];
    for (i, seat) in seats.iter().enumerate() {
        if let Some(person) = seat.pinned
            && board.fits(person, seat)
        {
            board.place(person, seat);
            holder[i] = Some(person);
        }
    }
    for &person in rules.required {
        if board.serves[person] > 0 {
            continue;
        }
        let best = (0..seats.len())
            .filter(|&i| holder[i].is_none() && seats[i].pinned.is_none() && board.fits(person, &seats[i]))
            .min_by_key(|&i| (seats[i].start, seats[i].position));
        if let Some(i) = best {
            board.place(person, &seats[i]);
            holder[i] = Some(person);
        }
    }

    // Scarce grades first: their people are the ones every choice competes for.
    let mut grades: Vec<usize> = (0..problem.grades.len()).collect();
    let pressure = |g: usize| {
        let want = seats
            .iter()
            .filter(|s| problem.positions[s.position].grade == g)
            .count();
        let have = problem.staff.iter().filter(|s| s.grade == g).count().max(1);
        want as f64 / have as f64
    };
    grades.sort_by(|&a, &b| pressure(b).total_cmp(&pressure(a)).then(a.cmp(&b)));

    for g in grades {
        let open: Vec<usize> = (0..seats.len())
            .filter(|&i| holder[i].is_none() && problem.positions[seats[i].position].grade == g)
            .collect();
        if open.is_empty() {
            continue;
        }
        let mut people: Vec<usize> = (0..problem.staff.len())
            .filter(|&s| problem.staff[s].grade == g && !rules.banned[s])
            .collect();
        rng.shuffle(&mut people);
        match_newcomers(&mut board, seats, &open, &people, &mut holder);
        fill_in_order(&mut board, seats, &open, &people, &mut holder);
        swap_into_empty(&mut board, seats, &open, &people, &mut holder);
        shorten_empty(&mut board, seats, &open, &people, &mut holder);
    }
    fill_gaps(&mut board, seats, &mut holder, rules);
    Staffed {
        seats: std::mem::take(seats),
        holder,
    }
}

/// As many newcomers as possible, one seat each: a bipartite matching,
/// greedy first and by augmenting paths where greed is stuck, then placed
/// one by one against the department rules.
fn match_newcomers(board: &mut Board, seats: &[Seat], open: &[usize], people: &[usize], holder: &mut [Option<usize>]) {
    let p = board.problem;
    let mut newcomers: Vec<usize> = people.iter().copied().filter(|&s| board.fresh(s)).collect();
    if newcomers.is_empty() {
        return;
    }
    // Those who can serve the fewest years choose first.
    let window = |s: usize| {
        let person = &p.staff[s];
        person.leaves.unwrap_or(i32::MAX / 2).min(p.year(p.horizon - 1) + 4) - person.hired.max(p.first)
    };
    newcomers.sort_by_key(|&s| window(s));
    let mut matching = Matching {
        options: vec![None; newcomers.len()],
        newcomer_of_seat: vec![None; open.len()],
    };
    let mut free: Vec<usize> = (0..open.len()).collect();
    for n in 0..newcomers.len() {
        if free.is_empty() {
            break;
        }
        let fits = |k: usize| board.fits(newcomers[n], &seats[open[k]]);
        if let Some(f) = free.iter().position(|&k| fits(k)) {
            matching.newcomer_of_seat[free.swap_remove(f)] = Some(n);
            continue;
        }
        let mut seen = vec![false; open.len()];
        let options = |m: usize| {
            (0..open.len())
                .filter(|&k| board.fits(newcomers[m], &seats[open[k]]))
                .collect()
        };
        if matching.augment(n, &options, &mut seen) {
            free.retain(|&k| matching.newcomer_of_seat[k].is_none());
        }
    }
    for (k, n) in matching.newcomer_of_seat.iter().enumerate() {
        let (Some(n), i) = (n, open[k]) else { continue };
        let person = newcomers[*n];
        if holder[i].is_none() && board.fits(person, &seats[i]) {
            board.place(person, &seats[i]);
            holder[i] = Some(person);
        }
    }
}

/// Newcomers to seats; a newcomer's possible seats are listed only when an
/// augmenting path passes through them.
struct Matching {
    options: Vec<Option<Vec<usize>>>,
    newcomer_of_seat: Vec<Option<usize>>,
}

impl Matching {
    fn augment(&mut self, n: usize, options: &impl Fn(usize) -> Vec<usize>, seen: &mut [bool]) -> bool {
        let list = self.options[n].get_or_insert_with(|| options(n)).clone();
        for k in list {
            if seen[k] {
                continue;
            }
            seen[k] = true;
            let free = match self.newcomer_of_seat[k] {
                None => true,
                Some(other) => self.augment(other, options, seen),
            };
            if free {
                self.newcomer_of_seat[k] = Some(n);
                return true;
            }
        }
        false
    }
}

/// The seats still open, a start year at a time: the most seats of that
/// year filled at once (a matching, so that one person's taking a seat
/// never leaves another seat without anyone), each seat preferring a
/// newcomer not yet placed, else whoever leaves soonest (the long-staying
/// are kept for later years).
fn fill_in_order(board: &mut Board, seats: &[Seat], open: &[usize], people: &[usize], holder: &mut [Option<usize>]) {
    let mut years: Vec<i32> = open
        .iter()
        .filter(|&&i| holder[i].is_none())
        .map(|&i| seats[i].start)
        .collect();
    years.sort_unstable();
    years.dedup();
    for year in years {
        let batch: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| holder[i].is_none() && seats[i].start == year)
            .collect();
        let mut options: Vec<Vec<usize>> = batch
            .iter()
            .map(|&i| {
                let mut who: Vec<usize> = people.iter().copied().filter(|&s| board.fits(s, &seats[i])).collect();
                who.sort_by_key(|&s| board.preference(s));
                who
            })
            .collect();
        // Seats with the fewest candidates choose first.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by_key(|&k| options[k].len());
        let mut seat_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        let mut person_of: Vec<Option<usize>> = vec![None; batch.len()];
        for k in order {
            let mut seen = std::collections::HashSet::new();
            reassign(k, &mut options, &mut seen, &mut person_of, &mut seat_of);
        }
        for (k, person) in person_of.iter().enumerate() {
            let i = batch[k];
            if let Some(person) = *person
                && board.fits(person, &seats[i])
            {
                board.place(person, &seats[i]);
                holder[i] = Some(person);
            }
        }
        // Whatever the department rules undid, the best still free.
        for &i in &batch {
            if holder[i].is_none()
                && let Some(person) = board.best(people, &seats[i])
            {
                board.place(person, &seats[i]);
                holder[i] = Some(person);
            }
        }
    }
}

/// An augmenting path from seat `k` over people (`seat_of`: a person's seat).
fn reassign(
    k: usize,
    options: &mut [Vec<usize>],
    seen: &mut std::collections::HashSet<usize>,
    person_of: &mut [Option<usize>],
    seat_of: &mut std::collections::HashMap<usize, usize>,
) -> bool {
    for j in 0..options[k].len() {
        let person = options[k][j];
        if !seen.insert(person) {
            continue;
        }
        let free = match seat_of.get(&person).copied() {
            None => true,
            Some(other) => reassign(other, options, seen, person_of, seat_of),
        };
        if free {
            person_of[k] = Some(person);
            seat_of.insert(person, k);
            return true;
        }
    }
    false
}

/// A seat nobody can take for its whole term may still be taken in parts:
/// shorter terms, one after another, leave fewer years empty. (A seat
/// given whole is tried whole first.)
fn shorten_empty(
    board: &mut Board,
    seats: &mut Vec<Seat>,
    open: &[usize],
    people: &[usize],
    holder: &mut Vec<Option<usize>>,
) {
    let mut queue: Vec<usize> = open
        .iter()
        .copied()
        .filter(|&i| holder[i].is_none() && seats[i].pinned.is_none())
        .collect();
    while let Some(i) = queue.pop() {
        let seat = seats[i];
        let min_len = board.problem.positions[seat.position].min_len;
        // Longest first: each year kept filled saves a vacancy.
        let mut variants: Vec<Seat> = (min_len..=seat.len)
            .flat_map(|len| {
                (0..=seat.len - len).map(move |delay| Seat {
                    start: seat.start + delay as i32,
                    len,
                    ..seat
                })
            })
            .filter(|v| board.problem.index(v.start).is_some())
            .collect();
        variants.sort_by_key(|v| (std::cmp::Reverse(v.len), v.start));
        let Some((variant, person)) = variants
            .into_iter()
            .find_map(|v| board.best(people, &v).map(|p| (v, p)))
        else {
            continue;
        };
        board.place(person, &variant);
        seats[i] = variant;
        holder[i] = Some(person);
        // The years before and after the part taken are seats of their own.
        let before = (variant.start - seat.start) as u32;
        let after = (seat.end() - variant.end()) as u32;
        for (start, len) in [(seat.start, before), (variant.end() + 1, after)] {
            if len >= min_len && board.problem.index(start).is_some() {
                seats.push(Seat { start, len, ..seat });
                holder.push(None);
                queue.push(seats.len() - 1);
            }
        }
    }
}

/// Years the timetables left empty, filled where someone turns out to be
/// free after all: each run of empty years becomes seats of at most the
/// longest term (running past the horizon at the end, as a normal term).
fn fill_gaps(board: &mut Board, seats: &mut Vec<Seat>, holder: &mut Vec<Option<usize>>, rules: &Staffing) {
    let problem = board.problem;
    let h = problem.horizon;
    let mut covered = vec![false; problem.positions.len() * h];
    for (position, p) in problem.positions.iter().enumerate() {
        for (t, &fixed) in p.fixed.iter().enumerate() {
            covered[position * h + t] = fixed;
        }
    }
    for (seat, _) in seats.iter().zip(holder.iter()).filter(|(_, h)| h.is_some()) {
        for year in seat.start..=seat.end() {
            if let Some(t) = problem.index(year) {
                covered[seat.position * h + t] = true;
            }
        }
    }
    let first_new = seats.len();
    for (position, p) in problem.positions.iter().enumerate() {
        let mut t = 0;
        while t < h {
            if covered[position * h + t] {
                t += 1;
                continue;
            }
            let run_end = (t..h).find(|&y| covered[position * h + y]).unwrap_or(h);
            let len = if run_end == h {
                p.term.max((run_end - t) as u32)
            } else {
                (run_end - t) as u32
            };
            let len = len.min(p.max_len);
            if len >= p.min_len {
                seats.push(Seat {
                    position,
                    start: problem.year(t),
                    len,
                    pinned: None,
                });
                holder.push(None);
            }
            t += len.max(1) as usize;
        }
    }
    let open: Vec<usize> = (first_new..seats.len()).collect();
    for g in 0..problem.grades.len() {
        let people: Vec<usize> = (0..problem.staff.len())
            .filter(|&s| problem.staff[s].grade == g && !rules.banned[s])
            .collect();
        let mine: Vec<usize> = open
            .iter()
            .copied()
            .filter(|&i| problem.positions[seats[i].position].grade == g)
            .collect();
        if !mine.is_empty() {
            shorten_empty(board, seats, &mine, &people, holder);
        }
    }
}

/// For a seat still empty: move someone who would fit it but for one other
/// seat they hold, and give that seat to someone else.
fn swap_into_empty(board: &mut Board, seats: &[Seat], open: &[usize], people: &[usize], holder: &mut [Option<usize>]) {
    let empty: Vec<usize> = open.iter().copied().filter(|&i| holder[i].is_none()).collect();
    for a in empty {
        'moved: for &x in people {
            for &b in open {
                if holder[b] != Some(x) || seats[b].pinned.is_some() {
                    continue;
                }
                board.remove(x, &seats[b]);
                if board.fits(x, &seats[a]) {
                    board.place(x, &seats[a]);
                    let replacement = people.iter().copied().find(|&y| y != x && board.fits(y, &seats[b]));
                    if let Some(y) = replacement {
                        board.place(y, &seats[b]);
                        holder[a] = Some(x);
                        holder[b] = Some(y);
                        break 'moved;
                    }
                    board.remove(x, &seats[a]);
                }
                board.place(x, &seats[b]);
            }
        }
    }
}
