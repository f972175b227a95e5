//! Handovers (引継ぎ): opened when a successor is appointed to a seat whose
//! holder leaves; the ticked checklist, the note, the two sign-offs, and
//! the dossier built from the district's records.

use chrono::{Duration, NaiveDate, Utc};
use kyodo_core::activities::month_key;
use kyodo_core::handovers::{
    Dossier, DossierIssue, DossierOrganisation, DossierPerson, DutyMinutes, Handover, ItemKind, Party, Tick, checklist,
    commitments,
};
use kyodo_core::issues::IssueStatus;
use sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "handovers";
const TICKS: &str = "handover_ticks";

/// How far back a predecessor's last day may lie for a new holder of the
/// seat to take over from them (a seat left empty for over a year has
/// nobody to hand over).
const HANDOVER_WINDOW_DAYS: i64 = 400;

fn last_day(alias: &'static str) -> Expr {
    Expr::col((alias, "ended_on")).if_null(Expr::col((alias, "planned_end_on")))
}

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "area_id",
            "predecessor_appointment_id",
            "successor_appointment_id",
            "note",
            "predecessor_signed_at",
            "successor_signed_at",
        ]
        .map(|c| ("h", c)),
    )
    .expr_as(Expr::col(("a", "name")), "area_name")
    .expr_as(Expr::col(("n", "position_key")), "position_key")
    .expr_as(Expr::col(("p", "staff_id")), "predecessor_staff_id")
    .expr_as(Expr::col(("ps", "name")), "predecessor_name")
    .expr_as(Expr::col(("n", "staff_id")), "successor_staff_id")
    .expr_as(Expr::col(("ns", "name")), "successor_name")
    .expr_as(last_day("p"), "predecessor_last_day")
    .expr_as(Expr::col(("n", "start_on")), "successor_first_day")
    .from_as(TABLE, "h");
    for (table, alias, on) in [
        ("areas", "a", Expr::col(("a", "id")).equals(("h", "area_id"))),
        (
            "appointments",
            "p",
            Expr::col(("p", "id")).equals(("h", "predecessor_appointment_id")),
        ),
        (
            "appointments",
            "n",
            Expr::col(("n", "id")).equals(("h", "successor_appointment_id")),
        ),
        ("staff", "ps", Expr::col(("ps", "id")).equals(("p", "staff_id"))),
        ("staff", "ns", Expr::col(("ns", "id")).equals(("n", "staff_id"))),
    ] {
        q.join_as(JoinType::InnerJoin, table, Alias::new(alias), on);
    }
    q
}

/// Called when `successor_id` is appointed: opens a handover from the
/// seat's last holder who left before the new term starts, if there is
/// one not handed over yet and it is someone else.
pub(crate) async fn open_for(
    tx: &mut Tx,
    actor: &Actor,
    successor_id: i64,
    successor: &kyodo_core::appointments::AppointmentInput,
) -> Result<Option<i64>> {
    #[derive(sqlx::FromRow)]
    struct Predecessor {
        id: i64,
        start_on: NaiveDate,
    }
    let muni = actor.municipality_id;
    let handed_over = Query::select()
        .expr(Expr::val(1))
        .from(TABLE)
        .and_where(Expr::col((TABLE, "predecessor_appointment_id")).equals(("p", "id")))
        .to_owned();
    let predecessor: Option<Predecessor> = tx
        .fetch_optional(
            &Query::select()
                .columns([("p", "id"), ("p", "start_on")])
                .from_as("appointments", "p")
                .and_where(Expr::col(("p", "municipality_id")).eq(muni))
                .and_where(Expr::col(("p", "area_id")).eq(successor.area_id))
                .and_where(Expr::col(("p", "position_key")).eq(successor.position_key.clone()))
                .and_where(Expr::col(("p", "id")).ne(successor_id))
                .and_where(Expr::col(("p", "staff_id")).ne(successor.staff_id))
                .and_where(last_day("p").lt(successor.start_on))
                .and_where(last_day("p").gte(successor.start_on - Duration::days(HANDOVER_WINDOW_DAYS)))
                .and_where(Expr::exists(handed_over).not())
                .order_by_expr(last_day("p"), Order::Desc)
                .limit(1)
                .to_owned(),
        )
        .await?;
    let Some(p) = predecessor else {
        return Ok(None);
    };
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "area_id",
                    "predecessor_appointment_id",
                    "successor_appointment_id",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    muni.into(),
                    successor.area_id.into(),
                    p.id.into(),
                    successor_id.into(),
                    now.into(),
                    now.into(),
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
            detail: Some(serde_json::json!({"predecessor": p.id, "successor": successor_id, "since": p.start_on})),
        },
    )
    .await?;
    Ok(Some(id))
}

/// Whose handovers a caller reaches.
#[derive(Debug, Clone, Copy)]
pub enum Reach {
    All,
    /// The handovers `staff_id` gives or receives.
    Party(Option<i64>),
}

pub async fn list(db: &Db, municipality_id: i64, reach: Reach, incomplete_only: bool) -> Result<Vec<Handover>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("h", "municipality_id")).eq(municipality_id));
    if let Reach::Party(staff) = reach {
        let s = staff.unwrap_or(0);
        q.cond_where(
            sea_query::Cond::any()
                .add(Expr::col(("p", "staff_id")).eq(s))
                .add(Expr::col(("n", "staff_id")).eq(s)),
        );
    }
    if incomplete_only {
        q.cond_where(
            sea_query::Cond::any()
                .add(Expr::col(("h", "predecessor_signed_at")).is_null())
                .add(Expr::col(("h", "successor_signed_at")).is_null()),
        );
    }
    q.order_by(("n", "start_on"), Order::Desc)
        .order_by(("a", "code"), Order::Asc)
        .limit(1000);
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<Handover> {
    let mut q = select_rows();
    q.and_where(Expr::col(("h", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("h", "id")).eq(id));
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

pub async fn ticks(db: &Db, handover_id: i64) -> Result<Vec<Tick>> {
    let q = Query::select()
        .columns(["kind", "ref_id", "done_on", "done_by", "note"])
        .from(TICKS)
        .and_where(Expr::col("handover_id").eq(handover_id))
        .to_owned();
    db.fetch_all(&q).await
}

async fn touch(tx: &mut Tx, actor: &Actor, id: i64, action: &str, detail: serde_json::Value) -> Result<()> {
    let n = tx
        .execute(
            &Query::update()
                .table(TABLE)
                .value("updated_at", Utc::now())
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record(
        tx,
        actor,
        Event {
            action,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(detail),
        },
    )
    .await
}

/// Ticks a checklist item off (or again, with a new date and note).
pub async fn tick(
    db: &Db,
    actor: &Actor,
    id: i64,
    kind: ItemKind,
    ref_id: i64,
    done_on: NaiveDate,
    note: Option<&str>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    touch(
        &mut tx,
        actor,
        id,
        "tick",
        serde_json::json!({"kind": kind.key(), "ref_id": ref_id, "done_on": done_on}),
    )
    .await?;
    remove_tick(&mut tx, id, kind, ref_id).await?;
    tx.execute(
        &Query::insert()
            .into_table(TICKS)
            .columns([
                "handover_id",
                "kind",
                "ref_id",
                "done_on",
                "done_by",
                "note",
                "created_at",
            ])
            .values_panic([
                id.into(),
                kind.key().into(),
                ref_id.into(),
                done_on.into(),
                actor.name.clone().or_else(|| actor.login.clone()).into(),
                note.into(),
                Utc::now().into(),
            ])
            .to_owned(),
    )
    .await?;
    tx.commit().await
}

async fn remove_tick(tx: &mut Tx, id: i64, kind: ItemKind, ref_id: i64) -> Result<u64> {
    tx.execute(
        &Query::delete()
            .from_table(TICKS)
            .and_where(Expr::col("handover_id").eq(id))
            .and_where(Expr::col("kind").eq(kind.key()))
            .and_where(Expr::col("ref_id").eq(ref_id))
            .to_owned(),
    )
    .await
}

/// Takes a tick back (ticked by mistake).
pub async fn untick(db: &Db, actor: &Actor, id: i64, kind: ItemKind, ref_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    touch(
        &mut tx,
        actor,
        id,
        "untick",
        serde_json::json!({"kind": kind.key(), "ref_id": ref_id}),
    )
    .await?;
    remove_tick(&mut tx, id, kind, ref_id).await?;
    tx.commit().await
}

/// The predecessor's note: commitments made, what to watch.
pub async fn set_note(db: &Db, actor: &Actor, id: i64, note: Option<&str>) -> Result<()> {
    let mut tx = db.begin().await?;
    touch(
        &mut tx,
        actor,
        id,
        kyodo_core::audit::kind::UPDATE,
        serde_json::json!({"note": note}),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("note", note)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    tx.commit().await
}

/// Records `party`'s sign-off; signing twice is refused.
pub async fn sign(db: &Db, actor: &Actor, id: i64, party: Party) -> Result<()> {
    let column = match party {
        Party::Predecessor => "predecessor_signed_at",
        Party::Successor => "successor_signed_at",
    };
    let mut tx = db.begin().await?;
    touch(&mut tx, actor, id, "sign", serde_json::json!({"party": party.key()})).await?;
    let n = tx
        .execute(
            &Query::update()
                .table(TABLE)
                .value(column, Utc::now())
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col(column).is_null())
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Refused(format!("{}は既に確認済みです", party.label())));
    }
    tx.commit().await
}

/// The key people of the organisations in `area_ids`, with their contacts.
/// Callers that show them log the read.
async fn people(db: &Db, muni: i64, area_ids: &[i64]) -> Result<Vec<DossierPerson>> {
    db.fetch_all(
        &Query::select()
            .columns(["id", "organisation_id", "name", "title", "phone", "email", "note"].map(|c| ("k", c)))
            .expr_as(Expr::col(("o", "name")), "organisation_name")
            .from_as("key_people", "k")
            .join_as(
                JoinType::InnerJoin,
                "organisations",
                "o",
                Expr::col(("o", "id")).equals(("k", "organisation_id")),
            )
            .and_where(Expr::col(("k", "municipality_id")).eq(muni))
            .and_where(Expr::col(("o", "area_id")).is_in(area_ids.to_vec()))
            .and_where(Expr::col(("o", "archived_at")).is_null())
            .order_by(("o", "name_kana"), Order::Asc)
            .order_by(("k", "id"), Order::Asc)
            .to_owned(),
    )
    .await
}

async fn open_issue_count(db: &Db, muni: i64, area_ids: &[i64]) -> Result<i64> {
    db.fetch_i64(
        &Query::select()
            .expr(Expr::col("id").count())
            .from("issues")
            .and_where(Expr::col("municipality_id").eq(muni))
            .and_where(Expr::col("area_id").is_in(area_ids.to_vec()))
            .and_where(Expr::col("status").ne(IssueStatus::Closed.key()))
            .to_owned(),
    )
    .await
}

/// The district and every area below it.
async fn district(db: &Db, muni: i64, area_id: i64) -> Result<(Vec<kyodo_core::areas::Area>, Vec<i64>)> {
    let all = crate::areas::all(db, muni, false).await?;
    let ids = crate::appointments::subtree(&all, area_id);
    Ok((all, ids))
}

/// The checklist as it stands, to decide a sign-off; nothing is shown, so
/// no personal read is logged.
pub async fn checklist_of(db: &Db, muni: i64, h: &Handover) -> Result<Vec<kyodo_core::handovers::ChecklistItem>> {
    let (_, area_ids) = district(db, muni, h.area_id).await?;
    let people: Vec<_> = people(db, muni, &area_ids)
        .await?
        .iter()
        .map(DossierPerson::introduction)
        .collect();
    let open = open_issue_count(db, muni, &area_ids).await?;
    Ok(checklist(
        &people,
        usize::try_from(open).unwrap_or(0),
        &ticks(db, h.id).await?,
    ))
}

/// The dossier of a handover as of `today`. Reading it reads the key
/// people's contacts, so the read is logged.
pub async fn dossier(db: &Db, actor: &Actor, handover: Handover, today: NaiveDate) -> Result<Dossier> {
    let muni = actor.municipality_id;
    let (all_areas, area_ids) = district(db, muni, handover.area_id).await?;
    let areas = area_ids
        .iter()
        .filter_map(|id| all_areas.iter().find(|a| a.id == *id))
        .map(|a| a.name.clone())
        .collect();

    let organisations: Vec<DossierOrganisation> = db
        .fetch_all(
            &Query::select()
                .columns([("o", "id"), ("o", "name"), ("o", "kind"), ("o", "stage")])
                .expr_as(Expr::col(("a", "name")), "area_name")
                .from_as("organisations", "o")
                .join_as(
                    JoinType::LeftJoin,
                    "areas",
                    "a",
                    Expr::col(("a", "id")).equals(("o", "area_id")),
                )
                .and_where(Expr::col(("o", "municipality_id")).eq(muni))
                .and_where(Expr::col(("o", "area_id")).is_in(area_ids.clone()))
                .and_where(Expr::col(("o", "archived_at")).is_null())
                .order_by(("o", "name_kana"), Order::Asc)
                .to_owned(),
        )
        .await?;
    let key_people = people(db, muni, &area_ids).await?;
    audit::record_now(
        db,
        actor,
        Event {
            action: kyodo_core::audit::kind::READ_PERSONAL,
            entity: "key_people",
            entity_id: None,
            detail: Some(serde_json::json!({
                "handover_id": handover.id,
                "key_person_ids": key_people.iter().map(|p| p.id).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;

    let mut open_issues: Vec<DossierIssue> = db
        .fetch_all(
            &Query::select()
                .columns(["id", "title", "status", "received_on", "answer_due_on", "continuing"])
                .from("issues")
                .and_where(Expr::col("municipality_id").eq(muni))
                .and_where(Expr::col("area_id").is_in(area_ids.clone()))
                .and_where(Expr::col("status").ne(IssueStatus::Closed.key()))
                .order_by("received_on", Order::Asc)
                .limit(500)
                .to_owned(),
        )
        .await?;
    let issue_ids: Vec<i64> = open_issues.iter().map(|i| i.id).collect();
    let routes = crate::issues::routes_of(db, muni, &issue_ids).await?;
    for issue in &mut open_issues {
        let mine: Vec<_> = routes.iter().filter(|r| r.issue_id == issue.id).cloned().collect();
        issue.commitments = commitments(&mine);
    }

    let year_ago = today - Duration::days(365);
    let meetings = crate::meetings::list(
        db,
        muni,
        &crate::meetings::Reach::InAreas(area_ids.clone()),
        &crate::meetings::MeetingFilter {
            from: Some(year_ago),
            to: Some(today),
            ..Default::default()
        },
    )
    .await?;
    let totals = crate::activities::summed(
        db,
        muni,
        &crate::activities::Reach::All,
        (month_key(year_ago), month_key(today)),
        &crate::activities::TotalsFilter {
            staff_id: None,
            area_ids: Some(&area_ids),
        },
        crate::activities::GroupBy {
            duty: true,
            ..Default::default()
        },
    )
    .await?;
    let activity = kyodo_core::activities::sum_by(&totals, |t| t.duty_type.clone())
        .into_iter()
        .map(|(duty_type, load)| DutyMinutes {
            duty_type,
            minutes: load.minutes,
        })
        .collect();

    let ticks = ticks(db, handover.id).await?;
    let people: Vec<_> = key_people.iter().map(DossierPerson::introduction).collect();
    Ok(Dossier {
        checklist: checklist(&people, open_issues.len(), &ticks),
        handover,
        areas,
        organisations,
        key_people,
        open_issues,
        meetings,
        activity,
    })
}
