use std::collections::HashMap;

use super::*;
use crate::scheme::preset;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn arao() -> SchemeSettings {
    preset("arao").unwrap().scheme
}

fn position<'a>(scheme: &'a SchemeSettings, key: &str) -> &'a Position {
    scheme.positions.iter().find(|p| p.key == key).unwrap()
}

fn candidate(grade: &str, hired: &str) -> Candidate {
    Candidate {
        name: "山田".into(),
        department_id: Some(10),
        grade: grade.into(),
        hire_date: d(hired),
        home_area_id: Some(99),
        archived: false,
    }
}

fn overlap(staff_id: i64, position_key: &str, department_id: i64, last_day: &str) -> Overlap {
    Overlap {
        staff_id,
        staff_name: format!("職員{staff_id}"),
        department_id: Some(department_id),
        area_name: "荒尾地区".into(),
        position_key: position_key.into(),
        first_day: d("2025-04-01"),
        last_day: d(last_day),
    }
}

struct Case {
    scheme: SchemeSettings,
    position: &'static str,
    candidate: Candidate,
    unit_area_ids: Vec<i64>,
    start_on: NaiveDate,
    candidate_overlaps: Vec<Overlap>,
    unit_overlaps: Vec<Overlap>,
    slots: u32,
}

impl Case {
    fn new(position: &'static str, candidate: Candidate) -> Self {
        Self {
            scheme: arao(),
            position,
            candidate,
            unit_area_ids: vec![1, 2],
            start_on: d("2027-04-01"),
            candidate_overlaps: vec![],
            unit_overlaps: vec![],
            slots: 1,
        }
    }

    fn refusals(&self) -> FieldErrors {
        refusals(&Proposal {
            scheme: &self.scheme,
            position: position(&self.scheme, self.position),
            staff_id: 7,
            candidate: &self.candidate,
            unit_name: "荒尾地区",
            unit_area_ids: &self.unit_area_ids,
            start_on: self.start_on,
            candidate_overlaps: &self.candidate_overlaps,
            unit_overlaps: &self.unit_overlaps,
            slots: self.slots,
        })
    }
}

#[test]
fn a_team_that_meets_every_rule_is_accepted() {
    let case = Case::new("staff", candidate("staff", "2025-04-01"));
    assert!(case.refusals().is_empty(), "{}", case.refusals());
}

#[test]
fn the_grade_must_be_the_positions_on_the_first_day() {
    let case = Case::new("manager", candidate("chief", "2000-04-01"));
    let e = case.refusals();
    assert!(e.get("staff_id").unwrap().contains("課長級の職員を任命します"), "{e}");
    assert!(e.get("staff_id").unwrap().contains("課長補佐・係長級です"), "{e}");
}

#[test]
fn arao_staff_need_their_third_year_since_hire() {
    // Hired in 2026年度: 2027年度 is the second year, 2028年度 the third.
    let mut case = Case::new("staff", candidate("staff", "2026-04-01"));
    let e = case.refusals();
    let msg = e.get("staff_id").unwrap();
    assert!(msg.contains("入庁3年目以上"), "{msg}");
    assert!(msg.contains("入庁2年目"), "{msg}");
    assert!(msg.contains("令和10年4月1日から任命できます"), "{msg}");
    case.start_on = d("2028-04-01");
    assert!(case.refusals().is_empty());
    // Hired in January: still that fiscal year's intake.
    case.candidate.hire_date = d("2027-01-15");
    case.start_on = d("2028-04-01");
    assert!(case.refusals().is_empty(), "{}", case.refusals());
}

#[test]
fn area_supporters_are_young_staff() {
    let mut scheme = arao();
    scheme.positions.push(Position {
        key: "supporter".into(),
        name: "エリアサポーター".into(),
        kind: PositionKind::AreaSupporter,
        grade: None,
        term_years: 1,
        min_years_since_hire: 0,
        max_years_since_hire: Some(4),
        per_unit: Some(2),
        survives_promotion: true,
    });
    let mut case = Case::new("supporter", candidate("staff", "2020-04-01"));
    case.scheme = scheme;
    // 2027年度 is the eighth year since a 2020年度 hire; the limit is the fifth.
    assert!(case.refusals().get("staff_id").unwrap().contains("入庁5年目まで"));
    case.candidate.hire_date = d("2024-04-01");
    assert!(case.refusals().is_empty());
}

#[test]
fn nobody_serves_the_district_they_live_in_when_the_scheme_says_so() {
    let mut case = Case::new("staff", candidate("staff", "2020-04-01"));
    // Home in an area below the unit.
    case.candidate.home_area_id = Some(2);
    assert!(case.refusals().get("area_id").unwrap().contains("居住地区"));
    case.scheme.appointment_rules.exclude_home_area = false;
    assert!(case.refusals().is_empty());
}

#[test]
fn one_position_at_a_time() {
    let mut case = Case::new("staff", candidate("staff", "2020-04-01"));
    case.candidate_overlaps = vec![overlap(7, "staff", 10, "2028-03-31")];
    let e = case.refusals();
    assert!(
        e.get("staff_id").unwrap().contains("同時に務められるのは一つの職だけ"),
        "{e}"
    );
}

#[test]
fn a_filled_position_is_refused_until_its_slots_are_used() {
    let mut case = Case::new("staff", candidate("staff", "2020-04-01"));
    case.unit_overlaps = vec![overlap(3, "staff", 20, "2029-03-31")];
    assert!(case.refusals().get("position_key").unwrap().contains("職員3さん"));
    case.slots = 2;
    assert!(case.refusals().is_empty());
}

#[test]
fn holders_one_after_another_share_a_seat() {
    // Two seats: one holder leaves in March 2027 and another starts in
    // April 2027; a second holder serves throughout. Never more than two at once.
    let mut case = Case::new("staff", candidate("staff", "2020-04-01"));
    case.start_on = d("2026-10-01");
    case.slots = 2;
    let mut leaving = overlap(3, "staff", 20, "2027-03-31");
    leaving.first_day = d("2024-04-01");
    let mut arriving = overlap(4, "staff", 21, "2030-03-31");
    arriving.first_day = d("2027-04-01");
    case.unit_overlaps = vec![leaving, arriving];
    case.scheme.appointment_rules.distinct_departments_in_unit = false;
    assert!(case.refusals().is_empty(), "{}", case.refusals());
    // A third holder present throughout fills both seats on 2026-10-01.
    let mut throughout = overlap(5, "staff", 22, "2030-03-31");
    throughout.first_day = d("2025-04-01");
    case.unit_overlaps.push(throughout);
    let e = case.refusals();
    assert!(e.get("position_key").unwrap().contains("職員5さん"), "{e}");
}

#[test]
fn one_department_once_per_team_when_the_scheme_says_so() {
    let mut case = Case::new("staff", candidate("staff", "2020-04-01"));
    case.unit_overlaps = vec![overlap(3, "manager", 10, "2028-03-31")];
    assert!(case.refusals().get("staff_id").unwrap().contains("同じ部署"));
    case.scheme.appointment_rules.distinct_departments_in_unit = false;
    assert!(case.refusals().is_empty());
}

#[test]
fn staff_who_left_cannot_be_appointed() {
    let mut c = candidate("staff", "2020-04-01");
    c.archived = true;
    assert!(
        Case::new("staff", c)
            .refusals()
            .get("staff_id")
            .unwrap()
            .contains("在籍していません")
    );
}

#[test]
fn terms_run_to_the_end_of_a_fiscal_year() {
    assert_eq!(term_end(d("2026-04-01"), 2), d("2028-03-31"));
    assert_eq!(term_end(d("2026-04-01"), 3), d("2029-03-31"));
    // Appointed in October: the first year counts.
    assert_eq!(term_end(d("2026-10-01"), 2), d("2028-03-31"));
    // Appointed in February: still the 2025年度.
    assert_eq!(term_end(d("2026-02-01"), 1), d("2026-03-31"));
}

#[test]
fn a_replacement_serves_the_remaining_term_where_the_scheme_says_so() {
    let scheme = arao();
    let staff = position(&scheme, "staff");
    let rules = &scheme.appointment_rules;
    // The predecessor's term was to end in March 2028.
    assert_eq!(
        planned_end(staff, rules, d("2026-10-01"), Some(d("2028-03-31"))),
        d("2028-03-31")
    );
    let mut full = rules.clone();
    full.replacement_serves_remaining_term = false;
    assert_eq!(
        planned_end(staff, &full, d("2026-10-01"), Some(d("2028-03-31"))),
        d("2029-03-31")
    );
    // A term already over leaves nothing to serve.
    assert_eq!(
        planned_end(staff, rules, d("2028-04-01"), Some(d("2028-03-31"))),
        d("2031-03-31")
    );
}

#[test]
fn a_team_ending_all_at_once_is_flagged() {
    assert_eq!(
        whole_team_ends(&[d("2028-03-31"), d("2028-03-31"), d("2027-06-30")]),
        Some(2027)
    );
    assert_eq!(whole_team_ends(&[d("2028-03-31"), d("2029-03-31")]), None);
    assert_eq!(whole_team_ends(&[d("2028-03-31")]), None);
    assert_eq!(whole_team_ends(&[]), None);
}

#[test]
fn kumamoto_staffs_centres_by_their_school_districts() {
    let scheme = preset("kumamoto").unwrap().scheme;
    let full_time = scheme
        .positions
        .iter()
        .find(|p| p.kind == PositionKind::FullTime && p.per_unit.is_none())
        .expect("kumamoto has a full-time post decided by the rule");
    let rule = scheme.staffing_rule.unwrap();
    assert_eq!(slots(full_time, &scheme, 7), rule.staff_for(7));
    assert!(slots(full_time, &scheme, 7) > slots(full_time, &scheme, 1));
    let arao = arao();
    assert_eq!(slots(position(&arao, "manager"), &arao, 7), 1);
}

#[test]
fn next_april_is_after_today() {
    assert_eq!(next_april(d("2026-11-21")), d("2027-04-01"));
    assert_eq!(next_april(d("2027-03-31")), d("2027-04-01"));
    assert_eq!(next_april(d("2027-04-01")), d("2028-04-01"));
}

#[test]
fn coverage_counts_the_eligible_who_served() {
    let scheme = arao();
    let s = |dept: &str, grade: &str, hired: &str, served: bool| PoolMember {
        staff_id: 1,
        name: "職員".into(),
        name_kana: "ショクイン".into(),
        department_id: None,
        department_name: Some(dept.into()),
        grade: grade.into(),
        hire_date: d(hired),
        home_area_id: None,
        served,
    };
    let staff = vec![
        s("土木課", "staff", "2015-04-01", true),
        s("土木課", "staff", "2015-04-01", false),
        // Too new to serve: not counted.
        s("土木課", "staff", "2026-04-01", false),
        s("福祉課", "manager", "1995-04-01", true),
        // No liaison position takes 部長級.
        s("福祉課", "director", "1990-04-01", false),
    ];
    let (departments, grades, total) = coverage(&staff, &scheme, d("2026-11-21"));
    assert_eq!((total.eligible, total.served), (3, 2));
    assert_eq!(total.percent(), Some(66.7));
    assert_eq!(departments[0].label, "土木課");
    assert_eq!((departments[0].eligible, departments[0].served), (2, 1));
    assert_eq!(
        grades.iter().map(|g| g.label.as_str()).collect::<Vec<_>>(),
        vec!["課長級", "一般職員"]
    );
}

fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |k| map.get(k).cloned()
}

#[test]
fn an_appointment_reads_wareki_zenkaku_and_position_names() {
    let get = form(&[
        ("staff_id", "１２"),
        ("area_id", "3"),
        ("position_key", "一般職員"),
        ("start_on", "R9.4.1"),
    ]);
    let input = AppointmentInput::parse(&get, &arao()).unwrap();
    assert_eq!(input.staff_id, 12);
    assert_eq!(input.position_key, "staff");
    assert_eq!(input.start_on, d("2027-04-01"));
    assert_eq!(input.appointed_on, d("2027-04-01"));
    assert_eq!(input.appointed_by, "市長");
}

#[test]
fn a_bad_appointment_form_reports_every_field() {
    let get = form(&[("position_key", "部長"), ("start_on", "2027-13-01")]);
    let e = AppointmentInput::parse(&get, &arao()).unwrap_err();
    for field in ["staff_id", "area_id", "position_key", "start_on"] {
        assert!(e.get(field).is_some(), "{field}: {e}");
    }
}

#[test]
fn an_early_end_needs_a_day_inside_the_term_and_a_reason() {
    let (start, end) = (d("2026-04-01"), d("2029-03-31"));
    let ok = EndInput::parse(&form(&[("ended_on", "2026-09-30"), ("reason", "異動")]), start, end).unwrap();
    assert_eq!(ok.reason, EndReason::Transfer);
    let e = EndInput::parse(&form(&[("ended_on", "2029-03-31")]), start, end).unwrap_err();
    assert!(e.get("ended_on").unwrap().contains("任期途中"));
    assert!(e.get("reason").is_some());
    let e = EndInput::parse(
        &form(&[("ended_on", "2026-03-01"), ("reason", "retirement")]),
        start,
        end,
    )
    .unwrap_err();
    assert!(e.get("ended_on").unwrap().contains("以降"));
}
