//! The dashboard's counts, kept (集計の保持): what each issue adds to the
//! cells the dashboard sums, so that a 年度's page reads a few hundred cells
//! instead of every issue and answer of ten years. The store reads an
//! issue's facts before and after a write and applies the difference in
//! the same transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::wareki::{fiscal_year, jst_date};

/// The `department_id` of the cells that count every issue, routed or not.
pub const WHOLE_CITY: i64 = 0;

/// The `area_id` of the answer cells that count every district's answers:
/// what the city and a department read, a few rows per department instead
/// of one per district.
pub const ALL_AREAS: i64 = 0;

/// The facts of one issue that the dashboard counts by.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted {
    pub fiscal_year: i32,
    pub area_id: i64,
    pub category: String,
    pub closed: bool,
    /// 継続案件.
    pub continuing: bool,
    /// A team step was taken by the person who took an earlier one (同一職員).
    pub same_hands: bool,
    pub routes: Vec<CountedRoute>,
}

/// One route of the issue, as the dashboard counts it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CountedRoute {
    pub department_id: i64,
    pub routed_at: Option<DateTime<Utc>>,
    pub rerouted_at: Option<DateTime<Utc>>,
    pub first_answered_at: Option<DateTime<Utc>>,
    /// Calendar days in Japan from routing to the first answer.
    pub first_answer_days: Option<i64>,
}

/// Where a count goes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    /// Issues of a 年度, district and category: every issue
    /// (`department_id` = [`WHOLE_CITY`]) and those routed to a department.
    Year {
        department_id: i64,
        fiscal_year: i32,
        area_id: i64,
        category: String,
    },
    /// Issues not closed now, whatever their 年度, by district: every issue
    /// (`department_id` = [`WHOLE_CITY`]) and those routed to a department.
    Open { department_id: i64, area_id: i64 },
    /// First answers given in a 年度 (of the answer, in Japan), by
    /// department, the issue's district and the days they took.
    Answer {
        department_id: i64,
        fiscal_year: i32,
        area_id: i64,
        days: i64,
    },
}

/// What one issue adds to a cell: a year cell counts received, closed and
/// same-hands issues; an open cell open and continuing ones; an answer cell
/// counts answers in the first place.
pub type Counts = [i64; 3];

/// Every cell the issue counts in, with what it adds.
pub fn cells(c: &Counted) -> BTreeMap<Cell, Counts> {
    let mut out = BTreeMap::new();
    let year = [1, i64::from(c.closed), i64::from(c.same_hands)];
    let year_cell = |department_id| Cell::Year {
        department_id,
        fiscal_year: c.fiscal_year,
        area_id: c.area_id,
        category: c.category.clone(),
    };
    let open = [1, i64::from(c.continuing), 0];
    let open_cell = |department_id| Cell::Open {
        department_id,
        area_id: c.area_id,
    };
    out.insert(year_cell(WHOLE_CITY), year);
    if !c.closed {
        out.insert(open_cell(WHOLE_CITY), open);
    }
    for r in c.routes.iter().filter(|r| r.routed_at.is_some()) {
        // Counted once per department, however often it was sent there.
        out.insert(year_cell(r.department_id), year);
        if !c.closed {
            out.insert(open_cell(r.department_id), open);
        }
        // An answer counts while its route stands (not moved on).
        if let (None, Some(at)) = (r.rerouted_at, r.first_answered_at) {
            for area_id in [c.area_id, ALL_AREAS] {
                let cell = Cell::Answer {
                    department_id: r.department_id,
                    fiscal_year: fiscal_year(jst_date(at)),
                    area_id,
                    days: r.first_answer_days.unwrap_or(0),
                };
                let n = out.entry(cell).or_insert([0; 3]);
                n[0] += 1;
            }
        }
    }
    out
}

/// What a write changed: the cells whose counts differ, with the
/// difference (negative where the issue left a cell). `None` is no issue.
pub fn changes(before: Option<&Counted>, after: Option<&Counted>) -> Vec<(Cell, Counts)> {
    let mut diff: BTreeMap<Cell, Counts> = after.map(cells).unwrap_or_default();
    for (cell, was) in before.map(cells).unwrap_or_default() {
        let n = diff.entry(cell).or_insert([0; 3]);
        for (d, w) in n.iter_mut().zip(was) {
            *d -= w;
        }
    }
    diff.retain(|_, n| n.iter().any(|d| *d != 0));
    diff.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(s.parse().expect("a test timestamp"))
    }

    fn route(department_id: i64, answered: Option<DateTime<Utc>>) -> CountedRoute {
        CountedRoute {
            department_id,
            routed_at: at("2026-05-01T01:00:00Z"),
            rerouted_at: None,
            first_answered_at: answered,
            first_answer_days: answered.map(|_| 3),
        }
    }

    fn issue(routes: Vec<CountedRoute>) -> Counted {
        Counted {
            fiscal_year: 2026,
            area_id: 7,
            category: "道路".into(),
            closed: false,
            continuing: false,
            same_hands: false,
            routes,
        }
    }

    fn year(department_id: i64) -> Cell {
        Cell::Year {
            department_id,
            fiscal_year: 2026,
            area_id: 7,
            category: "道路".into(),
        }
    }

    fn open(department_id: i64) -> Cell {
        Cell::Open {
            department_id,
            area_id: 7,
        }
    }

    #[test]
    fn an_intake_counts_once_for_the_whole_city() {
        assert_eq!(
            changes(None, Some(&issue(vec![]))),
            vec![(year(WHOLE_CITY), [1, 0, 0]), (open(WHOLE_CITY), [1, 0, 0])]
        );
    }

    #[test]
    fn routing_adds_the_department_and_closing_moves_only_the_closed_count() {
        let sent = issue(vec![route(3, None), route(3, None)]);
        assert_eq!(
            changes(Some(&issue(vec![])), Some(&sent)),
            vec![(year(3), [1, 0, 0]), (open(3), [1, 0, 0])],
            "one cell per department, however often it was sent"
        );
        let closed = Counted {
            closed: true,
            ..sent.clone()
        };
        assert_eq!(
            changes(Some(&sent), Some(&closed)),
            vec![
                (year(WHOLE_CITY), [0, 1, 0]),
                (year(3), [0, 1, 0]),
                (open(WHOLE_CITY), [-1, 0, 0]),
                (open(3), [-1, 0, 0])
            ]
        );
    }

    #[test]
    fn an_answer_counts_in_the_fiscal_year_of_japan_until_its_route_is_moved_on() {
        // 31 March 23:30 JST is still 年度 2025; 15:00 UTC is 00:00 JST on 1 April.
        let late = issue(vec![route(3, at("2026-03-31T14:30:00Z"))]);
        let in_area = |area_id, fy| Cell::Answer {
            department_id: 3,
            fiscal_year: fy,
            area_id,
            days: 3,
        };
        let answer = |fy| in_area(7, fy);
        let every_area = |fy| in_area(ALL_AREAS, fy);
        assert!(cells(&late).contains_key(&answer(2025)));
        let april = issue(vec![route(3, at("2026-03-31T15:00:00Z"))]);
        assert!(cells(&april).contains_key(&answer(2026)));
        let mut moved = april.clone();
        moved.routes[0].rerouted_at = at("2026-06-01T00:00:00Z");
        assert_eq!(
            changes(Some(&april), Some(&moved)),
            vec![(every_area(2026), [-1, 0, 0]), (answer(2026), [-1, 0, 0])]
        );
    }

    #[test]
    fn a_district_corrected_moves_every_count() {
        let before = issue(vec![route(3, at("2026-06-01T00:00:00Z"))]);
        let after = Counted {
            area_id: 8,
            ..before.clone()
        };
        let moved = changes(Some(&before), Some(&after));
        assert_eq!(moved.len(), 10, "five cells out of district 7, five into 8");
        assert!(
            !moved
                .iter()
                .any(|(c, _)| matches!(c, Cell::Answer { area_id: ALL_AREAS, .. })),
            "the answer stays counted in every district's cell"
        );
        assert_eq!(moved.iter().map(|(_, n)| n[0]).sum::<i64>(), 0);
        assert!(changes(Some(&before), Some(&before)).is_empty());
    }
}
