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
