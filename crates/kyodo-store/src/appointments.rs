//! Appointments (任命): which staff member serves which district, as what,
//! from when. This is the minimum the foundation needs — a liaison's scope
//! is the districts of their current appointments.

use chrono::{NaiveDate, Utc};
use sea_query::{Cond, Expr, ExprTrait, Query};

use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::Result;

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
        .from_as("appointments", "p")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "areas",
            "a",
            Expr::col(("a", "id")).equals(("p", "area_id")),
        )
        .and_where(Expr::col(("p", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("p", "staff_id")).eq(staff_id))
        .and_where(Expr::col(("p", "start_on")).lte(on))
        .and_where(Expr::col(("p", "planned_end_on")).gte(on))
        .cond_where(
            Cond::any()
                .add(Expr::col(("p", "ended_on")).is_null())
                .add(Expr::col(("p", "ended_on")).gt(on)),
        )
        .to_owned();
    db.fetch_all(&q).await
}

/// The districts a liaison serves on `on`, with every area below them.
pub async fn served_area_ids(db: &Db, municipality_id: i64, staff_id: i64, on: NaiveDate) -> Result<Vec<i64>> {
    let roots: Vec<i64> = current_for_staff(db, municipality_id, staff_id, on)
        .await?
        .into_iter()
        .map(|a| a.area_id)
        .collect();
    if roots.is_empty() {
        return Ok(roots);
    }
    let all = crate::areas::all(db, municipality_id, false).await?;
    let mut ids = roots;
    let mut i = 0;
    while i < ids.len() {
        let parent = ids[i];
        ids.extend(all.iter().filter(|a| a.parent_id == Some(parent)).map(|a| a.id));
        i += 1;
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Records an appointment (the demo and the CLI use this until the
/// appointment feature has its own pages).
pub async fn appoint(
    db: &Db,
    actor: &Actor,
    staff_id: i64,
    area_id: i64,
    position_key: &str,
    start_on: NaiveDate,
    planned_end_on: NaiveDate,
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("appointments")
                .columns([
                    "municipality_id",
                    "staff_id",
                    "area_id",
                    "position_key",
                    "start_on",
                    "planned_end_on",
                    "created_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    staff_id.into(),
                    area_id.into(),
                    position_key.into(),
                    start_on.into(),
                    planned_end_on.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::CREATE,
            entity: "appointments",
            entity_id: Some(id),
            detail: Some(serde_json::json!({"staff_id": staff_id, "area_id": area_id, "position": position_key})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
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
    let mut ancestors = vec![area_id];
    let mut at = Some(area_id);
    // A tree deeper than the number of areas would be a cycle.
    for _ in 0..areas.len() {
        at = at
            .and_then(|id| areas.iter().find(|a| a.id == id))
            .and_then(|a| a.parent_id);
        match at {
            Some(parent) => ancestors.push(parent),
            None => break,
        }
    }
    Ok(current
        .into_iter()
        .filter(|a| ancestors.contains(&a.area_id))
        .map(|a| a.position_key)
        .collect())
}

/// Who serves the liaison unit `area_id` on `on`, as what.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Holder {
    pub staff_id: i64,
    pub position_key: String,
}

pub async fn for_area(db: &Db, municipality_id: i64, area_id: i64, on: NaiveDate) -> Result<Vec<Holder>> {
    let q = Query::select()
        .columns(["staff_id", "position_key"])
        .from("appointments")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("area_id").eq(area_id))
        .and_where(Expr::col("start_on").lte(on))
        .and_where(Expr::col("planned_end_on").gte(on))
        .cond_where(
            Cond::any()
                .add(Expr::col("ended_on").is_null())
                .add(Expr::col("ended_on").gt(on)),
        )
        .order_by("id", sea_query::Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}
