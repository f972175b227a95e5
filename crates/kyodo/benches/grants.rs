//! The block grant's simulation at a city's scale (BENCHMARKS.md): 300
//! bodies, each in its own area with figures for two reference dates, a
//! formula of seven components (one of them a former subsidy listed body by
//! body), last year's scheme beside it. Measures the simulation (API, which
//! recomputes last year too), the scheme's page, and the core's calculation.
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
}
