//! What a body owes the city on its plans (提出期限): its 年度計画 by the
//! scheme's month of the 年度, and last 年度's 事業報告 — every project of
//! last year's plan done or cancelled — by its month after the year ends.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The months by whose end plans and reports are due, set by the city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanDeadlines {
    /// The 年度計画 of a 年度 is due by the end of this month of it (5: 5月末).
    pub annual_plan_month: u32,
    /// Last 年度's 事業報告 is due by the end of this month of the next (5: 5月末).
    pub report_month: u32,
}

impl Default for PlanDeadlines {
    /// 5月末 for both: after the spring 総会 that adopts the plan and
    /// approves the report. No seed names the months.
    fn default() -> Self {
        PlanDeadlines {
            annual_plan_month: 5,
            report_month: 5,
        }
    }
}

/// The last day of `month` within 年度 `fy` (April first).
pub fn end_of_month_in(fy: i32, month: u32) -> NaiveDate {
    let year = if month >= 4 { fy } else { fy + 1 };
    let month = month.clamp(1, 12);
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_of_next
        .and_then(|d| d.pred_opt())
        .unwrap_or_else(|| crate::wareki::fiscal_year_end(fy))
}

/// How a body stands on its plans, as read from its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct BodyPlans {
    pub organisation_id: i64,
    pub organisation_name: String,
    pub area_id: Option<i64>,
    pub stage: Option<String>,
    /// This 年度's 年度計画, if there is one, and whether it is adopted.
    pub annual_plan_id: Option<i64>,
    pub annual_plan_adopted: Option<bool>,
    /// Last 年度's 年度計画, and how many of its projects are neither done nor cancelled.
    pub last_plan_id: Option<i64>,
    pub last_plan_open: Option<i64>,
}

/// What a body owes, on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, utoipa::ToSchema)]
pub struct Owed {
    /// This 年度's 年度計画 is past its deadline and not there.
    pub annual_plan: bool,
    /// Last 年度's 事業報告 is past its deadline and some project has no result.
    pub report: bool,
}

impl BodyPlans {
    /// What it owes on `today`; a 年度計画 only once it is `established`
    /// (at the scheme's last stage): a body still forming has none to give.
    pub fn owed(&self, deadlines: PlanDeadlines, today: NaiveDate, established: bool) -> Owed {
        let fy = crate::wareki::fiscal_year(today);
        Owed {
            annual_plan: established
                && self.annual_plan_id.is_none()
                && today > end_of_month_in(fy, deadlines.annual_plan_month),
            report: self.last_plan_open.unwrap_or(0) > 0 && today > end_of_month_in(fy, deadlines.report_month),
        }
    }
}

impl Owed {
    pub fn any(self) -> bool {
        self.annual_plan || self.report
    }

    /// 「年度計画 未提出・事業報告 未完了」, or empty.
    pub fn text(self) -> String {
        let mut parts = Vec::new();
        if self.annual_plan {
            parts.push("年度計画 未提出");
        }
        if self.report {
            parts.push("事業報告 未完了");
        }
        parts.join("・")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn months_fall_in_their_fiscal_year() {
        assert_eq!(end_of_month_in(2026, 5), d(2026, 5, 31));
        assert_eq!(end_of_month_in(2026, 2), d(2027, 2, 28));
        assert_eq!(end_of_month_in(2026, 12), d(2026, 12, 31));
    }

    #[test]
    fn a_plan_is_owed_after_its_month_and_a_report_while_projects_lack_results() {
        let body = BodyPlans {
            organisation_id: 1,
            organisation_name: "唐松まちづくり協議会".into(),
            area_id: None,
            stage: None,
            annual_plan_id: None,
            annual_plan_adopted: None,
            last_plan_id: Some(7),
            last_plan_open: Some(2),
        };
        let deadlines = PlanDeadlines::default();
        assert_eq!(
            body.owed(deadlines, d(2026, 5, 31), true),
            Owed::default(),
            "not before the month ends"
        );
        assert!(
            !body.owed(deadlines, d(2026, 6, 1), false).annual_plan,
            "a body still forming owes no plan"
        );
        let owed = body.owed(deadlines, d(2026, 6, 1), true);
        assert!(owed.annual_plan && owed.report);
        assert_eq!(owed.text(), "年度計画 未提出・事業報告 未完了");
        let done = BodyPlans {
            annual_plan_id: Some(9),
            last_plan_open: Some(0),
            ..body
        };
        assert!(!done.owed(deadlines, d(2026, 6, 1), true).any());
    }
}
