//! Pieces every record module uses: list queries, version checks,
//! references within one municipality, search text, import reports.

pub use kyodo_core::csv_import::{ImportReport, UpdatedRecord};
use kyodo_core::listing::{ListQuery, Page};
use sea_query::{Condition, Expr, ExprTrait, Order, SelectStatement};

use crate::db::{Db, Record, Tx};
use crate::error::{Result, StoreError};

/// The normalised text a list's `q` filter looks in: names, readings, codes.
pub fn search_text(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|p| kyodo_core::text::search_key(p))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a list maps its sort keys to columns.
pub struct ListSpec<'a> {
    /// The record's table, and the alias its columns live under in `base`.
    pub from: &'static str,
    pub table: &'static str,
    /// `(sort key, column)`; the first is the default.
    pub sorts: &'a [(&'static str, &'static str)],
    /// Searched through its bigram index (`{from}_fts` on SQLite, the
    /// `search_vector` column on PostgreSQL), not by `LIKE '%…%'`: a scan of
    /// every row that cost 27 ms at 20,000 staff.
    pub indexed: bool,
    /// Sort columns that may be NULL: those lists page by offset.
    pub nullable: &'a [&'static str],
}

/// The index tokens stored beside a named record's `search_text`.
pub fn search_tokens(municipality_id: i64, search_text: &str) -> String {
    kyodo_core::search::record_tokens(municipality_id, search_text)
}

/// `words` in a named record's bigram index (see [`ListSpec::indexed`]).
fn indexed_match(db: &Db, municipality_id: i64, spec: &ListSpec<'_>, words: &str) -> Option<Expr> {
    let terms = kyodo_core::search::query_terms(municipality_id, words);
    if terms.is_empty() {
        return None;
    }
    let t = spec.table;
    Some(match db.backend() {
        crate::db::Backend::Sqlite => Expr::cust_with_values(
            format!(
                "\"{t}\".\"id\" IN (SELECT rowid FROM {}_fts WHERE {}_fts MATCH ?)",
                spec.from, spec.from
            ),
            [kyodo_core::search::fts5_match(&terms, true)],
        ),
        crate::db::Backend::Postgres => Expr::cust_with_values(
            format!("\"{t}\".\"search_vector\" @@ $1::tsquery"),
            [kyodo_core::search::tsquery(&terms, true)],
        ),
    })
}

/// Runs a list query with the filters every record list shares: tenancy,
/// archived, `q`, sort and page, plus the list's own `filters` (on the
/// record's columns). `base` has the columns and joins of a page; the count
/// runs on the record's table alone, since the joins add nothing to it.
pub async fn list_page<T: Record>(
    db: &Db,
    municipality_id: i64,
    spec: &ListSpec<'_>,
    query: &ListQuery,
    base: SelectStatement,
    filters: Condition,
) -> Result<Page<T>> {
    let t = spec.table;
    let mut cond = filters.add(Expr::col((t, "municipality_id")).eq(municipality_id));
    if !query.archived.unwrap_or(false) {
        cond = cond.add(Expr::col((t, "archived_at")).is_null());
    }
    if let Some(words) = query.words().filter(|_| spec.indexed) {
        if let Some(found) = indexed_match(db, municipality_id, spec, &words) {
            cond = cond.add(found);
        }
    } else if let Some(words) = query.words() {
        for word in words.split_whitespace() {
            let key = kyodo_core::text::search_key(word);
            let pattern = format!("%{}%", escape_like(&key));
            cond = cond.add(Expr::col((t, "search_text")).like(sea_query::LikeExpr::new(pattern).escape('\\')));
        }
    }
    let matching = sea_query::Query::select()
        .column((t, "id"))
        .from_as(spec.from, t)
        .cond_where(cond.clone())
        .to_owned();
    let (total, more) = capped_total(db, matching).await?;

    let keys: Vec<&str> = spec.sorts.iter().map(|(k, _)| *k).collect();
    let (key, desc) = query.sort_key(&keys, spec.sorts[0].0);
    let column = spec
        .sorts
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(spec.sorts[0].1, |(_, c)| *c);
    let order = if desc { Order::Desc } else { Order::Asc };
    // Keyset paging where the order is total: a sort column without NULLs,
    // then the id. NULLs sort differently on the two databases and compare
    // as unknown, so a nullable sort pages by offset.
    let by_key = !spec.nullable.contains(&column);
    let mut ids_query = sea_query::Query::select()
        .column((t, "id"))
        .from_as(spec.from, t)
        .cond_where(cond)
        .order_by((t, column), order.clone())
        .order_by((t, "id"), order.clone())
        .limit(u64::from(query.per_page()))
        .to_owned();
    match query.after.filter(|_| by_key) {
        Some(after) => {
            ids_query.and_where(after_row(spec, municipality_id, column, desc, after));
        }
        None => {
            ids_query.offset(query.offset());
        }
    }
    let ids = page_ids(db, &ids_query).await?;
    let next_after = match ids.last() {
        Some(last) if by_key && ids.len() == query.per_page() as usize => Some(*last),
        _ => None,
    };
    let items = rows_for_ids(db, ids, base, t, column, order).await?;
    Ok(Page {
        items,
        total,
        more,
        next_after,
        page: query.page(),
        per_page: query.per_page(),
    })
}

/// Counting stops here: past it a list says 「1,000件以上」, and a count
/// never costs more than reading this many index entries. Nobody pages
/// through twenty pages of fifty; they narrow the list instead.
pub const COUNT_LIMIT: u64 = 1_000;

/// How many rows `matching` selects, as a page shows it: `(total, more)`,
/// counted to one past [`COUNT_LIMIT`].
pub(crate) async fn capped_total(db: &Db, matching: SelectStatement) -> Result<(u64, bool)> {
    Ok(capped(count_up_to(db, matching, COUNT_LIMIT + 1).await?))
}

/// A count read to one past [`COUNT_LIMIT`] as `(total, more)`: the total
/// shown, and whether counting stopped there (「…件以上」).
pub(crate) fn capped(counted: i64) -> (u64, bool) {
    let counted = u64::try_from(counted).unwrap_or(0);
    (Ord::min(counted, COUNT_LIMIT), counted > COUNT_LIMIT)
}

/// Rows that come after row `after` in the order `(column, id)`: the row's
/// own sort value is read by a subquery, so the cursor is only its id. Another
/// municipality's id reads no value, and the page is empty.
fn after_row(spec: &ListSpec<'_>, municipality_id: i64, column: &'static str, desc: bool, after: i64) -> Expr {
    let t = spec.table;
    let value = Expr::SubQuery(
        None,
        Box::new(
            sea_query::Query::select()
                .column(column)
                .from(spec.from)
                .and_where(Expr::col("id").eq(after))
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .to_owned()
                .into(),
        ),
    );
    let row = Expr::tuple([Expr::col((t, column)), Expr::col((t, "id"))]);
    let cursor = Expr::tuple([value, Expr::val(after)]);
    if desc { row.lt(cursor) } else { row.gt(cursor) }
}

/// A row of one `id` column.
#[derive(sqlx::FromRow)]
pub(crate) struct Id {
    pub id: i64,
}

/// A page in two steps: `ids_query` picks the page's ids from the record's
/// table alone, where an index can order and skip rows; `base` (the columns
/// and display joins, the table under `alias`) then runs for those rows only.
pub(crate) async fn page_rows<T: Record>(
    db: &Db,
    ids_query: SelectStatement,
    base: SelectStatement,
    alias: &'static str,
    column: &'static str,
    order: Order,
) -> Result<Vec<T>> {
    let ids = page_ids(db, &ids_query).await?;
    rows_for_ids(db, ids, base, alias, column, order).await
}

async fn page_ids(db: &Db, ids_query: &SelectStatement) -> Result<Vec<i64>> {
    Ok(db.fetch_all::<Id>(ids_query).await?.into_iter().map(|r| r.id).collect())
}

/// `base` for the rows `ids`, in the page's order.
async fn rows_for_ids<T: Record>(
    db: &Db,
    ids: Vec<i64>,
    mut base: SelectStatement,
    alias: &'static str,
    column: &'static str,
    order: Order,
) -> Result<Vec<T>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    base.and_where(Expr::col((alias, "id")).is_in(ids))
        .order_by((alias, column), order.clone())
        .order_by((alias, "id"), order);
    db.fetch_all(&base).await
}

/// How many rows `matching` selects, counting no further than `limit`.
pub(crate) async fn count_up_to(db: &Db, mut matching: SelectStatement, limit: u64) -> Result<i64> {
    matching.limit(limit);
    let count = sea_query::Query::select()
        .expr(Expr::cust("count(*)"))
        .from_subquery(matching, "m")
        .to_owned();
    db.fetch_i64(&count).await
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// True when `id` is a row of `table` in this municipality (and not archived).
pub async fn exists_in(tx: &mut Tx, table: &'static str, municipality_id: i64, id: i64) -> Result<bool> {
    let q = sea_query::Query::select()
        .expr(Expr::col("id").count())
        .from(table)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("archived_at").is_null())
        .to_owned();
    Ok(tx.fetch_i64(&q).await? > 0)
}

/// True when `id` is a row of `table` in this municipality, for records
/// that are never archived (meetings, issues).
pub async fn row_exists(tx: &mut Tx, table: &'static str, municipality_id: i64, id: i64) -> Result<bool> {
    let q = sea_query::Query::select()
        .expr(Expr::col("id").count())
        .from(table)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    Ok(tx.fetch_i64(&q).await? > 0)
}

/// The id of the row of `table` whose `key_col` is `key`, in this municipality.
pub async fn id_by_key(
    tx: &mut Tx,
    table: &'static str,
    key_col: &'static str,
    municipality_id: i64,
    key: &str,
) -> Result<Option<i64>> {
    let q = sea_query::Query::select()
        .column("id")
        .from(table)
        .and_where(Expr::col(key_col).eq(key))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    Ok(tx.fetch_optional::<Id>(&q).await?.map(|r| r.id))
}

/// After an UPDATE … WHERE version = ? changed nothing: gone, or changed by someone else?
pub async fn missing_or_conflict(tx: &mut Tx, table: &'static str, municipality_id: i64, id: i64) -> StoreError {
    match row_exists(tx, table, municipality_id, id).await {
        Ok(false) => StoreError::NotFound,
        Ok(true) => StoreError::Conflict,
        Err(e) => e,
    }
}

/// Sets or clears `archived_at` and logs it; archiving twice is harmless.
pub async fn set_archived(
    tx: &mut Tx,
    actor: &crate::audit::Actor,
    table: &'static str,
    id: i64,
    archived: bool,
) -> Result<()> {
    let value: Option<chrono::DateTime<chrono::Utc>> = archived.then(chrono::Utc::now);
    let q = sea_query::Query::update()
        .table(table)
        .value("archived_at", value)
        .value("version", Expr::col("version").add(1))
        .value("updated_at", chrono::Utc::now())
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .to_owned();
    if tx.execute(&q).await? == 0 {
        return Err(StoreError::NotFound);
    }
    crate::audit::record(
        tx,
        actor,
        crate::audit::Event {
            action: if archived {
                kyodo_core::audit::kind::ARCHIVE
            } else {
                kyodo_core::audit::kind::RESTORE
            },
            entity: table,
            entity_id: Some(id),
            detail: None,
        },
    )
    .await
}

/// Ends an import: all or nothing. Errors roll everything back; a dry run
/// rolls back what it did to see the result.
pub async fn finish_import(
    tx: Tx,
    errors: Vec<kyodo_core::csv_import::ImportError>,
    report: ImportReport,
) -> Result<ImportReport> {
    if !errors.is_empty() {
        drop(tx);
        return Err(StoreError::Import(errors));
    }
    if report.dry_run {
        drop(tx);
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

/// Whether `candidate` is `me` or below `me` in a tree kept by `parent_id`.
pub async fn is_descendant_or_self(
    tx: &mut Tx,
    table: &'static str,
    municipality_id: i64,
    candidate: i64,
    me: i64,
) -> Result<bool> {
    #[derive(sqlx::FromRow)]
    struct Parent {
        parent_id: Option<i64>,
    }
    let mut current = Some(candidate);
    // A tree deeper than this is a cycle that slipped in some other way.
    for _ in 0..64 {
        let Some(id) = current else {
            return Ok(false);
        };
        if id == me {
            return Ok(true);
        }
        let q = sea_query::Query::select()
            .column("parent_id")
            .from(table)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .to_owned();
        current = tx.fetch_optional::<Parent>(&q).await?.and_then(|p| p.parent_id);
    }
    Err(StoreError::Corrupt(format!("{table} tree has a cycle")))
}

/// Archiving a tree node is refused while nodes below it are active.
pub async fn has_active_children(tx: &mut Tx, table: &'static str, id: i64) -> Result<bool> {
    let q = sea_query::Query::select()
        .expr(Expr::col("id").count())
        .from(table)
        .and_where(Expr::col("parent_id").eq(id))
        .and_where(Expr::col("archived_at").is_null())
        .to_owned();
    Ok(tx.fetch_i64(&q).await? > 0)
}

/// Logs a create with the new record, or an update with its changes.
pub async fn audit_change(
    tx: &mut Tx,
    actor: &crate::audit::Actor,
    table: &'static str,
    id: i64,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
) -> Result<serde_json::Value> {
    audit_change_withholding(tx, actor, table, id, before, after, &[]).await
}

/// As [`audit_change`], logging only that the `personal` fields changed, not their values.
pub async fn audit_change_withholding(
    tx: &mut Tx,
    actor: &crate::audit::Actor,
    table: &'static str,
    id: i64,
    before: Option<serde_json::Value>,
    after: serde_json::Value,
    personal: &[&str],
) -> Result<serde_json::Value> {
    let (action, detail) = match before {
        Some(b) => (kyodo_core::audit::kind::UPDATE, kyodo_core::audit::diff(&b, &after)),
        None => (kyodo_core::audit::kind::CREATE, after),
    };
    let detail = kyodo_core::audit::withhold(detail, personal);
    crate::audit::record(
        tx,
        actor,
        crate::audit::Event {
            action,
            entity: table,
            entity_id: Some(id),
            detail: Some(detail.clone()),
        },
    )
    .await?;
    Ok(detail)
}

/// Adds one import line's outcome to the report.
pub fn tally(report: &mut ImportReport, key: &str, changes: Option<serde_json::Value>) {
    match changes {
        None => report.created.push(key.to_owned()),
        Some(c) if c.as_object().is_some_and(|o| o.is_empty()) => report.unchanged += 1,
        Some(changes) => report.updated.push(UpdatedRecord {
            key: key.to_owned(),
            changes,
        }),
    }
}

/// A code from a CSV cell, normalised as forms do.
pub fn cell_code(raw: &str) -> String {
    kyodo_core::text::normalize_digits(&kyodo_core::text::normalize_input(raw))
}
