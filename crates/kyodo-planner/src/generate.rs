//! Instances for benchmarks and tests, shaped like a real city's: three
//! positions per district (課長級 2 years, 課長補佐・係長級 and 一般職員 3),
//! a thin pool of 課長級 managers, many of them veterans and some retiring,
//! current terms ending unevenly, some districts whose whole team ends in
//! the same year, home districts, departments of uneven size and caps on
//! the largest ones.

use std::collections::BTreeMap;

use crate::instance::{Current, Instance, Position, Rules, Staff, Unit, Weights};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub units: usize,
    pub staff: usize,
    pub departments: usize,
    /// 課長級 managers per hundred districts: 135 is tight, about 110
    /// leaves some later years short of managers.
    pub managers_per_100_units: usize,
}

impl Size {
    pub const SMALL: Size = Size {
        units: 10,
        staff: 400,
        departments: 12,
        managers_per_100_units: 135,
    };
    pub const MID: Size = Size {
        units: 60,
        staff: 3_000,
        departments: 30,
        managers_per_100_units: 135,
    };
    pub const LARGE: Size = Size {
        units: 340,
        staff: 12_000,
        departments: 60,
        managers_per_100_units: 135,
    };

    pub fn named(name: &str) -> Option<Size> {
        match name {
            "small" => Some(Size::SMALL),
            "mid" => Some(Size::MID),
            "large" => Some(Size::LARGE),
            _ => None,
        }
    }
}

const GRADES: [(&str, &str, u32, i32); 3] = [("m", "manager", 2, 0), ("c", "chief", 3, 0), ("s", "staff", 3, 2)];

pub fn generate(size: Size, first_year: i32, seed: u64) -> Instance {
    let mut rng = Rng::new(seed);
    let units: Vec<Unit> = (1..=size.units)
        .map(|u| Unit {
            id: format!("u{u:03}"),
            positions: GRADES
                .iter()
                .map(|&(suffix, grade, term, min_years)| Position {
                    id: format!("u{u:03}-{suffix}"),
                    grade: grade.to_owned(),
                    term,
                    min_years_since_hire: min_years,
                })
                .collect(),
        })
        .collect();

    // Departments of uneven size: the first few are large.
    let department = |rng: &mut Rng| {
        let d = if rng.chance(0.4) {
            rng.below(size.departments.min(5))
        } else {
            rng.below(size.departments)
        };
        format!("d{:02}", d + 1)
    };
    // The manager pool is by default 1.35 times the districts: tight once
    // the veterans who may not return and the retiring are counted.
    let managers = size.units * size.managers_per_100_units / 100;
    let chiefs = (size.staff - managers) * 3 / 10;
    let mut staff = Vec::with_capacity(size.staff);
    for i in 0..size.staff {
        let (grade, hired, veteran, leaving) = if i < managers {
            ("manager", first_year - 26 - rng.below(12) as i32, 0.7, 0.12)
        } else if i < managers + chiefs {
            ("chief", first_year - 12 - rng.below(16) as i32, 0.3, 0.05)
        } else {
            ("staff", first_year - rng.below(20) as i32, 0.2, 0.02)
        };
        let served_units = if rng.chance(veteran) {
            let mut served = vec![units[rng.below(size.units)].id.clone()];
            if rng.chance(0.3) {
                let other = units[rng.below(size.units)].id.clone();
                if !served.contains(&other) {
                    served.push(other);
                }
            }
            served
        } else {
            Vec::new()
        };
        staff.push(Staff {
            id: format!("s{:05}", i + 1),
            grade: grade.to_owned(),
            department: department(&mut rng),
            hired,
            leaves: rng.chance(leaving).then(|| first_year + rng.below(6) as i32),
            home_unit: rng.chance(0.7).then(|| units[rng.below(size.units)].id.clone()),
            served_units,
        });
    }

    let current = current_terms(&units, &mut staff, first_year, &mut rng);
    let mut department_cap = BTreeMap::new();
    // The two largest departments may lend only so many people at once.
    for d in ["d01", "d02"] {
        let serving = current
            .iter()
            .filter(|c| staff_of(&staff, &c.staff).department == d)
            .count() as u32;
        department_cap.insert(d.to_owned(), serving + 1 + size.units as u32 / 20);
    }
    Instance {
        first_year,
        horizon: 6,
        units,
        staff,
        current,
        rules: Rules {
            term_flex: 1,
            distinct_departments_in_unit: true,
            exclude_home_unit: true,
            no_return_to_unit: true,
            department_cap,
        },
        weights: Weights::default(),
    }
}

fn staff_of<'a>(staff: &'a [Staff], id: &str) -> &'a Staff {
    // Ids are generated as s00001… in order.
    &staff[id[1..].parse::<usize>().expect("generated id") - 1]
}

/// Every position held now, with terms ending unevenly; one district in
/// seven has its whole team ending this year.
fn current_terms(units: &[Unit], staff: &mut [Staff], first_year: i32, rng: &mut Rng) -> Vec<Current> {
    let mut taken = vec![false; staff.len()];
    let mut current = Vec::new();
    for unit in units {
        let together = rng.chance(1.0 / 7.0);
        let mut departments: Vec<String> = Vec::new();
        for position in &unit.positions {
            let end = if together {
                first_year - 1
            } else {
                first_year - 1 + rng.below(position.term as usize) as i32
            };
            let start = end - position.term as i32 + 1;
            let fits = |s: &Staff| {
                s.grade == position.grade
                    && s.home_unit.as_deref() != Some(unit.id.as_str())
                    && !s.served_units.contains(&unit.id)
                    && s.leaves.is_none_or(|l| l >= end)
                    && start - s.hired >= position.min_years_since_hire
                    && !departments.contains(&s.department)
            };
            let candidates: Vec<usize> = (0..staff.len()).filter(|&i| !taken[i] && fits(&staff[i])).collect();
            if candidates.is_empty() {
                continue;
            }
            let i = candidates[rng.below(candidates.len())];
            taken[i] = true;
            departments.push(staff[i].department.clone());
            current.push(Current {
                position: position.id.clone(),
                staff: staff[i].id.clone(),
                start,
                end,
            });
        }
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Problem;

    #[test]
    fn generated_instances_are_valid_and_the_same_for_a_seed() {
        let a = generate(Size::SMALL, 2027, 7);
        assert_eq!(a, generate(Size::SMALL, 2027, 7));
        assert_ne!(a, generate(Size::SMALL, 2027, 8));
        assert_eq!(a.units.len(), 10);
        assert_eq!(a.staff.len(), 400);
        Problem::new(&a).expect("valid");
        // Some district has its whole team ending at once, some do not.
        let ends = |u: &Unit| {
            let mut e: Vec<i32> = a
                .current
                .iter()
                .filter(|c| u.positions.iter().any(|p| p.id == c.position))
                .map(|c| c.end)
                .collect();
            e.dedup();
            e.len()
        };
        assert!(a.units.iter().any(|u| ends(u) > 1));
    }
}
