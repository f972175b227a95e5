//! Writing and reading the audit log (監査ログ). Writes are logged inside
//! the transaction that makes them, so a change and its log entry stand or
//! fall together.

use chrono::{DateTime, Utc};
use kyodo_core::audit::AuditEntry;
use kyodo_core::listing::Page;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

use crate::db::{Db, Tx};
use crate::error::Result;

/// Who is acting, for the audit log and for tenancy.
#[derive(Debug, Clone)]
pub struct Actor {
    pub municipality_id: i64,
    pub user_id: Option<i64>,
    pub login: Option<String>,
    /// The name shown in histories (表示名).
    pub name: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    /// A signed-in user acting from `ip`.
    pub fn user(user: &kyodo_core::accounts::User, ip: Option<String>) -> Self {
        Actor {
            municipality_id: user.municipality_id,
            user_id: Some(user.id),
            login: Some(user.login.clone()),
            name: Some(user.display_name.clone()),
            ip,
        }
    }

    /// The command line acting on a municipality (imports, `user add`).
    pub fn command_line(municipality_id: i64) -> Self {
        Actor {
            municipality_id,
            user_id: None,
            login: Some("(コマンド)".to_owned()),
            name: None,
            ip: None,
        }
    }
}

/// One event to log.
pub struct Event<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub detail: Option<serde_json::Value>,
}

pub async fn record(tx: &mut Tx, actor: &Actor, event: Event<'_>) -> Result<()> {
    let q = Query::insert()
        .into_table("audit_log")
        .columns([
            "municipality_id",
            "at",
            "user_id",
            "login",
            "action",
            "entity",
            "entity_id",
            "detail",
            "ip",
        ])
        .values_panic([
            actor.municipality_id.into(),
            Utc::now().into(),
            actor.user_id.into(),
            actor.login.clone().into(),
            event.action.into(),
            event.entity.into(),
            event.entity_id.into(),
            event.detail.map(|d| d.to_string()).into(),
            actor.ip.clone().into(),
        ])
        .to_owned();
    tx.execute(&q).await?;
    Ok(())
}

/// Logs one event in a transaction of its own (reads of personal data, logins).
pub async fn record_now(db: &Db, actor: &Actor, event: Event<'_>) -> Result<()> {
    let mut tx = db.begin().await?;
    record(&mut tx, actor, event).await?;
    tx.commit().await
}

/// The record as JSON, for diffs in the log.
pub fn snapshot<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// The filter value that picks every separation-of-duties event.
pub const PRIVILEGED: &str = "privileged";

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub entity: Option<String>,
    pub login: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub page: Option<u32>,
}

pub async fn list(db: &Db, municipality_id: i64, f: &AuditFilter) -> Result<Page<AuditEntry>> {
    let per_page = 100u32;
    let page = std::cmp::max(f.page.unwrap_or(1), 1);
    let mut q = Query::select();
    q.from("audit_log")
        .and_where(Expr::col("municipality_id").eq(municipality_id));
    match f.action.as_deref().filter(|s| !s.is_empty()) {
        // Every separation-of-duties event at once (`privileged_…`).
        Some(PRIVILEGED) => {
            let pattern = format!("{}%", kyodo_core::audit::kind::PRIVILEGED_PREFIX.replace('_', "\\_"));
            q.and_where(Expr::col("action").like(sea_query::LikeExpr::new(pattern).escape('\\')));
        }
        Some(a) => {
            q.and_where(Expr::col("action").eq(a));
        }
        None => {}
    }
    if let Some(e) = f.entity.as_deref().filter(|s| !s.is_empty()) {
        q.and_where(Expr::col("entity").eq(e));
    }
    if let Some(l) = f.login.as_deref().filter(|s| !s.is_empty()) {
        q.and_where(Expr::col("login").eq(l));
    }
    if let Some(since) = f.since {
        q.and_where(Expr::col("at").gte(since));
    }
    let total = db
        .fetch_i64(&q.clone().expr(Expr::col("id").count()).to_owned())
        .await?;
    q.columns([
        "id",
        "municipality_id",
        "at",
        "user_id",
        "login",
        "action",
        "entity",
        "entity_id",
        "detail",
        "ip",
    ])
    .order_by("id", Order::Desc)
    .limit(u64::from(per_page))
    .offset(u64::from(page - 1) * u64::from(per_page));
    let items = db.fetch_all(&q).await?;
    Ok(Page {
        items,
        total: u64::try_from(total).unwrap_or(0),
        more: false,
        page,
        per_page,
    })
}
