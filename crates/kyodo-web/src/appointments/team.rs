//! A district's team (チーム), next April at a glance (来年4月の見通し) and
//! coverage (経験率): the pages a coordinator plans the next year's
//! appointments from.

use std::collections::HashSet;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use kyodo_core::appointments::{
    Appointment, CoverageRow, PoolMember, coverage, meets_position, next_april, school_districts, slots,
    whole_team_ends,
};
use kyodo_core::areas::Area;
use kyodo_core::permissions::{Action, Scope};
use kyodo_core::scheme::Position;
use kyodo_core::wareki::{format_date_wareki, format_fiscal_year, iso_date};
use kyodo_store::appointments::{self as store, AppointmentFilter, Period};

use super::{Line, line};
use crate::AppState;
use crate::api::{PagePath, PageQuery};
use crate::auth::{Caller, PageCaller};
use crate::error::{AppError, PageResult};
use crate::pages::{self, Layout};

/// The liaison units among `all`: areas at the scheme's liaison level, not
/// archived, in code order.
fn units_of(caller: &Caller, all: &[Area]) -> Vec<Area> {
    let level = caller.municipality.scheme.liaison_level;
    all.iter()
        .filter(|a| a.archived_at.is_none() && usize::try_from(a.level).ok() == Some(level))
        .cloned()
        .collect()
}

/// The liaison units, read for a chooser.
pub async fn units(state: &AppState, caller: &Caller) -> Result<Vec<Area>, AppError> {
    let all = kyodo_store::areas::all(&state.db, caller.municipality.id, false).await?;
    Ok(units_of(caller, &all))
}

/// The districts a caller may pick: a liaison's own, or every unit.
pub async fn unit_options(
    state: &AppState,
    caller: &Caller,
    action: Action,
) -> Result<Vec<(String, String)>, AppError> {
    let mut units = units(state, caller).await?;
    if caller.scope(action) == Scope::Own {
        units.retain(|a| caller.served_areas.contains(&a.id));
    }
    Ok(pages::options(&units, |a| a.id.to_string(), |a| a.name.clone()))
}

/// One position in a team: who holds it and how many seats stay open.
pub struct Seat {
    pub position: String,
    pub position_key: String,
    pub slots: u32,
    pub holders: Vec<Line>,
    pub open: u32,
}

fn seats(caller: &Caller, unit_appointments: &[&Appointment], on: NaiveDate, school: u32) -> Vec<Seat> {
    let scheme = &caller.municipality.scheme;
    scheme
        .positions
        .iter()
        .map(|p| {
            let holders: Vec<Line> = unit_appointments
                .iter()
                .filter(|a| a.position_key == p.key && a.in_force(on))
                .map(|a| line(caller, a))
                .collect();
            let slots = slots(p, scheme, school);
            Seat {
                position: p.name.clone(),
                position_key: p.key.clone(),
                slots,
                open: slots.saturating_sub(holders.len() as u32),
                holders,
            }
        })
        .collect()
}

fn turnover_warning(team: &[&Appointment], on: NaiveDate) -> Option<String> {
    let last_days: Vec<NaiveDate> = team.iter().filter(|a| a.in_force(on)).map(|a| a.last_day()).collect();
    whole_team_ends(&last_days).map(|fy| {
        format!(
            "チーム全員の任期が{}に終わります。一斉に交代しないよう、任期や後任の時期を調整してください",
            format_fiscal_year(fy)
        )
    })
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamView {
    layout: Layout,
    area: Area,
    seats: Vec<Seat>,
    upcoming: Vec<Line>,
    past: Vec<Line>,
    warning: Option<String>,
    can_write: bool,
    today: String,
    /// The district's area bodies: stage, plans and what they owe.
    bodies: Vec<crate::plans::status::BodyLine>,
}

pub async fn team_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::AppointmentRead)?;
    let muni = caller.municipality.id;
    let all_areas = kyodo_store::areas::all(&state.db, muni, true).await?;
    let area = all_areas
        .iter()
        .find(|a| a.id == id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let filter = AppointmentFilter {
        area_id: Some(id),
        period: Period::All,
        ..Default::default()
    };
    let appointments = store::list(&state.db, muni, &filter, caller.today).await?;
    let team: Vec<&Appointment> = appointments.iter().collect();
    let today = caller.today;
    let district = kyodo_store::organisations::Visible::InAreas(kyodo_core::areas::subtree(&all_areas, id));
    let bodies = crate::plans::status::lines(&state, &caller, &district).await?;
    let view = TeamView {
        bodies,
        layout: Layout::new(&caller, format!("{}のチーム", area.name), super::BASE).with_notice(q.notice.as_deref()),
        seats: seats(&caller, &team, today, school_districts(&all_areas, id)),
        upcoming: team
            .iter()
            .filter(|a| a.start_on > today)
            .map(|a| line(&caller, a))
            .collect(),
        past: team
            .iter()
            .filter(|a| a.last_day() < today)
            .map(|a| line(&caller, a))
            .collect(),
        warning: turnover_warning(&team, today),
        can_write: caller.can(Action::AppointmentWrite),
        today: iso_date(Some(today)),
        area,
    };
    Ok(pages::render(&view))
}

/// One unit next April: who stays, who leaves, what is open.
pub struct UnitOutlook {
    pub area: Area,
    pub seats: Vec<Seat>,
    pub leaving: Vec<Line>,
    pub open: u32,
    pub warning: Option<String>,
}

/// Staff who could take a position next April.
pub struct Candidates {
    pub position: String,
    pub count: usize,
    /// Those who never served first, then by reading; at most [`SHOWN`].
    pub first: Vec<CandidateLine>,
}

pub struct CandidateLine {
    pub staff_id: i64,
    pub name: String,
    pub department: String,
    pub served: bool,
    pub home: String,
}

/// Candidates listed per position; the count says how many more there are.
const SHOWN: usize = 15;

fn candidates(
    position: &Position,
    pool: &[PoolMember],
    busy: &HashSet<i64>,
    on: NaiveDate,
    areas: &[Area],
) -> Candidates {
    let mut fit: Vec<&PoolMember> = pool
        .iter()
        .filter(|s| !busy.contains(&s.staff_id) && meets_position(position, &s.grade, s.hire_date, on))
        .collect();
    // Arao wants as many staff as possible to have the experience.
    fit.sort_by(|a, b| a.served.cmp(&b.served).then(a.name_kana.cmp(&b.name_kana)));
    Candidates {
        position: position.name.clone(),
        count: fit.len(),
        first: fit
            .iter()
            .take(SHOWN)
            .map(|s| CandidateLine {
                staff_id: s.staff_id,
                name: s.name.clone(),
                department: s.department_name.clone().unwrap_or_default(),
                served: s.served,
                home: s
                    .home_area_id
                    .and_then(|h| areas.iter().find(|a| a.id == h))
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "next_april.html")]
struct NextAprilView {
    layout: Layout,
    next: String,
    next_iso: String,
    units: Vec<UnitOutlook>,
    ending: usize,
    open: u32,
    candidates: Vec<(String, Candidates)>,
}

pub async fn next_april_page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    // Candidates carry home districts: the coordinator's page only.
    caller.require(Action::AppointmentWrite)?;
    let muni = caller.municipality.id;
    let scheme = &caller.municipality.scheme;
    let today = caller.today;
    let next = next_april(today);
    let all_areas = kyodo_store::areas::all(&state.db, muni, true).await?;
    let appointments = store::from_day(&state.db, muni, today).await?;
    let pool = store::pool(&state.db, muni).await?;
    let mut outlooks = Vec::new();
    for unit in units_of(&caller, &all_areas) {
        let team: Vec<&Appointment> = appointments.iter().filter(|a| a.area_id == unit.id).collect();
        let seats = seats(&caller, &team, next, school_districts(&all_areas, unit.id));
        let leaving: Vec<Line> = team
            .iter()
            .filter(|a| a.in_force(today) && !a.in_force(next))
            .map(|a| line(&caller, a))
            .collect();
        let current = team.iter().filter(|a| a.in_force(today)).count();
        let warning = (current >= 2 && leaving.len() == current)
            .then(|| "チーム全員が3月末で交代します。誰かの任期を延ばすか、時期をずらしてください".to_owned());
        outlooks.push(UnitOutlook {
            open: seats.iter().map(|s| s.open).sum(),
            area: unit,
            seats,
            leaving,
            warning,
        });
    }
    let busy: HashSet<i64> = appointments
        .iter()
        .filter(|a| a.in_force(next))
        .map(|a| a.staff_id)
        .collect();
    let candidates = scheme
        .positions
        .iter()
        .map(|p| (p.key.clone(), candidates(p, &pool, &busy, next, &all_areas)))
        .collect();
    let view = NextAprilView {
        layout: Layout::new(&caller, "来年4月の見通し", super::BASE),
        next: format_date_wareki(next),
        next_iso: iso_date(Some(next)),
        ending: outlooks.iter().map(|u| u.leaving.len()).sum(),
        open: outlooks.iter().map(|u| u.open).sum(),
        units: outlooks,
        candidates,
    };
    Ok(pages::render(&view))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoverageView {
    layout: Layout,
    /// (title, first column, rows): by department, by grade.
    tables: Vec<(&'static str, &'static str, Vec<CoverageRow>)>,
    total: CoverageRow,
}

pub async fn coverage_page(State(state): State<AppState>, PageCaller(caller): PageCaller) -> PageResult<Response> {
    caller.require(Action::AppointmentWrite)?;
    let pool = store::pool(&state.db, caller.municipality.id).await?;
    let (departments, grades, total) = coverage(&pool, &caller.municipality.scheme, caller.today);
    let view = CoverageView {
        layout: Layout::new(&caller, "地域担当の経験率", super::BASE),
        tables: vec![("部署別", "部署", departments), ("職位別", "職位", grades)],
        total,
    };
    Ok(pages::render(&view))
}
