//! The liaison team at work, over HTTP: a meeting and activities logged
//! from the phone form, an issue raised from the minutes, who sees whose
//! records, the monthly totals behind the workload pages, and a handover
//! from the appointment of a successor to both sign-offs.

mod common;

use common::{Api, TestApp, liaison_account};
use serde_json::{Value, json};

/// The arao demo, with accounts for A01's 一般職員 (a member, not the lead)
/// and for a member of A02. The demo liaison leads A01 (課長級).
struct Teams {
    app: TestApp,
    muni: i64,
    a01: i64,
    a02: i64,
    org: i64,
    junior: i64,
}

async fn teams() -> Teams {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let a01 = app.id_of(muni, "areas", "A01").await;
    let a02 = app.id_of(muni, "areas", "A02").await;
    let holders = |area| {
        let db = app.db.clone();
        async move {
            kyodo_store::appointments::for_area(&db, muni, area, common::today())
                .await
                .expect("holders")
        }
    };
    let junior = holders(a01)
        .await
        .into_iter()
        .find(|h| h.position_key == "staff")
        .expect("A01 has a 一般職員")
        .staff_id;
    let other = holders(a02).await[0].staff_id;
    liaison_account(&app, muni, "arao-junior", junior).await;
    liaison_account(&app, muni, "arao-other", other).await;
    Teams {
        org: app.id_of(muni, "organisations", "O001").await,
        muni,
        a01,
        a02,
        junior,
        app,
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|x| x["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn a_liaison_logs_a_meeting_and_three_activities_from_the_phone_form_and_raises_an_issue_from_the_minutes() {
    let t = teams().await;
    let b = t.app.login("arao-junior").await;

    // The form opens with today and their district already chosen.
    let form = b.get("/activities/new").await.text().await.unwrap();
    assert!(form.contains("value=\"2026-11-21\""), "today by default");
    assert!(
        form.contains(&format!("<option value=\"{}\" selected>", t.a01)),
        "their district by default"
    );

    let res = b
        .post(
            "/meetings",
            &[
                ("area_id", &t.a01.to_string()),
                ("organisation_id", &t.org.to_string()),
                ("kind", "役員会"),
                ("title", "11月の役員会"),
                ("held_on", "令和8年11月20日"),
                ("start_time", "１９：００"),
                ("end_time", "21時"),
                ("observers_allowed", "true"),
                ("minutes", "通学路の街灯が切れているとの報告。市に伝える。"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let meeting: i64 = res.headers()["location"].to_str().unwrap()["/meetings/".len()..]
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    for (duty, minutes, extra) in [
        ("運営支援", "1時間30分", None),
        ("相談対応", "30", None),
        ("活動支援", "2h", Some(("compensation", "振替・代休"))),
    ] {
        let mut fields = vec![("duty_type", duty), ("minutes", minutes)];
        let m = meeting.to_string();
        fields.push(("meeting_id", &m));
        if let Some(e) = extra {
            fields.push(("out_of_hours", "true"));
            fields.push(e);
        }
        let res = b.post("/activities", &fields).await;
        assert_eq!(res.status(), 303, "{duty}");
        assert_eq!(res.headers()["location"], "/activities?notice=logged");
    }
    // Where it lands says so.
    let list = b.get("/activities?notice=logged").await.text().await.unwrap();
    assert!(list.contains("活動を記録しました"), "the confirmation shows");
    // Out of hours without how it is made good: refused, what was typed kept.
    let res = b
        .post(
            "/activities",
            &[
                ("duty_type", "運営支援"),
                ("minutes", "45"),
                ("out_of_hours", "true"),
                ("note", "夜の見回り"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("振替・代休"), "the reason is beside the field");
    assert!(page.contains("夜の見回り"), "the note is kept");

    let junior = Api::new(&t.app, "arao-junior").await;
    let (s, mine) = junior.send("GET", "/activities", None).await;
    assert_eq!(s, 200);
    let year: i64 = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["minutes"].as_i64().unwrap())
        .sum();
    let mine: Vec<&Value> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["meeting_id"] == meeting)
        .collect();
    assert_eq!(mine.len(), 3);
    assert!(
        mine.iter()
            .all(|a| a["staff_id"] == t.junior && a["done_on"] == "2026-11-21")
    );
    let minutes: i64 = mine.iter().map(|a| a["minutes"].as_i64().unwrap()).sum();
    assert_eq!(minutes, 90 + 30 + 120);
    assert!(
        mine.iter()
            .any(|a| a["out_of_hours"] == true && a["compensation"] == "time_off")
    );

    // An issue from the minutes: district, organisation, date and source from the meeting.
    let (s, raised) = junior
        .send(
            "POST",
            &format!("/meetings/{meeting}/issues"),
            Some(
                json!({"kind": "request", "title": "通学路の街灯", "body": "役員会で報告があった", "category": "防犯"}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{raised}");
    let issue = raised["id"].as_i64().unwrap();
    let (_, i) = junior.send("GET", &format!("/issues/{issue}"), None).await;
    assert_eq!(i["area_id"], t.a01);
    assert_eq!(i["organisation_id"], t.org);
    assert_eq!(i["source"], "meeting");
    assert_eq!(i["received_on"], "2026-11-20");
    let (_, m) = junior.send("GET", &format!("/meetings/{meeting}"), None).await;
    assert_eq!(m["start_time"], "19:00");
    assert_eq!(ids(&m["issues_raised"]), vec![issue]);
    // A raise with a missing field is a 422 and creates nothing.
    let (s, bad) = junior
        .send(
            "POST",
            &format!("/meetings/{meeting}/issues"),
            Some(json!({"kind": "request"})),
        )
        .await;
    assert_eq!(s, 422, "{bad}");
    let (_, m) = junior.send("GET", &format!("/meetings/{meeting}"), None).await;
    assert_eq!(ids(&m["issues_raised"]), vec![issue]);

    // The workload pages and the report show them.
    let coordinator = t.app.login("arao-coordinator").await;
    let report = coordinator
        .get(&format!("/workload/report?area_id={}&month=11", t.a01))
        .await
        .text()
        .await
        .unwrap();
    assert!(report.contains("11月の役員会"), "the meeting is in the report");
    let junior_page = b
        .get(&format!("/workload/staff/{}", t.junior))
        .await
        .text()
        .await
        .unwrap();
    let expected = format!(">{}</td>", kyodo_core::activities::hours(year));
    assert!(junior_page.contains(&expected), "this year's hours, {expected}");
    let xlsx = coordinator
        .get(&format!("/workload/report.xlsx?area_id={}", t.a01))
        .await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "an xlsx file");
}

#[tokio::test]
async fn the_owner_edits_the_team_lead_and_the_coordinator_see_and_nobody_else_does() {
    let t = teams().await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let lead = Api::new(&t.app, "arao-liaison").await;
    let other = Api::new(&t.app, "arao-other").await;
    let (s, a) = junior
        .send(
            "POST",
            "/activities",
            Some(json!({"duty_type": "相談対応", "minutes": 45})),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_i64().unwrap();
    let path = format!("/activities/{id}");

    // The team's 課長級 and the coordinator see it; another team does not.
    assert_eq!(lead.send("GET", &path, None).await.0, 200);
    let coordinator = Api::new(&t.app, "arao-coordinator").await;
    assert_eq!(coordinator.send("GET", &path, None).await.0, 200);
    assert_eq!(other.send("GET", &path, None).await.0, 403);
    let (_, theirs) = other.send("GET", "/activities", None).await;
    assert!(!ids(&theirs).contains(&id));
    let (_, team) = lead.send("GET", "/activities", None).await;
    assert!(ids(&team).contains(&id), "the lead's list has the team's entries");
    // A member does not see the lead's own entries.
    let (_, own) = junior.send("GET", "/activities", None).await;
    assert!(own.as_array().unwrap().iter().all(|a| a["staff_id"] == t.junior));
    // Departments and the admin have no activity log at all.
    for login in ["arao-department", "arao-admin", "arao-community"] {
        let api = Api::new(&t.app, login).await;
        assert_eq!(api.send("GET", "/activities", None).await.0, 403, "{login}");
    }

    // Only the owner edits, even the lead and the coordinator may not.
    for api in [&lead, &coordinator] {
        let (s, v) = api.send("PATCH", &path, Some(json!({"minutes": 60}))).await;
        assert_eq!(s, 409, "{v}");
        assert!(v["message"].as_str().unwrap().contains("本人"), "{v}");
    }
    let (s, v) = junior
        .send("PATCH", &path, Some(json!({"minutes": 60, "duty_type": "運営支援"})))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["minutes"], 60);

    // A liaison logs only for the districts they serve.
    let (s, v) = junior
        .send(
            "POST",
            "/activities",
            Some(json!({"duty_type": "相談対応", "minutes": 45, "area_id": t.a02})),
        )
        .await;
    assert_eq!(s, 409, "another district: {v}");
}

/// The monthly totals equal the raw log after every create, edit and delete.
#[tokio::test]
async fn monthly_totals_follow_every_edit_and_delete() {
    let t = teams().await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let sums = || {
        let db = t.app.db.clone();
        let muni = t.muni;
        let staff = t.junior;
        async move {
            // Every stored row, as it is (grouped by its whole key).
            let by_row = kyodo_store::activities::GroupBy {
                staff: true,
                area: true,
                month: true,
                duty: true,
            };
            let filter = kyodo_store::activities::TotalsFilter {
                staff_id: Some(staff),
                area_ids: None,
            };
            let all = &kyodo_store::activities::Reach::All;
            let totals = kyodo_store::activities::summed(&db, muni, all, (0, 999_999), &filter, by_row)
                .await
                .unwrap();
            let log = kyodo_store::activities::list(
                &db,
                muni,
                &kyodo_store::activities::Reach::All,
                &kyodo_store::activities::ActivityFilter {
                    staff_id: Some(staff),
                    limit: Some(10_000),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            let by_log: i64 = log.iter().map(|a| a.minutes).sum();
            let by_totals: i64 = totals.iter().map(|t| t.minutes).sum();
            let out_log: i64 = log.iter().filter(|a| a.out_of_hours).map(|a| a.minutes).sum();
            let out_totals: i64 = totals.iter().map(|t| t.out_of_hours_minutes).sum();
            assert_eq!(by_log, by_totals);
            assert_eq!(out_log, out_totals);
            assert!(totals.iter().all(|t| t.entries > 0), "no empty rows left behind");
            // The yearly totals agree with the log, 年度 by 年度.
            for fy in [2025, 2026] {
                let year = kyodo_store::activities::summed(
                    &db,
                    muni,
                    all,
                    (fy * 100 + 4, (fy + 1) * 100 + 3),
                    &filter,
                    kyodo_store::activities::GroupBy::default(),
                )
                .await
                .unwrap();
                let in_year: i64 = log
                    .iter()
                    .filter(|a| kyodo_core::wareki::fiscal_year(a.done_on) == fy)
                    .map(|a| a.minutes)
                    .sum();
                assert_eq!(year.iter().map(|t| t.minutes).sum::<i64>(), in_year, "{fy}年度");
            }
            (by_totals, totals.len())
        }
    };
    let (before, _) = sums().await;
    let (_, a) = junior
        .send(
            "POST",
            "/activities",
            Some(json!({"duty_type": "相談対応", "minutes": 50, "done_on": "2026-10-03", "out_of_hours": true, "compensation": "allowance"})),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!(sums().await.0, before + 50);
    // Moved to another month and duty type.
    let (s, _) = junior
        .send(
            "PATCH",
            &format!("/activities/{id}"),
            Some(json!({"duty_type": "人材育成支援", "minutes": 70, "done_on": "2026-03-15", "out_of_hours": false})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(sums().await.0, before + 70);
    let b = t.app.login("arao-junior").await;
    let res = b.post(&format!("/activities/{id}/delete"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(sums().await.0, before);
    // Another's entry cannot be deleted.
    let lead = t.app.login("arao-liaison").await;
    let (_, a) = junior
        .send(
            "POST",
            "/activities",
            Some(json!({"duty_type": "相談対応", "minutes": 15})),
        )
        .await;
    let res = lead.post(&format!("/activities/{}/delete", a["id"]), &[]).await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn meetings_reach_their_districts_and_organisation_and_preparations_count_toward_the_main_session() {
    let t = teams().await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let meeting = |kind: &str, title: &str, main: Option<i64>| {
        let mut body = json!({
            "area_id": t.a01, "organisation_id": t.org, "kind": kind, "title": title,
            "held_on": "2026-11-10", "staff_ids": [t.junior],
        });
        if let Some(m) = main {
            body["main_meeting_id"] = json!(m);
        }
        body
    };
    let (s, main) = junior
        .send(
            "POST",
            "/meetings",
            Some(meeting("workshop", "防災ワークショップ", None)),
        )
        .await;
    assert_eq!(s, 201, "{main}");
    let main_id = main["id"].as_i64().unwrap();
    for title in ["事前打合せ1", "事前打合せ2"] {
        let (s, v) = junior
            .send("POST", "/meetings", Some(meeting("preparation", title, Some(main_id))))
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let (s, v) = junior
        .send("POST", "/meetings", Some(meeting("board", "役員会", Some(main_id))))
        .await;
    assert_eq!(s, 409, "only preparations and reviews belong to a main session: {v}");
    let (_, m) = junior.send("GET", &format!("/meetings/{main_id}"), None).await;
    assert_eq!(m["cost"]["preparations"], 2);
    assert_eq!(m["staff_present"][0]["staff_id"], t.junior);

    // The community sees its organisation's meetings; another team does not see A01's.
    let community = Api::new(&t.app, "arao-community").await;
    assert_eq!(
        community.send("GET", &format!("/meetings/{main_id}"), None).await.0,
        200
    );
    let other = Api::new(&t.app, "arao-other").await;
    assert_eq!(other.send("GET", &format!("/meetings/{main_id}"), None).await.0, 403);
    let (_, list) = other.send("GET", "/meetings", None).await;
    assert!(!ids(&list).contains(&main_id));
    let (s, v) = other
        .send("POST", "/meetings", Some(meeting("board", "よその役員会", None)))
        .await;
    assert_eq!(s, 409, "a district they do not serve: {v}");
    assert_eq!(
        Api::new(&t.app, "arao-department")
            .await
            .send("GET", "/meetings", None)
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn a_successor_opens_a_handover_whose_dossier_is_complete_and_both_sign_off_once_the_checklist_is_done() {
    let t = teams().await;
    let coordinator = Api::new(&t.app, "arao-coordinator").await;
    // The 一般職員 of A01 is transferred; a successor serves the rest of the term.
    let (_, current) = coordinator
        .send("GET", &format!("/appointments?area_id={}", t.a01), None)
        .await;
    let leaving = current
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["staff_id"] == t.junior)
        .unwrap()
        .clone();
    let (s, v) = coordinator
        .send(
            "POST",
            &format!("/appointments/{}/end", leaving["id"]),
            Some(json!({"ended_on": "2026-11-30", "reason": "transfer"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let (s, newcomer) = coordinator
        .send(
            "POST",
            "/staff",
            Some(json!({
                "employee_number": "99001", "name": "新任 太郎", "name_kana": "シンニン",
                "grade": "staff", "hire_date": "2015-04-01",
                "department_id": leaving["department_id"].as_i64().unwrap(),
            })),
        )
        .await;
    assert_eq!(s, 201, "{newcomer}");
    let successor = newcomer["id"].as_i64().unwrap();
    let (s, v) = coordinator
        .send(
            "POST",
            "/appointments",
            Some(json!({"staff_id": successor, "area_id": t.a01, "position_key": "staff", "start_on": "2026-12-01"})),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    let (_, open) = coordinator.send("GET", "/handovers", None).await;
    let h = open
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["successor_staff_id"] == successor)
        .expect("a handover was opened")
        .clone();
    assert_eq!(h["predecessor_staff_id"], t.junior);
    let id = h["id"].as_i64().unwrap();

    liaison_account(&t.app, t.muni, "arao-newcomer", successor).await;
    let newcomer = Api::new(&t.app, "arao-newcomer").await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let (s, d) = newcomer.send("GET", &format!("/handovers/{id}"), None).await;
    assert_eq!(s, 200, "the successor reads the dossier before the first day: {d}");
    assert!(
        !d["key_people"].as_array().unwrap().is_empty(),
        "key people with contacts"
    );
    assert!(d["key_people"][0]["phone"].is_string());
    assert!(!d["open_issues"].as_array().unwrap().is_empty());
    assert!(!d["organisations"].as_array().unwrap().is_empty());
    assert!(
        !d["meetings"].as_array().unwrap().is_empty(),
        "the demo's year of meetings"
    );
    assert!(!d["activity"].as_array().unwrap().is_empty());
    let checklist = d["checklist"].as_array().unwrap().clone();
    assert_eq!(
        checklist.iter().filter(|i| i["kind"] == "introduce").count(),
        d["key_people"].as_array().unwrap().len(),
        "one introduction per key person"
    );
    // Reading the dossier is a read of personal data, and it is logged.
    let audit = kyodo_store::audit::list(
        &t.app.db,
        t.muni,
        &kyodo_store::audit::AuditFilter {
            entity: Some("key_people".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        audit.items.iter().any(|e| e.login.as_deref() == Some("arao-newcomer")
            && e.detail
                .as_deref()
                .is_some_and(|d| d.contains(&format!("\"handover_id\":{id}")))),
        "the read is in the audit log"
    );
    // Nobody else's business.
    let other = Api::new(&t.app, "arao-other").await;
    assert_eq!(other.send("GET", &format!("/handovers/{id}"), None).await.0, 403);

    // Signing off with items left is refused, and says how many.
    let (s, v) = newcomer.send("POST", &format!("/handovers/{id}/sign"), None).await;
    assert_eq!(s, 409, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains(&format!("あと{}件", checklist.len())),
        "{v}"
    );
    for item in &checklist {
        let (s, v) = junior
            .send(
                "POST",
                &format!("/handovers/{id}/tick"),
                Some(json!({"kind": item["kind"], "ref_id": item["ref_id"], "done_on": "2026-11-21"})),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    for api in [&newcomer, &junior] {
        let (s, v) = api.send("POST", &format!("/handovers/{id}/sign"), None).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = junior.send("POST", &format!("/handovers/{id}/sign"), None).await;
    assert_eq!(s, 409, "once only: {v}");
    let (_, open) = coordinator.send("GET", "/handovers", None).await;
    assert!(
        !ids(&open).contains(&id),
        "completed handovers leave the coordinator's list"
    );
    let (_, all) = coordinator.send("GET", "/handovers?all=true", None).await;
    assert!(ids(&all).contains(&id));

    // The sheet prints: every item ticked, both sign-offs shown.
    let page = t
        .app
        .login("arao-newcomer")
        .await
        .get(&format!("/handovers/{id}"))
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("印刷する") && page.contains("完了"));
    assert!(!page.contains("☐"), "nothing left unticked");
}

#[tokio::test]
async fn a_meeting_planned_for_next_month_is_not_counted_as_attended() {
    let t = teams().await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let coordinator = t.app.login("arao-coordinator").await;
    let attended = || async {
        let page = coordinator
            .get(&format!("/workload/staff/{}", t.junior))
            .await
            .text()
            .await
            .unwrap();
        summary_cell(&page, "出席した会議").to_owned()
    };
    let meeting = |held_on: &str| {
        json!({
            "area_id": t.a01, "organisation_id": t.org, "kind": "board",
            "title": format!("{held_on}の役員会"), "held_on": held_on, "staff_ids": [t.junior],
        })
    };
    let before = attended().await;
    let (s, v) = junior.send("POST", "/meetings", Some(meeting("2026-12-15"))).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(attended().await, before, "next month's meeting is not attended yet");
    let (s, v) = junior.send("POST", "/meetings", Some(meeting("2026-11-10"))).await;
    assert_eq!(s, 201, "{v}");
    let after: i64 = attended().await.parse().unwrap();
    assert_eq!(after, before.parse::<i64>().unwrap() + 1, "a past one is");
}

#[tokio::test]
async fn raising_an_issue_from_minutes_starts_at_the_same_priority_as_a_new_issue() {
    let t = teams().await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let (s, m) = junior
        .send(
            "POST",
            "/meetings",
            Some(json!({
                "area_id": t.a01, "organisation_id": t.org, "kind": "board", "title": "役員会",
                "held_on": "2026-11-10", "staff_ids": [t.junior], "minutes": "街灯の件",
            })),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let b = t.app.login("arao-junior").await;
    let new_issue = b.get("/issues/new").await.text().await.unwrap();
    let minutes = b.get(&format!("/meetings/{}", m["id"])).await.text().await.unwrap();
    assert_eq!(chosen(&new_issue, "priority"), vec!["normal"]);
    assert_eq!(chosen(&minutes, "priority"), vec!["normal"], "one default");
}

#[tokio::test]
async fn the_workload_month_box_shows_the_month_whose_figures_show_and_counts_are_whole() {
    let t = teams().await;
    let coordinator = t.app.login("arao-coordinator").await;
    let page = coordinator.get("/workload").await.text().await.unwrap();
    // Today is 2026-11-21 in the tests: November's figures, November chosen.
    assert_eq!(chosen(&page, "month"), vec!["11"]);
    assert!(page.contains("令和8年11月の職員ごとの負担"));

    let staff_page = coordinator
        .get(&format!("/workload/staff/{}", t.junior))
        .await
        .text()
        .await
        .unwrap();
    let count = summary_cell(&staff_page, "活動の記録件数");
    assert!(
        count.trim().parse::<i64>().is_ok(),
        "a count is a whole number: {count}"
    );
}

#[tokio::test]
async fn out_of_hours_has_no_preset_compensation_so_forgetting_it_is_shown() {
    let t = teams().await;
    let b = t.app.login("arao-junior").await;
    let form = b.get("/activities/new").await.text().await.unwrap();
    assert_eq!(chosen(&form, "compensation"), vec![""], "nothing chosen beforehand");
}

/// The values chosen in the page's select `name`.
fn chosen<'a>(page: &'a str, name: &str) -> Vec<&'a str> {
    let select = page
        .split(&format!("name=\"{name}\""))
        .nth(1)
        .and_then(|s| s.split("</select>").next())
        .unwrap_or_else(|| panic!("a choice {name}"));
    select
        .split("<option value=\"")
        .skip(1)
        .filter(|o| o.split('>').next().is_some_and(|tag| tag.contains(" selected")))
        .filter_map(|o| o.split('"').next())
        .collect()
}

/// The text of the summary cell after `label`.
fn summary_cell<'a>(page: &'a str, label: &str) -> &'a str {
    page.split(&format!("{label}</"))
        .nth(1)
        .and_then(|rest| rest.split("<td").nth(1))
        .and_then(|cell| cell.split('>').nth(1))
        .and_then(|cell| cell.split('<').next())
        .map(str::trim)
        .unwrap_or_else(|| panic!("a cell after {label}"))
}

#[tokio::test]
async fn a_meeting_is_refused_an_organisation_of_another_district() {
    let t = teams().await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let elsewhere = kyodo_store::organisations::all(&t.app.db, t.muni)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.area_id == Some(t.a02))
        .expect("an organisation of A02")
        .id;
    let meeting = |org: i64| {
        json!({
            "area_id": t.a01, "organisation_id": org, "kind": "board",
            "title": "役員会", "held_on": "2026-11-10", "staff_ids": [t.junior],
        })
    };
    let (s, refused) = junior.send("POST", "/meetings", Some(meeting(elsewhere))).await;
    assert_eq!(s, 409, "{refused}");
    assert!(
        refused.to_string().contains("会議の地区の団体ではありません"),
        "{refused}"
    );
    let (s, made) = junior.send("POST", "/meetings", Some(meeting(t.org))).await;
    assert_eq!(s, 201, "its own district's organisation: {made}");
}

#[tokio::test]
async fn a_meeting_with_minutes_offers_its_issue_at_the_top_with_the_minutes_filled_in() {
    let t = teams().await;
    let junior = Api::new(&t.app, "arao-junior").await;
    let (s, m) = junior
        .send(
            "POST",
            "/meetings",
            Some(json!({
                "area_id": t.a01, "organisation_id": t.org, "kind": "board", "title": "役員会",
                "held_on": "2026-11-10", "staff_ids": [t.junior],
                "minutes": "通学路の街灯が切れているとの報告。",
            })),
        )
        .await;
    assert_eq!(s, 201, "{m}");
    let b = t.app.login("arao-junior").await;
    let page = b.get(&format!("/meetings/{}", m["id"])).await.text().await.unwrap();
    let top = page.split("</dl>").next().unwrap_or_default();
    let link = top
        .split("href=\"#f-s")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|rest| format!("f-s{rest}"))
        .expect("a link to the raise form among the meeting's facts");
    assert!(
        page.contains(&format!("id=\"{link}\"")),
        "the link finds the form {link}"
    );
    let form = page.split(&format!("id=\"{link}\"")).nth(1).unwrap_or_default();
    let body = form.split("</textarea>").next().unwrap_or_default();
    assert!(
        body.ends_with("通学路の街灯が切れているとの報告。"),
        "the minutes fill the text: {body}"
    );

    // A date field says its 和暦 beside it.
    let edit = b
        .get(&format!("/meetings/{}/edit", m["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("令和8年11月10日（2026年）"), "{edit}");
}

/// The meeting form on a phone: the one recording it is already ticked, the
/// district's team comes first with each one's 所属, anyone else is found
/// by name, and the organisations carry the districts they may meet in.
#[tokio::test]
async fn the_meeting_form_starts_from_the_liaison_and_the_districts_team() {
    let t = teams().await;
    let liaison = t.app.login("arao-liaison").await;
    // The home page puts the phone's forms one tap away, and only those the account can fill in.
    let home = liaison.get("/").await.text().await.unwrap();
    assert!(home.contains("href=\"/meetings/new\"") && home.contains("href=\"/activities/new\""));
    let coordinator = t.app.login("arao-coordinator").await;
    let home = coordinator.get("/").await.text().await.unwrap();
    assert!(
        !home.contains("href=\"/activities/new\""),
        "no staff record, no activities of one's own to log"
    );
    let form = liaison.get("/meetings/new").await.text().await.unwrap();
    let fields = common::form_fields(&form, "/meetings");
    let ticked: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "staff_ids")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(ticked.len(), 1, "the liaison, and nobody else, is ticked: {ticked:?}");
    let team = &form[form.find("この地区のチーム").unwrap()..form.find("ほかの職員").unwrap()];
    assert!(
        team.contains(&format!("value=\"{}\"", t.junior)),
        "A01's 一般職員 is in the team group"
    );
    assert!(team.contains("picker__detail"), "each one says their 所属");
    assert!(!form.contains("Ctrl"), "no keyboard hint on a touch form");
    assert!(form.contains(&format!("data-option-areas=\"{}:", t.org)) || form.contains(&format!(";{}:", t.org)));

    // The search finds anyone by reading, with 所属, and nothing personal.
    let found = liaison.get("/staff/choices?q=%E3%81%82&name=staff_ids&prefix=f").await;
    assert_eq!(found.status(), 200);
    let found = found.text().await.unwrap();
    assert!(found.contains("name=\"staff_ids\""), "{found}");
    assert!(found.contains("picker__detail"));
    assert!(!found.contains("@"), "no e-mail address");
    let odd = liaison.get("/staff/choices?q=a&name=%22%3E&prefix=f").await;
    assert_eq!(
        odd.status(),
        400,
        "the field name is not echoed into the page unchecked"
    );
}
