//! Grant schemes per 年度 (`/grants`): the formula as the coordinator edits
//! it, the simulation of every organisation's amount against last year and
//! the budget before saving, the xlsx of a calculation, and the API.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::grants::figures::Basis;
use kyodo_core::grants::formula::{Calculation, Formula};
use kyodo_core::grants::formula_form::{self, BLANK_ROWS, CONDITIONS, ROW_TYPES};
use kyodo_core::grants::rules::ProcedureRules;
use kyodo_core::grants::schemes::{GrantScheme, GrantSchemeInput};
use kyodo_core::permissions::Action;
use kyodo_core::text::grouped;
use kyodo_core::validation::FieldErrors;
use kyodo_store::grants::schemes::{self as store, SchemeContent};

use super::{BASE, yen};
use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, FormState, Layout};
use crate::xlsx::{self, Sheet, XCell};

fn scheme_path(id: i64) -> String {
    format!("{BASE}/schemes/{id}")
}

fn title(s: &GrantScheme) -> String {
    format!("{} {}", kyodo_core::wareki::format_fiscal_year(s.fiscal_year), s.name)
}

// --- the list ---

#[derive(Template)]
#[template(path = "grant_schemes.html")]
struct ListPage {
    layout: Layout,
    schemes: Vec<(String, String, String, String)>,
    writable: bool,
    form: FormState,
}

async fn list_view(state: &AppState, caller: &Caller, form: FormState, notice: Option<&str>) -> PageResult<Response> {
    caller.require(Action::GrantSchemeRead)?;
    let schemes = store::list(&state.db, caller.municipality.id).await?;
    let status = if form.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        layout: Layout::new(caller, "交付金", BASE).with_notice(notice),
        schemes: schemes
            .iter()
            .map(|s| {
                (
                    scheme_path(s.id),
                    title(s),
                    pages::date_ja(&s.reference_date),
                    s.formula
                        .budget_yen
                        .map_or_else(String::new, |b| format!("{}円", grouped(b))),
                )
            })
            .collect(),
        writable: caller.can(Action::GrantSchemeWrite),
        form,
    };
    Ok((status, pages::render(&page)).into_response())
}

pub async fn list_page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    let mut values = HashMap::new();
    let fy = kyodo_core::wareki::fiscal_year(caller.today) + 1;
    values.insert("fiscal_year".to_owned(), fy.to_string());
    values.insert(
        "reference_date".to_owned(),
        kyodo_core::wareki::fiscal_year_start(fy).to_string(),
    );
    list_view(&state, &caller, FormState::new(values), None).await
}

/// A new scheme starts from the newest formula of the same name (last
/// year's, carried over), or a 基本額 of 0円 to fill in.
async fn starting_formula(state: &AppState, caller: &Caller, name: &str) -> Result<(Formula, Vec<i64>), AppError> {
    let schemes = store::list(&state.db, caller.municipality.id).await?;
    let newest = schemes.iter().find(|s| s.name == name).or_else(|| schemes.first());
    Ok(match newest {
        Some(s) => (s.formula.clone(), s.staffed.0.clone()),
        None => (
            Formula {
                components: vec![kyodo_core::grants::formula::Component::Equal {
                    name: "基本額".into(),
                    price: kyodo_core::grants::formula::Price::Fixed { yen: 0 },
                }],
                rounding_unit: 1_000,
                ..Default::default()
            },
            Vec::new(),
        ),
    })
}

pub async fn create_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::GrantSchemeWrite)?;
    let result = async {
        let input = GrantSchemeInput::parse(&pages::form_getter(&form.0))?;
        let (formula, staffed) = starting_formula(&state, &caller, &input.name).await?;
        let created = store::create(
            &state.db,
            &caller.actor(),
            SchemeContent {
                input: &input,
                formula: &formula,
                staffed: &staffed,
                rules: &ProcedureRules::preset(input.fiscal_year),
            },
        )
        .await?;
        Ok::<_, AppError>(created)
    }
    .await;
    match result {
        Ok(created) => Ok(Redirect::to(&format!("{}?notice=saved", scheme_path(created.id))).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            list_view(&state, &caller, f, None).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- the scheme ---

/// One row of the calculation as the page shows it.
struct RowView {
    name: String,
    href: String,
    population: String,
    households: String,
    parts: Vec<String>,
    adjustments: String,
    amount: String,
    last_year: String,
    change: String,
    staffed: bool,
}

#[derive(Template)]
#[template(path = "grant_scheme.html")]
struct SchemePage {
    layout: Layout,
    heading: String,
    action: String,
    simulate_action: String,
    xlsx_href: String,
    editable: bool,
    simulated: bool,
    note: Option<String>,
    components: Vec<String>,
    rows: Vec<RowView>,
    total: String,
    last_year_total: String,
    budget: Option<(String, String, bool)>,
    derived: Vec<String>,
    form: FormState,
    row_indices: Vec<usize>,
    row_types: Vec<(String, String)>,
    bases: Vec<(String, String)>,
    conditions: Vec<(String, String)>,
    rounding_units: Vec<(String, String)>,
    rounding_modes: Vec<(String, String)>,
    organisations: Vec<(i64, String)>,
    rule_fields: &'static [(&'static str, &'static str, &'static str)],
}

/// The procedure's rules on the scheme's form: (field, label, hint).
const RULE_FIELDS: &[(&str, &str, &str)] = &[
    (
        "application_due",
        "交付申請の期限",
        "例: R8.4.30（過ぎると未申請の団体が受信箱に出ます）",
    ),
    ("report_due", "実績報告の期限", "例: R9.4.30（年度終了後）"),
    ("installment_months", "支払の月（概算払）", "例: 4,10（空欄なら一括払）"),
    (
        "tolerance_percent",
        "流用の許容（%）",
        "予算の行をこの割合まで超えて支出できます",
    ),
    (
        "carry_over_percent",
        "繰越・基金積立の上限（確定額の%）",
        "空欄なら繰越できません（残額は全額返還）",
    ),
];

impl SchemePage {
    fn value(&self, row: &usize, name: &str) -> &str {
        self.form.v(&format!("c{row}_{name}"))
    }

    fn error(&self, row: &usize, name: &str) -> Option<&str> {
        self.form.err(&format!("c{row}_{name}"))
    }

    fn is_staffed(&self, id: &i64) -> bool {
        self.form.v("staffed").split(',').any(|v| v.trim() == id.to_string())
    }
}

fn signed(n: i64) -> String {
    if n > 0 { format!("+{}", grouped(n)) } else { grouped(n) }
}

/// The page's table from a calculation.
fn rows_of(calc: &Calculation, staffed: &[i64]) -> Vec<RowView> {
    calc.allocations
        .iter()
        .map(|a| RowView {
            name: a.name.clone(),
            href: format!("/organisations/{}", a.organisation_id),
            population: formula_form::figure_text(Basis::Population, a.figures.population),
            households: formula_form::figure_text(Basis::Households, a.figures.households),
            parts: a.parts.iter().map(|p| grouped(p.yen)).collect(),
            adjustments: a
                .adjustments
                .iter()
                .map(|l| format!("{} {}", l.label, signed(l.yen)))
                .collect::<Vec<_>>()
                .join("／"),
            amount: grouped(a.amount),
            last_year: a.last_year.map(grouped).unwrap_or_default(),
            change: a.change().map(signed).unwrap_or_default(),
            staffed: staffed.contains(&a.organisation_id),
        })
        .collect()
}

fn derived_text(calc: &Calculation) -> Vec<String> {
    calc.derived_prices
        .iter()
        .map(|d| {
            let per = d.basis.map_or("1団体あたり", Basis::unit_label);
            format!(
                "{}: {} {}.{:02}円",
                d.component,
                per,
                grouped(d.centi_yen / 100),
                d.centi_yen % 100
            )
        })
        .collect()
}

/// An organisation's id by its code or name, for the per-organisation amounts.
async fn organisation_lookup(state: &AppState, municipality_id: i64) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(kyodo_store::organisations::all(&state.db, municipality_id)
        .await?
        .into_iter()
        .map(|o| (o.id, o.code, o.name))
        .collect())
}

/// The form's values for a saved scheme.
fn values_of(scheme: &GrantScheme, orgs: &[(i64, String, String)]) -> HashMap<String, String> {
    let code_of = |id: i64| {
        orgs.iter()
            .find(|(i, _, _)| *i == id)
            .map_or_else(|| format!("#{id}"), |(_, code, _)| code.clone())
    };
    let mut v = formula_form::values(&scheme.formula, &code_of);
    v.insert("fiscal_year".into(), scheme.fiscal_year.to_string());
    v.insert("name".into(), scheme.name.clone());
    v.insert("reference_date".into(), scheme.reference_date.to_string());
    v.insert("note".into(), scheme.note.clone().unwrap_or_default());
    v.insert(
        "staffed".into(),
        scheme
            .staffed
            .0
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
    );
    v.insert("version".into(), scheme.version.to_string());
    for (k, value) in scheme.rules.values() {
        v.insert(k.into(), value);
    }
    v
}

/// What the form holds: the scheme's facts, its formula, the staffed organisations.
struct Submitted {
    input: GrantSchemeInput,
    formula: Formula,
    staffed: Vec<i64>,
    rules: ProcedureRules,
}

fn parse_form(values: &HashMap<String, String>, orgs: &[(i64, String, String)]) -> Result<Submitted, FieldErrors> {
    let get = pages::form_getter(values);
    let lookup = |who: &str| {
        let who = kyodo_core::text::normalize_input(who);
        orgs.iter()
            .find(|(_, code, name)| *code == who || *name == who)
            .map(|(id, _, _)| *id)
    };
    let input = GrantSchemeInput::parse(&get);
    let formula = formula_form::parse(&get, &lookup);
    let mut rule_errors = FieldErrors::new();
    let rules = ProcedureRules::parse(&get, &mut rule_errors);
    let staffed: Vec<i64> = values
        .get("staffed")
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_default();
    match (input, formula) {
        (Ok(input), Ok(formula)) if rule_errors.is_empty() => Ok(Submitted {
            input,
            formula,
            staffed,
            rules,
        }),
        (input, formula) => {
            let mut errors = input.err().unwrap_or_default();
            errors.errors.extend(formula.err().unwrap_or_default().errors);
            errors.errors.extend(rule_errors.errors);
            Err(errors)
        }
    }
}

/// The calculation of `formula` for `scheme`'s recipients on its reference date.
async fn calculate(
    state: &AppState,
    caller: &Caller,
    scheme: &GrantScheme,
    formula: &Formula,
    staffed: &[i64],
) -> Result<Calculation, AppError> {
    Ok(store::calculate(&state.db, &caller.municipality.scheme, scheme, formula, staffed).await?)
}

/// The scheme's page: `form` is what to show in the form (the saved scheme,
/// or what was sent back), `shown` the calculation above it.
async fn scheme_view(
    state: &AppState,
    caller: &Caller,
    scheme: &GrantScheme,
    form: FormState,
    shown: (&Formula, &[i64]),
    simulated: bool,
    notice: Option<&str>,
) -> PageResult<Response> {
    let (formula, staffed) = shown;
    let calc = calculate(state, caller, scheme, formula, staffed).await?;
    let recipients: Vec<(i64, String)> = calc
        .allocations
        .iter()
        .map(|a| (a.organisation_id, a.name.clone()))
        .collect();
    let used = formula.components.len();
    let sent = (0..kyodo_core::grants::formula::MAX_COMPONENTS + BLANK_ROWS)
        .filter(|i| !form.v(&format!("c{i}_type")).is_empty())
        .max()
        .map_or(0, |m| m + 1);
    let rows = used.max(sent) + BLANK_ROWS;
    let budget = calc.budget_left().map(|left| {
        (
            yen(calc.budget_yen.unwrap_or_default()),
            if left >= 0 {
                format!("残り {}", yen(left))
            } else {
                format!("{} 超過", yen(-left))
            },
            left < 0,
        )
    });
    let status = if form.has_errors() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = SchemePage {
        layout: Layout::new(caller, title(scheme), BASE).with_notice(notice),
        heading: title(scheme),
        action: scheme_path(scheme.id),
        simulate_action: format!("{}/simulate", scheme_path(scheme.id)),
        xlsx_href: format!("{}/calculation.xlsx", scheme_path(scheme.id)),
        editable: caller.can(Action::GrantSchemeWrite),
        simulated,
        note: scheme.note.clone(),
        components: formula.components.iter().map(|c| c.name().to_owned()).collect(),
        rows: rows_of(&calc, staffed),
        total: grouped(calc.total),
        last_year_total: grouped(calc.last_year_total),
        budget,
        derived: derived_text(&calc),
        form,
        row_indices: (0..rows.min(kyodo_core::grants::formula::MAX_COMPONENTS)).collect(),
        row_types: pages::options(&ROW_TYPES, |(k, _)| (*k).to_owned(), |(_, l)| (*l).to_owned()),
        bases: pages::options(&Basis::ALL, |b| b.key().to_owned(), |b| b.figure_label().to_owned()),
        conditions: pages::options(&CONDITIONS, |(k, _)| (*k).to_owned(), |(_, l)| (*l).to_owned()),
        rounding_units: formula_form::rounding_units(),
        rounding_modes: kyodo_core::grants::formula::RoundingMode::ALL
            .iter()
            .map(|m| (m.key().to_owned(), m.label().to_owned()))
            .collect(),
        organisations: recipients,
        rule_fields: RULE_FIELDS,
    };
    Ok((status, pages::render(&page)).into_response())
}

pub async fn scheme_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    crate::api::PageQuery(q): crate::api::PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::GrantSchemeRead)?;
    let scheme = store::get(&state.db, caller.municipality.id, id).await?;
    let orgs = organisation_lookup(&state, caller.municipality.id).await?;
    let form = FormState::new(values_of(&scheme, &orgs));
    let notice = q.notice.as_deref();
    scheme_view(
        &state,
        &caller,
        &scheme,
        form,
        (&scheme.formula, &scheme.staffed.0),
        false,
        notice,
    )
    .await
}

/// 試算: the form's formula applied, nothing saved.
pub async fn simulate_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::GrantSchemeWrite)?;
    let scheme = store::get(&state.db, caller.municipality.id, id).await?;
    let orgs = organisation_lookup(&state, caller.municipality.id).await?;
    match parse_form(&form.0, &orgs) {
        Ok(sent) => {
            let f = FormState::new(form.0.clone());
            scheme_view(&state, &caller, &scheme, f, (&sent.formula, &sent.staffed), true, None).await
        }
        Err(errors) => {
            let mut f = FormState::new(form.0.clone());
            f.errors = errors;
            scheme_view(
                &state,
                &caller,
                &scheme,
                f,
                (&scheme.formula, &scheme.staffed.0),
                false,
                None,
            )
            .await
        }
    }
}

pub async fn save_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::GrantSchemeWrite)?;
    let scheme = store::get(&state.db, caller.municipality.id, id).await?;
    let orgs = organisation_lookup(&state, caller.municipality.id).await?;
    let version: i64 = form.0.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let result = match parse_form(&form.0, &orgs) {
        Ok(sent) => store::update(
            &state.db,
            &caller.actor(),
            id,
            version,
            SchemeContent {
                input: &sent.input,
                formula: &sent.formula,
                staffed: &sent.staffed,
                rules: &sent.rules,
            },
        )
        .await
        .map_err(AppError::from),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("{}?notice=saved", scheme_path(id))).into_response()),
        Err(AppError::Invalid(errors)) => {
            let mut f = FormState::new(form.0.clone());
            f.errors = errors;
            scheme_view(
                &state,
                &caller,
                &scheme,
                f,
                (&scheme.formula, &scheme.staffed.0),
                false,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The calculation as a worksheet: one line per organisation, a column per
/// component, then the adjustments, the amount, last year and the change.
pub fn calculation_sheet(formula: &Formula, calc: &Calculation) -> Sheet {
    let mut headers: Vec<String> = vec!["団体".into(), "人口".into(), "世帯数".into(), "面積（km²）".into()];
    headers.extend(formula.components.iter().map(|c| c.name().to_owned()));
    headers.extend(["調整".into(), "交付額".into(), "前年度".into(), "増減".into()]);
    let mut rows: Vec<Vec<XCell>> = calc
        .allocations
        .iter()
        .map(|a| {
            let mut row: Vec<XCell> = vec![
                a.name.clone().into(),
                a.figures.population.into(),
                a.figures.households.into(),
                kyodo_core::grants::figures::format_area(a.figures.area_centi_km2).into(),
            ];
            row.extend(a.parts.iter().map(|p| XCell::Integer(p.yen)));
            row.push(XCell::Integer(a.adjustments.iter().map(|l| l.yen).sum()));
            row.push(XCell::Integer(a.amount));
            row.push(a.last_year.map_or(XCell::Text(String::new()), XCell::Integer));
            row.push(a.change().map_or(XCell::Text(String::new()), XCell::Integer));
            row
        })
        .collect();
    let mut total: Vec<XCell> = vec!["合計".into(), "".into(), "".into(), "".into()];
    total.extend(formula.components.iter().enumerate().map(|(i, _)| {
        XCell::Integer(
            calc.allocations
                .iter()
                .filter_map(|a| a.parts.get(i))
                .map(|p| p.yen)
                .sum(),
        )
    }));
    total.push(XCell::Integer(
        calc.allocations
            .iter()
            .flat_map(|a| &a.adjustments)
            .map(|l| l.yen)
            .sum(),
    ));
    total.push(XCell::Integer(calc.total));
    total.push(XCell::Integer(calc.last_year_total));
    total.push(XCell::Integer(calc.total - calc.last_year_total));
    rows.push(total);
    Sheet {
        name: "算定".into(),
        headers,
        rows,
    }
}

pub async fn xlsx_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    caller.require(Action::GrantSchemeRead)?;
    let scheme = store::get(&state.db, caller.municipality.id, id).await?;
    let calc = calculate(&state, &caller, &scheme, &scheme.formula, &scheme.staffed.0).await?;
    let bytes = xlsx::workbook(vec![calculation_sheet(&scheme.formula, &calc)])?;
    Ok(xlsx::attachment(
        bytes,
        &format!("grant-{}-{}.xlsx", scheme.fiscal_year, scheme.id),
    ))
}

// --- API ---

/// A grant scheme as sent: the whole of it, formula included.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantSchemeBody {
    /// 年度 (the year April begins).
    #[schema(minimum = 1900, maximum = 2199)]
    pub fiscal_year: i32,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// 基準日 of the figures.
    pub reference_date: ApiDate,
    pub formula: Formula,
    /// Organisations employing office staff this year.
    #[serde(default)]
    pub staffed: Vec<i64>,
    /// The procedure's rules; left out: the preset (4月30日, 4月と10月, 20%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RulesBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for GrantSchemeBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::GrantSchemeWrite
    }
}

/// The procedure's rules as sent (see [`ProcedureRules`]).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesBody {
    /// 交付申請の期限.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_due: Option<ApiDate>,
    /// 実績報告の期限.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_due: Option<ApiDate>,
    /// The months of the 概算払 installments, April first; none: 一括.
    #[serde(default)]
    #[schema(max_items = 12)]
    pub installment_months: Vec<u32>,
    /// 流用: how far (%) spending may pass a budget line.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub tolerance_percent: i64,
    /// 繰越・基金積立: the share (%) of the fixed amount that may be carried over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub carry_over_percent: Option<i64>,
}

impl From<RulesBody> for ProcedureRules {
    fn from(body: RulesBody) -> Self {
        ProcedureRules {
            application_due: body.application_due.map(|d| d.0),
            report_due: body.report_due.map(|d| d.0),
            installment_months: body.installment_months,
            tolerance_percent: body.tolerance_percent,
            carry_over_percent: body.carry_over_percent,
        }
    }
}

/// A change to a scheme: the whole of it, with the version it was read at.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantSchemeUpdate {
    pub version: i64,
    #[schema(minimum = 1900, maximum = 2199)]
    pub fiscal_year: i32,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub reference_date: ApiDate,
    pub formula: Formula,
    #[serde(default)]
    pub staffed: Vec<i64>,
    /// Left out: the rules stay as they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RulesBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for GrantSchemeUpdate {
    fn action(_: &serde_json::Value) -> Action {
        Action::GrantSchemeWrite
    }
}

/// What to simulate: another formula or staffed list than the saved one.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<Formula>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staffed: Option<Vec<i64>>,
}

impl crate::api::ApiBody for SimulationBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::GrantSchemeRead
    }
}

/// The scheme's facts from a body (the formula comes typed already).
fn input_of(body: &impl serde::Serialize) -> Result<GrantSchemeInput, AppError> {
    let fields = crate::api::fields_of(body);
    GrantSchemeInput::parse(&|k| fields.get(k).cloned()).map_err(AppError::Invalid)
}

#[utoipa::path(get, path = "/grant-schemes", tag = "grants",
    responses((status = 200, body = [GrantScheme])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<GrantScheme>>> {
    caller.require(Action::GrantSchemeRead)?;
    Ok(Json(store::list(&state.db, caller.municipality.id).await?))
}

#[utoipa::path(post, path = "/grant-schemes", tag = "grants", request_body = GrantSchemeBody,
    responses((status = 201, body = GrantScheme)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<GrantSchemeBody>,
) -> ApiResult<(StatusCode, Json<GrantScheme>)> {
    let input = input_of(&body)?;
    let rules = body
        .rules
        .clone()
        .map_or_else(|| ProcedureRules::preset(input.fiscal_year), ProcedureRules::from);
    let created = store::create(
        &state.db,
        &caller.actor(),
        SchemeContent {
            input: &input,
            formula: &body.formula,
            staffed: &body.staffed,
            rules: &rules,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/grant-schemes/{id}", tag = "grants",
    params(("id" = i64, Path, description = "交付金の番号")),
    responses((status = 200, body = GrantScheme)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<GrantScheme>> {
    caller.require(Action::GrantSchemeRead)?;
    Ok(Json(store::get(&state.db, caller.municipality.id, id).await?))
}

#[utoipa::path(patch, path = "/grant-schemes/{id}", tag = "grants",
    params(("id" = i64, Path, description = "交付金の番号")), request_body = GrantSchemeUpdate,
    responses((status = 200, body = GrantScheme)))]
pub async fn update_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GrantSchemeUpdate>,
) -> ApiResult<Json<GrantScheme>> {
    let input = input_of(&body)?;
    let rules = match &body.rules {
        Some(rules) => ProcedureRules::from(rules.clone()),
        None => store::get(&state.db, caller.municipality.id, id).await?.rules,
    };
    Ok(Json(
        store::update(
            &state.db,
            &caller.actor(),
            id,
            body.version,
            SchemeContent {
                input: &input,
                formula: &body.formula,
                staffed: &body.staffed,
                rules: &rules,
            },
        )
        .await?,
    ))
}

/// Every organisation's amount under the saved formula, or under the one
/// sent (nothing is saved): this year against last, the total against the budget.
#[utoipa::path(post, path = "/grant-schemes/{id}/simulate", tag = "grants",
    params(("id" = i64, Path, description = "交付金の番号")), request_body = SimulationBody,
    responses((status = 200, body = Calculation)))]
pub async fn simulate_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SimulationBody>,
) -> ApiResult<Json<Calculation>> {
    let scheme = store::get(&state.db, caller.municipality.id, id).await?;
    let formula = body.formula.unwrap_or_else(|| scheme.formula.clone());
    formula.check().map_err(AppError::Invalid)?;
    let staffed = body.staffed.unwrap_or_else(|| scheme.staffed.0.clone());
    Ok(Json(calculate(&state, &caller, &scheme, &formula, &staffed).await?))
}

/// On an organisation's page: this 年度's amount under each scheme that
/// reaches it, line by line, for those who read the schemes.
pub async fn organisation_sections(
    state: &AppState,
    caller: &Caller,
    organisation_id: i64,
) -> Result<Vec<pages::Section>, AppError> {
    if !caller.can(Action::GrantSchemeRead) {
        return Ok(Vec::new());
    }
    let fy = kyodo_core::wareki::fiscal_year(caller.today);
    let mut sections = Vec::new();
    for scheme in store::list(&state.db, caller.municipality.id)
        .await?
        .into_iter()
        .filter(|s| s.fiscal_year == fy)
    {
        let calc = calculate(state, caller, &scheme, &scheme.formula, &scheme.staffed.0).await?;
        let Some(mine) = calc.allocations.iter().find(|a| a.organisation_id == organisation_id) else {
            continue;
        };
        let line = |label: String, text: String| (vec![pages::Cell::text(label), pages::Cell::text(text)], None);
        let mut rows: Vec<_> = mine
            .parts
            .iter()
            .filter(|p| p.yen != 0)
            .chain(&mine.adjustments)
            .map(|l| line(l.label.clone(), format!("{}円", grouped(l.yen))))
            .collect();
        rows.push((
            vec![
                pages::Cell::link("交付額（算定）", scheme_path(scheme.id)),
                pages::Cell::text(yen(mine.amount)),
            ],
            None,
        ));
        if let Some(last) = mine.last_year {
            rows.push(line(
                "前年度".into(),
                format!("{}（{}）", yen(last), signed(mine.amount - last)),
            ));
        }
        sections.push(pages::Section {
            title: format!("{}（算定）", title(&scheme)),
            personal: false,
            columns: vec!["項目", "金額"],
            rows,
            empty: "",
            form: None,
        });
    }
    Ok(sections)
}
