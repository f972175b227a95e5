//! The public API (`/api/v1/public/{code}/…`): what the public pages show,
//! as JSON, with no login — the same allow-list, the same ETags.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use kyodo_core::events::EventKind;
use kyodo_core::public::{PublicArea, PublicCaseStudy, PublicEvent, PublicOrganisation, PublicReport, area_and_below};
use kyodo_store::events::{EventFilter, Reach};
use serde::Serialize;

use super::cache::{self, Rendered};
use super::pages::Site;
use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiPath, ApiQuery};
use crate::error::{ApiResult, AppError};

fn json<T: Serialize>(value: &T) -> Rendered {
    let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(("application/json", body))
}

/// The municipality's areas (地区), root first.
#[utoipa::path(get, path = "/public/{code}/areas", tag = "public", security(()),
    params(("code" = String, Path, description = "全国地方公共団体コード（6桁）", pattern = "^[0-9]{6}$")),
    responses((status = 200, body = [PublicArea]), (status = 304, description = "If-None-Match に一致（変更なし）")))]
pub async fn areas(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let render = async {
        let site = Site::load(&state, &code).await?;
        let levels = &site.muni.scheme.area_levels;
        let list: Vec<PublicArea> = site
            .areas
            .iter()
            .map(|a| PublicArea::of(a, levels.get(a.level as usize).map_or("地区", String::as_str)))
            .collect();
        json(&list)
    };
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}

/// The organisations (団体) the municipality keeps, recognised or not.
#[utoipa::path(get, path = "/public/{code}/organisations", tag = "public", security(()),
    params(("code" = String, Path, description = "全国地方公共団体コード（6桁）", pattern = "^[0-9]{6}$")),
    responses((status = 200, body = [PublicOrganisation]), (status = 304, description = "If-None-Match に一致（変更なし）")))]
pub async fn organisations(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let render = async {
        let site = Site::load(&state, &code).await?;
        let orgs = site.organisations(&state).await?;
        json(&orgs.iter().map(PublicOrganisation::of).collect::<Vec<_>>())
    };
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}

/// Which public events: a date range (from today by default), an area and
/// what lies below it, an organisation, a kind.
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicEventQuery {
    #[param(value_type = Option<ApiDate>)]
    pub from: Option<String>,
    #[param(value_type = Option<ApiDate>)]
    pub to: Option<String>,
    #[param(minimum = 1)]
    pub area_id: Option<i64>,
    #[param(minimum = 1)]
    pub organisation_id: Option<i64>,
    pub kind: Option<EventKind>,
    /// At most this many (500 by default).
    #[param(minimum = 1, maximum = 2000)]
    pub limit: Option<u64>,
}

/// Public events (公開の行事), in date order.
#[utoipa::path(get, path = "/public/{code}/events", tag = "public", security(()),
    params(("code" = String, Path, description = "全国地方公共団体コード（6桁）", pattern = "^[0-9]{6}$"), PublicEventQuery),
    responses((status = 200, body = [PublicEvent]), (status = 304, description = "If-None-Match に一致（変更なし）")))]
pub async fn events(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<PublicEventQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let from = crate::api::query_date(q.from.as_deref(), "from")?;
    let to = crate::api::query_date(q.to.as_deref(), "to")?;
    let render = async {
        let site = Site::load(&state, &code).await?;
        let reach = match (q.organisation_id, q.area_id) {
            (Some(o), _) => Reach::Organisation(o),
            (None, Some(a)) => Reach::InAreas(area_and_below(&site.areas, a)),
            (None, None) => Reach::All,
        };
        let filter = EventFilter {
            from: from.or(Some(site.today)),
            to,
            area_id: q.area_id.filter(|_| q.organisation_id.is_some()),
            kind: q.kind,
            limit: Some(q.limit.unwrap_or(500).clamp(1, 2000)),
            ..Default::default()
        };
        json(&site.events(&state, &reach, filter).await?)
    };
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicReportQuery {
    #[param(minimum = 1)]
    pub area_id: Option<i64>,
    /// At most this many (50 by default).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// Reports to the community (地域への報告) the teams published, newest first.
#[utoipa::path(get, path = "/public/{code}/reports", tag = "public", security(()),
    params(("code" = String, Path, description = "全国地方公共団体コード（6桁）", pattern = "^[0-9]{6}$"), PublicReportQuery),
    responses((status = 200, body = [PublicReport]), (status = 304, description = "If-None-Match に一致（変更なし）")))]
pub async fn reports(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<PublicReportQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let render = async {
        let site = Site::load(&state, &code).await?;
        let limit = q.limit.unwrap_or(50).clamp(1, 500);
        json(&site.reports(&state, q.area_id, limit).await?)
    };
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicCaseQuery {
    /// Words, searched as on the public page.
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 1)]
    pub area_id: Option<i64>,
    /// At most this many (50 by default).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u64>,
}

/// Published case studies (事例), newest first.
#[utoipa::path(get, path = "/public/{code}/case-studies", tag = "public", security(()),
    params(("code" = String, Path, description = "全国地方公共団体コード（6桁）", pattern = "^[0-9]{6}$"), PublicCaseQuery),
    responses((status = 200, body = [PublicCaseStudy]), (status = 304, description = "If-None-Match に一致（変更なし）")))]
pub async fn case_studies(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<PublicCaseQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let render = async {
        let site = Site::load(&state, &code).await?;
        let limit = q.limit.unwrap_or(50).clamp(1, 500);
        let words = q.q.filter(|w| !w.trim().is_empty());
        json(&site.cases(&state, q.area_id, words, limit).await?)
    };
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}
