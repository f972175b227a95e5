//! Writing issues: intake, correction and every workflow transition, each
//! in one transaction with its history entry and audit record, guarded by
//! the record's version so that two editors never overwrite each other.

use chrono::{DateTime, NaiveDate, Utc};
use kyodo_core::issues::{
    AnswerDeadlines, Issue, IssueInput, IssueRow, IssueStatus, Responsibility, Route, Transition, TransitionError,
};
use kyodo_core::scheme::IssueStep;
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Query, UpdateStatement};

use super::{COLUMNS, TABLE};
use crate::audit::{self, Actor, Event};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

/// What a transition needs to know besides the issue.
pub struct TransitionContext<'a> {
    pub steps: &'a [IssueStep],
    pub deadlines: &'a AnswerDeadlines,
    pub today: NaiveDate,
    /// When it happens: now, or a past moment when the demo replays a history.
    pub at: DateTime<Utc>,
    /// The caller's department, for department staff answering or rerouting.
    pub caller_department: Option<i64>,
    /// A team step taken by someone who took an earlier one, because the
    /// team has nobody else who could (see `kyodo_core::issues::separation`).
    pub same_hands: bool,
}

async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Issue> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn routes_in(tx: &mut Tx, municipality_id: i64, issue_id: i64) -> Result<Vec<Route>> {
    let q = super::select_routes()
        .and_where(Expr::col(("r", "issue_id")).eq(issue_id))
        .and_where(Expr::col(("r", "municipality_id")).eq(municipality_id))
        .to_owned();
    tx.fetch_all(&q).await
}

/// One history entry. `public_note`: what the community may read, if anything.
pub(super) struct Step<'a> {
    pub action: &'a str,
    pub from: Option<IssueStatus>,
    pub to: Option<IssueStatus>,
    pub note: Option<String>,
    pub public_note: Option<String>,
}

pub(super) async fn record_event(
    tx: &mut Tx,
    actor: &Actor,
    issue_id: i64,
    at: DateTime<Utc>,
    step: Step<'_>,
) -> Result<()> {
    let q = Query::insert()
        .into_table("issue_events")
        .columns([
            "municipality_id",
            "issue_id",
            "at",
            "user_id",
            "actor",
            "action",
            "from_status",
            "to_status",
            "note",
            "public_note",
        ])
        .values_panic([
            actor.municipality_id.into(),
            issue_id.into(),
            at.into(),
            actor.user_id.into(),
            actor.name.clone().or_else(|| actor.login.clone()).into(),
            step.action.into(),
            step.from.map(|s| s.key()).into(),
            step.to.map(|s| s.key()).into(),
            step.note.into(),
            step.public_note.into(),
        ])
        .to_owned();
    tx.execute(&q).await?;
    audit::record(
        tx,
        actor,
        Event {
            action: &format!("issue.{}", step.action),
            entity: TABLE,
            entity_id: Some(issue_id),
            detail: step.to.map(|to| serde_json::json!({ "status": to.key() })),
        },
    )
    .await
}

/// Recomputes the search tokens: the title, text, public answers and
/// report, and what the issue is filed under (district, organisation,
/// routed departments; see `kyodo_core::search::scope_token`).
pub(crate) async fn refresh_search(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<()> {
    let issue = get_in(tx, municipality_id, id).await?;
    let routes = routes_in(tx, municipality_id, id).await?;
    let mut texts: Vec<&str> = vec![&issue.title, &issue.body];
    texts.extend(issue.report_text.as_deref());
    texts.extend(routes.iter().filter_map(|r| r.answer_text.as_deref()));
    let text = kyodo_core::search::issue_search_text(
        municipality_id,
        &texts,
        issue.area_id,
        issue.organisation_id,
        routes.iter().filter(|r| r.routed_at.is_some()).map(|r| r.department_id),
    );
    // Most steps leave the text as it was: an unchanged row is not written,
    // so neither the FTS table nor the GIN index takes a dead entry for it.
    let q = Query::update()
        .table(TABLE)
        .value("search_text", text.clone())
        .and_where(Expr::col("id").eq(id))
        .cond_where(
            sea_query::Condition::any()
                .add(Expr::col("search_text").is_null())
                .add(Expr::col("search_text").ne(text)),
        )
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

async fn check_references(tx: &mut Tx, municipality_id: i64, input: &IssueInput) -> Result<()> {
    let mut errors = FieldErrors::new();
    if !common::exists_in(tx, "areas", municipality_id, input.area_id).await? {
        errors.add("area_id", "地区が見つかりません");
    }
    if let Some(org) = input.organisation_id
        && !common::exists_in(tx, "organisations", municipality_id, org).await?
    {
        errors.add("organisation_id", "団体が見つかりません");
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

/// The columns an intake or a correction writes, with their values.
fn input_columns(input: &IssueInput) -> Vec<(&'static str, sea_query::SimpleExpr)> {
    vec![
        ("kind", input.kind.key().into()),
        ("title", input.title.clone().into()),
        ("body", input.body.clone().into()),
        ("category", input.category.clone().into()),
        ("area_id", input.area_id.into()),
        ("organisation_id", input.organisation_id.into()),
        ("priority", input.priority.key().into()),
        ("location", input.location.clone().into()),
        ("latitude", input.latitude.into()),
        ("longitude", input.longitude.into()),
        ("fiscal_year", input.fiscal_year.into()),
        ("source", input.source.key().into()),
        ("source_note", input.source_note.clone().into()),
        ("received_on", input.received_on.into()),
    ]
}

fn input_values(up: &mut UpdateStatement, input: &IssueInput) {
    for (column, value) in input_columns(input) {
        up.value(column, value);
    }
}

/// Takes an issue in (受付): it waits for sorting.
pub async fn create(db: &Db, actor: &Actor, input: &IssueInput) -> Result<IssueRow> {
    create_at(db, actor, input, Utc::now()).await
}

/// [`create`] at a given moment (the demo's histories).
pub async fn create_at(db: &Db, actor: &Actor, input: &IssueInput, now: DateTime<Utc>) -> Result<IssueRow> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, actor, input, now).await?;
    tx.commit().await?;
    super::get(db, actor.municipality_id, id).await
}

/// [`create_at`] inside a caller's transaction (an issue raised at a meeting).
pub async fn create_in(tx: &mut Tx, actor: &Actor, input: &IssueInput, now: DateTime<Utc>) -> Result<i64> {
    check_references(tx, actor.municipality_id, input).await?;
    // One row version: the issue is inserted whole, its search text with it
    // (at intake it has no answers, report or routes yet).
    let search_text = kyodo_core::search::issue_search_text(
        actor.municipality_id,
        &[&input.title, &input.body],
        input.area_id,
        input.organisation_id,
        [],
    );
    let mut columns: Vec<(&'static str, sea_query::SimpleExpr)> = vec![
        ("municipality_id", actor.municipality_id.into()),
        ("status", IssueStatus::Received.key().into()),
        ("created_by", actor.user_id.into()),
        ("created_at", now.into()),
        ("updated_at", now.into()),
        ("search_text", search_text.into()),
    ];
    columns.extend(input_columns(input));
    let (names, values): (Vec<_>, Vec<_>) = columns.into_iter().unzip();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns(names)
                .values_panic(values)
                .to_owned(),
        )
        .await?;
    super::dashboard_cells::sync(tx, actor.municipality_id, id, None).await?;
    record_event(
        tx,
        actor,
        id,
        now,
        Step {
            action: "intake",
            from: None,
            to: Some(IssueStatus::Received),
            note: None,
            public_note: Some(format!("{}として受け付けました", input.kind.label())),
        },
    )
    .await?;
    Ok(id)
}

/// Corrects an issue's fields; `version` is what the editor saw.
pub async fn update(db: &Db, actor: &Actor, id: i64, version: i64, input: &IssueInput) -> Result<IssueRow> {
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, actor.municipality_id, id).await?;
    let counted = super::dashboard_cells::read(&mut tx, actor.municipality_id, id).await?;
    if before.status == IssueStatus::Closed {
        return Err(StoreError::Refused(
            "完了した課題は修正できません。再開してから修正してください".into(),
        ));
    }
    check_references(&mut tx, actor.municipality_id, input).await?;
    let mut up = Query::update();
    up.table(TABLE)
        .value("updated_at", Utc::now())
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .and_where(Expr::col("version").eq(version));
    input_values(&mut up, input);
    if tx.execute(&up).await? == 0 {
        return Err(common::missing_or_conflict(&mut tx, TABLE, actor.municipality_id, id).await);
    }
    refresh_search(&mut tx, actor.municipality_id, id).await?;
    let after = get_in(&mut tx, actor.municipality_id, id).await?;
    // A corrected 受付日 moves the issue in the departments' lists.
    let routes = routes_in(&mut tx, actor.municipality_id, id).await?;
    super::department_index::sync(&mut tx, actor.municipality_id, id, after.received_on, &routes).await?;
    super::dashboard_cells::sync(&mut tx, actor.municipality_id, id, counted.as_ref()).await?;
    let changes = kyodo_core::audit::diff(&audit::snapshot(&before), &audit::snapshot(&after));
    let changed: Vec<&str> = changes
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    record_event(
        &mut tx,
        actor,
        id,
        Utc::now(),
        Step {
            action: "edit",
            from: None,
            to: None,
            note: Some(format!("修正した項目: {}", changed.join("、"))),
            public_note: None,
        },
    )
    .await?;
    tx.commit().await?;
    super::get(db, actor.municipality_id, id).await
}

async fn department_name(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Option<String>> {
    #[derive(sqlx::FromRow)]
    struct Name {
        name: String,
    }
    let q = Query::select()
        .column("name")
        .from("departments")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("archived_at").is_null())
        .to_owned();
    Ok(tx.fetch_optional::<Name>(&q).await?.map(|n| n.name))
}

async fn insert_route(
    tx: &mut Tx,
    municipality_id: i64,
    issue_id: i64,
    department_id: i64,
    routed: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<()> {
    let q = Query::insert()
        .into_table("issue_routes")
        .columns([
            "municipality_id",
            "issue_id",
            "department_id",
            "routed_at",
            "due_on",
            "created_at",
        ])
        .values_panic([
            municipality_id.into(),
            issue_id.into(),
            department_id.into(),
            routed.map(|_| now).into(),
            routed.into(),
            now.into(),
        ])
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// The earliest deadline among routes still waiting for an answer.
async fn earliest_due(tx: &mut Tx, municipality_id: i64, issue_id: i64) -> Result<Option<NaiveDate>> {
    let routes = routes_in(tx, municipality_id, issue_id).await?;
    Ok(routes.iter().filter(|r| r.is_pending()).filter_map(|r| r.due_on).min())
}

/// The route the workflow chose for an answer or a reroute.
fn decided_route(routes: &[Route], chosen: Option<i64>) -> Result<&Route> {
    routes
        .iter()
        .find(|r| Some(r.id) == chosen)
        .ok_or_else(|| StoreError::Corrupt("the workflow chose no route for this action".into()))
}

fn refusal(e: TransitionError) -> StoreError {
    match e {
        TransitionError::Invalid(errors) => StoreError::Invalid(errors),
        TransitionError::Refused(message) => StoreError::Refused(message),
        TransitionError::UnknownAction(a) => {
            StoreError::Invalid(FieldErrors::single("action", format!("操作「{a}」はありません")))
        }
    }
}

/// Applies one workflow action. `version`, when given, must be the
/// issue's current version (two people acting at once get a conflict).
pub async fn transition(
    db: &Db,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
    t: &Transition,
    ctx: &TransitionContext<'_>,
) -> Result<IssueRow> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let issue = get_in(&mut tx, muni, id).await?;
    if version.is_some_and(|v| v != issue.version) {
        return Err(StoreError::Conflict);
    }
    let routes = routes_in(&mut tx, muni, id).await?;
    let counted = super::dashboard_cells::read(&mut tx, muni, id).await?;
    let decision = kyodo_core::issues::apply(&issue, &routes, ctx.steps, t, ctx.caller_department).map_err(refusal)?;
    let now = ctx.at;
    let mut up = Query::update();
    up.table(TABLE)
        .value("status", decision.to.key())
        .value("updated_at", now)
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("version").eq(issue.version));
    let mut search_changed = false;
    let (note, public_note): (Option<String>, Option<String>) = match t {
        Transition::Sort {
            responsibility,
            departments,
            other_body,
            comment,
        } => {
            let mut names = Vec::new();
            let mut errors = FieldErrors::new();
            for d in departments {
                match department_name(&mut tx, muni, *d).await? {
                    Some(name) => names.push(name),
                    None => errors.add("departments", format!("部署（番号{d}）が見つかりません")),
                }
            }
            errors.into_result(()).map_err(StoreError::Invalid)?;
            // Sorting again replaces the plan; nothing has been sent yet.
            let clear = Query::delete()
                .from_table("issue_routes")
                .and_where(Expr::col("issue_id").eq(id))
                .and_where(Expr::col("routed_at").is_null())
                .to_owned();
            tx.execute(&clear).await?;
            for d in departments {
                insert_route(&mut tx, muni, id, *d, None, ctx.at).await?;
            }
            up.value("responsibility", responsibility.key())
                .value("other_body", other_body.clone());
            let mut summary = responsibility.label().to_owned();
            if !names.is_empty() {
                summary.push_str(&format!("（担当部署: {}）", names.join("、")));
            }
            if let (Responsibility::OtherBody, Some(body)) = (responsibility, other_body) {
                summary.push_str(&format!("（{body}）"));
            }
            (
                Some(match comment {
                    Some(c) => format!("{summary}\n{c}"),
                    None => summary.clone(),
                }),
                Some(format!("役割分担: {summary}")),
            )
        }
        Transition::Draft { text } | Transition::Decide { text } | Transition::Review { text, .. } => {
            up.value("plan_text", text.clone());
            let mut note = text.clone();
            if let Transition::Review { comment: Some(c), .. } = t {
                note = format!("{note}\n（コメント）{c}");
            }
            if ctx.same_hands {
                note = format!("{note}\n{}", kyodo_core::issues::separation::VACANCY_NOTE);
                up.value("same_hands", Expr::col("same_hands").add(1));
            }
            let mut public = None;
            if matches!(t, Transition::Decide { .. }) {
                public = Some("対応方針が決まりました".to_owned());
                // The decision sends the planned routes to the departments.
                let planned: Vec<&Route> = routes.iter().filter(|r| r.routed_at.is_none()).collect();
                let due = ctx.deadlines.due_on(ctx.today, &issue.category, issue.priority);
                for r in &planned {
                    let q = Query::update()
                        .table("issue_routes")
                        .value("routed_at", now)
                        .value("due_on", due)
                        .and_where(Expr::col("id").eq(r.id))
                        .to_owned();
                    tx.execute(&q).await?;
                }
                if !planned.is_empty() {
                    up.value("answer_due_on", due);
                    search_changed = true;
                }
            }
            (Some(note), public)
        }
        Transition::SendBack { comment } => (Some(comment.clone()), None),
        Transition::Answer(a) => {
            let route = decided_route(&routes, decision.route)?;
            let q = Query::update()
                .table("issue_routes")
                .value("stance", a.stance.key())
                .value("answer_text", a.answer_text.clone())
                .value("internal_note", a.internal_note.clone())
                .value("expected_on", a.expected_on)
                .value("reason", a.reason.clone())
                .value("answered_at", now)
                .value(
                    "first_answered_at",
                    Expr::col("first_answered_at").if_null(Expr::val(now)),
                )
                .value(
                    "first_answer_days",
                    Expr::col("first_answer_days").if_null(Expr::val(
                        route.routed_at.map(|r| kyodo_core::issues::stats::answer_days(r, now)),
                    )),
                )
                .value("answered_by", actor.name.clone().or_else(|| actor.login.clone()))
                .value("answered_by_user_id", actor.user_id)
                .and_where(Expr::col("id").eq(route.id))
                .to_owned();
            tx.execute(&q).await?;
            up.value("answer_due_on", earliest_due(&mut tx, muni, id).await?);
            search_changed = true;
            let mut public = format!("{}（{}）: {}", route.department_name, a.stance.label(), a.answer_text);
            if let Some(d) = a.expected_on {
                public.push_str(&format!("\n完了予定: {}", kyodo_core::wareki::format_date_wareki(d)));
            }
            let mut note = public.clone();
            if let Some(n) = &a.internal_note {
                note.push_str(&format!("\n（内部メモ）{n}"));
            }
            (Some(note), Some(public))
        }
        Transition::Reroute { to, reason, .. } => {
            let moved = decided_route(&routes, decision.route)?;
            let Some(to_name) = department_name(&mut tx, muni, *to).await? else {
                return Err(StoreError::Invalid(FieldErrors::single(
                    "to_department_id",
                    "新しい担当部署が見つかりません",
                )));
            };
            let from_name = &moved.department_name;
            let q = Query::update()
                .table("issue_routes")
                .value("rerouted_at", now)
                .value("reroute_reason", reason.clone())
                .and_where(Expr::col("id").eq(moved.id))
                .to_owned();
            tx.execute(&q).await?;
            let due = ctx.deadlines.due_on(ctx.today, &issue.category, issue.priority);
            insert_route(&mut tx, muni, id, *to, Some(due), ctx.at).await?;
            up.value("answer_due_on", earliest_due(&mut tx, muni, id).await?);
            search_changed = true;
            (
                Some(format!("{from_name} → {to_name}\n理由: {reason}")),
                Some(format!("担当部署を{to_name}に変更しました")),
            )
        }
        Transition::ReportBack(r) => {
            up.value("reported_on", r.reported_on)
                .value("report_method", r.method.key())
                .value("report_text", r.text.clone())
                .value("continuing", r.continuing);
            search_changed = true;
            let mut public = format!(
                "{}に{}で報告しました",
                kyodo_core::wareki::format_date_wareki(r.reported_on),
                r.method.label()
            );
            if let Some(text) = &r.text {
                public.push_str(&format!("\n{text}"));
            }
            if r.continuing {
                public.push_str("\n継続案件として引き続き対応します");
            }
            (Some(public.clone()), Some(public))
        }
        Transition::Close { reason } => {
            up.value("closed_at", now).value("close_reason", reason.clone());
            (reason.clone(), Some("完了しました".to_owned()))
        }
        Transition::Reopen { reason } => {
            up.value("closed_at", None::<chrono::DateTime<Utc>>)
                .value("close_reason", None::<String>)
                .value("answer_due_on", None::<NaiveDate>);
            // Earlier routes end here; sorting again routes afresh.
            let q = Query::update()
                .table("issue_routes")
                .value("rerouted_at", now)
                .value("reroute_reason", "課題の再開により終了")
                .and_where(Expr::col("issue_id").eq(id))
                .and_where(Expr::col("rerouted_at").is_null())
                .to_owned();
            tx.execute(&q).await?;
            (Some(reason.clone()), Some("再開しました".to_owned()))
        }
        Transition::Reflect {
            reference,
            reflected_on,
        } => {
            up.value("policy_reflection", reference.clone())
                .value("reflected_on", *reflected_on);
            (
                Some(reference.clone()),
                Some(format!("施策に反映されました: {reference}")),
            )
        }
    };
    if tx.execute(&up).await? == 0 {
        return Err(StoreError::Conflict);
    }
    if search_changed {
        refresh_search(&mut tx, muni, id).await?;
    }
    // Routed, answered, rerouted or reopened: the departments' lists follow.
    let routes = routes_in(&mut tx, muni, id).await?;
    super::department_index::sync(&mut tx, muni, id, issue.received_on, &routes).await?;
    super::dashboard_cells::sync(&mut tx, muni, id, counted.as_ref()).await?;
    record_event(
        &mut tx,
        actor,
        id,
        now,
        Step {
            action: t.action(),
            from: Some(issue.status),
            to: Some(decision.to),
            note,
            public_note,
        },
    )
    .await?;
    tx.commit().await?;
    super::get(db, muni, id).await
}
