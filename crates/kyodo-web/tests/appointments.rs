//! Appointments and terms over HTTP: a team appointed under Arao's rules,
//! the wrong ones refused with their reason, early ends and the remaining
//! term, promotions, the team and planning pages, and the roster.

mod common;

use common::{Api, TestApp};
use serde_json::{Value, json};

/// An empty district and staff made to test each rule against.
struct Fixture {
    app: TestApp,
    muni: i64,
    area: i64,
    other_area: i64,
    dept_a: i64,
    dept_b: i64,
    dept_c: i64,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let area = |code: &str, name: &str| json!({"code": code, "name": name});
    let (s, a) = coordinator.send("POST", "/areas", Some(area("Z01", "新地区"))).await;
    assert_eq!(s, 201, "{a}");
    let (s, b) = coordinator.send("POST", "/areas", Some(area("Z02", "別地区"))).await;
    assert_eq!(s, 201, "{b}");
    let depts: Vec<i64> = kyodo_store::departments::all(&app.db, muni)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.parent_id.is_some())
        .map(|d| d.id)
        .collect();
    Fixture {
        muni,
        area: a["id"].as_i64().unwrap(),
        other_area: b["id"].as_i64().unwrap(),
        dept_a: depts[0],
        dept_b: depts[1],
        dept_c: depts[2],
        app,
    }
}

impl Fixture {
    async fn staff(&self, number: &str, grade: &str, hired: &str, dept: i64, home: Option<i64>) -> i64 {
        let api = Api::new(&self.app, "arao-coordinator").await;
        let mut body = json!({
            "employee_number": number,
            "name": format!("職員{number}"),
            "name_kana": "ショクイン",
            "grade": grade,
            "hire_date": hired,
            "department_id": dept,
        });
        if let Some(h) = home {
            body["home_area_id"] = json!(h);
        }
        let (s, v) = api.send("POST", "/staff", Some(body)).await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn appoint(&self, staff: i64, area: i64, position: &str, start: &str) -> (u16, Value) {
        let api = Api::new(&self.app, "arao-coordinator").await;
        api.send(
            "POST",
            "/appointments",
            Some(json!({
                "staff_id": staff,
                "area_id": area,
                "position_key": position,
                "start_on": start,
            })),
        )
        .await
    }

    async fn appointments_in(&self, area: i64) -> Vec<Value> {
        let api = Api::new(&self.app, "arao-coordinator").await;
        let (s, v) = api
            .send("GET", &format!("/appointments?period=all&area_id={area}"), None)
            .await;
        assert_eq!(s, 200, "{v}");
        v.as_array().unwrap().clone()
    }
}

/// Every message the API gave for `field`, joined.
fn error_of(body: &Value, field: &str) -> String {
    let messages: Vec<&str> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["field"] == field)
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(!messages.is_empty(), "no error on {field}: {body}");
    messages.join(" / ")
}

#[tokio::test]
async fn a_team_that_meets_every_rule_is_appointed_and_the_wrong_ones_are_refused_with_a_reason() {
    let f = fixture().await;
    let manager = f.staff("90001", "manager", "2000-04-01", f.dept_a, None).await;
    let chief = f.staff("90002", "chief", "2010-04-01", f.dept_b, None).await;
    let young = f.staff("90003", "staff", "2026-04-01", f.dept_c, None).await;
    let staff = f.staff("90004", "staff", "2020-04-01", f.dept_c, None).await;
    let local = f.staff("90005", "chief", "2010-04-01", f.dept_c, Some(f.area)).await;
    let same_dept = f.staff("90006", "chief", "2010-04-01", f.dept_a, None).await;
    let second_manager = f.staff("90007", "manager", "2000-04-01", f.dept_b, None).await;

    let (s, m) = f.appoint(manager, f.area, "manager", "2027-04-01").await;
    assert_eq!(s, 201, "{m}");
    // Two years for 課長級, to the end of a fiscal year; the mayor appoints.
    assert_eq!(m["planned_end_on"], "2029-03-31");
    assert_eq!(m["appointed_by"], "市長");

    let cases = [
        (chief, "manager", "staff_id", "課長級の職員を任命します"),
        (young, "staff", "staff_id", "入庁3年目以上"),
        (local, "chief", "area_id", "居住地区"),
        (same_dept, "chief", "staff_id", "同じ部署"),
        (second_manager, "manager", "position_key", "職員90001さん"),
    ];
    for (who, position, field, reason) in cases {
        let (s, v) = f.appoint(who, f.area, position, "2027-04-01").await;
        assert_eq!(s, 409, "{position}: {v}");
        assert!(error_of(&v, field).contains(reason), "{field}: {v}");
    }
    // One position at a time: the manager cannot also serve the other district.
    let (s, v) = f.appoint(manager, f.other_area, "manager", "2027-10-01").await;
    assert_eq!(s, 409);
    assert!(error_of(&v, "staff_id").contains("一つの職だけ"), "{v}");
    assert_eq!(f.appointments_in(f.area).await.len(), 1, "a refusal writes nothing");

    let (s, c) = f.appoint(chief, f.area, "課長補佐・係長級", "2027-04-01").await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["planned_end_on"], "2030-03-31");
    let (s, v) = f.appoint(staff, f.area, "staff", "2027-04-01").await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(f.appointments_in(f.area).await.len(), 3);
}

#[tokio::test]
async fn an_early_end_leaves_the_remaining_term_to_the_successor() {
    let f = fixture().await;
    let first = f.staff("91001", "staff", "2015-04-01", f.dept_a, None).await;
    let second = f.staff("91002", "staff", "2016-04-01", f.dept_b, None).await;
    let (s, a) = f.appoint(first, f.area, "staff", "2026-04-01").await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["planned_end_on"], "2029-03-31");
    let id = a["id"].as_i64().unwrap();

    let api = Api::new(&f.app, "arao-coordinator").await;
    // A reason is needed (the document says so), and the last day must fall inside the term.
    let (s, v) = api
        .send(
            "POST",
            &format!("/appointments/{id}/end"),
            Some(json!({"ended_on": "2027-03-31"})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(!error_of(&v, "reason").is_empty());
    let (s, v) = api
        .send(
            "POST",
            &format!("/appointments/{id}/end"),
            Some(json!({"ended_on": "2029-03-31", "reason": "transfer"})),
        )
        .await;
    assert_eq!(s, 409);
    assert!(error_of(&v, "ended_on").contains("任期途中"), "{v}");
    let (s, v) = api
        .send(
            "POST",
            &format!("/appointments/{id}/end"),
            Some(json!({"ended_on": "2026-09-30", "reason": "transfer", "note": "福祉課へ"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["ended_on"], "2026-09-30");
    assert_eq!(v["end_reason"], "transfer");
    // Once over, it is not ended again.
    let (s, v) = api
        .send(
            "POST",
            &format!("/appointments/{id}/end"),
            Some(json!({"ended_on": "2026-08-31", "reason": "retirement"})),
        )
        .await;
    assert_eq!(s, 409, "{v}");
    assert!(v["message"].as_str().unwrap().contains("既に終了"), "{v}");

    // Serving until the last day, not after.
    let on = |d: &str| format!("/appointments?area_id={}&on={d}", f.area);
    let (_, v) = api.send("GET", &on("2026-09-30"), None).await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    let (_, v) = api.send("GET", &on("2026-10-01"), None).await;
    assert_eq!(v.as_array().unwrap().len(), 0);

    let (s, b) = f.appoint(second, f.area, "staff", "2026-10-01").await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["planned_end_on"], "2029-03-31", "the rest of the term (残任期間)");
    assert_eq!(b["replaces_id"], id);
}

#[tokio::test]
async fn a_promotion_keeps_the_term_where_the_scheme_says_so_and_ends_it_elsewhere() {
    let f = fixture().await;
    let chief = f.staff("92001", "chief", "2008-04-01", f.dept_a, None).await;
    let (s, a) = f.appoint(chief, f.area, "chief", "2026-04-01").await;
    assert_eq!(s, 201, "{a}");
    let api = Api::new(&f.app, "arao-coordinator").await;
    let (s, v) = api
        .send(
            "PATCH",
            &format!("/staff/{chief}"),
            Some(json!({"grade": "manager", "grade_effective_on": "2026-10-01"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // Arao: 任期中の昇進でも任期中は継続.
    let (_, current) = api.send("GET", &format!("/appointments?staff_id={chief}"), None).await;
    assert_eq!(current.as_array().unwrap().len(), 1, "{current}");
    assert!(current[0]["ended_on"].is_null());

    // A scheme where promotion ends the term: the last day is the day before.
    let mut scheme = f.app.municipality("432041").await.scheme;
    for p in &mut scheme.positions {
        p.survives_promotion = false;
    }
    let other = f.staff("92002", "chief", "2008-04-01", f.dept_b, None).await;
    let (s, b) = f.appoint(other, f.other_area, "chief", "2026-04-01").await;
    assert_eq!(s, 201, "{b}");
    let actor = kyodo_store::audit::Actor::command_line(f.muni);
    let row = kyodo_store::staff::get(&f.app.db, f.muni, other).await.unwrap();
    let mut input = kyodo_core::staff::StaffInput::parse(
        &|k: &str| match k {
            "employee_number" => Some(row.staff.employee_number.clone()),
            "name" => Some(row.staff.name.clone()),
            "name_kana" => Some(row.staff.name_kana.clone()),
            "grade" => Some("manager".into()),
            "hire_date" => Some("2008-04-01".into()),
            "department_id" => Some(f.dept_b.to_string()),
            _ => None,
        },
        &scheme,
        common::today(),
    )
    .unwrap();
    input.grade_effective_on = Some("2026-12-01".parse().unwrap());
    kyodo_store::staff::update(
        &f.app.db,
        &actor,
        &scheme,
        other,
        row.staff.version,
        &input,
        common::today(),
    )
    .await
    .unwrap();
    let ended = kyodo_store::appointments::get(&f.app.db, f.muni, b["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(ended.ended_on, Some("2026-11-30".parse().unwrap()));
    assert_eq!(ended.end_reason, Some(kyodo_core::appointments::EndReason::Promotion));
}

#[tokio::test]
async fn the_form_keeps_what_was_typed_and_says_why_beside_the_field() {
    let f = fixture().await;
    let young = f.staff("93001", "staff", "2026-04-01", f.dept_a, None).await;
    let browser = f.app.login("arao-coordinator").await;
    let form = browser.get(&format!("/appointments/new?area_id={}", f.area)).await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("2027-04-01"), "next April is the default start");
    let young_id = young.to_string();
    let area_id = f.area.to_string();
    let res = browser
        .post(
            "/appointments",
            &[
                ("staff_id", young_id.as_str()),
                ("area_id", area_id.as_str()),
                ("position_key", "staff"),
                ("start_on", "令和9年4月1日"),
                ("note", "前任の推薦"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("入庁3年目以上"), "the reason is shown");
    assert!(html.contains("前任の推薦"), "the note typed is kept");
    assert!(html.contains("令和9年4月1日"), "the date typed is kept");

    let ok = f
        .staff("93002", "staff", "2020-04-01", f.dept_a, None)
        .await
        .to_string();
    let res = browser
        .post(
            "/appointments",
            &[
                ("staff_id", ok.as_str()),
                ("area_id", area_id.as_str()),
                ("position_key", "staff"),
                ("start_on", "2027-04-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let team = browser
        .get(&format!("/areas/{}/team", f.area))
        .await
        .text()
        .await
        .unwrap();
    assert!(team.contains("職員93002"), "the new member is on the team page");
    assert!(team.contains("就任予定"));
}

#[tokio::test]
async fn the_demo_teams_show_their_members_history_and_next_april() {
    let f = fixture().await;
    let browser = f.app.login("arao-coordinator").await;
    let a02 = f.app.id_of(f.muni, "areas", "A02").await;
    let team = browser.get(&format!("/areas/{a02}/team")).await.text().await.unwrap();
    assert!(team.contains("現在のメンバー"));
    assert!(
        team.contains("途中退任（異動）"),
        "the demo's early end is in the history"
    );
    // The new district has nobody: every seat is open.
    let empty = browser
        .get(&format!("/areas/{}/team", f.area))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(empty.matches("欠員").count(), 3);

    let next = browser.get("/appointments/next-april").await;
    assert_eq!(next.status(), 200);
    let next = next.text().await.unwrap();
    assert!(next.contains("令和9年4月1日"));
    assert!(next.contains("任命できる職員"));
    assert!(next.contains("未経験"));

    let coverage = browser.get("/appointments/coverage").await.text().await.unwrap();
    assert!(coverage.contains("部署別"));
    assert!(coverage.contains('%'));

    // A liaison sees teams, not the candidates' home districts.
    let liaison = f.app.login("arao-liaison").await;
    assert_eq!(liaison.get(&format!("/areas/{a02}/team")).await.status(), 200);
    assert_eq!(liaison.get("/appointments/next-april").await.status(), 403);
}

#[tokio::test]
async fn the_roster_exports_and_the_public_feed_carries_names_and_positions_only() {
    let f = fixture().await;
    let res = f
        .app
        .anonymous()
        .get(f.app.url("/api/v1/public/432041/roster"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let lines: Vec<Value> = res.json().await.unwrap();
    assert_eq!(lines.len(), 27, "three per district");
    for l in &lines {
        let keys: Vec<&String> = l.as_object().unwrap().keys().collect();
        assert_eq!(keys, vec!["area", "name", "position"], "{l}");
    }
    let missing = f
        .app
        .anonymous()
        .get(f.app.url("/api/v1/public/999999/roster"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let browser = f.app.login("arao-coordinator").await;
    let csv = browser.get("/appointments/roster.csv").await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with("\u{feff}地区,職,氏名,フリガナ,所属,任期開始,任期満了"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 28);
    let cp932 = browser.get("/appointments/roster.csv?encoding=cp932").await;
    assert!(cp932.headers()["content-type"].to_str().unwrap().contains("shift_jis"));
    let xlsx = browser.get("/appointments/roster.xlsx").await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    // The community has no roster export of its own (the public feed is theirs).
    let community = f.app.login("arao-community").await;
    assert_eq!(community.get("/appointments/roster.csv").await.status(), 403);
}
