//! A case study's photos for staff: chosen on the case's page from its
//! issue's image files the community may see, shown there, and taken off
//! again. The public site serves the same copies (`public::cases::photo`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::case_studies::{CasePhoto, CaseSource, CaseStudy, MAX_PHOTOS};
use kyodo_core::permissions::Action;
use kyodo_store::case_studies::photos as store;

use super::{BASE, fetch};
use crate::AppState;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{ActionButton, Cell, Section};

/// The 「写真」 section of a case's page: its photos, and for its writer
/// the issue's files that could be added.
pub async fn section(state: &AppState, caller: &Caller, c: &CaseStudy, writable: bool) -> Result<Section, AppError> {
    let id = c.id;
    let photos = store::list(&state.db, id).await?;
    let mut rows: Vec<(Vec<Cell>, Option<ActionButton>)> = photos
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let cells = vec![
                Cell::image(
                    crate::public::cases::photo_alt(&c.title, n),
                    format!("{BASE}/{id}/photos/{}", p.id),
                ),
                Cell::text("載せています"),
            ];
            let button = writable.then(|| ActionButton {
                action: format!("{BASE}/{id}/photos/{}/delete", p.id),
                label: "外す",
                danger: true,
            });
            (cells, button)
        })
        .collect();
    if writable
        && photos.len() < MAX_PHOTOS
        && let (Some(CaseSource::Issue), Some(issue_id)) = (c.source, c.source_id)
    {
        // The case and its photos are read already: only the issue's files are new.
        for file in store::candidates(&state.db, caller.municipality.id, issue_id, &photos).await? {
            let cells = vec![
                Cell::image(
                    format!("課題の添付「{}」", file.filename),
                    format!("/issues/{issue_id}/files/{}", file.id),
                ),
                Cell::text(format!("{}（まだ載せていません）", file.filename)),
            ];
            let button = Some(ActionButton {
                action: format!("{BASE}/{id}/photos/from/{}", file.id),
                label: "載せる",
                danger: false,
            });
            rows.push((cells, button));
        }
    }
    Ok(Section {
        title: "写真".into(),
        personal: false,
        columns: vec!["写真", "状況"],
        rows,
        empty: if c.source == Some(CaseSource::Issue) {
            "載せられる写真はありません。課題に添付した写真（庁内のみでない JPEG・PNG）から選べます。"
        } else {
            "写真は、課題から書いた事例にその課題の添付写真から載せられます。"
        },
        form: None,
    })
}

async fn add(state: &AppState, caller: &Caller, id: i64, attachment_id: i64) -> Result<CasePhoto, AppError> {
    fetch(state, caller, id, true).await?;
    Ok(store::add(&state.db, &caller.actor(), id, attachment_id).await?)
}

async fn remove(state: &AppState, caller: &Caller, id: i64, photo_id: i64) -> Result<(), AppError> {
    fetch(state, caller, id, true).await?;
    Ok(store::remove(&state.db, &caller.actor(), id, photo_id).await?)
}

/// Adds one of the issue's files as a photo.
pub async fn add_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, attachment_id)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    add(&state, &caller, id, attachment_id).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=recorded#section-1")).into_response())
}

/// Takes a photo off the case.
pub async fn remove_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, photo_id)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    remove(&state, &caller, id, photo_id).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=deleted#section-1")).into_response())
}

/// A photo of a case the caller may read (their own, or one shared with them).
pub async fn photo_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, photo_id)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    fetch(&state, &caller, id, false).await?;
    let (photo, bytes) = store::content(&state.db, id, photo_id).await?;
    let filename = format!("case-{id}-photo-{photo_id}");
    Ok(crate::uploads::file_response(photo.content_type, &filename, bytes))
}

/// A case study's photos, in the order chosen.
#[utoipa::path(get, path = "/case-studies/{id}/photos", tag = "case-studies",
    params(("id" = i64, Path, description = "事例の番号")), responses((status = 200, body = [CasePhoto])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<CasePhoto>>> {
    fetch(&state, &caller, id, false).await?;
    Ok(Json(store::list(&state.db, id).await?))
}

/// A photo to add: one of the files of the issue the case was written from.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhotoChoice {
    #[schema(minimum = 1)]
    pub attachment_id: i64,
}

impl crate::api::ApiBody for PhotoChoice {
    fn action(_: &serde_json::Value) -> Action {
        Action::CaseStudyWrite
    }
}

/// Adds a photo from the case's issue: an image the community may see (not
/// 庁内のみ), JPEG or PNG, copied without its camera metadata (GPS, device,
/// names); at most four. Anything else is a 409 saying why.
#[utoipa::path(post, path = "/case-studies/{id}/photos", tag = "case-studies",
    params(("id" = i64, Path, description = "事例の番号")), request_body = PhotoChoice,
    responses((status = 201, body = CasePhoto)))]
pub async fn add_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PhotoChoice>,
) -> ApiResult<Response> {
    let photo = add(&state, &caller, id, body.attachment_id).await?;
    Ok((StatusCode::CREATED, Json(photo)).into_response())
}

/// Takes a photo off the case (the issue keeps its file).
#[utoipa::path(delete, path = "/case-studies/{id}/photos/{photo_id}", tag = "case-studies",
    params(("id" = i64, Path, description = "事例の番号"), ("photo_id" = i64, Path, description = "写真の番号")),
    responses((status = 204, description = "Removed")))]
pub async fn remove_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((id, photo_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    remove(&state, &caller, id, photo_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
