//! Residents needing help to evacuate (避難行動要支援者) with their 個別避難計画,
//! and the officers named to read a body's register. Every read and every
//! export is written to the audit log with the ids it showed; the log never
//! holds the contents.

use chrono::{NaiveDate, Utc};
use kyodo_core::audit::kind;
use kyodo_core::evacuation_support::{RegisterReader, SupportedResident, SupportedResidentInput};
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "supported_residents";
const COLUMNS: [&str; 13] = [
    "id",
    "organisation_id",
    "name",
    "name_kana",
    "address",
    "phone",
    "needs",
    "consent_on",
    "supporters",
    "destination",
    "method",
    "plan_made_on",
    "version",
];

fn of_body(municipality_id: i64, organisation_id: i64) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .order_by("id", Order::Asc)
        .to_owned()
}

/// Logs who saw which residents (or took them out, with the purpose).
async fn log_read(
    db: &Db,
    actor: &Actor,
    action: &str,
    organisation_id: i64,
    shown: &[SupportedResident],
    purpose: Option<&str>,
) -> Result<()> {
    audit::record_now(
        db,
        actor,
        Event {
            action,
            entity: TABLE,
            entity_id: (shown.len() == 1).then(|| shown[0].id),
            detail: Some(serde_json::json!({
                "organisation_id": organisation_id,
                "resident_ids": shown.iter().map(|r| r.id).collect::<Vec<_>>(),
                "purpose": purpose,
            })),
        },
    )
    .await
}

/// A body's register. The read is logged.
pub async fn residents(db: &Db, actor: &Actor, organisation_id: i64) -> Result<Vec<SupportedResident>> {
    let shown: Vec<SupportedResident> = db.fetch_all(&of_body(actor.municipality_id, organisation_id)).await?;
    log_read(db, actor, kind::READ_PERSONAL, organisation_id, &shown, None).await?;
    Ok(shown)
}

/// One resident, for editing. The read is logged.
pub async fn resident(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<SupportedResident> {
    let q = of_body(actor.municipality_id, organisation_id)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let shown: SupportedResident = db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)?;
    log_read(
        db,
        actor,
        kind::READ_PERSONAL,
        organisation_id,
        std::slice::from_ref(&shown),
        None,
    )
    .await?;
    Ok(shown)
}

/// The register taken out of kyodo (CSV), logged as an export with its purpose.
pub async fn export(db: &Db, actor: &Actor, organisation_id: i64, purpose: &str) -> Result<Vec<SupportedResident>> {
    let shown: Vec<SupportedResident> = db.fetch_all(&of_body(actor.municipality_id, organisation_id)).await?;
    log_read(db, actor, kind::EXPORT, organisation_id, &shown, Some(purpose)).await?;
    Ok(shown)
}

/// How many residents a body's register holds: not personal, for the pages
/// that link to it.
pub async fn count(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<i64> {
    db.fetch_i64(
        &Query::select()
            .expr(Expr::col("id").count())
            .from(TABLE)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("organisation_id").eq(organisation_id))
            .to_owned(),
    )
    .await
}

fn values(input: &SupportedResidentInput) -> [(&'static str, sea_query::SimpleExpr); 10] {
    [
        ("name", input.name.clone().into()),
        ("name_kana", input.name_kana.clone().into()),
        ("address", input.address.clone().into()),
        ("phone", input.phone.clone().into()),
        ("needs", input.needs.clone().into()),
        ("consent_on", input.consent_on.into()),
        ("supporters", input.supporters.clone().into()),
        ("destination", input.destination.clone().into()),
        ("method", input.method.clone().into()),
        ("plan_made_on", input.plan_made_on.into()),
    ]
}

/// The log names which fields changed, never what they hold.
async fn log_change(tx: &mut Tx, actor: &Actor, action: &str, organisation_id: i64, id: i64) -> Result<()> {
    audit::record(
        tx,
        actor,
        Event {
            action,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(serde_json::json!({"organisation_id": organisation_id})),
        },
    )
    .await
}

pub async fn add(db: &Db, actor: &Actor, organisation_id: i64, input: &SupportedResidentInput) -> Result<i64> {
    let mut tx = db.begin().await?;
    crate::organisations::get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    let now = Utc::now();
    let (columns, mut row): (Vec<&str>, Vec<sea_query::SimpleExpr>) = values(input).into_iter().unzip();
    row.extend([
        actor.municipality_id.into(),
        organisation_id.into(),
        now.into(),
        now.into(),
    ]);
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns(
                    columns
                        .into_iter()
                        .chain(["municipality_id", "organisation_id", "created_at", "updated_at"]),
                )
                .values_panic(row)
                .to_owned(),
        )
        .await?;
    log_change(&mut tx, actor, kind::CREATE, organisation_id, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Rewrites a resident's entry; `version` guards against a lost update.
pub async fn update(
    db: &Db,
    actor: &Actor,
    organisation_id: i64,
    id: i64,
    version: Option<i64>,
    input: &SupportedResidentInput,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let mut q = Query::update();
    q.table(TABLE)
        .values(values(input))
        .value("version", Expr::col("version").add(1))
        .value("updated_at", Utc::now())
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id));
    if let Some(v) = version {
        q.and_where(Expr::col("version").eq(v));
    }
    if tx.execute(&q).await? == 0 {
        let exists = tx
            .fetch_i64(
                &Query::select()
                    .expr(Expr::col("id").count())
                    .from(TABLE)
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("organisation_id").eq(organisation_id))
                    .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                    .to_owned(),
            )
            .await?;
        return Err(if exists > 0 {
            StoreError::Conflict
        } else {
            StoreError::NotFound
        });
    }
    log_change(&mut tx, actor, kind::UPDATE, organisation_id, id).await?;
    tx.commit().await
}

/// Removes a resident entirely: a register keeps no one who left or withdrew consent.
pub async fn remove(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<()> {
    crate::organisations::remove_child(db, actor, TABLE, organisation_id, id).await
}

// --- Readers (名簿の閲覧者) ---

const READERS: &str = "register_readers";

fn readers_query(municipality_id: i64) -> SelectStatement {
    Query::select()
        .expr_as(Expr::col(("r", "id")), "id")
        .columns([("r", "organisation_id"), ("r", "user_id")])
        .columns([("u", "login"), ("u", "display_name")])
        .columns([("r", "officer_role"), ("r", "named_on")])
        .from_as(READERS, "r")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("r", "user_id")),
        )
        .and_where(Expr::col(("r", "municipality_id")).eq(municipality_id))
        .to_owned()
}

pub async fn readers(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<RegisterReader>> {
    let q = readers_query(municipality_id)
        .and_where(Expr::col(("r", "organisation_id")).eq(organisation_id))
        .order_by(("r", "id"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Whether the city named `user_id` a reader of the body's register (and the account is in use).
pub async fn is_reader(db: &Db, municipality_id: i64, organisation_id: i64, user_id: i64) -> Result<bool> {
    let q = readers_query(municipality_id)
        .and_where(Expr::col(("r", "organisation_id")).eq(organisation_id))
        .and_where(Expr::col(("r", "user_id")).eq(user_id))
        .and_where(Expr::col(("u", "disabled_at")).is_null())
        .to_owned();
    Ok(db.fetch_optional::<RegisterReader>(&q).await?.is_some())
}

/// Names one of the body's own community accounts a reader, as the officer it is.
pub async fn name_reader(
    db: &Db,
    actor: &Actor,
    organisation_id: i64,
    user_id: i64,
    officer_role: &str,
    named_on: NaiveDate,
) -> Result<i64> {
    let mut tx = db.begin().await?;
    let org = crate::organisations::get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    let own_accounts = tx
        .fetch_i64(
            &Query::select()
                .expr(Expr::col("id").count())
                .from("users")
                .and_where(Expr::col("id").eq(user_id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("role").eq(kyodo_core::accounts::Role::Community.as_str()))
                .and_where(Expr::col("disabled_at").is_null())
                .to_owned(),
        )
        .await?;
    if own_accounts == 0 {
        return Err(StoreError::Invalid(FieldErrors::single(
            "user_id",
            format!("「{}」の地域団体アカウントを選んでください", org.name),
        )));
    }
    let taken = tx
        .fetch_i64(
            &Query::select()
                .expr(Expr::col("id").count())
                .from(READERS)
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("user_id").eq(user_id))
                .to_owned(),
        )
        .await?;
    if taken > 0 {
        return Err(StoreError::Invalid(FieldErrors::single(
            "user_id",
            "このアカウントはすでに閲覧者です",
        )));
    }
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(READERS)
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "user_id",
                    "officer_role",
                    "named_on",
                    "created_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    organisation_id.into(),
                    user_id.into(),
                    officer_role.into(),
                    named_on.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    common::audit_change(
        &mut tx,
        actor,
        READERS,
        id,
        None,
        serde_json::json!({"organisation_id": organisation_id, "user_id": user_id, "officer_role": officer_role}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn remove_reader(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<()> {
    crate::organisations::remove_child(db, actor, READERS, organisation_id, id).await
}
