//! API plumbing: the OpenAPI document, health check, extractors whose
//! rejections are Japanese JSON, and fallbacks.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::AppState;
use crate::error::{ApiError, AppError, ErrorBody, PageError};
use kyodo_core::validation::FieldErrors;

pub async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match kyodo_store::municipalities::list(&state.db).await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/kyodo.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/kyodo.js"),
    )
        .into_response()
}

pub async fn not_found() -> ApiError {
    ApiError(AppError::NotFound)
}

pub async fn page_not_found() -> PageError {
    PageError(AppError::NotFound)
}

/// Query parameters; a malformed one is a 400 with a Japanese message.
pub struct ApiQuery<T>(pub T);

/// The query string's parameters without empty ones, deserialized: a filter
/// form's "all" choice sends `area_id=`, which means no filter, not a
/// malformed number. A parameter that does not fit is named in the error.
fn query_without_empty<T: DeserializeOwned>(parts: &Parts) -> Result<T, FieldErrors> {
    let raw = parts.uri.query().unwrap_or("");
    let kept: Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> = form_urlencoded::parse(raw.as_bytes())
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner().to_string();
        let message = if inner.is_ascii() {
            // serde's own words ("invalid digit found in string"): say it in Japanese.
            "値の形式が正しくありません".to_owned()
        } else {
            inner
        };
        FieldErrors::single(if field == "." { "query" } else { &field }, message)
    })
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        query_without_empty(parts)
            .map(ApiQuery)
            .map_err(|e| ApiError(AppError::Contract(e)))
    }
}

/// The same for pages.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        query_without_empty(parts).map(PageQuery).map_err(|e| {
            let detail = e
                .errors
                .first()
                .map(|f| format!("（{}: {}）", f.field, f.message))
                .unwrap_or_default();
            PageError(AppError::BadRequest(format!("URLの検索条件が正しくありません{detail}")))
        })
    }
}

/// Record ids in the path; one that is not a number is a record that does
/// not exist (404, in Japanese), not a parser's message.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_| ApiError(AppError::NotFound))
    }
}

/// The same for pages.
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PagePath(p.0))
            .map_err(|_| PageError(AppError::NotFound))
    }
}

/// A JSON object body, read as text fields the way a form is.
pub struct JsonFields(pub HashMap<String, String>, pub Option<i64>);

impl<S: Send + Sync> FromRequest<S> for JsonFields {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(map) = Json::<serde_json::Map<String, serde_json::Value>>::from_request(req, state)
            .await
            .map_err(|_| {
                ApiError(AppError::BadRequest(
                    "本文はJSONのオブジェクトで送ってください（Content-Type: application/json）".into(),
                ))
            })?;
        let version = map.get("version").and_then(serde_json::Value::as_i64);
        let fields = map
            .into_iter()
            .filter_map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    // `null` clears a field, as an empty form field does.
                    serde_json::Value::Null => String::new(),
                    // A list of ids (`departments`), as a multiple select sends it.
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            serde_json::Value::String(s) => Some(s.clone()),
                            serde_json::Value::Number(n) => Some(n.to_string()),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?
                        .join(","),
                    _ => return None,
                };
                Some((k, text))
            })
            .collect();
        Ok(JsonFields(fields, version))
    }
}

/// Form fields of a page's POST, with the CSRF token. A field sent more
/// than once (a multiple select) arrives as its values joined by commas.
pub struct FormFields(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map(|f| {
                let mut map: HashMap<String, String> = HashMap::new();
                for (k, v) in f.0 {
                    map.entry(k)
                        .and_modify(|joined| {
                            joined.push(',');
                            joined.push_str(&v);
                        })
                        .or_insert(v);
                }
                FormFields(map)
            })
            .map_err(|_| PageError(AppError::BadRequest("フォームの送信内容を読み取れませんでした".into())))
    }
}

impl FormFields {
    pub fn csrf(&self) -> Option<&str> {
        self.0.get("_csrf").map(String::as_str)
    }

    pub fn version(&self) -> Option<i64> {
        self.0.get("version").and_then(|v| v.parse().ok())
    }
}

/// A date in a query string (`on`, `from`, `to`), 西暦 or 和暦; empty is none,
/// a bad one a 400 naming the parameter.
pub fn query_date(raw: Option<&str>, name: &str) -> Result<Option<chrono::NaiveDate>, AppError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => kyodo_core::wareki::parse_date(s)
            .map(Some)
            .map_err(|e| AppError::BadRequest(format!("{name}: {e}"))),
    }
}

/// Overlays a PATCH body on the record's current fields.
pub fn merged(mut current: HashMap<String, String>, patch: HashMap<String, String>) -> HashMap<String, String> {
    current.extend(patch);
    current
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kyodo API",
        description = "地域担当職員制度の運営システム kyodo の API。認証は `Authorization: Bearer <token>`（`kyodo token create` で発行）。エラーは `{\"code\", \"message\"}` の JSON で、message は日本語です。",
        version = "1"
    ),
    servers((url = "/api/v1")),
    paths(
        crate::accounts::me_api,
        crate::issues::list_api,
        crate::issues::get_api,
        crate::issues::create_api,
        crate::issues::patch_api,
        crate::issues::similar_api,
        crate::issues::export_api,
        crate::issues::dashboard::dashboard_api,
        crate::issues::detail::transition_api,
        crate::issues::detail::history_api,
        crate::issues::files::list_api,
        crate::issues::files::upload_api,
        crate::issues::files::download_api,
        crate::issues::templates::list_api,
        crate::issues::templates::create_api,
        crate::issues::templates::delete_api,
        crate::appointments::list_api,
        crate::appointments::create_api,
        crate::appointments::get_api,
        crate::appointments::end_api,
        crate::appointments::roster::public_api,
        crate::meetings::list_api,
        crate::meetings::create_api,
        crate::meetings::get_api,
        crate::meetings::patch_api,
        crate::meetings::raise_api,
        crate::activities::list_api,
        crate::activities::create_api,
        crate::activities::get_api,
        crate::activities::patch_api,
        crate::handovers::list_api,
        crate::handovers::get_api,
        crate::handovers::tick_api,
        crate::handovers::sign_api,
        crate::rotation::list_api,
        crate::rotation::create_api,
        crate::rotation::get_api,
        crate::rotation::approve_api,
        crate::areas::list_api,
        crate::areas::get_api,
        crate::areas::create_api,
        crate::areas::patch_api,
        crate::departments::list_api,
        crate::departments::get_api,
        crate::departments::create_api,
        crate::departments::patch_api,
        crate::organisations::list_api,
        crate::organisations::get_api,
        crate::organisations::create_api,
        crate::organisations::patch_api,
        crate::organisations::key_people_api,
        crate::staff::list_api,
        crate::staff::get_api,
        crate::staff::create_api,
        crate::staff::patch_api,
        crate::scheme::get_api,
        crate::data::import_api,
        crate::data::export_api,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

pub async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}
