//! What SQLite's `synchronous=FULL` costs against `NORMAL` on the write path
//! users feel most: posting issues through the API (BENCHMARKS.md,
//! "Backups and durability"). Each mode gets a fresh database file in the
//! temp directory (a real disk here) with the arao demo; the modes alternate
//! over two rounds so that a noisy neighbour hits both.
//!
//! `cargo bench -p kyodo --bench durability`. `KYODO_BENCH_N` issues per run
//! (default 2,000), posted one after another, then again by
//! `KYODO_BENCH_CLIENTS` clients at once (default 8).

mod common;

use std::time::{Duration, Instant};

use common::{arao_demo, ms, percentile, serve, token_for};
use serde_json::json;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn post(client: &reqwest::Client, base: &str, token: &str, area: i64, n: usize) -> Duration {
    let started = Instant::now();
    let res = client
        .post(format!("{base}/api/v1/issues"))
        .bearer_auth(token)
        .json(&json!({
            "kind": "request",
            "title": format!("街灯が切れている {n}"),
            "body": "夜は真っ暗で、下校時の子どもが心配です。",
            "category": "防犯",
            "area_id": area,
            "source": "desk",
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 201);
    let _ = res.bytes().await.expect("body");
    started.elapsed()
}

async fn run(mode: &str, n: usize, clients: usize) {
    let (db, _guard, muni) = arao_demo().await;
    // The write pool has one connection: this pragma holds for every write.
    db.execute_raw(&format!("PRAGMA synchronous = {mode}"))
        .await
        .expect("pragma");
    let base = serve(&db).await;
    let token = token_for(&db, "arao-coordinator").await;
    let area = common::area_id(&db, muni.id, "A01").await;
    let client = reqwest::Client::new();

    let started = Instant::now();
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        samples.push(post(&client, &base, &token, area, i).await);
    }
    let serial = started.elapsed();
    let (p50, p99) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.99));

    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, base, token) = (client.clone(), base.clone(), token.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                for i in (c..n).step_by(clients) {
                    samples.push(post(&client, &base, &token, area, n + i).await);
                }
                samples
            })
        })
        .collect();
    let mut concurrent = Vec::with_capacity(n);
    for t in tasks {
        concurrent.extend(t.await.expect("client task"));
    }
    let together = started.elapsed();
    let (cp50, cp99) = (percentile(&mut concurrent, 0.5), percentile(&mut concurrent, 0.99));
    println!(
        "synchronous={mode:<6} one client: p50 {} p99 {} {:.0}/s | {clients} clients: p50 {} p99 {} {:.0}/s",
        ms(p50),
        ms(p99),
        n as f64 / serial.as_secs_f64(),
        ms(cp50),
        ms(cp99),
        n as f64 / together.as_secs_f64(),
    );
    db.close().await;
}

#[tokio::main]
async fn main() {
    if kyodo_store::testing::test_backend() != "sqlite" {
        println!("durability: SQLite only (PostgreSQL commits with fsync by default)");
        return;
    }
    let n = env_or("KYODO_BENCH_N", 2000);
    let clients = env_or("KYODO_BENCH_CLIENTS", 8);
    for _round in 0..2 {
        for mode in ["FULL", "NORMAL"] {
            run(mode, n, clients).await;
        }
    }
}
