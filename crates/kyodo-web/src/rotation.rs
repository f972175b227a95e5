//! Rotation proposals (配置計画案): the coordinator generates a plan for the
//! years ahead from live data, reads it as a table (district × year) with
//! the reasons for each choice, pins or excludes people, re-plans, and
//! approves: the first year's appointments become real. And the API.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::appointments::{PoolMember, next_april, position_name};
use kyodo_core::permissions::Action;
use kyodo_core::rotation::{MAX_YEARS, SeatId, reasons};
use kyodo_core::validation::{FieldErrors, Fields};
use kyodo_core::wareki::{fiscal_year, fiscal_year_start, format_date_wareki, format_fiscal_year, iso_date};
use kyodo_planner::{Adjustments, Appointment, Options, Outcome};
use kyodo_store::rotation::{self as store, NewPlan, RotationPlan};

use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Layout, NoticeQuery};

pub const BASE: &str = "/rotation";
const DEFAULT_YEARS: u32 = 6;
/// How long a proposal may take to compute while the coordinator waits.
const PLANNING_TIME: Duration = Duration::from_secs(2);

/// The fiscal year a new proposal starts with: the next April's.
fn first_year(caller: &Caller) -> i32 {
    fiscal_year(next_april(caller.today))
}

/// Plan from live data with `adjustments`, and save the proposal.
async fn generate(
    state: &AppState,
    caller: &Caller,
    years: u32,
    adjustments: Adjustments,
    based_on_id: Option<i64>,
) -> Result<i64, AppError> {
    caller.require(Action::AppointmentWrite)?;
    if let Some(earlier) = based_on_id {
        // The proposal revised must be one of this municipality's.
        store::get(&state.db, caller.municipality.id, earlier)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::NotFound => {
                    AppError::Invalid(FieldErrors::single("based_on_id", "元にする配置案が見つかりません"))
                }
                other => other,
            })?;
    }
    let first_year = first_year(caller);
    let scheme = &caller.municipality.scheme;
    let instance = store::live_instance(&state.db, caller.municipality.id, scheme, first_year, years).await?;
    let options = Options {
        time_limit: PLANNING_TIME,
        seed: 1,
        adjustments: adjustments.clone(),
    };
    // The planner is pure computation: off the request threads.
    let outcome = tokio::task::spawn_blocking(move || kyodo_planner::plan(&instance, &options))
        .await
        .map_err(|e| AppError::Internal(format!("planner task: {e}")))?
        .map_err(|e| AppError::Refused(e.to_string()))?;
    let plan = NewPlan {
        based_on_id,
        first_year,
        horizon: years,
        adjustments: &adjustments,
        outcome: &outcome,
    };
    Ok(store::save(&state.db, &caller.actor(), &plan).await?)
}

fn parse_years(fields: &HashMap<String, String>) -> Result<u32, FieldErrors> {
    let raw = fields
        .get("years")
        .map(|y| kyodo_core::text::normalize_digits(y.trim()))
        .unwrap_or_default();
    if raw.is_empty() {
        return Ok(DEFAULT_YEARS);
    }
    match raw.parse::<u32>() {
        Ok(y) if (1..=MAX_YEARS).contains(&y) => Ok(y),
        _ => Err(FieldErrors::single(
            "years",
            format!("計画する年数は1〜{MAX_YEARS}年にしてください"),
        )),
    }
}

/// Adjustments from the form: pins (`position|staff|start|end`), people
/// excluded (`ban`) and people who must serve (`require`), by staff id.
fn parse_adjustments(fields: &HashMap<String, String>) -> Result<Adjustments, FieldErrors> {
    let get = pages::form_getter(fields);
    let mut f = Fields::new(&get);
    let banned: Vec<String> = f.ids("ban", "任命しない職員").iter().map(|id| id.to_string()).collect();
    let required: Vec<String> = f
        .ids("require", "必ず任命する職員")
        .iter()
        .map(|id| id.to_string())
        .collect();
    let mut pinned = Vec::new();
    for raw in fields
        .get("pin")
        .map(String::as_str)
        .unwrap_or("")
        .split(',')
        .filter(|p| !p.is_empty())
    {
        let parts: Vec<&str> = raw.split('|').collect();
        let parsed = match parts.as_slice() {
            [position, staff, start, end] => start
                .parse()
                .ok()
                .zip(end.parse().ok())
                .map(|(start, end)| Appointment {
                    position: (*position).to_owned(),
                    staff: (*staff).to_owned(),
                    start,
                    end,
                }),
            _ => None,
        };
        match parsed {
            Some(a) => pinned.push(a),
            None => f.errors.add("pin", "固定する任命の指定が正しくありません"),
        }
    }
    if let Some(id) = banned.iter().find(|b| required.contains(b)) {
        f.errors.add(
            "require",
            format!("同じ職員（{id}）を「任命しない」と「必ず任命する」の両方に指定しています"),
        );
    }
    f.finish(Adjustments {
        banned,
        required,
        pinned,
    })
}

// ---- pages -------------------------------------------------------------

struct ProposalRow {
    id: i64,
    created: String,
    by: String,
    years: String,
    score: i64,
    quality: String,
    adjusted: bool,
    approved: String,
}

#[derive(Template)]
#[template(path = "rotation.html")]
struct ListView {
    layout: Layout,
    rows: Vec<ProposalRow>,
    first_year: String,
    years: String,
    max_years: u32,
    errors: FieldErrors,
    error: Option<String>,
}

fn quality(o: &Outcome) -> String {
    if o.optimal {
        "最適（これより良い案はありません）".to_owned()
    } else {
        format!("下界まで {:.2}%", o.gap() * 100.0)
    }
}

async fn list_view(state: &AppState, caller: &Caller) -> Result<ListView, AppError> {
    caller.require(Action::AppointmentWrite)?;
    let plans = store::list(&state.db, caller.municipality.id, 50).await?;
    Ok(ListView {
        layout: Layout::new(caller, "配置計画", BASE),
        rows: plans
            .iter()
            .map(|p| ProposalRow {
                id: p.id,
                created: pages::datetime_ja(&p.created_at),
                by: p.created_by_name.clone().unwrap_or_default(),
                years: year_span(p.first_year, p.horizon),
                score: p.outcome.score,
                quality: quality(&p.outcome),
                adjusted: p.based_on_id.is_some(),
                approved: p
                    .appointed_on
                    .map(|d| format!("承認済み（任命日 {}）", format_date_wareki(d)))
                    .unwrap_or_default(),
            })
            .collect(),
        first_year: format_fiscal_year(first_year(caller)),
        years: DEFAULT_YEARS.to_string(),
        max_years: MAX_YEARS,
        errors: FieldErrors::new(),
        error: None,
    })
}

fn year_span(first: i32, horizon: i32) -> String {
    format!(
        "{}〜{}",
        format_fiscal_year(first),
        format_fiscal_year(first + horizon - 1)
    )
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult<Response> {
    let mut v = list_view(&state, &caller).await?;
    v.layout = v.layout.with_notice(q.notice.as_deref());
    Ok(pages::render(&v))
}

pub async fn create_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let result = match parse_years(&form.0) {
        Ok(years) => generate(&state, &caller, years, Adjustments::default(), None).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("{BASE}/{id}?notice=planned")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut v = list_view(&state, &caller).await?;
            v.years = form.0.get("years").cloned().unwrap_or_default();
            v.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, pages::render(&v)).into_response())
        }
        Err(AppError::Refused(reason)) => {
            let mut v = list_view(&state, &caller).await?;
            v.error = Some(reason);
            Ok((StatusCode::CONFLICT, pages::render(&v)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// One planned appointment as the page shows it.
struct Choice {
    pin: String,
    pinned: bool,
    area: String,
    position: String,
    name: String,
    term: String,
    newcomer: bool,
    reasons: Vec<String>,
}

/// A new term in the table: the position, who and when, a first experience.
struct Start {
    position: String,
    who: String,
    newcomer: bool,
}

/// A cell of the table: who starts in this district and year, and which
/// positions stay empty.
struct Cell {
    starts: Vec<Start>,
    vacant: Vec<String>,
}

struct Row {
    area: String,
    cells: Vec<Cell>,
}

struct PersonOption {
    id: i64,
    label: String,
    banned: bool,
    required: bool,
}

#[derive(Template)]
#[template(path = "rotation_plan.html")]
struct PlanView {
    layout: Layout,
    p: RotationPlan,
    span: String,
    quality: String,
    terms: Vec<(&'static str, i64, String)>,
    years: Vec<String>,
    rows: Vec<Row>,
    choices_by_year: Vec<(String, Vec<Choice>)>,
    people: Vec<PersonOption>,
    unplaced: Vec<String>,
    first_year_label: String,
    first_year_count: usize,
    appointed_on: String,
    errors: FieldErrors,
    error: Option<String>,
}

async fn plan_view(state: &AppState, caller: &Caller, id: i64) -> Result<PlanView, AppError> {
    caller.require(Action::AppointmentWrite)?;
    let muni = caller.municipality.id;
    let scheme = &caller.municipality.scheme;
    let p = store::get(&state.db, muni, id).await?;
    let pool = kyodo_store::appointments::pool(&state.db, muni).await?;
    let areas = kyodo_store::areas::all(&state.db, muni, true).await?;
    let person: HashMap<String, &PoolMember> = pool.iter().map(|m| (m.staff_id.to_string(), m)).collect();
    let name = |id: &str| person.get(id).map_or_else(|| format!("職員{id}"), |m| m.name.clone());
    let area_name: HashMap<i64, &str> = areas.iter().map(|a| (a.id, a.name.as_str())).collect();
    let o = &p.outcome;
    let w = kyodo_planner::Weights::default();

    let years: Vec<i32> = (p.first_year..p.first_year + p.horizon).collect();
    let level = scheme.liaison_level as i32;
    let mut units: Vec<&kyodo_core::areas::Area> = areas
        .iter()
        .filter(|a| a.level == level && a.archived_at.is_none())
        .collect();
    units.sort_by(|a, b| a.code.cmp(&b.code));
    let mut choices: HashMap<i32, Vec<Choice>> = HashMap::new();
    let mut starts: HashMap<(i64, i32), Vec<Start>> = HashMap::new();
    let mut planned_seats: Vec<(SeatId, &Appointment)> = Vec::new();
    for (a, e) in o.plan.appointments.iter().zip(&o.explanations) {
        let seat = SeatId::parse(&a.position);
        let (area, position) = seat.as_ref().map_or_else(
            || (a.position.clone(), String::new()),
            |s| {
                (
                    area_name.get(&s.area_id).copied().unwrap_or("?").to_owned(),
                    position_name(scheme, &s.position_key).to_owned(),
                )
            },
        );
        let term = format!("{}〜{}", format_fiscal_year(a.start), format_fiscal_year(a.end));
        if let Some(s) = seat {
            starts.entry((s.area_id, a.start)).or_default().push(Start {
                position: position.clone(),
                who: format!("{}（{}）", name(&a.staff), term),
                newcomer: e.newcomer,
            });
            planned_seats.push((s, a));
        }
        choices.entry(a.start).or_default().push(Choice {
            pin: format!("{}|{}|{}|{}", a.position, a.staff, a.start, a.end),
            pinned: p.adjustments.pinned.contains(a),
            area,
            position,
            name: name(&a.staff),
            term,
            newcomer: e.newcomer,
            reasons: reasons(e, &w, &name),
        });
    }
    // Empty position-years: how many hold each district's position in each
    // year, counted once from the current appointments and the plan.
    let current = kyodo_store::appointments::from_day(&state.db, muni, fiscal_year_start(p.first_year)).await?;
    let mut holders: HashMap<(i64, &str, i32), usize> = HashMap::new();
    let terms = current
        .iter()
        .map(|c| {
            (
                c.area_id,
                c.position_key.as_str(),
                fiscal_year(c.start_on),
                fiscal_year(c.last_day()),
            )
        })
        .chain(
            planned_seats
                .iter()
                .map(|(s, a)| (s.area_id, s.position_key.as_str(), a.start, a.end)),
        );
    for (area_id, key, start, end) in terms {
        for &year in years.iter().filter(|&&y| start <= y && y <= end) {
            *holders.entry((area_id, key, year)).or_default() += 1;
        }
    }
    let planned_positions = kyodo_core::rotation::planned_positions(scheme);
    let rows = units
        .iter()
        .map(|u| {
            let schools = kyodo_core::appointments::school_districts(&areas, u.id);
            Row {
                area: u.name.clone(),
                cells: years
                    .iter()
                    .map(|&y| Cell {
                        starts: starts.remove(&(u.id, y)).unwrap_or_default(),
                        vacant: planned_positions
                            .iter()
                            .filter(|q| {
                                let seats = kyodo_core::appointments::slots(q, scheme, schools) as usize;
                                holders.get(&(u.id, q.key.as_str(), y)).copied().unwrap_or(0) < seats
                            })
                            .map(|q| q.name.clone())
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();

    let grades: Vec<&str> = planned_positions.iter().filter_map(|q| q.grade.as_deref()).collect();
    let people = pool
        .iter()
        .filter(|m| grades.contains(&m.grade.as_str()))
        .map(|m| PersonOption {
            id: m.staff_id,
            label: format!(
                "{}（{}・{}）",
                m.name,
                scheme.grade_name(&m.grade).unwrap_or(&m.grade),
                m.department_name.clone().unwrap_or_default()
            ),
            banned: p.adjustments.banned.contains(&m.staff_id.to_string()),
            required: p.adjustments.required.contains(&m.staff_id.to_string()),
        })
        .collect();
    let first_day = fiscal_year_start(p.first_year);
    let t = &o.terms;
    Ok(PlanView {
        layout: Layout::new(caller, format!("配置計画案 No.{}", p.id), BASE),
        span: year_span(p.first_year, p.horizon),
        quality: quality(o),
        terms: [
            ("空席（ポジション×年）", t.vacancy, w.vacancy),
            ("地区の全員が同じ年度に交代", t.whole_team_change, w.whole_team_change),
            ("同じ年度の交代の重なり", t.concentration, w.concentration),
            ("標準任期との差（年）", t.term_deviation, w.term_deviation),
            ("初めて地域担当を経験する職員", t.new_person, -w.new_person),
        ]
        .into_iter()
        .map(|(label, n, weight)| (label, n, format!("{}点", n * weight).replace('-', "−")))
        .collect(),
        years: years.iter().map(|&y| format_fiscal_year(y)).collect(),
        rows,
        choices_by_year: years
            .iter()
            .filter_map(|y| choices.remove(y).map(|c| (format_fiscal_year(*y), c)))
            .collect(),
        people,
        unplaced: o.unplaced.iter().map(|id| name(id)).collect(),
        first_year_label: format_fiscal_year(p.first_year),
        first_year_count: o.plan.appointments.iter().filter(|a| a.start == p.first_year).count(),
        appointed_on: iso_date(Some(caller.today.min(first_day))),
        errors: FieldErrors::new(),
        error: None,
        p,
    })
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<NoticeQuery>,
) -> PageResult<Response> {
    let mut v = plan_view(&state, &caller, id).await?;
    v.layout = v.layout.with_notice(q.notice.as_deref());
    Ok(pages::render(&v))
}

/// After a POST on a proposal: on, or the proposal again with the reason.
async fn after(state: &AppState, caller: &Caller, id: i64, result: Result<String, AppError>) -> PageResult<Response> {
    let (status, errors, error) = match result {
        Ok(to) => return Ok(Redirect::to(&to).into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Err(AppError::Refused(reason)) => (StatusCode::CONFLICT, FieldErrors::new(), Some(reason)),
        Err(e) => return Err(e.into()),
    };
    let mut v = plan_view(state, caller, id).await?;
    v.errors = errors;
    v.error = error;
    Ok((status, pages::render(&v)).into_response())
}

pub async fn replan_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let result = async {
        let earlier = store::get(&state.db, caller.municipality.id, id).await?;
        let adjustments = parse_adjustments(&form.0)?;
        let new = generate(&state, &caller, earlier.horizon as u32, adjustments, Some(id)).await?;
        Ok(format!("{BASE}/{new}?notice=planned"))
    }
    .await;
    after(&state, &caller, id, result).await
}

async fn approve(
    state: &AppState,
    caller: &Caller,
    id: i64,
    fields: &HashMap<String, String>,
) -> Result<Vec<i64>, AppError> {
    caller.require(Action::AppointmentWrite)?;
    let appointed_on = {
        let get = pages::form_getter(fields);
        let mut f = Fields::new(&get);
        let on = f.date("appointed_on", "任命日", true);
        f.finish(on)?
    }
    .unwrap_or(caller.today);
    let muni = caller.municipality.id;
    let pool = kyodo_store::appointments::pool(&state.db, muni).await?;
    let areas = kyodo_store::areas::all(&state.db, muni, true).await?;
    let staff_name = |id: i64| {
        pool.iter()
            .find(|m| m.staff_id == id)
            .map_or_else(|| id.to_string(), |m| m.name.clone())
    };
    let area_name = |id: i64| {
        areas
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_string(), |a| a.name.clone())
    };
    let scheme = &caller.municipality.scheme;
    Ok(store::approve(
        &state.db,
        &caller.actor(),
        scheme,
        id,
        appointed_on,
        &staff_name,
        &area_name,
    )
    .await?)
}

pub async fn approve_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let result = approve(&state, &caller, id, &form.0)
        .await
        .map(|_| format!("{BASE}/{id}?notice=approved"));
    after(&state, &caller, id, result).await
}

// ---- API ---------------------------------------------------------------

/// A proposal as the API gives it: the plan in the contract's terms
/// (`docs/rotation-problem.md`; positions are `{area_id}:{position_key}:{n}`,
/// staff their ids), its score terms, lower bound and reasons.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RotationPlanView {
    pub id: i64,
    pub based_on_id: Option<i64>,
    pub first_year: i32,
    pub horizon: i32,
    #[schema(value_type = Object)]
    pub adjustments: Adjustments,
    #[schema(value_type = Object)]
    pub outcome: Outcome,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub appointed_on: Option<chrono::NaiveDate>,
}

impl From<RotationPlan> for RotationPlanView {
    fn from(p: RotationPlan) -> Self {
        RotationPlanView {
            id: p.id,
            based_on_id: p.based_on_id,
            first_year: p.first_year,
            horizon: p.horizon,
            adjustments: p.adjustments,
            outcome: p.outcome,
            created_at: p.created_at,
            approved_at: p.approved_at,
            appointed_on: p.appointed_on,
        }
    }
}

/// The latest proposals, newest first.
#[utoipa::path(get, path = "/rotation-plans", tag = "rotation",
    responses((status = 200, body = [RotationPlanView])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<RotationPlanView>>> {
    caller.require(Action::AppointmentWrite)?;
    let plans = store::list(&state.db, caller.municipality.id, 50).await?;
    Ok(Json(plans.into_iter().map(Into::into).collect()))
}

/// What a new proposal is asked to respect.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationPlanCreate {
    /// 年度 to plan, from next April (6 when not sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 10)]
    pub years: Option<u32>,
    /// Staff ids not to appoint (任命しない).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000)]
    pub ban: Option<Vec<i64>>,
    /// Staff ids to appoint somewhere (必ず任命する).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000)]
    pub require: Option<Vec<i64>>,
    /// Appointments to keep (固定), each `position|staff|start|end`: the seat
    /// `{area_id}:{position_key}:{n}`, the staff id, and the first and last 年度.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 1000, inline)]
    pub pin: Option<Vec<PinnedSeat>>,
    /// The proposal this one revises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub based_on_id: Option<i64>,
}

impl crate::api::ApiBody for RotationPlanCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::AppointmentWrite
    }
}

/// `position|staff|start|end`, e.g. `12:manager:1|305|2027|2028`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[schema(value_type = String, pattern = "^[^|,]{1,100}\\|[0-9]{1,18}\\|[0-9]{4}\\|[0-9]{4}$")]
#[serde(transparent)]
pub struct PinnedSeat(String);

/// Generates a proposal from live data. Refused (409) when the live data
/// cannot be planned, with the reason.
#[utoipa::path(post, path = "/rotation-plans", tag = "rotation", request_body = RotationPlanCreate,
    responses((status = 201, body = RotationPlanView)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<RotationPlanCreate>,
) -> ApiResult<(StatusCode, Json<RotationPlanView>)> {
    let fields = fields_of(&body);
    let years = parse_years(&fields).map_err(AppError::Invalid)?;
    let adjustments = parse_adjustments(&fields).map_err(AppError::Invalid)?;
    let id = generate(&state, &caller, years, adjustments, body.based_on_id).await?;
    let plan = store::get(&state.db, caller.municipality.id, id).await?;
    Ok((StatusCode::CREATED, Json(plan.into())))
}

#[utoipa::path(get, path = "/rotation-plans/{id}", tag = "rotation", params(("id" = i64, Path, description = "配置案の番号")),
    responses((status = 200, body = RotationPlanView)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RotationPlanView>> {
    caller.require(Action::AppointmentWrite)?;
    Ok(Json(store::get(&state.db, caller.municipality.id, id).await?.into()))
}

/// Approving a proposal.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotationPlanApprove {
    /// 任命日 of the first year's appointments.
    pub appointed_on: ApiDate,
}

impl crate::api::ApiBody for RotationPlanApprove {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::AppointmentWrite
    }
}

/// Approves the proposal: its first year's appointments are made, all or
/// none (a refusal names the person and the district); the new appointments' ids.
#[utoipa::path(post, path = "/rotation-plans/{id}/approve", tag = "rotation", params(("id" = i64, Path, description = "配置案の番号")),
    request_body = RotationPlanApprove, responses((status = 200, body = [i64])))]
pub async fn approve_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RotationPlanApprove>,
) -> ApiResult<Json<Vec<i64>>> {
    Ok(Json(approve(&state, &caller, id, &fields_of(&body)).await?))
}
