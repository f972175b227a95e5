//! Imports started from /data (取込の進み具合): one row each, updated while
//! the import runs and holding its report or refusal at the end. Kept in
//! the database, so that several servers show the same progress.

use chrono::{DateTime, Utc};
use kyodo_core::csv_import::{DataKind, ImportOutcome, ImportRunState};
use sea_query::{Expr, ExprTrait, Query};

use crate::audit::Actor;
use crate::db::Db;
use crate::error::{Result, StoreError};

const TABLE: &str = "import_runs";

/// One import as its page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRun {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub dry_run: bool,
    #[sqlx(try_from = "String")]
    pub state: ImportRunState,
    pub checked: i64,
    pub total: i64,
    /// The `ImportOutcome` as JSON, once the import has ended.
    pub outcome: Option<String>,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ImportRun {
    pub fn kind(&self) -> Option<DataKind> {
        DataKind::parse(&self.kind)
    }

    /// How it ended; `None` while it runs.
    pub fn outcome(&self) -> Result<Option<ImportOutcome>> {
        self.outcome
            .as_deref()
            .map(|json| {
                serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("import run {}: {e}", self.id)))
            })
            .transpose()
    }
}

/// Records that `actor` started importing a file of `kind`.
pub async fn start(db: &Db, actor: &Actor, kind: DataKind, dry_run: bool) -> Result<i64> {
    let user_id = actor
        .user_id
        .ok_or_else(|| StoreError::Refused("取込の進み具合はログインした利用者にだけ表示できます".into()))?;
    let now = Utc::now();
    let mut q = Query::insert();
    q.into_table(TABLE)
        .columns([
            "municipality_id",
            "user_id",
            "kind",
            "dry_run",
            "state",
            "started_at",
            "updated_at",
        ])
        .values_panic([
            actor.municipality_id.into(),
            user_id.into(),
            kind.as_str().into(),
            dry_run.into(),
            ImportRunState::Running.as_str().into(),
            now.into(),
            now.into(),
        ]);
    let mut tx = db.begin().await?;
    let id = tx.insert_id(&q).await?;
    tx.commit().await?;
    Ok(id)
}

/// How far it has got (and that it is still alive, even when the count stands).
pub async fn progress(db: &Db, id: i64, checked: u64, total: u64) -> Result<()> {
    let q = Query::update()
        .table(TABLE)
        .value("checked", i64::try_from(checked).unwrap_or(i64::MAX))
        .value("total", i64::try_from(total).unwrap_or(i64::MAX))
        .value("updated_at", Utc::now())
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq(ImportRunState::Running.as_str()))
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// How it ended.
pub async fn finish(db: &Db, id: i64, outcome: &ImportOutcome) -> Result<()> {
    let json = serde_json::to_string(outcome).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let q = Query::update()
        .table(TABLE)
        .value("state", outcome.state().as_str())
        .value("outcome", json)
        .value("updated_at", Utc::now())
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// The run `id` if `user_id` of `municipality_id` started it: a staff
/// file's report names people, so nobody else reads it.
pub async fn get(db: &Db, municipality_id: i64, user_id: i64, id: i64) -> Result<ImportRun> {
    let q = Query::select()
        .columns([
            "id",
            "user_id",
            "kind",
            "dry_run",
            "state",
            "checked",
            "total",
            "outcome",
            "started_at",
            "updated_at",
        ])
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("user_id").eq(user_id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}
