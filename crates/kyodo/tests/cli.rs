//! The command line as an integrator or operator uses it: demo, user add,
//! token create, import (refused with every bad line on stderr), export.

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    url: String,
    _guard: kyodo_store::testing::TestDatabase,
}

impl Cli {
    async fn new() -> Cli {
        let (db, guard) = kyodo_store::testing::fresh_database().await.expect("database");
        db.close().await;
        Cli {
            url: guard.url.clone(),
            _guard: guard,
        }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kyodo"))
            .arg("--database")
            .arg(&self.url)
            .args(["--today", "2026-11-21"])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kyodo runs");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write");
        }
        drop(child.stdin.take());
        child.wait_with_output().expect("kyodo finishes")
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn demo_users_tokens_import_and_export_from_the_command_line() {
    let cli = Cli::new().await;
    let out = cli.run(&["demo", "tama"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("tama-coordinator"));

    let out = cli.run(
        &[
            "user",
            "add",
            "--municipality",
            "132241",
            "--login",
            "integrator",
            "--role",
            "coordinator",
            "--password-stdin",
        ],
        Some("a long integration password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["user", "list"], None);
    assert!(
        text(&out.stdout)
            .lines()
            .any(|l| l.starts_with("132241\tintegrator\tcoordinator"))
    );
    // A coordinator made on the command line is put before the municipality's
    // other coordinators (separation of duties); the demo's own accounts were not.
    let db = kyodo_store::Db::connect(&cli.url).await.expect("database");
    let coordinator = kyodo_store::accounts::by_login(&db, "tama-coordinator")
        .await
        .unwrap()
        .unwrap();
    let pending = kyodo_store::privileged_grants::pending_for(&db, coordinator.municipality_id, coordinator.id)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "only the account added by hand");
    assert_eq!(pending[0].login, "integrator");
    assert!(
        pending[0]
            .notice()
            .starts_with("サーバーのコマンドで 制度所管課のアカウント integrator が作成されました")
    );
    db.close().await;

    let out = cli.run(
        &[
            "user",
            "add",
            "--municipality",
            "132241",
            "--login",
            "x1",
            "--role",
            "liaison",
            "--password-stdin",
        ],
        Some("a long integration password\n"),
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("地域担当職員には職員を指定してください"));

    let out = cli.run(&["token", "create", "--login", "integrator"], None);
    assert!(out.status.success());
    assert!(text(&out.stdout).trim().starts_with("kyodo_"));

    let dir = std::env::temp_dir().join(format!("kyodo-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "部署コード,部署名,電話番号\nQ1,,0\nQ2,防災課,内線\n").unwrap();
    let out = cli.run(&["import", "departments", bad.to_str().unwrap()], None);
    assert!(!out.status.success(), "refused import exits non-zero");
    let err = text(&out.stderr);
    assert!(err.contains("2行目「部署名」"), "{err}");
    assert!(err.contains("3行目「電話番号」"), "{err}");

    let good = dir.join("good.csv");
    let cp932 = kyodo_core_encode("部署コード,部署名\r\nQ1,地域協創課\r\n");
    std::fs::write(&good, cp932).unwrap();
    let out = cli.run(&["import", "departments", good.to_str().unwrap(), "--dry-run"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("新規 1件"));
    let out = cli.run(&["export", "departments"], None);
    assert!(!text(&out.stdout).contains("Q1"), "the dry run wrote nothing");
    let out = cli.run(&["import", "departments", good.to_str().unwrap()], None);
    assert!(out.status.success());
    let out = cli.run(&["export", "departments", "--encoding", "cp932"], None);
    assert!(out.status.success());
    assert!(out.stdout.windows(2).any(|w| w == b"Q1"));
    assert!(!out.stdout.starts_with(&[0xEF, 0xBB, 0xBF]), "CP932 has no BOM");
    std::fs::remove_dir_all(&dir).ok();
}

fn kyodo_core_encode(text: &str) -> Vec<u8> {
    // CP932 by hand-picked bytes would be unreadable here; the codec is tested in kyodo-core.
    let (bytes, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!bad);
    bytes.into_owned()
}

#[tokio::test]
async fn the_rotation_planner_plans_files_and_live_data_and_refuses_bad_instances() {
    let cli = Cli::new().await;
    let dir = std::env::temp_dir().join(format!("kyodo-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (instance, plan) = (dir.join("small.json"), dir.join("plan.json"));
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();

    let out = cli.run(
        &[
            "plan",
            "generate",
            "--size",
            "small",
            "--seed",
            "3",
            "--output",
            &path(&instance),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A real city's shape (issue 19), one part changed; a part out of range is refused.
    let real = dir.join("real.json");
    let shaped = |extra: &[&str]| {
        let mut args = vec!["plan", "generate", "--size", "small", "--shape", "real"];
        args.extend_from_slice(extra);
        cli.run(&args, None)
    };
    let out = shaped(&["--horizon", "10", "--output", &path(&real)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let city: serde_json::Value = serde_json::from_slice(&std::fs::read(&real).unwrap()).unwrap();
    assert_eq!(city["horizon"], 10);
    assert_eq!(
        city["staff"]
            .as_array()
            .map(|s| s.iter().filter(|p| p["grade"] == "manager").count()),
        Some(20)
    );
    let out = shaped(&["--leaving-share", "2", "--output", &path(&real)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--leaving-share は0〜1"),
        "{}",
        text(&out.stderr)
    );
    let out = cli.run(
        &[
            "plan",
            "rotation",
            "--input",
            &path(&instance),
            "--output",
            &path(&plan),
            "--seconds",
            "5",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stderr);
    assert!(report.contains("score ") && report.contains("new_person="), "{report}");
    assert!(report.contains("lower_bound "), "{report}");
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    assert!(!written["appointments"].as_array().unwrap().is_empty());

    // An instance naming a position nobody can hold: a reason, no panic.
    let mut bad: serde_json::Value = serde_json::from_slice(&std::fs::read(&instance).unwrap()).unwrap();
    bad["units"][0]["positions"][0]["grade"] = "director".into();
    std::fs::write(&instance, bad.to_string()).unwrap();
    let out = cli.run(&["plan", "rotation", "--input", &path(&instance)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("職位「director」の職員が一人もいません"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(&instance, "{").unwrap();
    let out = cli.run(&["plan", "rotation", "--input", &path(&instance)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("配置計画の条件として読めません"));

    // Live data: the demo municipality, next April onwards.
    assert!(cli.run(&["demo", "arao"], None).status.success());
    let out = cli.run(&["plan", "rotation", "--municipality", "432041", "--years", "3"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        live["appointments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["start"].as_i64().unwrap() >= 2027)
    );
    let out = cli.run(&["plan", "rotation", "--municipality", "432041", "--years", "40"], None);
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}
