//! Online backups and restores of a whole kyodo database.
//!
//! A backup is the database's own format, so that everything comes back as
//! it was — attachments (kept in the database), tokens, the audit log, the
//! search index and the id sequences:
//! - SQLite: `VACUUM INTO` on a read connection. In WAL mode it reads one
//!   consistent snapshot while writers go on; the result is a plain SQLite
//!   file (rollback journal), checked with `PRAGMA integrity_check`.
//! - PostgreSQL: `pg_dump --format=custom` of the schema kyodo uses (its own
//!   snapshot, writers go on), restored with `pg_restore` in one transaction.
//!
//! A SQLite backup restores onto SQLite and a PostgreSQL dump onto
//! PostgreSQL; the file says which it is by its first bytes. A restore goes
//! onto an empty database only — no tables, or kyodo's tables holding no
//! municipality — unless forced, and it never leaves a half-restored one:
//! SQLite's file is checked beside the target and renamed into place, and
//! PostgreSQL's existing schema is set aside until the restore committed.
//! Migrations run afterwards, so an older backup is brought up to date.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

use crate::db::Db;
use crate::error::StoreError;

mod postgres;
mod sqlite;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("データベースのエラー: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{path} を{action}（{source}）")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("データベースのURLは sqlite://パス か postgres://… で指定してください")]
    UnsupportedUrl,
    #[error("SQLite のデータベースはファイルで指定してください（{0} は使えません）")]
    NotAFile(String),
    #[error("データベース {0} がありません")]
    MissingDatabase(PathBuf),
    #[error("{0} は kyodo のデータベースではありません（kyodo_migrations 表がありません）")]
    NotKyodo(String),
    #[error("出力先 {0} はバックアップ元のデータベースそのものです。別のファイルを指定してください")]
    OutputIsDatabase(PathBuf),
    #[error("{0} は kyodo のバックアップではありません（SQLite のファイルでも pg_dump のカスタム形式でもありません）")]
    NotABackup(PathBuf),
    #[error("バックアップ {path} は使えません: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{path} は {file} のバックアップです。{target} のデータベースへは復元できません（SQLite のバックアップは SQLite へ、PostgreSQL のバックアップは PostgreSQL へ復元します）"
    )]
    WrongDatabase {
        path: PathBuf,
        file: &'static str,
        target: &'static str,
    },
    #[error("復元先のデータベースは空ではありません（{0}）。上書きする場合は --force を付けてください")]
    NotEmpty(String),
    #[error(
        "このバックアップはスキーマ「{backup}」のものですが、復元先の接続では{}。search_path が「{backup}」になる接続先を指定してください",
        schema_in_use(.target)
    )]
    SchemaMismatch { backup: String, target: Option<String> },
    #[error(
        "{0} が見つかりません。PostgreSQL のクライアント（Debian・Ubuntu では postgresql-client パッケージ）を入れてください"
    )]
    ToolMissing(&'static str),
    #[error("{tool} が失敗しました: {message}")]
    ToolFailed { tool: &'static str, message: String },
}

fn schema_in_use(target: &Option<String>) -> String {
    match target {
        Some(t) => format!("スキーマ「{t}」が使われます"),
        None => "search_path のスキーマがありません".to_owned(),
    }
}

pub type Result<T, E = BackupError> = std::result::Result<T, E>;

/// What a backup file holds, known from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupFormat {
    Sqlite,
    PostgresDump,
}

impl BackupFormat {
    pub fn label(self) -> &'static str {
        match self {
            BackupFormat::Sqlite => "SQLite",
            BackupFormat::PostgresDump => "PostgreSQL",
        }
    }

    /// Reads the file's magic: SQLite files and pg_dump's custom archives both have one.
    pub fn of_file(path: &Path) -> Result<BackupFormat> {
        use std::io::Read;
        let mut head = [0u8; 16];
        let mut file = std::fs::File::open(path).map_err(io(path, "開けません"))?;
        let n = file.read(&mut head).map_err(io(path, "読めません"))?;
        if n == 16 && &head == b"SQLite format 3\0" {
            Ok(BackupFormat::Sqlite)
        } else if n >= 5 && &head[..5] == b"PGDMP" {
            Ok(BackupFormat::PostgresDump)
        } else {
            Err(BackupError::NotABackup(path.to_owned()))
        }
    }
}

#[derive(Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub format: BackupFormat,
}

#[derive(Debug)]
pub struct RestoreReport {
    pub format: BackupFormat,
    /// Municipalities in the restored database.
    pub municipalities: i64,
    /// Migrations applied after the restore, bringing an older backup up to date.
    pub migrations_applied: usize,
    /// The target held tables before (empty kyodo tables, or data replaced by --force).
    pub replaced: bool,
}

/// What a database holds, to decide whether a restore may go onto it.
#[derive(Debug, Default)]
struct Contents {
    tables: i64,
    kyodo: bool,
    municipalities: i64,
}

impl Contents {
    /// Why a restore onto it needs `--force`, if it does.
    fn occupied(&self) -> Option<String> {
        if self.kyodo && self.municipalities > 0 {
            Some(format!("自治体が{}件あります", self.municipalities))
        } else if !self.kyodo && self.tables > 0 {
            Some(format!("kyodo のものでない表が{}個あります", self.tables))
        } else {
            None
        }
    }
}

fn io<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(std::io::Error) -> BackupError + 'a {
    move |source| BackupError::Io {
        path: path.to_owned(),
        action,
        source,
    }
}

/// Writes a consistent copy of the database at `database_url` to `output`
/// while the server keeps running. The file appears only once it is complete
/// and checked; an existing file of that name is replaced then.
pub async fn backup(database_url: &str, output: &Path) -> Result<BackupReport> {
    let partial = partial_path(output, "partial");
    let result = match Target::parse(database_url)? {
        Target::Sqlite(path) => sqlite::backup(database_url, &path, output, &partial).await,
        Target::Postgres => postgres::backup(database_url, &partial).await,
    };
    let format = match result {
        Ok(format) => format,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    sync_file(&partial)?;
    std::fs::rename(&partial, output).map_err(io(output, "書き込めません"))?;
    sync_parent(output);
    let bytes = std::fs::metadata(output).map_err(io(output, "読めません"))?.len();
    Ok(BackupReport {
        path: output.to_owned(),
        bytes,
        format,
    })
}

/// Restores the backup at `input` onto the database at `database_url`.
pub async fn restore(input: &Path, database_url: &str, force: bool) -> Result<RestoreReport> {
    let format = BackupFormat::of_file(input)?;
    let target = Target::parse(database_url)?;
    let (file, target_label) = match (&target, format) {
        (Target::Sqlite(_), BackupFormat::Sqlite) | (Target::Postgres, BackupFormat::PostgresDump) => (None, ""),
        (Target::Sqlite(_), BackupFormat::PostgresDump) => (Some(format.label()), "SQLite"),
        (Target::Postgres, BackupFormat::Sqlite) => (Some(format.label()), "PostgreSQL"),
    };
    if let Some(file) = file {
        return Err(BackupError::WrongDatabase {
            path: input.to_owned(),
            file,
            target: target_label,
        });
    }
    let replaced = match target {
        Target::Sqlite(path) => sqlite::restore(input, &path, force).await?,
        Target::Postgres => postgres::restore(input, database_url, force).await?,
    };
    let db = Db::connect(database_url).await?;
    let migrations_applied = crate::migrations::migrate(&db).await?;
    let municipalities = crate::municipalities::list(&db).await?.len() as i64;
    db.close().await;
    Ok(RestoreReport {
        format,
        municipalities,
        migrations_applied,
        replaced,
    })
}

enum Target {
    Sqlite(PathBuf),
    Postgres,
}

impl Target {
    fn parse(url: &str) -> Result<Target> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?;
            let path = options.get_filename();
            if url.contains(":memory:") || path.as_os_str().is_empty() {
                return Err(BackupError::NotAFile(url.to_owned()));
            }
            Ok(Target::Sqlite(path.to_owned()))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Target::Postgres)
        } else {
            Err(BackupError::UnsupportedUrl)
        }
    }
}

/// A name beside `path` in the same directory, so that a rename is atomic.
fn partial_path(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{what}-{}", std::process::id()))
}

fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path, "書き込めません"))
}

/// Makes a rename durable. Best effort: some filesystems cannot sync a directory.
fn sync_parent(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_with_a_municipality_or_foreign_tables_is_occupied() {
        let empty = Contents::default();
        assert!(empty.occupied().is_none());
        let migrated = Contents {
            tables: 40,
            kyodo: true,
            municipalities: 0,
        };
        assert!(migrated.occupied().is_none());
        let used = Contents {
            municipalities: 2,
            ..migrated
        };
        assert_eq!(used.occupied().as_deref(), Some("自治体が2件あります"));
        let foreign = Contents {
            tables: 1,
            kyodo: false,
            municipalities: 0,
        };
        assert!(foreign.occupied().is_some());
    }

    #[test]
    fn files_are_told_apart_by_their_first_bytes() {
        let dir = std::env::temp_dir().join(format!("kyodo-backup-magic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = |name: &str, bytes: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let sqlite = file("a.db", b"SQLite format 3\0rest");
        let dump = file("a.dump", b"PGDMP\x01\x0e\x00");
        let csv = file("a.csv", "職員番号,氏名\n".as_bytes());
        assert_eq!(BackupFormat::of_file(&sqlite).unwrap(), BackupFormat::Sqlite);
        assert_eq!(BackupFormat::of_file(&dump).unwrap(), BackupFormat::PostgresDump);
        assert!(matches!(BackupFormat::of_file(&csv), Err(BackupError::NotABackup(_))));
        std::fs::remove_dir_all(&dir).ok();
    }
}
