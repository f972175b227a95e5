//! Writing and reading the audit log (監査ログ). Writes are logged inside
//! the transaction that makes them, so a change and its log entry stand or
//! fall together.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
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
/// [`record`] of one action on one record, with what the log should keep of it.
pub async fn record_on(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    entity: &str,
    id: i64,
    detail: serde_json::Value,
) -> Result<()> {
    let event = Event {
        action,
        entity,
        entity_id: Some(id),
        detail: Some(detail),
    };
    record(tx, actor, event).await
}

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
    /// The login at the time of the event.
    pub login: Option<String>,
    /// The acting account, whatever its login was then.
    pub user_id: Option<i64>,
    pub since: Option<DateTime<Utc>>,
    /// The first and last day (Japan time) of the events wanted.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: Option<u32>,
    /// Only entries older than this one (keyset paging: the page after
    /// the one that ended with it); `page` is then ignored.
    pub after: Option<i64>,
}

fn col(name: &'static str) -> Expr {
    Expr::col(("audit_log", name))
}

/// One page of the log, newest first, each entry with its actor's current display name.
pub async fn list(db: &Db, municipality_id: i64, f: &AuditFilter) -> Result<Page<AuditEntry>> {
    let per_page = 100u32;
    let page = std::cmp::max(f.page.unwrap_or(1), 1);
    let mut q = Query::select();
    q.from("audit_log")
        .and_where(col("municipality_id").eq(municipality_id));
    match f.action.as_deref().filter(|s| !s.is_empty()) {
        // Every separation-of-duties event at once (`privileged_…`).
        Some(PRIVILEGED) => {
            let pattern = format!("{}%", kyodo_core::audit::kind::PRIVILEGED_PREFIX.replace('_', "\\_"));
            q.and_where(col("action").like(sea_query::LikeExpr::new(pattern).escape('\\')));
        }
        Some(a) => {
            q.and_where(col("action").eq(a));
        }
        None => {}
    }
    if let Some(e) = f.entity.as_deref().filter(|s| !s.is_empty()) {
        q.and_where(col("entity").eq(e));
    }
    if let Some(l) = f.login.as_deref().filter(|s| !s.is_empty()) {
        q.and_where(col("login").eq(l));
    }
    if let Some(user_id) = f.user_id {
        q.and_where(col("user_id").eq(user_id));
    }
    if let Some(since) = f.since {
        q.and_where(col("at").gte(since));
    }
    if let Some(from) = f.from {
        q.and_where(col("at").gte(kyodo_core::wareki::jst_start_of(from)));
    }
    if let Some(next_day) = f.to.and_then(|to| to.succ_opt()) {
        q.and_where(col("at").lt(kyodo_core::wareki::jst_start_of(next_day)));
    }
    // The log grows with every read of personal data: its count stops at
    // the cap (「1,000件以上」) and its pages go by key, so that the page
    // costs the same in a city's tenth year as in its first.
    let (total, more) = crate::common::capped_total(db, q.clone().column(("audit_log", "id")).to_owned()).await?;
    let offset = match f.after {
        Some(after) => {
            q.and_where(col("id").lt(after));
            0
        }
        None => u64::from(page - 1) * u64::from(per_page),
    };
    q.columns(
        [
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
        ]
        .map(|c| ("audit_log", c)),
    )
    .expr_as(Expr::col(("users", "display_name")), "user_name")
    .left_join("users", Expr::col(("users", "id")).equals(("audit_log", "user_id")))
    .order_by(("audit_log", "id"), Order::Desc)
    .limit(u64::from(per_page))
    .offset(offset);
    let items: Vec<AuditEntry> = db.fetch_all(&q).await?;
    let full = items.len() == per_page as usize;
    Ok(Page {
        next_after: items.last().filter(|_| full).map(|e| e.id),
        items,
        total,
        more,
        page,
        per_page,
    })
}

/// Where each record type keeps the name the log shows for it. Key people
/// are not here: their names are personal data, and the log is no way round that.
const NAME_COLUMNS: [(&str, &str); 9] = [
    ("issues", "title"),
    ("meetings", "title"),
    ("staff", "name"),
    ("organisations", "name"),
    ("areas", "name"),
    ("departments", "name"),
    ("users", "display_name"),
    ("answer_templates", "title"),
    ("api_tokens", "name"),
];

/// The current names of the records a page of entries names, by
/// (entity, id): one query per record type, not one per entry.
pub async fn target_names(
    db: &Db,
    municipality_id: i64,
    entries: &[AuditEntry],
) -> Result<HashMap<(String, i64), String>> {
    #[derive(sqlx::FromRow)]
    struct Named {
        id: i64,
        name: String,
    }
    let mut names = HashMap::new();
    for (table, column) in NAME_COLUMNS {
        let ids: BTreeSet<i64> = entries
            .iter()
            .filter(|e| e.entity == table)
            .filter_map(|e| e.entity_id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let q = Query::select()
            .column("id")
            .expr_as(Expr::col(column), "name")
            .from(table)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("id").is_in(ids))
            .to_owned();
        for row in db.fetch_all::<Named>(&q).await? {
            names.insert((table.to_owned(), row.id), row.name);
        }
    }
    Ok(names)
}
