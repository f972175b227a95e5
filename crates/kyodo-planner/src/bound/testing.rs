//! A town for the unit tests of the bounds and the exact model.

use crate::instance::{Instance, Position, Rules, Staff, Unit, Weights};
use crate::model::Problem;

/// Two districts of a manager and a chief; both managers and two of the
/// three chiefs from department d01.
pub fn town(cap: Option<u32>) -> Problem {
    // The instance is built here and is valid: its ids are all distinct.
    Problem::new(&town_instance(cap)).expect("the test town is a valid instance")
}

/// The town as an instance.
pub fn town_instance(cap: Option<u32>) -> Instance {
    let position = |id: &str, grade: &str| Position::new(id, grade, 2);
    let person = |id: &str, grade: &str, department: &str| Staff::new(id, grade, department, 2000);
    let units = ["u1", "u2"]
        .map(|u| Unit {
            id: u.into(),
            positions: vec![
                position(&format!("{u}-m"), "manager"),
                position(&format!("{u}-c"), "chief"),
            ],
        })
        .to_vec();
    let staff = vec![
        person("m1", "manager", "d01"),
        person("m2", "manager", "d01"),
        person("c1", "chief", "d01"),
        person("c2", "chief", "d01"),
        person("c3", "chief", "d02"),
    ];
    let mut rules = Rules::default();
    if let Some(cap) = cap {
        rules.department_cap.insert("d01".into(), cap);
    }
    Instance {
        first_year: 2027,
        horizon: 2,
        units,
        staff,
        current: Vec::new(),
        rules,
        weights: Weights::default(),
    }
}
