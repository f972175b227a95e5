//! iCalendar feeds (RFC 5545) of the public calendar: a resident subscribes
//! once and their phone's calendar keeps up. UIDs never change, SEQUENCE
//! rises with every change, a called-off event stays in the feed as
//! STATUS:CANCELLED, times are Asia/Tokyo with its VTIMEZONE, and an all-day
//! event ends the day after its last (DTEND is exclusive).

use chrono::{Days, NaiveDate, NaiveTime};
use icalendar::{Calendar, CalendarDateTime, Component, DatePerhapsTime, EventLike, EventStatus};

use crate::public::PublicEvent;

const TZID: &str = "Asia/Tokyo";

/// Japan has kept +09:00 without daylight saving since 1951: one STANDARD
/// rule describes it. The writer has no VTIMEZONE builder, so it is placed
/// verbatim before the first event.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

fn at(day: NaiveDate, time: &str) -> Option<DatePerhapsTime> {
    let t = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
    Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
        date_time: day.and_time(t),
        tzid: TZID.to_owned(),
    }))
}

fn entry(e: &PublicEvent, event_url: Option<String>) -> icalendar::Event {
    let mut v = icalendar::Event::new();
    v.uid(&e.uid)
        .summary(&e.title)
        .sequence(e.sequence.clamp(0, u32::MAX as i64) as u32)
        // DTSTAMP from the record, not the clock: an unchanged calendar
        // reads the same twice, so its ETag holds.
        .timestamp(e.updated_at)
        .last_modified(e.updated_at)
        .status(if e.cancelled {
            EventStatus::Cancelled
        } else {
            EventStatus::Confirmed
        });
    if let Some(url) = event_url {
        v.url(&url);
    }
    match e.start_time.as_deref().and_then(|t| at(e.starts_on, t)) {
        Some(start) => {
            v.starts(start);
            if let Some(end) = e.end_time.as_deref().and_then(|t| at(e.last_day(), t)) {
                v.ends(end);
            }
        }
        None => {
            // An all-day event ends (exclusively) the day after its last.
            let after = e.last_day().checked_add_days(Days::new(1)).unwrap_or(e.last_day());
            v.starts(DatePerhapsTime::Date(e.starts_on))
                .ends(DatePerhapsTime::Date(after));
        }
    }
    if let Some(place) = &e.place {
        v.location(place);
    }
    let mut about = vec![format!("{}（{}）", e.kind.label(), e.admission.label())];
    if let Some(o) = &e.organisation_name {
        about.push(format!("主催: {o}"));
    }
    if let Some(d) = &e.description {
        about.push(d.clone());
    }
    if let Some(c) = &e.contact {
        about.push(format!("問い合わせ: {c}"));
    }
    v.description(&about.join("\n"));
    v.done()
}

/// A feed of `events` named `name` (「荒尾市 地域の行事」); `event_url`
/// gives an event's public page as an absolute address, when one is known.
pub fn feed(name: &str, event_url: impl Fn(&PublicEvent) -> Option<String>, events: &[PublicEvent]) -> String {
    let mut cal = Calendar::new();
    cal.name(name).timezone(TZID);
    for e in events {
        cal.push(entry(e, event_url(e)));
    }
    let text = cal.done().to_string();
    match text.find("BEGIN:VEVENT") {
        Some(i) => format!("{}{VTIMEZONE}{}", &text[..i], &text[i..]),
        None => text.replacen("END:VCALENDAR", &format!("{VTIMEZONE}END:VCALENDAR"), 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Admission, EventKind};
    use chrono::Utc;

    fn event(id: i64) -> PublicEvent {
        PublicEvent {
            id,
            uid: format!("event-{id}@432041.kyodo"),
            kind: EventKind::Festival,
            title: "夏祭り".into(),
            description: None,
            starts_on: NaiveDate::from_ymd_opt(2026, 8, 15).unwrap(),
            ends_on: None,
            start_time: None,
            end_time: None,
            place: Some("中央公民館".into()),
            admission: Admission::Open,
            area_id: 1,
            area_name: "荒尾".into(),
            organisation_id: None,
            organisation_name: None,
            contact: None,
            cancelled: false,
            sequence: 2,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn all_day_ends_the_next_day_and_times_name_tokyo() {
        let mut timed = event(2);
        timed.start_time = Some("18:00".into());
        timed.end_time = Some("21:30".into());
        timed.cancelled = true;
        let url = |e: &PublicEvent| Some(format!("https://example.jp/p/432041/events/{}", e.id));
        let text = feed("荒尾市", url, &[event(1), timed]);
        assert!(text.contains("DTSTART;VALUE=DATE:20260815"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20260816"), "{text}");
        assert!(text.contains("DTSTART;TZID=Asia/Tokyo:20260815T180000"), "{text}");
        assert!(text.contains("STATUS:CANCELLED"));
        assert!(text.contains("SEQUENCE:2"));
        assert!(text.contains("URL:https://example.jp/p/432041/events/2"));
        assert!(text.find("BEGIN:VTIMEZONE").unwrap() < text.find("BEGIN:VEVENT").unwrap());
        assert!(text.lines().all(|l| l.len() <= 75), "folded at 75 octets");
    }

    #[test]
    fn an_empty_feed_still_declares_its_zone() {
        let text = feed("荒尾市", |_| None, &[]);
        assert!(text.contains("BEGIN:VTIMEZONE"));
        assert!(text.trim_end().ends_with("END:VCALENDAR"));
    }
}
