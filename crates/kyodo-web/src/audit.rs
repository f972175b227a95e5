//! The audit log page (監査ログ), for system admins.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::audit::{self, AuditEntry};
use kyodo_core::permissions::Action;
use kyodo_store::audit::AuditFilter;

use crate::AppState;
use crate::api::PageQuery;
use crate::auth::PageCaller;
use crate::error::PageResult;
use crate::pages::{self, Layout};

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    actions: Vec<(String, String)>,
    entities: Vec<(String, String)>,
    people: Vec<(String, String)>,
    filter: AuditQuery,
    /// A date that could not be read, beside its field.
    from_error: Option<String>,
    to_error: Option<String>,
    total: u64,
    /// `total` is where counting stopped (「…件以上」).
    more: bool,
    entries: Vec<Entry>,
    next_href: Option<String>,
    /// Accounts reaching personal data made or opened, newest first.
    grants: Vec<GrantRow>,
}

impl AuditPage {
    /// The count as read: 1,000.
    fn total_text(&self) -> String {
        kyodo_core::text::grouped(i64::try_from(self.total).unwrap_or(i64::MAX))
    }
}

/// The page's filters as typed: dates stay text so that a bad one comes back as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity: String,
    /// The acting account's id.
    #[serde(default)]
    user: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u32>,
    /// The last entry of the page before (older entries follow it).
    after: Option<i64>,
}

/// One entry as a sentence: 「山田 太郎（arao-liaison） が 課題 No.25「道路の穴」 の部署の回答を記録」.
struct Entry {
    at: String,
    at_iso: String,
    actor: String,
    /// What was acted on, `None` for events without one (logins).
    target: Option<String>,
    target_href: Option<String>,
    phrase: String,
    /// A separation-of-duties event, marked in the list.
    privileged: bool,
    lines: Vec<String>,
    ip: String,
}

struct GrantRow {
    at: String,
    kind: &'static str,
    account: String,
    user_href: String,
    by: String,
    /// 「未確認」, or who acknowledged it and when.
    acknowledged: Option<String>,
}

/// How many of the latest grants the page lists above the log.
const GRANTS_SHOWN: u64 = 50;

const ACTIONS: [&str; 18] = [
    "create",
    "update",
    "archive",
    "restore",
    "delete",
    "read_personal",
    "login",
    "login_failed",
    "logout",
    "password_change",
    "import",
    "export",
    "token_create",
    "token_revoke",
    "privileged_account_created",
    "privileged_account_enabled",
    "privileged_password_reset",
    "privileged_grant_acknowledged",
];

/// A day typed in 西暦 or 和暦; empty is no limit.
fn parse_day(text: &str) -> Result<Option<chrono::NaiveDate>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    kyodo_core::wareki::parse_date(text)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The record's page, when the viewer's role may read that kind of record.
fn target_href(caller: &crate::auth::Caller, entity: &str, id: i64) -> Option<String> {
    let (path, action) = match entity {
        "issues" => ("/issues", Action::IssueRead),
        "meetings" => ("/meetings", Action::MeetingRead),
        "staff" => ("/staff", Action::StaffRead),
        "organisations" => ("/organisations", Action::OrganisationRead),
        "areas" => ("/areas", Action::AreaRead),
        "departments" => ("/departments", Action::DepartmentRead),
        "users" => ("/users", Action::UserManage),
        "appointments" => ("/appointments", Action::AppointmentRead),
        "handovers" => ("/handovers", Action::HandoverRead),
        "rotation_plans" => ("/rotation", Action::AppointmentWrite),
        _ => return None,
    };
    caller.can(action).then(|| format!("{path}/{id}"))
}

fn actor_text(e: &AuditEntry) -> String {
    match (&e.user_name, e.login.as_deref()) {
        (Some(name), Some(login)) => format!("{name}（{login}）"),
        (Some(name), None) => name.clone(),
        (None, Some("(コマンド)")) => "サーバーのコマンド".to_owned(),
        (None, Some(login)) => login.to_owned(),
        (None, None) => "（不明）".to_owned(),
    }
}

pub async fn audit_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(query): PageQuery<AuditQuery>,
) -> PageResult<Response> {
    caller.require(Action::AuditRead)?;
    let muni = caller.municipality.id;
    let from = parse_day(&query.from);
    let to = parse_day(&query.to);
    let (from_error, to_error) = (from.clone().err(), to.clone().err());
    let filter = AuditFilter {
        action: Some(query.action.clone()),
        entity: Some(query.entity.clone()),
        user_id: query.user.trim().parse().ok(),
        from: from.ok().flatten(),
        to: to.ok().flatten(),
        page: query.page,
        after: query.after,
        ..AuditFilter::default()
    };
    let bad_date = from_error.is_some() || to_error.is_some();
    let (total, more, entries, next_href) = if bad_date {
        // Nothing is listed under a range that could not be read: a list
        // wider than asked for would pass for the answer.
        (0, false, Vec::new(), None)
    } else {
        let page = kyodo_store::audit::list(&state.db, muni, &filter).await?;
        let names = kyodo_store::audit::target_names(&state.db, muni, &page.items).await?;
        let next_href = page.next_after.map(|after| {
            let pairs = [
                ("action", query.action.clone()),
                ("entity", query.entity.clone()),
                ("user", query.user.clone()),
                ("from", query.from.clone()),
                ("to", query.to.clone()),
                ("after", after.to_string()),
            ];
            format!("/audit?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
        });
        let entries = page
            .items
            .iter()
            .map(|e| {
                let name = e
                    .entity_id
                    .and_then(|id| names.get(&(e.entity.clone(), id)))
                    .map(String::as_str);
                let phrase = audit::action_phrase(&e.action);
                Entry {
                    at: audit::at_text(e.at),
                    at_iso: e.at.to_rfc3339(),
                    actor: actor_text(e),
                    target: phrase
                        .is_some()
                        .then(|| audit::target_text(&e.entity, e.entity_id, name)),
                    target_href: e.entity_id.and_then(|id| target_href(&caller, &e.entity, id)),
                    phrase: phrase.unwrap_or_else(|| audit::predicate(&e.action, "")),
                    privileged: audit::kind::is_privileged(&e.action),
                    lines: audit::detail_lines(&e.entity, &e.action, e.detail.as_deref())
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    ip: e.ip.clone().unwrap_or_default(),
                }
            })
            .collect();
        (page.total, page.more, entries, next_href)
    };
    let grants = kyodo_store::privileged_grants::recent(&state.db, caller.municipality.id, GRANTS_SHOWN)
        .await?
        .into_iter()
        .map(|g| GrantRow {
            at: kyodo_core::privileged_grants::short_time_ja(g.granted_at),
            kind: g.kind.label(),
            account: format!("{}（{}）", g.login, g.role.label()),
            user_href: format!("/users/{}", g.user_id),
            by: match g.by() {
                Some((role, name)) => format!(
                    "{} {name}（{}）",
                    role.label(),
                    g.granted_by_login.clone().unwrap_or_default()
                ),
                None => "サーバーのコマンド".to_owned(),
            },
            acknowledged: g.acknowledged_at.map(|at| {
                format!(
                    "{} が確認（{}）",
                    g.acknowledged_by_login.clone().unwrap_or_default(),
                    kyodo_core::privileged_grants::short_time_ja(at)
                )
            }),
        })
        .collect();
    let mut actions = vec![
        (String::new(), "（すべて）".to_owned()),
        (
            kyodo_store::audit::PRIVILEGED.to_owned(),
            "個人情報に届くアカウント（作成・再開・再設定・確認）".to_owned(),
        ),
    ];
    actions.extend(
        ACTIONS
            .iter()
            .map(|a| ((*a).to_owned(), kyodo_core::audit::kind::label(a).to_owned())),
    );
    let mut entities = vec![(String::new(), "（すべて）".to_owned())];
    entities.extend(
        audit::ENTITIES
            .iter()
            .map(|(key, label)| ((*key).to_owned(), (*label).to_owned())),
    );
    let mut people = vec![(String::new(), "（すべて）".to_owned())];
    people.extend(
        kyodo_store::accounts::list(&state.db, Some(muni))
            .await?
            .into_iter()
            .map(|u| (u.id.to_string(), format!("{}（{}）", u.display_name, u.login))),
    );
    let page = pages::render(&AuditPage {
        layout: Layout::new(&caller, "監査ログ", "/audit"),
        actions,
        entities,
        people,
        filter: query,
        from_error,
        to_error,
        total,
        more,
        entries,
        next_href,
        grants,
    });
    Ok(if bad_date {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page
    })
}
