//! Department (部署) pages and API.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::departments::{Department, DepartmentInput, DepartmentRow};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::permissions::Action;

use crate::AppState;
use crate::api::types::nullable;
use crate::api::{ApiJson, ApiPath, ApiQuery, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, Column, FieldKind, FieldSpec, FormPage, FormState, Item, Layout};

const BASE: &str = "/departments";

fn values(d: &Department) -> HashMap<String, String> {
    HashMap::from([
        (
            "parent_id".into(),
            d.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("code".into(), d.code.clone()),
        ("name".into(), d.name.clone()),
        ("name_kana".into(), pages::opt(&d.name_kana)),
        ("phone".into(), pages::opt(&d.phone)),
    ])
}

async fn form_view(
    state: &AppState,
    caller: &Caller,
    form: FormState,
    editing: Option<(i64, i64)>,
    status: StatusCode,
) -> PageResult<Response> {
    let departments = kyodo_store::departments::all(&state.db, caller.municipality.id).await?;
    let parents: Vec<&Department> = departments
        .iter()
        .filter(|d| editing.is_none_or(|(id, _)| d.id != id))
        .collect();
    let fields = vec![
        FieldSpec::select(
            "parent_id",
            "上位の部署",
            pages::options(&parents, |d| d.id.to_string(), |d| d.name.clone()),
        )
        .hint("部なら「選択なし」、課なら所属する部を選びます"),
        FieldSpec::text("code", "部署コード")
            .required()
            .hint("半角英数字。CSVの取込で部署を見分けるのに使います"),
        FieldSpec::text("name", "部署名").required(),
        FieldSpec::text("name_kana", "ふりがな"),
        FieldSpec::text("phone", "電話番号").kind(FieldKind::Tel),
    ];
    let page = FormPage::record(caller, BASE, editing, ("部署の登録", "部署の編集"), fields, form);
    Ok((status, pages::render(&page)).into_response())
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(query): PageQuery<ListQuery>,
) -> PageResult<Response> {
    caller.require(Action::DepartmentRead)?;
    let page = kyodo_store::departments::list(&state.db, caller.municipality.id, &query).await?;
    let mut list = pages::list_page(Layout::new(&caller, "部署", BASE), "部署", BASE, &query);
    if caller.can(Action::DepartmentWrite) {
        list.new_href = Some(format!("{BASE}/new"));
    }
    if caller.can(Action::DataExport) {
        list.export_href = Some("/data/export/departments?encoding=utf-8".into());
    }
    list.tree_href = Some(format!("{BASE}/tree"));
    list.columns = vec![
        Column::new("部署コード", Some("code")),
        Column::new("部署名", Some("name")),
        Column::new("上位の部署", None),
        Column::new("電話番号", None),
    ];
    list.rows = page
        .items
        .iter()
        .map(|r| {
            let d = &r.department;
            vec![
                Cell::text(d.code.clone()),
                Cell::link(d.name.clone(), format!("{BASE}/{}", d.id)).tagged(d.archived_at.map(|_| "アーカイブ済み")),
                match d.parent_id {
                    Some(p) => Cell::link(pages::opt(&r.parent_name), format!("{BASE}/{p}")),
                    None => Cell::text(""),
                },
                Cell::text(pages::opt(&d.phone)),
            ]
        })
        .collect();
    pages::page_links(&mut list, &page);
    Ok(pages::render(&list))
}

/// The 部/課 tree.
pub async fn tree_page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    caller.require(Action::DepartmentRead)?;
    let departments = kyodo_store::departments::all(&state.db, caller.municipality.id).await?;
    let items = departments
        .iter()
        .map(|d| pages::TreeItem {
            id: d.id,
            parent_id: d.parent_id,
            label: d.name.clone(),
            href: format!("{BASE}/{}", d.id),
            meta: pages::opt(&d.phone),
        })
        .collect();
    Ok(pages::render(&pages::TreePage {
        layout: Layout::new(&caller, "組織図", BASE),
        heading: "組織図".into(),
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
    caller.require(Action::DepartmentRead)?;
    let muni = caller.municipality.id;
    let row = kyodo_store::departments::get(&state.db, muni, id).await?;
    let d = &row.department;
    let children = kyodo_store::departments::list(
        &state.db,
        muni,
        &ListQuery {
            department_id: Some(id),
            per_page: Some(200),
            ..Default::default()
        },
    )
    .await?;
    let staff = if caller.can(Action::StaffRead) {
        kyodo_store::staff::list(
            &state.db,
            muni,
            &ListQuery {
                department_id: Some(id),
                per_page: Some(200),
                ..Default::default()
            },
        )
        .await?
        .items
    } else {
        Vec::new()
    };
    let scheme = &caller.municipality.scheme;
    let writable = caller.can(Action::DepartmentWrite);
    let page = pages::DetailPage {
        layout: Layout::new(&caller, d.name.clone(), BASE).with_notice(q.notice.as_deref()),
        heading: d.name.clone(),
        back_href: BASE.into(),
        back_label: "部署",
        archived: d.archived_at.is_some(),
        items: vec![
            Item::new("部署コード", d.code.clone()),
            Item::new("ふりがな", pages::opt(&d.name_kana)),
            Item::link(
                "上位の部署",
                pages::opt(&row.parent_name),
                d.parent_id.map(|p| format!("{BASE}/{p}")),
            ),
            Item::new("電話番号", pages::opt(&d.phone)),
        ],
        edit_href: writable.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "編集",
        buttons: if writable {
            vec![pages::archive_button(BASE, id, d.archived_at.is_some())]
        } else {
            Vec::new()
        },
        sections: vec![
            pages::Section {
                title: "下位の部署".into(),
                personal: false,
                columns: vec!["部署コード", "部署名"],
                rows: children
                    .items
                    .iter()
                    .map(|c| {
                        let c = &c.department;
                        (
                            vec![
                                Cell::text(c.code.clone()),
                                Cell::link(c.name.clone(), format!("{BASE}/{}", c.id)),
                            ],
                            None,
                        )
                    })
                    .collect(),
                empty: "下位の部署はありません",
                form: None,
            },
            pages::Section {
                title: "所属職員".into(),
                personal: false,
                columns: vec!["氏名", "職位"],
                rows: staff
                    .iter()
                    .map(|s| {
                        let s = &s.staff;
                        (
                            vec![
                                Cell::link(s.name.clone(), format!("/staff/{}", s.id)),
                                Cell::text(scheme.grade_name(&s.grade).unwrap_or(&s.grade)),
                            ],
                            None,
                        )
                    })
                    .collect(),
                empty: "所属職員はいません",
                form: None,
            },
        ],
    };
    Ok(pages::render(&page))
}

/// Departments (部署) as an editable record.
pub struct Departments;

impl Editable for Departments {
    const BASE: &'static str = BASE;
    type Row = DepartmentRow;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, _write: bool) -> Result<DepartmentRow, AppError> {
        caller.require(Action::DepartmentRead)?;
        Ok(kyodo_store::departments::get(&state.db, caller.municipality.id, id).await?)
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::DepartmentWrite).map(|_| ())
    }

    fn id(row: &DepartmentRow) -> i64 {
        row.department.id
    }

    fn version(row: &DepartmentRow) -> i64 {
        row.department.version
    }

    fn values(row: &DepartmentRow) -> HashMap<String, String> {
        values(&row.department)
    }

    async fn create(
        state: &AppState,
        caller: &Caller,
        fields: &HashMap<String, String>,
    ) -> Result<DepartmentRow, AppError> {
        let input = DepartmentInput::parse(&pages::form_getter(fields))?;
        Ok(kyodo_store::departments::create(&state.db, &caller.actor(), &input).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<DepartmentRow, AppError> {
        let input = DepartmentInput::parse(&pages::form_getter(fields))?;
        Ok(kyodo_store::departments::update(&state.db, &caller.actor(), id, version, &input).await?)
    }

    async fn set_archived(state: &AppState, caller: &Caller, id: i64, archived: bool) -> Result<(), AppError> {
        kyodo_store::departments::set_archived(&state.db, &caller.actor(), id, archived).await?;
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

/// Departments, paged and filtered (`department_id` filters by parent).
#[utoipa::path(get, path = "/departments", tag = "departments", params(ListQuery),
    responses((status = 200, body = Page<DepartmentRow>)))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<DepartmentRow>>> {
    caller.require(Action::DepartmentRead)?;
    Ok(Json(
        kyodo_store::departments::list(&state.db, caller.municipality.id, &query).await?,
    ))
}

#[utoipa::path(get, path = "/departments/{id}", tag = "departments", params(("id" = i64, Path, description = "部署の番号")),
    responses((status = 200, body = DepartmentRow)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<DepartmentRow>> {
    Ok(Json(Departments::fetch(&state, &caller, id, false).await?))
}

/// A new department (部署): a 部 or a 課 below one.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentCreate {
    /// The department above it (the 部 of a 課).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub parent_id: Option<i64>,
    /// 部署コード, unique in the municipality.
    #[schema(pattern = "code")]
    pub code: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "kana", max_length = 100)]
    pub name_kana: Option<String>,
    /// 内線・代表 (digits and hyphens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "phone")]
    pub phone: Option<String>,
}

impl crate::api::ApiBody for DepartmentCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::DepartmentWrite
    }
}

/// A change to a department: only the fields sent change; `null` clears an optional one.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentPatch {
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
    #[schema(value_type = Option<String>, pattern = "phone")]
    pub phone: Option<Option<String>>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for DepartmentPatch {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::DepartmentWrite
    }
}

#[utoipa::path(post, path = "/departments", tag = "departments", request_body = DepartmentCreate,
    responses((status = 201, body = DepartmentRow)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<DepartmentCreate>,
) -> ApiResult<(StatusCode, Json<DepartmentRow>)> {
    Departments::check_write(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(Departments::create(&state, &caller, &fields_of(&body)).await?),
    ))
}

#[utoipa::path(patch, path = "/departments/{id}", tag = "departments", params(("id" = i64, Path, description = "部署の番号")), request_body = DepartmentPatch,
    responses((status = 200, body = DepartmentRow)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DepartmentPatch>,
) -> ApiResult<Json<DepartmentRow>> {
    Ok(Json(
        editing::patch::<Departments>(&state, &caller, id, body.version, fields_of(&body)).await?,
    ))
}

/// Departments as a picker's groups: one group per 部 (a department
/// without a parent), holding it and every department below it as
/// 「課 › 係」. Groups start folded: a city has dozens of 課.
pub fn picker_groups(departments: &[Department]) -> Vec<pages::ChoiceGroup> {
    let by_id: std::collections::HashMap<i64, &Department> = departments.iter().map(|d| (d.id, d)).collect();
    // The chain from the department up to its 部, the 部 last; a cycle or a
    // missing parent ends it.
    let chain = |d: &Department| {
        let mut chain = vec![d.id];
        let mut next = d.parent_id;
        while let Some(id) = next.filter(|id| !chain.contains(id)) {
            match by_id.get(&id) {
                Some(parent) => {
                    chain.push(id);
                    next = parent.parent_id;
                }
                None => break,
            }
        }
        chain
    };
    let mut groups: Vec<(i64, pages::ChoiceGroup)> = Vec::new();
    for d in departments {
        let chain = chain(d);
        let root = *chain.last().unwrap_or(&d.id);
        let label = chain[..chain.len() - 1]
            .iter()
            .rev()
            .filter_map(|id| by_id.get(id).map(|x| x.name.as_str()))
            .collect::<Vec<_>>()
            .join(" › ");
        let mut choice = pages::Choice::new(
            d.id.to_string(),
            if label.is_empty() {
                format!("{}（部として）", d.name)
            } else {
                label
            },
        );
        choice.search = format!("{} {}", d.name, d.name_kana.clone().unwrap_or_default());
        match groups.iter_mut().find(|(id, _)| *id == root) {
            Some((_, g)) => g.choices.push(choice),
            None => groups.push((
                root,
                pages::ChoiceGroup {
                    label: by_id.get(&root).map_or_else(String::new, |r| r.name.clone()),
                    choices: vec![choice],
                    folded: true,
                    role: "",
                },
            )),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}
