//! The liaison roster (地域担当職員名簿): CSV and xlsx for staff, and a
//! public feed with names and positions only (Niimi publishes its roster).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use kyodo_core::appointments::{Appointment, position_name};
use kyodo_core::csv_import::Column;
use kyodo_core::encoding::encode_csv;
use kyodo_core::permissions::Action;
use kyodo_core::wareki::iso_date;
use kyodo_store::appointments::{self as store, AppointmentFilter};

use crate::AppState;
use crate::api::{ApiPath, PageQuery};
use crate::auth::{Caller, PageCaller};
use crate::data::ExportQuery;
use crate::error::{ApiResult, AppError, PageResult};

const COLUMNS: &[Column] = &[
    Column::optional("area", "地区"),
    Column::optional("position", "職"),
    Column::optional("name", "氏名"),
    Column::optional("name_kana", "フリガナ"),
    Column::optional("department", "所属"),
    Column::optional("start_on", "任期開始"),
    Column::optional("planned_end_on", "任期満了"),
];

async fn rows(state: &AppState, caller: &Caller) -> Result<Vec<Vec<String>>, AppError> {
    caller.require(Action::AppointmentRead)?;
    let current = store::list(
        &state.db,
        caller.municipality.id,
        &AppointmentFilter::default(),
        caller.today,
    )
    .await?;
    let scheme = &caller.municipality.scheme;
    Ok(current
        .iter()
        .map(|a| {
            vec![
                a.area_name.clone(),
                position_name(scheme, &a.position_key).to_owned(),
                a.staff_name.clone(),
                a.staff_name_kana.clone(),
                a.department_name.clone().unwrap_or_default(),
                iso_date(Some(a.start_on)),
                iso_date(Some(a.planned_end_on)),
            ]
        })
        .collect())
}

fn stem(caller: &Caller) -> String {
    format!("roster-{}", caller.today.format("%Y%m%d"))
}

/// Today's roster as CSV (UTF-8 with BOM, or `encoding=cp932`).
pub async fn csv_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(e): PageQuery<ExportQuery>,
) -> PageResult<Response> {
    let enc = crate::data::text_encoding(e.encoding.as_deref())?;
    let text = kyodo_core::csv_import::write_table(COLUMNS, rows(&state, &caller).await?);
    let bytes = encode_csv(&text, enc).map_err(|e| AppError::Refused(e.to_string()))?;
    Ok(crate::data::csv_attachment(
        bytes,
        enc,
        &format!("{}.csv", stem(&caller)),
    ))
}

pub async fn xlsx_page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    let sheet = crate::xlsx::Sheet {
        name: "地域担当職員名簿".into(),
        headers: COLUMNS.iter().map(|c| c.header.to_owned()).collect(),
        rows: rows(&state, &caller)
            .await?
            .into_iter()
            .map(|r| r.into_iter().map(crate::xlsx::XCell::Text).collect())
            .collect(),
    };
    let bytes = crate::xlsx::workbook(vec![sheet])?;
    Ok(crate::xlsx::attachment(bytes, &format!("{}.xlsx", stem(&caller))))
}

/// One published line of the roster: names and positions only.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PublicRosterLine {
    pub area: String,
    pub position: String,
    pub name: String,
}

fn public_line(scheme: &kyodo_core::scheme::SchemeSettings, a: &Appointment) -> PublicRosterLine {
    PublicRosterLine {
        area: a.area_name.clone(),
        position: position_name(scheme, &a.position_key).to_owned(),
        name: a.staff_name.clone(),
    }
}

/// The roster as the public portal shows it, by 全国地方公共団体コード; no
/// login. Names and positions only: no department, no contact, no history.
#[utoipa::path(get, path = "/public/{code}/roster", tag = "public", security(()),
    params(("code" = String, Path, description = "全国地方公共団体コード（6桁）, e.g. 432041", pattern = "^[0-9]{6}$")),
    responses((status = 200, body = [PublicRosterLine])))]
pub async fn public_api(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Vec<PublicRosterLine>>> {
    let muni = kyodo_store::municipalities::by_code(&state.db, &code)
        .await
        .map_err(AppError::from)?
        .ok_or(AppError::NotFound)?;
    let today = state.today();
    let current = store::list(&state.db, muni.id, &AppointmentFilter::default(), today)
        .await
        .map_err(AppError::from)?;
    Ok(Json(current.iter().map(|a| public_line(&muni.scheme, a)).collect()))
}
