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

/// The named records searched through a bigram index (`search_tokens`).
const TOKENISED: [&str; 2] = ["organisations", "staff"];

/// Fills the index tokens of named records that have none: those made
/// before the index existed (once, after the migration that added it).
pub async fn fill_missing_tokens(db: &Db) -> Result<usize> {
    #[derive(sqlx::FromRow)]
    struct Keyed {
        id: i64,
        municipality_id: i64,
        search_text: Option<String>,
    }
    let mut filled = 0;
    for table in TOKENISED {
        let q = Query::select()
            .columns(["id", "municipality_id", "search_text"])
            .from(table)
            .and_where(Expr::col("search_tokens").is_null())
            .to_owned();
        let rows: Vec<Keyed> = db.fetch_all(&q).await?;
        if rows.is_empty() {
            continue;
        }
        let mut tx = db.begin().await?;
        for r in &rows {
            let tokens = common::search_tokens(r.municipality_id, r.search_text.as_deref().unwrap_or(""));
            let q = Query::update()
                .table(table)
                .value("search_tokens", tokens)
                .and_where(Expr::col("id").eq(r.id))
                .to_owned();
            tx.execute(&q).await?;
        }
        tx.commit().await?;
        filled += rows.len();
    }
    if filled > 0 {
        tracing::info!(filled, "search tokens filled");
    }
    Ok(filled)
}

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
        municipality_id: i64,
        code: String,
        name: String,
        name_kana: Option<String>,
    }
    let q = Query::select()
        .columns(["id", "municipality_id"])
        .expr_as(Expr::col(code), "code")
        .columns(["name", "name_kana"])
        .from(table)
        .to_owned();
    let rows: Vec<Named> = tx.fetch_all(&q).await?;
    for r in &rows {
        let key = common::search_text(&[Some(&r.code), Some(&r.name), r.name_kana.as_deref()]);
        let mut q = Query::update();
        q.table(table).and_where(Expr::col("id").eq(r.id));
        if TOKENISED.contains(&table) {
            q.value("search_tokens", common::search_tokens(r.municipality_id, &key));
        }
        q.value("search_text", key);
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
