//! A whole prefecture's staff file must not stop the city (BENCHMARKS.md,
//! "Imports"): 250,000 new staff (about 25 MB of CP932, with e-mail
//! addresses) imported through the API of a `kyodo serve` process while
//! other users keep saving issues. Prints the import's time, the other
//! writes' waits, and the server's peak memory, for a dry run and for the
//! import.
//!
//! `cargo bench -p kyodo --bench imports` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL. `KYODO_BENCH_N` lines
//! (default 250,000), `KYODO_BENCH_CLIENTS` writers (default 4).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{ms, percentile, token_for};
use serde_json::json;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The server's resident memory and its peak since the last reset, in MiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (kib("VmRSS:") / 1024, kib("VmHWM:") / 1024)
}

/// Starts counting the peak afresh (Linux: "5" to clear_refs resets VmHWM).
fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// `kyodo serve` on the database at `url`, answering on the returned base URL.
fn spawn_server(url: &str) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kyodo"))
        .args(["--database", url, "serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
        .spawn()
        .expect("kyodo starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "kyodo never answered");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, format!("http://127.0.0.1:{port}"))
}

/// Writers saving issues one after another until `stop`: every wait.
fn writers(
    base: &str,
    token: &str,
    area: i64,
    clients: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Duration>>> {
    (0..clients)
        .map(|c| {
            let (base, token, stop) = (base.to_owned(), token.to_owned(), stop.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut waits = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let started = Instant::now();
                    let res = client
                        .post(format!("{base}/api/v1/issues"))
                        .bearer_auth(&token)
                        .json(&json!({
                            "kind": "request",
                            "title": format!("カーブミラーが曲がっている {c}-{n}"),
                            "body": "見通しが悪く危ないです。",
                            "category": "道路",
                            "area_id": area,
                            "source": "desk",
                        }))
                        .send()
                        .await
                        .expect("request");
                    assert_eq!(res.status(), 201, "a write beside the import failed");
                    let _ = res.bytes().await;
                    waits.push(started.elapsed());
                }
                waits
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn import(pid: u32, base: &str, token: &str, csv: &[u8], dry_run: bool, area: i64, clients: usize, n: usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = writers(base, token, area, clients, stop.clone());
    // Let the writers settle before the import starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (rss_before, _) = memory(pid);
    reset_peak(pid);
    let started = Instant::now();
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/import/staff?dry_run={dry_run}"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_vec())
        .send()
        .await
        .expect("import");
    let status = res.status();
    let report: serde_json::Value = res.json().await.expect("report");
    let took = started.elapsed();
    let (_, peak) = memory(pid);
    stop.store(true, Ordering::Relaxed);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"].as_array().map(Vec::len), Some(n));
    let mut waits = Vec::new();
    for t in tasks {
        waits.extend(t.await.expect("writer"));
    }
    let count = waits.len();
    println!(
        "{} of {n} lines: {} | {count} other writes meanwhile: p50 {} p99 {} max {} | memory {rss_before} MiB before, peak {peak} MiB",
        if dry_run { "dry run" } else { "import " },
        ms(took),
        ms(percentile(&mut waits, 0.5)),
        ms(percentile(&mut waits, 0.99)),
        ms(percentile(&mut waits, 1.0)),
    );
}

#[tokio::main]
async fn main() {
    let n = env_or("KYODO_BENCH_N", 250_000);
    let clients = env_or("KYODO_BENCH_CLIENTS", 4);
    let backend = kyodo_store::testing::test_backend();
    let (db, guard, muni) = common::arao_demo().await;
    let token = token_for(&db, "arao-coordinator").await;
    let area = common::area_id(&db, muni.id, "A01").await;
    let csv = common::staff_csv(n);
    println!(
        "[{backend}] staff file: {n} lines, {:.1} MB CP932",
        csv.len() as f64 / 1e6
    );
    db.close().await;
    let (mut server, base) = spawn_server(&guard.url);
    import(server.id(), &base, &token, &csv, true, area, clients, n).await;
    import(server.id(), &base, &token, &csv, false, area, clients, n).await;
    let _ = server.kill();
    let _ = server.wait();
}
