//! Appointments and terms (任命・任期): the list, appointing with every rule
//! checked, ending early, and the API. Teams, next April and coverage are
//! in `team`; the roster exports in `roster`.

pub mod roster;
pub mod team;

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::appointments::{Appointment, AppointmentInput, EndInput, EndReason, position_name};
use kyodo_core::permissions::Action;
use kyodo_core::wareki::{format_date_wareki, iso_date};
use kyodo_store::appointments::{self as store, AppointmentFilter, Period};

use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, ApiQuery, FormFields, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, FieldKind, FieldSpec, FormPage, FormState, Layout};

pub const BASE: &str = "/appointments";

/// The list's filters: `period` (current, upcoming, past, all), a district,
/// a staff member, and the day they are judged on (today by default).
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AppointmentQuery {
    /// `current` (在任中, the default), `upcoming`, `past` or `all`.
    #[param(pattern = "^(current|upcoming|past|all)$")]
    pub period: Option<String>,
    pub area_id: Option<i64>,
    pub staff_id: Option<i64>,
    /// The day the period is judged on; today by default.
    #[param(value_type = Option<ApiDate>)]
    pub on: Option<String>,
}

const PERIODS: [(&str, &str); 4] = [
    ("current", "在任中"),
    ("upcoming", "就任前"),
    ("past", "退任済み"),
    ("all", "すべて"),
];

fn period_of(key: Option<&str>) -> Result<Period, AppError> {
    Ok(match key.unwrap_or("") {
        "" | "current" => Period::Current,
        "upcoming" => Period::Upcoming,
        "past" => Period::Past,
        "all" => Period::All,
        _ => {
            return Err(AppError::BadRequest(
                "period は current、upcoming、past、all のいずれかです".into(),
            ));
        }
    })
}

async fn list(state: &AppState, caller: &Caller, q: &AppointmentQuery) -> Result<Vec<Appointment>, AppError> {
    caller.require(Action::AppointmentRead)?;
    let on = crate::api::query_date(q.on.as_deref(), "on")?.unwrap_or(caller.today);
    let filter = AppointmentFilter {
        area_id: q.area_id,
        staff_id: q.staff_id,
        period: period_of(q.period.as_deref())?,
    };
    Ok(store::list(&state.db, caller.municipality.id, &filter, on).await?)
}

/// One row as the pages show it.
pub struct Line {
    pub id: i64,
    pub area_id: i64,
    pub area: String,
    pub position: String,
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub term: String,
    pub state: String,
}

pub fn line(caller: &Caller, a: &Appointment) -> Line {
    Line {
        id: a.id,
        area_id: a.area_id,
        area: a.area_name.clone(),
        position: position_name(&caller.municipality.scheme, &a.position_key).to_owned(),
        staff_id: a.staff_id,
        name: a.staff_name.clone(),
        department: a.department_name.clone().unwrap_or_default(),
        term: term_text(a),
        state: a.state_label(caller.today),
    }
}

/// 「令和8年4月1日〜令和10年3月31日」, with the early end when there is one.
pub fn term_text(a: &Appointment) -> String {
    let mut s = format!(
        "{}〜{}",
        format_date_wareki(a.start_on),
        format_date_wareki(a.planned_end_on)
    );
    if let Some(end) = a.ended_on {
        s.push_str(&format!("（{}まで）", format_date_wareki(end)));
    }
    s
}

#[derive(Template)]
#[template(path = "appointments.html")]
struct ListView {
    layout: Layout,
    lines: Vec<Line>,
    periods: Vec<(&'static str, &'static str, bool)>,
    areas: Vec<(String, String)>,
    area_id: String,
    can_write: bool,
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<AppointmentQuery>,
    PageQuery(shown): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let rows = list(&state, &caller, &q).await?;
    let units = team::units(&state, &caller).await?;
    let period = q.period.clone().unwrap_or_else(|| "current".into());
    let view = ListView {
        layout: Layout::new(&caller, "地域担当職員の任命", BASE).with_notice(shown.notice.as_deref()),
        lines: rows.iter().map(|a| line(&caller, a)).collect(),
        periods: PERIODS.iter().map(|(k, l)| (*k, *l, *k == period)).collect(),
        areas: pages::options(&units, |a| a.id.to_string(), |a| a.name.clone()),
        area_id: q.area_id.map(|a| a.to_string()).unwrap_or_default(),
        can_write: caller.can(Action::AppointmentWrite),
    };
    Ok(pages::render(&view))
}

/// The appointment form's fields; staff are offered with their grade and
/// department so that the coordinator sees who fits.
async fn form_fields(state: &AppState, caller: &Caller) -> Result<Vec<FieldSpec>, AppError> {
    let scheme = &caller.municipality.scheme;
    let muni = caller.municipality.id;
    let staff = store::pool(&state.db, muni).await?;
    let units = team::units(state, caller).await?;
    let staff_options = pages::options(
        &staff,
        |s| s.staff_id.to_string(),
        |s| {
            format!(
                "{}（{}・{}・{}入庁）",
                s.name,
                s.department_name.as_deref().unwrap_or("所属なし"),
                scheme.grade_name(&s.grade).unwrap_or(&s.grade),
                kyodo_core::wareki::format_fiscal_year(kyodo_core::wareki::fiscal_year(s.hire_date))
            )
        },
    );
    Ok(vec![
        FieldSpec::select(
            "area_id",
            "地区",
            pages::options(&units, |a| a.id.to_string(), |a| a.name.clone()),
        )
        .required(),
        FieldSpec::select(
            "position_key",
            "職",
            pages::options(&scheme.positions, |p| p.key.clone(), |p| p.name.clone()),
        )
        .required(),
        FieldSpec::select("staff_id", "職員", staff_options).required(),
        FieldSpec::date("start_on", "任期の開始日")
            .required()
            .hint("任期の終わりは年度末で自動的に決まります。例: 2027-04-01、令和9年4月1日"),
        FieldSpec::date("appointed_on", "任命日（辞令の日付）").hint("空欄なら任期の開始日"),
        FieldSpec::text("appointed_by", "任命権者").hint("空欄なら制度設定の任命権者"),
        FieldSpec::text("note", "備考").kind(FieldKind::Textarea),
    ])
}

async fn form_view(state: &AppState, caller: &Caller, form: FormState, status: StatusCode) -> PageResult<Response> {
    caller.require(Action::AppointmentWrite)?;
    let page = FormPage {
        layout: Layout::new(caller, "任命する", BASE),
        heading: "地域担当職員を任命する".into(),
        intro: "職位・入庁後の年数・居住地区・兼任・チームの部署を制度設定の決まりで確かめてから任命します。".into(),
        action: BASE.into(),
        fields: form_fields(state, caller).await?,
        form,
        submit_label: "任命する",
        cancel_href: BASE.into(),
        version: None,
        multipart: false,
    };
    Ok((status, pages::render(&page)).into_response())
}

/// `?area_id=&position_key=&staff_id=` fill the form from a team or next April's page.
pub async fn new_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(prefill): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let mut values: HashMap<String, String> = prefill
        .into_iter()
        .filter(|(k, _)| ["area_id", "position_key", "staff_id", "start_on"].contains(&k.as_str()))
        .collect();
    values
        .entry("start_on".into())
        .or_insert_with(|| iso_date(Some(kyodo_core::appointments::next_april(caller.today))));
    form_view(&state, &caller, FormState::new(values), StatusCode::OK).await
}

async fn appoint(state: &AppState, caller: &Caller, fields: &HashMap<String, String>) -> Result<Appointment, AppError> {
    caller.require(Action::AppointmentWrite)?;
    let scheme = &caller.municipality.scheme;
    let input = AppointmentInput::parse(&pages::form_getter(fields), scheme)?;
    Ok(store::appoint(&state.db, &caller.actor(), scheme, &input).await?)
}

pub async fn create_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    match appoint(&state, &caller, &form.0).await {
        Ok(a) => Ok(Redirect::to(&format!("/areas/{}/team?notice=appointed", a.area_id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            form_view(
                &state,
                &caller,
                FormState { values: form.0, errors },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "appointment.html")]
struct DetailView {
    layout: Layout,
    a: Appointment,
    line: Line,
    grade: String,
    /// 「令和8年3月20日 市長」.
    appointed: String,
    end_reason: String,
    end_fields: Vec<FieldSpec>,
    form: FormState,
    can_end: bool,
}

fn end_fields() -> Vec<FieldSpec> {
    vec![
        FieldSpec::date("ended_on", "最終日（この日まで務める）").required(),
        FieldSpec::select(
            "reason",
            "理由",
            std::iter::once((String::new(), "（選択してください）".to_owned()))
                .chain(EndReason::options())
                .collect(),
        )
        .required(),
        FieldSpec::text("note", "備考").kind(FieldKind::Textarea),
    ]
}

async fn detail_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    form: FormState,
    notice: Option<&str>,
) -> Result<DetailView, AppError> {
    caller.require(Action::AppointmentRead)?;
    let a = store::get(&state.db, caller.municipality.id, id).await?;
    let scheme = &caller.municipality.scheme;
    Ok(DetailView {
        layout: Layout::new(caller, format!("{}（{}）", a.staff_name, a.area_name), BASE).with_notice(notice),
        line: line(caller, &a),
        grade: scheme.grade_name(&a.grade).unwrap_or(&a.grade).to_owned(),
        appointed: [a.appointed_on.map(format_date_wareki), a.appointed_by.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
        end_reason: a.end_reason.map(|r| r.label().to_owned()).unwrap_or_default(),
        end_fields: end_fields(),
        form,
        can_end: caller.can(Action::AppointmentWrite) && a.ended_on.is_none() && a.planned_end_on > caller.today,
        a,
    })
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let view = detail_view(&state, &caller, id, FormState::default(), q.notice.as_deref()).await?;
    Ok(pages::render(&view))
}

async fn end(
    state: &AppState,
    caller: &Caller,
    id: i64,
    fields: &HashMap<String, String>,
) -> Result<Appointment, AppError> {
    caller.require(Action::AppointmentWrite)?;
    let a = store::get(&state.db, caller.municipality.id, id).await?;
    let input = EndInput::parse(&pages::form_getter(fields), a.start_on, a.planned_end_on)?;
    Ok(store::end_early(&state.db, &caller.actor(), id, &input).await?)
}

pub async fn end_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    match end(&state, &caller, id, &form.0).await {
        Ok(_) => Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let view = detail_view(&state, &caller, id, FormState { values: form.0, errors }, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, pages::render(&view)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Appointments as of a day: `period` current (default), upcoming, past or all.
#[utoipa::path(get, path = "/appointments", tag = "appointments", params(AppointmentQuery),
    responses((status = 200, body = [Appointment])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<AppointmentQuery>,
) -> ApiResult<Json<Vec<Appointment>>> {
    Ok(Json(list(&state, &caller, &q).await?))
}

/// An appointment (任命). The term's last day is computed from the scheme.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentCreate {
    #[schema(minimum = 1)]
    pub staff_id: i64,
    /// The liaison unit (地区).
    #[schema(minimum = 1)]
    pub area_id: i64,
    /// 担当職: a position's key or Japanese name from the scheme (`GET /scheme`, `positions`).
    #[schema(min_length = 1, max_length = 50)]
    pub position_key: String,
    /// The term's first day.
    pub start_on: ApiDate,
    /// 任命日, not after `start_on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointed_on: Option<ApiDate>,
    /// 任命権者; the scheme's (市長) when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 50)]
    pub appointed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for AppointmentCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::AppointmentWrite
    }
}

/// Appoints. Every rule of the scheme is checked first; a broken one is
/// refused (409) naming the field and the reason.
#[utoipa::path(post, path = "/appointments", tag = "appointments", request_body = AppointmentCreate,
    responses((status = 201, body = Appointment)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<AppointmentCreate>,
) -> ApiResult<Response> {
    let a = appoint(&state, &caller, &fields_of(&body)).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[utoipa::path(get, path = "/appointments/{id}", tag = "appointments", params(("id" = i64, Path, description = "任命の番号")),
    responses((status = 200, body = Appointment)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Appointment>> {
    caller.require(Action::AppointmentRead)?;
    Ok(Json(store::get(&state.db, caller.municipality.id, id).await?))
}

/// Ending an appointment before its term.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentEnd {
    /// The last day served.
    pub ended_on: ApiDate,
    pub reason: EndReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for AppointmentEnd {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::AppointmentWrite
    }
}

/// Ends an appointment before its term.
#[utoipa::path(post, path = "/appointments/{id}/end", tag = "appointments", params(("id" = i64, Path, description = "任命の番号")),
    request_body = AppointmentEnd, responses((status = 200, body = Appointment)))]
pub async fn end_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AppointmentEnd>,
) -> ApiResult<Json<Appointment>> {
    Ok(Json(end(&state, &caller, id, &fields_of(&body)).await?))
}
