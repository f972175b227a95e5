//! Area (地区) pages and API.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::areas::{Area, AreaInput, AreaRow};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::permissions::Action;

use crate::AppState;
use crate::api::types::nullable;
use crate::api::{ApiJson, ApiPath, ApiQuery, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, Column, FieldKind, FieldSpec, FormPage, FormState, Item, Layout};

const BASE: &str = "/areas";

fn values(a: &Area) -> HashMap<String, String> {
    HashMap::from([
        (
            "parent_id".into(),
            a.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("code".into(), a.code.clone()),
        ("name".into(), a.name.clone()),
        ("name_kana".into(), pages::opt(&a.name_kana)),
        ("note".into(), pages::opt(&a.note)),
    ])
}

/// Levels in the scheme: how deep the tree may go.
fn levels(caller: &Caller) -> usize {
    caller.municipality.scheme.area_levels.len()
}

fn area_label(caller: &Caller, a: &Area) -> String {
    let level = usize::try_from(a.level).unwrap_or(0);
    format!("{}（{}）", a.name, caller.municipality.scheme.level_name(level))
}

async fn form_view(
    state: &AppState,
    caller: &Caller,
    form: FormState,
    editing: Option<(i64, i64)>,
    status: StatusCode,
) -> PageResult<Response> {
    let areas = kyodo_store::areas::all(&state.db, caller.municipality.id, false).await?;
    let parents: Vec<&Area> = areas
        .iter()
        .filter(|a| usize::try_from(a.level + 1).unwrap_or(usize::MAX) < levels(caller))
        .filter(|a| editing.is_none_or(|(id, _)| a.id != id))
        .collect();
    let fields = vec![
        FieldSpec::select(
            "parent_id",
            "上位の地区",
            pages::options(&parents, |a| a.id.to_string(), |a| area_label(caller, a)),
        )
        .hint("いちばん上の階層の地区なら「選択なし」のまま"),
        FieldSpec::text("code", "地区コード")
            .required()
            .hint("半角英数字。CSVの取込で地区を見分けるのに使います"),
        FieldSpec::text("name", "地区名").required(),
        FieldSpec::text("name_kana", "ふりがな"),
        FieldSpec::text("note", "備考").kind(FieldKind::Textarea),
    ];
    let page = FormPage::record(caller, BASE, editing, ("地区の登録", "地区の編集"), fields, form);
    Ok((status, pages::render(&page)).into_response())
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(query): PageQuery<ListQuery>,
) -> PageResult<Response> {
    caller.require(Action::AreaRead)?;
    let page = kyodo_store::areas::list(&state.db, caller.municipality.id, &query).await?;
    let scheme = &caller.municipality.scheme;
    let mut list = pages::list_page(Layout::new(&caller, "地区", BASE), "地区", BASE, &query);
    if caller.can(Action::AreaWrite) {
        list.new_href = Some(format!("{BASE}/new"));
    }
    if caller.can(Action::DataExport) {
        list.export_href = Some("/data/export/areas?encoding=utf-8".into());
    }
    list.tree_href = Some(format!("{BASE}/tree"));
    list.columns = vec![
        Column::new("地区コード", Some("code")),
        Column::new("地区名", Some("name")),
        Column::new("階層", Some("level")),
        Column::new("上位の地区", None),
    ];
    list.rows = page
        .items
        .iter()
        .map(|r| {
            let a = &r.area;
            vec![
                Cell::text(a.code.clone()),
                Cell::link(a.name.clone(), format!("{BASE}/{}", a.id)).tagged(a.archived_at.map(|_| "アーカイブ済み")),
                Cell::text(scheme.level_name(usize::try_from(a.level).unwrap_or(0))),
                match a.parent_id {
                    Some(p) => Cell::link(pages::opt(&r.parent_name), format!("{BASE}/{p}")),
                    None => Cell::text(""),
                },
            ]
        })
        .collect();
    pages::page_links(&mut list, &page);
    Ok(pages::render(&list))
}

/// The whole tree of areas, with each level's name.
pub async fn tree_page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    caller.require(Action::AreaRead)?;
    let areas = kyodo_store::areas::all(&state.db, caller.municipality.id, false).await?;
    let scheme = &caller.municipality.scheme;
    let items = areas
        .iter()
        .map(|a| pages::TreeItem {
            id: a.id,
            parent_id: a.parent_id,
            label: a.name.clone(),
            href: format!("{BASE}/{}", a.id),
            meta: scheme.level_name(usize::try_from(a.level).unwrap_or(0)).to_owned(),
        })
        .collect();
    Ok(pages::render(&pages::TreePage {
        layout: Layout::new(&caller, "地区の構成", BASE),
        heading: "地区の構成".into(),
        list_href: BASE.into(),
        nodes: pages::tree_nodes(items),
    }))
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    detail_view(&state, &caller, id, q.notice.as_deref(), FormState::default()).await
}

/// Adds an area's figures for a reference date (人口・世帯数…), for the block grant.
pub async fn add_figures_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: crate::api::FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::AreaWrite)?;
    let row = kyodo_store::areas::get(&state.db, caller.municipality.id, id).await?;
    let code = row.area.code.clone();
    let get = |k: &str| match k {
        "area_code" => Some(code.clone()),
        other => form.0.get(other).cloned(),
    };
    let result = match kyodo_core::grants::figures::FiguresInput::parse(&get) {
        Ok(input) => kyodo_store::grants::figures::set(&state.db, &caller.actor(), id, &input)
            .await
            .map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(()) => Ok(axum::response::Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            detail_view(&state, &caller, id, None, f).await
        }
        Err(e) => Err(e.into()),
    }
}

fn figures_fields() -> Vec<pages::FieldSpec> {
    use pages::FieldSpec;
    vec![
        FieldSpec::date("as_of", "基準日").required(),
        FieldSpec::text("population", "人口").required(),
        FieldSpec::text("households", "世帯数").required(),
        FieldSpec::text("area", "面積（km²）").hint("小数第2位まで。例: 12.34"),
        FieldSpec::text("elderly", "65歳以上人口"),
    ]
}

async fn detail_view(
    state: &AppState,
    caller: &crate::auth::Caller,
    id: i64,
    notice: Option<&str>,
    figures_form: FormState,
) -> PageResult<Response> {
    caller.require(Action::AreaRead)?;
    let muni = caller.municipality.id;
    let row = kyodo_store::areas::get(&state.db, muni, id).await?;
    let a = &row.area;
    let children = kyodo_store::areas::children(&state.db, muni, id).await?;
    let orgs = kyodo_store::organisations::list(
        &state.db,
        muni,
        &caller.organisations_in(caller.scope(Action::OrganisationRead)),
        &ListQuery {
            area_id: Some(id),
            per_page: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let scheme = &caller.municipality.scheme;
    let writable = caller.can(Action::AreaWrite);
    let mut items = vec![
        Item::new("地区コード", a.code.clone()),
        Item::new("ふりがな", pages::opt(&a.name_kana)),
        Item::new("階層", scheme.level_name(usize::try_from(a.level).unwrap_or(0))),
        Item::link(
            "上位の地区",
            pages::opt(&row.parent_name),
            a.parent_id.map(|p| format!("{BASE}/{p}")),
        ),
        Item::new("備考", pages::opt(&a.note)),
    ];
    // Kumamoto's rule: a centre's full-time liaison staff follow from the
    // elementary-school districts below it.
    if let Some(rule) = scheme.staffing_rule
        && usize::try_from(a.level).ok() == Some(scheme.liaison_level)
    {
        let districts = u32::try_from(children.len()).unwrap_or(0);
        items.push(Item::new(
            "専任職員の配置数",
            format!(
                "{}人（{}{}か所、制度設定の基準による）",
                rule.staff_for(districts),
                scheme.level_name(scheme.liaison_level + 1),
                districts
            ),
        ));
    }
    let figures = kyodo_store::grants::figures::history(&state.db, muni, id).await?;
    let figures_section = pages::Section {
        title: "人口・世帯数（基準日ごと）".into(),
        personal: false,
        columns: vec!["基準日", "人口", "世帯数", "面積（km²）", "65歳以上人口", "高齢化率"],
        rows: figures
            .iter()
            .map(|f| {
                let rate = f.figures().elderly_permille();
                (
                    vec![
                        Cell::text(pages::date_ja(&f.as_of)),
                        Cell::text(kyodo_core::text::grouped(f.population)),
                        Cell::text(kyodo_core::text::grouped(f.households)),
                        Cell::text(kyodo_core::grants::figures::format_area(f.area_centi_km2)),
                        Cell::text(kyodo_core::text::grouped(f.elderly)),
                        Cell::text(format!("{}.{}%", rate / 10, rate % 10)),
                    ],
                    None,
                )
            })
            .collect(),
        empty: "人口・世帯数は登録されていません（交付金の算定に使います。「取込・書出し」からまとめて取り込めます）",
        form: writable.then(|| pages::InlineForm {
            action: format!("{BASE}/{id}/figures"),
            fields: figures_fields(),
            form: figures_form,
            submit_label: "人口・世帯数を登録する",
        }),
    };
    let page = pages::DetailPage {
        layout: Layout::new(caller, a.name.clone(), BASE).with_notice(notice),
        heading: a.name.clone(),
        back_href: BASE.into(),
        back_label: "地区",
        archived: a.archived_at.is_some(),
        items,
        edit_href: writable.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "編集",
        buttons: if writable {
            vec![pages::archive_button(BASE, id, a.archived_at.is_some())]
        } else {
            Vec::new()
        },
        sections: vec![
            pages::Section {
                title: "下位の地区".into(),
                personal: false,
                columns: vec!["地区コード", "地区名"],
                rows: children
                    .iter()
                    .map(|c| {
                        (
                            vec![
                                Cell::text(c.code.clone()),
                                Cell::link(c.name.clone(), format!("{BASE}/{}", c.id)),
                            ],
                            None,
                        )
                    })
                    .collect(),
                empty: "下位の地区はありません",
                form: None,
            },
            pages::Section {
                title: "この地区の団体".into(),
                personal: false,
                columns: vec!["団体名", "種別", "段階"],
                rows: orgs
                    .items
                    .iter()
                    .map(|o| {
                        let org = &o.organisation;
                        (
                            vec![
                                Cell::link(org.name.clone(), format!("/organisations/{}", org.id)),
                                Cell::text(org.kind.clone()),
                                Cell::text(pages::opt(&org.stage)),
                            ],
                            None,
                        )
                    })
                    .collect(),
                empty: "登録された団体はありません",
                form: None,
            },
            figures_section,
        ],
    };
    let status = if page
        .sections
        .iter()
        .any(|s| s.form.as_ref().is_some_and(|f| f.form.has_errors()))
    {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, pages::render(&page)).into_response())
}

/// Areas (地区) as an editable record.
pub struct Areas;

impl Editable for Areas {
    const BASE: &'static str = BASE;
    type Row = AreaRow;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, _write: bool) -> Result<AreaRow, AppError> {
        caller.require(Action::AreaRead)?;
        Ok(kyodo_store::areas::get(&state.db, caller.municipality.id, id).await?)
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::AreaWrite).map(|_| ())
    }

    fn id(row: &AreaRow) -> i64 {
        row.area.id
    }

    fn version(row: &AreaRow) -> i64 {
        row.area.version
    }

    fn values(row: &AreaRow) -> HashMap<String, String> {
        values(&row.area)
    }

    async fn create(state: &AppState, caller: &Caller, fields: &HashMap<String, String>) -> Result<AreaRow, AppError> {
        let input = AreaInput::parse(&pages::form_getter(fields))?;
        Ok(kyodo_store::areas::create(&state.db, &caller.actor(), levels(caller), &input).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<AreaRow, AppError> {
        let input = AreaInput::parse(&pages::form_getter(fields))?;
        Ok(kyodo_store::areas::update(&state.db, &caller.actor(), levels(caller), id, version, &input).await?)
    }

    async fn set_archived(state: &AppState, caller: &Caller, id: i64, archived: bool) -> Result<(), AppError> {
        kyodo_store::areas::set_archived(&state.db, &caller.actor(), id, archived).await?;
        Ok(())
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        form_view(state, caller, form, editing, status).await
    }
}

// --- API ---

/// Areas, paged and filtered (`area_id` filters by parent).
#[utoipa::path(get, path = "/areas", tag = "areas", params(ListQuery),
    responses((status = 200, body = Page<AreaRow>)))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<AreaRow>>> {
    caller.require(Action::AreaRead)?;
    Ok(Json(
        kyodo_store::areas::list(&state.db, caller.municipality.id, &query).await?,
    ))
}

#[utoipa::path(get, path = "/areas/{id}", tag = "areas", params(("id" = i64, Path, description = "地区の番号")),
    responses((status = 200, body = AreaRow)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AreaRow>> {
    Ok(Json(Areas::fetch(&state, &caller, id, false).await?))
}

/// A new area (地区).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaCreate {
    /// The area above it; none for the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
    /// 地区コード, unique in the municipality.
    #[schema(pattern = "code")]
    pub code: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// ふりがな.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "kana", max_length = 100)]
    pub name_kana: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for AreaCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::AreaWrite
    }
}

/// A change to an area: only the fields sent change; `null` clears an optional one.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaPatch {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "code")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "kana", max_length = 100)]
    pub name_kana: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Option<Option<String>>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for AreaPatch {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::AreaWrite
    }
}

#[utoipa::path(post, path = "/areas", tag = "areas", request_body = AreaCreate,
    responses((status = 201, body = AreaRow)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<AreaCreate>,
) -> ApiResult<(StatusCode, Json<AreaRow>)> {
    Areas::check_write(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(Areas::create(&state, &caller, &fields_of(&body)).await?),
    ))
}

#[utoipa::path(patch, path = "/areas/{id}", tag = "areas", params(("id" = i64, Path, description = "地区の番号")), request_body = AreaPatch,
    responses((status = 200, body = AreaRow)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AreaPatch>,
) -> ApiResult<Json<AreaRow>> {
    Ok(Json(
        editing::patch::<Areas>(&state, &caller, id, body.version, fields_of(&body)).await?,
    ))
}
