//! The printed 年間行事カレンダー (seed 003, Osaki): at the year's end a
//! 実行委員会 collects every group's events of a district or a body for the
//! next 年度 (April to March) into one sheet, with the district's contact
//! points and advertisement boxes (広告枠) whose fees pay for the print.
//! The lead opens it with a date by which the bodies enter their events,
//! reviews and publishes it, then prints; events entered later still show
//! online, since every copy reads the one calendar.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use super::Event;
use crate::validation::{FieldErrors, Fields};
use crate::wareki::{fiscal_year_end, fiscal_year_start};

crate::keyed_enum! {
    /// Where a calendar stands (状況).
    pub enum AnnualStatus {
        /// The bodies are entering their events (受付中).
        Collecting = ("collecting", "受付中"),
        /// Reviewed and issued (発行済み): printed, and on the public site.
        Published = ("published", "発行済み"),
    }
}

/// One year's calendar of a district or of a body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AnnualCalendar {
    pub id: i64,
    pub area_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// The district's or the body's name.
    pub owner_name: String,
    /// The district it belongs to: its own, or its body's.
    pub owner_area_id: Option<i64>,
    pub fiscal_year: i32,
    pub title: String,
    /// The bodies enter their events by this day (締切).
    pub entry_deadline: Option<NaiveDate>,
    /// Printed beside the months: who to ask (事務局、公民館), one per line.
    pub contact_points: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: AnnualStatus,
    pub published_on: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// What the lead sends to open or change a calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnualCalendarInput {
    pub area_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub fiscal_year: i32,
    pub title: Option<String>,
    pub entry_deadline: Option<NaiveDate>,
    pub contact_points: Option<String>,
}

impl AnnualCalendarInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let area_id = f.id("area_id", "地区", false);
        let organisation_id = f.id("organisation_id", "団体", false);
        if area_id.is_some() == organisation_id.is_some()
            && f.errors.get("area_id").is_none()
            && f.errors.get("organisation_id").is_none()
        {
            f.errors.add("area_id", "地区か団体のどちらか一つを選んでください");
        }
        let fiscal_year = f.count("fiscal_year", "年度", true);
        if let Some(y) = fiscal_year
            && !crate::wareki::year_in_range(y as i32)
        {
            f.errors.add("fiscal_year", "年度を確かめてください");
        }
        let title = f.optional("title", "題名", 100);
        let entry_deadline = f.date("entry_deadline", "登録の締切", false);
        let contact_points = f.text("contact_points", "問い合わせ先", 1000, false);
        let Some(fiscal_year) = fiscal_year else {
            return Err(f.errors);
        };
        f.finish(Self {
            area_id,
            organisation_id,
            fiscal_year: fiscal_year as i32,
            title,
            entry_deadline,
            contact_points,
        })
    }
}

/// An advertisement box (広告枠): the sponsor's name and text as printed,
/// and the fee, so that the 実行委員会 can account for the income.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Advert {
    pub id: i64,
    pub calendar_id: i64,
    pub sponsor: String,
    pub text: Option<String>,
    /// 広告料 (円).
    pub fee: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdvertInput {
    pub sponsor: String,
    pub text: Option<String>,
    pub fee: i64,
}

impl AdvertInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let sponsor = f.required("sponsor", "広告主", 100);
        let text = f.text("text", "広告の文", 200, false);
        let fee = f.yen("fee", "広告料", false).unwrap_or(0);
        f.finish(Self { sponsor, text, fee })
    }
}

/// One month of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthBox {
    pub year: i32,
    pub month: u32,
    pub entries: Vec<MonthEntry>,
}

/// One line in a month: 「15日(土) 夏祭り 18:00 公民館」.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthEntry {
    pub day: String,
    pub title: String,
    pub time: Option<String>,
    pub place: Option<String>,
    pub cancelled: bool,
}

/// The twelve months of `fiscal_year`, April first, each with its events in
/// date order (`events` sorted by date, as the store lists them). An event
/// over several days is listed in the month it begins. The same event held
/// by several bodies at once (each 自治会's 一斉清掃) is printed once.
pub fn months(fiscal_year: i32, events: &[Event]) -> Vec<MonthBox> {
    let start = fiscal_year_start(fiscal_year);
    let end = fiscal_year_end(fiscal_year);
    let mut boxes: Vec<MonthBox> = (0..12)
        .map(|i| {
            let m = start + chrono::Months::new(i);
            MonthBox {
                year: m.year(),
                month: m.month(),
                entries: Vec::new(),
            }
        })
        .collect();
    for e in events.iter().filter(|e| e.starts_on >= start && e.starts_on <= end) {
        let index = ((e.starts_on.year() - start.year()) * 12 + e.starts_on.month() as i32 - 4) as usize;
        let weekday = crate::public::weekday(e.starts_on);
        let mut day = format!("{}日({weekday})", e.starts_on.day());
        if let Some(last) = e.ends_on {
            day.push_str(&format!("〜{}日", last.day()));
        }
        let entry = MonthEntry {
            day,
            title: e.title.clone(),
            time: e.start_time.clone(),
            place: e.place.clone(),
            cancelled: e.cancelled(),
        };
        if !boxes[index].entries.contains(&entry) {
            boxes[index].entries.push(entry);
        }
    }
    boxes
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::events::{Admission, EventKind, EventStatus};

    fn event(on: NaiveDate, title: &str) -> Event {
        Event {
            id: 1,
            area_id: 1,
            area_name: "荒尾".into(),
            organisation_id: None,
            organisation_name: None,
            meeting_id: None,
            kind: EventKind::Festival,
            title: title.into(),
            description: None,
            starts_on: on,
            ends_on: None,
            start_time: Some("18:00".into()),
            end_time: None,
            place: Some("公民館".into()),
            admission: Admission::Open,
            public: true,
            contact: None,
            status: EventStatus::Scheduled,
            sequence: 0,
            updated_at: Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn twelve_months_from_april_each_event_in_its_month() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let events = [
            event(d(2026, 3, 31), "前の年度"),
            event(d(2026, 4, 5), "総会"),
            event(d(2026, 8, 15), "夏祭り"),
            event(d(2027, 3, 20), "卒業を祝う会"),
            event(d(2026, 8, 15), "夏祭り"),
            event(d(2027, 4, 1), "次の年度"),
        ];
        let boxes = months(2026, &events);
        assert_eq!(boxes.len(), 12);
        assert_eq!((boxes[0].year, boxes[0].month), (2026, 4));
        assert_eq!((boxes[11].year, boxes[11].month), (2027, 3));
        assert_eq!(boxes[0].entries[0].title, "総会");
        assert_eq!(boxes[0].entries[0].day, "5日(日)");
        assert_eq!(boxes[4].entries.len(), 1, "held by two bodies, printed once");
        assert_eq!(boxes[4].entries[0].title, "夏祭り");
        assert_eq!(boxes[11].entries[0].title, "卒業を祝う会");
        let all: usize = boxes.iter().map(|b| b.entries.len()).sum();
        assert_eq!(all, 3, "only the 年度's own");
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<AnnualCalendarInput, FieldErrors> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        AnnualCalendarInput::parse(&move |k: &str| map.get(k).cloned())
    }

    #[test]
    fn a_calendar_is_of_a_district_or_of_a_body_not_both() {
        let both = parse(&[("area_id", "1"), ("organisation_id", "2"), ("fiscal_year", "2027")]);
        assert!(both.unwrap_err().get("area_id").is_some());
        let none = parse(&[("fiscal_year", "2027")]);
        assert!(none.unwrap_err().get("area_id").is_some());
        let ok = parse(&[
            ("area_id", "1"),
            ("fiscal_year", "2027"),
            ("entry_deadline", "令和9年2月28日"),
        ])
        .unwrap();
        assert_eq!(ok.entry_deadline, NaiveDate::from_ymd_opt(2027, 2, 28));
    }

    #[test]
    fn an_advert_needs_its_sponsor_and_a_fee_in_yen() {
        let map: HashMap<String, String> = [("sponsor", "荒尾商店"), ("fee", "５，０００")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let a = AdvertInput::parse(&move |k: &str| map.get(k).cloned()).unwrap();
        assert_eq!((a.sponsor.as_str(), a.fee), ("荒尾商店", 5000));
        let empty = AdvertInput::parse(&|_: &str| None).unwrap_err();
        assert!(empty.get("sponsor").is_some());
    }
}
