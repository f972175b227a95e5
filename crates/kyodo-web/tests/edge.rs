//! What reaches the server from outside, at its edge: control characters
//! in any text, years no city has, bodies over the limit. Both databases
//! answer alike, and never with a 500.

mod common;

use common::{Api, TestApp, demo, intake};

#[tokio::test]
async fn a_nul_anywhere_is_taken_out_and_never_a_server_error() {
    let d = demo().await;
    let app = &d.app;
    let anonymous = app.anonymous();
    let login = anonymous
        .post(app.url("/login"))
        .form(&[("login", "arao-coordinator\u{0}"), ("password", "x\u{0}y")])
        .send()
        .await
        .unwrap();
    assert!(login.status().as_u16() < 500, "login: {}", login.status());
    for path in [
        "/api/v1/public/%00/roster",
        "/open311/v2/services.json?jurisdiction_id=%00",
        "/open311/v2/requests.json?jurisdiction_id=432041%00&api_key=%00",
    ] {
        let res = anonymous.get(app.url(path)).send().await.unwrap();
        assert!(res.status().as_u16() < 500, "{path}: {}", res.status());
    }
    let coordinator = Api::new(app, "arao-coordinator").await;
    for path in [
        "/staff?q=a%00b",
        "/issues?q=%E8%A1%97%00%E7%81%AF",
        "/organisations?q=%00",
    ] {
        let (status, body) = coordinator.send("GET", path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    // A JSON body is held to the document, which allows no control characters:
    // refused, naming the field, rather than changed.
    let (status, refused) = coordinator
        .send(
            "POST",
            "/issues",
            Some(intake(d.area, d.org, "街灯\u{0}が切れた\u{1b}")),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "title", "{refused}");
    assert!(
        refused["errors"][0]["message"].as_str().unwrap().contains("制御文字"),
        "{refused}"
    );
    let page = app.login("arao-coordinator").await;
    let res = page
        .post(
            "/issues",
            &[("kind", "request"), ("title", "側溝\u{0}"), ("body", "詰まり\u{7f}")],
        )
        .await;
    assert!(res.status().as_u16() < 500, "form: {}", res.status());
}

#[tokio::test]
async fn a_year_no_city_has_is_refused_as_such_on_both_databases() {
    let app = TestApp::spawn(&["arao"]).await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    for path in [
        "/activities?fiscal_year=-10000",
        "/meetings?fiscal_year=-10000",
        "/issues?fiscal_year=99999",
        "/issues/dashboard?fiscal_year=1800",
    ] {
        let (status, body) = coordinator.send("GET", path, None).await;
        assert_eq!(status, 422, "{path}: {body}");
        assert_eq!(body["errors"][0]["field"], "fiscal_year", "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("1900") || message.contains("2200"), "{body}");
    }
    let (status, _) = coordinator.send("GET", "/meetings?from=0001-01-01", None).await;
    assert!(matches!(status, 400 | 422), "a date of year 1: {status}");
    let (status, _) = coordinator.send("GET", "/activities?fiscal_year=2026", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_with_the_limit_named() {
    let app = TestApp::spawn(&["arao"]).await;
    let coordinator = Api::new(&app, "arao-coordinator").await;
    let big = format!("{{\"title\":\"{}\"}}", "あ".repeat(12 * 1024 * 1024));
    let res = coordinator
        .request(reqwest::Method::POST, "/issues")
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    assert!(body["message"].as_str().unwrap().contains("32MB"), "{body}");
    let browser = app.login("arao-coordinator").await;
    let res = browser
        .post("/issues", &[("title", "い".repeat(12 * 1024 * 1024).as_str())])
        .await;
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("32MB"));
}
