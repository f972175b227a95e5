//! Two kyodo servers on one database, each with its own connection pool, as
//! behind a load-balancing proxy: a user may reach either on any request, so
//! whatever one server knows the other must know too. The point is
//! PostgreSQL (KYODO_TEST_DATABASE=postgres); on SQLite it is two processes
//! on one machine sharing the file.

mod common;

use common::{Api, Browser, PASSWORD, TestApp, fake_smtp, intake};
use serde_json::Value;

/// Two servers over a fresh database holding the arao demo.
async fn two_servers() -> (TestApp, TestApp) {
    let a = TestApp::spawn(&["arao"]).await;
    let b = a.another_server(kyodo_web::Config::default()).await;
    (a, b)
}

/// The same browser, its next requests going to `server`. Behind the proxy
/// both servers are one site; here both are 127.0.0.1, and cookies do not
/// depend on the port, so the jar sends the session cookie set by one
/// server to the other as a browser would.
fn on(browser: &Browser, server: &TestApp) -> Browser {
    Browser {
        client: browser.client.clone(),
        base: server.base.clone(),
        csrf: browser.csrf.clone(),
    }
}

fn goes_to_login(res: &reqwest::Response) -> bool {
    res.status().is_redirection()
        && res.headers()["location"]
            .to_str()
            .is_ok_and(|l| l.starts_with("/login"))
}

#[tokio::test]
async fn a_session_begun_on_one_server_goes_on_and_ends_on_the_other() {
    let (a, b) = two_servers().await;
    let on_a = a.login("arao-coordinator").await;
    let on_b = on(&on_a, &b);

    let res = on_b.get("/account").await;
    assert_eq!(res.status(), 200, "server B knows the session server A began");
    assert!(res.text().await.unwrap().contains("arao-coordinator"));
    // The form token A's page gave is good on B: a write goes through there.
    let res = on_b.post("/account/email", &[("email", "coord@city.example.jp")]).await;
    assert_eq!(res.status(), 303);
    let page = on_a.get("/account").await.text().await.unwrap();
    assert!(page.contains("value=\"coord@city.example.jp\""), "A reads what B saved");

    assert_eq!(on_b.post("/logout", &[]).await.status(), 303);
    assert!(
        goes_to_login(&on_a.get("/account").await),
        "signing out on B ends it on A"
    );
    assert!(goes_to_login(&on_b.get("/account").await));
}

#[tokio::test]
async fn an_issue_taken_in_on_one_server_is_found_by_a_word_on_the_other() {
    let (a, b) = two_servers().await;
    let muni = a.municipality("432041").await.id;
    let (area, org) = (
        a.id_of(muni, "areas", "A01").await,
        a.id_of(muni, "organisations", "O001").await,
    );
    let on_a = Api::new(&a, "arao-liaison").await;
    let on_b = Api {
        app: &b,
        token: on_a.token.clone(),
    };

    let (status, created) = on_a
        .send(
            "POST",
            "/issues",
            Some(intake(area, org, "公民館前の信号機が点滅したまま")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();

    let (status, read) = on_b.send("GET", &format!("/issues/{id}"), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["title"], "公民館前の信号機が点滅したまま");
    // 信号機 (URL-encoded): the search index lives in the database too.
    let (status, found) = on_b.send("GET", "/issues?q=%E4%BF%A1%E5%8F%B7%E6%A9%9F", None).await;
    assert_eq!(status, 200, "{found}");
    let ids: Vec<&Value> = found["items"].as_array().unwrap().iter().map(|i| &i["id"]).collect();
    assert_eq!(ids, [&Value::from(id)], "{found}");
}

#[tokio::test]
async fn failed_logins_on_both_servers_add_up_to_one_lock() {
    let (a, b) = two_servers().await;
    let attempt = |server: &TestApp, password: &'static str| {
        let (client, url) = (server.anonymous(), server.url("/login"));
        async move {
            client
                .post(url)
                .form(&[("login", "arao-community"), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Five failures in all, never five on one server.
    for server in [&a, &a, &a, &b, &b] {
        assert_eq!(attempt(server, "wrong password!").await, 401);
    }
    for server in [&a, &b] {
        assert_eq!(
            attempt(server, PASSWORD).await,
            429,
            "locked on {}, even with the right password",
            server.base
        );
    }
}

#[tokio::test]
async fn the_daily_digest_goes_once_when_both_servers_try_at_the_same_moment() {
    let (a, b) = two_servers().await;
    let (port, received) = fake_smtp().await;
    let port = port.to_string();
    let coordinator = a.login("arao-coordinator").await;
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
    let department = b.login("arao-department").await;
    let res = department
        .post("/account/email", &[("email", "doboku@city.example.jp")])
        .await;
    assert_eq!(res.status(), 303);

    // Each server's own state, as its five-minutely digest loop holds it.
    let state = |server: &TestApp| {
        kyodo_web::AppState::new(
            server.db.clone(),
            kyodo_web::Config {
                today: Some(common::today()),
                public_url: Some("https://kyodo.example.jp".into()),
                ..Default::default()
            },
        )
    };
    let (state_a, state_b) = (state(&a), state(&b));
    let (on_a, on_b) = tokio::join!(
        kyodo_web::mail::send_digests(&state_a, None),
        kyodo_web::mail::send_digests(&state_b, None)
    );
    let (on_a, on_b) = (on_a.unwrap(), on_b.unwrap());
    assert_eq!(
        (on_a.sent + on_b.sent, on_a.failed + on_b.failed),
        (1, 0),
        "A: {on_a:?}, B: {on_b:?}"
    );
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1, "one digest for the day: {messages:?}");
    assert!(messages[0].contains("To: doboku@city.example.jp"), "{}", messages[0]);
}
