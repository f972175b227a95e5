//! The rotation planner on live data (配置計画): a municipality's scheme,
//! districts, staff and appointments as the planner's instance, and its
//! plan back as districts, positions and people. Ids in the instance carry
//! the database ids, so that a plan reads back without a lookup table.

use std::collections::HashMap;

use chrono::NaiveDate;
use kyodo_planner::{Current, Instance, Position, Rules, Staff, Unit, Weights};
use serde::{Deserialize, Serialize};

use crate::appointments::{Appointment, PoolMember, school_districts, slots};
use crate::areas::Area;
use crate::scheme::SchemeSettings;
use crate::wareki::fiscal_year;

/// At most this many years are planned (the planner's own limit is higher;
/// past this, nobody on the staff list today is a fair guess).
pub const MAX_YEARS: u32 = 10;

/// Everything the instance is built from, as the store reads it.
pub struct LiveData<'a> {
    pub scheme: &'a SchemeSettings,
    pub areas: &'a [Area],
    pub pool: &'a [PoolMember],
    pub appointments: &'a [Appointment],
    pub first_year: i32,
    pub years: u32,
}

/// A planned seat: `{area_id}:{position_key}:{n}` (n from 1, for positions
/// with several holders per district).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatId {
    pub area_id: i64,
    pub position_key: String,
    pub n: u32,
}

impl SeatId {
    pub fn encode(&self) -> String {
        format!("{}:{}:{}", self.area_id, self.position_key, self.n)
    }

    pub fn parse(id: &str) -> Option<SeatId> {
        let mut parts = id.splitn(3, ':');
        let area_id = parts.next()?.parse().ok()?;
        let position_key = parts.next()?.to_owned();
        let n = parts.next()?.parse().ok()?;
        Some(SeatId {
            area_id,
            position_key,
            n,
        })
    }
}

/// A staff member's id in the instance: the database id.
pub fn staff_ref(staff_id: i64) -> String {
    staff_id.to_string()
}

pub fn unit_ref(area_id: i64) -> String {
    area_id.to_string()
}

/// The positions the planner fills: those with a grade (the contract
/// matches people to positions by grade) and no upper limit on years since
/// hire (which the contract cannot state).
pub fn planned_positions(scheme: &SchemeSettings) -> Vec<&crate::scheme::Position> {
    scheme
        .positions
        .iter()
        .filter(|p| p.grade.is_some() && p.max_years_since_hire.is_none())
        .collect()
}

pub fn instance(data: &LiveData) -> Instance {
    let scheme = data.scheme;
    let level = scheme.liaison_level as i32;
    let units: Vec<&Area> = data
        .areas
        .iter()
        .filter(|a| a.level == level && a.archived_at.is_none())
        .collect();
    let by_id: HashMap<i64, &Area> = data.areas.iter().map(|a| (a.id, a)).collect();
    let unit_of = |area_id: i64| liaison_unit(&by_id, area_id, level);

    let planned = planned_positions(scheme);
    let mut seats: HashMap<(i64, &str), u32> = HashMap::new();
    let unit_list: Vec<Unit> = units
        .iter()
        .map(|area| Unit {
            id: unit_ref(area.id),
            positions: planned
                .iter()
                .flat_map(|p| {
                    let n = slots(p, scheme, school_districts(data.areas, area.id));
                    seats.insert((area.id, p.key.as_str()), n);
                    (1..=n).map(move |n| Position {
                        id: SeatId {
                            area_id: area.id,
                            position_key: p.key.clone(),
                            n,
                        }
                        .encode(),
                        grade: p.grade.clone().unwrap_or_default(),
                        term: u32::from(p.term_years.max(1)),
                        min_years_since_hire: i32::from(p.min_years_since_hire),
                    })
                })
                .collect(),
        })
        .collect();

    // Appointments in force this fiscal year or later are current: their
    // holders are the predecessors the plan follows.
    let first_day = crate::wareki::fiscal_year_start(data.first_year - 1);
    let mut served: HashMap<i64, Vec<String>> = HashMap::new();
    let mut current = Vec::new();
    // Several holders of one position in a district take seats 1, 2… in
    // order of start, each seat free again once its holder's term is over.
    let mut seat_free_after: HashMap<(i64, &str), Vec<NaiveDate>> = HashMap::new();
    let mut ordered: Vec<&Appointment> = data.appointments.iter().collect();
    ordered.sort_by_key(|a| (a.start_on, a.id));
    for a in ordered {
        let Some(unit) = unit_of(a.area_id) else { continue };
        if a.last_day() < first_day {
            served.entry(a.staff_id).or_default().push(unit_ref(unit));
            continue;
        }
        let Some(&n) = seats.get(&(unit, a.position_key.as_str())) else {
            continue;
        };
        let free = seat_free_after
            .entry((unit, a.position_key.as_str()))
            .or_insert_with(|| vec![NaiveDate::MIN; n as usize]);
        let seat = free.iter().position(|&d| d < a.start_on).unwrap_or(0);
        free[seat] = a.last_day();
        current.push(Current {
            position: SeatId {
                area_id: unit,
                position_key: a.position_key.clone(),
                n: seat as u32 + 1,
            }
            .encode(),
            staff: staff_ref(a.staff_id),
            start: fiscal_year(a.start_on),
            end: fiscal_year(a.last_day()),
        });
    }
    separate_years(&mut current, &mut served, |c| c.position.clone());
    separate_years(&mut current, &mut served, |c| c.staff.clone());
    // Current holders no longer on the active staff list cannot be planned
    // around as people; their seats still count as held.
    let staff: Vec<Staff> = data
        .pool
        .iter()
        .map(|m| Staff {
            id: staff_ref(m.staff_id),
            grade: m.grade.clone(),
            // Nobody without a department clashes with anyone.
            department: m
                .department_id
                .map_or_else(|| format!("none-{}", m.staff_id), |d| d.to_string()),
            hired: fiscal_year(m.hire_date),
            leaves: None,
            home_unit: m.home_area_id.and_then(unit_of).map(unit_ref),
            served_units: {
                let mut s = served.remove(&m.staff_id).unwrap_or_default();
                s.sort();
                s.dedup();
                s
            },
        })
        .collect();
    let on_list: std::collections::HashSet<&str> = staff.iter().map(|s| s.id.as_str()).collect();
    current.retain(|c| on_list.contains(c.staff.as_str()));

    Instance {
        first_year: data.first_year,
        horizon: data.years,
        units: unit_list,
        staff,
        current,
        rules: Rules {
            // Terms are the scheme's: a 辞令 states them.
            term_flex: 0,
            distinct_departments_in_unit: scheme.appointment_rules.distinct_departments_in_unit,
            exclude_home_unit: scheme.appointment_rules.exclude_home_area,
            no_return_to_unit: true,
            department_cap: Default::default(),
        },
        weights: Weights::default(),
    }
}

/// A term ended early and its successor's in the same fiscal year (or one
/// person moving between districts mid-year) share a year, which the
/// planner counts in whole years: the earlier one ends the year before.
/// One left with no year of its own counts as served before.
fn separate_years(
    current: &mut Vec<Current>,
    served: &mut HashMap<i64, Vec<String>>,
    key: impl Fn(&Current) -> String,
) {
    current.sort_by(|a, b| key(a).cmp(&key(b)).then(a.start.cmp(&b.start)));
    for i in 1..current.len() {
        if key(&current[i - 1]) == key(&current[i]) && current[i - 1].end >= current[i].start {
            current[i - 1].end = current[i].start - 1;
        }
    }
    current.retain(|c| {
        if c.end >= c.start {
            return true;
        }
        if let (Ok(staff), Some(seat)) = (c.staff.parse::<i64>(), SeatId::parse(&c.position)) {
            served.entry(staff).or_default().push(unit_ref(seat.area_id));
        }
        false
    });
}

/// The liaison-level district an area belongs to (itself, or an ancestor).
fn liaison_unit(areas: &HashMap<i64, &Area>, mut area_id: i64, level: i32) -> Option<i64> {
    for _ in 0..16 {
        let area = areas.get(&area_id)?;
        if area.level == level {
            return Some(area.id);
        }
        area_id = area.parent_id?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seat_ids_read_back() {
        let id = SeatId {
            area_id: 12,
            position_key: "manager".into(),
            n: 2,
        };
        assert_eq!(SeatId::parse(&id.encode()), Some(id));
        assert_eq!(SeatId::parse("12:manager"), None);
        assert_eq!(SeatId::parse("x:manager:1"), None);
    }
}

/// Why a planned appointment is there, in the coordinator's words: what it
/// keeps filled, what it earns and what it costs, by the objective's
/// weights. `name` gives a staff member's name from their instance id.
pub fn reasons(e: &kyodo_planner::Explanation, w: &Weights, name: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut out = Vec::new();
    match (&e.predecessor, e.predecessor_current) {
        (Some(p), true) => out.push(format!("現任の{}さんの任期が終わった後を引き継ぎます", name(p))),
        (Some(p), false) => out.push(format!("この案で先に任命する{}さんの後任です", name(p))),
        (None, _) => out.push("空いているポジションを埋めます".to_owned()),
    }
    if e.vacant_before > 0 {
        out.push(format!(
            "その前の{}年間は空席です（1年につき{}点）",
            e.vacant_before, w.vacancy
        ));
    }
    if e.newcomer {
        out.push(format!("初めて地域担当を経験する職員です（−{}点）", w.new_person));
    }
    match e.deviation {
        0 => {}
        d if d < 0 => out.push(format!(
            "任期を標準より{}年短くします（+{}点）",
            -d,
            -d as i64 * w.term_deviation
        )),
        d => out.push(format!(
            "任期を標準より{}年長くします（+{}点）",
            d,
            d as i64 * w.term_deviation
        )),
    }
    if e.whole_team_change {
        out.push(format!(
            "この年度は地区の全員が交代します（+{}点）",
            w.whole_team_change
        ));
    } else if e.same_year_starts > 0 {
        out.push(format!(
            "同じ年度に地区内でほかに{}人が交代します（+{}点）",
            e.same_year_starts,
            e.same_year_starts as i64 * w.concentration
        ));
    } else {
        out.push("地区内で交代の時期が重なりません".to_owned());
    }
    out
}

#[cfg(test)]
mod reason_tests {
    use super::*;

    #[test]
    fn reasons_name_what_the_appointment_fixes_earns_and_costs() {
        let e = kyodo_planner::Explanation {
            predecessor: Some("7".into()),
            predecessor_current: true,
            vacant_before: 0,
            newcomer: true,
            deviation: -1,
            same_year_starts: 1,
            whole_team_change: false,
        };
        let r = reasons(&e, &Weights::default(), &|id| format!("職員{id}"));
        assert_eq!(
            r,
            vec![
                "現任の職員7さんの任期が終わった後を引き継ぎます",
                "初めて地域担当を経験する職員です（−100点）",
                "任期を標準より1年短くします（+20点）",
                "同じ年度に地区内でほかに1人が交代します（+30点）",
            ]
        );
    }
}
