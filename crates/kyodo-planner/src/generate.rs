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
    /// A town of four districts (a 12-position city, as issue 19 measured).
    pub const TINY: Size = Size {
        units: 4,
        staff: 150,
        departments: 6,
        managers_per_100_units: 135,
    };
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
            "tiny" => Some(Size::TINY),
            "small" => Some(Size::SMALL),
            "mid" => Some(Size::MID),
            "large" => Some(Size::LARGE),
            _ => None,
        }
    }
}

/// How a city is shaped beyond its size: its departments, their caps, its
/// 課長級 and 係長級 pools and the years planned. The default is the first
/// benchmark set's; [`Shape::REAL`] is a city as issue 19 measured them —
/// the largest departments holding a quarter or more of the staff and
/// already lending as many people as their caps allow, few managers of whom
/// a third retire within the horizon, few chiefs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Years planned.
    pub horizon: u32,
    /// Department sizes as a power law: the k-th largest holds a share
    /// proportional to 1/k^skew (1.0: in a city of 60 departments the
    /// largest holds a fifth). None: two fifths of the staff in the first five.
    pub department_skew: Option<f64>,
    /// The two largest departments' caps are what they lend now: full from
    /// the first year. Otherwise a cap leaves room for 1 + districts/20 more.
    pub caps_full: bool,
    /// The share of 課長級 managers leaving (retiring) within the horizon.
    pub leaving_share: f64,
    /// 課長補佐・係長級 chiefs per hundred districts. None: three tenths of
    /// the staff who are not managers.
    pub chiefs_per_100_units: Option<usize>,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            horizon: 6,
            department_skew: None,
            caps_full: false,
            leaving_share: 0.12,
            chiefs_per_100_units: None,
        }
    }
}

impl Shape {
    /// A city as real ones are (issue 19): skewed departments with full
    /// caps, 2 managers per district of whom a third leave, 4 chiefs.
    /// `kyodo plan generate --shape real` takes this, and each field can be
    /// set on its own.
    pub const REAL: Shape = Shape {
        horizon: 6,
        department_skew: Some(1.1),
        caps_full: true,
        leaving_share: 0.33,
        chiefs_per_100_units: Some(400),
    };

    /// The 課長級 pool that goes with [`Shape::REAL`].
    pub const REAL_MANAGERS_PER_100_UNITS: usize = 200;
}

const GRADES: [(&str, &str, u32, i32); 3] = [("m", "manager", 2, 0), ("c", "chief", 3, 0), ("s", "staff", 3, 2)];

/// A city of the first benchmark set's shape.
pub fn generate(size: Size, first_year: i32, seed: u64) -> Instance {
    generate_shaped(size, Shape::default(), first_year, seed)
}

/// A city of `size` and `shape`; the same for the same seed.
pub fn generate_shaped(size: Size, shape: Shape, first_year: i32, seed: u64) -> Instance {
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
    let power_law: Option<Vec<f64>> = shape.department_skew.map(|a| {
        let weights: Vec<f64> = (1..=size.departments).map(|k| (k as f64).powf(-a)).collect();
        let total: f64 = weights.iter().sum();
        weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w / total;
                Some(*acc)
            })
            .collect()
    });
    let department = |rng: &mut Rng| {
        let d = match &power_law {
            Some(cumulative) => {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                cumulative.iter().position(|c| u < *c).unwrap_or(size.departments - 1)
            }
            None if rng.chance(0.4) => rng.below(size.departments.min(5)),
            None => rng.below(size.departments),
        };
        format!("d{:02}", d + 1)
    };
    // The manager pool is by default 1.35 times the districts: tight once
    // the veterans who may not return and the retiring are counted.
    let managers = size.units * size.managers_per_100_units / 100;
    let chiefs = match shape.chiefs_per_100_units {
        Some(per) => (size.units * per / 100).min(size.staff - managers),
        None => (size.staff - managers) * 3 / 10,
    };
    let mut staff = Vec::with_capacity(size.staff);
    for i in 0..size.staff {
        let (grade, hired, veteran, leaving) = if i < managers {
            (
                "manager",
                first_year - 26 - rng.below(12) as i32,
                0.7,
                shape.leaving_share,
            )
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
            leaves: rng
                .chance(leaving)
                .then(|| first_year + rng.below(shape.horizon as usize) as i32),
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
        let cap = if shape.caps_full {
            serving.max(1)
        } else {
            serving + 1 + size.units as u32 / 20
        };
        department_cap.insert(d.to_owned(), cap);
    }
    Instance {
        first_year,
        horizon: shape.horizon,
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
    fn a_real_city_has_skewed_departments_full_caps_and_thin_pools() {
        let size = Size {
            managers_per_100_units: Shape::REAL_MANAGERS_PER_100_UNITS,
            ..Size::LARGE
        };
        let a = generate_shaped(size, Shape::REAL, 2027, 3);
        Problem::new(&a).expect("valid");
        let share = |d: &str| a.staff.iter().filter(|s| s.department == d).count() as f64 / a.staff.len() as f64;
        assert!(
            share("d01") > 0.2 && share("d01") < 0.35,
            "the largest: {}",
            share("d01")
        );
        assert!(share("d01") > 4.0 * share("d10"));
        // Full caps: the capped departments lend now exactly what they may.
        for (d, cap) in &a.rules.department_cap {
            let serving = a
                .current
                .iter()
                .filter(|c| a.staff.iter().any(|s| s.id == c.staff && &s.department == d))
                .count() as u32;
            assert_eq!(*cap, serving.max(1), "{d}");
        }
        let of = |g: &str| a.staff.iter().filter(|s| s.grade == g).collect::<Vec<_>>();
        assert_eq!(of("manager").len(), 680);
        assert_eq!(of("chief").len(), 1360);
        let leaving = of("manager").iter().filter(|s| s.leaves.is_some()).count() as f64 / 680.0;
        assert!((0.25..0.42).contains(&leaving), "{leaving}");
        assert_eq!(
            generate(Size::SMALL, 2027, 7),
            generate_shaped(Size::SMALL, Shape::default(), 2027, 7)
        );
        let long = generate_shaped(
            Size::SMALL,
            Shape {
                horizon: 10,
                ..Shape::REAL
            },
            2027,
            1,
        );
        assert_eq!(long.horizon, 10);
    }

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
