//! An organisation's grant for a 年度 on its page and in the API: the
//! steps from 交付申請 to 精算, the ledger (決定額・支払済み・残り), the
//! 収支予算書 beside the expenses, and the notices the city files.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::grants::grant::{GrantRow, GrantStep, StepInput};
use kyodo_core::grants::procedure::{GrantAction, Side, StatementLine};
use kyodo_core::grants::rules::{NextDue, next_due};
use kyodo_core::grants::schemes::GrantScheme;
use kyodo_core::permissions::Action;
use kyodo_core::validation::FieldErrors;
use kyodo_store::grants::procedure as store;

use super::expenses;
use super::{BASE, yen};
use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Carried, Cell, FieldKind, FieldSpec, InlineForm, Item, Section};

pub(super) fn grant_path(id: i64) -> String {
    format!("{BASE}/{id}")
}

fn opt_yen(n: Option<i64>) -> String {
    n.map(yen).unwrap_or_default()
}

/// Which form of the grant's page a failed submission goes back to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Step,
    Expense,
}

/// The permission a step needs: the body's steps, or the city's.
fn permission(action: GrantAction) -> Action {
    match action.side() {
        Side::Body => Action::GrantApply,
        Side::City => Action::GrantDecide,
    }
}

/// The grant, when the caller reaches its organisation for `action`.
pub(super) async fn reachable(
    state: &AppState,
    caller: &Caller,
    action: Action,
    id: i64,
) -> Result<GrantRow, AppError> {
    caller.require(action)?;
    let row = store::get(&state.db, caller.municipality.id, id).await?;
    if caller.reaches_organisation(action, row.grant.organisation_id, row.area_id) {
        Ok(row)
    } else {
        Err(AppError::Forbidden)
    }
}

fn reaches(caller: &Caller, row: &GrantRow, action: Action) -> bool {
    caller.reaches_organisation(action, row.grant.organisation_id, row.area_id)
}

/// The steps the caller may take now.
fn open_steps(caller: &Caller, row: &GrantRow) -> Vec<GrantAction> {
    GrantAction::ALL
        .iter()
        .copied()
        .filter(|a| a.allowed_from(row.grant.status))
        .filter(|a| reaches(caller, row, permission(*a)))
        .collect()
}

fn next_text(next: Option<&NextDue>) -> String {
    match next {
        None => String::new(),
        Some(n) => match n.due {
            Some(d) if n.overdue => format!("{}（期限 {} を過ぎています）", n.what, pages::date_ja(&d)),
            Some(d) => format!("{}（期限 {}）", n.what, pages::date_ja(&d)),
            None => n.what.clone(),
        },
    }
}

/// The grant's steps as the history shows them, 変更決定 named as such.
fn step_rows(id: i64, steps: &[GrantStep]) -> Vec<(Vec<Cell>, Option<pages::ActionButton>)> {
    let mut decided_before = false;
    steps
        .iter()
        .map(|s| {
            let label = s.label(!decided_before);
            if s.action == GrantAction::Decide {
                decided_before = true;
            }
            let mut text = pages::opt(&s.note);
            if let Some(d) = s.due {
                text = format!("{text}　返還期限 {}", pages::date_ja(&d));
            }
            if !s.budget.0.is_empty() {
                text = format!("{text}　収支予算書 {}行", s.budget.0.len());
            }
            let form = (!matches!(
                s.action,
                GrantAction::Return | GrantAction::Pay | GrantAction::Refund | GrantAction::CarryOver
            ))
            .then(|| Cell::link("印刷", format!("{}/steps/{}/form", grant_path(id), s.id)));
            (
                vec![
                    Cell::text(pages::date_ja(&s.on_date)),
                    Cell::text(label),
                    Cell::text(opt_yen(s.amount)),
                    Cell::text(pages::opt(&s.number)),
                    Cell::text(text.trim().to_owned()),
                    Cell::text(pages::opt(&s.actor_name)),
                    form.unwrap_or_else(|| Cell::text("")),
                ],
                None,
            )
        })
        .collect()
}

fn step_form(caller: &Caller, row: &GrantRow, carried: &mut Option<Carried<Part>>) -> Option<InlineForm> {
    let steps = open_steps(caller, row);
    if steps.is_empty() {
        return None;
    }
    let options = steps
        .iter()
        .map(|a| (a.key().to_owned(), a.label().to_owned()))
        .collect();
    let mut form = Carried::take(carried, Part::Step);
    if form.values.is_empty() {
        form.values.insert("version".into(), row.grant.version.to_string());
    }
    Some(InlineForm {
        action: format!("{}/transitions", grant_path(row.grant.id)),
        fields: vec![
            FieldSpec::select("action", "手続", options).required(),
            FieldSpec::date("on", "日付").hint("申請日・決定日・支払日など（空欄なら今日）"),
            FieldSpec::text("amount", "金額（円）")
                .hint("交付申請は空欄で年度計画の交付金の計。決定額・請求額・支払額・確定額・返還額・繰越額"),
            FieldSpec::text("number", "番号").hint("交付決定は通知番号、支払は支出命令番号"),
            FieldSpec::text("note", "内容")
                .kind(FieldKind::Textarea)
                .hint("差戻しの理由、交付の条件、変更の理由、実績報告の事業報告"),
            FieldSpec::date("due", "返還期限").hint("額の確定で返還が出るとき（空欄なら30日後）"),
            FieldSpec::text("version", "版").kind(FieldKind::Hidden),
        ],
        form,
        submit_label: "手続を記録する",
    })
}

fn statement_section(lines: &[StatementLine], decided: bool) -> Section {
    let rows = lines
        .iter()
        .map(|l| {
            (
                vec![
                    Cell::text(l.project.clone()),
                    Cell::text(l.item.label()),
                    Cell::text(yen(l.budget)),
                    Cell::text(yen(l.spent)),
                    Cell::text(yen(l.budget - l.spent)),
                ],
                None,
            )
        })
        .collect();
    Section {
        title: if decided {
            "収支の状況（事業・費目ごと）".into()
        } else {
            "収支予算書（議決された年度計画の交付金の行）".into()
        },
        personal: false,
        columns: vec!["事業", "費目", "予算", "支出", "残り"],
        rows,
        empty: "年度計画に交付金を財源とする予算がありません。年度計画の事業に財源「交付金」の予算を入れてください",
        form: None,
    }
}

/// The 収支 by project and 費目: the budget decided on beside the expenses;
/// before a decision, the adopted plan's 交付金 lines (what an application
/// would be made with).
fn statement_of(
    row: &GrantRow,
    steps: &[GrantStep],
    plan: Option<&kyodo_store::grants::procedure::PlanBudget>,
    spent: &[kyodo_core::grants::grant::Expense],
) -> Vec<StatementLine> {
    let budget = if row.grant.decided.is_some() {
        store::budget_in_force(steps)
    } else {
        plan.map(|p| p.lines.clone()).unwrap_or_default()
    };
    let name_of = |pid: i64| {
        plan.and_then(|p| p.projects.iter().find(|(x, _)| *x == pid))
            .map_or_else(|| format!("事業{pid}"), |(_, n)| n.clone())
    };
    kyodo_core::grants::grant::statement(&budget, spent, &name_of)
}

async fn scheme_of(state: &AppState, caller: &Caller, row: &GrantRow) -> Result<GrantScheme, AppError> {
    Ok(kyodo_store::grants::schemes::get(&state.db, caller.municipality.id, row.grant.scheme_id).await?)
}

/// A grant with all its page and `GET /grants/{id}` show: its scheme,
/// steps, expenses, the adopted plan's budget, and the 収支 from them.
struct Loaded {
    row: GrantRow,
    scheme: GrantScheme,
    steps: Vec<GrantStep>,
    spent: Vec<kyodo_core::grants::grant::Expense>,
    plan: Option<kyodo_store::grants::procedure::PlanBudget>,
    statement: Vec<StatementLine>,
}

async fn load(state: &AppState, caller: &Caller, id: i64) -> Result<Loaded, AppError> {
    let row = reachable(state, caller, Action::GrantRead, id).await?;
    let muni = caller.municipality.id;
    let scheme = scheme_of(state, caller, &row).await?;
    let steps = store::steps(&state.db, muni, id).await?;
    let spent = kyodo_store::grants::expenses::list(&state.db, muni, id).await?;
    let plan = store::plan_budget(&state.db, muni, row.grant.organisation_id, row.grant.fiscal_year).await?;
    let statement = statement_of(&row, &steps, plan.as_ref(), &spent);
    Ok(Loaded {
        row,
        scheme,
        steps,
        spent,
        plan,
        statement,
    })
}

/// The grant's page; `carried` brings a failed submission back to its form.
pub(super) async fn grant_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    notice: Option<&str>,
    mut carried: Option<Carried<Part>>,
) -> PageResult<Response> {
    let Loaded {
        row,
        scheme,
        steps,
        spent,
        plan,
        statement: lines,
    } = load(state, caller, id).await?;
    let g = &row.grant;
    let decided = g.decided.is_some();
    let next = next_due(g.status, &scheme.rules, caller.today);
    let schedule: Vec<String> = scheme
        .rules
        .installments(g.decided.unwrap_or(0))
        .iter()
        .map(|(m, a)| format!("{m}月 {}", yen(*a)))
        .collect();
    let mut items = vec![
        Item::link(
            "団体",
            row.organisation_name.clone(),
            Some(format!("/organisations/{}", g.organisation_id)),
        ),
        Item::link(
            "交付金",
            scheme.name.clone(),
            caller
                .can(Action::GrantSchemeRead)
                .then(|| format!("{BASE}/schemes/{}", scheme.id)),
        ),
        Item::new("状況", g.status.label()),
        Item::new(
            "算定額（交付の上限）",
            opt_yen(calculated(state, caller, &row, &scheme).await?),
        ),
        Item::new("申請額", opt_yen(g.requested)),
        Item::new("交付決定額", opt_yen(g.decided)),
        Item::new("支払済み", yen(g.paid)),
        Item::new("支払の残り", yen(g.payable_left())),
        Item::new(
            "支払の方法",
            if decided {
                format!("{}：{}", scheme.rules.payment_text(), schedule.join("・"))
            } else {
                scheme.rules.payment_text()
            },
        ),
        Item::new("確定額", opt_yen(g.fixed)),
    ];
    if g.fixed.is_some() {
        items.push(Item::new(
            "返還",
            match (g.owed(), g.refund_due) {
                (0, _) => format!("なし（返還済み {}、繰越 {}）", yen(g.refunded), yen(g.carried)),
                (owed, Some(due)) => format!("{}（期限 {}）", yen(owed), pages::date_ja(&due)),
                (owed, None) => yen(owed),
            },
        ));
    }
    items.push(Item::new("次の提出", next_text(next.as_ref())));
    if let Some(p) = &plan {
        items.push(Item::link(
            "年度計画",
            "議決された年度計画（予算の助言はこちらへ）",
            Some(format!("/plans/{}", p.plan_id)),
        ));
    } else {
        items.push(Item::new("年度計画", "議決された年度計画がまだありません"));
    }
    let mut sections = vec![Section {
        title: "手続の記録".into(),
        personal: false,
        columns: vec!["日", "手続", "金額", "番号", "内容", "記録者", "様式"],
        rows: step_rows(id, &steps),
        empty: "手続はまだありません。議決された年度計画をもとに交付申請をします",
        form: step_form(caller, &row, &mut carried),
    }];
    sections.push(statement_section(&lines, decided));
    sections.push(expenses::section(caller, &row, plan.as_ref(), &spent, &mut carried));
    let heading = format!(
        "{} {}",
        kyodo_core::wareki::format_fiscal_year(g.fiscal_year),
        row.organisation_name
    );
    let page = pages::DetailPage {
        layout: pages::Layout::new(caller, format!("{heading} 交付金"), BASE).with_notice(notice),
        heading,
        back_href: if caller.can(Action::GrantDecide) {
            format!("{BASE}/overview?fiscal_year={}", g.fiscal_year)
        } else {
            format!("/organisations/{}", g.organisation_id)
        },
        back_label: "交付金",
        archived: false,
        items,
        edit_href: None,
        edit_label: "",
        buttons: Vec::new(),
        sections,
    };
    Ok(page.response())
}

pub async fn grant_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    axum::extract::Query(q): axum::extract::Query<pages::NoticeQuery>,
) -> PageResult<Response> {
    grant_view(&state, &caller, id, q.notice.as_deref(), None).await
}

/// After a form on the grant's page: back to it, or the page again with the
/// form, its input and the messages.
pub(super) async fn done(
    state: &AppState,
    caller: &Caller,
    id: i64,
    part: Part,
    form: FormFields,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    let errors = match result {
        Ok(()) => return Ok(Redirect::to(&format!("{}?notice=saved", grant_path(id))).into_response()),
        Err(AppError::Refused(message)) => FieldErrors::single(
            match part {
                Part::Step => "action",
                Part::Expense => "spent_on",
            },
            message,
        ),
        Err(AppError::Invalid(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    let mut f = pages::FormState::new(form.0);
    f.errors = errors;
    grant_view(state, caller, id, None, Some(Carried { part, form: f })).await
}

/// Takes a step: the body's need [`Action::GrantApply`], the city's
/// [`Action::GrantDecide`], each within the caller's reach. An application
/// is held to the body's 算定額 under the scheme's formula.
async fn act(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    input: &StepInput,
) -> Result<GrantRow, AppError> {
    let row = reachable(state, caller, permission(input.action), id).await?;
    let ceiling = if matches!(input.action, GrantAction::Apply | GrantAction::Change) {
        let scheme = scheme_of(state, caller, &row).await?;
        calculated(state, caller, &row, &scheme).await?
    } else {
        None
    };
    let taken = store::Taken {
        on: input.on.unwrap_or(caller.today),
        expected: version,
        ceiling,
    };
    Ok(store::act(
        &state.db,
        &caller.actor(),
        &caller.municipality.scheme,
        id,
        input,
        taken,
    )
    .await?)
}

/// The body's amount under its scheme's formula (算定額), if it is a recipient.
async fn calculated(
    state: &AppState,
    caller: &Caller,
    row: &GrantRow,
    scheme: &GrantScheme,
) -> Result<Option<i64>, AppError> {
    let calc = kyodo_store::grants::schemes::calculate(
        &state.db,
        &caller.municipality.scheme,
        scheme,
        &scheme.formula,
        &scheme.staffed.0,
    )
    .await?;
    Ok(calc
        .allocations
        .iter()
        .find(|a| a.organisation_id == row.grant.organisation_id)
        .map(|a| a.amount))
}

pub async fn transition_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    // A step the caller's role may not take is a 403 before their input is judged.
    let wanted = form
        .0
        .get("action")
        .and_then(|a| GrantAction::parse(a))
        .map_or(Action::GrantRead, permission);
    caller.require(wanted)?;
    let version = form.0.get("version").and_then(|v| v.trim().parse().ok());
    let result = async {
        let input = StepInput::parse(&pages::form_getter(&form.0))?;
        act(&state, &caller, id, version, &input).await.map(|_| ())
    }
    .await;
    done(&state, &caller, id, Part::Step, form, result).await
}

/// Opens the grant of a body for a 年度 from its page, then shows it.
pub async fn open_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::GrantApply)?;
    let organisation_id = form.0.get("organisation_id").and_then(|v| v.trim().parse::<i64>().ok());
    let fiscal_year = form
        .0
        .get("fiscal_year")
        .and_then(|y| kyodo_core::wareki::parse_fiscal_year(y.trim()));
    let (Some(organisation_id), Some(fiscal_year)) = (organisation_id, fiscal_year) else {
        return Err(AppError::BadRequest("団体と年度を指定してください".into()).into());
    };
    let row = open(&state, &caller, organisation_id, fiscal_year).await?;
    Ok(Redirect::to(&grant_path(row.grant.id)).into_response())
}

async fn open(state: &AppState, caller: &Caller, organisation_id: i64, fiscal_year: i32) -> Result<GrantRow, AppError> {
    // The body is named in the request, not the path: one that does not
    // exist is a fault of that field.
    match crate::organisations::reachable(state, caller, Action::GrantApply, organisation_id).await {
        Err(AppError::NotFound) => {
            return Err(AppError::Invalid(FieldErrors::single(
                "organisation_id",
                "団体が見つかりません",
            )));
        }
        other => other?,
    };
    Ok(store::open(
        &state.db,
        &caller.actor(),
        &caller.municipality.scheme,
        organisation_id,
        fiscal_year,
    )
    .await?)
}

// --- the forms (様式) ---

#[derive(Template)]
#[template(path = "grant_notice.html")]
struct FormPage {
    layout: pages::Layout,
    back_href: String,
    title: String,
    lead: String,
    number: String,
    date: String,
    /// To whom and from whom: the city writes to the body, the body to the city's mayor.
    to: String,
    from: String,
    lines: Vec<(&'static str, String)>,
    /// The 収支予算書 or 収支決算書: (事業, 費目, columns…), with its headings.
    table_heading: Vec<&'static str>,
    table: Vec<Vec<String>>,
    note_heading: &'static str,
    note: Option<String>,
    /// The 年度計画's projects as the 事業報告 shows them: (事業, 状況, 実績).
    progress: Vec<(String, &'static str, String)>,
}

/// The form a step is filed with (A4, 和暦): the body's 交付申請書,
/// 変更交付申請書, 請求書 and 実績報告書; the city's 交付決定通知書,
/// 変更交付決定通知書 and 額の確定通知書.
pub async fn form_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, step_id)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    let row = reachable(&state, &caller, Action::GrantRead, id).await?;
    let steps = store::steps(&state.db, caller.municipality.id, id).await?;
    let Some(at) = steps.iter().position(|s| s.id == step_id) else {
        return Err(AppError::NotFound.into());
    };
    let step = &steps[at];
    let first = !steps[..at].iter().any(|s| s.action == GrantAction::Decide);
    let scheme = scheme_of(&state, &caller, &row).await?;
    let fy = kyodo_core::wareki::format_fiscal_year(row.grant.fiscal_year);
    let grant_name = format!("{fy}{}", scheme.name);
    let applied = steps[..at]
        .iter()
        .rev()
        .find(|s| matches!(s.action, GrantAction::Apply | GrantAction::Change | GrantAction::Report));
    let applied_text = applied.map_or_else(String::new, |s| format!("{}付けで", pages::date_ja(&s.on_date)));
    let amount = step.amount.unwrap_or(0);
    let mayor = format!("{}長　様", caller.municipality.name);
    let body = row.organisation_name.clone();
    let city = format!(
        "{}長（{}）",
        caller.municipality.name, caller.municipality.scheme.coordinating_section
    );
    let budget_rows = |lines: &[kyodo_core::grants::grant::GrantBudgetLine]| {
        let mut rows: Vec<Vec<String>> = lines
            .iter()
            .map(|l| vec![l.project.clone(), l.item.label().to_owned(), yen(l.amount)])
            .collect();
        rows.push(vec![
            "計".into(),
            String::new(),
            yen(lines.iter().map(|l| l.amount).sum()),
        ]);
        rows
    };
    let mut page = FormPage {
        layout: pages::Layout::new(&caller, String::new(), BASE),
        back_href: grant_path(id),
        title: String::new(),
        lead: String::new(),
        number: pages::opt(&step.number),
        date: pages::date_ja(&step.on_date),
        to: format!("{body}　様"),
        from: city.clone(),
        lines: Vec::new(),
        table_heading: Vec::new(),
        table: Vec::new(),
        note_heading: "",
        note: None,
        progress: Vec::new(),
    };
    match step.action {
        GrantAction::Apply | GrantAction::Change => {
            let change = step.action == GrantAction::Change;
            page.title = format!(
                "{grant_name}{}",
                if change {
                    "変更交付申請書"
                } else {
                    "交付申請書"
                }
            );
            page.lead = format!(
                "{grant_name}の{}を受けたいので、関係書類を添えて申請します。",
                if change {
                    "交付決定の内容の変更"
                } else {
                    "交付"
                }
            );
            page.to = mayor;
            page.from = body;
            page.lines = vec![("申請額", yen(amount)), ("事業", format!("{fy}の年度計画に定める事業"))];
            page.table_heading = vec!["事業", "費目", "交付金の予算"];
            page.table = budget_rows(&step.budget.0);
            page.note_heading = if change { "変更の理由" } else { "備考" };
            page.note = step.note.clone();
        }
        GrantAction::RequestPayment => {
            page.title = format!("{grant_name}請求書");
            page.lead = format!("{grant_name}として、下記のとおり請求します。");
            page.to = mayor;
            page.from = body;
            page.lines = vec![
                ("請求額", yen(amount)),
                ("交付決定額", opt_yen(row.grant.decided)),
                ("支払の方法", scheme.rules.payment_text()),
            ];
        }
        GrantAction::Report => {
            page.title = format!("{grant_name}実績報告書");
            page.lead = format!("{grant_name}に係る事業が完了したので、関係書類を添えて報告します。");
            page.to = mayor;
            page.from = body;
            let spent: i64 = step.statement.0.iter().map(|l| l.spent).sum();
            page.lines = vec![("交付決定額", opt_yen(row.grant.decided)), ("支出額", yen(spent))];
            page.table_heading = vec!["事業", "費目", "予算", "決算", "差引"];
            page.table = step
                .statement
                .0
                .iter()
                .map(|l| {
                    vec![
                        l.project.clone(),
                        l.item.label().to_owned(),
                        yen(l.budget),
                        yen(l.spent),
                        yen(l.budget - l.spent),
                    ]
                })
                .collect();
            page.note_heading = "事業報告";
            page.note = step.note.clone();
            // The plan's progress, as the body keeps it on its 年度計画.
            let muni = caller.municipality.id;
            if let Some(plan) =
                store::plan_budget(&state.db, muni, row.grant.organisation_id, row.grant.fiscal_year).await?
            {
                page.progress = kyodo_store::plans::projects(&state.db, muni, plan.plan_id)
                    .await?
                    .into_iter()
                    .map(|p| {
                        let participants = p.participants.map(|n| format!("（参加 {n}人）")).unwrap_or_default();
                        (
                            p.name,
                            p.status.label(),
                            format!("{}{participants}", p.outcome.unwrap_or_default()),
                        )
                    })
                    .collect();
            }
        }
        GrantAction::Decide if first => {
            page.title = format!("{grant_name}交付決定通知書");
            page.lead = format!(
                "{applied_text}申請のあった{grant_name}について、下記のとおり交付することに決定したので通知します。"
            );
            page.lines = vec![
                ("交付決定額", yen(amount)),
                ("交付の対象", format!("{fy}の年度計画に定める事業")),
                ("支払の方法", scheme.rules.payment_text()),
                (
                    "実績報告の期限",
                    scheme.rules.report_due.map(|d| pages::date_ja(&d)).unwrap_or_default(),
                ),
            ];
            page.note_heading = "交付の条件";
            page.note = step.note.clone();
        }
        GrantAction::Decide => {
            page.title = format!("{grant_name}変更交付決定通知書");
            page.lead = format!(
                "{applied_text}変更申請のあった{grant_name}について、下記のとおり変更して交付することに決定したので通知します。"
            );
            page.lines = vec![("変更後の交付決定額", yen(amount))];
            page.note_heading = "交付の条件";
            page.note = step.note.clone();
        }
        GrantAction::Fix => {
            let paid = row.grant.paid;
            page.title = format!("{grant_name}の額の確定通知書");
            page.lead = format!(
                "{applied_text}実績報告のあった{grant_name}について、下記のとおり交付すべき額を確定したので通知します。"
            );
            page.lines = vec![
                ("交付決定額", opt_yen(row.grant.decided)),
                ("交付額の確定額", yen(amount)),
                ("既に交付した額", yen(paid)),
            ];
            if paid > amount {
                page.lines
                    .push(("返還を要する額（繰越・基金積立の分を含む）", yen(paid - amount)));
                if let Some(d) = step.due {
                    page.lines.push(("返還期限", pages::date_ja(&d)));
                }
            } else if amount > paid {
                page.lines.push(("追加で交付する額", yen(amount - paid)));
            }
        }
        _ => return Err(AppError::NotFound.into()),
    }
    page.layout = pages::Layout::new(&caller, page.title.clone(), BASE);
    Ok(pages::render(&page).into_response())
}

/// On an organisation's page: its grants by 年度, what it must hand in next,
/// and — for a body that may apply this 年度 — the way to begin.
pub async fn organisation_section(
    state: &AppState,
    caller: &Caller,
    organisation: &kyodo_core::organisations::Organisation,
) -> Result<Option<Section>, AppError> {
    if !caller.reaches_organisation(Action::GrantRead, organisation.id, organisation.area_id) {
        return Ok(None);
    }
    let muni = caller.municipality.id;
    let grants = store::for_organisation(&state.db, muni, organisation.id).await?;
    let settings = &caller.municipality.scheme;
    if grants.is_empty() && settings.area_body_kind.as_deref() != Some(organisation.kind.as_str()) {
        return Ok(None);
    }
    let fy = kyodo_core::wareki::fiscal_year(caller.today);
    let schemes = kyodo_store::grants::schemes::list(&state.db, muni).await?;
    let rules_of = |scheme_id: i64| schemes.iter().find(|s| s.id == scheme_id).map(|s| s.rules.clone());
    let rows = grants
        .iter()
        .map(|r| {
            let g = &r.grant;
            let next = rules_of(g.scheme_id).and_then(|rules| next_due(g.status, &rules, caller.today));
            (
                vec![
                    Cell::link(kyodo_core::wareki::format_fiscal_year(g.fiscal_year), grant_path(g.id)),
                    Cell::text(g.status.label()),
                    Cell::text(opt_yen(g.decided)),
                    Cell::text(yen(g.paid)),
                    Cell::text(opt_yen(g.fixed)),
                    Cell::text(next_text(next.as_ref())),
                ],
                None,
            )
        })
        .collect();
    let may_open = !grants.iter().any(|r| r.grant.fiscal_year == fy)
        && schemes.iter().any(|s| s.fiscal_year == fy)
        && caller.reaches_organisation(Action::GrantApply, organisation.id, organisation.area_id)
        && (!settings.recognition || organisation.recognised());
    let mut form = pages::FormState::default();
    form.values
        .insert("organisation_id".into(), organisation.id.to_string());
    form.values.insert("fiscal_year".into(), fy.to_string());
    Ok(Some(Section {
        title: "一括交付金".into(),
        personal: false,
        columns: vec!["年度", "状況", "交付決定額", "支払済み", "確定額", "次の提出"],
        rows,
        empty: if settings.recognition && !organisation.recognised() {
            "一括交付金は市の認可を受けると申請できます"
        } else {
            "交付金の記録はまだありません"
        },
        form: may_open.then(|| InlineForm {
            action: BASE.to_owned(),
            fields: vec![
                FieldSpec::text("organisation_id", "団体").kind(FieldKind::Hidden),
                FieldSpec::text("fiscal_year", "年度").kind(FieldKind::Hidden),
            ],
            form,
            submit_label: "今年度の交付申請を始める",
        }),
    }))
}

// --- API ---

/// What `GET /grants` filters by.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GrantsQuery {
    /// 年度 (the year April begins); this 年度 when left out.
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
    /// One organisation's grants of every 年度.
    pub organisation_id: Option<i64>,
}

#[utoipa::path(get, path = "/grants", tag = "grants", params(GrantsQuery),
    responses((status = 200, body = [GrantRow])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    crate::api::ApiQuery(q): crate::api::ApiQuery<GrantsQuery>,
) -> ApiResult<Json<Vec<GrantRow>>> {
    caller.require(Action::GrantRead)?;
    let muni = caller.municipality.id;
    let rows = match q.organisation_id {
        Some(org) => store::for_organisation(&state.db, muni, org).await?,
        None => {
            let fy = q
                .fiscal_year
                .unwrap_or_else(|| kyodo_core::wareki::fiscal_year(caller.today));
            store::year(&state.db, muni, fy).await?
        }
    };
    Ok(Json(
        rows.into_iter()
            .filter(|r| reaches(&caller, r, Action::GrantRead))
            .filter(|r| q.fiscal_year.is_none_or(|fy| r.grant.fiscal_year == fy))
            .collect(),
    ))
}

/// Opens a body's grant for a 年度 (未申請): only a 認可 body, once a 年度.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantOpenBody {
    pub organisation_id: i64,
    #[schema(minimum = 1900, maximum = 2199)]
    pub fiscal_year: i32,
}

impl crate::api::ApiBody for GrantOpenBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::GrantApply
    }
}

#[utoipa::path(post, path = "/grants", tag = "grants", request_body = GrantOpenBody,
    responses((status = 201, body = GrantRow)))]
pub async fn open_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<GrantOpenBody>,
) -> ApiResult<(StatusCode, Json<GrantRow>)> {
    let row = open(&state, &caller, body.organisation_id, body.fiscal_year).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// A grant whole: its record, steps, expenses, the 収支 by project and 費目,
/// and what is due next.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct GrantDetail {
    pub grant: GrantRow,
    pub steps: Vec<GrantStep>,
    pub expenses: Vec<kyodo_core::grants::grant::Expense>,
    pub statement: Vec<StatementLine>,
    pub next_due: Option<NextDue>,
    /// The installments of the decided amount: (month, yen).
    pub installments: Vec<(u32, i64)>,
}

#[utoipa::path(get, path = "/grants/{id}", tag = "grants",
    params(("id" = i64, Path, description = "交付金（団体・年度）の番号")),
    responses((status = 200, body = GrantDetail)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<GrantDetail>> {
    let Loaded {
        row,
        scheme,
        steps,
        spent,
        statement,
        ..
    } = load(&state, &caller, id).await?;
    Ok(Json(GrantDetail {
        next_due: next_due(row.grant.status, &scheme.rules, caller.today),
        installments: row
            .grant
            .decided
            .map(|d| scheme.rules.installments(d))
            .unwrap_or_default(),
        grant: row,
        steps,
        expenses: spent,
        statement,
    }))
}

/// A step of the procedure. The body's (`apply`, `request_payment`,
/// `change`, `report`) need the body's reach, the city's the coordinator.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantTransitionBody {
    pub action: GrantAction,
    /// The step's day; today when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<ApiDate>,
    /// 申請額 (left out: the budget's total), 決定額, 請求額, 支払額, 確定額, 返還額, 繰越額.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100_000_000_000_i64)]
    pub amount: Option<i64>,
    /// 通知番号 (decide) or 支出命令番号 (pay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 50)]
    pub number: Option<String>,
    /// Comments, 交付の条件, the reason of a change, the 事業報告.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub note: Option<String>,
    /// 返還期限 (fix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<ApiDate>,
    /// The 収支予算書 of an application or change; left out: the adopted
    /// 年度計画's 交付金 lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Vec<kyodo_core::grants::grant::GrantBudgetLine>>,
    /// The version read; a grant changed since is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for GrantTransitionBody {
    fn action(raw: &serde_json::Value) -> Action {
        raw.get("action")
            .and_then(serde_json::Value::as_str)
            .and_then(GrantAction::parse)
            .map_or(Action::GrantRead, permission)
    }
}

#[utoipa::path(post, path = "/grants/{id}/transitions", tag = "grants",
    params(("id" = i64, Path, description = "交付金（団体・年度）の番号")), request_body = GrantTransitionBody,
    responses((status = 200, body = GrantRow)))]
pub async fn transition_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GrantTransitionBody>,
) -> ApiResult<Json<GrantRow>> {
    let fields = crate::api::fields_of(&body);
    let mut input = StepInput::parse(&|k| fields.get(k).cloned()).map_err(AppError::Invalid)?;
    input.budget = body.budget.clone();
    Ok(Json(act(&state, &caller, id, body.version, &input).await?))
}
