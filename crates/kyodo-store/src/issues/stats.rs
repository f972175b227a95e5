//! The dashboard's numbers (状況の集計), counted by the database per
//! district, category and department; the core joins them and turns the
//! counts of answer days into medians (not portable SQL).

use chrono::NaiveDate;
use kyodo_core::issues::IssueStatus;
use kyodo_core::issues::stats::{
    AnswerDays, AreaOpen, AreaYear, CategoryYear, Dashboard, WaitingRoutes, area_stats, department_stats,
};
use kyodo_core::wareki::{fiscal_year_end, fiscal_year_start, jst_start_of};
use sea_query::{Expr, ExprTrait, Func, JoinType, Query};

use super::{Reach, TABLE, reach_condition};
use crate::db::Db;
use crate::error::Result;

/// The category table goes back this many fiscal years, the chosen one included.
pub const YEARS_SHOWN: i32 = 5;

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`.
fn count_if(cond: Expr) -> Expr {
    Func::sum(Expr::case(cond, 1).finally(0)).into()
}

/// Open and overdue count what waits now, whatever the year it came in;
/// intake, closing, answers and days to answer count within `fiscal_year`.
/// Each count is its own grouped query on its own index: the database
/// returns a row per district, department or number of days, never per issue.
pub async fn dashboard(
    db: &Db,
    municipality_id: i64,
    reach: &Reach,
    fiscal_year: i32,
    today: NaiveDate,
) -> Result<Dashboard> {
    let in_scope = || reach_condition(reach).add(Expr::col(("i", "municipality_id")).eq(municipality_id));
    let closed = IssueStatus::Closed.key();
    let not_closed: Vec<&str> = IssueStatus::ALL
        .iter()
        .filter(|s| **s != IssueStatus::Closed)
        .map(|s| s.key())
        .collect();

    let year = Query::select()
        .column(("i", "area_id"))
        .expr_as(Expr::col(("i", "id")).count(), "received")
        .expr_as(count_if(Expr::col(("i", "status")).eq(closed)), "closed")
        .expr_as(count_if(Expr::col(("i", "same_hands")).gt(0)), "same_hands")
        .from_as(TABLE, "i")
        .cond_where(in_scope())
        .and_where(Expr::col(("i", "fiscal_year")).eq(fiscal_year))
        .group_by_col(("i", "area_id"))
        .to_owned();
    let year: Vec<AreaYear> = db.fetch_all(&year).await?;
    let open = Query::select()
        .column(("i", "area_id"))
        .expr_as(Expr::col(("i", "id")).count(), "open")
        .expr_as(
            count_if(
                Expr::col(("i", "status"))
                    .eq(IssueStatus::AwaitingAnswer.key())
                    .and(Expr::col(("i", "answer_due_on")).lt(today)),
            ),
            "overdue",
        )
        .expr_as(count_if(Expr::col(("i", "continuing")).eq(true)), "continuing")
        .from_as(TABLE, "i")
        .cond_where(in_scope())
        // A list of statuses, not `<> closed`, so the index is read by range.
        .and_where(Expr::col(("i", "status")).is_in(not_closed))
        // Grouped by status first so that no index ordered by district
        // tempts the planner away from the covering one.
        .group_by_col(("i", "status"))
        .group_by_col(("i", "area_id"))
        .to_owned();
    let open: Vec<AreaOpen> = db.fetch_all(&open).await?;
    let names: Vec<(i64, String)> = crate::areas::all(db, municipality_id, true)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let areas = area_stats(&names, &year, &open);

    let first_year = fiscal_year - (YEARS_SHOWN - 1);
    let categories = Query::select()
        .column(("i", "category"))
        .column(("i", "fiscal_year"))
        .expr_as(Expr::col(("i", "id")).count(), "count")
        .from_as(TABLE, "i")
        .cond_where(in_scope())
        .and_where(Expr::col(("i", "fiscal_year")).between(first_year, fiscal_year))
        .group_by_col(("i", "category"))
        .group_by_col(("i", "fiscal_year"))
        .to_owned();
    let categories: Vec<CategoryYear> = db.fetch_all(&categories).await?;

    // Routes still counted: sent, and not moved on to another department.
    let routes = || {
        let mut q = Query::select();
        q.column(("r", "department_id"))
            .expr_as(Expr::col(("d", "name")), "department_name")
            .from_as("issue_routes", "r")
            .join_as(
                JoinType::InnerJoin,
                "departments",
                "d",
                Expr::col(("d", "id")).equals(("r", "department_id")),
            )
            .and_where(Expr::col(("r", "municipality_id")).eq(municipality_id))
            .and_where(Expr::col(("r", "routed_at")).is_not_null())
            .and_where(Expr::col(("r", "rerouted_at")).is_null())
            .group_by_col(("r", "department_id"))
            .group_by_col(("d", "name"));
        match reach {
            // The whole city needs no look at the issue.
            Reach::All => {}
            // A department sees its own answers, not the other departments' on the same issues.
            Reach::RoutedTo(d) => {
                q.and_where(Expr::col(("r", "department_id")).eq(*d));
            }
            _ => {
                q.join_as(
                    JoinType::InnerJoin,
                    TABLE,
                    "i",
                    Expr::col(("i", "id")).equals(("r", "issue_id")),
                )
                .cond_where(in_scope());
            }
        }
        q
    };
    let mut waiting = routes();
    waiting
        .expr_as(Expr::col(("r", "id")).count(), "open")
        .expr_as(count_if(Expr::col(("r", "due_on")).lt(today)), "overdue")
        .and_where(Expr::col(("r", "first_answered_at")).is_null());
    let waiting: Vec<WaitingRoutes> = db.fetch_all(&waiting).await?;

    // The fiscal year in Japan's time: 1 April 00:00 JST to 31 March 24:00 JST.
    let start = jst_start_of(fiscal_year_start(fiscal_year));
    let end = jst_start_of(fiscal_year_end(fiscal_year).succ_opt().unwrap_or(NaiveDate::MAX))
        - chrono::Duration::microseconds(1);
    let mut answered = routes();
    answered
        .expr_as(Expr::col(("r", "first_answer_days")), "days")
        .expr_as(Expr::col(("r", "id")).count(), "count")
        .and_where(Expr::col(("r", "first_answered_at")).between(start, end))
        .group_by_col(("r", "first_answer_days"));
    let answered: Vec<AnswerDays> = db.fetch_all(&answered).await?;

    Ok(Dashboard {
        fiscal_year,
        departments: department_stats(&waiting, &answered),
        areas,
        years: (first_year..=fiscal_year).collect(),
        categories,
    })
}
