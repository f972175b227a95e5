//! Case studies (事例集) for staff: the municipality's own, written by a
//! coordinator from an issue, a project or a meeting, published on the
//! public site; and the shared library (他の自治体の事例), what the other
//! municipalities of this deployment share, each naming its source.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::case_studies::{CaseSource, CaseStudy, CaseStudyInput};
use kyodo_core::permissions::Action;
use kyodo_core::wareki::format_date_wareki;
use kyodo_store::case_studies::{self as store, CaseFilter};

use crate::AppState;
use crate::api::{ApiJson, ApiPath, ApiQuery, FormFields, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{
    self, ActionButton, Cell, FieldKind, FieldSpec, FormPage, FormState, Item, Layout, RecordsPage, Table,
};

pub mod photos;

pub const BASE: &str = "/case-studies";

/// A list holds at most this many; a search narrows it.
const LIST_LIMIT: u64 = 200;

/// Which library a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Library {
    /// The municipality's own (この自治体の事例).
    #[default]
    Own,
    /// What the deployment's other municipalities share (他の自治体の事例).
    Shared,
}

/// The lists' filters.
#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Words, searched as issues are (文字2-gram).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// A district of the caller's municipality (own library only).
    #[param(minimum = 1)]
    pub area_id: Option<i64>,
    #[param(inline)]
    pub library: Option<Library>,
}

async fn list(state: &AppState, caller: &Caller, q: &CaseQuery) -> Result<Vec<CaseStudy>, AppError> {
    caller.require(Action::CaseStudyRead)?;
    let filter = CaseFilter {
        q: q.q.clone().filter(|s| !s.trim().is_empty()),
        area_id: q.area_id,
        published_only: false,
        limit: LIST_LIMIT,
    };
    let muni = caller.municipality.id;
    Ok(match q.library.unwrap_or_default() {
        Library::Own => store::list(&state.db, muni, &filter).await?,
        Library::Shared => store::shared_with(&state.db, muni, &filter).await?,
    })
}

/// A case the caller may read (`write`: one of their own municipality's, to change).
async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<CaseStudy, AppError> {
    let muni = caller.municipality.id;
    if write {
        caller.require(Action::CaseStudyWrite)?;
        Ok(store::get(&state.db, muni, id).await?)
    } else {
        caller.require(Action::CaseStudyRead)?;
        Ok(store::get_readable(&state.db, muni, id).await?)
    }
}

fn state_label(c: &CaseStudy) -> &'static str {
    match (c.published, c.shared) {
        (true, true) => "公開・共有中",
        (true, false) => "公開",
        (false, true) => "共有中（非公開）",
        (false, false) => "下書き",
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<CaseQuery>,
    PageQuery(shown): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let rows = list(&state, &caller, &q).await?;
    let library = q.library.unwrap_or_default();
    let mut links = Vec::new();
    if caller.can(Action::CaseStudyWrite) {
        links.push(("事例を書く".to_owned(), format!("{BASE}/new"), true));
    }
    let (heading, intro, other) = match library {
        Library::Own => (
            "事例集",
            "地区の取組と市の対応をまとめた事例です。公開した事例は公開ページに載り、共有した事例は同じ kyodo を使う他の自治体でも読めます。",
            ("他の自治体の事例".to_owned(), format!("{BASE}?library=shared")),
        ),
        Library::Shared => (
            "他の自治体の事例",
            "同じ kyodo を使う他の自治体が共有している事例です。共有をやめた事例は見えなくなります。",
            ("この自治体の事例".to_owned(), BASE.to_owned()),
        ),
    };
    links.push((other.0, other.1, false));
    let mut filters = vec![pages::Filter {
        name: "q",
        label: "ことば",
        options: Vec::new(),
        value: q.q.clone().unwrap_or_default(),
    }];
    if library == Library::Own {
        filters.push(pages::Filter {
            name: "area_id",
            label: "地区",
            options: crate::events::all_and(
                crate::appointments::team::unit_options(&state, &caller, Action::AreaRead).await?,
            ),
            value: q.area_id.map(|a| a.to_string()).unwrap_or_default(),
        });
    } else {
        filters.push(pages::Filter::kept("library", "shared"));
    }
    let columns = match library {
        Library::Own => ["題名", "分野", "地区", "状況"],
        Library::Shared => ["題名", "分野", "自治体・地区", "公開日"],
    };
    let page = RecordsPage {
        layout: Layout::new(&caller, heading, BASE).with_notice(shown.notice.as_deref()),
        heading: heading.into(),
        intro: intro.into(),
        base_path: BASE.into(),
        links,
        filters,
        tables: vec![Table {
            title: String::new(),
            phone: &[0, 2],
            columns: columns.map(String::from).to_vec(),
            rows: rows
                .iter()
                .map(|c| {
                    let last = match library {
                        Library::Own => state_label(c).to_owned(),
                        Library::Shared => c.published_on.map(format_date_wareki).unwrap_or_default(),
                    };
                    let place = match library {
                        Library::Own => c.area_name.clone(),
                        Library::Shared => format!("{}・{}", c.municipality_name, c.area_name),
                    };
                    vec![
                        Cell::link(&c.title, format!("{BASE}/{}", c.id)),
                        Cell::text(&c.theme),
                        Cell::text(place),
                        Cell::text(last),
                    ]
                })
                .collect(),
            empty: "この条件の事例はありません。",
        }],
        printable: false,
    };
    Ok(pages::render(&page))
}

fn values(c: &CaseStudy) -> HashMap<String, String> {
    HashMap::from([
        ("area_id".into(), c.area_id.to_string()),
        (
            "source".into(),
            c.source.map(|s| s.key().to_owned()).unwrap_or_default(),
        ),
        (
            "source_id".into(),
            c.source_id.map(|s| s.to_string()).unwrap_or_default(),
        ),
        ("title".into(), c.title.clone()),
        ("theme".into(), c.theme.clone()),
        ("problem".into(), c.problem.clone()),
        ("community_action".into(), pages::opt(&c.community_action)),
        ("city_action".into(), pages::opt(&c.city_action)),
        ("result".into(), pages::opt(&c.result)),
        ("roles".into(), pages::opt(&c.roles)),
        ("names_consented".into(), c.names_consented.to_string()),
        ("published".into(), c.published.to_string()),
    ])
}

fn parse(fields: &HashMap<String, String>) -> Result<CaseStudyInput, AppError> {
    Ok(CaseStudyInput::parse(&pages::form_getter(fields))?)
}

pub struct CaseStudies;

impl Editable for CaseStudies {
    const BASE: &'static str = BASE;
    type Row = CaseStudy;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<CaseStudy, AppError> {
        fetch(state, caller, id, write).await
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::CaseStudyWrite).map(|_| ())
    }

    fn id(row: &CaseStudy) -> i64 {
        row.id
    }

    fn version(row: &CaseStudy) -> i64 {
        row.version
    }

    fn values(row: &CaseStudy) -> HashMap<String, String> {
        values(row)
    }

    async fn create(
        state: &AppState,
        caller: &Caller,
        fields: &HashMap<String, String>,
    ) -> Result<CaseStudy, AppError> {
        let input = parse(fields)?;
        Ok(store::create(&state.db, &caller.actor(), &input, caller.today).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<CaseStudy, AppError> {
        let input = parse(fields)?;
        Ok(store::update(&state.db, &caller.actor(), id, version, &input, caller.today).await?)
    }

    async fn set_archived(_: &AppState, _: &Caller, _: i64, _: bool) -> Result<(), AppError> {
        Err(AppError::BadRequest(
            "事例は削除せず、公開と共有を外して下書きに戻してください".into(),
        ))
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        let areas = crate::appointments::team::unit_options(state, caller, Action::AreaRead).await?;
        let fields = vec![
            FieldSpec::text("source", "元の記録").kind(FieldKind::Hidden),
            FieldSpec::text("source_id", "元の記録の番号").kind(FieldKind::Hidden),
            FieldSpec::select("area_id", "地区", areas).required(),
            FieldSpec::text("title", "題名")
                .required()
                .hint("例: 通学路の危険箇所を地域と市で点検し、カーブミラーを設置"),
            FieldSpec::text("theme", "分野")
                .required()
                .hint("例: 防災、交通安全、高齢者の見守り"),
            FieldSpec::text("problem", "課題")
                .kind(FieldKind::Textarea)
                .required()
                .hint("地区が抱えていたこと。住民の要望の文面はそのまま写さず、要点を書いてください"),
            FieldSpec::text("community_action", "地域の取組").kind(FieldKind::Textarea),
            FieldSpec::text("city_action", "市の対応").kind(FieldKind::Textarea),
            FieldSpec::text("result", "成果").kind(FieldKind::Textarea),
            FieldSpec::text("roles", "関わった人の役割")
                .hint("例: 自治会長、民生委員、地域担当職員。氏名は本人の同意があるときだけ"),
            FieldSpec::text("names_consented", "氏名の掲載に同意を得ている").kind(FieldKind::Checkbox),
            FieldSpec::text("published", "公開ページに載せる")
                .kind(FieldKind::Checkbox)
                .hint("載せると誰でも読めます。キーパーソンや要支援者の氏名が含まれていると保存できません"),
        ];
        let page = FormPage::record(caller, BASE, editing, ("事例を書く", "事例の修正"), fields, form);
        Ok((status, pages::render(&page)).into_response())
    }
}

/// Where a case came from, for the prefill: `?source=issue&source_id=12`.
#[derive(serde::Deserialize, Default)]
pub struct FromQuery {
    pub source: Option<String>,
    pub source_id: Option<i64>,
}

/// The form, filled from the record it is written from when one is named.
pub async fn new_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(from): PageQuery<FromQuery>,
) -> PageResult<Response> {
    CaseStudies::check_write(&caller)?;
    let mut values = HashMap::new();
    if let (Some(source), Some(id)) = (from.source.as_deref().and_then(CaseSource::parse), from.source_id) {
        let d = store::draft_from(&state.db, caller.municipality.id, source, id).await?;
        values.extend([
            ("source".to_owned(), source.key().to_owned()),
            ("source_id".to_owned(), id.to_string()),
            ("area_id".to_owned(), d.area_id.to_string()),
            ("title".to_owned(), d.title),
            ("theme".to_owned(), d.theme),
            ("problem".to_owned(), d.problem),
            ("community_action".to_owned(), d.community_action),
            ("city_action".to_owned(), d.city_action),
            ("result".to_owned(), d.result),
        ]);
    }
    CaseStudies::form_view(&state, &caller, FormState::new(values), None, StatusCode::OK).await
}

fn source_href(c: &CaseStudy) -> Option<String> {
    let id = c.source_id?;
    Some(match c.source? {
        CaseSource::Issue => format!("/issues/{id}"),
        CaseSource::Meeting => format!("/meetings/{id}"),
        CaseSource::Project => return None,
    })
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    let c = fetch(&state, &caller, id, false).await?;
    let own = c.municipality_id == caller.municipality.id;
    let writable = own && caller.can(Action::CaseStudyWrite);
    let mut items = vec![
        Item::new("自治体", &c.municipality_name),
        Item::new("地区", &c.area_name),
        Item::new("分野", &c.theme),
        Item::new("課題", &c.problem),
        Item::new("地域の取組", pages::opt(&c.community_action)),
        Item::new("市の対応", pages::opt(&c.city_action)),
        Item::new("成果", pages::opt(&c.result)),
        Item::new("関わった人の役割", pages::opt(&c.roles)),
    ];
    if own {
        let public_href = c
            .published
            .then(|| format!("/p/{}/case-studies/{}", caller.municipality.code, c.id));
        items.push(Item::link("公開", state_label(&c), public_href));
        items.push(Item::new(
            "公開日",
            c.published_on.map(format_date_wareki).unwrap_or_default(),
        ));
        items.push(Item::link(
            "元の記録",
            c.source
                .map(|s| format!("{}（{}番）", s.label(), c.source_id.unwrap_or_default()))
                .unwrap_or_default(),
            source_href(&c),
        ));
    }
    let mut buttons = Vec::new();
    if writable {
        buttons.push(if c.shared {
            ActionButton {
                action: format!("{BASE}/{id}/unshare"),
                label: "共有をやめる",
                danger: true,
            }
        } else {
            ActionButton {
                action: format!("{BASE}/{id}/share"),
                label: "他の自治体と共有する",
                danger: false,
            }
        });
    }
    let page = pages::DetailPage {
        layout: Layout::new(&caller, c.title.clone(), BASE).with_notice(q.notice.as_deref()),
        heading: c.title.clone(),
        back_href: if own {
            BASE.into()
        } else {
            format!("{BASE}?library=shared")
        },
        back_label: if own { "事例集" } else { "他の自治体の事例" },
        archived: false,
        items,
        edit_href: writable.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "修正する",
        buttons,
        sections: vec![photos::section(&state, &caller, &c, writable).await?],
    };
    Ok(pages::render(&page))
}

async fn share(state: &AppState, caller: &Caller, id: i64, shared: bool) -> Result<CaseStudy, AppError> {
    fetch(state, caller, id, true).await?;
    Ok(store::set_shared(&state.db, &caller.actor(), id, shared).await?)
}

async fn share_form(state: AppState, caller: Caller, id: i64, form: FormFields, shared: bool) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    match share(&state, &caller, id, shared).await {
        Ok(_) => Ok(Redirect::to(&format!("{BASE}/{id}?notice=recorded")).into_response()),
        // A name found on sharing: the edit form shows where.
        Err(AppError::Invalid(errors)) => {
            let c = fetch(&state, &caller, id, true).await?;
            let form = FormState {
                values: values(&c),
                errors,
            };
            CaseStudies::form_view(
                &state,
                &caller,
                form,
                Some((id, c.version)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Shares the case with the deployment's other municipalities.
pub async fn share_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    share_form(state, caller, id, form, true).await
}

/// Withdraws the case from the shared library.
pub async fn unshare_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    share_form(state, caller, id, form, false).await
}

/// Case studies: the municipality's own (`library=own`, drafts included)
/// or those the other municipalities share (`library=shared`).
#[utoipa::path(get, path = "/case-studies", tag = "case-studies", params(CaseQuery),
    responses((status = 200, body = [CaseStudy])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<Json<Vec<CaseStudy>>> {
    Ok(Json(list(&state, &caller, &q).await?))
}

/// A case study (事例) as a coordinator writes it.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStudyCreate {
    #[schema(minimum = 1)]
    pub area_id: i64,
    /// The record it is written from; with `source_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<CaseSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub source_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 50)]
    pub theme: String,
    #[schema(min_length = 1, max_length = 4000)]
    pub problem: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub community_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub city_action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub result: Option<String>,
    /// Roles (自治会長…), not names unless `names_consented`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub roles: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names_consented: Option<bool>,
    /// On the public site. A published case naming a key person, officer or
    /// resident on record without `names_consented` is a 409, the field named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
}

impl crate::api::ApiBody for CaseStudyCreate {
    fn action(_: &serde_json::Value) -> Action {
        Action::CaseStudyWrite
    }
}

/// A change to a case study: only the fields sent change; `null` clears an optional one.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStudyPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 50)]
    pub theme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 4000)]
    pub problem: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::api::types::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub community_action: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::api::types::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub city_action: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::api::types::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, max_length = 4000)]
    pub result: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::api::types::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub roles: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names_consented: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for CaseStudyPatch {
    fn action(_: &serde_json::Value) -> Action {
        Action::CaseStudyWrite
    }
}

/// Sharing a case with the other municipalities, or withdrawing it: `{"shared": true}`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareBody {
    pub shared: bool,
}

impl crate::api::ApiBody for ShareBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::CaseStudyWrite
    }
}

/// Writes a case study.
#[utoipa::path(post, path = "/case-studies", tag = "case-studies", request_body = CaseStudyCreate,
    responses((status = 201, body = CaseStudy)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<CaseStudyCreate>,
) -> ApiResult<Response> {
    CaseStudies::check_write(&caller)?;
    let c = CaseStudies::create(&state, &caller, &fields_of(&body)).await?;
    Ok((StatusCode::CREATED, Json(c)).into_response())
}

/// A case study: one's own, or one another municipality shares.
#[utoipa::path(get, path = "/case-studies/{id}", tag = "case-studies",
    params(("id" = i64, Path, description = "事例の番号")), responses((status = 200, body = CaseStudy)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseStudy>> {
    Ok(Json(fetch(&state, &caller, id, false).await?))
}

/// Changes a case study, publishes it or takes it off the public site.
#[utoipa::path(patch, path = "/case-studies/{id}", tag = "case-studies",
    params(("id" = i64, Path, description = "事例の番号")), request_body = CaseStudyPatch,
    responses((status = 200, body = CaseStudy)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<CaseStudyPatch>,
) -> ApiResult<Json<CaseStudy>> {
    Ok(Json(
        editing::patch::<CaseStudies>(&state, &caller, id, body.version, fields_of(&body)).await?,
    ))
}

/// Shares the case with the deployment's other municipalities, or withdraws it.
#[utoipa::path(post, path = "/case-studies/{id}/share", tag = "case-studies",
    params(("id" = i64, Path, description = "事例の番号")), request_body = ShareBody,
    responses((status = 200, body = CaseStudy)))]
pub async fn share_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ShareBody>,
) -> ApiResult<Json<CaseStudy>> {
    Ok(Json(share(&state, &caller, id, body.shared).await?))
}
