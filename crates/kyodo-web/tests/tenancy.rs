//! Many municipalities in one deployment: no user of one ever sees or
//! changes another's data.

mod common;

use common::{TestApp, count};

#[tokio::test]
async fn no_user_of_one_municipality_sees_or_changes_another_s_data() {
    let app = TestApp::spawn(&["arao", "niimi"]).await;
    let arao = app.municipality("432041").await.id;
    let niimi = app.municipality("332101").await.id;
    let niimi_area = app.id_of(niimi, "areas", "A01").await;
    let niimi_org = app.id_of(niimi, "organisations", "O001").await;
    let niimi_staff = kyodo_store::staff::export_rows(&app.db, niimi).await.unwrap()[0]
        .staff
        .id;
    let niimi_dept = app.id_of(niimi, "departments", "D01").await;
    let before: Vec<u64> = futures_counts(&app, niimi).await;

    let token = app.token("arao-coordinator").await;
    let client = app.anonymous();
    for path in [
        format!("/api/v1/areas/{niimi_area}"),
        format!("/api/v1/organisations/{niimi_org}"),
        format!("/api/v1/organisations/{niimi_org}/key-people"),
        format!("/api/v1/staff/{niimi_staff}"),
        format!("/api/v1/departments/{niimi_dept}"),
    ] {
        let res = client.get(app.url(&path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(
            res.status(),
            404,
            "GET {path} must not reveal another municipality's record"
        );
        let res = client
            .patch(app.url(&path))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "乗っ取り"}))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(res.status().as_u16(), 404 | 405),
            "PATCH {path}: {}",
            res.status()
        );
    }
    // Lists hold only the caller's municipality.
    let areas: serde_json::Value = client
        .get(app.url("/api/v1/areas?per_page=500"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        areas["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["municipality_id"] == arao)
    );
    // Linking a record to another municipality's area is refused.
    let res = client
        .post(app.url("/api/v1/organisations"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"code": "X1", "name": "越境", "kind": "NPO", "area_id": niimi_area}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "another municipality's area is no area of ours");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "area_id");
    // Pages too.
    let browser = app.login("arao-coordinator").await;
    assert_eq!(browser.get(&format!("/organisations/{niimi_org}")).await.status(), 404);
    let res = browser.post(&format!("/areas/{niimi_area}/archive"), &[]).await;
    assert_eq!(res.status(), 404);

    assert_eq!(futures_counts(&app, niimi).await, before, "nothing of niimi's changed");
    let niimi_area_row = kyodo_store::areas::get(&app.db, niimi, niimi_area).await.unwrap();
    assert!(niimi_area_row.area.archived_at.is_none());
    assert_ne!(niimi_area_row.area.name, "乗っ取り");
}

async fn futures_counts(app: &TestApp, muni: i64) -> Vec<u64> {
    let mut out = Vec::new();
    for kind in ["areas", "departments", "organisations", "staff"] {
        out.push(count(app, muni, kind).await);
    }
    out
}
