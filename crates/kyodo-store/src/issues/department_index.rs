//! The departments' issue lists, kept (課題の回付先): one row per issue and
//! department it was routed to, with the issue's 受付日 and whether an
//! answer is still owed. A department's list and inbox are the newest rows
//! of one index, whatever the city's history holds; ordering the issues
//! behind every route of a busy department cost time in proportion to it.

use chrono::NaiveDate;
use kyodo_core::issues::Route;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::db::{Backend, Db, Tx};
use crate::error::Result;

pub(crate) const TABLE: &str = "department_issues";

/// The rows `routes` call for: each department an issue was sent to, pending
/// while one of its routes there is neither answered nor rerouted.
fn wanted(routes: &[Route]) -> Vec<(i64, bool)> {
    let mut rows: Vec<(i64, bool)> = Vec::new();
    for r in routes.iter().filter(|r| r.routed_at.is_some()) {
        let pending = r.answered_at.is_none() && r.rerouted_at.is_none();
        match rows.iter_mut().find(|(d, _)| *d == r.department_id) {
            Some((_, p)) => *p |= pending,
            None => rows.push((r.department_id, pending)),
        }
    }
    rows
}

#[derive(sqlx::FromRow)]
struct Held {
    department_id: i64,
    received_on: NaiveDate,
    pending: bool,
}

/// Brings the issue's rows in line with its routes and 受付日, in the
/// transaction that changed them; rows already right are not rewritten.
pub(crate) async fn sync(
    tx: &mut Tx,
    municipality_id: i64,
    issue_id: i64,
    received_on: NaiveDate,
    routes: &[Route],
) -> Result<()> {
    let wanted = wanted(routes);
    let held: Vec<Held> = tx
        .fetch_all(
            &Query::select()
                .columns(["department_id", "received_on", "pending"])
                .from(TABLE)
                .and_where(Expr::col("issue_id").eq(issue_id))
                .to_owned(),
        )
        .await?;
    for h in &held {
        match wanted.iter().find(|(d, _)| *d == h.department_id) {
            None => {
                tx.execute(
                    &Query::delete()
                        .from_table(TABLE)
                        .and_where(Expr::col("issue_id").eq(issue_id))
                        .and_where(Expr::col("department_id").eq(h.department_id))
                        .to_owned(),
                )
                .await?;
            }
            Some((_, pending)) if *pending != h.pending || h.received_on != received_on => {
                tx.execute(
                    &Query::update()
                        .table(TABLE)
                        .value("pending", *pending)
                        .value("received_on", received_on)
                        .and_where(Expr::col("issue_id").eq(issue_id))
                        .and_where(Expr::col("department_id").eq(h.department_id))
                        .to_owned(),
                )
                .await?;
            }
            Some(_) => {}
        }
    }
    for (department_id, pending) in wanted {
        if held.iter().any(|h| h.department_id == department_id) {
            continue;
        }
        tx.execute(
            &Query::insert()
                .into_table(TABLE)
                .columns(["municipality_id", "department_id", "issue_id", "received_on", "pending"])
                .values_panic([
                    municipality_id.into(),
                    department_id.into(),
                    issue_id.into(),
                    received_on.into(),
                    pending.into(),
                ])
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

/// The issues of `department` (only those still owing an answer when
/// `pending`), newest 受付日 first or last, straight off the index.
pub(crate) fn ids(municipality_id: i64, department_id: i64, pending: bool, order: Order) -> SelectStatement {
    let mut q = Query::select();
    q.expr_as(Expr::col("issue_id"), "id")
        .from(TABLE)
        .and_where(Expr::col("department_id").eq(department_id))
        .and_where(Expr::col("municipality_id").eq(municipality_id));
    if pending {
        q.and_where(Expr::col("pending").eq(true));
    }
    q.order_by("received_on", order.clone()).order_by("issue_id", order);
    q
}

/// The backfill, for the migration and for data loaded around the store
/// (the benchmarks' bulk insert): every routed issue's rows, from its routes.
pub(crate) fn rebuild_sql(backend: Backend) -> String {
    // The one difference: whether any route still owes an answer.
    let any = match backend {
        Backend::Sqlite => "MAX",
        Backend::Postgres => "bool_or",
    };
    format!(
        "INSERT INTO department_issues (municipality_id, department_id, issue_id, received_on, pending) \
         SELECT i.municipality_id, r.department_id, r.issue_id, i.received_on, \
                {any}(r.answered_at IS NULL AND r.rerouted_at IS NULL) \
         FROM issue_routes r JOIN issues i ON i.id = r.issue_id \
         WHERE r.routed_at IS NOT NULL \
         GROUP BY r.department_id, r.issue_id, i.municipality_id, i.received_on"
    )
}

/// Rebuilds every row from the routes (after a bulk load that bypassed the store).
pub async fn rebuild(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.execute_raw("DELETE FROM department_issues").await?;
    let sql = rebuild_sql(tx.backend());
    tx.execute_raw(&sql).await?;
    tx.commit().await
}
