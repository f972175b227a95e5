//! One position timed again (任期の組み直し) with everyone else in place:
//! its terms in the horizon are taken out and laid again by dynamic
//! programming over the years, each possible term priced by who could take
//! it now — a newcomer, someone else, or nobody (the years stay empty).

use super::Search;
use crate::rng::Rng;
use crate::schedule::unit_cost;
use crate::staffing::Seat;

#[derive(Clone, Copy)]
enum Choice {
    /// Held by a current or pinned term.
    Held,
    Empty,
    Term {
        len: u32,
        person: usize,
    },
}

impl Search<'_> {
    /// Re-time a position — one with years nobody holds, or any — (or its
    /// team, or its grade in other districts) with its team's other seats
    /// and a few seats of its grade emptied, so that
    /// the departments and people they held are free to choose again; the
    /// emptied seats are then filled again, and it all is undone when the
    /// plan scores above `threshold`.
    pub(super) fn retime(&mut self, rng: &mut Rng, threshold: i64) {
        let p = self.problem;
        let full = (1u64 << p.horizon) - 1;
        let coverage = self.coverage();
        let short: Vec<usize> = (0..p.positions.len()).filter(|&q| coverage[q] != full).collect();
        let position = if !short.is_empty() && rng.chance(0.75) {
            short[rng.below(short.len())]
        } else {
            rng.below(p.positions.len())
        };
        let (unit, grade) = (p.positions[position].unit, p.positions[position].grade);
        // A third of the time the whole team is timed again, a position at
        // a time; a third, the position with the same grade's in two other
        // districts, so that people of the grade move between them.
        let mut retimed = vec![position];
        match rng.below(3) {
            0 => {
                retimed = p.units[unit].positions.clone();
                rng.shuffle(&mut retimed);
            }
            1 => {
                for _ in 0..2 {
                    let other = &p.units[rng.below(p.units.len())];
                    let same: Vec<usize> = other
                        .positions
                        .iter()
                        .copied()
                        .filter(|&q| p.positions[q].grade == grade && !retimed.contains(&q))
                        .collect();
                    retimed.extend(same);
                }
            }
            _ => {}
        }
        let mine: Vec<usize> = (0..self.seats.len())
            .filter(|&i| !self.locked[i] && retimed.contains(&self.seats[i].position))
            .collect();
        let before: Vec<(Seat, Option<usize>)> = mine.iter().map(|&i| (self.seats[i], self.holder[i])).collect();
        for &i in &mine {
            self.take(i);
        }
        self.drop_seats(&mine);
        // The years it is short of people (or any), and a year either side.
        let open = !self.covered(position) & full;
        let years: Vec<usize> = (0..p.horizon).filter(|&t| open >> t & 1 == 1).collect();
        let t = if years.is_empty() {
            rng.below(p.horizon)
        } else {
            years[rng.below(years.len())]
        };
        let (from, to) = (p.year(t) - 1, p.year(t) + 1);
        let mut team = Vec::new();
        let mut others = Vec::new();
        for i in 0..self.seats.len() {
            if self.locked[i] || self.holder[i].is_none() {
                continue;
            }
            let q = &p.positions[self.seats[i].position];
            if q.unit == unit {
                team.push(i);
            } else if q.grade == grade || self.overlaps(i, from, to) {
                others.push(i);
            }
        }
        rng.shuffle(&mut others);
        others.truncate(rng.below(super::WINDOW));
        team.extend(others);
        let held: Vec<Option<usize>> = team.iter().map(|&i| self.holder[i]).collect();
        for &i in &team {
            self.take(i);
        }
        let first_new = self.seats.len();
        for &q in &retimed {
            for (seat, person) in self.lay(q, rng) {
                self.push_seat(seat, person);
            }
        }
        self.recreate(&team, rng);
        let cost = self.score();
        if cost <= threshold {
            self.cost = cost;
            return;
        }
        let laid: Vec<usize> = (first_new..self.seats.len()).collect();
        for &i in team.iter().chain(&laid) {
            self.take(i);
        }
        self.drop_seats(&laid);
        for (&i, person) in team.iter().zip(held) {
            if let Some(person) = person {
                self.put(i, person);
            }
        }
        for (seat, person) in before {
            self.push_seat(seat, person);
        }
    }

    pub(super) fn push_seat(&mut self, seat: Seat, person: Option<usize>) {
        self.seats.push(seat);
        self.holder.push(None);
        self.locked.push(false);
        if let Some(person) = person {
            self.put(self.seats.len() - 1, person);
        }
    }

    /// The best terms for `position` given everyone else, as seats and
    /// holders (None: nobody could take it; its years stay empty).
    fn lay(&self, position: usize, rng: &mut Rng) -> Vec<(Seat, Option<usize>)> {
        let p = self.problem;
        let h = p.horizon;
        let w = &p.weights;
        let pos = &p.positions[position];
        let held = self.covered(position);
        // Starts in the unit's other positions, per year: a start here adds
        // to the year's concentration and may make a whole-team change.
        let team = p.units[pos.unit].positions.len();
        let starts = &self.starts[pos.unit * h..(pos.unit + 1) * h];
        let start_cost = |t: usize| unit_cost(starts[t] + 1, team, w) - unit_cost(starts[t], team, w);
        let people = &self.people[pos.grade];
        // best[t] = (cost of years t.., the choice at t); best[h] = 0.
        let mut best: Vec<(i64, Choice)> = vec![(0, Choice::Held); h + 1];
        for t in (0..h).rev() {
            if held >> t & 1 == 1 {
                best[t] = (best[t + 1].0, Choice::Held);
                continue;
            }
            best[t] = (w.vacancy + best[t + 1].0, Choice::Empty);
            for len in pos.min_len..=pos.max_len {
                let last = (t + len as usize).min(h);
                if (t..last).any(|y| held >> y & 1 == 1) {
                    continue;
                }
                let seat = Seat {
                    position,
                    start: p.year(t),
                    len,
                    pinned: None,
                };
                // A newcomer if there is one, else anyone (leaving soonest).
                let fitting = self.candidates(people, &seat, 16, rng);
                let Some(person) = fitting
                    .iter()
                    .copied()
                    .min_by_key(|&s| (self.board.preference(s), rng_key(rng)))
                else {
                    continue;
                };
                let gain = if self.board.fresh(person) { w.new_person } else { 0 };
                let cost = (i64::from(len) - i64::from(pos.term)).abs() * w.term_deviation + start_cost(t) - gain
                    + best[last].0;
                if cost < best[t].0 {
                    best[t] = (cost, Choice::Term { len, person });
                }
            }
        }
        let mut laid = Vec::new();
        let mut empty_from: Option<usize> = None;
        let mut t = 0;
        while t <= h {
            let choice = if t < h { best[t].1 } else { Choice::Held };
            if let Choice::Empty = choice {
                empty_from.get_or_insert(t);
                t += 1;
                continue;
            }
            if let Some(from) = empty_from.take() {
                laid.extend(self.empty_seats(position, from, t));
            }
            match choice {
                Choice::Term { len, person } => {
                    let seat = Seat {
                        position,
                        start: p.year(t),
                        len,
                        pinned: None,
                    };
                    laid.push((seat, Some(person)));
                    t += len as usize;
                }
                _ => t += 1,
            }
        }
        laid
    }

    /// Empty seats over the horizon years `from..to` of `position`: terms
    /// of the standard length, the last one running on past the horizon.
    fn empty_seats(&self, position: usize, from: usize, to: usize) -> Vec<(Seat, Option<usize>)> {
        let p = self.problem;
        let pos = &p.positions[position];
        let mut seats = Vec::new();
        let mut t = from;
        while t < to {
            let left = (to - t) as u32;
            let len = if to == p.horizon { pos.term } else { left.min(pos.term) };
            if len >= pos.min_len && len <= pos.max_len {
                let start = p.year(t);
                seats.push((
                    Seat {
                        position,
                        start,
                        len,
                        pinned: None,
                    },
                    None,
                ));
            }
            t += len.max(1) as usize;
        }
        seats
    }
}

/// A random tie-break among equally good people.
fn rng_key(rng: &mut Rng) -> u64 {
    rng.next_u64()
}
