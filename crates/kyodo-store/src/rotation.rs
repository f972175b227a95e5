//! Rotation proposals (配置計画案): the live instance read from the
//! municipality's records, proposals saved with their adjustments and
//! outcome, and approval, which makes the first year's appointments real
//! through the same rules as appointing by hand.

use chrono::{DateTime, NaiveDate, Utc};
use kyodo_core::appointments::AppointmentInput;
use kyodo_core::rotation::{LiveData, SeatId};
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::fiscal_year_start;
use kyodo_planner::{Adjustments, Instance, Outcome};
use sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use crate::appointments::{self, AppointmentFilter, Period};
use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{Result, StoreError};

const TABLE: &str = "rotation_plans";

/// The planner's instance for `years` fiscal years from `first_year`.
pub async fn live_instance(
    db: &Db,
    municipality_id: i64,
    scheme: &SchemeSettings,
    first_year: i32,
    years: u32,
) -> Result<Instance> {
    let areas = crate::areas::all(db, municipality_id, true).await?;
    let pool = appointments::pool(db, municipality_id).await?;
    let filter = AppointmentFilter {
        period: Period::All,
        ..Default::default()
    };
    let all = appointments::list(db, municipality_id, &filter, fiscal_year_start(first_year)).await?;
    Ok(kyodo_core::rotation::instance(&LiveData {
        scheme,
        areas: &areas,
        pool: &pool,
        appointments: &all,
        first_year,
        years,
    }))
}

/// A saved proposal.
#[derive(Debug, Clone)]
pub struct RotationPlan {
    pub id: i64,
    pub based_on_id: Option<i64>,
    pub first_year: i32,
    pub horizon: i32,
    pub adjustments: Adjustments,
    pub outcome: Outcome,
    pub created_at: DateTime<Utc>,
    pub created_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub appointed_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    based_on_id: Option<i64>,
    first_year: i32,
    horizon: i32,
    adjustments: String,
    outcome: String,
    created_at: DateTime<Utc>,
    created_by_name: Option<String>,
    approved_at: Option<DateTime<Utc>>,
    appointed_on: Option<NaiveDate>,
}

impl TryFrom<Row> for RotationPlan {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("rotation plan {}: {e}", r.id));
        Ok(RotationPlan {
            id: r.id,
            based_on_id: r.based_on_id,
            first_year: r.first_year,
            horizon: r.horizon,
            adjustments: serde_json::from_str(&r.adjustments).map_err(corrupt)?,
            outcome: serde_json::from_str(&r.outcome).map_err(corrupt)?,
            created_at: r.created_at,
            created_by_name: r.created_by_name,
            approved_at: r.approved_at,
            appointed_on: r.appointed_on,
        })
    }
}

fn select_rows(municipality_id: i64) -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "based_on_id",
                "first_year",
                "horizon",
                "adjustments",
                "outcome",
                "created_at",
                "approved_at",
                "appointed_on",
            ]
            .map(|c| ("r", c)),
        )
        .expr_as(Expr::col(("u", "display_name")), "created_by_name")
        .from_as(TABLE, "r")
        .join_as(
            JoinType::LeftJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("r", "created_by")),
        )
        .and_where(Expr::col(("r", "municipality_id")).eq(municipality_id))
        .to_owned()
}

/// The newest proposals first.
pub async fn list(db: &Db, municipality_id: i64, limit: u64) -> Result<Vec<RotationPlan>> {
    let q = select_rows(municipality_id)
        .order_by(("r", "created_at"), Order::Desc)
        .order_by(("r", "id"), Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all::<Row>(&q)
        .await?
        .into_iter()
        .map(RotationPlan::try_from)
        .collect()
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<RotationPlan> {
    let q = select_rows(municipality_id)
        .and_where(Expr::col(("r", "id")).eq(id))
        .to_owned();
    db.fetch_optional::<Row>(&q)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_into()
}

pub struct NewPlan<'a> {
    pub based_on_id: Option<i64>,
    pub first_year: i32,
    pub horizon: u32,
    pub adjustments: &'a Adjustments,
    pub outcome: &'a Outcome,
}

pub async fn save(db: &Db, actor: &Actor, plan: &NewPlan<'_>) -> Result<i64> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let adjustments = serde_json::to_string(plan.adjustments).map_err(corrupt)?;
    let outcome = serde_json::to_string(plan.outcome).map_err(corrupt)?;
    let mut tx = db.begin().await?;
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "based_on_id",
                    "created_by",
                    "first_year",
                    "horizon",
                    "adjustments",
                    "outcome",
                    "created_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    plan.based_on_id.into(),
                    actor.user_id.into(),
                    plan.first_year.into(),
                    (plan.horizon as i32).into(),
                    adjustments.into(),
                    outcome.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "create",
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(serde_json::json!({
                "first_year": plan.first_year,
                "horizon": plan.horizon,
                "score": plan.outcome.score,
                "based_on_id": plan.based_on_id,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Approve a proposal: its first year's appointments are made, with
/// `appointed_on` as the 任命日, all or none. Each refusal names the person
/// and the district.
pub async fn approve(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    id: i64,
    appointed_on: NaiveDate,
    staff_name: &(dyn Fn(i64) -> String + Sync),
    area_name: &(dyn Fn(i64) -> String + Sync),
) -> Result<Vec<i64>> {
    let plan = get(db, actor.municipality_id, id).await?;
    if plan.approved_at.is_some() {
        return Err(StoreError::Refused("この配置計画案は既に承認されています".into()));
    }
    let start_on = fiscal_year_start(plan.first_year);
    if appointed_on > start_on {
        return Err(StoreError::Invalid(FieldErrors::single(
            "appointed_on",
            "任命日は任期の開始日（4月1日）以前にしてください",
        )));
    }
    let mut tx = db.begin().await?;
    let mut made = Vec::new();
    let mut refusals = FieldErrors::new();
    for a in plan
        .outcome
        .plan
        .appointments
        .iter()
        .filter(|a| a.start == plan.first_year)
    {
        let (Some(seat), Ok(staff_id)) = (SeatId::parse(&a.position), a.staff.parse::<i64>()) else {
            return Err(StoreError::Corrupt(format!("rotation plan {id}: {a:?}")));
        };
        let input = AppointmentInput {
            staff_id,
            area_id: seat.area_id,
            position_key: seat.position_key.clone(),
            start_on,
            appointed_on,
            appointed_by: scheme.appointment_rules.appointer.clone(),
            note: Some(format!("配置計画案 No.{id} による任命")),
        };
        match appointments::appoint_in(&mut tx, actor, scheme, &input).await {
            Ok(appointment) => made.push(appointment),
            Err(StoreError::Invalid(errors)) => {
                let who = format!("{}（{}）", staff_name(staff_id), area_name(seat.area_id));
                for e in errors.errors {
                    refusals.add("plan", format!("{who}: {}", e.message));
                }
            }
            Err(e) => return Err(e),
        }
    }
    if !refusals.is_empty() {
        // Dropping the transaction rolls every appointment back.
        return Err(StoreError::Invalid(refusals));
    }
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("approved_at", Utc::now())
            .value("approved_by", actor.user_id)
            .value("appointed_on", appointed_on)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "approve",
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(serde_json::json!({"appointments": made, "appointed_on": appointed_on})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(made)
}
