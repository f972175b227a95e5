//! Plans (将来計画・年度計画・地区防災計画), their projects (事業), the advice
//! on them (助言) and the revisions of an adopted plan (変更).

use chrono::Utc;
use kyodo_core::plans::overdue::BodyPlans;
use kyodo_core::plans::projects::{FundingSource, Project, ProjectInput, ProjectStatus, SummaryRow, ThemeSums};
use kyodo_core::plans::{Plan, PlanComment, PlanInput, PlanKind, PlanRevision, PlanRow, PlanText};
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};

use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};
use crate::organisations::Visible;

const TABLE: &str = "plans";
const COLUMNS: [&str; 14] = [
    "id",
    "municipality_id",
    "organisation_id",
    "kind",
    "title",
    "first_year",
    "last_year",
    "text",
    "adopted_on",
    "adopted_by",
    "locked_at",
    "public",
    "version",
    "updated_at",
];

const PROJECT_COLUMNS: [&str; 15] = [
    "id",
    "plan_id",
    "name",
    "theme",
    "purpose",
    "months",
    "responsible",
    "budget",
    "status",
    "outcome",
    "participants",
    "department_id",
    "indicators",
    "version",
    "updated_at",
];

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| ("p", c)))
        .expr_as(Expr::col(("o", "name")), "organisation_name")
        .from_as(TABLE, "p")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "organisations",
            "o",
            Expr::col(("o", "id")).equals(("p", "organisation_id")),
        );
    q
}

/// Which plans a list shows.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    pub organisation_id: Option<i64>,
    pub kind: Option<PlanKind>,
    /// Plans covering this 年度.
    pub fiscal_year: Option<i32>,
}

/// Which plans a caller reaches: those of the bodies it reaches, or — a
/// department — those with a project naming it (関係部署).
#[derive(Debug, Clone)]
pub enum PlanReach {
    Bodies(Visible),
    NamingDepartment(i64),
}

/// Narrows `q` (plans as `p`, their bodies as `o`) to `reach`.
fn restrict(q: &mut SelectStatement, reach: &PlanReach) {
    match reach {
        PlanReach::Bodies(Visible::All) => {}
        PlanReach::Bodies(Visible::InAreas(ids)) => {
            q.and_where(Expr::col(("o", "area_id")).is_in(ids.clone()));
        }
        PlanReach::Bodies(Visible::Only(id)) => {
            q.and_where(Expr::col(("p", "organisation_id")).eq(*id));
        }
        PlanReach::NamingDepartment(department) => {
            q.and_where(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from_as("plan_projects", "n")
                    .and_where(Expr::col(("n", "plan_id")).equals(("p", "id")))
                    .and_where(Expr::col(("n", "department_id")).eq(*department))
                    .to_owned(),
            ));
        }
    }
}

/// Whether a project of the plan names `department_id` as its 関係部署.
pub async fn names_department(db: &Db, plan_id: i64, department_id: i64) -> Result<bool> {
    let n = db
        .fetch_i64(
            &Query::select()
                .expr(Expr::col("id").count())
                .from("plan_projects")
                .and_where(Expr::col("plan_id").eq(plan_id))
                .and_where(Expr::col("department_id").eq(department_id))
                .to_owned(),
        )
        .await?;
    Ok(n > 0)
}

/// The plans within reach, newest period first; at most `limit`.
pub async fn list(
    db: &Db,
    municipality_id: i64,
    reach: &PlanReach,
    filter: &PlanFilter,
    limit: u64,
) -> Result<Vec<PlanRow>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("p", "municipality_id")).eq(municipality_id));
    restrict(&mut q, reach);
    if let Some(org) = filter.organisation_id {
        q.and_where(Expr::col(("p", "organisation_id")).eq(org));
    }
    if let Some(kind) = filter.kind {
        q.and_where(Expr::col(("p", "kind")).eq(kind.key()));
    }
    if let Some(year) = filter.fiscal_year {
        q.and_where(Expr::col(("p", "first_year")).lte(year))
            .and_where(Expr::col(("p", "last_year")).gte(year));
    }
    q.order_by(("p", "first_year"), Order::Desc)
        .order_by(("p", "id"), Order::Desc)
        .limit(limit);
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<PlanRow> {
    let q = select_rows()
        .and_where(Expr::col(("p", "id")).eq(id))
        .and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Plan> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

/// The organisation's plans of `kind` whose period meets `first..=last`, other than `except`.
async fn overlapping(tx: &mut Tx, input: &PlanInput, except: Option<i64>) -> Result<Vec<Plan>> {
    let mut q = Query::select();
    q.columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("organisation_id").eq(input.organisation_id))
        .and_where(Expr::col("kind").eq(input.kind.key()))
        .and_where(Expr::col("first_year").lte(input.last_year))
        .and_where(Expr::col("last_year").gte(input.first_year));
    if let Some(id) = except {
        q.and_where(Expr::col("id").ne(id));
    }
    tx.fetch_all(&q).await
}

/// The organisation's future plans, newest first.
async fn future_plans(tx: &mut Tx, organisation_id: i64) -> Result<Vec<Plan>> {
    tx.fetch_all(
        &Query::select()
            .columns(COLUMNS)
            .from(TABLE)
            .and_where(Expr::col("organisation_id").eq(organisation_id))
            .and_where(Expr::col("kind").eq(PlanKind::Future.key()))
            .order_by("first_year", Order::Desc)
            .to_owned(),
    )
    .await
}

/// The text (分野, goals) of the adopted future plan covering `year`, if there is one.
pub async fn future_for(db: &Db, organisation_id: i64, year: i32) -> Result<Option<PlanText>> {
    let mut tx = db.begin().await?;
    let plans = future_plans(&mut tx, organisation_id).await?;
    tx.commit().await?;
    Ok(plans
        .into_iter()
        .find(|p| p.adopted() && p.first_year <= year && year <= p.last_year)
        .map(|p| p.text))
}

/// The rules a plan's period keeps: no two of a kind overlap, and a 年度計画
/// lies within a 将来計画 when the body has any.
async fn check(tx: &mut Tx, municipality_id: i64, input: &PlanInput, except: Option<i64>) -> Result<()> {
    let mut errors = FieldErrors::new();
    if !common::exists_in(tx, "organisations", municipality_id, input.organisation_id).await? {
        errors.add("organisation_id", "団体が見つかりません");
        return Err(StoreError::Invalid(errors));
    }
    for id in &input.text.issue_ids {
        if !common::row_exists(tx, "issues", municipality_id, *id).await? {
            errors.add("issue_ids", format!("課題 No.{id} が見つかりません"));
        }
    }
    if let Some(other) = overlapping(tx, input, except).await?.first() {
        errors.add(
            "first_year",
            format!(
                "期間が同じ団体の{}「{}」（{}）と重なっています",
                input.kind.label(),
                other.title,
                other.period()
            ),
        );
    }
    if input.kind == PlanKind::Annual {
        let futures = future_plans(tx, input.organisation_id).await?;
        if !futures.is_empty()
            && !futures
                .iter()
                .any(|f| f.first_year <= input.first_year && input.first_year <= f.last_year)
        {
            let periods: Vec<String> = futures.iter().map(Plan::period).collect();
            errors.add(
                "first_year",
                format!("年度計画の年度が将来計画の期間（{}）の外です", periods.join("、")),
            );
        }
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

fn text_json(input: &PlanInput) -> Result<String> {
    serde_json::to_string(&input.text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub async fn create(db: &Db, actor: &Actor, input: &PlanInput) -> Result<PlanRow> {
    let mut tx = db.begin().await?;
    check(&mut tx, actor.municipality_id, input, None).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "kind",
                    "title",
                    "first_year",
                    "last_year",
                    "text",
                    "adopted_on",
                    "adopted_by",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    input.organisation_id.into(),
                    input.kind.key().into(),
                    input.title.clone().into(),
                    input.first_year.into(),
                    input.last_year.into(),
                    text_json(input)?.into(),
                    input.adopted_on.into(),
                    input.adopted_by.clone().into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let after = get_in(&mut tx, actor.municipality_id, id).await?;
    common::audit_change(&mut tx, actor, TABLE, id, None, audit::snapshot(&after)).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Refuses a change to a locked plan, and one to an adopted plan without its reason.
fn check_change(plan: &Plan, reason: Option<&String>) -> Result<()> {
    if plan.locked_at.is_some() {
        return Err(StoreError::Refused(format!(
            "「{}」は制度所管課が確定したため変更できません",
            plan.title
        )));
    }
    if plan.adopted() && reason.is_none() {
        return Err(StoreError::Invalid(FieldErrors::single(
            "change_reason",
            "議決済みの計画を変更するときは、変更の理由を入力してください",
        )));
    }
    Ok(())
}

/// Keeps what an adopted plan was before a change (変更の記録).
async fn keep_revision(
    tx: &mut Tx,
    actor: &Actor,
    plan: &Plan,
    changes: serde_json::Value,
    reason: Option<&String>,
) -> Result<()> {
    if !plan.adopted() {
        return Ok(());
    }
    tx.insert_id(
        &Query::insert()
            .into_table("plan_revisions")
            .columns([
                "municipality_id",
                "plan_id",
                "version",
                "changes",
                "reason",
                "actor_name",
                "created_at",
            ])
            .values_panic([
                actor.municipality_id.into(),
                plan.id.into(),
                plan.version.into(),
                changes.to_string().into(),
                reason.cloned().into(),
                actor.name.clone().into(),
                Utc::now().into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Bumps the plan's version, so that an edit of the plan read before a
/// project changed is told (409).
async fn touch(tx: &mut Tx, plan_id: i64) -> Result<()> {
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("version", Expr::col("version").add(1))
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(plan_id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn update(db: &Db, actor: &Actor, id: i64, version: Option<i64>, input: &PlanInput) -> Result<PlanRow> {
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, actor.municipality_id, id).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(StoreError::Conflict);
    }
    if before.organisation_id != input.organisation_id || before.kind != input.kind {
        return Err(StoreError::Invalid(FieldErrors::single(
            "kind",
            "計画の団体と種類は変えられません（新しい計画として作成してください）",
        )));
    }
    check_change(&before, input.change_reason.as_ref())?;
    check(&mut tx, actor.municipality_id, input, Some(id)).await?;
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("title", input.title.clone())
            .value("first_year", input.first_year)
            .value("last_year", input.last_year)
            .value("text", text_json(input)?)
            .value("adopted_on", input.adopted_on)
            .value("adopted_by", input.adopted_by.clone())
            .value("version", Expr::col("version").add(1))
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    let after = get_in(&mut tx, actor.municipality_id, id).await?;
    let changes = kyodo_core::audit::diff(&audit::snapshot(&before), &audit::snapshot(&after));
    keep_revision(&mut tx, actor, &before, changes, input.change_reason.as_ref()).await?;
    common::audit_change(
        &mut tx,
        actor,
        TABLE,
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// The coordinator locks an adopted plan: its text is final.
/// Publishes an adopted plan and its progress on the public site, or takes
/// it off. A draft is the body's own business until its 総会 adopts it.
pub async fn set_public(db: &Db, actor: &Actor, id: i64, public: bool) -> Result<PlanRow> {
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, actor.municipality_id, id).await?;
    if public && !before.adopted() {
        return Err(StoreError::Refused(
            "議決された計画だけを公開できます。総会などで議決した日を記録してから公開してください".into(),
        ));
    }
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("public", public)
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
            .to_owned(),
    )
    .await?;
    let after = get_in(&mut tx, actor.municipality_id, id).await?;
    common::audit_change(
        &mut tx,
        actor,
        TABLE,
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// A body's published plans, the newest first, each with its projects
/// (for its public page): two queries however many plans.
pub async fn public_of(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<(Plan, Vec<Project>)>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .and_where(Expr::col("public").eq(true))
        .order_by("first_year", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(20)
        .to_owned();
    let plans: Vec<Plan> = db.fetch_all(&q).await?;
    if plans.is_empty() {
        return Ok(Vec::new());
    }
    let projects: Vec<Project> = db
        .fetch_all(
            &Query::select()
                .columns(PROJECT_COLUMNS)
                .from("plan_projects")
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .and_where(Expr::col("plan_id").is_in(plans.iter().map(|p| p.id)))
                .order_by("id", Order::Asc)
                .to_owned(),
        )
        .await?;
    Ok(plans
        .into_iter()
        .map(|plan| {
            let own = projects.iter().filter(|p| p.plan_id == plan.id).cloned().collect();
            (plan, own)
        })
        .collect())
}

pub async fn lock(db: &Db, actor: &Actor, id: i64) -> Result<PlanRow> {
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, actor.municipality_id, id).await?;
    if !before.adopted() {
        return Err(StoreError::Refused("議決されていない計画は確定できません".into()));
    }
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("locked_at", Utc::now())
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    let after = get_in(&mut tx, actor.municipality_id, id).await?;
    common::audit_change(
        &mut tx,
        actor,
        TABLE,
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn revisions(db: &Db, municipality_id: i64, plan_id: i64) -> Result<Vec<PlanRevision>> {
    db.fetch_all(
        &Query::select()
            .columns([
                "id",
                "plan_id",
                "version",
                "changes",
                "reason",
                "actor_name",
                "created_at",
            ])
            .from("plan_revisions")
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("plan_id").eq(plan_id))
            .order_by("id", Order::Desc)
            .to_owned(),
    )
    .await
}

// --- Projects (事業) ---

pub async fn projects(db: &Db, municipality_id: i64, plan_id: i64) -> Result<Vec<Project>> {
    db.fetch_all(
        &Query::select()
            .columns(PROJECT_COLUMNS)
            .from("plan_projects")
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("plan_id").eq(plan_id))
            .order_by("id", Order::Asc)
            .to_owned(),
    )
    .await
}

async fn project_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Project> {
    tx.fetch_optional(
        &Query::select()
            .columns(PROJECT_COLUMNS)
            .from("plan_projects")
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

pub async fn project(db: &Db, municipality_id: i64, id: i64) -> Result<Project> {
    let mut tx = db.begin().await?;
    let p = project_in(&mut tx, municipality_id, id).await?;
    tx.commit().await?;
    Ok(p)
}

fn budget_json(input: &ProjectInput) -> Result<String> {
    serde_json::to_string(&input.budget).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn indicators_json(input: &ProjectInput) -> Result<String> {
    serde_json::to_string(&input.indicators).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The 関係部署 named is one of the city's own.
async fn check_department(tx: &mut Tx, municipality_id: i64, input: &ProjectInput) -> Result<()> {
    match input.department_id {
        Some(d) if !common::exists_in(tx, "departments", municipality_id, d).await? => Err(StoreError::Invalid(
            FieldErrors::single("department_id", "関係部署を一覧から選んでください"),
        )),
        _ => Ok(()),
    }
}

/// Adds a project to a 年度計画.
pub async fn add_project(db: &Db, actor: &Actor, plan_id: i64, input: &ProjectInput) -> Result<Project> {
    let mut tx = db.begin().await?;
    let plan = get_in(&mut tx, actor.municipality_id, plan_id).await?;
    if plan.kind != PlanKind::Annual {
        return Err(StoreError::Refused(format!(
            "事業は年度計画に登録します（この計画は{}です）",
            plan.kind.label()
        )));
    }
    check_change(&plan, input.change_reason.as_ref())?;
    check_department(&mut tx, actor.municipality_id, input).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("plan_projects")
                .columns([
                    "municipality_id",
                    "plan_id",
                    "name",
                    "theme",
                    "purpose",
                    "months",
                    "responsible",
                    "budget",
                    "budget_total",
                    "grant_total",
                    "status",
                    "outcome",
                    "participants",
                    "department_id",
                    "indicators",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    plan_id.into(),
                    input.name.clone().into(),
                    input.theme.clone().into(),
                    input.purpose.clone().into(),
                    input.months_text().into(),
                    input.responsible.clone().into(),
                    budget_json(input)?.into(),
                    input.budget.total().into(),
                    input.budget.from_source(FundingSource::Grant).into(),
                    input.status.key().into(),
                    input.outcome.clone().into(),
                    input.participants.into(),
                    input.department_id.into(),
                    indicators_json(input)?.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let after = project_in(&mut tx, actor.municipality_id, id).await?;
    let changes = serde_json::json!({"added_project": input.name});
    keep_revision(&mut tx, actor, &plan, changes, input.change_reason.as_ref()).await?;
    touch(&mut tx, plan_id).await?;
    common::audit_change(&mut tx, actor, "plan_projects", id, None, audit::snapshot(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Changes a project: its plan's content before adoption, a recorded
/// 変更 after; progress (status, outcome, participants, actual costs) at any time.
pub async fn update_project(
    db: &Db,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
    input: &ProjectInput,
) -> Result<Project> {
    let mut tx = db.begin().await?;
    let before = project_in(&mut tx, actor.municipality_id, id).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(StoreError::Conflict);
    }
    let plan = get_in(&mut tx, actor.municipality_id, before.plan_id).await?;
    check_department(&mut tx, actor.municipality_id, input).await?;
    // Progress is reported on an adopted (even locked) plan; the plan itself changes only as a recorded 変更.
    let planned = |p: &Project| {
        serde_json::json!({
            "name": p.name, "theme": p.theme, "purpose": p.purpose, "months": p.months,
            "responsible": p.responsible,
            "budget": p.budget.0.iter().map(|l| (l.item.clone(), l.source, l.amount)).collect::<Vec<_>>(),
        })
    };
    let planned_before = planned(&before);
    tx.execute(
        &Query::update()
            .table("plan_projects")
            .value("name", input.name.clone())
            .value("theme", input.theme.clone())
            .value("purpose", input.purpose.clone())
            .value("months", input.months_text())
            .value("responsible", input.responsible.clone())
            .value("budget", budget_json(input)?)
            .value("budget_total", input.budget.total())
            .value("grant_total", input.budget.from_source(FundingSource::Grant))
            .value("status", input.status.key())
            .value("outcome", input.outcome.clone())
            .value("participants", input.participants)
            .value("department_id", input.department_id)
            .value("indicators", indicators_json(input)?)
            .value("version", Expr::col("version").add(1))
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    let after = project_in(&mut tx, actor.municipality_id, id).await?;
    let plan_changes = kyodo_core::audit::diff(&planned_before, &planned(&after));
    if plan_changes.as_object().is_some_and(|c| !c.is_empty()) {
        check_change(&plan, input.change_reason.as_ref())?;
        let changes = serde_json::json!({"project": after.name, "changes": plan_changes});
        keep_revision(&mut tx, actor, &plan, changes, input.change_reason.as_ref()).await?;
        touch(&mut tx, plan.id).await?;
    }
    common::audit_change(
        &mut tx,
        actor,
        "plan_projects",
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

// --- Advice (助言) ---

pub async fn comments(db: &Db, municipality_id: i64, plan_id: i64) -> Result<Vec<PlanComment>> {
    db.fetch_all(
        &Query::select()
            .columns(["id", "plan_id", "project_id", "body", "actor_name", "created_at"])
            .from("plan_comments")
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("plan_id").eq(plan_id))
            .order_by("id", Order::Asc)
            .to_owned(),
    )
    .await
}

pub async fn add_comment(db: &Db, actor: &Actor, plan_id: i64, project_id: Option<i64>, body: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    get_in(&mut tx, actor.municipality_id, plan_id).await?;
    if let Some(p) = project_id
        && project_in(&mut tx, actor.municipality_id, p).await?.plan_id != plan_id
    {
        return Err(StoreError::NotFound);
    }
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("plan_comments")
                .columns([
                    "municipality_id",
                    "plan_id",
                    "project_id",
                    "body",
                    "actor_name",
                    "created_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    plan_id.into(),
                    project_id.into(),
                    body.to_owned().into(),
                    actor.name.clone().into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    common::audit_change(
        &mut tx,
        actor,
        "plan_comments",
        id,
        None,
        serde_json::json!({"plan_id": plan_id, "project_id": project_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// --- The coordinator's summary of a 年度 (年度計画の一覧) ---

/// Every project of the 年度計画 of `fiscal_year` within reach, by body and project.
pub async fn summary(db: &Db, municipality_id: i64, reach: &PlanReach, fiscal_year: i32) -> Result<Vec<SummaryRow>> {
    let mut q = annual_of_year(municipality_id, reach, fiscal_year, JoinType::InnerJoin);
    q.expr_as(Expr::col(("x", "id")), "project_id").columns([
        ("x", "name"),
        ("x", "theme"),
        ("x", "months"),
        ("x", "responsible"),
        ("x", "budget"),
        ("x", "status"),
        ("x", "participants"),
    ]);
    q.order_by(("o", "code"), Order::Asc).order_by(("x", "id"), Order::Asc);
    db.fetch_all(&q).await
}

/// The 年度計画 of `fiscal_year` within reach, one row per (plan, 分野) with
/// the kept sums of its projects: what the coordinator's summary folds into
/// one line per body. One pass over the year's projects; no budget JSON read.
pub async fn summary_by_theme(
    db: &Db,
    municipality_id: i64,
    reach: &PlanReach,
    fiscal_year: i32,
) -> Result<Vec<ThemeSums>> {
    let sum = |e: Expr| -> Expr { Func::cast_as(Func::coalesce([e.sum(), Expr::val(0)]), "BIGINT").into() };
    let mut q = annual_of_year(municipality_id, reach, fiscal_year, JoinType::LeftJoin);
    q.column(("x", "theme"))
        .expr_as(Func::cast_as(Expr::col(("x", "id")).count(), "BIGINT"), "projects")
        .expr_as(
            sum(Expr::case(Expr::col(("x", "status")).eq(ProjectStatus::Done.key()), 1)
                .finally(0)
                .into()),
            "done",
        )
        .expr_as(sum(Expr::col(("x", "budget_total"))), "budget_total")
        .expr_as(sum(Expr::col(("x", "grant_total"))), "grant_total")
        .group_by_col(("o", "id"))
        .group_by_col(("o", "code"))
        .group_by_col(("o", "name"))
        .group_by_col(("p", "id"))
        .group_by_col(("p", "title"))
        .group_by_col(("p", "adopted_on"))
        .group_by_col(("x", "theme"))
        .order_by(("o", "code"), Order::Asc)
        .order_by(("p", "id"), Order::Asc);
    db.fetch_all(&q).await
}

/// The 年度計画 of a 年度 within reach (`p`), their bodies (`o`) and projects
/// (`x`), selecting what names each plan (kyodo_core's `AnnualPlanOf`).
fn annual_of_year(municipality_id: i64, reach: &PlanReach, fiscal_year: i32, projects: JoinType) -> SelectStatement {
    let mut q = Query::select();
    q.expr_as(Expr::col(("o", "id")), "organisation_id")
        .expr_as(Expr::col(("o", "code")), "organisation_code")
        .expr_as(Expr::col(("o", "name")), "organisation_name")
        .expr_as(Expr::col(("p", "id")), "plan_id")
        .expr_as(Expr::col(("p", "title")), "plan_title")
        .column(("p", "adopted_on"))
        .from_as(TABLE, "p")
        .join_as(
            projects,
            "plan_projects",
            "x",
            Expr::col(("x", "plan_id")).equals(("p", "id")),
        )
        .join_as(
            JoinType::InnerJoin,
            "organisations",
            "o",
            Expr::col(("o", "id")).equals(("p", "organisation_id")),
        )
        .and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("p", "kind")).eq(PlanKind::Annual.key()))
        .and_where(Expr::col(("p", "first_year")).eq(fiscal_year));
    restrict(&mut q, reach);
    q
}

/// The 分野 of each body's adopted future plan covering `fiscal_year`: (organisation, themes).
pub async fn themes_in(db: &Db, municipality_id: i64, fiscal_year: i32) -> Result<Vec<(i64, Vec<String>)>> {
    let plans: Vec<Plan> = db
        .fetch_all(
            &Query::select()
                .columns(COLUMNS)
                .from(TABLE)
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .and_where(Expr::col("kind").eq(PlanKind::Future.key()))
                .and_where(Expr::col("first_year").lte(fiscal_year))
                .and_where(Expr::col("last_year").gte(fiscal_year))
                .and_where(Expr::col("adopted_on").is_not_null())
                .to_owned(),
        )
        .await?;
    Ok(plans.into_iter().map(|p| (p.organisation_id, p.text.themes)).collect())
}

// --- What bodies owe (提出状況) ---

/// The area bodies (of `kind`) within reach, each with this 年度's 年度計画
/// and how many projects of last 年度's still lack a result.
pub async fn bodies(
    db: &Db,
    municipality_id: i64,
    visible: &Visible,
    kind: &str,
    fiscal_year: i32,
) -> Result<Vec<BodyPlans>> {
    use kyodo_core::plans::projects::ProjectStatus;
    let annual = PlanKind::Annual.key();
    let mut q = Query::select();
    q.expr_as(Expr::col(("o", "id")), "organisation_id")
        .expr_as(Expr::col(("o", "name")), "organisation_name")
        .columns([("o", "area_id"), ("o", "stage")])
        .expr_as(Expr::col(("a", "id")), "annual_plan_id")
        .expr_as(
            Expr::cust("CASE WHEN a.id IS NULL THEN NULL WHEN a.adopted_on IS NULL THEN FALSE ELSE TRUE END"),
            "annual_plan_adopted",
        )
        .expr_as(Expr::col(("l", "id")), "last_plan_id")
        .expr_as(
            Expr::cust(format!(
                "(SELECT COUNT(*) FROM plan_projects x WHERE x.plan_id = l.id AND x.status NOT IN ('{}', '{}'))",
                ProjectStatus::Done.key(),
                ProjectStatus::Cancelled.key()
            )),
            "last_plan_open",
        )
        .from_as("organisations", "o")
        .join_as(
            sea_query::JoinType::LeftJoin,
            TABLE,
            "a",
            Expr::col(("a", "organisation_id"))
                .equals(("o", "id"))
                .and(Expr::col(("a", "kind")).eq(annual))
                .and(Expr::col(("a", "first_year")).eq(fiscal_year)),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            TABLE,
            "l",
            Expr::col(("l", "organisation_id"))
                .equals(("o", "id"))
                .and(Expr::col(("l", "kind")).eq(annual))
                .and(Expr::col(("l", "first_year")).eq(fiscal_year - 1)),
        )
        .and_where(Expr::col(("o", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("o", "kind")).eq(kind))
        .and_where(Expr::col(("o", "archived_at")).is_null());
    match visible {
        Visible::All => {}
        Visible::InAreas(ids) => {
            q.and_where(Expr::col(("o", "area_id")).is_in(ids.clone()));
        }
        Visible::Only(id) => {
            q.and_where(Expr::col(("o", "id")).eq(*id));
        }
    }
    q.order_by(("o", "code"), Order::Asc);
    db.fetch_all(&q).await
}
