//! The year's payments in the shape a 財務会計 system imports: one line per
//! payment (支払日, 相手方, 金額, 科目, 支出命令番号, 摘要).

use chrono::NaiveDate;

use crate::csv_import::{Column, write_table};

/// The budget account grants are paid from (19節 負担金補助及び交付金);
/// a city whose system names it otherwise changes it after import.
pub const ACCOUNT: &str = "負担金補助及び交付金";

const COLUMNS: [Column; 6] = [
    Column::required("paid_on", "支払日"),
    Column::required("payee", "相手方"),
    Column::required("amount", "金額"),
    Column::required("account", "科目"),
    Column::optional("order_number", "支出命令番号"),
    Column::optional("memo", "摘要"),
];

/// A payment as the export writes it.
pub struct PaymentLine {
    pub paid_on: NaiveDate,
    pub payee: String,
    pub amount: i64,
    pub order_number: Option<String>,
    /// 「令和8年度 小規模多機能自治一括交付金」.
    pub memo: String,
}

/// The CSV text (UTF-8; the caller encodes it as CP932 for the system).
pub fn payments_csv(lines: &[PaymentLine]) -> String {
    write_table(
        &COLUMNS,
        lines.iter().map(|l| {
            vec![
                l.paid_on.format("%Y/%m/%d").to_string(),
                l.payee.clone(),
                l.amount.to_string(),
                ACCOUNT.to_owned(),
                l.order_number.clone().unwrap_or_default(),
                l.memo.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_payment_with_its_account() {
        let text = payments_csv(&[PaymentLine {
            paid_on: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
            payee: "上市地域振興会".into(),
            amount: 1_500_000,
            order_number: Some("支第123号".into()),
            memo: "令和8年度 交付金（第1回）".into(),
        }]);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("支払日,相手方,金額,科目,支出命令番号,摘要"));
        assert_eq!(
            lines.next(),
            Some("2026/04/20,上市地域振興会,1500000,負担金補助及び交付金,支第123号,令和8年度 交付金（第1回）")
        );
        assert!(text.ends_with("\r\n"), "CRLF, as the systems expect");
    }
}
