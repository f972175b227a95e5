//! The board (配置盤) that staffing writes on: everyone's terms, and the
//! departments serving each unit and year, so that each rule is checked in
//! a few steps as people are placed and taken out again.

use super::Seat;
use crate::model::Problem;

/// What the board holds while seats are filled: everyone's terms and the
/// departments serving each unit and year.
pub(super) struct Board<'a> {
    pub problem: &'a Problem,
    spans: Vec<Vec<(i32, i32)>>,
    unit_departments: Vec<Vec<usize>>,
    department_count: Vec<u32>,
    pub serves: Vec<u32>,
    banned: &'a [bool],
}

impl<'a> Board<'a> {
    pub fn new(problem: &'a Problem, banned: &'a [bool]) -> Board<'a> {
        let h = problem.horizon;
        let mut board = Board {
            problem,
            spans: problem.staff.iter().map(|s| s.busy.clone()).collect(),
            unit_departments: vec![Vec::new(); problem.units.len() * h],
            department_count: vec![0; problem.departments.len() * h],
            serves: vec![0; problem.staff.len()],
            banned,
        };
        for c in &problem.current {
            board.mark(c.staff, c.position, c.start, c.end, true);
        }
        board
    }

    fn years(&self, start: i32, end: i32) -> std::ops::Range<usize> {
        self.problem.indices(start, end)
    }

    fn mark(&mut self, person: usize, position: usize, start: i32, end: i32, on: bool) {
        let h = self.problem.horizon;
        let unit = self.problem.positions[position].unit;
        let department = self.problem.staff[person].department;
        for t in self.years(start, end) {
            let list = &mut self.unit_departments[unit * h + t];
            let count = &mut self.department_count[department * h + t];
            if on {
                list.push(department);
                *count += 1;
            } else if let Some(i) = list.iter().position(|&d| d == department) {
                list.swap_remove(i);
                *count -= 1;
            }
        }
    }

    /// Whether `person` may take `seat` now, given everyone already placed.
    pub fn fits(&self, person: usize, seat: &Seat) -> bool {
        let p = self.problem;
        let (start, end) = (seat.start, seat.end());
        if self.banned[person] || !p.eligible(person, seat.position, start, end) {
            return false;
        }
        if self.spans[person].iter().any(|&(s, e)| s <= end && start <= e) {
            return false;
        }
        let h = p.horizon;
        let unit = p.positions[seat.position].unit;
        let department = p.staff[person].department;
        let cap = p.department_cap[department];
        self.years(start, end).all(|t| {
            (!p.distinct_departments || !self.unit_departments[unit * h + t].contains(&department))
                && cap.is_none_or(|c| self.department_count[department * h + t] < c)
        })
    }

    /// Whether `person`'s department lends as many people as its cap
    /// allows in some year from `start` to `end`.
    pub fn at_cap(&self, person: usize, start: i32, end: i32) -> bool {
        let department = self.problem.staff[person].department;
        let h = self.problem.horizon;
        self.problem.department_cap[department].is_some_and(|cap| {
            self.years(start, end)
                .any(|t| self.department_count[department * h + t] >= cap)
        })
    }

    pub fn place(&mut self, person: usize, seat: &Seat) {
        self.spans[person].push((seat.start, seat.end()));
        self.serves[person] += 1;
        self.mark(person, seat.position, seat.start, seat.end(), true);
    }

    pub fn remove(&mut self, person: usize, seat: &Seat) {
        let span = (seat.start, seat.end());
        if let Some(i) = self.spans[person].iter().position(|&s| s == span) {
            self.spans[person].swap_remove(i);
        }
        self.serves[person] -= 1;
        self.mark(person, seat.position, seat.start, seat.end(), false);
    }

    /// Of `people`, who fits `seat` at the least cost to the future: a
    /// newcomer not yet placed, else whoever leaves soonest (the
    /// long-staying are kept for later years).
    pub fn best(&self, people: &[usize], seat: &Seat) -> Option<usize> {
        people
            .iter()
            .copied()
            .filter(|&s| self.fits(s, seat))
            .min_by_key(|&s| self.preference(s))
    }

    pub fn preference(&self, person: usize) -> (bool, i32) {
        (
            !self.fresh(person),
            self.problem.staff[person].leaves.unwrap_or(i32::MAX),
        )
    }

    /// A newcomer not yet placed earns the objective's `new_person`.
    pub fn fresh(&self, person: usize) -> bool {
        self.problem.staff[person].newcomer && self.serves[person] == 0
    }
}
