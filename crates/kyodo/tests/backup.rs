//! `kyodo backup` while the server writes, and `kyodo restore` onto a new
//! database: every write acknowledged before the backup began comes back, and
//! a server on the restored database serves search, files, logins and tokens.
//! Runs on the database KYODO_TEST_DATABASE names; the PostgreSQL restore
//! goes to a database of its own, created and dropped here.

use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kyodo_store::Db;
use kyodo_store::testing::{fresh_database, test_backend};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const PASSWORD: &str = kyodo_store::demo::DEMO_PASSWORD;
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 2, 3, 0xFF, 0xD9,
];
/// At most this many issues from the write load, so the test stops by itself.
const LOAD_LIMIT: usize = 3000;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("valid date")
}

fn kyodo(database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kyodo"))
        .arg("--database")
        .arg(database)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("kyodo runs")
}

/// Runs the command off the async threads, so the server in this process keeps serving.
async fn kyodo_async(database: &str, args: &[&str]) -> Output {
    let database = database.to_owned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        kyodo(&database, &args)
    })
    .await
    .expect("command thread")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn serve(db: &Db) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = kyodo_web::Config {
        today: Some(today()),
        ..Default::default()
    };
    tokio::spawn(kyodo_web::serve(listener, kyodo_web::AppState::new(db.clone(), config)));
    base
}

/// Where a restore goes: a new SQLite file, or a new PostgreSQL database
/// whose search_path is the backed-up schema (a custom archive keeps its
/// schema's name). Removed when dropped.
struct RestoreTarget {
    url: String,
    file: Option<std::path::PathBuf>,
    pg_database: Option<(String, String)>,
}

impl RestoreTarget {
    async fn new(source: &Db) -> RestoreTarget {
        let unique = format!(
            "{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock after 1970")
                .as_nanos()
                % 1_000_000_000
        );
        match source {
            Db::Sqlite { .. } => {
                let path = std::env::temp_dir().join(format!("kyodo-restored-{unique}.db"));
                RestoreTarget {
                    url: format!("sqlite://{}", path.display()),
                    file: Some(path),
                    pg_database: None,
                }
            }
            Db::Postgres(pool) => {
                let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
                    .fetch_one(pool)
                    .await
                    .expect("schema");
                let base = std::env::var("KYODO_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
                let base = base.split('?').next().expect("split yields one part").to_owned();
                let (server, db_name) = base.rsplit_once('/').expect("the URL names a database");
                let name = format!("{db_name}_r{unique}");
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(pool)
                    .await
                    .expect("create database");
                RestoreTarget {
                    url: format!("{server}/{name}?options=-csearch_path%3D{schema}"),
                    file: None,
                    pg_database: Some((base.clone(), name)),
                }
            }
        }
    }

    async fn cleanup(self) {
        if let Some(path) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some((base, name)) = &self.pg_database {
            let admin = Db::connect(base).await.expect("connect");
            admin
                .execute_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .expect("drop database");
            admin.close().await;
        }
    }
}

struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    fn on(&self, base: &str) -> Api {
        Api {
            client: self.client.clone(),
            base: base.to_owned(),
            token: self.token.clone(),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request")
    }

    async fn post_issue(&self, area: i64, org: i64, title: &str) -> (u16, Value) {
        let res = self
            .client
            .post(format!("{}/api/v1/issues", self.base))
            .bearer_auth(&self.token)
            .json(&json!({
                "kind": "request",
                "title": title,
                "body": "地区の役員会で出た話。",
                "category": "防犯",
                "area_id": area,
                "organisation_id": org,
                "source": "meeting",
            }))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

async fn login_status(base: &str, login: &str) -> u16 {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    client
        .post(format!("{base}/login"))
        .form(&[("login", login), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

/// Every entry of the municipality's log, counted exactly: the audit page's
/// count stops at 1,000, and a restore that lost entries past that would pass.
async fn audit_total(db: &Db, municipality: i64) -> i64 {
    use sea_query::{Expr, ExprTrait, Query};
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from("audit_log")
        .and_where(Expr::col("municipality_id").eq(municipality))
        .to_owned();
    db.fetch_i64(&q).await.expect("audit log")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_restores_every_acknowledged_write() {
    let (db, guard) = fresh_database().await.expect("database");
    let hash = kyodo_web::auth::hash_password(PASSWORD.to_owned()).await.expect("hash");
    kyodo_store::demo::load(&db, "arao", today(), &hash)
        .await
        .expect("demo");
    let base = serve(&db).await;
    let muni = kyodo_store::municipalities::by_code(&db, "432041")
        .await
        .expect("query")
        .expect("arao")
        .id;
    let area = kyodo_store::areas::all(&db, muni, true)
        .await
        .expect("areas")
        .into_iter()
        .find(|a| a.code == "A01")
        .expect("area A01")
        .id;
    let org = kyodo_store::organisations::all(&db, muni)
        .await
        .expect("organisations")
        .into_iter()
        .find(|o| o.code == "O001")
        .expect("organisation O001")
        .id;
    let coordinator = kyodo_store::accounts::by_login(&db, "arao-coordinator")
        .await
        .expect("query")
        .expect("coordinator");
    let token = kyodo_web::accounts::issue_token(
        &kyodo_web::AppState::new(db.clone(), kyodo_web::Config::default()),
        &kyodo_store::audit::Actor::command_line(muni),
        coordinator.id,
        "夜間バックアップの試験",
    )
    .await
    .expect("token");
    let api = Api {
        client: reqwest::Client::new(),
        base: base.clone(),
        token,
    };

    // Before the load: an issue to search for, with a photo.
    let (status, marked) = api
        .post_issue(area, org, "防災倉庫の鍵が見当たらない（ほたるいか）")
        .await;
    assert_eq!(status, 201, "{marked}");
    let marked = marked["id"].as_i64().expect("id");
    let res = api
        .client
        .post(format!("{base}/api/v1/issues/{marked}/files"))
        .bearer_auth(&api.token)
        .multipart(Form::new().part("file", Part::bytes(JPEG.to_vec()).file_name("倉庫.jpg")))
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 201);
    let file: Value = res.json().await.expect("json");
    let file_id = file["id"].as_i64().expect("file id");

    // The write load: issues posted one after another, each id noted with
    // the moment its 201 arrived.
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (api, stop) = (api.on(&base), stop.clone());
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..LOAD_LIMIT {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (status, body) = api.post_issue(area, org, &format!("街灯の球切れ 負荷{n}")).await;
                assert_eq!(status, 201, "{body}");
                acknowledged.push((body["id"].as_i64().expect("id"), Instant::now()));
            }
            acknowledged
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let audit_before = audit_total(&db, muni).await;

    let dir = std::env::temp_dir().join(format!("kyodo-backup-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let backup = dir.join(format!("kyodo-{}.backup", test_backend()));
    let backup_arg = backup.to_str().expect("utf-8 path");
    let began = Instant::now();
    let out = kyodo_async(&guard.url, &["backup", "--output", backup_arg]).await;
    let ended = Instant::now();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("バックアップを作成しました"),
        "{}",
        text(&out.stdout)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let acknowledged = load.await.expect("load task");
    let before: Vec<i64> = acknowledged
        .iter()
        .filter(|(_, at)| *at < began)
        .map(|(id, _)| *id)
        .collect();
    let during = acknowledged
        .iter()
        .filter(|(_, at)| *at >= began && *at <= ended)
        .count();
    eprintln!(
        "{} issues acknowledged before the backup began, {during} while it ran, {} in all",
        before.len(),
        acknowledged.len()
    );
    assert!(!before.is_empty(), "the load wrote before the backup began");

    // Restoring over the live, non-empty database is refused and changes nothing.
    let out = kyodo_async(&guard.url, &["restore", backup_arg]).await;
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("空ではありません") && err.contains("--force"), "{err}");
    assert_eq!(api.get(&format!("/issues/{marked}")).await.status(), 200);

    let target = RestoreTarget::new(&db).await;
    let out = kyodo_async(&target.url, &["restore", backup_arg]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("を復元しました"), "{}", text(&out.stdout));
    // Once it holds data, the target refuses a second restore unless forced.
    let out = kyodo_async(&target.url, &["restore", backup_arg]).await;
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("--force"));
    let out = kyodo_async(&target.url, &["restore", backup_arg, "--force"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("置き換えました"), "{}", text(&out.stdout));

    let restored_db = Db::connect(&target.url).await.expect("restored database");
    let restored = api.on(&serve(&restored_db).await);

    // Every issue acknowledged before the backup began is there.
    for id in &before {
        let res = restored.get(&format!("/issues/{id}")).await;
        assert_eq!(
            res.status(),
            200,
            "issue {id} acknowledged before the backup is missing"
        );
    }
    // The token made before the backup works (it did for the reads above) and so does a login.
    assert_eq!(restored.get("/me").await.status(), 200);
    assert_eq!(login_status(&restored.base, "arao-coordinator").await, 303);
    // Search finds the marked issue through the restored index.
    let found: Value = restored
        .get("/issues?q=%E3%81%BB%E3%81%9F%E3%82%8B%E3%81%84%E3%81%8B")
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<i64> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![marked], "{found}");
    // The photo comes back byte for byte.
    let res = restored.get(&format!("/issues/{marked}/files/{file_id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.expect("bytes").as_ref(), JPEG);
    // The audit log came along.
    assert!(audit_total(&restored_db, muni).await >= audit_before);
    // Ids go on after the restored ones (the sequences came back).
    let (status, created) = restored.post_issue(area, org, "復元後の最初の課題").await;
    assert_eq!(status, 201, "{created}");
    let newest = before.iter().max().copied().unwrap_or(marked).max(marked);
    assert!(created["id"].as_i64().expect("id") > newest, "{created}");

    restored_db.close().await;
    target.cleanup().await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_bad_file_or_the_wrong_kind_of_backup_is_refused_and_the_target_keeps_its_data() {
    let (db, guard) = fresh_database().await.expect("database");
    let hash = kyodo_web::auth::hash_password(PASSWORD.to_owned()).await.expect("hash");
    kyodo_store::demo::load(&db, "tama", today(), &hash)
        .await
        .expect("demo");
    let dir = std::env::temp_dir().join(format!("kyodo-backup-refusals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = |name: &str| dir.join(name).to_str().expect("utf-8 path").to_owned();

    let out = kyodo(&guard.url, &["backup", "--output", &path("good.backup")]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Not a backup at all.
    std::fs::write(path("staff.csv"), "職員番号,氏名\n").expect("write");
    let out = kyodo(&guard.url, &["restore", &path("staff.csv"), "--force"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("kyodo のバックアップではありません"),
        "{}",
        text(&out.stderr)
    );

    // The other database's kind of backup.
    let (magic, says): (&[u8], &str) = if test_backend() == "postgres" {
        (b"SQLite format 3\0", "SQLite のバックアップです")
    } else {
        (b"PGDMP\x01\x0e\x00", "PostgreSQL のバックアップです")
    };
    std::fs::write(path("other.backup"), magic).expect("write");
    let out = kyodo(&guard.url, &["restore", &path("other.backup"), "--force"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));

    // A damaged backup, forced over a database with data, is refused and the
    // data stays. A SQLite file cut short fails its integrity check; a
    // PostgreSQL archive with its last data blocks overwritten has a good
    // table of contents and fails inside pg_restore, after the existing
    // schema was set aside, which is then put back.
    let mut damaged = std::fs::read(path("good.backup")).expect("read");
    if test_backend() == "postgres" {
        let at = damaged.len() * 9 / 10;
        damaged[at..at + 500].fill(0xFF);
    } else {
        damaged.truncate(damaged.len() * 2 / 3);
    }
    std::fs::write(path("damaged.backup"), &damaged).expect("write");
    let out = kyodo(&guard.url, &["restore", &path("damaged.backup"), "--force"]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    let expected = if test_backend() == "postgres" {
        "pg_restore が失敗しました"
    } else {
        "使えません"
    };
    assert!(err.contains(expected), "{err}");
    db.close().await;
    let db = Db::connect(&guard.url).await.expect("reconnect");
    let munis = kyodo_store::municipalities::list(&db).await.expect("municipalities");
    assert_eq!(munis.len(), 1, "the database kept its municipality");
    assert!(
        kyodo_store::accounts::by_login(&db, "tama-coordinator")
            .await
            .expect("query")
            .is_some()
    );

    // A missing SQLite database is not created by a backup.
    if test_backend() == "sqlite" {
        let missing = dir.join("missing.db");
        let out = kyodo(
            &format!("sqlite://{}", missing.display()),
            &["backup", "--output", &path("x.backup")],
        );
        assert!(!out.status.success());
        assert!(text(&out.stderr).contains("ありません"), "{}", text(&out.stderr));
        assert!(!missing.exists());
    }
    db.close().await;
    std::fs::remove_dir_all(&dir).ok();
}
