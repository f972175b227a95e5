//! Why each planned appointment is there (選定理由): what it keeps filled,
//! what it earns, and what it costs, in the objective's own terms, so that
//! the coordinator can read the proposal rather than trust it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::Problem;
use crate::score::Assigned;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// Who held the position until the year before, when someone did.
    pub predecessor: Option<String>,
    /// The predecessor is a current appointment (not one of this plan).
    pub predecessor_current: bool,
    /// Years the position stays empty just before this term.
    pub vacant_before: u32,
    /// The person has never served: earns the objective's `new_person`.
    pub newcomer: bool,
    /// Term length minus the standard term.
    pub deviation: i32,
    /// Other new terms starting in the same unit and year.
    pub same_year_starts: u32,
    /// Every position of the unit changes this year.
    pub whole_team_change: bool,
}

/// One explanation per appointment of `plan`, in its order. Linear in the
/// plan: a large city's plan has thousands of appointments.
pub fn explain(problem: &Problem, plan: &[Assigned]) -> Vec<Explanation> {
    // Per position, its terms (current and planned) by end year; per unit
    // and start year, the planned starts; per person, their first term here.
    let mut terms: HashMap<usize, Vec<(i32, usize, bool)>> = HashMap::new();
    for c in &problem.current {
        terms.entry(c.position).or_default().push((c.end, c.staff, true));
    }
    let mut starts: HashMap<(usize, i32), u32> = HashMap::new();
    let mut first: HashMap<usize, usize> = HashMap::new();
    for (i, a) in plan.iter().enumerate() {
        terms.entry(a.position).or_default().push((a.end, a.staff, false));
        *starts.entry((problem.positions[a.position].unit, a.start)).or_default() += 1;
        first.entry(a.staff).or_insert(i);
    }
    plan.iter()
        .enumerate()
        .map(|(i, a)| {
            let position = &problem.positions[a.position];
            let unit = &problem.units[position.unit];
            let before = terms
                .get(&a.position)
                .into_iter()
                .flatten()
                .filter(|(end, _, _)| *end < a.start)
                .max()
                .copied();
            let starts = starts[&(position.unit, a.start)];
            let vacant_from = before.map_or(problem.first, |(end, _, _)| (end + 1).max(problem.first));
            Explanation {
                predecessor: before.map(|(_, s, _)| problem.staff[s].id.clone()),
                predecessor_current: before.is_some_and(|(_, _, current)| current),
                vacant_before: (a.start - vacant_from).max(0) as u32,
                newcomer: problem.staff[a.staff].newcomer && first[&a.staff] == i,
                deviation: (a.end - a.start + 1) - position.term as i32,
                same_year_starts: starts - 1,
                whole_team_change: unit.positions.len() >= 2 && starts as usize >= unit.positions.len(),
            }
        })
        .collect()
}
