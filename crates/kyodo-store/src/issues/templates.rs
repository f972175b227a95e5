//! Answer templates, one department's each.

use chrono::Utc;
use kyodo_core::issues::templates::{AnswerTemplate, TemplateInput};
use sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{Result, StoreError};

const TABLE: &str = "answer_templates";

fn select(municipality_id: i64) -> SelectStatement {
    Query::select()
        .columns(["id", "department_id", "title", "body"].map(|c| ("t", c)))
        .expr_as(Expr::col(("d", "name")), "department_name")
        .from_as(TABLE, "t")
        .join_as(
            JoinType::InnerJoin,
            "departments",
            "d",
            Expr::col(("d", "id")).equals(("t", "department_id")),
        )
        .and_where(Expr::col(("t", "municipality_id")).eq(municipality_id))
        .to_owned()
}

/// The templates of `department`, or of every department.
pub async fn list(db: &Db, municipality_id: i64, department: Option<i64>) -> Result<Vec<AnswerTemplate>> {
    let mut q = select(municipality_id);
    q.order_by(("d", "code"), Order::Asc)
        .order_by(("t", "title"), Order::Asc);
    if let Some(d) = department {
        q.and_where(Expr::col(("t", "department_id")).eq(d));
    }
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<AnswerTemplate> {
    let q = select(municipality_id)
        .and_where(Expr::col(("t", "id")).eq(id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

pub async fn create(db: &Db, actor: &Actor, input: &TemplateInput) -> Result<i64> {
    let mut tx = db.begin().await?;
    let department = Query::select()
        .expr(Expr::col("id").count())
        .from("departments")
        .and_where(Expr::col("id").eq(input.department_id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .to_owned();
    if tx.fetch_i64(&department).await? == 0 {
        return Err(StoreError::Invalid(kyodo_core::validation::FieldErrors::single(
            "department_id",
            "部署が見つかりません",
        )));
    }
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "department_id",
                    "title",
                    "body",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    input.department_id.into(),
                    input.title.clone().into(),
                    input.body.clone().into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "answer_template.create",
            entity: TABLE,
            entity_id: Some(id),
            detail: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a template; `department` limits it to that department's own.
pub async fn remove(db: &Db, actor: &Actor, id: i64, department: Option<i64>) -> Result<()> {
    let mut tx = db.begin().await?;
    let mut q = Query::delete();
    q.from_table(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id));
    if let Some(d) = department {
        q.and_where(Expr::col("department_id").eq(d));
    }
    if tx.execute(&q).await? == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "answer_template.delete",
            entity: TABLE,
            entity_id: Some(id),
            detail: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
