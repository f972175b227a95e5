//! The community calendar (行事予定): what a district's organisations hold
//! and whether residents may come — 祭り, 清掃活動, 防災訓練, 敬老会, サロン,
//! and the meetings a liaison marked 公開. Osaki publishes its events with
//! 傍聴可否; the public site, its iCal feeds and the printed 年間行事カレンダー
//! all read this one calendar.

pub mod annual;
pub mod ical;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::meetings::MeetingInput;
use crate::validation::{FieldErrors, Fields};

crate::keyed_enum! {
    /// What kind of event (行事の種類).
    pub enum EventKind {
        Meeting = ("meeting", "会議"),
        Festival = ("festival", "祭り・行事"),
        Cleanup = ("cleanup", "清掃活動"),
        DisasterDrill = ("disaster_drill", "防災訓練"),
        Elderly = ("elderly", "敬老会"),
        Salon = ("salon", "サロン"),
        Sports = ("sports", "運動会・スポーツ"),
        Lecture = ("lecture", "講座・学習会"),
        Other = ("other", "その他"),
    }
}

crate::keyed_enum! {
    /// Who may come (参加・傍聴).
    pub enum Admission {
        /// A meeting outsiders may watch (傍聴可).
        Observers = ("observers", "傍聴可"),
        /// Anyone may join (参加自由).
        Open = ("open", "参加自由"),
        /// Members only (会員のみ).
        Members = ("members", "会員のみ"),
    }
}

crate::keyed_enum! {
    /// Whether it still takes place.
    pub enum EventStatus {
        Scheduled = ("scheduled", "予定"),
        /// Called off (中止): kept, so calendars that copied it learn of it.
        Cancelled = ("cancelled", "中止"),
    }
}

impl Admission {
    /// An event residents may attend or watch is announced to them: 傍聴可
    /// on a meeting nobody can find is the contradiction this rules out.
    pub fn implies_public(self) -> bool {
        !matches!(self, Admission::Members)
    }
}

/// One entry of the calendar.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Event {
    pub id: i64,
    pub area_id: i64,
    pub area_name: String,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    /// The meeting this entry announces, when it came from one.
    pub meeting_id: Option<i64>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: EventKind,
    pub title: String,
    /// What residents should know (内容・持ち物).
    pub description: Option<String>,
    pub starts_on: NaiveDate,
    /// The last day of an event over several days.
    pub ends_on: Option<NaiveDate>,
    /// 「19:00」; none for an all-day event (終日).
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub place: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub admission: Admission,
    /// Listed on the public site and in its calendars (公開).
    pub public: bool,
    /// Who to ask (問い合わせ先), written for the public: an office, not a person's phone.
    pub contact: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: EventStatus,
    /// Raised on every change, for calendars that copied it (iCal SEQUENCE).
    pub sequence: i64,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Event {
    pub fn cancelled(&self) -> bool {
        self.status == EventStatus::Cancelled
    }
}

/// What a caller sends to add or change an event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInput {
    pub area_id: i64,
    pub organisation_id: Option<i64>,
    pub kind: EventKind,
    pub title: String,
    pub description: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub place: Option<String>,
    pub admission: Admission,
    pub public: bool,
    pub contact: Option<String>,
    pub status: EventStatus,
}

impl EventInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let area_id = f.id("area_id", "地区", true);
        let organisation_id = f.id("organisation_id", "団体", false);
        let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.label()).collect();
        let kind = f.keyed("kind", "種類", EventKind::parse, &kinds, None);
        let title = f.required("title", "行事名", 200);
        let description = f.text("description", "内容", 4000, false);
        let starts_on = f.date("starts_on", "開催日", true);
        let ends_on = f.date("ends_on", "終了日", false);
        if let (Some(s), Some(e)) = (starts_on, ends_on)
            && e < s
        {
            f.errors.add("ends_on", "終了日は開催日より後にしてください");
        }
        let start_time = crate::meetings::time_field(&mut f, "start_time", "開始時刻");
        let end_time = crate::meetings::time_field(&mut f, "end_time", "終了時刻");
        if start_time.is_none() && end_time.is_some() && f.errors.get("start_time").is_none() {
            f.errors
                .add("start_time", "終了時刻を入れるときは開始時刻も入れてください");
        }
        if let (Some(s), Some(e)) = (&start_time, &end_time)
            && e < s
            && ends_on.is_none_or(|e| Some(e) == starts_on)
        {
            f.errors.add("end_time", "終了時刻は開始時刻より後にしてください");
        }
        let place = f.optional("place", "場所", 200);
        let admissions: Vec<&str> = Admission::ALL.iter().map(|k| k.label()).collect();
        let admission = f.keyed(
            "admission",
            "参加",
            Admission::parse,
            &admissions,
            Some(Admission::Open),
        );
        let statuses: Vec<&str> = EventStatus::ALL.iter().map(|k| k.label()).collect();
        let status = f.keyed(
            "status",
            "状況",
            EventStatus::parse,
            &statuses,
            Some(EventStatus::Scheduled),
        );
        let public = f.flag("public") || admission.is_some_and(Admission::implies_public);
        let contact = f.optional("contact", "問い合わせ先", 200);
        let (Some(area_id), Some(kind), Some(starts_on), Some(admission), Some(status)) =
            (area_id, kind, starts_on, admission, status)
        else {
            return Err(f.errors);
        };
        f.finish(Self {
            area_id,
            organisation_id,
            kind,
            title,
            description,
            starts_on,
            ends_on: ends_on.filter(|e| *e != starts_on),
            start_time,
            end_time,
            place,
            admission,
            public,
            contact,
            status,
        })
    }

    /// The calendar entry a meeting announces: only a meeting marked 公開
    /// (which 傍聴可 implies) is announced; otherwise its entry, if it
    /// had one, is withdrawn (`None`). Minutes and attendees never travel.
    pub fn from_meeting(m: &MeetingInput) -> Option<Self> {
        if !m.listed_publicly() {
            return None;
        }
        Some(EventInput {
            area_id: m.area_id,
            organisation_id: m.organisation_id,
            kind: EventKind::Meeting,
            title: m.title.clone(),
            description: None,
            starts_on: m.held_on,
            ends_on: None,
            start_time: m.start_time.clone(),
            end_time: m.end_time.clone(),
            place: m.place.clone(),
            admission: if m.observers_allowed {
                Admission::Observers
            } else {
                Admission::Members
            },
            public: true,
            contact: None,
            status: EventStatus::Scheduled,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<EventInput, FieldErrors> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        EventInput::parse(&move |k: &str| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("area_id", "1"),
        ("kind", "祭り・行事"),
        ("title", "夏祭り"),
        ("starts_on", "令和8年8月15日"),
    ];

    #[test]
    fn an_open_event_is_public_even_if_the_box_was_left_empty() {
        let e = parse(BASE).unwrap();
        assert_eq!(e.admission, Admission::Open);
        assert!(e.public);
        assert!(e.start_time.is_none(), "no time: all day");
        let mut members = BASE.to_vec();
        members.push(("admission", "会員のみ"));
        assert!(!parse(&members).unwrap().public);
        members.push(("public", "on"));
        assert!(parse(&members).unwrap().public);
    }

    #[test]
    fn bad_times_and_days_are_named_by_field() {
        let mut bad = BASE.to_vec();
        bad.extend([
            ("ends_on", "2026-08-01"),
            ("end_time", "１０：００"),
            ("admission", "誰でも"),
        ]);
        let errors = parse(&bad).unwrap_err();
        assert!(errors.get("ends_on").is_some());
        assert!(errors.get("start_time").is_some());
        assert!(errors.get("admission").unwrap().contains("傍聴可"));
    }

    #[test]
    fn a_one_day_end_is_no_end_and_full_width_times_are_read() {
        let mut e = BASE.to_vec();
        e.extend([
            ("ends_on", "2026-08-15"),
            ("start_time", "１８時"),
            ("end_time", "21:30"),
        ]);
        let e = parse(&e).unwrap();
        assert_eq!(e.ends_on, None);
        assert_eq!(e.start_time.as_deref(), Some("18:00"));
    }
}
