//! The pages every editable record shares — new, create, edit, update,
//! archive, restore — and the API's get, create and patch, written once
//! over [`Editable`]. Each record module says how to fetch, check, save and
//! show its own record.

use std::collections::HashMap;
use std::future::Future;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;
use crate::api::{FormFields, PagePath};
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};
use crate::pages::{self, FormState, Outcome};

/// A record with pages to create, edit and archive it.
pub trait Editable: Send + Sync + 'static {
    /// Where its pages live, e.g. `/areas`.
    const BASE: &'static str;
    type Row: Send;

    /// The record, if the caller may read it (`write`: may change it); 403 or 404 otherwise.
    fn fetch(
        state: &AppState,
        caller: &Caller,
        id: i64,
        write: bool,
    ) -> impl Future<Output = Result<Self::Row, AppError>> + Send;
    /// 403 unless the caller may create or edit records of this kind at all.
    fn check_write(caller: &Caller) -> Result<(), AppError>;
    fn id(row: &Self::Row) -> i64;
    fn version(row: &Self::Row) -> i64;
    /// The record as form fields, for the edit form and for PATCH.
    fn values(row: &Self::Row) -> HashMap<String, String>;
    fn create(
        state: &AppState,
        caller: &Caller,
        fields: &HashMap<String, String>,
    ) -> impl Future<Output = Result<Self::Row, AppError>> + Send;
    /// Saves `fields` as the whole record; `version` is what the editor saw.
    fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> impl Future<Output = Result<Self::Row, AppError>> + Send;
    fn set_archived(
        state: &AppState,
        caller: &Caller,
        id: i64,
        archived: bool,
    ) -> impl Future<Output = Result<(), AppError>> + Send;
    /// The create (`editing` = None) or edit form, with what was typed.
    fn form_view(
        state: &AppState,
        caller: &Caller,
        form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> impl Future<Output = PageResult<Response>> + Send;
}

/// Applies a PATCH: the sent fields over the current record, guarded by
/// `version` when the caller sends one.
pub async fn patch<E: Editable>(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
    fields: HashMap<String, String>,
) -> Result<E::Row, AppError> {
    E::check_write(caller)?;
    let current = E::fetch(state, caller, id, true).await?;
    let merged = crate::api::merged(E::values(&current), fields);
    E::save(state, caller, id, version.unwrap_or(E::version(&current)), &merged).await
}

pub async fn new_page<E: Editable>(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
) -> PageResult<Response> {
    E::check_write(&caller)?;
    E::form_view(&state, &caller, FormState::default(), None, StatusCode::OK).await
}

pub async fn create_page<E: Editable>(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    E::check_write(&caller)?;
    let result = E::create(&state, &caller, &form.0)
        .await
        .map(|row| format!("{}/{}?notice=created", E::BASE, E::id(&row)));
    match pages::outcome(result, form.0)? {
        Outcome::Saved(href) => Ok(Redirect::to(&href).into_response()),
        Outcome::Again(f, status) => E::form_view(&state, &caller, f, None, status).await,
    }
}

pub async fn edit_page<E: Editable>(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    E::check_write(&caller)?;
    let row = E::fetch(&state, &caller, id, true).await?;
    let editing = Some((id, E::version(&row)));
    E::form_view(
        &state,
        &caller,
        FormState::new(E::values(&row)),
        editing,
        StatusCode::OK,
    )
    .await
}

pub async fn update_page<E: Editable>(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    E::check_write(&caller)?;
    let Some(version) = form.version() else {
        return Err(AppError::BadRequest("フォームに版番号がありません。編集画面を開き直してください".into()).into());
    };
    let result = async {
        E::fetch(&state, &caller, id, true).await?;
        E::save(&state, &caller, id, version, &form.0).await
    }
    .await
    .map(|_| format!("{}/{id}?notice=saved", E::BASE));
    match pages::outcome(result, form.0)? {
        Outcome::Saved(href) => Ok(Redirect::to(&href).into_response()),
        Outcome::Again(f, status) => {
            // After a conflict the form carries the latest version, so saving again is a decision.
            let latest = E::fetch(&state, &caller, id, true).await?;
            E::form_view(&state, &caller, f, Some((id, E::version(&latest))), status).await
        }
    }
}

async fn archive_or_restore<E: Editable>(
    state: AppState,
    caller: Caller,
    id: i64,
    form: FormFields,
    archived: bool,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    E::check_write(&caller)?;
    E::fetch(&state, &caller, id, true).await?;
    E::set_archived(&state, &caller, id, archived).await?;
    let notice = if archived { "archived" } else { "restored" };
    Ok(Redirect::to(&format!("{}/{id}?notice={notice}", E::BASE)).into_response())
}

pub async fn archive_page<E: Editable>(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    archive_or_restore::<E>(state, caller, id, form, true).await
}

pub async fn restore_page<E: Editable>(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    archive_or_restore::<E>(state, caller, id, form, false).await
}
