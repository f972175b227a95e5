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
