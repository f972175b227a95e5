//! Publishing an issue's report on the public site (地域への報告の公開): the
//! team decides, per issue, that what the community was told may be read by
//! anyone; the public site lists only those.

use chrono::Utc;
use kyodo_core::issues::IssueRow;
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Order};

use super::write::{Step, record_event};
use super::{TABLE, get, select_rows};
use crate::audit::Actor;
use crate::db::Db;
use crate::error::{Result, StoreError};

/// Marks the report public or withdraws it. Only a report that was made
/// (報告済み, with its text) can be published.
pub async fn set_report_public(db: &Db, actor: &Actor, id: i64, public: bool) -> Result<IssueRow> {
    let muni = actor.municipality_id;
    let row = get(db, muni, id).await?;
    if public && (row.issue.reported_on.is_none() || row.issue.report_text.is_none()) {
        return Err(StoreError::Invalid(FieldErrors::single(
            "report_public",
            "地域への報告をしてから公開してください",
        )));
    }
    if row.issue.report_public == public {
        return Ok(row);
    }
    let mut tx = db.begin().await?;
    tx.execute(
        &sea_query::Query::update()
            .table(TABLE)
            .value("report_public", public)
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("municipality_id").eq(muni))
            .to_owned(),
    )
    .await?;
    crate::public::bump_in(&mut tx, muni).await?;
    let action = if public { "publish_report" } else { "withdraw_report" };
    record_event(
        &mut tx,
        actor,
        id,
        Utc::now(),
        Step {
            action,
            from: None,
            to: None,
            note: None,
            public_note: None,
        },
    )
    .await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// Published reports, newest first: a municipality's, or one district's.
pub async fn public_reports(db: &Db, municipality_id: i64, area_id: Option<i64>, limit: u64) -> Result<Vec<IssueRow>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("i", "report_public")).eq(true))
        .and_where(Expr::col(("i", "municipality_id")).eq(municipality_id));
    if let Some(a) = area_id {
        q.and_where(Expr::col(("i", "area_id")).eq(a));
    }
    q.order_by(("i", "reported_on"), Order::Desc)
        .order_by(("i", "id"), Order::Desc)
        .limit(limit);
    db.fetch_all(&q).await
}
