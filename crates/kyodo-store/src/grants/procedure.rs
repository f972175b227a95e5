//! Each organisation's grant for a 年度 through its procedure: opened for a
//! 認可 body, applied for from the adopted 年度計画, decided, paid, changed,
//! reported, fixed and settled. Every step is a row of its own; the grant
//! keeps the sums, so a year's overview reads one row per body.

use chrono::{NaiveDate, Utc};
use kyodo_core::grants::grant::{Grant, GrantBudgetLine, GrantRow, GrantStep, StepInput, statement};
use kyodo_core::grants::procedure::{self, ExpenseItem, GrantAction, GrantStatus};
use kyodo_core::plans::PlanKind;
use kyodo_core::plans::projects::{Budget, FundingSource};
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::text::grouped;
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::format_fiscal_year;
use sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use super::json;
use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

pub(super) const TABLE: &str = "grants";
const STEPS: &str = "grant_steps";
const COLUMNS: [&str; 16] = [
    "id",
    "municipality_id",
    "organisation_id",
    "scheme_id",
    "fiscal_year",
    "status",
    "requested",
    "decided",
    "fixed",
    "paid",
    "refunded",
    "carried",
    "refund_due",
    "version",
    "created_at",
    "updated_at",
];

fn select_rows(municipality_id: i64) -> SelectStatement {
    let mut q = Query::select();
    for c in COLUMNS {
        q.column(("g", c));
    }
    q.expr_as(Expr::col(("o", "name")), Alias::new("organisation_name"))
        .expr_as(Expr::col(("o", "code")), Alias::new("organisation_code"))
        .column(("o", "area_id"))
        .from_as(TABLE, "g")
        .join_as(
            JoinType::InnerJoin,
            "organisations",
            "o",
            Expr::col(("o", "id")).equals(("g", "organisation_id")),
        )
        .and_where(Expr::col(("g", "municipality_id")).eq(municipality_id))
        .to_owned()
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<GrantRow> {
    db.fetch_optional(
        &select_rows(municipality_id)
            .and_where(Expr::col(("g", "id")).eq(id))
            .to_owned(),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

pub(super) async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<GrantRow> {
    tx.fetch_optional(
        &select_rows(municipality_id)
            .and_where(Expr::col(("g", "id")).eq(id))
            .to_owned(),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// An organisation's grants, the newest 年度 first.
pub async fn for_organisation(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<GrantRow>> {
    db.fetch_all(
        &select_rows(municipality_id)
            .and_where(Expr::col(("g", "organisation_id")).eq(organisation_id))
            .order_by(("g", "fiscal_year"), Order::Desc)
            .to_owned(),
    )
    .await
}

/// A 年度's grants in the order of the bodies' codes: the coordinator's overview.
pub async fn year(db: &Db, municipality_id: i64, fiscal_year: i32) -> Result<Vec<GrantRow>> {
    db.fetch_all(
        &select_rows(municipality_id)
            .and_where(Expr::col(("g", "fiscal_year")).eq(fiscal_year))
            .order_by(("o", "code"), Order::Asc)
            .order_by(("g", "id"), Order::Asc)
            .to_owned(),
    )
    .await
}

/// The grant's steps, oldest first.
pub async fn steps(db: &Db, municipality_id: i64, grant_id: i64) -> Result<Vec<GrantStep>> {
    db.fetch_all(&steps_query(municipality_id, grant_id)).await
}

/// A step's own columns, after its grant's.
const STEP_COLUMNS: [&str; 10] = [
    "action",
    "on_date",
    "amount",
    "number",
    "note",
    "due",
    "budget",
    "statement",
    "actor_name",
    "created_at",
];

fn steps_query(municipality_id: i64, grant_id: i64) -> SelectStatement {
    Query::select()
        .columns(["id", "grant_id"].into_iter().chain(STEP_COLUMNS))
        .from(STEPS)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("grant_id").eq(grant_id))
        .order_by("id", Order::Asc)
        .to_owned()
}

/// The application or 変更申請 the decision in force was made on (a
/// returned change leaves the one before in force).
fn decided_application(steps: &[GrantStep]) -> Option<&GrantStep> {
    let mut pending: Option<&GrantStep> = None;
    let mut in_force = None;
    for s in steps {
        match s.action {
            GrantAction::Apply | GrantAction::Change => pending = Some(s),
            GrantAction::Decide => in_force = pending.take().or(in_force),
            GrantAction::Return => pending = None,
            _ => {}
        }
    }
    in_force
}

/// The budget decided on: that of the application the decision in force was made on.
pub fn budget_in_force(steps: &[GrantStep]) -> Vec<GrantBudgetLine> {
    decided_application(steps)
        .map(|s| s.budget.0.clone())
        .unwrap_or_default()
}

/// The adopted 年度計画 of a body for a 年度: its projects, and its lines
/// funded by the grant as the 収支予算書 (each plan's 費目 sorted into the
/// grant's).
pub struct PlanBudget {
    pub plan_id: i64,
    pub projects: Vec<(i64, String)>,
    pub lines: Vec<GrantBudgetLine>,
}

pub async fn plan_budget(
    db: &Db,
    municipality_id: i64,
    organisation_id: i64,
    fiscal_year: i32,
) -> Result<Option<PlanBudget>> {
    let mut tx = db.begin().await?;
    let found = plan_budget_in(&mut tx, municipality_id, organisation_id, fiscal_year).await?;
    tx.commit().await?;
    Ok(found)
}

pub(super) async fn plan_budget_in(
    tx: &mut Tx,
    municipality_id: i64,
    organisation_id: i64,
    fiscal_year: i32,
) -> Result<Option<PlanBudget>> {
    let plan: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column("id")
                .from("plans")
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("kind").eq(PlanKind::Annual.key()))
                .and_where(Expr::col("first_year").eq(fiscal_year))
                .and_where(Expr::col("adopted_on").is_not_null())
                .order_by("id", Order::Desc)
                .limit(1)
                .to_owned(),
        )
        .await?;
    let Some((plan_id,)) = plan else {
        return Ok(None);
    };
    let rows: Vec<(i64, String, String)> = tx
        .fetch_all(
            &Query::select()
                .columns(["id", "name", "budget"])
                .from("plan_projects")
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .and_where(Expr::col("plan_id").eq(plan_id))
                .order_by("id", Order::Asc)
                .to_owned(),
        )
        .await?;
    let mut lines: Vec<GrantBudgetLine> = Vec::new();
    let mut projects = Vec::new();
    for (id, name, budget) in rows {
        let budget = Budget::try_from(budget).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        for l in budget
            .0
            .iter()
            .filter(|l| l.source == FundingSource::Grant && l.amount > 0)
        {
            let item = ExpenseItem::classify(&l.item);
            match lines.iter_mut().find(|x| x.project_id == id && x.item == item) {
                Some(line) => line.amount = line.amount.saturating_add(l.amount),
                None => lines.push(GrantBudgetLine {
                    project_id: id,
                    project: name.clone(),
                    item,
                    amount: l.amount,
                }),
            }
        }
        projects.push((id, name));
    }
    Ok(Some(PlanBudget {
        plan_id,
        projects,
        lines,
    }))
}

/// Whether a body of this kind and standing may receive the grant.
fn refusal_for(settings: &SchemeSettings, organisation: &kyodo_core::organisations::Organisation) -> Option<String> {
    if organisation.archived_at.is_some() {
        return Some("アーカイブ済みの団体です".into());
    }
    if settings.area_body_kind.as_deref() != Some(organisation.kind.as_str()) {
        return Some(format!(
            "種別「{}」の団体は交付金の対象ではありません",
            organisation.kind
        ));
    }
    if settings.recognition && !organisation.recognised() {
        return Some("交付金は市の認可を受けた地域運営組織だけが申請できます".into());
    }
    None
}

/// Opens a body's grant for a 年度 (未申請), under that year's scheme.
pub async fn open(
    db: &Db,
    actor: &Actor,
    settings: &SchemeSettings,
    organisation_id: i64,
    fiscal_year: i32,
) -> Result<GrantRow> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let organisation = crate::organisations::get_in(&mut tx, muni, organisation_id).await?;
    if let Some(refusal) = refusal_for(settings, &organisation) {
        return Err(StoreError::Refused(refusal));
    }
    let scheme: Option<(i64,)> = tx
        .fetch_optional(
            &Query::select()
                .column("id")
                .from("grant_schemes")
                .and_where(Expr::col("municipality_id").eq(muni))
                .and_where(Expr::col("fiscal_year").eq(fiscal_year))
                .order_by("id", Order::Asc)
                .limit(1)
                .to_owned(),
        )
        .await?;
    let Some((scheme_id,)) = scheme else {
        return Err(StoreError::Refused(format!(
            "{}の交付金の制度（算定式）がまだありません",
            format_fiscal_year(fiscal_year)
        )));
    };
    let already = || {
        StoreError::Refused(format!(
            "{}の交付金はこの団体にもうあります",
            format_fiscal_year(fiscal_year)
        ))
    };
    let existing = tx
        .fetch_i64(
            &Query::select()
                .expr(Expr::col("id").count())
                .from(TABLE)
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("fiscal_year").eq(fiscal_year))
                .to_owned(),
        )
        .await?;
    if existing > 0 {
        return Err(already());
    }
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "scheme_id",
                    "fiscal_year",
                    "status",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    muni.into(),
                    organisation_id.into(),
                    scheme_id.into(),
                    fiscal_year.into(),
                    GrantStatus::NotApplied.key().into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await
        .map_err(|e| match e {
            // Two opened at once: the unique index refuses the second.
            StoreError::Database(sqlx::Error::Database(d)) if d.is_unique_violation() => already(),
            other => other,
        })?;
    let created = get_in(&mut tx, muni, id).await?;
    common::audit_change(&mut tx, actor, TABLE, id, None, audit::snapshot(&created.grant)).await?;
    tx.commit().await?;
    Ok(created)
}

/// The most lines a 収支予算書 has (a 年度計画's projects × 費目, with room).
const MAX_BUDGET_LINES: usize = 200;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldErrors::single(field, message))
}

/// Checks the 収支予算書 against the adopted plan: every line a project of
/// it, the application's amount its 交付金 total.
fn check_budget(plan: &PlanBudget, lines: &mut [GrantBudgetLine], amount: Option<i64>) -> Result<i64, FieldErrors> {
    let mut errors = FieldErrors::new();
    if lines.len() > MAX_BUDGET_LINES {
        errors.add("budget", format!("収支予算書は{MAX_BUDGET_LINES}行までです"));
        return Err(errors);
    }
    for (i, line) in lines.iter_mut().enumerate() {
        match plan.projects.iter().find(|(id, _)| *id == line.project_id) {
            Some((_, name)) => line.project = name.clone(),
            None => errors.add(
                &format!("budget[{i}].project_id"),
                format!("{}行目: 議決された年度計画の事業ではありません", i + 1),
            ),
        }
        if line.amount < 0 {
            errors.add(
                &format!("budget[{i}].amount"),
                format!("{}行目: 金額は0円以上です", i + 1),
            );
        }
    }
    let total = lines
        .iter()
        .fold(0i64, |s, l| s.saturating_add(std::cmp::max(l.amount, 0)));
    if total == 0 {
        errors.add(
            "budget",
            "年度計画に交付金を財源とする予算がありません。事業の予算に財源「交付金」の行を入れてください",
        );
    }
    let requested = amount.unwrap_or(total);
    if total > 0 && requested != total {
        errors.add(
            "amount",
            format!(
                "申請額 {}円と収支予算書の交付金の計 {}円が一致しません",
                grouped(requested),
                grouped(total)
            ),
        );
    }
    errors.into_result(requested)
}

/// How a step is taken: its day, the version the caller read (a grant
/// changed since is a conflict, as is a second coordinator deciding what
/// the first just decided), and the body's 算定額 under the scheme's formula,
/// which an application may not pass.
#[derive(Debug, Clone, Copy)]
pub struct Taken {
    pub on: NaiveDate,
    pub expected: Option<i64>,
    pub ceiling: Option<i64>,
}

/// Takes a step of the procedure.
pub async fn act(
    db: &Db,
    actor: &Actor,
    settings: &SchemeSettings,
    grant_id: i64,
    input: &StepInput,
    taken: Taken,
) -> Result<GrantRow> {
    let Taken { on, expected, ceiling } = taken;
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, muni, grant_id).await?;
    if expected.is_some_and(|v| v != before.grant.version) {
        return Err(StoreError::Conflict);
    }
    let status = before.grant.status;
    if !input.action.allowed_from(status) {
        return Err(StoreError::Refused(input.action.refusal(status)));
    }
    let scheme = super::schemes::get_in(&mut tx, muni, before.grant.scheme_id).await?;
    let rules = &scheme.rules;
    let mut g: Grant = before.grant.clone();
    let mut budget: Vec<GrantBudgetLine> = Vec::new();
    let mut statement_lines = Vec::new();
    let mut due = None;
    let amount = input.amount.unwrap_or(0);
    // The step keeps its amount; an application's is the total it was made for.
    let mut step_amount = input.amount;
    match input.action {
        GrantAction::Apply | GrantAction::Change => {
            let organisation = crate::organisations::get_in(&mut tx, muni, g.organisation_id).await?;
            if let Some(refusal) = refusal_for(settings, &organisation) {
                return Err(StoreError::Refused(refusal));
            }
            let plan = plan_budget_in(&mut tx, muni, g.organisation_id, g.fiscal_year)
                .await?
                .ok_or_else(|| {
                    StoreError::Refused(format!(
                        "議決された{}の年度計画がありません。年度計画を作り、総会で議決した日を記録してから申請してください",
                        format_fiscal_year(g.fiscal_year)
                    ))
                })?;
            budget = input.budget.clone().unwrap_or_else(|| plan.lines.clone());
            let requested = check_budget(&plan, &mut budget, input.amount)?;
            if let Some(ceiling) = ceiling
                && requested > ceiling
            {
                return Err(invalid(
                    "amount",
                    format!(
                        "申請額 {}円が算定額（交付の上限）{}円を超えています。年度計画の交付金の予算を見直してください",
                        grouped(requested),
                        grouped(ceiling)
                    ),
                ));
            }
            if requested < g.paid {
                return Err(invalid(
                    "amount",
                    format!("変更後の額が支払済みの {}円を下回っています", grouped(g.paid)),
                ));
            }
            g.requested = Some(requested);
            step_amount = Some(requested);
        }
        GrantAction::Return => {
            if status == GrantStatus::ChangeApplied {
                // The change is not granted: the application decided on stands.
                let steps = tx.fetch_all::<GrantStep>(&steps_query(muni, grant_id)).await?;
                g.requested = decided_application(&steps).and_then(|s| s.amount).or(g.decided);
            }
        }
        GrantAction::Decide => {
            let requested = g.requested.unwrap_or(0);
            if amount > requested {
                return Err(invalid(
                    "amount",
                    format!("決定額は申請額（{}円）以下で入力してください", grouped(requested)),
                ));
            }
            if amount < g.paid {
                return Err(invalid(
                    "amount",
                    format!("決定額が支払済みの {}円を下回っています", grouped(g.paid)),
                ));
            }
            g.decided = Some(amount);
        }
        GrantAction::RequestPayment => {
            procedure::check_payment(g.fixed.or(g.decided).unwrap_or(0), g.paid, amount)
                .map_err(|m| invalid("amount", m))?;
        }
        GrantAction::Pay => {
            procedure::check_payment(g.fixed.or(g.decided).unwrap_or(0), g.paid, amount)
                .map_err(|m| invalid("amount", m))?;
            g.paid = g.paid.saturating_add(amount);
        }
        GrantAction::Report => {
            let steps = tx.fetch_all::<GrantStep>(&steps_query(muni, grant_id)).await?;
            let in_force = budget_in_force(&steps);
            let expenses = super::expenses::list_in(&mut tx, muni, grant_id).await?;
            let plan = plan_budget_in(&mut tx, muni, g.organisation_id, g.fiscal_year).await?;
            let name_of = |id: i64| {
                plan.as_ref()
                    .and_then(|p| p.projects.iter().find(|(p, _)| *p == id))
                    .map_or_else(|| format!("事業{id}"), |(_, n)| n.clone())
            };
            statement_lines = statement(&in_force, &expenses, &name_of);
            let over = procedure::overspent(&statement_lines, rules.tolerance_percent);
            if !over.is_empty() {
                let mut errors = FieldErrors::new();
                for line in over {
                    errors.add("expenses", format!("{line}。変更申請をしてから報告してください"));
                }
                return Err(StoreError::Invalid(errors));
            }
        }
        GrantAction::Fix => {
            let decided = g.decided.unwrap_or(0);
            if amount > decided {
                return Err(invalid(
                    "amount",
                    format!("確定額は決定額（{}円）以下で入力してください", grouped(decided)),
                ));
            }
            g.fixed = Some(amount);
            let s = procedure::settle(amount, g.paid, rules.carry_over_percent);
            if s.overpaid > 0 {
                due = Some(
                    input
                        .due
                        .unwrap_or_else(|| on.checked_add_days(chrono::Days::new(30)).unwrap_or(on)),
                );
                g.refund_due = due;
            }
        }
        GrantAction::Refund => {
            let owed = g.owed();
            if amount > owed {
                return Err(invalid(
                    "amount",
                    format!("返還額が返還すべき額（{}円）を超えています", grouped(owed)),
                ));
            }
            g.refunded = g.refunded.saturating_add(amount);
        }
        GrantAction::CarryOver => {
            let s = procedure::settle(g.fixed.unwrap_or(0), g.paid, rules.carry_over_percent);
            let left = std::cmp::max(0, std::cmp::min(s.may_carry_over.saturating_sub(g.carried), g.owed()));
            if amount > left {
                return Err(invalid(
                    "amount",
                    if rules.carry_over_percent.is_none() {
                        "この交付金では繰越・基金積立ができません（全額返還）".to_owned()
                    } else {
                        format!(
                            "繰越できるのは確定額の{}%まで、残り {}円です",
                            rules.carry_over_percent.unwrap_or(0),
                            grouped(left)
                        )
                    },
                ));
            }
            g.carried = g.carried.saturating_add(amount);
        }
    }
    g.status = input.action.result(status);
    if g.status == GrantStatus::Fixed && g.balanced() {
        g.status = GrantStatus::Settled;
    }
    let changed = tx
        .execute(
            &Query::update()
                .table(TABLE)
                .values([
                    ("status", g.status.key().into()),
                    ("requested", g.requested.into()),
                    ("decided", g.decided.into()),
                    ("fixed", g.fixed.into()),
                    ("paid", g.paid.into()),
                    ("refunded", g.refunded.into()),
                    ("carried", g.carried.into()),
                    ("refund_due", g.refund_due.into()),
                    ("updated_at", Utc::now().into()),
                ])
                .value("version", Expr::col("version").add(1))
                .and_where(Expr::col("municipality_id").eq(muni))
                .and_where(Expr::col("id").eq(grant_id))
                .and_where(Expr::col("version").eq(before.grant.version))
                .to_owned(),
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::Conflict);
    }
    tx.insert_id(
        &Query::insert()
            .into_table(STEPS)
            .columns(["municipality_id", "grant_id"].into_iter().chain(STEP_COLUMNS))
            .values_panic([
                muni.into(),
                grant_id.into(),
                input.action.key().into(),
                on.into(),
                step_amount.into(),
                input.number.clone().into(),
                input.note.clone().into(),
                due.into(),
                json(&budget)?.into(),
                json(&statement_lines)?.into(),
                actor.name.clone().into(),
                Utc::now().into(),
            ])
            .to_owned(),
    )
    .await?;
    let after = get_in(&mut tx, muni, grant_id).await?;
    common::audit_change(
        &mut tx,
        actor,
        TABLE,
        grant_id,
        Some(audit::snapshot(&before.grant)),
        audit::snapshot(&after.grant),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A payment for the financial system's import (財務会計): day, payee, amount, 支出命令番号.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub on_date: NaiveDate,
    pub organisation_name: String,
    pub organisation_code: String,
    pub amount: Option<i64>,
    pub number: Option<String>,
}

/// A 年度's payments in date order.
pub async fn payments(db: &Db, municipality_id: i64, fiscal_year: i32) -> Result<Vec<PaymentRow>> {
    db.fetch_all(
        &Query::select()
            .columns([("s", "on_date"), ("s", "amount"), ("s", "number")])
            .expr_as(Expr::col(("o", "name")), Alias::new("organisation_name"))
            .expr_as(Expr::col(("o", "code")), Alias::new("organisation_code"))
            .from_as(STEPS, "s")
            .join_as(
                JoinType::InnerJoin,
                TABLE,
                "g",
                Expr::col(("g", "id")).equals(("s", "grant_id")),
            )
            .join_as(
                JoinType::InnerJoin,
                "organisations",
                "o",
                Expr::col(("o", "id")).equals(("g", "organisation_id")),
            )
            .and_where(Expr::col(("s", "municipality_id")).eq(municipality_id))
            .and_where(Expr::col(("s", "action")).eq(GrantAction::Pay.key()))
            .and_where(Expr::col(("g", "fiscal_year")).eq(fiscal_year))
            .order_by(("s", "on_date"), Order::Asc)
            .order_by(("s", "id"), Order::Asc)
            .to_owned(),
    )
    .await
}
