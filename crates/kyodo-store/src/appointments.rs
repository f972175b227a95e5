//! Appointments (任命): which staff member serves which liaison unit, as
//! what, from when to when. A liaison's scope is the districts of their
//! appointments in force; the rules live in `kyodo_core::appointments`.

use chrono::{Duration, NaiveDate, Utc};
use kyodo_core::appointments::{
    Appointment, AppointmentInput, Candidate, EndInput, EndReason, Overlap, PoolMember, Proposal, planned_end,
    refusals, school_districts, slots,
};
use kyodo_core::areas::Area;
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::validation::FieldErrors;
use sea_query::{Cond, Condition, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "appointments";

/// The last day served: the early end, or the planned one.
fn last_day() -> Expr {
    Expr::col(("p", "ended_on")).if_null(Expr::col(("p", "planned_end_on")))
}

/// In force on `on` (both ends inclusive).
fn in_force(on: NaiveDate) -> Condition {
    Cond::all()
        .add(Expr::col(("p", "start_on")).lte(on))
        .add(last_day().gte(on))
}

/// Overlapping `from..=to`.
fn overlapping(from: NaiveDate, to: NaiveDate) -> Condition {
    Cond::all()
        .add(Expr::col(("p", "start_on")).lte(to))
        .add(last_day().gte(from))
}

/// Which appointments a list shows, as of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    /// In force on the day (在任中).
    #[default]
    Current,
    /// Starting after the day (就任前).
    Upcoming,
    /// Over before the day (退任済み).
    Past,
    All,
}

/// A list's filters.
#[derive(Debug, Clone, Default)]
pub struct AppointmentFilter {
    pub area_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub period: Period,
}

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "staff_id",
            "area_id",
            "position_key",
            "start_on",
            "planned_end_on",
            "ended_on",
            "end_reason",
            "end_note",
            "appointed_on",
            "appointed_by",
            "replaces_id",
            "note",
        ]
        .map(|c| ("p", c)),
    )
    .expr_as(Expr::col(("s", "name")), "staff_name")
    .expr_as(Expr::col(("s", "name_kana")), "staff_name_kana")
    .expr_as(Expr::col(("s", "employee_number")), "employee_number")
    .expr_as(Expr::col(("s", "grade")), "grade")
    .expr_as(Expr::col(("s", "department_id")), "department_id")
    .expr_as(Expr::col(("d", "name")), "department_name")
    .expr_as(Expr::col(("a", "name")), "area_name")
    .from_as(TABLE, "p")
    .join_as(
        JoinType::InnerJoin,
        "staff",
        "s",
        Expr::col(("s", "id")).equals(("p", "staff_id")),
    )
    .join_as(
        JoinType::InnerJoin,
        "areas",
        "a",
        Expr::col(("a", "id")).equals(("p", "area_id")),
    )
    .join_as(
        JoinType::LeftJoin,
        "departments",
        "d",
        Expr::col(("d", "id")).equals(("s", "department_id")),
    );
    q
}

/// Appointments as of `on`, by district code, then start.
pub async fn list(
    db: &Db,
    municipality_id: i64,
    filter: &AppointmentFilter,
    on: NaiveDate,
) -> Result<Vec<Appointment>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("p", "municipality_id")).eq(municipality_id));
    if let Some(a) = filter.area_id {
        q.and_where(Expr::col(("p", "area_id")).eq(a));
    }
    if let Some(s) = filter.staff_id {
        q.and_where(Expr::col(("p", "staff_id")).eq(s));
    }
    match filter.period {
        Period::Current => {
            q.cond_where(in_force(on));
        }
        Period::Upcoming => {
            q.and_where(Expr::col(("p", "start_on")).gt(on));
        }
        Period::Past => {
            q.and_where(last_day().lt(on));
        }
        Period::All => {}
    }
    q.order_by(("a", "code"), Order::Asc)
        .order_by(("p", "start_on"), Order::Desc)
        .order_by(("p", "id"), Order::Asc);
    db.fetch_all(&q).await
}

/// Appointments in force on `on` or starting after it: today's teams and
/// the ones already appointed for later.
pub async fn from_day(db: &Db, municipality_id: i64, on: NaiveDate) -> Result<Vec<Appointment>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .and_where(last_day().gte(on))
        .order_by(("a", "code"), Order::Asc)
        .order_by(("p", "start_on"), Order::Asc);
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<Appointment> {
    let mut q = select_rows();
    q.and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("p", "id")).eq(id));
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct CurrentAppointment {
    pub id: i64,
    pub area_id: i64,
    pub area_name: String,
    pub position_key: String,
    pub start_on: NaiveDate,
    pub planned_end_on: NaiveDate,
}

/// The appointments of `staff_id` in force on `on`.
pub async fn current_for_staff(
    db: &Db,
    municipality_id: i64,
    staff_id: i64,
    on: NaiveDate,
) -> Result<Vec<CurrentAppointment>> {
    let q = Query::select()
        .columns([
            ("p", "id"),
            ("p", "area_id"),
            ("p", "position_key"),
            ("p", "start_on"),
            ("p", "planned_end_on"),
        ])
        .expr_as(Expr::col(("a", "name")), "area_name")
        .from_as(TABLE, "p")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::col(("a", "id")).equals(("p", "area_id")),
        )
        .and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("p", "staff_id")).eq(staff_id))
        .cond_where(in_force(on))
        .to_owned();
    db.fetch_all(&q).await
}

pub use kyodo_core::areas::subtree;

/// The districts a liaison serves on `on`, with every area below them.
pub async fn served_area_ids(db: &Db, municipality_id: i64, staff_id: i64, on: NaiveDate) -> Result<Vec<i64>> {
    held_area_ids(db, municipality_id, staff_id, on, |_| true).await
}

/// The districts (with every area below them) where `staff_id` holds one
/// of `lead_positions` on `on`: the teams whose records they see as 課長級.
pub async fn led_area_ids(
    db: &Db,
    municipality_id: i64,
    staff_id: i64,
    on: NaiveDate,
    lead_positions: &[&str],
) -> Result<Vec<i64>> {
    held_area_ids(db, municipality_id, staff_id, on, |position| {
        lead_positions.contains(&position)
    })
    .await
}

/// The districts of the positions `staff_id` holds on `on` that `keep`
/// accepts, with every area below them, each once.
async fn held_area_ids(
    db: &Db,
    municipality_id: i64,
    staff_id: i64,
    on: NaiveDate,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<i64>> {
    let roots: Vec<i64> = current_for_staff(db, municipality_id, staff_id, on)
        .await?
        .into_iter()
        .filter(|a| keep(&a.position_key))
        .map(|a| a.area_id)
        .collect();
    if roots.is_empty() {
        return Ok(roots);
    }
    let all = crate::areas::all(db, municipality_id, false).await?;
    let mut ids: Vec<i64> = roots.iter().flat_map(|r| subtree(&all, *r)).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The positions `staff_id` holds on `on` in a liaison unit that contains
/// `area_id` (the unit itself or an area below it).
pub async fn positions_in_area(
    db: &Db,
    municipality_id: i64,
    staff_id: i64,
    area_id: i64,
    on: NaiveDate,
) -> Result<Vec<String>> {
    let current = current_for_staff(db, municipality_id, staff_id, on).await?;
    if current.is_empty() {
        return Ok(Vec::new());
    }
    let areas = crate::areas::all(db, municipality_id, true).await?;
    Ok(current
        .into_iter()
        .filter(|a| subtree(&areas, a.area_id).contains(&area_id))
        .map(|a| a.position_key)
        .collect())
}

/// A team member who can sign in: their account, staff record and position.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct TeamAccount {
    pub user_id: i64,
    pub staff_id: i64,
    pub position_key: String,
}

/// The enabled liaison accounts of the team serving `area_id` on `on`: the
/// holders of appointments to the area or to a unit above it.
pub async fn team_accounts(db: &Db, municipality_id: i64, area_id: i64, on: NaiveDate) -> Result<Vec<TeamAccount>> {
    let areas = crate::areas::all(db, municipality_id, true).await?;
    let mut chain = Vec::new();
    let mut next = Some(area_id);
    // The tree has no cycles (areas refuse a parent below themselves); the bound guards anyway.
    while let Some(id) = next.filter(|_| chain.len() <= areas.len()) {
        chain.push(id);
        next = areas.iter().find(|a| a.id == id).and_then(|a| a.parent_id);
    }
    let q = Query::select()
        .expr_as(Expr::col(("u", "id")), "user_id")
        .columns([("p", "staff_id"), ("p", "position_key")])
        .from_as(TABLE, "p")
        .join_as(
            JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "staff_id")).equals(("p", "staff_id")),
        )
        .and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("u", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("p", "area_id")).is_in(chain))
        .and_where(Expr::col(("u", "role")).eq(kyodo_core::accounts::Role::Liaison.as_str()))
        .and_where(Expr::col(("u", "disabled_at")).is_null())
        .cond_where(in_force(on))
        .order_by(("u", "id"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Who serves the liaison unit `area_id` on `on`, as what.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Holder {
    pub staff_id: i64,
    pub position_key: String,
}

pub async fn for_area(db: &Db, municipality_id: i64, area_id: i64, on: NaiveDate) -> Result<Vec<Holder>> {
    let q = Query::select()
        .columns([("p", "staff_id"), ("p", "position_key")])
        .from_as(TABLE, "p")
        .and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("p", "area_id")).eq(area_id))
        .cond_where(in_force(on))
        .order_by(("p", "id"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

#[derive(sqlx::FromRow)]
struct StaffFacts {
    name: String,
    department_id: Option<i64>,
    grade: String,
    hire_date: NaiveDate,
    home_area_id: Option<i64>,
    archived: bool,
}

fn overlap_of(a: Appointment) -> Overlap {
    Overlap {
        last_day: a.last_day(),
        staff_id: a.staff_id,
        staff_name: a.staff_name,
        department_id: a.department_id,
        area_name: a.area_name,
        position_key: a.position_key,
        first_day: a.start_on,
    }
}

/// Appointments overlapping `from..=to`, narrowed to a staff member or a unit.
async fn overlaps(
    tx: &mut Tx,
    municipality_id: i64,
    narrow: Condition,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Overlap>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .cond_where(narrow)
        .cond_where(overlapping(from, to));
    let rows: Vec<Appointment> = tx.fetch_all(&q).await?;
    Ok(rows.into_iter().map(overlap_of).collect())
}

/// The grade `staff_id` held on `on`, from the grade history.
async fn grade_on(tx: &mut Tx, municipality_id: i64, staff_id: i64, on: NaiveDate) -> Result<Option<String>> {
    #[derive(sqlx::FromRow)]
    struct G {
        grade: String,
    }
    let q = Query::select()
        .column("grade")
        .from("grade_changes")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("staff_id").eq(staff_id))
        .and_where(Expr::col("effective_on").lte(on))
        .order_by("effective_on", Order::Desc)
        .order_by("id", Order::Desc)
        .limit(1)
        .to_owned();
    Ok(tx.fetch_optional::<G>(&q).await?.map(|g| g.grade))
}

async fn areas_in(tx: &mut Tx, municipality_id: i64) -> Result<Vec<Area>> {
    let q = Query::select()
        .columns(crate::areas::COLUMNS)
        .from("areas")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    tx.fetch_all(&q).await
}

/// Appoints after checking every rule of the scheme; a refusal names each
/// broken rule beside its field, and nothing is written.
pub async fn appoint(db: &Db, actor: &Actor, scheme: &SchemeSettings, input: &AppointmentInput) -> Result<Appointment> {
    let mut tx = db.begin().await?;
    let id = appoint_in(&mut tx, actor, scheme, input).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn appoint_in(tx: &mut Tx, actor: &Actor, scheme: &SchemeSettings, input: &AppointmentInput) -> Result<i64> {
    let muni = actor.municipality_id;
    let invalid = |field: &str, message: &str| StoreError::Invalid(FieldErrors::single(field, message));
    let position = scheme
        .positions
        .iter()
        .find(|p| p.key == input.position_key)
        .ok_or_else(|| invalid("position_key", "制度設定にない職です"))?;
    let areas = areas_in(tx, muni).await?;
    let unit = areas
        .iter()
        .find(|a| a.id == input.area_id)
        .ok_or_else(|| invalid("area_id", "地区が見つかりません"))?;
    if unit.archived_at.is_some() {
        return Err(invalid("area_id", "この地区はアーカイブされています"));
    }
    if usize::try_from(unit.level).ok() != Some(scheme.liaison_level) {
        return Err(invalid(
            "area_id",
            &format!("任命先は{}を選んでください", scheme.level_name(scheme.liaison_level)),
        ));
    }
    let staff = Query::select()
        .columns(["name", "department_id", "grade", "hire_date", "home_area_id"])
        .expr_as(Expr::col("archived_at").is_not_null(), "archived")
        .from("staff")
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("id").eq(input.staff_id))
        .to_owned();
    let staff: StaffFacts = tx
        .fetch_optional(&staff)
        .await?
        .ok_or_else(|| invalid("staff_id", "職員が見つかりません"))?;
    let grade = grade_on(tx, muni, input.staff_id, input.start_on)
        .await?
        .unwrap_or(staff.grade);
    let candidate = Candidate {
        name: staff.name,
        department_id: staff.department_id,
        grade,
        hire_date: staff.hire_date,
        home_area_id: staff.home_area_id,
        archived: staff.archived,
    };

    // A position left early whose term still runs: its successor may serve the rest.
    #[derive(sqlx::FromRow)]
    struct Vacated {
        id: i64,
        planned_end_on: NaiveDate,
    }
    let vacated = Query::select()
        .columns([("p", "id"), ("p", "planned_end_on")])
        .from_as(TABLE, "p")
        .and_where(Expr::col(("p", "municipality_id")).eq(muni))
        .and_where(Expr::col(("p", "area_id")).eq(input.area_id))
        .and_where(Expr::col(("p", "position_key")).eq(&input.position_key))
        .and_where(Expr::col(("p", "ended_on")).lt(input.start_on))
        .and_where(Expr::col(("p", "planned_end_on")).gte(input.start_on))
        .order_by(("p", "ended_on"), Order::Desc)
        .limit(1)
        .to_owned();
    let vacated: Option<Vacated> = tx.fetch_optional(&vacated).await?;
    let end = planned_end(
        position,
        &scheme.appointment_rules,
        input.start_on,
        vacated.as_ref().map(|v| v.planned_end_on),
    );
    let replaces_id = vacated.filter(|v| v.planned_end_on == end).map(|v| v.id);

    let candidate_overlaps: Vec<Overlap> = overlaps(
        tx,
        muni,
        Cond::all().add(Expr::col(("p", "staff_id")).eq(input.staff_id)),
        input.start_on,
        end,
    )
    .await?;
    let unit_overlaps: Vec<Overlap> = overlaps(
        tx,
        muni,
        Cond::all().add(Expr::col(("p", "area_id")).eq(input.area_id)),
        input.start_on,
        end,
    )
    .await?;
    let unit_area_ids = subtree(&areas, unit.id);
    let errors = refusals(&Proposal {
        scheme,
        position,
        staff_id: input.staff_id,
        candidate: &candidate,
        unit_name: &unit.name,
        unit_area_ids: &unit_area_ids,
        start_on: input.start_on,
        candidate_overlaps: &candidate_overlaps,
        unit_overlaps: &unit_overlaps,
        slots: slots(position, scheme, school_districts(&areas, unit.id)),
    });
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }

    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "staff_id",
                    "area_id",
                    "position_key",
                    "start_on",
                    "planned_end_on",
                    "appointed_on",
                    "appointed_by",
                    "replaces_id",
                    "note",
                    "created_at",
                ])
                .values_panic([
                    muni.into(),
                    input.staff_id.into(),
                    input.area_id.into(),
                    input.position_key.clone().into(),
                    input.start_on.into(),
                    end.into(),
                    input.appointed_on.into(),
                    input.appointed_by.clone().into(),
                    replaces_id.into(),
                    input.note.clone().into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    audit::record(
        tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::CREATE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(serde_json::json!({
                "staff_id": input.staff_id,
                "area_id": input.area_id,
                "position": input.position_key,
                "start_on": input.start_on,
                "planned_end_on": end,
            })),
        },
    )
    .await?;
    crate::handovers::open_for(tx, actor, id, input).await?;
    Ok(id)
}

/// Ends an appointment before its term (異動, 退職, 休職…).
pub async fn end_early(db: &Db, actor: &Actor, id: i64, input: &EndInput) -> Result<Appointment> {
    let mut tx = db.begin().await?;
    match end_in(&mut tx, actor, id, input.ended_on, input.reason, input.note.as_deref()).await {
        Ok(()) => tx.commit().await?,
        // Nothing was updated: say whether it is missing or already over.
        Err(StoreError::Conflict) => {
            drop(tx);
            get(db, actor.municipality_id, id).await?;
            return Err(StoreError::Refused("この任命は既に終了しています".into()));
        }
        Err(e) => return Err(e),
    }
    get(db, actor.municipality_id, id).await
}

async fn end_in(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    ended_on: NaiveDate,
    reason: EndReason,
    note: Option<&str>,
) -> Result<()> {
    let q = Query::update()
        .table(TABLE)
        .value("ended_on", ended_on)
        .value("end_reason", reason.key())
        .value("end_note", note)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .and_where(Expr::col("ended_on").is_null())
        .to_owned();
    if tx.execute(&q).await? == 0 {
        return Err(StoreError::Conflict);
    }
    audit::record(
        tx,
        actor,
        Event {
            action: "end",
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(serde_json::json!({"ended_on": ended_on, "reason": reason.key(), "note": note})),
        },
    )
    .await
}

/// A change of grade ends the staff member's appointments to positions
/// that require the old grade, unless the scheme says a promotion keeps
/// the term (Arao). The last day served is the day before the change.
pub async fn end_for_grade_change(
    tx: &mut Tx,
    actor: &Actor,
    scheme: &SchemeSettings,
    staff_id: i64,
    new_grade: &str,
    effective_on: NaiveDate,
) -> Result<()> {
    #[derive(sqlx::FromRow)]
    struct Held {
        id: i64,
        position_key: String,
        start_on: NaiveDate,
    }
    let q = Query::select()
        .columns([("p", "id"), ("p", "position_key"), ("p", "start_on")])
        .from_as(TABLE, "p")
        .and_where(Expr::col(("p", "municipality_id")).eq(actor.municipality_id))
        .and_where(Expr::col(("p", "staff_id")).eq(staff_id))
        .and_where(Expr::col(("p", "ended_on")).is_null())
        .and_where(Expr::col(("p", "planned_end_on")).gte(effective_on))
        .to_owned();
    let held: Vec<Held> = tx.fetch_all(&q).await?;
    for h in held {
        let Some(position) = scheme.positions.iter().find(|p| p.key == h.position_key) else {
            continue;
        };
        let still_fits = position.grade.as_deref().is_none_or(|g| g == new_grade);
        if still_fits || position.survives_promotion {
            continue;
        }
        let last = Ord::max(effective_on - Duration::days(1), h.start_on);
        end_in(tx, actor, h.id, last, EndReason::Promotion, None).await?;
    }
    Ok(())
}

/// Every active staff member with whether they have ever served.
pub async fn pool(db: &Db, municipality_id: i64) -> Result<Vec<PoolMember>> {
    db.fetch_all(&pool_query(municipality_id)).await
}

/// The active staff members among `staff_ids`, as [`pool`] gives them: a
/// form naming a few people reads those, not the whole staff.
pub async fn pool_members(db: &Db, municipality_id: i64, staff_ids: &[i64]) -> Result<Vec<PoolMember>> {
    if staff_ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = pool_query(municipality_id)
        .and_where(Expr::col(("s", "id")).is_in(staff_ids.iter().copied()))
        .to_owned();
    db.fetch_all(&q).await
}

fn pool_query(municipality_id: i64) -> sea_query::SelectStatement {
    let served = Query::select()
        .expr(Expr::val(1))
        .from_as(TABLE, "p")
        .and_where(Expr::col(("p", "staff_id")).equals(("s", "id")))
        .to_owned();
    Query::select()
        .expr_as(Expr::col(("s", "id")), "staff_id")
        .columns(
            [
                "name",
                "name_kana",
                "department_id",
                "grade",
                "hire_date",
                "home_area_id",
            ]
            .map(|c| ("s", c)),
        )
        .expr_as(Expr::col(("d", "name")), "department_name")
        .expr_as(Expr::exists(served), "served")
        .from_as("staff", "s")
        .join_as(
            JoinType::LeftJoin,
            "departments",
            "d",
            Expr::col(("d", "id")).equals(("s", "department_id")),
        )
        .and_where(Expr::col(("s", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("s", "archived_at")).is_null())
        .order_by(("s", "name_kana"), Order::Asc)
        .to_owned()
}
