//! The public site for machines: an Atom feed (RFC 4287) of the reports
//! and case studies a municipality published, and a sitemap of its public
//! pages. Built from the public allow-list only.

use atom_syndication::{Category, Entry, Feed, Link, Text};
use chrono::{FixedOffset, NaiveDate, TimeZone};

use crate::public::{PublicCaseStudy, PublicReport};

/// One entry of the feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// A tag URI that stays the entry's for good.
    pub id: String,
    pub title: String,
    /// The page that shows it.
    pub href: String,
    pub updated: NaiveDate,
    /// What it is: 地域への報告 or 事例.
    pub category: &'static str,
    pub summary: String,
}

fn tag(code: &str, kind: &str, id: i64) -> String {
    format!("tag:{code}.kyodo,2026:{kind}/{id}")
}

impl FeedEntry {
    /// `home` is the site's top (`https://…/p/432041`, or `/p/432041`
    /// when kyodo was not told its address: readers resolve it against the feed's).
    pub fn report(r: &PublicReport, code: &str, home: &str, fallback: NaiveDate) -> Self {
        FeedEntry {
            id: tag(code, "report", r.id),
            title: format!("{}（{}）", r.title, r.area_name),
            href: format!("{home}/areas/{}#report-{}", r.area_id, r.id),
            updated: r.reported_on.unwrap_or(fallback),
            category: "地域への報告",
            summary: r.answer.clone().unwrap_or_default(),
        }
    }

    pub fn case_study(c: &PublicCaseStudy, code: &str, home: &str, fallback: NaiveDate) -> Self {
        FeedEntry {
            id: tag(code, "case-study", c.id),
            title: c.title.clone(),
            href: format!("{home}/case-studies/{}", c.id),
            updated: c.published_on.unwrap_or(fallback),
            category: "事例",
            summary: c.problem.clone(),
        }
    }
}

/// Midnight in Japan on `day`.
fn jst(day: NaiveDate) -> chrono::DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    offset
        .from_local_datetime(&midnight)
        .single()
        .expect("a fixed offset has no gaps")
}

/// The feed, newest entry first; `updated` is its newest entry's day
/// (`fallback` when it has none), so an unchanged feed stays byte for byte
/// the same and its ETag holds.
pub fn atom(title: &str, home: &str, code: &str, mut entries: Vec<FeedEntry>, fallback: NaiveDate) -> String {
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then(b.id.cmp(&a.id)));
    let mut feed = Feed::default();
    feed.set_title(Text::plain(title));
    feed.set_id(format!("tag:{code}.kyodo,2026:feed"));
    feed.set_lang(Some("ja".to_owned()));
    feed.set_updated(jst(entries.first().map_or(fallback, |e| e.updated)));
    let mut alternate = Link::default();
    alternate.set_href(home);
    alternate.set_rel("alternate");
    let mut own = Link::default();
    own.set_href(format!("{home}/feed.atom"));
    own.set_rel("self");
    feed.set_links(vec![alternate, own]);
    feed.set_entries(
        entries
            .into_iter()
            .map(|e| {
                let mut entry = Entry::default();
                entry.set_id(e.id);
                entry.set_title(Text::plain(e.title));
                entry.set_updated(jst(e.updated));
                let mut link = Link::default();
                link.set_href(e.href);
                link.set_rel("alternate");
                entry.set_links(vec![link]);
                let mut category = Category::default();
                category.set_term(e.category);
                entry.set_categories(vec![category]);
                entry.set_summary(Some(Text::plain(e.summary)));
                entry
            })
            .collect::<Vec<_>>(),
    );
    feed.to_string()
}

/// A sitemap (sitemaps.org 0.9) of absolute addresses.
pub fn sitemap(urls: &[String]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in urls {
        out.push_str("<url><loc>");
        out.push_str(&quick_xml::escape::escape(url.as_str()));
        out.push_str("</loc></url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn the_feed_reads_back_newest_first_with_japanese_text_escaped() {
        let entry = |id: i64, on: u32, title: &str| FeedEntry {
            id: tag("432041", "case-study", id),
            title: title.into(),
            href: format!("/p/432041/case-studies/{id}"),
            updated: day(on),
            category: "事例",
            summary: "夜道が暗い <危険> & 不安".into(),
        };
        let xml = atom(
            "荒尾市 地域のページ",
            "/p/432041",
            "432041",
            vec![entry(1, 3, "古い事例"), entry(2, 20, "新しい事例")],
            day(1),
        );
        let feed: Feed = xml.parse().expect("valid Atom");
        assert_eq!(feed.title().as_str(), "荒尾市 地域のページ");
        assert_eq!(feed.entries()[0].title().as_str(), "新しい事例");
        assert_eq!(feed.updated().date_naive(), day(20));
        let summary = feed.entries()[1].summary().unwrap().as_str();
        assert_eq!(summary, "夜道が暗い <危険> & 不安");
        assert!(!xml.contains("<危険>"), "escaped in the XML");
    }

    #[test]
    fn the_sitemap_escapes_addresses() {
        let xml = sitemap(&["https://kyodo.example/p/432041/calendar?area_id=1&month=2026-04".into()]);
        assert!(xml.contains("area_id=1&amp;month=2026-04"));
        assert!(xml.starts_with("<?xml"));
    }
}
