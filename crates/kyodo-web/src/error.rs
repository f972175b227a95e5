//! The one application error: every failure a handler can meet, mapped to a
//! status code and a Japanese message — as JSON for the API, as a page for
//! people.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::csv_import::ImportError;
use kyodo_core::validation::FieldErrors;
use kyodo_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict,
    #[error("invalid: {0}")]
    Invalid(FieldErrors),
    /// The request does not follow the API document (a parameter or a body
    /// field of the wrong type, out of range, missing, unknown).
    #[error("not as documented: {0}")]
    Contract(FieldErrors),
    #[error("refused: {0}")]
    Refused(String),
    #[error("import refused")]
    Import(Vec<ImportError>),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("csrf")]
    Csrf,
    #[error("too many attempts")]
    Throttled,
    /// A body sent as something other than what the endpoint takes (named).
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    /// A body over the limit (bytes).
    #[error("body too large")]
    TooLarge(usize),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict => AppError::Conflict,
            StoreError::Invalid(errors) => AppError::Invalid(errors),
            StoreError::Refused(message) => AppError::Refused(message),
            StoreError::Import(errors) => AppError::Import(errors),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict | AppError::Refused(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) | AppError::Contract(_) | AppError::Import(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict => "conflict",
            AppError::Invalid(_) | AppError::Contract(_) => "validation_failed",
            AppError::Refused(_) => "refused",
            AppError::Import(_) => "import_refused",
            AppError::BadRequest(_) => "bad_request",
            AppError::Csrf => "csrf_failed",
            AppError::Throttled => "too_many_attempts",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::Internal(_) => "internal_error",
        }
    }

    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "ログインしてください".into(),
            AppError::Forbidden => "この操作を行う権限がありません".into(),
            AppError::NotFound => "お探しの記録は見つかりませんでした".into(),
            AppError::Conflict => {
                "ほかの人が先にこの記録を更新しました。最新の内容を確認してから、もう一度保存してください".into()
            }
            AppError::Invalid(_) => "入力内容に誤りがあります。各項目のメッセージを確認してください".into(),
            AppError::Contract(_) => {
                "API の仕様（/api/v1/openapi.json）に合わない項目があります。各項目のメッセージを確認してください"
                    .into()
            }
            AppError::Refused(m) => m.clone(),
            AppError::Import(errors) => {
                format!(
                    "取り込めませんでした（{}件の誤り）。何も登録されていません",
                    errors.len()
                )
            }
            AppError::BadRequest(m) => m.clone(),
            AppError::Csrf => {
                "フォームの有効期限が切れました。ページを読み込み直してから、もう一度送信してください".into()
            }
            AppError::Throttled => {
                "ログインの失敗が続いたため、しばらくログインできません。15分ほど待ってからお試しください".into()
            }
            AppError::UnsupportedMediaType(kind) => format!("本文は {kind} で送ってください"),
            AppError::TooLarge(limit) => format!(
                "送信された内容が大きすぎます。一度に送れるのは{}MBまでです（添付ファイルは1件10MBまで）",
                limit / (1024 * 1024)
            ),
            AppError::Internal(_) => {
                "システムで問題が起きました。時間をおいてもう一度お試しください。続く場合は管理者に連絡してください"
                    .into()
            }
        }
    }
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// Field problems (validation) or line problems (imports).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<serde_json::Value>,
}

/// API handlers return this: errors as JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        if let AppError::Internal(detail) = &e {
            tracing::error!(%detail, "internal error");
        }
        let errors = match &e {
            AppError::Invalid(f) | AppError::Contract(f) => f.errors.iter().map(|x| serde_json::json!(x)).collect(),
            AppError::Import(lines) => lines.iter().map(|x| serde_json::json!(x)).collect(),
            _ => Vec::new(),
        };
        // A body that fits the document (422 is kept for one that does not)
        // but that the records or the scheme's rules refuse is a conflict
        // with the state of things: 409, its fields still named.
        let (status, code, message) = match &e {
            AppError::Invalid(_) | AppError::Import(_) => (
                StatusCode::CONFLICT,
                "refused",
                match &e {
                    AppError::Import(_) => e.message(),
                    _ => "受け付けられませんでした。各項目の理由を確認してください".to_owned(),
                },
            ),
            _ => (e.status(), e.code(), e.message()),
        };
        let body = ErrorBody {
            code: code.to_owned(),
            message,
            errors,
        };
        (status, axum::Json(body)).into_response()
    }
}

/// Page handlers return this: errors as a Japanese page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        match &e {
            AppError::Internal(detail) => tracing::error!(%detail, "internal error"),
            AppError::Unauthenticated => {
                return axum::response::Redirect::to("/login").into_response();
            }
            _ => {}
        }
        let page = crate::pages::ErrorPage {
            status: e.status().as_u16(),
            title: match e.status() {
                StatusCode::NOT_FOUND => "ページが見つかりません",
                StatusCode::FORBIDDEN => "権限がありません",
                StatusCode::CONFLICT => "操作できませんでした",
                StatusCode::INTERNAL_SERVER_ERROR => "システムエラー",
                _ => "エラー",
            },
            message: e.message(),
            lines: match &e {
                AppError::Import(lines) => lines.iter().map(ToString::to_string).collect(),
                AppError::Invalid(f) | AppError::Contract(f) => f.errors.iter().map(|x| x.message.clone()).collect(),
                _ => Vec::new(),
            },
        };
        (e.status(), crate::pages::render(&page)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T> = Result<T, PageError>;
