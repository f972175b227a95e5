//! A grant's way through a 年度 under the 補助金等交付規則: 交付申請 →
//! 審査（差戻し）→ 交付決定 → 請求・支払 → 変更申請・変更決定 → 実績報告 →
//! 額の確定 → 返還・繰越・追加の支払. Who may take each step from where, and
//! the money rules every step keeps: a payment never passes the decided
//! amount, a settlement says what is owed back or may be carried over.
//! The records and pages come with the procedure's store and web modules.

use serde::{Deserialize, Serialize};

crate::keyed_enum! {
    /// Where an organisation's grant for a 年度 stands.
    #[derive(Default)]
    pub enum GrantStatus {
        /// 未申請.
        #[default]
        NotApplied = ("not_applied", "未申請"),
        /// 申請中 (審査待ち).
        Applied = ("applied", "申請中"),
        /// 差戻し: returned with comments, to apply again.
        Returned = ("returned", "差戻し"),
        /// 交付決定.
        Decided = ("decided", "交付決定"),
        /// 変更申請中.
        ChangeApplied = ("change_applied", "変更申請中"),
        /// 実績報告済み.
        Reported = ("reported", "実績報告済み"),
        /// 額の確定.
        Fixed = ("fixed", "額の確定"),
        /// 精算済み: refunded, carried over or paid up.
        Settled = ("settled", "精算済み"),
    }
}

impl GrantStatus {
    /// Whether money may be paid out now (決定後、精算前).
    pub fn payable(self) -> bool {
        matches!(
            self,
            GrantStatus::Decided | GrantStatus::ChangeApplied | GrantStatus::Reported | GrantStatus::Fixed
        )
    }
}

crate::keyed_enum! {
    /// A step of the procedure, as `POST /grants/{id}/transitions` names it.
    pub enum GrantAction {
        /// 交付申請 (the body).
        Apply = ("apply", "交付申請"),
        /// 差戻し (the coordinator), with comments.
        Return = ("return", "差戻し"),
        /// 交付決定 or 変更決定 (the coordinator): amount, conditions, date, number.
        Decide = ("decide", "交付決定"),
        /// 請求 (the body).
        RequestPayment = ("request_payment", "請求"),
        /// 支払 (the coordinator): date, amount, 支出命令番号.
        Pay = ("pay", "支払"),
        /// 変更申請 (the body), with the reason.
        Change = ("change", "変更申請"),
        /// 実績報告 (the body).
        Report = ("report", "実績報告"),
        /// 額の確定 (the coordinator).
        Fix = ("fix", "額の確定"),
        /// 返還 received (the coordinator).
        Refund = ("refund", "返還"),
        /// 繰越・基金積立 (the coordinator), within the scheme's limit.
        CarryOver = ("carry_over", "繰越・基金積立"),
    }
}

/// Who takes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The organisation (its representative, or its liaison on its behalf).
    Body,
    /// The coordinating section (制度所管課).
    City,
}

impl GrantAction {
    pub fn side(self) -> Side {
        match self {
            GrantAction::Apply | GrantAction::RequestPayment | GrantAction::Change | GrantAction::Report => Side::Body,
            _ => Side::City,
        }
    }

    /// Whether the step may be taken from `status`.
    pub fn allowed_from(self, status: GrantStatus) -> bool {
        use GrantStatus as S;
        match self {
            GrantAction::Apply => matches!(status, S::NotApplied | S::Returned),
            GrantAction::Return => matches!(status, S::Applied | S::ChangeApplied),
            GrantAction::Decide => matches!(status, S::Applied | S::ChangeApplied),
            GrantAction::RequestPayment | GrantAction::Pay => status.payable(),
            GrantAction::Change => status == S::Decided,
            GrantAction::Report => matches!(status, S::Decided),
            GrantAction::Fix => status == S::Reported,
            GrantAction::Refund | GrantAction::CarryOver => status == S::Fixed,
        }
    }

    /// Where the step leads from `status` (the status it was taken from is
    /// needed: a return of a change goes back to the decision in force).
    pub fn result(self, from: GrantStatus) -> GrantStatus {
        use GrantStatus as S;
        match self {
            GrantAction::Apply => S::Applied,
            GrantAction::Return if from == S::ChangeApplied => S::Decided,
            GrantAction::Return => S::Returned,
            GrantAction::Decide => S::Decided,
            GrantAction::Change => S::ChangeApplied,
            GrantAction::Report => S::Reported,
            GrantAction::Fix => S::Fixed,
            // Settled once nothing is owed either way: the store judges by the sums.
            GrantAction::Refund | GrantAction::CarryOver => S::Fixed,
            GrantAction::RequestPayment | GrantAction::Pay => from,
        }
    }

    /// Why the step may not be taken from `status`, in the user's words.
    pub fn refusal(self, status: GrantStatus) -> String {
        format!("{}のため{}はできません", status.label(), self.label())
    }
}

/// Checks a payment against the decision: more than 0 yen, and with what
/// was paid before never more than the decided amount (or, after 額の確定,
/// the fixed amount).
pub fn check_payment(limit: i64, paid: i64, amount: i64) -> Result<(), String> {
    if amount <= 0 {
        return Err("支払額は1円以上で入力してください".into());
    }
    let left = limit.saturating_sub(paid);
    if amount > left {
        return Err(format!(
            "支払額が残りの額を超えています（決定額 {}円、支払済み {}円、残り {}円）",
            crate::text::grouped(limit),
            crate::text::grouped(paid),
            crate::text::grouped(left.max(0))
        ));
    }
    Ok(())
}

/// What 額の確定 leaves to settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Settlement {
    /// Paid beyond the fixed amount: owed back (返還).
    pub overpaid: i64,
    /// Of that, what the scheme lets the body carry over (繰越・基金積立).
    pub may_carry_over: i64,
    /// Fixed beyond what was paid: still to pay (追加の支払).
    pub to_pay: i64,
}

/// The difference between the fixed amount and what was paid. A carry-over
/// is limited to `carry_over_percent` of the fixed amount (e.g. 20).
pub fn settle(fixed: i64, paid: i64, carry_over_percent: Option<i64>) -> Settlement {
    let overpaid = paid.saturating_sub(fixed).max(0);
    let limit = carry_over_percent.map_or(0, |p| {
        i64::try_from(i128::from(fixed.max(0)) * i128::from(p.clamp(0, 100)) / 100).unwrap_or(i64::MAX)
    });
    Settlement {
        overpaid,
        may_carry_over: overpaid.min(limit),
        to_pay: fixed.saturating_sub(paid).max(0),
    }
}

crate::keyed_enum! {
    /// 費目: how a body's expenses are sorted on the 収支予算書 and 収支決算書.
    pub enum ExpenseItem {
        /// 報償費.
        Honoraria = ("honoraria", "報償費"),
        /// 需用費 (消耗品・印刷・食糧・光熱水).
        Supplies = ("supplies", "需用費"),
        /// 役務費 (通信運搬・保険・手数料).
        Services = ("services", "役務費"),
        /// 委託料.
        Commissions = ("commissions", "委託料"),
        /// 使用料及び賃借料.
        Rentals = ("rentals", "使用料及び賃借料"),
        /// 備品購入費.
        Equipment = ("equipment", "備品購入費"),
        /// 人件費 (officers' and the office's pay: Niimi's Q8).
        Personnel = ("personnel", "人件費"),
        /// その他.
        Other = ("other", "その他"),
    }
}

impl ExpenseItem {
    /// The 費目 a plan's budget line names in its own words: 「消耗品費」 is
    /// 需用費, 「謝礼」 報償費, 「保険料」 役務費…; what is not recognised is その他.
    pub fn classify(item: &str) -> ExpenseItem {
        let item = crate::text::normalize_input(item);
        if let Some(exact) = ExpenseItem::parse(&item) {
            return exact;
        }
        const WORDS: &[(&str, ExpenseItem)] = &[
            ("報償", ExpenseItem::Honoraria),
            ("謝礼", ExpenseItem::Honoraria),
            ("謝金", ExpenseItem::Honoraria),
            ("講師", ExpenseItem::Honoraria),
            ("消耗品", ExpenseItem::Supplies),
            ("印刷", ExpenseItem::Supplies),
            ("食糧", ExpenseItem::Supplies),
            ("光熱", ExpenseItem::Supplies),
            ("燃料", ExpenseItem::Supplies),
            ("材料", ExpenseItem::Supplies),
            ("需用", ExpenseItem::Supplies),
            ("通信", ExpenseItem::Services),
            ("郵送", ExpenseItem::Services),
            ("保険", ExpenseItem::Services),
            ("手数料", ExpenseItem::Services),
            ("広告", ExpenseItem::Services),
            ("役務", ExpenseItem::Services),
            ("委託", ExpenseItem::Commissions),
            ("使用料", ExpenseItem::Rentals),
            ("賃借", ExpenseItem::Rentals),
            ("借上", ExpenseItem::Rentals),
            ("会場", ExpenseItem::Rentals),
            ("備品", ExpenseItem::Equipment),
            ("人件", ExpenseItem::Personnel),
            ("賃金", ExpenseItem::Personnel),
            ("給与", ExpenseItem::Personnel),
            ("報酬", ExpenseItem::Personnel),
            ("事務局", ExpenseItem::Personnel),
        ];
        WORDS
            .iter()
            .find(|(w, _)| item.contains(w))
            .map_or(ExpenseItem::Other, |(_, i)| *i)
    }
}

/// A line of the 収支決算書: a project's 費目, what was budgeted for it from
/// the grant and what was spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementLine {
    /// The 年度計画's project; none for spending outside any project.
    pub project_id: Option<i64>,
    pub project: String,
    pub item: ExpenseItem,
    pub budget: i64,
    pub spent: i64,
}

/// Lines whose spending passes their budget by more than `tolerance_percent`
/// (the scheme's 流用 margin), each named: 「敬老会・需用費: 予算 100,000円に対し
/// 支出 130,000円（30%超過）」.
pub fn overspent(lines: &[StatementLine], tolerance_percent: i64) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            i128::from(l.spent) * 100 > i128::from(l.budget) * i128::from(100 + tolerance_percent.clamp(0, 1000))
        })
        .map(|l| {
            let over = if l.budget > 0 {
                format!(
                    "{}%超過",
                    (i128::from(l.spent) - i128::from(l.budget)) * 100 / i128::from(l.budget)
                )
            } else {
                "予算なし".to_owned()
            };
            format!(
                "{}・{}: 予算 {}円に対し支出 {}円（{over}）",
                l.project,
                l.item.label(),
                crate::text::grouped(l.budget),
                crate::text::grouped(l.spent)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_from_application_to_settlement() {
        use GrantAction as A;
        use GrantStatus as S;
        let mut status = S::NotApplied;
        for step in [
            A::Apply,
            A::Return,
            A::Apply,
            A::Decide,
            A::Pay,
            A::Change,
            A::Decide,
            A::Pay,
            A::Report,
            A::Fix,
            A::Refund,
        ] {
            assert!(step.allowed_from(status), "{step:?} from {status:?}");
            status = step.result(status);
        }
        assert_eq!(status, S::Fixed, "settled once the sums balance, which the grant knows");
        assert!(
            !A::Decide.allowed_from(S::NotApplied),
            "nothing to decide before an application"
        );
        assert!(!A::Apply.allowed_from(S::Decided), "one application a 年度");
        assert!(!A::Pay.allowed_from(S::Applied), "no payment before the decision");
        assert_eq!(
            A::Return.result(S::ChangeApplied),
            S::Decided,
            "a returned change leaves the decision in force"
        );
        assert_eq!(A::Pay.side(), Side::City);
        assert_eq!(A::Report.side(), Side::Body);
        assert_eq!(A::Fix.refusal(S::Decided), "交付決定のため額の確定はできません");
    }

    #[test]
    fn a_payment_never_passes_the_decision() {
        assert!(check_payment(1_000_000, 500_000, 500_000).is_ok());
        let refused = check_payment(1_000_000, 500_000, 500_001).unwrap_err();
        assert!(refused.contains("残り 500,000円"), "{refused}");
        assert!(check_payment(1_000_000, 0, 0).is_err());
    }

    #[test]
    fn a_settlement_refunds_or_carries_over_within_the_limit_or_pays_up() {
        assert_eq!(
            settle(900_000, 1_000_000, Some(20)),
            Settlement {
                overpaid: 100_000,
                may_carry_over: 100_000,
                to_pay: 0
            }
        );
        // 20% of 300,000 is 60,000: the rest of the 700,000 goes back.
        assert_eq!(settle(300_000, 1_000_000, Some(20)).may_carry_over, 60_000);
        assert_eq!(settle(300_000, 1_000_000, None).may_carry_over, 0);
        assert_eq!(settle(1_000_000, 800_000, Some(20)).to_pay, 200_000);
    }

    #[test]
    fn overspending_is_named_line_by_line() {
        let line = |item, budget, spent| StatementLine {
            project_id: Some(1),
            project: "敬老会".into(),
            item,
            budget,
            spent,
        };
        let lines = [
            line(ExpenseItem::Supplies, 100_000, 130_000),
            line(ExpenseItem::Honoraria, 100_000, 105_000),
            line(ExpenseItem::Equipment, 0, 1),
        ];
        let said = overspent(&lines, 10);
        assert_eq!(said.len(), 2, "{said:?}");
        assert_eq!(said[0], "敬老会・需用費: 予算 100,000円に対し支出 130,000円（30%超過）");
        assert!(said[1].starts_with("敬老会・備品購入費") && said[1].contains("予算なし"));
    }

    #[test]
    fn a_plans_own_words_for_its_items_are_sorted_into_the_fee_items() {
        assert_eq!(ExpenseItem::classify("消耗品費"), ExpenseItem::Supplies);
        assert_eq!(ExpenseItem::classify("講師謝礼"), ExpenseItem::Honoraria);
        assert_eq!(ExpenseItem::classify("需用費"), ExpenseItem::Supplies);
        assert_eq!(ExpenseItem::classify("事務局員賃金"), ExpenseItem::Personnel);
        assert_eq!(ExpenseItem::classify("会場使用料"), ExpenseItem::Rentals);
        assert_eq!(ExpenseItem::classify("雑費"), ExpenseItem::Other);
    }
}
