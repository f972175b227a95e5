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
        Some(SeatId { area_id, position_key, n })
    }
}

/// A staff member's id in the instance: the database id.
pub fn staff_ref(staff_id: i64) -> String {
    staff_id.to_string()
}

pub fn unit_ref(area_id: i64) -> String {
    area_id.to_string()
}

pub fn instance(data: &LiveData) -> Instance {
    let scheme = data.scheme;
    let level = scheme.liaison_level as i32;
    let units: Vec<&Area> =
        data.areas.iter().filter(|a| a.level == level && a.archived_at.is_none()).collect();
    let unit_of = |area_id: i64| liaison_unit(data.areas, area_id, level);

    // Only positions with a grade can be planned: the contract matches
    // people to positions by grade.
    let planned: Vec<&crate::scheme::Position> = scheme
        .positions
        .iter()
        .filter(|p| p.grade.is_some() && p.max_years_since_hire.is_none())
        .collect();
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
                        id: SeatId { area_id: area.id, position_key: p.key.clone(), n }.encode(),
                        grade: p.grade.clone().unwrap_or_default(),
                        term: u32::from(p.term_years.max(1)),
                        min_years_since_hire: i32::from(p.min_years_since_hire),
                    })
                })
                .collect(),
        })
        .collect();

    let first_day = crate::wareki::fiscal_year_start(data.first_year);
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
        let Some(&n) = seats.get(&(unit, a.position_key.as_str())) else { continue };
        let free = seat_free_after.entry((unit, a.position_key.as_str())).or_insert_with(|| vec![NaiveDate::MIN; n as usize]);
        let seat = free.iter().position(|&d| d < a.start_on).unwrap_or(0);
        free[seat] = a.last_day();
        current.push(Current {
            position: SeatId { area_id: unit, position_key: a.position_key.clone(), n: seat as u32 + 1 }.encode(),
            staff: staff_ref(a.staff_id),
            start: fiscal_year(a.start_on),
            end: fiscal_year(a.last_day()),
        });
    }
    // Current holders no longer on the active staff list cannot be planned
    // around as people; their seats still count as held.
    let staff: Vec<Staff> = data
        .pool
        .iter()
        .map(|m| Staff {
            id: staff_ref(m.staff_id),
            grade: m.grade.clone(),
            // Nobody without a department clashes with anyone.
            department: m.department_id.map_or_else(|| format!("none-{}", m.staff_id), |d| d.to_string()),
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

/// The liaison-level district an area belongs to (itself, or an ancestor).
fn liaison_unit(areas: &[Area], mut area_id: i64, level: i32) -> Option<i64> {
    for _ in 0..16 {
        let area = areas.iter().find(|a| a.id == area_id)?;
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
        let id = SeatId { area_id: 12, position_key: "manager".into(), n: 2 };
        assert_eq!(SeatId::parse(&id.encode()), Some(id));
        assert_eq!(SeatId::parse("12:manager"), None);
        assert_eq!(SeatId::parse("x:manager:1"), None);
    }
}
