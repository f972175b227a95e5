//! The audit log page (監査ログ), for system admins.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
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
    filter_action: String,
    filter_entity: String,
    filter_login: String,
    total: u64,
    entries: Vec<Entry>,
    next_href: Option<String>,
    /// Accounts reaching personal data made or opened, newest first.
    grants: Vec<GrantRow>,
}

struct Entry {
    at: String,
    login: String,
    action: String,
    /// A separation-of-duties event, marked in the list.
    privileged: bool,
    target: String,
    detail: String,
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

pub async fn audit_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(filter): PageQuery<AuditFilter>,
) -> PageResult<Response> {
    caller.require(Action::AuditRead)?;
    let page = kyodo_store::audit::list(&state.db, caller.municipality.id, &filter).await?;
    let next_href = (page.page < page.pages()).then(|| {
        let pairs = [
            ("action", filter.action.clone().unwrap_or_default()),
            ("entity", filter.entity.clone().unwrap_or_default()),
            ("login", filter.login.clone().unwrap_or_default()),
            ("page", (page.page + 1).to_string()),
        ];
        format!("/audit?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    });
    let entries = page
        .items
        .iter()
        .map(|e| Entry {
            at: (e.at + chrono::Duration::hours(9))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            login: e.login.clone().unwrap_or_default(),
            action: kyodo_core::audit::kind::label(&e.action).to_owned(),
            privileged: kyodo_core::audit::kind::is_privileged(&e.action),
            target: match e.entity_id {
                Some(id) => format!("{} #{id}", e.entity),
                None => e.entity.clone(),
            },
            detail: e.detail.clone().unwrap_or_default(),
            ip: e.ip.clone().unwrap_or_default(),
        })
        .collect();
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
    Ok(pages::render(&AuditPage {
        layout: Layout::new(&caller, "監査ログ", "/audit"),
        actions,
        filter_action: filter.action.clone().unwrap_or_default(),
        filter_entity: filter.entity.clone().unwrap_or_default(),
        filter_login: filter.login.clone().unwrap_or_default(),
        total: page.total,
        entries,
        next_href,
        grants,
    }))
}
