//! An organisation's grant for a 年度 (交付金の申請から精算まで): the record
//! with its kept sums, each step taken, the 収支予算書 it was applied with,
//! and the expenses (支出) the 収支決算書 is made of.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::procedure::{ExpenseItem, GrantAction, GrantStatus, StatementLine};
use crate::validation::{FieldErrors, Fields};

/// A line of the 収支予算書: the grant's share of a project's 費目.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GrantBudgetLine {
    /// The project of the adopted 年度計画 the line belongs to.
    pub project_id: i64,
    /// Its name, as it was when applied.
    #[serde(default)]
    pub project: String,
    pub item: ExpenseItem,
    #[schema(minimum = 0)]
    pub amount: i64,
}

/// The budget lines as kept (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GrantBudget(pub Vec<GrantBudgetLine>);

impl TryFrom<String> for GrantBudget {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

impl GrantBudget {
    pub fn total(&self) -> i64 {
        self.0.iter().fold(0i64, |sum, l| sum.saturating_add(l.amount))
    }
}

/// The 収支決算書's lines as kept with a 実績報告 (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Statement(pub Vec<StatementLine>);

impl TryFrom<String> for Statement {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

/// An organisation's grant for a 年度 (交付金), with its sums kept as the
/// steps are taken so that lists never add up the ledger.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Grant {
    pub id: i64,
    pub municipality_id: i64,
    pub organisation_id: i64,
    pub scheme_id: i64,
    pub fiscal_year: i32,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: GrantStatus,
    /// 申請額 (of the last application or 変更申請).
    pub requested: Option<i64>,
    /// 交付決定額 in force (the last 交付決定 or 変更決定).
    pub decided: Option<i64>,
    /// 確定額.
    pub fixed: Option<i64>,
    /// Paid out so far (支払済み).
    pub paid: i64,
    /// Paid back (返還済み).
    pub refunded: i64,
    /// Carried over (繰越・基金積立).
    pub carried: i64,
    /// 返還期限, once a refund is owed.
    pub refund_due: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Grant {
    /// What may still be paid: of the fixed amount once fixed, else of the decision.
    pub fn payable_left(&self) -> i64 {
        self.fixed
            .or(self.decided)
            .unwrap_or(0)
            .saturating_sub(self.paid)
            .max(0)
    }

    /// What the body still owes back after 額の確定 (返還額).
    pub fn owed(&self) -> i64 {
        match self.fixed {
            Some(fixed) => self
                .paid
                .saturating_sub(self.refunded)
                .saturating_sub(self.carried)
                .saturating_sub(fixed)
                .max(0),
            None => 0,
        }
    }

    /// Whether nothing is owed either way once fixed (精算済み).
    pub fn balanced(&self) -> bool {
        self.fixed
            .is_some_and(|fixed| self.paid.saturating_sub(self.refunded).saturating_sub(self.carried) == fixed)
    }
}

/// A grant with its organisation's name, for lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct GrantRow {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    #[serde(flatten)]
    pub grant: Grant,
    pub organisation_name: String,
    pub organisation_code: String,
    /// The grant's area (the organisation's), for a liaison's reach.
    pub area_id: Option<i64>,
}

/// A step taken, as the history keeps it: every application, decision and
/// payment stays, so a 変更決定 never overwrites the 交付決定 before it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct GrantStep {
    pub id: i64,
    pub grant_id: i64,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub action: GrantAction,
    /// 申請日・決定日・支払日…
    pub on_date: NaiveDate,
    pub amount: Option<i64>,
    /// 通知番号 or 支出命令番号.
    pub number: Option<String>,
    /// Comments, conditions (交付条件), the reason of a change, the 事業報告.
    pub note: Option<String>,
    /// 返還期限 on a 額の確定 that leaves a refund.
    pub due: Option<NaiveDate>,
    /// The 収支予算書 an application or 変更申請 was made with.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    #[schema(value_type = Vec<GrantBudgetLine>)]
    pub budget: GrantBudget,
    /// The 収支決算書 a 実績報告 was made with.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    #[schema(value_type = Vec<StatementLine>)]
    pub statement: Statement,
    pub actor_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl GrantStep {
    /// 「変更決定」 for a decision after the first.
    pub fn label(&self, first_decision: bool) -> &'static str {
        match self.action {
            GrantAction::Decide if !first_decision => "変更決定",
            a => a.label(),
        }
    }
}

/// A step as typed into the form or sent to the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepInput {
    pub action: GrantAction,
    /// The step's day; today when left out.
    pub on: Option<NaiveDate>,
    pub amount: Option<i64>,
    pub number: Option<String>,
    pub note: Option<String>,
    pub due: Option<NaiveDate>,
    /// The 収支予算書 sent with an application (API); none: the adopted
    /// 年度計画's 交付金 lines.
    pub budget: Option<Vec<GrantBudgetLine>>,
}

impl StepInput {
    /// Reads a step; what each step needs is named beside its field.
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<StepInput, FieldErrors> {
        let mut f = Fields::new(get);
        let raw = get("action").unwrap_or_default();
        let action = GrantAction::parse(raw.trim());
        if action.is_none() {
            f.errors.add("action", "手続を選んでください");
        }
        let on = f.date("on", "日付", false);
        let needs_amount = matches!(
            action,
            Some(
                GrantAction::Decide
                    | GrantAction::RequestPayment
                    | GrantAction::Pay
                    | GrantAction::Change
                    | GrantAction::Fix
                    | GrantAction::Refund
                    | GrantAction::CarryOver
            )
        );
        let amount = f.yen("amount", "金額", needs_amount);
        let needs_number = matches!(action, Some(GrantAction::Decide | GrantAction::Pay));
        let number_label = if action == Some(GrantAction::Pay) {
            "支出命令番号"
        } else {
            "通知番号"
        };
        let number = f.text("number", number_label, 50, needs_number);
        let (note_label, needs_note) = match action {
            Some(GrantAction::Return) => ("差戻しの理由", true),
            Some(GrantAction::Change) => ("変更の理由", true),
            Some(GrantAction::Report) => ("事業報告", true),
            Some(GrantAction::Decide) => ("交付の条件", false),
            _ => ("コメント", false),
        };
        let note = f.text("note", note_label, 4000, needs_note);
        let due = f.date("due", "返還期限", false);
        let input = action.map(|action| StepInput {
            action,
            on,
            amount,
            number,
            note,
            due,
            budget: None,
        });
        f.finish(input)
            .map(|i| i.expect("the action is known when there are no errors"))
    }
}

/// An expense (支出) paid from the grant, with its receipt when attached.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Expense {
    pub id: i64,
    pub grant_id: i64,
    pub spent_on: NaiveDate,
    pub project_id: Option<i64>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub item: ExpenseItem,
    pub amount: i64,
    /// 支払先.
    pub payee: String,
    pub note: Option<String>,
    /// The receipt's file name (領収書), when one is attached.
    pub receipt_name: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An expense as typed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseInput {
    pub spent_on: NaiveDate,
    pub project_id: Option<i64>,
    pub item: ExpenseItem,
    pub amount: i64,
    pub payee: String,
    pub note: Option<String>,
}

impl ExpenseInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<ExpenseInput, FieldErrors> {
        let mut f = Fields::new(get);
        let spent_on = f.date("spent_on", "支出日", true);
        let project_id = f.id("project_id", "事業", false);
        let raw = get("item").unwrap_or_default();
        let item = ExpenseItem::parse(raw.trim());
        if item.is_none() {
            f.errors.add("item", "費目を選んでください");
        }
        let amount = f.yen("amount", "金額", true);
        if amount == Some(0) {
            f.errors.add("amount", "金額は1円以上で入力してください");
        }
        let payee = f.required("payee", "支払先", 200);
        let note = f.text("note", "摘要", 1000, false);
        let input = match (spent_on, item, amount) {
            (Some(spent_on), Some(item), Some(amount)) => Some(ExpenseInput {
                spent_on,
                project_id,
                item,
                amount,
                payee,
                note,
            }),
            _ => None,
        };
        f.finish(input)
            .map(|i| i.expect("the date, item and amount are present when there are no errors"))
    }
}

/// The 収支決算書: the budget in force beside the expenses, per project and
/// 費目, in the budget's order, spending outside it after.
pub fn statement(
    budget: &[GrantBudgetLine],
    expenses: &[Expense],
    project_name: &dyn Fn(i64) -> String,
) -> Vec<StatementLine> {
    let mut lines: Vec<StatementLine> = Vec::new();
    let line_of = |project_id: Option<i64>, item: ExpenseItem, lines: &mut Vec<StatementLine>| -> usize {
        if let Some(i) = lines.iter().position(|l| l.project_id == project_id && l.item == item) {
            return i;
        }
        lines.push(StatementLine {
            project_id,
            project: project_id.map_or_else(|| "（事業外）".to_owned(), project_name),
            item,
            budget: 0,
            spent: 0,
        });
        lines.len() - 1
    };
    for b in budget {
        let i = line_of(Some(b.project_id), b.item, &mut lines);
        lines[i].budget = lines[i].budget.saturating_add(b.amount);
        if !b.project.is_empty() {
            lines[i].project = b.project.clone();
        }
    }
    for e in expenses {
        let i = line_of(e.project_id, e.item, &mut lines);
        lines[i].spent = lines[i].spent.saturating_add(e.amount);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expense(project_id: Option<i64>, item: ExpenseItem, amount: i64) -> Expense {
        Expense {
            id: 1,
            grant_id: 1,
            spent_on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            project_id,
            item,
            amount,
            payee: "文具店".into(),
            note: None,
            receipt_name: None,
            created_by: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn the_statement_sets_spending_beside_the_budget_line_by_line() {
        let budget = vec![
            GrantBudgetLine {
                project_id: 7,
                project: "敬老会".into(),
                item: ExpenseItem::Supplies,
                amount: 100_000,
            },
            GrantBudgetLine {
                project_id: 7,
                project: "敬老会".into(),
                item: ExpenseItem::Honoraria,
                amount: 50_000,
            },
        ];
        let spent = [
            expense(Some(7), ExpenseItem::Supplies, 60_000),
            expense(Some(7), ExpenseItem::Supplies, 30_000),
            expense(None, ExpenseItem::Other, 5_000),
        ];
        let lines = statement(&budget, &spent, &|id| format!("#{id}"));
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[0].budget, lines[0].spent), (100_000, 90_000));
        assert_eq!((lines[1].budget, lines[1].spent), (50_000, 0));
        assert_eq!(lines[2].project, "（事業外）");
    }

    #[test]
    fn each_step_names_what_it_needs() {
        let form = |action: &'static str| {
            move |k: &str| match k {
                "action" => Some(action.to_owned()),
                _ => None,
            }
        };
        let decide = StepInput::parse(&form("decide")).unwrap_err();
        assert!(decide.get("amount").is_some() && decide.get("number").is_some());
        let ret = StepInput::parse(&form("return")).unwrap_err();
        assert_eq!(ret.get("note"), Some("差戻しの理由を入力してください"));
        let pay = StepInput::parse(&form("pay")).unwrap_err();
        assert_eq!(pay.get("number"), Some("支出命令番号を入力してください"));
        assert!(
            StepInput::parse(&form("apply")).is_ok(),
            "the plan gives the application"
        );
        assert!(StepInput::parse(&form("approve")).unwrap_err().get("action").is_some());
    }

    #[test]
    fn a_grant_knows_what_is_owed_and_when_it_is_settled() {
        let mut g = Grant {
            id: 1,
            municipality_id: 1,
            organisation_id: 1,
            scheme_id: 1,
            fiscal_year: 2025,
            status: GrantStatus::Fixed,
            requested: Some(1_000_000),
            decided: Some(1_000_000),
            fixed: Some(900_000),
            paid: 1_000_000,
            refunded: 0,
            carried: 0,
            refund_due: None,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert_eq!(g.owed(), 100_000);
        assert!(!g.balanced());
        g.carried = 40_000;
        g.refunded = 60_000;
        assert_eq!(g.owed(), 0);
        assert!(g.balanced());
        assert_eq!(g.payable_left(), 0);
    }
}
