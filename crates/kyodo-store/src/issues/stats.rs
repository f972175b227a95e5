//! The dashboard's numbers (状況の集計), summed by the database from the
//! kept cells (`dashboard_cells`) per district, category and department;
//! the core joins them and turns the counts of answer days into medians
//! (not portable SQL).

use chrono::NaiveDate;
use kyodo_core::issues::IssueStatus;
use kyodo_core::issues::dashboard_cells::{ALL_AREAS, WHOLE_CITY};
use kyodo_core::issues::stats::{
    AnswerDays, AreaOpen, AreaYear, CategoryYear, Dashboard, WaitingRoutes, area_stats, department_stats,
};
use sea_query::{Expr, ExprTrait, Func, JoinType, Query};

use super::{Reach, TABLE, dashboard_cells, department_index, reach_condition};
use crate::db::Db;
use crate::error::Result;

/// The category table goes back this many fiscal years, the chosen one included.
pub const YEARS_SHOWN: i32 = 5;

/// The cells a reach may count: the whole city's or one department's, in
/// all districts or some. `None`: a reach the dashboard does not serve.
struct CellScope {
    department_id: i64,
    areas: Option<Vec<i64>>,
}

impl CellScope {
    fn of(reach: &Reach) -> Option<CellScope> {
        let (department_id, areas) = match reach {
            Reach::All => (WHOLE_CITY, None),
            Reach::InAreas(ids) => (WHOLE_CITY, Some(ids.clone())),
            Reach::RoutedTo(d) => (*d, None),
            // The community has its own page; nothing reaches nothing.
            Reach::Organisation(_) | Reach::Nothing => return None,
        };
        Some(CellScope { department_id, areas })
    }

    /// `SELECT … FROM issue_year_counts` narrowed to the scope.
    fn year_cells(&self, municipality_id: i64) -> sea_query::SelectStatement {
        self.cells(dashboard_cells::YEAR_TABLE, municipality_id)
    }

    /// `SELECT … FROM issue_open_counts` narrowed to the scope.
    fn open_cells(&self, municipality_id: i64) -> sea_query::SelectStatement {
        self.cells(dashboard_cells::OPEN_TABLE, municipality_id)
    }

    /// A table of cells by department and district, narrowed to the scope.
    fn cells(&self, table: &'static str, municipality_id: i64) -> sea_query::SelectStatement {
        let mut q = Query::select();
        q.from(table)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("department_id").eq(self.department_id));
        if let Some(areas) = &self.areas {
            q.and_where(Expr::col("area_id").is_in(areas.clone()));
        }
        q
    }

    /// `SELECT … FROM answer_day_counts AS c` narrowed to the scope.
    fn answer_cells(&self, municipality_id: i64) -> sea_query::SelectStatement {
        let mut q = Query::select();
        q.from_as(dashboard_cells::ANSWER_TABLE, "c")
            .and_where(Expr::col(("c", "municipality_id")).eq(municipality_id));
        if self.department_id != WHOLE_CITY {
            q.and_where(Expr::col(("c", "department_id")).eq(self.department_id));
        }
        match &self.areas {
            Some(areas) => q.and_where(Expr::col(("c", "area_id")).is_in(areas.clone())),
            None => q.and_where(Expr::col(("c", "area_id")).eq(ALL_AREAS)),
        };
        q
    }

    /// The issues in scope, for counts of a few of them (the overdue). A
    /// department's are checked one by one against its kept list: the few
    /// are few, its history is not.
    fn issue_scope(&self, municipality_id: i64, reach: &Reach) -> sea_query::Condition {
        let c = sea_query::Condition::all().add(Expr::col(("i", "municipality_id")).eq(municipality_id));
        if self.department_id == WHOLE_CITY {
            return c.add(reach_condition(reach));
        }
        c.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(department_index::TABLE, "di")
                .and_where(Expr::col(("di", "department_id")).eq(self.department_id))
                .and_where(Expr::col(("di", "issue_id")).equals(("i", "id")))
                .to_owned(),
        ))
    }
}

/// `SUM(col)` as a BIGINT: PostgreSQL sums BIGINTs into NUMERIC.
fn total(col: Expr) -> Expr {
    Func::cast_as(col.sum(), "BIGINT").into()
}

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`.
fn count_if(cond: Expr) -> Expr {
    Func::sum(Expr::case(cond, 1).finally(0)).into()
}

/// Open and overdue count what waits now, whatever the year it came in,
/// from the open issues and unanswered routes; intake, closing, answers and
/// days to answer count within `fiscal_year`, from the kept cells
/// (`dashboard_cells`). No query reads a row per closed issue or answer.
pub async fn dashboard(
    db: &Db,
    municipality_id: i64,
    reach: &Reach,
    fiscal_year: i32,
    today: NaiveDate,
) -> Result<Dashboard> {
    let in_scope = || reach_condition(reach).add(Expr::col(("i", "municipality_id")).eq(municipality_id));
    // Districts, 年度, departments and what is open come from the kept
    // cells; only what depends on today is counted from rows below.
    let Some(cells) = CellScope::of(reach) else {
        return Ok(Dashboard {
            fiscal_year,
            departments: Vec::new(),
            areas: Vec::new(),
            years: (fiscal_year - (YEARS_SHOWN - 1)..=fiscal_year).collect(),
            categories: Vec::new(),
        });
    };
    let year = cells
        .year_cells(municipality_id)
        .column("area_id")
        .expr_as(total(Expr::col("received")), "received")
        .expr_as(total(Expr::col("closed")), "closed")
        .expr_as(total(Expr::col("same_hands")), "same_hands")
        .and_where(Expr::col("fiscal_year").eq(fiscal_year))
        .group_by_col("area_id")
        .to_owned();
    let year: Vec<AreaYear> = db.fetch_all(&year).await?;
    // Open and continuing from the kept cells; overdue depends on today,
    // so it is counted from the overdue issues themselves, a range of the
    // (status, 回答期限) index.
    let mut open: Vec<AreaOpen> = db
        .fetch_all(
            &cells
                .open_cells(municipality_id)
                .column("area_id")
                .expr_as(total(Expr::col("open")), "open")
                .expr_as(Expr::val(0i64), "overdue")
                .expr_as(total(Expr::col("continuing")), "continuing")
                .group_by_col("area_id")
                .to_owned(),
        )
        .await?;
    let overdue = Query::select()
        .column(("i", "area_id"))
        .expr_as(Expr::val(0i64), "open")
        .expr_as(Expr::col(("i", "id")).count(), "overdue")
        .expr_as(Expr::val(0i64), "continuing")
        .from_as(TABLE, "i")
        .cond_where(cells.issue_scope(municipality_id, reach))
        .and_where(Expr::col(("i", "status")).eq(IssueStatus::AwaitingAnswer.key()))
        .and_where(Expr::col(("i", "answer_due_on")).lt(today))
        .group_by_col(("i", "area_id"))
        .to_owned();
    open.extend(db.fetch_all::<AreaOpen>(&overdue).await?);
    let names: Vec<(i64, String)> = crate::areas::all(db, municipality_id, true)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let areas = area_stats(&names, &year, &open);

    let first_year = fiscal_year - (YEARS_SHOWN - 1);
    let categories = cells
        .year_cells(municipality_id)
        .column("category")
        .column("fiscal_year")
        .expr_as(total(Expr::col("received")), "count")
        .and_where(Expr::col("fiscal_year").between(first_year, fiscal_year))
        .group_by_col("category")
        .group_by_col("fiscal_year")
        .to_owned();
    let categories: Vec<CategoryYear> = db.fetch_all(&categories).await?;

    // Routes waiting now: sent, not moved on, not answered; few beside
    // the answered ones, and read from an index that starts with them.
    let mut waiting = Query::select();
    waiting
        .column(("r", "department_id"))
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
        .and_where(Expr::col(("r", "first_answered_at")).is_null())
        .expr_as(Expr::col(("r", "id")).count(), "open")
        .expr_as(count_if(Expr::col(("r", "due_on")).lt(today)), "overdue")
        .group_by_col(("r", "department_id"))
        .group_by_col(("d", "name"));
    match reach {
        // The whole city needs no look at the issue.
        Reach::All => {}
        // A department sees its own routes, not the other departments' on the same issues.
        Reach::RoutedTo(d) => {
            waiting.and_where(Expr::col(("r", "department_id")).eq(*d));
        }
        _ => {
            waiting
                .join_as(
                    JoinType::InnerJoin,
                    TABLE,
                    "i",
                    Expr::col(("i", "id")).equals(("r", "issue_id")),
                )
                .cond_where(in_scope());
        }
    }
    let waiting: Vec<WaitingRoutes> = db.fetch_all(&waiting).await?;

    let answered = cells
        .answer_cells(municipality_id)
        .column(("c", "department_id"))
        .expr_as(Expr::col(("d", "name")), "department_name")
        .expr_as(Expr::col(("c", "days")), "days")
        .expr_as(total(Expr::col(("c", "answered"))), "count")
        .join_as(
            JoinType::InnerJoin,
            "departments",
            "d",
            Expr::col(("d", "id")).equals(("c", "department_id")),
        )
        .and_where(Expr::col(("c", "fiscal_year")).eq(fiscal_year))
        .group_by_col(("c", "department_id"))
        .group_by_col(("d", "name"))
        .group_by_col(("c", "days"))
        .to_owned();
    let answered: Vec<AnswerDays> = db.fetch_all(&answered).await?;

    Ok(Dashboard {
        fiscal_year,
        departments: department_stats(&waiting, &answered),
        areas,
        years: (first_year..=fiscal_year).collect(),
        categories,
    })
}
