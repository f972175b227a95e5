//! Meetings and events (会議・行事) a liaison team attends or supports:
//! an organisation's 役員会 or 総会, a workshop and the preparation and
//! review meetings around it, an event. Issues raised in the minutes become
//! issues linked back to the meeting.

use chrono::NaiveDate;
use serde::Serialize;

use crate::validation::{FieldErrors, Fields};

crate::keyed_enum! {
    /// What kind of meeting (会議の種類).
    pub enum MeetingKind {
        Board = ("board", "役員会"),
        General = ("general", "総会"),
        Committee = ("committee", "部会"),
        Workshop = ("workshop", "ワークショップ"),
        /// Held to prepare a main session (事前打合せ).
        Preparation = ("preparation", "事前打合せ"),
        /// Held after a main session to look back on it (振り返り).
        Review = ("review", "振り返り"),
        AreaMeeting = ("area_meeting", "エリアミーティング"),
        CareMeeting = ("care_meeting", "小地域ケア会議"),
        Event = ("event", "イベント"),
        Other = ("other", "その他"),
    }
}

impl MeetingKind {
    /// Preparation and review meetings belong to a main session, so that a
    /// workshop's real cost (Osaki: 10–20 preparations for 3 sessions) shows.
    pub fn serves_main_session(self) -> bool {
        matches!(self, MeetingKind::Preparation | MeetingKind::Review)
    }
}

/// A meeting as lists, pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Meeting {
    pub id: i64,
    pub area_id: i64,
    pub area_name: String,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: NaiveDate,
    /// 「19:00」.
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub place: Option<String>,
    /// Announced to the public (公開).
    pub public: bool,
    /// Outsiders may observe (傍聴可).
    pub observers_allowed: bool,
    pub minutes: Option<String>,
    /// The main session a preparation or review meeting belongs to.
    pub main_meeting_id: Option<i64>,
    pub version: i64,
}

/// A staff member present at a meeting.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Attendee {
    pub staff_id: i64,
    pub name: String,
}

/// An issue raised at a meeting.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RaisedIssue {
    pub id: i64,
    pub title: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: crate::issues::IssueStatus,
}

/// What a liaison sends to record a meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingInput {
    pub area_id: i64,
    pub organisation_id: Option<i64>,
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub place: Option<String>,
    pub public: bool,
    pub observers_allowed: bool,
    /// Staff present (出席した職員).
    pub staff_ids: Vec<i64>,
    pub minutes: Option<String>,
    pub main_meeting_id: Option<i64>,
}

/// 「19:00」「19時」「１９：３０」「7:05」 as `HH:MM`.
pub fn parse_time(raw: &str) -> Option<String> {
    let s = crate::text::normalize_digits(&crate::text::fold_ascii(raw));
    let s = s.trim().trim_end_matches('分');
    let (h, m) = match s.split_once([':', '時']) {
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None => (s, "0"),
    };
    let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

/// An optional time field (「19時」「１９：３０」), its error named when it is not one.
pub(crate) fn time_field(f: &mut Fields, field: &str, label: &str) -> Option<String> {
    let raw = f.optional(field, label, 20)?;
    let parsed = parse_time(&raw);
    if parsed.is_none() {
        f.errors
            .add(field, format!("{label}は「19:00」のように入力してください"));
    }
    parsed
}

impl MeetingInput {
    /// Announced on the public calendar: marked 公開, or 傍聴可 — outsiders
    /// may only come to what they can find.
    pub fn listed_publicly(&self) -> bool {
        self.public || self.observers_allowed
    }

    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let area_id = f.id("area_id", "地区", true);
        let organisation_id = f.id("organisation_id", "団体", false);
        let kinds: Vec<&str> = MeetingKind::ALL.iter().map(|k| k.label()).collect();
        let kind = f.keyed("kind", "種類", MeetingKind::parse, &kinds, None);
        let title = f.required("title", "会議名", 200);
        let held_on = f.date("held_on", "開催日", true);
        let start_time = time_field(&mut f, "start_time", "開始時刻");
        let end_time = time_field(&mut f, "end_time", "終了時刻");
        if let (Some(s), Some(e)) = (&start_time, &end_time)
            && e < s
        {
            f.errors.add("end_time", "終了時刻は開始時刻より後にしてください");
        }
        let place = f.optional("place", "場所", 200);
        let mut staff_ids = f.ids("staff_ids", "出席した職員");
        staff_ids.sort_unstable();
        let observers_allowed = f.flag("observers_allowed");
        let public = f.flag("public") || observers_allowed;
        let minutes = f.text("minutes", "議事録", 20_000, false);
        let main_meeting_id = f.id("main_meeting_id", "本番の会議", false);
        if let Some(k) = kind
            && main_meeting_id.is_some()
            && !k.serves_main_session()
        {
            f.errors
                .add("main_meeting_id", "本番の会議を選べるのは事前打合せと振り返りだけです");
        }
        let (Some(area_id), Some(kind), Some(held_on)) = (area_id, kind, held_on) else {
            return Err(f.errors);
        };
        f.finish(Self {
            area_id,
            organisation_id,
            kind,
            title,
            held_on,
            start_time,
            end_time,
            place,
            public,
            observers_allowed,
            staff_ids,
            minutes,
            main_meeting_id,
        })
    }
}

/// What a main session cost, counted from the meetings that serve it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SessionCost {
    pub preparations: u32,
    pub reviews: u32,
}

impl SessionCost {
    pub fn of(satellites: &[Meeting]) -> Self {
        let count = |k: MeetingKind| satellites.iter().filter(|m| m.kind == k).count() as u32;
        SessionCost {
            preparations: count(MeetingKind::Preparation),
            reviews: count(MeetingKind::Review),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<MeetingInput, FieldErrors> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        MeetingInput::parse(&move |k: &str| map.get(k).cloned())
    }

    const BASE: [(&str, &str); 4] = [
        ("area_id", "3"),
        ("kind", "役員会"),
        ("title", "第3回役員会"),
        ("held_on", "令和8年11月20日"),
    ];

    #[test]
    fn times_typed_many_ways_are_stored_as_hh_mm() {
        assert_eq!(parse_time("19:00").as_deref(), Some("19:00"));
        assert_eq!(parse_time("１９：３０").as_deref(), Some("19:30"));
        assert_eq!(parse_time("7時").as_deref(), Some("07:00"));
        assert_eq!(parse_time("19時30分").as_deref(), Some("19:30"));
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("夜"), None);
    }

    #[test]
    fn a_meeting_parses_with_kind_by_label_and_wareki_date() {
        let mut pairs = BASE.to_vec();
        pairs.extend([
            ("start_time", "19時"),
            ("end_time", "21:00"),
            ("staff_ids", "5,2,5"),
            ("public", "true"),
        ]);
        let m = parse(&pairs).expect("valid");
        assert_eq!(m.kind, MeetingKind::Board);
        assert_eq!(m.held_on, NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date"));
        assert_eq!(m.start_time.as_deref(), Some("19:00"));
        assert_eq!(m.staff_ids, vec![2, 5]);
        assert!(m.public);
        assert!(!m.observers_allowed);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let e = parse(&[
            ("kind", "宴会"),
            ("held_on", "あした"),
            ("start_time", "20:00"),
            ("end_time", "19:00"),
            ("staff_ids", "a"),
        ])
        .expect_err("invalid");
        for field in ["area_id", "kind", "title", "held_on", "end_time", "staff_ids"] {
            assert!(e.get(field).is_some(), "{field} should be reported: {e}");
        }
    }

    #[test]
    fn only_preparation_and_review_meetings_belong_to_a_main_session() {
        let mut pairs = BASE.to_vec();
        pairs.push(("main_meeting_id", "9"));
        assert!(
            parse(&pairs)
                .expect_err("a board meeting")
                .get("main_meeting_id")
                .is_some()
        );
        pairs[1] = ("kind", "事前打合せ");
        assert_eq!(parse(&pairs).expect("valid").main_meeting_id, Some(9));
    }
}
