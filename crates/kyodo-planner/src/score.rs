//! The contract's constraints and objective, the same as
//! `scripts/rotation_score.py`: the planner checks its own plan with it
//! before answering, and the tests hold the two to the same numbers.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::Problem;

/// A new appointment by index: position, person, first and last fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Assigned {
    pub position: usize,
    pub staff: usize,
    pub start: i32,
    pub end: i32,
}

/// The objective's terms, counted as the contract counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub vacancy: i64,
    pub whole_team_change: i64,
    pub concentration: i64,
    pub term_deviation: i64,
    pub new_person: i64,
}

impl Terms {
    pub fn score(&self, problem: &Problem) -> i64 {
        let w = &problem.weights;
        w.vacancy * self.vacancy
            + w.whole_team_change * self.whole_team_change
            + w.concentration * self.concentration
            + w.term_deviation * self.term_deviation
            - w.new_person * self.new_person
    }
}

/// A broken hard constraint, by the contract's number (1–10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: u8,
    pub detail: String,
}

pub struct Evaluation {
    pub violations: Vec<Violation>,
    pub terms: Terms,
}

pub fn evaluate(problem: &Problem, plan: &[Assigned]) -> Evaluation {
    let h = problem.horizon;
    let mut violations = Vec::new();
    let mut broken = |rule: u8, detail: String| violations.push(Violation { rule, detail });

    // Who covers each position-year (inside the horizon), current ones included.
    let mut cover: Vec<Vec<usize>> = vec![Vec::new(); problem.positions.len() * h];
    let mut spans: Vec<Vec<(i32, i32, usize)>> = vec![Vec::new(); problem.staff.len()];
    let mut mark = |position: usize, staff: usize, start: i32, end: i32| {
        for year in start..=end {
            if let Some(t) = problem.index(year) {
                cover[position * h + t].push(staff);
            }
        }
    };
    for c in &problem.current {
        spans[c.staff].push((c.start, c.end, c.position));
        mark(c.position, c.staff, c.start, c.end);
    }
    for a in plan {
        let p = &problem.positions[a.position];
        let s = &problem.staff[a.staff];
        let tag = || format!("{} → {} {}〜{}", s.id, p.id, a.start, a.end);
        if problem.index(a.start).is_none() {
            broken(6, format!("{}: 計画期間外の開始", tag()));
        }
        let len = a.end - a.start + 1;
        if len < 1 || len < p.min_len as i32 || len > p.max_len as i32 {
            broken(6, format!("{}: 任期{}年は範囲外", tag(), len));
        }
        if s.grade != p.grade {
            broken(3, format!("{}: 職位が違う", tag()));
        }
        if a.start - s.hired < p.min_years {
            broken(4, format!("{}: 採用からの年数が足りない", tag()));
        }
        if s.leaves.is_some_and(|l| a.end > l) {
            broken(5, format!("{}: 退職年度を超える", tag()));
        }
        if s.home == Some(p.unit) {
            broken(7, format!("{}: 居住地区", tag()));
        }
        if s.barred.contains(&p.unit) {
            broken(8, format!("{}: 以前に担当した地区", tag()));
        }
        spans[a.staff].push((a.start, a.end, a.position));
        mark(a.position, a.staff, a.start, a.end);
    }

    for (staff, list) in spans.iter_mut().enumerate() {
        list.sort_unstable();
        for pair in list.windows(2) {
            if pair[1].0 <= pair[0].1 {
                broken(1, format!("{}: 同時に2つのポジション", problem.staff[staff].id));
            }
        }
    }
    let mut department_years: HashMap<(usize, usize), u32> = HashMap::new();
    for (position, p) in problem.positions.iter().enumerate() {
        for t in 0..h {
            let who = &cover[position * h + t];
            if who.len() > 1 {
                broken(2, format!("{} {}年度: {}人", p.id, problem.year(t), who.len()));
            }
            for &s in who {
                *department_years.entry((problem.staff[s].department, t)).or_default() += 1;
            }
        }
    }
    if problem.distinct_departments {
        for unit in &problem.units {
            for t in 0..h {
                let mut seen: Vec<usize> = unit
                    .positions
                    .iter()
                    .flat_map(|&p| cover[p * h + t].iter().map(|&s| problem.staff[s].department))
                    .collect();
                let n = seen.len();
                seen.sort_unstable();
                seen.dedup();
                if seen.len() != n {
                    broken(9, format!("{} {}年度: 同じ部署から2人", unit.id, problem.year(t)));
                }
            }
        }
    }
    for ((department, t), n) in &department_years {
        if let Some(cap) = problem.department_cap[*department]
            && *n > cap
        {
            let d = &problem.departments[*department];
            broken(10, format!("{} {}年度: {}人（上限{}）", d, problem.year(*t), n, cap));
        }
    }

    let vacancy = cover.iter().filter(|who| who.is_empty()).count() as i64;
    let mut starts = vec![0i64; problem.units.len() * h];
    for a in plan {
        if let Some(t) = problem.index(a.start) {
            starts[problem.positions[a.position].unit * h + t] += 1;
        }
    }
    let mut whole_team_change = 0;
    let mut concentration = 0;
    for (u, unit) in problem.units.iter().enumerate() {
        let n = unit.positions.len() as i64;
        for &k in &starts[u * h..(u + 1) * h] {
            whole_team_change += i64::from(n >= 2 && k >= n);
            concentration += (k - 1).max(0);
        }
    }
    let term_deviation = plan
        .iter()
        .map(|a| (i64::from(a.end - a.start + 1) - i64::from(problem.positions[a.position].term)).abs())
        .sum();
    let mut newcomers: Vec<usize> = plan
        .iter()
        .map(|a| a.staff)
        .filter(|&s| problem.staff[s].newcomer)
        .collect();
    newcomers.sort_unstable();
    newcomers.dedup();

    Evaluation {
        violations,
        terms: Terms {
            vacancy,
            whole_team_change,
            concentration,
            term_deviation,
            new_person: newcomers.len() as i64,
        },
    }
}
