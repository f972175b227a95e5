//! The dashboard's counts, kept (see `kyodo_core::issues::dashboard_cells`):
//! each write reads the issue's counted facts before and after and moves
//! the cells by the difference, in its own transaction. The dashboard then
//! reads a 年度's cells, whatever the city's history holds.

use kyodo_core::issues::IssueStatus;
use kyodo_core::issues::dashboard_cells::{ALL_AREAS, Cell, Counted, CountedRoute, WHOLE_CITY, changes};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::db::{Backend, Db, Tx};
use crate::error::Result;

/// Issues per 年度, district, category and department (0: all of them).
pub(crate) const YEAR_TABLE: &str = "issue_year_counts";
/// Issues not closed now, per district and department (0: all of them).
pub(crate) const OPEN_TABLE: &str = "issue_open_counts";
/// First answers per 年度 of the answer, department, district and days taken.
pub(crate) const ANSWER_TABLE: &str = "answer_day_counts";

#[derive(sqlx::FromRow)]
struct IssueFacts {
    fiscal_year: i32,
    area_id: i64,
    category: String,
    status: String,
    continuing: bool,
    same_hands: i32,
}

/// The issue's counted facts as they stand in the transaction.
pub(crate) async fn read(tx: &mut Tx, municipality_id: i64, issue_id: i64) -> Result<Option<Counted>> {
    let facts: Option<IssueFacts> = tx
        .fetch_optional(
            &Query::select()
                .columns([
                    "fiscal_year",
                    "area_id",
                    "category",
                    "status",
                    "continuing",
                    "same_hands",
                ])
                .from(super::TABLE)
                .and_where(Expr::col("id").eq(issue_id))
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .to_owned(),
        )
        .await?;
    let Some(f) = facts else { return Ok(None) };
    let routes: Vec<CountedRoute> = tx
        .fetch_all(
            &Query::select()
                .columns([
                    "department_id",
                    "routed_at",
                    "rerouted_at",
                    "first_answered_at",
                    "first_answer_days",
                ])
                .from("issue_routes")
                .and_where(Expr::col("issue_id").eq(issue_id))
                .to_owned(),
        )
        .await?;
    Ok(Some(Counted {
        fiscal_year: f.fiscal_year,
        area_id: f.area_id,
        category: f.category,
        closed: f.status == IssueStatus::Closed.key(),
        continuing: f.continuing,
        same_hands: f.same_hands > 0,
        routes,
    }))
}

/// Moves the cells by what changed since `before` (`None`: a new issue).
pub(crate) async fn sync(tx: &mut Tx, municipality_id: i64, issue_id: i64, before: Option<&Counted>) -> Result<()> {
    let after = read(tx, municipality_id, issue_id).await?;
    for (cell, by) in changes(before, after.as_ref()) {
        bump(tx, municipality_id, &cell, by).await?;
    }
    Ok(())
}

/// A cell's key columns with their values, and its counts with what to add.
type CellKeys = Vec<(&'static str, sea_query::Value)>;
type CellSums = Vec<(&'static str, i64)>;

async fn bump(tx: &mut Tx, municipality_id: i64, cell: &Cell, by: [i64; 3]) -> Result<()> {
    let (table, keys, sums): (&str, CellKeys, CellSums) = match cell {
        Cell::Year {
            department_id,
            fiscal_year,
            area_id,
            category,
        } => (
            YEAR_TABLE,
            vec![
                ("municipality_id", municipality_id.into()),
                ("department_id", (*department_id).into()),
                ("fiscal_year", (*fiscal_year).into()),
                ("area_id", (*area_id).into()),
                ("category", category.clone().into()),
            ],
            vec![("received", by[0]), ("closed", by[1]), ("same_hands", by[2])],
        ),
        Cell::Open { department_id, area_id } => (
            OPEN_TABLE,
            vec![
                ("municipality_id", municipality_id.into()),
                ("department_id", (*department_id).into()),
                ("area_id", (*area_id).into()),
            ],
            vec![("open", by[0]), ("continuing", by[1])],
        ),
        Cell::Answer {
            department_id,
            fiscal_year,
            area_id,
            days,
        } => (
            ANSWER_TABLE,
            vec![
                ("municipality_id", municipality_id.into()),
                ("fiscal_year", (*fiscal_year).into()),
                ("department_id", (*department_id).into()),
                ("area_id", (*area_id).into()),
                ("days", (*days).into()),
            ],
            vec![("answered", by[0])],
        ),
    };
    let key_names: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
    let mut on_conflict = OnConflict::columns(key_names.clone());
    for (col, _) in &sums {
        on_conflict.value(*col, Expr::col((table, *col)).add(Expr::col(("excluded", *col))));
    }
    let values: Vec<sea_query::SimpleExpr> = keys
        .iter()
        .map(|(_, v)| Expr::val(v.clone()))
        .chain(sums.iter().map(|(_, n)| Expr::val(*n)))
        .collect();
    tx.execute(
        &Query::insert()
            .into_table(table)
            .columns(key_names.iter().copied().chain(sums.iter().map(|(c, _)| *c)))
            .values_panic(values)
            .on_conflict(on_conflict.to_owned())
            .to_owned(),
    )
    .await?;
    // A cell that no longer counts anything goes, so a year's cells stay
    // as many as there are things to count. The first sum is the count
    // the others are part of.
    if by[0] < 0 {
        let mut q = Query::delete();
        q.from_table(table).and_where(Expr::col(sums[0].0).lte(0));
        for (k, v) in keys {
            q.and_where(Expr::col(k).eq(v));
        }
        tx.execute(&q).await?;
    }
    Ok(())
}

/// The backfill, for the migration and for data loaded around the store
/// (the benchmarks' bulk insert). Needs `department_issues` filled first.
pub(crate) fn rebuild_sql(backend: Backend) -> Vec<String> {
    let closed = IssueStatus::Closed.key();
    let sums = format!(
        "COUNT(*), SUM(CASE WHEN i.status = '{closed}' THEN 1 ELSE 0 END), SUM(CASE WHEN i.same_hands > 0 THEN 1 ELSE 0 END)"
    );
    let year_columns = "municipality_id, department_id, fiscal_year, area_id, category, received, closed, same_hands";
    // The 年度 of the first answer in Japan's time: three months back from
    // its JST date falls in the calendar year the 年度 is named after.
    let answer_year = match backend {
        Backend::Sqlite => "CAST(strftime('%Y', r.first_answered_at, '+9 hours', '-3 months') AS INTEGER)",
        Backend::Postgres => {
            "CAST(EXTRACT(YEAR FROM (r.first_answered_at AT TIME ZONE 'Asia/Tokyo') - INTERVAL '3 months') AS INTEGER)"
        }
    };
    let open_columns = "municipality_id, department_id, area_id, open, continuing";
    let open_sums = "COUNT(*), SUM(CASE WHEN i.continuing THEN 1 ELSE 0 END)";
    vec![
        format!(
            "INSERT INTO {OPEN_TABLE} ({open_columns}) \
             SELECT i.municipality_id, {WHOLE_CITY}, i.area_id, {open_sums} \
             FROM issues i WHERE i.status <> '{closed}' GROUP BY i.municipality_id, i.area_id"
        ),
        format!(
            "INSERT INTO {OPEN_TABLE} ({open_columns}) \
             SELECT i.municipality_id, d.department_id, i.area_id, {open_sums} \
             FROM department_issues d JOIN issues i ON i.id = d.issue_id \
             WHERE i.status <> '{closed}' GROUP BY i.municipality_id, d.department_id, i.area_id"
        ),
        format!(
            "INSERT INTO {YEAR_TABLE} ({year_columns}) \
             SELECT i.municipality_id, {WHOLE_CITY}, i.fiscal_year, i.area_id, i.category, {sums} \
             FROM issues i GROUP BY i.municipality_id, i.fiscal_year, i.area_id, i.category"
        ),
        format!(
            "INSERT INTO {YEAR_TABLE} ({year_columns}) \
             SELECT i.municipality_id, d.department_id, i.fiscal_year, i.area_id, i.category, {sums} \
             FROM department_issues d JOIN issues i ON i.id = d.issue_id \
             GROUP BY i.municipality_id, d.department_id, i.fiscal_year, i.area_id, i.category"
        ),
        // Each answer twice: in its district's cell and in every district's.
        format!(
            "INSERT INTO {ANSWER_TABLE} (municipality_id, fiscal_year, department_id, area_id, days, answered) \
             SELECT m, y, d, a, n, COUNT(*) FROM (\
               SELECT i.municipality_id AS m, {answer_year} AS y, r.department_id AS d, i.area_id AS a, \
                      COALESCE(r.first_answer_days, 0) AS n \
               FROM issue_routes r JOIN issues i ON i.id = r.issue_id \
               WHERE r.routed_at IS NOT NULL AND r.rerouted_at IS NULL AND r.first_answered_at IS NOT NULL) answers \
             GROUP BY m, y, d, a, n \
             UNION ALL \
             SELECT m, y, d, {ALL_AREAS}, n, COUNT(*) FROM (\
               SELECT i.municipality_id AS m, {answer_year} AS y, r.department_id AS d, \
                      COALESCE(r.first_answer_days, 0) AS n \
               FROM issue_routes r JOIN issues i ON i.id = r.issue_id \
               WHERE r.routed_at IS NOT NULL AND r.rerouted_at IS NULL AND r.first_answered_at IS NOT NULL) answers \
             GROUP BY m, y, d, n"
        ),
    ]
}

/// Counts every cell afresh from the issues and routes (after a bulk load
/// that bypassed the store, and in the test that the kept counts add up).
pub async fn rebuild(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    for table in [YEAR_TABLE, OPEN_TABLE, ANSWER_TABLE] {
        tx.execute_raw(&format!("DELETE FROM {table}")).await?;
    }
    for sql in rebuild_sql(tx.backend()) {
        tx.execute_raw(&sql).await?;
    }
    tx.commit().await
}
