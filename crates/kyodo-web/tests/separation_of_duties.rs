//! Separation of duties (issue 13, defect 9): the system admin sees no
//! personal data, so an account that does — a coordinator, liaison or
//! community account, or one of the department named for disaster
//! prevention — made or opened by anyone is shown to the municipality's
//! other coordinators until one of them acknowledges it.

mod common;

use common::{Browser, TestApp};

const PASSWORD: &str = "a long enough password";

async fn user_id(app: &TestApp, login: &str) -> i64 {
    kyodo_store::accounts::by_login(&app.db, login)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn home(b: &Browser) -> String {
    let res = b.get("/").await;
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// The acknowledge buttons on a page, as their form actions.
fn acknowledge_actions(page: &str) -> Vec<String> {
    page.match_indices("action=\"/privileged-grants/")
        .map(|(at, _)| {
            let start = at + "action=\"".len();
            page[start..start + page[start..].find('"').unwrap()].to_owned()
        })
        .collect()
}

async fn sign_in(app: &TestApp, login: &str, password: &str) -> Browser {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(app.url("/login"))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "{login} signs in");
    let page = client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    Browser {
        client,
        base: app.base.clone(),
        csrf: common::csrf_of(&page).unwrap(),
    }
}

async fn create_account(b: &Browser, fields: &[(&str, &str)]) {
    let mut all = vec![("password", PASSWORD)];
    all.extend_from_slice(fields);
    let res = b.post("/users/new", &all).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
}

#[tokio::test]
async fn a_coordinator_made_by_the_admin_is_shown_to_the_coordinators_until_one_acknowledges_it() {
    let app = TestApp::spawn(&["arao"]).await;
    let coordinator = app.login("arao-coordinator").await;
    assert!(
        acknowledge_actions(&home(&coordinator).await).is_empty(),
        "the demo's own accounts are its initial setup, not news"
    );

    let admin = app.login("arao-admin").await;
    create_account(
        &admin,
        &[("login", "tanaka"), ("display_name", "田中"), ("role", "coordinator")],
    )
    .await;

    let page = home(&coordinator).await;
    assert!(
        page.contains("システム管理者 システム管理者（デモ） が 制度所管課のアカウント tanaka を作成しました"),
        "{page}"
    );
    let actions = acknowledge_actions(&page);
    assert_eq!(actions.len(), 1);
    assert!(page.contains("確認しました"));

    // The new coordinator does not vouch for themselves.
    let tanaka = sign_in(&app, "tanaka", PASSWORD).await;
    assert!(!home(&tanaka).await.contains("tanaka を作成しました"));
    let res = tanaka.post(&actions[0], &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("ほかの"));

    // The admin sees it on /audit, marked, and not yet acknowledged.
    let audit = admin.get("/audit").await.text().await.unwrap();
    assert!(audit.contains("個人情報に届くアカウントの作成"));
    assert!(audit.contains("未確認"));
    let filtered = admin.get("/audit?action=privileged").await.text().await.unwrap();
    assert!(filtered.contains("職務の分離"), "the marked rows");
    assert!(!filtered.contains("<td>ログイン</td>"), "only the grants");

    let res = coordinator.post(&actions[0], &[]).await;
    assert_eq!(res.status(), 303);
    assert!(acknowledge_actions(&home(&coordinator).await).is_empty());
    // Acknowledging again (another coordinator at the same moment) changes nothing.
    assert_eq!(coordinator.post(&actions[0], &[]).await.status(), 303);

    let muni = app.municipality("432041").await.id;
    let acks = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            action: Some("privileged_grant_acknowledged".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(acks.total, 1, "who acknowledged, once");
    assert_eq!(acks.items[0].login.as_deref(), Some("arao-coordinator"));
    let audit = admin.get("/audit").await.text().await.unwrap();
    assert!(audit.contains("arao-coordinator が確認"), "{audit}");
}

#[tokio::test]
async fn every_way_into_an_account_reaching_personal_data_is_noticed_and_only_those() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let coordinator = app.login("arao-coordinator").await;
    let admin = app.login("arao-admin").await;

    // `kyodo user add` on the server's command line.
    let hash = kyodo_web::auth::hash_password(PASSWORD.to_owned()).await.unwrap();
    kyodo_store::accounts::create(
        &app.db,
        &kyodo_store::audit::Actor::command_line(muni),
        &kyodo_store::accounts::NewUser {
            login: "suzuki".into(),
            display_name: "鈴木".into(),
            role: kyodo_core::accounts::Role::Coordinator,
            staff_id: None,
            department_id: None,
            organisation_id: None,
            password_hash: hash,
        },
    )
    .await
    .unwrap();
    let page = home(&coordinator).await;
    assert!(
        page.contains("サーバーのコマンドで 制度所管課のアカウント suzuki が作成されました"),
        "{page}"
    );

    // A department account reaches no personal data: no notice.
    let doboku = kyodo_store::departments::all(&app.db, muni)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "土木課")
        .unwrap()
        .id
        .to_string();
    create_account(
        &admin,
        &[
            ("login", "doboku2"),
            ("display_name", "土木課2"),
            ("role", "department"),
            ("department_id", doboku.as_str()),
        ],
    )
    .await;
    assert!(!home(&coordinator).await.contains("doboku2"));

    // But one of the department named for disaster prevention reads every
    // 避難行動要支援者名簿 (the demo names 防災安全課): it is noticed.
    let bousai = kyodo_store::departments::all(&app.db, muni)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "防災安全課")
        .unwrap()
        .id
        .to_string();
    create_account(
        &admin,
        &[
            ("login", "bousai2"),
            ("display_name", "防災安全課2"),
            ("role", "department"),
            ("department_id", bousai.as_str()),
        ],
    )
    .await;
    assert!(home(&coordinator).await.contains("bousai2"));

    // A community account reaches its organisation's key people.
    let org = app.id_of(muni, "organisations", "O001").await.to_string();
    create_account(
        &admin,
        &[
            ("login", "kyogikai2"),
            ("display_name", "協議会2"),
            ("role", "community"),
            ("organisation_id", org.as_str()),
        ],
    )
    .await;
    assert!(
        home(&coordinator)
            .await
            .contains("地域団体のアカウント kyogikai2 を作成しました")
    );

    // A coordinator's own doing goes to the other coordinators, not to them.
    let suzuki = sign_in(&app, "suzuki", PASSWORD).await;
    create_account(
        &suzuki,
        &[
            ("login", "new-liaison"),
            ("display_name", "新任"),
            ("role", "liaison"),
            ("staff_id", "43001"),
        ],
    )
    .await;
    assert!(!home(&suzuki).await.contains("new-liaison"));
    assert!(
        home(&coordinator)
            .await
            .contains("制度所管課 鈴木 が 地域担当職員のアカウント new-liaison を作成しました")
    );

    // Opening an existing account counts too: re-enabling it, or setting its password.
    let liaison = user_id(&app, "arao-liaison").await;
    assert_eq!(
        admin.post(&format!("/users/{liaison}/disable"), &[]).await.status(),
        303
    );
    assert_eq!(admin.post(&format!("/users/{liaison}/enable"), &[]).await.status(), 303);
    let page = home(&coordinator).await;
    assert!(
        page.contains("地域担当職員のアカウント arao-liaison の利用を再開しました"),
        "{page}"
    );
    assert_eq!(
        admin
            .post(
                &format!("/users/{liaison}/password"),
                &[("password", "set by the admin")]
            )
            .await
            .status(),
        303
    );
    assert!(
        home(&coordinator)
            .await
            .contains("地域担当職員のアカウント arao-liaison のパスワードを再設定しました")
    );
    // Changing one's own password is nobody else's business.
    let dept = app.login("arao-community").await;
    let res = dept
        .post(
            "/account/password",
            &[
                ("current_password", common::PASSWORD),
                ("new_password", "my own new password"),
                ("confirm_password", "my own new password"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(!home(&coordinator).await.contains("arao-community"));

    let grants = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            action: Some("privileged".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        grants.total, 6,
        "suzuki, bousai2, kyogikai2, new-liaison, re-enabled, reset"
    );
}
