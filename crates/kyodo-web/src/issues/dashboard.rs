//! The state of things (状況): per department, district, category and year,
//! as SVG charts with their tables (they print as shown), as xlsx, and as JSON.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use kyodo_core::charts::{BarChart, number};
use kyodo_core::issues::stats::{Dashboard, category_table};
use kyodo_core::permissions::Action;
use kyodo_core::wareki::{fiscal_year, format_fiscal_year};

use super::BASE;
use crate::AppState;
use crate::api::{ApiQuery, PageQuery};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Layout};
use crate::xlsx::{self, Sheet, XCell};

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// 年度 (western year of its April); this fiscal year when absent.
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
}

/// Staff only: the community has its own issues' page. Each role counts
/// what it reaches: a liaison their districts, a department its routes.
async fn load(state: &AppState, caller: &Caller, q: &DashboardQuery) -> Result<Dashboard, AppError> {
    caller.require(Action::IssueInternalRead)?;
    let fy = q.fiscal_year.unwrap_or_else(|| fiscal_year(caller.today));
    if !(1900..=9999).contains(&fy) {
        return Err(AppError::BadRequest("年度は西暦4桁で指定してください".into()));
    }
    let reach = caller.issue_reach(Action::IssueRead);
    Ok(kyodo_store::issues::stats::dashboard(&state.db, caller.municipality.id, &reach, fy, caller.today).await?)
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    year_label: String,
    year_options: Vec<(String, String, bool)>,
    xlsx_href: String,
    department_chart: String,
    days_chart: String,
    departments: Vec<[String; 5]>,
    area_chart: String,
    areas: Vec<(String, [i64; 6])>,
    category_chart: String,
    year_headers: Vec<String>,
    categories: Vec<(String, Vec<i64>)>,
}

fn median_text(m: Option<f64>) -> String {
    m.map(number).unwrap_or_else(|| "—".into())
}

pub async fn dashboard_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<DashboardQuery>,
) -> PageResult<Response> {
    let d = load(&state, &caller, &q).await?;
    let this_year = fiscal_year(caller.today);
    let year_label = format_fiscal_year(d.fiscal_year);
    let departments = &d.departments;
    let department_chart = BarChart {
        title: format!("{year_label} 部署別の未回答・期限超過"),
        series: vec!["未回答".into(), "期限超過".into()],
        rows: departments
            .iter()
            .map(|s| (s.department.clone(), vec![f64::from(s.open), f64::from(s.overdue)]))
            .collect(),
        unit: "件".into(),
    }
    .svg();
    let days_chart = BarChart {
        title: format!("{year_label} 部署別の回答までの日数（中央値）"),
        series: vec!["回答までの日数（中央値）".into()],
        rows: departments
            .iter()
            .filter_map(|s| Some((s.department.clone(), vec![s.median_days_to_answer?])))
            .collect(),
        unit: "日".into(),
    }
    .svg();
    let area_chart = BarChart {
        title: format!("{year_label} 地区別の受付・未完了・期限超過"),
        series: vec!["受付".into(), "未完了".into(), "期限超過".into()],
        rows: d
            .areas
            .iter()
            .map(|a| (a.area.clone(), vec![a.received as f64, a.open as f64, a.overdue as f64]))
            .collect(),
        unit: "件".into(),
    }
    .svg();
    let categories = category_table(&d.categories, &d.years);
    let year_headers: Vec<String> = d.years.iter().map(|y| format_fiscal_year(*y)).collect();
    let category_chart = BarChart {
        title: "分類別・年度別の受付件数".into(),
        series: year_headers.clone(),
        rows: categories
            .iter()
            .map(|(c, counts)| (c.clone(), counts.iter().map(|n| *n as f64).collect()))
            .collect(),
        unit: "件".into(),
    }
    .svg();
    let page = DashboardPage {
        layout: Layout::new(&caller, "課題の状況", BASE),
        year_options: (this_year - 9..=this_year)
            .rev()
            .map(|y| (y.to_string(), format_fiscal_year(y), y == d.fiscal_year))
            .collect(),
        year_label,
        xlsx_href: format!("{BASE}/dashboard.xlsx?fiscal_year={}", d.fiscal_year),
        department_chart,
        days_chart,
        departments: departments
            .iter()
            .map(|s| {
                [
                    s.department.clone(),
                    s.open.to_string(),
                    s.overdue.to_string(),
                    s.answered.to_string(),
                    median_text(s.median_days_to_answer),
                ]
            })
            .collect(),
        area_chart,
        areas: d
            .areas
            .iter()
            .map(|a| {
                (
                    a.area.clone(),
                    [a.received, a.open, a.overdue, a.continuing, a.closed, a.same_hands],
                )
            })
            .collect(),
        category_chart,
        year_headers,
        categories,
    };
    Ok(pages::render(&page))
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// The dashboard's tables, one sheet each.
fn workbook(d: &Dashboard) -> Result<Vec<u8>, AppError> {
    let departments = Sheet {
        name: "部署別".into(),
        headers: headers(&["部署", "未回答", "期限超過", "回答済み", "回答までの日数（中央値）"]),
        rows: d
            .departments
            .iter()
            .map(|s| {
                vec![
                    XCell::from(s.department.as_str()),
                    s.open.into(),
                    s.overdue.into(),
                    s.answered.into(),
                    s.median_days_to_answer.into(),
                ]
            })
            .collect(),
    };
    let areas = Sheet {
        name: "地区別".into(),
        headers: headers(&[
            "地区",
            "受付",
            "未完了",
            "期限超過",
            "継続案件",
            "完了",
            "同一職員の決裁",
        ]),
        rows: d
            .areas
            .iter()
            .map(|a| {
                vec![
                    XCell::from(a.area.as_str()),
                    a.received.into(),
                    a.open.into(),
                    a.overdue.into(),
                    a.continuing.into(),
                    a.closed.into(),
                    a.same_hands.into(),
                ]
            })
            .collect(),
    };
    let mut category_headers = vec!["分類".to_owned()];
    category_headers.extend(d.years.iter().map(|y| format_fiscal_year(*y)));
    let categories = Sheet {
        name: "分類別・年度別".into(),
        headers: category_headers,
        rows: category_table(&d.categories, &d.years)
            .into_iter()
            .map(|(c, counts)| {
                std::iter::once(XCell::from(c))
                    .chain(counts.into_iter().map(XCell::from))
                    .collect()
            })
            .collect(),
    };
    xlsx::workbook(vec![departments, areas, categories])
}

pub async fn dashboard_xlsx(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<DashboardQuery>,
) -> PageResult<Response> {
    let d = load(&state, &caller, &q).await?;
    let bytes = workbook(&d)?;
    Ok(xlsx::attachment(
        bytes,
        &format!("issue-dashboard-{}.xlsx", d.fiscal_year),
    ))
}

/// Counts per department (open, overdue, median days to answer), district, and category by year.
#[utoipa::path(get, path = "/issues/dashboard", tag = "issues", params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 403)))]
pub async fn dashboard_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> ApiResult<Json<Dashboard>> {
    Ok(Json(load(&state, &caller, &q).await?))
}
