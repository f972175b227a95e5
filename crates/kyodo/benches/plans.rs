//! Plans at a city's scale (BENCHMARKS.md): 300 bodies, ten 年度 of 年度計画
//! with 20 projects each (60,000 projects) and two 将来計画 each. Measures the
//! coordinator's 年度 summary across all bodies (page, API, xlsx) and one
//! plan's page.
//!
//! `cargo bench -p kyodo --bench plans` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL. `KYODO_BENCH_BODIES`,
//! `KYODO_BENCH_YEARS` and `KYODO_BENCH_PROJECTS` change the sizes.

mod common;

use common::{ms, timed, today, token_for};
use std::time::Instant;

use kyodo_core::plans::PlanKind;
use kyodo_core::plans::projects::{Budget, BudgetLine, FundingSource};
use kyodo_store::Db;
use sea_query::{Expr, ExprTrait, Query};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const THEMES: [&str; 6] = ["地域づくり", "防犯", "交通安全", "防災", "福祉", "子育て"];

/// Inserts `n` bodies in the demo's first district; returns their ids.
async fn bodies(db: &Db, muni: i64, area: i64, n: usize) -> Vec<i64> {
    let now = chrono::Utc::now();
    let mut q = Query::insert();
    q.into_table("organisations").columns([
        "municipality_id",
        "code",
        "name",
        "kind",
        "area_id",
        "created_at",
        "updated_at",
    ]);
    for i in 0..n {
        q.values_panic([
            muni.into(),
            format!("B{i:04}").into(),
            format!("第{i}まちづくり協議会").into(),
            "地区協議会".into(),
            area.into(),
            now.into(),
            now.into(),
        ]);
    }
    db.execute(&q).await.expect("bodies");
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let ids: Vec<Id> = db
        .fetch_all(
            &Query::select()
                .column("id")
                .from("organisations")
                .and_where(Expr::col("code").like("B%"))
                .and_where(Expr::col("municipality_id").eq(muni))
                .to_owned(),
        )
        .await
        .expect("ids");
    ids.into_iter().map(|r| r.id).collect()
}

/// Ten 年度 of plans per body: a 将来計画 per five years (adopted, with its
/// 分野) and a 年度計画 per year with `projects` projects, most done.
async fn plans(db: &Db, muni: i64, bodies: &[i64], years: i32, projects: usize) {
    let now = chrono::Utc::now();
    let last = kyodo_core::wareki::fiscal_year(today());
    let first = last - years + 1;
    let themes =
        serde_json::json!({"sections": [{"key": "vision", "text": "つながる地域"}], "themes": THEMES}).to_string();
    let policy =
        serde_json::json!({"sections": [{"key": "policy", "text": "福祉と防災を重点に"}], "themes": []}).to_string();
    let mut tx = db.begin().await.expect("tx");
    for chunk in bodies.chunks(50) {
        let mut q = Query::insert();
        q.into_table("plans").columns([
            "municipality_id",
            "organisation_id",
            "kind",
            "title",
            "first_year",
            "last_year",
            "text",
            "adopted_on",
            "adopted_by",
            "created_at",
            "updated_at",
        ]);
        for body in chunk {
            for start in (first..=last).step_by(5) {
                q.values_panic([
                    muni.into(),
                    (*body).into(),
                    PlanKind::Future.key().into(),
                    "地域の将来計画".into(),
                    start.into(),
                    (start + 4).into(),
                    themes.clone().into(),
                    kyodo_core::wareki::fiscal_year_start(start).into(),
                    "総会".into(),
                    now.into(),
                    now.into(),
                ]);
            }
            for year in first..=last {
                q.values_panic([
                    muni.into(),
                    (*body).into(),
                    PlanKind::Annual.key().into(),
                    format!("{}事業計画", kyodo_core::wareki::format_fiscal_year(year)).into(),
                    year.into(),
                    year.into(),
                    policy.clone().into(),
                    kyodo_core::wareki::fiscal_year_start(year).into(),
                    "総会".into(),
                    now.into(),
                    now.into(),
                ]);
            }
        }
        tx.execute(&q).await.expect("plans");
    }
    #[derive(sqlx::FromRow)]
    struct Annual {
        id: i64,
        first_year: i32,
    }
    let annual: Vec<Annual> = tx
        .fetch_all(
            &Query::select()
                .columns(["id", "first_year"])
                .from("plans")
                .and_where(Expr::col("municipality_id").eq(muni))
                .and_where(Expr::col("kind").eq(PlanKind::Annual.key()))
                .to_owned(),
        )
        .await
        .expect("annual");
    let budget = |n: usize| {
        Budget(vec![
            BudgetLine {
                item: "消耗品費".into(),
                source: FundingSource::Grant,
                amount: 10_000 * (1 + (n % 7) as i64),
                actual: Some(9_000 * (1 + (n % 7) as i64)),
            },
            BudgetLine {
                item: "報償費".into(),
                source: FundingSource::Dues,
                amount: 20_000,
                actual: None,
            },
        ])
    };
    for chunk in annual.chunks(100) {
        let mut q = Query::insert();
        q.into_table("plan_projects").columns([
            "municipality_id",
            "plan_id",
            "name",
            "theme",
            "months",
            "responsible",
            "budget",
            "budget_total",
            "grant_total",
            "status",
            "outcome",
            "participants",
            "created_at",
            "updated_at",
        ]);
        for plan in chunk {
            let past = plan.first_year < last;
            for n in 0..projects {
                let b = budget(n);
                q.values_panic([
                    muni.into(),
                    plan.id.into(),
                    format!("事業{n}").into(),
                    // One project in twenty stands under no 分野 of the future plan.
                    (if n % 20 == 19 {
                        "観光"
                    } else {
                        THEMES[n % THEMES.len()]
                    })
                    .into(),
                    "4,5,6".into(),
                    "部会".into(),
                    serde_json::to_string(&b).expect("json").into(),
                    b.total().into(),
                    b.from_source(FundingSource::Grant).into(),
                    (if past { "done" } else { "in_progress" }).into(),
                    (past.then_some("実施した")).into(),
                    (past.then_some(40 + n as i64)).into(),
                    now.into(),
                    now.into(),
                ]);
            }
        }
        tx.execute(&q).await.expect("projects");
    }
    tx.commit().await.expect("commit");
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let backend = std::env::var("KYODO_TEST_DATABASE").unwrap_or_else(|_| "sqlite".into());
    let n_bodies = env_or("KYODO_BENCH_BODIES", 300);
    let years = env_or("KYODO_BENCH_YEARS", 10) as i32;
    let n_projects = env_or("KYODO_BENCH_PROJECTS", 20);
    let (db, _guard, muni) = common::arao_demo().await;
    let area = common::area_id(&db, muni.id, "A01").await;
    let started = Instant::now();
    let ids = bodies(&db, muni.id, area, n_bodies).await;
    plans(&db, muni.id, &ids, years, n_projects).await;
    let total = n_bodies * years as usize * n_projects;
    println!(
        "[{backend}] {n_bodies} bodies × {years} 年度 × {n_projects} projects = {total} projects loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if backend == "postgres" {
        db.execute_raw("VACUUM ANALYZE").await.expect("vacuum");
    } else {
        db.execute_raw("ANALYZE").await.expect("analyze");
    }
    let base = common::serve(&db).await;
    let coordinator = common::browser(&base, "arao-coordinator").await;
    let token = token_for(&db, "arao-coordinator").await;
    let api = reqwest::Client::new();
    let fy = kyodo_core::wareki::fiscal_year(today());
    let one_plan: i64 = {
        #[derive(sqlx::FromRow)]
        struct Id {
            id: i64,
        }
        let rows: Vec<Id> = db
            .fetch_all(
                &Query::select()
                    .column("id")
                    .from("plans")
                    .and_where(Expr::col("organisation_id").eq(ids[ids.len() / 2]))
                    .and_where(Expr::col("kind").eq(PlanKind::Annual.key()))
                    .and_where(Expr::col("first_year").eq(fy))
                    .to_owned(),
            )
            .await
            .expect("plan");
        rows[0].id
    };
    let cases: [(&str, String, bool); 5] = [
        (
            "年度 summary page (all bodies)",
            format!("{base}/plans/summary?fiscal_year={fy}"),
            false,
        ),
        (
            "年度 summary API (all bodies)",
            format!("{base}/api/v1/plans/summary?fiscal_year={fy}"),
            true,
        ),
        ("plan page (20 projects)", format!("{base}/plans/{one_plan}"), false),
        (
            "plan API (20 projects)",
            format!("{base}/api/v1/plans/{one_plan}"),
            true,
        ),
        ("plan list page (年度)", format!("{base}/plans?fiscal_year={fy}"), false),
    ];
    for (label, url, by_token) in &cases {
        let (client, t) = if *by_token {
            (&api, Some(token.as_str()))
        } else {
            (&coordinator, None)
        };
        timed(client, url, t, 3).await;
        let (p50, p95) = timed(client, url, t, 30).await;
        println!("[{backend}] {label}: p50 {} / p95 {}", ms(p50), ms(p95));
    }
    let url = format!("{base}/plans/summary.xlsx?fiscal_year={fy}");
    timed(&coordinator, &url, None, 1).await;
    let (p50, p95) = timed(&coordinator, &url, None, 10).await;
    let size = coordinator
        .get(&url)
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("body")
        .len();
    println!(
        "[{backend}] 年度 summary xlsx ({} rows, {} KB): p50 {} / p95 {}",
        n_bodies * n_projects,
        size / 1024,
        ms(p50),
        ms(p95)
    );
    common::hold(&base).await;
}
