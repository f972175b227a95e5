//! Photos and files on an issue: upload from the issue's page or the API,
//! download, removal. Whoever reads the issue reads its files, except those
//! marked 庁内のみ, which the community never sees.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::issues::attachments::{self, Attachment};
use kyodo_core::permissions::Action;
use kyodo_store::issues::attachments::{self as store, NewAttachment};

use super::{BASE, reachable};
use crate::AppState;
use crate::api::{ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, FormState};
use crate::uploads::{self, Source, Upload};

/// One file as the issue's page lists it.
pub struct FileView {
    pub href: String,
    pub name: String,
    pub size: String,
    pub image: bool,
    pub internal: bool,
    pub remove_href: Option<String>,
}

/// The files the caller may see, oldest first.
pub async fn visible(state: &AppState, caller: &Caller, issue_id: i64) -> Result<Vec<Attachment>, AppError> {
    let staff = caller.can(Action::IssueInternalRead);
    let mut files = store::list(&state.db, caller.municipality.id, issue_id).await?;
    files.retain(|f| staff || !f.internal);
    Ok(files)
}

pub fn views(caller: &Caller, files: Vec<Attachment>) -> Vec<FileView> {
    files
        .into_iter()
        .map(|f| {
            let href = format!("{BASE}/{}/files/{}", f.issue_id, f.id);
            FileView {
                remove_href: caller.can(Action::IssueEdit).then(|| format!("{href}/delete")),
                href,
                size: attachments::size_label(f.size),
                image: f.is_image() && f.content_type != "image/heic",
                internal: f.internal,
                name: f.filename,
            }
        })
        .collect()
}

/// Whether the upload asks for 庁内のみ: a page's check box sends `true`
/// or `on`; the API takes `true` or `false` and nothing else.
fn internal_of(upload: &Upload, source: Source) -> Result<bool, AppError> {
    let value = upload.fields.get("internal").map(String::as_str);
    match (value, source) {
        (None, _) => Ok(false),
        (Some(v), Source::Page) => Ok(matches!(v, "true" | "on" | "1")),
        (Some("true"), Source::Api) => Ok(true),
        (Some("false"), Source::Api) => Ok(false),
        (Some(_), Source::Api) => Err(AppError::Contract(kyodo_core::validation::FieldErrors::single(
            "internal",
            "true か false で指定してください",
        ))),
    }
}

/// What `POST /issues/{id}/files` takes, as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The photo or file (JPEG, PNG, GIF, WebP, HEIC, PDF, xlsx, docx, pptx; 10 MB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// 庁内のみ: never shown to the community (city staff only); `false` when not sent.
    #[schema(required = false)]
    internal: bool,
}

/// Checks kind and size, and stores the file; the caller has checked reach
/// (before reading the body). The community cannot mark a file internal:
/// what it sends is its own.
async fn attach(
    state: &AppState,
    caller: &Caller,
    id: i64,
    upload: Upload,
    source: Source,
) -> Result<Attachment, AppError> {
    let internal = internal_of(&upload, source)?;
    let (content_type, filename) = uploads::checked(&upload)?;
    let file = NewAttachment {
        filename,
        content_type: content_type.to_owned(),
        content: upload.content,
        internal: internal && caller.can(Action::IssueInternalRead),
    };
    Ok(store::add(&state.db, &caller.actor(), id, file).await?)
}

pub async fn upload_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    request: axum::extract::Request,
) -> PageResult<Response> {
    // Checked before the body is read: a caller who may not attach hears 403.
    reachable(&state, &caller, Action::IssueAttach, id).await?;
    let upload = uploads::read(&state, request, Source::Page, &["internal"]).await?;
    caller.check_csrf(upload.csrf.as_deref())?;
    match attach(&state, &caller, id, upload, Source::Page).await {
        Ok(_) => Ok(Redirect::to(&format!("{BASE}/{id}?notice=attached")).into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Refused(_))) => {
            let status = e.status();
            let carried = super::detail::Carried {
                action: "attach".into(),
                form: FormState::new(Default::default()),
                alert: Some(match e {
                    AppError::Invalid(errors) => errors.get("file").unwrap_or_default().to_owned(),
                    other => other.message(),
                }),
            };
            let page = super::detail::render(&state, &caller, id, None, Some(carried)).await?;
            Ok((status, pages::render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The file itself.
async fn download(state: &AppState, caller: &Caller, id: i64, file_id: i64) -> Result<Response, AppError> {
    reachable(state, caller, Action::IssueRead, id).await?;
    let (file, bytes) = store::content(&state.db, caller.municipality.id, id, file_id).await?;
    if file.internal && !caller.can(Action::IssueInternalRead) {
        return Err(AppError::NotFound);
    }
    Ok(uploads::file_response(file.content_type, &file.filename, bytes))
}

pub async fn download_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, file_id)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    Ok(download(&state, &caller, id, file_id).await?)
}

pub async fn remove_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, file_id)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::IssueEdit, id).await?;
    store::remove(&state.db, &caller.actor(), id, file_id).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=deleted")).into_response())
}

/// The issue's photos and files (without their content).
#[utoipa::path(get, path = "/issues/{id}/files", tag = "issues", params(("id" = i64, Path, description = "課題の番号")),
    responses((status = 200, body = [Attachment])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Attachment>>> {
    reachable(&state, &caller, Action::IssueRead, id).await?;
    Ok(Json(visible(&state, &caller, id).await?))
}

/// Adds a photo or file: multipart field `file`, optional `internal=true`
/// (city staff only). JPEG, PNG, GIF, WebP, HEIC, PDF, xlsx, docx, pptx; 10 MB each, 20 per issue.
#[utoipa::path(post, path = "/issues/{id}/files", tag = "issues", params(("id" = i64, Path, description = "課題の番号")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Attachment)))]
pub async fn upload_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    reachable(&state, &caller, Action::IssueAttach, id).await?;
    let upload = uploads::read(&state, request, Source::Api, &["internal"]).await?;
    let file = attach(&state, &caller, id, upload, Source::Api).await?;
    Ok((StatusCode::CREATED, Json(file)).into_response())
}

/// The file's content.
#[utoipa::path(get, path = "/issues/{id}/files/{file_id}", tag = "issues",
    params(("id" = i64, Path, description = "課題の番号"), ("file_id" = i64, Path, description = "ファイルの番号")),
    responses((status = 200, description = "The file, with its own content type", content(
        ("image/jpeg"), ("image/png"), ("image/gif"), ("image/webp"), ("image/heic"), ("application/pdf"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("application/octet-stream")))))]
pub async fn download_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((id, file_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(download(&state, &caller, id, file_id).await?)
}
