//! The register of residents needing help to evacuate (避難行動要支援者名簿)
//! and their 個別避難計画, one per body, beside its 地区防災計画. Reached only
//! by the coordinator, the department named for disaster prevention and the
//! officers the city names as readers (see `kyodo_core::evacuation_support`);
//! every read is audited, and the CSV leaves only on a confirmed, audited
//! export with its purpose.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::accounts::Role;
use kyodo_core::csv_import::Column;
use kyodo_core::evacuation_support::{Asker, ExportConfirmation, SupportedResident, SupportedResidentInput, reaches};
use kyodo_core::organisations::OrganisationRow;
use kyodo_core::permissions::Action;
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::iso_date;
use kyodo_store::evacuation_support as store;

use crate::AppState;
use crate::api::types::ApiDate;
use crate::api::{ApiJson, ApiPath, FormFields, PagePath, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, AppError, PageResult};
use crate::organisations::BASE;
use crate::pages::{self, ActionButton, Cell, FieldKind, FieldSpec, FormState, InlineForm, Item, Layout};

const PATH: &str = "evacuation-support";

/// Whether the caller reaches the body's register; no audit, no data.
pub(crate) async fn may_read(state: &AppState, caller: &Caller, organisation_id: i64) -> Result<bool, AppError> {
    if !caller.can(Action::EvacuationSupportRead) {
        return Ok(false);
    }
    let named = caller.role() == Role::Community
        && caller.user.organisation_id == Some(organisation_id)
        && store::is_reader(&state.db, caller.municipality.id, organisation_id, caller.user.id).await?;
    let asker = Asker {
        role: caller.role(),
        department_id: caller.user.department_id,
        organisation_id: caller.user.organisation_id,
    };
    let department = caller.municipality.scheme.disaster_prevention_department_id;
    Ok(reaches(asker, organisation_id, department, named))
}

/// How many the body's register holds, for a caller it reaches; `None`
/// otherwise. Reads no personal data.
pub(crate) async fn register_count(
    state: &AppState,
    caller: &Caller,
    organisation_id: i64,
) -> Result<Option<i64>, AppError> {
    if !may_read(state, caller, organisation_id).await? {
        return Ok(None);
    }
    Ok(Some(
        store::count(&state.db, caller.municipality.id, organisation_id).await?,
    ))
}

/// The register's place on the body's 地区防災計画: a link for those it
/// reaches, who may see it otherwise.
pub(crate) async fn plan_section(
    state: &AppState,
    caller: &Caller,
    organisation_id: i64,
) -> Result<pages::Section, AppError> {
    let row = match register_count(state, caller, organisation_id).await? {
        Some(n) => Cell::link(format!("名簿を開く（{n}人）"), register_path(organisation_id)),
        None => Cell::text("個人情報のため、市が指定した団体の役員・制度所管課・防災担当課だけが見られます"),
    };
    Ok(pages::Section {
        title: "避難行動要支援者と個別避難計画".into(),
        personal: false,
        columns: vec!["名簿"],
        rows: vec![(vec![row], None)],
        empty: "",
        form: None,
    })
}

/// The body, if `action` and the register's own rule let the caller in; 403 otherwise.
async fn reachable(state: &AppState, caller: &Caller, action: Action, id: i64) -> Result<OrganisationRow, AppError> {
    caller.require(action)?;
    let row = kyodo_store::organisations::get(&state.db, caller.municipality.id, id).await?;
    if may_read(state, caller, id).await? {
        Ok(row)
    } else {
        Err(AppError::Forbidden)
    }
}

fn resident_fields() -> Vec<FieldSpec> {
    vec![
        FieldSpec::text("name", "氏名").required(),
        FieldSpec::text("name_kana", "ふりがな"),
        FieldSpec::text("address", "住所").required(),
        FieldSpec::text("phone", "電話番号").kind(FieldKind::Tel),
        FieldSpec::text("needs", "支援が必要な理由")
            .kind(FieldKind::Textarea)
            .required()
            .hint("要介護度、障害、ひとり暮らしなど、避難で手助けが要る理由"),
        FieldSpec::date("consent_on", "同意日")
            .required()
            .hint("名簿情報を地域の避難支援者に提供することに本人が同意した日"),
        FieldSpec::text("supporters", "避難支援者").kind(FieldKind::Textarea),
        FieldSpec::text("destination", "避難先"),
        FieldSpec::text("method", "避難方法・経路・留意事項").kind(FieldKind::Textarea),
        FieldSpec::date("plan_made_on", "個別避難計画の作成日"),
    ]
}

fn resident_values(r: &SupportedResident) -> HashMap<String, String> {
    HashMap::from([
        ("name".into(), r.name.clone()),
        ("name_kana".into(), pages::opt(&r.name_kana)),
        ("address".into(), r.address.clone()),
        ("phone".into(), pages::opt(&r.phone)),
        ("needs".into(), r.needs.clone()),
        ("consent_on".into(), iso_date(Some(r.consent_on))),
        ("supporters".into(), pages::opt(&r.supporters)),
        ("destination".into(), pages::opt(&r.destination)),
        ("method".into(), pages::opt(&r.method)),
        ("plan_made_on".into(), iso_date(r.plan_made_on)),
    ])
}

/// Which of the page's forms came back with errors.
#[derive(PartialEq)]
enum Part {
    Resident,
    Reader,
    Export,
}

type Carried = pages::Carried<Part>;

pub(crate) fn register_path(id: i64) -> String {
    format!("{BASE}/{id}/{PATH}")
}

async fn register_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    mut carried: Option<Carried>,
) -> PageResult<Response> {
    let row = reachable(state, caller, Action::EvacuationSupportRead, id).await?;
    let o = &row.organisation;
    let residents = store::residents(&state.db, &caller.actor(), id).await?;
    let write = caller.can(Action::EvacuationSupportWrite);
    let base = register_path(id);
    let mut sections = vec![pages::Section {
        title: "避難行動要支援者と個別避難計画".into(),
        personal: true,
        columns: vec![
            "氏名",
            "住所",
            "支援が必要な理由",
            "避難支援者",
            "避難先",
            "計画の作成日",
        ],
        rows: residents
            .iter()
            .map(|r| {
                let name = if write {
                    Cell::link(r.name.clone(), format!("{base}/{}", r.id))
                } else {
                    Cell::text(r.name.clone())
                };
                let button = write.then(|| ActionButton {
                    action: format!("{base}/{}/delete", r.id),
                    label: "削除",
                    danger: true,
                });
                (
                    vec![
                        name,
                        Cell::text(r.address.clone()),
                        Cell::text(r.needs.clone()),
                        Cell::text(pages::opt(&r.supporters)),
                        Cell::text(pages::opt(&r.destination)),
                        Cell::text(pages::opt_date_ja(&r.plan_made_on)),
                    ],
                    button,
                )
            })
            .collect(),
        empty: "登録されている方はいません",
        form: write.then(|| InlineForm {
            action: base.clone(),
            fields: resident_fields(),
            form: Carried::take(&mut carried, Part::Resident),
            submit_label: "要支援者を登録する",
        }),
    }];
    let readers = store::readers(&state.db, caller.municipality.id, id).await?;
    let name = caller.can(Action::EvacuationSupportName);
    let accounts = if name {
        kyodo_store::accounts::community_accounts(&state.db, caller.municipality.id, id).await?
    } else {
        Vec::new()
    };
    sections.push(pages::Section {
        title: "名簿の閲覧者（市が指定した役員）".into(),
        personal: false,
        columns: vec!["役職", "氏名", "ログインID", "指定日"],
        rows: readers
            .iter()
            .map(|r| {
                let button = name.then(|| ActionButton {
                    action: format!("{BASE}/{id}/register-readers/{}/delete", r.id),
                    label: "指定を外す",
                    danger: true,
                });
                (
                    vec![
                        Cell::text(r.officer_role.clone()),
                        Cell::text(r.display_name.clone()),
                        Cell::text(r.login.clone()),
                        Cell::text(pages::date_ja(&r.named_on)),
                    ],
                    button,
                )
            })
            .collect(),
        empty: "閲覧者は指定されていません。団体の役員はこの名簿を見られません",
        form: name.then(|| InlineForm {
            action: format!("{BASE}/{id}/register-readers"),
            fields: vec![
                FieldSpec::select(
                    "user_id",
                    "団体のアカウント",
                    accounts
                        .iter()
                        .map(|(uid, label)| (uid.to_string(), label.clone()))
                        .collect(),
                )
                .required(),
                FieldSpec::select(
                    "officer_role",
                    "役職",
                    pages::string_options(&caller.municipality.scheme.officer_roles),
                )
                .required(),
                FieldSpec::date("named_on", "指定日").required(),
            ],
            form: Carried::take(&mut carried, Part::Reader),
            submit_label: "閲覧者に指定する",
        }),
    });
    sections.push(pages::Section {
        title: "名簿の書出し（CSV）".into(),
        personal: false,
        columns: Vec::new(),
        rows: Vec::new(),
        empty: "書き出したファイルは市の規程に沿って管理し、目的を終えたら消去してください。書出しは目的とともに記録されます。",
        form: Some(InlineForm {
            action: format!("{base}/export"),
            fields: vec![
                FieldSpec::text("purpose", "書出しの目的")
                    .required()
                    .hint("例: 令和8年度避難訓練の安否確認"),
                FieldSpec::select(
                    "encoding",
                    "文字コード",
                    vec![
                        ("cp932".into(), "Shift_JIS（Excel向け）".into()),
                        ("utf-8".into(), "UTF-8".into()),
                    ],
                ),
                FieldSpec::text("confirm", "個人情報を含む名簿であることを確認しました")
                    .kind(FieldKind::Checkbox)
                    .required(),
            ],
            form: Carried::take(&mut carried, Part::Export),
            submit_label: "名簿を書き出す",
        }),
    });
    let failed = sections
        .iter()
        .any(|s| s.form.as_ref().is_some_and(|f| f.form.has_errors()));
    let page = pages::DetailPage {
        layout: Layout::new(caller, format!("避難行動要支援者名簿（{}）", o.name), BASE),
        heading: format!("避難行動要支援者名簿（{}）", o.name),
        back_href: format!("{BASE}/{id}"),
        back_label: "団体",
        archived: false,
        items: vec![
            Item::link("団体", o.name.clone(), Some(format!("{BASE}/{id}"))),
            Item::new("登録数", format!("{}人", residents.len())),
            Item::new(
                "取扱い",
                "本人の同意を得た方だけを登録します。閲覧できるのは市が指定した役員、制度所管課、防災担当課だけで、閲覧はすべて記録されます。公開のページには載りません。",
            ),
        ],
        edit_href: None,
        edit_label: "",
        buttons: Vec::new(),
        sections,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, pages::render(&page)).into_response())
}

pub async fn register_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    register_view(&state, &caller, id, None).await
}

fn with_errors(form: FormFields, errors: FieldErrors, part: Part) -> Option<Carried> {
    let mut f = FormState::new(form.0);
    f.errors = errors;
    Some(Carried { part, form: f })
}

pub async fn add_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::EvacuationSupportWrite, id).await?;
    let parsed = SupportedResidentInput::parse(&pages::form_getter(&form.0), caller.today);
    match parsed {
        Ok(input) => {
            store::add(&state.db, &caller.actor(), id, &input).await?;
            Ok(Redirect::to(&register_path(id)).into_response())
        }
        Err(errors) => register_view(&state, &caller, id, with_errors(form, errors, Part::Resident)).await,
    }
}

/// A resident's edit form; `version` is the one the editor saw (a newer one is a conflict).
fn resident_form(
    caller: &Caller,
    org: &OrganisationRow,
    resident: i64,
    form: FormState,
    version: Option<i64>,
    status: StatusCode,
) -> Response {
    let mut page = crate::organisations::child_form(
        caller,
        org,
        "避難行動要支援者",
        "個人情報です。本人の同意の範囲で、避難の支援に要ることだけを記録してください。",
        format!("{PATH}/{resident}"),
        resident_fields(),
        form,
    );
    page.cancel_href = register_path(org.organisation.id);
    page.version = version;
    (status, pages::render(&page)).into_response()
}

pub async fn edit_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, resident)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    let org = reachable(&state, &caller, Action::EvacuationSupportWrite, id).await?;
    let r = store::resident(&state.db, &caller.actor(), id, resident).await?;
    Ok(resident_form(
        &caller,
        &org,
        resident,
        FormState::new(resident_values(&r)),
        Some(r.version),
        StatusCode::OK,
    ))
}

pub async fn update_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, resident)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let org = reachable(&state, &caller, Action::EvacuationSupportWrite, id).await?;
    let parsed = SupportedResidentInput::parse(&pages::form_getter(&form.0), caller.today);
    match parsed {
        Ok(input) => {
            store::update(&state.db, &caller.actor(), id, resident, form.version(), &input).await?;
            Ok(Redirect::to(&register_path(id)).into_response())
        }
        Err(errors) => {
            let version = form.version();
            let mut f = FormState::new(form.0);
            f.errors = errors;
            Ok(resident_form(
                &caller,
                &org,
                resident,
                f,
                version,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

pub async fn remove_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, resident)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::EvacuationSupportWrite, id).await?;
    store::remove(&state.db, &caller.actor(), id, resident).await?;
    Ok(Redirect::to(&register_path(id)).into_response())
}

const CSV_COLUMNS: &[Column] = &[
    Column::optional("name", "氏名"),
    Column::optional("name_kana", "ふりがな"),
    Column::optional("address", "住所"),
    Column::optional("phone", "電話番号"),
    Column::optional("needs", "支援が必要な理由"),
    Column::optional("consent_on", "同意日"),
    Column::optional("supporters", "避難支援者"),
    Column::optional("destination", "避難先"),
    Column::optional("method", "避難方法・経路・留意事項"),
    Column::optional("plan_made_on", "個別避難計画の作成日"),
];

/// The register as CSV, only on a confirmed request with its purpose (audited).
pub async fn export_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let org = reachable(&state, &caller, Action::EvacuationSupportRead, id).await?;
    let parsed = ExportConfirmation::parse(&pages::form_getter(&form.0));
    let confirmation = match parsed {
        Ok(c) => c,
        Err(errors) => return register_view(&state, &caller, id, with_errors(form, errors, Part::Export)).await,
    };
    let enc = crate::data::text_encoding(form.0.get("encoding").map(String::as_str))?;
    let residents = store::export(&state.db, &caller.actor(), id, &confirmation.purpose).await?;
    let text = kyodo_core::csv_import::write_table(
        CSV_COLUMNS,
        residents.iter().map(|r| {
            let v = resident_values(r);
            CSV_COLUMNS
                .iter()
                .map(|c| v.get(c.field).cloned().unwrap_or_default())
                .collect()
        }),
    );
    let bytes = kyodo_core::encoding::encode_csv(&text, enc).map_err(|e| AppError::Refused(e.to_string()))?;
    let name = format!("避難行動要支援者名簿_{}.csv", org.organisation.name);
    Ok(crate::data::csv_attachment(bytes, enc, &name))
}

pub async fn name_reader_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::EvacuationSupportName)?;
    let checked = {
        let get = pages::form_getter(&form.0);
        let mut f = kyodo_core::validation::Fields::new(&get);
        let user_id = f.id("user_id", "団体のアカウント", true);
        let role = f.required("officer_role", "役職", 100);
        let named_on = f.date("named_on", "指定日", true);
        f.finish((user_id, role, named_on))
    };
    let result = match checked {
        Ok((Some(user_id), role, Some(named_on))) => {
            store::name_reader(&state.db, &caller.actor(), id, user_id, &role, named_on)
                .await
                .map_err(AppError::from)
        }
        Ok(_) => Err(AppError::Invalid(FieldErrors::single(
            "user_id",
            "団体のアカウントを選んでください",
        ))),
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&register_path(id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            register_view(&state, &caller, id, with_errors(form, errors, Part::Reader)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_reader_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, reader)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::EvacuationSupportName)?;
    store::remove_reader(&state.db, &caller.actor(), id, reader).await?;
    Ok(Redirect::to(&register_path(id)).into_response())
}

// --- API ---

/// A body's register of residents needing support, with their 個別避難計画.
/// Personal data: every read is audited.
#[utoipa::path(get, path = "/organisations/{id}/evacuation-support", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")),
    responses((status = 200, body = Vec<SupportedResident>)))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<SupportedResident>>> {
    reachable(&state, &caller, Action::EvacuationSupportRead, id).await?;
    Ok(Json(store::residents(&state.db, &caller.actor(), id).await?))
}

/// A resident needing support, as registered (with their consent).
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportedResidentCreate {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "kana", max_length = 100)]
    pub name_kana: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "phone")]
    pub phone: Option<String>,
    /// 支援が必要な理由.
    #[schema(min_length = 1, max_length = 500)]
    pub needs: String,
    /// 同意日: the register is kept in ordinary times only with consent.
    pub consent_on: ApiDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500)]
    pub supporters: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub destination: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_made_on: Option<ApiDate>,
}

impl crate::api::ApiBody for SupportedResidentCreate {
    fn action(_: &serde_json::Value) -> Action {
        Action::EvacuationSupportWrite
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/organisations/{id}/evacuation-support", tag = "organisations",
    params(("id" = i64, Path, description = "団体の番号")), request_body = SupportedResidentCreate,
    responses((status = 201, body = Created)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<SupportedResidentCreate>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    reachable(&state, &caller, Action::EvacuationSupportWrite, id).await?;
    let fields = fields_of(&body);
    let input = SupportedResidentInput::parse(&|k| fields.get(k).cloned(), caller.today).map_err(AppError::Invalid)?;
    let id = store::add(&state.db, &caller.actor(), id, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
