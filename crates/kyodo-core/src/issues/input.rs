//! What a form or API call sends to take in or correct an issue.

use chrono::NaiveDate;

use super::{IssueKind, Priority, ReportMethod, Source};
use crate::scheme::SchemeSettings;
use crate::validation::{FieldErrors, Fields};

/// The fields of an issue a person types (受付・修正).
#[derive(Debug, Clone, PartialEq)]
pub struct IssueInput {
    pub kind: IssueKind,
    pub title: String,
    pub body: String,
    pub category: String,
    pub area_id: i64,
    pub organisation_id: Option<i64>,
    pub priority: Priority,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub fiscal_year: i32,
    pub source: Source,
    pub source_note: Option<String>,
    pub received_on: NaiveDate,
}

fn keyed<T: Copy>(
    f: &mut Fields<'_>,
    field: &str,
    label: &str,
    parse: fn(&str) -> Option<T>,
    options: &[(String, String)],
    default: Option<T>,
) -> Option<T> {
    let raw = f.optional(field, label, 40);
    match raw {
        None if default.is_some() => default,
        None => {
            f.errors.add(field, format!("{label}を選択してください"));
            None
        }
        Some(v) => parse(&v).or_else(|| {
            let labels: Vec<&str> = options.iter().map(|(_, l)| l.as_str()).collect();
            f.errors.add(
                field,
                format!("{label}は次のいずれかにしてください: {}", labels.join("、")),
            );
            None
        }),
    }
}

fn coordinate(f: &mut Fields<'_>, field: &str, label: &str, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
    let raw = f.optional(field, label, 30)?;
    match crate::text::fold_ascii(&raw).parse::<f64>() {
        Ok(v) if range.contains(&v) => Some(v),
        _ => {
            f.errors.add(field, format!("{label}は数値（度）で入力してください"));
            None
        }
    }
}

/// A point from a pasted map link or 「緯度, 経度」: the first two decimal
/// numbers in a row that are a latitude and a longitude. Covers 地理院地図
/// (`#16/32.987/130.433/`), Google マップ (`@32.987,130.433,17z`, `?q=…`) and
/// text copied from either.
pub fn parse_point(text: &str) -> Option<(f64, f64)> {
    let folded = crate::text::fold_ascii(text);
    let numbers: Vec<&str> = folded
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|n| n.contains('.') && n.parse::<f64>().is_ok())
        .collect();
    numbers.windows(2).find_map(|pair| {
        let (lat, lng) = (pair[0].parse::<f64>().ok()?, pair[1].parse::<f64>().ok()?);
        ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)).then_some((lat, lng))
    })
}

impl IssueInput {
    /// Reads and checks the fields; `today` is the default for the date received.
    pub fn parse(
        get: &dyn Fn(&str) -> Option<String>,
        scheme: &SchemeSettings,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let kind = keyed(&mut f, "kind", "種別", IssueKind::parse, &IssueKind::options(), None);
        let title = f.required("title", "件名", 200);
        let body = f.text("body", "内容", 10_000, true).unwrap_or_default();
        let category = f
            .choice("category", "分類", &scheme.issue_categories, true)
            .unwrap_or_default();
        let area_id = f.id("area_id", "地区", true);
        let organisation_id = f.id("organisation_id", "団体", false);
        let priority = keyed(
            &mut f,
            "priority",
            "地区の優先度",
            Priority::parse,
            &Priority::options(),
            Some(Priority::DEFAULT),
        );
        let location = f.optional("location", "場所", 200);
        let mut latitude = coordinate(&mut f, "latitude", "緯度", -90.0..=90.0);
        let mut longitude = coordinate(&mut f, "longitude", "経度", -180.0..=180.0);
        if let Some(pasted) = f.optional("map_point", "地図の位置", 2000) {
            match parse_point(&pasted) {
                Some((lat, lng)) if latitude.is_none() && longitude.is_none() => {
                    latitude = Some(lat);
                    longitude = Some(lng);
                }
                Some(_) => {}
                None => f.errors.add(
                    "map_point",
                    "地図の位置を読み取れませんでした。地理院地図やGoogleマップのURL、または「32.9870, 130.4330」の形で貼り付けてください",
                ),
            }
        }
        if latitude.is_some() != longitude.is_some() {
            f.errors.add("latitude", "緯度と経度は両方入力してください");
        }
        let source = keyed(
            &mut f,
            "source",
            "受付経路",
            Source::parse,
            &Source::options(),
            Some(Source::Meeting),
        );
        let source_note = f.optional("source_note", "受付の経緯", 200);
        let received_on = f.date("received_on", "受付日", false).unwrap_or(today);
        if received_on > today {
            f.errors.add("received_on", "受付日に未来の日付は指定できません");
        }
        let fiscal_year = match f.optional("fiscal_year", "年度", 10) {
            None => crate::wareki::fiscal_year(received_on),
            Some(raw) => match crate::text::normalize_digits(&raw).parse::<i32>() {
                Ok(y) if (2000..=2100).contains(&y) => y,
                _ => {
                    f.errors
                        .add("fiscal_year", "年度は西暦の4桁（例: 2026）で入力してください");
                    0
                }
            },
        };
        let input = IssueInput {
            kind: kind.unwrap_or(IssueKind::Issue),
            title,
            body,
            category,
            area_id: area_id.unwrap_or(0),
            organisation_id,
            priority: priority.unwrap_or(Priority::DEFAULT),
            location,
            latitude,
            longitude,
            fiscal_year,
            source: source.unwrap_or(Source::Other),
            source_note,
            received_on,
        };
        f.finish(input)
    }
}

/// The report back to the community (地域への報告).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    pub reported_on: NaiveDate,
    pub method: ReportMethod,
    pub text: Option<String>,
    /// Carry the issue over as 継続案件.
    pub continuing: bool,
}

impl ReportInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, today: NaiveDate) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let reported_on = f.date("reported_on", "報告日", false).unwrap_or(today);
        if reported_on > today {
            f.errors.add("reported_on", "報告日に未来の日付は指定できません");
        }
        let method = keyed(
            &mut f,
            "method",
            "報告方法",
            ReportMethod::parse,
            &ReportMethod::options(),
            None,
        );
        let text = f.text("text", "報告内容", 10_000, false);
        let continuing = f.flag("continuing");
        let input = ReportInput {
            reported_on,
            method: method.unwrap_or(ReportMethod::Other),
            text,
            continuing,
        };
        f.finish(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_comes_from_a_pasted_map_link_or_text() {
        assert_eq!(
            parse_point("https://maps.gsi.go.jp/#16/32.987000/130.433000/&base=std"),
            Some((32.987, 130.433))
        );
        assert_eq!(
            parse_point("https://www.google.com/maps/@32.9871,130.4332,17z?entry=ttu"),
            Some((32.9871, 130.4332))
        );
        assert_eq!(
            parse_point("３２．９８７０，　１３０．４３３０"),
            Some((32.987, 130.433))
        );
        assert_eq!(parse_point("荒尾市役所の前"), None);
        assert_eq!(parse_point("130.43, 32.98, 999.1"), None);
    }
    use std::collections::HashMap;

    fn getter(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn a_full_width_form_is_read_as_typed() {
        let scheme = crate::scheme::preset("arao").unwrap().scheme;
        let get = getter(&[
            ("kind", "要望"),
            ("title", "　ｶｰﾌﾞﾐﾗｰの設置　"),
            ("body", "通学路の交差点。\r\n見通しが悪い。"),
            ("category", "交通"),
            ("area_id", "１２"),
            ("received_on", "令和8年11月2日"),
        ]);
        let input = IssueInput::parse(&get, &scheme, today()).unwrap();
        assert_eq!(input.kind, IssueKind::Request);
        assert_eq!(input.title, "カーブミラーの設置");
        assert_eq!(input.body, "通学路の交差点。\n見通しが悪い。");
        assert_eq!(input.area_id, 12);
        assert_eq!(input.fiscal_year, 2026);
        assert_eq!(input.priority, Priority::Normal);
        assert_eq!(input.source, Source::Meeting);
    }

    #[test]
    fn every_problem_is_reported_beside_its_field() {
        let scheme = crate::scheme::preset("arao").unwrap().scheme;
        let get = getter(&[
            ("kind", "苦情"),
            ("category", "宇宙"),
            ("latitude", "32.9"),
            ("received_on", "2027-01-01"),
        ]);
        let errors = IssueInput::parse(&get, &scheme, today()).unwrap_err();
        for field in [
            "kind",
            "title",
            "body",
            "category",
            "area_id",
            "latitude",
            "received_on",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
    }

    #[test]
    fn a_report_needs_its_method() {
        let errors = ReportInput::parse(&getter(&[]), today()).unwrap_err();
        assert_eq!(errors.get("method"), Some("報告方法を選択してください"));
        let ok = ReportInput::parse(&getter(&[("method", "役員会"), ("continuing", "on")]), today()).unwrap();
        assert!(ok.continuing);
        assert_eq!(ok.reported_on, today());
    }
}
