//! The planner's input and output, exactly as `docs/rotation-problem.md`
//! fixes them, so that any plan can be scored by `scripts/rotation_score.py`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One planning problem (配置計画の条件): districts, staff, the appointments
/// already made, the rules and the weights of the objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// The first fiscal year planned.
    pub first_year: i32,
    /// How many fiscal years are planned.
    pub horizon: u32,
    pub units: Vec<Unit>,
    pub staff: Vec<Staff>,
    #[serde(default)]
    pub current: Vec<Current>,
    #[serde(default)]
    pub rules: Rules,
    #[serde(default)]
    pub weights: Weights,
}

/// A liaison unit (担当地区) and its team's positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub positions: Vec<Position>,
}

/// One seat on a unit's team, held by one person at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub id: String,
    pub grade: String,
    /// Standard term (任期) in fiscal years.
    pub term: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub min_years_since_hire: i32,
}

/// A staff member who may be appointed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Staff {
    pub id: String,
    pub grade: String,
    pub department: String,
    /// Fiscal year of hire.
    pub hired: i32,
    /// The last fiscal year they work (退職年度), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaves: Option<i32>,
    /// The unit they live in (居住地区).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_unit: Option<String>,
    /// Units they served in before the current appointments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub served_units: Vec<String>,
}

impl Position {
    /// A position of `grade` open to anyone of it, however recently hired.
    pub fn new(id: impl Into<String>, grade: impl Into<String>, term: u32) -> Position {
        Position {
            id: id.into(),
            grade: grade.into(),
            term,
            min_years_since_hire: 0,
        }
    }
}

impl Staff {
    /// Someone of `grade` in `department` hired in `hired`, with no leaving
    /// year, home district or past districts known.
    pub fn new(id: impl Into<String>, grade: impl Into<String>, department: impl Into<String>, hired: i32) -> Staff {
        Staff {
            id: id.into(),
            grade: grade.into(),
            department: department.into(),
            hired,
            leaves: None,
            home_unit: None,
            served_units: Vec::new(),
        }
    }
}

/// An appointment already made: a fact the plan works around.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Current {
    pub position: String,
    pub staff: String,
    pub start: i32,
    /// The last fiscal year of the term, inclusive.
    pub end: i32,
}

/// The hard rules. Absent rules take the contract's defaults (all on,
/// `term_flex` 0), which are the stricter reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    #[serde(default)]
    pub term_flex: u32,
    #[serde(default = "yes")]
    pub distinct_departments_in_unit: bool,
    #[serde(default = "yes")]
    pub exclude_home_unit: bool,
    #[serde(default = "yes")]
    pub no_return_to_unit: bool,
    #[serde(default)]
    pub department_cap: BTreeMap<String, u32>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            term_flex: 0,
            distinct_departments_in_unit: true,
            exclude_home_unit: true,
            no_return_to_unit: true,
            department_cap: BTreeMap::new(),
        }
    }
}

/// The objective's weights (see the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weights {
    #[serde(default = "Weights::default_vacancy")]
    pub vacancy: i64,
    #[serde(default = "Weights::default_whole_team_change")]
    pub whole_team_change: i64,
    #[serde(default = "Weights::default_concentration")]
    pub concentration: i64,
    #[serde(default = "Weights::default_term_deviation")]
    pub term_deviation: i64,
    #[serde(default = "Weights::default_new_person")]
    pub new_person: i64,
}

impl Weights {
    /// Every score is a whole number of these: the weights' greatest common
    /// divisor (1 when every weight is nothing). A bound is rounded up to
    /// one, so that a plan of the contract's weights (all tens) is proven by
    /// a bound within ten points of it, not only within one.
    pub fn score_step(&self) -> i64 {
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let weights = [
            self.vacancy,
            self.whole_team_change,
            self.concentration,
            self.term_deviation,
            self.new_person,
        ];
        let step = weights.into_iter().fold(0, |g, w| gcd(g, w.unsigned_abs()));
        // The weights' divisor of i64::MIN alone does not fit: one serves.
        i64::try_from(step).ok().filter(|&s| s > 0).unwrap_or(1)
    }

    fn default_vacancy() -> i64 {
        10_000
    }
    fn default_whole_team_change() -> i64 {
        1_000
    }
    fn default_concentration() -> i64 {
        30
    }
    fn default_term_deviation() -> i64 {
        20
    }
    fn default_new_person() -> i64 {
        100
    }
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            vacancy: Self::default_vacancy(),
            whole_team_change: Self::default_whole_team_change(),
            concentration: Self::default_concentration(),
            term_deviation: Self::default_term_deviation(),
            new_person: Self::default_new_person(),
        }
    }
}

/// The planner's answer: only new appointments, each starting inside the horizon.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub appointments: Vec<Appointment>,
}

/// One planned appointment (任命案).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Appointment {
    pub position: String,
    pub staff: String,
    pub start: i32,
    pub end: i32,
}

fn yes() -> bool {
    true
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_score_is_a_multiple_of_the_weights_common_divisor() {
        assert_eq!(Weights::default().score_step(), 10);
        let odd = Weights {
            concentration: 25,
            ..Weights::default()
        };
        assert_eq!(odd.score_step(), 5);
        let negative = Weights {
            vacancy: -4,
            whole_team_change: 6,
            concentration: 0,
            term_deviation: 0,
            new_person: 0,
        };
        assert_eq!(negative.score_step(), 2);
        let none = Weights {
            vacancy: 0,
            whole_team_change: 0,
            concentration: 0,
            term_deviation: 0,
            new_person: 0,
        };
        assert_eq!(none.score_step(), 1);
    }

    #[test]
    fn absent_rules_and_weights_take_the_contract_defaults() {
        let i: Instance =
            serde_json::from_str(r#"{"first_year":2026,"horizon":3,"units":[],"staff":[],"rules":{"term_flex":1}}"#)
                .unwrap();
        assert_eq!(i.rules.term_flex, 1);
        assert!(i.rules.distinct_departments_in_unit && i.rules.exclude_home_unit);
        assert_eq!(i.weights, Weights::default());
        assert!(i.current.is_empty());
    }
}
