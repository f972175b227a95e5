//! Separation of duties on the web: the coordinators' notices of accounts
//! reaching personal data that someone made or opened, and their
//! 「確認しました」.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::permissions::Action;

use crate::AppState;
use crate::api::{FormFields, PagePath};
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};

/// One notice on a coordinator's home page.
pub struct GrantNotice {
    pub id: i64,
    pub text: String,
    pub user_href: String,
}

/// What `caller` still has to acknowledge; nothing for those who do not.
pub async fn pending(state: &AppState, caller: &Caller) -> Result<Vec<GrantNotice>, AppError> {
    if !caller.can(Action::PrivilegedGrantAcknowledge) {
        return Ok(Vec::new());
    }
    Ok(
        kyodo_store::privileged_grants::pending_for(&state.db, caller.municipality.id, caller.user.id)
            .await?
            .into_iter()
            .map(|g| GrantNotice {
                id: g.id,
                text: g.notice(),
                user_href: format!("/users/{}", g.user_id),
            })
            .collect(),
    )
}

pub async fn acknowledge_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::PrivilegedGrantAcknowledge)?;
    kyodo_store::privileged_grants::acknowledge(&state.db, &caller.actor(), id).await?;
    Ok(Redirect::to("/?notice=acknowledged").into_response())
}
