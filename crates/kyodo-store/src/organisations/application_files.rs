//! The documents of a recognition application (申請書類), stored in the
//! database like an issue's files: every server sees them, a backup holds them.

use chrono::{NaiveDate, Utc};
use kyodo_core::audit::kind;
use kyodo_core::organisations::application_files::{self as rules, ApplicationFile, DocumentKind, MAX_PER_BODY};
use kyodo_core::organisations::recognition::AppliedFile;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use super::get_in;
use crate::audit::{self, Actor, Event};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "application_files";
const COLUMNS: [&str; 9] = [
    "id",
    "organisation_id",
    "kind",
    "filename",
    "content_type",
    "size",
    "applied_on",
    "uploaded_by",
    "created_at",
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

/// A new document; the caller has checked what the bytes are and their size.
pub struct NewFile {
    pub kind: DocumentKind,
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A body's documents, oldest first.
pub async fn list(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<ApplicationFile>> {
    db.fetch_all(&of_body(municipality_id, organisation_id)).await
}

async fn get_in_tx(tx: &mut Tx, municipality_id: i64, organisation_id: i64, id: i64) -> Result<ApplicationFile> {
    tx.fetch_optional(
        &of_body(municipality_id, organisation_id)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// The document and its bytes. Reading an 役員名簿 is logged, as any read
/// of names is.
pub async fn content(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<(ApplicationFile, Vec<u8>)> {
    #[derive(sqlx::FromRow)]
    struct WithContent {
        #[sqlx(flatten)]
        file: ApplicationFile,
        content: Vec<u8>,
    }
    let q = of_body(actor.municipality_id, organisation_id)
        .column("content")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let found = db
        .fetch_optional::<WithContent>(&q)
        .await?
        .ok_or(StoreError::NotFound)?;
    if found.file.kind.names_people() {
        audit::record_now(
            db,
            actor,
            Event {
                action: kind::READ_PERSONAL,
                entity: TABLE,
                entity_id: Some(id),
                detail: Some(serde_json::json!({ "organisation_id": organisation_id })),
            },
        )
        .await?;
    }
    Ok((found.file, found.content))
}

/// Refuses a change to the documents while an application is with the coordinator.
async fn check_open(tx: &mut Tx, municipality_id: i64, organisation_id: i64) -> Result<()> {
    let body = get_in(tx, municipality_id, organisation_id).await?;
    if body.archived_at.is_some() {
        return Err(StoreError::Refused("アーカイブ済みの団体です".into()));
    }
    match rules::refusal(body.recognition) {
        Some(message) => Err(StoreError::Refused(message.into())),
        None => Ok(()),
    }
}

pub async fn add(db: &Db, actor: &Actor, organisation_id: i64, file: NewFile) -> Result<ApplicationFile> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_open(&mut tx, muni, organisation_id).await?;
    let count = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .to_owned();
    if usize::try_from(tx.fetch_i64(&count).await?).unwrap_or(usize::MAX) >= MAX_PER_BODY {
        return Err(StoreError::Refused(format!(
            "申請書類は1団体{MAX_PER_BODY}件までです。使わなくなった書類を削除してください"
        )));
    }
    let size = i64::try_from(file.content.len()).unwrap_or(i64::MAX);
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "kind",
                    "filename",
                    "content_type",
                    "size",
                    "content",
                    "uploaded_by",
                    "created_at",
                ])
                .values_panic([
                    muni.into(),
                    organisation_id.into(),
                    file.kind.key().into(),
                    file.filename.into(),
                    file.content_type.into(),
                    size.into(),
                    file.content.into(),
                    actor.name.clone().or_else(|| actor.login.clone()).into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    let added = get_in_tx(&mut tx, muni, organisation_id, id).await?;
    common::audit_change(&mut tx, actor, TABLE, id, None, audit::snapshot(&added)).await?;
    tx.commit().await?;
    Ok(added)
}

/// Removes a document no application was made with.
pub async fn remove(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<()> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let body = get_in(&mut tx, muni, organisation_id).await?;
    let file = get_in_tx(&mut tx, muni, organisation_id, id).await?;
    if let Some(message) = rules::removal_refusal(body.recognition, &file) {
        return Err(StoreError::Refused(message));
    }
    tx.execute(
        &Query::delete()
            .from_table(TABLE)
            .and_where(Expr::col("municipality_id").eq(muni))
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("applied_on").is_null())
            .to_owned(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kind::DELETE,
            entity: TABLE,
            entity_id: Some(id),
            detail: Some(audit::snapshot(&file)),
        },
    )
    .await?;
    tx.commit().await
}

/// Marks the body's documents as applied with on `on` (those not already
/// marked) and lists them for the application's record.
pub(crate) async fn apply_with(
    tx: &mut Tx,
    municipality_id: i64,
    organisation_id: i64,
    on: NaiveDate,
) -> Result<Vec<AppliedFile>> {
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("applied_on", on)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("organisation_id").eq(organisation_id))
            .and_where(Expr::col("applied_on").is_null())
            .to_owned(),
    )
    .await?;
    let files: Vec<ApplicationFile> = tx.fetch_all(&of_body(municipality_id, organisation_id)).await?;
    Ok(files
        .into_iter()
        .map(|f| AppliedFile {
            id: f.id,
            kind: f.kind,
            filename: f.filename,
        })
        .collect())
}
