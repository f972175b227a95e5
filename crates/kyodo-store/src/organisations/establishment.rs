//! An organisation's way to becoming a 地域運営組織: its dated records,
//! stage moves, area (区域) and the inventory of existing groups.

use chrono::Utc;
use kyodo_core::organisations::establishment::{
    Direction, EstablishmentRecord, ExistingGroup, ExistingGroupInput, HeldArea, Progress, RecordInput, Requirement,
    StageEvent, StageMove,
};
use kyodo_core::organisations::{Organisation, recognition::RecognitionStatus};
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Order, Query};

use super::{TABLE, get_in};
use crate::audit::{self, Actor, Event};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const RECORD_COLUMNS: [&str; 7] = [
    "id",
    "organisation_id",
    "kind",
    "held_on",
    "note",
    "recorded_by",
    "created_at",
];

/// The dated records of an organisation's way, oldest first.
pub async fn records(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<EstablishmentRecord>> {
    let q = Query::select()
        .columns(RECORD_COLUMNS)
        .from("establishment_records")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .order_by("held_on", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

pub async fn add_record(db: &Db, actor: &Actor, organisation_id: i64, input: &RecordInput) -> Result<i64> {
    let mut tx = db.begin().await?;
    get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("establishment_records")
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "kind",
                    "held_on",
                    "note",
                    "recorded_by",
                    "created_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    organisation_id.into(),
                    input.kind.key().into(),
                    input.held_on.into(),
                    input.note.clone().into(),
                    actor.name.clone().into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    common::audit_change(
        &mut tx,
        actor,
        "establishment_records",
        id,
        None,
        serde_json::json!({"organisation_id": organisation_id, "kind": input.kind.label(), "held_on": input.held_on}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_record(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<()> {
    super::remove_child(db, actor, "establishment_records", organisation_id, id).await
}

/// What the organisation has done so far, as the stage rules read it.
pub async fn progress(tx: &mut Tx, municipality_id: i64, organisation_id: i64) -> Result<Progress> {
    let kinds: Vec<(String,)> = tx
        .fetch_all(
            &Query::select()
                .distinct()
                .column("kind")
                .from("establishment_records")
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .to_owned(),
        )
        .await?;
    let count = |table: &'static str| {
        Query::select()
            .expr(Expr::col("id").count())
            .from(table)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("organisation_id").eq(organisation_id))
            .to_owned()
    };
    let areas = tx.fetch_i64(&count("organisation_areas")).await?;
    let groups = tx.fetch_i64(&count("existing_groups")).await?;
    let undecided = tx
        .fetch_i64(
            &count("existing_groups")
                .and_where(
                    Expr::col("disposition").eq(kyodo_core::organisations::establishment::Disposition::Undecided.key()),
                )
                .to_owned(),
        )
        .await?;
    let officers = tx.fetch_i64(&count("officers")).await?;
    let future = count("plans")
        .and_where(Expr::col("kind").eq(kyodo_core::plans::PlanKind::Future.key()))
        .to_owned();
    let future_plans = tx.fetch_i64(&future).await?;
    let adopted = tx
        .fetch_i64(
            &future
                .clone()
                .and_where(Expr::col("adopted_on").is_not_null())
                .to_owned(),
        )
        .await?;
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    Ok(Progress {
        records: kinds.iter().filter_map(|(k,)| Requirement::from_key(k)).collect(),
        areas: n(areas),
        groups: n(groups),
        groups_undecided: n(undecided),
        officers: n(officers),
        future_plans: n(future_plans),
        adopted_future_plans: n(adopted),
    })
}

/// The same, read outside a transaction (for a page).
pub async fn progress_of(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Progress> {
    let mut tx = db.begin().await?;
    let p = progress(&mut tx, municipality_id, organisation_id).await?;
    tx.commit().await?;
    Ok(p)
}

/// Moves the organisation to another stage, if its requirements are met
/// (forward) or a reason is given (back); the move is kept in its history.
/// `version`, when given, must be the organisation's current one.
pub async fn move_stage(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    organisation_id: i64,
    version: Option<i64>,
    input: &StageMove,
) -> Result<Organisation> {
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    if version.is_some_and(|v| v != before.version) {
        return Err(StoreError::Conflict);
    }
    if before.archived_at.is_some() {
        return Err(StoreError::Refused("アーカイブ済みの団体の段階は変更できません".into()));
    }
    let progress = progress(&mut tx, actor.municipality_id, organisation_id).await?;
    let direction = input
        .check(scheme, before.stage.as_deref(), &progress)
        .map_err(StoreError::Invalid)?;
    if direction == Direction::Back && before.recognition == RecognitionStatus::Granted {
        return Err(StoreError::Invalid(FieldErrors::single(
            "stage",
            "認可を受けている団体の段階は戻せません。先に認可を取り消してください",
        )));
    }
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("stage", input.to.clone())
            .value("version", Expr::col("version").add(1))
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(organisation_id))
            .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
            .to_owned(),
    )
    .await?;
    tx.insert_id(
        &Query::insert()
            .into_table("stage_events")
            .columns([
                "municipality_id",
                "organisation_id",
                "from_stage",
                "to_stage",
                "reason",
                "actor_name",
                "created_at",
            ])
            .values_panic([
                actor.municipality_id.into(),
                organisation_id.into(),
                before.stage.clone().into(),
                input.to.clone().into(),
                input.reason.clone().into(),
                actor.name.clone().into(),
                Utc::now().into(),
            ])
            .to_owned(),
    )
    .await?;
    let after = get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    common::audit_change(
        &mut tx,
        actor,
        TABLE,
        organisation_id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The organisation's stage moves, oldest first.
pub async fn stage_events(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<StageEvent>> {
    let q = Query::select()
        .columns([
            "id",
            "organisation_id",
            "from_stage",
            "to_stage",
            "reason",
            "actor_name",
            "created_at",
        ])
        .from("stage_events")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

// --- The area (区域) ---

pub async fn areas(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<HeldArea>> {
    let q = Query::select()
        .expr_as(Expr::col(("a", "id")), "area_id")
        .column(("a", "code"))
        .column(("a", "name"))
        .expr_as(Expr::col(("p", "name")), "parent_name")
        .from_as("organisation_areas", "oa")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "areas",
            "a",
            Expr::col(("a", "id")).equals(("oa", "area_id")),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            "areas",
            "p",
            Expr::col(("p", "id")).equals(("a", "parent_id")),
        )
        .and_where(Expr::col(("oa", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("oa", "organisation_id")).eq(organisation_id))
        .order_by(("a", "code"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The active organisation other than `except` that holds `area_id`, by name.
async fn holder(tx: &mut Tx, area_id: i64, except: i64) -> Result<Option<String>> {
    let row: Option<(String,)> = tx
        .fetch_optional(
            &Query::select()
                .column(("o", "name"))
                .from_as("organisation_areas", "oa")
                .join_as(
                    sea_query::JoinType::InnerJoin,
                    TABLE,
                    "o",
                    Expr::col(("o", "id")).equals(("oa", "organisation_id")),
                )
                .and_where(Expr::col(("oa", "area_id")).eq(area_id))
                .and_where(Expr::col(("oa", "active")).eq(true))
                .and_where(Expr::col(("oa", "organisation_id")).ne(except))
                .to_owned(),
        )
        .await?;
    Ok(row.map(|(n,)| n))
}

async fn area_name(tx: &mut Tx, municipality_id: i64, area_id: i64) -> Result<String> {
    let row: Option<(String,)> = tx
        .fetch_optional(
            &Query::select()
                .column("name")
                .from("areas")
                .and_where(Expr::col("id").eq(area_id))
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .to_owned(),
        )
        .await?;
    row.map(|(n,)| n)
        .ok_or_else(|| StoreError::Invalid(FieldErrors::single("area_id", "地区が見つかりません")))
}

/// Adds an area to the organisation's 区域; refused, naming the other body,
/// when an active one already holds it.
pub async fn add_area(db: &Db, actor: &Actor, organisation_id: i64, area_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let org = get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    let name = area_name(&mut tx, actor.municipality_id, area_id).await?;
    let active = org.archived_at.is_none();
    if active && let Some(other) = holder(&mut tx, area_id, organisation_id).await? {
        return Err(StoreError::Invalid(FieldErrors::single(
            "area_id",
            format!("「{name}」は「{other}」の区域です。地域内・地域間で協議のうえ、どちらかの区域から外してください"),
        )));
    }
    let taken = tx
        .fetch_i64(
            &Query::select()
                .expr(Expr::col("id").count())
                .from("organisation_areas")
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("area_id").eq(area_id))
                .to_owned(),
        )
        .await?;
    if taken > 0 {
        return Err(StoreError::Invalid(FieldErrors::single(
            "area_id",
            format!("「{name}」はすでにこの団体の区域です"),
        )));
    }
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("organisation_areas")
                .columns(["municipality_id", "organisation_id", "area_id", "active", "created_at"])
                .values_panic([
                    actor.municipality_id.into(),
                    organisation_id.into(),
                    area_id.into(),
                    active.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    common::audit_change(
        &mut tx,
        actor,
        "organisation_areas",
        id,
        None,
        serde_json::json!({"organisation_id": organisation_id, "area_id": area_id, "name": name}),
    )
    .await?;
    tx.commit().await
}

pub async fn remove_area(db: &Db, actor: &Actor, organisation_id: i64, area_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            &Query::delete()
                .from_table("organisation_areas")
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("area_id").eq(area_id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::DELETE,
            entity: "organisation_areas",
            entity_id: None,
            detail: Some(serde_json::json!({"organisation_id": organisation_id, "area_id": area_id})),
        },
    )
    .await?;
    tx.commit().await
}

/// Takes the organisation's 区域 again (`active`) or frees it, as it is
/// restored or archived.
pub(crate) async fn hold_areas(tx: &mut Tx, municipality_id: i64, organisation_id: i64, active: bool) -> Result<()> {
    if active {
        let ids: Vec<(i64,)> = tx
            .fetch_all(
                &Query::select()
                    .column("area_id")
                    .from("organisation_areas")
                    .and_where(Expr::col("organisation_id").eq(organisation_id))
                    .to_owned(),
            )
            .await?;
        for (area_id,) in ids {
            if let Some(other) = holder(tx, area_id, organisation_id).await? {
                let name = area_name(tx, municipality_id, area_id).await?;
                return Err(StoreError::Refused(format!(
                    "区域の「{name}」は今は「{other}」の区域のため、元に戻せません"
                )));
            }
        }
    }
    tx.execute(
        &Query::update()
            .table("organisation_areas")
            .value("active", active)
            .and_where(Expr::col("organisation_id").eq(organisation_id))
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

// --- Existing groups (既存組織の整理統合) ---

const GROUP_COLUMNS: [&str; 10] = [
    "id",
    "organisation_id",
    "name",
    "group_kind",
    "role",
    "disposition",
    "decided_on",
    "source_organisation_id",
    "is_parent",
    "merged_at",
];

pub async fn groups(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<ExistingGroup>> {
    let q = Query::select()
        .columns(GROUP_COLUMNS)
        .from("existing_groups")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

async fn group_in(tx: &mut Tx, municipality_id: i64, organisation_id: i64, id: i64) -> Result<ExistingGroup> {
    let q = Query::select()
        .columns(GROUP_COLUMNS)
        .from("existing_groups")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

pub async fn group(db: &Db, municipality_id: i64, organisation_id: i64, id: i64) -> Result<ExistingGroup> {
    let mut tx = db.begin().await?;
    let g = group_in(&mut tx, municipality_id, organisation_id, id).await?;
    tx.commit().await?;
    Ok(g)
}

async fn check_source(
    tx: &mut Tx,
    municipality_id: i64,
    organisation_id: i64,
    input: &ExistingGroupInput,
) -> Result<()> {
    if let Some(source) = input.source_organisation_id {
        if source == organisation_id {
            return Err(StoreError::Invalid(FieldErrors::single(
                "source_organisation_id",
                "団体自身は既存組織に登録できません",
            )));
        }
        let other = get_in(tx, municipality_id, source).await.map_err(|_| {
            StoreError::Invalid(FieldErrors::single(
                "source_organisation_id",
                "登録済みの団体が見つかりません",
            ))
        })?;
        if other.archived_at.is_some() {
            return Err(StoreError::Invalid(FieldErrors::single(
                "source_organisation_id",
                format!("「{}」はアーカイブ済みです", other.name),
            )));
        }
    }
    Ok(())
}

/// Adds a group to the inventory; a decided integration is carried out at once.
pub async fn add_group(db: &Db, actor: &Actor, organisation_id: i64, input: &ExistingGroupInput) -> Result<i64> {
    let mut tx = db.begin().await?;
    get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    check_source(&mut tx, actor.municipality_id, organisation_id, input).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("existing_groups")
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "name",
                    "group_kind",
                    "role",
                    "disposition",
                    "decided_on",
                    "source_organisation_id",
                    "is_parent",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    organisation_id.into(),
                    input.name.clone().into(),
                    input.group_kind.clone().into(),
                    input.role.clone().into(),
                    input.disposition.key().into(),
                    input.decided_on.into(),
                    input.source_organisation_id.into(),
                    input.is_parent.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let after = group_in(&mut tx, actor.municipality_id, organisation_id, id).await?;
    common::audit_change(&mut tx, actor, "existing_groups", id, None, audit::snapshot(&after)).await?;
    integrate(&mut tx, actor, organisation_id, &after).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_group(
    db: &Db,
    actor: &Actor,
    organisation_id: i64,
    id: i64,
    input: &ExistingGroupInput,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let before = group_in(&mut tx, actor.municipality_id, organisation_id, id).await?;
    if before.merged_at.is_some() {
        return Err(StoreError::Refused(format!(
            "「{}」は統合済みのため変更できません",
            before.name
        )));
    }
    check_source(&mut tx, actor.municipality_id, organisation_id, input).await?;
    tx.execute(
        &Query::update()
            .table("existing_groups")
            .value("name", input.name.clone())
            .value("group_kind", input.group_kind.clone())
            .value("role", input.role.clone())
            .value("disposition", input.disposition.key())
            .value("decided_on", input.decided_on)
            .value("source_organisation_id", input.source_organisation_id)
            .value("is_parent", input.is_parent)
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    let after = group_in(&mut tx, actor.municipality_id, organisation_id, id).await?;
    common::audit_change(
        &mut tx,
        actor,
        "existing_groups",
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    integrate(&mut tx, actor, organisation_id, &after).await?;
    tx.commit().await
}

pub async fn remove_group(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let g = group_in(&mut tx, actor.municipality_id, organisation_id, id).await?;
    if g.merged_at.is_some() {
        return Err(StoreError::Refused(format!(
            "「{}」は統合済みのため削除できません",
            g.name
        )));
    }
    tx.commit().await?;
    super::remove_child(db, actor, "existing_groups", organisation_id, id).await
}

/// Carries out a decided integration of a registered organisation: it is
/// archived, pointing at the body as its successor; as the body's parent
/// (母体) its officers and key people are copied over and its open issues
/// move with it. Its own history stays where it was, readable.
async fn integrate(tx: &mut Tx, actor: &Actor, body: i64, group: &ExistingGroup) -> Result<()> {
    use kyodo_core::organisations::establishment::Disposition;
    let Some(source) = group.source_organisation_id else {
        return Ok(());
    };
    if group.disposition != Disposition::Integrate || group.merged_at.is_some() {
        return Ok(());
    }
    let muni = actor.municipality_id;
    if group.is_parent {
        let copy_officers = format!(
            "INSERT INTO officers (municipality_id, organisation_id, role, name, term_start, term_end, created_at) \
             SELECT municipality_id, {body}, role, name, term_start, term_end, created_at FROM officers \
             WHERE organisation_id = {source} AND municipality_id = {muni}"
        );
        tx.execute_raw(&copy_officers).await?;
        let copy_people = format!(
            "INSERT INTO key_people (municipality_id, organisation_id, name, name_kana, title, phone, email, address, note, created_at, updated_at) \
             SELECT municipality_id, {body}, name, name_kana, title, phone, email, address, note, created_at, updated_at FROM key_people \
             WHERE organisation_id = {source} AND municipality_id = {muni}"
        );
        tx.execute_raw(&copy_people).await?;
        let moved = tx
            .execute(
                &Query::update()
                    .table("issues")
                    .value("organisation_id", body)
                    .and_where(Expr::col("organisation_id").eq(source))
                    .and_where(Expr::col("municipality_id").eq(muni))
                    .and_where(Expr::col("status").ne(kyodo_core::issues::IssueStatus::Closed.key()))
                    .to_owned(),
            )
            .await?;
        audit::record(
            tx,
            actor,
            Event {
                action: kyodo_core::audit::kind::UPDATE,
                entity: TABLE,
                entity_id: Some(body),
                detail: Some(serde_json::json!({"succeeded": source, "open_issues_moved": moved})),
            },
        )
        .await?;
    }
    let before = get_in(tx, muni, source).await?;
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("successor_id", body)
            .value("archived_at", Utc::now())
            .value("version", Expr::col("version").add(1))
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(source))
            .and_where(Expr::col("municipality_id").eq(muni))
            .to_owned(),
    )
    .await?;
    hold_areas(tx, muni, source, false).await?;
    let after = get_in(tx, muni, source).await?;
    common::audit_change(
        tx,
        actor,
        TABLE,
        source,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.execute(
        &Query::update()
            .table("existing_groups")
            .value("merged_at", Utc::now())
            .and_where(Expr::col("id").eq(group.id))
            .to_owned(),
    )
    .await?;
    Ok(())
}
