//! The printed 年間行事カレンダー: the lead (the coordinator, a district's
//! liaison or the body itself) opens a district's or a body's calendar for a
//! 年度 with the date by which the bodies enter their events, keeps the
//! advertisement boxes and their fees, reviews and issues it (発行), and
//! prints it on A4 or A3. Issued, it is on the public site too, where events
//! entered later still show.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::accounts::Role;
use kyodo_core::events::annual::{
    Advert, AdvertInput, AnnualCalendar, AnnualCalendarInput, AnnualStatus, MonthBox, months,
};
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::{
    fiscal_year, fiscal_year_end, fiscal_year_start, format_date_wareki, format_fiscal_year, iso_date,
};
use kyodo_store::events::annual as store;
use kyodo_store::events::{EventFilter, Reach};

use super::reach;
use crate::AppState;
use crate::api::{FormFields, PagePath, PageQuery};
use crate::auth::{Caller, PageCaller};
use crate::editing::Editable;
use crate::error::{AppError, PageResult};
use crate::grants::yen;
use crate::pages::{
    self, ActionButton, Cell, FieldKind, FieldSpec, FormPage, FormState, InlineForm, Item, Layout, RecordsPage,
    Section, Table,
};

pub const BASE: &str = "/events/annual";

fn reaches(reach: &Reach, c: &AnnualCalendar) -> bool {
    match reach {
        Reach::All => true,
        Reach::InAreas(ids) => c.owner_area_id.is_some_and(|a| ids.contains(&a)),
        Reach::Organisation(id) => c.organisation_id == Some(*id),
    }
}

async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<AnnualCalendar, AppError> {
    let action = if write { Action::EventWrite } else { Action::EventRead };
    caller.require(action)?;
    let c = store::get(&state.db, caller.municipality.id, id).await?;
    if !reaches(&reach(caller, action), &c) {
        return Err(AppError::Forbidden);
    }
    Ok(c)
}

fn status_text(c: &AnnualCalendar) -> String {
    match (c.status, c.published_on) {
        (AnnualStatus::Published, Some(on)) => format!("発行済み（{}）", format_date_wareki(on)),
        _ => match c.entry_deadline {
            Some(d) => format!("受付中（{}まで）", format_date_wareki(d)),
            None => "受付中".into(),
        },
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(shown): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::EventRead)?;
    let rows = store::list(&state.db, caller.municipality.id, &reach(&caller, Action::EventRead)).await?;
    let mut links = Vec::new();
    if caller.can(Action::EventWrite) {
        links.push(("カレンダーを作る".to_owned(), format!("{BASE}/new"), true));
    }
    links.push(("行事予定".to_owned(), super::BASE.to_owned(), false));
    let page = RecordsPage {
        layout: Layout::new(&caller, "年間行事カレンダー", super::BASE).with_notice(shown.notice.as_deref()),
        heading: "年間行事カレンダー".into(),
        intro: "地区や団体の1年分（4月〜翌年3月）の行事を1枚にまとめて印刷します。締切までに各団体が行事予定に登録し、取りまとめ役が確認して発行します。".into(),
        base_path: BASE.into(),
        links,
        filters: Vec::new(),
        tables: vec![Table {
            title: String::new(),
            phone: &[0, 1, 3],
            columns: ["年度", "題名", "地区・団体", "状況"].map(String::from).to_vec(),
            rows: rows
                .iter()
                .map(|c| {
                    vec![
                        Cell::text(format_fiscal_year(c.fiscal_year)),
                        Cell::link(&c.title, format!("{BASE}/{}", c.id)),
                        Cell::text(&c.owner_name),
                        Cell::text(status_text(c)),
                    ]
                })
                .collect(),
            empty: "年間行事カレンダーはまだありません。",
        }],
        printable: false,
    };
    Ok(pages::render(&page))
}

/// A liaison opens calendars of the districts served; a body its own.
fn check_scope(caller: &Caller, input: &AnnualCalendarInput) -> Result<(), AppError> {
    if caller.scope(Action::EventWrite) != Scope::Own {
        return Ok(());
    }
    let ok = match caller.role() {
        Role::Community => input.organisation_id.is_some() && input.organisation_id == caller.user.organisation_id,
        Role::Liaison => input.area_id.is_some_and(|a| caller.served_areas.contains(&a)),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let (field, message) = match caller.role() {
        Role::Community => ("organisation_id", "自分の団体のカレンダーだけを作れます"),
        _ => ("area_id", "担当している地区のカレンダーだけを作れます"),
    };
    Err(AppError::Invalid(FieldErrors::single(field, message)))
}

fn parse(caller: &Caller, fields: &HashMap<String, String>) -> Result<AnnualCalendarInput, AppError> {
    let mut fields = fields.clone();
    if caller.role() == Role::Community {
        let own = caller.user.organisation_id.map(|o| o.to_string()).unwrap_or_default();
        fields.insert("organisation_id".into(), own);
        fields.remove("area_id");
    }
    let input = AnnualCalendarInput::parse(&pages::form_getter(&fields))?;
    check_scope(caller, &input)?;
    Ok(input)
}

fn values(c: &AnnualCalendar) -> HashMap<String, String> {
    HashMap::from([
        ("area_id".into(), c.area_id.map(|a| a.to_string()).unwrap_or_default()),
        (
            "organisation_id".into(),
            c.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
        ("fiscal_year".into(), c.fiscal_year.to_string()),
        ("title".into(), c.title.clone()),
        ("entry_deadline".into(), iso_date(c.entry_deadline)),
        ("contact_points".into(), pages::opt(&c.contact_points)),
    ])
}

pub struct AnnualCalendars;

impl Editable for AnnualCalendars {
    const BASE: &'static str = BASE;
    type Row = AnnualCalendar;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<AnnualCalendar, AppError> {
        fetch(state, caller, id, write).await
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        caller.require(Action::EventWrite).map(|_| ())
    }

    fn id(row: &AnnualCalendar) -> i64 {
        row.id
    }

    fn version(row: &AnnualCalendar) -> i64 {
        row.version
    }

    fn values(row: &AnnualCalendar) -> HashMap<String, String> {
        values(row)
    }

    async fn create(
        state: &AppState,
        caller: &Caller,
        fields: &HashMap<String, String>,
    ) -> Result<AnnualCalendar, AppError> {
        let input = parse(caller, fields)?;
        Ok(store::create(&state.db, &caller.actor(), &input).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<AnnualCalendar, AppError> {
        let input = parse(caller, fields)?;
        Ok(store::update(&state.db, &caller.actor(), id, version, &input).await?)
    }

    async fn set_archived(_: &AppState, _: &Caller, _: i64, _: bool) -> Result<(), AppError> {
        Err(AppError::BadRequest("年間行事カレンダーは削除できません".into()))
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        mut form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        let mut fields = Vec::new();
        if caller.role() != Role::Community {
            let areas = crate::appointments::team::unit_options(state, caller, Action::EventWrite).await?;
            let orgs = kyodo_store::organisations::list(
                &state.db,
                caller.municipality.id,
                &caller.organisations_in(caller.scope(Action::EventWrite)),
                &kyodo_core::listing::ListQuery {
                    per_page: Some(kyodo_core::listing::MAX_PER_PAGE),
                    ..Default::default()
                },
            )
            .await?;
            fields.push(
                FieldSpec::select("area_id", "地区", areas)
                    .hint("地区のカレンダーなら地区を、団体のカレンダーなら団体を選びます"),
            );
            fields.push(FieldSpec::select(
                "organisation_id",
                "団体",
                pages::options(
                    &orgs.items,
                    |o| o.organisation.id.to_string(),
                    |o| o.organisation.name.clone(),
                ),
            ));
        }
        form.values
            .entry("fiscal_year".into())
            .or_insert_with(|| (fiscal_year(caller.today) + 1).to_string());
        fields.extend([
            FieldSpec::text("fiscal_year", "年度")
                .required()
                .hint("例: 2027（令和9年度）"),
            FieldSpec::text("title", "題名").hint("空欄なら「令和9年度 年間行事カレンダー」"),
            FieldSpec::date("entry_deadline", "登録の締切").hint("各団体がこの日までに行事予定に登録します"),
            FieldSpec::text("contact_points", "問い合わせ先")
                .kind(FieldKind::Textarea)
                .hint("印刷されて配られます。事務局や公民館など、1行に1つ。個人の電話番号は書かないでください"),
        ]);
        let page = FormPage::record(
            caller,
            BASE,
            editing,
            ("年間行事カレンダーを作る", "年間行事カレンダーの修正"),
            fields,
            form,
        );
        Ok((status, pages::render(&page)).into_response())
    }
}

pub async fn new_page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    AnnualCalendars::check_write(&caller)?;
    let mut values = HashMap::new();
    if let Some(first) = caller.served_areas.first() {
        values.insert("area_id".to_owned(), first.to_string());
    }
    AnnualCalendars::form_view(&state, &caller, FormState::new(values), None, StatusCode::OK).await
}

fn advert_fields() -> Vec<FieldSpec> {
    vec![
        FieldSpec::text("sponsor", "広告主").required(),
        FieldSpec::text("text", "広告の文").hint("例: 地域の台所 ○○食堂 営業 11時〜20時"),
        FieldSpec::text("fee", "広告料（円）").hint("例: 5000"),
    ]
}

async fn detail_view(
    state: &AppState,
    caller: &Caller,
    id: i64,
    notice: Option<&str>,
    advert_form: FormState,
) -> PageResult<Response> {
    let c = fetch(state, caller, id, false).await?;
    let write = caller.can(Action::EventWrite) && reaches(&reach(caller, Action::EventWrite), &c);
    let ads = store::adverts(&state.db, caller.municipality.id, id).await?;
    let income: i64 = ads.iter().map(|a| a.fee).sum();
    let mut items = vec![
        Item::new("年度", format_fiscal_year(c.fiscal_year)),
        Item::new("地区・団体", &c.owner_name),
        Item::new("状況", status_text(&c)),
        Item::new("問い合わせ先", pages::opt(&c.contact_points)),
        Item::new("広告料の合計", yen(income)),
        Item::link("印刷", "A4で印刷する", Some(format!("{BASE}/{id}/print"))),
        Item::link("印刷（A3）", "A3で印刷する", Some(format!("{BASE}/{id}/print?size=a3"))),
    ];
    if c.status == AnnualStatus::Published {
        items.push(Item::link(
            "公開ページ",
            "住民向けのページで見る",
            Some(format!("/p/{}/annual/{id}", caller.municipality.code)),
        ));
    }
    let section = Section {
        title: "広告枠".into(),
        personal: false,
        columns: vec!["広告主", "広告の文", "広告料"],
        rows: ads
            .iter()
            .map(|a| {
                (
                    vec![
                        Cell::text(&a.sponsor),
                        Cell::text(pages::opt(&a.text)),
                        Cell::text(yen(a.fee)),
                    ],
                    write.then(|| ActionButton {
                        action: format!("{BASE}/{id}/adverts/{}/delete", a.id),
                        label: "削除",
                        danger: true,
                    }),
                )
            })
            .collect(),
        empty: "広告枠はまだありません",
        form: write.then(|| InlineForm {
            action: format!("{BASE}/{id}/adverts"),
            fields: advert_fields(),
            form: advert_form,
            submit_label: "広告枠を追加する",
        }),
    };
    let mut buttons = Vec::new();
    if write && c.status == AnnualStatus::Collecting {
        buttons.push(ActionButton {
            action: format!("{BASE}/{id}/publish"),
            label: "確認して発行する",
            danger: false,
        });
    }
    let page = pages::DetailPage {
        layout: Layout::new(caller, c.title.clone(), super::BASE).with_notice(notice),
        heading: format!("{}（{}）", c.title, c.owner_name),
        back_href: BASE.into(),
        back_label: "年間行事カレンダー",
        archived: false,
        items,
        edit_href: write.then(|| format!("{BASE}/{id}/edit")),
        edit_label: "修正する",
        buttons,
        sections: vec![section],
    };
    Ok(page.response())
}

pub async fn detail_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    detail_view(&state, &caller, id, q.notice.as_deref(), FormState::default()).await
}

pub async fn publish_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    fetch(&state, &caller, id, true).await?;
    store::publish(&state.db, &caller.actor(), id, caller.today).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=recorded")).into_response())
}

pub async fn add_advert_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    fetch(&state, &caller, id, true).await?;
    let parsed = AdvertInput::parse(&pages::form_getter(&form.0));
    match parsed {
        Ok(input) => {
            store::add_advert(&state.db, &caller.actor(), id, &input).await?;
            Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
        }
        Err(errors) => {
            let mut f = FormState::new(form.0);
            f.errors = errors;
            detail_view(&state, &caller, id, None, f).await
        }
    }
}

pub async fn remove_advert_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath((id, advert)): PagePath<(i64, i64)>,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    fetch(&state, &caller, id, true).await?;
    store::remove_advert(&state.db, &caller.actor(), id, advert).await?;
    Ok(Redirect::to(&format!("{BASE}/{id}?notice=saved")).into_response())
}

/// The sheet: twelve months, the contact points and the advertisement boxes.
#[derive(Template)]
#[template(path = "annual.html")]
pub struct Sheet {
    pub title: String,
    pub owner: String,
    pub size: &'static str,
    /// 「令和9年3月1日発行」, or 「案（受付中）」 before it is issued.
    pub issued: String,
    pub months: Vec<MonthBox>,
    pub contacts: Vec<String>,
    pub adverts: Vec<Advert>,
    /// Where to go back to on screen.
    pub back: (String, String),
    /// Staff get a print button (a script); residents' page has no script.
    pub staff: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct PrintQuery {
    /// `a3` (landscape) or `a4` (portrait, the default).
    pub size: Option<String>,
}

/// The calendar's sheet: its public events of the 年度.
pub(crate) async fn sheet(
    state: &AppState,
    municipality_id: i64,
    c: &AnnualCalendar,
    size: Option<&str>,
    back: (String, String),
    staff: bool,
) -> Result<Sheet, AppError> {
    let reach = match (c.area_id, c.organisation_id) {
        (Some(a), _) => {
            let areas = kyodo_store::areas::all(&state.db, municipality_id, false).await?;
            Reach::InAreas(kyodo_core::public::area_and_below(&areas, a))
        }
        (_, Some(o)) => Reach::Organisation(o),
        _ => Reach::InAreas(Vec::new()),
    };
    let filter = EventFilter {
        from: Some(fiscal_year_start(c.fiscal_year)),
        to: Some(fiscal_year_end(c.fiscal_year)),
        public_only: true,
        limit: Some(5000),
        ..Default::default()
    };
    let events = kyodo_store::events::list(&state.db, municipality_id, &reach, &filter).await?;
    let ads = store::adverts(&state.db, municipality_id, c.id).await?;
    Ok(Sheet {
        title: c.title.clone(),
        owner: c.owner_name.clone(),
        size: if size == Some("a3") { "a3" } else { "a4" },
        issued: match c.published_on {
            Some(on) if c.status == AnnualStatus::Published => format!("{}発行", format_date_wareki(on)),
            _ => "案（受付中）".into(),
        },
        months: months(c.fiscal_year, &events),
        contacts: c
            .contact_points
            .as_deref()
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        adverts: ads,
        back,
        staff,
    })
}

pub async fn print_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<PrintQuery>,
) -> PageResult<Response> {
    let c = fetch(&state, &caller, id, false).await?;
    let back = ("カレンダーの管理に戻る".to_owned(), format!("{BASE}/{id}"));
    let sheet = sheet(&state, caller.municipality.id, &c, q.size.as_deref(), back, true).await?;
    Ok(pages::render(&sheet))
}

/// The issued calendar on the public site: printable by anyone.
pub async fn public_page(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    PageQuery(q): PageQuery<PrintQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    let render = async {
        let muni = crate::public::municipality(&state, &code).await?;
        let c = store::get(&state.db, muni.id, id).await?;
        if c.status != AnnualStatus::Published {
            return Err(AppError::NotFound);
        }
        let back = (format!("{}トップ", muni.name), format!("/p/{code}"));
        let sheet = sheet(&state, muni.id, &c, q.size.as_deref(), back, false).await?;
        let html = sheet.render().map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(("text/html; charset=utf-8", html.into_bytes()))
    };
    Ok(crate::public::cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}
