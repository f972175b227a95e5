//! Fiscal years (年度, April 1 to March 31) and Japanese era dates (和暦).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

use crate::text::normalize_digits;

/// Builds a date in a `const` context; an invalid date is a compile-time error, never a runtime
/// panic, because this is only used to initialise constants.
const fn const_date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// The fiscal year (年度) containing `date`: 2026-03-31 is in 2025, 2026-04-01 in 2026.
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// The calendar day in Japan (JST, no daylight saving) at moment `t`.
pub fn jst_date(t: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(9)).date_naive()
}

/// The moment a calendar day begins in Japan (00:00 JST).
pub fn jst_start_of(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::hours(9)
}

/// April 1 of fiscal year `fy` (saturates at the limits of `NaiveDate`).
pub fn fiscal_year_start(fy: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(fy, 4, 1).unwrap_or(saturated(fy))
}

/// March 31 following the start of fiscal year `fy` (saturates at the limits of `NaiveDate`).
pub fn fiscal_year_end(fy: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(fy.saturating_add(1), 3, 31).unwrap_or(saturated(fy))
}

fn saturated(year: i32) -> NaiveDate {
    if year < 0 { NaiveDate::MIN } else { NaiveDate::MAX }
}

/// A Japanese era (元号), from 明治 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    /// All eras, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era name: "令和", "平成", …
    pub fn name(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The letter used in abbreviated dates such as "R8.4.1": M, T, S, H or R.
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The first day of the era.
    ///
    /// 明治 was proclaimed on 1868-10-23 and applied retroactively to the whole year; Japan also
    /// used the lunisolar calendar until 1872, so 明治 is taken to start on 1868-01-01 (明治元年 =
    /// 1868), as is common practice.
    pub fn start(self) -> NaiveDate {
        match self {
            Era::Meiji => const { const_date(1868, 1, 1) },
            Era::Taisho => const { const_date(1912, 7, 30) },
            Era::Showa => const { const_date(1926, 12, 25) },
            Era::Heisei => const { const_date(1989, 1, 8) },
            Era::Reiwa => const { const_date(2019, 5, 1) },
        }
    }

    /// The last day of the era, or `None` for the current era.
    pub fn end(self) -> Option<NaiveDate> {
        self.next().and_then(|next| next.start().pred_opt())
    }

    /// The era that followed this one.
    pub fn next(self) -> Option<Era> {
        match self {
            Era::Meiji => Some(Era::Taisho),
            Era::Taisho => Some(Era::Showa),
            Era::Showa => Some(Era::Heisei),
            Era::Heisei => Some(Era::Reiwa),
            Era::Reiwa => None,
        }
    }

    /// Looks an era up by its name ("令和") or letter ("R", case-insensitive).
    pub fn parse(s: &str) -> Option<Era> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(letter), None) => Era::from_letter(letter),
            _ => Era::ALL.into_iter().find(|era| s == era.name()),
        }
    }

    /// Looks an era up by its letter (M, T, S, H, R; case-insensitive).
    pub fn from_letter(letter: char) -> Option<Era> {
        let letter = letter.to_ascii_uppercase();
        Era::ALL.into_iter().find(|era| era.letter() == letter)
    }

    /// Whether `date` falls within this era.
    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.start() && self.end().is_none_or(|end| date <= end)
    }

    /// The era period in Japanese, e.g. "1989年1月8日〜2019年4月30日".
    fn period_text(self) -> String {
        let start = format_date_gregorian(self.start());
        match self.end() {
            Some(end) => format!("{start}〜{}", format_date_gregorian(end)),
            None => format!("{start}〜"),
        }
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A year in a Japanese era (和暦の年), e.g. 令和8年. Displays year 1 as 元年.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Wareki {
    pub era: Era,
    pub year: i32,
}

impl fmt::Display for Wareki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year == 1 {
            write!(f, "{}元年", self.era)
        } else {
            write!(f, "{}{}年", self.era, self.year)
        }
    }
}

/// The era year of `date`, or `None` before 明治.
pub fn to_wareki(date: NaiveDate) -> Option<Wareki> {
    let era = Era::ALL.into_iter().rev().find(|era| date >= era.start())?;
    Some(Wareki {
        era,
        year: date.year() - era.start().year() + 1,
    })
}

/// `2026-04-01`, the form dates take in CSV files and form fields; empty for none.
pub fn iso_date(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Formats a date in 和暦: "令和8年11月21日", "令和元年5月1日".
/// Dates before 明治 are formatted in the Western calendar ("1867年1月1日").
pub fn format_date_wareki(date: NaiveDate) -> String {
    match to_wareki(date) {
        Some(wareki) => format!("{wareki}{}月{}日", date.month(), date.day()),
        None => format_date_gregorian(date),
    }
}

/// Formats a fiscal year in 和暦: 2026 → "令和8年度", 2019 → "令和元年度".
///
/// A fiscal year is named after the era in force on May 1, not April 1: the government called
/// FY2019 "令和元年度" although 令和 began on 2019-05-01, and the rule stays right for the other
/// changes (1989年度 = 平成元年度, 1926年度 = 大正15年度, 1912年度 = 明治45年度). Fiscal years before
/// 明治 are formatted as "1867年度".
pub fn format_fiscal_year(fy: i32) -> String {
    match NaiveDate::from_ymd_opt(fy, 5, 1).and_then(to_wareki) {
        Some(wareki) => format!("{wareki}度"),
        None => format!("{fy}年度"),
    }
}

/// Reads a 年度 as staff type it: 「2026」「2026年度」「令和8年度」「R8」「令和元年度」,
/// full-width or half-width. `None` when it is none of these, names a 年度
/// its era does not have, or lies outside [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn parse_fiscal_year(s: &str) -> Option<i32> {
    let s = crate::text::normalize_input(s);
    let s = s.trim().trim_end_matches("年度").trim_end_matches('年').trim();
    let fy = if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
        s.parse().ok()?
    } else {
        let split = s.find(|c: char| c.is_ascii_digit() || c == '元')?;
        let era = Era::parse(s[..split].trim())?;
        let n: i32 = match &s[split..] {
            "元" => 1,
            digits => digits.parse().ok()?,
        };
        let fy = era.start().year() + n - 1;
        // The 年度 is named after the era in force on May 1 (see `format_fiscal_year`).
        if !format_fiscal_year(fy).starts_with(era.name()) {
            return None;
        }
        fy
    };
    year_in_range(fy).then_some(fy)
}

fn format_date_gregorian(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Why a typed date was rejected (日付の入力エラー).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateParseError {
    #[error("日付を入力してください")]
    Empty,
    #[error("日付の形式が正しくありません（例: 2026-04-01、令和8年4月1日）")]
    InvalidFormat,
    #[error("存在しない日付です")]
    Nonexistent,
    #[error("その元号にない日付です（{}は{}）", .era.name(), .era.period_text())]
    OutsideEra { era: Era },
    #[error("{FIRST_YEAR}年から{LAST_YEAR}年までの日付を入力してください")]
    OutOfRange,
}

/// The years kyodo's dates and 年度 may take: every record of a city's
/// scheme lies well inside, and both databases hold every date in it.
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2200;

/// Whether `year` (a calendar year or a 年度) lies within [`FIRST_YEAR`]..=[`LAST_YEAR`].
pub fn year_in_range(year: i32) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&year)
}

/// Deserializes an optional 年度 from a query string, refusing one outside
/// [`FIRST_YEAR`]..=[`LAST_YEAR`] (a year like -10000 is a mistake, and
/// PostgreSQL would refuse the dates made from it).
pub fn fiscal_year_param<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    use serde::Deserialize;
    let year = Option::<i32>::deserialize(d)?;
    match year {
        Some(y) if !year_in_range(y) => Err(serde::de::Error::custom(format!(
            "年度は{FIRST_YEAR}〜{LAST_YEAR}の西暦で指定してください"
        ))),
        other => Ok(other),
    }
}

/// Parses a date as Japanese staff type it (日付の解釈).
///
/// Accepts, with full-width or half-width characters and optional spaces:
/// - Western calendar: "2026-04-01", "2026/4/1", "2026.4.1", "2026年4月1日", "20260401";
/// - 和暦 with the era name or letter: "令和8年4月1日", "令和元年5月1日", "R8.4.1", "R8/4/1",
///   "H31.4.30", "S64.1.7", "㍻31年4月30日".
///
/// The date must exist (not 2026-02-30) and lie within the era (not H31.5.1 or R1.4.30).
pub fn parse_date(s: &str) -> Result<NaiveDate, DateParseError> {
    // NFKC turns full-width digits and signs into ASCII and era ligatures (㍻, ㋿) into names.
    let normalized: String = normalize_digits(&s.nfkc().collect::<String>())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if normalized.is_empty() {
        return Err(DateParseError::Empty);
    }
    let (era, rest) = split_era(&normalized);
    let fields = split_fields(rest).ok_or(DateParseError::InvalidFormat)?;
    match era {
        None => {
            let (year, month, day) = match fields {
                Fields::Separated { year, month, day } if year.len() == 4 => (year, month, day),
                // `Compact` holds exactly eight ASCII digits, so these slices are in bounds.
                Fields::Compact(digits) => (&digits[0..4], &digits[4..6], &digits[6..8]),
                _ => return Err(DateParseError::InvalidFormat),
            };
            let year = parse_number(year)?;
            make_date(year, parse_number(month)?, parse_number(day)?)
        }
        Some(era) => {
            let Fields::Separated { year, month, day } = fields else {
                return Err(DateParseError::InvalidFormat);
            };
            let era_year: i32 = if year == "元" {
                1
            } else if year.len() <= 3 {
                parse_number(year)?
            } else {
                return Err(DateParseError::InvalidFormat);
            };
            if era_year == 0 {
                return Err(DateParseError::OutsideEra { era });
            }
            // Both terms are small: an era start year plus at most three digits.
            let year = era.start().year() + era_year - 1;
            let date = make_date(year, parse_number(month)?, parse_number(day)?)?;
            if era.contains(date) {
                Ok(date)
            } else {
                Err(DateParseError::OutsideEra { era })
            }
        }
    }
}

/// Splits a leading era name or letter from the rest of the input.
fn split_era(s: &str) -> (Option<Era>, &str) {
    for era in Era::ALL {
        if let Some(rest) = s.strip_prefix(era.name()) {
            return (Some(era), rest);
        }
    }
    let mut chars = s.chars();
    match chars.next().and_then(Era::from_letter) {
        Some(era) => (Some(era), chars.as_str()),
        None => (None, s),
    }
}

/// The year, month and day parts of a date, still as text.
enum Fields<'a> {
    Separated {
        year: &'a str,
        month: &'a str,
        day: &'a str,
    },
    /// Eight ASCII digits, "20260401".
    Compact(&'a str),
}

/// Splits "2026年4月1日", "2026-4-1", "2026/4/1" or "2026.4.1" (the same separator twice), or
/// "20260401". The year may be "元"; month and day must be one or two digits.
fn split_fields(s: &str) -> Option<Fields<'_>> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Fields::Compact(s));
    }
    let (year, month, day) = if let Some((year, rest)) = s.split_once('年') {
        let (month, day) = rest.split_once('月')?;
        (year, month, day.strip_suffix('日').unwrap_or(day))
    } else {
        let separator = s.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
        let mut parts = s.split(separator);
        let fields = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        fields
    };
    let is_year = year == "元" || is_digits(year, 1..=4);
    (is_year && is_digits(month, 1..=2) && is_digits(day, 1..=2)).then_some(Fields::Separated { year, month, day })
}

fn is_digits(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_number<T: std::str::FromStr>(s: &str) -> Result<T, DateParseError> {
    s.parse().map_err(|_| DateParseError::InvalidFormat)
}

fn make_date(year: i32, month: u32, day: u32) -> Result<NaiveDate, DateParseError> {
    if !year_in_range(year) {
        return Err(DateParseError::OutOfRange);
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateParseError::Nonexistent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        // Test dates are written by hand and valid.
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn fiscal_year_runs_from_april_to_march() {
        assert_eq!(fiscal_year(date(2026, 3, 31)), 2025);
        assert_eq!(fiscal_year(date(2026, 4, 1)), 2026);
        assert_eq!(fiscal_year(date(2026, 1, 1)), 2025);
        assert_eq!(fiscal_year(date(2026, 12, 31)), 2026);
        assert_eq!(fiscal_year_start(2026), date(2026, 4, 1));
        assert_eq!(fiscal_year_end(2026), date(2027, 3, 31));
    }

    #[test]
    fn fiscal_year_bounds_saturate_instead_of_panicking() {
        assert_eq!(fiscal_year_start(i32::MAX), NaiveDate::MAX);
        assert_eq!(fiscal_year_end(i32::MAX), NaiveDate::MAX);
        assert_eq!(fiscal_year_start(i32::MIN), NaiveDate::MIN);
    }

    #[test]
    fn to_wareki_at_era_boundaries() {
        let cases = [
            (date(2019, 4, 30), Era::Heisei, 31),
            (date(2019, 5, 1), Era::Reiwa, 1),
            (date(1989, 1, 7), Era::Showa, 64),
            (date(1989, 1, 8), Era::Heisei, 1),
            (date(1926, 12, 24), Era::Taisho, 15),
            (date(1926, 12, 25), Era::Showa, 1),
            (date(1912, 7, 29), Era::Meiji, 45),
            (date(1912, 7, 30), Era::Taisho, 1),
            (date(1868, 1, 1), Era::Meiji, 1),
            (date(2026, 11, 21), Era::Reiwa, 8),
        ];
        for (d, era, year) in cases {
            assert_eq!(to_wareki(d), Some(Wareki { era, year }), "{d}");
        }
        assert_eq!(to_wareki(date(1867, 12, 31)), None);
    }

    #[test]
    fn era_names_letters_and_ends() {
        assert_eq!(Era::Reiwa.name(), "令和");
        assert_eq!(Era::Heisei.letter(), 'H');
        assert_eq!(Era::Heisei.end(), Some(date(2019, 4, 30)));
        assert_eq!(Era::Reiwa.end(), None);
        assert_eq!(Era::parse("s"), Some(Era::Showa));
        assert_eq!(Era::parse("大正"), Some(Era::Taisho));
        assert_eq!(Era::parse("X"), None);
        assert_eq!(Era::parse("RR"), None);
        assert_eq!(Era::from_letter('r'), Some(Era::Reiwa));
    }

    #[test]
    fn formats_dates_in_wareki() {
        assert_eq!(format_date_wareki(date(2026, 11, 21)), "令和8年11月21日");
        assert_eq!(format_date_wareki(date(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(format_date_wareki(date(2019, 4, 30)), "平成31年4月30日");
        assert_eq!(format_date_wareki(date(1989, 1, 7)), "昭和64年1月7日");
        assert_eq!(format_date_wareki(date(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(format_date_wareki(date(1867, 1, 1)), "1867年1月1日");
    }

    #[test]
    fn formats_fiscal_years_by_the_era_in_force_on_may_1() {
        assert_eq!(format_fiscal_year(2026), "令和8年度");
        assert_eq!(format_fiscal_year(2019), "令和元年度");
        assert_eq!(format_fiscal_year(2018), "平成30年度");
        assert_eq!(format_fiscal_year(1989), "平成元年度");
        assert_eq!(format_fiscal_year(1988), "昭和63年度");
        assert_eq!(format_fiscal_year(1926), "大正15年度");
        assert_eq!(format_fiscal_year(1867), "1867年度");
        assert_eq!(format_fiscal_year(i32::MAX), format!("{}年度", i32::MAX));
    }

    #[test]
    fn parses_western_dates() {
        let expected = date(2026, 4, 1);
        for input in [
            "2026-04-01",
            "2026/4/1",
            "2026.4.1",
            "2026年4月1日",
            "2026年4月1",
            "２０２６／４／１",
            "２０２６年４月１日",
            " 2026 年 4 月 1 日 ",
            "2026－04－01",
            "20260401",
        ] {
            assert_eq!(parse_date(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn parses_wareki_dates() {
        let cases = [
            ("令和8年4月1日", date(2026, 4, 1)),
            ("R8.4.1", date(2026, 4, 1)),
            ("R8/4/1", date(2026, 4, 1)),
            ("r8-4-1", date(2026, 4, 1)),
            ("Ｒ８．４．１", date(2026, 4, 1)),
            ("R08.04.01", date(2026, 4, 1)),
            ("H31.4.30", date(2019, 4, 30)),
            ("令和元年5月1日", date(2019, 5, 1)),
            ("R1.5.1", date(2019, 5, 1)),
            ("R元.5.1", date(2019, 5, 1)),
            ("S64.1.7", date(1989, 1, 7)),
            ("平成元年1月8日", date(1989, 1, 8)),
            ("㍻31年4月30日", date(2019, 4, 30)),
            ("M45.7.29", date(1912, 7, 29)),
            ("T15.12.24", date(1926, 12, 24)),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_date(input), Ok(expected), "{input}");
        }
    }

    #[test]
    fn rejects_nonexistent_dates() {
        assert_eq!(parse_date("2026-02-30"), Err(DateParseError::Nonexistent));
        assert_eq!(parse_date("2026-13-01"), Err(DateParseError::Nonexistent));
        assert_eq!(parse_date("R8.2.29"), Err(DateParseError::Nonexistent));
        assert_eq!(parse_date("2024-02-29"), Ok(date(2024, 2, 29)));
    }

    #[test]
    fn rejects_dates_outside_their_era() {
        let heisei = Err(DateParseError::OutsideEra { era: Era::Heisei });
        assert_eq!(parse_date("H31.5.1"), heisei);
        assert_eq!(parse_date("平成元年1月7日"), heisei);
        let reiwa = Err(DateParseError::OutsideEra { era: Era::Reiwa });
        assert_eq!(parse_date("R1.4.30"), reiwa);
        assert_eq!(parse_date("R0.5.1"), reiwa);
        assert_eq!(
            parse_date("S65.1.1"),
            Err(DateParseError::OutsideEra { era: Era::Showa })
        );
    }

    #[test]
    fn rejects_malformed_input() {
        for input in [
            "abc",
            "2026",
            "2026-04",
            "2026-04-01-01",
            "2026/04-01",
            "26/4/1",
            "元年4月1日",
            "R.4.1",
            "R8年4月1日日",
            "2026年4月1日x",
            "20261",
            "R2026.4.1",
            "R999999999999.1.1",
            "+2026-04-01",
        ] {
            assert_eq!(parse_date(input), Err(DateParseError::InvalidFormat), "{input}");
        }
        assert_eq!(parse_date(" \u{3000}"), Err(DateParseError::Empty));
    }

    #[test]
    fn odd_input_gives_an_error_not_a_panic() {
        for input in [
            "令和",
            "R",
            "元",
            "年月日",
            "令和元",
            "令和元年",
            "ｰ",
            "-",
            "//",
            "年",
            "2026年",
            "2026年4月",
            "R8.4.1日",
            "９９９９９９９９",
            "99999999",
            "\0",
        ] {
            assert!(parse_date(input).is_err(), "{input}");
        }
    }

    #[test]
    fn error_messages_are_japanese() {
        assert_eq!(
            DateParseError::InvalidFormat.to_string(),
            "日付の形式が正しくありません（例: 2026-04-01、令和8年4月1日）"
        );
        assert_eq!(DateParseError::Nonexistent.to_string(), "存在しない日付です");
        assert_eq!(
            DateParseError::OutsideEra { era: Era::Heisei }.to_string(),
            "その元号にない日付です（平成は1989年1月8日〜2019年4月30日）"
        );
        assert_eq!(
            DateParseError::OutsideEra { era: Era::Reiwa }.to_string(),
            "その元号にない日付です（令和は2019年5月1日〜）"
        );
    }

    #[test]
    fn fiscal_years_are_read_as_typed() {
        assert_eq!(parse_fiscal_year("2026"), Some(2026));
        assert_eq!(parse_fiscal_year("令和８年度"), Some(2026));
        assert_eq!(parse_fiscal_year("R8"), Some(2026));
        assert_eq!(parse_fiscal_year("令和元年度"), Some(2019));
        assert_eq!(parse_fiscal_year("平成31年度"), None, "FY2019 is 令和元年度");
        assert_eq!(parse_fiscal_year("H30"), Some(2018));
        assert_eq!(parse_fiscal_year("来年"), None);
        assert_eq!(parse_fiscal_year("99999"), None);
    }
}
