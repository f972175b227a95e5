//! Cities shaped like real ones (issue 19): departments whose caps are full
//! from the first year, few managers. OR-Tools CP-SAT proved the optimum of
//! each instance here (bench/rotation/cpsat.py); the planner must reach it.

use std::time::Duration;

use kyodo_planner::generate::{Shape, Size, generate_shaped};
use kyodo_planner::{Options, plan};

/// More time than the planner needs here, so that a busy test machine
/// cannot cut the search short; a proven plan returns at once.
fn patient() -> Options {
    Options {
        time_limit: Duration::from_secs(10),
        ..Options::default()
    }
}

fn town(seed: u64, horizon: u32) -> kyodo_planner::Instance {
    let size = Size {
        managers_per_100_units: Shape::REAL_MANAGERS_PER_100_UNITS,
        ..Size::TINY
    };
    generate_shaped(size, Shape { horizon, ..Shape::REAL }, 2027, seed)
}

#[test]
fn a_town_of_four_districts_is_planned_and_proven_optimal() {
    let outcome = plan(&town(1, 4), &patient()).unwrap();
    assert_eq!(outcome.score, 870);
    assert!(outcome.optimal, "bound {}", outcome.lower_bound);
}

#[test]
fn years_the_department_rules_leave_empty_are_counted_by_the_bound() {
    // Over ten years two position-years cannot be filled by anyone: the
    // departments of the free managers and chiefs are already in the team
    // or at their cap. Without the departments in the bound it was -160.
    let outcome = plan(
        &town(3, 10),
        &Options {
            time_limit: Duration::from_secs(3),
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(outcome.terms.vacancy, 2);
    assert_eq!(outcome.score, 19_840);
    assert!(outcome.lower_bound > 10_000, "bound {}", outcome.lower_bound);
    assert!(outcome.lower_bound <= outcome.score);
}
