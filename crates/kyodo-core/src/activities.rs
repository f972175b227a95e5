//! The activity log (活動記録): what a liaison did, when, for how long,
//! and whether it was outside working hours, entered on a phone in a few
//! seconds; and the workload (負担) summed from it per person and month.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::validation::{FieldErrors, Fields};

crate::keyed_enum! {
    /// How time outside working hours is made good (時間外の扱い).
    pub enum Compensation {
        /// 振替・代休: a day off in return.
        TimeOff = ("time_off", "振替・代休"),
        /// 時間外勤務手当.
        Allowance = ("allowance", "手当"),
    }
}

/// One entry as lists and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Activity {
    pub id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    pub area_id: i64,
    pub area_name: String,
    pub done_on: NaiveDate,
    /// One of the scheme's duty types (活動の種類).
    pub duty_type: String,
    pub minutes: i64,
    /// Outside working hours (時間外).
    pub out_of_hours: bool,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::issues::OptionalKey"))]
    pub compensation: Option<Compensation>,
    /// An official car was used (公用車).
    pub official_car: bool,
    pub meeting_id: Option<i64>,
    pub issue_id: Option<i64>,
    pub note: Option<String>,
    pub version: i64,
}

crate::issues::optional_key!(Compensation);

/// What a liaison sends to log an activity.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityInput {
    pub done_on: NaiveDate,
    pub area_id: i64,
    pub duty_type: String,
    pub minutes: i64,
    pub out_of_hours: bool,
    pub compensation: Option<Compensation>,
    pub official_car: bool,
    pub meeting_id: Option<i64>,
    pub issue_id: Option<i64>,
    pub note: Option<String>,
}

/// The longest entry: one day.
pub const MAX_MINUTES: i64 = 24 * 60;

/// 「90」「90分」「1時間30分」「1.5時間」「1.5h」「1:30」 as minutes.
pub fn parse_duration(raw: &str) -> Option<i64> {
    let s = crate::text::normalize_digits(&crate::text::fold_ascii(raw)).replace(' ', "");
    let s = s.trim_end_matches(['分', 'm']).to_owned();
    let minutes = if let Some((h, m)) = s.split_once(':') {
        h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?
    } else if let Some((h, m)) = s.split_once("時間").or_else(|| s.split_once('h')) {
        let hours: f64 = h.parse().ok()?;
        let extra: i64 = if m.is_empty() { 0 } else { m.parse().ok()? };
        (hours * 60.0).round() as i64 + extra
    } else {
        s.parse().ok()?
    };
    (1..=MAX_MINUTES).contains(&minutes).then_some(minutes)
}

impl ActivityInput {
    /// `today` and `default_area` fill what a phone entry leaves out.
    pub fn parse(
        get: &dyn Fn(&str) -> Option<String>,
        duty_types: &[String],
        today: NaiveDate,
        default_area: Option<i64>,
    ) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let done_on = f.date("done_on", "活動日", false).unwrap_or(today);
        if done_on > today {
            f.errors.add("done_on", "活動日に先の日付は入力できません");
        }
        let area_id = f.id("area_id", "地区", false).or(default_area);
        if area_id.is_none() && f.errors.get("area_id").is_none() {
            f.errors.add("area_id", "地区を選択してください");
        }
        let duty_type = f.choice("duty_type", "活動の種類", duty_types, true);
        let minutes = match f.optional("minutes", "時間", 20) {
            None => {
                f.errors.add("minutes", "時間を入力してください");
                None
            }
            Some(raw) => {
                let parsed = parse_duration(&raw);
                if parsed.is_none() {
                    f.errors.add(
                        "minutes",
                        "時間は「90」「1時間30分」のように、1分〜24時間で入力してください",
                    );
                }
                parsed
            }
        };
        let out_of_hours = f.flag("out_of_hours");
        let compensation = match f.optional("compensation", "時間外の扱い", 20) {
            None => None,
            Some(v) => {
                let parsed = Compensation::parse(&v);
                if parsed.is_none() {
                    f.errors
                        .add("compensation", "時間外の扱いは「振替・代休」か「手当」にしてください");
                }
                parsed
            }
        };
        if out_of_hours && compensation.is_none() && f.errors.get("compensation").is_none() {
            f.errors
                .add("compensation", "時間外のときは「振替・代休」か「手当」を選んでください");
        }
        let official_car = f.flag("official_car");
        let meeting_id = f.id("meeting_id", "会議", false);
        let issue_id = f.id("issue_id", "課題", false);
        let note = f.text("note", "メモ", 2000, false);
        let (Some(area_id), Some(duty_type), Some(minutes)) = (area_id, duty_type, minutes) else {
            return Err(f.errors);
        };
        f.finish(Self {
            done_on,
            area_id,
            duty_type,
            minutes,
            out_of_hours,
            compensation: compensation.filter(|_| out_of_hours),
            official_car,
            meeting_id,
            issue_id,
            note,
        })
    }
}

/// A month as stored in the monthly totals: 202611 for November 2026.
pub fn month_key(day: NaiveDate) -> i32 {
    day.year() * 100 + day.month() as i32
}

/// The twelve month keys of a fiscal year, April first.
pub fn fiscal_months(fy: i32) -> Vec<i32> {
    (4..=12)
        .map(|m| fy * 100 + m)
        .chain((1..=3).map(|m| (fy + 1) * 100 + m))
        .collect()
}

/// 「令和8年11月」.
pub fn month_label(key: i32) -> String {
    let (y, m) = (key / 100, (key % 100) as u32);
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(crate::wareki::to_wareki)
        .map_or_else(|| format!("{y}年{m}月"), |w| format!("{w}{m}月"))
}

/// One row of the monthly totals (月別集計): one person, district, month and duty type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct MonthTotal {
    pub staff_id: i64,
    pub area_id: i64,
    pub month: i32,
    pub duty_type: String,
    pub minutes: i64,
    pub out_of_hours_minutes: i64,
    pub entries: i64,
}

/// When a month's load is worth a coordinator's look (負担の警告), set by the municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkloadAlert {
    /// Hours of liaison work in one month.
    pub monthly_hours: u16,
    /// Of which outside working hours.
    pub monthly_out_of_hours: u16,
}

impl Default for WorkloadAlert {
    fn default() -> Self {
        WorkloadAlert {
            monthly_hours: 20,
            monthly_out_of_hours: 10,
        }
    }
}

/// A sum of minutes, split by duty type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Load {
    pub minutes: i64,
    pub out_of_hours_minutes: i64,
    pub entries: i64,
    pub by_duty: BTreeMap<String, i64>,
}

impl Load {
    fn add(&mut self, t: &MonthTotal) {
        self.minutes += t.minutes;
        self.out_of_hours_minutes += t.out_of_hours_minutes;
        self.entries += t.entries;
        *self.by_duty.entry(t.duty_type.clone()).or_default() += t.minutes;
    }

    /// Whether this load, over one month, passes the municipality's threshold.
    pub fn alerts(&self, alert: &WorkloadAlert) -> Vec<String> {
        let mut out = Vec::new();
        if self.minutes > i64::from(alert.monthly_hours) * 60 {
            out.push(format!("月{}時間超", alert.monthly_hours));
        }
        if self.out_of_hours_minutes > i64::from(alert.monthly_out_of_hours) * 60 {
            out.push(format!("時間外が月{}時間超", alert.monthly_out_of_hours));
        }
        out
    }

    pub fn duty(&self, duty_type: &str) -> i64 {
        self.by_duty.get(duty_type).copied().unwrap_or(0)
    }
}

/// 90 minutes as 「1.5」 (hours, one decimal), as the reports show them.
pub fn hours(minutes: i64) -> String {
    let tenths = (minutes * 10 + 30) / 60;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Sums totals by a key: per person, per district, per month…
pub fn sum_by<K: Ord>(totals: &[MonthTotal], key: impl Fn(&MonthTotal) -> K) -> BTreeMap<K, Load> {
    let mut out: BTreeMap<K, Load> = BTreeMap::new();
    for t in totals {
        out.entry(key(t)).or_default().add(t);
    }
    out
}

/// Whether someone acting as `viewer_staff_id`, leading the districts in
/// `led_areas`, may see an entry (the owner; the team's 課長級).
pub fn visible_to(
    activity_staff_id: i64,
    activity_area_id: i64,
    viewer_staff_id: Option<i64>,
    led_areas: &[i64],
) -> bool {
    viewer_staff_id == Some(activity_staff_id) || led_areas.contains(&activity_area_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn duty_types() -> Vec<String> {
        ["運営支援", "相談対応"].map(String::from).to_vec()
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<ActivityInput, FieldErrors> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        ActivityInput::parse(
            &move |k: &str| map.get(k).cloned(),
            &duty_types(),
            day(2026, 11, 21),
            Some(7),
        )
    }

    #[test]
    fn durations_typed_many_ways() {
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("９０分"), Some(90));
        assert_eq!(parse_duration("1時間30分"), Some(90));
        assert_eq!(parse_duration("1.5時間"), Some(90));
        assert_eq!(parse_duration("2h"), Some(120));
        assert_eq!(parse_duration("1:30"), Some(90));
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("25時間"), None);
        assert_eq!(parse_duration("少し"), None);
    }

    #[test]
    fn a_phone_entry_needs_only_duty_type_and_time() {
        let a = parse(&[("duty_type", "相談対応"), ("minutes", "30")]).expect("valid");
        assert_eq!(a.done_on, day(2026, 11, 21), "today by default");
        assert_eq!(a.area_id, 7, "their district by default");
        assert_eq!(a.minutes, 30);
        assert!(!a.out_of_hours);
        assert_eq!(a.compensation, None);
    }

    #[test]
    fn out_of_hours_needs_how_it_is_made_good() {
        let e = parse(&[("duty_type", "運営支援"), ("minutes", "120"), ("out_of_hours", "true")])
            .expect_err("no compensation");
        assert!(e.get("compensation").is_some());
        let a = parse(&[
            ("duty_type", "運営支援"),
            ("minutes", "120"),
            ("out_of_hours", "true"),
            ("compensation", "手当"),
        ])
        .expect("valid");
        assert_eq!(a.compensation, Some(Compensation::Allowance));
        let inside = parse(&[("duty_type", "運営支援"), ("minutes", "120"), ("compensation", "手当")])
            .expect("compensation ignored inside hours");
        assert_eq!(inside.compensation, None);
    }

    #[test]
    fn bad_entries_are_reported_field_by_field() {
        let e = parse(&[("done_on", "2026-12-01"), ("duty_type", "宴会"), ("minutes", "ずっと")]).expect_err("bad");
        for field in ["done_on", "duty_type", "minutes"] {
            assert!(e.get(field).is_some(), "{field}: {e}");
        }
    }

    #[test]
    fn fiscal_months_run_april_to_march() {
        let m = fiscal_months(2026);
        assert_eq!(m.first(), Some(&202604));
        assert_eq!(m.last(), Some(&202703));
        assert_eq!(m.len(), 12);
        assert_eq!(month_key(day(2027, 1, 31)), 202701);
        assert_eq!(month_label(202611), "令和8年11月");
    }

    fn total(staff: i64, duty: &str, minutes: i64, out: i64) -> MonthTotal {
        MonthTotal {
            staff_id: staff,
            area_id: 1,
            month: 202611,
            duty_type: duty.into(),
            minutes,
            out_of_hours_minutes: out,
            entries: 1,
        }
    }

    #[test]
    fn loads_sum_per_person_and_alert_past_the_threshold() {
        let totals = [
            total(1, "運営支援", 900, 300),
            total(1, "相談対応", 400, 400),
            total(2, "運営支援", 60, 0),
        ];
        let per_person = sum_by(&totals, |t| t.staff_id);
        let one = &per_person[&1];
        assert_eq!(one.minutes, 1300);
        assert_eq!(one.duty("相談対応"), 400);
        let alert = WorkloadAlert {
            monthly_hours: 20,
            monthly_out_of_hours: 10,
        };
        assert_eq!(one.alerts(&alert), vec!["月20時間超", "時間外が月10時間超"]);
        assert!(per_person[&2].alerts(&alert).is_empty());
        assert_eq!(hours(90), "1.5");
        assert_eq!(hours(20), "0.3");
    }

    #[test]
    fn the_owner_and_the_team_lead_see_an_entry() {
        assert!(visible_to(5, 1, Some(5), &[]));
        assert!(visible_to(5, 1, Some(9), &[1]));
        assert!(!visible_to(5, 1, Some(9), &[2]));
        assert!(!visible_to(5, 1, None, &[]));
    }
}
