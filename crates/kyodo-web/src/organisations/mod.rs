//! Organisation (団体) pages and API, with officers (役員) and key people
//! (キーパーソン, personal data: shown only within the caller's reach, every
//! read audited), the way to becoming a 地域運営組織 and its recognition.

pub mod application_files;
pub mod establishment;
pub mod recognition;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::organisations::{
    KeyPerson, KeyPersonInput, OfficerInput, Organisation, OrganisationInput, OrganisationRow,
};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::iso_date;

use crate::AppState;
use crate::api::types::{ApiDate, nullable};
use crate::api::{ApiJson, ApiPath, ApiQuery, FormFields, PagePath, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::{self, Editable};
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{
    self, ActionButton, Cell, Column, FieldKind, FieldSpec, FormPage, FormState, InlineForm, Item, Layout,
};

pub(crate) const BASE: &str = "/organisations";

fn values(o: &Organisation) -> HashMap<String, String> {
    HashMap::from([
        ("code".into(), o.code.clone()),
        ("name".into(), o.name.clone()),
        ("name_kana".into(), pages::opt(&o.name_kana)),
        ("kind".into(), o.kind.clone()),
        ("area_id".into(), o.area_id.map(|a| a.to_string()).unwrap_or_default()),
        ("stage".into(), pages::opt(&o.stage)),
        ("established_on".into(), iso_date(o.established_on)),
        ("approved_on".into(), iso_date(o.approved_on)),
        ("note".into(), pages::opt(&o.note)),
        ("public_contact".into(), pages::opt(&o.public_contact)),
    ])
}

/// The organisation, if `action` reaches it; 403 if it exists but is out of reach.
pub(crate) async fn reachable(
    state: &AppState,
    caller: &Caller,
    action: Action,
    id: i64,
) -> Result<OrganisationRow, AppError> {
    caller.require(action)?;
    let row = kyodo_store::organisations::get(&state.db, caller.municipality.id, id).await?;
    if caller.reaches_organisation(action, id, row.organisation.area_id) {
        Ok(row)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A liaison may only place organisations in the districts they serve.
fn check_area_reach(caller: &Caller, input: &OrganisationInput) -> Result<(), AppError> {
    if caller.scope(Action::OrganisationWrite) == Scope::Own
        && !input.area_id.is_some_and(|a| caller.served_areas.contains(&a))
    {
        return Err(AppError::Invalid(FieldErrors::single(
            "area_id",
            "担当している地区の団体だけを登録・変更できます",
        )));
    }
    Ok(())
}

async fn form_view(
    state: &AppState,
    caller: &Caller,
    form: FormState,
    editing: Option<(i64, i64)>,
    status: StatusCode,
) -> PageResult<Response> {
    let scheme = &caller.municipality.scheme;
    let mut areas = kyodo_store::areas::all(&state.db, caller.municipality.id, false).await?;
    if caller.scope(Action::OrganisationWrite) == Scope::Own {
        areas.retain(|a| caller.served_areas.contains(&a.id));
    }
    let fields = vec![
        FieldSpec::text("code", "団体コード")
            .required()
            .hint("半角英数字。CSVの取込で団体を見分けるのに使います"),
        FieldSpec::text("name", "団体名").required(),
        FieldSpec::text("name_kana", "ふりがな"),
        FieldSpec::select("kind", "種別", pages::string_options(&scheme.organisation_kinds)).required(),
        FieldSpec::select(
            "area_id",
            "地区",
            pages::options(&areas, |a| a.id.to_string(), |a| a.name.clone()),
        ),
        FieldSpec::date("established_on", "設立日"),
        FieldSpec::text("note", "備考").kind(FieldKind::Textarea),
        FieldSpec::text("public_contact", "公開する問い合わせ窓口")
            .hint("公開ページに載ります。例: 〇〇地区協議会事務局（〇〇公民館内）。個人の電話番号やメールは書かないでください。空欄なら載せません"),
    ];
    let page = FormPage::record(caller, BASE, editing, ("団体の登録", "団体の編集"), fields, form);
    Ok((status, pages::render(&page)).into_response())
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(query): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let scope = caller.require(Action::OrganisationRead)?;
    let muni = caller.municipality.id;
    let page = kyodo_store::organisations::list(&state.db, muni, &caller.organisations_in(scope), &query).await?;
    let areas = kyodo_store::areas::all(&state.db, muni, false).await?;
    let scheme = &caller.municipality.scheme;
    let mut list = pages::list_page(Layout::new(&caller, "団体", BASE), "団体", BASE, &query);
    if caller.can(Action::OrganisationWrite) {
        list.new_href = Some(format!("{BASE}/new"));
    }
    if caller.can(Action::DataExport) {
        list.export_href = Some("/data/export/organisations?encoding=utf-8".into());
    }
    list.filters = vec![
        pages::Filter {
            name: "kind",
            label: "種別",
            options: pages::string_options(&scheme.organisation_kinds),
            value: query.kind.clone().unwrap_or_default(),
        },
        pages::Filter {
            name: "area_id",
            label: "地区",
            options: pages::options(&areas, |a| a.id.to_string(), |a| a.name.clone()),
            value: query.area_id.map(|a| a.to_string()).unwrap_or_default(),
        },
    ];
    list.columns = vec![
        Column::new("団体コード", Some("code")),
        Column::new("団体名", Some("name")),
        Column::new("種別", Some("kind")),
        Column::new("地区", None),
        Column::new("段階", Some("stage")),
        Column::new("認可", None),
    ];
    list.rows = page
        .items
        .iter()
        .map(|r| {
            let o = &r.organisation;
            vec![
                Cell::text(o.code.clone()),
                Cell::link(o.name.clone(), format!("{BASE}/{}", o.id)).tagged(o.archived_at.map(|_| "アーカイブ済み")),
                Cell::text(o.kind.clone()),
                Cell::text(pages::opt(&r.area_name)),
                Cell::text(pages::opt(&o.stage)),
                Cell::text(match o.recognition {
                    kyodo_core::organisations::recognition::RecognitionStatus::None => String::new(),
                    kyodo_core::organisations::recognition::RecognitionStatus::Granted => {
                        format!("認可（{}）", pages::opt_date_ja(&o.approved_on))
                    }
                    other => other.label().to_owned(),
                }),
            ]
        })
        .collect();
    pages::page_links(&mut list, &page);
    Ok(pages::render(&list))
}

fn officer_fields(caller: &Caller) -> Vec<FieldSpec> {
    vec![
        FieldSpec::select(
            "role",
            "役職",
            pages::string_options(&caller.municipality.scheme.officer_roles),
        )
        .required(),
        FieldSpec::text("name", "氏名").required(),
        FieldSpec::date("term_start", "任期開始日"),
        FieldSpec::date("term_end", "任期終了日"),
    ]
}

fn key_person_fields() -> Vec<FieldSpec> {
    vec![
        FieldSpec::text("name", "氏名").required(),
        FieldSpec::text("name_kana", "ふりがな"),
        FieldSpec::text("title", "立場").hint("例: 区長、民生委員、元会長"),
        FieldSpec::text("phone", "電話番号").kind(FieldKind::Tel),
        FieldSpec::text("email", "メールアドレス").kind(FieldKind::Email),
        FieldSpec::text("address", "住所"),
        FieldSpec::text("note", "メモ")
            .kind(FieldKind::Textarea)
            .hint("引継ぎで伝えたいこと（人柄、連絡のつきやすい時間など）"),
    ]
}

/// The part of the detail page a form belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Officer,
    KeyPerson,
    Stage,
    Record,
    Area,
    Group,
    Recognition,
    File,
}

impl Part {
    /// The field a refusal is shown beside.
    fn first_field(self) -> &'static str {
        match self {
            Part::Officer => "role",
            Part::KeyPerson | Part::Group => "name",
            Part::Stage => "stage",
            Part::Record => "kind",
            Part::Area => "area_id",
            Part::Recognition => "action",
            Part::File => "file",
        }
    }
}

/// A failed submission carried back to the detail page, beside its part.
pub type Carried = pages::Carried<Part>;

/// What a failed step shows beside its form; other failures are the page's.
pub(crate) fn field_errors(e: AppError) -> Result<FieldErrors, AppError> {
    match e {
        AppError::Invalid(errors) => Ok(errors),
        other => Err(other),
    }
}

pub(crate) fn redirect_to(id: i64, notice: &str) -> Response {
    Redirect::to(&format!("{BASE}/{id}?notice={notice}")).into_response()
}

/// After a step posted from the detail page: back to the page on success,
/// or the page again with the form, its input and the messages.
pub(crate) async fn done(
    state: &AppState,
    caller: &Caller,
    id: i64,
    part: Part,
    form: FormFields,
    result: Result<(), AppError>,
) -> PageResult<Response> {
    let errors = match result {
        Ok(()) => return Ok(redirect_to(id, "saved")),
        Err(AppError::Refused(message)) => FieldErrors::single(part.first_field(), message),
        Err(e) => field_errors(e)?,
    };
    let mut f = FormState::new(form.0);
    f.errors = errors;
    detail_view(state, caller, id, None, Some(Carried { part, form: f })).await
}

/// The detail page; `carried` brings a failed submission back to its form.
async fn detail_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    notice: Option<&str>,
    mut carried: Option<Carried>,
) -> PageResult<Response> {
    let row = reachable(state, caller, Action::OrganisationRead, id).await?;
    let o = &row.organisation;
    let area_id = o.area_id;
    let can = |action| caller.reaches_organisation(action, id, area_id);
    let officers = kyodo_store::organisations::officers(&state.db, caller.municipality.id, id).await?;
    let officer_write = can(Action::OfficerWrite);
    let mut sections = vec![pages::Section {
        title: "役員".into(),
        personal: false,
        columns: vec!["役職", "氏名", "任期"],
        rows: officers
            .iter()
            .map(|x| {
                let term = match (x.term_start, x.term_end) {
                    (None, None) => String::new(),
                    (s, e) => format!("{}〜{}", pages::opt_date_ja(&s), pages::opt_date_ja(&e)),
                };
                let button = officer_write.then(|| ActionButton {
                    action: format!("{BASE}/{id}/officers/{}/delete", x.id),
                    label: "削除",
                    danger: true,
                });
                (
                    vec![Cell::text(x.role.clone()), Cell::text(x.name.clone()), Cell::text(term)],
                    button,
                )
            })
            .collect(),
        empty: "役員は登録されていません",
        form: officer_write.then(|| InlineForm {
            action: format!("{BASE}/{id}/officers"),
            fields: officer_fields(caller),
            form: Carried::take(&mut carried, Part::Officer),
            submit_label: "役員を追加する",
        }),
    }];
    if can(Action::KeyPersonRead) {
        let people = kyodo_store::organisations::key_people(&state.db, &caller.actor(), id).await?;
        let write = can(Action::KeyPersonWrite);
        sections.push(pages::Section {
            title: "キーパーソン".into(),
            personal: true,
            columns: vec!["氏名", "立場", "電話番号", "メール", "住所", "メモ"],
            rows: people
                .iter()
                .map(|p| {
                    let button = write.then(|| ActionButton {
                        action: format!("{BASE}/{id}/key-people/{}/delete", p.id),
                        label: "削除",
                        danger: true,
                    });
                    let name = if write {
                        Cell::link(p.name.clone(), format!("{BASE}/{id}/key-people/{}/edit", p.id))
                    } else {
                        Cell::text(p.name.clone())
                    };
                    (
                        vec![
                            name,
                            Cell::text(pages::opt(&p.title)),
                            Cell::text(pages::opt(&p.phone)),
                            Cell::text(pages::opt(&p.email)),
                            Cell::text(pages::opt(&p.address)),
                            Cell::text(pages::opt(&p.note)),
                        ],
                        button,
                    )
                })
                .collect(),
            empty: "キーパーソンは登録されていません",
            form: write.then(|| InlineForm {
                action: format!("{BASE}/{id}/key-people"),
                fields: key_person_fields(),
                form: Carried::take(&mut carried, Part::KeyPerson),
                submit_label: "キーパーソンを追加する",
            }),
        });
    }
    if establishment::applies(caller, o) {
        let mut way = establishment::sections(state, caller, &row, &mut carried).await?;
        if recognition::applies(caller, &row) {
            way.insert(4, recognition::section(state, caller, &row, &mut carried).await?);
            if let Some(files) = application_files::section(state, caller, &row, &mut carried).await? {
                way.insert(4, files);
            }
        }
        sections.splice(0..0, way);
    }
    sections.extend(crate::grants::procedure::organisation_section(state, caller, o).await?);
    sections.extend(crate::grants::schemes::organisation_sections(state, caller, id).await?);
    let writable = can(Action::OrganisationWrite);
    let mut items = vec![
        Item::new("団体コード", o.code.clone()),
        Item::new("ふりがな", pages::opt(&o.name_kana)),
        Item::new("種別", o.kind.clone()),
        Item::link(
            "地区",
            pages::opt(&row.area_name),
            o.area_id.map(|a| format!("/areas/{a}")),
        ),
        Item::new("段階", pages::opt(&o.stage)),
        Item::new("設立日", pages::opt_date_ja(&o.established_on)),
    ];
    if let Some(n) = crate::evacuation_support::register_count(state, caller, id).await? {
        items.push(Item::link(
            "避難行動要支援者名簿",
            format!("{n}人"),
            Some(crate::evacuation_support::register_path(id)),
        ));
    }
    if recognition::applies(caller, &row) {
        items.push(Item::new("認可", o.recognition.label()));
        if o.recognised() {
            items.push(Item::new("認可日", pages::opt_date_ja(&o.approved_on)));
            items.push(Item::link(
                "認可番号",
                pages::opt(&o.recognition_number),
                Some(format!("{BASE}/{id}/recognition/notice")),
            ));
        }
    }
    if let Some(successor) = o.successor_id {
        let name = kyodo_store::organisations::names(&state.db, caller.municipality.id, &[successor])
            .await?
            .pop()
            .map_or_else(|| format!("#{successor}"), |(_, n)| n);
        items.push(Item::link("統合先", name, Some(format!("{BASE}/{successor}"))));
    }
    items.push(Item::new("備考", pages::opt(&o.note)));
    items.push(Item::new("公開する問い合わせ窓口", pages::opt(&o.public_contact)));
    let page = pages::DetailPage {
        layout: Layout::new(caller, o.name.clone(), BASE).with_notice(notice),
        heading: o.name.clone(),
        back_href: BASE.into(),
        back_label: "団体",
        archived: o.archived_at.is_some(),
        items,
        edit_href: writable.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "編集",
        buttons: if writable {
            vec![pages::archive_button(BASE, id, o.archived_at.is_some())]
        } else {
            Vec::new()
        },
        sections,
    };
    Ok(page.response())
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    detail_view(&state, &caller, id, q.notice.as_deref(), None).await
}

pub async fn add_officer_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::OfficerWrite, id).await?;
    let parsed = OfficerInput::parse(&pages::form_getter(&form.0), &caller.municipality.scheme);
    match parsed {
        Ok(input) => {
            kyodo_store::organisations::add_officer(&state.db, &caller.actor(), id, &input).await?;
            Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
        }
        Err(errors) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            detail_view(
                &state,
                &caller,
                id,
                None,
                Some(Carried {
                    part: Part::Officer,
                    form: f,
                }),
            )
            .await
        }
    }
}

fn officer_form(caller: &Caller, org: &OrganisationRow, officer: i64, form: FormState, status: StatusCode) -> Response {
    let page = child_form(
        caller,
        org,
        "役員",
        "",
        format!("officers/{officer}"),
        officer_fields(caller),
        form,
    );
    (status, pages::render(&page)).into_response()
}

pub async fn edit_officer_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, officer)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    let org = reachable(&state, &caller, Action::OfficerWrite, id).await?;
    let o = kyodo_store::organisations::officer(&state.db, caller.municipality.id, id, officer).await?;
    let values = HashMap::from([
        ("role".to_owned(), o.role.clone()),
        ("name".to_owned(), o.name.clone()),
        ("term_start".to_owned(), iso_date(o.term_start)),
        ("term_end".to_owned(), iso_date(o.term_end)),
    ]);
    Ok(officer_form(
        &caller,
        &org,
        officer,
        FormState::new(values),
        StatusCode::OK,
    ))
}

pub async fn update_officer_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, officer)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let org = reachable(&state, &caller, Action::OfficerWrite, id).await?;
    let parsed = OfficerInput::parse(&pages::form_getter(&form.0), &caller.municipality.scheme);
    match parsed {
        Ok(input) => {
            kyodo_store::organisations::update_officer(&state.db, &caller.actor(), id, officer, &input).await?;
            Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
        }
        Err(errors) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            Ok(officer_form(
                &caller,
                &org,
                officer,
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

pub async fn remove_officer_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, officer)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::OfficerWrite, id).await?;
    kyodo_store::organisations::remove_officer(&state.db, &caller.actor(), id, officer).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=deleted")).into_response())
}

pub async fn add_key_person_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::KeyPersonWrite, id).await?;
    let parsed = KeyPersonInput::parse(&pages::form_getter(&form.0));
    match parsed {
        Ok(input) => {
            kyodo_store::organisations::add_key_person(&state.db, &caller.actor(), id, &input).await?;
            Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
        }
        Err(errors) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            detail_view(
                &state,
                &caller,
                id,
                None,
                Some(Carried {
                    part: Part::KeyPerson,
                    form: f,
                }),
            )
            .await
        }
    }
}

fn key_person_values(p: &KeyPerson) -> HashMap<String, String> {
    HashMap::from([
        ("name".into(), p.name.clone()),
        ("name_kana".into(), pages::opt(&p.name_kana)),
        ("title".into(), pages::opt(&p.title)),
        ("phone".into(), pages::opt(&p.phone)),
        ("email".into(), pages::opt(&p.email)),
        ("address".into(), pages::opt(&p.address)),
        ("note".into(), pages::opt(&p.note)),
    ])
}

/// The edit form of an organisation's officer, key person or existing group.
pub(crate) fn child_form(
    caller: &Caller,
    org: &OrganisationRow,
    what: &str,
    intro: &str,
    path: String,
    fields: Vec<FieldSpec>,
    form: FormState,
) -> FormPage {
    let id = org.organisation.id;
    FormPage {
        layout: Layout::new(caller, format!("{what}の編集"), BASE),
        heading: format!("{what}の編集（{}）", org.organisation.name),
        intro: intro.to_owned(),
        action: format!("{BASE}/{id}/{path}"),
        fields,
        form,
        submit_label: "保存する",
        cancel_href: format!("{BASE}/{id}"),
        version: None,
        multipart: false,
    }
}

fn key_person_form(
    caller: &Caller,
    org: &OrganisationRow,
    person: i64,
    form: FormState,
    status: StatusCode,
) -> Response {
    let path = format!("key-people/{person}");
    let intro = "個人情報です。必要な範囲で正確に記録してください。";
    let page = child_form(caller, org, "キーパーソン", intro, path, key_person_fields(), form);
    (status, pages::render(&page)).into_response()
}

pub async fn edit_key_person_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, person)): PagePath<(i64, i64)>,
) -> PageResult<Response> {
    let org = reachable(&state, &caller, Action::KeyPersonWrite, id).await?;
    let p = kyodo_store::organisations::key_person(&state.db, &caller.actor(), id, person).await?;
    Ok(key_person_form(
        &caller,
        &org,
        person,
        FormState::new(key_person_values(&p)),
        StatusCode::OK,
    ))
}

pub async fn update_key_person_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, person)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    let org = reachable(&state, &caller, Action::KeyPersonWrite, id).await?;
    let parsed = KeyPersonInput::parse(&pages::form_getter(&form.0));
    match parsed {
        Ok(input) => {
            kyodo_store::organisations::update_key_person(&state.db, &caller.actor(), id, person, &input).await?;
            Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
        }
        Err(errors) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            Ok(key_person_form(
                &caller,
                &org,
                person,
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

pub async fn remove_key_person_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, person)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    reachable(&state, &caller, Action::KeyPersonWrite, id).await?;
    kyodo_store::organisations::remove_key_person(&state.db, &caller.actor(), id, person).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=deleted")).into_response())
}

/// Organisations (団体) as an editable record; liaison staff reach only their districts.
pub struct Organisations;

impl Editable for Organisations {
    const BASE: &'static str = BASE;
    type Row = OrganisationRow;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<OrganisationRow, AppError> {
        let action = if write {
            Action::OrganisationWrite
        } else {
            Action::OrganisationRead
        };
        reachable(state, caller, action, id).await
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::OrganisationWrite).map(|_| ())
    }

    fn id(row: &OrganisationRow) -> i64 {
        row.organisation.id
    }

    fn version(row: &OrganisationRow) -> i64 {
        row.organisation.version
    }

    fn values(row: &OrganisationRow) -> HashMap<String, String> {
        values(&row.organisation)
    }

    async fn create(
        state: &AppState,
        caller: &Caller,
        fields: &HashMap<String, String>,
    ) -> Result<OrganisationRow, AppError> {
        let scheme = &caller.municipality.scheme;
        let mut input = OrganisationInput::parse(&pages::form_getter(fields), scheme)?;
        check_area_reach(caller, &input)?;
        // A new area body starts at the first stage; it moves on by its records.
        input.approved_on = None;
        input.stage = (scheme.area_body_kind.as_ref() == Some(&input.kind))
            .then(|| scheme.lifecycle_stages.first().cloned())
            .flatten();
        Ok(kyodo_store::organisations::create(&state.db, &caller.actor(), &input).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<OrganisationRow, AppError> {
        let input = OrganisationInput::parse(&pages::form_getter(fields), &caller.municipality.scheme)?;
        check_area_reach(caller, &input)?;
        Ok(kyodo_store::organisations::update(&state.db, &caller.actor(), id, version, &input).await?)
    }

    async fn set_archived(state: &AppState, caller: &Caller, id: i64, archived: bool) -> Result<(), AppError> {
        kyodo_store::organisations::set_archived(&state.db, &caller.actor(), id, archived).await?;
        Ok(())
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        form_view(state, caller, form, editing, status).await
    }
}

// --- API ---

/// Organisations within the caller's reach, paged and filtered (`kind`, `area_id`).
#[utoipa::path(get, path = "/organisations", tag = "organisations", params(ListQuery),
    responses((status = 200, body = Page<OrganisationRow>)))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<OrganisationRow>>> {
    let scope = caller.require(Action::OrganisationRead)?;
    let visible = caller.organisations_in(scope);
    Ok(Json(
        kyodo_store::organisations::list(&state.db, caller.municipality.id, &visible, &query).await?,
    ))
}

#[utoipa::path(get, path = "/organisations/{id}", tag = "organisations", params(("id" = i64, Path, description = "団体の番号")),
    responses((status = 200, body = OrganisationRow)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OrganisationRow>> {
    Ok(Json(Organisations::fetch(&state, &caller, id, false).await?))
}

/// A new organisation (団体). `kind` is one of the scheme's (`GET /scheme`).
/// An area body (the scheme's `area_body_kind`) starts at the first stage and
/// moves on by `POST /organisations/{id}/stage`; its 認可 by `…/recognition`.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationCreate {
    /// 団体コード, unique in the municipality.
    #[schema(pattern = "code")]
    pub code: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "kana", max_length = 100)]
    pub name_kana: Option<String>,
    /// 種別: one of the scheme's `organisation_kinds`.
    #[schema(min_length = 1, max_length = 100)]
    pub kind: String,
    /// Its district; a liaison creates organisations in the districts they serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub established_on: Option<ApiDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// 問い合わせ窓口 shown on the public site: an office, not a person's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub public_contact: Option<String>,
}

impl crate::api::ApiBody for OrganisationCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::OrganisationWrite
    }
}

/// A change to an organisation: only the fields sent change; `null` clears an optional one.
/// Its stage and recognition are not here: they move by their own steps.
#[derive(Debug, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "code")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, pattern = "kana", max_length = 100)]
    pub name_kana: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub area_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ApiDate>)]
    pub established_on: Option<Option<ApiDate>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub public_contact: Option<Option<String>>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for OrganisationPatch {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::OrganisationWrite
    }
}

#[utoipa::path(post, path = "/organisations", tag = "organisations", request_body = OrganisationCreate,
    responses((status = 201, body = OrganisationRow)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<OrganisationCreate>,
) -> ApiResult<(StatusCode, Json<OrganisationRow>)> {
    Organisations::check_write(&caller)?;
    Ok((
        StatusCode::CREATED,
        Json(Organisations::create(&state, &caller, &fields_of(&body)).await?),
    ))
}

#[utoipa::path(patch, path = "/organisations/{id}", tag = "organisations", params(("id" = i64, Path, description = "団体の番号")), request_body = OrganisationPatch,
    responses((status = 200, body = OrganisationRow)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OrganisationPatch>,
) -> ApiResult<Json<OrganisationRow>> {
    Ok(Json(
        editing::patch::<Organisations>(&state, &caller, id, body.version, fields_of(&body)).await?,
    ))
}

/// Key people of an organisation: personal data, audited on every read.
#[utoipa::path(get, path = "/organisations/{id}/key-people", tag = "organisations", params(("id" = i64, Path, description = "団体の番号")),
    responses((status = 200, body = Vec<KeyPerson>)))]
pub async fn key_people_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<KeyPerson>>> {
    reachable(&state, &caller, Action::KeyPersonRead, id).await?;
    Ok(Json(
        kyodo_store::organisations::key_people(&state.db, &caller.actor(), id).await?,
    ))
}
