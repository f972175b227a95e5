//! One issue's page: its fields, the departments' answers, the report back,
//! the history as one timeline, and a form for each action the caller may
//! take now. Transitions come here as a page form or an API call and go
//! through the same checks.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::accounts::Role;
use kyodo_core::issues::separation::{self, Hands, StepEvent};
use kyodo_core::issues::{IssueRow, IssueStatus, ReportMethod, Responsibility, Route, Stance, Transition};
use kyodo_core::permissions::{Action, issue_transition_action};
use kyodo_core::scheme::PlanStep;
use kyodo_core::wareki::{format_date_wareki, iso_date};
use kyodo_store::issues::{self, TransitionContext};

use super::{BASE, reachable};
use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath, PageQuery};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, FieldKind, FieldSpec, FormState, Item, Layout};

pub struct RouteView {
    pub department: String,
    pub state: &'static str,
    pub due: String,
    pub late: bool,
    pub stance: String,
    pub answer: String,
    pub expected: String,
    pub reason: String,
    pub internal_note: String,
    pub answered: String,
}

pub struct EventView {
    pub at: String,
    pub actor: String,
    pub label: &'static str,
    pub status: String,
    pub note: String,
}

pub struct ActionForm {
    pub action: &'static str,
    pub title: &'static str,
    pub fields: Vec<FieldSpec>,
    pub form: FormState,
    pub open: bool,
}

pub struct SimilarView {
    pub title: String,
    pub href: Option<String>,
    pub area: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "issue.html")]
pub struct IssuePage {
    pub layout: Layout,
    pub heading: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub internal: bool,
    pub items: Vec<Item>,
    pub plan_text: String,
    pub routes: Vec<RouteView>,
    pub report: Vec<Item>,
    /// Whether the report is on the public site, when the caller may change it.
    pub publication: Option<bool>,
    pub events: Vec<EventView>,
    pub actions: Vec<ActionForm>,
    pub edit_href: Option<String>,
    pub similar: Vec<SimilarView>,
    /// Case studies other municipalities share that look like this issue (他の自治体の事例).
    pub shared_cases: Vec<SimilarView>,
    /// 「事例にする」: a closed issue, for the coordinator.
    pub case_study_href: Option<String>,
    pub files: Vec<super::files::FileView>,
    /// Answer templates offered in the answer form: (label, text).
    pub templates: Vec<(String, String)>,
    pub can_attach: bool,
    /// Whether the upload form may offer 庁内のみ.
    pub staff: bool,
    /// Why the last action was refused, or a conflict.
    pub alert: Option<String>,
    pub version: i64,
    pub id: i64,
}

fn title_of(action: &str) -> &'static str {
    match action {
        "sort" => "整理する（役割分担）",
        "draft" => "方針案を作成する",
        "review" => "方針案を確認する",
        "decide" => "対応方針を決定する",
        "send_back" => "差し戻す",
        "answer" => "回答する",
        "reroute" => "担当部署を変更する",
        "report_back" => "地域へ報告する",
        "close" => "完了にする",
        "reopen" => "再開する",
        "reflect" => "施策反映を記録する",
        _ => "操作",
    }
}

/// The staff member's positions in the issue's district, for the team steps.
async fn positions(state: &AppState, caller: &Caller, area_id: i64) -> Result<Vec<String>, AppError> {
    match caller.user.staff_id {
        Some(staff) if caller.role() == Role::Liaison => Ok(kyodo_store::appointments::positions_in_area(
            &state.db,
            caller.municipality.id,
            staff,
            area_id,
            caller.today,
        )
        .await?),
        _ => Ok(Vec::new()),
    }
}

/// Whether the caller may take `action` on the issue now, by role, reach
/// and (for the team's steps) position. The status is the workflow's
/// business and is judged when the action is applied.
fn allowed(
    caller: &Caller,
    row: &IssueRow,
    routes: &[Route],
    action: &str,
    positions: &[String],
) -> Result<(), AppError> {
    let Some(permission) = issue_transition_action(action) else {
        return Err(AppError::BadRequest(format!("操作「{action}」はありません")));
    };
    caller.require(permission)?;
    if !issues::reaches(&caller.issue_reach(permission), &row.issue, routes) {
        return Err(AppError::Forbidden);
    }
    if permission == Action::IssuePlan && caller.role() == Role::Liaison {
        let scheme = &caller.municipality.scheme;
        if let Some(step) = kyodo_core::issues::plan_step_for(row.issue.status, &scheme.issue_steps)
            && !step.positions.is_empty()
            && !step.positions.iter().any(|p| positions.contains(p))
        {
            let names: Vec<&str> = step
                .positions
                .iter()
                .map(|k| {
                    scheme
                        .positions
                        .iter()
                        .find(|p| &p.key == k)
                        .map_or(k.as_str(), |p| p.name.as_str())
                })
                .collect();
            return Err(AppError::Refused(format!(
                "「{}」は{}の担当です",
                step.step.label(),
                names.join("・")
            )));
        }
    }
    Ok(())
}

/// The fields of an action's form, and what they start with.
fn action_form(
    caller: &Caller,
    row: &IssueRow,
    routes: &[Route],
    departments: &[kyodo_core::departments::Department],
    action: &'static str,
) -> (Vec<FieldSpec>, HashMap<String, String>) {
    let i = &row.issue;
    let mut start = HashMap::new();
    let plan = || i.plan_text.clone().unwrap_or_default();
    let fields = match action {
        "sort" => {
            start.insert(
                "responsibility".into(),
                i.responsibility.map(|r| r.key().to_owned()).unwrap_or_default(),
            );
            let planned: Vec<String> = routes
                .iter()
                .filter(|r| r.routed_at.is_none())
                .map(|r| r.department_id.to_string())
                .collect();
            start.insert("departments".into(), planned.join(","));
            start.insert("other_body".into(), i.other_body.clone().unwrap_or_default());
            vec![
                FieldSpec::select("responsibility", "役割分担", Responsibility::options()).required(),
                FieldSpec::text("departments", "担当部署")
                    .kind(FieldKind::Picker(crate::departments::picker_groups(departments)))
                    .hint("市・協働で対応するとき。部を開いて課を選びます（いくつでも）"),
                FieldSpec::text("other_body", "他機関の名称").hint("国・県・警察など、他機関のとき"),
                FieldSpec::text("comment", "コメント").kind(FieldKind::Textarea),
            ]
        }
        "draft" | "review" | "decide" => {
            start.insert("text".into(), plan());
            let label = if action == "decide" {
                "対応方針"
            } else {
                "対応方針案"
            };
            let mut f = vec![
                FieldSpec::text("text", label)
                    .kind(FieldKind::Textarea)
                    .required()
                    .hint("地域・市・協働の役割分担と、誰が何をいつまでにするか"),
            ];
            if action == "review" {
                f.push(FieldSpec::text("comment", "コメント").kind(FieldKind::Textarea));
            }
            f
        }
        "send_back" => vec![
            FieldSpec::text("comment", "差し戻しの理由")
                .kind(FieldKind::Textarea)
                .required(),
        ],
        "answer" => {
            let mut f = Vec::new();
            if caller.role() != Role::Department {
                let mine: Vec<(String, String)> = routes
                    .iter()
                    .filter(|r| r.is_active() && r.routed_at.is_some())
                    .map(|r| (r.department_id.to_string(), r.department_name.clone()))
                    .collect();
                f.push(FieldSpec::select("department_id", "回答する部署", mine).required());
            } else if let Some(r) = routes
                .iter()
                .find(|r| Some(r.department_id) == caller.user.department_id && r.is_active())
            {
                // An answer given before is the start of a progress update.
                start.insert(
                    "stance".into(),
                    r.stance.map(|s| s.key().to_owned()).unwrap_or_default(),
                );
                start.insert("answer_text".into(), r.answer_text.clone().unwrap_or_default());
                start.insert("expected_on".into(), iso_date(r.expected_on));
                start.insert("reason".into(), r.reason.clone().unwrap_or_default());
            }
            f.extend([
                FieldSpec::select("stance", "対応方針", Stance::options()).required(),
                FieldSpec::text("answer_text", "回答（地域に伝わります）")
                    .kind(FieldKind::Textarea)
                    .required(),
                FieldSpec::date("expected_on", "完了予定日").hint("「対応する」ときは必須"),
                FieldSpec::text("reason", "理由・機関名")
                    .kind(FieldKind::Textarea)
                    .hint("「対応困難」の理由、または「他機関」の名称"),
                FieldSpec::text("internal_note", "内部メモ（地域には見えません）").kind(FieldKind::Textarea),
            ]);
            f
        }
        "reroute" => {
            let mut f = Vec::new();
            if caller.role() != Role::Department {
                let pending: Vec<(String, String)> = routes
                    .iter()
                    .filter(|r| r.is_pending())
                    .map(|r| (r.department_id.to_string(), r.department_name.clone()))
                    .collect();
                f.push(FieldSpec::select("from_department_id", "変更前の部署", pending).required());
            }
            f.extend([
                FieldSpec::select(
                    "to_department_id",
                    "新しい担当部署",
                    pages::options(departments, |d| d.id.to_string(), |d| d.name.clone()),
                )
                .required(),
                FieldSpec::text("reason", "変更の理由")
                    .kind(FieldKind::Textarea)
                    .required(),
            ]);
            f
        }
        "report_back" => {
            start.insert("reported_on".into(), iso_date(Some(caller.today)));
            if i.continuing {
                start.insert("continuing".into(), "true".into());
            }
            vec![
                FieldSpec::date("reported_on", "報告日").required(),
                FieldSpec::select(
                    "method",
                    "報告方法",
                    pages::options(ReportMethod::ALL, |m| m.key().into(), |m| m.label().into()),
                )
                .required(),
                FieldSpec::text("text", "報告内容（地域に伝えたこと）").kind(FieldKind::Textarea),
                FieldSpec::text("continuing", "継続案件として翌年度も対応する").kind(FieldKind::Checkbox),
            ]
        }
        "close" => vec![
            FieldSpec::text("reason", "完了の理由")
                .kind(FieldKind::Textarea)
                .hint("地域へ報告する前に完了するとき（取り下げ・重複など）は必須"),
        ],
        "reopen" => vec![
            FieldSpec::text("reason", "再開の理由")
                .kind(FieldKind::Textarea)
                .required(),
        ],
        "reflect" => {
            start.insert("reference".into(), i.policy_reflection.clone().unwrap_or_default());
            vec![
                FieldSpec::text("reference", "反映先（計画・予算の名称）").required(),
                FieldSpec::date("reflected_on", "反映日").hint("空欄なら今日"),
            ]
        }
        _ => Vec::new(),
    };
    (fields, start)
}

/// A form carried back after a failed action: which action, what was typed, and why.
pub struct Carried {
    pub action: String,
    pub form: FormState,
    pub alert: Option<String>,
}

pub async fn render(
    state: &AppState,
    caller: &Caller,
    id: i64,
    notice: Option<&str>,
    carried: Option<Carried>,
) -> PageResult<IssuePage> {
    let (row, routes) = reachable(state, caller, Action::IssueRead, id).await?;
    let muni = caller.municipality.id;
    let internal = caller.can(Action::IssueInternalRead);
    let i = &row.issue;
    let mut items = vec![
        Item::new("受付番号", format!("No.{}", i.id)),
        Item::new("分類", i.category.clone()),
        Item::link(
            "地区",
            row.area_name.clone(),
            internal.then(|| format!("/areas/{}", i.area_id)),
        ),
        Item::link(
            "団体",
            pages::opt(&row.organisation_name),
            i.organisation_id.map(|o| format!("/organisations/{o}")),
        ),
        Item::new("受付日", format_date_wareki(i.received_on)),
        Item::new("年度", kyodo_core::wareki::format_fiscal_year(i.fiscal_year)),
        Item::new("場所", pages::opt(&i.location)),
        Item::new("内容", i.body.clone()),
    ];
    if internal {
        items.extend([
            Item::new("地区の優先度", i.priority.label()),
            Item::new(
                "受付経路",
                match &i.source_note {
                    Some(n) => format!("{}（{n}）", i.source.label()),
                    None => i.source.label().to_owned(),
                },
            ),
            Item::new(
                "役割分担",
                match (i.responsibility, &i.other_body) {
                    (Some(r), Some(body)) => format!("{}（{body}）", r.label()),
                    (Some(r), None) => r.label().to_owned(),
                    (None, _) => String::new(),
                },
            ),
            Item::new(
                "回答期限",
                i.answer_due_on.map(|d| pages::date_ja(&d)).unwrap_or_default(),
            ),
        ]);
        if let (Some(lat), Some(lng)) = (i.latitude, i.longitude) {
            // 地理院地図 (the GSI's map) opens at the point; kyodo embeds no map tiles.
            items.push(Item::link(
                "位置",
                format!("{lat:.5}, {lng:.5}（地理院地図で開く）"),
                Some(format!("https://maps.gsi.go.jp/#17/{lat:.6}/{lng:.6}/")),
            ));
        }
    }
    if let Some(p) = &i.policy_reflection {
        items.push(Item::new(
            "施策反映",
            format!(
                "{p}{}",
                i.reflected_on
                    .map(|d| format!("（{}）", pages::date_ja(&d)))
                    .unwrap_or_default()
            ),
        ));
    }
    let route_views = routes
        .iter()
        .filter(|r| internal || (r.is_active() && r.answered_at.is_some()))
        .map(|r| RouteView {
            department: r.department_name.clone(),
            state: match (r.routed_at, r.answered_at, r.rerouted_at) {
                (_, _, Some(_)) => "変更により終了",
                (None, _, _) => "回付予定",
                (Some(_), None, _) => "回答待ち",
                (Some(_), Some(_), _) => "回答済み",
            },
            due: r.due_on.map(|d| pages::date_ja(&d)).unwrap_or_default(),
            late: r.is_pending() && r.due_on.is_some_and(|d| d < caller.today),
            stance: r.stance.map(|s| s.label().to_owned()).unwrap_or_default(),
            answer: r.answer_text.clone().unwrap_or_default(),
            expected: r.expected_on.map(|d| pages::date_ja(&d)).unwrap_or_default(),
            reason: r.reason.clone().unwrap_or_default(),
            internal_note: if internal {
                r.internal_note.clone().unwrap_or_default()
            } else {
                String::new()
            },
            answered: r.answered_at.map(|t| pages::datetime_ja(&t)).unwrap_or_default(),
        })
        .collect();
    let mut report = Vec::new();
    if let Some(on) = i.reported_on {
        report.push(Item::new("報告日", format_date_wareki(on)));
        report.push(Item::new(
            "報告方法",
            i.report_method.map(|m| m.label()).unwrap_or_default(),
        ));
        report.push(Item::new("報告内容", pages::opt(&i.report_text)));
    }
    if i.continuing {
        report.push(Item::new("継続案件", "翌年度も引き続き対応します"));
    }
    let events = issues::events(&state.db, muni, id)
        .await?
        .into_iter()
        .filter_map(|e| {
            let note = if internal {
                e.note.clone()
            } else {
                e.public_note.clone()
            };
            if !internal && e.public_note.is_none() {
                return None;
            }
            let status = match (e.from_status, e.to_status) {
                (Some(f), Some(t)) if f != t && internal => format!("{} → {}", f.label(), t.label()),
                (None, Some(t)) if internal => t.label().to_owned(),
                _ => String::new(),
            };
            Some(EventView {
                at: pages::datetime_ja(&e.at),
                actor: if internal {
                    e.actor.unwrap_or_default()
                } else {
                    String::new()
                },
                label: kyodo_core::issues::action_label(&e.action),
                status,
                note: note.unwrap_or_default(),
            })
        })
        .collect();
    let scheme = &caller.municipality.scheme;
    let pos = positions(state, caller, i.area_id).await?;
    let departments = kyodo_store::departments::all(&state.db, muni).await?;
    let mut carried = carried;
    let alert = carried.as_mut().and_then(|c| c.alert.take());
    let actions: Vec<ActionForm> = kyodo_core::issues::offered(i.status, &scheme.issue_steps)
        .into_iter()
        .filter(|a| allowed(caller, &row, &routes, a, &pos).is_ok())
        .map(|action| {
            let (fields, start) = action_form(caller, &row, &routes, &departments, action);
            let again = carried.as_ref().filter(|c| c.action == action);
            ActionForm {
                action,
                title: title_of(action),
                fields,
                open: again.is_some(),
                form: match again {
                    Some(c) => FormState {
                        values: c.form.values.clone(),
                        errors: c.form.errors.clone(),
                    },
                    None => FormState::new(start),
                },
            }
        })
        .collect();
    let similar = if internal {
        // Liaison staff see other districts' cases (他地域での事例) but open only their own.
        let reach = caller.issue_reach(Action::IssueRead);
        super::similar(state, caller, &format!("{} {}", i.title, i.category), Some(id))
            .await?
            .into_iter()
            .map(|r| SimilarView {
                href: (!matches!(reach, kyodo_store::issues::Reach::InAreas(_))
                    || issues::reaches(&reach, &r.issue, &[]))
                .then(|| format!("{BASE}/{}", r.issue.id)),
                title: r.issue.title,
                area: r.area_name,
                status: r.issue.status.label(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let shared_cases = if internal && caller.can(Action::CaseStudyRead) {
        kyodo_store::case_studies::shared_like(&state.db, muni, &format!("{} {}", i.title, i.category), 5)
            .await?
            .into_iter()
            .map(|c| SimilarView {
                href: Some(format!("{}/{}", crate::case_studies::BASE, c.id)),
                title: c.title,
                area: format!("{}・{}", c.municipality_name, c.area_name),
                status: "事例",
            })
            .collect()
    } else {
        Vec::new()
    };
    let case_study_href = (caller.can(Action::CaseStudyWrite) && !i.status.is_open())
        .then(|| format!("{}/new?source=issue&source_id={id}", crate::case_studies::BASE));
    let files = super::files::views(caller, super::files::visible(state, caller, id).await?);
    let answering = actions.iter().any(|a| a.action == "answer");
    let templates = if answering {
        let coordinator = caller.role() == kyodo_core::accounts::Role::Coordinator;
        super::templates::offered(state, caller)
            .await?
            .into_iter()
            .map(|t| {
                let label = if coordinator {
                    format!("{}: {}", t.department_name, t.title)
                } else {
                    t.title
                };
                (label, t.body)
            })
            .collect()
    } else {
        Vec::new()
    };
    let can_attach =
        caller.can(Action::IssueAttach) && issues::reaches(&caller.issue_reach(Action::IssueAttach), i, &routes);
    let publication = (i.reported_on.is_some()
        && i.report_text.is_some()
        && caller.can(Action::IssueReportBack)
        && issues::reaches(&caller.issue_reach(Action::IssueReportBack), i, &routes))
    .then_some(i.report_public);
    let editable = caller.can(Action::IssueEdit)
        && i.status.is_open()
        && issues::reaches(&caller.issue_reach(Action::IssueEdit), i, &routes);
    Ok(IssuePage {
        layout: Layout::new(caller, i.title.clone(), BASE).with_notice(notice),
        heading: i.title.clone(),
        kind: i.kind.label(),
        status: if internal {
            i.status.label()
        } else {
            i.status.public_label()
        },
        internal,
        publication,
        items,
        plan_text: if internal {
            i.plan_text.clone().unwrap_or_default()
        } else {
            String::new()
        },
        routes: route_views,
        report,
        events,
        actions,
        edit_href: editable.then(|| format!("{BASE}/{id}/edit")),
        similar,
        shared_cases,
        case_study_href,
        files,
        templates,
        can_attach,
        staff: internal,
        alert,
        version: i.version,
        id,
    })
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    let page = render(&state, &caller, id, q.notice.as_deref(), None).await?;
    Ok(pages::render(&page))
}

/// Checks and applies one action; the department staff act for their own department only.
async fn act(
    state: &AppState,
    caller: &Caller,
    id: i64,
    action: &str,
    version: Option<i64>,
    fields: &HashMap<String, String>,
) -> Result<IssueRow, AppError> {
    let (row, routes) = reachable(state, caller, Action::IssueRead, id).await?;
    let pos = positions(state, caller, row.issue.area_id).await?;
    allowed(caller, &row, &routes, action, &pos)?;
    let t = Transition::parse(action, &pages::form_getter(fields), caller.today).map_err(|e| match e {
        kyodo_core::issues::TransitionError::Invalid(errors) => AppError::Invalid(errors),
        kyodo_core::issues::TransitionError::Refused(m) => AppError::Refused(m),
        kyodo_core::issues::TransitionError::UnknownAction(a) => {
            AppError::BadRequest(format!("操作「{a}」はありません"))
        }
    })?;
    // Department staff answer and move on for their own department, whatever the form says.
    // (An account without a department acts for none: department 0 has no routes.)
    let department = (caller.role() == Role::Department).then(|| caller.user.department_id.unwrap_or(0));
    let scheme = &caller.municipality.scheme;
    let hands = separate_hands(state, caller, &row, &t).await?;
    let ctx = TransitionContext {
        steps: &scheme.issue_steps,
        deadlines: &scheme.answer_deadlines,
        today: caller.today,
        at: chrono::Utc::now(),
        caller_department: department,
        same_hands: hands == Hands::SameForVacancy,
    };
    Ok(issues::transition(&state.db, &caller.actor(), id, version, &t, &ctx).await?)
}

/// A team step of a scheme with several is taken by someone other than who
/// took the earlier ones, unless nobody else in the team could.
async fn separate_hands(state: &AppState, caller: &Caller, row: &IssueRow, t: &Transition) -> Result<Hands, AppError> {
    let scheme = &caller.municipality.scheme;
    let current = match t {
        Transition::Draft { .. } => PlanStep::Draft,
        Transition::Review { .. } => PlanStep::Review,
        Transition::Decide { .. } => PlanStep::Decide,
        _ => return Ok(Hands::Separate),
    };
    let Some(step) = scheme.issue_steps.iter().find(|s| s.step == current) else {
        return Ok(Hands::Separate);
    };
    let muni = caller.municipality.id;
    let events: Vec<StepEvent> = issues::events(&state.db, muni, row.issue.id)
        .await?
        .into_iter()
        .map(|e| StepEvent {
            action: e.action,
            user_id: e.user_id,
            actor: e.actor,
            to_status: e.to_status,
        })
        .collect();
    let earlier = separation::earlier_hands(&events, &scheme.issue_steps, current);
    if earlier.is_empty() {
        return Ok(Hands::Separate);
    }
    let others: Vec<i64> = kyodo_store::appointments::team_accounts(&state.db, muni, row.issue.area_id, caller.today)
        .await?
        .into_iter()
        .filter(|m| step.positions.is_empty() || step.positions.contains(&m.position_key))
        .map(|m| m.user_id)
        .collect();
    separation::judge(step, caller.user.id, &earlier, &others).map_err(AppError::Refused)
}

pub async fn transition_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let action = form.0.get("action").cloned().unwrap_or_default();
    match act(&state, &caller, id, &action, form.version(), &form.0).await {
        Ok(_) => Ok(Redirect::to(&format!("{BASE}/{id}?notice=recorded")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Refused(_) | AppError::Conflict)) => {
            let status = e.status();
            let mut carried = Carried {
                action,
                form: FormState::new(form.0),
                alert: None,
            };
            match e {
                AppError::Invalid(errors) => carried.form.errors = errors,
                other => carried.alert = Some(other.message()),
            }
            let page = render(&state, &caller, id, None, Some(carried)).await?;
            Ok((status, pages::render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// One action of the issue workflow, chosen by `action`. Each carries its
/// own fields; `version`, when sent, must be the issue's current one (409 otherwise).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum TransitionBody {
    /// 整理: who deals with it; departments for `city` and `joint`.
    Sort {
        responsibility: Responsibility,
        /// Department ids (担当部署), for `city` and `joint` only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_items = 50, min_items = 1)]
        departments: Option<Vec<i64>>,
        /// The body's name (国・県・警察…), for `other_body`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 100)]
        other_body: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 2000)]
        comment: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 方針案の作成 (the scheme's positions take it).
    Draft {
        #[schema(min_length = 1, max_length = 10000)]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 方針案の確認: not by who drafted it, while the team has someone else.
    Review {
        #[schema(min_length = 1, max_length = 10000)]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 2000)]
        comment: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 対応方針の決定: routes the issue to its departments with an answer deadline.
    Decide {
        #[schema(min_length = 1, max_length = 10000)]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 差し戻し to the previous step, with the reason.
    SendBack {
        #[schema(min_length = 1, max_length = 2000)]
        comment: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 部署の回答 (again: a progress update). `answer_text` is public, `internal_note` never.
    Answer {
        /// The answering department; a department account answers for its own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(minimum = 1)]
        department_id: Option<i64>,
        stance: Stance,
        #[schema(min_length = 1, max_length = 10000)]
        answer_text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 10000)]
        internal_note: Option<String>,
        /// 完了予定日: required with `will_act`, today or later.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected_on: Option<ApiDate>,
        /// Required with `difficult` (why) and `other_body` (which body).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 2000)]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 担当部署の変更.
    Reroute {
        /// The department handing over; a department account hands over its own.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(minimum = 1)]
        from_department_id: Option<i64>,
        #[schema(minimum = 1)]
        to_department_id: i64,
        #[schema(min_length = 1, max_length = 2000)]
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 地域への報告. `continuing` keeps it on the lists of later 年度 (継続案件).
    ReportBack {
        /// 報告日: today when not sent, never in the future.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reported_on: Option<ApiDate>,
        method: ReportMethod,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 10000)]
        text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        continuing: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 完了. Before the report back, `reason` (取り下げ・重複…) is required.
    Close {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 2000)]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 再開 of a closed issue.
    Reopen {
        #[schema(min_length = 1, max_length = 2000)]
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
    /// 施策反映: the plan or budget it went into.
    Reflect {
        #[schema(min_length = 1, max_length = 200)]
        reference: String,
        /// Today when not sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reflected_on: Option<ApiDate>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
    },
}

impl crate::api::ApiBody for TransitionBody {
    /// Each action's own permission; an unknown one needs only to read issues
    /// (and is then refused for what it is).
    fn action(raw: &serde_json::Value) -> Action {
        raw.get("action")
            .and_then(serde_json::Value::as_str)
            .and_then(issue_transition_action)
            .unwrap_or(Action::IssueRead)
    }
}

impl TransitionBody {
    fn version(&self) -> Option<i64> {
        match self {
            TransitionBody::Sort { version, .. }
            | TransitionBody::Draft { version, .. }
            | TransitionBody::Review { version, .. }
            | TransitionBody::Decide { version, .. }
            | TransitionBody::SendBack { version, .. }
            | TransitionBody::Answer { version, .. }
            | TransitionBody::Reroute { version, .. }
            | TransitionBody::ReportBack { version, .. }
            | TransitionBody::Close { version, .. }
            | TransitionBody::Reopen { version, .. }
            | TransitionBody::Reflect { version, .. } => *version,
        }
    }
}

/// Applies a workflow action, e.g. `{"action": "sort", "responsibility": "city", "departments": [3]}`.
/// Refused with the reason when it is not allowed now, or not to this caller (409).
#[utoipa::path(post, path = "/issues/{id}/transitions", tag = "issues",
    params(("id" = i64, Path, description = "課題の番号")), request_body = TransitionBody,
    responses((status = 200, body = super::IssueView)))]
pub async fn transition_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TransitionBody>,
) -> ApiResult<Json<super::IssueView>> {
    let fields = crate::api::fields_of(&body);
    let action = fields.get("action").cloned().unwrap_or_default();
    let row = act(&state, &caller, id, &action, body.version(), &fields).await?;
    Ok(Json(super::view(&state, &caller, row).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub action: String,
    pub label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_status: Option<IssueStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_status: Option<IssueStatus>,
    pub note: Option<String>,
}

/// The issue's history, oldest first; the community sees the public steps only.
#[utoipa::path(get, path = "/issues/{id}/history", tag = "issues", params(("id" = i64, Path, description = "課題の番号")),
    responses((status = 200, body = [HistoryEntry])))]
pub async fn history_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    reachable(&state, &caller, Action::IssueRead, id).await?;
    let internal = caller.can(Action::IssueInternalRead);
    let events = issues::events(&state.db, caller.municipality.id, id).await?;
    Ok(Json(
        events
            .into_iter()
            .filter(|e| internal || e.public_note.is_some())
            .map(|e| HistoryEntry {
                at: e.at,
                label: kyodo_core::issues::action_label(&e.action),
                action: e.action,
                actor: if internal { e.actor } else { None },
                from_status: if internal { e.from_status } else { None },
                to_status: if internal { e.to_status } else { None },
                note: if internal { e.note } else { e.public_note },
            })
            .collect(),
    ))
}

/// Publishing the report or withdrawing it: `{"public": true}`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicationBody {
    /// On the public site (公開) or not.
    pub public: bool,
}

impl crate::api::ApiBody for PublicationBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::IssueReportBack
    }
}

async fn publish(state: &AppState, caller: &Caller, id: i64, public: bool) -> Result<IssueRow, AppError> {
    super::reachable(state, caller, Action::IssueReportBack, id).await?;
    Ok(kyodo_store::issues::publication::set_report_public(&state.db, &caller.actor(), id, public).await?)
}

/// The team publishes what it reported to the community on the public
/// site, or withdraws it; only a report that was made can be published.
pub async fn publication_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let public = form.0.get("public").is_some_and(|v| v == "true");
    match publish(&state, &caller, id, public).await {
        Ok(_) => Ok(Redirect::to(&format!("{BASE}/{id}?notice=recorded")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Refused(_))) => {
            let status = e.status();
            let carried = Carried {
                action: String::new(),
                form: FormState::default(),
                alert: Some(e.message()),
            };
            let page = render(&state, &caller, id, None, Some(carried)).await?;
            Ok((status, pages::render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// Publishes the issue's report on the public site (`/p/{code}`), or withdraws it.
#[utoipa::path(post, path = "/issues/{id}/publication", tag = "issues",
    params(("id" = i64, Path, description = "課題の番号")), request_body = PublicationBody,
    responses((status = 200, body = super::IssueView)))]
pub async fn publication_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PublicationBody>,
) -> ApiResult<Json<super::IssueView>> {
    let row = publish(&state, &caller, id, body.public).await?;
    Ok(Json(super::view(&state, &caller, row).await?))
}
