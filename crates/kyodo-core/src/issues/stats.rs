//! The state of things (状況の集計): per department, district, category and
//! year, as the dashboard draws it and the xlsx workbook lists it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Calendar days in Japan from routing to an answer: routed at 23:30 and
/// answered at 08:00 the next morning is one day, whatever UTC says.
pub fn answer_days(routed_at: DateTime<Utc>, answered_at: DateTime<Utc>) -> i64 {
    (crate::wareki::jst_date(answered_at) - crate::wareki::jst_date(routed_at)).num_days()
}

/// One department's routes waiting for an answer now, counted by the database.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct WaitingRoutes {
    pub department_id: i64,
    pub department_name: String,
    pub open: i64,
    /// Of those, past their answer deadline.
    pub overdue: i64,
}

/// How many of one department's first answers in the year took `days` days.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AnswerDays {
    pub department_id: i64,
    pub department_name: String,
    pub days: i64,
    pub count: i64,
}

/// A department's load (部署別の状況).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DepartmentStats {
    pub department_id: i64,
    pub department: String,
    /// Routed and not answered yet.
    pub open: u32,
    /// Open and past the answer deadline.
    pub overdue: u32,
    /// First answered during the fiscal year.
    pub answered: u32,
    /// Median calendar days from routing to the first answer (回答までの日数の中央値).
    pub median_days_to_answer: Option<f64>,
}

/// Joins what waits and how long answers took, per department. The database
/// counts answers per number of days, so a year of answers arrives as a few
/// hundred rows rather than one row per answer.
pub fn department_stats(waiting: &[WaitingRoutes], answered: &[AnswerDays]) -> Vec<DepartmentStats> {
    let mut by_dept: BTreeMap<i64, (DepartmentStats, Vec<(i64, i64)>)> = BTreeMap::new();
    for w in waiting {
        let (s, _) = by_dept
            .entry(w.department_id)
            .or_insert_with(|| empty(w.department_id, &w.department_name));
        s.open += count(w.open);
        s.overdue += count(w.overdue);
    }
    for a in answered {
        let (s, days) = by_dept
            .entry(a.department_id)
            .or_insert_with(|| empty(a.department_id, &a.department_name));
        s.answered += count(a.count);
        days.push((a.days, a.count));
    }
    let mut out: Vec<DepartmentStats> = by_dept
        .into_values()
        .map(|(mut s, days)| {
            s.median_days_to_answer = median_of_counts(days);
            s
        })
        .collect();
    // The most waiting first: that is what a coordinator looks for.
    out.sort_by(|a, b| b.open.cmp(&a.open).then(a.department.cmp(&b.department)));
    out
}

fn empty(id: i64, name: &str) -> (DepartmentStats, Vec<(i64, i64)>) {
    (
        DepartmentStats {
            department_id: id,
            department: name.to_owned(),
            open: 0,
            overdue: 0,
            answered: 0,
            median_days_to_answer: None,
        },
        Vec::new(),
    )
}

/// A database count as the dashboard's u32; no city has four billion routes.
fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The median of values given as (value, how many times): the middle value,
/// or the mean of the two middle ones for an even total.
pub fn median_of_counts(mut counts: Vec<(i64, i64)>) -> Option<f64> {
    counts.retain(|(_, n)| *n > 0);
    counts.sort_unstable();
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    // The value at 0-based position `k` of the expanded, sorted list.
    let nth = |k: i64| {
        let mut seen = 0;
        for (v, n) in counts.iter() {
            seen += n;
            if k < seen {
                return *v;
            }
        }
        counts.last().map_or(0, |(v, _)| *v)
    };
    Some(if total % 2 == 1 {
        nth(total / 2) as f64
    } else {
        (nth(total / 2 - 1) + nth(total / 2)) as f64 / 2.0
    })
}

/// A district's issues (地区別の状況).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema, Default)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AreaStats {
    pub area_id: i64,
    pub area: String,
    /// Taken in during the fiscal year.
    pub received: i64,
    /// Not closed now, from any year.
    pub open: i64,
    /// Waiting for an answer past its deadline now.
    pub overdue: i64,
    /// 継続案件 still open now.
    pub continuing: i64,
    /// Of those taken in during the year, closed.
    pub closed: i64,
    /// Of those taken in during the year, how many had a team step taken by
    /// the person who took an earlier one, for want of anyone else (同一職員).
    pub same_hands: i64,
}

/// A district's intake during the year, counted by the database.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AreaYear {
    pub area_id: i64,
    pub received: i64,
    pub closed: i64,
    pub same_hands: i64,
}

/// What a district has open now in one status, counted by the database.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AreaOpen {
    pub area_id: i64,
    pub open: i64,
    pub overdue: i64,
    pub continuing: i64,
}

/// One row per district that has anything to count, in the order of
/// `areas` (id, name). The year's intake and what is open now are counted
/// apart so that each count reads its own index.
pub fn area_stats(areas: &[(i64, String)], year: &[AreaYear], open: &[AreaOpen]) -> Vec<AreaStats> {
    areas
        .iter()
        .filter_map(|(id, name)| {
            let y = year.iter().find(|y| y.area_id == *id);
            // One row per status: summed here, since grouping by status lets
            // the database count from its index alone.
            let rows: Vec<&AreaOpen> = open.iter().filter(|o| o.area_id == *id).collect();
            if y.is_none() && rows.is_empty() {
                return None;
            }
            let y = y.cloned().unwrap_or_default();
            let o = rows.iter().fold(AreaOpen::default(), |sum, o| AreaOpen {
                area_id: *id,
                open: sum.open + o.open,
                overdue: sum.overdue + o.overdue,
                continuing: sum.continuing + o.continuing,
            });
            Some(AreaStats {
                area_id: *id,
                area: name.clone(),
                received: y.received,
                open: o.open,
                overdue: o.overdue,
                continuing: o.continuing,
                closed: y.closed,
                same_hands: y.same_hands,
            })
        })
        .collect()
}

/// Issues of one category taken in during one fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CategoryYear {
    pub category: String,
    pub fiscal_year: i32,
    pub count: i64,
}

/// Categories (rows) by fiscal year (columns), for a table and a chart;
/// categories ordered by their total, largest first.
pub fn category_table(counts: &[CategoryYear], years: &[i32]) -> Vec<(String, Vec<i64>)> {
    let mut rows: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for c in counts {
        if let Some(col) = years.iter().position(|y| *y == c.fiscal_year) {
            rows.entry(&c.category).or_insert_with(|| vec![0; years.len()])[col] += c.count;
        }
    }
    let mut out: Vec<(String, Vec<i64>)> = rows.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    out.sort_by(|a, b| {
        b.1.iter()
            .sum::<i64>()
            .cmp(&a.1.iter().sum::<i64>())
            .then(a.0.cmp(&b.0))
    });
    out
}

/// The whole dashboard for one fiscal year.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub fiscal_year: i32,
    pub departments: Vec<DepartmentStats>,
    pub areas: Vec<AreaStats>,
    /// Fiscal years of the category table, oldest first.
    pub years: Vec<i32>,
    pub categories: Vec<CategoryYear>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(dept: i64, open: i64, overdue: i64) -> WaitingRoutes {
        WaitingRoutes {
            department_id: dept,
            department_name: format!("部署{dept}"),
            open,
            overdue,
        }
    }

    fn took(dept: i64, days: i64, count: i64) -> AnswerDays {
        AnswerDays {
            department_id: dept,
            department_name: format!("部署{dept}"),
            days,
            count,
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median_of_counts(vec![]), None);
        assert_eq!(median_of_counts(vec![(9, 1), (1, 1), (5, 1)]), Some(5.0));
        assert_eq!(median_of_counts(vec![(10, 1), (1, 1), (3, 1), (4, 1)]), Some(3.5));
        // 1,1,1,2,9,9: the middle pair is 1 and 2.
        assert_eq!(median_of_counts(vec![(9, 2), (1, 3), (2, 1)]), Some(1.5));
        assert_eq!(median_of_counts(vec![(4, 0)]), None);
    }

    #[test]
    fn departments_join_waiting_and_answer_days() {
        let stats = department_stats(
            &[waiting(1, 2, 1), waiting(3, 5, 0)],
            &[took(1, 10, 1), took(1, 20, 1), took(2, 3, 1)],
        );
        let ids: Vec<i64> = stats.iter().map(|s| s.department_id).collect();
        // The most waiting first.
        assert_eq!(ids, vec![3, 1, 2]);
        let d1 = &stats[1];
        assert_eq!((d1.open, d1.overdue, d1.answered), (2, 1, 2));
        assert_eq!(d1.median_days_to_answer, Some(15.0));
        assert_eq!((stats[2].open, stats[2].median_days_to_answer), (0, Some(3.0)));
        assert_eq!(stats[0].median_days_to_answer, None);
    }

    #[test]
    fn answer_days_follow_the_japanese_calendar() {
        // Routed 23:30 JST on 5/1 (14:30 UTC), answered 08:00 JST on 5/2
        // (23:00 UTC 5/1): one day in Japan, zero in UTC.
        let routed = "2026-05-01T14:30:00Z".parse().unwrap();
        let answered = "2026-05-01T23:00:00Z".parse().unwrap();
        assert_eq!(answer_days(routed, answered), 1);
    }

    #[test]
    fn areas_merge_the_year_and_now_in_the_given_order() {
        let areas = vec![(1, "一".to_owned()), (2, "二".to_owned()), (3, "三".to_owned())];
        let year = [AreaYear {
            area_id: 3,
            received: 4,
            closed: 1,
            same_hands: 0,
        }];
        let open = [
            AreaOpen {
                area_id: 1,
                open: 2,
                overdue: 1,
                continuing: 1,
            },
            AreaOpen {
                area_id: 1,
                open: 3,
                overdue: 0,
                continuing: 0,
            },
        ];
        let stats = area_stats(&areas, &year, &open);
        assert_eq!(stats.iter().map(|a| a.area_id).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!((stats[0].open, stats[0].overdue, stats[0].received), (5, 1, 0));
        assert_eq!((stats[1].received, stats[1].closed, stats[1].open), (4, 1, 0));
    }

    #[test]
    fn category_table_puts_years_in_columns_and_largest_first() {
        let c = |cat: &str, fy, count| CategoryYear {
            category: cat.into(),
            fiscal_year: fy,
            count,
        };
        let counts = vec![
            c("道路", 2025, 3),
            c("防災", 2026, 9),
            c("道路", 2026, 2),
            c("古い", 2019, 50),
        ];
        let table = category_table(&counts, &[2025, 2026]);
        assert_eq!(
            table,
            vec![("防災".to_owned(), vec![0, 9]), ("道路".to_owned(), vec![3, 2])]
        );
    }
}
