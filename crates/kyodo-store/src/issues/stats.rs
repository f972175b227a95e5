//! The dashboard's numbers (状況の集計), counted by the database per
//! district and per category, and the department routes whose answer times
//! the core turns into medians (not portable SQL).

use chrono::{DateTime, NaiveDate, Utc};
use kyodo_core::issues::IssueStatus;
use kyodo_core::issues::stats::{AreaStats, CategoryYear, Dashboard, RouteTiming, department_stats};
use kyodo_core::wareki::{fiscal_year_end, fiscal_year_start, jst_start_of};
use sea_query::{Expr, ExprTrait, Func, JoinType, Order, Query};

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
pub async fn dashboard(
    db: &Db,
    municipality_id: i64,
    reach: &Reach,
    fiscal_year: i32,
    today: NaiveDate,
) -> Result<Dashboard> {
    let in_scope = || reach_condition(reach).add(Expr::col(("i", "municipality_id")).eq(municipality_id));
    let closed = IssueStatus::Closed.key();
    let in_year = || Expr::col(("i", "fiscal_year")).eq(fiscal_year);
    let open = || Expr::col(("i", "status")).ne(closed);
    let areas = Query::select()
        .expr_as(Expr::col(("a", "id")), "area_id")
        .expr_as(Expr::col(("a", "name")), "area")
        .expr_as(count_if(in_year()), "received")
        .expr_as(count_if(open()), "open")
        .expr_as(
            count_if(
                Expr::col(("i", "status"))
                    .eq(IssueStatus::AwaitingAnswer.key())
                    .and(Expr::col(("i", "answer_due_on")).lt(today)),
            ),
            "overdue",
        )
        .expr_as(
            count_if(Expr::col(("i", "continuing")).eq(true).and(open())),
            "continuing",
        )
        .expr_as(count_if(in_year().and(Expr::col(("i", "status")).eq(closed))), "closed")
        .from_as(TABLE, "i")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::col(("a", "id")).equals(("i", "area_id")),
        )
        .cond_where(in_scope())
        .and_where(in_year().or(open()))
        .group_by_col(("a", "id"))
        .group_by_col(("a", "name"))
        .group_by_col(("a", "code"))
        .order_by(("a", "code"), Order::Asc)
        .to_owned();
    let areas: Vec<AreaStats> = db.fetch_all(&areas).await?;

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

    // The fiscal year in Japan's time: 1 April 00:00 JST to 31 March 24:00 JST.
    let start = jst_start_of(fiscal_year_start(fiscal_year));
    let end = jst_start_of(fiscal_year_end(fiscal_year).succ_opt().unwrap_or(NaiveDate::MAX))
        - chrono::Duration::microseconds(1);
    #[derive(sqlx::FromRow)]
    struct Timing {
        department_id: i64,
        department_name: String,
        routed_at: DateTime<Utc>,
        first_answered_at: Option<DateTime<Utc>>,
        due_on: Option<NaiveDate>,
        rerouted_at: Option<DateTime<Utc>>,
    }
    let mut timings = Query::select();
    timings
        .columns(
            [
                "department_id",
                "routed_at",
                "first_answered_at",
                "due_on",
                "rerouted_at",
            ]
            .map(|c| ("r", c)),
        )
        .expr_as(Expr::col(("d", "name")), "department_name")
        .from_as("issue_routes", "r")
        .join_as(
            JoinType::InnerJoin,
            TABLE,
            "i",
            Expr::col(("i", "id")).equals(("r", "issue_id")),
        )
        .join_as(
            JoinType::InnerJoin,
            "departments",
            "d",
            Expr::col(("d", "id")).equals(("r", "department_id")),
        )
        .cond_where(in_scope())
        .and_where(Expr::col(("r", "routed_at")).is_not_null())
        .and_where(Expr::col(("r", "rerouted_at")).is_null())
        .and_where(
            Expr::col(("r", "first_answered_at"))
                .is_null()
                .or(Expr::col(("r", "first_answered_at")).between(start, end)),
        );
    // A department sees its own answers, not the other departments' on the same issues.
    if let Reach::RoutedTo(d) = reach {
        timings.and_where(Expr::col(("r", "department_id")).eq(*d));
    }
    let timings: Vec<RouteTiming> = db
        .fetch_all::<Timing>(&timings)
        .await?
        .into_iter()
        .map(|t| RouteTiming {
            department_id: t.department_id,
            department_name: t.department_name,
            routed_at: t.routed_at,
            first_answered_at: t.first_answered_at,
            due_on: t.due_on,
            rerouted: t.rerouted_at.is_some(),
        })
        .collect();

    Ok(Dashboard {
        fiscal_year,
        departments: department_stats(&timings, today),
        areas,
        years: (first_year..=fiscal_year).collect(),
        categories,
    })
}
