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
    entries: Vec<(String, String, String, String, String, String)>,
    next_href: Option<String>,
}

const ACTIONS: [&str; 14] = [
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
        .map(|e| {
            (
                (e.at + chrono::Duration::hours(9))
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                e.login.clone().unwrap_or_default(),
                kyodo_core::audit::kind::label(&e.action).to_owned(),
                match e.entity_id {
                    Some(id) => format!("{} #{id}", e.entity),
                    None => e.entity.clone(),
                },
                e.detail.clone().unwrap_or_default(),
                e.ip.clone().unwrap_or_default(),
            )
        })
        .collect();
    let mut actions = vec![(String::new(), "（すべて）".to_owned())];
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
    }))
}
