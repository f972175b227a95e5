//! Accounts (利用者), sessions, API tokens and login throttling. Secrets
//! arrive here already hashed: the store never sees a password or token.

use chrono::{DateTime, Duration, Utc};
use kyodo_core::accounts::{Role, User};
use kyodo_core::privileged_grants::GrantKind;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};
use crate::privileged_grants;

pub(crate) const USER_COLUMNS: [&str; 10] = [
    "id",
    "municipality_id",
    "login",
    "display_name",
    "role",
    "staff_id",
    "department_id",
    "organisation_id",
    "disabled_at",
    "created_at",
];

fn select_users() -> SelectStatement {
    Query::select().columns(USER_COLUMNS).from("users").to_owned()
}

/// A new account as the CLI or the users page asks for it.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub staff_id: Option<i64>,
    pub department_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub password_hash: String,
}

/// Creates an account. One reaching personal data is put before the
/// coordinators (separation of duties), whoever makes it.
pub async fn create(db: &Db, actor: &Actor, new: &NewUser) -> Result<User> {
    insert(db, actor, new, true).await
}

/// Creates one of a municipality's first accounts, made together with the
/// municipality itself (the demo): there is nobody yet to tell.
pub(crate) async fn create_initial(db: &Db, actor: &Actor, new: &NewUser) -> Result<User> {
    insert(db, actor, new, false).await
}

async fn insert(db: &Db, actor: &Actor, new: &NewUser, notice: bool) -> Result<User> {
    let mut errors = kyodo_core::validation::FieldErrors::new();
    if !kyodo_core::accounts::valid_login(&new.login) {
        errors.add(
            "login",
            "ログイン名は3〜64文字の半角英数字と . _ - @ で入力してください",
        );
    }
    if let Some(problem) =
        kyodo_core::accounts::link_error(new.role, new.staff_id, new.department_id, new.organisation_id)
    {
        errors.add("role", problem);
    }
    let mut tx = db.begin().await?;
    for (field, table, id) in [
        ("staff_id", "staff", new.staff_id),
        ("department_id", "departments", new.department_id),
        ("organisation_id", "organisations", new.organisation_id),
    ] {
        if let Some(id) = id
            && !crate::common::exists_in(&mut tx, table, actor.municipality_id, id).await?
        {
            errors.add(field, "指定された記録がこの自治体にありません");
        }
    }
    if by_login(db, &new.login).await?.is_some() {
        errors.add("login", "このログイン名は既に使われています");
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("users")
                .columns([
                    "municipality_id",
                    "login",
                    "display_name",
                    "role",
                    "staff_id",
                    "department_id",
                    "organisation_id",
                    "password_hash",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    new.login.clone().into(),
                    new.display_name.clone().into(),
                    new.role.as_str().into(),
                    new.staff_id.into(),
                    new.department_id.into(),
                    new.organisation_id.into(),
                    new.password_hash.clone().into(),
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
            action: kyodo_core::audit::kind::CREATE,
            entity: "users",
            entity_id: Some(id),
            detail: Some(serde_json::json!({"login": new.login, "role": new.role.as_str()})),
        },
    )
    .await?;
    if notice {
        privileged_grants::record(&mut tx, actor, id, new.role, GrantKind::Created).await?;
    }
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<User> {
    db.fetch_optional(
        &select_users()
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .to_owned(),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

pub async fn by_login(db: &Db, login: &str) -> Result<Option<User>> {
    db.fetch_optional(&select_users().and_where(Expr::col("login").eq(login)).to_owned())
        .await
}

/// The stored hash for a login, for checking a password.
pub async fn password_hash(db: &Db, user_id: i64) -> Result<String> {
    #[derive(sqlx::FromRow)]
    struct Hash {
        password_hash: String,
    }
    let q = Query::select()
        .column("password_hash")
        .from("users")
        .and_where(Expr::col("id").eq(user_id))
        .to_owned();
    Ok(db
        .fetch_optional::<Hash>(&q)
        .await?
        .ok_or(StoreError::NotFound)?
        .password_hash)
}

/// All accounts; `municipality_id` `None` lists every municipality's (the CLI).
pub async fn list(db: &Db, municipality_id: Option<i64>) -> Result<Vec<User>> {
    let mut q = select_users();
    if let Some(m) = municipality_id {
        q.and_where(Expr::col("municipality_id").eq(m));
    }
    q.order_by("municipality_id", Order::Asc).order_by("login", Order::Asc);
    db.fetch_all(&q).await
}

/// A body's community accounts in use: (id, 「氏名（ログインID）」), for choosing among them.
pub async fn community_accounts(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<(i64, String)>> {
    let mut q = select_users();
    q.and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .and_where(Expr::col("role").eq(Role::Community.as_str()))
        .and_where(Expr::col("disabled_at").is_null())
        .order_by("login", Order::Asc);
    let users: Vec<User> = db.fetch_all(&q).await?;
    Ok(users
        .into_iter()
        .map(|u| (u.id, format!("{}（{}）", u.display_name, u.login)))
        .collect())
}

/// What a new password does to the account's API tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiTokens {
    /// End them with the old password (the default, and always on a reset).
    Revoke,
    /// Keep them (the holder changing their own password, when they say so).
    Keep,
}

/// Sets a new password hash and ends every session of the account, and its
/// API tokens unless `tokens` keeps them. Set by anyone other than its
/// holder, on an account reaching personal data, it is put before the
/// coordinators.
pub async fn set_password(db: &Db, actor: &Actor, user_id: i64, hash: &str, tokens: ApiTokens) -> Result<()> {
    let mut tx = db.begin().await?;
    let target = role_of(&mut tx, actor.municipality_id, user_id).await?;
    let n = tx
        .execute(
            &Query::update()
                .table("users")
                .value("password_hash", hash)
                .value("updated_at", Utc::now())
                .and_where(Expr::col("id").eq(user_id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    tx.execute(
        &Query::delete()
            .from_table("sessions")
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::PASSWORD_CHANGE,
            entity: "users",
            entity_id: Some(user_id),
            detail: None,
        },
    )
    .await?;
    let own = actor.user_id == Some(user_id);
    if tokens == ApiTokens::Revoke {
        let reason = if own { "password_change" } else { "password_reset" };
        revoke_all_tokens(&mut tx, actor, user_id, reason).await?;
    }
    if !own {
        privileged_grants::record(&mut tx, actor, user_id, target, GrantKind::PasswordReset).await?;
    }
    tx.commit().await
}

/// The role of account `user_id` of the municipality, inside a transaction.
async fn role_of(tx: &mut Tx, municipality_id: i64, user_id: i64) -> Result<Role> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(try_from = "String")]
        role: Role,
    }
    let q = Query::select()
        .column("role")
        .from("users")
        .and_where(Expr::col("id").eq(user_id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    Ok(tx.fetch_optional::<Row>(&q).await?.ok_or(StoreError::NotFound)?.role)
}

/// Revokes every live API token of the account, each with its own audit
/// entry naming why (`password_change`, `password_reset`, `disabled`).
async fn revoke_all_tokens(tx: &mut Tx, actor: &Actor, user_id: i64, reason: &str) -> Result<()> {
    #[derive(sqlx::FromRow)]
    struct Live {
        id: i64,
    }
    let live: Vec<Live> = tx
        .fetch_all(
            &Query::select()
                .column("id")
                .from("api_tokens")
                .and_where(Expr::col("user_id").eq(user_id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .and_where(Expr::col("revoked_at").is_null())
                .to_owned(),
        )
        .await?;
    if live.is_empty() {
        return Ok(());
    }
    tx.execute(
        &Query::update()
            .table("api_tokens")
            .value("revoked_at", Utc::now())
            .and_where(Expr::col("id").is_in(live.iter().map(|t| t.id)))
            .to_owned(),
    )
    .await?;
    for token in live {
        audit::record(
            tx,
            actor,
            Event {
                action: kyodo_core::audit::kind::TOKEN_REVOKE,
                entity: "api_tokens",
                entity_id: Some(token.id),
                detail: Some(serde_json::json!({"user_id": user_id, "reason": reason})),
            },
        )
        .await?;
    }
    Ok(())
}

/// Disables or re-enables an account. Disabling ends its sessions and
/// revokes its API tokens, so that enabling it again revives neither;
/// re-enabling an account reaching personal data is put before the
/// coordinators.
pub async fn set_disabled(db: &Db, actor: &Actor, user_id: i64, disabled: bool) -> Result<()> {
    let mut tx = db.begin().await?;
    let target = role_of(&mut tx, actor.municipality_id, user_id).await?;
    let value: Option<DateTime<Utc>> = disabled.then(Utc::now);
    let mut update = Query::update()
        .table("users")
        .value("disabled_at", value)
        .value("updated_at", Utc::now())
        .and_where(Expr::col("id").eq(user_id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .to_owned();
    // Only a change is a change: enabling an enabled account opens nothing.
    if disabled {
        update.and_where(Expr::col("disabled_at").is_null());
    } else {
        update.and_where(Expr::col("disabled_at").is_not_null());
    }
    if tx.execute(&update).await? == 0 {
        return tx.commit().await;
    }
    if disabled {
        revoke_all_tokens(&mut tx, actor, user_id, "disabled").await?;
        tx.execute(
            &Query::delete()
                .from_table("sessions")
                .and_where(Expr::col("user_id").eq(user_id))
                .to_owned(),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: if disabled {
                kyodo_core::audit::kind::ARCHIVE
            } else {
                kyodo_core::audit::kind::RESTORE
            },
            entity: "users",
            entity_id: Some(user_id),
            detail: None,
        },
    )
    .await?;
    if !disabled {
        privileged_grants::record(&mut tx, actor, user_id, target, GrantKind::Enabled).await?;
    }
    tx.commit().await
}

// --- Sessions ---

pub const SESSION_HOURS: i64 = 12;

pub async fn create_session(db: &Db, id_hash: &str, user_id: i64, csrf_token: &str) -> Result<()> {
    let now = Utc::now();
    db.execute(
        &Query::insert()
            .into_table("sessions")
            .columns(["id_hash", "user_id", "csrf_token", "created_at", "expires_at"])
            .values_panic([
                id_hash.into(),
                user_id.into(),
                csrf_token.into(),
                now.into(),
                (now + Duration::hours(SESSION_HOURS)).into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// The account behind a live session, with the session's CSRF token.
pub async fn session_user(db: &Db, id_hash: &str) -> Result<Option<(User, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        csrf_token: String,
    }
    let q = Query::select()
        .columns(USER_COLUMNS.map(|c| ("u", c)))
        .column(("s", "csrf_token"))
        .from_as("sessions", "s")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("s", "user_id")),
        )
        .and_where(Expr::col(("s", "id_hash")).eq(id_hash))
        .and_where(Expr::col(("s", "expires_at")).gt(Utc::now()))
        .and_where(Expr::col(("u", "disabled_at")).is_null())
        .to_owned();
    Ok(db.fetch_optional::<Row>(&q).await?.map(|r| (r.user, r.csrf_token)))
}

pub async fn delete_session(db: &Db, id_hash: &str) -> Result<()> {
    db.execute(
        &Query::delete()
            .from_table("sessions")
            .and_where(Expr::col("id_hash").eq(id_hash))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Removes expired sessions and old login attempts.
pub async fn purge_expired(db: &Db) -> Result<u64> {
    let now = Utc::now();
    let a = db
        .execute(
            &Query::delete()
                .from_table("sessions")
                .and_where(Expr::col("expires_at").lte(now))
                .to_owned(),
        )
        .await?;
    let b = db
        .execute(
            &Query::delete()
                .from_table("login_attempts")
                .and_where(Expr::col("at").lte(now - Duration::days(1)))
                .to_owned(),
        )
        .await?;
    Ok(a + b)
}

// --- Login throttling ---

/// Failed attempts within the window for this login and for this address.
pub async fn recent_failures(db: &Db, login: &str, ip: &str, window: Duration) -> Result<(i64, i64)> {
    let since = Utc::now() - window;
    let base = Query::select()
        .expr(Expr::col("id").count())
        .from("login_attempts")
        .and_where(Expr::col("success").eq(false))
        .and_where(Expr::col("at").gt(since))
        .to_owned();
    let by_login = db
        .fetch_i64(&base.clone().and_where(Expr::col("login").eq(login)).to_owned())
        .await?;
    let by_ip = db
        .fetch_i64(&base.clone().and_where(Expr::col("ip").eq(ip)).to_owned())
        .await?;
    Ok((by_login, by_ip))
}

pub async fn record_attempt(db: &Db, login: &str, ip: &str, success: bool) -> Result<()> {
    db.execute(
        &Query::insert()
            .into_table("login_attempts")
            .columns(["login", "ip", "at", "success"])
            .values_panic([login.into(), ip.into(), Utc::now().into(), success.into()])
            .to_owned(),
    )
    .await?;
    if success {
        // A good login clears the account's failures, not the address's.
        db.execute(
            &Query::delete()
                .from_table("login_attempts")
                .and_where(Expr::col("login").eq(login))
                .and_where(Expr::col("success").eq(false))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

// --- API tokens ---

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn create_token(db: &Db, actor: &Actor, user_id: i64, name: &str, token_hash: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("api_tokens")
                .columns(["municipality_id", "user_id", "name", "token_hash", "created_at"])
                .values_panic([
                    actor.municipality_id.into(),
                    user_id.into(),
                    name.into(),
                    token_hash.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::TOKEN_CREATE,
            entity: "api_tokens",
            entity_id: Some(id),
            detail: Some(serde_json::json!({"user_id": user_id, "name": name})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn tokens(db: &Db, municipality_id: i64, user_id: i64) -> Result<Vec<ApiToken>> {
    let q = Query::select()
        .columns(["id", "user_id", "name", "created_at", "last_used_at", "revoked_at"])
        .from("api_tokens")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("user_id").eq(user_id))
        .order_by("id", Order::Desc)
        .to_owned();
    db.fetch_all(&q).await
}

pub async fn revoke_token(db: &Db, actor: &Actor, user_id: i64, token_id: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            &Query::update()
                .table("api_tokens")
                .value("revoked_at", Utc::now())
                .and_where(Expr::col("id").eq(token_id))
                .and_where(Expr::col("user_id").eq(user_id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .and_where(Expr::col("revoked_at").is_null())
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::TOKEN_REVOKE,
            entity: "api_tokens",
            entity_id: Some(token_id),
            detail: None,
        },
    )
    .await?;
    tx.commit().await
}

/// The account behind a live token. Last use is recorded at most once a minute.
pub async fn token_user(db: &Db, token_hash: &str) -> Result<Option<User>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: User,
        token_id: i64,
        last_used_at: Option<DateTime<Utc>>,
    }
    let q = Query::select()
        .columns(USER_COLUMNS.map(|c| ("u", c)))
        .expr_as(Expr::col(("t", "id")), "token_id")
        .column(("t", "last_used_at"))
        .from_as("api_tokens", "t")
        .join_as(
            sea_query::JoinType::InnerJoin,
            "users",
            "u",
            Expr::col(("u", "id")).equals(("t", "user_id")),
        )
        .and_where(Expr::col(("t", "token_hash")).eq(token_hash))
        .and_where(Expr::col(("t", "revoked_at")).is_null())
        .and_where(Expr::col(("u", "disabled_at")).is_null())
        .to_owned();
    let Some(row) = db.fetch_optional::<Row>(&q).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if row.last_used_at.is_none_or(|t| now - t > Duration::minutes(1)) {
        db.execute(
            &Query::update()
                .table("api_tokens")
                .value("last_used_at", now)
                .and_where(Expr::col("id").eq(row.token_id))
                .to_owned(),
        )
        .await?;
    }
    Ok(Some(row.user))
}
