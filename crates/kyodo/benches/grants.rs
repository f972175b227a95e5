//! The block grant's simulation at a city's scale (BENCHMARKS.md): 300
//! bodies, each in its own area with figures for two reference dates, a
//! formula of seven components (one of them a former subsidy listed body by
//! body), last year's scheme beside it. Measures the simulation (API, which
//! recomputes last year too), the scheme's page, and the core's calculation;
//! then, with ten 年度 of settled grants, the year's overview and exports.
//!
//! `cargo bench -p kyodo --bench grants` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL. `KYODO_BENCH_BODIES`
//! changes the size.

mod common;

use std::time::{Duration, Instant};

use common::{ms, percentile, timed, today, token_for};
use kyodo_core::grants::figures::Basis;
use kyodo_core::grants::formula::{Component, Condition, Formula, MergedRule, OrganisationYen, Price};
use kyodo_store::Db;
use sea_query::{Expr, ExprTrait, Query};

#[derive(sqlx::FromRow)]
struct Id {
    id: i64,
}

async fn ids_like(db: &Db, table: &str, prefix: &str) -> Vec<i64> {
    let rows: Vec<Id> = db
        .fetch_all(
            &Query::select()
                .column("id")
                .from(table.to_owned())
                .and_where(Expr::col("code").like(format!("{prefix}%")))
                .order_by("code", sea_query::Order::Asc)
                .to_owned(),
        )
        .await
        .expect("ids");
    rows.into_iter().map(|r| r.id).collect()
}

/// `n` areas under `parent`, each with a body and figures for both dates.
async fn city(db: &Db, muni: i64, parent: i64, n: usize) -> Vec<i64> {
    let now = chrono::Utc::now();
    let mut q = Query::insert();
    q.into_table("areas").columns([
        "municipality_id",
        "parent_id",
        "level",
        "code",
        "name",
        "created_at",
        "updated_at",
    ]);
    for i in 0..n {
        q.values_panic([
            muni.into(),
            parent.into(),
            1.into(),
            format!("G{i:04}").into(),
            format!("第{i}地区").into(),
            now.into(),
            now.into(),
        ]);
    }
    db.execute(&q).await.expect("areas");
    let areas = ids_like(db, "areas", "G").await;
    let fy = kyodo_core::wareki::fiscal_year(today());
    let mut q = Query::insert();
    q.into_table("area_figures").columns([
        "municipality_id",
        "area_id",
        "as_of",
        "population",
        "households",
        "area_centi_km2",
        "elderly",
        "updated_at",
    ]);
    for (i, area) in areas.iter().enumerate() {
        let people = 300 + (i as i64 * 7919) % 2_700;
        for as_of in kyodo_core::demo::grants::reference_dates(fy) {
            q.values_panic([
                muni.into(),
                (*area).into(),
                as_of.into(),
                people.into(),
                (people * 10 / 24).into(),
                (500 + (i as i64 * 31) % 5_000).into(),
                (people * 4 / 10).into(),
                now.into(),
            ]);
        }
    }
    db.execute(&q).await.expect("figures");
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
    for (i, area) in areas.iter().enumerate() {
        q.values_panic([
            muni.into(),
            format!("G{i:04}").into(),
            format!("第{i}地区協議会").into(),
            "地区協議会".into(),
            (*area).into(),
            now.into(),
            now.into(),
        ]);
    }
    db.execute(&q).await.expect("bodies");
    ids_like(db, "organisations", "G").await
}

fn formula(bodies: &[i64]) -> Formula {
    let mut f = kyodo_core::demo::grants::formula("niimi", bodies);
    f.components.push(Component::PerUnit {
        name: "面積割".into(),
        basis: Basis::Area,
        price: Price::Fixed { yen: 20_000 },
    });
    f.components.push(Component::Merged {
        name: "環境美化補助".into(),
        rule: MergedRule::PerOrganisation {
            amounts: bodies
                .iter()
                .map(|id| OrganisationYen {
                    organisation_id: *id,
                    yen: 30_000 + id % 7 * 1_000,
                })
                .collect(),
        },
    });
    f.components.push(Component::Addition {
        name: "高齢化加算".into(),
        yen: 200_000,
        condition: Condition::ElderlyRateAtLeast { permille: 400 },
    });
    f.budget_yen = Some(2_000_000_000);
    f
}

#[tokio::main]
async fn main() {
    let backend = std::env::var("KYODO_TEST_DATABASE").unwrap_or_else(|_| "sqlite".into());
    let n: usize = std::env::var("KYODO_BENCH_BODIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let (db, _guard, muni) = common::arao_demo().await;
    let parent = common::area_id(&db, muni.id, "A01").await;
    let bodies = city(&db, muni.id, parent, n).await;
    let formula = formula(&bodies);
    let schemes = kyodo_store::grants::schemes::list(&db, muni.id).await.expect("schemes");
    let actor = kyodo_store::audit::Actor::command_line(muni.id);
    for s in &schemes {
        let input = kyodo_core::grants::schemes::GrantSchemeInput {
            fiscal_year: s.fiscal_year,
            name: s.name.clone(),
            reference_date: s.reference_date,
            note: None,
        };
        kyodo_store::grants::schemes::update(
            &db,
            &actor,
            s.id,
            s.version,
            kyodo_store::grants::schemes::SchemeContent {
                input: &input,
                formula: &formula,
                staffed: &bodies[..bodies.len() / 3],
                rules: &kyodo_core::grants::rules::ProcedureRules::default(),
            },
        )
        .await
        .expect("formula");
    }
    if backend == "postgres" {
        db.execute_raw("VACUUM ANALYZE").await.expect("vacuum");
    } else {
        db.execute_raw("ANALYZE").await.expect("analyze");
    }
    let fy = kyodo_core::wareki::fiscal_year(today());
    let scheme = schemes
        .iter()
        .find(|s| s.fiscal_year == fy)
        .expect("this year's scheme");

    // The core alone: the formula over every recipient.
    let settings = &muni.scheme;
    let recipients = kyodo_store::grants::schemes::recipients(&db, settings, scheme, &bodies, &Default::default())
        .await
        .expect("recipients");
    assert!(recipients.len() >= n, "every body is a recipient");
    let mut samples: Vec<Duration> = (0..200)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(formula.calculate(std::hint::black_box(&recipients)));
            started.elapsed()
        })
        .collect();
    println!(
        "[{backend}] core calculation, {} bodies × {} components: p50 {} / p95 {}",
        recipients.len(),
        formula.components.len(),
        ms(percentile(&mut samples, 0.5)),
        ms(percentile(&mut samples, 0.95))
    );

    let base = common::serve(&db).await;
    let token = token_for(&db, "arao-coordinator").await;
    let api = reqwest::Client::new();
    let url = format!("{base}/api/v1/grant-schemes/{}/simulate", scheme.id);
    let mut samples = Vec::new();
    for i in 0..33 {
        let started = Instant::now();
        let res = api
            .post(&url)
            .bearer_auth(&token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("simulate");
        assert_eq!(res.status(), 200);
        let _ = res.bytes().await.expect("body");
        if i >= 3 {
            samples.push(started.elapsed());
        }
    }
    println!(
        "[{backend}] simulation API (this year and last, {} bodies): p50 {} / p95 {}",
        recipients.len(),
        ms(percentile(&mut samples, 0.5)),
        ms(percentile(&mut samples, 0.95))
    );
    let coordinator = common::browser(&base, "arao-coordinator").await;
    let page = format!("{base}/grants/schemes/{}", scheme.id);
    timed(&coordinator, &page, None, 3).await;
    let (p50, p95) = timed(&coordinator, &page, None, 30).await;
    println!(
        "[{backend}] scheme page with its calculation: p50 {} / p95 {}",
        ms(p50),
        ms(p95)
    );

    // Ten 年度 of grants, every past one settled: the year's overview and
    // its financial export read one year, whatever the history.
    history(&db, muni.id, &schemes, &bodies, fy).await;
    if backend == "postgres" {
        db.execute_raw("VACUUM ANALYZE").await.expect("vacuum");
    } else {
        db.execute_raw("ANALYZE").await.expect("analyze");
    }
    let overview = format!("{base}/grants/overview?fiscal_year={}", fy - 1);
    timed(&coordinator, &overview, None, 3).await;
    let (p50, p95) = timed(&coordinator, &overview, None, 30).await;
    println!(
        "[{backend}] 年度 overview of {} grants (10 年度 kept): p50 {} / p95 {}",
        bodies.len(),
        ms(p50),
        ms(p95)
    );
    let csv = format!("{base}/grants/payments.csv?fiscal_year={}", fy - 1);
    let (p50, p95) = timed(&coordinator, &csv, None, 10).await;
    println!(
        "[{backend}] financial export (CP932, a year's payments): p50 {} / p95 {}",
        ms(p50),
        ms(p95)
    );
    let xlsx = format!("{base}/grants/overview.xlsx?fiscal_year={}", fy - 1);
    let (p50, p95) = timed(&coordinator, &xlsx, None, 10).await;
    println!("[{backend}] overview xlsx: p50 {} / p95 {}", ms(p50), ms(p95));
}

/// Every body's grant for ten 年度 up to last year, settled: applied,
/// decided, paid in two installments, reported, fixed, refunded.
async fn history(db: &Db, muni: i64, schemes: &[kyodo_core::grants::schemes::GrantScheme], bodies: &[i64], fy: i32) {
    use kyodo_core::grants::procedure::GrantAction as A;
    let scheme = schemes[0].id;
    let now = chrono::Utc::now();
    // Rows go in chunks: SQLite binds at most 32,766 values a statement.
    for chunk in bodies.chunks(200) {
        let mut q = Query::insert();
        q.into_table("grants").columns([
            "municipality_id",
            "organisation_id",
            "scheme_id",
            "fiscal_year",
            "status",
            "requested",
            "decided",
            "fixed",
            "paid",
            "refunded",
            "created_at",
            "updated_at",
        ]);
        for body in chunk {
            for year in fy - 10..fy {
                let amount = 2_000_000 + body % 13 * 10_000;
                q.values_panic([
                    muni.into(),
                    (*body).into(),
                    scheme.into(),
                    year.into(),
                    "settled".into(),
                    amount.into(),
                    amount.into(),
                    (amount - 50_000).into(),
                    amount.into(),
                    50_000.into(),
                    now.into(),
                    now.into(),
                ]);
            }
        }
        db.execute(&q).await.expect("grants");
    }
    let grants: Vec<(i64, i32)> = db
        .fetch_all(
            &Query::select()
                .columns(["id", "fiscal_year"])
                .from("grants")
                .and_where(Expr::col("municipality_id").eq(muni))
                .to_owned(),
        )
        .await
        .expect("grant ids");
    let steps = [
        (A::Apply, 4, 10),
        (A::Decide, 4, 25),
        (A::Pay, 4, 28),
        (A::Pay, 10, 28),
        (A::Report, 4, 15),
        (A::Fix, 5, 10),
        (A::Refund, 5, 31),
    ];
    for chunk in grants.chunks(400) {
        let mut q = Query::insert();
        q.into_table("grant_steps").columns([
            "municipality_id",
            "grant_id",
            "action",
            "on_date",
            "amount",
            "number",
            "created_at",
        ]);
        for (id, year) in chunk {
            for (i, (action, month, day)) in steps.iter().enumerate() {
                let y = if i >= 4 { year + 1 } else { *year };
                q.values_panic([
                    muni.into(),
                    (*id).into(),
                    action.key().into(),
                    chrono::NaiveDate::from_ymd_opt(y, *month, *day).expect("a day").into(),
                    Some(1_000_000i64).into(),
                    Some(format!("支{id}-{i}")).into(),
                    now.into(),
                ]);
            }
        }
        db.execute(&q).await.expect("steps");
    }
}
