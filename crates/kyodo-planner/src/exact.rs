//! The contract's whole model as an integer program (整数計画), for towns:
//! every person, every term, every rule, solved by branch and bound over
//! the simplex (microlp). Its linear relaxation alone bounds every plan and
//! sees who can serve where person by person, which the Lagrangian bound
//! (counting people by grade) cannot; where the search finishes in time it
//! gives the best plan and proves it — CP-SAT's optima on the towns shaped
//! like real ones, most in under 0.2 s. Its size grows with people ×
//! positions × years, so a larger city is planned exactly only a few
//! districts at a time, the rest of its plan held (`replan_units`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp, Variable};

use crate::instance::{Current, Instance};
use crate::model::Problem;
use crate::score::Assigned;

/// Candidate terms the simplex gets through in a second, about: a town of
/// four districts has 1,000–4,600 (0.01–0.3 s), a ten-district city 8,000–
/// 19,000 (0.3–8 s). A model larger than its time allows is not started.
const TERMS_PER_SECOND: f64 = 8_000.0;
/// Above this many (person, position, start year) pairs the terms are not
/// even listed (a ten-district city has 24,000; one of forty, 380,000).
const LISTED_STARTS: usize = 100_000;

/// People the model cannot tell apart — the same department, both
/// newcomers or not, the same terms open to them — are one column per term,
/// up to their number: the relaxation's optimum is the same, and a town's
/// model half the size.
struct Alike {
    department: usize,
    newcomer: bool,
    members: Vec<usize>,
    terms: Vec<Term>,
}

/// A candidate term: a position, its first horizon year and length, and
/// the last horizon year it covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Term {
    position: usize,
    first: usize,
    len: u32,
    last: usize,
}

/// What the solver found in its time.
pub struct Solved {
    /// No plan scores lower: the optimum, when the search finished.
    pub bound: f64,
    /// The best plan it found, if any.
    pub plan: Option<Vec<Assigned>>,
}

/// The model of `problem` without the `banned` people, solved for at most
/// `limit`; None when it is too large for that time or nothing was proven.
pub fn solve(problem: &Problem, banned: &[bool], limit: Duration) -> Option<Solved> {
    let serving = serving_departments(problem);
    let groups = candidate_terms(problem, banned, &serving)?;
    let terms: usize = groups.iter().map(|g| g.terms.len()).sum();
    if terms as f64 > TERMS_PER_SECOND * limit.as_secs_f64() {
        return None;
    }
    let h = problem.horizon;
    let w = problem.weights;
    let mut lp = Lp::new(OptimizationDirection::Minimize);
    lp.set_time_limit(limit);
    // Only the terms are whole numbers: with them, the optimum makes every
    // other variable whole too.
    let mut columns: Vec<Vec<Variable>> = Vec::with_capacity(groups.len());

    // Rows as lists of (variable, coefficient), keyed by what they limit.
    let mut staff_year: BTreeMap<(usize, usize), Vec<Variable>> = BTreeMap::new();
    let mut position_year: BTreeMap<(usize, usize), Vec<Variable>> = BTreeMap::new();
    let mut unit_department_year: BTreeMap<(usize, usize, usize), Vec<Variable>> = BTreeMap::new();
    let mut department_year: BTreeMap<(usize, usize), Vec<Variable>> = BTreeMap::new();
    let mut unit_starts: BTreeMap<(usize, usize), Vec<Variable>> = BTreeMap::new();
    let mut can_start: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut newcomers: Vec<(f64, Vec<Variable>)> = Vec::new();
    for (g, alike) in groups.iter().enumerate() {
        let count = alike.members.len();
        let d = alike.department;
        let mut of_group = Vec::with_capacity(alike.terms.len());
        for term in &alike.terms {
            let deviation = term.len.abs_diff(problem.positions[term.position].term);
            // At most i32::MAX people alike: microlp bounds whole numbers so.
            let most = i32::try_from(count).unwrap_or(i32::MAX);
            let x = lp.add_integer_var((w.term_deviation * i64::from(deviation)) as f64, (0, most));
            let unit = problem.positions[term.position].unit;
            for t in term.first..=term.last {
                staff_year.entry((g, t)).or_default().push(x);
                position_year.entry((term.position, t)).or_default().push(x);
                if problem.distinct_departments {
                    unit_department_year.entry((unit, d, t)).or_default().push(x);
                }
                if problem.department_cap[d].is_some() {
                    department_year.entry((d, t)).or_default().push(x);
                }
            }
            unit_starts.entry((unit, term.first)).or_default().push(x);
            can_start.insert((term.position, term.first));
            of_group.push(x);
        }
        if alike.newcomer {
            newcomers.push((count as f64, of_group.clone()));
        }
        columns.push(of_group);
    }
    let at_most = |lp: &mut Lp, vars: &[Variable], most: f64| {
        if vars.len() as f64 > most {
            lp.add_constraint(vars.iter().map(|&v| (v, 1.0)), ComparisonOp::Le, most);
        }
    };
    for (&(g, _), vars) in &staff_year {
        at_most(&mut lp, vars, groups[g].members.len() as f64);
    }
    for vars in unit_department_year.values() {
        at_most(&mut lp, vars, 1.0);
    }
    for (&(d, t), vars) in &department_year {
        if let Some(cap) = problem.department_cap[d] {
            let room = cap.saturating_sub(serving[d * h + t]);
            at_most(&mut lp, vars, f64::from(room));
        }
    }
    // Each open position-year is held or empty.
    for (p, position) in problem.positions.iter().enumerate() {
        for t in (0..h).filter(|&t| !position.fixed[t]) {
            let vacancy = lp.add_var(w.vacancy as f64, (0.0, 1.0));
            let held = position_year.get(&(p, t)).map_or(&[][..], Vec::as_slice);
            let row = held.iter().map(|&v| (v, 1.0)).chain([(vacancy, 1.0)]);
            lp.add_constraint(row, ComparisonOp::Eq, 1.0);
        }
    }
    // A team's starts in one year: every one of two or more positions is a
    // whole-team change, each start after the first a concentration.
    for (u, unit) in problem.units.iter().enumerate() {
        let n = unit.positions.len();
        for t in 0..h {
            let Some(starts) = unit_starts.get(&(u, t)) else {
                continue;
            };
            let all_can_start = unit.positions.iter().all(|&p| can_start.contains(&(p, t)));
            if n >= 2 && all_can_start && w.whole_team_change > 0 {
                let change = lp.add_var(w.whole_team_change as f64, (0.0, 1.0));
                let row = starts.iter().map(|&v| (v, 1.0)).chain([(change, -1.0)]);
                lp.add_constraint(row, ComparisonOp::Le, (n - 1) as f64);
            }
            if starts.len() >= 2 && w.concentration > 0 {
                let extra = lp.add_var(w.concentration as f64, (0.0, f64::INFINITY));
                let row = starts.iter().map(|&v| (v, 1.0)).chain([(extra, -1.0)]);
                lp.add_constraint(row, ComparisonOp::Le, 1.0);
            }
        }
    }
    // A newcomer counts once, when serving at all.
    if w.new_person > 0 {
        for (count, vars) in &newcomers {
            let counted = lp.add_var(-(w.new_person as f64), (0.0, *count));
            let row = vars.iter().map(|&v| (v, -1.0)).chain([(counted, 1.0)]);
            lp.add_constraint(row, ComparisonOp::Le, 0.0);
        }
    }
    // microlp is young: a model it cannot solve leaves the Lagrangian
    // planner alone rather than stopping it.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lp.solve())).ok()?;
    let outcome = outcome.ok()?;
    let bound = if outcome.is_optimal() {
        outcome.solution().map(|s| s.objective())
    } else {
        outcome.stats().best_bound
    }?;
    let plan = outcome.solution().and_then(|solution| {
        // Whole numbers within the solver's tolerance (`var_value` would
        // panic beyond it; the plan is scored by the contract either way).
        let taken = |x: Variable| solution.var_value_raw(x).round().max(0.0) as usize;
        appointments(problem, &groups, &columns, taken)
    });
    Some(Solved { bound, plan })
}

/// Whether a neighbourhood of `units` districts can be planned again
/// exactly (`replan_units`) in a few milliseconds: a town's or a
/// ten-district city's people, not a larger city's.
pub fn neighbourhoods_fit(problem: &Problem, units: usize) -> bool {
    let positions = units * problem.units.iter().map(|u| u.positions.len()).max().unwrap_or(0);
    problem.staff.len() * positions * problem.horizon <= LISTED_STARTS
}

/// The plan with the appointments in `units` chosen again exactly and the
/// rest held as they are — as if current, so their people count as
/// serving already — or None when the program finds no plan in `limit`.
pub fn replan_units(
    instance: &Instance,
    problem: &Problem,
    plan: &[Assigned],
    units: &[usize],
    banned: &[bool],
    limit: Duration,
) -> Option<Vec<Assigned>> {
    let held: Vec<&Assigned> = plan
        .iter()
        .filter(|a| !units.contains(&problem.positions[a.position].unit))
        .collect();
    let mut rest = instance.clone();
    rest.current.extend(held.iter().map(|a| Current {
        position: problem.positions[a.position].id.clone(),
        staff: problem.staff[a.staff].id.clone(),
        start: a.start,
        end: a.end,
    }));
    // The same units, people and positions in the same order: the indices
    // of `problem` hold.
    let rest = Problem::new(&rest).ok()?;
    let replanned = solve(&rest, banned, limit)?.plan?;
    Some(held.into_iter().cloned().chain(replanned).collect())
}

/// The people of each group given the terms the solution takes of it,
/// each to someone free in its years — someone not yet serving first, so
/// that as many newcomers serve as the solution counted. None if the terms
/// overlap more than the group has people (the solution broke its rows).
fn appointments(
    problem: &Problem,
    groups: &[Alike],
    columns: &[Vec<Variable>],
    taken: impl Fn(Variable) -> usize,
) -> Option<Vec<Assigned>> {
    let mut plan = Vec::new();
    for (alike, of_group) in groups.iter().zip(columns) {
        let mut terms: Vec<&Term> = Vec::new();
        for (term, &x) in alike.terms.iter().zip(of_group) {
            terms.extend(std::iter::repeat_n(term, taken(x)));
        }
        terms.sort_by_key(|t| (t.first, t.len));
        // Per member, the last year of their latest term.
        let mut until: Vec<Option<i32>> = vec![None; alike.members.len()];
        for term in terms {
            let start = problem.year(term.first);
            let free = until
                .iter()
                .position(Option::is_none)
                .or_else(|| until.iter().position(|u| u.is_some_and(|end| end < start)))?;
            let end = start + term.len as i32 - 1;
            until[free] = Some(end);
            plan.push(Assigned {
                position: term.position,
                staff: alike.members[free],
                start,
                end,
            });
        }
    }
    Some(plan)
}

/// Every term anyone could serve, by the rules that do not depend on the
/// rest of the plan and on the current appointments; of the lengths that
/// cover the same horizon years only the one nearest the position's term.
/// `serving` is `serving_departments`. None for a city too large to list
/// them.
fn candidate_terms(problem: &Problem, banned: &[bool], serving: &[u32]) -> Option<Vec<Alike>> {
    let h = problem.horizon;
    // A city far too large is turned away before its terms are listed.
    let mut of_grade = vec![0; problem.grades.len()];
    for position in &problem.positions {
        of_grade[position.grade] += 1;
    }
    let starts: usize = problem.staff.iter().map(|s| of_grade[s.grade] * h).sum();
    if starts > LISTED_STARTS {
        return None;
    }
    let departments = problem.departments.len();
    let mut taken = vec![false; problem.units.len() * departments * h];
    for c in &problem.current {
        let unit = problem.positions[c.position].unit;
        let department = problem.staff[c.staff].department;
        for t in problem.indices(c.start, c.end) {
            taken[(unit * departments + department) * h + t] = true;
        }
    }
    let mut groups: BTreeMap<(usize, bool, Vec<Term>), Vec<usize>> = BTreeMap::new();
    for (s, person) in problem.staff.iter().enumerate() {
        if banned[s] {
            continue;
        }
        let d = person.department;
        let blocked = |position: &crate::model::Pos, t: usize| {
            position.fixed[t]
                || problem.department_cap[d].is_some_and(|cap| serving[d * h + t] >= cap)
                || (problem.distinct_departments && taken[(position.unit * departments + d) * h + t])
        };
        let mut terms: Vec<Term> = Vec::new();
        for (p, position) in problem.positions.iter().enumerate() {
            if position.grade != person.grade {
                continue;
            }
            for first in 0..h {
                let start = problem.year(first);
                // Of the lengths that cover the same horizon years, the one
                // nearest the term (the shorter of two as near).
                let mut nearest: Option<Term> = None;
                for len in position.min_len..=position.max_len {
                    let end = start + len as i32 - 1;
                    let years = problem.indices(start, end);
                    if !problem.eligible(s, p, start, end)
                        || person.busy.iter().any(|&(a, b)| a <= end && start <= b)
                        || years.clone().any(|t| blocked(position, t))
                    {
                        continue;
                    }
                    let term = Term {
                        position: p,
                        first,
                        len,
                        last: years.end - 1,
                    };
                    let deviation = |t: &Term| t.len.abs_diff(position.term);
                    match &nearest {
                        Some(near) if near.last == term.last && deviation(near) <= deviation(&term) => {}
                        Some(near) if near.last != term.last => {
                            terms.push(near.clone());
                            nearest = Some(term);
                        }
                        _ => nearest = Some(term),
                    }
                }
                terms.extend(nearest);
            }
        }
        if terms.is_empty() {
            continue;
        }
        groups.entry((d, person.newcomer, terms)).or_default().push(s);
    }
    let groups = groups
        .into_iter()
        .map(|((department, newcomer, terms), members)| Alike {
            department,
            newcomer,
            members,
            terms,
        })
        .collect();
    Some(groups)
}

/// Per department and horizon year (`d * h + t`), its people holding a
/// current appointment.
fn serving_departments(problem: &Problem) -> Vec<u32> {
    let h = problem.horizon;
    let mut serving = vec![0; problem.departments.len() * h];
    for c in &problem.current {
        let d = problem.staff[c.staff].department;
        for t in problem.indices(c.start, c.end) {
            serving[d * h + t] += 1;
        }
    }
    serving
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::testing::{town, town_instance};

    const LIMIT: Duration = Duration::from_secs(10);

    #[test]
    fn a_seat_the_department_rules_leave_empty_is_counted() {
        // Both managers are of d01, so each team's chief must be the one
        // d02 chief: one chief seat stays empty for both years (20,000),
        // the other team changes whole in 2027 (1,000 + 30), and three
        // newcomers serve (-300). Half a chief in each team costs the same.
        let problem = town(None);
        let banned = vec![false; problem.staff.len()];
        let bound = solve(&problem, &banned, LIMIT).unwrap().bound;
        assert!((bound - 20_730.0).abs() < 1e-6, "{bound}");
    }

    #[test]
    fn the_best_plan_gives_alike_people_one_term_each() {
        // The two d01 managers are one group taking both manager terms: one
        // each, so both count as newcomers, and the plan scores what the
        // solver proved by the contract's own count.
        let problem = town(None);
        let banned = vec![false; problem.staff.len()];
        let solved = solve(&problem, &banned, LIMIT).unwrap();
        let plan = solved.plan.unwrap();
        let evaluation = crate::score::evaluate(&problem, &plan);
        assert!(evaluation.violations.is_empty(), "{:?}", evaluation.violations);
        assert_eq!(evaluation.terms.score(&problem), 20_730);
        assert_eq!(evaluation.terms.new_person, 3);
    }

    #[test]
    fn a_neighbourhood_is_planned_again_around_what_is_held() {
        // The best plan with one district replanned from nothing: the other
        // district's appointments are kept as they are, and the replanned
        // one is as good as before.
        let problem = town(None);
        let instance = town_instance(None);
        let banned = vec![false; problem.staff.len()];
        let best = solve(&problem, &banned, LIMIT).unwrap().plan.unwrap();
        let unit = |a: &Assigned| problem.positions[a.position].unit;
        let held: Vec<Assigned> = best.iter().filter(|a| unit(a) == 1).cloned().collect();
        let replanned = replan_units(&instance, &problem, &held, &[0], &banned, LIMIT).unwrap();
        assert!(held.iter().all(|a| replanned.contains(a)), "{replanned:?}");
        assert!(replanned.iter().filter(|a| !held.contains(a)).all(|a| unit(a) == 0));
        let evaluation = crate::score::evaluate(&problem, &replanned);
        assert!(evaluation.violations.is_empty(), "{:?}", evaluation.violations);
        assert_eq!(evaluation.terms.score(&problem), 20_730);
    }

    #[test]
    fn a_banned_person_is_left_out() {
        // Without the d02 chief no chief seat can be held: 40,000 empty,
        // no team changes whole, two newcomers.
        let problem = town(None);
        let banned: Vec<bool> = problem.staff.iter().map(|s| s.id == "c3").collect();
        let bound = solve(&problem, &banned, LIMIT).unwrap().bound;
        assert!((bound - 39_800.0).abs() < 1e-6, "{bound}");
    }

    #[test]
    fn people_alike_are_one_column_per_term() {
        // The two d01 managers can take the same terms: one group of two.
        let problem = town(None);
        let banned = vec![false; problem.staff.len()];
        let groups = candidate_terms(&problem, &banned, &serving_departments(&problem)).unwrap();
        let managers: Vec<&Alike> = groups
            .iter()
            .filter(|g| g.members.len() == 2 && g.department == 0)
            .collect();
        assert_eq!(managers.len(), 2, "the two managers and the two d01 chiefs");
        // In each district, a two-year term from 2027, or from 2028 running
        // past the horizon: four terms for each group.
        for group in &groups {
            let years: Vec<(usize, u32, usize)> = group.terms.iter().map(|t| (t.first, t.len, t.last)).collect();
            assert_eq!(years, [(0, 2, 1), (1, 2, 1), (0, 2, 1), (1, 2, 1)]);
        }
    }

    #[test]
    fn a_model_larger_than_its_time_is_not_started() {
        let problem = town(None);
        let banned = vec![false; problem.staff.len()];
        assert!(solve(&problem, &banned, Duration::ZERO).is_none());
    }
}
