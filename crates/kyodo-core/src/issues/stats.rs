//! The state of things (状況の集計): per department, district, category and
//! year, as the dashboard draws it and the xlsx workbook lists it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// One department route as the dashboard needs it.
#[derive(Debug, Clone)]
pub struct RouteTiming {
    pub department_id: i64,
    pub department_name: String,
    pub routed_at: DateTime<Utc>,
    /// The first answer: later answers are progress updates, not the answer time.
    pub first_answered_at: Option<DateTime<Utc>>,
    pub due_on: Option<NaiveDate>,
    pub rerouted: bool,
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

/// Routes moved on to another department count for neither.
pub fn department_stats(timings: &[RouteTiming], today: NaiveDate) -> Vec<DepartmentStats> {
    let mut by_dept: BTreeMap<i64, (DepartmentStats, Vec<i64>)> = BTreeMap::new();
    for t in timings.iter().filter(|t| !t.rerouted) {
        let (s, days) = by_dept.entry(t.department_id).or_insert_with(|| {
            (
                DepartmentStats {
                    department_id: t.department_id,
                    department: t.department_name.clone(),
                    open: 0,
                    overdue: 0,
                    answered: 0,
                    median_days_to_answer: None,
                },
                Vec::new(),
            )
        });
        match t.first_answered_at {
            Some(answered) => {
                s.answered += 1;
                days.push((crate::wareki::jst_date(answered) - crate::wareki::jst_date(t.routed_at)).num_days());
            }
            None => {
                s.open += 1;
                if t.due_on.is_some_and(|d| d < today) {
                    s.overdue += 1;
                }
            }
        }
    }
    let mut out: Vec<DepartmentStats> = by_dept
        .into_values()
        .map(|(mut s, mut days)| {
            s.median_days_to_answer = median(&mut days);
            s
        })
        .collect();
    // The most waiting first: that is what a coordinator looks for.
    out.sort_by(|a, b| b.open.cmp(&a.open).then(a.department.cmp(&b.department)));
    out
}

/// The middle value; the mean of the two middle ones for an even count.
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2] as f64
    } else {
        (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0
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

    fn at(d: &str) -> DateTime<Utc> {
        // 10:00 JST on the day: the same calendar day in UTC.
        format!("{d}T01:00:00Z").parse().unwrap()
    }

    fn timing(dept: i64, routed: &str, answered: Option<&str>, due: Option<&str>) -> RouteTiming {
        RouteTiming {
            department_id: dept,
            department_name: format!("部署{dept}"),
            routed_at: at(routed),
            first_answered_at: answered.map(at),
            due_on: due.map(|d| d.parse().unwrap()),
            rerouted: false,
        }
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [10, 1, 3, 4]), Some(3.5));
    }

    #[test]
    fn departments_count_open_overdue_and_median_days() {
        let today: NaiveDate = "2026-11-21".parse().unwrap();
        let mut rerouted = timing(1, "2026-05-01", None, Some("2026-05-15"));
        rerouted.rerouted = true;
        let timings = vec![
            timing(1, "2026-05-01", Some("2026-05-11"), None),
            timing(1, "2026-06-01", Some("2026-06-21"), None),
            timing(1, "2026-11-01", None, Some("2026-11-20")),
            timing(1, "2026-11-10", None, Some("2026-11-30")),
            rerouted,
            timing(2, "2026-04-01", Some("2026-04-04"), None),
        ];
        let stats = department_stats(&timings, today);
        assert_eq!(stats.len(), 2);
        let d1 = &stats[0];
        assert_eq!((d1.department_id, d1.open, d1.overdue, d1.answered), (1, 2, 1, 2));
        assert_eq!(d1.median_days_to_answer, Some(15.0));
        assert_eq!(stats[1].median_days_to_answer, Some(3.0));
        assert_eq!(stats[1].open, 0);
    }

    #[test]
    fn answer_days_follow_the_japanese_calendar() {
        // Routed 23:30 JST on 5/1 (14:30 UTC), answered 08:00 JST on 5/2
        // (23:00 UTC 5/1): one day in Japan, zero in UTC.
        let mut t = timing(1, "2026-05-01", None, None);
        t.routed_at = "2026-05-01T14:30:00Z".parse().unwrap();
        t.first_answered_at = Some("2026-05-01T23:00:00Z".parse().unwrap());
        let stats = department_stats(&[t], "2026-06-01".parse().unwrap());
        assert_eq!(stats[0].median_days_to_answer, Some(1.0));
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
