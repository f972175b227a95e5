//! Answer templates (回答の定型文): a department keeps its usual answers on
//! one page; the answer form offers them.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::accounts::Role;
use kyodo_core::issues::templates::{AnswerTemplate, TemplateInput};
use kyodo_core::permissions::Action;
use kyodo_store::issues::templates as store;

use crate::AppState;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, FieldKind, FieldSpec, FormState, Layout};

pub const PAGE: &str = "/settings/answer-templates";

/// Department staff keep their own department's templates; `None`: every department's.
fn own_department(caller: &Caller) -> Result<Option<i64>, AppError> {
    match caller.role() {
        Role::Department => caller.user.department_id.map(Some).ok_or(AppError::Forbidden),
        _ => Ok(None),
    }
}

/// The templates the answer form offers this caller.
pub async fn offered(state: &AppState, caller: &Caller) -> Result<Vec<AnswerTemplate>, AppError> {
    if !caller.can(Action::IssueAnswer) {
        return Ok(Vec::new());
    }
    Ok(store::list(&state.db, caller.municipality.id, own_department(caller)?).await?)
}

#[derive(Template)]
#[template(path = "answer_templates.html")]
struct TemplatesPage {
    layout: Layout,
    templates: Vec<AnswerTemplate>,
    fields: Vec<FieldSpec>,
    form: FormState,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    form: FormState,
    notice: Option<&str>,
) -> Result<TemplatesPage, AppError> {
    caller.require(Action::AnswerTemplateWrite)?;
    let department = own_department(caller)?;
    let mut fields = Vec::new();
    if department.is_none() {
        let departments = kyodo_store::departments::all(&state.db, caller.municipality.id).await?;
        fields.push(
            FieldSpec::select(
                "department_id",
                "部署",
                pages::options(&departments, |d| d.id.to_string(), |d| d.name.clone()),
            )
            .required(),
        );
    }
    fields.extend([
        FieldSpec::text("title", "件名")
            .required()
            .hint("選ぶときの目印。例: 街灯のLED化"),
        FieldSpec::text("body", "回答文")
            .kind(FieldKind::Textarea)
            .required()
            .hint("地域に公開される回答の文面。選んだあと、案件に合わせて直せます"),
    ]);
    Ok(TemplatesPage {
        layout: Layout::new(caller, "回答の定型文", PAGE).with_notice(notice),
        templates: store::list(&state.db, caller.municipality.id, department).await?,
        fields,
        form,
    })
}

pub async fn page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    crate::api::PageQuery(q): crate::api::PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    let page = render(&state, &caller, FormState::default(), q.notice.as_deref()).await?;
    Ok(pages::render(&page))
}

async fn create(
    state: &AppState,
    caller: &Caller,
    fields: &std::collections::HashMap<String, String>,
) -> Result<i64, AppError> {
    caller.require(Action::AnswerTemplateWrite)?;
    let input = TemplateInput::parse(&pages::form_getter(fields), own_department(caller)?)?;
    Ok(store::create(&state.db, &caller.actor(), &input).await?)
}

pub async fn create_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    match create(&state, &caller, &form.0).await {
        Ok(_) => Ok(Redirect::to(&format!("{PAGE}?notice=created")).into_response()),
        Err(AppError::Invalid(errors)) => {
            let state_form = FormState { values: form.0, errors };
            let page = render(&state, &caller, state_form, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, pages::render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::AnswerTemplateWrite)?;
    store::remove(&state.db, &caller.actor(), id, own_department(&caller)?).await?;
    Ok(Redirect::to(&format!("{PAGE}?notice=deleted")).into_response())
}

/// The answer templates the caller answers with: a department's own, or all for a coordinator.
#[utoipa::path(get, path = "/answer-templates", tag = "issues",
    responses((status = 200, body = [AnswerTemplate])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> ApiResult<Json<Vec<AnswerTemplate>>> {
    caller.require(Action::AnswerTemplateWrite)?;
    Ok(Json(offered(&state, &caller).await?))
}

/// A department's usual answer (回答の定型文).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateCreate {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[schema(min_length = 1, max_length = 4000)]
    pub body: String,
    /// The department it belongs to: a coordinator names one; department staff get their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub department_id: Option<i64>,
}

impl crate::api::ApiBody for TemplateCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::AnswerTemplateWrite
    }
}

/// Adds a template.
#[utoipa::path(post, path = "/answer-templates", tag = "issues", request_body = TemplateCreate,
    responses((status = 201, body = AnswerTemplate)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<TemplateCreate>,
) -> ApiResult<Response> {
    let id = create(&state, &caller, &crate::api::fields_of(&body)).await?;
    let created = store::get(&state.db, caller.municipality.id, id).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(delete, path = "/answer-templates/{id}", tag = "issues", params(("id" = i64, Path, description = "定型文の番号")),
    responses((status = 204, description = "Deleted")))]
pub async fn delete_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Action::AnswerTemplateWrite)?;
    store::remove(&state.db, &caller.actor(), id, own_department(&caller)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
