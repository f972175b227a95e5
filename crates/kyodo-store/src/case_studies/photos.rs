//! A case study's photos (事例の写真): copies, without the camera's
//! metadata, of the image files on the issue it was written from that the
//! community may see. A copy, so that what the public site serves is
//! exactly what was checked; tied to its file, so that removing the file
//! from the issue removes the photo too.

use chrono::Utc;
use kyodo_core::case_studies::{CasePhoto, CaseSource, MAX_PHOTOS};
use kyodo_core::images;
use kyodo_core::issues::attachments::Attachment;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "case_study_photos";
const COLUMNS: [&str; 5] = ["id", "case_study_id", "attachment_id", "content_type", "size"];

fn select(case_study_id: i64) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("case_study_id").eq(case_study_id))
        .order_by("id", Order::Asc)
        .to_owned()
}

/// The photos of a case the caller may read (checked by the caller), in the order chosen.
pub async fn list(db: &Db, case_study_id: i64) -> Result<Vec<CasePhoto>> {
    db.fetch_all(&select(case_study_id)).await
}

/// A photo and its bytes.
pub async fn content(db: &Db, case_study_id: i64, id: i64) -> Result<(CasePhoto, Vec<u8>)> {
    #[derive(sqlx::FromRow)]
    struct WithContent {
        #[sqlx(flatten)]
        photo: CasePhoto,
        content: Vec<u8>,
    }
    let mut q = select(case_study_id);
    q.column("content").and_where(Expr::col("id").eq(id));
    let found = db
        .fetch_optional::<WithContent>(&q)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((found.photo, found.content))
}

/// The files of the case's issue (`issue_id`) that could be its photos:
/// images the community may see, in a kind every browser shows, not among
/// those `chosen` already.
pub async fn candidates(db: &Db, municipality_id: i64, issue_id: i64, chosen: &[CasePhoto]) -> Result<Vec<Attachment>> {
    Ok(crate::issues::attachments::list(db, municipality_id, issue_id)
        .await?
        .into_iter()
        .filter(|a| !a.internal && images::PUBLISHABLE.contains(&a.content_type.as_str()))
        .filter(|a| !chosen.iter().any(|p| p.attachment_id == a.id))
        .collect())
}

/// Adds one of the issue's files to the case as a photo.
pub async fn add(db: &Db, actor: &Actor, case_study_id: i64, attachment_id: i64) -> Result<CasePhoto> {
    let muni = actor.municipality_id;
    let case = super::get(db, muni, case_study_id).await?;
    let (Some(CaseSource::Issue), Some(issue_id)) = (case.source, case.source_id) else {
        return Err(StoreError::Refused(
            "写真は、課題から書いた事例にその課題の添付ファイルから載せられます".into(),
        ));
    };
    let (file, bytes) = crate::issues::attachments::content(db, muni, issue_id, attachment_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => StoreError::Refused("その課題の添付ファイルではありません".into()),
            other => other,
        })?;
    if file.internal {
        return Err(StoreError::Refused(
            "庁内のみのファイルは公開する事例に載せられません".into(),
        ));
    }
    let copy = images::publishable_copy(&file.content_type, &bytes).map_err(|e| StoreError::Refused(e.to_string()))?;
    let mut tx = db.begin().await?;
    let taken = list_in(&mut tx, case_study_id).await?;
    if taken.iter().any(|p| p.attachment_id == attachment_id) {
        return Err(StoreError::Refused("この写真はもう載せています".into()));
    }
    if taken.len() >= MAX_PHOTOS {
        return Err(StoreError::Refused(format!(
            "写真は{MAX_PHOTOS}枚までです。載せ替えるときは先に外してください"
        )));
    }
    let size = i64::try_from(copy.len()).unwrap_or(i64::MAX);
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "case_study_id",
                    "attachment_id",
                    "content_type",
                    "size",
                    "content",
                    "created_at",
                ])
                .values_panic([
                    muni.into(),
                    case_study_id.into(),
                    attachment_id.into(),
                    file.content_type.clone().into(),
                    size.into(),
                    copy.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    audit::record_on(
        &mut tx,
        actor,
        "add_photo",
        super::TABLE,
        case_study_id,
        serde_json::json!({ "photo": id, "attachment": attachment_id }),
    )
    .await?;
    if case.published {
        crate::public::bump_in(&mut tx, muni).await?;
    }
    tx.commit().await?;
    Ok(CasePhoto {
        id,
        case_study_id,
        attachment_id,
        content_type: file.content_type,
        size,
    })
}

async fn list_in(tx: &mut Tx, case_study_id: i64) -> Result<Vec<CasePhoto>> {
    tx.fetch_all(&select(case_study_id)).await
}

/// Takes a photo off the case (the issue's file stays).
pub async fn remove(db: &Db, actor: &Actor, case_study_id: i64, id: i64) -> Result<()> {
    let muni = actor.municipality_id;
    let case = super::get(db, muni, case_study_id).await?;
    let mut tx = db.begin().await?;
    let removed = tx
        .execute(
            &Query::delete()
                .from_table(TABLE)
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("case_study_id").eq(case_study_id))
                .to_owned(),
        )
        .await?;
    if removed == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record_on(
        &mut tx,
        actor,
        "remove_photo",
        super::TABLE,
        case_study_id,
        serde_json::json!({ "photo": id }),
    )
    .await?;
    if case.published {
        crate::public::bump_in(&mut tx, muni).await?;
    }
    tx.commit().await
}

/// Inside the removal of an issue's file, before it: the photos copied
/// from it go too. Whether any went (the public site then changed).
pub(crate) async fn forget_file(tx: &mut Tx, municipality_id: i64, attachment_id: i64) -> Result<bool> {
    let removed = tx
        .execute(
            &Query::delete()
                .from_table(TABLE)
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .and_where(Expr::col("attachment_id").eq(attachment_id))
                .to_owned(),
        )
        .await?;
    Ok(removed > 0)
}
