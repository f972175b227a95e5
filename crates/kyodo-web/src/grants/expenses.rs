//! A grant's expenses (支出) on its page, with their receipts, and in the API.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kyodo_core::grants::grant::{Expense, ExpenseInput, GrantRow};
use kyodo_core::grants::procedure::{ExpenseItem, GrantStatus};
use kyodo_core::permissions::Action;
use kyodo_store::grants::expenses::{self as store, Receipt};
use kyodo_store::grants::procedure::PlanBudget;

use super::procedure::{Part, done, grant_path, reachable};
use super::yen;
use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Carried, Cell, FieldKind, FieldSpec, InlineForm, Section};
use crate::uploads::{self, Source};

const FIELDS: [&str; 6] = ["spent_on", "project_id", "item", "amount", "payee", "note"];

fn open(row: &GrantRow) -> bool {
    matches!(row.grant.status, GrantStatus::Decided | GrantStatus::ChangeApplied)
}

/// The expenses section, with the form while expenses may be recorded.
pub(super) fn section(
    caller: &Caller,
    row: &GrantRow,
    plan: Option<&PlanBudget>,
    spent: &[Expense],
    carried: &mut Option<Carried<Part>>,
) -> Section {
    let id = row.grant.id;
    let project_name = |pid: Option<i64>| {
        pid.and_then(|p| plan.and_then(|plan| plan.projects.iter().find(|(x, _)| *x == p)))
            .map_or_else(|| "（事業外）".to_owned(), |(_, n)| n.clone())
    };
    let may_add = open(row) && caller.reaches_organisation(Action::GrantApply, row.grant.organisation_id, row.area_id);
    let mut projects = vec![(String::new(), "（事業外）".to_owned())];
    projects.extend(
        plan.map(|p| p.projects.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|(pid, name)| (pid.to_string(), name)),
    );
    let total = spent.iter().fold(0i64, |s, e| s.saturating_add(e.amount));
    Section {
        title: format!("支出（計 {}）", yen(total)),
        personal: false,
        columns: vec!["支出日", "事業", "費目", "金額", "支払先", "摘要", "領収書"],
        rows: spent
            .iter()
            .map(|e| {
                (
                    vec![
                        Cell::text(pages::date_ja(&e.spent_on)),
                        Cell::text(project_name(e.project_id)),
                        Cell::text(e.item.label()),
                        Cell::text(yen(e.amount)),
                        Cell::text(e.payee.clone()),
                        Cell::text(pages::opt(&e.note)),
                        match &e.receipt_name {
                            Some(name) => {
                                Cell::link(name.clone(), format!("{}/expenses/{}/receipt", grant_path(id), e.id))
                            }
                            None => Cell::text(""),
                        },
                    ],
                    None,
                )
            })
            .collect(),
        empty: "支出の記録はまだありません。交付決定の後、領収書とともに記録します",
        form: may_add.then(|| InlineForm {
            action: format!("{}/expenses", grant_path(id)),
            fields: vec![
                FieldSpec::date("spent_on", "支出日").required(),
                FieldSpec::select("project_id", "事業", projects),
                FieldSpec::select("item", "費目", ExpenseItem::options()).required(),
                FieldSpec::text("amount", "金額（円）").required(),
                FieldSpec::text("payee", "支払先").required(),
                FieldSpec::text("note", "摘要"),
                FieldSpec::text("file", "領収書")
                    .kind(FieldKind::File)
                    .hint("写真かPDF（任意、10MBまで）"),
            ],
            form: Carried::take(carried, Part::Expense),
            submit_label: "支出を記録する",
        }),
    }
}

pub async fn add_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    request: axum::extract::Request,
) -> PageResult<Response> {
    // Checked before the body is read: a caller who may not record hears 403.
    reachable(&state, &caller, Action::GrantApply, id).await?;
    let upload = uploads::read(&state, request, Source::Page, &FIELDS).await?;
    caller.check_csrf(upload.csrf.as_deref())?;
    let fields = FormFields(upload.fields.clone());
    let result = async {
        let input = ExpenseInput::parse(&pages::form_getter(&upload.fields));
        let receipt = if upload.content.is_empty() {
            Ok(None)
        } else {
            uploads::checked(&upload).map(|(content_type, filename)| Some((content_type, filename)))
        };
        let (input, receipt) = match (input, receipt) {
            (Ok(input), Ok(receipt)) => (input, receipt),
            (input, receipt) => {
                let mut errors = input.err().unwrap_or_default();
                if let Err(AppError::Invalid(more)) = receipt {
                    errors.errors.extend(more.errors);
                }
                return Err(AppError::Invalid(errors));
            }
        };
        let receipt = receipt.map(|(content_type, filename)| Receipt {
            filename,
            content_type: content_type.to_owned(),
            content: upload.content,
        });
        store::add(&state.db, &caller.actor(), id, &input, receipt).await?;
        Ok(())
    }
    .await;
    done(&state, &caller, id, Part::Expense, fields, result).await
}

pub async fn receipt_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, expense_id)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    reachable(&state, &caller, Action::GrantRead, id).await?;
    let (name, content_type, bytes) = store::receipt(&state.db, caller.municipality.id, id, expense_id).await?;
    Ok(uploads::file_response(content_type, &name, bytes))
}

// --- API ---

#[utoipa::path(get, path = "/grants/{id}/expenses", tag = "grants",
    params(("id" = i64, Path, description = "交付金（団体・年度）の番号")),
    responses((status = 200, body = [Expense])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Expense>>> {
    reachable(&state, &caller, Action::GrantRead, id).await?;
    Ok(Json(store::list(&state.db, caller.municipality.id, id).await?))
}

/// An expense paid from the grant (receipts are attached on the page).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpenseBody {
    pub spent_on: ApiDate,
    /// A project of the adopted 年度計画; left out: outside any project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    pub item: ExpenseItem,
    #[schema(minimum = 1, maximum = 100_000_000_000_i64)]
    pub amount: i64,
    /// 支払先.
    #[schema(min_length = 1, max_length = 200)]
    pub payee: String,
    /// 摘要.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for ExpenseBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::GrantApply
    }
}

#[utoipa::path(post, path = "/grants/{id}/expenses", tag = "grants",
    params(("id" = i64, Path, description = "交付金（団体・年度）の番号")), request_body = ExpenseBody,
    responses((status = 201, body = Expense)))]
pub async fn add_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ExpenseBody>,
) -> ApiResult<(StatusCode, Json<Expense>)> {
    reachable(&state, &caller, Action::GrantApply, id).await?;
    let fields = crate::api::fields_of(&body);
    let input = ExpenseInput::parse(&|k| fields.get(k).cloned()).map_err(AppError::Invalid)?;
    let added = store::add(&state.db, &caller.actor(), id, &input, None).await?;
    Ok((StatusCode::CREATED, Json(added)))
}
