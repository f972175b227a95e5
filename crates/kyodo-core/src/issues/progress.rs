//! Progress answers (進捗回答): continuing issues (継続案件) get a fresh
//! answer from each department on the municipality's schedule, e.g. every
//! September and March, and the districts receive a 進捗回答書.

use chrono::{Datelike, NaiveDate};

/// The start of the current progress round: the latest 1st of a scheduled
/// month on or before `today`. `None` without a schedule.
pub fn round_start(today: NaiveDate, months: &[u32]) -> Option<NaiveDate> {
    months
        .iter()
        .flat_map(|m| {
            [today.year(), today.year() - 1]
                .into_iter()
                .filter_map(move |y| NaiveDate::from_ymd_opt(y, *m, 1))
        })
        .filter(|d| *d <= today)
        .max()
}

/// The round's name for people, e.g. 令和8年9月.
pub fn round_label(start: NaiveDate) -> String {
    let era = crate::wareki::format_date_wareki(start);
    // 令和8年9月1日 → 令和8年9月
    match era.find('月') {
        Some(i) => era[..i + '月'.len_utf8()].to_owned(),
        None => era,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_round_is_the_latest_scheduled_month_begun() {
        let months = [9, 3];
        assert_eq!(round_start(d("2026-11-21"), &months), Some(d("2026-09-01")));
        assert_eq!(round_start(d("2026-09-01"), &months), Some(d("2026-09-01")));
        assert_eq!(round_start(d("2026-08-31"), &months), Some(d("2026-03-01")));
        // Before March, last year's September round still runs.
        assert_eq!(round_start(d("2026-02-10"), &months), Some(d("2025-09-01")));
        assert_eq!(round_start(d("2026-02-10"), &[]), None);
    }

    #[test]
    fn rounds_are_named_in_wareki() {
        assert_eq!(round_label(d("2026-09-01")), "令和8年9月");
    }
}
