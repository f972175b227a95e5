//! Municipalities (自治体) and their scheme settings.

use chrono::Utc;
use kyodo_core::municipalities::Municipality;
use kyodo_core::scheme::SchemeSettings;
use sea_query::{Expr, ExprTrait, Query};

use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{Result, StoreError};

#[derive(sqlx::FromRow)]
struct MunicipalityRow {
    id: i64,
    code: String,
    name: String,
    scheme: String,
}

impl TryFrom<MunicipalityRow> for Municipality {
    type Error = StoreError;

    fn try_from(r: MunicipalityRow) -> Result<Self> {
        let scheme = serde_json::from_str(&r.scheme)
            .map_err(|e| StoreError::Corrupt(format!("scheme of municipality {}: {e}", r.id)))?;
        Ok(Municipality {
            id: r.id,
            code: r.code,
            name: r.name,
            scheme,
        })
    }
}

fn select() -> sea_query::SelectStatement {
    Query::select()
        .columns(["id", "code", "name", "scheme"])
        .from("municipalities")
        .to_owned()
}

pub async fn create(db: &Db, code: &str, name: &str, scheme: &SchemeSettings) -> Result<Municipality> {
    if !kyodo_core::municipalities::valid_code(code) {
        return Err(StoreError::Invalid(kyodo_core::validation::FieldErrors::single(
            "code",
            "全国地方公共団体コード（6桁、検査数字つき）が正しくありません",
        )));
    }
    scheme.validate()?;
    let json = serde_json::to_string(scheme).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut tx = db.begin().await?;
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("municipalities")
                .columns(["code", "name", "scheme", "created_at"])
                .values_panic([code.into(), name.into(), json.into(), Utc::now().into()])
                .to_owned(),
        )
        .await?;
    tx.commit().await?;
    get(db, id).await
}

pub async fn get(db: &Db, id: i64) -> Result<Municipality> {
    let row: MunicipalityRow = db
        .fetch_optional(&select().and_where(Expr::col("id").eq(id)).to_owned())
        .await?
        .ok_or(StoreError::NotFound)?;
    row.try_into()
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<Municipality>> {
    let row: Option<MunicipalityRow> = db
        .fetch_optional(&select().and_where(Expr::col("code").eq(code)).to_owned())
        .await?;
    row.map(TryInto::try_into).transpose()
}

pub async fn list(db: &Db) -> Result<Vec<Municipality>> {
    let rows: Vec<MunicipalityRow> = db
        .fetch_all(&select().order_by("code", sea_query::Order::Asc).to_owned())
        .await?;
    rows.into_iter().map(TryInto::try_into).collect()
}

/// The municipality, read within a transaction.
pub(crate) async fn get_in(tx: &mut crate::db::Tx, id: i64) -> Result<Municipality> {
    let q = select().and_where(Expr::col("id").eq(id)).to_owned();
    tx.fetch_optional::<MunicipalityRow>(&q)
        .await?
        .ok_or(StoreError::NotFound)?
        .try_into()
}

/// Replaces the scheme settings after checking they hang together.
pub async fn update_scheme(db: &Db, actor: &Actor, scheme: &SchemeSettings) -> Result<Municipality> {
    scheme.validate()?;
    let before = get(db, actor.municipality_id).await?;
    let json = serde_json::to_string(scheme).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut tx = db.begin().await?;
    tx.execute(
        &Query::update()
            .table("municipalities")
            .value("scheme", json)
            .and_where(Expr::col("id").eq(actor.municipality_id))
            .to_owned(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::UPDATE,
            entity: "scheme",
            entity_id: Some(actor.municipality_id),
            detail: Some(kyodo_core::audit::diff(
                &audit::snapshot(&before.scheme),
                &audit::snapshot(scheme),
            )),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, actor.municipality_id).await
}
