//! The community calendar (行事予定): events the bodies enter, and the
//! entries kept in step with the meetings a liaison marks 公開.

pub mod annual;

use chrono::{NaiveDate, Utc};
use kyodo_core::events::{Event, EventInput, EventKind};
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement, UpdateStatement};

use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};
pub use crate::meetings::Reach;

const TABLE: &str = "events";

/// A calendar's filters; every list is in date order.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub area_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub kind: Option<EventKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only entries listed on the public site.
    pub public_only: bool,
    pub limit: Option<u64>,
}

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "area_id",
            "organisation_id",
            "meeting_id",
            "kind",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "start_time",
            "end_time",
            "place",
            "admission",
            "public",
            "contact",
            "status",
            "sequence",
            "updated_at",
            "version",
        ]
        .map(|c| ("e", c)),
    )
    .expr_as(Expr::col(("a", "name")), "area_name")
    .expr_as(Expr::col(("o", "name")), "organisation_name")
    .from_as(TABLE, "e")
    .join_as(
        JoinType::InnerJoin,
        "areas",
        "a",
        Expr::col(("a", "id")).equals(("e", "area_id")),
    )
    .join_as(
        JoinType::LeftJoin,
        "organisations",
        "o",
        Expr::col(("o", "id")).equals(("e", "organisation_id")),
    );
    q
}

/// Events in reach, in date order. An event over several days is found
/// from its first day, so `from` is matched against the day it ends too.
pub async fn list(db: &Db, municipality_id: i64, reach: &Reach, f: &EventFilter) -> Result<Vec<Event>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("e", "municipality_id")).eq(municipality_id));
    match reach {
        Reach::All => {}
        Reach::InAreas(ids) => {
            q.and_where(Expr::col(("e", "area_id")).is_in(ids.clone()));
        }
        Reach::Organisation(id) => {
            q.and_where(Expr::col(("e", "organisation_id")).eq(*id));
        }
    }
    if f.public_only {
        q.and_where(Expr::col(("e", "public")).eq(true));
    }
    if let Some(a) = f.area_id {
        q.and_where(Expr::col(("e", "area_id")).eq(a));
    }
    if let Some(o) = f.organisation_id {
        q.and_where(Expr::col(("e", "organisation_id")).eq(o));
    }
    if let Some(k) = f.kind {
        q.and_where(Expr::col(("e", "kind")).eq(k.key()));
    }
    if let Some(d) = f.from {
        // Events last a few days at most: a week's margin keeps the index
        // range bounded while still finding one that began before `from`.
        let margin = d - chrono::Days::new(7);
        q.and_where(Expr::col(("e", "starts_on")).gte(margin)).and_where(
            Expr::col(("e", "starts_on"))
                .gte(d)
                .or(Expr::col(("e", "ends_on")).gte(d)),
        );
    }
    if let Some(d) = f.to {
        q.and_where(Expr::col(("e", "starts_on")).lte(d));
    }
    q.order_by(("e", "starts_on"), Order::Asc)
        .order_by(("e", "start_time"), Order::Asc)
        .order_by(("e", "id"), Order::Asc)
        .limit(f.limit.unwrap_or(1000));
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<Event> {
    let mut q = select_rows();
    q.and_where(Expr::col(("e", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("e", "id")).eq(id));
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn check_references(tx: &mut Tx, municipality_id: i64, input: &EventInput) -> Result<()> {
    let mut errors = FieldErrors::new();
    if !common::row_exists(tx, "areas", municipality_id, input.area_id).await? {
        errors.add("area_id", "地区が見つかりません");
    }
    if let Some(o) = input.organisation_id
        && !common::row_exists(tx, "organisations", municipality_id, o).await?
    {
        errors.add("organisation_id", "団体が見つかりません");
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

fn input_values(q: &mut UpdateStatement, input: &EventInput) {
    q.value("area_id", input.area_id)
        .value("organisation_id", input.organisation_id)
        .value("kind", input.kind.key())
        .value("title", input.title.clone())
        .value("description", input.description.clone())
        .value("starts_on", input.starts_on)
        .value("ends_on", input.ends_on)
        .value("start_time", input.start_time.clone())
        .value("end_time", input.end_time.clone())
        .value("place", input.place.clone())
        .value("admission", input.admission.key())
        .value("public", input.public)
        .value("contact", input.contact.clone())
        .value("status", input.status.key())
        .value("updated_at", Utc::now());
}

fn detail(input: &EventInput) -> serde_json::Value {
    serde_json::json!({
        "area_id": input.area_id,
        "organisation_id": input.organisation_id,
        "kind": input.kind.key(),
        "title": input.title,
        "starts_on": input.starts_on,
        "public": input.public,
        "status": input.status.key(),
    })
}

async fn insert_in(tx: &mut Tx, actor: &Actor, input: &EventInput, meeting_id: Option<i64>) -> Result<i64> {
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "area_id",
                    "meeting_id",
                    "kind",
                    "title",
                    "starts_on",
                    "admission",
                    "status",
                    "created_by",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    input.area_id.into(),
                    meeting_id.into(),
                    input.kind.key().into(),
                    input.title.clone().into(),
                    input.starts_on.into(),
                    input.admission.key().into(),
                    input.status.key().into(),
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
    crate::public::bump_in(tx, actor.municipality_id).await?;
    audit::record(
        tx,
        actor,
        audit::Event {
            action: kyodo_core::audit::kind::CREATE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(detail(input)),
        },
    )
    .await?;
    Ok(id)
}

pub async fn create(db: &Db, actor: &Actor, input: &EventInput) -> Result<Event> {
    let mut tx = db.begin().await?;
    check_references(&mut tx, actor.municipality_id, input).await?;
    let id = insert_in(&mut tx, actor, input, None).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Changes an event; `version` is what the editor saw. Calendars that
/// copied it see the change by its raised SEQUENCE.
pub async fn update(db: &Db, actor: &Actor, id: i64, version: i64, input: &EventInput) -> Result<Event> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_references(&mut tx, muni, input).await?;
    let mut up = Query::update();
    up.table(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("version").eq(version))
        .value("version", Expr::col("version").add(1))
        .value("sequence", Expr::col("sequence").add(1));
    input_values(&mut up, input);
    if tx.execute(&up).await? == 0 {
        return Err(common::missing_or_conflict(&mut tx, TABLE, muni, id).await);
    }
    crate::public::bump_in(&mut tx, muni).await?;
    audit::record(
        &mut tx,
        actor,
        audit::Event {
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

/// Keeps a meeting's calendar entry in step with the meeting, inside the
/// meeting's own transaction. `entry` is what the meeting announces now;
/// `None` takes a published entry off the public calendar.
pub(crate) async fn sync_meeting_in(
    tx: &mut Tx,
    actor: &Actor,
    meeting_id: i64,
    entry: Option<&EventInput>,
) -> Result<()> {
    let existing = Query::select()
        .column("id")
        .from(TABLE)
        .and_where(Expr::col("meeting_id").eq(meeting_id))
        .to_owned();
    let id = tx.fetch_optional::<(i64,)>(&existing).await?.map(|(id,)| id);
    match (id, entry) {
        (None, None) => Ok(()),
        (None, Some(input)) => insert_in(tx, actor, input, Some(meeting_id)).await.map(drop),
        (Some(id), entry) => {
            let mut up = Query::update();
            up.table(TABLE)
                .and_where(Expr::col("id").eq(id))
                .value("version", Expr::col("version").add(1))
                .value("sequence", Expr::col("sequence").add(1));
            match entry {
                Some(input) => input_values(&mut up, input),
                None => {
                    up.value("public", false).value("updated_at", Utc::now());
                }
            }
            tx.execute(&up).await?;
            crate::public::bump_in(tx, actor.municipality_id).await
        }
    }
}
