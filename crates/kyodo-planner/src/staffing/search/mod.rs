//! Improving a plan in the time left (改善探索). Three kinds of change,
//! each kept when the plan scores no worse than a recent one (late
//! acceptance):
//! - exchanges (`exchange`): two holders trade seats, or someone takes a
//!   seat from its holder — cheap, so most changes are these;
//! - ruin and recreate: a few seats that compete for the same people or
//!   departments — an empty seat, its team's other seats in those years,
//!   seats of its grade, seats held by departments at their cap, or every
//!   seat of a year or two — are emptied and filled again together, across
//!   grades, the seat with the fewest candidates first;
//! - retiming (`retime`): a position, or a whole team, is timed again
//!   around who is free, with the seats that compete with it refilled;
//! - term adjustments (`timing`): where two terms meet moves by a year, a
//!   term splits so that someone else takes its later years, or two join.
//!
//! Years nobody holds are mended by lengthening a neighbouring term into
//! them (`mend`).

mod exchange;
mod retime;
mod timing;

use std::time::Instant;

use super::board::Board;
use super::{Seat, Staffed, Staffing};
use crate::model::{Pos, Problem};
use crate::rng::Rng;
use crate::schedule::unit_cost;

/// When the search stops.
pub struct Limits {
    pub deadline: Instant,
    /// Changes in a row that found nothing better.
    pub stall: u32,
    /// A score no plan can beat (the lower bound).
    pub target: i64,
}

/// Late acceptance (遅延受理): a change is kept when the plan scores no
/// worse than now or than it did this many changes ago, so the search can
/// walk out of a plan no single change improves. A short memory, with
/// restarts for the long walks: 5 scored 20 points a city better than 100
/// (and 300, 30, 10, 3, 1) on the small `-hard` and `-real` cities over
/// five seeds.
const LATE: usize = 5;

/// The most candidates a seat being filled again considers.
const CANDIDATES: usize = 48;

/// Tries at finding a seat or person that suits before a change gives up.
const TRIES: usize = 16;

/// The most seats a time-window change empties at once.
const WINDOW: usize = 24;

/// `staffed` improved until one of `limits` is reached: the best plan seen
/// and its score.
pub fn improve(
    problem: &Problem,
    staffed: Staffed,
    rules: &Staffing,
    rng: &mut Rng,
    limits: &Limits,
) -> (Staffed, i64) {
    let mut search = Search::new(problem, staffed, rules);
    search.mend();
    let mut best = (search.cost, search.staffed());
    let mut history = [search.cost; LATE];
    let mut stale = 0;
    let mut moves = 0usize;
    while best.0 > limits.target && stale < limits.stall && Instant::now() < limits.deadline {
        let threshold = search.cost.max(history[moves % LATE]);
        // Mostly small exchanges, which are cheap; now and then a term
        // adjusted, a team timed again or a few seats emptied and filled.
        match rng.below(100) {
            0..15 => search.retime(rng, threshold),
            15..25 => search.ruin_and_recreate(rng, threshold),
            25..40 => search.adjust(rng, threshold),
            _ => search.exchange(rng, threshold),
        }
        history[moves % LATE] = search.cost;
        moves += 1;
        if search.cost < best.0 {
            search.mend();
            best = (search.cost, search.staffed());
            stale = 0;
        } else {
            stale += 1;
        }
    }
    debug_assert_eq!(
        best.0,
        crate::score::evaluate(problem, &best.1.plan()).terms.score(problem),
        "the search's own score agrees with the contract's"
    );
    (best.1, best.0)
}

struct Search<'a> {
    problem: &'a Problem,
    board: Board<'a>,
    seats: Vec<Seat>,
    holder: Vec<Option<usize>>,
    /// Pinned seats and seats of people who must serve: never emptied.
    locked: Vec<bool>,
    /// People of each grade who may be appointed.
    people: Vec<Vec<usize>>,
    /// Per position, the horizon years current appointments hold, as bits.
    fixed: Vec<u64>,
    /// The score's parts, kept as seats are taken and held so that a
    /// change is scored in constant time (a large city has thousands of
    /// seats): held seats covering each position's horizon year, the
    /// years neither they nor a current term cover, terms starting in each
    /// unit's horizon year, those starts' cost, and the years terms differ
    /// from the standard.
    cover: Vec<u16>,
    vacant: i64,
    starts: Vec<usize>,
    team: i64,
    deviation: i64,
    /// Newcomers holding a seat (each counts once for `new_person`).
    newcomers: i64,
    cost: i64,
}

impl<'a> Search<'a> {
    fn new(problem: &'a Problem, staffed: Staffed, rules: &'a Staffing) -> Search<'a> {
        let board = Board::new(problem, rules.banned);
        let h = problem.horizon;
        let fixed: Vec<u64> = problem.positions.iter().map(Pos::fixed_bits).collect();
        let vacant = fixed.iter().map(|f| h as i64 - i64::from(f.count_ones())).sum();
        let locked = staffed
            .seats
            .iter()
            .zip(&staffed.holder)
            .map(|(seat, holder)| seat.pinned.is_some() || holder.is_some_and(|s| rules.required.contains(&s)))
            .collect();
        let mut people = vec![Vec::new(); problem.grades.len()];
        for (s, person) in problem.staff.iter().enumerate() {
            if !rules.banned[s] {
                people[person.grade].push(s);
            }
        }
        let holders = staffed.holder;
        let n = staffed.seats.len();
        let mut search = Search {
            problem,
            board,
            seats: staffed.seats,
            holder: vec![None; n],
            locked,
            people,
            fixed,
            cover: vec![0; problem.positions.len() * h],
            vacant,
            starts: vec![0; problem.units.len() * h],
            team: 0,
            deviation: 0,
            newcomers: 0,
            cost: 0,
        };
        for (i, holder) in holders.into_iter().enumerate() {
            if let Some(person) = holder {
                search.put(i, person);
            }
        }
        search.cost = search.score();
        search
    }

    /// Seat `i` held by `person`. A held seat's years do not change until
    /// it is taken again: the kept counts depend on them.
    fn put(&mut self, i: usize, person: usize) {
        self.newcomers += i64::from(self.board.fresh(person));
        self.board.place(person, &self.seats[i]);
        self.holder[i] = Some(person);
        self.count(i, true);
    }

    fn take(&mut self, i: usize) {
        if let Some(person) = self.holder[i].take() {
            self.board.remove(person, &self.seats[i]);
            self.newcomers -= i64::from(self.board.fresh(person));
            self.count(i, false);
        }
    }

    /// Seat `i`'s years and start counted in (`held`) or out of the score.
    fn count(&mut self, i: usize, held: bool) {
        let p = self.problem;
        let h = p.horizon;
        let seat = self.seats[i];
        let position = &p.positions[seat.position];
        for t in p.indices(seat.start, seat.end()) {
            let k = seat.position * h + t;
            let free = self.fixed[seat.position] >> t & 1 == 0;
            if held {
                self.vacant -= i64::from(free && self.cover[k] == 0);
                self.cover[k] += 1;
            } else {
                self.cover[k] -= 1;
                self.vacant += i64::from(free && self.cover[k] == 0);
            }
        }
        if let Some(t) = p.index(seat.start) {
            let k = position.unit * h + t;
            let n = p.units[position.unit].positions.len();
            self.team -= unit_cost(self.starts[k], n, &p.weights);
            if held {
                self.starts[k] += 1;
            } else {
                self.starts[k] -= 1;
            }
            self.team += unit_cost(self.starts[k], n, &p.weights);
        }
        let deviation = (i64::from(seat.len) - i64::from(position.term)).abs();
        self.deviation += if held { deviation } else { -deviation };
    }

    /// The contract's score of the seats held (hard rules hold by construction).
    fn score(&self) -> i64 {
        let w = &self.problem.weights;
        let score =
            self.vacant * w.vacancy + self.team + self.deviation * w.term_deviation - self.newcomers * w.new_person;
        debug_assert_eq!(score, self.recount(), "the kept counts agree with the seats");
        score
    }

    /// The score counted afresh from the seats (checked against the kept
    /// counts in debug builds).
    fn recount(&self) -> i64 {
        let p = self.problem;
        let h = p.horizon;
        let w = &p.weights;
        let mut covered = self.fixed.clone();
        let mut starts = vec![0; p.units.len() * h];
        let mut deviation = 0;
        for (seat, _) in self.seats.iter().zip(&self.holder).filter(|(_, h)| h.is_some()) {
            let position = &p.positions[seat.position];
            for year in seat.start..=seat.end() {
                if let Some(t) = p.index(year) {
                    covered[seat.position] |= 1 << t;
                }
            }
            if let Some(t) = p.index(seat.start) {
                starts[position.unit * h + t] += 1;
            }
            deviation += (i64::from(seat.len) - i64::from(position.term)).abs();
        }
        let vacancy: i64 = covered.iter().map(|c| h as i64 - i64::from(c.count_ones())).sum();
        let mut team = 0;
        for (u, unit) in p.units.iter().enumerate() {
            for &k in &starts[u * h..(u + 1) * h] {
                team += unit_cost(k, unit.positions.len(), w);
            }
        }
        vacancy * w.vacancy + team + deviation * w.term_deviation - self.newcomers * w.new_person
    }

    fn overlaps(&self, i: usize, start: i32, end: i32) -> bool {
        self.seats[i].start <= end && start <= self.seats[i].end()
    }

    /// The seats to empty: an empty seat (or, less often, any seat), its
    /// team's other seats in its years, and a few others in those years of
    /// its grade or held by a department at its cap.
    fn ruin(&self, rng: &mut Rng) -> Vec<usize> {
        let n = self.seats.len();
        let open: Vec<usize> = (0..n)
            .filter(|&i| !self.locked[i] && self.holder[i].is_none())
            .collect();
        let movable: Vec<usize> = (0..n).filter(|&i| !self.locked[i]).collect();
        // Seats whose holder earns nothing as a newcomer: where one could.
        let earning =
            |i: usize| self.holder[i].is_some_and(|s| self.problem.staff[s].newcomer && self.board.serves[s] == 1);
        let spent: Vec<usize> = movable
            .iter()
            .copied()
            .filter(|&i| self.holder[i].is_some() && !earning(i))
            .collect();
        let centre = match (open.is_empty(), movable.is_empty()) {
            (_, true) => return Vec::new(),
            (false, _) if rng.chance(0.75) => open[rng.below(open.len())],
            _ if !spent.is_empty() && rng.chance(0.7) => spent[rng.below(spent.len())],
            _ => movable[rng.below(movable.len())],
        };
        let seat = self.seats[centre];
        let (start, end) = (seat.start, seat.end());
        if rng.chance(0.3) {
            return self.window(rng, start, end);
        }
        let positions = &self.problem.positions;
        let (unit, grade) = (positions[seat.position].unit, positions[seat.position].grade);
        let mut set = vec![centre];
        let mut others = Vec::new();
        for &i in &movable {
            let Some(person) = self.holder[i] else { continue };
            if i == centre || !self.overlaps(i, start, end) {
                continue;
            }
            let p = &positions[self.seats[i].position];
            if p.unit == unit {
                set.push(i);
            } else if p.grade == grade || self.board.at_cap(person, start, end) {
                others.push(i);
            }
        }
        for _ in 0..1 + rng.below(5) {
            if others.is_empty() {
                break;
            }
            set.push(others.swap_remove(rng.below(others.len())));
        }
        set
    }

    /// A seat the search may change, at random.
    fn any_seat(&self, rng: &mut Rng) -> Option<usize> {
        let n = self.seats.len();
        if n == 0 {
            return None;
        }
        (0..TRIES).map(|_| rng.below(n)).find(|&i| !self.locked[i])
    }

    fn staffed(&self) -> Staffed {
        Staffed {
            seats: self.seats.clone(),
            holder: self.holder.clone(),
        }
    }

    /// Every seat held in a year or two around `start..=end` (at most
    /// `WINDOW` of them, at random): people and departments of all grades
    /// and districts choose again together.
    fn window(&self, rng: &mut Rng, start: i32, end: i32) -> Vec<usize> {
        let year = start + rng.below((end - start + 1) as usize) as i32;
        let last = year + rng.below(2) as i32;
        let mut set: Vec<usize> = (0..self.seats.len())
            .filter(|&i| !self.locked[i] && self.holder[i].is_some() && self.overlaps(i, year, last))
            .collect();
        rng.shuffle(&mut set);
        set.truncate(WINDOW);
        set
    }

    /// Empty `set` and fill it again; undone when the plan scores above
    /// `threshold`.
    fn ruin_and_recreate(&mut self, rng: &mut Rng, threshold: i64) {
        let set = self.ruin(rng);
        let before: Vec<Option<usize>> = set.iter().map(|&i| self.holder[i]).collect();
        for &i in &set {
            self.take(i);
        }
        self.recreate(&set, rng);
        let cost = self.score();
        if cost <= threshold {
            self.cost = cost;
            return;
        }
        for &i in &set {
            self.take(i);
        }
        for (&i, person) in set.iter().zip(before) {
            if let Some(person) = person {
                self.put(i, person);
            }
        }
    }

    /// Fill `set`, the seat with the fewest candidates first.
    fn recreate(&mut self, set: &[usize], rng: &mut Rng) {
        let grade = |i: usize| self.problem.positions[self.seats[i].position].grade;
        let mut candidates: Vec<Vec<usize>> = set
            .iter()
            .map(|&i| self.candidates(&self.people[grade(i)], &self.seats[i], CANDIDATES, rng))
            .collect();
        // Half the time, seats a newcomer could take go first, so that
        // newcomers claim their departments' places before anyone else.
        let newcomers_first = rng.chance(0.5);
        let mut left: Vec<usize> = (0..set.len()).collect();
        while !left.is_empty() {
            for &k in &left {
                let seat = self.seats[set[k]];
                candidates[k].retain(|&s| self.board.fits(s, &seat));
            }
            let key = |k: usize| {
                let none_fresh = newcomers_first && !candidates[k].iter().any(|&s| self.board.fresh(s));
                (none_fresh, candidates[k].len())
            };
            let fewest = left.iter().map(|&k| key(k)).min().unwrap_or((false, 0));
            let ties: Vec<usize> = left.iter().copied().filter(|&k| key(k) == fewest).collect();
            let k = ties[rng.below(ties.len())];
            left.retain(|&x| x != k);
            if let Some(person) = self.choose(&candidates[k], rng) {
                self.put(set[k], person);
            }
        }
    }

    /// Up to `most` newcomers not yet serving and `most` others of
    /// `people` who fit `seat`, looked for from a random place in the list:
    /// in a large city thousands fit, and a few dozen are choice enough.
    fn candidates(&self, people: &[usize], seat: &Seat, most: usize, rng: &mut Rng) -> Vec<usize> {
        if people.is_empty() {
            return Vec::new();
        }
        // Newcomers not yet serving are looked for until `most` are found:
        // they are the ones worth a seat.
        let from = rng.below(people.len());
        let (mut fresh, mut others) = (Vec::new(), Vec::new());
        for &s in people[from..].iter().chain(&people[..from]) {
            if fresh.len() >= most {
                break;
            }
            if self.board.fresh(s) {
                if self.board.fits(s, seat) {
                    fresh.push(s);
                }
            } else if others.len() < most && self.board.fits(s, seat) {
                others.push(s);
            }
        }
        fresh.extend(others);
        fresh
    }

    /// A newcomer not yet serving when there is one, else anyone; the one
    /// leaving soonest half the time, else one at random.
    fn choose(&self, candidates: &[usize], rng: &mut Rng) -> Option<usize> {
        let fresh: Vec<usize> = candidates.iter().copied().filter(|&s| self.board.fresh(s)).collect();
        let pool = if fresh.is_empty() || rng.chance(0.2) {
            candidates
        } else {
            &fresh[..]
        };
        if pool.is_empty() {
            return None;
        }
        if rng.chance(0.5) {
            pool.iter().copied().min_by_key(|&s| self.board.preference(s))
        } else {
            Some(pool[rng.below(pool.len())])
        }
    }

    /// Years nobody holds, taken into the term before or after them where
    /// its holder may serve longer and the plan scores better.
    fn mend(&mut self) {
        let p = self.problem;
        let h = p.horizon;
        let full = (1u64 << h) - 1;
        let coverage = self.coverage();
        for position in (0..p.positions.len()).filter(|&q| coverage[q] != full) {
            let mut t = 0;
            while t < h {
                let covered = self.covered(position);
                if covered >> t & 1 == 1 {
                    t += 1;
                    continue;
                }
                let run_end = (t..h).find(|&y| covered >> y & 1 == 1).unwrap_or(h);
                let (first, last) = (p.year(t), p.year(run_end - 1));
                let max_len = p.positions[position].max_len;
                let held = |search: &Self, i: usize| {
                    !search.locked[i] && search.holder[i].is_some() && search.seats[i].position == position
                };
                // The term ending just before the empty years runs on into them.
                if let Some(i) = (0..self.seats.len()).find(|&i| held(self, i) && self.seats[i].end() == first - 1) {
                    let seat = self.seats[i];
                    let room = (max_len - seat.len).min((last - first + 1) as u32);
                    (1..=room).rev().any(|k| {
                        self.resize(
                            i,
                            Seat {
                                len: seat.len + k,
                                ..seat
                            },
                        )
                    });
                }
                // The term starting just after them starts earlier.
                let covered = self.covered(position);
                let still = (t..run_end).rev().take_while(|&y| covered >> y & 1 == 0).count() as u32;
                if let Some(i) = (0..self.seats.len()).find(|&i| held(self, i) && self.seats[i].start == last + 1) {
                    let seat = self.seats[i];
                    let room = (max_len - seat.len).min(still);
                    (1..=room).rev().any(|k| {
                        self.resize(
                            i,
                            Seat {
                                start: seat.start - k as i32,
                                len: seat.len + k,
                                ..seat
                            },
                        )
                    });
                }
                t = run_end;
            }
        }
    }

    /// Per position, the horizon years held by anyone, as bits.
    fn coverage(&self) -> Vec<u64> {
        (0..self.problem.positions.len()).map(|q| self.covered(q)).collect()
    }

    /// The horizon years of `position` held by anyone, as bits.
    fn covered(&self, position: usize) -> u64 {
        let h = self.problem.horizon;
        let cover = &self.cover[position * h..(position + 1) * h];
        (0..h).fold(self.fixed[position], |bits, t| bits | u64::from(cover[t] > 0) << t)
    }

    /// Seat `i` resized to `to` with the same holder, kept when the rules
    /// allow it and the plan scores better; the empty seats it now covers
    /// are cut back or dropped.
    fn resize(&mut self, i: usize, to: Seat) -> bool {
        let Some(person) = self.holder[i] else { return false };
        let from = self.seats[i];
        self.take(i);
        self.seats[i] = to;
        if self.board.fits(person, &to) {
            self.put(i, person);
            let cost = self.score();
            if cost < self.cost {
                self.cost = cost;
                self.trim_empty(i);
                return true;
            }
            self.take(i);
        }
        self.seats[i] = from;
        self.put(i, person);
        false
    }

    /// Empty seats of seat `i`'s position that overlap it: cut to the years
    /// outside it, or dropped when what is left is shorter than a term may be.
    fn trim_empty(&mut self, i: usize) {
        let seat = self.seats[i];
        let min_len = self.problem.positions[seat.position].min_len;
        let mut gone = Vec::new();
        for j in 0..self.seats.len() {
            let other = self.seats[j];
            if j == i || self.holder[j].is_some() || other.position != seat.position {
                continue;
            }
            if !self.overlaps(j, seat.start, seat.end()) {
                continue;
            }
            let (start, end) = if other.start < seat.start {
                (other.start, seat.start - 1)
            } else {
                (seat.end() + 1, other.end())
            };
            let len = (end - start + 1).max(0) as u32;
            if len >= min_len && self.problem.index(start).is_some() {
                self.seats[j] = Seat { start, len, ..other };
            } else {
                gone.push(j);
            }
        }
        self.drop_seats(&gone);
    }

    /// Seats `gone` (empty by now) taken out of the lists.
    fn drop_seats(&mut self, gone: &[usize]) {
        let mut keep = vec![true; self.seats.len()];
        for &i in gone {
            keep[i] = false;
        }
        self.keep(&keep);
    }

    fn keep(&mut self, keep: &[bool]) {
        debug_assert!(
            keep.iter().zip(&self.holder).all(|(&k, h)| k || h.is_none()),
            "only empty seats are dropped: held ones are counted in the score"
        );
        retain(&mut self.seats, keep);
        retain(&mut self.holder, keep);
        retain(&mut self.locked, keep);
    }
}

fn retain<T>(items: &mut Vec<T>, keep: &[bool]) {
    let mut keep = keep.iter();
    items.retain(|_| keep.next().copied().unwrap_or(true));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{Current, Instance, Position, Rules, Staff, Unit, Weights};

    #[test]
    fn a_year_left_over_is_taken_into_the_term_before_it() {
        // 2027 is held by a current term; the plan's term 2028-2029 leaves
        // 2030 to nobody, a year too short for a term of its own (3 ± 1).
        let person = |id: &str| Staff::new(id, "staff", id, 2000);
        let instance = Instance {
            first_year: 2027,
            horizon: 4,
            units: vec![Unit {
                id: "u1".into(),
                positions: vec![Position::new("u1-s", "staff", 3)],
            }],
            staff: vec![person("x"), person("a")],
            current: vec![Current {
                position: "u1-s".into(),
                staff: "x".into(),
                start: 2025,
                end: 2027,
            }],
            rules: Rules {
                term_flex: 1,
                ..Rules::default()
            },
            weights: Weights::default(),
        };
        let problem = Problem::new(&instance).unwrap();
        let staffed = Staffed {
            seats: vec![Seat {
                position: 0,
                start: 2028,
                len: 2,
                pinned: None,
            }],
            holder: vec![Some(problem.staff_index["a"])],
        };
        let banned = vec![false; problem.staff.len()];
        let rules = Staffing {
            banned: &banned,
            required: &[],
        };
        let limits = Limits {
            deadline: Instant::now(),
            stall: 0,
            target: i64::MIN,
        };
        let (mended, score) = improve(&problem, staffed, &rules, &mut Rng::new(1), &limits);
        assert_eq!(mended.seats[0].start, 2028);
        assert_eq!(mended.seats[0].len, 3);
        assert_eq!(
            score,
            crate::score::evaluate(&problem, &mended.plan()).terms.score(&problem)
        );
        // A newcomer serving, no year empty, a standard term.
        assert_eq!(score, -100);
    }
}
