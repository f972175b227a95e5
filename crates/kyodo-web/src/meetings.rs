//! Meetings and events (会議・行事): the list, recording a meeting with its
//! minutes and the staff present, the preparation and review meetings of a
//! main session, and raising an issue straight from the minutes.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::accounts::Role;
use kyodo_core::issues::{IssueInput, IssueKind, Priority, Source};
use kyodo_core::meetings::{Attendee, Meeting, MeetingInput, MeetingKind, RaisedIssue, SessionCost};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::{fiscal_year, fiscal_year_end, fiscal_year_start, format_date_wareki, iso_date};
use kyodo_store::meetings::{self as store, MeetingFilter, Reach};

use crate::AppState;
use crate::api::types::{ApiDate, nullable};
use crate::api::{ApiJson, ApiPath, ApiQuery, FormFields, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{
    self, Cell, DetailPage, FieldKind, FieldSpec, FormPage, FormState, InlineForm, Item, Layout, RecordsPage, Section,
    Table,
};

pub const BASE: &str = "/meetings";

fn reach(caller: &Caller) -> Reach {
    match (caller.scope(Action::MeetingRead), caller.role()) {
        (Scope::Municipality, _) => Reach::All,
        (Scope::Own, Role::Liaison) => Reach::InAreas(caller.served_areas.clone()),
        (Scope::Own, Role::Community) => Reach::Organisation(caller.user.organisation_id.unwrap_or(0)),
        _ => Reach::InAreas(Vec::new()),
    }
}

fn reaches(caller: &Caller, m: &Meeting) -> bool {
    match reach(caller) {
        Reach::All => true,
        Reach::InAreas(ids) => ids.contains(&m.area_id),
        Reach::Organisation(id) => m.organisation_id == Some(id),
    }
}

/// The meeting, if the caller may read it (`write`: change it).
async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<Meeting, AppError> {
    caller.require(if write {
        Action::MeetingWrite
    } else {
        Action::MeetingRead
    })?;
    let m = store::get(&state.db, caller.municipality.id, id).await?;
    if reaches(caller, &m) {
        Ok(m)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A liaison records meetings of the districts they serve.
fn check_area(caller: &Caller, area_id: i64) -> Result<(), AppError> {
    if caller.scope(Action::MeetingWrite) == Scope::Own && !caller.served_areas.contains(&area_id) {
        return Err(AppError::Invalid(FieldErrors::single(
            "area_id",
            "担当している地区の会議だけを記録できます",
        )));
    }
    Ok(())
}

/// The list's filters: a district and a 年度 (this one by default).
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    pub area_id: Option<i64>,
    /// From this day; the start of the 年度 by default.
    #[param(value_type = Option<ApiDate>)]
    pub from: Option<String>,
    /// Until this day; the end of the 年度 by default.
    #[param(value_type = Option<ApiDate>)]
    pub to: Option<String>,
    /// A fiscal year (2026 for 令和8年度), instead of from/to.
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
}

async fn list(state: &AppState, caller: &Caller, q: &MeetingQuery) -> Result<Vec<Meeting>, AppError> {
    caller.require(Action::MeetingRead)?;
    let fy = q.fiscal_year.unwrap_or(fiscal_year(caller.today));
    let filter = MeetingFilter {
        area_id: q.area_id,
        from: crate::api::query_date(q.from.as_deref(), "from")?.or(Some(fiscal_year_start(fy))),
        to: crate::api::query_date(q.to.as_deref(), "to")?.or(Some(fiscal_year_end(fy))),
        ..Default::default()
    };
    Ok(store::list(&state.db, caller.municipality.id, &reach(caller), &filter).await?)
}

/// 「令和8年11月20日 19:00〜21:00」.
fn when(m: &Meeting) -> String {
    let mut s = format_date_wareki(m.held_on);
    if let Some(t) = &m.start_time {
        s.push(' ');
        s.push_str(t);
        s.push('〜');
        s.push_str(m.end_time.as_deref().unwrap_or(""));
    }
    s
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<MeetingQuery>,
    PageQuery(shown): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let rows = list(&state, &caller, &q).await?;
    let fy = q.fiscal_year.unwrap_or(fiscal_year(caller.today));
    let mut links = Vec::new();
    if caller.can(Action::MeetingWrite) {
        links.push(("会議を記録する".to_owned(), format!("{BASE}/new"), true));
    }
    let page = RecordsPage {
        layout: Layout::new(&caller, "会議・行事", BASE).with_notice(shown.notice.as_deref()),
        heading: "会議・行事".into(),
        intro: String::new(),
        base_path: BASE.into(),
        links,
        filters: vec![
            pages::Filter {
                name: "area_id",
                label: "地区",
                options: crate::appointments::team::unit_options(&state, &caller, Action::MeetingRead).await?,
                value: q.area_id.map(|a| a.to_string()).unwrap_or_default(),
            },
            pages::fiscal_year_filter(&caller, fy),
        ],
        tables: vec![Table {
            title: String::new(),
            // A phone shows when, what and where.
            phone: &[0, 2, 3],
            columns: ["日時", "種類", "会議名", "地区", "団体", "公開"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .iter()
                .map(|m| {
                    vec![
                        Cell::text(when(m)),
                        Cell::text(m.kind.label()),
                        Cell::link(&m.title, format!("{BASE}/{}", m.id)),
                        Cell::text(&m.area_name),
                        Cell::text(m.organisation_name.clone().unwrap_or_default()),
                        Cell::text(openness(m)),
                    ]
                })
                .collect(),
            empty: "この条件の会議はありません。",
        }],
        printable: false,
    };
    Ok(pages::render(&page))
}

/// 「公開・傍聴可」.
fn openness(m: &Meeting) -> String {
    let open = if m.public { "公開" } else { "非公開" };
    if m.observers_allowed {
        format!("{open}・傍聴可")
    } else {
        open.to_owned()
    }
}

fn values(m: &Meeting, attendees: &[Attendee]) -> HashMap<String, String> {
    let ids: Vec<String> = attendees.iter().map(|a| a.staff_id.to_string()).collect();
    HashMap::from([
        ("area_id".into(), m.area_id.to_string()),
        (
            "organisation_id".into(),
            m.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
        ("kind".into(), m.kind.key().into()),
        ("title".into(), m.title.clone()),
        ("held_on".into(), iso_date(Some(m.held_on))),
        ("start_time".into(), pages::opt(&m.start_time)),
        ("end_time".into(), pages::opt(&m.end_time)),
        ("place".into(), pages::opt(&m.place)),
        ("public".into(), m.public.to_string()),
        ("observers_allowed".into(), m.observers_allowed.to_string()),
        ("staff_ids".into(), ids.join(",")),
        ("minutes".into(), pages::opt(&m.minutes)),
        (
            "main_meeting_id".into(),
            m.main_meeting_id.map(|i| i.to_string()).unwrap_or_default(),
        ),
    ])
}

/// A meeting with what hangs off it, as the API returns it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MeetingRecord {
    #[serde(flatten)]
    pub meeting: Meeting,
    pub staff_present: Vec<Attendee>,
    /// The preparation and review meetings of this main session.
    pub related_meetings: Vec<Meeting>,
    pub cost: SessionCost,
    pub issues_raised: Vec<RaisedIssue>,
}

async fn record(state: &AppState, caller: &Caller, m: Meeting) -> Result<MeetingRecord, AppError> {
    let muni = caller.municipality.id;
    let related = store::satellites(&state.db, muni, m.id).await?;
    Ok(MeetingRecord {
        staff_present: store::attendees(&state.db, m.id).await?,
        cost: SessionCost::of(&related),
        related_meetings: related,
        issues_raised: store::issues_raised(&state.db, muni, m.id).await?,
        meeting: m,
    })
}

async fn parse(caller: &Caller, fields: &HashMap<String, String>) -> Result<MeetingInput, AppError> {
    let input = MeetingInput::parse(&pages::form_getter(fields))?;
    check_area(caller, input.area_id)?;
    Ok(input)
}

pub struct Meetings;

impl Editable for Meetings {
    const BASE: &'static str = BASE;
    type Row = MeetingRecord;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<MeetingRecord, AppError> {
        let m = fetch(state, caller, id, write).await?;
        record(state, caller, m).await
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::MeetingWrite).map(|_| ())
    }

    fn id(row: &MeetingRecord) -> i64 {
        row.meeting.id
    }

    fn version(row: &MeetingRecord) -> i64 {
        row.meeting.version
    }

    fn values(row: &MeetingRecord) -> HashMap<String, String> {
        values(&row.meeting, &row.staff_present)
    }

    async fn create(
        state: &AppState,
        caller: &Caller,
        fields: &HashMap<String, String>,
    ) -> Result<MeetingRecord, AppError> {
        let input = parse(caller, fields).await?;
        let m = store::create(&state.db, &caller.actor(), &input).await?;
        record(state, caller, m).await
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<MeetingRecord, AppError> {
        let input = parse(caller, fields).await?;
        let m = store::update(&state.db, &caller.actor(), id, version, &input).await?;
        record(state, caller, m).await
    }

    async fn set_archived(_: &AppState, _: &Caller, _: i64, _: bool) -> Result<(), AppError> {
        Err(AppError::BadRequest(
            "会議はアーカイブしません。内容を修正してください".into(),
        ))
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        let muni = caller.municipality.id;
        let orgs = kyodo_store::organisations::list(
            &state.db,
            muni,
            &caller.organisations_in(caller.scope(Action::OrganisationRead)),
            &kyodo_core::listing::ListQuery {
                per_page: Some(kyodo_core::listing::MAX_PER_PAGE),
                ..Default::default()
            },
        )
        .await?;
        let team_members: Vec<_> = kyodo_store::appointments::from_day(&state.db, muni, caller.today)
            .await?
            .into_iter()
            .filter(|a| a.in_force(caller.today))
            .collect();
        let chosen_ids: Vec<i64> = form
            .v("staff_ids")
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        let chosen = kyodo_store::appointments::pool_members(&state.db, muni, &chosen_ids).await?;
        let area_id = form.v("area_id").parse().ok();
        let areas = kyodo_store::areas::all(&state.db, muni, true).await?;
        let mains = store::list(
            &state.db,
            muni,
            &reach(caller),
            &MeetingFilter {
                from: Some(caller.today - chrono::Duration::days(365)),
                main_sessions_only: true,
                limit: Some(200),
                ..Default::default()
            },
        )
        .await?;
        let fields = vec![
            FieldSpec::select(
                "area_id",
                "地区",
                crate::appointments::team::unit_options(state, caller, Action::MeetingWrite).await?,
            )
            .required(),
            FieldSpec::select("kind", "種類", MeetingKind::options()).required(),
            FieldSpec::text("title", "会議名")
                .required()
                .hint("例: 第3回役員会、防災ワークショップ"),
            FieldSpec::date("held_on", "開催日").required(),
            FieldSpec::text("start_time", "開始時刻").hint("例: 19:00"),
            FieldSpec::text("end_time", "終了時刻").hint("例: 21:00"),
            FieldSpec::text("place", "場所"),
            FieldSpec::select(
                "organisation_id",
                "団体",
                pages::options(
                    &orgs.items,
                    |o| o.organisation.id.to_string(),
                    |o| o.organisation.name.clone(),
                ),
            )
            .hint("選んだ地区（と市全体）の団体です")
            .data("follows", "f-area_id")
            .data("option-areas", organisation_areas(&orgs.items, &areas)),
            FieldSpec::text("public", "公開の会議（地域に開かれている）").kind(FieldKind::Checkbox),
            FieldSpec::text("observers_allowed", "傍聴できる").kind(FieldKind::Checkbox),
            FieldSpec::text("staff_ids", "出席した職員")
                .kind(FieldKind::Picker(crate::staff::picker_groups(
                    &team_members,
                    &chosen,
                    area_id,
                )))
                .hint("地区のチームから選びます。それ以外の人は名前か読みで探せます")
                .data("follows", "f-area_id")
                .data("search-url", "/staff/choices"),
            FieldSpec::select(
                "main_meeting_id",
                "本番の会議（事前打合せ・振り返りのとき）",
                pages::options(
                    &mains,
                    |m| m.id.to_string(),
                    |m| format!("{} {}", format_date_wareki(m.held_on), m.title),
                ),
            ),
            FieldSpec::text("minutes", "議事録")
                .kind(FieldKind::Textarea)
                .hint("出た意見・決まったこと・市への要望。要望は記録後に課題として起こせます"),
        ];
        let page = FormPage::record(caller, BASE, editing, ("会議を記録する", "会議の修正"), fields, form);
        Ok((status, pages::render(&page)).into_response())
    }
}

/// Which districts each organisation's meetings may be held in, for kyodo.js
/// to narrow the organisation list to the chosen district: 「12:3,1;13:」 —
/// the organisation's own area and every area above it; none for a city-wide one.
fn organisation_areas(
    orgs: &[kyodo_core::organisations::OrganisationRow],
    areas: &[kyodo_core::areas::Area],
) -> String {
    let parent: HashMap<i64, Option<i64>> = areas.iter().map(|a| (a.id, a.parent_id)).collect();
    orgs.iter()
        .map(|o| {
            let mut chain = Vec::new();
            let mut next = o.organisation.area_id;
            while let Some(id) = next.filter(|id| !chain.contains(id)) {
                chain.push(id);
                next = parent.get(&id).copied().flatten();
            }
            let chain: Vec<String> = chain.iter().map(i64::to_string).collect();
            format!("{}:{}", o.organisation.id, chain.join(","))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// `?area_id=&kind=&main_meeting_id=&held_on=` fill the form (a preparation
/// meeting from its main session's page); a liaison's district is theirs.
pub async fn new_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(prefill): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    Meetings::check_write(&caller)?;
    let mut values: HashMap<String, String> = prefill
        .into_iter()
        .filter(|(k, _)| ["area_id", "kind", "main_meeting_id", "organisation_id"].contains(&k.as_str()))
        .collect();
    values.insert("held_on".into(), iso_date(Some(caller.today)));
    // The one recording it was there, nearly always.
    if let Some(staff_id) = caller.user.staff_id {
        values.insert("staff_ids".into(), staff_id.to_string());
    }
    if let Some(first) = caller.served_areas.first() {
        values.entry("area_id".into()).or_insert_with(|| first.to_string());
    }
    Meetings::form_view(&state, &caller, FormState::new(values), None, StatusCode::OK).await
}

fn raise_fields(caller: &Caller) -> Vec<FieldSpec> {
    let scheme = &caller.municipality.scheme;
    vec![
        FieldSpec::select("kind", "種別", IssueKind::options()).required(),
        FieldSpec::text("title", "件名").required(),
        FieldSpec::text("body", "内容")
            .kind(FieldKind::Textarea)
            .required()
            .hint("議事録から該当する部分を写してください。個人の氏名や連絡先は書かないでください"),
        FieldSpec::select("category", "分類", pages::string_options(&scheme.issue_categories)).required(),
        FieldSpec::select("priority", "地区の優先度", Priority::options()),
    ]
}

async fn detail_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    mut raise_form: FormState,
    notice: Option<&str>,
) -> Result<DetailPage, AppError> {
    crate::issues::default_priority(&mut raise_form);
    let r = Meetings::fetch(state, caller, id, false).await?;
    let m = &r.meeting;
    // The issue's text starts as the whole minutes, to be cut down to the point.
    if raise_form.v("body").is_empty()
        && let Some(minutes) = m.minutes.as_ref().filter(|t| !t.trim().is_empty())
    {
        raise_form.values.insert("body".into(), minutes.clone());
    }
    let can_write = caller.can(Action::MeetingWrite);
    let mut items = vec![
        Item::new("種類", m.kind.label()),
        Item::new("日時", when(m)),
        Item::new("場所", pages::opt(&m.place)),
        Item::link("地区", &m.area_name, Some(format!("/areas/{}", m.area_id))),
        Item::link(
            "団体",
            m.organisation_name.clone().unwrap_or_default(),
            m.organisation_id.map(|o| format!("/organisations/{o}")),
        ),
        Item::new("公開・傍聴", openness(m)),
    ];
    if let Some(main) = m.main_meeting_id {
        let title = store::get(&state.db, caller.municipality.id, main).await?.title;
        items.push(Item::link("本番の会議", title, Some(format!("{BASE}/{main}"))));
    }
    items.push(Item::new("議事録", pages::opt(&m.minutes)));
    // Where the link to the raise form goes, once its section's place is known.
    let raise_link_at = items.len();
    let mut sections = vec![Section {
        title: "出席した職員".into(),
        personal: false,
        columns: vec!["氏名"],
        rows: r
            .staff_present
            .iter()
            .map(|a| (vec![Cell::text(&a.name)], None))
            .collect(),
        empty: "記録されていません。",
        form: None,
    }];
    if !m.kind.serves_main_session() {
        sections.push(Section {
            title: format!(
                "事前打合せ・振り返り（事前{}回・振り返り{}回）",
                r.cost.preparations, r.cost.reviews
            ),
            personal: false,
            columns: vec!["日付", "種類", "会議名"],
            rows: r
                .related_meetings
                .iter()
                .map(|s| {
                    (
                        vec![
                            Cell::text(format_date_wareki(s.held_on)),
                            Cell::text(s.kind.label()),
                            Cell::link(&s.title, format!("{BASE}/{}", s.id)),
                        ],
                        None,
                    )
                })
                .collect(),
            empty: "この会議の事前打合せ・振り返りはまだありません。",
            form: None,
        });
    }
    let raise = can_write && caller.can(Action::IssueCreate) && caller.can(Action::IssueRead);
    if raise && m.minutes.as_ref().is_some_and(|t| !t.trim().is_empty()) {
        // At the top, beside the minutes: the form is the next section's (see detail.html's ids).
        items.insert(
            raise_link_at,
            Item::link(
                "課題にする",
                "議事録から課題を起こす",
                Some(format!("#f-s{}-form", sections.len() + 1)),
            ),
        );
    }
    if caller.can(Action::IssueRead) {
        sections.push(Section {
            title: "この会議で出た課題".into(),
            personal: false,
            columns: vec!["番号", "件名", "状況"],
            rows: r
                .issues_raised
                .iter()
                .map(|i| {
                    (
                        vec![
                            Cell::text(i.id.to_string()),
                            Cell::link(&i.title, format!("/issues/{}", i.id)),
                            Cell::text(i.status.label()),
                        ],
                        None,
                    )
                })
                .collect(),
            empty: "この会議から起こした課題はありません。",
            form: raise.then(|| InlineForm {
                action: format!("{BASE}/{id}/issues"),
                fields: raise_fields(caller),
                form: raise_form,
                submit_label: "議事録から課題を起こす",
            }),
        });
    }
    if caller.can(Action::ActivityWrite) {
        items.push(Item::link(
            "活動記録",
            "この会議の活動を記録する",
            Some(format!("/activities/new?meeting_id={id}&area_id={}", m.area_id)),
        ));
    }
    Ok(DetailPage {
        layout: Layout::new(caller, m.title.clone(), BASE).with_notice(notice),
        heading: m.title.clone(),
        back_href: BASE.into(),
        back_label: "会議・行事",
        archived: false,
        items,
        edit_href: can_write.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "修正する",
        buttons: Vec::new(),
        sections,
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

/// Takes in an issue raised at the meeting: its district, organisation and
/// date come from the meeting; the source is 会議.
async fn raise(state: &AppState, caller: &Caller, id: i64, fields: &HashMap<String, String>) -> Result<i64, AppError> {
    caller.require(Action::IssueCreate)?;
    let m = fetch(state, caller, id, true).await?;
    let mut fields = fields.clone();
    fields.insert("area_id".into(), m.area_id.to_string());
    fields.insert(
        "organisation_id".into(),
        m.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
    );
    fields.insert("source".into(), Source::Meeting.key().into());
    fields.insert("source_note".into(), m.title.clone());
    fields.insert("received_on".into(), iso_date(Some(m.held_on)));
    fields.remove("fiscal_year");
    let input = IssueInput::parse(&pages::form_getter(&fields), &caller.municipality.scheme, caller.today)?;
    Ok(store::raise_issue(&state.db, &caller.actor(), id, &input).await?)
}

pub async fn raise_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    match raise(&state, &caller, id, &form.0).await {
        Ok(issue) => Ok(Redirect::to(&format!("/issues/{issue}?notice=created")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let view = detail_view(&state, &caller, id, FormState { values: form.0, errors }, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, pages::render(&view)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Meetings in reach: a district, and a 年度 (this one by default) or `from`/`to`.
#[utoipa::path(get, path = "/meetings", tag = "meetings", params(MeetingQuery),
    responses((status = 200, body = [Meeting])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> ApiResult<Json<Vec<Meeting>>> {
    Ok(Json(list(&state, &caller, &q).await?))
}

/// A meeting or event (会議・行事).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingCreate {
    /// The district; a liaison records meetings of the districts they serve.
    #[schema(minimum = 1)]
    pub area_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub organisation_id: Option<i64>,
    pub kind: MeetingKind,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub held_on: ApiDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "time")]
    pub start_time: Option<String>,
    /// After `start_time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "time")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub place: Option<String>,
    /// 公開: shown on public pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// 傍聴可: outsiders may observe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observers_allowed: Option<bool>,
    /// The staff present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 200)]
    pub staff_ids: Option<Vec<i64>>,
    /// 議事録.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 20000)]
    pub minutes: Option<String>,
    /// For a 事前打合せ or 振り返り: the main session it prepares or reviews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub main_meeting_id: Option<i64>,
}

impl crate::api::ApiBody for MeetingCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::MeetingWrite
    }
}

/// A correction of a meeting: only the fields sent change; `null` clears an optional one.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub organisation_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MeetingKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_on: Option<ApiDate>,
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
    pub public: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observers_allowed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 200)]
    pub staff_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub minutes: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub main_meeting_id: Option<Option<i64>>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for MeetingPatch {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::MeetingWrite
    }
}

/// Records a meeting.
#[utoipa::path(post, path = "/meetings", tag = "meetings", request_body = MeetingCreate,
    responses((status = 201, body = MeetingRecord)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<MeetingCreate>,
) -> ApiResult<Response> {
    Meetings::check_write(&caller)?;
    let r = Meetings::create(&state, &caller, &fields_of(&body)).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// A meeting with the staff present, its preparation and review meetings, and the issues raised.
#[utoipa::path(get, path = "/meetings/{id}", tag = "meetings", params(("id" = i64, Path, description = "会議の番号")),
    responses((status = 200, body = MeetingRecord)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MeetingRecord>> {
    Ok(Json(Meetings::fetch(&state, &caller, id, false).await?))
}

/// Corrects a meeting.
#[utoipa::path(patch, path = "/meetings/{id}", tag = "meetings", params(("id" = i64, Path, description = "会議の番号")),
    request_body = MeetingPatch, responses((status = 200, body = MeetingRecord)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MeetingPatch>,
) -> ApiResult<Json<MeetingRecord>> {
    Ok(Json(
        editing::patch::<Meetings>(&state, &caller, id, body.version, fields_of(&body)).await?,
    ))
}

/// The id of an issue created from the minutes.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// An issue raised from the minutes; its district, organisation, date and source are the meeting's.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueFromMinutes {
    pub kind: kyodo_core::issues::IssueKind,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// One of the scheme's categories.
    #[schema(min_length = 1, max_length = 100)]
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<kyodo_core::issues::Priority>,
}

impl crate::api::ApiBody for IssueFromMinutes {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::MeetingWrite
    }
}

/// Raises an issue from the minutes.
#[utoipa::path(post, path = "/meetings/{id}/issues", tag = "meetings", params(("id" = i64, Path, description = "会議の番号")),
    request_body = IssueFromMinutes, responses((status = 201, body = Created)))]
pub async fn raise_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<IssueFromMinutes>,
) -> ApiResult<Response> {
    let issue = raise(&state, &caller, id, &fields_of(&body)).await?;
    Ok((StatusCode::CREATED, Json(Created { id: issue })).into_response())
}
