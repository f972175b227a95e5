//! Workload (負担): hours per person and month with alerts past the
//! municipality's threshold, teams side by side, the monthly and yearly
//! activity report per district (A4 print and xlsx), and each staff
//! member's year for personnel evaluation. All of it is read from the
//! monthly totals, never from the raw log.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::Response;
use kyodo_core::activities::{Load, MonthTotal, fiscal_months, hours, month_key, month_label, sum_by};
use kyodo_core::meetings::MeetingKind;
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::wareki::{fiscal_year, fiscal_year_end, fiscal_year_start, format_date_wareki, format_fiscal_year};
use kyodo_store::activities::{self as store, GroupBy, Reach};

use crate::AppState;
use crate::activities::reach;
use crate::api::{PagePath, PageQuery};
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};
use crate::pages::{self, Cell, Layout, RecordsPage, Table};
use crate::xlsx::{self, Sheet, XCell};

pub const BASE: &str = "/workload";

/// The period and district asked for.
#[derive(serde::Deserialize, Default)]
pub struct WorkloadQuery {
    #[serde(default, deserialize_with = "kyodo_core::wareki::fiscal_year_param")]
    pub fiscal_year: Option<i32>,
    /// A month of the 年度 (1–12); the whole year when absent on reports.
    pub month: Option<u32>,
    pub area_id: Option<i64>,
}

impl WorkloadQuery {
    fn fy(&self, caller: &Caller) -> i32 {
        self.fiscal_year.unwrap_or(fiscal_year(caller.today))
    }

    /// The month key inside the 年度, if a month was asked for.
    fn month_key(&self, caller: &Caller) -> Option<i32> {
        let fy = self.fy(caller);
        self.month.filter(|m| (1..=12).contains(m)).map(|m| {
            if m >= 4 {
                fy * 100 + m as i32
            } else {
                (fy + 1) * 100 + m as i32
            }
        })
    }
}

/// A table that renders both as HTML and as an xlsx sheet.
struct Grid {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<XCell>>,
    /// Per row: a link for the first cell, and a warning tag.
    links: Vec<(Option<String>, Option<&'static str>)>,
    empty: &'static str,
}

impl Grid {
    fn new(title: impl Into<String>, headers: Vec<String>, empty: &'static str) -> Self {
        Grid {
            title: title.into(),
            headers,
            rows: Vec::new(),
            links: Vec::new(),
            empty,
        }
    }

    fn push(&mut self, row: Vec<XCell>, link: Option<String>, tag: Option<&'static str>) {
        self.rows.push(row);
        self.links.push((link, tag));
    }

    fn table(&self) -> Table {
        let rows = self
            .rows
            .iter()
            .zip(&self.links)
            .map(|(row, (link, tag))| {
                row.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let text = match c {
                            XCell::Text(s) => s.clone(),
                            XCell::Number(n) => format!("{n:.1}"),
                            XCell::Integer(n) => n.to_string(),
                        };
                        let last = i + 1 == row.len();
                        match (i, link) {
                            (0, Some(href)) => Cell::link(text, href.clone()),
                            _ => Cell::text(text).tagged(if last { *tag } else { None }),
                        }
                    })
                    .collect()
            })
            .collect();
        Table {
            title: self.title.clone(),
            columns: self.headers.clone(),
            rows,
            empty: self.empty,
            phone: &[],
        }
    }

    fn sheet(self, name: &str) -> Sheet {
        Sheet {
            name: name.to_owned(),
            headers: self.headers,
            rows: self.rows,
        }
    }
}

fn h(minutes: i64) -> XCell {
    XCell::Number(hours(minutes).parse().unwrap_or(0.0))
}

fn load_headers(first: &[&str], duty_types: &[String]) -> Vec<String> {
    first
        .iter()
        .map(|s| (*s).to_owned())
        .chain(["合計（時間）", "うち時間外"].map(String::from))
        .chain(duty_types.iter().cloned())
        .collect()
}

fn load_cells(load: &Load, duty_types: &[String]) -> Vec<XCell> {
    [h(load.minutes), h(load.out_of_hours_minutes)]
        .into_iter()
        .chain(duty_types.iter().map(|d| h(load.duty(d))))
        .collect()
}

/// The names the workload pages show beside the sums.
struct Context {
    staff: HashMap<i64, store::StaffName>,
    areas: HashMap<i64, String>,
}

/// Every area, archived ones too (past years' entries name them).
async fn all_areas(state: &AppState, caller: &Caller) -> Result<Vec<kyodo_core::areas::Area>, AppError> {
    Ok(kyodo_store::areas::all(&state.db, caller.municipality.id, true).await?)
}

/// The names of the staff in `totals`, and of the districts in `areas`.
async fn context(
    state: &AppState,
    caller: &Caller,
    totals: &[MonthTotal],
    areas: &[kyodo_core::areas::Area],
) -> Result<Context, AppError> {
    let muni = caller.municipality.id;
    let mut ids: Vec<i64> = totals.iter().map(|t| t.staff_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let staff = store::staff_names(&state.db, muni, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let areas = areas.iter().map(|a| (a.id, a.name.clone())).collect();
    Ok(Context { staff, areas })
}

/// Sums per person and district, per duty type, over `range`.
const PER_PERSON: GroupBy = GroupBy {
    staff: true,
    area: true,
    month: false,
    duty: true,
};

async fn summed(
    state: &AppState,
    caller: &Caller,
    reach: &Reach,
    range: (i32, i32),
    area_ids: Option<&[i64]>,
    by: GroupBy,
) -> Result<Vec<MonthTotal>, AppError> {
    let filter = store::TotalsFilter {
        staff_id: None,
        area_ids,
    };
    Ok(store::summed(&state.db, caller.municipality.id, reach, range, &filter, by).await?)
}

impl Context {
    fn name(&self, staff_id: i64) -> String {
        self.staff
            .get(&staff_id)
            .map_or_else(|| "（不明）".into(), |s| s.name.clone())
    }

    fn kana(&self, staff_id: i64) -> String {
        self.staff
            .get(&staff_id)
            .map(|s| s.name_kana.clone())
            .unwrap_or_default()
    }

    fn area(&self, area_id: i64) -> String {
        self.areas.get(&area_id).cloned().unwrap_or_default()
    }

    /// Per person over `totals`, heaviest first, with the alert per month.
    /// `fy` is the 年度 a person's row links to; only the rows the caller may open link.
    fn people(&self, caller: &Caller, fy: i32, title: String, totals: &[MonthTotal], alert_monthly: bool) -> Grid {
        let scheme = &caller.municipality.scheme;
        let duty = &scheme.duty_types;
        let mut g = Grid::new(
            title,
            load_headers(&["氏名", "所属"], duty)
                .into_iter()
                .chain(["警告".to_owned()])
                .collect(),
            "この期間の活動記録はありません。",
        );
        let per_person = sum_by(totals, |t| t.staff_id);
        let mut people: Vec<(&i64, &Load)> = per_person.iter().collect();
        people.sort_by_key(|(id, l)| (-l.minutes, self.kana(**id)));
        for (id, load) in people {
            let alerts = if alert_monthly {
                load.alerts(&scheme.workload_alert)
            } else {
                Vec::new()
            };
            let mut row: Vec<XCell> = vec![
                self.name(*id).into(),
                self.staff
                    .get(id)
                    .and_then(|s| s.department_name.clone())
                    .unwrap_or_default()
                    .into(),
            ];
            row.extend(load_cells(load, duty));
            let tag = (!alerts.is_empty()).then_some("要確認");
            row.push(alerts.join("・").into());
            let opens = caller.scope(Action::WorkloadRead) == Scope::Municipality || caller.user.staff_id == Some(*id);
            g.push(row, opens.then(|| format!("{BASE}/staff/{id}?fiscal_year={fy}")), tag);
        }
        g
    }

    /// Per district (team) over `totals`.
    fn teams(&self, caller: &Caller, title: String, totals: &[MonthTotal]) -> Grid {
        let duty = &caller.municipality.scheme.duty_types;
        let mut g = Grid::new(
            title,
            load_headers(&["地区", "記録した人数"], duty),
            "この期間の活動記録はありません。",
        );
        let per_area = sum_by(totals, |t| t.area_id);
        let mut members: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for t in totals {
            members.entry(t.area_id).or_default().push(t.staff_id);
        }
        for (area, load) in &per_area {
            let mut people = members.remove(area).unwrap_or_default();
            people.sort_unstable();
            people.dedup();
            let mut row: Vec<XCell> = vec![self.area(*area).into(), (people.len() as i64).into()];
            row.extend(load_cells(load, duty));
            g.push(row, Some(format!("{BASE}/report?area_id={area}")), None);
        }
        g
    }

    /// The 年度 month by month, across every person in reach.
    fn months(&self, fy: i32, by_month: &[MonthTotal]) -> Grid {
        let mut g = Grid::new(
            format!("{}の月別推移", format_fiscal_year(fy)),
            ["月", "合計（時間）", "うち時間外", "記録件数"]
                .map(String::from)
                .to_vec(),
            "この年度の活動記録はありません。",
        );
        let per_month = sum_by(by_month, |t| t.month);
        for m in fiscal_months(fy) {
            let load = per_month.get(&m).cloned().unwrap_or_default();
            let row: Vec<XCell> = vec![
                month_label(m).into(),
                h(load.minutes),
                h(load.out_of_hours_minutes),
                load.entries.into(),
            ];
            g.push(row, None, None);
        }
        g
    }
}

fn year_range(fy: i32) -> (i32, i32) {
    let m = fiscal_months(fy);
    (m[0], m[11])
}

/// The dashboard: this month per person with alerts, the 年度 per team, and the months.
async fn dashboard(state: &AppState, caller: &Caller, q: &WorkloadQuery) -> Result<Vec<Grid>, AppError> {
    let reach = reach(state, caller, Action::WorkloadRead).await?;
    let fy = q.fy(caller);
    let month = dashboard_month(q, caller);
    let year = summed(state, caller, &reach, year_range(fy), None, PER_PERSON).await?;
    let this_month = summed(state, caller, &reach, (month, month), None, PER_PERSON).await?;
    let by_month = GroupBy {
        month: true,
        ..GroupBy::default()
    };
    let by_month = summed(state, caller, &reach, year_range(fy), None, by_month).await?;
    let ctx = context(state, caller, &year, &all_areas(state, caller).await?).await?;
    let alert = &caller.municipality.scheme.workload_alert;
    Ok(vec![
        ctx.people(
            caller,
            fy,
            format!(
                "{}の職員ごとの負担（警告: 月{}時間・時間外{}時間を超えたとき）",
                month_label(month),
                alert.monthly_hours,
                alert.monthly_out_of_hours
            ),
            &this_month,
            true,
        ),
        ctx.teams(caller, format!("{}のチームごとの比較", format_fiscal_year(fy)), &year),
        ctx.months(fy, &by_month),
        ctx.people(
            caller,
            fy,
            format!("{}の職員ごとの合計", format_fiscal_year(fy)),
            &year,
            false,
        ),
    ])
}

/// The month the dashboard shows: the one asked for, else this month in
/// this 年度, else the 年度's last.
fn dashboard_month(q: &WorkloadQuery, caller: &Caller) -> i32 {
    let fy = q.fy(caller);
    q.month_key(caller).unwrap_or_else(|| {
        let now = month_key(caller.today);
        if fiscal_months(fy).contains(&now) {
            now
        } else {
            year_range(fy).1
        }
    })
}

/// The month choice, showing `month` (1–12; none: the whole year).
fn month_filter(month: Option<u32>, all_year: bool) -> pages::Filter {
    let mut options: Vec<(String, String)> = Vec::new();
    if all_year {
        options.push((String::new(), "年間".into()));
    }
    options.extend([4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3].map(|m| (m.to_string(), format!("{m}月"))));
    pages::Filter {
        name: "month",
        label: "月",
        options,
        value: month.map(|m| m.to_string()).unwrap_or_default(),
    }
}

pub async fn dashboard_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<WorkloadQuery>,
) -> PageResult<Response> {
    let grids = dashboard(&state, &caller, &q).await?;
    let fy = q.fy(&caller);
    let page = RecordsPage {
        layout: Layout::new(&caller, "負担の集計", BASE),
        heading: "地域担当の負担".into(),
        intro: "活動記録から集計しています。時間は時間単位（小数1桁）です。".into(),
        base_path: BASE.into(),
        links: vec![
            (
                "Excelで書き出す".into(),
                format!("{BASE}/export.xlsx?fiscal_year={fy}"),
                false,
            ),
            (
                "地区別の活動報告".into(),
                format!("{BASE}/report?fiscal_year={fy}"),
                false,
            ),
            ("活動記録".into(), "/activities".into(), false),
        ],
        // The month whose figures show, also when none was asked for.
        filters: vec![
            pages::fiscal_year_filter(&caller, fy),
            month_filter(u32::try_from(dashboard_month(&q, &caller) % 100).ok(), false),
        ],
        tables: grids.iter().map(Grid::table).collect(),
        printable: true,
    };
    Ok(pages::render(&page))
}

pub async fn dashboard_xlsx(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<WorkloadQuery>,
) -> PageResult<Response> {
    let grids = dashboard(&state, &caller, &q).await?;
    let names = ["今月の職員別", "チーム別", "月別", "年間の職員別"];
    let sheets = grids.into_iter().zip(names).map(|(g, n)| g.sheet(n)).collect();
    let bytes = xlsx::workbook(sheets)?;
    Ok(xlsx::attachment(bytes, &format!("負担_{}.xlsx", q.fy(&caller))))
}

/// The activity report (活動報告) of one district, or of every district in
/// reach, for a month or a 年度: hours per person and duty type, and the
/// meetings held.
async fn report(state: &AppState, caller: &Caller, q: &WorkloadQuery) -> Result<(String, Vec<Grid>), AppError> {
    let reach = reach(state, caller, Action::WorkloadRead).await?;
    let fy = q.fy(caller);
    let (range, period) = match q.month_key(caller) {
        Some(m) => ((m, m), month_label(m)),
        None => (year_range(fy), format_fiscal_year(fy)),
    };
    let areas = all_areas(state, caller).await?;
    let Some(area_id) = q.area_id else {
        let all = summed(state, caller, &reach, range, None, PER_PERSON).await?;
        let ctx = context(state, caller, &all, &areas).await?;
        let title = format!("{period}の地区別活動報告");
        return Ok((title.clone(), vec![ctx.teams(caller, title, &all)]));
    };
    let area_ids = kyodo_store::appointments::subtree(&areas, area_id);
    let mine = summed(state, caller, &reach, range, Some(&area_ids), PER_PERSON).await?;
    let ctx = context(state, caller, &mine, &areas).await?;
    let title = format!("{} {period}の活動報告", ctx.area(area_id));
    let mut grids = vec![ctx.people(caller, fy, "職員ごとの活動時間".into(), &mine, false)];
    if caller.can(Action::MeetingRead) {
        let (from, to) = match q.month_key(caller) {
            Some(m) => {
                let first = chrono::NaiveDate::from_ymd_opt(m / 100, (m % 100) as u32, 1)
                    .ok_or_else(|| AppError::BadRequest("月の指定が正しくありません".into()))?;
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .ok_or_else(|| AppError::BadRequest("月の指定が正しくありません".into()))?;
                (first, next.pred_opt().unwrap_or(first))
            }
            None => (fiscal_year_start(fy), fiscal_year_end(fy)),
        };
        let reach = match caller.scope(Action::MeetingRead) {
            Scope::Municipality => kyodo_store::meetings::Reach::All,
            _ => kyodo_store::meetings::Reach::InAreas(caller.served_areas.clone()),
        };
        let meetings = kyodo_store::meetings::list(
            &state.db,
            caller.municipality.id,
            &reach,
            &kyodo_store::meetings::MeetingFilter {
                from: Some(from),
                to: Some(to),
                ..Default::default()
            },
        )
        .await?;
        let mut g = Grid::new(
            "会議・行事",
            ["日付", "種類", "会議名", "団体"].map(String::from).to_vec(),
            "この期間の会議はありません。",
        );
        for m in meetings.iter().filter(|m| area_ids.contains(&m.area_id)) {
            g.push(
                vec![
                    format_date_wareki(m.held_on).into(),
                    m.kind.label().into(),
                    m.title.clone().into(),
                    m.organisation_name.clone().unwrap_or_default().into(),
                ],
                None,
                None,
            );
        }
        grids.push(g);
    }
    Ok((title, grids))
}

pub async fn report_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<WorkloadQuery>,
) -> PageResult<Response> {
    let (title, grids) = report(&state, &caller, &q).await?;
    let fy = q.fy(&caller);
    let query = serde_urlencoded::to_string([
        ("fiscal_year", fy.to_string()),
        ("month", q.month.map(|m| m.to_string()).unwrap_or_default()),
        ("area_id", q.area_id.map(|a| a.to_string()).unwrap_or_default()),
    ])
    .unwrap_or_default();
    let page = RecordsPage {
        layout: Layout::new(&caller, title.clone(), BASE),
        heading: title,
        intro: String::new(),
        base_path: format!("{BASE}/report"),
        links: vec![("Excelで書き出す".into(), format!("{BASE}/report.xlsx?{query}"), false)],
        filters: vec![
            pages::Filter {
                name: "area_id",
                label: "地区",
                options: crate::appointments::team::unit_options(&state, &caller, Action::WorkloadRead).await?,
                value: q.area_id.map(|a| a.to_string()).unwrap_or_default(),
            },
            pages::fiscal_year_filter(&caller, fy),
            month_filter(q.month, true),
        ],
        tables: grids.iter().map(Grid::table).collect(),
        printable: true,
    };
    Ok(pages::render(&page))
}

pub async fn report_xlsx(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<WorkloadQuery>,
) -> PageResult<Response> {
    let (title, grids) = report(&state, &caller, &q).await?;
    let names = ["活動時間", "会議・行事"];
    let sheets = grids.into_iter().zip(names).map(|(g, n)| g.sheet(n)).collect();
    let bytes = xlsx::workbook(sheets)?;
    Ok(xlsx::attachment(bytes, &format!("{title}.xlsx")))
}

/// One staff member's 年度 for personnel evaluation: hours per month and
/// duty type, and the meetings and community events attended. The
/// coordinator and the person themself may see it.
async fn staff_year(
    state: &AppState,
    caller: &Caller,
    staff_id: i64,
    fy: i32,
) -> Result<(String, Vec<Grid>), AppError> {
    let scope = caller.require(Action::WorkloadRead)?;
    if scope != Scope::Municipality && caller.user.staff_id != Some(staff_id) {
        return Err(AppError::Forbidden);
    }
    let muni = caller.municipality.id;
    let name = store::staff_names(&state.db, muni, &[staff_id])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?
        .name;
    let (from, to) = year_range(fy);
    let by_month = GroupBy {
        month: true,
        duty: true,
        ..GroupBy::default()
    };
    let filter = store::TotalsFilter {
        staff_id: Some(staff_id),
        area_ids: None,
    };
    let totals = store::summed(&state.db, muni, &Reach::All, (from, to), &filter, by_month).await?;
    let duty = &caller.municipality.scheme.duty_types;
    // A meeting planned for next month is not yet attended.
    let until = fiscal_year_end(fy).min(caller.today);
    let meetings = kyodo_store::meetings::attended_by(&state.db, muni, staff_id, fiscal_year_start(fy), until).await?;
    let events = meetings.iter().filter(|m| m.kind == MeetingKind::Event).count() as i64;

    let mut summary = Grid::new("年間のまとめ", ["項目", "値"].map(String::from).to_vec(), "");
    let year = sum_by(&totals, |_| ());
    let load = year.get(&()).cloned().unwrap_or_default();
    for (label, value) in [
        ("活動時間（時間）", h(load.minutes)),
        ("うち時間外（時間）", h(load.out_of_hours_minutes)),
        ("活動の記録件数", XCell::from(load.entries)),
        ("出席した会議", XCell::from(meetings.len() as i64 - events)),
        ("参加した地域行事", XCell::from(events)),
    ] {
        summary.push(vec![label.into(), value], None, None);
    }

    let mut months = Grid::new(
        "月別の活動時間",
        load_headers(&["月"], duty),
        "この年度の活動記録はありません。",
    );
    let per_month = sum_by(&totals, |t| t.month);
    for m in fiscal_months(fy) {
        let load = per_month.get(&m).cloned().unwrap_or_default();
        let mut row: Vec<XCell> = vec![month_label(m).into()];
        row.extend(load_cells(&load, duty));
        months.push(row, None, None);
    }

    let mut attended = Grid::new(
        "出席した会議・行事",
        ["日付", "種類", "会議名", "地区"].map(String::from).to_vec(),
        "この年度に出席した会議の記録はありません。",
    );
    for m in &meetings {
        attended.push(
            vec![
                format_date_wareki(m.held_on).into(),
                m.kind.label().into(),
                m.title.clone().into(),
                m.area_name.clone().into(),
            ],
            Some(format!("/meetings/{}", m.id)),
            None,
        );
    }
    Ok((
        format!("{name} {}の地域担当の活動", format_fiscal_year(fy)),
        vec![summary, months, attended],
    ))
}

pub async fn staff_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<WorkloadQuery>,
) -> PageResult<Response> {
    let fy = q.fy(&caller);
    let (title, grids) = staff_year(&state, &caller, id, fy).await?;
    let page = RecordsPage {
        layout: Layout::new(&caller, title.clone(), BASE),
        heading: title,
        intro: "人事評価の資料に使えるよう、年度の活動をまとめています。".into(),
        base_path: format!("{BASE}/staff/{id}"),
        links: vec![(
            "Excelで書き出す".into(),
            format!("{BASE}/staff/{id}/export.xlsx?fiscal_year={fy}"),
            false,
        )],
        filters: vec![pages::fiscal_year_filter(&caller, fy)],
        tables: grids.iter().map(Grid::table).collect(),
        printable: true,
    };
    Ok(pages::render(&page))
}

pub async fn staff_xlsx(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<WorkloadQuery>,
) -> PageResult<Response> {
    let (title, grids) = staff_year(&state, &caller, id, q.fy(&caller)).await?;
    let names = ["まとめ", "月別", "会議・行事"];
    let sheets = grids.into_iter().zip(names).map(|(g, n)| g.sheet(n)).collect();
    let bytes = xlsx::workbook(sheets)?;
    Ok(xlsx::attachment(bytes, &format!("{title}.xlsx")))
}
