//! The liaison team's numbers (BENCHMARKS.md): logging an activity, the
//! workload dashboard over 2,000 staff and ten years of activities (5
//! million rows), and a handover dossier for a district with ten years of
//! history.
//!
//! `cargo bench -p kyodo --bench team_work` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL. `KYODO_BENCH_STAFF` and
//! `KYODO_BENCH_ACTIVITIES` change the sizes; `KYODO_BENCH_ONLY` runs only
//! the cases whose label contains it.

mod common;

use common::{ms, percentile, timed, today, token_for};
use std::collections::HashMap;
use std::time::Instant;

use kyodo_core::activities::month_key;
use kyodo_core::demo::Rng;
use kyodo_store::Db;
use sea_query::Query;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Inserts `n` staff members; returns their ids.
async fn staff(db: &Db, muni: i64, n: usize) -> Vec<i64> {
    let now = chrono::Utc::now();
    let mut tx = db.begin().await.expect("tx");
    for start in (0..n).step_by(1000) {
        let mut q = Query::insert();
        q.into_table("staff").columns([
            "municipality_id",
            "employee_number",
            "name",
            "name_kana",
            "grade",
            "hire_date",
            "created_at",
            "updated_at",
        ]);
        for i in start..(start + 1000).min(n) {
            q.values_panic([
                muni.into(),
                format!("B{i:06}").into(),
                format!("職員{i}").into(),
                format!("ショクイン{i}").into(),
                "staff".into(),
                chrono::NaiveDate::from_ymd_opt(2005, 4, 1).into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.expect("staff");
    }
    tx.commit().await.expect("commit");
    let q = Query::select()
        .column("id")
        .from("staff")
        .and_where(sea_query::ExprTrait::like(
            sea_query::Expr::col("employee_number"),
            "B%",
        ))
        .to_owned();
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let ids: Vec<Id> = db.fetch_all(&q).await.expect("ids");
    ids.into_iter().map(|r| r.id).collect()
}

/// Staff, month (or 年度), district, duty type.
type MonthKey = (i64, i32, i64, usize);

/// Ten years of activity: `n` entries spread over `people` (staff id and
/// district), with the monthly totals they would have produced.
async fn activities(db: &Db, muni: i64, people: &[(i64, i64)], duty: &[String], n: usize, rng: &mut Rng) {
    let now = chrono::Utc::now();
    let mut months: HashMap<MonthKey, (i64, i64, i64)> = HashMap::new();
    let mut tx = db.begin().await.expect("tx");
    let batch = 1000;
    for start in (0..n).step_by(batch) {
        let mut q = Query::insert();
        q.into_table("activities").columns([
            "municipality_id",
            "staff_id",
            "area_id",
            "done_on",
            "duty_type",
            "minutes",
            "out_of_hours",
            "compensation",
            "official_car",
            "created_at",
            "updated_at",
        ]);
        for i in start..(start + batch).min(n) {
            let (staff, area) = people[i % people.len()];
            let done_on = today() - chrono::Days::new(rng.below(3650) as u64);
            let d = rng.below(duty.len());
            let minutes = 30 * (1 + rng.below(6) as i64);
            let out = rng.below(4) == 0;
            let m = months.entry((staff, month_key(done_on), area, d)).or_default();
            m.0 += minutes;
            m.1 += if out { minutes } else { 0 };
            m.2 += 1;
            q.values_panic([
                muni.into(),
                staff.into(),
                area.into(),
                done_on.into(),
                duty[d].clone().into(),
                minutes.into(),
                out.into(),
                (if out { Some("allowance") } else { None }).into(),
                (i % 5 == 0).into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.expect("activities");
        if start % 200_000 == 0 {
            tx.commit().await.expect("commit");
            tx = db.begin().await.expect("tx");
        }
    }
    // The yearly totals, from the monthly ones: 4–12 belong to their year, 1–3 to the one before.
    let mut years: HashMap<MonthKey, (i64, i64, i64)> = HashMap::new();
    for ((staff, month, area, d), v) in &months {
        let fy = if month % 100 >= 4 { month / 100 } else { month / 100 - 1 };
        let y = years.entry((*staff, fy, *area, *d)).or_default();
        y.0 += v.0;
        y.1 += v.1;
        y.2 += v.2;
    }
    for (table, period, rows) in [
        ("activity_months", "month", months),
        ("activity_years", "fiscal_year", years),
    ] {
        let rows: Vec<_> = rows.into_iter().collect();
        for chunk in rows.chunks(1000) {
            let mut q = Query::insert();
            q.into_table(table).columns([
                "municipality_id",
                "staff_id",
                "area_id",
                period,
                "duty_type",
                "minutes",
                "out_of_hours_minutes",
                "entries",
            ]);
            for ((staff, key, area, d), (minutes, out, entries)) in chunk {
                q.values_panic([
                    muni.into(),
                    (*staff).into(),
                    (*area).into(),
                    (*key).into(),
                    duty[*d].clone().into(),
                    (*minutes).into(),
                    (*out).into(),
                    (*entries).into(),
                ]);
            }
            tx.execute(&q).await.expect("totals");
        }
    }
    tx.commit().await.expect("commit");
}

/// Ten years of a district's history: meetings and issues, some still open.
async fn district_history(db: &Db, muni: i64, area: i64, rng: &mut Rng) {
    let now = chrono::Utc::now();
    let mut tx = db.begin().await.expect("tx");
    let mut q = Query::insert();
    q.into_table("meetings").columns([
        "municipality_id",
        "area_id",
        "kind",
        "title",
        "held_on",
        "created_at",
        "updated_at",
    ]);
    for i in 0..600 {
        let held = today() - chrono::Days::new(rng.below(3650) as u64);
        q.values_panic([
            muni.into(),
            area.into(),
            ["board", "general", "workshop", "event"][i % 4].into(),
            format!("会議{i}").into(),
            held.into(),
            now.into(),
            now.into(),
        ]);
    }
    tx.execute(&q).await.expect("meetings");
    for start in (0..3000).step_by(500) {
        let mut q = Query::insert();
        q.into_table("issues").columns([
            "municipality_id",
            "kind",
            "title",
            "body",
            "category",
            "area_id",
            "priority",
            "fiscal_year",
            "source",
            "received_on",
            "status",
            "created_at",
            "updated_at",
        ]);
        for i in start..start + 500 {
            let received = today() - chrono::Days::new(rng.below(3650) as u64);
            // One in ten is still open after ten years of work.
            let status = if i % 10 == 0 { "awaiting_answer" } else { "closed" };
            q.values_panic([
                muni.into(),
                "request".into(),
                format!("課題{i}").into(),
                "本文".into(),
                "道路".into(),
                area.into(),
                "normal".into(),
                kyodo_core::wareki::fiscal_year(received).into(),
                "meeting".into(),
                received.into(),
                status.into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&q).await.expect("issues");
    }
    tx.commit().await.expect("commit");
}

fn wanted(label: &str) -> bool {
    std::env::var("KYODO_BENCH_ONLY").map_or(true, |only| label.contains(&only))
}

async fn run() {
    let backend = kyodo_store::testing::test_backend();
    let staff_n = env_or("KYODO_BENCH_STAFF", 2_000);
    let total = env_or("KYODO_BENCH_ACTIVITIES", 5_000_000);
    let (db, _guard, muni) = common::arao_demo().await;
    let units: Vec<i64> = kyodo_store::areas::all(&db, muni.id, false)
        .await
        .expect("areas")
        .iter()
        .filter(|a| a.level == 0)
        .map(|a| a.id)
        .collect();
    let mut rng = Rng::new(11);
    let started = Instant::now();
    let ids = staff(&db, muni.id, staff_n).await;
    let people: Vec<(i64, i64)> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, units[i % units.len()]))
        .collect();
    activities(&db, muni.id, &people, &muni.scheme.duty_types, total, &mut rng).await;
    let liaison = kyodo_store::accounts::by_login(&db, "arao-liaison")
        .await
        .expect("q")
        .expect("liaison");
    let handover = kyodo_store::handovers::list(
        &db,
        muni.id,
        kyodo_store::handovers::Reach::Party(liaison.staff_id),
        false,
    )
    .await
    .expect("handovers")[0]
        .clone();
    district_history(&db, muni.id, handover.area_id, &mut rng).await;
    // PostgreSQL's autovacuum would have set the visibility map of tables
    // this old (index-only scans need it); a fresh bulk load has not.
    let settle = if backend == "postgres" {
        "VACUUM ANALYZE"
    } else {
        "ANALYZE"
    };
    db.execute_raw(settle).await.expect("analyze");
    println!(
        "[{backend}] generated {staff_n} staff and {total} activities: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let base = common::serve(&db).await;
    let client = reqwest::Client::new();
    let coordinator = common::browser(&base, "arao-coordinator").await;
    let lead = common::browser(&base, "arao-liaison").await;
    let liaison_token = token_for(&db, "arao-liaison").await;

    if wanted("activity entry") {
        let mut samples = Vec::new();
        for i in 0..300 {
            let started = Instant::now();
            let res = client
                .post(format!("{base}/api/v1/activities"))
                .bearer_auth(&liaison_token)
                .json(&serde_json::json!({"duty_type": "運営支援", "minutes": 30 + i % 60, "note": "会議の準備"}))
                .send()
                .await
                .expect("post");
            assert_eq!(res.status(), 201);
            let _ = res.bytes().await;
            samples.push(started.elapsed());
        }
        let (p50, p95) = (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95));
        println!(
            "[{backend}] activity entry (API POST, 300): p50 {} / p95 {}",
            ms(p50),
            ms(p95)
        );
    }
    let cases: Vec<(&str, String, &reqwest::Client)> = vec![
        (
            "workload dashboard (coordinator, all staff)",
            "/workload".into(),
            &coordinator,
        ),
        (
            "workload dashboard, a past 年度",
            "/workload?fiscal_year=2020&month=7".into(),
            &coordinator,
        ),
        ("workload dashboard (team lead)", "/workload".into(), &lead),
        (
            "workload xlsx (coordinator)",
            "/workload/export.xlsx".into(),
            &coordinator,
        ),
        (
            "district report, 年度 (coordinator)",
            format!("/workload/report?area_id={}", handover.area_id),
            &coordinator,
        ),
        (
            "handover dossier page (10 years)",
            format!("/handovers/{}", handover.id),
            &lead,
        ),
    ];
    for (label, path, c) in cases {
        if !wanted(label) {
            continue;
        }
        let url = format!("{base}{path}");
        timed(c, &url, None, 3).await;
        let (p50, p95) = timed(c, &url, None, 40).await;
        println!("[{backend}] {label}: p50 {} / p95 {}", ms(p50), ms(p95));
    }
    if wanted("handover dossier API") {
        let url = format!("{base}/api/v1/handovers/{}", handover.id);
        let (p50, p95) = timed(&client, &url, Some(&liaison_token), 40).await;
        println!("[{backend}] handover dossier API: p50 {} / p95 {}", ms(p50), ms(p95));
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}
