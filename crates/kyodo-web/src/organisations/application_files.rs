//! The documents of a recognition application (申請書類: 規約, 役員名簿…)
//! on the organisation's page and in the API. Those who take part in the
//! recognition read them: the body, its liaison, the coordinator. Departments
//! reading the body's page do not: an 役員名簿 holds addresses.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::issues::attachments::size_label;
use kyodo_core::organisations::OrganisationRow;
use kyodo_core::organisations::application_files::{self as rules, ApplicationFile, DocumentKind};
use kyodo_core::permissions::Action;
use kyodo_core::validation::FieldErrors;
use kyodo_store::organisations::application_files::{self as store, NewFile};

use super::{BASE, Carried, Part, done, reachable};
use crate::AppState;
use crate::api::{ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, ActionButton, Cell, FieldKind, FieldSpec, InlineForm, Section};
use crate::uploads::{self, Source, Upload};

/// The body, when the caller takes part in its recognition (the body, its
/// liaison, the coordinator: those who may apply) and it goes through one.
async fn reachable_for_recognition(state: &AppState, caller: &Caller, id: i64) -> Result<OrganisationRow, AppError> {
    let row = reachable(state, caller, Action::RecognitionApply, id).await?;
    if !super::recognition::applies(caller, &row) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

fn file_path(id: i64, file_id: i64) -> String {
    format!("{BASE}/{id}/recognition/files/{file_id}")
}

fn kind_options() -> Vec<(String, String)> {
    pages::options(&DocumentKind::ALL, |k| k.key().to_owned(), |k| k.label().to_owned())
}

/// The 申請書類 section, for those who take part in the recognition.
pub async fn section(
    state: &AppState,
    caller: &Caller,
    row: &OrganisationRow,
    carried: &mut Option<Carried>,
) -> Result<Option<Section>, AppError> {
    let o = &row.organisation;
    if !caller.reaches_organisation(Action::RecognitionApply, o.id, o.area_id) {
        return Ok(None);
    }
    let files = store::list(&state.db, caller.municipality.id, o.id).await?;
    let open = o.archived_at.is_none() && rules::refusal(o.recognition).is_none();
    Ok(Some(Section {
        title: "申請書類".into(),
        personal: false,
        columns: vec!["書類", "ファイル", "大きさ", "登録", "申請"],
        rows: files
            .iter()
            .map(|f| {
                let button = (open && f.applied_on.is_none()).then(|| ActionButton {
                    action: format!("{}/delete", file_path(o.id, f.id)),
                    label: "削除",
                    danger: true,
                });
                (
                    vec![
                        Cell::text(f.kind.label()),
                        Cell::link(f.filename.clone(), file_path(o.id, f.id)),
                        Cell::text(size_label(f.size)),
                        Cell::text(format!(
                            "{}　{}",
                            pages::datetime_ja(&f.created_at),
                            pages::opt(&f.uploaded_by)
                        )),
                        Cell::text(f.applied_on.map_or_else(
                            || "未申請".to_owned(),
                            |d| format!("{}の申請に添付", pages::date_ja(&d)),
                        )),
                    ],
                    button,
                )
            })
            .collect(),
        empty: "申請書類はまだありません。規約・役員名簿などをPDFや写真で添付できます",
        form: open.then(|| InlineForm {
            action: format!("{BASE}/{}/recognition/files", o.id),
            fields: vec![
                FieldSpec::select("kind", "書類", kind_options()).required(),
                FieldSpec::text("file", "ファイル")
                    .kind(FieldKind::File)
                    .required()
                    .hint("PDF、写真（JPEG・PNG・HEIC など）、Excel・Word。1件10MBまで"),
            ],
            form: Carried::take(carried, Part::File),
            submit_label: "申請書類を添付する",
        }),
    }))
}

/// The document's kind as sent, or the message beside the field.
fn kind_of(upload: &Upload) -> Result<DocumentKind, FieldErrors> {
    match upload.fields.get("kind").map(|k| k.trim()).filter(|k| !k.is_empty()) {
        None => Err(FieldErrors::single("kind", "書類の種類を選んでください")),
        Some(k) => {
            DocumentKind::from_key(k).ok_or_else(|| FieldErrors::single("kind", "書類の種類を一覧から選んでください"))
        }
    }
}

async fn attach(
    state: &AppState,
    caller: &Caller,
    id: i64,
    upload: Upload,
    source: Source,
) -> Result<ApplicationFile, AppError> {
    // The API's `kind` is an enum of its document: a misfit there is the caller's contract.
    let kind = kind_of(&upload);
    if source == Source::Api
        && let Err(misfit) = kind
    {
        return Err(AppError::Contract(misfit));
    }
    let checked = uploads::checked(&upload);
    let (kind, (content_type, filename)) = match (kind, checked) {
        (Ok(kind), Ok(checked)) => (kind, checked),
        (kind, checked) => {
            let mut errors = kind.err().unwrap_or_default();
            if let Err(AppError::Invalid(more)) = checked {
                errors.errors.extend(more.errors);
            }
            return Err(AppError::Invalid(errors));
        }
    };
    let file = NewFile {
        kind,
        filename,
        content_type: content_type.to_owned(),
        content: upload.content,
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
    reachable_for_recognition(&state, &caller, id).await?;
    let upload = uploads::read(&state, request, Source::Page, &["kind"]).await?;
    caller.check_csrf(upload.csrf.as_deref())?;
    let fields = FormFields(upload.fields.clone());
    let result = attach(&state, &caller, id, upload, Source::Page).await.map(|_| ());
    done(&state, &caller, id, Part::File, fields, result).await
}

async fn download(state: &AppState, caller: &Caller, id: i64, file_id: i64) -> Result<Response, AppError> {
    reachable_for_recognition(state, caller, id).await?;
    let (file, bytes) = store::content(&state.db, &caller.actor(), id, file_id).await?;
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
    reachable_for_recognition(&state, &caller, id).await?;
    let result = store::remove(&state.db, &caller.actor(), id, file_id)
        .await
        .map_err(AppError::from);
    done(&state, &caller, id, Part::File, FormFields(Default::default()), result).await
}

// --- API ---

/// What `POST /organisations/{id}/recognition/files` takes, as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DocumentUpload {
    /// The document (PDF, JPEG, PNG, GIF, WebP, HEIC, xlsx, docx, pptx; 10 MB).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    kind: DocumentKind,
}

/// The body's application documents (without their content).
#[utoipa::path(get, path = "/organisations/{id}/recognition/files", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")),
    responses((status = 200, body = [ApplicationFile])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<ApplicationFile>>> {
    reachable_for_recognition(&state, &caller, id).await?;
    Ok(Json(store::list(&state.db, caller.municipality.id, id).await?))
}

/// Attaches a document: multipart fields `file` and `kind`. Refused (409)
/// while an application is with the coordinator; 20 per body.
#[utoipa::path(post, path = "/organisations/{id}/recognition/files", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ApplicationFile)))]
pub async fn upload_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    request: axum::extract::Request,
) -> ApiResult<Response> {
    reachable_for_recognition(&state, &caller, id).await?;
    let upload = uploads::read(&state, request, Source::Api, &["kind"]).await?;
    let file = attach(&state, &caller, id, upload, Source::Api).await?;
    Ok((StatusCode::CREATED, Json(file)).into_response())
}

/// The document's content. Reading an 役員名簿 is logged.
#[utoipa::path(get, path = "/organisations/{id}/recognition/files/{file_id}", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号"), ("file_id" = i64, Path, description = "書類の番号")),
    responses((status = 200, description = "The document, with its own content type", content(
        ("application/pdf"), ("image/jpeg"), ("image/png"), ("image/gif"), ("image/webp"), ("image/heic"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation")))))]
pub async fn download_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((id, file_id)): ApiPath<(i64, i64)>,
) -> ApiResult<Response> {
    Ok(download(&state, &caller, id, file_id).await?)
}
