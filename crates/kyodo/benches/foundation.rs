//! The foundation's numbers (BENCHMARKS.md): start-up with migrations on a
//! new SQLite file, importing 20,000 staff from a CP932 CSV, and the staff
//! list page and API over 20,000 staff.
//!
//! `cargo bench -p kyodo --bench foundation` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL.

mod common;

use common::{ms, percentile, timed, today, token_for};
use sea_query::ExprTrait;
use std::time::{Duration, Instant};

use kyodo_core::csv_import::DataKind;

const STAFF: usize = 20_000;
const REQUESTS: usize = 300;

fn startup() {
    let mut samples = Vec::new();
    for i in 0..10 {
        let path = std::env::temp_dir().join(format!("kyodo-bench-start-{}-{i}.db", std::process::id()));
        let port = 18_400 + i;
        let started = Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kyodo"))
            .args(["--database", &format!("sqlite://{}", path.display()), "serve", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("kyodo starts");
        let url = format!("http://127.0.0.1:{port}/healthz");
        loop {
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port as u16)) {
                use std::io::{Read, Write};
                let _ = write!(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                if buf.starts_with("HTTP/1.1 200") {
                    break;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{url} never answered");
            std::thread::sleep(Duration::from_millis(2));
        }
        samples.push(started.elapsed());
        let _ = child.kill();
        let _ = child.wait();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    println!(
        "start-up (spawn → migrations on a new SQLite file → /healthz 200): p50 {}, max {}",
        ms(percentile(&mut samples, 0.5)),
        ms(percentile(&mut samples, 1.0))
    );
}

async fn data_and_lists() {
    let backend = kyodo_store::testing::test_backend();
    let (db, _guard, muni) = common::arao_demo().await;
    let csv = common::staff_csv(STAFF);
    let actor = kyodo_store::audit::Actor::command_line(muni.id);

    let started = Instant::now();
    let report = kyodo_store::data::import_csv(
        &db,
        &actor,
        &muni.scheme,
        kyodo_store::data::ImportFile {
            kind: DataKind::Staff,
            bytes: csv.clone(),
            dry_run: false,
        },
        today(),
        Default::default(),
    )
    .await
    .expect("import");
    let import = started.elapsed();
    assert_eq!(report.created.len(), STAFF);
    println!(
        "[{backend}] import of {STAFF} staff rows from CP932 CSV ({} KiB): {}",
        csv.len() / 1024,
        ms(import)
    );

    let started = Instant::now();
    let report = kyodo_store::data::import_csv(
        &db,
        &actor,
        &muni.scheme,
        kyodo_store::data::ImportFile {
            kind: DataKind::Staff,
            bytes: csv.clone(),
            dry_run: true,
        },
        today(),
        Default::default(),
    )
    .await
    .expect("dry run");
    assert_eq!(report.unchanged, STAFF);
    println!(
        "[{backend}] dry run of the same file (all unchanged): {}",
        ms(started.elapsed())
    );

    let base = common::serve(&db).await;
    let browser = common::browser(&base, "arao-coordinator").await;
    let api = reqwest::Client::new();
    let token = token_for(&db, "arao-coordinator").await;
    // The last page by number, and by key: after the last row of the one before it.
    let active = db
        .fetch_i64(
            &sea_query::Query::select()
                .expr(sea_query::Expr::col("id").count())
                .from("staff")
                .and_where(sea_query::Expr::col("municipality_id").eq(muni.id))
                .and_where(sea_query::Expr::col("archived_at").is_null())
                .to_owned(),
        )
        .await
        .expect("count");
    let last = (active + 49) / 50;
    let before_last: serde_json::Value = api
        .get(format!("{base}/api/v1/staff?page={}", last - 1))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the page before the last")
        .json()
        .await
        .expect("json");
    let after = before_last["next_after"].as_i64().expect("a full page has a sequel");
    let last_by_number = format!("/staff?page={last}");
    let last_by_key = format!("/staff?after={after}");
    let pages = [
        ("first page", "/staff"),
        ("search 田中", "/staff?q=%E7%94%B0%E4%B8%AD"),
        (
            "department filter, sorted by hire date, page 20",
            "/staff?department_id=3&sort=-hire_date&page=20",
        ),
        ("last page by number", last_by_number.as_str()),
        ("last page by key", last_by_key.as_str()),
    ];
    for (label, path) in pages {
        let (p50, p95) = timed(&browser, &format!("{base}{path}"), None, REQUESTS).await;
        println!("[{backend}] page {path} ({label}): p50 {}, p95 {}", ms(p50), ms(p95));
        let (p50, p95) = timed(&api, &format!("{base}/api/v1{path}"), Some(&token), REQUESTS).await;
        println!("[{backend}] API  /api/v1{path}: p50 {}, p95 {}", ms(p50), ms(p95));
    }
    let saturated: Vec<(&str, String, &str)> = pages
        .iter()
        .map(|(label, path)| (*label, format!("/api/v1{path}"), token.as_str()))
        .collect();
    common::saturation_table(&base, &backend, &saturated, 64).await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    if kyodo_store::testing::test_backend() == "sqlite" {
        startup();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(data_and_lists());
}
