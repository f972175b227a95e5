//! Staff (職員) pages and API.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::staff::{Staff, StaffInput, StaffRow};
use serde::Serialize;

use crate::AppState;
use crate::api::types::{ApiDate, nullable};
use crate::api::{ApiJson, ApiPath, ApiQuery, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, Column, FieldKind, FieldSpec, FormPage, FormState, Item, Layout};

const BASE: &str = "/staff";

/// A staff member's personal data (居住地区, メールアドレス): in every output
/// only for callers [`may_read_personal`] lets through.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffPersonal {
    pub home_area_id: Option<i64>,
    pub home_area_code: Option<String>,
    pub home_area_name: Option<String>,
    pub email: Option<String>,
}

/// A staff record as the API gives it. `personal` is there only for the
/// coordinator and for the staff member themself.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffView {
    pub id: i64,
    pub municipality_id: i64,
    /// 職員番号.
    pub employee_number: String,
    pub name: String,
    /// フリガナ (katakana).
    pub name_kana: String,
    pub department_id: Option<i64>,
    pub department_code: Option<String>,
    pub department_name: Option<String>,
    /// The grade's key in the scheme (`/api/v1/scheme`).
    pub grade: String,
    pub hire_date: chrono::NaiveDate,
    pub archived_at: Option<chrono::DateTime<chrono::Utc>>,
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal: Option<StaffPersonal>,
}

/// The one rule for a staff member's personal fields: the coordinator reads
/// everyone's, liaison and department staff their own, nobody else any.
pub fn may_read_personal(caller: &Caller, staff_id: i64) -> bool {
    match caller.scope(Action::StaffPersonalRead) {
        Scope::Municipality => true,
        Scope::Own => caller.user.staff_id == Some(staff_id),
        Scope::Denied => false,
    }
}

/// The staff record as `caller` may see it; every output of staff goes through here.
pub fn disclosed(caller: &Caller, row: StaffRow) -> StaffView {
    let s = row.staff;
    let personal = may_read_personal(caller, s.id).then_some(StaffPersonal {
        home_area_id: s.home_area_id,
        home_area_code: row.home_area_code,
        home_area_name: row.home_area_name,
        email: s.email,
    });
    StaffView {
        id: s.id,
        municipality_id: s.municipality_id,
        employee_number: s.employee_number,
        name: s.name,
        name_kana: s.name_kana,
        department_id: s.department_id,
        department_code: row.department_code,
        department_name: row.department_name,
        grade: s.grade,
        hire_date: s.hire_date,
        archived_at: s.archived_at,
        version: s.version,
        personal,
    }
}

/// Logs that `caller` was shown the personal fields of these staff records.
async fn log_personal_read(state: &AppState, caller: &Caller, views: &[&StaffView]) -> Result<(), AppError> {
    let ids: Vec<i64> = views.iter().filter(|v| v.personal.is_some()).map(|v| v.id).collect();
    if ids.is_empty() {
        return Ok(());
    }
    kyodo_store::audit::record_now(
        &state.db,
        &caller.actor(),
        kyodo_store::audit::Event {
            action: kyodo_core::audit::kind::READ_PERSONAL,
            entity: "staff",
            entity_id: (ids.len() == 1).then(|| ids[0]),
            detail: Some(serde_json::json!({
                "fields": kyodo_core::staff::PERSONAL_FIELDS,
                "staff_ids": ids,
            })),
        },
    )
    .await?;
    Ok(())
}

/// The staff as the API gives them, with the read of personal fields logged.
async fn disclose_all(state: &AppState, caller: &Caller, rows: Vec<StaffRow>) -> Result<Vec<StaffView>, AppError> {
    let views: Vec<StaffView> = rows.into_iter().map(|r| disclosed(caller, r)).collect();
    log_personal_read(state, caller, &views.iter().collect::<Vec<_>>()).await?;
    Ok(views)
}

/// Input fields the caller may not read are not theirs to set either: an
/// edit keeps what the record had, a new record starts without them.
fn keep_personal(
    caller: &Caller,
    current: Option<&Staff>,
    fields: &HashMap<String, String>,
) -> HashMap<String, String> {
    if current.is_some_and(|s| may_read_personal(caller, s.id))
        || (current.is_none() && caller.scope(Action::StaffPersonalRead) == Scope::Municipality)
    {
        return fields.clone();
    }
    let mut kept = fields.clone();
    let before = current.map(values).unwrap_or_default();
    for field in kyodo_core::staff::PERSONAL_FIELDS {
        kept.insert(field.into(), before.get(field).cloned().unwrap_or_default());
    }
    kept
}

fn values(s: &Staff) -> HashMap<String, String> {
    HashMap::from([
        ("employee_number".into(), s.employee_number.clone()),
        ("name".into(), s.name.clone()),
        ("name_kana".into(), s.name_kana.clone()),
        (
            "department_id".into(),
            s.department_id.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("grade".into(), s.grade.clone()),
        ("hire_date".into(), kyodo_core::wareki::iso_date(Some(s.hire_date))),
        (
            "home_area_id".into(),
            s.home_area_id.map(|p| p.to_string()).unwrap_or_default(),
        ),
        ("email".into(), pages::opt(&s.email)),
    ])
}

fn grade_options(caller: &Caller) -> Vec<(String, String)> {
    pages::options(
        &caller.municipality.scheme.grades,
        |g| g.key.clone(),
        |g| g.name.clone(),
    )
}

async fn form_view(
    state: &AppState,
    caller: &Caller,
    form: FormState,
    editing: Option<(i64, i64)>,
    status: StatusCode,
) -> PageResult<Response> {
    let muni = caller.municipality.id;
    let departments = kyodo_store::departments::all(&state.db, muni).await?;
    let areas = kyodo_store::areas::all(&state.db, muni, false).await?;
    let liaison_level = i32::try_from(caller.municipality.scheme.liaison_level).unwrap_or(0);
    let districts: Vec<_> = areas.iter().filter(|a| a.level == liaison_level).collect();
    let mut fields = vec![
        FieldSpec::text("employee_number", "職員番号").required(),
        FieldSpec::text("name", "氏名").required(),
        FieldSpec::text("name_kana", "フリガナ")
            .required()
            .hint("ひらがなで入力してもカタカナで保存します"),
        FieldSpec::select(
            "department_id",
            "所属部署",
            pages::options(&departments, |d| d.id.to_string(), |d| d.name.clone()),
        ),
        FieldSpec::select("grade", "職位", grade_options(caller)).required(),
        FieldSpec::date("hire_date", "採用日").required(),
    ];
    let personal = match editing {
        Some((id, _)) => may_read_personal(caller, id),
        None => caller.scope(Action::StaffPersonalRead) == Scope::Municipality,
    };
    if personal {
        fields.extend([
            FieldSpec::select(
                "home_area_id",
                "居住地区",
                pages::options(&districts, |a| a.id.to_string(), |a| a.name.clone()),
            )
            .hint("自分の住む地区の担当にはならない決まりのために使います"),
            FieldSpec::text("email", "メールアドレス").kind(FieldKind::Email),
        ]);
    }
    if editing.is_some() {
        fields.push(
            FieldSpec::date("grade_effective_on", "職位の発令日")
                .hint("職位を変えたときだけ。空なら今日の日付で記録します"),
        );
    }
    let page = FormPage::record(caller, BASE, editing, ("職員の登録", "職員の編集"), fields, form);
    Ok((status, pages::render(&page)).into_response())
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(query): PageQuery<ListQuery>,
) -> PageResult<Response> {
    caller.require(Action::StaffRead)?;
    let muni = caller.municipality.id;
    let page = kyodo_store::staff::list(&state.db, muni, &query).await?;
    let departments = kyodo_store::departments::all(&state.db, muni).await?;
    let scheme = &caller.municipality.scheme;
    let mut list = pages::list_page(Layout::new(&caller, "職員", BASE), "職員", BASE, &query);
    if caller.can(Action::StaffWrite) {
        list.new_href = Some(format!("{BASE}/new"));
    }
    if caller.can(Action::DataExport) && caller.scope(Action::StaffPersonalRead) == Scope::Municipality {
        list.export_href = Some("/data/export/staff?encoding=utf-8".into());
    }
    list.filters = vec![
        pages::Filter {
            name: "department_id",
            label: "所属部署",
            options: pages::options(&departments, |d| d.id.to_string(), |d| d.name.clone()),
            value: query.department_id.map(|d| d.to_string()).unwrap_or_default(),
        },
        pages::Filter {
            name: "kind",
            label: "職位",
            options: grade_options(&caller),
            value: query.kind.clone().unwrap_or_default(),
        },
    ];
    list.columns = vec![
        Column::new("職員番号", Some("employee_number")),
        Column::new("氏名", Some("name")),
        Column::new("フリガナ", None),
        Column::new("所属", None),
        Column::new("職位", Some("grade")),
        Column::new("採用日", Some("hire_date")),
    ];
    list.rows = page
        .items
        .iter()
        .map(|r| {
            let s = &r.staff;
            vec![
                Cell::text(s.employee_number.clone()),
                Cell::link(s.name.clone(), format!("{BASE}/{}", s.id)).tagged(s.archived_at.map(|_| "アーカイブ済み")),
                Cell::text(s.name_kana.clone()),
                Cell::text(pages::opt(&r.department_name)),
                Cell::text(scheme.grade_name(&s.grade).unwrap_or(&s.grade)),
                Cell::text(pages::date_ja(&s.hire_date)),
            ]
        })
        .collect();
    pages::page_links(&mut list, &page);
    Ok(pages::render(&list))
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::StaffRead)?;
    let muni = caller.municipality.id;
    let row = kyodo_store::staff::get(&state.db, muni, id).await?;
    let s = &row.staff;
    let scheme = &caller.municipality.scheme;
    let grade_name = |g: &str| scheme.grade_name(g).unwrap_or(g).to_owned();
    let history = kyodo_store::staff::grade_history(&state.db, muni, id).await?;
    let appointments = kyodo_store::appointments::current_for_staff(&state.db, muni, id, caller.today).await?;
    let writable = caller.can(Action::StaffWrite);
    let mut items = vec![
        Item::new("職員番号", s.employee_number.clone()),
        Item::new("フリガナ", s.name_kana.clone()),
        Item::link(
            "所属部署",
            pages::opt(&row.department_name),
            s.department_id.map(|d| format!("/departments/{d}")),
        ),
        Item::new("職位", grade_name(&s.grade)),
        Item::new(
            "採用日",
            format!(
                "{}（{}採用）",
                pages::date_ja(&s.hire_date),
                kyodo_core::wareki::format_fiscal_year(kyodo_core::wareki::fiscal_year(s.hire_date))
            ),
        ),
    ];
    // Where staff live is for whoever plans appointments, not for every colleague.
    let view = disclosed(&caller, row.clone());
    if let Some(p) = &view.personal {
        items.push(Item::link(
            "居住地区",
            pages::opt(&p.home_area_name),
            p.home_area_id.map(|a| format!("/areas/{a}")),
        ));
        items.push(Item::new("メールアドレス", pages::opt(&p.email)));
        log_personal_read(&state, &caller, &[&view]).await?;
    }
    let page = pages::DetailPage {
        layout: Layout::new(&caller, s.name.clone(), BASE).with_notice(q.notice.as_deref()),
        heading: s.name.clone(),
        back_href: BASE.into(),
        back_label: "職員",
        archived: s.archived_at.is_some(),
        items,
        edit_href: writable.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "編集",
        buttons: if writable {
            vec![pages::archive_button(BASE, id, s.archived_at.is_some())]
        } else {
            Vec::new()
        },
        sections: vec![
            pages::Section {
                title: "担当している地区".into(),
                personal: false,
                columns: vec!["地区", "担当職", "任期"],
                rows: appointments
                    .iter()
                    .map(|a| {
                        let position = scheme
                            .positions
                            .iter()
                            .find(|p| p.key == a.position_key)
                            .map_or(a.position_key.clone(), |p| p.name.clone());
                        (
                            vec![
                                Cell::link(a.area_name.clone(), format!("/areas/{}", a.area_id)),
                                Cell::text(position),
                                Cell::text(format!(
                                    "{}〜{}",
                                    pages::date_ja(&a.start_on),
                                    pages::date_ja(&a.planned_end_on)
                                )),
                            ],
                            None,
                        )
                    })
                    .collect(),
                empty: "現在、担当している地区はありません",
                form: None,
            },
            pages::Section {
                title: "職位の履歴".into(),
                personal: false,
                columns: vec!["発令日", "職位"],
                rows: history
                    .iter()
                    .map(|h| {
                        (
                            vec![
                                Cell::text(pages::date_ja(&h.effective_on)),
                                Cell::text(grade_name(&h.grade)),
                            ],
                            None,
                        )
                    })
                    .collect(),
                empty: "履歴はありません",
                form: None,
            },
        ],
    };
    Ok(pages::render(&page))
}

/// Staff (職員) as an editable record.
pub struct StaffRecords;

impl Editable for StaffRecords {
    const BASE: &'static str = BASE;
    type Row = StaffRow;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, _write: bool) -> Result<StaffRow, AppError> {
        caller.require(Action::StaffRead)?;
        Ok(kyodo_store::staff::get(&state.db, caller.municipality.id, id).await?)
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::StaffWrite).map(|_| ())
    }

    fn id(row: &StaffRow) -> i64 {
        row.staff.id
    }

    fn version(row: &StaffRow) -> i64 {
        row.staff.version
    }

    fn values(row: &StaffRow) -> HashMap<String, String> {
        values(&row.staff)
    }

    async fn create(state: &AppState, caller: &Caller, fields: &HashMap<String, String>) -> Result<StaffRow, AppError> {
        let fields = keep_personal(caller, None, fields);
        let input = StaffInput::parse(&pages::form_getter(&fields), &caller.municipality.scheme, caller.today)?;
        Ok(kyodo_store::staff::create(&state.db, &caller.actor(), &input).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<StaffRow, AppError> {
        let current = kyodo_store::staff::get(&state.db, caller.municipality.id, id).await?;
        let fields = keep_personal(caller, Some(&current.staff), fields);
        let input = StaffInput::parse(&pages::form_getter(&fields), &caller.municipality.scheme, caller.today)?;
        Ok(kyodo_store::staff::update(
            &state.db,
            &caller.actor(),
            &caller.municipality.scheme,
            id,
            version,
            &input,
            caller.today,
        )
        .await?)
    }

    async fn set_archived(state: &AppState, caller: &Caller, id: i64, archived: bool) -> Result<(), AppError> {
        kyodo_store::staff::set_archived(&state.db, &caller.actor(), id, archived).await?;
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

/// Staff, paged and filtered (`department_id`, `kind` = grade key, `area_id` = home area).
/// `personal` (居住地区・メールアドレス) only for the coordinator, and for one's own record.
#[utoipa::path(get, path = "/staff", tag = "staff", params(ListQuery),
    responses((status = 200, body = Page<StaffView>)))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<StaffView>>> {
    caller.require(Action::StaffRead)?;
    let mut page = kyodo_store::staff::list(&state.db, caller.municipality.id, &query).await?;
    let items = disclose_all(&state, &caller, std::mem::take(&mut page.items)).await?;
    Ok(Json(page.with_items(items)))
}

#[utoipa::path(get, path = "/staff/{id}", tag = "staff", params(("id" = i64, Path, description = "職員の番号（記録の番号）")),
    responses((status = 200, body = StaffView)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<StaffView>> {
    let row = StaffRecords::fetch(&state, &caller, id, false).await?;
    Ok(Json(one(&state, &caller, row).await?))
}

async fn one(state: &AppState, caller: &Caller, row: StaffRow) -> Result<StaffView, AppError> {
    let mut views = disclose_all(state, caller, vec![row]).await?;
    // Invariant: one row in, one view out.
    Ok(views.remove(0))
}

/// A new staff record (職員). Dates as `YYYY-MM-DD`.
/// `home_area_id` and `email` are set only by who may read them (the coordinator).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffCreate {
    /// 職員番号, unique in the municipality.
    #[schema(pattern = "code")]
    pub employee_number: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// フリガナ (hiragana is stored as katakana).
    #[schema(pattern = "kana", max_length = 100)]
    pub name_kana: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub department_id: Option<i64>,
    /// 職位: a grade's key or Japanese name from the scheme (`GET /scheme`, `grades`).
    #[schema(min_length = 1, max_length = 100)]
    pub grade: String,
    /// 採用日; at most the next 年度 ahead.
    pub hire_date: ApiDate,
    /// 居住地区: a district (the liaison unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub home_area_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
}

impl crate::api::ApiBody for StaffCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::StaffWrite
    }
}

/// A change to a staff record: only the fields sent change; `null` clears an
/// optional one. A new `grade` is recorded as of `grade_effective_on` (today when not sent).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "code")]
    pub employee_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "kana", max_length = 100)]
    pub name_kana: Option<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub department_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub grade: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade_effective_on: Option<ApiDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hire_date: Option<ApiDate>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub home_area_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 254, format = Email)]
    pub email: Option<Option<String>>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for StaffPatch {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::StaffWrite
    }
}

#[utoipa::path(post, path = "/staff", tag = "staff", request_body = StaffCreate,
    responses((status = 201, body = StaffView)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<StaffCreate>,
) -> ApiResult<(StatusCode, Json<StaffView>)> {
    StaffRecords::check_write(&caller)?;
    let row = StaffRecords::create(&state, &caller, &fields_of(&body)).await?;
    Ok((StatusCode::CREATED, Json(one(&state, &caller, row).await?)))
}

#[utoipa::path(patch, path = "/staff/{id}", tag = "staff", params(("id" = i64, Path, description = "職員の番号（職員番号ではなく記録の番号）")), request_body = StaffPatch,
    responses((status = 200, body = StaffView)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StaffPatch>,
) -> ApiResult<Json<StaffView>> {
    let row = editing::patch::<StaffRecords>(&state, &caller, id, body.version, fields_of(&body)).await?;
    Ok(Json(one(&state, &caller, row).await?))
}

/// Staff as a picker's groups for the meeting form: the district's team
/// first, then (folded) the other teams' members and anyone already chosen.
/// Every row says its 所属, to tell two 荒木 愛 apart; kyodo.js moves rows
/// between the two groups when the district changes, and its search box
/// finds anyone else through `/staff/choices`.
pub fn picker_groups(
    team_members: &[kyodo_core::appointments::Appointment],
    chosen: &[kyodo_core::appointments::PoolMember],
    area_id: Option<i64>,
) -> Vec<pages::ChoiceGroup> {
    let mut teams: Vec<(i64, Vec<i64>, pages::Choice)> = Vec::new();
    for a in team_members {
        match teams.iter_mut().find(|(id, _, _)| *id == a.staff_id) {
            Some((_, areas, _)) => areas.push(a.area_id),
            None => teams.push((
                a.staff_id,
                vec![a.area_id],
                staff_choice(
                    a.staff_id,
                    &a.staff_name,
                    &a.staff_name_kana,
                    a.department_name.as_deref(),
                ),
            )),
        }
    }
    for p in chosen {
        if !teams.iter().any(|(id, _, _)| *id == p.staff_id) {
            teams.push((
                p.staff_id,
                Vec::new(),
                staff_choice(p.staff_id, &p.name, &p.name_kana, p.department_name.as_deref()),
            ));
        }
    }
    let (team, rest): (Vec<_>, Vec<_>) = teams
        .into_iter()
        .map(|(_, areas, mut choice)| {
            choice.teams = areas.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            (areas, choice)
        })
        .partition(|(areas, _)| area_id.is_some_and(|id| areas.contains(&id)));
    vec![
        pages::ChoiceGroup {
            label: "この地区のチーム".to_owned(),
            choices: team.into_iter().map(|(_, c)| c).collect(),
            folded: false,
            role: "team",
        },
        pages::ChoiceGroup {
            label: "ほかの職員".to_owned(),
            choices: rest.into_iter().map(|(_, c)| c).collect(),
            folded: true,
            role: "rest",
        },
    ]
}

fn staff_choice(id: i64, name: &str, kana: &str, department: Option<&str>) -> pages::Choice {
    let mut c = pages::Choice::new(id.to_string(), name);
    c.detail = department.unwrap_or("所属なし").to_owned();
    c.search = format!("{name} {kana}");
    c
}

#[derive(askama::Template)]
#[template(path = "staff_choices.html")]
struct StaffChoices {
    name: String,
    prefix: String,
    choices: Vec<pages::Choice>,
    more: bool,
}

#[derive(serde::Deserialize)]
pub struct ChoicesQuery {
    #[serde(default)]
    q: String,
    /// The picker's field name and id prefix, so the rows join its form.
    #[serde(default)]
    name: String,
    #[serde(default)]
    prefix: String,
}

/// How many staff a picker search shows; more means 「さらに絞り込んでください」.
const CHOICES_SHOWN: u32 = 20;

/// The rows a staff picker's search adds (an HTML fragment for kyodo.js):
/// name, reading and 所属, never anything personal.
pub async fn choices_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<ChoicesQuery>,
) -> PageResult<Response> {
    caller.require(Action::StaffRead)?;
    let ident = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && !s.is_empty();
    if !ident(&q.name) || !ident(&q.prefix) {
        return Err(AppError::BadRequest("検索の指定が正しくありません".into()).into());
    }
    let term = kyodo_core::text::normalize_input(&q.q);
    let page = if term.is_empty() {
        None
    } else {
        Some(
            kyodo_store::staff::list(
                &state.db,
                caller.municipality.id,
                &ListQuery {
                    q: Some(term),
                    per_page: Some(CHOICES_SHOWN),
                    ..Default::default()
                },
            )
            .await?,
        )
    };
    let (choices, more) = page.map_or((Vec::new(), false), |p| {
        let more = p.total > p.items.len() as u64;
        let choices = p
            .items
            .iter()
            .map(|r| {
                staff_choice(
                    r.staff.id,
                    &r.staff.name,
                    &r.staff.name_kana,
                    r.department_name.as_deref(),
                )
            })
            .collect();
        (choices, more)
    });
    Ok(pages::render(&StaffChoices {
        name: q.name,
        prefix: q.prefix,
        choices,
        more,
    }))
}
