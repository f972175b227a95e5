//! The coordinator's summary of a 年度 across bodies (年度計画の一覧): every
//! project of every 年度計画, its budget and how much of it is 交付金, and
//! whether it stands under its body's future plan; as a page, CSV (UTF-8 or
//! CP932), xlsx and JSON.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kyodo_core::csv_import::Column;
use kyodo_core::encoding::encode_csv;
use kyodo_core::permissions::Action;
use kyodo_core::plans::projects::{FundingSource, SummaryRow, theme_flag};
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
    let rows = store::summary(&state.db, muni, &caller.organisations_in(scope), fy).await?;
    let themes = store::themes_in(&state.db, muni, fy).await?;
    let required = caller.municipality.scheme.recognition;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = themes
                .iter()
                .find(|(o, _)| *o == row.organisation_id)
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
        r.organisation_code.clone(),
        r.organisation_name.clone(),
        r.plan_title.clone(),
        kyodo_core::wareki::iso_date(r.adopted_on),
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

pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<SummaryQuery>,
) -> PageResult<Response> {
    let fy = year_of(&caller, q.fiscal_year);
    let lines = lines(&state, &caller, fy).await?;
    let total: i64 = lines.iter().map(|l| l.budget_total).sum();
    let grant: i64 = lines.iter().map(|l| l.grant_total).sum();
    let bodies = {
        let mut ids: Vec<i64> = lines.iter().map(|l| l.row.organisation_id).collect();
        ids.dedup();
        ids.len()
    };
    let flagged = lines.iter().filter(|l| l.flag.is_some()).count();
    let mut rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            let r = &l.row;
            vec![
                Cell::text(r.organisation_name.clone()),
                Cell::link(
                    r.name.clone(),
                    format!("{BASE}/{}/projects/{}", r.plan_id, r.project_id),
                )
                .tagged(l.flag.map(|_| "分野外")),
                Cell::text(pages::opt(&r.theme)),
                Cell::text(yen(l.budget_total)),
                Cell::text(yen(l.grant_total)),
                Cell::text(r.status.label()),
                Cell::text(if r.adopted_on.is_some() {
                    "議決済み"
                } else {
                    "下書き"
                }),
            ]
        })
        .collect();
    if !rows.is_empty() {
        rows.push(vec![
            Cell::text(format!("{bodies}団体")),
            Cell::text(format!("{}事業", lines.len())),
            Cell::text(""),
            Cell::text(yen(total)),
            Cell::text(yen(grant)),
            Cell::text(""),
            Cell::text(""),
        ]);
    }
    let query = format!("fiscal_year={fy}");
    let page = pages::RecordsPage {
        layout: Layout::new(&caller, "年度計画の一覧", BASE),
        heading: "年度計画の一覧".into(),
        intro: format!(
            "{}の年度計画の事業です。将来計画の分野にない事業（{flagged}件）は「分野外」と表示します。",
            kyodo_core::wareki::format_fiscal_year(fy)
        ),
        base_path: format!("{BASE}/summary"),
        links: vec![
            ("Excelで書き出す".into(), format!("{BASE}/summary.xlsx?{query}"), false),
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
            phone: &[0, 1, 3],
            columns: ["団体", "事業", "分野", "予算", "うち交付金", "進捗", "計画"]
                .map(String::from)
                .to_vec(),
            rows,
            empty: "この年度の年度計画の事業はありません",
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

/// Every project of the 年度計画 of a 年度 within reach, with its budget,
/// 交付金 and flag: the coordinator's summary across bodies.
#[utoipa::path(get, path = "/plans/summary", tag = "plans", params(SummaryQuery),
    responses((status = 200, body = Vec<SummaryLine>)))]
pub async fn api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<SummaryQuery>,
) -> ApiResult<Json<Vec<SummaryLine>>> {
    let fy = year_of(&caller, q.fiscal_year);
    Ok(Json(lines(&state, &caller, fy).await?))
}
