//! The procedure's rules a scheme sets (交付要綱で定めること): when the
//! application and the 実績報告 are due, how the money is paid out (一括 or
//! 概算払 in installments), how far spending may pass a budget line (流用),
//! and how much of what is left may be carried over (繰越・基金積立).
//! Niimi's manual is not in our hands: each default is an assumption the
//! city sets on the scheme's page.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::validation::{FieldErrors, Fields};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProcedureRules {
    /// 交付申請の期限.
    #[serde(default)]
    pub application_due: Option<NaiveDate>,
    /// 実績報告の期限 (e.g. 4月30日 after the 年度).
    #[serde(default)]
    pub report_due: Option<NaiveDate>,
    /// The months of the 概算払 installments, April first (「4,10」); none: 一括.
    #[serde(default)]
    pub installment_months: Vec<u32>,
    /// 流用: how far (%) spending may pass a budget line before it is named.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub tolerance_percent: i64,
    /// 繰越・基金積立: the share (%) of the fixed amount that may be carried
    /// over; none: everything left goes back.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub carry_over_percent: Option<i64>,
}

impl TryFrom<String> for ProcedureRules {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

impl ProcedureRules {
    /// The preset for `fiscal_year`: apply by 4月30日, report by the next
    /// 4月30日, two installments (4月と10月), 20% 流用, 20% carried over.
    pub fn preset(fiscal_year: i32) -> ProcedureRules {
        ProcedureRules {
            application_due: NaiveDate::from_ymd_opt(fiscal_year, 4, 30),
            report_due: NaiveDate::from_ymd_opt(fiscal_year + 1, 4, 30),
            installment_months: vec![4, 10],
            tolerance_percent: 20,
            carry_over_percent: Some(20),
        }
    }

    /// Reads the rules' fields (`application_due`, `report_due`,
    /// `installment_months` 「4,10」, `tolerance_percent`, `carry_over_percent`).
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, errors: &mut FieldErrors) -> ProcedureRules {
        let mut f = Fields::new(get);
        let application_due = f.date("application_due", "交付申請の期限", false);
        let report_due = f.date("report_due", "実績報告の期限", false);
        let percent = |f: &mut Fields, field: &str, label: &str| {
            let n = f.count(field, label, false);
            if n.is_some_and(|n| n > 100) {
                f.errors.add(field, format!("{label}は0〜100の数で入力してください"));
            }
            n
        };
        let tolerance_percent = percent(&mut f, "tolerance_percent", "流用の許容").unwrap_or(0);
        let carry_over_percent = percent(&mut f, "carry_over_percent", "繰越の上限");
        let months_text = get("installment_months").unwrap_or_default();
        let installment_months = match crate::plans::projects::parse_months(&months_text) {
            Ok(months) => months,
            Err(_) => {
                f.errors.add(
                    "installment_months",
                    "支払の月は「4,10」のように1〜12の数で入力してください",
                );
                Vec::new()
            }
        };
        errors.errors.extend(f.errors.errors);
        ProcedureRules {
            application_due,
            report_due,
            installment_months,
            tolerance_percent,
            carry_over_percent,
        }
    }

    /// Rules sent whole (API) judged as the form's would be.
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if !(0..=100).contains(&self.tolerance_percent) {
            errors.add("rules.tolerance_percent", "流用の許容は0〜100の数で入力してください");
        }
        if self.carry_over_percent.is_some_and(|p| !(0..=100).contains(&p)) {
            errors.add("rules.carry_over_percent", "繰越の上限は0〜100の数で入力してください");
        }
        if self.installment_months.iter().any(|m| !(1..=12).contains(m)) || self.installment_months.len() > 12 {
            errors.add("rules.installment_months", "支払の月は1〜12で入力してください");
        }
        errors.into_result(())
    }

    /// The form's values for these rules.
    pub fn values(&self) -> Vec<(&'static str, String)> {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        vec![
            ("application_due", date(self.application_due)),
            ("report_due", date(self.report_due)),
            (
                "installment_months",
                self.installment_months
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("tolerance_percent", self.tolerance_percent.to_string()),
            (
                "carry_over_percent",
                self.carry_over_percent.map(|p| p.to_string()).unwrap_or_default(),
            ),
        ]
    }

    /// 「一括」 or 「概算払（4月・10月）」.
    pub fn payment_text(&self) -> String {
        if self.installment_months.len() <= 1 {
            "一括".to_owned()
        } else {
            let months: Vec<String> = self.installment_months.iter().map(|m| format!("{m}月")).collect();
            format!("概算払（{}）", months.join("・"))
        }
    }

    /// Each installment of `decided`: its month and amount, the remainder of
    /// the division going to the first, so the parts add up to the whole.
    pub fn installments(&self, decided: i64) -> Vec<(u32, i64)> {
        let months = if self.installment_months.is_empty() {
            vec![4]
        } else {
            self.installment_months.clone()
        };
        let n = i64::try_from(months.len()).unwrap_or(1).max(1);
        let part = decided / n;
        months
            .iter()
            .enumerate()
            .map(|(i, m)| (*m, if i == 0 { decided - part * (n - 1) } else { part }))
            .collect()
    }
}

/// What the body must hand in next, and by when; `overdue` once the day has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NextDue {
    pub what: String,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
}

/// The body's next submission for a grant in `status`, judged on `today`.
pub fn next_due(status: super::procedure::GrantStatus, rules: &ProcedureRules, today: NaiveDate) -> Option<NextDue> {
    use super::procedure::GrantStatus as S;
    let (what, due) = match status {
        S::NotApplied | S::Returned => ("交付申請", rules.application_due),
        S::Decided | S::ChangeApplied => ("実績報告", rules.report_due),
        S::Applied | S::Reported | S::Fixed | S::Settled => return None,
    };
    Some(NextDue {
        what: what.to_owned(),
        due,
        overdue: due.is_some_and(|d| today > d),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installments_add_up_to_the_decision() {
        let rules = ProcedureRules::preset(2026);
        assert_eq!(rules.installments(1_000_001), vec![(4, 500_001), (10, 500_000)]);
        assert_eq!(rules.payment_text(), "概算払（4月・10月）");
        let lump = ProcedureRules::default();
        assert_eq!(lump.installments(300), vec![(4, 300)]);
        assert_eq!(lump.payment_text(), "一括");
    }

    #[test]
    fn rules_are_read_from_the_form_with_each_fault_named() {
        let form = |k: &str| match k {
            "application_due" => Some("R8.4.30".to_owned()),
            "installment_months" => Some("４，１０".to_owned()),
            "tolerance_percent" => Some("120".to_owned()),
            _ => None,
        };
        let mut errors = FieldErrors::new();
        let rules = ProcedureRules::parse(&form, &mut errors);
        assert_eq!(rules.application_due, NaiveDate::from_ymd_opt(2026, 4, 30));
        assert_eq!(rules.installment_months, vec![4, 10]);
        assert!(errors.get("tolerance_percent").is_some(), "{errors:?}");
        assert_eq!(rules.carry_over_percent, None, "blank: nothing may be carried over");
    }

    #[test]
    fn the_next_submission_is_overdue_after_its_day() {
        use super::super::procedure::GrantStatus as S;
        let rules = ProcedureRules::preset(2026);
        let may_1 = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let late = next_due(S::NotApplied, &rules, may_1).unwrap();
        assert!(late.overdue && late.what == "交付申請");
        let report = next_due(S::Decided, &rules, may_1).unwrap();
        assert!(!report.overdue && report.due == NaiveDate::from_ymd_opt(2027, 4, 30));
        assert!(next_due(S::Applied, &rules, may_1).is_none(), "the city's turn");
    }
}
