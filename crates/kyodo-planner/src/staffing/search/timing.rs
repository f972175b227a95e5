//! Terms lengthened, shortened, split and joined in place (任期の調整):
//! the year two neighbouring terms of a position meet moves by one, a term
//! splits in two so that someone else — a newcomer, or a manager of
//! another department — takes its later years, or two terms join into one.
//! Shorter terms cost their deviation from the standard; they pay when they
//! let a department's place go to a newcomer.

use super::Search;
use crate::rng::Rng;
use crate::staffing::Seat;

impl Search<'_> {
    pub(super) fn adjust(&mut self, rng: &mut Rng, threshold: i64) {
        let Some(i) = self.any_seat(rng) else { return };
        // (index, seat, holder) before, to undo; seats pushed are dropped.
        let before: Vec<(usize, Seat, Option<usize>)>;
        let pushed_from = self.seats.len();
        match rng.below(3) {
            0 => {
                let Some(j) = self.next_of(i) else { return };
                before = vec![(i, self.seats[i], self.holder[i]), (j, self.seats[j], self.holder[j])];
                let k: i32 = if rng.chance(0.5) { 1 } else { -1 };
                let (a, b) = (self.seats[i], self.seats[j]);
                let (len_a, len_b) = (a.len as i32 + k, b.len as i32 - k);
                if len_a < 1 || len_b < 1 || self.problem.index(b.start + k).is_none() {
                    return;
                }
                let moved = [
                    (i, Seat { len: len_a as u32, ..a }),
                    (
                        j,
                        Seat {
                            start: b.start + k,
                            len: len_b as u32,
                            ..b
                        },
                    ),
                ];
                if !self.reseat(&moved) {
                    return;
                }
            }
            1 => {
                let a = self.seats[i];
                let min_len = self.problem.positions[a.position].min_len;
                if a.len < 2 * min_len || self.holder[i].is_none() {
                    return;
                }
                let first = min_len + rng.below((a.len - 2 * min_len + 1) as usize) as u32;
                let later = Seat {
                    start: a.start + first as i32,
                    len: a.len - first,
                    ..a
                };
                if self.problem.index(later.start).is_none() {
                    return;
                }
                before = vec![(i, a, self.holder[i])];
                if !self.reseat(&[(i, Seat { len: first, ..a })]) {
                    return;
                }
                let grade = self.problem.positions[a.position].grade;
                let candidates = self.candidates(&self.people[grade], &later, 16, rng);
                self.push_seat(later, self.choose(&candidates, rng));
            }
            _ => {
                let Some(j) = self.next_of(i) else { return };
                let (a, b) = (self.seats[i], self.seats[j]);
                if a.len + b.len > self.problem.positions[a.position].max_len {
                    return;
                }
                before = vec![(i, a, self.holder[i]), (j, b, self.holder[j])];
                let joined = Seat {
                    len: a.len + b.len,
                    ..a
                };
                self.take(j);
                self.take(i);
                self.seats[i] = joined;
                // Whoever of the two fits the whole term keeps it.
                let keeper = [before[0].2, before[1].2]
                    .into_iter()
                    .flatten()
                    .find(|&s| self.board.fits(s, &joined));
                if let Some(s) = keeper {
                    self.put(i, s);
                }
                self.locked[j] = true;
                self.seats[j] = Seat { len: 0, ..b };
            }
        }
        let cost = self.score();
        let dropped: Vec<usize> = (0..self.seats.len()).filter(|&k| self.seats[k].len == 0).collect();
        if cost <= threshold {
            self.cost = cost;
            self.drop_seats(&dropped);
            return;
        }
        for k in (pushed_from..self.seats.len()).chain(before.iter().map(|b| b.0)) {
            self.take(k);
        }
        let pushed: Vec<usize> = (pushed_from..self.seats.len()).collect();
        for &(k, seat, _) in &before {
            self.seats[k] = seat;
            self.locked[k] = false;
        }
        for &(k, _, holder) in &before {
            if let Some(s) = holder {
                self.put(k, s);
            }
        }
        self.drop_seats(&pushed);
    }

    /// The unlocked seat of the same position that starts the year after
    /// seat `i` ends.
    fn next_of(&self, i: usize) -> Option<usize> {
        let a = self.seats[i];
        (0..self.seats.len())
            .find(|&j| !self.locked[j] && self.seats[j].position == a.position && self.seats[j].start == a.end() + 1)
    }

    /// Seats resized in place, each keeping its holder when they still fit;
    /// false (and nothing changed) when a holder does not.
    fn reseat(&mut self, moved: &[(usize, Seat)]) -> bool {
        let problem = self.problem;
        if moved.iter().any(|(_, s)| {
            let p = &problem.positions[s.position];
            s.len < p.min_len || s.len > p.max_len
        }) {
            return false;
        }
        let holders: Vec<Option<usize>> = moved.iter().map(|&(k, _)| self.holder[k]).collect();
        let old: Vec<Seat> = moved.iter().map(|&(k, _)| self.seats[k]).collect();
        for &(k, _) in moved {
            self.take(k);
        }
        for &(k, seat) in moved {
            self.seats[k] = seat;
        }
        let mut placed = Vec::new();
        let mut ok = true;
        for (&(k, seat), holder) in moved.iter().zip(&holders) {
            if let Some(s) = *holder {
                if self.board.fits(s, &seat) {
                    self.put(k, s);
                    placed.push(k);
                } else {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return true;
        }
        for k in placed {
            self.take(k);
        }
        for ((&(k, _), seat), holder) in moved.iter().zip(old).zip(holders) {
            self.seats[k] = seat;
            if let Some(s) = holder {
                self.put(k, s);
            }
        }
        false
    }
}
