//! Issues, requests and proposals (地域課題・要望・提案): the list and inbox,
//! intake and correction forms, and the API. The detail page and the
//! workflow's transitions are in [`detail`].

pub mod dashboard;
pub mod detail;
pub mod files;
pub mod inbox;
pub mod progress;
pub mod templates;

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kyodo_core::accounts::Role;
use kyodo_core::issues::{IssueInput, IssueKind, IssueQuery, IssueRow, IssueStatus, Priority, Route, Source};
use kyodo_core::listing::Page;
use kyodo_core::permissions::Action;
use kyodo_core::validation::FieldErrors;
use kyodo_core::wareki::iso_date;
use kyodo_store::issues::{self, Reach};
use serde::Serialize;

use crate::AppState;
use crate::api::types::{ApiDate, nullable};
use crate::api::{ApiJson, ApiPath, ApiQuery, PageQuery, fields_of};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::editing::Editable;
use crate::error::{ApiResult, AppError, PageResult};
use crate::pages::{self, Cell, Column, FieldKind, FieldSpec, FormPage, FormState, Layout};
use serde::Deserialize;

pub const BASE: &str = "/issues";

/// The issue and its department routes, if `action` reaches it; 403 if it
/// exists but is out of reach. The routes decide a department's reach and
/// every page and answer of an issue shows them, so they are read once here.
pub async fn reachable(
    state: &AppState,
    caller: &Caller,
    action: Action,
    id: i64,
) -> Result<(IssueRow, Vec<Route>), AppError> {
    caller.require(action)?;
    let row = issues::get(&state.db, caller.municipality.id, id).await?;
    let routes = issues::routes(&state.db, caller.municipality.id, id).await?;
    if issues::reaches(&caller.issue_reach(action), &row.issue, &routes) {
        Ok((row, routes))
    } else {
        Err(AppError::Forbidden)
    }
}

/// What a community account may read of an issue: no team plan, no
/// internal notes, the team's inner steps shown as one status.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicIssue {
    pub id: i64,
    pub kind: IssueKind,
    pub title: String,
    pub body: String,
    pub category: String,
    pub area_name: String,
    pub organisation_name: Option<String>,
    pub received_on: chrono::NaiveDate,
    pub fiscal_year: i32,
    /// The status as the community sees it (受付済み, 対応を検討中…).
    pub status: String,
    pub closed: bool,
    pub answers: Vec<PublicAnswer>,
    pub reported_on: Option<chrono::NaiveDate>,
    pub report_text: Option<String>,
    pub continuing: bool,
    pub version: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicAnswer {
    pub department: String,
    pub stance: String,
    pub answer: String,
    pub expected_on: Option<chrono::NaiveDate>,
}

pub fn public_issue(row: &IssueRow, routes: &[kyodo_core::issues::Route]) -> PublicIssue {
    let i = &row.issue;
    PublicIssue {
        id: i.id,
        kind: i.kind,
        title: i.title.clone(),
        body: i.body.clone(),
        category: i.category.clone(),
        area_name: row.area_name.clone(),
        organisation_name: row.organisation_name.clone(),
        received_on: i.received_on,
        fiscal_year: i.fiscal_year,
        status: i.status.public_label().to_owned(),
        closed: !i.status.is_open(),
        answers: routes
            .iter()
            .filter(|r| r.is_active())
            .filter_map(|r| {
                Some(PublicAnswer {
                    department: r.department_name.clone(),
                    stance: r.stance?.label().to_owned(),
                    answer: r.answer_text.clone()?,
                    expected_on: r.expected_on,
                })
            })
            .collect(),
        reported_on: i.reported_on,
        report_text: i.report_text.clone(),
        continuing: i.continuing,
        version: i.version,
    }
}

/// An issue as the API gives it: all of it to staff, the public part to the community.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum IssueView {
    Staff {
        #[serde(flatten)]
        row: Box<IssueRow>,
        routes: Vec<kyodo_core::issues::Route>,
    },
    Public(Box<PublicIssue>),
}

/// The issue as this caller may read it, after a write (its routes read afresh).
pub async fn view(state: &AppState, caller: &Caller, row: IssueRow) -> Result<IssueView, AppError> {
    let routes = issues::routes(&state.db, caller.municipality.id, row.issue.id).await?;
    Ok(view_of(caller, row, routes))
}

pub fn view_of(caller: &Caller, row: IssueRow, routes: Vec<Route>) -> IssueView {
    if caller.can(Action::IssueInternalRead) {
        IssueView::Staff {
            row: Box::new(row),
            routes,
        }
    } else {
        IssueView::Public(Box::new(public_issue(&row, &routes)))
    }
}

fn values(row: &IssueRow) -> HashMap<String, String> {
    let i = &row.issue;
    let opt_f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    HashMap::from([
        ("kind".into(), i.kind.key().into()),
        ("title".into(), i.title.clone()),
        ("body".into(), i.body.clone()),
        ("category".into(), i.category.clone()),
        ("area_id".into(), i.area_id.to_string()),
        (
            "organisation_id".into(),
            i.organisation_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
        ("priority".into(), i.priority.key().into()),
        ("location".into(), pages::opt(&i.location)),
        ("latitude".into(), opt_f(i.latitude)),
        ("longitude".into(), opt_f(i.longitude)),
        ("fiscal_year".into(), i.fiscal_year.to_string()),
        ("source".into(), i.source.key().into()),
        ("source_note".into(), pages::opt(&i.source_note)),
        ("received_on".into(), iso_date(Some(i.received_on))),
    ])
}

/// Reads an intake or correction. A community account's issue is always
/// its own organisation's, in that organisation's area, from its own form.
async fn parse_input(
    state: &AppState,
    caller: &Caller,
    fields: &HashMap<String, String>,
) -> Result<IssueInput, AppError> {
    let mut fields = fields.clone();
    if caller.role() == Role::Community {
        let org_id = caller.user.organisation_id.ok_or(AppError::Forbidden)?;
        let org = kyodo_store::organisations::get(&state.db, caller.municipality.id, org_id).await?;
        fields.insert("organisation_id".into(), org_id.to_string());
        fields.insert(
            "area_id".into(),
            org.organisation.area_id.map(|a| a.to_string()).unwrap_or_default(),
        );
        fields.insert("source".into(), Source::CommunityForm.key().into());
        fields.remove("received_on");
        fields.remove("fiscal_year");
    }
    let input = IssueInput::parse(&pages::form_getter(&fields), &caller.municipality.scheme, caller.today)?;
    // Liaison staff take issues in for the districts they serve.
    if caller.role() == Role::Liaison && !caller.served_areas.contains(&input.area_id) {
        return Err(AppError::Invalid(FieldErrors::single(
            "area_id",
            "担当している地区の課題だけを受け付けられます",
        )));
    }
    Ok(input)
}

/// The issue pages that share the generic create and edit handlers.
pub struct Issues;

impl Editable for Issues {
    const BASE: &'static str = BASE;
    type Row = IssueRow;

    async fn fetch(state: &AppState, caller: &Caller, id: i64, write: bool) -> Result<IssueRow, AppError> {
        let action = if write { Action::IssueEdit } else { Action::IssueRead };
        Ok(reachable(state, caller, action, id).await?.0)
    }

    fn check_write(caller: &Caller) -> Result<(), AppError> {
        if caller.can(Action::IssueCreate) || caller.can(Action::IssueEdit) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    fn id(row: &IssueRow) -> i64 {
        row.issue.id
    }

    fn version(row: &IssueRow) -> i64 {
        row.issue.version
    }

    fn values(row: &IssueRow) -> HashMap<String, String> {
        values(row)
    }

    async fn create(state: &AppState, caller: &Caller, fields: &HashMap<String, String>) -> Result<IssueRow, AppError> {
        caller.require(Action::IssueCreate)?;
        let input = parse_input(state, caller, fields).await?;
        Ok(issues::create(&state.db, &caller.actor(), &input).await?)
    }

    async fn save(
        state: &AppState,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &HashMap<String, String>,
    ) -> Result<IssueRow, AppError> {
        caller.require(Action::IssueEdit)?;
        let input = parse_input(state, caller, fields).await?;
        Ok(issues::update(&state.db, &caller.actor(), id, version, &input).await?)
    }

    async fn set_archived(_: &AppState, _: &Caller, _: i64, _: bool) -> Result<(), AppError> {
        Err(AppError::Refused(
            "課題はアーカイブしません。取り下げや重複は理由を付けて完了にしてください".into(),
        ))
    }

    async fn form_view(
        state: &AppState,
        caller: &Caller,
        mut form: FormState,
        editing: Option<(i64, i64)>,
        status: StatusCode,
    ) -> PageResult<Response> {
        default_priority(&mut form);
        let scheme = &caller.municipality.scheme;
        let community = caller.role() == Role::Community;
        let mut fields = vec![
            FieldSpec::select("kind", "種別", IssueKind::options()).required(),
            FieldSpec::text("title", "件名")
                .required()
                .hint("一言で。例: 通学路の街灯が切れている"),
            FieldSpec::text("body", "内容")
                .kind(FieldKind::Textarea)
                .required()
                .hint("いつ・どこで・何が困っているか。個人の氏名や連絡先は書かないでください"),
            FieldSpec::select("category", "分類", pages::string_options(&scheme.issue_categories)).required(),
            FieldSpec::select("priority", "地区の優先度", Priority::options()),
            FieldSpec::text("location", "場所").hint("住所や目印。例: 〇〇公民館前の交差点"),
        ];
        if !community {
            let muni = caller.municipality.id;
            let mut areas = kyodo_store::areas::all(&state.db, muni, false).await?;
            if caller.role() == Role::Liaison {
                areas.retain(|a| caller.served_areas.contains(&a.id));
            }
            let orgs = kyodo_store::organisations::list(
                &state.db,
                muni,
                &caller.organisations_in(caller.scope(Action::OrganisationRead)),
                &kyodo_core::listing::ListQuery {
                    per_page: Some(kyodo_core::listing::MAX_PER_PAGE),
                    ..Default::default()
                },
            )
            .await?;
            fields.splice(
                4..4,
                [
                    FieldSpec::select(
                        "area_id",
                        "地区",
                        pages::options(&areas, |a| a.id.to_string(), |a| a.name.clone()),
                    )
                    .required(),
                    FieldSpec::select(
                        "organisation_id",
                        "団体",
                        pages::options(
                            &orgs.items,
                            |o| o.organisation.id.to_string(),
                            |o| o.organisation.name.clone(),
                        ),
                    ),
                ],
            );
            fields.extend([
                FieldSpec::text("map_point", "地図の位置（貼り付け）")
                    .hint("地理院地図やGoogleマップで場所を開き、そのURLを貼り付けてください（任意）。「32.9870, 130.4330」でも構いません"),
                FieldSpec::text("latitude", "緯度").hint("数値で入れる場合。例: 32.9870"),
                FieldSpec::text("longitude", "経度").hint("例: 130.4330"),
                FieldSpec::select("source", "受付経路", Source::options()),
                FieldSpec::text("source_note", "受付の経緯").hint("例: 11月役員会、窓口での相談"),
                FieldSpec::date("received_on", "受付日").hint("空欄なら今日。令和8年11月1日 のようにも入力できます"),
                FieldSpec::text("fiscal_year", "年度").hint("空欄なら受付日の年度（西暦4桁）"),
            ]);
        }
        let (heading, action, version) = match editing {
            Some((id, version)) => ("課題の修正".to_owned(), format!("{BASE}/{id}"), Some(version)),
            None if community => ("課題・要望を市に伝える".to_owned(), BASE.to_owned(), None),
            None => ("課題・要望の受付".to_owned(), BASE.to_owned(), None),
        };
        let page = FormPage {
            layout: Layout::new(caller, heading.clone(), BASE),
            heading,
            intro: if community {
                "地域担当職員が受け付け、市の担当部署と調整して回答します。".into()
            } else {
                String::new()
            },
            action,
            fields,
            form,
            submit_label: if editing.is_some() {
                "保存する"
            } else {
                "受け付ける"
            },
            cancel_href: editing.map_or(BASE.to_owned(), |(id, _)| format!("{BASE}/{id}")),
            version,
            multipart: false,
        };
        Ok((status, pages::render(&page)).into_response())
    }
}

/// The list's filters (not its page) as a query string, for the CSV link beside it.
fn export_params(q: &IssueQuery) -> String {
    let all_pages = IssueQuery {
        page: None,
        per_page: None,
        ..q.clone()
    };
    serde_urlencoded::to_string(&all_pages).unwrap_or_default()
}

/// What the server adds to a caller's query: department staff asking for
/// pending or progress answers mean their own department's, and the
/// progress round comes from the municipality's schedule.
pub fn server_filters(caller: &Caller, mut q: IssueQuery) -> IssueQuery {
    let own_work = q.pending == Some(true) || q.progress_due == Some(true);
    if caller.role() == Role::Department && own_work && q.department_id.is_none() {
        q.department_id = caller.user.department_id;
    }
    q.progress_since =
        kyodo_core::issues::progress::round_start(caller.today, &caller.municipality.scheme.progress_months);
    q
}

/// The list filters as a page shows them.
fn filter_bar(caller: &Caller, q: &IssueQuery, areas: &[kyodo_core::areas::Area]) -> Vec<pages::Filter> {
    let scheme = &caller.municipality.scheme;
    let statuses: Vec<(String, String)> = std::iter::once((String::new(), "（すべて）".to_owned()))
        .chain(
            IssueStatus::ALL
                .iter()
                .map(|s| (s.key().to_owned(), s.label().to_owned())),
        )
        .collect();
    let this_year = kyodo_core::wareki::fiscal_year(caller.today);
    let years: Vec<(String, String)> = std::iter::once((String::new(), "（すべて）".to_owned()))
        .chain(
            (this_year - 4..=this_year)
                .rev()
                .map(|y| (y.to_string(), kyodo_core::wareki::format_fiscal_year(y))),
        )
        .collect();
    vec![
        pages::Filter {
            name: "status",
            label: "状況",
            options: statuses,
            value: q.status.clone().unwrap_or_default(),
        },
        pages::Filter {
            name: "category",
            label: "分類",
            options: pages::string_options(&scheme.issue_categories),
            value: q.category.clone().unwrap_or_default(),
        },
        pages::Filter {
            name: "area_id",
            label: "地区",
            options: pages::options(areas, |a| a.id.to_string(), |a| a.name.clone()),
            value: q.area_id.map(|a| a.to_string()).unwrap_or_default(),
        },
        pages::Filter {
            name: "fiscal_year",
            label: "年度",
            options: years,
            value: q.fiscal_year.map(|y| y.to_string()).unwrap_or_default(),
        },
    ]
}

fn due_text(caller: &Caller, row: &IssueRow) -> (String, Option<&'static str>) {
    let i = &row.issue;
    match i.answer_due_on {
        Some(due) if i.status == IssueStatus::AwaitingAnswer => {
            let late = due < caller.today;
            (pages::date_ja(&due), late.then_some("期限超過"))
        }
        _ => (String::new(), None),
    }
}

pub async fn list_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<IssueQuery>,
) -> PageResult<Response> {
    caller.require(Action::IssueRead)?;
    let q = server_filters(&caller, q);
    let reach = caller.issue_reach(Action::IssueRead);
    let page = issues::list(&state.db, caller.municipality.id, &reach, &q, caller.today).await?;
    let community = caller.role() == Role::Community;
    let heading = if community {
        "地域からの課題・要望"
    } else {
        "課題・要望・提案"
    };
    let mut list = pages::list_page(Layout::new(&caller, heading, BASE), heading, BASE, &q.as_list_query());
    list.search_hint = "件名・内容・回答（2文字から）";
    list.export_href = Some(format!("{BASE}/export.csv?{}", export_params(&q)));
    list.links
        .push(("Excelで書き出す", format!("{BASE}/export.xlsx?{}", export_params(&q))));
    if caller.can(Action::IssueInternalRead) {
        list.links.push(("状況（グラフ）", format!("{BASE}/dashboard")));
        list.links.push(("進捗回答書", format!("{BASE}/progress-report")));
    }
    list.show_archived = false;
    if caller.can(Action::IssueCreate) {
        list.new_href = Some(format!("{BASE}/new"));
        list.new_label = if community {
            "課題・要望を伝える"
        } else {
            "新規受付"
        };
    }
    if !community {
        let areas = kyodo_store::areas::all(&state.db, caller.municipality.id, false).await?;
        list.filters = filter_bar(&caller, &q, &areas);
        list.checks = vec![
            pages::Check {
                name: "overdue",
                label: "回答期限を過ぎたもの",
                checked: q.overdue.unwrap_or(false),
            },
            pages::Check {
                name: "open",
                label: "完了を除く",
                checked: q.open.unwrap_or(false),
            },
            pages::Check {
                name: "continuing",
                label: "継続案件",
                checked: q.continuing.unwrap_or(false),
            },
            pages::Check {
                name: "progress_due",
                label: "進捗回答待ち",
                checked: q.progress_due.unwrap_or(false),
            },
        ];
        if caller.role() == Role::Department {
            list.checks.push(pages::Check {
                name: "pending",
                label: "自分の部署の回答待ち",
                checked: q.pending.unwrap_or(false),
            });
        }
    }
    list.columns = vec![
        Column::new("受付日", Some("received")),
        Column::new("件名", None),
        Column::new("種別", None).desk_only(),
        Column::new("分類", None).desk_only(),
        Column::new("地区", None).desk_only(),
        Column::new("状況", None),
        Column::new("回答期限", if community { None } else { Some("due") }).desk_only(),
    ];
    list.rows = page
        .items
        .iter()
        .map(|r| {
            let i = &r.issue;
            let (due, late) = if community {
                (String::new(), None)
            } else {
                due_text(&caller, r)
            };
            let status = if community {
                i.status.public_label()
            } else {
                i.status.label()
            };
            vec![
                Cell::text(pages::date_ja(&i.received_on)),
                Cell::link(i.title.clone(), format!("{BASE}/{}", i.id)),
                Cell::text(i.kind.label()),
                Cell::text(i.category.clone()),
                Cell::text(r.area_name.clone()),
                Cell::text(status).tagged(i.continuing.then_some("継続")),
                Cell::text(due).tagged(late),
            ]
        })
        .collect();
    pages::page_links(&mut list, &page);
    Ok(pages::render(&list))
}

/// One issue of a list: all of it for staff, the public part for the community.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum IssueListItem {
    Staff(Box<IssueRow>),
    Public(Box<PublicIssue>),
}

/// Issues, filtered and searched (`q`: Japanese full text, two characters and up).
#[utoipa::path(get, path = "/issues", tag = "issues", params(IssueQuery),
    responses((status = 200, body = Page<IssueListItem>, description = "One page of issues; the community gets the public part only")))]
pub async fn list_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<IssueQuery>,
) -> ApiResult<Response> {
    caller.require(Action::IssueRead)?;
    let q = server_filters(&caller, q);
    let reach = caller.issue_reach(Action::IssueRead);
    let page = issues::list(&state.db, caller.municipality.id, &reach, &q, caller.today).await?;
    if caller.can(Action::IssueInternalRead) {
        return Ok(Json(page).into_response());
    }
    let ids: Vec<i64> = page.items.iter().map(|r| r.issue.id).collect();
    let routes = issues::routes_of(&state.db, caller.municipality.id, &ids).await?;
    let items: Vec<_> = page
        .items
        .iter()
        .map(|row| {
            let mine: Vec<_> = routes.iter().filter(|r| r.issue_id == row.issue.id).cloned().collect();
            public_issue(row, &mine)
        })
        .collect();
    Ok(Json(page.with_items(items)).into_response())
}

#[utoipa::path(get, path = "/issues/{id}", tag = "issues", params(("id" = i64, Path, description = "課題の番号")),
    responses((status = 200, body = IssueView)))]
pub async fn get_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<IssueView>> {
    let (row, routes) = reachable(&state, &caller, Action::IssueRead, id).await?;
    Ok(Json(view_of(&caller, row, routes)))
}

/// An issue as it is taken in (受付). A community account's issue is always
/// its own organisation's, in that organisation's district: it sends neither.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueCreate {
    pub kind: IssueKind,
    /// 件名.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// 内容: いつ・どこで・何が.
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// 分類: one of the scheme's categories (`GET /scheme`, `issue_categories`).
    #[schema(min_length = 1, max_length = 100)]
    pub category: String,
    /// 地区: required of staff (a liaison: a district they serve).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub organisation_id: Option<i64>,
    /// 地区の優先度; `normal` when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// 場所: an address or landmark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub location: Option<String>,
    /// 緯度, with `longitude`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<f64>,
    /// A 地理院地図 or Google マップ link, or 「32.9870, 130.4330」, instead of `latitude` and `longitude`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub map_point: Option<String>,
    /// 受付経路; `meeting` when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// 受付の経緯, e.g. 「11月役員会」.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub source_note: Option<String>,
    /// 受付日; today when not sent, never in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<ApiDate>,
    /// 年度; the received date's when not sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
}

impl crate::api::ApiBody for IssueCreate {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::IssueCreate
    }
}

/// A correction of an issue: only the fields sent change; `null` clears an
/// optional one. Send `version` to be told (409) of someone else's change.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssuePatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<IssueKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 10000)]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub area_id: Option<i64>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<i64>, minimum = 1)]
    pub organisation_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 2000)]
    pub map_point: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub source_note: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<ApiDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 2000, maximum = 2100)]
    pub fiscal_year: Option<i32>,
    /// The version read; a newer one on the server is a 409.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

impl crate::api::ApiBody for IssuePatch {
    fn action(_: &serde_json::Value) -> kyodo_core::permissions::Action {
        kyodo_core::permissions::Action::IssueEdit
    }
}

/// Takes an issue in; it waits for sorting (`status: received`).
#[utoipa::path(post, path = "/issues", tag = "issues", request_body = IssueCreate,
    responses((status = 201, body = IssueView)))]
pub async fn create_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<IssueCreate>,
) -> ApiResult<Response> {
    let row = Issues::create(&state, &caller, &fields_of(&body)).await?;
    let view = view(&state, &caller, row).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

/// Corrects an issue's fields; send `version` to be told of a conflict.
#[utoipa::path(patch, path = "/issues/{id}", tag = "issues", params(("id" = i64, Path, description = "課題の番号")), request_body = IssuePatch,
    responses((status = 200, body = IssueView)))]
pub async fn patch_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<IssuePatch>,
) -> ApiResult<Json<IssueView>> {
    let row = crate::editing::patch::<Issues>(&state, &caller, id, body.version, fields_of(&body)).await?;
    Ok(Json(view(&state, &caller, row).await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// The title (and text) being typed.
    #[param(max_length = 2000)]
    pub text: String,
    /// An issue to leave out (the one being edited).
    pub exclude: Option<i64>,
}

/// An issue like the one being typed, from any district (他地域での事例).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarIssue {
    pub id: i64,
    pub title: String,
    pub area_name: String,
    /// The status in Japanese (受付（整理待ち）…).
    pub status: String,
    pub received_on: chrono::NaiveDate,
}

/// Past issues like the text being typed, from every district the caller reaches (他地域での事例).
#[utoipa::path(get, path = "/issues/similar", tag = "issues", params(SimilarQuery),
    responses((status = 200, body = [SimilarIssue], description = "Up to 5 issues, best first")))]
pub async fn similar_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<SimilarQuery>,
) -> ApiResult<Json<Vec<SimilarIssue>>> {
    caller.require(Action::IssueRead)?;
    let rows = similar(&state, &caller, &q.text, q.exclude).await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| SimilarIssue {
                id: r.issue.id,
                status: r.issue.status.label().to_owned(),
                title: r.issue.title,
                area_name: r.area_name,
                received_on: r.issue.received_on,
            })
            .collect(),
    ))
}

/// Similar issues: staff see every district (other districts' answers are
/// the point), the community only their own organisation's.
pub async fn similar(
    state: &AppState,
    caller: &Caller,
    text: &str,
    exclude: Option<i64>,
) -> Result<Vec<IssueRow>, AppError> {
    let reach = match caller.role() {
        Role::Liaison | Role::Coordinator => Reach::All,
        _ => caller.issue_reach(Action::IssueRead),
    };
    Ok(issues::similar(&state.db, caller.municipality.id, &reach, text, exclude, 5).await?)
}

/// Export rows stop here: a filter narrows a larger set first.
const EXPORT_LIMIT: u32 = 50_000;

#[derive(serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
    /// For CSV: `utf-8` (default, with BOM for Excel) or `cp932`.
    #[param(pattern = "^(utf-8|cp932)$")]
    pub encoding: Option<String>,
}

/// The filtered list's rows, every page of it (up to 50,000).
async fn export_rows(state: &AppState, caller: &Caller, q: IssueQuery) -> Result<Vec<Vec<String>>, AppError> {
    caller.require(Action::IssueRead)?;
    let q = server_filters(caller, q);
    let reach = caller.issue_reach(Action::IssueRead);
    let internal = caller.can(Action::IssueInternalRead);
    let per_page = kyodo_core::listing::MAX_PER_PAGE;
    let mut lines = Vec::new();
    for page in 1..=EXPORT_LIMIT / per_page {
        let paged = IssueQuery {
            page: Some(page),
            per_page: Some(per_page),
            ..q.clone()
        };
        let rows = issues::list(&state.db, caller.municipality.id, &reach, &paged, caller.today).await?;
        let ids: Vec<i64> = rows.items.iter().map(|r| r.issue.id).collect();
        let routes = issues::routes_of(&state.db, caller.municipality.id, &ids).await?;
        lines.extend(
            rows.items
                .iter()
                .map(|r| kyodo_core::issues::csv_row(r, &routes, internal)),
        );
        if rows.items.len() < per_page as usize {
            break;
        }
    }
    Ok(lines)
}

/// The filtered list as CSV or an Excel workbook.
async fn export(state: &AppState, caller: &Caller, q: IssueQuery, e: &ExportQuery) -> Result<Response, AppError> {
    use kyodo_core::encoding::encode_csv;
    let stem = format!("issues-{}", caller.today.format("%Y%m%d"));
    match e.format.as_deref() {
        None | Some("") | Some("csv") => {}
        Some("xlsx") => {
            let lines = export_rows(state, caller, q).await?;
            let sheet = crate::xlsx::Sheet {
                name: "課題一覧".into(),
                headers: kyodo_core::issues::CSV_COLUMNS
                    .iter()
                    .map(|c| c.header.to_owned())
                    .collect(),
                rows: lines
                    .into_iter()
                    .map(|line| line.into_iter().map(crate::xlsx::XCell::Text).collect())
                    .collect(),
            };
            let bytes = crate::xlsx::workbook(vec![sheet])?;
            return Ok(crate::xlsx::attachment(bytes, &format!("{stem}.xlsx")));
        }
        Some(_) => return Err(AppError::BadRequest("format は csv か xlsx を指定してください".into())),
    }
    let enc = crate::data::text_encoding(e.encoding.as_deref())?;
    let lines = export_rows(state, caller, q).await?;
    let text = kyodo_core::csv_import::write_table(kyodo_core::issues::CSV_COLUMNS, lines);
    let bytes = encode_csv(&text, enc).map_err(|e| AppError::Refused(e.to_string()))?;
    Ok(crate::data::csv_attachment(bytes, enc, &format!("{stem}.csv")))
}

pub async fn export_file(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<IssueQuery>,
    PageQuery(e): PageQuery<ExportQuery>,
) -> PageResult<Response> {
    Ok(export(&state, &caller, q, &e).await?)
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<IssueQuery>,
) -> PageResult<Response> {
    let e = ExportQuery {
        format: Some("xlsx".into()),
        encoding: None,
    };
    Ok(export(&state, &caller, q, &e).await?)
}

/// The filtered issue list, every page: CSV (UTF-8 with BOM, or `encoding=cp932`) or `format=xlsx`.
#[utoipa::path(get, path = "/issues/export", tag = "issues", params(IssueQuery, ExportQuery),
    responses((status = 200, description = "CSV (UTF-8 with BOM, or Shift_JIS) or an Excel workbook",
        content((String = "text/csv"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 409, description = "CP932 cannot hold some characters (listed); export as UTF-8", body = crate::error::ErrorBody)))]
pub async fn export_api(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(q): ApiQuery<IssueQuery>,
    ApiQuery(e): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    Ok(export(&state, &caller, q, &e).await?)
}

/// A new issue's form starts at the default priority, not at the first
/// choice (高): the issue form and the one under a meeting's minutes alike.
pub fn default_priority(form: &mut FormState) {
    if form.v("priority").is_empty() {
        form.values.insert("priority".into(), Priority::DEFAULT.key().into());
    }
}
