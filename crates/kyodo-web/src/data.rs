//! CSV import and export pages and API.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

use axum::response::Redirect;
use kyodo_core::csv_import::{ABANDONED_AFTER_SECONDS, DataKind, ImportOutcome, ImportProgress, ImportReport};
use kyodo_core::encoding::TextEncoding;
use kyodo_core::permissions::Action;

use crate::AppState;
use crate::api::{ApiPath, ApiQuery, PagePath, PageQuery};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Layout};

#[derive(Template)]
#[template(path = "data.html")]
struct DataPage {
    layout: Layout,
    kinds: Vec<(&'static str, &'static str, String)>,
    kind_label: &'static str,
    report: Option<ImportReport>,
    errors: Vec<String>,
    /// An import still running (its progress), or one that stopped.
    run: Option<RunView>,
    /// The report's new records (the first hundred) and how many more.
    created: Vec<String>,
    created_more: usize,
    /// The report's changed records, each with its changes field by field.
    changed: Vec<(String, Vec<String>)>,
}

/// How many of a report's records the page lists; the count says the rest.
const LISTED: usize = 100;

/// An import started from this page, as far as it has got.
struct RunView {
    dry_run: bool,
    /// Lines checked of `total`; every line checked means writing.
    checked: i64,
    total: i64,
    /// Its server stopped before it ended (nothing of it was written).
    abandoned: bool,
    /// Something other than the file went wrong.
    failure: Option<String>,
}

impl RunView {
    fn writing(&self) -> bool {
        self.total > 0 && self.checked >= self.total
    }

    /// Whether the page reloads itself to follow it.
    fn running(&self) -> bool {
        !self.abandoned && self.failure.is_none()
    }
}

fn kind_of(s: &str) -> Result<DataKind, AppError> {
    DataKind::parse(s).ok_or(AppError::NotFound)
}

/// A staff file carries everyone's home district and e-mail address, so
/// only who may read those for the whole municipality moves staff in or out.
fn may_move(caller: &Caller, kind: DataKind) -> bool {
    kind != DataKind::Staff || caller.scope(Action::StaffPersonalRead) == kyodo_core::permissions::Scope::Municipality
}

fn require_kind(caller: &Caller, kind: DataKind) -> Result<(), AppError> {
    if may_move(caller, kind) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn view(caller: &Caller, kind: Option<DataKind>, report: Option<ImportReport>, errors: Vec<String>) -> DataPage {
    DataPage {
        layout: Layout::new(caller, "取込・書出し", "/data"),
        kinds: DataKind::ALL
            .into_iter()
            .filter(|k| may_move(caller, *k))
            .map(|k| {
                let cols: Vec<String> = k
                    .columns()
                    .iter()
                    .map(|c| {
                        if c.required {
                            format!("{}（必須）", c.header)
                        } else {
                            c.header.to_owned()
                        }
                    })
                    .collect();
                (k.as_str(), k.label(), cols.join("、"))
            })
            .collect(),
        kind_label: kind.map_or("", DataKind::label),
        created: report
            .iter()
            .flat_map(|r| r.created.iter().take(LISTED).cloned())
            .collect(),
        created_more: report.as_ref().map_or(0, |r| r.created.len().saturating_sub(LISTED)),
        changed: match (kind, &report) {
            (Some(kind), Some(r)) => r
                .updated
                .iter()
                .take(LISTED)
                .map(|u| {
                    (
                        u.key.clone(),
                        kyodo_core::csv_import::describe_changes(kind, &u.changes),
                    )
                })
                .collect(),
            _ => Vec::new(),
        },
        report,
        errors,
        run: None,
    }
}

pub async fn data_page(PageCaller(caller): PageCaller) -> PageResult<Response> {
    caller.require(Action::DataImport)?;
    Ok(pages::render(&view(&caller, None, None, Vec::new())))
}

async fn import(
    state: &AppState,
    caller: &Caller,
    kind: DataKind,
    bytes: Bytes,
    dry_run: bool,
    progress: Arc<ImportProgress>,
) -> Result<ImportReport, AppError> {
    caller.require(Action::DataImport)?;
    require_kind(caller, kind)?;
    Ok(kyodo_store::data::import_csv(
        &state.db,
        &caller.actor(),
        &caller.municipality.scheme,
        kyodo_store::data::ImportFile {
            kind,
            bytes: Vec::from(bytes),
            dry_run,
        },
        caller.today,
        progress,
    )
    .await?)
}

/// How long the page waits for an import before showing its progress: a
/// usual file is done by then and its result shows at once.
const WAIT_FOR_RESULT: Duration = Duration::from_secs(2);

/// How often a running import's progress is written for its page.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

pub async fn import_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(kind): PagePath<String>,
    request: axum::extract::Request,
) -> PageResult<Response> {
    let kind = kind_of(&kind)?;
    // The permission is checked before the body is read, so a caller who may
    // not import hears 403 whatever they sent.
    caller.require(Action::DataImport)?;
    require_kind(&caller, kind)?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| AppError::BadRequest("CSVファイルを添付して送信してください".into()))?;
    let mut csrf = None;
    let mut dry_run = false;
    let mut file: Option<Bytes> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("送信されたファイルを読み取れませんでした".into()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field
            .bytes()
            .await
            .map_err(|_| AppError::BadRequest("送信されたファイルを読み取れませんでした".into()))?;
        match name.as_str() {
            "_csrf" => csrf = Some(String::from_utf8_lossy(&data).into_owned()),
            "dry_run" => dry_run = data.as_ref() == b"true",
            "file" => file = Some(data),
            _ => {}
        }
    }
    caller.check_csrf(csrf.as_deref())?;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let page = view(&caller, Some(kind), None, vec!["CSVファイルを選んでください".into()]);
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, pages::render(&page)).into_response());
    };
    let run = kyodo_store::data::runs::start(&state.db, &caller.actor(), kind, dry_run).await?;
    let finished = tokio::spawn(run_import(state, caller, kind, bytes, dry_run, run));
    // Dropping the handle on time-out leaves the import running.
    let _ = tokio::time::timeout(WAIT_FOR_RESULT, finished).await;
    Ok(Redirect::to(&format!("/data/imports/{run}")).into_response())
}

/// Runs an import apart from the request that started it, writing its
/// progress every second and its outcome at the end for its page.
async fn run_import(state: AppState, caller: Caller, kind: DataKind, bytes: Bytes, dry_run: bool, run: i64) {
    let progress = Arc::new(ImportProgress::default());
    let mut work = {
        let (state, progress) = (state.clone(), progress.clone());
        tokio::spawn(async move { import(&state, &caller, kind, bytes, dry_run, progress).await })
    };
    let mut ticks = tokio::time::interval(PROGRESS_EVERY);
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = ticks.tick() => {
                let (checked, total, _) = progress.read();
                if let Err(e) = kyodo_store::data::runs::progress(&state.db, run, checked, total).await {
                    tracing::warn!(%e, run, "import progress not recorded");
                }
            }
        }
    };
    let outcome = match result {
        Ok(Ok(report)) => ImportOutcome::Done { report },
        Ok(Err(AppError::Import(errors))) => ImportOutcome::Refused { errors },
        Ok(Err(e)) => {
            if let AppError::Internal(detail) = &e {
                tracing::error!(%detail, run, "import failed");
            }
            ImportOutcome::Failed { message: e.message() }
        }
        Err(e) => {
            tracing::error!(%e, run, "import stopped");
            ImportOutcome::Failed {
                message: AppError::Internal(e.to_string()).message(),
            }
        }
    };
    if let Err(e) = kyodo_store::data::runs::finish(&state.db, run, &outcome).await {
        tracing::error!(%e, run, "import outcome not recorded");
    }
}

/// An import's page: its progress while it runs (the page reloads itself),
/// then its report or every problem in the file.
pub async fn import_run_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    caller.require(Action::DataImport)?;
    let user_id = caller.actor().user_id.ok_or(AppError::NotFound)?;
    let run = kyodo_store::data::runs::get(&state.db, caller.municipality.id, user_id, id).await?;
    let kind = run.kind().ok_or(AppError::NotFound)?;
    let outcome = run.outcome()?;
    let (report, errors, failure) = match outcome {
        Some(ImportOutcome::Done { report }) => (Some(report), Vec::new(), None),
        Some(ImportOutcome::Refused { errors }) => (None, errors.iter().map(ToString::to_string).collect(), None),
        Some(ImportOutcome::Failed { message }) => (None, Vec::new(), Some(message)),
        None => (None, Vec::new(), None),
    };
    let refused = !errors.is_empty();
    let mut page = view(&caller, Some(kind), report, errors);
    if page.report.is_none() && !refused {
        let silent = chrono::Utc::now() - run.updated_at;
        page.run = Some(RunView {
            dry_run: run.dry_run,
            checked: run.checked,
            total: run.total,
            abandoned: failure.is_none() && silent.num_seconds() > ABANDONED_AFTER_SECONDS,
            failure,
        });
    }
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, pages::render(&page)).into_response())
}

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `utf-8` (with BOM, the default) or `cp932` (Shift_JIS for older Excel).
    #[param(pattern = "^(utf-8|cp932)$")]
    pub encoding: Option<String>,
}

/// A CSV download's `encoding=`: UTF-8 (with BOM) unless `cp932` is asked for.
pub fn text_encoding(param: Option<&str>) -> Result<TextEncoding, AppError> {
    match param {
        None | Some("") => Ok(TextEncoding::Utf8),
        Some(s) => TextEncoding::parse(s)
            .ok_or_else(|| AppError::BadRequest("encoding は utf-8 か cp932 を指定してください".into())),
    }
}

async fn export(state: &AppState, caller: &Caller, kind: DataKind, q: &ExportQuery) -> Result<Response, AppError> {
    caller.require(Action::DataExport)?;
    require_kind(caller, kind)?;
    let enc = text_encoding(q.encoding.as_deref())?;
    let bytes = kyodo_store::data::export_csv(&state.db, &caller.actor(), &caller.municipality.scheme, kind, enc)
        .await
        .map_err(|e| match e {
            kyodo_store::data::ExportError::Store(s) => AppError::from(s),
            kyodo_store::data::ExportError::Encoding(e) => AppError::Refused(e.to_string()),
        })?;
    Ok(csv_attachment(
        bytes,
        enc,
        &format!("{}-{}.csv", kind.as_str(), caller.today.format("%Y%m%d")),
    ))
}

/// A CSV file to download, with its charset named for Excel and browsers.
pub fn csv_attachment(bytes: Vec<u8>, enc: TextEncoding, filename: &str) -> Response {
    let charset = match enc {
        TextEncoding::Utf8 => "utf-8",
        TextEncoding::Cp932 => "shift_jis",
    };
    (
        [
            (header::CONTENT_TYPE, format!("text/csv; charset={charset}")),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn export_file(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(kind): PagePath<String>,
    PageQuery(q): PageQuery<ExportQuery>,
) -> PageResult<Response> {
    Ok(export(&state, &caller, kind_of(&kind)?, &q).await?)
}

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` to see what would change without writing anything.
    dry_run: Option<bool>,
}

/// Imports a CSV file (request body, UTF-8 or CP932) of `areas`, `organisations`, `departments` or `staff`.
/// All or nothing: any bad line refuses the file with every problem listed (409, each line named).
#[utoipa::path(post, path = "/import/{kind}", tag = "data",
    params(("kind" = DataKind, Path, description = "What the file holds"), ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file, UTF-8 (with or without BOM) or CP932; the first line names the columns"),
    responses((status = 200, body = ImportReport)))]
pub async fn import_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<ImportReport>> {
    let kind = kind_of(&kind)?;
    Ok(Json(
        import(
            &state,
            &caller,
            kind,
            body,
            q.dry_run.unwrap_or(false),
            Default::default(),
        )
        .await?,
    ))
}

/// Exports every active record of a kind as CSV.
#[utoipa::path(get, path = "/export/{kind}", tag = "data",
    params(("kind" = DataKind, Path, description = "What to export"), ExportQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 409, description = "CP932 cannot hold some characters (listed); export as UTF-8", body = crate::error::ErrorBody)))]
pub async fn export_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    Ok(export(&state, &caller, kind_of(&kind)?, &q).await?)
}
