//! The community calendar for staff and bodies (行事予定): the list, adding
//! and changing an event, calling one off, and the staff API. A body enters
//! its own events; a liaison those of the districts they serve; the
//! coordinator any. Entries announced by a meeting change with the meeting.

pub mod annual;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::accounts::Role;
use kyodo_core::events::{Admission, Event, EventInput, EventKind, EventStatus};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::{fiscal_year, fiscal_year_end, fiscal_year_start, format_date_wareki, iso_date};
use kyodo_store::events::{self as store, EventFilter, Reach};

use crate::AppState;
use crate::api::types::{ApiDate, nullable};
use crate::api::{ApiJson, ApiPath, ApiQuery, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, FieldKind, FieldSpec, FormPage, FormState, Item, Layout, RecordsPage, Table};

pub const BASE: &str = "/events";

fn reach(caller: &Caller, action: Action) -> Reach {
    match (caller.scope(action), caller.role()) {
        (Scope::Municipality, _) => Reach::All,
        (Scope::Own, Role::Liaison) => Reach::InAreas(caller.served_areas.clone()),
        (Scope::Own, Role::Community) => Reach::Organisation(caller.user.organisation_id.unwrap_or(0)),
        _ => Reach::InAreas(Vec::new()),
    }
}

fn reaches(reach: &Reach, e: &Event) -> bool {
    match reach {
        Reach::All => true,
        Reach::InAreas(ids) => ids.contains(&e.area_id),
        Reach::Organisation(id) => e.organisation_id == Some(*id),
    }
}

/// The event, if the caller may read it (`write`: change it).
async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<Event, AppError> {
    let action = if write { Action::EventWrite } else { Action::EventRead };
    caller.require(action)?;
    let e = store::get(&state.db, caller.municipality.id, id).await?;
    if !reaches(&reach(caller, action), &e) {
        return Err(AppError::Forbidden);
    }
    if write && e.meeting_id.is_some() {
        return Err(AppError::Refused(
            "会議から載った予定です。会議の記録を修正してください".into(),
        ));
    }
    Ok(e)
}

/// A body enters events as itself; a liaison in the districts they serve.
fn check_scope(caller: &Caller, input: &EventInput) -> Result<(), AppError> {
    if caller.scope(Action::EventWrite) != Scope::Own {
        return Ok(());
    }
    let (field, message) = match caller.role() {
        Role::Community if input.organisation_id != caller.user.organisation_id => {
            ("organisation_id", "自分の団体の行事だけを登録できます")
        }
        Role::Liaison if !caller.served_areas.contains(&input.area_id) => {
            ("area_id", "担当している地区の行事だけを登録できます")
        }
        _ => return Ok(()),
    };
    Err(AppError::Invalid(FieldErrors::single(field, message)))
}

async fn parse(caller: &Caller, fields: &HashMap<String, String>) -> Result<EventInput, AppError> {
    let mut fields = fields.clone();
    if caller.role() == Role::Community {
        // A community account speaks for its own body only.
        let own = caller.user.organisation_id.map(|o| o.to_string()).unwrap_or_default();
        fields.insert("organisation_id".into(), own);
    }
    let input = EventInput::parse(&pages::form_getter(&fields))?;
    check_scope(caller, &input)?;
    Ok(input)
}

/// The calendar's filters: a district, a body, a kind, and a 年度 (this
/// one by default) or `from`/`to`.
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    #[param(minimum = 1)]
    pub area_id: Option<i64>,
    #[param(minimum = 1)]
    pub organisation_id: Option<i64>,
    pub kind: Option<EventKind>,
    #[param(value_type = Option<ApiDate>)]
    pub from: Option<String>,
    #[param(value_type = Option<ApiDate>)]
    pub to: Option<String>,
    /// A fiscal year (2026 for 令和8年度), instead of from/to.
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
}

async fn list(state: &AppState, caller: &Caller, q: &EventQuery) -> Result<Vec<Event>, AppError> {
    caller.require(Action::EventRead)?;
    let fy = q.fiscal_year.unwrap_or(fiscal_year(caller.today));
    let filter = EventFilter {
        area_id: q.area_id,
        organisation_id: q.organisation_id,
        kind: q.kind,
        from: crate::api::query_date(q.from.as_deref(), "from")?.or(Some(fiscal_year_start(fy))),
        to: crate::api::query_date(q.to.as_deref(), "to")?.or(Some(fiscal_year_end(fy))),
        public_only: false,
        limit: Some(2000),
    };
    Ok(store::list(
        &state.db,
        caller.municipality.id,
        &reach(caller, Action::EventRead),
        &filter,
    )
    .await?)
}

/// A filter's choices after 「（すべて）」, which sends nothing.
/// A form's own empty choice (「（選択なし）」) is dropped: two choices of the
/// same empty value made the browser show the last, not 「（すべて）」.
pub(crate) fn all_and(options: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut all = vec![(String::new(), "（すべて）".to_owned())];
    all.extend(options.into_iter().filter(|(value, _)| !value.is_empty()));
    all
}

/// 「令和8年8月15日 18:00〜21:00」, 「…〜令和8年8月16日 終日」.
fn when(e: &Event) -> String {
    let mut s = format_date_wareki(e.starts_on);
    if let Some(end) = e.ends_on {
        s.push('〜');
        s.push_str(&format_date_wareki(end));
    }
    match (&e.start_time, &e.end_time) {
        (Some(a), b) => s.push_str(&format!(" {a}〜{}", b.as_deref().unwrap_or(""))),
        _ => s.push_str(" 終日"),
    }
    s
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<EventQuery>,
    PageQuery(shown): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let rows = list(&state, &caller, &q).await?;
    let fy = q.fiscal_year.unwrap_or(fiscal_year(caller.today));
    let mut links = Vec::new();
    if caller.can(Action::EventWrite) {
        links.push(("行事を登録する".to_owned(), format!("{BASE}/new"), true));
    }
    links.push(("年間行事カレンダー".to_owned(), annual::BASE.to_owned(), false));
    links.push((
        "公開ページで見る".to_owned(),
        format!("/p/{}/calendar", caller.municipality.code),
        false,
    ));
    let page = RecordsPage {
        layout: Layout::new(&caller, "行事予定", BASE).with_notice(shown.notice.as_deref()),
        heading: "行事予定".into(),
        intro: "地区の団体の行事と、公開の会議です。「参加自由」「傍聴可」の行事は公開ページとカレンダー配信（iCal）に載ります。".into(),
        base_path: BASE.into(),
        links,
        filters: vec![
            pages::Filter {
                name: "area_id",
                label: "地区",
                options: all_and(crate::appointments::team::unit_options(&state, &caller, Action::AreaRead).await?),
                value: q.area_id.map(|a| a.to_string()).unwrap_or_default(),
            },
            pages::Filter {
                name: "kind",
                label: "種類",
                options: all_and(EventKind::options()),
                value: q.kind.map(|k| k.key().to_owned()).unwrap_or_default(),
            },
            pages::fiscal_year_filter(&caller, fy),
        ],
        tables: vec![Table {
            title: String::new(),
            phone: &[0, 2, 5],
            columns: ["日時", "種類", "行事名", "地区", "団体", "参加", "公開"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .iter()
                .map(|e| {
                    let title = if e.cancelled() {
                        format!("【中止】{}", e.title)
                    } else {
                        e.title.clone()
                    };
                    let link = format!("{BASE}/{}", e.id);
                    vec![
                        Cell::text(when(e)),
                        Cell::text(e.kind.label()),
                        Cell::link(title, link),
                        Cell::text(&e.area_name),
                        Cell::text(e.organisation_name.clone().unwrap_or_default()),
                        Cell::text(e.admission.label()),
                        Cell::text(if e.public { "公開" } else { "非公開" }),
                    ]
                })
                .collect(),
            empty: "この条件の行事はありません。",
        }],
        printable: true,
    };
    Ok(pages::render(&page))
}

fn values(e: &Event) -> HashMap<String, String> {
    HashMap::from([
        ("area_id".into(), e.area_id.to_string()),
        (
            "organisation_id".into(),
            e.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
        ("kind".into(), e.kind.key().into()),
        ("title".into(), e.title.clone()),
        ("description".into(), pages::opt(&e.description)),
        ("starts_on".into(), iso_date(Some(e.starts_on))),
        ("ends_on".into(), iso_date(e.ends_on)),
        ("start_time".into(), pages::opt(&e.start_time)),
        ("end_time".into(), pages::opt(&e.end_time)),
        ("place".into(), pages::opt(&e.place)),
        ("admission".into(), e.admission.key().into()),
        ("public".into(), e.public.to_string()),
        ("contact".into(), pages::opt(&e.contact)),
        ("status".into(), e.status.key().into()),
    ])
}

pub struct Events;

impl Editable for Events {
    const BASE: &'static str = BASE;
    type Row = Event;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<Event, AppError> {
        fetch(state, caller, id, write).await
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::EventWrite).map(|_| ())
    }

    fn id(row: &Event) -> i64 {
        row.id
    }

    fn version(row: &Event) -> i64 {
        row.version
    }

    fn values(row: &Event) -> HashMap<String, String> {
        values(row)
    }

    async fn create(state: &AppState, caller: &Caller, fields: &HashMap<String, String>) -> Result<Event, AppError> {
        let input = parse(caller, fields).await?;
        Ok(store::create(&state.db, &caller.actor(), &input).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<Event, AppError> {
        let input = parse(caller, fields).await?;
        Ok(store::update(&state.db, &caller.actor(), id, version, &input).await?)
    }

    async fn set_archived(_: &AppState, _: &Caller, _: i64, _: bool) -> Result<(), AppError> {
        Err(AppError::BadRequest(
            "行事は削除せず、取りやめたときは状況を「中止」にしてください".into(),
        ))
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        mut form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        let muni = caller.municipality.id;
        let orgs = kyodo_store::organisations::list(
            &state.db,
            muni,
            &caller.organisations_in(caller.scope(Action::EventWrite)),
            &kyodo_core::listing::ListQuery {
                per_page: Some(kyodo_core::listing::MAX_PER_PAGE),
                ..Default::default()
            },
        )
        .await?;
        let areas = if caller.role() == Role::Community {
            // The body's own area; every district when it has none (a city-wide body).
            match orgs.items.first().and_then(|o| o.organisation.area_id) {
                Some(own) => {
                    let all = kyodo_store::areas::all(&state.db, muni, false).await?;
                    form.values.insert("area_id".into(), own.to_string());
                    pages::options(
                        &all.into_iter().filter(|a| a.id == own).collect::<Vec<_>>(),
                        |a| a.id.to_string(),
                        |a| a.name.clone(),
                    )
                }
                None => crate::appointments::team::unit_options(state, caller, Action::AreaRead).await?,
            }
        } else {
            crate::appointments::team::unit_options(state, caller, Action::EventWrite).await?
        };
        let fields = vec![
            FieldSpec::select("area_id", "地区", areas).required(),
            FieldSpec::select(
                "organisation_id",
                "主催団体",
                pages::options(
                    &orgs.items,
                    |o| o.organisation.id.to_string(),
                    |o| o.organisation.name.clone(),
                ),
            ),
            FieldSpec::select("kind", "種類", EventKind::options()).required(),
            FieldSpec::text("title", "行事名")
                .required()
                .hint("例: 夏祭り・盆踊り大会、地区一斉清掃"),
            FieldSpec::date("starts_on", "開催日").required(),
            FieldSpec::date("ends_on", "終了日").hint("2日以上続く行事のときだけ"),
            FieldSpec::text("start_time", "開始時刻").hint("例: 9:00。空欄なら終日の行事です"),
            FieldSpec::text("end_time", "終了時刻").hint("例: 11:30"),
            FieldSpec::text("place", "場所"),
            FieldSpec::select("admission", "参加", Admission::options())
                .required()
                .hint("「参加自由」「傍聴可」の行事は公開ページに載ります"),
            FieldSpec::text("public", "会員のみの行事も公開ページに載せる").kind(FieldKind::Checkbox),
            FieldSpec::text("contact", "問い合わせ先")
                .hint("公開されます。事務局や公民館など、個人の電話番号ではない窓口を書いてください"),
            FieldSpec::text("description", "内容")
                .kind(FieldKind::Textarea)
                .hint("持ち物、雨天時の扱いなど。公開されます"),
            FieldSpec::select("status", "状況", EventStatus::options())
                .hint("取りやめたときは「中止」に。カレンダーを登録した人にも伝わります"),
        ];
        form.values
            .entry("admission".into())
            .or_insert_with(|| Admission::Open.key().into());
        let page = FormPage::record(caller, BASE, editing, ("行事を登録する", "行事の修正"), fields, form);
        Ok((status, pages::render(&page)).into_response())
    }
}

/// An event as staff and its body see it, with the way to change it and
/// to see it as residents do.
pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let e = fetch(&state, &caller, id, false).await?;
    let editable =
        e.meeting_id.is_none() && caller.can(Action::EventWrite) && reaches(&reach(&caller, Action::EventWrite), &e);
    let public_href = e
        .public
        .then(|| format!("/p/{}/events/{}", caller.municipality.code, e.id));
    let items = vec![
        Item::new("日時", when(&e)),
        Item::new("種類", e.kind.label()),
        Item::new("状況", e.status.label()),
        Item::new("場所", pages::opt(&e.place)),
        Item::link("地区", &e.area_name, Some(format!("/areas/{}", e.area_id))),
        Item::link(
            "主催団体",
            e.organisation_name.clone().unwrap_or_default(),
            e.organisation_id.map(|o| format!("/organisations/{o}")),
        ),
        Item::new("参加", e.admission.label()),
        Item::link(
            "公開",
            if e.public {
                "公開ページに載っています"
            } else {
                "公開していません"
            },
            public_href,
        ),
        Item::new("問い合わせ先", pages::opt(&e.contact)),
        Item::new("内容", pages::opt(&e.description)),
        Item::link(
            "会議の記録",
            if e.meeting_id.is_some() {
                "この予定は会議の記録から載っています"
            } else {
                ""
            },
            e.meeting_id.map(|m| format!("/meetings/{m}")),
        ),
    ];
    let page = pages::DetailPage {
        layout: Layout::new(&caller, e.title.clone(), BASE).with_notice(q.notice.as_deref()),
        heading: if e.cancelled() {
            format!("【中止】{}", e.title)
        } else {
            e.title.clone()
        },
        back_href: BASE.into(),
        back_label: "行事予定",
        archived: false,
        items,
        edit_href: editable.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "修正・中止する",
        buttons: Vec::new(),
        sections: Vec::new(),
    };
    Ok(pages::render(&page))
}

/// `?area_id=&organisation_id=&starts_on=` fill the form.
pub async fn new_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(prefill): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    Events::check_write(&caller)?;
    let mut values: HashMap<String, String> = prefill
        .into_iter()
        .filter(|(k, _)| ["area_id", "organisation_id", "starts_on", "kind"].contains(&k.as_str()))
        .collect();
    if let Some(first) = caller.served_areas.first() {
        values.entry("area_id".into()).or_insert_with(|| first.to_string());
    }
    Events::form_view(&state, &caller, FormState::new(values), None, StatusCode::OK).await
}

/// Events in reach, in date order: a district, body, kind, and a 年度 or `from`/`to`.
#[utoipa::path(get, path = "/events", tag = "events", params(EventQuery),
    responses((status = 200, body = [Event])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> ApiResult<Json<Vec<Event>>> {
    Ok(Json(list(&state, &caller, &q).await?))
}

/// An event of the community calendar (行事). A community account enters
/// its own body's events; `organisation_id` is then its own.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventCreate {
    #[schema(minimum = 1)]
    pub area_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub organisation_id: Option<i64>,
    pub kind: EventKind,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    pub starts_on: ApiDate,
    /// The last day of an event over several days; not before `starts_on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<ApiDate>,
    /// None for an all-day event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "time")]
    pub start_time: Option<String>,
    /// Only with `start_time`, and after it on a one-day event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "time")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub place: Option<String>,
    /// `open` by default; `open` and `observers` are always public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<Admission>,
    /// Also list a members-only event publicly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// 問い合わせ先, published: an office, not a person's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
}

impl crate::api::ApiBody for EventCreate {
    fn action(_: &serde_json::Value) -> Action {
        Action::EventWrite
    }
}

/// A change to an event: only the fields sent change; `null` clears an optional one.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub organisation_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EventKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<ApiDate>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ApiDate>)]
    pub ends_on: Option<Option<ApiDate>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "time")]
    pub start_time: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "time")]
    pub end_time: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub place: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<Admission>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub contact: Option<Option<String>>,
    /// `cancelled` calls it off (中止); subscribed calendars learn of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<EventStatus>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for EventPatch {
    fn action(_: &serde_json::Value) -> Action {
        Action::EventWrite
    }
}

/// Adds an event.
#[utoipa::path(post, path = "/events", tag = "events", request_body = EventCreate,
    responses((status = 201, body = Event)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<EventCreate>,
) -> ApiResult<Response> {
    Events::check_write(&caller)?;
    let e = Events::create(&state, &caller, &fields_of(&body)).await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

#[utoipa::path(get, path = "/events/{id}", tag = "events", params(("id" = i64, Path, description = "行事の番号")),
    responses((status = 200, body = Event)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Event>> {
    Ok(Json(fetch(&state, &caller, id, false).await?))
}

/// Changes an event, or calls it off (`status: cancelled`).
#[utoipa::path(patch, path = "/events/{id}", tag = "events", params(("id" = i64, Path, description = "行事の番号")),
    request_body = EventPatch, responses((status = 200, body = Event)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EventPatch>,
) -> ApiResult<Json<Event>> {
    Ok(Json(
        editing::patch::<Events>(&state, &caller, id, body.version, fields_of(&body)).await?,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_filter_offers_all_once_and_first() {
        let options = crate::pages::options(&[(1, "荒尾")], |a| a.0.to_string(), |a| a.1.to_owned());
        let all = super::all_and(options);
        assert_eq!(all.iter().filter(|(v, _)| v.is_empty()).count(), 1);
        assert_eq!(all[0].1, "（すべて）");
        assert_eq!(all[1], ("1".to_owned(), "荒尾".to_owned()));
    }
}
