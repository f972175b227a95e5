//! Handovers (引継ぎ): the list (the coordinator sees those not completed),
//! the dossier with its checklist (printable), ticking items, the
//! predecessor's note, and each side's sign-off; and the API.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::appointments::position_name;
use kyodo_core::handovers::{Dossier, Handover, ItemKind, Party, sign_refusal};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::wareki::{format_date_wareki, iso_date};
use kyodo_store::handovers::{self as store, Reach};

use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, ApiQuery, FormFields, PagePath, PageQuery};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, Layout, RecordsPage, Table};

pub const BASE: &str = "/handovers";

fn reach(caller: &Caller, action: Action) -> Result<Reach, AppError> {
    Ok(match caller.require(action)? {
        Scope::Municipality => Reach::All,
        _ => Reach::Party(caller.user.staff_id),
    })
}

/// The handover, if the caller is one of its sides or the coordinator.
async fn fetch(state: &AppState, caller: &Caller, id: i64, action: Action) -> Result<Handover, AppError> {
    let reach = reach(caller, action)?;
    let h = store::get(&state.db, caller.municipality.id, id).await?;
    match reach {
        Reach::All => Ok(h),
        Reach::Party(_) if h.party_of(caller.user.staff_id).is_some() => Ok(h),
        Reach::Party(_) => Err(AppError::Forbidden),
    }
}

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandoverQuery {
    /// `true` lists completed handovers too; by default only those still open.
    pub all: Option<bool>,
}

async fn list(state: &AppState, caller: &Caller, q: &HandoverQuery) -> Result<Vec<Handover>, AppError> {
    let reach = reach(caller, Action::HandoverRead)?;
    Ok(store::list(&state.db, caller.municipality.id, reach, !q.all.unwrap_or(false)).await?)
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<HandoverQuery>,
) -> PageResult<Response> {
    let rows = list(&state, &caller, &q).await?;
    let scheme = &caller.municipality.scheme;
    let all = q.all.unwrap_or(false);
    let page = RecordsPage {
        layout: Layout::new(&caller, "引継ぎ", BASE),
        heading: if all {
            "引継ぎ（すべて）"
        } else {
            "完了していない引継ぎ"
        }
        .into(),
        intro: "後任者が任命されると、前任者からの引継ぎが始まります。確認項目を済ませ、2人とも確認すると完了です。"
            .into(),
        base_path: BASE.into(),
        links: vec![if all {
            ("完了していないものだけ".to_owned(), BASE.to_owned(), false)
        } else {
            ("完了したものも表示".to_owned(), format!("{BASE}?all=true"), false)
        }],
        filters: Vec::new(),
        tables: vec![Table {
            title: String::new(),
            columns: ["地区", "職", "前任者", "後任者", "後任者の就任日", "状態"]
                .map(String::from)
                .to_vec(),
            rows: rows
                .iter()
                .map(|h| {
                    let late = !h.is_complete() && h.successor_first_day <= caller.today;
                    vec![
                        Cell::link(&h.area_name, format!("{BASE}/{}", h.id)),
                        Cell::text(position_name(scheme, &h.position_key)),
                        Cell::text(&h.predecessor_name),
                        Cell::text(&h.successor_name),
                        Cell::text(format_date_wareki(h.successor_first_day)),
                        Cell::text(h.state_label()).tagged(late.then_some("要確認")),
                    ]
                })
                .collect(),
            empty: "該当する引継ぎはありません。",
            phone: &[],
        }],
        printable: true,
    };
    Ok(pages::render(&page))
}

/// One checklist line as the page shows it.
struct CheckRow {
    kind: &'static str,
    ref_id: i64,
    label: String,
    done: bool,
    done_on: String,
    by: String,
}

#[derive(Template)]
#[template(path = "handover.html")]
struct DossierView {
    layout: Layout,
    d: Dossier,
    position: String,
    predecessor_until: String,
    successor_from: String,
    predecessor_signed: String,
    successor_signed: String,
    checks: Vec<CheckRow>,
    received: Vec<String>,
    held: Vec<String>,
    activity_hours: Vec<String>,
    today: String,
    party: Option<Party>,
    can_write: bool,
    can_sign: bool,
    can_note: bool,
    error: Option<String>,
}

async fn dossier(state: &AppState, caller: &Caller, id: i64) -> Result<Dossier, AppError> {
    let h = fetch(state, caller, id, Action::HandoverRead).await?;
    Ok(store::dossier(&state.db, &caller.actor(), h, caller.today).await?)
}

fn signed_text(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map_or_else(|| "未確認".to_owned(), |t| pages::datetime_ja(&t))
}

async fn view(state: &AppState, caller: &Caller, id: i64, error: Option<String>) -> Result<DossierView, AppError> {
    let d = dossier(state, caller, id).await?;
    let h = &d.handover;
    let party = h.party_of(caller.user.staff_id);
    let can_write = caller.can(Action::HandoverWrite);
    let checks = d
        .checklist
        .iter()
        .map(|i| CheckRow {
            kind: i.kind.key(),
            ref_id: i.ref_id,
            label: i.label.clone(),
            done: i.done_on.is_some(),
            done_on: i.done_on.map(format_date_wareki).unwrap_or_default(),
            by: [i.done_by.clone(), i.note.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("："),
        })
        .collect();
    Ok(DossierView {
        layout: Layout::new(caller, format!("{}の引継ぎ", h.area_name), BASE),
        position: position_name(&caller.municipality.scheme, &h.position_key).to_owned(),
        predecessor_until: format_date_wareki(h.predecessor_last_day),
        successor_from: format_date_wareki(h.successor_first_day),
        predecessor_signed: signed_text(h.predecessor_signed_at),
        successor_signed: signed_text(h.successor_signed_at),
        checks,
        received: d
            .open_issues
            .iter()
            .map(|i| format_date_wareki(i.received_on))
            .collect(),
        held: d.meetings.iter().map(|m| format_date_wareki(m.held_on)).collect(),
        activity_hours: d
            .activity
            .iter()
            .map(|a| kyodo_core::activities::hours(a.minutes))
            .collect(),
        today: iso_date(Some(caller.today)),
        can_sign: can_write && party.is_some_and(|p| h.signed(p).is_none()),
        can_note: can_write
            && (party == Some(Party::Predecessor) || caller.scope(Action::HandoverWrite) == Scope::Municipality),
        party,
        can_write,
        error,
        d,
    })
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    Ok(pages::render(&view(&state, &caller, id, None).await?))
}

fn item_of(fields: &HashMap<String, String>) -> Result<(ItemKind, i64), AppError> {
    let kind = fields
        .get("kind")
        .and_then(|k| ItemKind::parse(k))
        .ok_or_else(|| AppError::BadRequest("確認項目の種類が正しくありません".into()))?;
    let ref_id = fields
        .get("ref_id")
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .map_or(Ok(0), str::parse::<i64>)
        .map_err(|_| AppError::BadRequest("確認項目の指定が正しくありません".into()))?;
    Ok((kind, ref_id))
}

async fn tick(state: &AppState, caller: &Caller, id: i64, fields: &HashMap<String, String>) -> Result<(), AppError> {
    fetch(state, caller, id, Action::HandoverWrite).await?;
    let (kind, ref_id) = item_of(fields)?;
    // Parsed before any await: the field reader is not Send.
    let (done_on, note) = {
        let get = pages::form_getter(fields);
        let mut f = kyodo_core::validation::Fields::new(&get);
        let done_on = f.date("done_on", "済んだ日", false).unwrap_or(caller.today);
        let note = f.optional("note", "メモ", 200);
        if done_on > caller.today {
            f.errors.add("done_on", "済んだ日に先の日付は入力できません");
        }
        f.finish((done_on, note))?
    };
    store::tick(&state.db, &caller.actor(), id, kind, ref_id, done_on, note.as_deref()).await?;
    Ok(())
}

async fn sign(state: &AppState, caller: &Caller, id: i64) -> Result<(), AppError> {
    let h = fetch(state, caller, id, Action::HandoverWrite).await?;
    let party = h
        .party_of(caller.user.staff_id)
        .ok_or_else(|| AppError::Refused("引継ぎの完了を確認できるのは前任者と後任者だけです".into()))?;
    let items = store::checklist_of(&state.db, caller.municipality.id, &h).await?;
    if let Some(reason) = sign_refusal(&h, &items, party) {
        return Err(AppError::Refused(reason));
    }
    store::sign(&state.db, &caller.actor(), id, party).await?;
    Ok(())
}

async fn set_note(
    state: &AppState,
    caller: &Caller,
    id: i64,
    fields: &HashMap<String, String>,
) -> Result<(), AppError> {
    let h = fetch(state, caller, id, Action::HandoverWrite).await?;
    let coordinator = caller.scope(Action::HandoverWrite) == Scope::Municipality;
    if !coordinator && h.party_of(caller.user.staff_id) != Some(Party::Predecessor) {
        return Err(AppError::Refused("引継ぎメモを書けるのは前任者です".into()));
    }
    let note = {
        let get = pages::form_getter(fields);
        let mut f = kyodo_core::validation::Fields::new(&get);
        let note = f.text("note", "引継ぎメモ", 10_000, false);
        f.finish(note)?
    };
    store::set_note(&state.db, &caller.actor(), id, note.as_deref()).await?;
    Ok(())
}

/// After a POST: back to the sheet, or the sheet again with the reason it was refused.
async fn after(
    state: &AppState,
    caller: &Caller,
    id: i64,
    result: Result<(), AppError>,
    notice: &str,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{BASE}/{id}?notice={notice}")).into_response()),
        Err(AppError::Refused(reason)) => {
            let v = view(state, caller, id, Some(reason)).await?;
            Ok((axum::http::StatusCode::CONFLICT, pages::render(&v)).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let v = view(state, caller, id, Some(errors.to_string())).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, pages::render(&v)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn tick_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let r = tick(&state, &caller, id, &form.0).await;
    after(&state, &caller, id, r, "saved").await
}

pub async fn untick_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let r = async {
        fetch(&state, &caller, id, Action::HandoverWrite).await?;
        let (kind, ref_id) = item_of(&form.0)?;
        Ok(store::untick(&state.db, &caller.actor(), id, kind, ref_id).await?)
    }
    .await;
    after(&state, &caller, id, r, "saved").await
}

pub async fn sign_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let r = sign(&state, &caller, id).await;
    after(&state, &caller, id, r, "signed").await
}

pub async fn note_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let r = set_note(&state, &caller, id, &form.0).await;
    after(&state, &caller, id, r, "saved").await
}

/// Handovers in reach: the coordinator's all, a liaison's own; `all=true` adds completed ones.
#[utoipa::path(get, path = "/handovers", tag = "handovers", params(HandoverQuery),
    responses((status = 200, body = [Handover])))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<HandoverQuery>,
) -> ApiResult<Json<Vec<Handover>>> {
    Ok(Json(list(&state, &caller, &q).await?))
}

/// The dossier and checklist. It includes key people's contacts: the read is audited.
#[utoipa::path(get, path = "/handovers/{id}", tag = "handovers", params(("id" = i64, Path, description = "引継ぎの番号")),
    responses((status = 200, body = Dossier)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Dossier>> {
    Ok(Json(dossier(&state, &caller, id).await?))
}

/// A checklist item done (引継ぎの確認項目).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverTick {
    pub kind: ItemKind,
    /// The key person introduced, for `introduce`; 0 (or none) for the other items, as the dossier lists them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub ref_id: Option<i64>,
    /// 済んだ日: today when not sent, never in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<ApiDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub note: Option<String>,
}

impl crate::api::ApiBody for HandoverTick {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::HandoverWrite
    }
}

/// Ticks a checklist item.
#[utoipa::path(post, path = "/handovers/{id}/tick", tag = "handovers", params(("id" = i64, Path, description = "引継ぎの番号")),
    request_body = HandoverTick, responses((status = 200, body = Dossier)))]
pub async fn tick_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<HandoverTick>,
) -> ApiResult<Json<Dossier>> {
    tick(&state, &caller, id, &crate::api::fields_of(&body)).await?;
    Ok(Json(dossier(&state, &caller, id).await?))
}

/// Signs the handover off as the caller's side; refused (409) while items remain.
#[utoipa::path(post, path = "/handovers/{id}/sign", tag = "handovers", params(("id" = i64, Path, description = "引継ぎの番号")),
    responses((status = 200, body = Dossier)))]
pub async fn sign_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Dossier>> {
    sign(&state, &caller, id).await?;
    Ok(Json(dossier(&state, &caller, id).await?))
}
