//! The issue workflow's numbers (BENCHMARKS.md): filtered lists, the
//! department inbox and Japanese search over 200,000 issues in one SQLite
//! city (or 1,000,000 across 100 municipalities on PostgreSQL), then 200
//! simulated users for 60 s with mixed reads and writes, in process and
//! against one and then two `kyodo serve` processes on the same database
//! (their own CPU and memory, apart from the clients').
//!
//! `cargo bench -p kyodo --bench issues` (SQLite); add
//! `KYODO_TEST_DATABASE=postgres` for PostgreSQL. `KYODO_BENCH_ISSUES`,
//! `KYODO_BENCH_MUNICIPALITIES`, `KYODO_BENCH_USERS`, `KYODO_BENCH_SECONDS`
//! and `KYODO_BENCH_THINK_MS` (a user's pause between requests) change the sizes;
//! `KYODO_BENCH_ONLY` runs only the cases whose label contains it;
//! `KYODO_BENCH_HOLD=1` keeps the database until Enter, to read its plans.

mod common;

use common::{ms, percentile, timed, today, token_for};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kyodo_core::demo::Rng;
use kyodo_core::search::{Scope, scope_token};
use kyodo_store::Db;
use sea_query::{Expr, ExprTrait, Query};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const PLACES: [&str; 12] = [
    "公民館前",
    "通学路",
    "県道との交差点",
    "児童公園",
    "駅前",
    "集会所の裏",
    "小学校の正門前",
    "市営住宅",
    "農業用水路",
    "バス停",
    "神社の参道",
    "商店街",
];
const SUBJECTS: [(&str, &str); 14] = [
    ("街灯が切れている", "防犯"),
    ("側溝の蓋ががたつく", "道路"),
    ("カーブミラーがほしい", "交通"),
    ("防災倉庫の備品を見直したい", "防災"),
    ("草が伸びている", "環境整備"),
    ("ごみが散乱している", "環境整備"),
    ("道路が陥没している", "道路"),
    ("見守りの担い手が足りない", "高齢者見守り"),
    ("子どもの居場所がほしい", "子育て"),
    ("避難所の看板が読めない", "防災"),
    ("ベンチを置いてほしい", "交通"),
    ("トイレを洋式にしてほしい", "公共施設"),
    ("空き家の瓦が落ちそう", "防犯"),
    ("水路に泥がたまっている", "道路"),
];
const DETAILS: [&str; 8] = [
    "夜は真っ暗で、下校時の子どもが心配です。",
    "雨のたびに水たまりができ、高齢者が歩きにくい。",
    "役員会で何度も話題になっています。",
    "車が通るたびに大きな音がします。",
    "地区としても草刈りや見回りに協力できます。",
    "以前にも要望しましたが、改善されていません。",
    "防災訓練のときに気づきました。",
    "近所の方から相談を受けました。",
];
const STATUSES: [&str; 8] = [
    "received",
    "sorted",
    "drafted",
    "reviewed",
    "awaiting_answer",
    "to_report",
    "reported",
    "closed",
];

/// Inserts `n` issues into municipality `muni` (areas, departments given),
/// in batches, with routes for those past the decision.
async fn generate(db: &Db, muni: i64, areas: &[i64], departments: &[i64], n: usize, rng: &mut Rng) {
    let now = chrono::Utc::now();
    let mut tx = db.begin().await.expect("tx");
    let batch = 500;
    let mut routed: Vec<(usize, &'static str, chrono::NaiveDate, i64)> = Vec::new();
    for start in (0..n).step_by(batch) {
        let mut insert = Query::insert();
        insert.into_table("issues").columns([
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
            "responsibility",
            "answer_due_on",
            "search_text",
            "created_at",
            "updated_at",
        ]);
        for i in start..(start + batch).min(n) {
            let (subject, category) = *rng.pick(&SUBJECTS);
            let place = *rng.pick(&PLACES);
            let title = format!("{place}の{subject}");
            let body = format!("{}{}", rng.pick(&DETAILS), rng.pick(&DETAILS));
            // Ten 年度 deep, and as a city's: what came in over a year ago is
            // closed but for 1 in 100, over three months ago but for 1 in 10,
            // and the last three months are anywhere in the workflow. About
            // 7,500 open in 200,000: a few hundred per department.
            let age = rng.below(10 * 365);
            let received = today() - chrono::Days::new(age as u64);
            let still_open = match age {
                0..=90 => true,
                91..=365 => rng.below(10) == 0,
                _ => rng.below(100) == 0,
            };
            let status = if still_open {
                STATUSES[rng.below(STATUSES.len())]
            } else {
                "closed"
            };
            let past_decision = matches!(status, "awaiting_answer" | "to_report" | "reported" | "closed");
            let due = received + chrono::Days::new(34);
            let area = *rng.pick(areas);
            // What the store files an issue under, as it would (kyodo_store::issues).
            let mut tokens = kyodo_core::search::index_tokens(muni, &[&title, &body]);
            tokens.push(' ');
            tokens.push_str(&scope_token(muni, Scope::Area, area));
            if past_decision && !departments.is_empty() {
                // Skewed as a city's are: the first (土木課) takes the most, a long tail the rest.
                let u = rng.below(1_000_000) as f64 / 1_000_000.0;
                let department = departments[(departments.len() as f64 * u.powi(3)) as usize];
                routed.push((i, status, due, department));
                tokens.push(' ');
                tokens.push_str(&scope_token(muni, Scope::Department, department));
            }
            insert.values_panic([
                muni.into(),
                ["issue", "request", "proposal"][i % 3].into(),
                title.into(),
                body.into(),
                category.into(),
                area.into(),
                ["high", "normal", "low"][i % 3].into(),
                kyodo_core::wareki::fiscal_year(received).into(),
                "meeting".into(),
                received.into(),
                status.into(),
                (if past_decision { Some("city") } else { None }).into(),
                (if status == "awaiting_answer" { Some(due) } else { None }).into(),
                tokens.into(),
                now.into(),
                now.into(),
            ]);
        }
        tx.execute(&insert).await.expect("insert issues");
    }
    tx.commit().await.expect("commit");
    // Routes for issues past the decision, by their ids in insertion order.
    #[derive(sqlx::FromRow)]
    struct Id {
        id: i64,
    }
    let ids: Vec<i64> = db
        .fetch_all::<Id>(
            &Query::select()
                .column("id")
                .from("issues")
                .and_where(Expr::col("municipality_id").eq(muni))
                .order_by("id", sea_query::Order::Desc)
                .limit(n as u64)
                .to_owned(),
        )
        .await
        .expect("ids")
        .into_iter()
        .rev()
        .map(|r| r.id)
        .collect();
    let mut tx = db.begin().await.expect("tx");
    for chunk in routed.chunks(batch) {
        let mut insert = Query::insert();
        insert.into_table("issue_routes").columns([
            "municipality_id",
            "issue_id",
            "department_id",
            "routed_at",
            "due_on",
            "answered_at",
            "first_answered_at",
            "first_answer_days",
            "created_at",
        ]);
        for (i, status, due, department) in chunk {
            // Routed three weeks before the deadline; answered 0–24 days later.
            let routed = kyodo_core::wareki::jst_start_of(*due) - chrono::Duration::days(21);
            let answered = (*status != "awaiting_answer").then(|| routed + chrono::Duration::days((*i % 25) as i64));
            insert.values_panic([
                muni.into(),
                ids[*i].into(),
                (*department).into(),
                routed.into(),
                (*due).into(),
                answered.into(),
                answered.into(),
                answered
                    .map(|a| kyodo_core::issues::stats::answer_days(routed, a))
                    .into(),
                now.into(),
            ]);
        }
        tx.execute(&insert).await.expect("insert routes");
    }
    tx.commit().await.expect("commit");
}

/// `users` tasks for `seconds`: mostly reads (lists, searches, a record), one
/// in ten a write. Each user waits `think_ms` on average (uniformly 0.5–1.5×)
/// between requests, as people do; 0 makes it a closed-loop stress test.
/// Users are spread over `bases` (several servers, as behind a proxy).
/// Returns how many requests were made.
async fn load(
    bases: &[String],
    tokens: &[String],
    issue_ids: &[i64],
    area: i64,
    users: usize,
    seconds: u64,
    think_ms: u64,
) -> usize {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(users)
        .build()
        .expect("client");
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for u in 0..users {
        let client = client.clone();
        let base = bases[u % bases.len()].clone();
        let token = tokens[u % tokens.len()].clone();
        let ids = issue_ids.to_vec();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng::new(u as u64 + 1);
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                if think_ms > 0 {
                    let wait = think_ms / 2 + rng.below(think_ms as usize + 1) as u64;
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
                let started = Instant::now();
                let pick = rng.below(10);
                let res = match pick {
                    0..=2 => {
                        client
                            .get(format!("{base}/api/v1/issues?open=true"))
                            .bearer_auth(&token)
                            .send()
                            .await
                    }
                    3..=4 => {
                        let (subject, _) = *rng.pick(&SUBJECTS);
                        let word: String = subject.chars().take(2).collect();
                        client
                            .get(format!("{base}/api/v1/issues"))
                            .query(&[("q", word)])
                            .bearer_auth(&token)
                            .send()
                            .await
                    }
                    5..=7 => {
                        let id = *rng.pick(&ids);
                        client
                            .get(format!("{base}/api/v1/issues/{id}"))
                            .bearer_auth(&token)
                            .send()
                            .await
                    }
                    _ => {
                        client
                            .post(format!("{base}/api/v1/issues"))
                            .bearer_auth(&token)
                            .json(&serde_json::json!({
                                "kind": "request", "title": "負荷試験の要望", "body": "街灯が暗い",
                                "category": "防犯", "area_id": area
                            }))
                            .send()
                            .await
                    }
                };
                match res {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                samples.push(started.elapsed());
            }
            samples
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let count = all.len();
    println!(
        "load: {users} users × {seconds} s, think time {think_ms} ms: {count} requests ({:.0}/s), errors {}, p50 {}, p95 {}, p99 {}",
        count as f64 / seconds as f64,
        errors.load(Ordering::Relaxed),
        ms(percentile(&mut all, 0.5)),
        ms(percentile(&mut all, 0.95)),
        ms(percentile(&mut all, 0.99)),
    );
    count
}

async fn run() {
    let backend = kyodo_store::testing::test_backend();
    let postgres = backend == "postgres";
    let municipalities = env_or("KYODO_BENCH_MUNICIPALITIES", if postgres { 100 } else { 1 });
    let total = env_or("KYODO_BENCH_ISSUES", if postgres { 1_000_000 } else { 200_000 });
    let (db, guard, muni) = common::arao_demo().await;
    let areas: Vec<i64> = kyodo_store::areas::all(&db, muni.id, false)
        .await
        .expect("areas")
        .iter()
        .map(|a| a.id)
        .collect();
    let mut departments: Vec<(i64, String)> = kyodo_store::departments::all(&db, muni.id)
        .await
        .expect("departments")
        .iter()
        .map(|d| (d.id, d.name.clone()))
        .collect();
    // 土木課 (the demo department account's) first: the busiest, the one measured.
    departments.sort_by_key(|(_, name)| name != "土木課");
    let departments: Vec<i64> = departments.into_iter().map(|(id, _)| id).collect();
    let mut rng = Rng::new(7);
    let started = Instant::now();
    let per = total / municipalities;
    generate(&db, muni.id, &areas, &departments, per, &mut rng).await;
    // The other tenants share the tables (and the search index) with their own areas.
    for m in 1..municipalities {
        // Codes with a valid check digit (検査数字), none of them a real city's concern here.
        let code = (0..10)
            .map(|c| format!("47{m:03}{c}"))
            .find(|c| kyodo_core::municipalities::valid_code(c))
            .expect("one check digit fits");
        let other = kyodo_store::municipalities::create(&db, &code, &format!("市{m}"), &muni.scheme)
            .await
            .expect("municipality");
        let actor = kyodo_store::audit::Actor::command_line(other.id);
        let mut other_areas = Vec::new();
        for a in 0..5 {
            let input = kyodo_core::areas::AreaInput {
                code: format!("B{a}"),
                name: format!("地区{a}"),
                name_kana: None,
                parent_id: None,
                note: None,
            };
            other_areas.push(
                kyodo_store::areas::create(&db, &actor, 1, &input)
                    .await
                    .expect("area")
                    .area
                    .id,
            );
        }
        generate(&db, other.id, &other_areas, &[], per, &mut rng).await;
    }
    // The issues and routes went in around the store: fill the departments'
    // kept lists and the dashboard's kept counts from them, once for all
    // municipalities (each rebuild replaces every row).
    kyodo_store::issues::department_index::rebuild(&db)
        .await
        .expect("department lists");
    kyodo_store::issues::dashboard_cells::rebuild(&db)
        .await
        .expect("dashboard counts");
    // As autovacuum would leave them in a running city (it may be off on a
    // bench machine): no dead rows from the rebuild, the visibility map set
    // for index-only scans, and statistics.
    let settle = if postgres { "VACUUM ANALYZE" } else { "ANALYZE" };
    db.execute_raw(settle).await.expect("vacuum and analyze");
    println!(
        "[{backend}] generated {} issues in {municipalities} municipalities: {:.1} s",
        per * municipalities,
        started.elapsed().as_secs_f64()
    );

    let base = common::serve(&db).await;
    let client = reqwest::Client::new();
    let coordinator = token_for(&db, "arao-coordinator").await;
    let liaison = token_for(&db, "arao-liaison").await;
    let department = token_for(&db, "arao-department").await;
    let enc = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    let cases: Vec<(&str, String, &String)> = vec![
        ("list, newest first (coordinator)", "/issues".into(), &coordinator),
        (
            "filtered: status + category + 年度",
            format!(
                "/issues?status=awaiting_answer&category={}&fiscal_year=2026",
                enc("道路")
            ),
            &coordinator,
        ),
        ("overdue answers", "/issues?overdue=true".into(), &coordinator),
        ("liaison's districts", "/issues?open=true".into(), &liaison),
        ("department inbox (pending)", "/issues?pending=true".into(), &department),
        ("department list (all its issues)", "/issues".into(), &department),
        ("search 街灯", format!("/issues?q={}", enc("街灯")), &coordinator),
        ("search 側溝", format!("/issues?q={}", enc("側溝")), &coordinator),
        ("search 防災 (liaison)", format!("/issues?q={}", enc("防災")), &liaison),
        (
            "search かーぶみらー",
            format!("/issues?q={}", enc("かーぶみらー")),
            &coordinator,
        ),
        (
            "search two words",
            format!("/issues?q={}", enc("通学路 街灯")),
            &coordinator,
        ),
        (
            "dashboard (coordinator, whole city)",
            "/issues/dashboard?fiscal_year=2026".into(),
            &coordinator,
        ),
        (
            "dashboard (department)",
            "/issues/dashboard?fiscal_year=2026".into(),
            &department,
        ),
        (
            "progress answers owed",
            "/issues?progress_due=true".into(),
            &coordinator,
        ),
        (
            "similar issues",
            format!("/issues/similar?text={}", enc("公民館前の街灯が切れている")),
            &coordinator,
        ),
    ];
    // `KYODO_BENCH_ONLY=dashboard` times the matching cases and skips the load test.
    let only = std::env::var("KYODO_BENCH_ONLY").ok();
    for (label, path, token) in &cases {
        if only.as_deref().is_some_and(|o| !label.contains(o)) {
            continue;
        }
        let (p50, p95) = timed(&client, &format!("{base}/api/v1{path}"), Some(token.as_str()), 200).await;
        println!("[{backend}] {label} — /api/v1{path}: p50 {}, p95 {}", ms(p50), ms(p95));
    }
    // Each page under load beside `/healthz` (`KYODO_BENCH_CONNECTIONS=0` skips it).
    let connections = env_or("KYODO_BENCH_CONNECTIONS", 64);
    if connections > 0 {
        let saturated: Vec<(&str, String, &str)> = cases
            .iter()
            .filter(|(label, _, _)| only.as_deref().is_none_or(|o| label.contains(o)))
            .map(|(label, path, token)| (*label, format!("/api/v1{path}"), token.as_str()))
            .collect();
        common::saturation_table(&base, &backend, &saturated, connections).await;
    }
    println!("[{backend}] RSS after the pages: {:.0} MB", common::rss_mb());
    if only.is_some() {
        common::hold(&guard.url).await;
        return;
    }
    let sample: Vec<i64> = kyodo_store::issues::list(
        &db,
        muni.id,
        &kyodo_store::issues::Reach::All,
        // In the demo liaison's district, so that every simulated user may read them.
        &kyodo_core::issues::IssueQuery {
            per_page: Some(500),
            area_id: Some(areas[0]),
            ..Default::default()
        },
        today(),
    )
    .await
    .expect("sample")
    .items
    .iter()
    .map(|r| r.issue.id)
    .collect();
    let users = env_or("KYODO_BENCH_USERS", 200);
    let seconds = env_or("KYODO_BENCH_SECONDS", 60) as u64;
    let tokens = [coordinator.clone(), liaison.clone()];
    let think = env_or("KYODO_BENCH_THINK_MS", 2000) as u64;
    let in_process = [base.clone()];
    print!("[{backend}] ");
    load(&in_process, &tokens, &sample, areas[0], users, seconds, think).await;
    print!("[{backend}] ");
    load(&in_process, &tokens, &sample, areas[0], users, seconds / 2, 0).await;
    println!(
        "[{backend}] RSS after the mix (server and clients): {:.0} MB",
        common::rss_mb()
    );

    // The same mix against `kyodo serve` processes: one, then two on the
    // one database (users alternating between them, as behind a proxy).
    let mut servers = vec![common::ServerProcess::start(&guard.url).await];
    for round in 1..=2 {
        if round == 2 {
            servers.push(common::ServerProcess::start(&guard.url).await);
        }
        let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
        let label = format!("[{backend}, {round} server process(es)]");
        print!("{label} ");
        load(&bases, &tokens, &sample, areas[0], users, seconds / 2, think).await;
        let cpu_before: Duration = servers.iter().map(common::ServerProcess::cpu_time).sum();
        print!("{label} ");
        let requests = load(&bases, &tokens, &sample, areas[0], users, seconds / 2, 0).await;
        let cpu: Duration = servers.iter().map(common::ServerProcess::cpu_time).sum::<Duration>() - cpu_before;
        let rss: Vec<String> = servers.iter().map(|s| format!("{:.0} MB", s.rss_mb())).collect();
        println!(
            "{label} server CPU {} per request in the stress run; RSS after the mix: {}",
            ms(cpu / u32::try_from(requests.max(1)).unwrap_or(u32::MAX)),
            rss.join(", ")
        );
    }
    drop(servers);
    common::hold(&guard.url).await;
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
