//! The shared library of case studies (他の自治体の事例) at a network's
//! scale (BENCHMARKS.md): the arao and niimi demos, then niimi shares
//! 2,000 cases (a prefecture's network: ~40 municipalities, ~50 cases each)
//! and then 20,000. At each size: the lookup an issue's page runs on every
//! staff view (`shared_like`), a search of the shared library, and arao's
//! issue page over HTTP, which carries both similar issues and shared cases.
//!
//! `cargo bench -p kyodo --bench case_studies` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL.

mod common;

use common::{add_demo, arao_demo, browser, ms, percentile, timed, today};
use kyodo_core::demo::Rng;
use sea_query::{Expr, ExprTrait, Query};
use std::time::{Duration, Instant};

const THEMES: [&str; 8] = [
    "防災",
    "交通安全",
    "高齢者の見守り",
    "子育て支援",
    "環境美化",
    "空き家対策",
    "地域交通",
    "公民館活動",
];
const PLACES: [&str; 8] = [
    "通学路",
    "避難所",
    "集会所",
    "公園",
    "市道",
    "河川敷",
    "バス停",
    "商店街",
];
const PROBLEMS: [&str; 8] = [
    "が暗く夜の通行が不安だった",
    "の草が伸びて見通しが悪かった",
    "に不法投棄が続いていた",
    "までの道に段差が多かった",
    "の利用者が減っていた",
    "で高齢者の転倒が相次いだ",
    "の清掃を担う人が足りなかった",
    "の情報が住民に届いていなかった",
];
const ACTIONS: [&str; 6] = [
    "自治会が点検の日を決めて歩いた",
    "地区協議会が部会をつくって話し合った",
    "民生委員と見守りの当番表をつくった",
    "子ども会と一緒に清掃活動を始めた",
    "自主防災会が夜間の避難訓練を企画した",
    "老人クラブが声かけの訪問を始めた",
];

async fn share(db: &kyodo_store::Db, muni: i64, area: i64, n: usize, rng: &mut Rng) {
    let now = chrono::Utc::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut q = Query::insert();
        q.into_table("case_studies").columns([
            "municipality_id",
            "area_id",
            "title",
            "theme",
            "problem",
            "community_action",
            "city_action",
            "result",
            "roles",
            "names_consented",
            "published",
            "published_on",
            "shared",
            "search_tokens",
            "version",
            "created_at",
            "updated_at",
        ]);
        for _ in chunk {
            let theme = *rng.pick(&THEMES);
            let place = *rng.pick(&PLACES);
            let problem = format!("{place}{}", rng.pick(&PROBLEMS));
            let action = (*rng.pick(&ACTIONS)).to_owned();
            let title = format!("{place}の{theme}：{}", &action);
            let city = format!("市の担当課が{place}を調べ、必要な工事と周知を行った。");
            let result = "参加者が増え、住民から安心したという声が寄せられた。".to_owned();
            let texts = [&*title, theme, &*problem, &*action, &*city, &*result];
            // As the store writes a shared case: its own tokens and the shared library's.
            let tokens = format!(
                "{} {}",
                kyodo_core::search::index_tokens(muni, &texts),
                kyodo_core::search::index_tokens(0, &texts)
            );
            q.values_panic([
                muni.into(),
                area.into(),
                title.into(),
                theme.into(),
                problem.into(),
                action.into(),
                city.into(),
                result.into(),
                "自治会長、民生委員、地域担当職員".into(),
                false.into(),
                true.into(),
                today().into(),
                true.into(),
                tokens.into(),
                1i64.into(),
                now.into(),
                now.into(),
            ]);
        }
        db.execute(&q).await.expect("cases");
    }
}

fn quantiles(mut samples: Vec<Duration>) -> String {
    format!(
        "p50 {} p95 {}",
        ms(percentile(&mut samples, 0.5)),
        ms(percentile(&mut samples, 0.95))
    )
}

async fn run() {
    let (db, _guard, arao) = arao_demo().await;
    let niimi = add_demo(&db, "niimi", "332101").await;
    let niimi_area = kyodo_store::areas::all(&db, niimi.id, false).await.expect("areas")[1].id;
    let base = common::serve(&db).await;
    let coordinator = browser(&base, "arao-coordinator").await;
    // The newest of arao's issues: open, so its page looks for similar ones.
    let issue = db
        .fetch_i64(
            &Query::select()
                .expr(Expr::col("id").max())
                .from("issues")
                .and_where(Expr::col("municipality_id").eq(arao.id))
                .to_owned(),
        )
        .await
        .expect("an issue");
    // What issues' pages look up: their title and category.
    let texts = [
        "夜間の避難路に街路灯を 防災",
        "通学路の草刈りをお願いしたい 環境美化",
        "バス停までの段差 地域交通",
        "集会所の利用者が減っている 公民館活動",
        "高齢者の見守り当番 高齢者の見守り",
    ];
    let mut rng = Rng::new(18);
    let mut shared = 0;
    for size in [2_000, 20_000] {
        let started = Instant::now();
        share(&db, niimi.id, niimi_area, size - shared, &mut rng).await;
        shared = size;
        println!(
            "{size} shared cases ({:.1} s to write)",
            started.elapsed().as_secs_f64()
        );
        let n = 100;
        let mut like = Vec::new();
        let mut found = 0;
        for i in 0..n {
            let at = Instant::now();
            let cases = kyodo_store::case_studies::shared_like(&db, arao.id, texts[i % texts.len()], 5)
                .await
                .expect("like");
            like.push(at.elapsed());
            found += cases.len();
        }
        let mut search = Vec::new();
        let filter = |q: &str| kyodo_store::case_studies::CaseFilter {
            q: Some(q.into()),
            limit: 200,
            ..Default::default()
        };
        for i in 0..n {
            let words = ["街路灯", "見守り", "避難訓練", "通学路 清掃", "空き家"][i % 5];
            let at = Instant::now();
            kyodo_store::case_studies::shared_with(&db, arao.id, &filter(words))
                .await
                .expect("search");
            search.push(at.elapsed());
        }
        let (p50, p95) = timed(&coordinator, &format!("{base}/issues/{issue}"), None, n).await;
        println!(
            "  issue page's shared lookup: {} ({:.1} cases shown per issue)",
            quantiles(like),
            found as f64 / n as f64
        );
        println!("  shared library search (200 newest): {}", quantiles(search));
        println!(
            "  an issue's page (similar issues + shared cases): p50 {} p95 {}",
            ms(p50),
            ms(p95)
        );
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}
