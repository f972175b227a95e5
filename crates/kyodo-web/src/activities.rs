//! The activity log (活動記録): a form made to be filled in on a phone in
//! a few seconds (today, their district and the last duty type are already
//! chosen), the list of one's own and one's team's entries, and the API.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::activities::{Activity, ActivityInput, Compensation, hours, visible_to};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::wareki::{fiscal_year, fiscal_year_end, fiscal_year_start, format_date_wareki, iso_date};
use kyodo_store::activities::{self as store, ActivityFilter, Reach};

use crate::AppState;
use crate::api::types::{ApiDate, nullable};
use crate::api::{ApiJson, ApiPath, ApiQuery, FormFields, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, FieldKind, FieldSpec, FormPage, FormState, Layout, RecordsPage, Table};

pub const BASE: &str = "/activities";

/// Whose entries the caller sees: all (coordinator), or their own and
/// those of the teams they lead (課長級).
pub async fn reach(state: &AppState, caller: &Caller, action: Action) -> Result<Reach, AppError> {
    Ok(match caller.require(action)? {
        Scope::Municipality => Reach::All,
        _ => {
            let led_areas = match caller.user.staff_id {
                Some(staff) => {
                    let leads = caller.municipality.scheme.team_lead_positions();
                    kyodo_store::appointments::led_area_ids(
                        &state.db,
                        caller.municipality.id,
                        staff,
                        caller.today,
                        &leads,
                    )
                    .await?
                }
                None => Vec::new(),
            };
            Reach::Own {
                staff_id: caller.user.staff_id,
                led_areas,
            }
        }
    })
}

fn visible(reach: &Reach, a: &Activity) -> bool {
    match reach {
        Reach::All => true,
        Reach::Own { staff_id, led_areas } => visible_to(a.staff_id, a.area_id, *staff_id, led_areas),
    }
}

/// The staff member an entry is logged for: the caller themself.
fn own_staff_id(caller: &Caller) -> Result<i64, AppError> {
    caller
        .user
        .staff_id
        .ok_or_else(|| AppError::Refused("職員として登録されていないアカウントでは活動を記録できません".into()))
}

/// The districts the caller serves today (their first is the default).
async fn own_units(state: &AppState, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
    let Some(staff) = caller.user.staff_id else {
        return Ok(Vec::new());
    };
    Ok(
        kyodo_store::appointments::current_for_staff(&state.db, caller.municipality.id, staff, caller.today)
            .await?
            .into_iter()
            .map(|a| (a.area_id, a.area_name))
            .collect(),
    )
}

async fn parse(state: &AppState, caller: &Caller, fields: &HashMap<String, String>) -> Result<ActivityInput, AppError> {
    let units = own_units(state, caller).await?;
    let input = ActivityInput::parse(
        &pages::form_getter(fields),
        &caller.municipality.scheme.duty_types,
        caller.today,
        units.first().map(|u| u.0),
    )?;
    if caller.scope(Action::ActivityWrite) == Scope::Own && !caller.served_areas.contains(&input.area_id) {
        return Err(AppError::Invalid(kyodo_core::validation::FieldErrors::single(
            "area_id",
            "担当している地区の活動だけを記録できます",
        )));
    }
    Ok(input)
}

/// The list's filters.
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    pub staff_id: Option<i64>,
    pub area_id: Option<i64>,
    /// A fiscal year (2026 for 令和8年度); this one by default.
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
}

async fn list(state: &AppState, caller: &Caller, q: &ActivityQuery) -> Result<Vec<Activity>, AppError> {
    let reach = reach(state, caller, Action::ActivityRead).await?;
    let fy = q.fiscal_year.unwrap_or(fiscal_year(caller.today));
    let filter = ActivityFilter {
        staff_id: q.staff_id,
        area_id: q.area_id,
        from: Some(fiscal_year_start(fy)),
        to: Some(fiscal_year_end(fy)),
        limit: Some(1000),
    };
    Ok(store::list(&state.db, caller.municipality.id, &reach, &filter).await?)
}

/// 「時間外（手当）」.
fn out_of_hours_text(a: &Activity) -> String {
    match (a.out_of_hours, a.compensation) {
        (false, _) => String::new(),
        (true, Some(c)) => format!("時間外（{}）", c.label()),
        (true, None) => "時間外".into(),
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<ActivityQuery>,
    PageQuery(shown): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let rows = list(&state, &caller, &q).await?;
    let fy = q.fiscal_year.unwrap_or(fiscal_year(caller.today));
    let mut links = Vec::new();
    if caller.can(Action::ActivityWrite) && caller.user.staff_id.is_some() {
        links.push(("活動を記録する".to_owned(), format!("{BASE}/new"), true));
    }
    if caller.can(Action::WorkloadRead) {
        links.push(("負担の集計".to_owned(), "/workload".to_owned(), false));
    }
    let total: i64 = rows.iter().map(|a| a.minutes).sum();
    let page = RecordsPage {
        layout: Layout::new(&caller, "活動記録", BASE).with_notice(shown.notice.as_deref()),
        heading: "活動記録".into(),
        intro: format!("{}件・{}時間", rows.len(), hours(total)),
        base_path: BASE.into(),
        links,
        filters: vec![
            pages::Filter {
                name: "area_id",
                label: "地区",
                options: crate::appointments::team::unit_options(&state, &caller, Action::ActivityRead).await?,
                value: q.area_id.map(|a| a.to_string()).unwrap_or_default(),
            },
            pages::fiscal_year_filter(&caller, fy),
        ],
        tables: vec![Table {
            title: String::new(),
            // A phone shows the day, the kind of work and the time just typed.
            phone: &[0, 3, 4, 5],
            columns: [
                "日付",
                "氏名",
                "地区",
                "種類",
                "時間",
                "時間外",
                "公用車",
                "関連",
                "メモ",
            ]
            .map(String::from)
            .to_vec(),
            rows: rows.iter().map(|a| row(&caller, a)).collect(),
            empty: "この年度の活動記録はありません。",
        }],
        printable: false,
    };
    Ok(pages::render(&page))
}

fn row(caller: &Caller, a: &Activity) -> Vec<Cell> {
    let date = format_date_wareki(a.done_on);
    let date = if caller.user.staff_id == Some(a.staff_id) {
        Cell::link(date, format!("{BASE}/{}/edit", a.id))
    } else {
        Cell::text(date)
    };
    let related = match (a.meeting_id, a.issue_id) {
        (Some(m), _) => Cell::link("会議", format!("/meetings/{m}")),
        (None, Some(i)) => Cell::link(format!("課題{i}"), format!("/issues/{i}")),
        _ => Cell::text(""),
    };
    vec![
        date,
        Cell::text(&a.staff_name),
        Cell::text(&a.area_name),
        Cell::text(&a.duty_type),
        Cell::text(format!("{}分", a.minutes)),
        Cell::text(out_of_hours_text(a)),
        Cell::text(if a.official_car { "使用" } else { "" }),
        related,
        Cell::text(a.note.clone().unwrap_or_default()),
    ]
}

fn values(a: &Activity) -> HashMap<String, String> {
    HashMap::from([
        ("done_on".into(), iso_date(Some(a.done_on))),
        ("area_id".into(), a.area_id.to_string()),
        ("duty_type".into(), a.duty_type.clone()),
        ("minutes".into(), a.minutes.to_string()),
        ("out_of_hours".into(), a.out_of_hours.to_string()),
        (
            "compensation".into(),
            a.compensation.map(|c| c.key().to_owned()).unwrap_or_default(),
        ),
        ("official_car".into(), a.official_car.to_string()),
        (
            "meeting_id".into(),
            a.meeting_id.map(|m| m.to_string()).unwrap_or_default(),
        ),
        ("issue_id".into(), a.issue_id.map(|i| i.to_string()).unwrap_or_default()),
        ("note".into(), pages::opt(&a.note)),
    ])
}

pub struct Activities;

impl Editable for Activities {
    const BASE: &'static str = BASE;
    type Row = Activity;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<Activity, AppError> {
        let reach = reach(state, caller, Action::ActivityRead).await?;
        let a = store::get(&state.db, caller.municipality.id, id).await?;
        if !visible(&reach, &a) {
            return Err(AppError::Forbidden);
        }
        if write && caller.user.staff_id != Some(a.staff_id) {
            return Err(AppError::Refused("活動記録を修正できるのは記録した本人だけです".into()));
        }
        Ok(a)
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::ActivityWrite).map(|_| ())
    }

    fn id(row: &Activity) -> i64 {
        row.id
    }

    fn version(row: &Activity) -> i64 {
        row.version
    }

    fn values(row: &Activity) -> HashMap<String, String> {
        values(row)
    }

    async fn create(state: &AppState, caller: &Caller, fields: &HashMap<String, String>) -> Result<Activity, AppError> {
        let staff = own_staff_id(caller)?;
        let input = parse(state, caller, fields).await?;
        let id = store::create(&state.db, &caller.actor(), staff, &input).await?;
        Ok(store::get(&state.db, caller.municipality.id, id).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<Activity, AppError> {
        let staff = own_staff_id(caller)?;
        let input = parse(state, caller, fields).await?;
        store::update(&state.db, &caller.actor(), id, version, staff, &input).await?;
        Ok(store::get(&state.db, caller.municipality.id, id).await?)
    }

    async fn set_archived(_: &AppState, _: &Caller, _: i64, _: bool) -> Result<(), AppError> {
        Err(AppError::BadRequest(
            "活動記録はアーカイブしません。削除してください".into(),
        ))
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        let scheme = &caller.municipality.scheme;
        let units = own_units(state, caller).await?;
        let area_options = if caller.scope(Action::ActivityWrite) == Scope::Own {
            units.iter().map(|(id, name)| (id.to_string(), name.clone())).collect()
        } else {
            crate::appointments::team::unit_options(state, caller, Action::ActivityWrite).await?
        };
        let recent = kyodo_store::meetings::list(
            &state.db,
            caller.municipality.id,
            &kyodo_store::meetings::Reach::InAreas(caller.served_areas.clone()),
            &kyodo_store::meetings::MeetingFilter {
                from: Some(caller.today - chrono::Duration::days(60)),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?;
        let fields = vec![
            FieldSpec::select("duty_type", "活動の種類", pages::string_options(&scheme.duty_types)).required(),
            FieldSpec::text("minutes", "時間")
                .required()
                .hint("分で。例: 90、1時間30分、1.5時間"),
            FieldSpec::date("done_on", "活動日").hint("空欄なら今日"),
            FieldSpec::select("area_id", "地区", area_options),
            FieldSpec::text("out_of_hours", "勤務時間外").kind(FieldKind::Checkbox),
            // No preset: a browser would choose the first for whoever forgot,
            // and 時間外 would quietly become 振替・代休.
            FieldSpec::select(
                "compensation",
                "時間外の扱い",
                std::iter::once((String::new(), "（時間外のときに選ぶ）".to_owned()))
                    .chain(Compensation::options())
                    .collect(),
            ),
            FieldSpec::text("official_car", "公用車を使った").kind(FieldKind::Checkbox),
            FieldSpec::select(
                "meeting_id",
                "会議",
                pages::options(
                    &recent,
                    |m| m.id.to_string(),
                    |m| format!("{} {}", format_date_wareki(m.held_on), m.title),
                ),
            ),
            FieldSpec::text("issue_id", "課題番号").hint("課題に関する活動なら、その番号"),
            FieldSpec::text("note", "メモ").kind(FieldKind::Textarea),
        ];
        let mut page = FormPage::record(
            caller,
            BASE,
            editing,
            ("活動を記録する", "活動記録の修正"),
            fields,
            form,
        );
        page.submit_label = "記録する";
        // Entries have no page of their own: back to the list.
        page.cancel_href = BASE.to_owned();
        Ok((status, pages::render(&page)).into_response())
    }
}

/// The phone form: today and the caller's district already chosen; the
/// duty type of their last entry too; `?meeting_id=` or `?issue_id=` link it.
pub async fn new_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(prefill): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    Activities::check_write(&caller)?;
    let staff = own_staff_id(&caller)?;
    let mut values: HashMap<String, String> = prefill
        .iter()
        .filter(|(k, _)| ["area_id", "meeting_id", "issue_id"].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    values.insert("done_on".into(), iso_date(Some(caller.today)));
    if let Some((id, _)) = own_units(&state, &caller).await?.first() {
        values.entry("area_id".into()).or_insert_with(|| id.to_string());
    }
    let last = store::list(
        &state.db,
        caller.municipality.id,
        &Reach::Own {
            staff_id: Some(staff),
            led_areas: Vec::new(),
        },
        &ActivityFilter {
            limit: Some(1),
            ..Default::default()
        },
    )
    .await?;
    if let Some(a) = last.first() {
        values.insert("duty_type".into(), a.duty_type.clone());
    }
    Activities::form_view(&state, &caller, FormState::new(values), None, StatusCode::OK).await
}

/// Saves the entry and opens an empty form again: the next entry is one tap away.
pub async fn create_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    Activities::check_write(&caller)?;
    let result = Activities::create(&state, &caller, &form.0)
        .await
        .map(|_| format!("{BASE}?notice=logged"));
    match pages::outcome(result, form.0)? {
        pages::Outcome::Saved(href) => Ok(Redirect::to(&href).into_response()),
        pages::Outcome::Again(f, status) => Activities::form_view(&state, &caller, f, None, status).await,
    }
}

/// Deletes an entry logged by mistake (only its owner).
pub async fn delete_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    Activities::check_write(&caller)?;
    let staff = own_staff_id(&caller)?;
    store::delete(&state.db, &caller.actor(), id, staff).await?;
    Ok(Redirect::to(&format!("{BASE}?notice=deleted")).into_response())
}

/// Entries in reach for a 年度: one's own, and the team's for its 課長級.
#[utoipa::path(get, path = "/activities", tag = "activities", params(ActivityQuery),
    responses((status = 200, body = [Activity])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<ActivityQuery>,
) -> ApiResult<Json<Vec<Activity>>> {
    Ok(Json(list(&state, &caller, &q).await?))
}

/// An entry of the caller's activity log (活動記録).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityCreate {
    /// 活動の種類: one of the scheme's `duty_types`.
    #[schema(min_length = 1, max_length = 100)]
    pub duty_type: String,
    /// Minutes spent (1 minute to 24 hours).
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: u32,
    /// 活動日: today when not sent, never in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<ApiDate>,
    /// The district: the caller's own when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    /// 勤務時間外: needs `compensation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_hours: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensation: Option<Compensation>,
    /// 公用車.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_car: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub meeting_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub issue_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for ActivityCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::ActivityWrite
    }
}

/// A correction of one's own entry: only the fields sent change; `null` clears an optional one.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub duty_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 1440)]
    pub minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<ApiDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_hours: Option<bool>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Compensation>)]
    pub compensation: Option<Option<Compensation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official_car: Option<bool>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub meeting_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub issue_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Option<Option<String>>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for ActivityPatch {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::ActivityWrite
    }
}

/// Logs an activity of the caller's.
#[utoipa::path(post, path = "/activities", tag = "activities", request_body = ActivityCreate,
    responses((status = 201, body = Activity)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<ActivityCreate>,
) -> ApiResult<Response> {
    Activities::check_write(&caller)?;
    let a = Activities::create(&state, &caller, &fields_of(&body)).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

#[utoipa::path(get, path = "/activities/{id}", tag = "activities", params(("id" = i64, Path, description = "活動記録の番号")),
    responses((status = 200, body = Activity)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(Activities::fetch(&state, &caller, id, false).await?))
}

/// Corrects one's own entry.
#[utoipa::path(patch, path = "/activities/{id}", tag = "activities", params(("id" = i64, Path, description = "活動記録の番号")),
    request_body = ActivityPatch, responses((status = 200, body = Activity)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ActivityPatch>,
) -> ApiResult<Json<Activity>> {
    Ok(Json(
        editing::patch::<Activities>(&state, &caller, id, body.version, fields_of(&body)).await?,
    ))
}
