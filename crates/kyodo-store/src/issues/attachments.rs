//! Photos and files on an issue, stored in the database: every server sees
//! them, and a backup of the database holds them.

use chrono::Utc;
use kyodo_core::issues::attachments::{Attachment, MAX_PER_ISSUE};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use super::write::{Step, record_event};
use crate::audit::Actor;
use crate::db::Db;
use crate::error::{Result, StoreError};

const TABLE: &str = "issue_attachments";
const COLUMNS: [&str; 8] = [
    "id",
    "issue_id",
    "filename",
    "content_type",
    "size",
    "internal",
    "uploaded_by",
    "created_at",
];

fn select(municipality_id: i64, issue_id: i64) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("issue_id").eq(issue_id))
        .to_owned()
}

/// A new file; the caller has checked its kind and size (kyodo_core::issues::attachments).
pub struct NewAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub internal: bool,
}

pub async fn add(db: &Db, actor: &Actor, issue_id: i64, file: NewAttachment) -> Result<Attachment> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let count = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("issue_id").eq(issue_id))
        .to_owned();
    if usize::try_from(tx.fetch_i64(&count).await?).unwrap_or(usize::MAX) >= MAX_PER_ISSUE {
        return Err(StoreError::Refused(
            kyodo_core::issues::attachments::AttachmentError::TooMany.to_string(),
        ));
    }
    let size = i64::try_from(file.content.len()).unwrap_or(i64::MAX);
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "issue_id",
                    "filename",
                    "content_type",
                    "size",
                    "content",
                    "internal",
                    "uploaded_by",
                    "created_at",
                ])
                .values_panic([
                    muni.into(),
                    issue_id.into(),
                    file.filename.clone().into(),
                    file.content_type.into(),
                    size.into(),
                    file.content.into(),
                    file.internal.into(),
                    actor.name.clone().or_else(|| actor.login.clone()).into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    let note = format!("添付: {}", file.filename);
    record_event(
        &mut tx,
        actor,
        issue_id,
        Utc::now(),
        Step {
            action: "attach",
            from: None,
            to: None,
            public_note: (!file.internal).then(|| note.clone()),
            note: Some(note),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, muni, issue_id, id).await
}

/// An issue's files, oldest first.
pub async fn list(db: &Db, municipality_id: i64, issue_id: i64) -> Result<Vec<Attachment>> {
    db.fetch_all(&select(municipality_id, issue_id).order_by("id", Order::Asc).to_owned())
        .await
}

pub async fn get(db: &Db, municipality_id: i64, issue_id: i64, id: i64) -> Result<Attachment> {
    let q = select(municipality_id, issue_id)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

/// The file and its bytes, in one read.
pub async fn content(db: &Db, municipality_id: i64, issue_id: i64, id: i64) -> Result<(Attachment, Vec<u8>)> {
    #[derive(sqlx::FromRow)]
    struct WithContent {
        #[sqlx(flatten)]
        file: Attachment,
        content: Vec<u8>,
    }
    let q = select(municipality_id, issue_id)
        .column("content")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let found = db
        .fetch_optional::<WithContent>(&q)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((found.file, found.content))
}

pub async fn remove(db: &Db, actor: &Actor, issue_id: i64, id: i64) -> Result<()> {
    let file = get(db, actor.municipality_id, issue_id, id).await?;
    let mut tx = db.begin().await?;
    let photos_went = crate::case_studies::photos::forget_file(&mut tx, actor.municipality_id, id).await?;
    let q = Query::delete()
        .from_table(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("issue_id").eq(issue_id))
        .to_owned();
    tx.execute(&q).await?;
    let note = format!("添付を削除: {}", file.filename);
    record_event(
        &mut tx,
        actor,
        issue_id,
        Utc::now(),
        Step {
            action: "detach",
            from: None,
            to: None,
            public_note: (!file.internal).then(|| note.clone()),
            note: Some(note),
        },
    )
    .await?;
    if photos_went {
        crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    }
    tx.commit().await?;
    Ok(())
}
