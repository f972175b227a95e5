//! API plumbing: the OpenAPI document, health check, extractors whose
//! rejections are Japanese JSON, and fallbacks.

pub mod contract;
mod errors;
pub mod types;

use std::collections::HashMap;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::AppState;
use crate::error::{ApiError, AppError, ErrorBody, PageError};
use kyodo_core::validation::FieldErrors;

pub async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    // A ping, not a read of every municipality and its scheme: at 100
    // tenants that read made the health check slower than a list page.
    match state.db.ping().await {
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
        include_str!("../../static/kyodo.css"),
    )
        .into_response()
}

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/kyodo.js"),
    )
        .into_response()
}

/// The site's icon, also at /favicon.ico: a browser asks there for a page
/// that names none (a JSON response, a downloaded file opened in a tab).
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/favicon.svg"),
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

/// The query string's parameters. A page's filter form sends its "all"
/// choice as `area_id=`, which means no filter, not a malformed number:
/// pages leave empty ones out. The API takes them as sent.
fn query_pairs(parts: &Parts, keep_empty: bool) -> Vec<(String, String)> {
    form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .filter(|(_, v)| keep_empty || !v.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Deserializes the parameters; one that does not fit is named in the error.
fn deserialize_query<T: DeserializeOwned>(pairs: &[(String, String)]) -> Result<T, FieldErrors> {
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
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

/// API query parameters, held to what the document says of them first
/// ([`contract::check_query`]), then deserialized; a misfit is a 422 naming it.
impl<T: DeserializeOwned + utoipa::IntoParams + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let pairs = query_pairs(parts, true);
        contract::check_query::<T>(&pairs).map_err(|e| ApiError(AppError::Contract(e)))?;
        deserialize_query(&pairs)
            .map(ApiQuery)
            .map_err(|e| ApiError(AppError::Contract(e)))
    }
}

/// The same for pages.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        deserialize_query(&query_pairs(parts, false))
            .map(PageQuery)
            .map_err(|e| {
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

/// A request body the API documents: the permission it needs is said with
/// it, so that a caller without it hears 403 whatever they sent, before the
/// body is judged.
pub trait ApiBody: DeserializeOwned + utoipa::ToSchema {
    /// The permission; `raw` is the body as sent (a transition's `action` decides).
    fn action(raw: &serde_json::Value) -> kyodo_core::permissions::Action;
}

/// A JSON body of type `T`. It is checked against `T`'s schema in the API
/// document before it is decoded ([`contract`]): what does not fit is a 422
/// naming each field; a body that is not JSON at all is a 400, one sent as
/// another type a 415; a caller without `T`'s permission a 403 first.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: ApiBody,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // ApiCaller, extracted before the body, leaves the caller here.
        let caller = req.extensions().get::<crate::auth::Caller>().cloned();
        let value = json_value(req, state).await?;
        if let Some(caller) = caller {
            caller.require(T::action(&value))?;
        }
        contract::check(&T::name(), &value).map_err(|e| ApiError(AppError::Contract(e)))?;
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            let field = e.path().to_string();
            ApiError(AppError::Contract(FieldErrors::single(
                if field == "." { "body" } else { &field },
                "値の形式が正しくありません",
            )))
        })
    }
}

async fn json_value<S: Send + Sync>(req: Request, state: &S) -> Result<serde_json::Value, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let essence = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        });
    if !is_json {
        return Err(ApiError(AppError::UnsupportedMediaType(
            "JSON（Content-Type: application/json）",
        )));
    }
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|_| ApiError(AppError::TooLarge(crate::edge::BODY_LIMIT)))?;
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError(AppError::BadRequest(format!(
            "本文をJSONとして読めません（{}行{}列）",
            e.line(),
            e.column()
        )))
    })?;
    whole_numbers(&mut value);
    Ok(value)
}

/// `2000.0` as `2000`: JSON has one kind of number, and the schema's
/// `integer` takes a whole one however it is written; Rust's integers do not.
fn whole_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9_007_199_254_740_992.0
            {
                // Within ±2^53 an integral f64 is exactly this integer.
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// A typed body as the text fields a form sends, for the validation the
/// pages share: strings as they are, numbers and booleans written out, `null`
/// as empty (it clears a field), lists of ids joined with commas. Fields the
/// body leaves out are left out.
pub fn fields_of<T: Serialize>(body: &T) -> HashMap<String, String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(body) else {
        return HashMap::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::Null => String::new(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                serde_json::Value::Object(_) => return None,
            };
            Some((k, text))
        })
        .collect()
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
        crate::public::api::areas,
        crate::public::api::organisations,
        crate::public::api::events,
        crate::public::api::reports,
        crate::public::api::case_studies,
        crate::events::list_api,
        crate::events::create_api,
        crate::events::get_api,
        crate::events::patch_api,
        crate::issues::detail::publication_api,
        crate::case_studies::list_api,
        crate::case_studies::create_api,
        crate::case_studies::get_api,
        crate::case_studies::patch_api,
        crate::case_studies::share_api,
        crate::case_studies::photos::list_api,
        crate::case_studies::photos::add_api,
        crate::case_studies::photos::remove_api,
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
        crate::evacuation_support::list_api,
        crate::evacuation_support::create_api,
        crate::organisations::establishment::move_stage_api,
        crate::organisations::establishment::establishment_api,
        crate::organisations::recognition::act_api,
        crate::organisations::recognition::events_api,
        crate::organisations::application_files::list_api,
        crate::organisations::application_files::upload_api,
        crate::organisations::application_files::download_api,
        crate::grants::schemes::list_api,
        crate::grants::schemes::create_api,
        crate::grants::schemes::get_api,
        crate::grants::schemes::update_api,
        crate::grants::schemes::simulate_api,
        crate::grants::procedure::list_api,
        crate::grants::procedure::open_api,
        crate::grants::procedure::get_api,
        crate::grants::procedure::transition_api,
        crate::grants::expenses::list_api,
        crate::grants::expenses::add_api,
        crate::plans::list_api,
        crate::plans::summary::api,
        crate::plans::get_api,
        crate::plans::publication_api,
        crate::plans::create_api,
        crate::plans::patch_api,
        crate::plans::projects_api,
        crate::plans::create_project_api,
        crate::plans::patch_project_api,
        crate::staff::list_api,
        crate::staff::get_api,
        crate::staff::create_api,
        crate::staff::patch_api,
        crate::scheme::get_api,
        crate::data::import_api,
        crate::data::export_api,
    ),
    components(schemas(ErrorBody, kyodo_core::csv_import::DataKind)),
    modifiers(&BearerAuth, &ERROR_RESPONSES, &CONTRACT)
)]
pub struct ApiDoc;

const ERROR_RESPONSES: errors::ErrorResponses = errors::ErrorResponses;
const CONTRACT: contract::Contract = contract::Contract;

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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a generated client needs of the document: every path parameter
    /// declared, every write's body a named schema, every named body able to
    /// be checked, and query parameters in the query.
    #[test]
    fn the_document_declares_what_a_client_sends() {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::path::ParameterIn;
        let doc = ApiDoc::openapi();
        for (path, item) in &doc.paths.paths {
            let placeholders: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            for (method, op) in [
                ("get", &item.get),
                ("post", &item.post),
                ("patch", &item.patch),
                ("delete", &item.delete),
            ] {
                let Some(op) = op else { continue };
                let params: Vec<_> = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        RefOr::T(p) => Some(p),
                        RefOr::Ref(_) => None,
                    })
                    .collect();
                for name in &placeholders {
                    assert!(
                        params
                            .iter()
                            .any(|p| p.name == *name && p.parameter_in == ParameterIn::Path),
                        "{method} {path}: path parameter {name} undeclared"
                    );
                }
                for p in &params {
                    if p.parameter_in == ParameterIn::Path {
                        assert!(
                            placeholders.contains(&p.name.as_str()),
                            "{method} {path}: {} is no path parameter",
                            p.name
                        );
                    }
                }
                if matches!(method, "post" | "patch")
                    && let Some(RefOr::T(body)) = &op.request_body
                    && let Some(RefOr::T(json)) = body.content.get("application/json")
                    && let Some(RefOr::Ref(r)) = &json.schema
                {
                    let name = r.ref_location.trim_start_matches("#/components/schemas/");
                    // Compiling the validator is the check: an empty object is judged against it.
                    let _ = contract::check(name, &serde_json::json!({}));
                }
                for code in ["401", "403"] {
                    if !path.starts_with("/public/") {
                        assert!(
                            op.responses.responses.contains_key(code),
                            "{method} {path}: {code} undeclared"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_body_is_held_to_its_schema_before_it_is_read() {
        let missing = contract::check("IssueCreate", &serde_json::json!({"kind": "request"})).unwrap_err();
        let named: Vec<&str> = missing.errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            named.contains(&"title") && named.contains(&"body") && named.contains(&"category"),
            "{named:?}"
        );
        let unknown = contract::check(
            "IssueCreate",
            &serde_json::json!({"kind": "request", "title": "a", "body": "b", "category": "c", "colour": 1}),
        )
        .unwrap_err();
        assert_eq!(unknown.errors[0].field, "colour");
        let wrong_action = contract::check("TransitionBody", &serde_json::json!({"action": "fly"})).unwrap_err();
        assert_eq!(wrong_action.errors[0].field, "action");
        let draft =
            contract::check("TransitionBody", &serde_json::json!({"action": "draft", "text": " "})).unwrap_err();
        assert_eq!(draft.errors[0].field, "text", "a blank plan is no plan");
        assert!(
            contract::check(
                "TransitionBody",
                &serde_json::json!({"action": "draft", "text": "修繕する"})
            )
            .is_ok()
        );
    }

    #[test]
    fn whole_numbers_written_as_floats_read_as_integers() {
        let mut v = serde_json::json!({"a": 2000.0, "b": [1.0, 1.5], "c": "2.0"});
        whole_numbers(&mut v);
        assert_eq!(v, serde_json::json!({"a": 2000, "b": [1, 1.5], "c": "2.0"}));
    }
}
