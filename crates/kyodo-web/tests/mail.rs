//! E-mail: SMTP settings, each user's address, and the daily digest, sent to
//! a small SMTP server run by the test.

mod common;

use base64::Engine;
use common::{TestApp, fake_smtp};

/// The message's text body, decoded from base64 or quoted-printable as sent.
fn body_of(message: &str) -> String {
    let (headers, body) = message.split_once("\n\n").unwrap_or((message, ""));
    if headers
        .to_ascii_lowercase()
        .contains("content-transfer-encoding: base64")
    {
        let joined: String = body.split_whitespace().collect();
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
    } else {
        body.to_owned()
    }
}

fn state_of(app: &TestApp) -> kyodo_web::AppState {
    kyodo_web::AppState::new(
        app.db.clone(),
        kyodo_web::Config {
            today: Some(common::today()),
            public_url: Some("https://kyodo.example.jp".into()),
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn the_daily_digest_goes_once_a_day_to_users_with_an_address() {
    let app = TestApp::spawn(&["arao"]).await;
    let (port, received) = fake_smtp().await;
    let coordinator = app.login("arao-coordinator").await;
    // A wrong port comes back beside its field, with what was typed.
    let res = coordinator
        .post(
            "/settings/mail",
            &[
                ("host", "127.0.0.1"),
                ("security", "plain"),
                ("port", "70000"),
                ("from_address", "kyodo@city.example.jp"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("ポート番号は1〜65535の数字で入力してください") && page.contains("value=\"127.0.0.1\""));
    let port = port.to_string();
    let res = coordinator
        .post(
            "/settings/mail",
            &[
                ("host", "127.0.0.1"),
                ("security", "plain"),
                ("port", port.as_str()),
                ("from_address", "kyodo@city.example.jp"),
                ("digest_enabled", "true"),
                ("digest_hour", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // The coordinator has no address yet: the test send says what to do.
    let res = coordinator.post("/settings/mail/test", &[]).await;
    assert_eq!(res.status(), 502);
    assert!(res.text().await.unwrap().contains("自分のメールアドレスを登録してから"));

    let department = app.login("arao-department").await;
    let res = department
        .post("/account/email", &[("email", "ｄｏｂｏｋｕ@city.example.jp")])
        .await;
    assert_eq!(res.status(), 303);
    let account = department.get("/account").await.text().await.unwrap();
    assert!(
        account.contains("value=\"doboku@city.example.jp\""),
        "全角 folded: {account}"
    );

    let state = state_of(&app);
    let report = kyodo_web::mail::send_digests(&state, None).await.unwrap();
    assert_eq!((report.sent, report.failed), (1, 0));
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("To: doboku@city.example.jp"), "{}", messages[0]);
    let body = body_of(&messages[0]);
    assert!(body.contains("回答待ちの課題"), "{body}");
    assert!(body.contains("https://kyodo.example.jp/issues?"), "{body}");

    // The day is claimed: another server (or another tick) sends nothing.
    let again = kyodo_web::mail::send_digests(&state, None).await.unwrap();
    assert_eq!(again, kyodo_web::mail::DigestReport::default());
    assert_eq!(received.lock().unwrap().len(), 1);

    // The test send reaches the coordinator once they have an address.
    coordinator
        .post("/account/email", &[("email", "coord@city.example.jp")])
        .await;
    let res = coordinator.post("/settings/mail/test", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(received.lock().unwrap().len(), 2);
}
