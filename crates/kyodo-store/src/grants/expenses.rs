//! A grant's expenses (支出) with their receipts (領収書): what the 収支決算書
//! and 実績報告 are made of.

use chrono::Utc;
use kyodo_core::grants::grant::{Expense, ExpenseInput};
use kyodo_core::grants::procedure::GrantStatus;
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::format_fiscal_year;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "grant_expenses";

fn select(municipality_id: i64, grant_id: i64) -> SelectStatement {
    Query::select()
        .columns([
            "id",
            "grant_id",
            "spent_on",
            "project_id",
            "item",
            "amount",
            "payee",
            "note",
            "receipt_name",
            "created_by",
            "created_at",
        ])
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("grant_id").eq(grant_id))
        .order_by("spent_on", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned()
}

/// The grant's expenses by day.
pub async fn list(db: &Db, municipality_id: i64, grant_id: i64) -> Result<Vec<Expense>> {
    db.fetch_all(&select(municipality_id, grant_id)).await
}

pub(super) async fn list_in(tx: &mut Tx, municipality_id: i64, grant_id: i64) -> Result<Vec<Expense>> {
    tx.fetch_all(&select(municipality_id, grant_id)).await
}

/// A receipt as uploaded; the caller has checked its type and size.
pub struct Receipt {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// Records an expense while the grant is decided and not yet reported: in
/// the grant's 年度, against a project of the adopted 年度計画 (or none).
pub async fn add(
    db: &Db,
    actor: &Actor,
    grant_id: i64,
    input: &ExpenseInput,
    receipt: Option<Receipt>,
) -> Result<Expense> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    let grant = super::procedure::get_in(&mut tx, muni, grant_id).await?.grant;
    if !matches!(grant.status, GrantStatus::Decided | GrantStatus::ChangeApplied) {
        return Err(StoreError::Refused(format!(
            "{}のため支出は記録できません（交付決定の後、実績報告の前に記録します）",
            grant.status.label()
        )));
    }
    let mut errors = FieldErrors::new();
    if kyodo_core::wareki::fiscal_year(input.spent_on) != grant.fiscal_year {
        errors.add(
            "spent_on",
            format!(
                "{}（4月1日〜3月31日）の支出を入力してください",
                format_fiscal_year(grant.fiscal_year)
            ),
        );
    }
    if let Some(project) = input.project_id {
        let plan = super::procedure::plan_budget_in(&mut tx, muni, grant.organisation_id, grant.fiscal_year).await?;
        if !plan.is_some_and(|p| p.projects.iter().any(|(id, _)| *id == project)) {
            errors.add("project_id", "議決された年度計画の事業を選んでください");
        }
    }
    errors.into_result(()).map_err(StoreError::Invalid)?;
    let (name, kind, content) = match receipt {
        Some(r) => (Some(r.filename), Some(r.content_type), Some(r.content)),
        None => (None, None, None),
    };
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "grant_id",
                    "spent_on",
                    "project_id",
                    "item",
                    "amount",
                    "payee",
                    "note",
                    "receipt_name",
                    "receipt_type",
                    "receipt",
                    "created_by",
                    "created_at",
                ])
                .values_panic([
                    muni.into(),
                    grant_id.into(),
                    input.spent_on.into(),
                    input.project_id.into(),
                    input.item.key().into(),
                    input.amount.into(),
                    input.payee.clone().into(),
                    input.note.clone().into(),
                    name.into(),
                    kind.into(),
                    content.into(),
                    actor.name.clone().into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    let added: Expense = tx
        .fetch_optional(&select(muni, grant_id).and_where(Expr::col("id").eq(id)).to_owned())
        .await?
        .ok_or(StoreError::NotFound)?;
    common::audit_change(&mut tx, actor, TABLE, id, None, audit::snapshot(&added)).await?;
    tx.commit().await?;
    Ok(added)
}

/// An expense's receipt: its name, type and bytes.
pub async fn receipt(db: &Db, municipality_id: i64, grant_id: i64, id: i64) -> Result<(String, String, Vec<u8>)> {
    #[derive(sqlx::FromRow)]
    struct Stored {
        receipt_name: Option<String>,
        receipt_type: Option<String>,
        receipt: Option<Vec<u8>>,
    }
    let found: Option<Stored> = db
        .fetch_optional(
            &Query::select()
                .columns(["receipt_name", "receipt_type", "receipt"])
                .from(TABLE)
                .and_where(Expr::col("municipality_id").eq(municipality_id))
                .and_where(Expr::col("grant_id").eq(grant_id))
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
    match found {
        Some(Stored {
            receipt_name: Some(name),
            receipt_type: Some(kind),
            receipt: Some(bytes),
        }) => Ok((name, kind, bytes)),
        _ => Err(StoreError::NotFound),
    }
}
