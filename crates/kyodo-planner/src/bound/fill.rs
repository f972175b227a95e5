//! The most positions anyone can hold in one year (一年度に埋まる最大数) under
//! the department rules: the people serving a unit come from different
//! departments, a department lends at most its cap, and a department has
//! only so many people of each grade free that year. Each unit's choice of
//! departments is made whole, exactly; what the units share — each
//! department's people of a grade, each cap — is priced and the prices
//! improved by subgradient steps (a Lagrangian relaxation), so the answer
//! is never below the truth: the positions less it are years that must
//! stay empty, whatever the plan.

use std::collections::HashMap;

use crate::model::Problem;

const ITERATIONS: u32 = 300;

/// The most positions (current ones included) that can be held in horizon
/// year `t`; of grade `grade` only, when given (the other grades' positions
/// are left out, which only loosens the rules).
pub fn most_held(problem: &Problem, banned: &[bool], t: usize, grade: Option<usize>) -> usize {
    let counted = |p: usize| grade.is_none_or(|g| problem.positions[p].grade == g);
    let year = problem.year(t);
    let departments = problem.departments.len();
    let grades = problem.grades.len();
    let fixed = (0..problem.positions.len())
        .filter(|&p| counted(p) && problem.positions[p].fixed[t])
        .count();

    // Who holds a current term this year: busy, and their departments are
    // taken in their unit and count against the cap.
    let mut busy = vec![false; problem.staff.len()];
    let mut lent = vec![0u32; departments];
    let mut taken: Vec<Vec<usize>> = vec![Vec::new(); problem.units.len()];
    for c in problem.current.iter().filter(|c| c.start <= year && year <= c.end) {
        busy[c.staff] = true;
        let d = problem.staff[c.staff].department;
        lent[d] += 1;
        taken[problem.positions[c.position].unit].push(d);
    }
    let room: Vec<Option<f64>> = (0..departments)
        .map(|d| problem.department_cap[d].map(|cap| f64::from(cap.saturating_sub(lent[d]))))
        .collect();

    // Free people by department and grade; per class and department, the
    // free people its hire rule admits; per open position and department,
    // those of them barred from its unit (home, served before).
    let open: Vec<usize> = (0..problem.positions.len())
        .filter(|&p| counted(p) && !problem.positions[p].fixed[t])
        .collect();
    let mut open_in_unit: Vec<Vec<usize>> = vec![Vec::new(); problem.units.len()];
    for &p in &open {
        open_in_unit[problem.positions[p].unit].push(p);
    }
    let classes = problem.classes.len();
    let mut supply = vec![0.0f64; departments * grades];
    let mut admitted = vec![0u32; classes * departments];
    let mut barred: HashMap<(usize, usize), u32> = HashMap::new();
    for (s, person) in problem.staff.iter().enumerate() {
        if banned[s] || busy[s] || person.leaves.is_some_and(|l| year > l) {
            continue;
        }
        let d = person.department;
        let admits = |k: usize| {
            let class = &problem.classes[k];
            class.grade == person.grade && year - person.hired >= class.min_years
        };
        let mut any = false;
        for k in (0..classes).filter(|&k| admits(k)) {
            admitted[k * departments + d] += 1;
            any = true;
        }
        if !any {
            continue;
        }
        supply[d * grades + person.grade] += 1.0;
        let mut units: Vec<usize> = person.barred.iter().copied().chain(person.home).collect();
        units.sort_unstable();
        units.dedup();
        for u in units {
            for &p in &open_in_unit[u] {
                if admits(problem.positions[p].class) {
                    *barred.entry((p, d)).or_default() += 1;
                }
            }
        }
    }
    let may_fill = |p: usize, d: usize| {
        let k = problem.positions[p].class;
        admitted[k * departments + d] > barred.get(&(p, d)).copied().unwrap_or(0)
    };
    // Per unit: its open positions, each with the departments that may fill it.
    let mut units: Vec<Vec<(usize, Vec<usize>)>> = vec![Vec::new(); problem.units.len()];
    for &p in &open {
        let unit = problem.positions[p].unit;
        let list: Vec<usize> = (0..departments)
            .filter(|&d| may_fill(p, d))
            .filter(|d| !problem.distinct_departments || !taken[unit].contains(d))
            .collect();
        units[unit].push((problem.positions[p].grade, list));
    }

    let mut supply_price = vec![0.0f64; departments * grades];
    let mut cap_price = vec![0.0f64; departments];
    let mut best = f64::INFINITY;
    let mut theta = 1.0;
    let mut stale = 0;
    for _ in 0..ITERATIONS {
        let mut used = vec![0.0f64; departments * grades];
        let mut value: f64 = supply.iter().zip(&supply_price).map(|(n, m)| n * m).sum();
        for (d, r) in room.iter().enumerate() {
            if let Some(r) = r {
                value += r * cap_price[d];
            }
        }
        let weight = |g: usize, d: usize| 1.0 - supply_price[d * grades + g] - cap_price[d];
        for positions in &units {
            let (gain, chosen) = best_pattern(positions, &weight, problem.distinct_departments);
            value += gain;
            for (g, d) in chosen {
                used[d * grades + g] += 1.0;
            }
        }
        if value < best - 1e-9 {
            best = value;
            stale = 0;
        } else {
            stale += 1;
            if stale >= 5 {
                theta /= 2.0;
                stale = 0;
            }
        }
        // A greedy count of what the pattern could keep: the target the
        // steps aim at.
        let kept: f64 = (0..departments)
            .map(|d| {
                let within: f64 = (0..grades)
                    .map(|g| used[d * grades + g].min(supply[d * grades + g]))
                    .sum();
                room[d].map_or(within, |r| within.min(r))
            })
            .sum();
        if (best + 1e-6).floor() <= kept || theta < 1e-3 {
            break;
        }
        let supply_gradient: Vec<f64> = supply.iter().zip(&used).map(|(n, u)| n - u).collect();
        let mut lent_now = vec![0.0f64; departments];
        for d in 0..departments {
            lent_now[d] = (0..grades).map(|g| used[d * grades + g]).sum();
        }
        let cap_gradient: Vec<f64> = (0..departments)
            .map(|d| room[d].map_or(0.0, |r| r - lent_now[d]))
            .collect();
        let norm: f64 = supply_gradient.iter().chain(&cap_gradient).map(|g| g * g).sum();
        if norm == 0.0 {
            break;
        }
        let size = theta * (value - kept).max(1.0) / norm;
        for (price, g) in supply_price.iter_mut().zip(&supply_gradient) {
            *price = (*price - size * g).max(0.0);
        }
        for (price, g) in cap_price.iter_mut().zip(&cap_gradient) {
            *price = (*price - size * g).max(0.0);
        }
    }
    fixed + ((best + 1e-6).floor().max(0.0) as usize).min(open.len())
}

/// The best departments for one unit's open positions (`(grade, departments
/// that may fill it)`), each department once when `distinct`: the gain and
/// the (grade, department) pairs chosen.
fn best_pattern(
    positions: &[(usize, Vec<usize>)],
    weight: &impl Fn(usize, usize) -> f64,
    distinct: bool,
) -> (f64, Vec<(usize, usize)>) {
    // Only a position's best few departments can matter: the others in the
    // unit take at most one each.
    let keep = positions.len();
    let options: Vec<Vec<(f64, usize)>> = positions
        .iter()
        .map(|(g, list)| {
            let mut scored: Vec<(f64, usize)> = list
                .iter()
                .map(|&d| (weight(*g, d), d))
                .filter(|(w, _)| *w > 1e-12)
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored.truncate(if distinct { keep } else { 1 });
            scored
        })
        .collect();
    let mut best = (0.0, Vec::new());
    let mut picked: Vec<Option<usize>> = vec![None; positions.len()];
    search(0, 0.0, positions, &options, distinct, &mut picked, &mut best);
    best
}

fn search(
    k: usize,
    gain: f64,
    positions: &[(usize, Vec<usize>)],
    options: &[Vec<(f64, usize)>],
    distinct: bool,
    picked: &mut Vec<Option<usize>>,
    best: &mut (f64, Vec<(usize, usize)>),
) {
    if k == positions.len() {
        if gain > best.0 {
            best.0 = gain;
            best.1 = picked
                .iter()
                .zip(positions)
                .filter_map(|(d, (g, _))| d.map(|d| (*g, d)))
                .collect();
        }
        return;
    }
    for &(w, d) in &options[k] {
        if distinct && picked[..k].contains(&Some(d)) {
            continue;
        }
        picked[k] = Some(d);
        search(k + 1, gain + w, positions, options, distinct, picked, best);
    }
    picked[k] = None;
    search(k + 1, gain, positions, options, distinct, picked, best);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bound::testing::town;

    #[test]
    fn one_department_per_team_leaves_a_chief_seat_empty() {
        // Each team can take one person of d01: two managers, then only the
        // one d02 chief for two chief seats.
        let problem = town(None);
        let banned = vec![false; problem.staff.len()];
        assert_eq!(most_held(&problem, &banned, 0, None), 3);
        assert_eq!(most_held(&problem, &banned, 0, Some(0)), 2);
    }

    #[test]
    fn a_full_cap_leaves_more_empty() {
        // d01 lends one person a year: one of d01 and the d02 chief.
        let problem = town(Some(1));
        let banned = vec![false; problem.staff.len()];
        assert_eq!(most_held(&problem, &banned, 0, None), 2);
    }

    #[test]
    fn without_the_department_rules_every_seat_can_be_held() {
        let mut problem = town(None);
        problem.distinct_departments = false;
        let banned = vec![false; problem.staff.len()];
        assert_eq!(most_held(&problem, &banned, 1, None), 4);
    }
}
