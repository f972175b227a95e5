//! Appointments and terms (任命・任期): who may be appointed to which liaison
//! position, until when, and what the teams look like next April.
//!
//! Dates are inclusive: `planned_end_on` and `ended_on` are the last days
//! served, as a 辞令 states them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::scheme::{Position, PositionKind, SchemeSettings};
use crate::validation::{FieldErrors, Fields};
use crate::wareki::{fiscal_year, fiscal_year_end, fiscal_year_start, format_date_wareki, format_fiscal_year};

crate::keyed_enum! {
    /// Why an appointment ended before its term (任期途中の終了理由).
    pub enum EndReason {
        Transfer = ("transfer", "異動"),
        Retirement = ("retirement", "退職"),
        Leave = ("leave", "休職"),
        Promotion = ("promotion", "昇任"),
        Other = ("other", "その他"),
    }
}

/// An appointment (任命) as pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Appointment {
    pub id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub staff_name_kana: String,
    pub employee_number: String,
    /// The staff member's grade now.
    pub grade: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    /// The liaison unit served.
    pub area_id: i64,
    pub area_name: String,
    pub position_key: String,
    pub start_on: NaiveDate,
    /// The last day of the term (任期満了日).
    pub planned_end_on: NaiveDate,
    /// The last day served, when the appointment ended before its term.
    pub ended_on: Option<NaiveDate>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::issues::OptionalKey"))]
    pub end_reason: Option<EndReason>,
    pub end_note: Option<String>,
    pub appointed_on: Option<NaiveDate>,
    pub appointed_by: Option<String>,
    /// The appointment whose remaining term this one serves (残任期間).
    pub replaces_id: Option<i64>,
    pub note: Option<String>,
}

crate::issues::optional_key!(EndReason);

impl Appointment {
    /// The last day served or to be served.
    pub fn last_day(&self) -> NaiveDate {
        self.ended_on.unwrap_or(self.planned_end_on)
    }

    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.start_on <= on && on <= self.last_day()
    }

    /// 「就任前」「在任中」「任期満了」「途中退任（異動）」 as of `on`.
    pub fn state_label(&self, on: NaiveDate) -> String {
        if self.start_on > on {
            "就任前".to_owned()
        } else if on <= self.last_day() {
            "在任中".to_owned()
        } else {
            match self.end_reason {
                Some(r) if self.ended_on.is_some() => format!("途中退任（{}）", r.label()),
                _ => "任期満了".to_owned(),
            }
        }
    }
}

/// A staff member as the appointment pages weigh them: who could serve,
/// who has served.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PoolMember {
    pub staff_id: i64,
    pub name: String,
    pub name_kana: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub grade: String,
    pub hire_date: NaiveDate,
    pub home_area_id: Option<i64>,
    /// Has held any liaison appointment, ever.
    pub served: bool,
}

/// How a municipality appoints, beyond each position's own rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppointmentRules {
    /// Who appoints (任命権者), recorded on each appointment.
    #[serde(default = "mayor")]
    pub appointer: String,
    /// Staff are not appointed to the district they live in (居住地区).
    #[serde(default)]
    pub exclude_home_area: bool,
    /// A replacement serves the rest of the predecessor's term (残任期間).
    #[serde(default)]
    pub replacement_serves_remaining_term: bool,
    /// One team's members come from different departments.
    #[serde(default)]
    pub distinct_departments_in_unit: bool,
}

fn mayor() -> String {
    "市長".to_owned()
}

impl Default for AppointmentRules {
    fn default() -> Self {
        Self {
            appointer: mayor(),
            exclude_home_area: false,
            replacement_serves_remaining_term: false,
            distinct_departments_in_unit: false,
        }
    }
}

/// What a coordinator sends to appoint (任命).
#[derive(Debug, Clone, PartialEq)]
pub struct AppointmentInput {
    pub staff_id: i64,
    pub area_id: i64,
    pub position_key: String,
    /// First day of service.
    pub start_on: NaiveDate,
    /// The date of the 辞令.
    pub appointed_on: NaiveDate,
    pub appointed_by: String,
    pub note: Option<String>,
}

impl AppointmentInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, scheme: &SchemeSettings) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let staff_id = f.id("staff_id", "職員", true);
        let area_id = f.id("area_id", "地区", true);
        // The key or the name, as a CSV or a person would write it.
        let position_key = match f.optional("position_key", "職", 50) {
            None => {
                f.errors.add("position_key", "職を選択してください");
                None
            }
            Some(v) => {
                let folded = crate::text::fold_ascii(&v);
                let found = scheme
                    .positions
                    .iter()
                    .find(|p| crate::text::fold_ascii(&p.key) == folded || crate::text::fold_ascii(&p.name) == folded);
                if found.is_none() {
                    let names: Vec<&str> = scheme.positions.iter().map(|p| p.name.as_str()).collect();
                    f.errors.add(
                        "position_key",
                        format!("職は次のいずれかにしてください: {}", names.join("、")),
                    );
                }
                found.map(|p| p.key.clone())
            }
        };
        let start_on = f.date("start_on", "任期の開始日", true);
        let appointed_on = f.date("appointed_on", "任命日", false);
        let appointed_by = f
            .optional("appointed_by", "任命権者", 50)
            .unwrap_or_else(|| scheme.appointment_rules.appointer.clone());
        let note = f.text("note", "備考", 1000, false);
        if let (Some(s), Some(a)) = (start_on, appointed_on)
            && a > s
        {
            f.errors.add("appointed_on", "任命日は任期の開始日以前にしてください");
        }
        let (Some(staff_id), Some(area_id), Some(position_key), Some(start_on)) =
            (staff_id, area_id, position_key, start_on)
        else {
            return Err(f.errors);
        };
        f.finish(Self {
            staff_id,
            area_id,
            position_key,
            start_on,
            appointed_on: appointed_on.unwrap_or(start_on),
            appointed_by,
            note,
        })
    }
}

/// Ending an appointment before its term (任期途中の解任).
#[derive(Debug, Clone, PartialEq)]
pub struct EndInput {
    /// The last day served.
    pub ended_on: NaiveDate,
    pub reason: EndReason,
    pub note: Option<String>,
}

impl EndInput {
    /// `start_on..=planned_end_on` is the term being ended.
    pub fn parse(
        get: &dyn Fn(&str) -> Option<String>,
        start_on: NaiveDate,
        planned_end_on: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let ended_on = f.date("ended_on", "最終日", true);
        let reason = match f.optional("reason", "理由", 40) {
            None => {
                f.errors.add("reason", "理由を選択してください");
                None
            }
            Some(r) => EndReason::parse(&r).or_else(|| {
                let labels: Vec<String> = EndReason::options().into_iter().map(|(_, l)| l).collect();
                f.errors.add(
                    "reason",
                    format!("理由は次のいずれかにしてください: {}", labels.join("、")),
                );
                None
            }),
        };
        let note = f.text("note", "備考", 1000, false);
        if let Some(d) = ended_on {
            if d < start_on {
                f.errors.add(
                    "ended_on",
                    format!(
                        "最終日は任期の開始日（{}）以降にしてください",
                        format_date_wareki(start_on)
                    ),
                );
            } else if d >= planned_end_on {
                f.errors.add(
                    "ended_on",
                    format!(
                        "任期は{}までです。任期途中で終える日を入力してください",
                        format_date_wareki(planned_end_on)
                    ),
                );
            }
        }
        let (Some(ended_on), Some(reason)) = (ended_on, reason) else {
            return Err(f.errors);
        };
        f.finish(Self { ended_on, reason, note })
    }
}

/// The last day of a term of `years` fiscal years starting on `start_on`:
/// 31 March of its last year, the year of the start counting as the first.
/// Terms follow the fiscal year, so one appointed in October of a two-year
/// post serves to the March after next.
pub fn term_end(start_on: NaiveDate, years: u8) -> NaiveDate {
    fiscal_year_end(fiscal_year(start_on) + i32::from(years.max(1)) - 1)
}

/// The end of a new term: the rest of the predecessor's term when the scheme
/// says a replacement serves it (`vacated_term_end`: that term's planned
/// end, if the position was left early and the term still runs), otherwise
/// a full term.
pub fn planned_end(
    position: &Position,
    rules: &AppointmentRules,
    start_on: NaiveDate,
    vacated_term_end: Option<NaiveDate>,
) -> NaiveDate {
    match vacated_term_end {
        Some(end) if rules.replacement_serves_remaining_term && end >= start_on => end,
        _ => term_end(start_on, position.term_years),
    }
}

/// Which fiscal year of service since hire `on` is (入庁n年目): the year of
/// hire is the first.
pub fn year_of_service(hire_date: NaiveDate, on: NaiveDate) -> i32 {
    fiscal_year(on) - fiscal_year(hire_date) + 1
}

/// The elementary-school districts of a unit (Kumamoto): the areas directly
/// below it that are not archived.
pub fn school_districts(all: &[crate::areas::Area], unit: i64) -> u32 {
    all.iter()
        .filter(|a| a.parent_id == Some(unit) && a.archived_at.is_none())
        .count() as u32
}

/// How many holders of `position` a unit has: the position's own number,
/// or for full-time posts Kumamoto's rule over the elementary-school
/// districts below the unit.
pub fn slots(position: &Position, scheme: &SchemeSettings, school_districts: u32) -> u32 {
    match (position.per_unit, position.kind, scheme.staffing_rule) {
        (Some(n), _, _) => u32::from(n),
        (None, PositionKind::FullTime, Some(rule)) => rule.staff_for(school_districts),
        _ => 1,
    }
}

/// The staff member to be appointed, as of the start of the term.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub name: String,
    pub department_id: Option<i64>,
    /// The grade held on the first day of the term.
    pub grade: String,
    pub hire_date: NaiveDate,
    pub home_area_id: Option<i64>,
    pub archived: bool,
}

/// An appointment that overlaps the new term: the candidate's own, or one
/// in the unit.
#[derive(Debug, Clone)]
pub struct Overlap {
    pub staff_id: i64,
    pub staff_name: String,
    pub department_id: Option<i64>,
    pub area_name: String,
    pub position_key: String,
    pub first_day: NaiveDate,
    /// The last day served: the early end or the planned one.
    pub last_day: NaiveDate,
}

/// Everything the rules look at for one appointment.
pub struct Proposal<'a> {
    pub scheme: &'a SchemeSettings,
    pub position: &'a Position,
    pub staff_id: i64,
    pub candidate: &'a Candidate,
    pub unit_name: &'a str,
    /// The unit and every area below it (the home-district rule).
    pub unit_area_ids: &'a [i64],
    pub start_on: NaiveDate,
    /// The candidate's other appointments overlapping the term.
    pub candidate_overlaps: &'a [Overlap],
    /// The unit's appointments overlapping the term.
    pub unit_overlaps: &'a [Overlap],
    /// How many holders of the position the unit has.
    pub slots: u32,
}

/// Every rule the proposal breaks, each beside the field to change.
pub fn refusals(p: &Proposal<'_>) -> FieldErrors {
    let mut e = FieldErrors::new();
    let c = p.candidate;
    let pos = p.position;
    if c.archived {
        e.add("staff_id", format!("{}さんは在籍していません", c.name));
    }
    if let Some(grade) = &pos.grade
        && *grade != c.grade
    {
        let need = p.scheme.grade_name(grade).unwrap_or(grade);
        let has = p.scheme.grade_name(&c.grade).unwrap_or(&c.grade);
        e.add(
            "staff_id",
            format!(
                "{}には{need}の職員を任命します。{}さんは{}時点で{has}です",
                pos.name,
                c.name,
                format_date_wareki(p.start_on)
            ),
        );
    }
    let year = year_of_service(c.hire_date, p.start_on);
    let min = i32::from(pos.min_years_since_hire) + 1;
    if year < min {
        e.add(
            "staff_id",
            format!(
                "{}は入庁{min}年目以上の職員から任命します。{}さんは{}に入庁{year}年目です（{}から任命できます）",
                pos.name,
                c.name,
                format_fiscal_year(fiscal_year(p.start_on)),
                format_date_wareki(fiscal_year_start(fiscal_year(c.hire_date) + min - 1)),
            ),
        );
    }
    if let Some(max) = pos.max_years_since_hire {
        let max = i32::from(max) + 1;
        if year > max {
            e.add(
                "staff_id",
                format!(
                    "{}は入庁{max}年目までの職員です。{}さんは{}に入庁{year}年目です",
                    pos.name,
                    c.name,
                    format_fiscal_year(fiscal_year(p.start_on))
                ),
            );
        }
    }
    if p.scheme.appointment_rules.exclude_home_area && c.home_area_id.is_some_and(|h| p.unit_area_ids.contains(&h)) {
        e.add(
            "area_id",
            format!(
                "{}は{}さんの居住地区です。居住地区には任命しません",
                p.unit_name, c.name
            ),
        );
    }
    for o in p.candidate_overlaps {
        e.add(
            "staff_id",
            format!(
                "{}さんは{}まで{}の{}です。同時に務められるのは一つの職だけです",
                c.name,
                format_date_wareki(o.last_day),
                o.area_name,
                position_name(p.scheme, &o.position_key)
            ),
        );
    }
    let same_position: Vec<&Overlap> = p
        .unit_overlaps
        .iter()
        .filter(|o| o.position_key == pos.key && o.staff_id != p.staff_id)
        .collect();
    // The seats are full if, on some day of the new term, every one is
    // taken: holders one after another share a seat.
    let busiest: Vec<&Overlap> = std::iter::once(p.start_on)
        .chain(same_position.iter().map(|o| o.first_day).filter(|d| *d > p.start_on))
        .map(|day| {
            same_position
                .iter()
                .copied()
                .filter(|o| o.first_day <= day && day <= o.last_day)
                .collect::<Vec<_>>()
        })
        .max_by_key(Vec::len)
        .unwrap_or_default();
    let holders = busiest;
    if holders.len() as u32 >= p.slots {
        let names: Vec<String> = holders
            .iter()
            .map(|o| format!("{}さん（{}まで）", o.staff_name, format_date_wareki(o.last_day)))
            .collect();
        e.add(
            "position_key",
            format!("{}の{}は{}が務めています", p.unit_name, pos.name, names.join("、")),
        );
    }
    if p.scheme.appointment_rules.distinct_departments_in_unit
        && let Some(d) = c.department_id
        && let Some(same) = p
            .unit_overlaps
            .iter()
            .find(|o| o.department_id == Some(d) && o.staff_id != p.staff_id)
    {
        e.add(
            "staff_id",
            format!(
                "{}のチームには同じ部署の{}さんがいます。チームは別々の部署の職員で組みます",
                p.unit_name, same.staff_name
            ),
        );
    }
    e
}

/// The position's name, or its key when the scheme no longer has it.
pub fn position_name<'a>(scheme: &'a SchemeSettings, key: &'a str) -> &'a str {
    scheme
        .positions
        .iter()
        .find(|p| p.key == key)
        .map_or(key, |p| p.name.as_str())
}

/// Whether a staff member of `grade`, hired on `hire_date`, meets the
/// position's grade and years-since-hire rules on `on`.
pub fn meets_position(position: &Position, grade: &str, hire_date: NaiveDate, on: NaiveDate) -> bool {
    let year = year_of_service(hire_date, on);
    position.grade.as_deref().is_none_or(|g| g == grade)
        && year > i32::from(position.min_years_since_hire)
        && position
            .max_years_since_hire
            .is_none_or(|max| year <= i32::from(max) + 1)
}

/// The fiscal year in which every member of a team of two or more ends
/// their term, if they all do: Arao asks that a team never change at once.
pub fn whole_team_ends(last_days: &[NaiveDate]) -> Option<i32> {
    let first = fiscal_year(*last_days.first()?);
    (last_days.len() >= 2 && last_days.iter().all(|d| fiscal_year(*d) == first)).then_some(first)
}

/// The next 1 April after `today`: when the next year's teams start.
pub fn next_april(today: NaiveDate) -> NaiveDate {
    fiscal_year_start(fiscal_year(today) + 1)
}

/// One row of the coverage table (経験率).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    pub label: String,
    /// Staff who could be appointed to some position on the day.
    pub eligible: u32,
    /// Of those, who have served.
    pub served: u32,
}

impl CoverageRow {
    /// The share in percent, one decimal.
    pub fn percent(&self) -> Option<f64> {
        (self.eligible > 0).then(|| (f64::from(self.served) * 1000.0 / f64::from(self.eligible)).round() / 10.0)
    }
}

/// The share of eligible staff who have ever served, by department and by
/// grade (Arao wants as many staff as possible to have the experience), and
/// the total. Departments are ordered by name, grades as the scheme lists them.
pub fn coverage(
    staff: &[PoolMember],
    scheme: &SchemeSettings,
    on: NaiveDate,
) -> (Vec<CoverageRow>, Vec<CoverageRow>, CoverageRow) {
    let eligible: Vec<&PoolMember> = staff
        .iter()
        .filter(|s| {
            scheme
                .positions
                .iter()
                .any(|p| meets_position(p, &s.grade, s.hire_date, on))
        })
        .collect();
    let mut departments: std::collections::BTreeMap<String, CoverageRow> = Default::default();
    for s in &eligible {
        let label = s.department_name.clone().unwrap_or_else(|| "（所属なし）".to_owned());
        let row = departments.entry(label.clone()).or_insert(CoverageRow {
            label,
            eligible: 0,
            served: 0,
        });
        row.eligible += 1;
        row.served += u32::from(s.served);
    }
    let grades = scheme
        .grades
        .iter()
        .map(|g| {
            let of: Vec<&&PoolMember> = eligible.iter().filter(|s| s.grade == g.key).collect();
            CoverageRow {
                label: g.name.clone(),
                eligible: of.len() as u32,
                served: of.iter().filter(|s| s.served).count() as u32,
            }
        })
        .filter(|r| r.eligible > 0)
        .collect();
    let total = CoverageRow {
        label: "全体".to_owned(),
        eligible: eligible.len() as u32,
        served: eligible.iter().filter(|s| s.served).count() as u32,
    };
    (departments.into_values().collect(), grades, total)
}

#[cfg(test)]
mod tests;
