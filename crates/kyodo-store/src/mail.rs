//! Mail settings per municipality, users' addresses for the digest, and the
//! claim that makes one server (of several) send each day's digest once.

use chrono::{NaiveDate, Utc};
use kyodo_core::accounts::User;
use kyodo_core::mail::{MailSettings, Security};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::audit::{self, Actor, Event};
use crate::db::Db;
use crate::error::{Result, StoreError};

const TABLE: &str = "mail_settings";
/// The settings' columns, as read, written and overwritten.
const COLUMNS: [&str; 8] = [
    "host",
    "port",
    "security",
    "username",
    "password",
    "from_address",
    "digest_enabled",
    "digest_hour",
];

#[derive(sqlx::FromRow)]
struct Row {
    host: String,
    port: i32,
    security: String,
    username: Option<String>,
    password: Option<String>,
    from_address: String,
    digest_enabled: bool,
    digest_hour: i32,
}

pub async fn get(db: &Db, municipality_id: i64) -> Result<Option<MailSettings>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    let Some(r) = db.fetch_optional::<Row>(&q).await? else {
        return Ok(None);
    };
    Ok(Some(MailSettings {
        host: r.host,
        port: u16::try_from(r.port).map_err(|_| StoreError::Corrupt(format!("mail port {}", r.port)))?,
        security: Security::try_from(r.security.clone())
            .map_err(|_| StoreError::Corrupt(format!("mail security {}", r.security)))?,
        username: r.username,
        password: r.password,
        from_address: r.from_address,
        digest_enabled: r.digest_enabled,
        digest_hour: u8::try_from(r.digest_hour).unwrap_or(7),
    }))
}

pub async fn save(db: &Db, actor: &Actor, s: &MailSettings) -> Result<()> {
    let mut tx = db.begin().await?;
    let q = Query::insert()
        .into_table(TABLE)
        .columns(["municipality_id"].into_iter().chain(COLUMNS).chain(["updated_at"]))
        .values_panic([
            actor.municipality_id.into(),
            s.host.clone().into(),
            i32::from(s.port).into(),
            s.security.key().into(),
            s.username.clone().into(),
            s.password.clone().into(),
            s.from_address.clone().into(),
            s.digest_enabled.into(),
            i32::from(s.digest_hour).into(),
            Utc::now().into(),
        ])
        .on_conflict(
            OnConflict::column("municipality_id")
                .update_columns(COLUMNS.into_iter().chain(["updated_at"]))
                .to_owned(),
        )
        .to_owned();
    tx.execute(&q).await?;
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "mail_settings.save",
            entity: TABLE,
            entity_id: None,
            detail: Some(serde_json::json!({ "host": s.host, "digest_enabled": s.digest_enabled })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks `today`'s digest as sent for the municipality; `true` for the one
/// caller (of any number of servers) that gets to send it.
pub async fn claim_digest(db: &Db, municipality_id: i64, today: NaiveDate) -> Result<bool> {
    let q = Query::update()
        .table(TABLE)
        .value("last_digest_on", today)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("digest_enabled").eq(true))
        .and_where(
            Expr::col("last_digest_on")
                .is_null()
                .or(Expr::col("last_digest_on").lt(today)),
        )
        .to_owned();
    Ok(db.execute(&q).await? == 1)
}

/// A user's own address for notices; `None` clears it.
pub async fn set_email(db: &Db, actor: &Actor, user_id: i64, email: Option<&str>) -> Result<()> {
    let mut tx = db.begin().await?;
    let q = Query::update()
        .table("users")
        .value("email", email.map(str::to_owned))
        .and_where(Expr::col("id").eq(user_id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .to_owned();
    if tx.execute(&q).await? == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: "user.email",
            entity: "users",
            entity_id: Some(user_id),
            detail: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn email_of(db: &Db, user_id: i64) -> Result<Option<String>> {
    #[derive(sqlx::FromRow)]
    struct Email {
        email: Option<String>,
    }
    let q = Query::select()
        .column("email")
        .from("users")
        .and_where(Expr::col("id").eq(user_id))
        .to_owned();
    Ok(db.fetch_optional::<Email>(&q).await?.and_then(|e| e.email))
}

/// Active users of the municipality with an address, for the digest.
pub async fn recipients(db: &Db, municipality_id: i64) -> Result<Vec<(User, String)>> {
    #[derive(sqlx::FromRow)]
    struct Recipient {
        #[sqlx(flatten)]
        user: User,
        email: String,
    }
    let q = Query::select()
        .columns(crate::accounts::USER_COLUMNS)
        .column("email")
        .from("users")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("disabled_at").is_null())
        .and_where(Expr::col("email").is_not_null())
        .and_where(Expr::col("email").ne(""))
        .to_owned();
    Ok(db
        .fetch_all::<Recipient>(&q)
        .await?
        .into_iter()
        .map(|r| (r.user, r.email))
        .collect())
}
