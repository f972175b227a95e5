//! The `kyodo` command: serve, migrate, demo, import, export, user, token,
//! backup, restore.

use std::io::Read;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use kyodo_core::accounts::Role;
use kyodo_core::csv_import::DataKind;
use kyodo_core::encoding::TextEncoding;
use kyodo_store::audit::Actor;
use kyodo_store::{Db, demo};

mod grants;
mod plan;

#[derive(Parser)]
#[command(name = "kyodo", version, about = "地域担当職員制度の運営システム kyodo")]
struct Cli {
    /// sqlite://PATH (the default, created if missing) or postgres://…
    #[arg(long, global = true, env = "KYODO_DATABASE", default_value = "sqlite://kyodo.db")]
    database: String,
    /// Connections this process keeps open at most to PostgreSQL. Several
    /// servers on one database: servers × this must stay below the
    /// database's max_connections. SQLite ignores it.
    #[arg(
        long,
        global = true,
        env = "KYODO_MAX_CONNECTIONS",
        default_value_t = kyodo_store::db::DEFAULT_MAX_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    max_connections: u32,
    /// Pretend today is this date (YYYY-MM-DD or 和暦), for demos.
    #[arg(long, global = true, env = "KYODO_TODAY")]
    today: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// The record kinds `import` and `export` move (`DataKind`).
const DATA_KINDS: [&str; 5] = ["areas", "organisations", "departments", "staff", "area_figures"];

/// The demo municipalities, one per seed document.
const DEMO_PRESETS: [&str; 5] = ["arao", "niimi", "kumamoto", "tama", "osaki"];

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrations run first).
    Serve {
        #[arg(long, env = "KYODO_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load a demo municipality first (its logins are printed).
        #[arg(long, value_parser = DEMO_PRESETS)]
        demo: Option<String>,
        /// Mark session cookies Secure (set when served over HTTPS without a proxy header).
        #[arg(long, env = "KYODO_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The address users open kyodo at, for links in e-mail.
        #[arg(long, env = "KYODO_PUBLIC_URL")]
        public_url: Option<String>,
        /// A reverse proxy (CIDR or address) whose X-Forwarded-For names the
        /// client; repeat for several. None by default: the header is ignored.
        #[arg(
            long = "trusted-proxy",
            env = "KYODO_TRUSTED_PROXY",
            value_delimiter = ',',
            value_name = "CIDR"
        )]
        trusted_proxies: Vec<kyodo_web::client_address::IpRange>,
        /// Requests per second one client may make to the public pages (/p/…)
        /// and public API; 0 turns the limit off (a benchmark, a trusted cache in front).
        #[arg(long, env = "KYODO_PUBLIC_RATE_LIMIT", default_value_t = kyodo_web::DEFAULT_PUBLIC_RATE)]
        public_rate_limit: u32,
    },
    /// Send the daily digest e-mail now (the server sends it by itself each day).
    Digest {
        #[arg(long)]
        municipality: Option<String>,
        #[arg(long, env = "KYODO_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load a demo municipality and print its logins.
    Demo {
        /// Which seed municipality.
        #[arg(value_parser = DEMO_PRESETS)]
        preset: String,
    },
    /// Import a CSV file (UTF-8 or CP932): all or nothing. Any bad line
    /// refuses the whole file, and every problem is listed by line.
    Import {
        /// What the file holds; its first line names the columns (see /data).
        #[arg(value_parser = DATA_KINDS)]
        kind: String,
        /// The CSV file, UTF-8 (with or without BOM) or Shift_JIS (CP932).
        file: std::path::PathBuf,
        /// Check the file and print what would be created and changed,
        /// writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// 全国地方公共団体コード; may be left out when there is one municipality.
        #[arg(long)]
        municipality: Option<String>,
    },
    /// Export records as CSV to standard output, in an order that imports again.
    Export {
        /// What to export.
        #[arg(value_parser = DATA_KINDS)]
        kind: String,
        /// utf-8 (with BOM, as Excel opens it) or cp932 (Shift_JIS, for older Excel).
        #[arg(long, default_value = "utf-8", value_parser = ["utf-8", "cp932"])]
        encoding: String,
        #[arg(long)]
        municipality: Option<String>,
    },
    /// The rotation planner: plan appointments, or generate benchmark instances.
    Plan {
        #[command(subcommand)]
        command: plan::PlanCommand,
    },
    /// The block grant (一括交付金): simulate a 年度's formula.
    Grants {
        #[command(subcommand)]
        command: grants::GrantsCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a consistent copy of the database while the server runs
    /// (SQLite: a database file; PostgreSQL: a pg_dump custom archive).
    Backup {
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Restore a backup onto an empty database of the same kind.
    Restore {
        file: std::path::PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        login: String,
        /// admin, coordinator, liaison, department or community.
        #[arg(long)]
        role: String,
        #[arg(long)]
        staff: Option<i64>,
        #[arg(long)]
        department: Option<i64>,
        #[arg(long)]
        organisation: Option<i64>,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List accounts of every municipality.
    List,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a login and print it.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "コマンドで発行")]
        name: String,
    },
}

fn today(cli: &Cli) -> Result<chrono::NaiveDate> {
    match &cli.today {
        Some(s) => kyodo_core::wareki::parse_date(s).map_err(|e| anyhow!("--today: {e}")),
        None => Ok((chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()),
    }
}

async fn open(cli: &Cli) -> Result<Db> {
    let db = Db::connect_with(&cli.database, cli.max_connections)
        .await
        .with_context(|| format!("データベースに接続できません: {}", cli.database))?;
    kyodo_store::migrations::migrate(&db)
        .await
        .context("migration failed")?;
    Ok(db)
}

async fn municipality(db: &Db, code: Option<&str>) -> Result<kyodo_core::municipalities::Municipality> {
    match code {
        Some(code) => kyodo_store::municipalities::by_code(db, code)
            .await?
            .ok_or_else(|| anyhow!("自治体コード {code} の自治体がありません")),
        None => {
            let mut all = kyodo_store::municipalities::list(db).await?;
            match all.len() {
                1 => Ok(all.remove(0)),
                0 => bail!("自治体がまだありません。`kyodo demo arao` などで作ってください"),
                _ => bail!("自治体が複数あります。--municipality で自治体コードを指定してください"),
            }
        }
    }
}

async fn load_demo(db: &Db, key: &str, today: chrono::NaiveDate) -> Result<()> {
    let hash = kyodo_web::auth::hash_password(demo::DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let logins = demo::load(db, key, today, &hash).await.map_err(|e| match e {
        kyodo_store::StoreError::Refused(m) => anyhow!("{m}"),
        other => anyhow!("{other}"),
    })?;
    print_logins(key, &logins);
    Ok(())
}

/// Sizes as people read them: 12.3 MB (decimal units, as file managers show).
fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{:.1} KB", b as f64 / 1e3),
        b => format!("{b} バイト"),
    }
}

fn print_logins(key: &str, logins: &[demo::DemoLogin]) {
    println!(
        "デモ自治体「{key}」のログイン（パスワードはすべて {}）:",
        demo::DEMO_PASSWORD
    );
    for l in logins {
        println!("  {:<24} {}（{}）", l.login, l.role.label(), l.who);
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("エラー: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let today = today(&cli)?;
    match &cli.command {
        Command::Serve {
            bind,
            demo: preset,
            secure_cookies,
            public_url,
            trusted_proxies,
            public_rate_limit,
        } => {
            let started = std::time::Instant::now();
            let db = open(&cli).await?;
            if let Some(key) = preset {
                load_demo(&db, key, today).await?;
            }
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .with_context(|| format!("{bind} で待ち受けできません"))?;
            tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "ready");
            println!(
                "kyodo を http://{} で起動しました（Ctrl-C で終了）",
                listener.local_addr()?
            );
            let config = kyodo_web::Config {
                secure_cookies: *secure_cookies,
                today: cli.today.is_some().then_some(today),
                public_url: public_url.clone(),
                trusted_proxies: trusted_proxies.clone(),
                public_rate_limit: Some(*public_rate_limit),
            };
            kyodo_web::serve(listener, kyodo_web::AppState::new(db.clone(), config)).await?;
            db.close().await;
        }
        Command::Digest {
            municipality: code,
            public_url,
        } => {
            let db = open(&cli).await?;
            let muni = municipality(&db, code.as_deref()).await?;
            let config = kyodo_web::Config {
                today: cli.today.is_some().then_some(today),
                public_url: public_url.clone(),
                ..Default::default()
            };
            let state = kyodo_web::AppState::new(db.clone(), config);
            let report = kyodo_web::mail::send_digests(&state, Some(muni.id))
                .await
                .map_err(|e| anyhow!("{}", e.message()))?;
            println!("お知らせを{}通送りました（失敗 {}通）", report.sent, report.failed);
            db.close().await;
            if report.failed > 0 {
                std::process::exit(1);
            }
        }
        Command::Grants { command } => {
            let db = open(&cli).await?;
            grants::run(&db, command).await?;
            db.close().await;
        }
        Command::Plan { command } => match command {
            plan::PlanCommand::Rotation {
                input,
                municipality: code,
                years,
                output,
                seconds,
                seed,
            } => {
                let instance = match (input, code) {
                    (Some(path), _) => plan::read_instance(path)?,
                    (None, code) => {
                        let db = open(&cli).await?;
                        let muni = municipality(&db, code.as_deref()).await?;
                        let first_year = kyodo_core::wareki::fiscal_year(kyodo_core::appointments::next_april(today));
                        let years = plan::years(*years)?;
                        let instance =
                            kyodo_store::rotation::live_instance(&db, muni.id, &muni.scheme, first_year, years).await?;
                        db.close().await;
                        instance
                    }
                };
                plan::rotation(&instance, output.as_ref(), *seconds, *seed)?;
            }
            plan::PlanCommand::Generate {
                size,
                seed,
                first_year,
                managers_per_100_units,
                shape,
                output,
            } => plan::generate(size, *managers_per_100_units, shape, *seed, *first_year, output)?,
        },
        Command::Backup { output } => {
            let report = kyodo_store::backup::backup(&cli.database, output).await?;
            println!(
                "バックアップを作成しました: {}（{}）",
                report.path.display(),
                human_size(report.bytes)
            );
        }
        Command::Restore { file, force } => {
            let report = kyodo_store::backup::restore(file, &cli.database, *force).await?;
            println!(
                "{} を復元しました（{}、自治体 {}件{}{}）",
                file.display(),
                report.format.label(),
                report.municipalities,
                if report.migrations_applied > 0 {
                    format!("、マイグレーション {}件を適用", report.migrations_applied)
                } else {
                    String::new()
                },
                if report.replaced {
                    "、以前の内容は置き換えました"
                } else {
                    ""
                }
            );
        }
        Command::Migrate => {
            let db = Db::connect_with(&cli.database, cli.max_connections).await?;
            let n = kyodo_store::migrations::migrate(&db).await?;
            println!("{n}件のマイグレーションを適用しました");
        }
        Command::Demo { preset } => {
            let db = open(&cli).await?;
            load_demo(&db, preset, today).await?;
        }
        Command::Import {
            kind,
            file,
            dry_run,
            municipality: code,
        } => {
            let kind = DataKind::parse(kind)
                .ok_or_else(|| anyhow!("KIND は areas organisations departments staff のいずれかです"))?;
            let bytes = std::fs::read(file).with_context(|| format!("{} を読めません", file.display()))?;
            let db = open(&cli).await?;
            let muni = municipality(&db, code.as_deref()).await?;
            match kyodo_store::data::import_csv(
                &db,
                &Actor::command_line(muni.id),
                &muni.scheme,
                kyodo_store::data::ImportFile {
                    kind,
                    bytes,
                    dry_run: *dry_run,
                },
                today,
                Default::default(),
            )
            .await
            {
                Ok(report) => {
                    println!(
                        "{}{}: 新規 {}件、更新 {}件、変更なし {}件",
                        kind.label(),
                        if *dry_run {
                            "（確認のみ、登録していません）"
                        } else {
                            ""
                        },
                        report.created.len(),
                        report.updated.len(),
                        report.unchanged
                    );
                    for u in &report.updated {
                        println!("  更新 {}: {}", u.key, u.changes);
                    }
                }
                Err(kyodo_store::StoreError::Import(errors)) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    bail!("取り込めませんでした（{}件の誤り）。何も登録していません", errors.len());
                }
                Err(e) => return Err(e.into()),
            }
        }
        Command::Export {
            kind,
            encoding,
            municipality: code,
        } => {
            let kind = DataKind::parse(kind)
                .ok_or_else(|| anyhow!("KIND は areas organisations departments staff のいずれかです"))?;
            let enc = TextEncoding::parse(encoding).ok_or_else(|| anyhow!("--encoding は utf-8 か cp932 です"))?;
            let db = open(&cli).await?;
            let muni = municipality(&db, code.as_deref()).await?;
            let bytes = kyodo_store::data::export_csv(&db, &Actor::command_line(muni.id), &muni.scheme, kind, enc)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            use std::io::Write;
            std::io::stdout().write_all(&bytes)?;
        }
        Command::User { command } => match command {
            UserCommand::Add {
                municipality: code,
                login,
                role,
                staff,
                department,
                organisation,
                display_name,
                password_stdin: _,
            } => {
                let role = Role::parse(role).ok_or_else(|| {
                    anyhow!("--role は admin coordinator liaison department community のいずれかです")
                })?;
                let mut password = String::new();
                std::io::stdin().read_to_string(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                if let Some(problem) = kyodo_core::accounts::password_problem(&password, login) {
                    bail!("{problem}");
                }
                let db = open(&cli).await?;
                let muni = municipality(&db, Some(code)).await?;
                let hash = kyodo_web::auth::hash_password(password)
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                let user = kyodo_store::accounts::create(
                    &db,
                    &Actor::command_line(muni.id),
                    &kyodo_store::accounts::NewUser {
                        login: login.clone(),
                        display_name: display_name.clone().unwrap_or_else(|| login.clone()),
                        role,
                        staff_id: *staff,
                        department_id: *department,
                        organisation_id: *organisation,
                        password_hash: hash,
                    },
                )
                .await
                .map_err(|e| match e {
                    kyodo_store::StoreError::Invalid(errors) => anyhow!(
                        "{}",
                        errors
                            .errors
                            .iter()
                            .map(|e| e.message.clone())
                            .collect::<Vec<_>>()
                            .join("\n")
                    ),
                    other => anyhow!("{other}"),
                })?;
                println!(
                    "利用者 {}（{}）を登録しました: id {}",
                    user.login,
                    user.role.label(),
                    user.id
                );
            }
            UserCommand::List => {
                let db = open(&cli).await?;
                let munis = kyodo_store::municipalities::list(&db).await?;
                for u in kyodo_store::accounts::list(&db, None).await? {
                    let code = munis
                        .iter()
                        .find(|m| m.id == u.municipality_id)
                        .map_or("?", |m| m.code.as_str());
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        code,
                        u.login,
                        u.role.as_str(),
                        u.display_name,
                        if u.disabled_at.is_some() { "停止中" } else { "有効" }
                    );
                }
            }
        },
        Command::Token { command } => match command {
            TokenCommand::Create { login, name } => {
                let db = open(&cli).await?;
                let user = kyodo_store::accounts::by_login(&db, login)
                    .await?
                    .ok_or_else(|| anyhow!("ログイン名 {login} の利用者がいません"))?;
                let state = kyodo_web::AppState::new(db, kyodo_web::Config::default());
                let token =
                    kyodo_web::accounts::issue_token(&state, &Actor::command_line(user.municipality_id), user.id, name)
                        .await
                        .map_err(|e| anyhow!("{e}"))?;
                println!("{token}");
            }
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn the_kinds_named_in_help_are_the_kinds_moved() {
        assert_eq!(DATA_KINDS.to_vec(), DataKind::ALL.map(DataKind::as_str).to_vec());
    }

    #[test]
    fn an_unknown_kind_is_refused_with_the_kinds_there_are() {
        let Err(e) = Cli::try_parse_from(["kyodo", "import", "people", "people.csv"]) else {
            panic!("people is not a kind");
        };
        let shown = e.to_string();
        assert!(shown.contains("areas") && shown.contains("staff"), "{shown}");
        let help = Cli::try_parse_from(["kyodo", "import", "--help"])
            .err()
            .unwrap()
            .to_string();
        assert!(help.contains("--dry-run") && help.contains("writing nothing"), "{help}");
    }
}
