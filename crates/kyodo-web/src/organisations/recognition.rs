//! Recognition (認可) on the organisation's page, its printable notice
//! (認可通知書) and the API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use kyodo_core::organisations::OrganisationRow;
use kyodo_core::organisations::recognition::{
    RecognitionAction, RecognitionEvent, RecognitionInput, RecognitionStatus,
};
use kyodo_core::permissions::Action;
use kyodo_store::organisations::recognition as store;

use super::{BASE, Carried, Part, done, reachable};
use crate::AppState;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, FieldKind, FieldSpec, InlineForm, Section};

/// Whether the organisation is one the city recognises.
pub fn applies(caller: &Caller, row: &OrganisationRow) -> bool {
    store::applies_to(&caller.municipality.scheme, &row.organisation.kind)
}

/// The permission a step needs.
fn permission(action: RecognitionAction) -> Action {
    match action {
        RecognitionAction::Apply => Action::RecognitionApply,
        _ => Action::RecognitionDecide,
    }
}

/// The steps the caller may take now.
fn open_steps(caller: &Caller, row: &OrganisationRow) -> Vec<RecognitionAction> {
    let o = &row.organisation;
    if o.archived_at.is_some() {
        return Vec::new();
    }
    RecognitionAction::ALL
        .into_iter()
        .filter(|a| a.allowed_from(o.recognition))
        .filter(|a| caller.reaches_organisation(permission(*a), o.id, o.area_id))
        .collect()
}

fn event_text(e: &RecognitionEvent) -> String {
    match &e.application.0 {
        Some(a) => format!(
            "区域: {}／役員: {}名／記録: {}件／書類: {}",
            if a.areas.is_empty() {
                "—".to_owned()
            } else {
                a.areas.join("・")
            },
            a.officers.len(),
            a.records.len(),
            if a.files.is_empty() {
                "なし".to_owned()
            } else {
                a.files
                    .iter()
                    .map(|f| format!("{}（{}）", f.kind.label(), f.filename))
                    .collect::<Vec<_>>()
                    .join("・")
            }
        ),
        None => pages::opt(&e.comment),
    }
}

/// The recognition section: its steps so far and the form of the next.
pub async fn section(
    state: &AppState,
    caller: &Caller,
    row: &OrganisationRow,
    carried: &mut Option<Carried>,
) -> Result<Section, AppError> {
    let o = &row.organisation;
    let events = store::events(&state.db, caller.municipality.id, o.id).await?;
    let steps = open_steps(caller, row);
    let options = steps
        .iter()
        .map(|a| (a.key().to_owned(), a.label().to_owned()))
        .collect();
    Ok(Section {
        title: "認可の手続".into(),
        personal: false,
        columns: vec!["日", "手続", "認可番号", "内容", "記録者"],
        rows: events
            .iter()
            .map(|e| {
                let day = e
                    .on_date
                    .map_or_else(|| pages::datetime_ja(&e.created_at), |d| pages::date_ja(&d));
                let mut text = event_text(e);
                if e.application.0.is_some()
                    && let Some(c) = &e.comment
                {
                    text = format!("{text}／{c}");
                }
                (
                    vec![
                        Cell::text(day),
                        Cell::text(e.action.label()),
                        Cell::text(pages::opt(&e.number)),
                        Cell::text(text),
                        Cell::text(pages::opt(&e.actor_name)),
                    ],
                    None,
                )
            })
            .collect(),
        empty: "認可の手続はまだありません。設立・活動開始の段階に進み、要件をすべて満たすと申請できます",
        form: (!steps.is_empty()).then(|| InlineForm {
            action: format!("{BASE}/{}/recognition", o.id),
            fields: vec![
                FieldSpec::select("action", "手続", options).required(),
                FieldSpec::date("on", "日付").hint("申請日（空欄なら今日）・認可日・取消日"),
                FieldSpec::text("number", "認可番号").hint("認可のときに入力します。例: 新総政第45号"),
                FieldSpec::text("comment", "コメント")
                    .kind(FieldKind::Textarea)
                    .hint("申請の補足、差戻しの理由（直してほしいこと）、取消の理由"),
            ],
            form: Carried::take(carried, Part::Recognition),
            submit_label: "認可の手続を記録する",
        }),
    })
}

async fn act(state: &AppState, caller: &Caller, id: i64, input: &RecognitionInput) -> Result<(), AppError> {
    let mut input = input.clone();
    if input.action == RecognitionAction::Apply && input.on.is_none() {
        input.on = Some(caller.today);
    }
    let input = &input;
    let row = reachable(state, caller, Action::OrganisationRead, id).await?;
    let o = &row.organisation;
    if !caller.reaches_organisation(permission(input.action), id, o.area_id) {
        return Err(AppError::Forbidden);
    }
    store::act(&state.db, &caller.actor(), &caller.municipality.scheme, id, input).await?;
    Ok(())
}

pub async fn act_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    // A step the caller's role may not take is a 403 before their input is judged.
    let wanted = form
        .0
        .get("action")
        .and_then(|a| RecognitionAction::from_key(a))
        .map_or(Action::RecognitionApply, permission);
    caller.require(wanted)?;
    let result = async {
        let input = RecognitionInput::parse(&pages::form_getter(&form.0))?;
        act(&state, &caller, id, &input).await
    }
    .await;
    done(&state, &caller, id, Part::Recognition, form, result).await
}

#[derive(Template)]
#[template(path = "recognition_notice.html")]
struct NoticePage {
    layout: pages::Layout,
    back_href: String,
    municipality: String,
    section: String,
    organisation: String,
    representative: Option<String>,
    areas: Vec<String>,
    number: String,
    granted_on: String,
    applied_on: Option<String>,
}

/// 認可通知書 (A4), for a recognised body.
pub async fn notice_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let row = reachable(&state, &caller, Action::OrganisationRead, id).await?;
    let o = &row.organisation;
    let (Some(granted_on), Some(number), RecognitionStatus::Granted) =
        (o.approved_on, o.recognition_number.clone(), o.recognition)
    else {
        return Err(AppError::Refused("認可を受けていない団体には認可通知書がありません".into()).into());
    };
    let muni = caller.municipality.id;
    let events = store::events(&state.db, muni, id).await?;
    let applied_on = events
        .iter()
        .rev()
        .find(|e| e.action == RecognitionAction::Apply)
        .and_then(|e| e.on_date)
        .map(|d| pages::date_ja(&d));
    let officers = kyodo_store::organisations::officers(&state.db, muni, id).await?;
    let representative = officers
        .iter()
        .find(|x| x.role == "会長")
        .or(officers.first())
        .map(|x| format!("{}　{}", x.role, x.name));
    let areas = kyodo_store::organisations::establishment::areas(&state.db, muni, id)
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    let page = NoticePage {
        layout: pages::Layout::new(&caller, format!("認可通知書（{}）", o.name), BASE),
        back_href: format!("{BASE}/{id}"),
        municipality: caller.municipality.name.clone(),
        section: caller.municipality.scheme.coordinating_section.clone(),
        organisation: o.name.clone(),
        representative,
        areas,
        number,
        granted_on: pages::date_ja(&granted_on),
        applied_on,
    };
    Ok(pages::render(&page).into_response())
}

// --- API ---

/// A recognition step: `apply` (the body or its liaison), `return`, `grant`
/// (with `on` and `number`), `withdraw` (with `on` and `comment`) by the coordinator.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecognitionBody {
    pub action: RecognitionAction,
    /// 認可日 or 取消日.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<crate::api::types::ApiDate>,
    /// 認可番号, unique in the municipality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 50)]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 4000)]
    pub comment: Option<String>,
}

impl crate::api::ApiBody for RecognitionBody {
    fn action(raw: &serde_json::Value) -> Action {
        match raw.get("action").and_then(serde_json::Value::as_str) {
            Some("apply") | None => Action::RecognitionApply,
            Some(_) => Action::RecognitionDecide,
        }
    }
}

#[utoipa::path(post, path = "/organisations/{id}/recognition", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")), request_body = RecognitionBody,
    responses((status = 200, body = OrganisationRow)))]
pub async fn act_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RecognitionBody>,
) -> ApiResult<Json<OrganisationRow>> {
    let input = RecognitionInput::parse(&pages::form_getter(&crate::api::fields_of(&body)))?;
    act(&state, &caller, id, &input).await?;
    Ok(Json(
        kyodo_store::organisations::get(&state.db, caller.municipality.id, id).await?,
    ))
}

#[utoipa::path(get, path = "/organisations/{id}/recognition", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")),
    responses((status = 200, body = Vec<RecognitionEvent>)))]
pub async fn events_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<RecognitionEvent>>> {
    reachable(&state, &caller, Action::OrganisationRead, id).await?;
    Ok(Json(store::events(&state.db, caller.municipality.id, id).await?))
}
