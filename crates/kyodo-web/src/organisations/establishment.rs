//! The way to becoming a 地域運営組織 on the organisation's page and in the
//! API: stages and their requirements, dated records, the area (区域), the
//! inventory of existing groups (既存組織の整理統合) and the stage history.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use kyodo_core::areas::Area;
use kyodo_core::organisations::establishment::{
    self as rules, Disposition, EstablishmentRecord, ExistingGroup, ExistingGroupInput, HeldArea, Progress,
    RecordInput, Requirement, StageEvent, StageMove,
};
use kyodo_core::organisations::{Organisation, OrganisationRow};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::validation::FieldErrors;
use kyodo_store::organisations::establishment as store;

use super::{BASE, Carried, Part, done, reachable};
use crate::AppState;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, ActionButton, Cell, FieldKind, FieldSpec, FormPage, FormState, InlineForm, Section};

/// Whether the organisation goes the establishment way in this scheme.
pub fn applies(caller: &Caller, o: &Organisation) -> bool {
    caller.municipality.scheme.area_body_kind.as_deref() == Some(o.kind.as_str())
}

/// The areas the caller may put in the body's 区域: any for the
/// coordinator; a liaison's own districts; for the body itself, its own
/// district and what lies below it (across 地域, the city arranges it).
fn area_reach(caller: &Caller, all: &[Area], o: &Organisation) -> Vec<i64> {
    match (caller.scope(Action::EstablishmentWrite), caller.role()) {
        (Scope::Municipality, _) => all.iter().map(|a| a.id).collect(),
        (_, kyodo_core::accounts::Role::Liaison) => caller.served_areas.clone(),
        _ => o
            .area_id
            .map(|a| kyodo_core::areas::subtree(all, a))
            .unwrap_or_default(),
    }
}

/// The organisations that may be listed as existing groups: those in the
/// body's district and 区域, other than itself.
fn group_sources(all_areas: &[Area], held: &[HeldArea], o: &Organisation, orgs: &[Organisation]) -> Vec<(i64, String)> {
    let mut areas: Vec<i64> = o
        .area_id
        .map(|a| kyodo_core::areas::subtree(all_areas, a))
        .unwrap_or_default();
    for h in held {
        areas.extend(kyodo_core::areas::subtree(all_areas, h.area_id));
    }
    orgs.iter()
        .filter(|x| x.id != o.id && x.area_id.is_some_and(|a| areas.contains(&a)))
        .map(|x| (x.id, x.name.clone()))
        .collect()
}

fn requirement_text(requires: &[Requirement], progress: &Progress) -> String {
    requires
        .iter()
        .map(|r| format!("{}{}", if progress.met(*r) { "✓" } else { "□" }, r.label()))
        .collect::<Vec<_>>()
        .join("　")
}

fn group_fields(sources: &[(i64, String)]) -> Vec<FieldSpec> {
    let dispositions = Disposition::ALL
        .iter()
        .map(|d| (d.key().to_owned(), d.label().to_owned()))
        .collect();
    vec![
        FieldSpec::text("name", "団体名").required(),
        FieldSpec::text("group_kind", "種類").hint("例: 地域振興会、自治会、老人クラブ、PTA"),
        FieldSpec::text("role", "役割・機能").kind(FieldKind::Textarea),
        FieldSpec::select("disposition", "整理の方針", dispositions),
        FieldSpec::date("decided_on", "決定日"),
        FieldSpec::select(
            "source_organisation_id",
            "登録済みの団体",
            pages::options(sources, |(id, _)| id.to_string(), |(_, n)| n.clone()),
        )
        .hint("統合すると、その団体はアーカイブされ、この団体が後継になります"),
        FieldSpec::text(
            "is_parent",
            "母体として移行する（役員・キーパーソン・未完了の課題を引き継ぐ）",
        )
        .kind(FieldKind::Checkbox),
    ]
}

/// The page's sections for the way, in the order a reader follows it.
pub async fn sections(
    state: &AppState,
    caller: &Caller,
    row: &OrganisationRow,
    carried: &mut Option<Carried>,
) -> Result<Vec<Section>, AppError> {
    let o = &row.organisation;
    let muni = caller.municipality.id;
    let scheme = &caller.municipality.scheme;
    let id = o.id;
    let write = caller.reaches_organisation(Action::EstablishmentWrite, id, o.area_id) && o.archived_at.is_none();
    let progress = store::progress_of(&state.db, muni, id).await?;
    let records = store::records(&state.db, muni, id).await?;
    let held = store::areas(&state.db, muni, id).await?;
    let groups = store::groups(&state.db, muni, id).await?;
    let history = store::stage_events(&state.db, muni, id).await?;
    let all_areas = kyodo_store::areas::all(&state.db, muni, false).await?;
    let orgs = kyodo_store::organisations::all(&state.db, muni).await?;
    let mut form = |part| Carried::take(carried, part);

    let current = o
        .stage
        .as_deref()
        .and_then(|s| scheme.lifecycle_stages.iter().position(|x| x == s));
    let stage_rows = scheme
        .lifecycle_stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let state = match current {
                Some(c) if c == i => "現在の段階",
                Some(c) if c > i => "済",
                _ => "",
            };
            let requires = rules::requirements(scheme, stage);
            (
                vec![
                    Cell::text(stage.clone()),
                    Cell::text(state),
                    Cell::text(requirement_text(requires, &progress)),
                ],
                None,
            )
        })
        .collect();
    let stage_options = scheme.lifecycle_stages.iter().map(|s| (s.clone(), s.clone())).collect();
    let mut out = vec![Section {
        title: "設立までの段階".into(),
        personal: false,
        columns: vec!["段階", "状態", "この段階で済ませること"],
        rows: stage_rows,
        empty: "段階が設定されていません",
        form: write.then(|| InlineForm {
            action: format!("{BASE}/{id}/stage"),
            fields: vec![
                FieldSpec::select("stage", "変更後の段階", stage_options).required(),
                FieldSpec::text("reason", "理由")
                    .kind(FieldKind::Textarea)
                    .hint("段階を戻すときは必ず入力します"),
            ],
            form: form(Part::Stage),
            submit_label: "段階を変更する",
        }),
    }];

    let kinds = Requirement::records()
        .map(|r| (r.key().to_owned(), r.label().to_owned()))
        .collect();
    out.push(Section {
        title: "設立までの記録".into(),
        personal: false,
        columns: vec!["日付", "記録", "内容", "記録者"],
        rows: records
            .iter()
            .map(|r| {
                let button = write.then(|| ActionButton {
                    action: format!("{BASE}/{id}/records/{}/delete", r.id),
                    label: "削除",
                    danger: true,
                });
                (
                    vec![
                        Cell::text(pages::date_ja(&r.held_on)),
                        Cell::text(r.kind.label()),
                        Cell::text(pages::opt(&r.note)),
                        Cell::text(pages::opt(&r.recorded_by)),
                    ],
                    button,
                )
            })
            .collect(),
        empty: "記録はまだありません（説明会・学習会、設立準備会、ワークショップ…を開いたら記録します）",
        form: write.then(|| InlineForm {
            action: format!("{BASE}/{id}/records"),
            fields: vec![
                FieldSpec::select("kind", "記録の種類", kinds).required(),
                FieldSpec::date("held_on", "日付").required(),
                FieldSpec::text("note", "内容")
                    .kind(FieldKind::Textarea)
                    .hint("参加者、決まったこと、議事録や資料の保管場所など"),
            ],
            form: form(Part::Record),
            submit_label: "記録を追加する",
        }),
    });

    let reach = area_reach(caller, &all_areas, o);
    let area_options: Vec<(String, String)> = all_areas
        .iter()
        .filter(|a| reach.contains(&a.id) && !held.iter().any(|h| h.area_id == a.id))
        .map(|a| (a.id.to_string(), a.name.clone()))
        .collect();
    out.push(Section {
        title: "区域".into(),
        personal: false,
        columns: vec!["地区コード", "地区", "上位の地区"],
        rows: held
            .iter()
            .map(|h| {
                let button = write.then(|| ActionButton {
                    action: format!("{BASE}/{id}/areas/{}/delete", h.area_id),
                    label: "区域から外す",
                    danger: true,
                });
                (
                    vec![
                        Cell::text(h.code.clone()),
                        Cell::link(h.name.clone(), format!("/areas/{}", h.area_id)),
                        Cell::text(pages::opt(&h.parent_name)),
                    ],
                    button,
                )
            })
            .collect(),
        empty: "区域はまだ決まっていません",
        form: write.then(|| InlineForm {
            action: format!("{BASE}/{id}/areas"),
            fields: vec![
                FieldSpec::select(
                    "area_id",
                    "地区",
                    pages::options(&area_options, |(v, _)| v.clone(), |(_, l)| l.clone()),
                )
                .required()
                .hint("1つの地区は、1つの団体の区域にしかなれません"),
            ],
            form: form(Part::Area),
            submit_label: "区域に加える",
        }),
    });

    let sources = group_sources(&all_areas, &held, o, &orgs);
    let source_ids: Vec<i64> = groups.iter().filter_map(|g| g.source_organisation_id).collect();
    let source_names = kyodo_store::organisations::names(&state.db, muni, &source_ids).await?;
    let name_of = |oid: i64| {
        source_names
            .iter()
            .find(|(x, _)| *x == oid)
            .map_or_else(|| format!("#{oid}"), |(_, n)| n.clone())
    };
    out.push(Section {
        title: "既存組織の整理".into(),
        personal: false,
        columns: vec!["団体名", "種類", "役割・機能", "整理の方針", "決定日", "登録済みの団体"],
        rows: groups
            .iter()
            .map(|g| {
                let button = (write && g.merged_at.is_none()).then(|| ActionButton {
                    action: format!("{BASE}/{id}/groups/{}/delete", g.id),
                    label: "削除",
                    danger: true,
                });
                let name = if write && g.merged_at.is_none() {
                    Cell::link(g.name.clone(), format!("{BASE}/{id}/groups/{}/edit", g.id))
                } else {
                    Cell::text(g.name.clone())
                };
                let mut disposition = g.disposition.label().to_owned();
                if g.is_parent {
                    disposition.push_str("・母体");
                }
                if g.merged_at.is_some() {
                    disposition.push_str("（統合済み）");
                }
                let source = match g.source_organisation_id {
                    Some(s) => Cell::link(name_of(s), format!("{BASE}/{s}")),
                    None => Cell::text(""),
                };
                (
                    vec![
                        name,
                        Cell::text(pages::opt(&g.group_kind)),
                        Cell::text(pages::opt(&g.role)),
                        Cell::text(disposition),
                        Cell::text(pages::opt_date_ja(&g.decided_on)),
                        source,
                    ],
                    button,
                )
            })
            .collect(),
        empty: "区域の既存組織（地域振興会、自治会、老人クラブ、PTA…）はまだ登録されていません",
        form: write.then(|| InlineForm {
            action: format!("{BASE}/{id}/groups"),
            fields: group_fields(&sources),
            form: form(Part::Group),
            submit_label: "既存組織を追加する",
        }),
    });

    out.push(Section {
        title: "段階の履歴".into(),
        personal: false,
        columns: vec!["日時", "変更", "理由", "記録者"],
        rows: history
            .iter()
            .map(|e| {
                let change = match &e.from_stage {
                    Some(from) => format!("{from} → {}", e.to_stage),
                    None => format!("→ {}", e.to_stage),
                };
                (
                    vec![
                        Cell::text(pages::datetime_ja(&e.created_at)),
                        Cell::text(change),
                        Cell::text(pages::opt(&e.reason)),
                        Cell::text(pages::opt(&e.actor_name)),
                    ],
                    None,
                )
            })
            .collect(),
        empty: "段階の変更はまだありません",
        form: None,
    });
    Ok(out)
}

/// The organisation, if the caller may work on its way.
async fn writable(state: &AppState, caller: &Caller, id: i64) -> Result<OrganisationRow, AppError> {
    let row = reachable(state, caller, Action::EstablishmentWrite, id).await?;
    if !applies(caller, &row.organisation) {
        return Err(AppError::Refused(format!(
            "種別「{}」の団体には設立までの段階・区域・既存組織の整理がありません",
            row.organisation.kind
        )));
    }
    Ok(row)
}

pub async fn move_stage_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let result = async {
        writable(&state, &caller, id).await?;
        let input = StageMove::parse(&pages::form_getter(&form.0), &caller.municipality.scheme)?;
        store::move_stage(
            &state.db,
            &caller.actor(),
            &caller.municipality.scheme,
            id,
            None,
            &input,
        )
        .await?;
        Ok(())
    }
    .await;
    done(&state, &caller, id, Part::Stage, form, result).await
}

pub async fn add_record_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let result = async {
        writable(&state, &caller, id).await?;
        let input = RecordInput::parse(&pages::form_getter(&form.0))?;
        store::add_record(&state.db, &caller.actor(), id, &input).await?;
        Ok(())
    }
    .await;
    done(&state, &caller, id, Part::Record, form, result).await
}

pub async fn remove_record_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, record)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    writable(&state, &caller, id).await?;
    store::remove_record(&state.db, &caller.actor(), id, record).await?;
    Ok(super::redirect_to(id, "deleted"))
}

/// Adds an area within the caller's reach to the body's 区域.
async fn add_area(
    state: &AppState,
    caller: &Caller,
    id: i64,
    fields: &HashMap<String, String>,
) -> Result<(), AppError> {
    let row = writable(state, caller, id).await?;
    let area_id = {
        let get = pages::form_getter(fields);
        let mut f = kyodo_core::validation::Fields::new(&get);
        let area_id = f.id("area_id", "地区", true);
        f.finish(area_id)?.unwrap_or_default()
    };
    let all = kyodo_store::areas::all(&state.db, caller.municipality.id, false).await?;
    if !area_reach(caller, &all, &row.organisation).contains(&area_id) {
        return Err(AppError::Invalid(FieldErrors::single(
            "area_id",
            "この地区を区域に加えることはできません（担当の範囲外です。地域をまたぐ区域は制度所管課が登録します）",
        )));
    }
    store::add_area(&state.db, &caller.actor(), id, area_id).await?;
    Ok(())
}

pub async fn add_area_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let result = add_area(&state, &caller, id, &form.0).await;
    done(&state, &caller, id, Part::Area, form, result).await
}

pub async fn remove_area_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, area)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    writable(&state, &caller, id).await?;
    store::remove_area(&state.db, &caller.actor(), id, area).await?;
    Ok(super::redirect_to(id, "deleted"))
}

/// Reads an inventory line, holding a registered source to those listed for the body.
async fn group_input(
    state: &AppState,
    caller: &Caller,
    row: &OrganisationRow,
    fields: &HashMap<String, String>,
) -> Result<ExistingGroupInput, AppError> {
    let input = ExistingGroupInput::parse(&pages::form_getter(fields))?;
    if let Some(source) = input.source_organisation_id
        && caller.scope(Action::EstablishmentWrite) != Scope::Municipality
    {
        let muni = caller.municipality.id;
        let all = kyodo_store::areas::all(&state.db, muni, false).await?;
        let held = store::areas(&state.db, muni, row.organisation.id).await?;
        let orgs = kyodo_store::organisations::all(&state.db, muni).await?;
        if !group_sources(&all, &held, &row.organisation, &orgs)
            .iter()
            .any(|(s, _)| *s == source)
        {
            return Err(AppError::Invalid(FieldErrors::single(
                "source_organisation_id",
                "区域の外の団体は選べません",
            )));
        }
    }
    Ok(input)
}

pub async fn add_group_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let result = async {
        let row = writable(&state, &caller, id).await?;
        let input = group_input(&state, &caller, &row, &form.0).await?;
        store::add_group(&state.db, &caller.actor(), id, &input).await?;
        Ok(())
    }
    .await;
    done(&state, &caller, id, Part::Group, form, result).await
}

fn group_values(g: &ExistingGroup) -> HashMap<String, String> {
    let mut v = HashMap::from([
        ("name".to_owned(), g.name.clone()),
        ("group_kind".to_owned(), pages::opt(&g.group_kind)),
        ("role".to_owned(), pages::opt(&g.role)),
        ("disposition".to_owned(), g.disposition.key().to_owned()),
        ("decided_on".to_owned(), kyodo_core::wareki::iso_date(g.decided_on)),
        (
            "source_organisation_id".to_owned(),
            g.source_organisation_id.map(|s| s.to_string()).unwrap_or_default(),
        ),
    ]);
    if g.is_parent {
        v.insert("is_parent".into(), "true".into());
    }
    v
}

async fn group_form(
    state: &AppState,
    caller: &Caller,
    row: &OrganisationRow,
    group: i64,
    form: FormState,
) -> Result<FormPage, AppError> {
    let muni = caller.municipality.id;
    let all = kyodo_store::areas::all(&state.db, muni, false).await?;
    let held = store::areas(&state.db, muni, row.organisation.id).await?;
    let orgs = kyodo_store::organisations::all(&state.db, muni).await?;
    let sources = group_sources(&all, &held, &row.organisation, &orgs);
    Ok(super::child_form(
        caller,
        row,
        "既存組織",
        "「統合」にして登録済みの団体を選ぶと、保存したときにその団体はアーカイブされ、この団体が後継になります。",
        format!("groups/{group}"),
        group_fields(&sources),
        form,
    ))
}

pub async fn edit_group_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, group)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    let row = writable(&state, &caller, id).await?;
    let g = store::group(&state.db, caller.municipality.id, id, group).await?;
    let page = group_form(&state, &caller, &row, group, FormState::new(group_values(&g))).await?;
    Ok(axum::response::IntoResponse::into_response(pages::render(&page)))
}

pub async fn update_group_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, group)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let row = writable(&state, &caller, id).await?;
    let result = async {
        let input = group_input(&state, &caller, &row, &form.0).await?;
        store::update_group(&state.db, &caller.actor(), id, group, &input).await?;
        Ok::<(), AppError>(())
    }
    .await;
    match result {
        Ok(()) => Ok(super::redirect_to(id, "saved")),
        Err(e) => {
            let mut f = FormState::new(form.0);
            f.errors = super::field_errors(e)?;
            let page = group_form(&state, &caller, &row, group, f).await?;
            Ok(axum::response::IntoResponse::into_response((
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                pages::render(&page),
            )))
        }
    }
}

pub async fn remove_group_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, group)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    writable(&state, &caller, id).await?;
    store::remove_group(&state.db, &caller.actor(), id, group).await?;
    Ok(super::redirect_to(id, "deleted"))
}

// --- API ---

/// A stage move: forward when every requirement of the stages before it
/// is met (otherwise 422 listing each unmet one), back with a `reason`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageMoveBody {
    /// The target stage: one of the scheme's `lifecycle_stages`.
    #[schema(min_length = 1, max_length = 100)]
    pub stage: String,
    /// Why; required to go back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
    /// The organisation's version read; a newer one is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for StageMoveBody {
    fn action(_: &serde_json::Value) -> Action {
        Action::EstablishmentWrite
    }
}

#[utoipa::path(post, path = "/organisations/{id}/stage", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")), request_body = StageMoveBody,
    responses((status = 200, body = OrganisationRow)))]
pub async fn move_stage_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<StageMoveBody>,
) -> ApiResult<Json<OrganisationRow>> {
    writable(&state, &caller, id).await?;
    let input = StageMove::parse(
        &pages::form_getter(&crate::api::fields_of(&body)),
        &caller.municipality.scheme,
    )?;
    store::move_stage(
        &state.db,
        &caller.actor(),
        &caller.municipality.scheme,
        id,
        body.version,
        &input,
    )
    .await?;
    Ok(Json(
        kyodo_store::organisations::get(&state.db, caller.municipality.id, id).await?,
    ))
}

/// A stage with what it asks and whether each is done.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StageView {
    pub stage: String,
    pub current: bool,
    pub requirements: Vec<RequirementView>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RequirementView {
    pub requirement: Requirement,
    pub label: &'static str,
    pub met: bool,
}

/// The organisation's way so far.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EstablishmentView {
    pub stage: Option<String>,
    pub stages: Vec<StageView>,
    pub records: Vec<EstablishmentRecord>,
    pub areas: Vec<HeldArea>,
    pub groups: Vec<ExistingGroup>,
    pub history: Vec<StageEvent>,
}

#[utoipa::path(get, path = "/organisations/{id}/establishment", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")),
    responses((status = 200, body = EstablishmentView)))]
pub async fn establishment_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<EstablishmentView>> {
    let row = reachable(&state, &caller, Action::OrganisationRead, id).await?;
    let muni = caller.municipality.id;
    let scheme = &caller.municipality.scheme;
    let progress = store::progress_of(&state.db, muni, id).await?;
    let o = &row.organisation;
    Ok(Json(EstablishmentView {
        stage: o.stage.clone(),
        stages: scheme
            .lifecycle_stages
            .iter()
            .map(|s| StageView {
                stage: s.clone(),
                current: o.stage.as_ref() == Some(s),
                requirements: rules::requirements(scheme, s)
                    .iter()
                    .map(|r| RequirementView {
                        requirement: *r,
                        label: r.label(),
                        met: progress.met(*r),
                    })
                    .collect(),
            })
            .collect(),
        records: store::records(&state.db, muni, id).await?,
        areas: store::areas(&state.db, muni, id).await?,
        groups: store::groups(&state.db, muni, id).await?,
        history: store::stage_events(&state.db, muni, id).await?,
    }))
}
