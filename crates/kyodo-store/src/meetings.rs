//! Meetings and events (会議・行事), the staff present, the meetings that
//! prepare or review a main session, and the issues raised in the minutes.

use chrono::{NaiveDate, Utc};
use kyodo_core::events::EventInput;
use kyodo_core::issues::IssueInput;
use kyodo_core::meetings::{Attendee, Meeting, MeetingInput, RaisedIssue};
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "meetings";

/// Which meetings a caller reaches.
#[derive(Debug, Clone)]
pub enum Reach {
    All,
    /// Meetings held in these areas (a liaison's districts and below).
    InAreas(Vec<i64>),
    /// One organisation's meetings (a community account's own).
    Organisation(i64),
}

/// A list's filters.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    pub area_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only meetings that are not a preparation or review (the main sessions).
    pub main_sessions_only: bool,
    pub limit: Option<u64>,
}

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "area_id",
            "organisation_id",
            "kind",
            "title",
            "held_on",
            "start_time",
            "end_time",
            "place",
            "public",
            "observers_allowed",
            "minutes",
            "main_meeting_id",
            "version",
        ]
        .map(|c| ("m", c)),
    )
    .expr_as(Expr::col(("a", "name")), "area_name")
    .expr_as(Expr::col(("o", "name")), "organisation_name")
    .from_as(TABLE, "m")
    .join_as(
        JoinType::InnerJoin,
        "areas",
        "a",
        Expr::col(("a", "id")).equals(("m", "area_id")),
    )
    .join_as(
        JoinType::LeftJoin,
        "organisations",
        "o",
        Expr::col(("o", "id")).equals(("m", "organisation_id")),
    );
    q
}

fn reach_cond(q: &mut SelectStatement, reach: &Reach) {
    match reach {
        Reach::All => {}
        Reach::InAreas(ids) => {
            q.and_where(Expr::col(("m", "area_id")).is_in(ids.clone()));
        }
        Reach::Organisation(id) => {
            q.and_where(Expr::col(("m", "organisation_id")).eq(*id));
        }
    }
}

/// Meetings in reach, newest first.
pub async fn list(db: &Db, municipality_id: i64, reach: &Reach, f: &MeetingFilter) -> Result<Vec<Meeting>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("m", "municipality_id")).eq(municipality_id));
    reach_cond(&mut q, reach);
    if let Some(a) = f.area_id {
        q.and_where(Expr::col(("m", "area_id")).eq(a));
    }
    if let Some(d) = f.from {
        q.and_where(Expr::col(("m", "held_on")).gte(d));
    }
    if let Some(d) = f.to {
        q.and_where(Expr::col(("m", "held_on")).lte(d));
    }
    if f.main_sessions_only {
        q.and_where(Expr::col(("m", "main_meeting_id")).is_null())
            .and_where(Expr::col(("m", "kind")).is_not_in(["preparation", "review"]));
    }
    q.order_by(("m", "held_on"), Order::Desc)
        .order_by(("m", "start_time"), Order::Desc)
        .order_by(("m", "id"), Order::Desc)
        .limit(f.limit.unwrap_or(500));
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<Meeting> {
    let mut q = select_rows();
    q.and_where(Expr::col(("m", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("m", "id")).eq(id));
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

pub async fn attendees(db: &Db, meeting_id: i64) -> Result<Vec<Attendee>> {
    let q = Query::select()
        .column(("ms", "staff_id"))
        .expr_as(Expr::col(("s", "name")), "name")
        .from_as("meeting_staff", "ms")
        .join_as(
            JoinType::InnerJoin,
            "staff",
            "s",
            Expr::col(("s", "id")).equals(("ms", "staff_id")),
        )
        .and_where(Expr::col(("ms", "meeting_id")).eq(meeting_id))
        .order_by(("s", "name_kana"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The preparation and review meetings of a main session, oldest first.
pub async fn satellites(db: &Db, municipality_id: i64, main_id: i64) -> Result<Vec<Meeting>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("m", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("m", "main_meeting_id")).eq(main_id))
        .order_by(("m", "held_on"), Order::Asc)
        .order_by(("m", "id"), Order::Asc);
    db.fetch_all(&q).await
}

pub async fn issues_raised(db: &Db, municipality_id: i64, meeting_id: i64) -> Result<Vec<RaisedIssue>> {
    let q = Query::select()
        .columns(["id", "title", "status"])
        .from("issues")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("meeting_id").eq(meeting_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The district of an active organisation: `None` when there is no such
/// organisation, `Some(None)` for one of the whole city.
async fn organisation_area(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Option<Option<i64>>> {
    #[derive(sqlx::FromRow)]
    struct OrgArea {
        area_id: Option<i64>,
    }
    let q = Query::select()
        .column("area_id")
        .from("organisations")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("archived_at").is_null())
        .to_owned();
    Ok(tx.fetch_optional::<OrgArea>(&q).await?.map(|o| o.area_id))
}

async fn check_references(tx: &mut Tx, municipality_id: i64, input: &MeetingInput, own_id: Option<i64>) -> Result<()> {
    let mut errors = FieldErrors::new();
    if !common::exists_in(tx, "areas", municipality_id, input.area_id).await? {
        errors.add("area_id", "地区が見つかりません");
    }
    if let Some(org) = input.organisation_id {
        match organisation_area(tx, municipality_id, org).await? {
            None => errors.add("organisation_id", "団体が見つかりません"),
            // An organisation of another district is a slip of the finger on
            // a phone; one of the whole city (no district) meets anywhere.
            Some(Some(org_area))
                if !common::is_descendant_or_self(tx, "areas", municipality_id, input.area_id, org_area).await?
                    && !common::is_descendant_or_self(tx, "areas", municipality_id, org_area, input.area_id)
                        .await? =>
            {
                errors.add(
                    "organisation_id",
                    "この団体は会議の地区の団体ではありません。地区か団体を選び直してください",
                );
            }
            Some(_) => {}
        }
    }
    if let Some(main) = input.main_meeting_id {
        if Some(main) == own_id {
            errors.add("main_meeting_id", "本番の会議に自分自身は選べません");
        } else if !common::row_exists(tx, TABLE, municipality_id, main).await? {
            errors.add("main_meeting_id", "本番の会議が見つかりません");
        }
    }
    if !input.staff_ids.is_empty() {
        let q = Query::select()
            .expr(Expr::col("id").count())
            .from("staff")
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("id").is_in(input.staff_ids.clone()))
            .to_owned();
        if tx.fetch_i64(&q).await? != input.staff_ids.len() as i64 {
            errors.add("staff_ids", "出席した職員に見つからない人がいます");
        }
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

async fn write_attendees(tx: &mut Tx, meeting_id: i64, staff_ids: &[i64]) -> Result<()> {
    tx.execute(
        &Query::delete()
            .from_table("meeting_staff")
            .and_where(Expr::col("meeting_id").eq(meeting_id))
            .to_owned(),
    )
    .await?;
    if staff_ids.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("meeting_staff").columns(["meeting_id", "staff_id"]);
    for s in staff_ids {
        q.values_panic([meeting_id.into(), (*s).into()]);
    }
    tx.execute(&q).await?;
    Ok(())
}

fn input_values(q: &mut sea_query::UpdateStatement, input: &MeetingInput) {
    q.value("area_id", input.area_id)
        .value("organisation_id", input.organisation_id)
        .value("kind", input.kind.key())
        .value("title", input.title.clone())
        .value("held_on", input.held_on)
        .value("start_time", input.start_time.clone())
        .value("end_time", input.end_time.clone())
        .value("place", input.place.clone())
        .value("public", input.listed_publicly())
        .value("observers_allowed", input.observers_allowed)
        .value("minutes", input.minutes.clone())
        .value("main_meeting_id", input.main_meeting_id)
        .value("updated_at", Utc::now());
}

fn detail(input: &MeetingInput) -> serde_json::Value {
    serde_json::json!({
        "area_id": input.area_id,
        "kind": input.kind.key(),
        "title": input.title,
        "held_on": input.held_on,
        "staff_ids": input.staff_ids,
    })
}

pub async fn create(db: &Db, actor: &Actor, input: &MeetingInput) -> Result<Meeting> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_references(&mut tx, muni, input, None).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "area_id",
                    "kind",
                    "title",
                    "held_on",
                    "created_by",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    muni.into(),
                    input.area_id.into(),
                    input.kind.key().into(),
                    input.title.clone().into(),
                    input.held_on.into(),
                    actor.user_id.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let mut up = Query::update();
    up.table(TABLE).and_where(Expr::col("id").eq(id));
    input_values(&mut up, input);
    tx.execute(&up).await?;
    write_attendees(&mut tx, id, &input.staff_ids).await?;
    crate::events::sync_meeting_in(&mut tx, actor, id, EventInput::from_meeting(input).as_ref()).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::CREATE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(detail(input)),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// Corrects a meeting; `version` is what the editor saw.
pub async fn update(db: &Db, actor: &Actor, id: i64, version: i64, input: &MeetingInput) -> Result<Meeting> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_references(&mut tx, muni, input, Some(id)).await?;
    let mut up = Query::update();
    up.table(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("version").eq(version))
        .value("version", Expr::col("version").add(1));
    input_values(&mut up, input);
    if tx.execute(&up).await? == 0 {
        return Err(common::missing_or_conflict(&mut tx, TABLE, muni, id).await);
    }
    write_attendees(&mut tx, id, &input.staff_ids).await?;
    crate::events::sync_meeting_in(&mut tx, actor, id, EventInput::from_meeting(input).as_ref()).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::UPDATE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(detail(input)),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// Takes in an issue raised in a meeting's minutes, linked to the meeting.
pub async fn raise_issue(db: &Db, actor: &Actor, meeting_id: i64, input: &IssueInput) -> Result<i64> {
    let mut tx = db.begin().await?;
    if !common::row_exists(&mut tx, TABLE, actor.municipality_id, meeting_id).await? {
        return Err(StoreError::NotFound);
    }
    let id = crate::issues::create_in(&mut tx, actor, input, Utc::now()).await?;
    tx.execute(
        &Query::update()
            .table("issues")
            .value("meeting_id", meeting_id)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The meetings and events `staff_id` attended in `from..=to`, oldest
/// first: what personnel evaluation counts (Osaki).
pub async fn attended_by(
    db: &Db,
    municipality_id: i64,
    staff_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Meeting>> {
    let mut q = select_rows();
    q.join_as(
        JoinType::InnerJoin,
        "meeting_staff",
        "ms",
        Expr::col(("ms", "meeting_id")).equals(("m", "id")),
    )
    .and_where(Expr::col(("m", "municipality_id")).eq(municipality_id))
    .and_where(Expr::col(("ms", "staff_id")).eq(staff_id))
    .and_where(Expr::col(("m", "held_on")).gte(from))
    .and_where(Expr::col(("m", "held_on")).lte(to))
    .order_by(("m", "held_on"), Order::Asc);
    db.fetch_all(&q).await
}
