//! Separation of duties: accounts reaching personal data that someone made
//! or opened, until a coordinator other than those involved acknowledges
//! them (see `kyodo_core::privileged_grants`). Recorded inside the
//! transaction that opens the account, with its own audit event.

use chrono::{DateTime, Utc};
use kyodo_core::accounts::Role;
use kyodo_core::privileged_grants::{GrantKind, reaches_personal_data};
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

/// One account opened, as the coordinators and the audit page see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrivilegedGrant {
    pub id: i64,
    pub user_id: i64,
    /// The account's login.
    pub login: String,
    #[sqlx(try_from = "String")]
    pub kind: GrantKind,
    /// The account's role when it was opened.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// Who did it; `None` with no login: the server's command line.
    pub granted_by: Option<i64>,
    pub granted_by_login: Option<String>,
    pub granted_by_name: Option<String>,
    pub granted_by_role: Option<String>,
    pub granted_at: DateTime<Utc>,
    pub acknowledged_by: Option<i64>,
    pub acknowledged_by_login: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

impl PrivilegedGrant {
    /// Who did it, as role and name, for the notice; `None`: the command line.
    pub fn by(&self) -> Option<(Role, &str)> {
        let role = self.granted_by_role.as_deref().and_then(Role::parse)?;
        let name = self
            .granted_by_name
            .as_deref()
            .or(self.granted_by_login.as_deref())
            .unwrap_or_default();
        Some((role, name))
    }

    pub fn notice(&self) -> String {
        kyodo_core::privileged_grants::notice(self.by(), self.kind, self.role, &self.login, self.granted_at)
    }
}

/// Whether `user_id` belongs to the department the scheme names for
/// disaster prevention, which reads every 避難行動要支援者名簿.
async fn in_disaster_department(tx: &mut Tx, municipality_id: i64, user_id: i64) -> Result<bool> {
    let scheme = crate::municipalities::get_in(tx, municipality_id).await?.scheme;
    let Some(department) = scheme.disaster_prevention_department_id else {
        return Ok(false);
    };
    let n = tx
        .fetch_i64(
            &Query::select()
                .expr(Expr::col("id").count())
                .from("users")
                .and_where(Expr::col("id").eq(user_id))
                .and_where(Expr::col("department_id").eq(department))
                .to_owned(),
        )
        .await?;
    Ok(n > 0)
}

/// Records that `actor` opened account `user_id` (of `role`) in `kind`'s
/// way, when the account reaches personal data (by its role, or as an
/// account of the disaster department); does nothing otherwise.
pub(crate) async fn record(tx: &mut Tx, actor: &Actor, user_id: i64, role: Role, kind: GrantKind) -> Result<()> {
    let reaches = reaches_personal_data(role)
        || (role == Role::Department && in_disaster_department(tx, actor.municipality_id, user_id).await?);
    if !reaches {
        return Ok(());
    }
    #[derive(sqlx::FromRow)]
    struct ByRole {
        role: String,
    }
    let by_role = match actor.user_id {
        Some(id) => tx
            .fetch_optional::<ByRole>(
                &Query::select()
                    .column("role")
                    .from("users")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )
            .await?
            .map(|r| r.role),
        None => None,
    };
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("privileged_grants")
                .columns([
                    "municipality_id",
                    "user_id",
                    "kind",
                    "role",
                    "granted_by",
                    "granted_by_login",
                    "granted_by_name",
                    "granted_by_role",
                    "granted_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    user_id.into(),
                    kind.as_str().into(),
                    role.as_str().into(),
                    actor.user_id.into(),
                    actor.login.clone().into(),
                    actor.name.clone().into(),
                    by_role.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    audit::record(
        tx,
        actor,
        Event {
            action: kind.audit_action(),
            entity: "users",
            entity_id: Some(user_id),
            detail: Some(serde_json::json!({"grant_id": id, "role": role.as_str()})),
        },
    )
    .await
}

fn select() -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "user_id",
                "kind",
                "role",
                "granted_by",
                "granted_by_login",
                "granted_by_name",
                "granted_by_role",
                "granted_at",
                "acknowledged_by",
                "acknowledged_at",
            ]
            .map(|c| ("g", c)),
        )
        .expr_as(Expr::col(("u", "login")), "login")
        .expr_as(Expr::col(("a", "login")), "acknowledged_by_login")
        .from_as("privileged_grants", "g")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("g", "user_id")),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            "users",
            "a",
            Expr::col(("a", "id")).equals(("g", "acknowledged_by")),
        )
        .to_owned()
}

/// Neither the account opened nor who opened it: the one who may vouch for it.
fn someone_else(viewer: i64) -> Cond {
    Cond::all().add(Expr::col(("g", "user_id")).ne(viewer)).add(
        Cond::any()
            .add(Expr::col(("g", "granted_by")).is_null())
            .add(Expr::col(("g", "granted_by")).ne(viewer)),
    )
}

/// What `viewer` (a coordinator) still has to look at, oldest first.
pub async fn pending_for(db: &Db, municipality_id: i64, viewer: i64) -> Result<Vec<PrivilegedGrant>> {
    let q = select()
        .and_where(Expr::col(("g", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("g", "acknowledged_at")).is_null())
        .cond_where(someone_else(viewer))
        .order_by(("g", "id"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The latest `limit`, acknowledged or not, newest first (the audit page).
pub async fn recent(db: &Db, municipality_id: i64, limit: u64) -> Result<Vec<PrivilegedGrant>> {
    let q = select()
        .and_where(Expr::col(("g", "municipality_id")).eq(municipality_id))
        .order_by(("g", "id"), Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&q).await
}

/// `actor` acknowledges grant `id`. Nobody vouches for their own account
/// or their own doing; a grant already acknowledged (by another coordinator
/// a moment before) is left as it is and gives `false`.
pub async fn acknowledge(db: &Db, actor: &Actor, id: i64) -> Result<bool> {
    let viewer = actor
        .user_id
        .ok_or_else(|| StoreError::Refused("確認は制度所管課の職員がログインして行います".into()))?;
    let mut tx = db.begin().await?;
    let grant = tx
        .fetch_optional::<PrivilegedGrant>(
            &select()
                .and_where(Expr::col(("g", "id")).eq(id))
                .and_where(Expr::col(("g", "municipality_id")).eq(actor.municipality_id))
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if grant.user_id == viewer || grant.granted_by == Some(viewer) {
        return Err(StoreError::Refused(
            "ご自身が関わったアカウントは、ほかの制度所管課の職員が確認します".into(),
        ));
    }
    let now = Utc::now();
    let n = tx
        .execute(
            &Query::update()
                .table("privileged_grants")
                .value("acknowledged_by", viewer)
                .value("acknowledged_at", now)
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("acknowledged_at").is_null())
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Ok(false);
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::PRIVILEGED_GRANT_ACKNOWLEDGED,
            entity: "privileged_grants",
            entity_id: Some(id),
            detail: Some(serde_json::json!({
                "user_id": grant.user_id,
                "login": grant.login,
                "kind": grant.kind.as_str(),
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
