//! Issues (地域課題・要望・提案): reading lists, records, routes and
//! history, and Japanese full-text search over the bigram index. Writes are
//! in [`write`].

pub mod attachments;
pub mod dashboard_cells;
pub mod department_index;
pub mod publication;
pub mod stats;
pub mod templates;
mod write;

pub(crate) use write::refresh_search;
pub use write::{TransitionContext, create, create_at, create_in, transition, update};

use chrono::NaiveDate;
use kyodo_core::issues::{IssueEvent, IssueQuery, IssueRow, IssueStatus, Route};
use kyodo_core::listing::Page;
use kyodo_core::search::{self, Term};
use sea_query::{Condition, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use crate::common;
use crate::db::{Backend, Db};
use crate::error::{Result, StoreError};

const TABLE: &str = "issues";

/// The columns of [`kyodo_core::issues::Issue`], in order.
const COLUMNS: [&str; 33] = [
    "id",
    "municipality_id",
    "kind",
    "title",
    "body",
    "category",
    "area_id",
    "organisation_id",
    "priority",
    "location",
    "latitude",
    "longitude",
    "fiscal_year",
    "source",
    "source_note",
    "received_on",
    "status",
    "responsibility",
    "other_body",
    "plan_text",
    "answer_due_on",
    "reported_on",
    "report_method",
    "report_text",
    "report_public",
    "continuing",
    "closed_at",
    "close_reason",
    "policy_reflection",
    "reflected_on",
    "created_at",
    "updated_at",
    "version",
];

/// Which issues a caller reaches.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    All,
    /// A liaison's districts and the areas below them.
    InAreas(Vec<i64>),
    /// Issues routed to this department.
    RoutedTo(i64),
    /// A community account's organisation.
    Organisation(i64),
    Nothing,
}

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| ("i", c)))
        .expr_as(Expr::col(("a", "name")), "area_name")
        .expr_as(Expr::col(("o", "name")), "organisation_name")
        .from_as(TABLE, "i")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::col(("a", "id")).equals(("i", "area_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "organisations",
            "o",
            Expr::col(("o", "id")).equals(("i", "organisation_id")),
        );
    q
}

/// The issue is routed to `department` (sent, not only planned). Written as
/// `id IN (…)` so the routes' index yields the few issue ids directly.
fn routed_to(department: i64, pending_only: bool) -> Expr {
    let mut sub = Query::select();
    sub.column(("r", "issue_id"))
        .from_as("issue_routes", "r")
        .and_where(Expr::col(("r", "department_id")).eq(department))
        .and_where(Expr::col(("r", "routed_at")).is_not_null());
    if pending_only {
        sub.and_where(Expr::col(("r", "answered_at")).is_null())
            .and_where(Expr::col(("r", "rerouted_at")).is_null());
    }
    Expr::col(("i", "id")).in_subquery(sub.to_owned())
}

/// Continuing open issues with a route last answered before the round began
/// (of `department`, when given): a progress answer (進捗回答) is owed.
fn progress_owed(since: NaiveDate, department: Option<i64>) -> Condition {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from_as("issue_routes", "r")
        .and_where(Expr::col(("r", "issue_id")).equals(("i", "id")))
        .and_where(Expr::col(("r", "routed_at")).is_not_null())
        .and_where(Expr::col(("r", "rerouted_at")).is_null())
        .and_where(Expr::col(("r", "answered_at")).lt(kyodo_core::wareki::jst_start_of(since)));
    if let Some(d) = department {
        sub.and_where(Expr::col(("r", "department_id")).eq(d));
    }
    Condition::all()
        .add(Expr::col(("i", "continuing")).eq(true))
        .add(still_open())
        // EXISTS, not IN: the few continuing issues are read first (by
        // their index) and each checked, instead of every answered route.
        .add(Expr::exists(sub.to_owned()))
}

/// Not closed, written as the open-issue indexes' condition (migration 17)
/// with the status as a literal: PostgreSQL's generic plan for a prepared
/// statement cannot tell that a bound `$1` meets a partial index's condition.
fn still_open() -> Expr {
    Expr::cust(format!("\"i\".\"status\" <> '{}'", IssueStatus::Closed.key()))
}

fn reach_condition(reach: &Reach) -> Condition {
    let c = Condition::all();
    match reach {
        Reach::All => c,
        Reach::InAreas(ids) => c.add(Expr::col(("i", "area_id")).is_in(ids.clone())),
        Reach::RoutedTo(d) => c.add(routed_to(*d, false)),
        Reach::Organisation(o) => c.add(Expr::col(("i", "organisation_id")).eq(*o)),
        Reach::Nothing => c.add(Expr::val(1).eq(0)),
    }
}

/// The scope tokens that narrow a search to `reach` in the index.
fn reach_scopes(municipality_id: i64, reach: &Reach) -> Vec<String> {
    use kyodo_core::search::{Scope, scope_token};
    match reach {
        Reach::InAreas(ids) => ids
            .iter()
            .map(|a| scope_token(municipality_id, Scope::Area, *a))
            .collect(),
        Reach::Organisation(o) => vec![scope_token(municipality_id, Scope::Organisation, *o)],
        Reach::RoutedTo(d) => vec![scope_token(municipality_id, Scope::Department, *d)],
        Reach::All | Reach::Nothing => Vec::new(),
    }
}

/// The search condition for `terms` (all of them, within `scopes`) on this
/// database. Custom SQL takes `?` for SQLite and `$1` for PostgreSQL.
fn search_condition(backend: Backend, terms: &[Term], scopes: &[String]) -> Expr {
    match backend {
        Backend::Sqlite => Expr::cust_with_values(
            "\"i\".\"id\" IN (SELECT rowid FROM issue_fts WHERE issue_fts MATCH ?)",
            [search::fts5_scoped(terms, scopes)],
        ),
        Backend::Postgres => Expr::cust_with_values(
            "\"i\".\"search_vector\" @@ $1::tsquery",
            [search::tsquery_scoped(terms, scopes)],
        ),
    }
}

fn filters(backend: Backend, municipality_id: i64, reach: &Reach, q: &IssueQuery, today: NaiveDate) -> Condition {
    let mut c = reach_condition(reach).add(Expr::col(("i", "municipality_id")).eq(municipality_id));
    let statuses: Vec<String> = q.statuses().iter().map(|s| s.key().to_owned()).collect();
    if !statuses.is_empty() {
        c = c.add(Expr::col(("i", "status")).is_in(statuses));
    }
    let text_filters = [
        ("kind", &q.kind),
        ("category", &q.category),
        ("responsibility", &q.responsibility),
    ];
    for (col, value) in text_filters {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            c = c.add(Expr::col(("i", col)).eq(v));
        }
    }
    if let Some(area) = q.area_id {
        c = c.add(Expr::col(("i", "area_id")).eq(area));
    }
    if let Some(org) = q.organisation_id {
        c = c.add(Expr::col(("i", "organisation_id")).eq(org));
    }
    if let Some(fy) = q.fiscal_year {
        // 継続案件 carry over: a continuing issue from an earlier year shows in later ones.
        c = c.add(
            Condition::any().add(Expr::col(("i", "fiscal_year")).eq(fy)).add(
                Condition::all()
                    .add(Expr::col(("i", "continuing")).eq(true))
                    .add(Expr::col(("i", "fiscal_year")).lt(fy))
                    .add(Expr::col(("i", "status")).ne(IssueStatus::Closed.key())),
            ),
        );
    }
    if let Some(d) = q.department_id {
        c = c.add(routed_to(d, q.pending.unwrap_or(false)));
    }
    if q.overdue.unwrap_or(false) {
        c = c
            .add(Expr::col(("i", "status")).eq(IssueStatus::AwaitingAnswer.key()))
            .add(Expr::col(("i", "answer_due_on")).lt(today));
    }
    if q.continuing.unwrap_or(false) {
        c = c.add(Expr::col(("i", "continuing")).eq(true));
    }
    if q.open.unwrap_or(false) {
        c = c.add(still_open());
    }
    if q.progress_due.unwrap_or(false) {
        c = c.add(match q.progress_since {
            Some(since) => progress_owed(since, q.department_id),
            // No schedule, no progress answers owed.
            None => Expr::val(1).eq(0).into(),
        });
    }
    if let Some(words) = q.q.as_deref() {
        let terms = search::query_terms(municipality_id, words);
        if !terms.is_empty() {
            c = c.add(search_condition(backend, &terms, &reach_scopes(municipality_id, reach)));
        }
    }
    c
}

/// A search with nothing but words (and the caller's reach, in the index's
/// scope tokens), on SQLite: counted and paged in the FTS index alone, the
/// rows read for the page only. `None` when the query has other filters.
async fn search_only(db: &Db, municipality_id: i64, reach: &Reach, q: &IssueQuery) -> Result<Option<(i64, Vec<i64>)>> {
    let terms = search::query_terms(municipality_id, q.q.as_deref().unwrap_or(""));
    let only_words = db.backend() == Backend::Sqlite && !terms.is_empty() && q.sort.is_none() && !q.has_filters();
    if !only_words || *reach == Reach::Nothing {
        return Ok(None);
    }
    let expr = search::fts5_scoped(&terms, &reach_scopes(municipality_id, reach));
    let matching = Query::select()
        .expr(Expr::cust("rowid"))
        .from("issue_fts")
        .and_where(Expr::cust_with_values("issue_fts MATCH ?", [expr.clone()]))
        .to_owned();
    let total = common::count_up_to(db, matching, COUNT_LIMIT + 1).await?;
    let ids = Query::select()
        .expr_as(Expr::cust("rowid"), "id")
        .from("issue_fts")
        .and_where(Expr::cust_with_values("issue_fts MATCH ?", [expr]))
        .order_by_expr(Expr::cust("rowid"), Order::Desc)
        .limit(u64::from(q.per_page()))
        .offset(q.offset())
        .to_owned();
    let ids = db
        .fetch_all::<common::Id>(&ids)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    Ok(Some((total, ids)))
}

pub use crate::common::COUNT_LIMIT;

/// How many issues match `cond`, up to one past [`COUNT_LIMIT`].
async fn capped_count(db: &Db, cond: Condition) -> Result<i64> {
    let matching = Query::select()
        .column(("i", "id"))
        .from_as(TABLE, "i")
        .cond_where(cond)
        .to_owned();
    common::count_up_to(db, matching, COUNT_LIMIT + 1).await
}

/// How many issues the caller reaches match `q` (inbox badges), up to one past [`COUNT_LIMIT`].
pub async fn count(db: &Db, municipality_id: i64, reach: &Reach, q: &IssueQuery, today: NaiveDate) -> Result<i64> {
    if let Some((department, pending)) = department_only(reach, q) {
        let ids = department_index::ids(municipality_id, department, pending, Order::Desc);
        return common::count_up_to(db, ids, COUNT_LIMIT + 1).await;
    }
    capped_count(db, filters(db.backend(), municipality_id, reach, q, today)).await
}

/// A department's whole list or inbox, newest first or last, and nothing
/// else asked: `(department, pending only)`, read from the kept lists.
fn department_only(reach: &Reach, q: &IssueQuery) -> Option<(i64, bool)> {
    let department = match (reach, q.department_id) {
        (Reach::RoutedTo(d), None) => *d,
        (Reach::RoutedTo(d), Some(asked)) if asked == *d => *d,
        (Reach::All, Some(asked)) => asked,
        _ => return None,
    };
    let only_department = IssueQuery {
        department_id: None,
        ..q.clone()
    };
    let words = q.q.as_deref().is_some_and(|w| !w.trim().is_empty());
    // `pending` narrows a department named in the query, as in `filters`.
    let pending = q.department_id.is_some() && q.pending.unwrap_or(false);
    (!only_department.has_filters() && !words && q.sort_key().0 == "received").then_some((department, pending))
}

/// One page of issues the caller reaches, filtered, searched and sorted.
pub async fn list(
    db: &Db,
    municipality_id: i64,
    reach: &Reach,
    q: &IssueQuery,
    today: NaiveDate,
) -> Result<Page<IssueRow>> {
    if let Some((total, ids)) = search_only(db, municipality_id, reach, q).await? {
        // The rows still pass the reach and tenancy conditions themselves.
        let rows = select_rows()
            .cond_where(reach_condition(reach))
            .and_where(Expr::col(("i", "municipality_id")).eq(municipality_id))
            .and_where(Expr::col(("i", "id")).is_in(ids))
            .order_by(("i", "id"), Order::Desc)
            .to_owned();
        let items = db.fetch_all(&rows).await?;
        return Ok(page_of(items, total, q));
    }
    let (key, desc) = q.sort_key();
    if let Some((department, pending)) = department_only(reach, q) {
        let order = if desc { Order::Desc } else { Order::Asc };
        let total = count(db, municipality_id, reach, q, today).await?;
        let ids = department_index::ids(municipality_id, department, pending, order.clone())
            .limit(u64::from(q.per_page()))
            .offset(q.offset())
            .to_owned();
        let items = common::page_rows(db, ids, select_rows(), "i", "received_on", order).await?;
        return Ok(page_of(items, total, q));
    }
    let cond = filters(db.backend(), municipality_id, reach, q, today);
    let total = capped_count(db, cond.clone()).await?;
    let searching =
        q.q.as_deref()
            .is_some_and(|w| !search::query_terms(municipality_id, w).is_empty());
    let column = match key {
        "due" => "answer_due_on",
        "updated" => "updated_at",
        // A search's hits come newest intake first straight off the index.
        _ if searching && q.sort.is_none() => "id",
        _ => "received_on",
    };
    let order = if desc { Order::Desc } else { Order::Asc };
    let ids_query = Query::select()
        .column(("i", "id"))
        .from_as(TABLE, "i")
        .cond_where(cond)
        .order_by(("i", column), order.clone())
        .order_by(("i", "id"), order.clone())
        .limit(u64::from(q.per_page()))
        .offset(q.offset())
        .to_owned();
    let items = common::page_rows(db, ids_query, select_rows(), "i", column, order).await?;
    Ok(page_of(items, total, q))
}

fn page_of(items: Vec<IssueRow>, counted: i64, q: &IssueQuery) -> Page<IssueRow> {
    let (total, more) = common::capped(counted);
    Page {
        items,
        total,
        more,
        next_after: None,
        page: q.page(),
        per_page: q.per_page(),
    }
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<IssueRow> {
    let q = select_rows()
        .and_where(Expr::col(("i", "id")).eq(id))
        .and_where(Expr::col(("i", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

fn select_routes() -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "issue_id",
                "department_id",
                "routed_at",
                "due_on",
                "stance",
                "answer_text",
                "internal_note",
                "expected_on",
                "reason",
                "answered_at",
                "answered_by",
                "rerouted_at",
                "reroute_reason",
            ]
            .map(|c| ("r", c)),
        )
        .expr_as(Expr::col(("d", "name")), "department_name")
        .from_as("issue_routes", "r")
        .join_as(
            JoinType::InnerJoin,
            "departments",
            "d",
            Expr::col(("d", "id")).equals(("r", "department_id")),
        )
        .order_by(("r", "id"), Order::Asc)
        .to_owned()
}

/// The departments an issue is (or was, or will be) routed to.
pub async fn routes(db: &Db, municipality_id: i64, issue_id: i64) -> Result<Vec<Route>> {
    let q = select_routes()
        .and_where(Expr::col(("r", "issue_id")).eq(issue_id))
        .and_where(Expr::col(("r", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_all(&q).await
}

/// The routes of several issues at once (a page of a list), in one query.
pub async fn routes_of(db: &Db, municipality_id: i64, issue_ids: &[i64]) -> Result<Vec<Route>> {
    if issue_ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = select_routes()
        .and_where(Expr::col(("r", "issue_id")).is_in(issue_ids.to_vec()))
        .and_where(Expr::col(("r", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_all(&q).await
}

/// The issue's history, oldest first.
pub async fn events(db: &Db, municipality_id: i64, issue_id: i64) -> Result<Vec<IssueEvent>> {
    let q = Query::select()
        .columns([
            "id",
            "issue_id",
            "at",
            "actor",
            "user_id",
            "action",
            "from_status",
            "to_status",
            "note",
            "public_note",
        ])
        .from("issue_events")
        .and_where(Expr::col("issue_id").eq(issue_id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .order_by("at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Whether `reach` takes in `issue` (with its `routes`).
pub fn reaches(reach: &Reach, issue: &kyodo_core::issues::Issue, routes: &[Route]) -> bool {
    match reach {
        Reach::All => true,
        Reach::InAreas(ids) => ids.contains(&issue.area_id),
        Reach::RoutedTo(d) => routes.iter().any(|r| r.department_id == *d && r.routed_at.is_some()),
        Reach::Organisation(o) => issue.organisation_id == Some(*o),
        Reach::Nothing => false,
    }
}

/// Past issues like `text` (他地域での事例), best first: candidates share a
/// three-character phrase with it (newest few hundred, straight from the
/// index), ranked by how many of its bigrams they share. Catches duplicates
/// and shows answers worth reusing.
pub async fn similar(
    db: &Db,
    municipality_id: i64,
    reach: &Reach,
    text: &str,
    exclude: Option<i64>,
    limit: usize,
) -> Result<Vec<IssueRow>> {
    const CANDIDATES: u64 = 300;
    let terms = search::similar_terms(municipality_id, text);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let (fts, ts) = search::phrase_windows(&terms);
    let matched = match db.backend() {
        Backend::Sqlite => Expr::cust_with_values(
            "\"i\".\"id\" IN (SELECT rowid FROM issue_fts WHERE issue_fts MATCH ? ORDER BY rowid DESC LIMIT 300)",
            [fts],
        ),
        Backend::Postgres => Expr::cust_with_values("\"i\".\"search_vector\" @@ $1::tsquery", [ts]),
    };
    #[derive(sqlx::FromRow)]
    struct Candidate {
        id: i64,
        search_text: String,
    }
    let mut q = Query::select();
    q.columns([("i", "id"), ("i", "search_text")])
        .from_as(TABLE, "i")
        .cond_where(reach_condition(reach))
        .and_where(Expr::col(("i", "municipality_id")).eq(municipality_id))
        .and_where(matched)
        .order_by(("i", "id"), Order::Desc)
        .limit(CANDIDATES);
    if let Some(id) = exclude {
        q.and_where(Expr::col(("i", "id")).ne(id));
    }
    let candidates = db.fetch_all::<Candidate>(&q).await?;
    let ranked = search::rank_similar(
        &terms,
        candidates.into_iter().map(|c| (c.id, c.search_text, c.id)),
        limit,
    );
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let rows = select_rows()
        .and_where(Expr::col(("i", "id")).is_in(ranked.clone()))
        .to_owned();
    let mut rows: Vec<IssueRow> = db.fetch_all(&rows).await?;
    rows.sort_by_key(|r| ranked.iter().position(|id| *id == r.issue.id));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::SqliteQueryBuilder;
    use sea_query_sqlx::SqlxBinder;
    use sqlx::Row;

    /// SQLite's plan for `stmt`, with its values bound as the store binds
    /// them, on an empty database of the current schema.
    async fn sqlite_plan(stmt: &SelectStatement) -> String {
        let path = std::env::temp_dir().join(format!("kyodo-plan-{}.db", std::process::id()));
        let url = format!("sqlite://{}", path.display());
        let db = Db::connect(&url).await.expect("database");
        crate::migrations::migrate(&db).await.expect("migrations");
        let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
        let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
        // The statement is the store's own, built by sea-query with its values bound.
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")), values)
            .fetch_all(&pool)
            .await
            .expect("plan");
        pool.close().await;
        db.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        rows.iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn open_list(reach: &Reach) -> SelectStatement {
        let q = IssueQuery {
            open: Some(true),
            ..Default::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).expect("a date");
        Query::select()
            .column(("i", "id"))
            .from_as(TABLE, "i")
            .cond_where(filters(Backend::Sqlite, 1, reach, &q, today))
            .order_by(("i", "received_on"), Order::Desc)
            .order_by(("i", "id"), Order::Desc)
            .limit(50)
            .to_owned()
    }

    /// A district's ten years hold a few dozen open issues: the liaison's
    /// and the coordinator's open lists read those alone (migration 17's
    /// partial indexes), not the district's or the city's whole history.
    #[tokio::test]
    async fn open_lists_read_the_open_issues_index() {
        // Which of the two the planner takes depends on the data's statistics.
        let liaison = sqlite_plan(&open_list(&Reach::InAreas(vec![3, 4]))).await;
        assert!(liaison.contains("INDEX ix_issues_open_by_"), "{liaison}");
        let coordinator = sqlite_plan(&open_list(&Reach::All)).await;
        assert!(coordinator.contains("INDEX ix_issues_open_by_"), "{coordinator}");
    }
}
