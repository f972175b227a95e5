//! Fresh databases for tests: a new SQLite file, or a new schema in the
//! PostgreSQL named by `KYODO_TEST_POSTGRES_URL`, chosen by
//! `KYODO_TEST_DATABASE=sqlite|postgres` so one suite runs on both.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::Db;
use crate::error::Result;

/// Owns what a test database left behind and removes it when dropped.
pub struct TestDatabase {
    pub url: String,
    file: Option<PathBuf>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(path) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "t{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Which database the suite runs on.
pub fn test_backend() -> String {
    std::env::var("KYODO_TEST_DATABASE").unwrap_or_else(|_| "sqlite".to_owned())
}

/// An empty, migrated database of the configured kind.
pub async fn fresh_database() -> Result<(Db, TestDatabase)> {
    let guard = unmigrated_database().await?;
    let db = Db::connect(&guard.url).await?;
    crate::migrations::migrate(&db).await?;
    Ok((db, guard))
}

/// A database of the configured kind with no tables yet, for tests of how
/// servers starting on it behave; connect to its `url`.
pub async fn unmigrated_database() -> Result<TestDatabase> {
    let name = unique_name();
    let guard = if test_backend() == "postgres" {
        let base = std::env::var("KYODO_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let admin = Db::connect(&base).await?;
        admin.execute_raw(&format!("CREATE SCHEMA {name}")).await?;
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        TestDatabase {
            url: format!("{base}{sep}options=-csearch_path%3D{name}"),
            file: None,
        }
    } else {
        let path = std::env::temp_dir().join(format!("kyodo-{name}.db"));
        TestDatabase {
            url: format!("sqlite://{}", path.display()),
            file: Some(path),
        }
    };
    Ok(guard)
}

/// Every column that holds personal or internal data, for the test that
/// proves no public page or feed shows any of it: people's names, contacts
/// and addresses, residents needing support, what residents wrote, staff
/// notes, minutes, payees, logins.
pub const PERSONAL_COLUMNS: &[(&str, &str)] = &[
    ("key_people", "name"),
    ("key_people", "name_kana"),
    ("key_people", "phone"),
    ("key_people", "email"),
    ("key_people", "address"),
    ("key_people", "note"),
    ("officers", "name"),
    ("supported_residents", "name"),
    ("supported_residents", "name_kana"),
    ("supported_residents", "address"),
    ("supported_residents", "phone"),
    ("supported_residents", "needs"),
    ("supported_residents", "supporters"),
    ("supported_residents", "destination"),
    ("staff", "email"),
    ("staff", "employee_number"),
    ("issues", "body"),
    ("issues", "source_note"),
    ("issues", "plan_text"),
    ("issue_routes", "internal_note"),
    ("issue_events", "note"),
    ("meetings", "minutes"),
    ("activities", "note"),
    ("organisations", "note"),
    ("grant_expenses", "payee"),
    ("users", "login"),
];

/// The distinct values of [`PERSONAL_COLUMNS`] in a municipality.
pub async fn personal_values(db: &Db, municipality_id: i64) -> Result<Vec<(String, String)>> {
    use sea_query::{Expr, ExprTrait, Query};
    let mut out = Vec::new();
    for (table, column) in PERSONAL_COLUMNS {
        let q = Query::select()
            .distinct()
            .column(*column)
            .from(*table)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col(*column).is_not_null())
            .to_owned();
        let rows: Vec<(String,)> = db.fetch_all(&q).await?;
        out.extend(rows.into_iter().map(|(v,)| (format!("{table}.{column}"), v)));
    }
    Ok(out)
}
