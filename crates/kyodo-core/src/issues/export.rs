//! Issues as a CSV table (課題一覧の書出し), as the list shows them with its
//! filters: what staff keep in Excel today.

use super::{IssueRow, Route};
use crate::csv_import::Column;

pub const CSV_COLUMNS: &[Column] = &[
    Column::optional("id", "受付番号"),
    Column::optional("received_on", "受付日"),
    Column::optional("fiscal_year", "年度"),
    Column::optional("kind", "種別"),
    Column::optional("title", "件名"),
    Column::optional("body", "内容"),
    Column::optional("category", "分類"),
    Column::optional("area", "地区"),
    Column::optional("organisation", "団体"),
    Column::optional("priority", "地区の優先度"),
    Column::optional("status", "状況"),
    Column::optional("responsibility", "役割分担"),
    Column::optional("departments", "担当部署"),
    Column::optional("answer_due_on", "回答期限"),
    Column::optional("answers", "回答"),
    Column::optional("reported_on", "報告日"),
    Column::optional("report_method", "報告方法"),
    Column::optional("continuing", "継続案件"),
    Column::optional("policy_reflection", "施策反映"),
];

/// One line of the table. `internal`: staff see the workflow's own status,
/// the community the status as it is told to them.
pub fn csv_row(row: &IssueRow, routes: &[Route], internal: bool) -> Vec<String> {
    let i = &row.issue;
    let date = |d: Option<chrono::NaiveDate>| crate::wareki::iso_date(d);
    let active: Vec<&Route> = routes
        .iter()
        .filter(|r| r.issue_id == i.id && r.is_active() && (internal || r.answered_at.is_some()))
        .collect();
    let answers: Vec<String> = active
        .iter()
        .filter_map(|r| {
            let text = r.answer_text.as_deref()?;
            let stance = r.stance.map(|s| s.label()).unwrap_or_default();
            Some(format!("{}（{stance}）: {text}", r.department_name))
        })
        .collect();
    vec![
        i.id.to_string(),
        date(Some(i.received_on)),
        i.fiscal_year.to_string(),
        i.kind.label().to_owned(),
        i.title.clone(),
        i.body.clone(),
        i.category.clone(),
        row.area_name.clone(),
        row.organisation_name.clone().unwrap_or_default(),
        i.priority.label().to_owned(),
        if internal {
            i.status.label()
        } else {
            i.status.public_label()
        }
        .to_owned(),
        if internal {
            i.responsibility.map(|r| r.label().to_owned()).unwrap_or_default()
        } else {
            String::new()
        },
        active
            .iter()
            .map(|r| r.department_name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        if internal { date(i.answer_due_on) } else { String::new() },
        answers.join("\n"),
        date(i.reported_on),
        i.report_method.map(|m| m.label().to_owned()).unwrap_or_default(),
        if i.continuing {
            "継続".to_owned()
        } else {
            String::new()
        },
        i.policy_reflection.clone().unwrap_or_default(),
    ]
}
