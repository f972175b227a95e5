//! Plan pages and API (将来計画・年度計画・地区防災計画): the body drafts and
//! edits its own, its liaison reads and advises (助言), the coordinator reads
//! all and locks an adopted one.

pub mod goals;
pub mod report;
pub mod status;
pub mod summary;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::accounts::Role;
use kyodo_core::organisations::OrganisationRow;
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::plans::goals::{Goal, IndicatorValue};
use kyodo_core::plans::projects::{FundingSource, Project, ProjectInput, ProjectStatus, theme_flag};
use kyodo_core::plans::{Plan, PlanComment, PlanInput, PlanKind, PlanRevision, PlanRow, PlanText};
use kyodo_core::validation::FieldErrors;
use kyodo_store::plans::{self as store, PlanFilter, PlanReach};

use crate::AppState;
use crate::api::{ApiJson, ApiPath, ApiQuery, FormFields, PagePath, PageQuery};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{
    self, ActionButton, Cell, FieldKind, FieldSpec, FormPage, FormState, InlineForm, Item, Layout, Section,
};

pub(crate) const BASE: &str = "/plans";

/// Which plans an action of `scope` reaches: a department's "own" are
/// those with a project naming it (関係部署), everyone else's follow the bodies.
pub(crate) fn plan_reach(caller: &Caller, scope: Scope) -> PlanReach {
    match (caller.role(), scope) {
        (Role::Department, Scope::Own) => PlanReach::NamingDepartment(caller.user.department_id.unwrap_or(0)),
        _ => PlanReach::Bodies(caller.organisations_in(scope)),
    }
}

/// The plan and its organisation, if `action` reaches it.
async fn reachable(
    state: &AppState,
    caller: &Caller,
    action: Action,
    id: i64,
) -> Result<(PlanRow, OrganisationRow), AppError> {
    let scope = caller.require(action)?;
    let plan = store::get(&state.db, caller.municipality.id, id).await?;
    if let PlanReach::NamingDepartment(department) = plan_reach(caller, scope) {
        if !store::names_department(&state.db, id, department).await? {
            return Err(AppError::Forbidden);
        }
        let org = kyodo_store::organisations::get(&state.db, caller.municipality.id, plan.plan.organisation_id).await?;
        return Ok((plan, org));
    }
    let org = owner(state, caller, action, plan.plan.organisation_id).await?;
    Ok((plan, org))
}

/// The organisation, if `action` reaches it.
async fn owner(
    state: &AppState,
    caller: &Caller,
    action: Action,
    organisation_id: i64,
) -> Result<OrganisationRow, AppError> {
    let org = kyodo_store::organisations::get(&state.db, caller.municipality.id, organisation_id).await?;
    if caller.reaches_organisation(action, organisation_id, org.organisation.area_id) {
        Ok(org)
    } else {
        Err(AppError::Forbidden)
    }
}

fn state_label(p: &Plan) -> String {
    match (p.adopted_on, p.locked_at) {
        (Some(_), Some(_)) => "確定".to_owned(),
        (Some(on), None) => format!("議決済み（{}）", pages::date_ja(&on)),
        _ => "下書き".to_owned(),
    }
}

// --- Form fields ---

/// The fields of a plan as a form holds them.
fn plan_values(p: &Plan) -> HashMap<String, String> {
    let mut v = HashMap::from([
        ("organisation_id".to_owned(), p.organisation_id.to_string()),
        ("kind".to_owned(), p.kind.key().to_owned()),
        ("title".to_owned(), p.title.clone()),
        ("first_year".to_owned(), p.first_year.to_string()),
        ("last_year".to_owned(), p.last_year.to_string()),
        ("themes".to_owned(), p.text.themes.join("\n")),
        (
            "issue_ids".to_owned(),
            p.text
                .issue_ids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("adopted_on".to_owned(), kyodo_core::wareki::iso_date(p.adopted_on)),
        ("adopted_by".to_owned(), pages::opt(&p.adopted_by)),
    ]);
    for s in &p.text.sections {
        v.insert(format!("section_{}", s.key), s.text.clone());
    }
    goals::goal_values(&p.text.goals, &mut v);
    v
}

/// Field names of the sections, which must live as long as the page.
fn section_field(key: &str) -> &'static str {
    match key {
        "vision" => "section_vision",
        "issues" => "section_issues",
        "policy" => "section_policy",
        "character" => "section_character",
        "hazards" => "section_hazards",
        "activities" => "section_activities",
        "shelters" => "section_shelters",
        "roles" => "section_roles",
        _ => "section_drills",
    }
}

fn plan_fields(kind: PlanKind, orgs: &[(i64, String)], editing: bool, goal_rows: usize) -> Vec<FieldSpec> {
    let kinds = PlanKind::ALL
        .iter()
        .map(|k| (k.key().to_owned(), k.label().to_owned()))
        .collect();
    let mut fields = vec![
        FieldSpec::select(
            "organisation_id",
            "団体",
            pages::options(orgs, |(id, _)| id.to_string(), |(_, n)| n.clone()),
        )
        .required(),
        FieldSpec::select("kind", "計画の種類", kinds).required(),
        FieldSpec::text("title", "計画の名称").required(),
        FieldSpec::text("first_year", "開始年度")
            .required()
            .hint("例: 2026、令和8年度、R8"),
    ];
    if kind == PlanKind::Future {
        fields.push(FieldSpec::text("last_year", "終了年度").hint("将来計画は数年度にわたります。例: 令和12年度"));
        fields.push(
            FieldSpec::text("themes", "分野（1行に1つ）")
                .kind(FieldKind::Textarea)
                .required()
                .hint(
                    "例: 地域づくり、防犯、交通安全、防災、福祉、子育て。年度計画の事業はいずれかの分野に位置づけます",
                ),
        );
        fields.push(
            FieldSpec::text("issue_ids", "きっかけになった課題（課題番号）")
                .hint("例: 25, 31。地域から受け付けた課題のうち、この計画につながったもの"),
        );
        fields.extend(goals::goal_fields(goal_rows));
    }
    for (key, heading) in kind.sections() {
        fields.push(FieldSpec::text(section_field(key), heading).kind(FieldKind::Textarea));
    }
    fields.push(
        FieldSpec::date("adopted_on", "議決日").hint("総会などで議決したら入力します。議決後の変更は記録に残ります"),
    );
    fields.push(FieldSpec::text("adopted_by", "議決した会議").hint("例: 令和8年度定期総会"));
    if editing {
        fields.push(
            FieldSpec::text("change_reason", "変更の理由")
                .kind(FieldKind::Textarea)
                .hint("議決済みの計画を変更するときは必ず入力します"),
        );
    }
    fields
}

/// The organisations the caller may write plans for: (id, name).
async fn writable_orgs(state: &AppState, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
    let scope = caller.require(Action::PlanWrite)?;
    let visible = caller.organisations_in(scope);
    let all = kyodo_store::organisations::all(&state.db, caller.municipality.id).await?;
    Ok(all
        .into_iter()
        .filter(|o| match &visible {
            kyodo_store::organisations::Visible::All => true,
            kyodo_store::organisations::Visible::Only(id) => o.id == *id,
            kyodo_store::organisations::Visible::InAreas(areas) => o.area_id.is_some_and(|a| areas.contains(&a)),
        })
        .map(|o| (o.id, o.name))
        .collect())
}

// --- Pages ---

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    pub kind: Option<PlanKind>,
    /// Plans covering this 年度 (西暦).
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
    #[param(minimum = 1)]
    pub organisation_id: Option<i64>,
}

impl PlanQuery {
    fn filter(&self) -> PlanFilter {
        PlanFilter {
            organisation_id: self.organisation_id,
            kind: self.kind,
            fiscal_year: self.fiscal_year,
        }
    }
}

/// The most plans a list shows: a city's ten 年度 of a few hundred bodies
/// are narrowed by 年度 and kind first.
const LIST_LIMIT: u64 = 500;

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<PlanQuery>,
) -> PageResult<Response> {
    let scope = caller.require(Action::PlanRead)?;
    let muni = caller.municipality.id;
    let fy = q
        .fiscal_year
        .unwrap_or_else(|| kyodo_core::wareki::fiscal_year(caller.today));
    let filter = PlanFilter {
        fiscal_year: Some(fy),
        ..q.filter()
    };
    let rows = store::list(&state.db, muni, &plan_reach(&caller, scope), &filter, LIST_LIMIT).await?;
    let mut links = vec![
        (
            "年度計画の一覧".to_owned(),
            format!("{BASE}/summary?fiscal_year={fy}"),
            false,
        ),
        ("提出状況".to_owned(), format!("{BASE}/status"), false),
    ];
    if caller.can(Action::PlanWrite) {
        for kind in PlanKind::ALL {
            links.push((
                format!("{}を作る", kind.label()),
                format!("{BASE}/new?kind={}", kind.key()),
                kind == PlanKind::Annual,
            ));
        }
    }
    let kinds = std::iter::once((String::new(), "（すべて）".to_owned()))
        .chain(PlanKind::ALL.iter().map(|k| (k.key().to_owned(), k.label().to_owned())))
        .collect();
    let page = pages::RecordsPage {
        layout: Layout::new(&caller, "計画", BASE),
        heading: "計画".into(),
        intro: format!(
            "{}に当たる計画です（将来計画は期間にその年度を含むもの）。",
            kyodo_core::wareki::format_fiscal_year(fy)
        ),
        base_path: BASE.into(),
        links,
        filters: vec![
            pages::fiscal_year_filter(&caller, fy),
            pages::Filter {
                name: "kind",
                label: "種類",
                options: kinds,
                value: q.kind.map(|k| k.key().to_owned()).unwrap_or_default(),
            },
        ],
        tables: vec![pages::Table {
            title: String::new(),
            phone: &[0, 2, 4],
            columns: ["団体", "種類", "計画の名称", "期間", "状態"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .iter()
                .map(|r| {
                    let p = &r.plan;
                    vec![
                        Cell::text(r.organisation_name.clone()),
                        Cell::text(p.kind.label()),
                        Cell::link(p.title.clone(), format!("{BASE}/{}", p.id)),
                        Cell::text(p.period()),
                        Cell::text(state_label(p)),
                    ]
                })
                .collect(),
            empty: "この年度の計画はありません",
        }],
        printable: false,
    };
    Ok(pages::render(&page).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    pub kind: Option<String>,
}

async fn plan_form(
    state: &AppState,
    caller: &Caller,
    kind: PlanKind,
    editing: Option<(i64, i64)>,
    form: FormState,
    status: StatusCode,
) -> PageResult<Response> {
    let orgs = writable_orgs(state, caller).await?;
    let written = (0..kyodo_core::plans::goals::MAX_GOALS)
        .filter(|i| !form.v(&format!("goal{i}_name")).is_empty())
        .count();
    let mut page = FormPage::record(
        caller,
        BASE,
        editing,
        ("計画の作成", "計画の編集"),
        plan_fields(kind, &orgs, editing.is_some(), goals::goal_rows(written)),
        form,
    );
    page.heading = format!("{}の{}", kind.label(), if editing.is_some() { "編集" } else { "作成" });
    Ok((status, pages::render(&page)).into_response())
}

pub async fn new_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<NewQuery>,
) -> PageResult<Response> {
    let kind = q
        .kind
        .as_deref()
        .and_then(PlanKind::from_key)
        .unwrap_or(PlanKind::Annual);
    let orgs = writable_orgs(&state, &caller).await?;
    let mut values = HashMap::from([
        ("kind".to_owned(), kind.key().to_owned()),
        (
            "first_year".to_owned(),
            kyodo_core::wareki::fiscal_year(caller.today).to_string(),
        ),
    ]);
    if let [(only, _)] = orgs.as_slice() {
        values.insert("organisation_id".into(), only.to_string());
    }
    plan_form(&state, &caller, kind, None, FormState::new(values), StatusCode::OK).await
}

/// Reads a plan from fields; the organisation must be one the caller writes for.
async fn plan_input(
    state: &AppState,
    caller: &Caller,
    fields: &HashMap<String, String>,
) -> Result<PlanInput, AppError> {
    let input = PlanInput::parse(&pages::form_getter(fields))?;
    if !writable_orgs(state, caller)
        .await?
        .iter()
        .any(|(id, _)| *id == input.organisation_id)
    {
        return Err(AppError::Invalid(FieldErrors::single(
            "organisation_id",
            "この団体の計画は作成・変更できません",
        )));
    }
    Ok(input)
}

pub async fn create_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::PlanWrite)?;
    let result = async {
        let input = plan_input(&state, &caller, &form.0).await?;
        Ok::<_, AppError>(store::create(&state.db, &caller.actor(), &input).await?)
    }
    .await;
    match result {
        Ok(row) => Ok(Redirect::to(&format!("{BASE}/{}?notice=saved", row.plan.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let kind = form
                .0
                .get("kind")
                .and_then(|k| PlanKind::from_key(k))
                .unwrap_or(PlanKind::Annual);
            let mut f = FormState::new(form.0);
            f.errors = errors;
            plan_form(&state, &caller, kind, None, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (row, _) = reachable(&state, &caller, Action::PlanWrite, id).await?;
    let p = &row.plan;
    plan_form(
        &state,
        &caller,
        p.kind,
        Some((id, p.version)),
        FormState::new(plan_values(p)),
        StatusCode::OK,
    )
    .await
}

pub async fn update_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let (row, _) = reachable(&state, &caller, Action::PlanWrite, id).await?;
    let version = form.version();
    let result = async {
        let input = plan_input(&state, &caller, &form.0).await?;
        Ok::<_, AppError>(store::update(&state.db, &caller.actor(), id, version, &input).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            let editing = Some((id, row.plan.version));
            plan_form(
                &state,
                &caller,
                row.plan.kind,
                editing,
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Refused(message)) => {
            let mut f = FormState::new(form.0);
            f.errors = FieldErrors::single("title", message);
            let editing = Some((id, row.plan.version));
            plan_form(&state, &caller, row.plan.kind, editing, f, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Toggles the plan's publication: 「公開ページに載せる」 or 「公開をやめる」.
pub async fn publication_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let (row, _) = reachable(&state, &caller, Action::PlanWrite, id).await?;
    store::set_public(&state.db, &caller.actor(), id, !row.plan.public).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
}

/// Publishing the plan or taking it off: `{"public": true}`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPublication {
    /// On the public site (公開) or not; only an adopted plan can be published.
    pub public: bool,
}

impl crate::api::ApiBody for PlanPublication {
    fn action(_: &serde_json::Value) -> Action {
        Action::PlanWrite
    }
}

/// Publishes an adopted plan and its projects' progress on the body's public page, or takes it off.
#[utoipa::path(post, path = "/plans/{id}/publication", tag = "plans",
    params(("id" = i64, Path, description = "計画の番号")), request_body = PlanPublication,
    responses((status = 200, body = PlanRow)))]
pub async fn publication_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PlanPublication>,
) -> ApiResult<Json<PlanRow>> {
    reachable(&state, &caller, Action::PlanWrite, id).await?;
    Ok(Json(
        store::set_public(&state.db, &caller.actor(), id, body.public).await?,
    ))
}

pub async fn lock_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::PlanLock, id).await?;
    store::lock(&state.db, &caller.actor(), id).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
}

/// 「通年」, or the months as people write them: 「7・8月」.
pub(crate) use kyodo_core::plans::projects::months_label;

pub(crate) fn yen(n: i64) -> String {
    format!("{}円", kyodo_core::text::grouped(n))
}

/// The form of a new project, or of a project's change, with room for
/// `lines` budget lines (those it has and one more).
fn project_fields(
    themes: &[String],
    goals: &[Goal],
    departments: Vec<(String, String)>,
    lines: usize,
) -> Vec<FieldSpec> {
    let statuses = ProjectStatus::ALL
        .iter()
        .map(|s| (s.key().to_owned(), s.label().to_owned()))
        .collect();
    let sources: Vec<(String, String)> = FundingSource::ALL
        .iter()
        .map(|s| (s.key().to_owned(), s.label().to_owned()))
        .collect();
    let mut fields = vec![
        FieldSpec::text("name", "事業名").required(),
        FieldSpec::select("theme", "分野（将来計画）", pages::string_options(themes)),
        FieldSpec::text("purpose", "目的").kind(FieldKind::Textarea),
        FieldSpec::text("months", "実施月").hint("例: 4,5,10（4月始まり）"),
        FieldSpec::text("responsible", "担当（部会など）"),
        FieldSpec::select("department_id", "関係部署", departments)
            .hint("事業で一緒に動く市の部署。その部署もこの計画を読めます"),
    ];
    for (i, (item, source, amount, actual, label)) in LINES.iter().take(lines).enumerate() {
        fields.push(FieldSpec::text(item, label).hint(if i == 0 {
            "例: 消耗品費、報償費、委託料"
        } else {
            ""
        }));
        fields.push(FieldSpec::select(source, "財源", sources.clone()));
        fields.push(FieldSpec::text(amount, "予算額（円）"));
        fields.push(FieldSpec::text(actual, "決算額（円）"));
    }
    fields.extend([
        FieldSpec::text("budget_total", "予算の合計（円）").hint("入力すると、費目の合計と合うか確かめます"),
        FieldSpec::select("status", "進捗", statuses),
        FieldSpec::text("outcome", "実施内容").kind(FieldKind::Textarea),
        FieldSpec::text("participants", "参加者数（人）"),
    ]);
    fields.extend(goals::indicator_fields(goals));
    fields.extend([FieldSpec::text("change_reason", "変更の理由")
        .kind(FieldKind::Textarea)
        .hint("議決済みの計画の事業を変えるときは必ず入力します（進捗だけなら不要）")]);
    fields
}

/// The budget lines a form can hold, as many as a project may have
/// ([`kyodo_core::plans::projects::MAX_LINES`]): (item, source, amount, actual, label).
const LINES: [(&str, &str, &str, &str, &str); 12] = [
    ("line0_item", "line0_source", "line0_amount", "line0_actual", "費目1"),
    ("line1_item", "line1_source", "line1_amount", "line1_actual", "費目2"),
    ("line2_item", "line2_source", "line2_amount", "line2_actual", "費目3"),
    ("line3_item", "line3_source", "line3_amount", "line3_actual", "費目4"),
    ("line4_item", "line4_source", "line4_amount", "line4_actual", "費目5"),
    ("line5_item", "line5_source", "line5_amount", "line5_actual", "費目6"),
    ("line6_item", "line6_source", "line6_amount", "line6_actual", "費目7"),
    ("line7_item", "line7_source", "line7_amount", "line7_actual", "費目8"),
    ("line8_item", "line8_source", "line8_amount", "line8_actual", "費目9"),
    ("line9_item", "line9_source", "line9_amount", "line9_actual", "費目10"),
    (
        "line10_item",
        "line10_source",
        "line10_amount",
        "line10_actual",
        "費目11",
    ),
    (
        "line11_item",
        "line11_source",
        "line11_amount",
        "line11_actual",
        "費目12",
    ),
];

fn project_values(p: &Project) -> HashMap<String, String> {
    let mut v = HashMap::from([
        ("name".to_owned(), p.name.clone()),
        ("theme".to_owned(), pages::opt(&p.theme)),
        ("purpose".to_owned(), pages::opt(&p.purpose)),
        ("months".to_owned(), p.months.clone()),
        ("responsible".to_owned(), pages::opt(&p.responsible)),
        ("status".to_owned(), p.status.key().to_owned()),
        ("outcome".to_owned(), pages::opt(&p.outcome)),
        (
            "participants".to_owned(),
            p.participants.map(|n| n.to_string()).unwrap_or_default(),
        ),
        (
            "department_id".to_owned(),
            p.department_id.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ]);
    goals::indicator_values(&p.indicators.0, &mut v);
    for (i, l) in p.budget.0.iter().enumerate() {
        v.insert(format!("line{i}_item"), l.item.clone());
        v.insert(format!("line{i}_source"), l.source.key().to_owned());
        v.insert(format!("line{i}_amount"), l.amount.to_string());
        if let Some(a) = l.actual {
            v.insert(format!("line{i}_actual"), a.to_string());
        }
    }
    v
}

/// The text (分野, goals) of the adopted future plan `plan` stands under, if any.
async fn future_of(state: &AppState, plan: &Plan) -> Result<Option<PlanText>, AppError> {
    Ok(store::future_for(&state.db, plan.organisation_id, plan.first_year).await?)
}

fn themes(future: &Option<PlanText>) -> Option<&[String]> {
    future.as_ref().map(|t| t.themes.as_slice())
}

fn goals_of(future: &Option<PlanText>) -> &[Goal] {
    future.as_ref().map_or(&[], |t| t.goals.as_slice())
}

/// The city's departments as choices of a project's 関係部署.
async fn department_choices(state: &AppState, caller: &Caller) -> Result<Vec<(String, String)>, AppError> {
    let all = kyodo_store::departments::all(&state.db, caller.municipality.id).await?;
    Ok(pages::options(&all, |d| d.id.to_string(), |d| d.name.clone()))
}

/// Projects with the flag of each (outside the future plan's 分野 `themes`).
fn flagged(caller: &Caller, themes: Option<&[String]>, projects: Vec<Project>) -> Vec<ProjectView> {
    let required = caller.municipality.scheme.recognition;
    projects
        .into_iter()
        .map(|project| ProjectView {
            flag: theme_flag(project.theme.as_deref(), themes, required),
            project,
        })
        .collect()
}

/// What led to a future plan: the issues it names and the body's workshop
/// records (地域の魅力や課題の洗い出し). Issues are linked by number; their
/// pages check who may read them.
async fn origins_section(state: &AppState, caller: &Caller, p: &Plan) -> Result<Section, AppError> {
    use kyodo_core::organisations::establishment::Requirement;
    let records =
        kyodo_store::organisations::establishment::records(&state.db, caller.municipality.id, p.organisation_id)
            .await?;
    let issues = p.text.issue_ids.iter().map(|id| {
        (
            vec![
                Cell::text("地域の課題"),
                Cell::link(format!("課題 No.{id}"), format!("/issues/{id}")),
            ],
            None,
        )
    });
    let workshops = records
        .into_iter()
        .filter(|r| r.kind == Requirement::Workshop)
        .map(|r| {
            (
                vec![
                    Cell::text(format!("ワークショップ（{}）", pages::date_ja(&r.held_on))),
                    Cell::text(pages::opt(&r.note)),
                ],
                None,
            )
        });
    Ok(Section {
        title: "計画のきっかけ（地域の課題とワークショップ）".into(),
        personal: false,
        columns: vec!["種類", "内容"],
        rows: issues.chain(workshops).collect(),
        empty: "きっかけになった課題やワークショップの記録はまだありません",
        form: None,
    })
}

/// A failed form of the plan page carried back: which one, and its state.
enum PlanPart {
    Project,
    Comment,
}

async fn detail_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    notice: Option<&str>,
    carried: Option<(PlanPart, FormState)>,
) -> PageResult<Response> {
    let (row, org) = reachable(state, caller, Action::PlanRead, id).await?;
    let p = &row.plan;
    let muni = caller.municipality.id;
    let can = |action| caller.reaches_organisation(action, p.organisation_id, org.organisation.area_id);
    let write = can(Action::PlanWrite) && p.locked_at.is_none();
    let (mut project_form, mut comment_form) = (FormState::default(), FormState::default());
    match carried {
        Some((PlanPart::Project, f)) => project_form = f,
        Some((PlanPart::Comment, f)) => comment_form = f,
        None => {}
    }
    let mut sections = vec![Section {
        title: "計画の内容".into(),
        personal: false,
        columns: vec!["項目", "内容"],
        rows: p
            .kind
            .sections()
            .iter()
            .map(|(key, heading)| (vec![Cell::text(*heading), Cell::text(p.text.section(key))], None))
            .chain(
                (p.kind == PlanKind::Future)
                    .then(|| (vec![Cell::text("分野"), Cell::text(p.text.themes.join("、"))], None)),
            )
            .collect(),
        empty: "",
        form: None,
    }];
    if p.kind == PlanKind::DisasterPrevention {
        sections.push(crate::evacuation_support::plan_section(state, caller, p.organisation_id).await?);
    }
    if p.kind == PlanKind::Future {
        sections.push(goals::goals_section(&p.text.goals));
        sections.push(origins_section(state, caller, p).await?);
    }
    if p.kind == PlanKind::Annual {
        let future = future_of(state, p).await?;
        let projects = flagged(caller, themes(&future), store::projects(&state.db, muni, id).await?);
        let total: i64 = projects.iter().map(|v| v.project.budget.total()).sum();
        let grant: i64 = projects
            .iter()
            .map(|v| v.project.budget.from_source(FundingSource::Grant))
            .sum();
        let mut rows: Vec<(Vec<Cell>, Option<ActionButton>)> = projects
            .iter()
            .map(|v| {
                let x = &v.project;
                (
                    vec![
                        Cell::link(x.name.clone(), format!("{BASE}/{id}/projects/{}", x.id))
                            .tagged(v.flag.map(|_| "分野外")),
                        Cell::text(pages::opt(&x.theme)),
                        Cell::text(months_label(&x.months)),
                        Cell::text(pages::opt(&x.responsible)),
                        Cell::text(yen(x.budget.total())),
                        Cell::text(yen(x.budget.from_source(FundingSource::Grant))),
                        Cell::text(x.status.label()),
                    ],
                    None,
                )
            })
            .collect();
        if !rows.is_empty() {
            rows.push((
                vec![
                    Cell::text("合計"),
                    Cell::text(""),
                    Cell::text(""),
                    Cell::text(""),
                    Cell::text(yen(total)),
                    Cell::text(yen(grant)),
                    Cell::text(""),
                ],
                None,
            ));
        }
        sections.push(Section {
            title: "事業".into(),
            personal: false,
            columns: vec!["事業名", "分野", "実施月", "担当", "予算", "うち交付金", "進捗"],
            rows,
            empty: "事業はまだ登録されていません",
            form: match write {
                true => Some(InlineForm {
                    action: format!("{BASE}/{id}/projects"),
                    fields: project_fields(
                        themes(&future).unwrap_or_default(),
                        goals_of(&future),
                        department_choices(state, caller).await?,
                        3,
                    ),
                    form: project_form,
                    submit_label: "事業を追加する",
                }),
                false => None,
            },
        });
        if !goals_of(&future).is_empty() {
            let recorded: Vec<&Project> = projects.iter().map(|v| &v.project).collect();
            sections.push(goals::progress_section(goals_of(&future), &recorded));
        }
    }
    let comments = store::comments(&state.db, muni, id).await?;
    sections.push(Section {
        title: "助言".into(),
        personal: false,
        columns: vec!["日時", "記入者", "内容"],
        rows: comments
            .iter()
            .map(|c| {
                (
                    vec![
                        Cell::text(pages::datetime_ja(&c.created_at)),
                        Cell::text(pages::opt(&c.actor_name)),
                        Cell::text(c.body.clone()),
                    ],
                    None,
                )
            })
            .collect(),
        empty: "助言・コメントはまだありません",
        form: can(Action::PlanAdvise).then(|| InlineForm {
            action: format!("{BASE}/{id}/comments"),
            fields: vec![
                FieldSpec::text("body", "助言・コメント")
                    .kind(FieldKind::Textarea)
                    .required()
                    .hint("年間の活動計画・予算編成などへの助言、団体からの返信"),
            ],
            form: comment_form,
            submit_label: "助言を書く",
        }),
    });
    let revisions = store::revisions(&state.db, muni, id).await?;
    sections.push(Section {
        title: "変更の記録".into(),
        personal: false,
        columns: vec!["日時", "変更前の版", "理由", "変更点", "記録者"],
        rows: revisions
            .iter()
            .map(|r| {
                (
                    vec![
                        Cell::text(pages::datetime_ja(&r.created_at)),
                        Cell::text(format!("第{}版", r.version)),
                        Cell::text(pages::opt(&r.reason)),
                        Cell::text(change_text(&r.changes)),
                        Cell::text(pages::opt(&r.actor_name)),
                    ],
                    None,
                )
            })
            .collect(),
        empty: "議決後の変更はありません",
        form: None,
    });
    let mut buttons = Vec::new();
    // The body publishes its adopted plan and its progress (公開), or takes it off.
    if can(Action::PlanWrite) && p.adopted() {
        buttons.push(ActionButton {
            action: format!("{BASE}/{id}/publication"),
            label: if p.public {
                "公開をやめる"
            } else {
                "公開ページに載せる"
            },
            danger: p.public,
        });
    }
    if can(Action::PlanLock) && p.adopted() && p.locked_at.is_none() {
        buttons.push(ActionButton {
            action: format!("{BASE}/{id}/lock"),
            label: "確定する",
            danger: false,
        });
    }
    let mut items = vec![
        Item::link(
            "団体",
            row.organisation_name.clone(),
            Some(format!("/organisations/{}", p.organisation_id)),
        ),
        Item::new("種類", p.kind.label()),
        Item::new("期間", p.period()),
        Item::new("状態", state_label(p)),
        Item::new("議決した会議", pages::opt(&p.adopted_by)),
    ];
    // Only a 年度計画 has projects to report on.
    if p.kind == PlanKind::Annual {
        items.push(Item::link(
            "事業報告",
            "印刷・Excel",
            Some(format!("{BASE}/{id}/report")),
        ));
    }
    let page = pages::DetailPage {
        layout: Layout::new(caller, p.title.clone(), BASE).with_notice(notice),
        heading: p.title.clone(),
        back_href: BASE.into(),
        back_label: "計画",
        archived: false,
        items,
        edit_href: write.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "編集",
        buttons,
        sections,
    };
    let status = if page
        .sections
        .iter()
        .any(|s| s.form.as_ref().is_some_and(|f| f.form.has_errors()))
    {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, pages::render(&page)).into_response())
}

/// What a revision changed, in a line: 「名称、期間」 or 「事業「夏まつり」を追加」.
fn change_text(changes: &str) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(changes) else {
        return String::new();
    };
    if let Some(name) = map.get("added_project").and_then(|v| v.as_str()) {
        return format!("事業「{name}」を追加");
    }
    if let Some(name) = map.get("project").and_then(|v| v.as_str()) {
        return format!("事業「{name}」を変更");
    }
    map.keys()
        .map(|k| match k.as_str() {
            "title" => "名称",
            "first_year" | "last_year" => "期間",
            "text" => "内容",
            "adopted_on" | "adopted_by" => "議決",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("、")
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    detail_view(&state, &caller, id, q.notice.as_deref(), None).await
}

pub async fn add_project_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::PlanWrite, id).await?;
    let result = async {
        let input = ProjectInput::parse(&pages::form_getter(&form.0))?;
        store::add_project(&state.db, &caller.actor(), id, &input).await?;
        Ok::<(), AppError>(())
    }
    .await;
    let errors = match result {
        Ok(()) => return Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response()),
        Err(AppError::Invalid(e)) => e,
        Err(AppError::Refused(m)) => FieldErrors::single("name", m),
        Err(e) => return Err(e.into()),
    };
    let mut f = FormState::new(form.0);
    f.errors = errors;
    detail_view(&state, &caller, id, None, Some((PlanPart::Project, f))).await
}

pub async fn add_comment_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::PlanAdvise, id).await?;
    let body = form
        .0
        .get("body")
        .map(|b| kyodo_core::text::normalize_input(b))
        .unwrap_or_default();
    if body.is_empty() || body.chars().count() > 4000 {
        let mut f = FormState::new(form.0);
        f.errors = FieldErrors::single("body", "助言・コメントを4000文字以内で入力してください");
        return detail_view(&state, &caller, id, None, Some((PlanPart::Comment, f))).await;
    }
    store::add_comment(&state.db, &caller.actor(), id, None, &body).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
}

/// The project's page: its form for those who write the plan, its record for the rest.
async fn project_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    project: i64,
    form: Option<FormState>,
) -> PageResult<Response> {
    let (row, org) = reachable(state, caller, Action::PlanRead, id).await?;
    let p = store::project(&state.db, caller.municipality.id, project).await?;
    if p.plan_id != id {
        return Err(AppError::NotFound.into());
    }
    let plan = &row.plan;
    let write = caller.reaches_organisation(Action::PlanWrite, plan.organisation_id, org.organisation.area_id);
    let future = future_of(state, plan).await?;
    let flag = theme_flag(
        p.theme.as_deref(),
        themes(&future),
        caller.municipality.scheme.recognition,
    );
    let departments = department_choices(state, caller).await?;
    if write {
        let status = if form.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        let page = FormPage {
            layout: Layout::new(caller, p.name.clone(), BASE),
            heading: format!("{}（{}）", p.name, plan.title),
            intro: flag
                .map(|f| format!("注意: {f}（交付金の対象にならないことがあります）"))
                .unwrap_or_default(),
            action: format!("{BASE}/{id}/projects/{project}"),
            fields: project_fields(
                themes(&future).unwrap_or_default(),
                goals_of(&future),
                departments,
                p.budget.0.len() + 1,
            ),
            form: form.unwrap_or_else(|| FormState::new(project_values(&p))),
            submit_label: "保存する",
            cancel_href: format!("{BASE}/{id}"),
            version: Some(p.version),
            multipart: false,
        };
        return Ok((status, pages::render(&page)).into_response());
    }
    let lines = p
        .budget
        .0
        .iter()
        .map(|l| {
            (
                vec![
                    Cell::text(l.item.clone()),
                    Cell::text(l.source.label()),
                    Cell::text(yen(l.amount)),
                    Cell::text(l.actual.map(yen).unwrap_or_default()),
                ],
                None,
            )
        })
        .collect();
    let page = pages::DetailPage {
        layout: Layout::new(caller, p.name.clone(), BASE),
        heading: p.name.clone(),
        back_href: format!("{BASE}/{id}"),
        back_label: "計画",
        archived: false,
        items: vec![
            Item::link("計画", plan.title.clone(), Some(format!("{BASE}/{id}"))),
            Item::new(
                "分野",
                format!(
                    "{}{}",
                    pages::opt(&p.theme),
                    flag.map(|f| format!("（{f}）")).unwrap_or_default()
                ),
            ),
            Item::new("目的", pages::opt(&p.purpose)),
            Item::new("実施月", months_label(&p.months)),
            Item::new("担当", pages::opt(&p.responsible)),
            Item::new(
                "関係部署",
                p.department_id
                    .and_then(|d| departments.iter().find(|(id, _)| *id == d.to_string()))
                    .map(|(_, name)| name.clone())
                    .unwrap_or_default(),
            ),
            Item::new("進捗", p.status.label()),
            Item::new("実施内容", pages::opt(&p.outcome)),
            Item::new("参加者数", p.participants.map(|n| format!("{n}人")).unwrap_or_default()),
            Item::new("指標の実績", goals::indicators_text(&p.indicators.0)),
        ],
        edit_href: None,
        edit_label: "編集",
        buttons: Vec::new(),
        sections: vec![Section {
            title: "予算".into(),
            personal: false,
            columns: vec!["費目", "財源", "予算額", "決算額"],
            rows: lines,
            empty: "予算は登録されていません",
            form: None,
        }],
    };
    Ok(pages::render(&page).into_response())
}

pub async fn project_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, project)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    project_view(&state, &caller, id, project, None).await
}

pub async fn update_project_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, project)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::PlanWrite, id).await?;
    if store::project(&state.db, caller.municipality.id, project)
        .await?
        .plan_id
        != id
    {
        return Err(AppError::NotFound.into());
    }
    let version = form.version();
    let result = async {
        let input = ProjectInput::parse(&pages::form_getter(&form.0))?;
        store::update_project(&state.db, &caller.actor(), project, version, &input).await?;
        Ok::<(), AppError>(())
    }
    .await;
    let errors = match result {
        Ok(()) => return Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response()),
        Err(AppError::Invalid(e)) => e,
        Err(AppError::Refused(m)) => FieldErrors::single("name", m),
        Err(e) => return Err(e.into()),
    };
    let mut f = FormState::new(form.0);
    f.errors = errors;
    project_view(&state, &caller, id, project, Some(f)).await
}

// --- API ---

/// A project with why it is flagged, if it is (outside the future plan's 分野).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    #[serde(flatten)]
    pub project: Project,
    pub flag: Option<&'static str>,
}

/// A plan with its projects, advice and revisions.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlanView {
    #[serde(flatten)]
    pub plan: PlanRow,
    pub projects: Vec<ProjectView>,
    pub comments: Vec<PlanComment>,
    pub revisions: Vec<PlanRevision>,
}

/// Plans within reach, filtered by `kind`, `fiscal_year` (covering it) and `organisation_id`; at most 500.
#[utoipa::path(get, path = "/plans", tag = "plans", params(PlanQuery),
    responses((status = 200, body = Vec<PlanRow>)))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<PlanQuery>,
) -> ApiResult<Json<Vec<PlanRow>>> {
    let scope = caller.require(Action::PlanRead)?;
    let reach = plan_reach(&caller, scope);
    Ok(Json(
        store::list(&state.db, caller.municipality.id, &reach, &q.filter(), LIST_LIMIT).await?,
    ))
}

#[utoipa::path(get, path = "/plans/{id}", tag = "plans", params(("id" = i64, Path, description = "計画の番号")),
    responses((status = 200, body = PlanView)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PlanView>> {
    let (row, _) = reachable(&state, &caller, Action::PlanRead, id).await?;
    let muni = caller.municipality.id;
    let future = future_of(&state, &row.plan).await?;
    let projects = flagged(&caller, themes(&future), store::projects(&state.db, muni, id).await?);
    Ok(Json(PlanView {
        projects,
        comments: store::comments(&state.db, muni, id).await?,
        revisions: store::revisions(&state.db, muni, id).await?,
        plan: row,
    }))
}

/// A new plan. A `future` plan runs `first_year`..`last_year` with `themes`;
/// `annual` and `disaster_prevention` cover one 年度. Sections are keyed as
/// the kind has them (`vision`, `issues`; `policy`; `character`, `hazards`,
/// `activities`, `shelters`, `roles`, `drills`).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanCreate {
    #[schema(minimum = 1)]
    pub organisation_id: i64,
    pub kind: PlanKind,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(minimum = 1900, maximum = 2200)]
    pub first_year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1900, maximum = 2200)]
    pub last_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 30)]
    pub themes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 10)]
    pub sections: Vec<kyodo_core::plans::PlanSection>,
    /// A future plan's goals with their indicators (目標と指標).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 8)]
    pub goals: Vec<Goal>,
    /// The issues (課題 No.) that led to a future plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 30)]
    pub issue_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_on: Option<crate::api::types::ApiDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub adopted_by: Option<String>,
}

impl crate::api::ApiBody for PlanCreate {
    fn action(_: &serde_json::Value) -> Action {
        Action::PlanWrite
    }
}

/// A change to a plan: the fields sent replace the plan's; a change of an
/// adopted plan gives its `change_reason` and is kept as a revision.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1900, maximum = 2200)]
    pub first_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1900, maximum = 2200)]
    pub last_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 30)]
    pub themes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 10)]
    pub sections: Option<Vec<kyodo_core::plans::PlanSection>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 8)]
    pub goals: Option<Vec<Goal>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 30)]
    pub issue_ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopted_on: Option<crate::api::types::ApiDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub adopted_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub change_reason: Option<String>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for PlanPatch {
    fn action(_: &serde_json::Value) -> Action {
        Action::PlanWrite
    }
}

/// Writes the typed plan fields over `fields` as the form names them.
fn plan_fields_of(
    fields: &mut HashMap<String, String>,
    themes: Option<&[String]>,
    sections: Option<&[kyodo_core::plans::PlanSection]>,
    goals: Option<&[Goal]>,
) {
    fields.remove("goals");
    if let Some(goals) = goals {
        fields.retain(|k, _| !k.starts_with("goal"));
        goals::goal_values(goals, fields);
    }
    if let Some(themes) = themes {
        fields.insert("themes".into(), themes.join("\n"));
    }
    if let Some(sections) = sections {
        fields.retain(|k, _| !k.starts_with("section_"));
        for s in sections {
            fields.insert(format!("section_{}", s.key), s.text.clone());
        }
    }
}

#[utoipa::path(post, path = "/plans", tag = "plans", request_body = PlanCreate,
    responses((status = 201, body = PlanRow)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<PlanCreate>,
) -> ApiResult<(StatusCode, Json<PlanRow>)> {
    let mut fields = crate::api::fields_of(&body);
    plan_fields_of(&mut fields, Some(&body.themes), Some(&body.sections), Some(&body.goals));
    let input = plan_input(&state, &caller, &fields).await?;
    Ok((
        StatusCode::CREATED,
        Json(store::create(&state.db, &caller.actor(), &input).await?),
    ))
}

#[utoipa::path(patch, path = "/plans/{id}", tag = "plans", params(("id" = i64, Path, description = "計画の番号")),
    request_body = PlanPatch, responses((status = 200, body = PlanRow)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PlanPatch>,
) -> ApiResult<Json<PlanRow>> {
    let (row, _) = reachable(&state, &caller, Action::PlanWrite, id).await?;
    let mut fields = plan_values(&row.plan);
    fields.extend(crate::api::fields_of(&body));
    plan_fields_of(
        &mut fields,
        body.themes.as_deref(),
        body.sections.as_deref(),
        body.goals.as_deref(),
    );
    let input = plan_input(&state, &caller, &fields).await?;
    Ok(Json(
        store::update(&state.db, &caller.actor(), id, body.version, &input).await?,
    ))
}

#[utoipa::path(get, path = "/plans/{id}/projects", tag = "plans", params(("id" = i64, Path, description = "計画の番号")),
    responses((status = 200, body = Vec<ProjectView>)))]
pub async fn projects_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ProjectView>>> {
    let (row, _) = reachable(&state, &caller, Action::PlanRead, id).await?;
    let projects = store::projects(&state.db, caller.municipality.id, id).await?;
    let future = future_of(&state, &row.plan).await?;
    Ok(Json(flagged(&caller, themes(&future), projects)))
}

/// A project of a 年度計画: budget lines in whole yen; `budget_total`, when
/// sent, must be their sum. On an adopted plan a change of the project (not
/// of its progress) gives its `change_reason`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 40)]
    pub theme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub purpose: Option<String>,
    /// Months of the year it runs in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 12)]
    pub months: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub responsible: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 12)]
    pub budget: Vec<kyodo_core::plans::projects::BudgetLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub budget_total: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ProjectStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub participants: Option<i64>,
    /// The city department it works with (関係部署); it reads the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub department_id: Option<i64>,
    /// The future plan's indicators it moves, with the values reached.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 8)]
    pub indicators: Vec<IndicatorValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub change_reason: Option<String>,
    /// For a change: the version read; a newer one is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for ProjectBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::PlanWrite
    }
}

impl ProjectBody {
    /// The body as the form's fields.
    fn fields(&self) -> HashMap<String, String> {
        let mut f = crate::api::fields_of(self);
        f.retain(|k, _| k != "budget" && k != "status" && k != "indicators");
        for (i, x) in self.indicators.iter().enumerate() {
            f.insert(format!("ind{i}_goal"), x.goal.clone());
            if let Some(v) = x.value {
                f.insert(format!("ind{i}_value"), v.to_string());
            }
        }
        if let Some(s) = self.status {
            f.insert("status".into(), s.key().to_owned());
        }
        for (i, l) in self.budget.iter().enumerate() {
            f.insert(format!("line{i}_item"), l.item.clone());
            f.insert(format!("line{i}_source"), l.source.key().to_owned());
            f.insert(format!("line{i}_amount"), l.amount.to_string());
            if let Some(a) = l.actual {
                f.insert(format!("line{i}_actual"), a.to_string());
            }
        }
        f
    }
}

#[utoipa::path(post, path = "/plans/{id}/projects", tag = "plans", params(("id" = i64, Path, description = "計画の番号")),
    request_body = ProjectBody, responses((status = 201, body = Project)))]
pub async fn create_project_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ProjectBody>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    reachable(&state, &caller, Action::PlanWrite, id).await?;
    let input = ProjectInput::parse(&pages::form_getter(&body.fields()))?;
    Ok((
        StatusCode::CREATED,
        Json(store::add_project(&state.db, &caller.actor(), id, &input).await?),
    ))
}

/// Replaces a project's fields (send the whole project, as `GET` gives it).
#[utoipa::path(patch, path = "/projects/{id}", tag = "plans", params(("id" = i64, Path, description = "事業の番号")),
    request_body = ProjectBody, responses((status = 200, body = Project)))]
pub async fn patch_project_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ProjectBody>,
) -> ApiResult<Json<Project>> {
    caller.require(Action::PlanWrite)?;
    let project = store::project(&state.db, caller.municipality.id, id).await?;
    reachable(&state, &caller, Action::PlanWrite, project.plan_id).await?;
    let input = ProjectInput::parse(&pages::form_getter(&body.fields()))?;
    Ok(Json(
        store::update_project(&state.db, &caller.actor(), id, body.version, &input).await?,
    ))
}
