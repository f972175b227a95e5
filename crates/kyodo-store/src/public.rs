//! What the public site's caches need from the database: a municipality's
//! count of changes to what residents see (`public_version`), raised in the
//! same transaction as each such change, so that every server sharing the
//! database learns of it with one indexed read.

use sea_query::{Expr, ExprTrait, Query};

use crate::db::{Db, Tx};
use crate::error::Result;

/// The municipality with this 全国地方公共団体コード: its id and public version.
pub async fn version_by_code(db: &Db, code: &str) -> Result<Option<(i64, i64)>> {
    db.fetch_optional(
        &Query::select()
            .columns(["id", "public_version"])
            .from("municipalities")
            .and_where(Expr::col("code").eq(code))
            .to_owned(),
    )
    .await
}

/// Marks the municipality's public pages stale, inside the change's
/// transaction. It locks the municipality's row until the commit: call it
/// last where the transaction writes other rows after, so that two writers
/// never wait on each other in opposite orders.
pub(crate) async fn bump_in(tx: &mut Tx, municipality_id: i64) -> Result<()> {
    tx.execute(
        &Query::update()
            .table("municipalities")
            .value("public_version", Expr::col("public_version").add(1))
            .and_where(Expr::col("id").eq(municipality_id))
            .to_owned(),
    )
    .await
    .map(drop)
}
