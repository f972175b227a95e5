//! Why each planned appointment is there (選定理由): what it keeps filled,
//! what it earns, and what it costs, in the objective's own terms, so that
//! the coordinator can read the proposal rather than trust it.

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

/// One explanation per appointment of `plan`, in its order.
pub fn explain(problem: &Problem, plan: &[Assigned]) -> Vec<Explanation> {
    plan.iter()
        .map(|a| {
            let position = &problem.positions[a.position];
            let unit = &problem.units[position.unit];
            let before = problem
                .current
                .iter()
                .filter(|c| c.position == a.position && c.end < a.start)
                .map(|c| (c.end, c.staff, true))
                .chain(
                    plan.iter()
                        .filter(|b| b.position == a.position && b.end < a.start)
                        .map(|b| (b.end, b.staff, false)),
                )
                .max();
            let starts = plan
                .iter()
                .filter(|b| b.start == a.start && problem.positions[b.position].unit == position.unit)
                .count() as u32;
            let vacant_from = before.map_or(problem.first, |(end, _, _)| (end + 1).max(problem.first));
            Explanation {
                predecessor: before.map(|(_, s, _)| problem.staff[s].id.clone()),
                predecessor_current: before.is_some_and(|(_, _, current)| current),
                vacant_before: (a.start - vacant_from).max(0) as u32,
                newcomer: problem.staff[a.staff].newcomer
                    && plan.iter().find(|b| b.staff == a.staff).is_some_and(|first| first == a),
                deviation: (a.end - a.start + 1) - position.term as i32,
                same_year_starts: starts - 1,
                whole_team_change: unit.positions.len() >= 2 && starts as usize >= unit.positions.len(),
            }
        })
        .collect()
}
