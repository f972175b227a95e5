//! Open311 GeoReport v2: off until the municipality turns it on; then an
//! outside app lists the categories, files a request with its API key, and
//! follows it to the department's answer.

mod common;

use common::TestApp;
use serde_json::Value;

async fn turn_on(app: &TestApp) {
    let muni = app.municipality("432041").await;
    let mut scheme = muni.scheme.clone();
    scheme.open311_enabled = true;
    kyodo_store::municipalities::update_scheme(&app.db, &kyodo_store::audit::Actor::command_line(muni.id), &scheme)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_outside_app_files_a_request_and_follows_it() {
    let app = TestApp::spawn(&["arao"]).await;
    let client = app.anonymous();
    let services = app.url("/open311/v2/services.json?jurisdiction_id=432041");
    let res = client.get(&services).send().await.unwrap();
    assert_eq!(res.status(), 404, "off until the municipality turns it on");
    turn_on(&app).await;
    let list: Value = client.get(&services).send().await.unwrap().json().await.unwrap();
    assert!(
        list.as_array().unwrap().iter().any(|s| s["service_code"] == "道路"),
        "{list}"
    );
    let def: Value = client
        .get(app.url("/open311/v2/services/%E9%81%93%E8%B7%AF.json?jurisdiction_id=432041"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(def["attributes"][0]["code"], "area");

    // Filing needs a kyodo API token as api_key; the liaison's files in their district.
    let key = app.token("arao-liaison").await;
    let post =
        |fields: Vec<(&'static str, String)>| client.post(app.url("/open311/v2/requests.json")).form(&fields).send();
    let base = |key: &str| {
        vec![
            ("jurisdiction_id", "432041".to_owned()),
            ("api_key", key.to_owned()),
            ("service_code", "道路".to_owned()),
            ("description", "市道に穴が開いている\n自転車が危ない".to_owned()),
            ("lat", "32.98".to_owned()),
            ("long", "130.43".to_owned()),
            ("attribute[area]", "A01".to_owned()),
        ]
    };
    let res = post(base("wrong")).await.unwrap();
    assert_eq!(res.status(), 401);
    let res = post(base(&key)).await.unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let id: i64 = created[0]["service_request_id"].as_str().unwrap().parse().unwrap();
    let issue = kyodo_store::issues::get(&app.db, app.municipality("432041").await.id, id)
        .await
        .unwrap();
    assert_eq!(issue.issue.status, kyodo_core::issues::IssueStatus::Received);
    assert_eq!(issue.issue.source, kyodo_core::issues::Source::Open311);
    assert_eq!(issue.issue.title, "市道に穴が開いている");

    let res = client
        .get(app.url(&format!(
            "/open311/v2/requests/{id}.json?jurisdiction_id=432041&api_key={key}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let one: Value = res.json().await.unwrap();
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["lat"], 32.98);
    // Without a key the public sees nothing.
    let res = client
        .get(app.url("/open311/v2/requests.json?jurisdiction_id=432041"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // A bad request says what is missing.
    let mut no_area = base(&key);
    no_area.retain(|(k, _)| *k != "attribute[area]");
    let res = post(no_area).await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body[0]["description"].as_str().unwrap().contains("地区コード"));
}
