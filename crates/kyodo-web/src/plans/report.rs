//! The year's 事業報告 of a 年度計画, made from its projects' records —
//! what was done, who came, what was spent against the budget — printed on
//! A4 or written to xlsx, never typed again.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kyodo_core::permissions::Action;
use kyodo_core::plans::PlanKind;
use kyodo_core::plans::projects::Project;
use kyodo_store::plans as store;

use super::{BASE, months_label, reachable, yen};
use crate::AppState;
use crate::api::PagePath;
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};
use crate::pages::{self, Cell, Layout, Table};
use crate::xlsx::{self, Sheet, XCell};

/// The 年度計画 and its projects, if the caller reads it.
async fn annual(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<(kyodo_core::plans::PlanRow, Vec<Project>), AppError> {
    let (row, _) = reachable(state, caller, Action::PlanRead, id).await?;
    if row.plan.kind != PlanKind::Annual {
        return Err(AppError::Refused(format!(
            "事業報告は年度計画から作ります（この計画は{}です）",
            row.plan.kind.label()
        )));
    }
    let projects = store::projects(&state.db, caller.municipality.id, id).await?;
    Ok((row, projects))
}

/// One line per budget line: (project, 費目, 財源, 予算, 決算).
fn money(projects: &[Project]) -> Vec<(&str, &str, &'static str, i64, Option<i64>)> {
    projects
        .iter()
        .flat_map(|p| {
            p.budget
                .0
                .iter()
                .map(move |l| (p.name.as_str(), l.item.as_str(), l.source.label(), l.amount, l.actual))
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (row, projects) = annual(&state, &caller, id).await?;
    let p = &row.plan;
    let lines = money(&projects);
    let planned: i64 = lines.iter().map(|l| l.3).sum();
    let spent: i64 = lines.iter().filter_map(|l| l.4).sum();
    let mut money_rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|(project, item, source, amount, actual)| {
            vec![
                Cell::text(*project),
                Cell::text(*item),
                Cell::text(*source),
                Cell::text(yen(*amount)),
                Cell::text(actual.map(yen).unwrap_or_else(|| "未入力".into())),
            ]
        })
        .collect();
    if !money_rows.is_empty() {
        money_rows.push(vec![
            Cell::text("合計"),
            Cell::text(""),
            Cell::text(""),
            Cell::text(yen(planned)),
            Cell::text(yen(spent)),
        ]);
    }
    let page = pages::RecordsPage {
        layout: Layout::new(&caller, format!("事業報告（{}）", p.title), BASE),
        heading: format!("{} 事業報告", row.organisation_name),
        intro: format!(
            "{}「{}」の事業の実施状況と収支です。各事業の記録から作っています。",
            p.period(),
            p.title
        ),
        base_path: format!("{BASE}/{id}/report"),
        links: vec![
            ("計画に戻る".into(), format!("{BASE}/{id}"), false),
            ("Excelで書き出す".into(), format!("{BASE}/{id}/report.xlsx"), false),
        ],
        filters: Vec::new(),
        tables: vec![
            Table {
                title: "事業の実施状況".into(),
                phone: &[0, 2, 3],
                columns: ["事業", "分野", "実施月", "進捗", "実施内容", "参加者数"]
                    .map(String::from)
                    .to_vec(),
                rows: projects
                    .iter()
                    .map(|x| {
                        vec![
                            Cell::text(x.name.clone()),
                            Cell::text(pages::opt(&x.theme)),
                            Cell::text(months_label(&x.months)),
                            Cell::text(x.status.label()),
                            Cell::text(pages::opt(&x.outcome)),
                            Cell::text(x.participants.map(|n| format!("{n}人")).unwrap_or_default()),
                        ]
                    })
                    .collect(),
                empty: "事業はありません",
            },
            Table {
                title: "収支".into(),
                phone: &[0, 3, 4],
                columns: ["事業", "費目", "財源", "予算額", "決算額"].map(String::from).to_vec(),
                rows: money_rows,
                empty: "予算は登録されていません",
            },
        ],
        printable: true,
    };
    Ok(pages::render(&page).into_response())
}

pub async fn xlsx_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (row, projects) = annual(&state, &caller, id).await?;
    let done = Sheet {
        name: "事業の実施状況".into(),
        headers: ["事業", "分野", "実施月", "担当", "進捗", "実施内容", "参加者数"]
            .map(String::from)
            .to_vec(),
        rows: projects
            .iter()
            .map(|x| {
                vec![
                    XCell::Text(x.name.clone()),
                    XCell::Text(pages::opt(&x.theme)),
                    XCell::Text(months_label(&x.months)),
                    XCell::Text(pages::opt(&x.responsible)),
                    XCell::Text(x.status.label().to_owned()),
                    XCell::Text(pages::opt(&x.outcome)),
                    x.participants.map_or(XCell::Text(String::new()), XCell::Integer),
                ]
            })
            .collect(),
    };
    let money = Sheet {
        name: "収支".into(),
        headers: ["事業", "費目", "財源", "予算額（円）", "決算額（円）"]
            .map(String::from)
            .to_vec(),
        rows: money(&projects)
            .into_iter()
            .map(|(project, item, source, amount, actual)| {
                vec![
                    XCell::Text(project.to_owned()),
                    XCell::Text(item.to_owned()),
                    XCell::Text(source.to_owned()),
                    XCell::Integer(amount),
                    actual.map_or(XCell::Text(String::new()), XCell::Integer),
                ]
            })
            .collect(),
    };
    let bytes = xlsx::workbook(vec![done, money])?;
    let name = format!("事業報告_{}_{}.xlsx", row.organisation_name, row.plan.title);
    Ok(xlsx::attachment(bytes, &name))
}
