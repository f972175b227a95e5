//! Photos and files on an issue: upload from the issue's page or the API,
//! download, removal. Whoever reads the issue reads its files, except those
//! marked 庁内のみ, which the community never sees.

use axum::Json;
use axum::extract::{FromRequest, Multipart, State};
use axum::http::{StatusCode, header};
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

/// A submitted upload: the file, whether it is internal, the CSRF token.
struct Upload {
    filename: String,
    content: Vec<u8>,
    internal: bool,
    csrf: Option<String>,
}

/// Which multipart fields an upload takes: a page's form adds its CSRF token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum From {
    Page,
    Api,
}

async fn read_upload(state: &AppState, request: axum::extract::Request, from: From) -> Result<Upload, AppError> {
    let unreadable = || AppError::BadRequest("送信されたファイルを読み取れませんでした".into());
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| match from {
        From::Api => AppError::UnsupportedMediaType("multipart/form-data（file にファイル）"),
        From::Page => AppError::BadRequest("ファイルを添付して送信してください".into()),
    })?;
    let mut upload = Upload {
        filename: String::new(),
        content: Vec::new(),
        internal: false,
        csrf: None,
    };
    let mut misfits = kyodo_core::validation::FieldErrors::new();
    let mut has_file = false;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.filename = field.file_name().unwrap_or_default().to_owned();
            has_file = true;
        }
        let data = field.bytes().await.map_err(|_| unreadable())?;
        match (name.as_str(), from) {
            ("_csrf", From::Page) => upload.csrf = Some(String::from_utf8_lossy(&data).into_owned()),
            ("internal", From::Page) => upload.internal = matches!(data.as_ref(), b"true" | b"on" | b"1"),
            ("internal", From::Api) => match data.as_ref() {
                b"true" => upload.internal = true,
                b"false" => upload.internal = false,
                _ => misfits.add("internal", "true か false で指定してください"),
            },
            ("file", _) => upload.content = data.to_vec(),
            (_, From::Page) => {}
            (other, From::Api) => misfits.add(other, "この項目はありません（file と internal だけです）"),
        }
    }
    if from == From::Api && !has_file {
        misfits.add("file", "必須の項目です");
    }
    misfits.into_result(upload).map_err(AppError::Contract)
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
async fn attach(state: &AppState, caller: &Caller, id: i64, upload: Upload) -> Result<Attachment, AppError> {
    let content_type = attachments::content_type(&upload.filename, &upload.content)
        .map_err(|e| AppError::Invalid(kyodo_core::validation::FieldErrors::single("file", e.to_string())))?;
    let file = NewAttachment {
        filename: attachments::clean_filename(&upload.filename),
        content_type: content_type.to_owned(),
        content: upload.content,
        internal: upload.internal && caller.can(Action::IssueInternalRead),
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
    let upload = read_upload(&state, request, From::Page).await?;
    caller.check_csrf(upload.csrf.as_deref())?;
    match attach(&state, &caller, id, upload).await {
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

/// The file itself. Photos and PDFs open in the browser; other files download.
async fn download(state: &AppState, caller: &Caller, id: i64, file_id: i64) -> Result<Response, AppError> {
    reachable(state, caller, Action::IssueRead, id).await?;
    let (file, bytes) = store::content(&state.db, caller.municipality.id, id, file_id).await?;
    if file.internal && !caller.can(Action::IssueInternalRead) {
        return Err(AppError::NotFound);
    }
    let inline = file.is_image() || file.content_type == "application/pdf";
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encode(&file.filename)
    );
    Ok((
        [
            (header::CONTENT_TYPE, file.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            // A file is never a page: no script runs in it, even if a browser sniffs.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// RFC 5987 encoding for a Japanese file name in Content-Disposition.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
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
    let upload = read_upload(&state, request, From::Api).await?;
    let file = attach(&state, &caller, id, upload).await?;
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
