//! The instance checked and indexed: every id resolved to a number once, so
//! that the planner's loops never look anything up by name.

use std::collections::HashMap;

use crate::instance::{Appointment, Instance, Weights};

/// Why an instance cannot be planned. Messages are for the coordinator who
/// prepared the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceError {
    #[error("計画年数は1〜{max}年にしてください（{got}年が指定されました）")]
    Horizon { got: u32, max: u32 },
    #[error("{kind}のID「{id}」が重複しています")]
    DuplicateId { kind: &'static str, id: String },
    #[error("{what}: {kind}「{id}」がありません")]
    UnknownId {
        what: String,
        kind: &'static str,
        id: String,
    },
    #[error("職位「{grade}」の職員が一人もいません（ポジション {position}）")]
    GradeWithoutStaff { grade: String, position: String },
    #[error("ポジション {position} の任期は1年以上にしてください")]
    Term { position: String },
    #[error("地区 {unit} のポジションは{max}つまでです（{got}つあります）")]
    TooManyPositions { unit: String, got: usize, max: usize },
    #[error("職員 {staff} の退職年度 {leaves} が採用年度 {hired} より前です")]
    LeavesBeforeHired { staff: String, hired: i32, leaves: i32 },
    #[error("現任 {position}・{staff}: 開始年度 {start} が終了年度 {end} より後です")]
    CurrentBackwards {
        position: String,
        staff: String,
        start: i32,
        end: i32,
    },
    #[error("現任の重複: {first} と {second} が同じ年度に重なっています")]
    CurrentOverlap { first: String, second: String },
    #[error("現任の任命がすでに規則に反しています: {0}")]
    CurrentBreaksRule(String),
    #[error("重みは0以上にしてください（{name}）")]
    NegativeWeight { name: &'static str },
}

/// At most this many years: the schedule search grows with the horizon.
pub const MAX_HORIZON: u32 = 12;
/// At most this many positions per unit: the unit's schedule search is over
/// the product of its positions' states.
pub const MAX_POSITIONS_PER_UNIT: usize = 6;

#[derive(Debug, Clone)]
pub struct Pos {
    pub id: String,
    pub unit: usize,
    pub grade: usize,
    /// Positions with the same grade and hire rule accept the same people.
    pub class: usize,
    pub term: u32,
    pub min_len: u32,
    pub max_len: u32,
    pub min_years: i32,
    /// Horizon years (index from 0) covered by a current appointment.
    pub fixed: Vec<bool>,
}

impl Pos {
    /// `fixed` as bits, year `t` at bit `t`.
    pub fn fixed_bits(&self) -> u64 {
        self.fixed
            .iter()
            .enumerate()
            .fold(0, |m, (t, &f)| m | u64::from(f) << t)
    }
}

#[derive(Debug, Clone)]
pub struct UnitM {
    pub id: String,
    pub positions: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub grade: usize,
    pub department: usize,
    pub hired: i32,
    pub leaves: Option<i32>,
    pub home: Option<usize>,
    /// Units they may not return to: served before, or held in `current`.
    pub barred: Vec<usize>,
    /// Spans of their current appointments, all years.
    pub busy: Vec<(i32, i32)>,
    /// No current appointment and no unit served: counts for `new_person`.
    pub newcomer: bool,
}

#[derive(Debug, Clone)]
pub struct CurrentM {
    pub position: usize,
    pub staff: usize,
    pub start: i32,
    pub end: i32,
}

/// A class of positions: same grade, same years-since-hire rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub grade: usize,
    pub min_years: i32,
}

#[derive(Debug, Clone)]
pub struct Problem {
    pub first: i32,
    pub horizon: usize,
    pub units: Vec<UnitM>,
    pub positions: Vec<Pos>,
    pub staff: Vec<Person>,
    pub current: Vec<CurrentM>,
    pub grades: Vec<String>,
    pub classes: Vec<Class>,
    pub departments: Vec<String>,
    pub department_cap: Vec<Option<u32>>,
    pub distinct_departments: bool,
    pub exclude_home: bool,
    pub no_return: bool,
    pub weights: Weights,
    pub position_index: HashMap<String, usize>,
    pub staff_index: HashMap<String, usize>,
}

impl Problem {
    pub fn new(instance: &Instance) -> Result<Problem, InstanceError> {
        if instance.horizon == 0 || instance.horizon > MAX_HORIZON {
            return Err(InstanceError::Horizon {
                got: instance.horizon,
                max: MAX_HORIZON,
            });
        }
        check_weights(&instance.weights)?;
        let first = instance.first_year;
        let horizon = instance.horizon as usize;
        let flex = instance.rules.term_flex;

        let mut grades: Vec<String> = Vec::new();
        let mut departments: Vec<String> = Vec::new();
        let mut unit_index = HashMap::new();
        for (u, unit) in instance.units.iter().enumerate() {
            if unit_index.insert(unit.id.clone(), u).is_some() {
                return Err(InstanceError::DuplicateId {
                    kind: "地区",
                    id: unit.id.clone(),
                });
            }
        }

        let mut staff_index = HashMap::new();
        let mut staff = Vec::with_capacity(instance.staff.len());
        for (i, s) in instance.staff.iter().enumerate() {
            if staff_index.insert(s.id.clone(), i).is_some() {
                return Err(InstanceError::DuplicateId {
                    kind: "職員",
                    id: s.id.clone(),
                });
            }
            if let Some(leaves) = s.leaves
                && leaves < s.hired
            {
                return Err(InstanceError::LeavesBeforeHired {
                    staff: s.id.clone(),
                    hired: s.hired,
                    leaves,
                });
            }
            let unit_of = |id: &String| {
                unit_index.get(id).copied().ok_or_else(|| InstanceError::UnknownId {
                    what: format!("職員 {}", s.id),
                    kind: "地区",
                    id: id.clone(),
                })
            };
            let home = s.home_unit.as_ref().map(unit_of).transpose()?;
            let barred = if instance.rules.no_return_to_unit {
                s.served_units.iter().map(unit_of).collect::<Result<Vec<_>, _>>()?
            } else {
                s.served_units.iter().map(unit_of).collect::<Result<Vec<_>, _>>()?;
                Vec::new()
            };
            staff.push(Person {
                id: s.id.clone(),
                grade: intern(&mut grades, &s.grade),
                department: intern(&mut departments, &s.department),
                hired: s.hired,
                leaves: s.leaves,
                home: if instance.rules.exclude_home_unit { home } else { None },
                barred,
                busy: Vec::new(),
                newcomer: s.served_units.is_empty(),
            });
        }

        let mut classes: Vec<Class> = Vec::new();
        let mut position_index = HashMap::new();
        let mut positions = Vec::new();
        let mut units = Vec::with_capacity(instance.units.len());
        for (u, unit) in instance.units.iter().enumerate() {
            if unit.positions.len() > MAX_POSITIONS_PER_UNIT {
                return Err(InstanceError::TooManyPositions {
                    unit: unit.id.clone(),
                    got: unit.positions.len(),
                    max: MAX_POSITIONS_PER_UNIT,
                });
            }
            let mut members = Vec::with_capacity(unit.positions.len());
            for p in &unit.positions {
                if p.term == 0 {
                    return Err(InstanceError::Term { position: p.id.clone() });
                }
                let Some(grade) = grades.iter().position(|g| *g == p.grade) else {
                    return Err(InstanceError::GradeWithoutStaff {
                        grade: p.grade.clone(),
                        position: p.id.clone(),
                    });
                };
                let class = Class {
                    grade,
                    min_years: p.min_years_since_hire,
                };
                let class = match classes.iter().position(|c| *c == class) {
                    Some(c) => c,
                    None => {
                        classes.push(class);
                        classes.len() - 1
                    }
                };
                let index = positions.len();
                if position_index.insert(p.id.clone(), index).is_some() {
                    return Err(InstanceError::DuplicateId {
                        kind: "ポジション",
                        id: p.id.clone(),
                    });
                }
                positions.push(Pos {
                    id: p.id.clone(),
                    unit: u,
                    grade,
                    class,
                    term: p.term,
                    min_len: p.term.saturating_sub(flex).max(1),
                    max_len: p.term + flex,
                    min_years: p.min_years_since_hire,
                    fixed: vec![false; horizon],
                });
                members.push(index);
            }
            units.push(UnitM {
                id: unit.id.clone(),
                positions: members,
            });
        }

        let mut current = Vec::with_capacity(instance.current.len());
        for (i, c) in instance.current.iter().enumerate() {
            let what = || format!("現任（{}件目）", i + 1);
            let position = *position_index
                .get(&c.position)
                .ok_or_else(|| InstanceError::UnknownId {
                    what: what(),
                    kind: "ポジション",
                    id: c.position.clone(),
                })?;
            let person = *staff_index.get(&c.staff).ok_or_else(|| InstanceError::UnknownId {
                what: what(),
                kind: "職員",
                id: c.staff.clone(),
            })?;
            if c.start > c.end {
                return Err(InstanceError::CurrentBackwards {
                    position: c.position.clone(),
                    staff: c.staff.clone(),
                    start: c.start,
                    end: c.end,
                });
            }
            current.push(CurrentM {
                position,
                staff: person,
                start: c.start,
                end: c.end,
            });
        }
        check_current_overlaps(instance, &current, |c| c.position)?;
        check_current_overlaps(instance, &current, |c| c.staff)?;

        for c in &current {
            let p = &mut positions[c.position];
            for (t, fixed) in p.fixed.iter_mut().enumerate() {
                let year = first + t as i32;
                *fixed |= c.start <= year && year <= c.end;
            }
            let unit = p.unit;
            let person = &mut staff[c.staff];
            person.busy.push((c.start, c.end));
            person.newcomer = false;
            if instance.rules.no_return_to_unit && !person.barred.contains(&unit) {
                person.barred.push(unit);
            }
        }

        let mut department_cap = vec![None; departments.len()];
        for (d, cap) in &instance.rules.department_cap {
            // A cap on a department nobody belongs to binds nothing.
            if let Some(i) = departments.iter().position(|x| x == d) {
                department_cap[i] = Some(*cap);
            }
        }

        let problem = Problem {
            first,
            horizon,
            units,
            positions,
            staff,
            current,
            grades,
            classes,
            departments,
            department_cap,
            distinct_departments: instance.rules.distinct_departments_in_unit,
            exclude_home: instance.rules.exclude_home_unit,
            no_return: instance.rules.no_return_to_unit,
            weights: instance.weights,
            position_index,
            staff_index,
        };
        // Current terms that already put two people of one department in a
        // unit, or a department over its cap, leave no feasible plan.
        let evaluation = crate::score::evaluate(&problem, &[]);
        if let Some(v) = evaluation.violations.first() {
            return Err(InstanceError::CurrentBreaksRule(v.detail.clone()));
        }
        Ok(problem)
    }

    /// The fiscal year of horizon index `t`.
    pub fn year(&self, t: usize) -> i32 {
        self.first + t as i32
    }

    /// The horizon index of a fiscal year, when it is inside the horizon.
    pub fn index(&self, year: i32) -> Option<usize> {
        let t = year - self.first;
        (0..self.horizon as i32).contains(&t).then_some(t as usize)
    }

    /// The horizon indices of the years `start..=end` inside the horizon.
    pub fn indices(&self, start: i32, end: i32) -> std::ops::Range<usize> {
        let clamp = |year: i32| (year - self.first).clamp(0, self.horizon as i32) as usize;
        clamp(start)..clamp(end + 1)
    }

    /// Whether `person` may hold `position` from `start` to `end`, by the
    /// rules that do not depend on anyone else (grade, hire, leaving, home,
    /// return, and the length of the term).
    pub fn eligible(&self, person: usize, position: usize, start: i32, end: i32) -> bool {
        let s = &self.staff[person];
        let p = &self.positions[position];
        let len = (end - start + 1) as u32;
        s.grade == p.grade
            && start - s.hired >= p.min_years
            && s.leaves.is_none_or(|l| end <= l)
            && s.home != Some(p.unit)
            && !s.barred.contains(&p.unit)
            && (p.min_len..=p.max_len).contains(&len)
    }

    /// The plan as the contract writes it.
    pub fn appointment(&self, position: usize, person: usize, start: i32, end: i32) -> Appointment {
        Appointment {
            position: self.positions[position].id.clone(),
            staff: self.staff[person].id.clone(),
            start,
            end,
        }
    }
}

fn intern(list: &mut Vec<String>, value: &str) -> usize {
    match list.iter().position(|x| x == value) {
        Some(i) => i,
        None => {
            list.push(value.to_owned());
            list.len() - 1
        }
    }
}

fn check_weights(w: &Weights) -> Result<(), InstanceError> {
    for (name, value) in [
        ("vacancy", w.vacancy),
        ("whole_team_change", w.whole_team_change),
        ("concentration", w.concentration),
        ("term_deviation", w.term_deviation),
        ("new_person", w.new_person),
    ] {
        if value < 0 {
            return Err(InstanceError::NegativeWeight { name });
        }
    }
    Ok(())
}

/// Two current appointments of one position, or of one person, may not share a year.
fn check_current_overlaps(
    instance: &Instance,
    current: &[CurrentM],
    key: impl Fn(&CurrentM) -> usize,
) -> Result<(), InstanceError> {
    let mut order: Vec<usize> = (0..current.len()).collect();
    order.sort_by_key(|&i| (key(&current[i]), current[i].start));
    for pair in order.windows(2) {
        let (a, b) = (&current[pair[0]], &current[pair[1]]);
        if key(a) == key(b) && b.start <= a.end {
            let name = |i: usize| {
                let c = &instance.current[i];
                format!("{}（{} {}〜{}年度）", c.position, c.staff, c.start, c.end)
            };
            return Err(InstanceError::CurrentOverlap {
                first: name(pair[0]),
                second: name(pair[1]),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{Position, Rules, Staff, Unit, Weights};

    #[test]
    fn indices_are_the_years_inside_the_horizon() {
        let instance = Instance {
            first_year: 2027,
            horizon: 4,
            units: vec![Unit {
                id: "u1".into(),
                positions: vec![Position::new("u1-s", "staff", 3)],
            }],
            staff: vec![Staff::new("a", "staff", "d01", 2000)],
            current: Vec::new(),
            rules: Rules::default(),
            weights: Weights::default(),
        };
        let problem = Problem::new(&instance).unwrap();
        // A term from before the horizon into it, one running on past it.
        assert_eq!(problem.indices(2026, 2028), 0..2);
        assert_eq!(problem.indices(2029, 2035), 2..4);
        // Wholly before or after the horizon, or no years at all.
        assert!(problem.indices(2024, 2026).is_empty());
        assert!(problem.indices(2031, 2033).is_empty());
        assert!(problem.indices(2028, 2027).is_empty());
    }
}
