//! Signing in: throttling, logout, password change, API tokens.

mod common;

use common::TestApp;

#[tokio::test]
async fn repeated_failures_lock_the_login_for_a_while() {
    let app = TestApp::spawn(&["arao"]).await;
    let client = app.anonymous();
    for _ in 0..5 {
        let res = client
            .post(app.url("/login"))
            .form(&[("login", "arao-coordinator"), ("password", "wrong password!")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("ログイン名またはパスワードが正しくありません")
        );
    }
    // Even the right password is refused now.
    let res = client
        .post(app.url("/login"))
        .form(&[("login", "arao-coordinator"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("しばらくログインできません"));
    // Another account from elsewhere is unaffected by this account's lock.
    app.login("arao-admin").await;
}

#[tokio::test]
async fn session_cookie_is_http_only_and_logout_ends_it() {
    let app = TestApp::spawn(&["arao"]).await;
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .form(&[
            ("login", "arao-liaison"),
            ("password", common::PASSWORD),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/", "no open redirect");
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback");

    let b = app.login("arao-liaison").await;
    assert_eq!(b.get("/").await.status(), 200);
    assert_eq!(b.post("/logout", &[]).await.status(), 303);
    let res = b.get("/").await;
    assert_eq!(res.status(), 303, "back to the login page");
}

#[tokio::test]
async fn password_change_needs_the_current_one_and_ends_sessions() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-department").await;
    let res = b
        .post(
            "/account/password",
            &[
                ("current_password", "nope"),
                ("new_password", "short"),
                ("confirm_password", "other"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("今のパスワードが正しくありません"));
    assert!(page.contains("10文字以上"));
    assert!(page.contains("一致しません"));
    let res = b
        .post(
            "/account/password",
            &[
                ("current_password", common::PASSWORD),
                ("new_password", "新しい長いパスワード です"),
                ("confirm_password", "新しい長いパスワード です"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(b.get("/account").await.status(), 303, "the old session ended");
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .form(&[("login", "arao-department"), ("password", "新しい長いパスワード です")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn tokens_work_until_revoked_and_are_stored_hashed() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let page = b
        .post("/account/tokens", &[("name", "ポータル連携")])
        .await
        .text()
        .await
        .unwrap();
    let start = page.find("<code>kyodo_").expect("token shown once") + "<code>".len();
    let token = &page[start..start + page[start..].find('<').unwrap()];
    let me = app
        .anonymous()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["login"], "arao-coordinator");
    assert!(me.get("password_hash").is_none());

    let muni = app.municipality("432041").await.id;
    let user = kyodo_store::accounts::by_login(&app.db, "arao-coordinator")
        .await
        .unwrap()
        .unwrap();
    let tokens = kyodo_store::accounts::tokens(&app.db, muni, user.id).await.unwrap();
    assert_eq!(tokens.len(), 1);
    assert!(
        kyodo_store::accounts::token_user(&app.db, token)
            .await
            .unwrap()
            .is_none(),
        "the raw token is not what is stored"
    );

    let res = b.post(&format!("/account/tokens/{}/revoke", tokens[0].id), &[]).await;
    assert_eq!(res.status(), 303);
    let res = app
        .anonymous()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["message"], "ログインしてください");
}

#[tokio::test]
async fn coordinators_manage_accounts_but_not_admins() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-coordinator").await;
    let res = b
        .post(
            "/users/new",
            &[
                ("login", "new-admin"),
                ("display_name", "x"),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("システム管理者を登録できるのはシステム管理者だけです")
    );
    let res = b
        .post(
            "/users/new",
            &[
                ("login", "new-liaison"),
                ("display_name", "新任"),
                ("role", "liaison"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422, "a liaison account needs its staff record");
    let res = b
        .post(
            "/users/new",
            &[
                ("login", "new-liaison"),
                ("display_name", "新任"),
                ("role", "liaison"),
                ("staff_id", "４３００１"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .form(&[("login", "new-liaison"), ("password", "long enough password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "the new account signs in");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_a_manager_and_admins_stay_out_of_coordinators_reach() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let users = kyodo_store::accounts::list(&app.db, Some(muni)).await.unwrap();
    let id_of = |login: &str| users.iter().find(|u| u.login == login).unwrap().id;
    let b = app.login("arao-coordinator").await;
    let liaison = id_of("arao-liaison");
    assert_eq!(b.get(&format!("/users/{liaison}")).await.status(), 200);
    let res = b
        .post(&format!("/users/{liaison}/password"), &[("password", "short")])
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("10文字以上"));
    let res = b
        .post(
            &format!("/users/{liaison}/password"),
            &[("password", "reset by the coordinator")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .form(&[("login", "arao-liaison"), ("password", "reset by the coordinator")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let admin = id_of("arao-admin");
    assert_eq!(b.get(&format!("/users/{admin}")).await.status(), 403);
    assert_eq!(
        b.post(
            &format!("/users/{admin}/password"),
            &[("password", "taking over the admin")]
        )
        .await
        .status(),
        403
    );
    assert_eq!(b.post(&format!("/users/{admin}/disable"), &[]).await.status(), 403);
}

#[tokio::test]
async fn writes_from_another_site_are_refused_even_at_the_login_form() {
    let app = TestApp::spawn(&["arao"]).await;
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .header("Origin", "http://evil.example")
        .form(&[("login", "arao-coordinator"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("ほかのサイトから送られた操作"));
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("login", "arao-coordinator"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The same form from this site signs in.
    let res = app
        .anonymous()
        .post(app.url("/login"))
        .header("Origin", app.base.clone())
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("login", "arao-coordinator"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}

// --- Throttling per address (issue 13, defect 4) ---

/// Thirty failed logins from one address, as a password sprayer makes them:
/// a different (unknown) login each time, so no account locks.
async fn spray(app: &TestApp, forwarded_for: Option<&str>) {
    let client = app.anonymous();
    for i in 0..30 {
        let login = format!("nobody-{i}");
        let mut req = client
            .post(app.url("/login"))
            .form(&[("login", login.as_str()), ("password", "wrong password!")]);
        if let Some(f) = forwarded_for {
            req = req.header("X-Forwarded-For", f);
        }
        assert_eq!(req.send().await.unwrap().status(), 401);
    }
}

/// Signs in by the form (from `forwarded_for` through the proxy, if given).
async fn sign_in(app: &TestApp, login: &str, password: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = app
        .anonymous()
        .post(app.url("/login"))
        .form(&[("login", login), ("password", password)]);
    if let Some(f) = forwarded_for {
        req = req.header("X-Forwarded-For", f);
    }
    req.send().await.unwrap()
}

/// The newest audit entry of `action` (login, login_failed…).
async fn last_audit(app: &TestApp, action: &str) -> kyodo_core::audit::AuditEntry {
    let muni = app.municipality("432041").await.id;
    let filter = kyodo_store::audit::AuditFilter {
        action: Some(action.into()),
        ..Default::default()
    };
    kyodo_store::audit::list(&app.db, muni, &filter)
        .await
        .unwrap()
        .items
        .into_iter()
        .next()
        .expect("an audit entry")
}

#[tokio::test]
async fn a_busy_address_slows_logins_down_but_does_not_refuse_a_right_password() {
    // Behind a proxy nobody told kyodo about, every user shares its address.
    let app = TestApp::spawn(&["arao"]).await;
    spray(&app, None).await;

    let started = std::time::Instant::now();
    let res = sign_in(&app, "arao-coordinator", common::PASSWORD, None).await;
    assert_eq!(
        res.status(),
        303,
        "a right password for an unlocked account still signs in"
    );
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "but only after the address's delay"
    );
    let login = last_audit(&app, "login").await;
    assert_eq!(login.login.as_deref(), Some("arao-coordinator"));
    assert!(
        login.detail.unwrap_or_default().contains("slowed"),
        "the delay is logged"
    );

    // A wrong password is still refused, as a wrong password, not as a lock.
    let res = sign_in(&app, "arao-liaison", "wrong password!", None).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("ログイン名またはパスワードが正しくありません")
    );
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let config = kyodo_web::Config {
        trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
        ..Default::default()
    };
    let app = TestApp::spawn_with(&["arao"], config).await;
    spray(&app, Some("203.0.113.7")).await;

    // Another user behind the same proxy is neither refused nor slowed.
    let res = sign_in(&app, "arao-coordinator", common::PASSWORD, Some("198.51.100.9")).await;
    assert_eq!(res.status(), 303);
    let login = last_audit(&app, "login").await;
    assert_eq!(login.ip.as_deref(), Some("198.51.100.9"), "the client, not the proxy");
    assert!(!login.detail.unwrap_or_default().contains("slowed"));

    // The sprayer cannot step aside by writing another address in front:
    // the proxy appends the real one, and that is the one believed.
    let res = sign_in(
        &app,
        "arao-liaison",
        common::PASSWORD,
        Some("198.51.100.9, 203.0.113.7"),
    )
    .await;
    assert_eq!(res.status(), 303);
    let login = last_audit(&app, "login").await;
    assert_eq!(login.ip.as_deref(), Some("203.0.113.7"));
    assert!(login.detail.unwrap_or_default().contains("slowed"));

    // Signed-in requests are audited with the same address.
    let b = app.login("arao-department").await;
    b.client
        .post(b.url("/account/tokens"))
        .header("X-Forwarded-For", "192.0.2.44")
        .form(&[("_csrf", b.csrf.as_str()), ("name", "連携")])
        .send()
        .await
        .unwrap();
    assert_eq!(last_audit(&app, "token_create").await.ip.as_deref(), Some("192.0.2.44"));
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_a_peer_that_is_not_a_trusted_proxy() {
    let app = TestApp::spawn(&["arao"]).await;
    let res = sign_in(&app, "arao-coordinator", common::PASSWORD, Some("198.51.100.9")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(last_audit(&app, "login").await.ip.as_deref(), Some("127.0.0.1"));
}

// --- API tokens end with the credentials they came with (issue 13, defect 5) ---

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.anonymous()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn user_id(app: &TestApp, login: &str) -> i64 {
    kyodo_store::accounts::by_login(&app.db, login)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_password_reset_and_a_disable_revoke_the_accounts_tokens() {
    let app = TestApp::spawn(&["arao"]).await;
    let admin = app.login("arao-admin").await;

    let token = app.token("arao-liaison").await;
    assert_eq!(me_status(&app, &token).await, 200);
    let liaison = user_id(&app, "arao-liaison").await;
    let res = admin
        .post(
            &format!("/users/{liaison}/password"),
            &[("password", "reset by the admin")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(me_status(&app, &token).await, 401, "the reset ends the tokens too");

    let token = app.token("arao-department").await;
    let department = user_id(&app, "arao-department").await;
    assert_eq!(
        admin.post(&format!("/users/{department}/disable"), &[]).await.status(),
        303
    );
    assert_eq!(me_status(&app, &token).await, 401);
    assert_eq!(
        admin.post(&format!("/users/{department}/enable"), &[]).await.status(),
        303
    );
    assert_eq!(
        me_status(&app, &token).await,
        401,
        "enabling the account again does not revive its old tokens"
    );
    let revoked = last_audit(&app, "token_revoke").await;
    assert_eq!(revoked.login.as_deref(), Some("arao-admin"));
}

#[tokio::test]
async fn a_password_change_revokes_the_tokens_unless_asked_to_keep_them() {
    let app = TestApp::spawn(&["arao"]).await;
    let b = app.login("arao-department").await;
    let page = b.get("/account").await.text().await.unwrap();
    assert!(page.contains("APIトークンも無効にする"));
    let checkbox = &page[page.find("name=\"revoke_tokens\"").expect("the choice is offered")..];
    assert!(
        checkbox[..checkbox.find('>').unwrap()].contains("checked"),
        "revoking is the default"
    );

    let token = app.token("arao-department").await;
    let res = b
        .post(
            "/account/password",
            &[
                ("current_password", common::PASSWORD),
                ("new_password", "first new long password"),
                ("confirm_password", "first new long password"),
                ("tokens_choice", "shown"),
                ("revoke_tokens", "true"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(me_status(&app, &token).await, 401);

    // Unticked: the integration keeps working.
    let token = app.token("arao-department").await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[("login", "arao-department"), ("password", "first new long password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = common::csrf_of(&page).unwrap();
    let res = client
        .post(app.url("/account/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", "first new long password"),
            ("new_password", "second new long password"),
            ("confirm_password", "second new long password"),
            ("tokens_choice", "shown"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(me_status(&app, &token).await, 200, "kept, as asked");
}

#[tokio::test]
async fn managers_list_and_revoke_a_users_tokens_on_the_user_page() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let token = app.token("arao-liaison").await;
    let liaison = user_id(&app, "arao-liaison").await;
    let token_id = kyodo_store::accounts::tokens(&app.db, muni, liaison).await.unwrap()[0].id;

    let admin = app.login("arao-admin").await;
    let page = admin.get(&format!("/users/{liaison}")).await.text().await.unwrap();
    assert!(page.contains("APIトークン"));
    let revoke = format!("/users/{liaison}/tokens/{token_id}/revoke");
    assert!(page.contains(&revoke), "each live token has its button");

    // Only the token's own account's page revokes it.
    let department = user_id(&app, "arao-department").await;
    let res = admin
        .post(&format!("/users/{department}/tokens/{token_id}/revoke"), &[])
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(me_status(&app, &token).await, 200);

    assert_eq!(admin.post(&revoke, &[]).await.status(), 303);
    assert_eq!(me_status(&app, &token).await, 401);
    let entry = last_audit(&app, "token_revoke").await;
    assert_eq!(entry.login.as_deref(), Some("arao-admin"));
    assert_eq!(entry.entity_id, Some(token_id));
    let page = admin.get(&format!("/users/{liaison}")).await.text().await.unwrap();
    assert!(page.contains("失効") && !page.contains(&revoke));

    // Coordinators manage accounts but not the admin's.
    let admin_token = app.token("arao-admin").await;
    let admin_id = user_id(&app, "arao-admin").await;
    let admin_token_id = kyodo_store::accounts::tokens(&app.db, muni, admin_id).await.unwrap()[0].id;
    let coordinator = app.login("arao-coordinator").await;
    let res = coordinator
        .post(&format!("/users/{admin_id}/tokens/{admin_token_id}/revoke"), &[])
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(me_status(&app, &admin_token).await, 200);
}
