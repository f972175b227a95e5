//! What every benchmark needs: the date its data is for, and percentiles.

#![allow(dead_code)]

use std::time::{Duration, Instant};

pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("valid date")
}

/// The `p` quantile (0.0–1.0) of `samples`, which it sorts.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// `n` GETs of `url` one after another (with a bearer `token`, else the
/// client's cookies): p50 and p95 of the round trips.
pub async fn timed(client: &reqwest::Client, url: &str, token: Option<&str>, n: usize) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let mut req = client.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let started = Instant::now();
        let res = req.send().await.expect("request");
        assert_eq!(res.status(), 200, "{url}");
        let _ = res.bytes().await.expect("body");
        samples.push(started.elapsed());
    }
    (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95))
}

/// An API token for the demo account `login`, made as `kyodo token create` makes it.
pub async fn token_for(db: &kyodo_store::Db, login: &str) -> String {
    let user = kyodo_store::accounts::by_login(db, login)
        .await
        .expect("query")
        .expect("user");
    let state = kyodo_web::AppState::new(db.clone(), kyodo_web::Config::default());
    kyodo_web::accounts::issue_token(
        &state,
        &kyodo_store::audit::Actor::command_line(user.municipality_id),
        user.id,
        "bench",
    )
    .await
    .expect("token")
}

/// A fresh database with the arao demo loaded, and its municipality.
pub async fn arao_demo() -> (
    kyodo_store::Db,
    kyodo_store::testing::TestDatabase,
    kyodo_core::municipalities::Municipality,
) {
    let (db, guard) = kyodo_store::testing::fresh_database().await.expect("database");
    let hash = kyodo_web::auth::hash_password(kyodo_store::demo::DEMO_PASSWORD.into())
        .await
        .expect("hash");
    kyodo_store::demo::load(&db, "arao", today(), &hash)
        .await
        .expect("demo");
    let muni = kyodo_store::municipalities::by_code(&db, "432041")
        .await
        .expect("q")
        .expect("arao");
    (db, guard, muni)
}

/// The id of the district with `code`.
pub async fn area_id(db: &kyodo_store::Db, municipality_id: i64, code: &str) -> i64 {
    kyodo_store::areas::all(db, municipality_id, true)
        .await
        .expect("areas")
        .into_iter()
        .find(|a| a.code == code)
        .expect("area")
        .id
}

/// Serves kyodo on `db` on a free port; returns its base URL.
pub async fn serve(db: &kyodo_store::Db) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = kyodo_web::AppState::new(
        db.clone(),
        kyodo_web::Config {
            today: Some(today()),
            ..Default::default()
        },
    );
    tokio::spawn(kyodo_web::serve(listener, state));
    base
}

/// A browser signed in as the demo account `login`.
pub async fn browser(base: &str, login: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", kyodo_store::demo::DEMO_PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303, "login of {login}");
    client
}

/// A CP932 staff file of `n` lines against the arao demo's departments and districts.
pub fn staff_csv(n: usize) -> Vec<u8> {
    let mut rng = kyodo_core::demo::Rng::new(42);
    let departments = ["D0101", "D0102", "D0201", "D0302", "D0401", "D0502", "D0603"];
    let grades = ["一般職員", "課長補佐・係長級", "課長級"];
    let rows = (0..n).map(|i| {
        let (name, kana) = kyodo_core::demo::person(&mut rng);
        vec![
            format!("9{i:06}"),
            name,
            kana,
            (*rng.pick(&departments)).to_owned(),
            (*rng.pick(&grades)).to_owned(),
            format!("{}-04-01", 1990 + rng.below(36)),
            format!("A{:02}", 1 + rng.below(9)),
            format!("staff{i:06}@city.arao.example.jp"),
        ]
    });
    let text = kyodo_core::csv_import::write_table(kyodo_core::csv_import::DataKind::Staff.columns(), rows);
    kyodo_core::encoding::encode_csv(&text, kyodo_core::encoding::TextEncoding::Cp932).expect("CP932")
}
