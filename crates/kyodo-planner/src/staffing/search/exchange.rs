//! Small changes of who holds which seat, scored in a few steps (交換):
//! two holders of one grade trade seats, or someone — half the time a
//! newcomer not yet serving — takes a seat and its holder moves to an
//! empty seat they fit, or out. Thousands of these run for each ruin and
//! recreate; trades that cost nothing let the plan drift until a newcomer
//! finds a place.

use super::{Search, TRIES};
use crate::rng::Rng;

impl Search<'_> {
    pub(super) fn exchange(&mut self, rng: &mut Rng, threshold: i64) {
        let Some(i) = self.any_seat(rng) else { return };
        let grade = self.problem.positions[self.seats[i].position].grade;
        // (seat, holder before) for every seat changed, to undo.
        let mut undo: Vec<(usize, Option<usize>)> = Vec::new();
        if rng.chance(0.5) {
            self.trade(i, grade, rng, &mut undo);
        } else {
            self.take_over(i, grade, rng, &mut undo);
        }
        if undo.is_empty() {
            return;
        }
        let cost = self.score();
        if cost <= threshold {
            self.cost = cost;
            return;
        }
        for &(k, _) in &undo {
            self.take(k);
        }
        for &(k, person) in &undo {
            if let Some(person) = person {
                self.put(k, person);
            }
        }
    }

    /// Seat `i`'s holder and another seat's of `grade` trade places.
    fn trade(&mut self, i: usize, grade: usize, rng: &mut Rng, undo: &mut Vec<(usize, Option<usize>)>) {
        let n = self.seats.len();
        let Some(a) = self.holder[i] else { return };
        let Some(j) = (0..TRIES).map(|_| rng.below(n)).find(|&j| {
            j != i
                && !self.locked[j]
                && self.holder[j].is_some()
                && self.problem.positions[self.seats[j].position].grade == grade
        }) else {
            return;
        };
        let Some(b) = self.holder[j] else { return };
        self.take(i);
        self.take(j);
        if self.board.fits(b, &self.seats[i]) {
            self.put(i, b);
            if self.board.fits(a, &self.seats[j]) {
                self.put(j, a);
                undo.extend([(i, Some(a)), (j, Some(b))]);
                return;
            }
            self.take(i);
        }
        self.put(i, a);
        self.put(j, b);
    }

    /// Someone of `grade` takes seat `i`; its holder moves to an empty
    /// seat they fit, or serves nowhere.
    fn take_over(&mut self, i: usize, grade: usize, rng: &mut Rng, undo: &mut Vec<(usize, Option<usize>)>) {
        let people = &self.people[grade];
        if people.is_empty() {
            return;
        }
        let fresh_only = rng.chance(0.5);
        let Some(b) = (0..TRIES)
            .map(|_| people[rng.below(people.len())])
            .find(|&s| Some(s) != self.holder[i] && (!fresh_only || self.board.fresh(s)))
        else {
            return;
        };
        let a = self.holder[i];
        self.take(i);
        if !self.board.fits(b, &self.seats[i]) {
            if let Some(a) = a {
                self.put(i, a);
            }
            return;
        }
        self.put(i, b);
        undo.push((i, a));
        let Some(a) = a else { return };
        let n = self.seats.len();
        let empty = (0..TRIES).map(|_| rng.below(n)).find(|&k| {
            !self.locked[k]
                && self.holder[k].is_none()
                && self.problem.positions[self.seats[k].position].grade == grade
                && self.board.fits(a, &self.seats[k])
        });
        if let Some(k) = empty {
            self.put(k, a);
            undo.push((k, None));
        }
    }
}
