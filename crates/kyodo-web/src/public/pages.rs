//! The public pages: the municipality's top, a district, an organisation,
//! an event and the calendar by month.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::{Datelike, Days, Months, NaiveDate};
use kyodo_core::appointments::position_name;
use kyodo_core::areas::Area;
use kyodo_core::events::EventKind;
use kyodo_core::municipalities::Municipality;
use kyodo_core::organisations::Organisation;
use kyodo_core::public::{
    PublicCaseStudy, PublicEvent, PublicGrant, PublicOrganisation, PublicPlan, PublicReport, area_and_below,
    district_of, find_districts,
};
use kyodo_core::wareki::{format_date_wareki, format_fiscal_year};
use kyodo_store::appointments::AppointmentFilter;
use kyodo_store::events::{EventFilter, Reach};

use super::cache::{self, Rendered};
use super::view::{Block, EventView, LinkItem, PublicPage, ReportView, SiteHead};
use crate::AppState;
use crate::api::{PagePath, PageQuery};
use crate::error::{AppError, PageResult};

/// What every public page of a municipality starts from.
pub(super) struct Site {
    pub muni: Municipality,
    pub areas: Vec<Area>,
    pub today: NaiveDate,
    public_url: Option<String>,
}

impl Site {
    pub async fn load(state: &AppState, code: &str) -> Result<Site, AppError> {
        let muni = super::municipality(state, code).await?;
        let areas = kyodo_store::areas::all(&state.db, muni.id, false).await?;
        Ok(Site {
            muni,
            areas,
            today: state.today(),
            public_url: state.config.public_url.clone(),
        })
    }

    pub fn code(&self) -> &str {
        &self.muni.code
    }

    /// The configured public address before a path, for links that must be
    /// absolute (iCal URL); `None` when kyodo was not told its address.
    pub fn absolute(&self, path: &str) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|base| format!("{}{path}", base.trim_end_matches('/')))
    }

    pub fn home(&self) -> String {
        format!("/p/{}", self.muni.code)
    }

    fn level_name(&self, a: &Area) -> String {
        self.muni
            .scheme
            .area_levels
            .get(a.level as usize)
            .cloned()
            .unwrap_or_else(|| "地区".into())
    }

    /// The liaison level's areas: the districts residents look for.
    pub fn districts(&self) -> Vec<&Area> {
        let level = self.muni.scheme.liaison_level;
        self.areas.iter().filter(|a| a.level as usize == level).collect()
    }

    pub fn area(&self, id: i64) -> Result<&Area, AppError> {
        self.areas.iter().find(|a| a.id == id).ok_or(AppError::NotFound)
    }

    pub(super) fn page(&self, path: &str, title: String, description: String) -> PublicPage {
        PublicPage {
            site: SiteHead {
                name: self.muni.name.clone(),
                code: self.muni.code.clone(),
            },
            heading: title.clone(),
            title,
            description,
            canonical: self.absolute(path),
            breadcrumbs: vec![(format!("{}トップ", self.muni.name), self.home())],
            lead: None,
            facts: Vec::new(),
            blocks: Vec::new(),
            feeds: Vec::new(),
        }
    }

    /// Public events from `from`, at most `limit`.
    pub async fn events(
        &self,
        state: &AppState,
        reach: &Reach,
        filter: EventFilter,
    ) -> Result<Vec<PublicEvent>, AppError> {
        let filter = EventFilter {
            public_only: true,
            ..filter
        };
        let rows = kyodo_store::events::list(&state.db, self.muni.id, reach, &filter).await?;
        Ok(rows.iter().filter_map(|e| PublicEvent::of(e, self.code())).collect())
    }

    pub async fn reports(
        &self,
        state: &AppState,
        area_id: Option<i64>,
        limit: u64,
    ) -> Result<Vec<PublicReport>, AppError> {
        let rows = kyodo_store::issues::publication::public_reports(&state.db, self.muni.id, area_id, limit).await?;
        Ok(rows.iter().filter_map(|r| PublicReport::of(r, true)).collect())
    }

    /// Published case studies, newest first: a district's, or those matching `words`.
    pub async fn cases(
        &self,
        state: &AppState,
        area_id: Option<i64>,
        words: Option<String>,
        limit: u64,
    ) -> Result<Vec<PublicCaseStudy>, AppError> {
        let filter = kyodo_store::case_studies::CaseFilter {
            q: words,
            area_id,
            published_only: true,
            limit,
        };
        let rows = kyodo_store::case_studies::list(&state.db, self.muni.id, &filter).await?;
        Ok(rows.iter().filter_map(PublicCaseStudy::of).collect())
    }

    /// A body's published plans with their projects, newest first.
    pub async fn plans(&self, state: &AppState, organisation_id: i64) -> Result<Vec<PublicPlan>, AppError> {
        let published = kyodo_store::plans::public_of(&state.db, self.muni.id, organisation_id).await?;
        Ok(published
            .iter()
            .filter_map(|(plan, projects)| PublicPlan::of(plan, projects))
            .collect())
    }

    /// The issued 年間行事カレンダー of a district or body, as links to their sheets.
    pub async fn annual_block(
        &self,
        state: &AppState,
        of: impl Fn(&kyodo_core::events::annual::AnnualCalendar) -> bool,
    ) -> Result<Option<Block>, AppError> {
        let issued = kyodo_store::events::annual::published(&state.db, self.muni.id).await?;
        let items: Vec<LinkItem> = issued
            .iter()
            .filter(|c| of(c))
            .map(|c| LinkItem {
                label: c.title.clone(),
                href: format!("{}/annual/{}", self.home(), c.id),
                note: "印刷できます".into(),
            })
            .collect();
        Ok((!items.is_empty()).then(|| Block::Links {
            title: "年間行事カレンダー".into(),
            items,
            empty: "",
        }))
    }

    pub async fn organisations(&self, state: &AppState) -> Result<Vec<Organisation>, AppError> {
        let mut all = kyodo_store::organisations::all(&state.db, self.muni.id).await?;
        all.retain(|o| o.archived_at.is_none());
        Ok(all)
    }

    /// One organisation that is not archived, or 404.
    pub async fn organisation(&self, state: &AppState, id: i64) -> Result<Organisation, AppError> {
        let row = kyodo_store::organisations::get(&state.db, self.muni.id, id).await?;
        if row.organisation.archived_at.is_some() {
            return Err(AppError::NotFound);
        }
        Ok(row.organisation)
    }
}

pub(super) fn html(page: &PublicPage) -> Rendered {
    use askama::Template;
    let html = page.render().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(("text/html; charset=utf-8", html.into_bytes()))
}

fn events_block(
    title: impl Into<String>,
    events: &[PublicEvent],
    code: &str,
    empty: &'static str,
    more: Option<(String, String)>,
) -> Block {
    Block::Events {
        title: title.into(),
        events: events.iter().map(|e| EventView::of(e, code)).collect(),
        empty,
        more,
    }
}

fn org_note(o: &PublicOrganisation) -> String {
    let mut parts = vec![o.kind.clone()];
    parts.extend(o.stage.clone());
    if let Some(on) = o.approved_on {
        parts.push(format!("{}認可", format_date_wareki(on)));
    }
    parts.join("・")
}

fn upcoming(today: NaiveDate, limit: u64) -> EventFilter {
    EventFilter {
        from: Some(today),
        limit: Some(limit),
        ..Default::default()
    }
}

#[derive(serde::Deserialize, Default)]
pub struct TopQuery {
    pub q: Option<String>,
}

/// The municipality's top: the scheme in a paragraph, finding one's
/// district, the districts, what is coming up and what the city answered.
pub async fn top(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    PageQuery(query): PageQuery<TopQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), top_page(&state, &code, query)).await?)
}

async fn top_page(state: &AppState, code: &str, query: TopQuery) -> Rendered {
    let site = Site::load(state, code).await?;
    let name = site.muni.name.clone();
    let intro = site.muni.scheme.public_intro(&name);
    let mut page = site.page(
        &site.home(),
        format!("{name} 地域のページ"),
        intro.chars().take(120).collect(),
    );
    page.breadcrumbs.clear();
    page.lead = Some(intro);
    let q = query.q.unwrap_or_default();
    let results = (!q.trim().is_empty()).then(|| {
        find_districts(&site.areas, site.muni.scheme.liaison_level, &q)
            .into_iter()
            .map(|(found, district)| LinkItem {
                label: district.name.clone(),
                href: format!("{}/areas/{}", site.home(), district.id),
                note: if found.id == district.id {
                    String::new()
                } else {
                    format!("{}はこの地区です", found.name)
                },
            })
            .collect()
    });
    page.blocks.push(Block::Search {
        action: site.home(),
        value: q,
        results,
    });
    let events = site.events(state, &Reach::All, upcoming(site.today, 8)).await?;
    page.blocks.push(events_block(
        "近日の行事",
        &events,
        site.code(),
        "予定されている公開の行事はありません。",
        Some(("行事カレンダーをすべて見る".into(), format!("{}/calendar", site.home()))),
    ));
    let level = site
        .districts()
        .first()
        .map(|a| site.level_name(a))
        .unwrap_or_else(|| "地区".into());
    page.blocks.push(Block::Links {
        title: format!("{level}の一覧"),
        items: site
            .districts()
            .iter()
            .map(|a| LinkItem {
                label: a.name.clone(),
                href: format!("{}/areas/{}", site.home(), a.id),
                note: String::new(),
            })
            .collect(),
        empty: "地区はまだ登録されていません。",
    });
    let reports = site.reports(state, None, 5).await?;
    page.blocks.push(Block::Reports {
        title: "最近の地域への報告".into(),
        reports: reports.iter().map(ReportView::of).collect(),
        empty: "公開された報告はまだありません。",
    });
    let cases = site.cases(state, None, None, 5).await?;
    page.blocks.push(super::cases::links_block("最近の事例", &site, &cases));
    page.feeds
        .push((format!("{name}の行事"), format!("{}/calendar.ics", site.home())));
    html(&page)
}

/// A district: its organisations, its liaison team, its events and the
/// reports made to it.
pub async fn area(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), area_page(&state, &code, id)).await?)
}

async fn area_page(state: &AppState, code: &str, id: i64) -> Rendered {
    let site = Site::load(state, code).await?;
    let a = site.area(id)?;
    let path = format!("{}/areas/{id}", site.home());
    let mut page = site.page(
        &path,
        a.name.clone(),
        format!(
            "{}{}の団体、地域担当職員、行事予定と地域への報告",
            site.muni.name, a.name
        ),
    );
    page.facts.push(("区分".into(), site.level_name(a)));
    if let Some(parent) = a.parent_id.and_then(|p| site.areas.iter().find(|x| x.id == p)) {
        page.breadcrumbs
            .push((parent.name.clone(), format!("{}/areas/{}", site.home(), parent.id)));
    }
    let below = area_and_below(&site.areas, id);
    let orgs: Vec<PublicOrganisation> = site
        .organisations(state)
        .await?
        .iter()
        .filter(|o| o.area_id.is_some_and(|a| below.contains(&a)))
        .map(PublicOrganisation::of)
        .collect();
    page.blocks.push(Block::Links {
        title: "地区の団体".into(),
        items: orgs
            .iter()
            .map(|o| LinkItem {
                label: o.name.clone(),
                href: format!("{}/organisations/{}", site.home(), o.id),
                note: org_note(o),
            })
            .collect(),
        empty: "この地区の団体はまだ登録されていません。",
    });
    let district = district_of(&site.areas, id, site.muni.scheme.liaison_level);
    if let Some(d) = district {
        let filter = AppointmentFilter {
            area_id: Some(d.id),
            ..Default::default()
        };
        let team = kyodo_store::appointments::list(&state.db, site.muni.id, &filter, site.today).await?;
        page.blocks.push(Block::Pairs {
            title: format!("{}の地域担当職員", d.name),
            rows: team
                .iter()
                .map(|t| {
                    (
                        position_name(&site.muni.scheme, &t.position_key).to_owned(),
                        t.staff_name.clone(),
                    )
                })
                .collect(),
            empty: "地域担当職員はまだ任命されていません。",
        });
    }
    let events = site
        .events(state, &Reach::InAreas(below.clone()), upcoming(site.today, 20))
        .await?;
    page.blocks.push(events_block(
        "これからの行事",
        &events,
        site.code(),
        "予定されている公開の行事はありません。",
        Some((
            "この地区の行事カレンダー".into(),
            format!("{}/calendar?area_id={id}", site.home()),
        )),
    ));
    if let Some(block) = site.annual_block(state, |c| c.area_id == Some(id)).await? {
        page.blocks.push(block);
    }
    let reports = site.reports(state, Some(id), 10).await?;
    page.blocks.push(Block::Reports {
        title: "地域への報告".into(),
        reports: reports.iter().map(ReportView::of).collect(),
        empty: "この地区で公開された報告はまだありません。",
    });
    let cases = site.cases(state, Some(id), None, 10).await?;
    if !cases.is_empty() {
        page.blocks
            .push(super::cases::links_block("この地区の事例", &site, &cases));
    }
    let children: Vec<LinkItem> = site
        .areas
        .iter()
        .filter(|c| c.parent_id == Some(id))
        .map(|c| LinkItem {
            label: c.name.clone(),
            href: format!("{}/areas/{}", site.home(), c.id),
            note: String::new(),
        })
        .collect();
    if !children.is_empty() {
        page.blocks.push(Block::Links {
            title: "この地区に含まれる区域".into(),
            items: children,
            empty: "",
        });
    }
    page.feeds
        .push((format!("{}の行事", a.name), format!("{path}/calendar.ics")));
    html(&page)
}

/// An organisation: what it is, its events and its block grant.
pub async fn organisation(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    let page = organisation_page(&state, &code, id);
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), page).await?)
}

async fn organisation_page(state: &AppState, code: &str, id: i64) -> Rendered {
    let site = Site::load(state, code).await?;
    let o = PublicOrganisation::of(&site.organisation(state, id).await?);
    let path = format!("{}/organisations/{id}", site.home());
    let mut page = site.page(
        &path,
        o.name.clone(),
        format!("{}（{}）の紹介と行事予定", o.name, o.kind),
    );
    page.facts.push(("種別".into(), o.kind.clone()));
    if let Some(stage) = &o.stage {
        page.facts.push(("段階".into(), stage.clone()));
    }
    if let Some(on) = o.established_on {
        page.facts.push(("設立".into(), format_date_wareki(on)));
    }
    if o.recognised {
        page.facts.push((
            "市の認可".into(),
            o.approved_on
                .map(format_date_wareki)
                .unwrap_or_else(|| "認可済み".into()),
        ));
    }
    if let Some(contact) = &o.contact {
        page.facts.push(("問い合わせ".into(), contact.clone()));
    }
    if let Some(a) = o.area_id.and_then(|a| site.areas.iter().find(|x| x.id == a)) {
        page.facts.push(("地区".into(), a.name.clone()));
        page.breadcrumbs
            .push((a.name.clone(), format!("{}/areas/{}", site.home(), a.id)));
    }
    let events = site
        .events(state, &Reach::Organisation(id), upcoming(site.today, 20))
        .await?;
    page.blocks.push(events_block(
        "これからの行事",
        &events,
        site.code(),
        "予定されている公開の行事はありません。",
        None,
    ));
    let grants: Vec<PublicGrant> = kyodo_store::grants::procedure::for_organisation(&state.db, site.muni.id, id)
        .await?
        .iter()
        .filter_map(|g| PublicGrant::of(&g.grant))
        .collect();
    if !grants.is_empty() {
        page.blocks.push(Block::Pairs {
            title: "一括交付金（市からの交付額）".into(),
            rows: grants
                .iter()
                .map(|g| {
                    let mut amount = format!("交付決定額 {}", crate::grants::yen(g.decided.unwrap_or(0)));
                    if let Some(f) = g.fixed {
                        amount.push_str(&format!("・確定額 {}", crate::grants::yen(f)));
                    }
                    (format_fiscal_year(g.fiscal_year), amount)
                })
                .collect(),
            empty: "",
        });
    }
    for plan in site.plans(state, id).await? {
        let committees = plan.committees().join("、");
        if !committees.is_empty() && !page.facts.iter().any(|(k, _)| k == "部会") {
            page.facts.push(("部会".into(), committees));
        }
        page.blocks.push(Block::Pairs {
            title: format!("{}（{}）", plan.title, plan.period),
            rows: plan
                .sections
                .iter()
                .map(|s| (s.heading.clone(), s.text.clone()))
                .chain(plan.projects.iter().map(|p| {
                    let mut parts = vec![p.status.clone()];
                    parts.extend(p.theme.clone());
                    parts.extend((!p.months.is_empty()).then(|| p.months.clone()));
                    parts.extend(p.committee.clone());
                    parts.extend(p.participants.map(|n| format!("参加{n}人")));
                    let mut text = parts.join("・");
                    if let Some(outcome) = &p.outcome {
                        text.push_str(&format!("／実績: {outcome}"));
                    }
                    (p.name.clone(), text)
                }))
                .collect(),
            empty: "内容はまだ登録されていません。",
        });
    }
    if let Some(block) = site.annual_block(state, |c| c.organisation_id == Some(id)).await? {
        page.blocks.push(block);
    }
    page.feeds
        .push((format!("{}の行事", o.name), format!("{path}/calendar.ics")));
    html(&page)
}

/// One event, with everything a resident needs to go.
pub async fn event(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), event_page(&state, &code, id)).await?)
}

async fn event_page(state: &AppState, code: &str, id: i64) -> Rendered {
    let site = Site::load(state, code).await?;
    let row = kyodo_store::events::get(&state.db, site.muni.id, id).await?;
    let e = PublicEvent::of(&row, site.code()).ok_or(AppError::NotFound)?;
    let path = format!("{}/events/{id}", site.home());
    let title = if e.cancelled {
        format!("【中止】{}", e.title)
    } else {
        e.title.clone()
    };
    let mut page = site.page(&path, title, format!("{} {}", e.when(), e.title));
    page.breadcrumbs
        .push(("行事カレンダー".into(), format!("{}/calendar", site.home())));
    page.lead = e.description.clone();
    page.facts = vec![
        (
            "日時".into(),
            format!("{}（{}）", e.when(), format_date_wareki(e.starts_on)),
        ),
        ("種類".into(), e.kind.label().into()),
        ("参加".into(), e.admission.label().into()),
    ];
    if e.cancelled {
        page.facts.push(("状況".into(), "中止になりました".into()));
    }
    for (label, value) in [
        ("場所", e.place.clone()),
        ("地区", Some(e.area_name.clone())),
        ("主催", e.organisation_name.clone()),
        ("問い合わせ", e.contact.clone()),
    ] {
        if let Some(v) = value {
            page.facts.push((label.into(), v));
        }
    }
    html(&page)
}

#[derive(serde::Deserialize, Default)]
pub struct CalendarQuery {
    /// 「2026-08」.
    pub month: Option<String>,
    pub kind: Option<String>,
    pub area_id: Option<i64>,
    /// A busy month is shown [`PER_PAGE`] events at a time (1 = the first).
    pub page: Option<usize>,
}

/// Events per calendar page: a month of a whole city (3,000 events a year)
/// stays a page an old phone loads (< 50 KB).
const PER_PAGE: usize = 100;

fn month_start(raw: Option<&str>, today: NaiveDate) -> NaiveDate {
    raw.and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .filter(|d| kyodo_core::wareki::year_in_range(d.year()))
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
}

/// The calendar of one month, for the municipality or one district, by kind.
pub async fn calendar(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    PageQuery(q): PageQuery<CalendarQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(
        &state,
        &headers,
        &code,
        uri.to_string(),
        calendar_page(&state, &code, q),
    )
    .await?)
}

async fn calendar_page(state: &AppState, code: &str, q: CalendarQuery) -> Rendered {
    let site = Site::load(state, code).await?;
    let start = month_start(q.month.as_deref(), site.today);
    let end = start + Months::new(1) - Days::new(1);
    let kind = q.kind.as_deref().and_then(EventKind::parse);
    let area = q.area_id.map(|id| site.area(id)).transpose()?;
    let reach = area.map_or(Reach::All, |a| Reach::InAreas(area_and_below(&site.areas, a.id)));
    let events = site
        .events(
            state,
            &reach,
            EventFilter {
                from: Some(start),
                to: Some(end),
                kind,
                limit: Some(500),
                ..Default::default()
            },
        )
        .await?;
    let place = area.map(|a| a.name.clone()).unwrap_or_else(|| site.muni.name.clone());
    let label = format!("{}年{}月", start.year(), start.month());
    let mut page = site.page(
        &format!("{}/calendar", site.home()),
        format!("{place}の行事カレンダー {label}"),
        format!("{place}の地域の行事予定（{label}）"),
    );
    let link = |month: NaiveDate, kind: Option<EventKind>| {
        let mut href = format!("{}/calendar?month={}", site.home(), month.format("%Y-%m"));
        if let Some(k) = kind {
            href.push_str(&format!("&kind={}", k.key()));
        }
        if let Some(a) = area {
            href.push_str(&format!("&area_id={}", a.id));
        }
        href
    };
    let prev = start - Months::new(1);
    let next = start + Months::new(1);
    let mut kinds = vec![("すべて".to_owned(), link(start, None), kind.is_none())];
    kinds.extend(
        EventKind::ALL
            .iter()
            .map(|k| (k.label().to_owned(), link(start, Some(*k)), kind == Some(*k))),
    );
    page.blocks.push(Block::MonthNav {
        label: label.clone(),
        prev: (format!("{}月", prev.month()), link(prev, kind)),
        next: (format!("{}月", next.month()), link(next, kind)),
        kinds,
    });
    let pages = events.len().div_ceil(PER_PAGE).max(1);
    let at = q.page.unwrap_or(1).clamp(1, pages);
    let shown = &events[(at - 1) * PER_PAGE..(at * PER_PAGE).min(events.len())];
    let title = if pages > 1 {
        format!(
            "{label}の行事（{}件中 {}〜{}件目）",
            events.len(),
            (at - 1) * PER_PAGE + 1,
            (at - 1) * PER_PAGE + shown.len()
        )
    } else {
        format!("{label}の行事")
    };
    page.blocks.push(events_block(
        title,
        shown,
        site.code(),
        "この月の公開の行事はありません。",
        None,
    ));
    if pages > 1 {
        page.blocks.push(Block::Links {
            title: "この月の行事の続き".into(),
            items: (1..=pages)
                .filter(|p| *p != at)
                .map(|p| LinkItem {
                    label: format!("{}〜{}件目", (p - 1) * PER_PAGE + 1, (p * PER_PAGE).min(events.len())),
                    href: format!("{}&page={p}", link(start, kind)),
                    note: String::new(),
                })
                .collect(),
            empty: "",
        });
    }
    let feed = match area {
        Some(a) => format!("{}/areas/{}/calendar.ics", site.home(), a.id),
        None => format!("{}/calendar.ics", site.home()),
    };
    page.feeds.push((format!("{place}の行事"), feed));
    html(&page)
}
