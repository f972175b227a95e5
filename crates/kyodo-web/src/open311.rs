//! Open311 GeoReport v2 for outside intake apps (LINE bots, My City
//! Report-style apps). `jurisdiction_id` is the municipality's code; the
//! municipality turns it on in its scheme settings. Services are the issue
//! categories; a request lands as an issue waiting to be sorted. The
//! `api_key` is a kyodo API token: it decides what the app may see and
//! where it may file, as for any API caller — the public sees nothing.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::issues::{IssueQuery, IssueRow, IssueStatus, Route, Source};
use kyodo_core::permissions::Action;
use kyodo_core::scheme::SchemeSettings;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;

/// An Open311 error: a JSON array of `{code, description}`.
fn error(status: StatusCode, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!([{ "code": status.as_u16(), "description": description.into() }])),
    )
        .into_response()
}

fn from_app(e: AppError) -> Response {
    match e {
        AppError::Invalid(errors) => {
            let text: Vec<String> = errors.errors.iter().map(|e| e.message.clone()).collect();
            error(StatusCode::BAD_REQUEST, text.join("。"))
        }
        other => error(other.status(), other.message()),
    }
}

/// The municipality named by `jurisdiction_id`, if it takes Open311 requests.
async fn jurisdiction(state: &AppState, params: &HashMap<String, String>) -> Result<(i64, SchemeSettings), Response> {
    let code = params.get("jurisdiction_id").map(String::as_str).unwrap_or("");
    let muni = kyodo_store::municipalities::by_code(&state.db, code)
        .await
        .map_err(|e| from_app(e.into()))?
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "jurisdiction_id（全国地方公共団体コード）の自治体がありません",
            )
        })?;
    if !muni.scheme.open311_enabled {
        return Err(error(
            StatusCode::NOT_FOUND,
            "この自治体は外部アプリからの受付（Open311）を受け付けていません",
        ));
    }
    Ok((muni.id, muni.scheme))
}

/// The caller behind `api_key`, in the jurisdiction asked for.
async fn caller(
    state: &AppState,
    request: Request,
    params: &HashMap<String, String>,
    muni: i64,
) -> Result<Caller, Response> {
    let (parts, _) = request.into_parts();
    let key = params.get("api_key").map(String::as_str).unwrap_or("");
    let caller = crate::auth::resolve_token(&parts, state, key)
        .await
        .map_err(from_app)?
        .ok_or_else(|| {
            error(
                StatusCode::UNAUTHORIZED,
                "api_key（kyodo の API トークン）が正しくありません",
            )
        })?;
    if caller.municipality.id != muni {
        return Err(error(
            StatusCode::FORBIDDEN,
            "この api_key はこの自治体のものではありません",
        ));
    }
    Ok(caller)
}

/// The `api_key`'s caller of a GET in its jurisdiction, with the parameters.
async fn signed_in(state: &AppState, request: Request) -> Result<(HashMap<String, String>, Caller), Response> {
    let params = query_params(&request);
    let (muni, _) = jurisdiction(state, &params).await?;
    let caller = caller(state, request, &params, muni).await?;
    Ok((params, caller))
}

fn query_params(request: &Request) -> HashMap<String, String> {
    serde_urlencoded::from_str(request.uri().query().unwrap_or("")).unwrap_or_default()
}

fn service(category: &str) -> Value {
    json!({
        "service_code": category,
        "service_name": category,
        "description": format!("{category}に関する地域の課題・要望"),
        "metadata": true,
        "type": "batch",
        "keywords": "",
        "group": "地域課題",
    })
}

/// `GET /open311/v2/services.json?jurisdiction_id=…`: the issue categories.
pub async fn services(State(state): State<AppState>, request: Request) -> Response {
    let params = query_params(&request);
    match jurisdiction(&state, &params).await {
        Ok((_, scheme)) => Json(scheme.issue_categories.iter().map(|c| service(c)).collect::<Vec<_>>()).into_response(),
        Err(e) => e,
    }
}

/// `GET /open311/v2/services/{code}.json`: the one attribute a request needs, its district.
pub async fn service_definition(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    request: Request,
) -> Response {
    let params = query_params(&request);
    let (muni, scheme) = match jurisdiction(&state, &params).await {
        Ok(j) => j,
        Err(e) => return e,
    };
    let code = file.strip_suffix(".json").unwrap_or(&file);
    if !scheme.issue_categories.iter().any(|c| c == code) {
        return error(StatusCode::NOT_FOUND, "その service_code はありません");
    }
    let areas = match kyodo_store::areas::all(&state.db, muni, false).await {
        Ok(a) => a,
        Err(e) => return from_app(e.into()),
    };
    Json(json!({
        "service_code": code,
        "attributes": [{
            "variable": true,
            "code": "area",
            "datatype": "singlevaluelist",
            "required": true,
            "datatype_description": "地区コード",
            "order": 1,
            "description": "課題のある地区",
            "values": areas.iter().map(|a| json!({"key": a.code, "name": a.name})).collect::<Vec<_>>(),
        }],
    }))
    .into_response()
}

/// `POST /open311/v2/requests.json` (form fields): lands as an issue waiting for sorting.
pub async fn create_request(State(state): State<AppState>, request: Request) -> Response {
    let query = query_params(&request);
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return error(StatusCode::BAD_REQUEST, "本文を読み取れませんでした"),
    };
    let mut params: HashMap<String, String> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    for (k, v) in query {
        params.entry(k).or_insert(v);
    }
    let (muni, scheme) = match jurisdiction(&state, &params).await {
        Ok(j) => j,
        Err(e) => return e,
    };
    let caller = match caller(
        &state,
        Request::from_parts(parts, axum::body::Body::empty()),
        &params,
        muni,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return e,
    };
    let code = params.get("service_code").cloned().unwrap_or_default();
    if !scheme.issue_categories.contains(&code) {
        return error(StatusCode::BAD_REQUEST, "service_code が分類の一覧にありません");
    }
    let area_code = params.get("attribute[area]").cloned().unwrap_or_default();
    let area = match kyodo_store::areas::all(&state.db, muni, false).await {
        Ok(areas) => areas.into_iter().find(|a| a.code == area_code),
        Err(e) => return from_app(e.into()),
    };
    let Some(area) = area else {
        return error(
            StatusCode::BAD_REQUEST,
            "attribute[area] に地区コードを指定してください",
        );
    };
    let description = params.get("description").cloned().unwrap_or_default();
    let title: String = description.lines().next().unwrap_or("").chars().take(40).collect();
    let mut fields = HashMap::from([
        ("kind".to_owned(), "request".to_owned()),
        ("title".to_owned(), title),
        ("body".to_owned(), description),
        ("category".to_owned(), code),
        ("area_id".to_owned(), area.id.to_string()),
        ("source".to_owned(), Source::Open311.key().to_owned()),
        (
            "location".to_owned(),
            params.get("address_string").cloned().unwrap_or_default(),
        ),
        ("latitude".to_owned(), params.get("lat").cloned().unwrap_or_default()),
        ("longitude".to_owned(), params.get("long").cloned().unwrap_or_default()),
    ]);
    if let Some(app) = params.get("device_id").or(params.get("account_id")) {
        fields.insert("source_note".into(), format!("外部アプリ {app}"));
    }
    use crate::editing::Editable;
    match crate::issues::Issues::create(&state, &caller, &fields).await {
        Ok(row) => Json(json!([{
            "service_request_id": row.issue.id.to_string(),
            "service_notice": "受け付けました。地域担当職員が確認します",
        }]))
        .into_response(),
        Err(e) => from_app(e),
    }
}

fn request_json(row: &IssueRow, routes: &[Route]) -> Value {
    let i = &row.issue;
    let mine: Vec<&Route> = routes
        .iter()
        .filter(|r| r.issue_id == i.id && r.is_active() && r.routed_at.is_some())
        .collect();
    let notes: Vec<String> = mine
        .iter()
        .filter_map(|r| r.answer_text.as_ref().map(|t| format!("{}: {t}", r.department_name)))
        .collect();
    let expected = mine.iter().filter_map(|r| r.expected_on).max();
    json!({
        "service_request_id": i.id.to_string(),
        "status": if i.status == IssueStatus::Closed { "closed" } else { "open" },
        "status_notes": notes.join("\n"),
        "service_name": i.category,
        "service_code": i.category,
        "description": i.body,
        "agency_responsible": mine.iter().map(|r| r.department_name.as_str()).collect::<Vec<_>>().join("、"),
        "requested_datetime": i.created_at.to_rfc3339(),
        "updated_datetime": i.updated_at.to_rfc3339(),
        "expected_datetime": expected.map(|d| format!("{d}T17:00:00+09:00")),
        "address": i.location,
        "lat": i.latitude,
        "long": i.longitude,
    })
}

async fn list(state: &AppState, caller: &Caller, q: &IssueQuery) -> Result<Vec<Value>, AppError> {
    caller.require(Action::IssueRead)?;
    let reach = caller.issue_reach(Action::IssueRead);
    let page = kyodo_store::issues::list(&state.db, caller.municipality.id, &reach, q, caller.today).await?;
    let ids: Vec<i64> = page.items.iter().map(|r| r.issue.id).collect();
    let routes = kyodo_store::issues::routes_of(&state.db, caller.municipality.id, &ids).await?;
    Ok(page.items.iter().map(|r| request_json(r, &routes)).collect())
}

/// `GET /open311/v2/requests.json`: the caller's issues, newest first
/// (`status=open|closed`, `service_code`, `service_request_id` comma list).
pub async fn requests(State(state): State<AppState>, request: Request) -> Response {
    let (params, caller) = match signed_in(&state, request).await {
        Ok(s) => s,
        Err(e) => return e,
    };
    let mut q = IssueQuery {
        category: params.get("service_code").cloned(),
        per_page: Some(kyodo_core::listing::MAX_PER_PAGE),
        ..Default::default()
    };
    match params.get("status").map(String::as_str) {
        Some("closed") => q.status = Some(IssueStatus::Closed.key().into()),
        Some("open") => q.open = Some(true),
        _ => {}
    }
    let wanted: Option<Vec<String>> = params
        .get("service_request_id")
        .map(|ids| ids.split(',').map(|s| s.trim().to_owned()).collect());
    match list(&state, &caller, &q).await {
        Ok(items) => {
            let items: Vec<Value> = items
                .into_iter()
                .filter(|v| {
                    wanted
                        .as_ref()
                        .is_none_or(|w| w.iter().any(|id| v["service_request_id"] == id.as_str()))
                })
                .collect();
            Json(items).into_response()
        }
        Err(e) => from_app(e),
    }
}

/// `GET /open311/v2/requests/{id}.json`.
pub async fn request(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    request: Request,
) -> Response {
    let (_, caller) = match signed_in(&state, request).await {
        Ok(s) => s,
        Err(e) => return e,
    };
    let Ok(id) = file.strip_suffix(".json").unwrap_or(&file).parse::<i64>() else {
        return error(StatusCode::NOT_FOUND, "その service_request_id はありません");
    };
    match crate::issues::reachable(&state, &caller, Action::IssueRead, id).await {
        Ok((row, routes)) => Json(vec![request_json(&row, &routes)]).into_response(),
        Err(e) => from_app(e),
    }
}
