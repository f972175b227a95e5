//! One handle over SQLite or PostgreSQL. Queries are built once with
//! sea-query and rendered for whichever database is behind the handle.

use std::str::FromStr;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{AssertSqlSafe, FromRow, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

use crate::error::{Result, StoreError};

/// A row type both databases can decode.
pub trait Record: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Record for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database. Cheap to clone (pools are shared).
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite allows one writer at a time: writes go through a one-connection
    /// pool so they queue in the app instead of failing with SQLITE_BUSY.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// A transaction on either database.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

macro_rules! run {
    ($backend:expr, $stmt:expr, |$sql:ident, $values:ident, $exec:ident| $body:expr) => {
        match $backend {
            Target::Sqlite($exec) => {
                let ($sql, $values) = $stmt.build_sqlx(SqliteQueryBuilder);
                $body
            }
            Target::Postgres($exec) => {
                let ($sql, $values) = $stmt.build_sqlx(PostgresQueryBuilder);
                $body
            }
        }
    };
}

enum Target<'a> {
    Sqlite(&'a mut sqlx::SqliteConnection),
    Postgres(&'a mut sqlx::PgConnection),
}

/// SQLite's page caches, all connections together. Each connection has its
/// own cache: at 32 MB apiece, nine of them held 430 MB of a server's memory
/// at 200,000 issues. The operating system's file cache serves what they miss.
const SQLITE_CACHE_BUDGET_KIB: u32 = 96 * 1024;
const SQLITE_READERS: u32 = 8;

/// The budget split between the writer (a quarter: imports and index
/// updates walk the most pages) and the readers (the rest, shared out).
fn sqlite_cache_kib(budget: u32) -> (u32, u32) {
    let write = budget / 4;
    (write, (budget - write) / SQLITE_READERS)
}

/// Without autovacuum, updated rows leave dead versions that every list and
/// search reads past until someone runs VACUUM: kyodo needs it on.
async fn warn_without_autovacuum(pool: &sqlx::PgPool) {
    match sqlx::query_scalar::<_, String>("SHOW autovacuum").fetch_one(pool).await {
        Ok(on) if on == "on" => {}
        Ok(_) => tracing::warn!(
            "PostgreSQL の autovacuum が無効です。更新された行の古い版が残り、一覧や検索が次第に遅くなります。postgresql.conf で autovacuum = on にしてください"
        ),
        Err(e) => tracing::warn!(error = %e, "PostgreSQL の autovacuum の設定を確認できませんでした"),
    }
}

/// Connections each server keeps open to PostgreSQL unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;

impl Db {
    /// Opens `sqlite://PATH` (created if missing; WAL, synchronous=FULL, foreign
    /// keys on) or `postgres://…` with the default pool size.
    pub async fn connect(url: &str) -> Result<Db> {
        Self::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// The same, with at most `max_connections` to PostgreSQL: several
    /// servers on one database must together stay under its
    /// `max_connections`. SQLite ignores it (one writer, eight readers).
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Db> {
        if url.starts_with("sqlite:") {
            // FULL: a commit is on disk before "saved" is shown, power cut
            // or not. NORMAL could lose the last commits on power failure;
            // the fsync per commit costs little here (BENCHMARKS.md).
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory")
                // ANALYZE after a large import samples instead of reading
                // every row, so it holds the writer for milliseconds.
                .pragma("analysis_limit", "1000");
            // The writer does not checkpoint after its own commits: copying
            // a large import's WAL into the database would hold the only
            // write connection for seconds. `checkpoint` does it from a
            // reader instead, beside the writer (the server calls it).
            let (write_cache, read_cache) = sqlite_cache_kib(SQLITE_CACHE_BUDGET_KIB);
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(
                    options
                        .clone()
                        .pragma("wal_autocheckpoint", "0")
                        .pragma("cache_size", format!("-{write_cache}")),
                )
                .await?;
            let read = SqlitePoolOptions::new()
                .max_connections(SQLITE_READERS)
                .connect_with(options.pragma("cache_size", format!("-{read_cache}")))
                .await?;
            Ok(Db::Sqlite { read, write })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            warn_without_autovacuum(&pool).await;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (BEGIN IMMEDIATE) so that a read-then-write never deadlocks.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => Tx::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn fetch_all<T: Record>(&self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        match self {
            Db::Sqlite { read, .. } => {
                let mut conn = read.acquire().await?;
                Tx::fetch_all_on(Target::Sqlite(&mut conn), stmt).await
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                Tx::fetch_all_on(Target::Postgres(&mut conn), stmt).await
            }
        }
    }

    pub async fn fetch_optional<T: Record>(&self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        match self {
            Db::Sqlite { read, .. } => {
                let mut conn = read.acquire().await?;
                Tx::fetch_optional_on(Target::Sqlite(&mut conn), stmt).await
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                Tx::fetch_optional_on(Target::Postgres(&mut conn), stmt).await
            }
        }
    }

    /// The first column of the first row as an integer (counts, ids).
    pub async fn fetch_i64(&self, stmt: &impl SqlxBinder) -> Result<i64> {
        match self {
            Db::Sqlite { read, .. } => {
                let mut conn = read.acquire().await?;
                Tx::fetch_i64_on(Target::Sqlite(&mut conn), stmt).await
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                Tx::fetch_i64_on(Target::Postgres(&mut conn), stmt).await
            }
        }
    }

    /// Whether the database answers (`SELECT 1` on a reader): what a health
    /// check needs, and nothing that grows with the tenants.
    pub async fn ping(&self) -> Result<()> {
        // A BIGINT literal: PostgreSQL reads a bare 1 as INT4 and `$1` as text.
        let one = sea_query::Query::select()
            .expr(sea_query::Expr::cust("CAST(1 AS BIGINT)"))
            .to_owned();
        self.fetch_i64(&one).await.map(|_| ())
    }

    /// Runs one write statement in its own transaction.
    pub async fn execute(&self, stmt: &impl SqlxBinder) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = tx.execute(stmt).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Copies committed WAL pages into the SQLite database file without
    /// waiting for, or holding up, readers and the writer (PASSIVE); the WAL
    /// then starts over at the next write. PostgreSQL checkpoints itself.
    pub async fn checkpoint(&self) -> Result<()> {
        if let Db::Sqlite { read, .. } = self {
            sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)").execute(read).await?;
        }
        Ok(())
    }

    /// Runs raw SQL written for this database (migrations, pragmas).
    pub async fn execute_raw(&self, sql: &str) -> Result<()> {
        match self {
            Db::Sqlite { write, .. } => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(write).await?;
            }
            Db::Postgres(pool) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(pool).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    fn target(&mut self) -> Target<'_> {
        match self {
            Tx::Sqlite(tx) => Target::Sqlite(tx),
            Tx::Postgres(tx) => Target::Postgres(tx),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    async fn fetch_all_on<T: Record>(target: Target<'_>, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        Ok(run!(target, stmt, |sql, values, conn| {
            sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                .fetch_all(conn)
                .await?
        }))
    }

    async fn fetch_optional_on<T: Record>(target: Target<'_>, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        Ok(run!(target, stmt, |sql, values, conn| {
            sqlx::query_as_with::<_, T, _>(AssertSqlSafe(sql), values)
                .fetch_optional(conn)
                .await?
        }))
    }

    async fn fetch_i64_on(target: Target<'_>, stmt: &impl SqlxBinder) -> Result<i64> {
        Ok(run!(target, stmt, |sql, values, conn| {
            sqlx::query_scalar_with::<_, i64, _>(AssertSqlSafe(sql), values)
                .fetch_one(conn)
                .await?
        }))
    }

    pub async fn fetch_all<T: Record>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        Self::fetch_all_on(self.target(), stmt).await
    }

    pub async fn fetch_optional<T: Record>(&mut self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        Self::fetch_optional_on(self.target(), stmt).await
    }

    pub async fn fetch_i64(&mut self, stmt: &impl SqlxBinder) -> Result<i64> {
        Self::fetch_i64_on(self.target(), stmt).await
    }

    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> Result<u64> {
        Ok(run!(self.target(), stmt, |sql, values, conn| {
            sqlx::query_with(AssertSqlSafe(sql), values)
                .execute(conn)
                .await?
                .rows_affected()
        }))
    }

    /// Runs an INSERT … RETURNING id and gives the new id.
    pub async fn insert_id(&mut self, stmt: &sea_query::InsertStatement) -> Result<i64> {
        let mut stmt = stmt.clone();
        stmt.returning_col(sea_query::Alias::new("id"));
        self.fetch_i64(&stmt).await
    }

    pub async fn execute_raw(&mut self, sql: &str) -> Result<()> {
        match self.target() {
            Target::Sqlite(conn) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(conn).await?;
            }
            Target::Postgres(conn) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_owned())).execute(conn).await?;
            }
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod cache_tests {
    #[test]
    fn the_cache_budget_is_shared_not_multiplied() {
        let (write, read) = super::sqlite_cache_kib(super::SQLITE_CACHE_BUDGET_KIB);
        assert!(write + read * super::SQLITE_READERS <= super::SQLITE_CACHE_BUDGET_KIB);
        assert!(read >= 8 * 1024, "each reader still keeps the hot index pages");
    }
}
