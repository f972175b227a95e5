//! The register of residents needing support (避難行動要支援者) and their
//! 個別避難計画: who reaches it, that every read and export is audited, that
//! an export needs its confirmation and purpose, and that nothing of it
//! reaches the pages around it.

mod common;

use common::{Api, TestApp};
use serde_json::json;

const ARAO: &str = "432041";
const RESIDENT: &str = "見本 ハナ";

async fn audited(app: &TestApp, muni: i64, action: &str) -> Vec<kyodo_core::audit::AuditEntry> {
    kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            action: Some(action.into()),
            entity: Some("supported_residents".into()),
            ..Default::default()
        },
    )
    .await
    .expect("audit log")
    .items
}

async fn set_disaster_department(app: &TestApp, muni: i64, department: Option<i64>) {
    let mut scheme = app.municipality(ARAO).await.scheme;
    scheme.disaster_prevention_department_id = department;
    kyodo_store::municipalities::update_scheme(&app.db, &kyodo_store::audit::Actor::command_line(muni), &scheme)
        .await
        .expect("scheme");
}

#[tokio::test]
async fn only_the_named_reach_the_register_and_every_read_is_audited() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality(ARAO).await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let path = format!("/organisations/{org}/evacuation-support");
    let status_of = |login: &'static str| {
        let app = &app;
        let path = path.clone();
        async move { Api::new(app, login).await.send("GET", &path, None).await }
    };

    let (status, residents) = status_of("arao-coordinator").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = residents
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&RESIDENT), "{names:?}");
    // The demo names the community account its body's reader (会長).
    assert_eq!(status_of("arao-community").await.0, 200);
    // The liaison and the system admin never; 土木課 is not the disaster department.
    for login in ["arao-liaison", "arao-admin", "arao-department"] {
        assert_eq!(status_of(login).await.0, 403, "{login}");
    }
    assert_eq!(
        app.anonymous()
            .get(app.url(&format!("/api/v1{path}")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Named for disaster prevention, 土木課 reads it; unnamed again, it does not.
    let doboku = kyodo_store::accounts::by_login(&app.db, "arao-department")
        .await
        .unwrap()
        .unwrap()
        .department_id;
    set_disaster_department(&app, muni, doboku).await;
    assert_eq!(status_of("arao-department").await.0, 200);
    set_disaster_department(&app, muni, None).await;
    assert_eq!(status_of("arao-department").await.0, 403);

    // Three reads, three entries, each naming who and which residents; no contents.
    let reads = audited(&app, muni, "read_personal").await;
    assert_eq!(reads.len(), 3);
    let logins: Vec<&str> = reads.iter().filter_map(|e| e.login.as_deref()).collect();
    for login in ["arao-coordinator", "arao-community", "arao-department"] {
        assert!(logins.contains(&login), "{logins:?}");
    }
    assert!(reads.iter().all(|e| {
        let detail = e.detail.as_deref().unwrap_or_default();
        detail.contains("resident_ids") && !detail.contains(RESIDENT)
    }));

    // Once the coordinator takes the reader off, the body's account is out.
    let coordinator = app.login("arao-coordinator").await;
    let page = coordinator.get(&path).await.text().await.unwrap();
    let remove = page
        .split("action=\"")
        .filter_map(|s| s.split('"').next())
        .find(|a| a.contains("/register-readers/") && a.ends_with("/delete"))
        .expect("a reader to take off")
        .to_owned();
    assert_eq!(coordinator.post(&remove, &[]).await.status(), 303);
    assert_eq!(status_of("arao-community").await.0, 403);
}

#[tokio::test]
async fn an_export_needs_a_confirmation_and_a_purpose_and_is_audited() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality(ARAO).await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let export = format!("/organisations/{org}/evacuation-support/export");
    let b = app.login("arao-community").await;

    let refused = b.post(&export, &[("purpose", "避難訓練"), ("encoding", "utf-8")]).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("確認してください") && page.contains("避難訓練"),
        "the input is kept"
    );
    assert!(audited(&app, muni, "export").await.is_empty(), "nothing left kyodo");

    let csv = b
        .post(
            &export,
            &[
                ("purpose", "令和8年度避難訓練の安否確認"),
                ("encoding", "cp932"),
                ("confirm", "true"),
            ],
        )
        .await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().contains("shift_jis"));
    let bytes = csv.bytes().await.unwrap();
    let (text, _) = kyodo_core::encoding::decode_csv(&bytes).unwrap();
    assert!(text.starts_with("氏名,ふりがな,住所") && text.contains(RESIDENT));
    let exports = audited(&app, muni, "export").await;
    assert_eq!(exports.len(), 1);
    assert!(
        exports[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("令和8年度避難訓練の安否確認")
    );
}

#[tokio::test]
async fn an_entry_without_consent_is_refused_with_the_input_kept() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality(ARAO).await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let path = format!("/organisations/{org}/evacuation-support");
    let b = app.login("arao-community").await;
    let res = b
        .post(
            &path,
            &[("name", "見本 タロウ"), ("address", "5丁目6-7"), ("needs", "視覚障害")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("本人の同意が必要です") && page.contains("見本 タロウ"));

    let api = Api::new(&app, "arao-community").await;
    let (status, body) = api
        .send(
            "POST",
            &path,
            Some(
                json!({"name": "見本 タロウ", "address": "5丁目6-7", "needs": "視覚障害", "consent_on": "2026-11-01"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, residents) = api.send("GET", &path, None).await;
    assert_eq!(residents.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn nothing_of_the_register_reaches_the_pages_around_it() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality(ARAO).await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let plans = kyodo_store::plans::list(
        &app.db,
        muni,
        &kyodo_store::plans::PlanReach::Bodies(kyodo_store::organisations::Visible::Only(org)),
        &kyodo_store::plans::PlanFilter {
            kind: Some(kyodo_core::plans::PlanKind::DisasterPrevention),
            ..Default::default()
        },
        1,
    )
    .await
    .expect("plans");
    let plan = plans[0].plan.id;

    let liaison = app.login("arao-liaison").await;
    let page = liaison.get(&format!("/plans/{plan}")).await.text().await.unwrap();
    assert!(page.contains("避難行動要支援者") && page.contains("個人情報のため"));
    assert!(!page.contains(RESIDENT) && !page.contains("evacuation-support"));

    let coordinator = app.login("arao-coordinator").await;
    let page = coordinator.get(&format!("/plans/{plan}")).await.text().await.unwrap();
    assert!(page.contains("名簿を開く（2人）") && !page.contains(RESIDENT));
    for path in [
        format!("/organisations/{org}"),
        format!("/plans/{plan}/edit"),
        "/audit".to_owned(),
    ] {
        let text = coordinator.get(&path).await.text().await.unwrap();
        assert!(!text.contains(RESIDENT), "{path}");
    }
    let admin = app.login("arao-admin").await;
    let audit = admin.get("/audit").await.text().await.unwrap();
    assert!(!audit.contains(RESIDENT), "the log names residents by number");
    assert!(
        kyodo_store::audit::list(&app.db, muni, &Default::default())
            .await
            .unwrap()
            .items
            .iter()
            .all(|e| !e.detail.as_deref().unwrap_or_default().contains(RESIDENT)),
        "no audit entry holds a resident's name"
    );
    // Liaison pages never link to it.
    let page = liaison
        .get(&format!("/organisations/{org}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("evacuation-support"));
}

#[tokio::test]
async fn two_people_editing_one_entry_do_not_overwrite_each_other() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality(ARAO).await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let cli = kyodo_store::audit::Actor::command_line(muni);
    let id = kyodo_store::evacuation_support::residents(&app.db, &cli, org)
        .await
        .unwrap()[0]
        .id;
    let path = format!("/organisations/{org}/evacuation-support/{id}");
    let (coordinator, community) = (app.login("arao-coordinator").await, app.login("arao-community").await);
    let first = common::form_fields(&coordinator.get(&path).await.text().await.unwrap(), &path);
    let second = common::form_fields(&community.get(&path).await.text().await.unwrap(), &path);
    assert!(
        first.iter().any(|(k, _)| k == "version"),
        "the form carries the version it shows"
    );
    let with = |fields: &[(String, String)], key: &str, value: &str| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.clone(), if k == key { value.to_owned() } else { v.clone() }))
            .collect()
    };
    let saved = community
        .submit(&path, &with(&second, "destination", "小学校体育館"))
        .await;
    assert_eq!(saved.status(), 303);
    let stale = coordinator.submit(&path, &with(&first, "supporters", "民生委員")).await;
    assert_eq!(stale.status(), 409, "the coordinator's form was read before the change");
    let now = kyodo_store::evacuation_support::resident(&app.db, &cli, org, id)
        .await
        .unwrap();
    assert_eq!(now.destination.as_deref(), Some("小学校体育館"));
}
