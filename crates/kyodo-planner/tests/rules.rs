//! Each hard rule of the contract, on an instance where the obvious plan
//! breaks it: the planner's plan keeps it, and says so by the scorer.

use kyodo_planner::{Appointment, Current, Instance, Options, Position, Rules, Staff, Unit, Weights, plan};

fn position(id: &str, grade: &str, term: u32) -> Position {
    Position::new(id, grade, term)
}

fn unit(id: &str, positions: Vec<Position>) -> Unit {
    Unit {
        id: id.into(),
        positions,
    }
}

fn person(id: &str, grade: &str, department: &str) -> Staff {
    Staff::new(id, grade, department, 2000)
}

fn instance(units: Vec<Unit>, staff: Vec<Staff>, flex: u32) -> Instance {
    Instance {
        first_year: 2027,
        horizon: 4,
        units,
        staff,
        current: Vec::new(),
        rules: Rules {
            term_flex: flex,
            department_cap: Default::default(),
            ..Rules::default()
        },
        weights: Weights::default(),
    }
}

/// The plan, checked feasible by the planner's own scorer.
fn planned(instance: &Instance) -> Vec<Appointment> {
    let outcome = plan(instance, &Options::default()).expect("plannable");
    let problem = kyodo_planner::model::Problem::new(instance).unwrap();
    let assigned: Vec<_> = outcome
        .plan
        .appointments
        .iter()
        .map(|a| kyodo_planner::score::Assigned {
            position: problem.position_index[&a.position],
            staff: problem.staff_index[&a.staff],
            start: a.start,
            end: a.end,
        })
        .collect();
    let evaluation = kyodo_planner::score::evaluate(&problem, &assigned);
    assert!(evaluation.violations.is_empty(), "{:?}", evaluation.violations);
    assert_eq!(evaluation.terms, outcome.terms);
    outcome.plan.appointments
}

fn of<'a>(plan: &'a [Appointment], staff: &str) -> Vec<&'a Appointment> {
    plan.iter().filter(|a| a.staff == staff).collect()
}

#[test]
fn rule_1_nobody_holds_two_positions_at_once() {
    // One newcomer, two districts: the obvious plan puts them in both.
    let i = instance(
        vec![
            unit("u1", vec![position("u1-m", "manager", 2)]),
            unit("u2", vec![position("u2-m", "manager", 2)]),
        ],
        vec![person("new", "manager", "d1"), person("old", "manager", "d2")],
        0,
    );
    let mut i = i;
    i.staff[1].served_units = vec!["u3".into()];
    i.units.push(unit("u3", vec![]));
    let p = planned(&i);
    let spans: Vec<_> = of(&p, "new").iter().map(|a| (a.start, a.end)).collect();
    for (k, a) in spans.iter().enumerate() {
        assert!(spans[k + 1..].iter().all(|b| b.0 > a.1 || a.0 > b.1), "{spans:?}");
    }
    assert!(p.iter().any(|a| a.staff == "old"), "the veteran fills the other seat");
}

#[test]
fn rule_2_a_current_term_is_not_doubled() {
    let mut i = instance(
        vec![unit("u1", vec![position("u1-m", "manager", 2)])],
        vec![person("a", "manager", "d1"), person("b", "manager", "d2")],
        0,
    );
    i.current = vec![Current {
        position: "u1-m".into(),
        staff: "a".into(),
        start: 2026,
        end: 2027,
    }];
    let p = planned(&i);
    assert!(p.iter().all(|a| a.start >= 2028), "{p:?}");
    assert_eq!(p.first().map(|a| a.staff.as_str()), Some("b"));
}

#[test]
fn rule_3_grade_matches_the_position() {
    // Three tempting newcomers of the wrong grade, one chief who served before.
    let mut staff = vec![
        person("x1", "staff", "d1"),
        person("x2", "staff", "d2"),
        person("x3", "staff", "d3"),
    ];
    let mut chief = person("chief", "chief", "d4");
    chief.served_units = vec!["u0".into()];
    staff.push(chief);
    let i = instance(
        vec![unit("u0", vec![]), unit("u1", vec![position("u1-c", "chief", 3)])],
        staff,
        0,
    );
    let p = planned(&i);
    assert!(!p.is_empty());
    assert!(p.iter().all(|a| a.staff == "chief"), "{p:?}");
}

#[test]
fn rule_4_years_since_hire() {
    let mut young = person("young", "staff", "d1");
    young.hired = 2026;
    let mut i = instance(vec![unit("u1", vec![position("u1-s", "staff", 2)])], vec![young], 1);
    i.units[0].positions[0].min_years_since_hire = 2;
    let p = planned(&i);
    // Hired 2026: eligible from 2028; 2027 stays empty.
    assert!(p.iter().all(|a| a.start >= 2028), "{p:?}");
    assert!(!p.is_empty());
}

#[test]
fn rule_5_nobody_serves_past_leaving() {
    let mut leaving = person("leaving", "manager", "d1");
    leaving.leaves = Some(2027);
    let i = instance(
        vec![unit("u1", vec![position("u1-m", "manager", 2)])],
        vec![leaving, person("b", "manager", "d2")],
        1,
    );
    let p = planned(&i);
    assert!(of(&p, "leaving").iter().all(|a| a.end <= 2027), "{p:?}");
}

#[test]
fn rule_6_terms_stay_within_the_flex() {
    let staff = (0..8)
        .map(|k| person(&format!("s{k}"), "staff", &format!("d{k}")))
        .collect();
    let i = instance(vec![unit("u1", vec![position("u1-s", "staff", 3)])], staff, 1);
    let p = planned(&i);
    // Newcomers are worth more than the deviation: terms shrink, but to 2, never 1.
    assert!(p.len() >= 2);
    assert!(p.iter().all(|a| (2..=4).contains(&(a.end - a.start + 1))), "{p:?}");
}

#[test]
fn rule_7_not_in_ones_home_district() {
    let mut local = person("local", "manager", "d1");
    local.home_unit = Some("u1".into());
    let i = instance(
        vec![unit("u1", vec![position("u1-m", "manager", 2)])],
        vec![local, person("b", "manager", "d2")],
        0,
    );
    let p = planned(&i);
    assert!(of(&p, "local").is_empty(), "{p:?}");
    assert!(!p.is_empty());
}

#[test]
fn rule_8_no_return_to_a_district_served() {
    let mut back = person("back", "manager", "d1");
    back.served_units = vec!["u1".into()];
    let mut i = instance(
        vec![
            unit("u1", vec![position("u1-m", "manager", 2)]),
            unit("u2", vec![position("u2-m", "manager", 2)]),
        ],
        vec![back, person("held", "manager", "d2"), person("c", "manager", "d3")],
        0,
    );
    i.current = vec![Current {
        position: "u2-m".into(),
        staff: "held".into(),
        start: 2025,
        end: 2026,
    }];
    let p = planned(&i);
    assert!(of(&p, "back").iter().all(|a| a.position != "u1-m"), "{p:?}");
    assert!(of(&p, "held").iter().all(|a| a.position != "u2-m"), "{p:?}");
}

#[test]
fn rule_9_one_department_once_per_team() {
    let i = instance(
        vec![unit(
            "u1",
            vec![position("u1-m", "manager", 2), position("u1-c", "chief", 3)],
        )],
        vec![
            person("m", "manager", "d1"),
            person("c-same", "chief", "d1"),
            person("c-other", "chief", "d2"),
        ],
        0,
    );
    let p = planned(&i);
    assert!(of(&p, "c-same").is_empty() || of(&p, "m").is_empty(), "{p:?}");
    assert!(p.iter().any(|a| a.position == "u1-c"));
}

#[test]
fn rule_10_department_cap() {
    let mut i = instance(
        vec![
            unit("u1", vec![position("u1-m", "manager", 2)]),
            unit("u2", vec![position("u2-m", "manager", 2)]),
        ],
        vec![
            person("a", "manager", "d1"),
            person("b", "manager", "d1"),
            person("c", "manager", "d2"),
        ],
        0,
    );
    i.rules.department_cap.insert("d1".into(), 1);
    let p = planned(&i);
    for year in 2027..2031 {
        let d1 = p
            .iter()
            .filter(|a| a.start <= year && year <= a.end && a.staff != "c")
            .count();
        assert!(d1 <= 1, "{year}: {p:?}");
    }
}

#[test]
fn bad_instances_are_refused_with_a_reason() {
    let base = || {
        instance(
            vec![unit("u1", vec![position("u1-m", "manager", 2)])],
            vec![person("a", "manager", "d1")],
            0,
        )
    };
    let message = |i: &Instance| plan(i, &Options::default()).unwrap_err().to_string();

    let mut i = base();
    i.units[0].positions[0].grade = "director".into();
    assert_eq!(message(&i), "職位「director」の職員が一人もいません（ポジション u1-m）");

    let mut i = base();
    i.current = vec![Current {
        position: "u9-m".into(),
        staff: "a".into(),
        start: 2026,
        end: 2027,
    }];
    assert_eq!(message(&i), "現任（1件目）: ポジション「u9-m」がありません");

    let mut i = base();
    i.staff.push(person("b", "manager", "d2"));
    i.current = vec![
        Current {
            position: "u1-m".into(),
            staff: "a".into(),
            start: 2026,
            end: 2027,
        },
        Current {
            position: "u1-m".into(),
            staff: "b".into(),
            start: 2027,
            end: 2028,
        },
    ];
    assert!(message(&i).starts_with("現任の重複"), "{}", message(&i));

    let mut i = base();
    i.staff[0].home_unit = Some("nowhere".into());
    assert_eq!(message(&i), "職員 a: 地区「nowhere」がありません");

    let mut i = base();
    i.horizon = 0;
    assert!(message(&i).starts_with("計画年数は"));

    let mut i = base();
    i.staff.push(person("a", "chief", "d1"));
    assert_eq!(message(&i), "職員のID「a」が重複しています");
}

#[test]
fn pins_bans_and_requirements_are_honoured() {
    let staff = (0..6)
        .map(|k| person(&format!("m{k}"), "manager", &format!("d{k}")))
        .collect();
    let i = instance(
        vec![
            unit("u1", vec![position("u1-m", "manager", 2)]),
            unit("u2", vec![position("u2-m", "manager", 2)]),
        ],
        staff,
        0,
    );
    let pin = Appointment {
        position: "u2-m".into(),
        staff: "m5".into(),
        start: 2029,
        end: 2030,
    };
    let options = Options {
        adjustments: kyodo_planner::Adjustments {
            banned: vec!["m0".into()],
            required: vec!["m4".into()],
            pinned: vec![pin.clone()],
        },
        ..Options::default()
    };
    let outcome = plan(&i, &options).unwrap();
    let p = &outcome.plan.appointments;
    assert!(p.contains(&pin), "{p:?}");
    assert!(of(p, "m0").is_empty());
    assert!(!of(p, "m4").is_empty());
    assert!(outcome.unplaced.is_empty());
    assert!(outcome.lower_bound <= outcome.score);

    let bad = Options {
        adjustments: kyodo_planner::Adjustments {
            pinned: vec![Appointment {
                start: 2040,
                end: 2041,
                ..pin
            }],
            ..Default::default()
        },
        ..Options::default()
    };
    assert!(
        plan(&i, &bad)
            .unwrap_err()
            .to_string()
            .contains("開始年度が計画期間の外")
    );
}

#[test]
fn the_same_seed_gives_the_same_plan() {
    let instance = kyodo_planner::generate::generate(kyodo_planner::generate::Size::MID, 2027, 11);
    let a = plan(
        &instance,
        &Options {
            seed: 5,
            ..Options::default()
        },
    )
    .unwrap();
    let b = plan(
        &instance,
        &Options {
            seed: 5,
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!(a.plan, b.plan);
    assert_eq!(a.lower_bound, b.lower_bound);
    assert!(a.lower_bound <= a.score);
}

#[test]
fn short_of_managers_the_empty_years_fall_where_they_cost_least() {
    // A small city with 11 managers for 10 districts: two position-years
    // must stay empty. OR-Tools CP-SAT proves 18,740 the best score for this
    // instance (bench/rotation/cpsat.py); staffing first and timing the
    // district again around its empty years reaches it (without that: 18,750).
    let size = kyodo_planner::generate::Size {
        managers_per_100_units: 110,
        ..kyodo_planner::generate::Size::SMALL
    };
    let instance = kyodo_planner::generate::generate(size, 2027, 2);
    let outcome = plan(&instance, &Options::default()).unwrap();
    assert_eq!(outcome.terms.vacancy, 2);
    assert_eq!(outcome.score, 18_740);
    assert!(outcome.lower_bound <= outcome.score);
}
