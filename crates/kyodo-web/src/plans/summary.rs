//! The coordinator's summary of a 年度 across bodies (年度計画の一覧): every
//! project of every 年度計画, its budget and how much of it is 交付金, and
//! whether it stands under its body's future plan; as a page, CSV (UTF-8 or
//! CP932), xlsx and JSON.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kyodo_core::csv_import::Column;
use kyodo_core::encoding::encode_csv;
use kyodo_core::permissions::Action;
use kyodo_core::plans::projects::{BodySummary, FundingSource, SummaryRow, by_body, theme_flag};
use kyodo_store::plans as store;

use super::{BASE, months_label, yen};
use crate::AppState;
use crate::api::{ApiQuery, PageQuery};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, Layout};
use crate::xlsx::{self, Sheet, XCell};

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The 年度 (西暦); this 年度 when left out.
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
}

/// The CSV's query: the 年度 and `encoding` (`utf-8` with BOM, or `cp932`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct CsvQuery {
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    pub fiscal_year: Option<i32>,
    pub encoding: Option<String>,
}

/// A summary line with the reason it is flagged, if it is.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SummaryLine {
    #[serde(flatten)]
    pub row: SummaryRow,
    /// 予算の合計 and うち交付金, in yen.
    pub budget_total: i64,
    pub grant_total: i64,
    pub flag: Option<&'static str>,
}

async fn lines(state: &AppState, caller: &Caller, fy: i32) -> Result<Vec<SummaryLine>, AppError> {
    let scope = caller.require(Action::PlanRead)?;
    let muni = caller.municipality.id;
    let rows = store::summary(&state.db, muni, &super::plan_reach(caller, scope), fy).await?;
    let themes = store::themes_in(&state.db, muni, fy).await?;
    let required = caller.municipality.scheme.recognition;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = themes
                .iter()
                .find(|(o, _)| *o == row.plan.organisation_id)
                .map(|(_, t)| t.as_slice());
            SummaryLine {
                budget_total: row.budget.total(),
                grant_total: row.budget.from_source(FundingSource::Grant),
                flag: theme_flag(row.theme.as_deref(), own, required),
                row,
            }
        })
        .collect())
}

fn year_of(caller: &Caller, fiscal_year: Option<i32>) -> i32 {
    fiscal_year.unwrap_or_else(|| kyodo_core::wareki::fiscal_year(caller.today))
}

const COLUMNS: &[Column] = &[
    Column::optional("organisation_code", "団体コード"),
    Column::optional("organisation", "団体"),
    Column::optional("plan", "年度計画"),
    Column::optional("adopted_on", "議決日"),
    Column::optional("project", "事業"),
    Column::optional("theme", "分野"),
    Column::optional("months", "実施月"),
    Column::optional("responsible", "担当"),
    Column::optional("budget", "予算（円）"),
    Column::optional("grant", "うち交付金（円）"),
    Column::optional("status", "進捗"),
    Column::optional("participants", "参加者数"),
    Column::optional("flag", "注意"),
];

fn record(l: &SummaryLine) -> Vec<String> {
    let r = &l.row;
    vec![
        r.plan.organisation_code.clone(),
        r.plan.organisation_name.clone(),
        r.plan.plan_title.clone(),
        kyodo_core::wareki::iso_date(r.plan.adopted_on),
        r.name.clone(),
        pages::opt(&r.theme),
        months_label(&r.months),
        pages::opt(&r.responsible),
        l.budget_total.to_string(),
        l.grant_total.to_string(),
        r.status.label().to_owned(),
        r.participants.map(|n| n.to_string()).unwrap_or_default(),
        l.flag.unwrap_or_default().to_owned(),
    ]
}

/// A body's line of the summary with how many of its projects stand under
/// no 分野 of its future plan (分野外: the block grant may refuse them).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct BodyLine {
    #[serde(flatten)]
    pub body: BodySummary,
    pub off_theme: i64,
}

/// One line per body: the kept sums of its projects per 分野, folded, with
/// its 分野外 count. No project's budget lines are read.
async fn body_lines(state: &AppState, caller: &Caller, fy: i32) -> Result<Vec<BodyLine>, AppError> {
    let scope = caller.require(Action::PlanRead)?;
    let muni = caller.municipality.id;
    let rows = store::summary_by_theme(&state.db, muni, &super::plan_reach(caller, scope), fy).await?;
    let themes: HashMap<i64, Vec<String>> = store::themes_in(&state.db, muni, fy).await?.into_iter().collect();
    let required = caller.municipality.scheme.recognition;
    Ok(by_body(rows, |org, theme| {
        theme_flag(theme, themes.get(&org).map(Vec::as_slice), required).is_some()
    })
    .into_iter()
    .map(|(body, off_theme)| BodyLine { body, off_theme })
    .collect())
}

pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<SummaryQuery>,
) -> PageResult<Response> {
    let fy = year_of(&caller, q.fiscal_year);
    let lines = body_lines(&state, &caller, fy).await?;
    let sum = |f: fn(&BodyLine) -> i64| lines.iter().map(f).sum::<i64>();
    let (projects, done, total, grant, off) = (
        sum(|l| l.body.projects),
        sum(|l| l.body.done),
        sum(|l| l.body.budget_total),
        sum(|l| l.body.grant_total),
        sum(|l| l.off_theme),
    );
    let mut rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            let b = &l.body;
            vec![
                Cell::text(b.plan.organisation_name.clone()),
                Cell::link(b.plan.plan_title.clone(), format!("{BASE}/{}", b.plan.plan_id)),
                Cell::text(format!("{}件", b.projects)),
                Cell::text(format!("{}件", b.done)),
                Cell::text(yen(b.budget_total)),
                Cell::text(yen(b.grant_total)),
                Cell::text(if l.off_theme > 0 {
                    format!("{}件", l.off_theme)
                } else {
                    String::new()
                })
                .tagged((l.off_theme > 0).then_some("分野外")),
                Cell::text(if b.plan.adopted_on.is_some() {
                    "議決済み"
                } else {
                    "下書き"
                }),
            ]
        })
        .collect();
    if !rows.is_empty() {
        rows.push(vec![
            Cell::text(format!("計 {}団体", lines.len())),
            Cell::text(""),
            Cell::text(format!("{projects}件")),
            Cell::text(format!("{done}件")),
            Cell::text(yen(total)),
            Cell::text(yen(grant)),
            Cell::text(format!("{off}件")),
            Cell::text(""),
        ]);
    }
    let query = format!("fiscal_year={fy}");
    let page = pages::RecordsPage {
        layout: Layout::new(&caller, "年度計画の一覧", BASE),
        heading: "年度計画の一覧".into(),
        intro: format!(
            "{}の年度計画を団体ごとにまとめています。将来計画の分野にない事業（{off}件）は「分野外」と数えます。事業ごとの一覧はExcelかCSVで書き出せます。",
            kyodo_core::wareki::format_fiscal_year(fy)
        ),
        base_path: format!("{BASE}/summary"),
        links: vec![
            (
                "Excelで書き出す（事業ごと）".into(),
                format!("{BASE}/summary.xlsx?{query}"),
                false,
            ),
            ("CSV（UTF-8）".into(), format!("{BASE}/summary.csv?{query}"), false),
            (
                "CSV（Shift_JIS）".into(),
                format!("{BASE}/summary.csv?{query}&encoding=cp932"),
                false,
            ),
        ],
        filters: vec![pages::fiscal_year_filter(&caller, fy)],
        tables: vec![pages::Table {
            title: String::new(),
            phone: &[0, 2, 4],
            columns: [
                "団体",
                "年度計画",
                "事業",
                "完了",
                "予算",
                "うち交付金",
                "分野外",
                "計画",
            ]
            .map(String::from)
            .to_vec(),
            rows,
            empty: "この年度の年度計画はありません",
        }],
        printable: true,
    };
    Ok(pages::render(&page).into_response())
}

fn stem(fy: i32) -> String {
    format!("年度計画の一覧_{}", kyodo_core::wareki::format_fiscal_year(fy))
}

pub async fn csv(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<CsvQuery>,
) -> PageResult<Response> {
    let enc = crate::data::text_encoding(q.encoding.as_deref())?;
    let fy = year_of(&caller, q.fiscal_year);
    let lines = lines(&state, &caller, fy).await?;
    let text = kyodo_core::csv_import::write_table(COLUMNS, lines.iter().map(record));
    let bytes = encode_csv(&text, enc).map_err(|e| AppError::Refused(e.to_string()))?;
    Ok(crate::data::csv_attachment(bytes, enc, &format!("{}.csv", stem(fy))))
}

pub async fn xlsx(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<SummaryQuery>,
) -> PageResult<Response> {
    let fy = year_of(&caller, q.fiscal_year);
    let lines = lines(&state, &caller, fy).await?;
    let sheet = Sheet {
        name: "年度計画の一覧".into(),
        headers: COLUMNS.iter().map(|c| c.header.to_owned()).collect(),
        rows: lines
            .iter()
            .map(|l| {
                record(l)
                    .into_iter()
                    .enumerate()
                    .map(|(i, text)| match i {
                        // Yen and people as numbers, for Excel's sums.
                        8 => XCell::Integer(l.budget_total),
                        9 => XCell::Integer(l.grant_total),
                        11 => l.row.participants.map_or(XCell::Text(String::new()), XCell::Integer),
                        _ => XCell::Text(text),
                    })
                    .collect()
            })
            .collect(),
    };
    let bytes = xlsx::workbook(vec![sheet])?;
    Ok(xlsx::attachment(bytes, &format!("{}.xlsx", stem(fy))))
}

/// The 年度計画 of a 年度 within reach, one line per body: its projects'
/// count, budget and 交付金, and how many stand under no 分野 of its future
/// plan — the coordinator's summary across bodies. Each project's lines
/// are on `GET /plans/{id}/projects`.
#[utoipa::path(get, path = "/plans/summary", tag = "plans", params(SummaryQuery),
    responses((status = 200, body = Vec<BodyLine>)))]
pub async fn api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> ApiResult<Json<Vec<BodyLine>>> {
    let fy = year_of(&caller, q.fiscal_year);
    Ok(Json(body_lines(&state, &caller, fy).await?))
}
