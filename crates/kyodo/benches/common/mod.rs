//! What every benchmark needs: the date its data is for, and percentiles.

#![allow(dead_code)]

use std::time::{Duration, Instant};

pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("valid date")
}

/// The `p` quantile (0.0–1.0) of `samples`, which it sorts.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// `n` GETs of `url` one after another (with a bearer `token`, else the
/// client's cookies): p50 and p95 of the round trips.
pub async fn timed(client: &reqwest::Client, url: &str, token: Option<&str>, n: usize) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let mut req = client.get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let started = Instant::now();
        let res = req.send().await.expect("request");
        assert_eq!(res.status(), 200, "{url}");
        let _ = res.bytes().await.expect("body");
        samples.push(started.elapsed());
    }
    (percentile(&mut samples, 0.5), percentile(&mut samples, 0.95))
}

/// An API token for the demo account `login`, made as `kyodo token create` makes it.
pub async fn token_for(db: &kyodo_store::Db, login: &str) -> String {
    let user = kyodo_store::accounts::by_login(db, login)
        .await
        .expect("query")
        .expect("user");
    let state = kyodo_web::AppState::new(db.clone(), kyodo_web::Config::default());
    kyodo_web::accounts::issue_token(
        &state,
        &kyodo_store::audit::Actor::command_line(user.municipality_id),
        user.id,
        "bench",
    )
    .await
    .expect("token")
}

/// A fresh database with the arao demo loaded, and its municipality.
pub async fn arao_demo() -> (
    kyodo_store::Db,
    kyodo_store::testing::TestDatabase,
    kyodo_core::municipalities::Municipality,
) {
    let (db, guard) = kyodo_store::testing::fresh_database().await.expect("database");
    let muni = add_demo(&db, "arao", "432041").await;
    (db, guard, muni)
}

/// Loads the demo `key` (arao, niimi) into `db`; its municipality, by `code`.
pub async fn add_demo(db: &kyodo_store::Db, key: &str, code: &str) -> kyodo_core::municipalities::Municipality {
    let hash = kyodo_web::auth::hash_password(kyodo_store::demo::DEMO_PASSWORD.into())
        .await
        .expect("hash");
    kyodo_store::demo::load(db, key, today(), &hash).await.expect("demo");
    kyodo_store::municipalities::by_code(db, code)
        .await
        .expect("query")
        .expect("the demo's municipality")
}

/// The id of the district with `code`.
pub async fn area_id(db: &kyodo_store::Db, municipality_id: i64, code: &str) -> i64 {
    kyodo_store::areas::all(db, municipality_id, true)
        .await
        .expect("areas")
        .into_iter()
        .find(|a| a.code == code)
        .expect("area")
        .id
}

/// Serves kyodo on `db` on a free port; returns its base URL.
pub async fn serve(db: &kyodo_store::Db) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = kyodo_web::AppState::new(
        db.clone(),
        kyodo_web::Config {
            today: Some(today()),
            ..Default::default()
        },
    );
    tokio::spawn(kyodo_web::serve(listener, state));
    base
}

/// A browser signed in as the demo account `login`.
pub async fn browser(base: &str, login: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", kyodo_store::demo::DEMO_PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303, "login of {login}");
    client
}

/// A CP932 staff file of `n` lines against the arao demo's departments and districts.
pub fn staff_csv(n: usize) -> Vec<u8> {
    let mut rng = kyodo_core::demo::Rng::new(42);
    let departments = ["D0101", "D0102", "D0201", "D0302", "D0401", "D0502", "D0603"];
    let grades = ["一般職員", "課長補佐・係長級", "課長級"];
    let rows = (0..n).map(|i| {
        let (name, kana) = kyodo_core::demo::person(&mut rng);
        vec![
            format!("9{i:06}"),
            name,
            kana,
            (*rng.pick(&departments)).to_owned(),
            (*rng.pick(&grades)).to_owned(),
            format!("{}-04-01", 1990 + rng.below(36)),
            format!("A{:02}", 1 + rng.below(9)),
            format!("staff{i:06}@city.arao.example.jp"),
        ]
    });
    let text = kyodo_core::csv_import::write_table(kyodo_core::csv_import::DataKind::Staff.columns(), rows);
    kyodo_core::encoding::encode_csv(&text, kyodo_core::encoding::TextEncoding::Cp932).expect("CP932")
}

/// CPU time this process has used (user + system).
pub fn cpu_time() -> Duration {
    cpu_time_of("self")
}

/// CPU time process `pid` ("self" for this one) has used, user + system,
/// from `/proc/PID/stat` in clock ticks of 10 ms (Linux's `USER_HZ` is 100
/// on every platform we run).
fn cpu_time_of(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name in parentheses, which may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// This process's resident memory in MB.
pub fn rss_mb() -> f64 {
    rss_mb_of("self")
}

/// Process `pid`'s resident memory in MB, from `/proc/PID/status`.
fn rss_mb_of(pid: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// `kyodo serve` of this build as a process of its own on `database`: what
/// an in-process server cannot show, its memory and CPU apart from the
/// clients', and several servers on one database. Killed when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub base: String,
}

impl ServerProcess {
    pub async fn start(database: &str) -> Self {
        // A free port: bound, read and let go for the server to take.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_kyodo"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--database", database])
            .args(["--today", &today().to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("kyodo serve");
        let server = Self { child, base };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        // Polled: the server's start (migrations checked, caches opened) has no other signal.
        loop {
            let up = client.get(format!("{}/healthz", server.base)).send().await;
            if up.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            assert!(Instant::now() < deadline, "kyodo serve did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn rss_mb(&self) -> f64 {
        rss_mb_of(&self.child.id().to_string())
    }

    pub fn cpu_time(&self) -> Duration {
        cpu_time_of(&self.child.id().to_string())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// With `KYODO_BENCH_HOLD` set, prints the bench database's URL and waits
/// for a line on standard input before it is removed, so that its query
/// plans can be read (`sqlite3 FILE`, `psql`) on the bench's data.
pub async fn hold(url: &str) {
    if std::env::var_os("KYODO_BENCH_HOLD").is_none() {
        return;
    }
    println!("holding the bench database {url}; press Enter to end");
    let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await;
}

/// One page driven as hard as `connections` clients can for `seconds`
/// (what wrk measures): requests per second, latencies, and the CPU time
/// the process spent per request. The clients run in the same process, so
/// the CPU figure includes them; `/healthz` measured the same way is the floor.
pub struct Saturation {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub cpu_per_request: Duration,
}

pub async fn saturate(url: &str, token: Option<&str>, connections: usize, seconds: f64) -> Saturation {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let cpu_before = cpu_time();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = client.clone();
        let url = url.to_owned();
        let token = token.map(str::to_owned);
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let mut req = client.get(&url);
                if let Some(t) = &token {
                    req = req.bearer_auth(t);
                }
                let at = Instant::now();
                let res = req.send().await.expect("request");
                assert!(res.status().is_success(), "{url}: {}", res.status());
                let _ = res.bytes().await.expect("body");
                samples.push(at.elapsed());
            }
            samples
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("client task"));
    }
    let elapsed = started.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    let n = all.len().max(1);
    Saturation {
        per_second: n as f64 / elapsed.as_secs_f64(),
        p50: percentile(&mut all, 0.5),
        p99: percentile(&mut all, 0.99),
        cpu_per_request: cpu / u32::try_from(n).unwrap_or(u32::MAX),
    }
}

/// Prints one line per page of [`saturate`] against the `/healthz` floor
/// measured in the same run: throughput as a fraction of the floor's.
pub async fn saturation_table(base: &str, label: &str, cases: &[(&str, String, &str)], connections: usize) {
    let seconds: f64 = std::env::var("KYODO_BENCH_SATURATE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    let floor = saturate(&format!("{base}/healthz"), None, connections, seconds).await;
    println!(
        "[{label}] {connections} connections, {seconds} s each; /healthz floor: {:.0} req/s, p50 {}, CPU {} per request",
        floor.per_second,
        ms(floor.p50),
        ms(floor.cpu_per_request)
    );
    for (name, path, token) in cases {
        let s = saturate(&format!("{base}{path}"), Some(token), connections, seconds).await;
        println!(
            "[{label}] {name}: {:.0} req/s (1/{:.1} of the floor), p50 {}, p99 {}, CPU {} per request",
            s.per_second,
            floor.per_second / s.per_second.max(0.001),
            ms(s.p50),
            ms(s.p99),
            ms(s.cpu_per_request)
        );
    }
}
