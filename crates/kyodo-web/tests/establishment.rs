//! Becoming a 地域運営組織 (Niimi): stages that move only when their
//! requirements are met, the area one body holds, the inventory of existing
//! groups with the 母体's takeover, and the city's recognition (認可).

mod common;

use common::{Api, TestApp, messages};
use serde_json::json;

const NIIMI: &str = "332101";

async fn niimi() -> (TestApp, i64) {
    let app = TestApp::spawn(&["niimi"]).await;
    let muni = app.municipality(NIIMI).await.id;
    (app, muni)
}

#[tokio::test]
async fn a_jump_is_refused_with_every_unmet_requirement_and_patch_cannot_move_it() {
    let (app, muni) = niimi().await;
    // 新見中央まちづくり協議会: at 機運づくり, nothing recorded yet.
    let body = app.id_of(muni, "organisations", "O051").await;
    let api = Api::new(&app, "niimi-coordinator").await;
    let (status, res) = api
        .send(
            "POST",
            &format!("/organisations/{body}/stage"),
            Some(json!({"stage": "設立・活動開始"})),
        )
        .await;
    // The API says a rule's refusal with 409 (422 is for a body unlike its document).
    assert_eq!(status, 409, "{res}");
    let said = messages(&res);
    for expected in [
        "説明会・学習会の開催が記録されていません",
        "設立準備会の結成が記録されていません",
        "区域が決まっていません",
        "将来計画（案）が作成されていません",
    ] {
        assert!(said.iter().any(|m| m == expected), "{expected} missing from {said:?}");
    }
    let (status, _) = api
        .send(
            "PATCH",
            &format!("/organisations/{body}"),
            Some(json!({"stage": "設立・活動開始", "approved_on": "2026-04-01"})),
        )
        .await;
    assert_eq!(status, 422, "stage and 認可日 are not fields of a PATCH");
    let (_, org) = api.send("GET", &format!("/organisations/{body}"), None).await;
    assert_eq!(org["stage"], "機運づくり");
    assert_eq!(org["approved_on"], serde_json::Value::Null);
    assert_eq!(org["recognition"], "none");
}

#[tokio::test]
async fn the_way_forward_goes_by_records_and_back_only_with_a_reason() {
    let (app, muni) = niimi().await;
    let body = app.id_of(muni, "organisations", "O051").await;
    let b = app.login("niimi-coordinator").await;
    // A record without its date is refused beside the field, the input kept.
    let res = b
        .post(
            &format!("/organisations/{body}/records"),
            &[("kind", "briefing"), ("note", "公民館で説明会")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("公民館で説明会"), "the input comes back");
    for (kind, on) in [("briefing", "R8.5.10"), ("preparatory_committee", "令和8年7月1日")] {
        let res = b
            .post(
                &format!("/organisations/{body}/records"),
                &[("kind", kind), ("held_on", on)],
            )
            .await;
        assert_eq!(res.status(), 303, "{kind}");
    }
    let res = b
        .post(&format!("/organisations/{body}/stage"), &[("stage", "将来計画策定")])
        .await;
    assert_eq!(res.status(), 303);
    let res = b
        .post(&format!("/organisations/{body}/stage"), &[("stage", "機運づくり")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("段階を戻すときは理由を入力してください")
    );
    let res = b
        .post(
            &format!("/organisations/{body}/stage"),
            &[("stage", "機運づくり"), ("reason", "準備会の再編のため")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let api = Api::new(&app, "niimi-coordinator").await;
    let (_, way) = api
        .send("GET", &format!("/organisations/{body}/establishment"), None)
        .await;
    let history = way["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["from_stage"], "将来計画策定");
    assert_eq!(history[1]["reason"], "準備会の再編のため");
    assert!(
        history[1]["actor_name"].as_str().is_some_and(|n| !n.is_empty()),
        "who moved it"
    );
    let first = &way["stages"][0];
    assert!(
        first["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["met"] == true)
    );
}

#[tokio::test]
async fn an_area_belongs_to_one_active_body() {
    let (app, muni) = niimi().await;
    let karamatsu_body = app.id_of(muni, "organisations", "O001").await;
    let other_body = app.id_of(muni, "organisations", "O051").await;
    let karamatsu = app.id_of(muni, "areas", "A0101").await;
    let b = app.login("niimi-coordinator").await;
    let path = format!("/organisations/{other_body}/areas");
    let id = karamatsu.to_string();
    let res = b.post(&path, &[("area_id", id.as_str())]).await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("「唐松」は「唐松まちづくり協議会」の区域です"),
        "the clash names the other body"
    );
    // Once the other body is archived the area is free; it cannot come back over it.
    assert_eq!(
        b.post(&format!("/organisations/{karamatsu_body}/archive"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(b.post(&path, &[("area_id", id.as_str())]).await.status(), 303);
    let res = b.post(&format!("/organisations/{karamatsu_body}/restore"), &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("新見中央まちづくり協議会"));
}

#[tokio::test]
async fn a_parent_society_hands_over_its_officers_and_open_issues_and_is_archived() {
    let (app, muni) = niimi().await;
    // 大佐まちづくり協議会 and 小阪部地域振興会, its forerunner.
    let body = app.id_of(muni, "organisations", "O031").await;
    let society = app.id_of(muni, "organisations", "O032").await;
    let area = app.id_of(muni, "areas", "A04").await;
    let actor = kyodo_store::audit::Actor::command_line(muni);
    let input = kyodo_core::issues::IssueInput {
        kind: kyodo_core::issues::IssueKind::Request,
        title: "集会所の屋根の雨漏り".into(),
        body: "大雨のたびに雨漏りする".into(),
        category: "道路".into(),
        area_id: area,
        organisation_id: Some(society),
        priority: kyodo_core::issues::Priority::Normal,
        location: None,
        latitude: None,
        longitude: None,
        fiscal_year: 2026,
        source: kyodo_core::issues::Source::Meeting,
        source_note: None,
        received_on: common::today(),
    };
    let issue = kyodo_store::issues::create(&app.db, &actor, &input)
        .await
        .unwrap()
        .issue
        .id;
    let society_officers = kyodo_store::organisations::officers(&app.db, muni, society)
        .await
        .unwrap();
    let body_officers = kyodo_store::organisations::officers(&app.db, muni, body).await.unwrap();

    let b = app.login("niimi-coordinator").await;
    let id = society.to_string();
    let fields = [
        ("name", "小阪部地域振興会"),
        ("group_kind", "地域振興会"),
        ("disposition", "integrate"),
        ("decided_on", "R8.6.1"),
        ("source_organisation_id", id.as_str()),
        ("is_parent", "true"),
    ];
    // Integration needs its decision date: nothing happens without it.
    let without_date: Vec<(&str, &str)> = fields.iter().copied().filter(|(k, _)| *k != "decided_on").collect();
    assert_eq!(
        b.post(&format!("/organisations/{body}/groups"), &without_date)
            .await
            .status(),
        422
    );
    let still = kyodo_store::organisations::get(&app.db, muni, society).await.unwrap();
    assert!(still.organisation.archived_at.is_none(), "nothing half-written");

    assert_eq!(
        b.post(&format!("/organisations/{body}/groups"), &fields).await.status(),
        303
    );
    let merged = kyodo_store::organisations::get(&app.db, muni, society)
        .await
        .unwrap()
        .organisation;
    assert!(merged.archived_at.is_some());
    assert_eq!(merged.successor_id, Some(body));
    let officers = kyodo_store::organisations::officers(&app.db, muni, body).await.unwrap();
    assert_eq!(officers.len(), body_officers.len() + society_officers.len());
    let moved = kyodo_store::issues::get(&app.db, muni, issue).await.unwrap();
    assert_eq!(
        moved.issue.organisation_id,
        Some(body),
        "the open issue moved to the successor"
    );
    // The society's page still reads, pointing at its successor.
    let page = b.get(&format!("/organisations/{society}")).await.text().await.unwrap();
    assert!(page.contains("統合先") && page.contains("大佐まちづくり協議会"));
}

#[tokio::test]
async fn recognition_is_applied_for_returned_granted_and_withdrawn_by_the_right_hands() {
    let (app, muni) = niimi().await;
    // 哲西まちづくり協議会: its application waits in the demo.
    let body = app.id_of(muni, "organisations", "O021").await;
    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let department = Api::new(&app, "niimi-department").await;
    let community = Api::new(&app, "niimi-community").await;
    let path = format!("/organisations/{body}/recognition");

    let grant = json!({"action": "grant", "on": "2026-12-01", "number": "新総政第200号"});
    assert_eq!(department.send("POST", &path, Some(grant.clone())).await.0, 403);
    assert_eq!(community.send("POST", &path, Some(grant.clone())).await.0, 403);

    let (status, res) = coordinator.send("POST", &path, Some(json!({"action": "return"}))).await;
    assert_eq!(status, 409, "a return says what to put right: {res}");
    let (status, org) = coordinator
        .send(
            "POST",
            &path,
            Some(json!({"action": "return", "comment": "役員名簿の任期を記入してください"})),
        )
        .await;
    assert_eq!(status, 200, "{org}");
    assert_eq!(org["recognition"], "returned");
    let (status, _) = coordinator.send("POST", &path, Some(grant.clone())).await;
    assert_eq!(status, 409, "nothing to grant while returned");
    assert_eq!(
        coordinator
            .send("POST", &path, Some(json!({"action": "apply"})))
            .await
            .0,
        200
    );

    // 唐松まちづくり協議会 holds 新総政第100号.
    let (status, res) = coordinator
        .send(
            "POST",
            &path,
            Some(json!({"action": "grant", "on": "2026-12-01", "number": "新総政第100号"})),
        )
        .await;
    assert_eq!(status, 409);
    assert!(
        messages(&res).iter().any(|m| m.contains("唐松まちづくり協議会")),
        "{res}"
    );
    let (status, org) = coordinator.send("POST", &path, Some(grant)).await;
    assert_eq!(status, 200, "{org}");
    assert_eq!(org["recognition"], "granted");
    assert_eq!(org["approved_on"], "2026-12-01");
    assert_eq!(org["recognition_number"], "新総政第200号");

    let b = app.login("niimi-coordinator").await;
    let notice = b.get(&format!("/organisations/{body}/recognition/notice")).await;
    assert_eq!(notice.status(), 200);
    let text = notice.text().await.unwrap();
    assert!(text.contains("新総政第200号") && text.contains("地域運営組織の認可について（通知）"));
    assert!(text.contains("矢田"), "the notice names the body's area");

    let (status, _) = coordinator
        .send("POST", &path, Some(json!({"action": "withdraw", "on": "2026-12-02"})))
        .await;
    assert_eq!(status, 409, "a withdrawal gives its reason");
    let (status, org) = coordinator
        .send(
            "POST",
            &path,
            Some(json!({"action": "withdraw", "on": "2026-12-02", "comment": "活動の実態がないため"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(org["recognition"], "withdrawn");
    let (_, events) = coordinator.send("GET", &path, None).await;
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["apply", "return", "apply", "grant", "withdraw"]);
    assert!(
        events[0]["application"]["officers"]
            .as_array()
            .is_some_and(|o| !o.is_empty())
    );
}

#[tokio::test]
async fn an_application_needs_the_last_stage_and_every_requirement() {
    let (app, muni) = niimi().await;
    // 大佐まちづくり協議会 is at 将来計画策定.
    let body = app.id_of(muni, "organisations", "O031").await;
    let coordinator = Api::new(&app, "niimi-coordinator").await;
    let (status, res) = coordinator
        .send(
            "POST",
            &format!("/organisations/{body}/recognition"),
            Some(json!({"action": "apply"})),
        )
        .await;
    assert_eq!(status, 409);
    let said = messages(&res);
    assert!(
        said.iter()
            .any(|m| m.contains("「設立・活動開始」の段階に進んでから申請してください")),
        "{said:?}"
    );
    assert!(said.iter().any(|m| m == "規約が登録されていません"), "{said:?}");
    let (_, org) = coordinator.send("GET", &format!("/organisations/{body}"), None).await;
    assert_eq!(org["recognition"], "none");
}

#[tokio::test]
async fn the_demo_shows_the_forerunners_recognised_and_one_application_waiting() {
    let (app, muni) = niimi().await;
    let orgs = kyodo_store::organisations::all(&app.db, muni).await.unwrap();
    let status_of = |name: &str| {
        orgs.iter()
            .find(|o| o.name == name)
            .map(|o| (o.recognition, o.stage.clone()))
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    use kyodo_core::organisations::recognition::RecognitionStatus as S;
    assert_eq!(status_of("唐松まちづくり協議会").0, S::Granted);
    assert_eq!(status_of("熊野の将来を考える会").0, S::Granted);
    assert_eq!(
        kyodo_store::organisations::recognition::waiting(&app.db, muni)
            .await
            .unwrap(),
        1
    );
    let stages: Vec<Option<String>> = orgs
        .iter()
        .filter(|o| o.kind == "地域運営組織")
        .map(|o| o.stage.clone())
        .collect();
    assert!(stages.contains(&Some("機運づくり".into())) && stages.contains(&Some("将来計画策定".into())));
    let coordinator = kyodo_store::departments::all(&app.db, muni)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "協働推進係");
    assert!(coordinator.is_some(), "the seed's 総務部 総合政策課 協働推進係");
    let home = app
        .login("niimi-coordinator")
        .await
        .get("/")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("審査待ちの認可申請"),
        "the waiting application is on the coordinator's home page"
    );
}
