//! The public site at a city's scale (BENCHMARKS.md): the arao demo with
//! 3,000 events a year for ten 年度 (30,000, most of them past), spread
//! over its districts. Measures a district's page and its calendar.ics,
//! the top page, the municipality's feed, a month of the calendar, the
//! Atom feed, the printed 年間行事カレンダー and a case search, one
//! client at a time (p50/p95) and with 304s; then as hard as
//! `KYODO_BENCH_CONNECTIONS` connections can against `/healthz` in the same
//! run. The public rate limit is off, as behind a trusted cache.
//!
//! `cargo bench -p kyodo --bench public` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL.

mod common;

use common::{arao_demo, area_id, ms, percentile, saturate, timed, today};
use sea_query::Query;
use std::time::Instant;

const PER_YEAR: usize = 3_000;
const YEARS: usize = 10;

async fn events(db: &kyodo_store::Db, muni: i64, areas: &[i64]) {
    let now = chrono::Utc::now();
    let first = kyodo_core::wareki::fiscal_year_start(kyodo_core::wareki::fiscal_year(today()) - YEARS as i32 + 1);
    let kinds = ["festival", "cleanup", "salon", "meeting", "disaster_drill", "lecture"];
    let total = PER_YEAR * YEARS;
    for chunk in (0..total).collect::<Vec<_>>().chunks(500) {
        let mut q = Query::insert();
        q.into_table("events").columns([
            "municipality_id",
            "area_id",
            "kind",
            "title",
            "starts_on",
            "start_time",
            "end_time",
            "place",
            "admission",
            "public",
            "status",
            "created_at",
            "updated_at",
        ]);
        for i in chunk {
            // Evenly through the ten years; a few districts busier than others.
            let day = first + chrono::Days::new((i * 365 * YEARS / total) as u64);
            let area = areas[(i * i) % areas.len()];
            let timed = i % 3 != 0;
            q.values_panic([
                muni.into(),
                area.into(),
                kinds[i % kinds.len()].into(),
                format!("地区の行事 第{i}回").into(),
                day.into(),
                timed.then(|| "10:00".to_owned()).into(),
                timed.then(|| "12:00".to_owned()).into(),
                "地区公民館".into(),
                if i % 7 == 0 { "members" } else { "open" }.into(),
                (i % 7 != 0).into(),
                if i % 50 == 0 { "cancelled" } else { "scheduled" }.into(),
                now.into(),
                now.into(),
            ]);
        }
        db.execute(&q).await.expect("events");
    }
}

async fn run() {
    let (db, _guard, muni) = arao_demo().await;
    let areas: Vec<i64> = kyodo_store::areas::all(&db, muni.id, false)
        .await
        .expect("areas")
        .into_iter()
        .filter(|a| a.level as usize == muni.scheme.liaison_level)
        .map(|a| a.id)
        .collect();
    let started = Instant::now();
    events(&db, muni.id, &areas).await;
    println!(
        "{} events over {YEARS} 年度 in {:.1} s",
        PER_YEAR * YEARS,
        started.elapsed().as_secs_f64()
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = kyodo_web::Config {
        today: Some(today()),
        public_rate_limit: Some(0),
        ..Default::default()
    };
    tokio::spawn(kyodo_web::serve(listener, kyodo_web::AppState::new(db.clone(), config)));

    let a01 = area_id(&db, muni.id, "A01").await;
    let annual = kyodo_store::events::annual::published(&db, muni.id)
        .await
        .expect("annual calendars")
        .first()
        .expect("the demo issues one")
        .id;
    let code = &muni.code;
    let client = reqwest::Client::new();
    let pages = [
        ("district page", format!("/p/{code}/areas/{a01}")),
        ("district calendar.ics", format!("/p/{code}/areas/{a01}/calendar.ics")),
        ("top page", format!("/p/{code}")),
        (
            "calendar month (first 100)",
            format!("/p/{code}/calendar?month=2026-12"),
        ),
        ("municipality calendar.ics", format!("/p/{code}/calendar.ics")),
        ("feed.atom", format!("/p/{code}/feed.atom")),
        (
            "printed annual calendar (A3)",
            format!("/p/{code}/annual/{annual}?size=a3"),
        ),
        (
            "case studies, searched",
            format!("/p/{code}/case-studies?q=%E8%A6%8B%E5%AE%88%E3%82%8A"),
        ),
    ];
    let n = 200;
    for (name, path) in &pages {
        let url = format!("{base}{path}");
        // Rendered each time: a query the page ignores makes each request a new cache key.
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut cold = Vec::with_capacity(n);
        for i in 0..n {
            let at = Instant::now();
            let res = client.get(format!("{url}{sep}bench={i}")).send().await.expect("get");
            assert_eq!(res.status(), 200, "{url}");
            let _ = res.bytes().await.expect("body");
            cold.push(at.elapsed());
        }
        let _ = timed(&client, &url, None, 10).await;
        let (p50, p95) = timed(&client, &url, None, n).await;
        let first = client.get(&url).send().await.expect("get");
        let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
        let size = first.bytes().await.expect("body").len();
        let mut not_modified = Vec::new();
        for _ in 0..n {
            let at = Instant::now();
            let res = client
                .get(&url)
                .header("if-none-match", &etag)
                .send()
                .await
                .expect("get");
            assert_eq!(res.status(), 304, "{url}");
            not_modified.push(at.elapsed());
        }
        println!(
            "{name}: rendered p50 {} p95 {}; from the cache p50 {} p95 {}; 304 p50 {} ({size} bytes)",
            ms(percentile(&mut cold, 0.5)),
            ms(percentile(&mut cold, 0.95)),
            ms(p50),
            ms(p95),
            ms(percentile(&mut not_modified, 0.5))
        );
    }

    let connections: usize = std::env::var("KYODO_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    if connections > 0 {
        let seconds = 3.0;
        let floor = saturate(&format!("{base}/healthz"), None, connections, seconds).await;
        println!(
            "{connections} connections; /healthz floor {:.0} req/s, p50 {}",
            floor.per_second,
            ms(floor.p50)
        );
        for (name, path) in &pages[..2] {
            let s = saturate(&format!("{base}{path}"), None, connections, seconds).await;
            println!(
                "{name}: {:.0} req/s (1/{:.1} of the floor), p50 {}, p99 {}, CPU {} per request",
                s.per_second,
                floor.per_second / s.per_second.max(0.001),
                ms(s.p50),
                ms(s.p99),
                ms(s.cpu_per_request)
            );
        }
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}
