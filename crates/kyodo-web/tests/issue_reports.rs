//! What the coordinator and departments read off the issues: the dashboard
//! (charts, tables, xlsx) and the list as an Excel workbook.

mod common;

use common::{Api, demo, routed_issue};
use serde_json::{Value, json};

fn department<'a>(dashboard: &'a Value, name: &str) -> Option<&'a Value> {
    dashboard["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .find(|s| s["department"] == name)
}

#[tokio::test]
async fn the_dashboard_counts_what_waits_and_how_long_answers_take() {
    let d = demo().await;
    let liaison = Api::new(&d.app, "arao-liaison").await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let dept = Api::new(&d.app, "arao-department").await;

    let (status, before) = coordinator.send("GET", "/issues/dashboard", None).await;
    assert_eq!(status, 200, "{before}");
    let open_before = department(&before, "土木課").map_or(0, |s| s["open"].as_i64().unwrap());
    let answered_before = department(&before, "土木課").map_or(0, |s| s["answered"].as_i64().unwrap());

    let id = routed_issue(&liaison, &d, "側溝のふたが割れている", d.doboku).await;
    let (_, waiting) = coordinator.send("GET", "/issues/dashboard", None).await;
    assert_eq!(department(&waiting, "土木課").unwrap()["open"], open_before + 1);

    let (status, body) = dept
        .act(
            id,
            json!({"action": "answer", "stance": "considering", "answer_text": "現地を確認します"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, answered) = coordinator.send("GET", "/issues/dashboard", None).await;
    let doboku = department(&answered, "土木課").unwrap();
    assert_eq!(doboku["open"], open_before);
    assert_eq!(doboku["answered"], answered_before + 1);
    assert!(doboku["median_days_to_answer"].as_f64().is_some(), "{doboku}");

    // The district's row counts the issue taken in this year.
    let area = answered["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["area_id"] == d.area)
        .expect("the liaison's district");
    assert!(area["received"].as_i64().unwrap() >= 1);
    assert_eq!(answered["years"].as_array().unwrap().len(), 5);

    // A department counts its own routes only; the community has no dashboard.
    let (status, own) = dept.send("GET", "/issues/dashboard", None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = own["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["department"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["土木課"]);
    let community = Api::new(&d.app, "arao-community").await;
    let (status, _) = community.send("GET", "/issues/dashboard", None).await;
    assert_eq!(status, 403);
    let (status, body) = coordinator
        .send("GET", "/issues/dashboard?fiscal_year=99999", None)
        .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn the_dashboard_page_draws_charts_and_exports_to_excel() {
    let d = demo().await;
    let browser = d.app.login("arao-coordinator").await;
    let res = browser.get("/issues/dashboard?fiscal_year=2026").await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("課題の状況（令和8年度）"), "{page}");
    assert_eq!(page.matches("<svg").count(), 4);
    assert!(page.contains("部署別の未回答・期限超過"));
    assert!(page.contains("土木課"));

    let res = browser.get("/issues/dashboard.xlsx?fiscal_year=2026").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "an xlsx is a zip archive");

    // The list links to its Excel export with the same filters.
    let list = browser
        .get("/issues?status=awaiting_answer")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("/issues/export.xlsx?status=awaiting_answer"), "{list}");
    let res = browser.get("/issues/export.xlsx?status=awaiting_answer").await;
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
}

#[tokio::test]
async fn the_list_exports_to_xlsx_through_the_api() {
    let d = demo().await;
    let coordinator = Api::new(&d.app, "arao-coordinator").await;
    let res = coordinator
        .request(reqwest::Method::GET, "/issues/export?format=xlsx&open=true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".xlsx\"")
    );
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    let (status, body) = coordinator.send("GET", "/issues/export?format=pdf", None).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "format", "{body}");
}
