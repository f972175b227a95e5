//! Stored search keys (検索キー) follow `kyodo_core::text::search_key`: when
//! its folding changes (`SEARCH_KEY_VERSION`, e.g. variant kanji), every
//! stored key is rebuilt once, at start-up, so that old records are found
//! the way new ones are.

use sea_query::{Expr, ExprTrait, Func, Query};

use crate::common;
use crate::db::{Backend, Db, Tx};
use crate::error::Result;

const VERSIONS: &str = "kyodo_search_keys";

/// The record tables whose `search_text` is their code, name and reading.
const NAMED: [(&str, &str); 4] = [
    ("areas", "code"),
    ("departments", "code"),
    ("organisations", "code"),
    ("staff", "employee_number"),
];

/// Rebuilds every stored key if they were made by an older `search_key`;
/// returns how many records were rebuilt.
pub async fn rebuild_if_stale(db: &Db) -> Result<usize> {
    let current = kyodo_core::text::SEARCH_KEY_VERSION;
    let mut tx = db.begin().await?;
    if tx.backend() == Backend::Postgres {
        // Servers starting together rebuild once: the second finds it done.
        tx.execute_raw("SELECT pg_advisory_xact_lock(4242002)").await?;
    }
    // An empty table: keys made before the table existed, version 1.
    let stored = Query::select()
        .expr(Func::coalesce([Expr::col("version").max(), Expr::val(1)]))
        .from(VERSIONS)
        .to_owned();
    if tx.fetch_i64(&stored).await? >= current {
        return Ok(0);
    }
    let mut rebuilt = 0;
    for (table, code) in NAMED {
        rebuilt += rebuild_named(&mut tx, table, code).await?;
    }
    rebuilt += rebuild_issues(&mut tx).await?;
    tx.execute(&Query::delete().from_table(VERSIONS).to_owned()).await?;
    tx.execute(
        &Query::insert()
            .into_table(VERSIONS)
            .columns(["version"])
            .values_panic([current.into()])
            .to_owned(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(rebuilt, version = current, "search keys rebuilt");
    Ok(rebuilt)
}

async fn rebuild_named(tx: &mut Tx, table: &'static str, code: &'static str) -> Result<usize> {
    #[derive(sqlx::FromRow)]
    struct Named {
        id: i64,
        code: String,
        name: String,
        name_kana: Option<String>,
    }
    let q = Query::select()
        .column("id")
        .expr_as(Expr::col(code), "code")
        .columns(["name", "name_kana"])
        .from(table)
        .to_owned();
    let rows: Vec<Named> = tx.fetch_all(&q).await?;
    for r in &rows {
        let key = common::search_text(&[Some(&r.code), Some(&r.name), r.name_kana.as_deref()]);
        let q = Query::update()
            .table(table)
            .value("search_text", key)
            .and_where(Expr::col("id").eq(r.id))
            .to_owned();
        tx.execute(&q).await?;
    }
    Ok(rows.len())
}

async fn rebuild_issues(tx: &mut Tx) -> Result<usize> {
    #[derive(sqlx::FromRow)]
    struct IssueId {
        id: i64,
        municipality_id: i64,
    }
    let q = Query::select()
        .columns(["id", "municipality_id"])
        .from("issues")
        .to_owned();
    let rows: Vec<IssueId> = tx.fetch_all(&q).await?;
    for r in &rows {
        crate::issues::refresh_search(tx, r.municipality_id, r.id).await?;
    }
    Ok(rows.len())
}
