//! The public page's model: a heading, facts and a column of blocks, each
//! block built from the allow-listed records only.

use askama::Template;
use kyodo_core::public::{PublicEvent, PublicReport};
use kyodo_core::wareki::format_date_wareki;

/// Who the site is for.
pub struct SiteHead {
    pub name: String,
    pub code: String,
}

pub struct LinkItem {
    pub label: String,
    pub href: String,
    pub note: String,
}

pub struct EventView {
    pub id: i64,
    pub when: String,
    pub title: String,
    pub kind: &'static str,
    pub admission: &'static str,
    pub place: String,
    pub organiser: String,
    pub href: String,
    pub cancelled: bool,
}

impl EventView {
    pub fn of(e: &PublicEvent, code: &str) -> Self {
        EventView {
            id: e.id,
            when: e.when(),
            title: e.title.clone(),
            kind: e.kind.label(),
            admission: e.admission.label(),
            place: e.place.clone().unwrap_or_default(),
            organiser: e.organisation_name.clone().unwrap_or_else(|| e.area_name.clone()),
            href: format!("/p/{code}/events/{}", e.id),
            cancelled: e.cancelled,
        }
    }
}

pub struct ReportView {
    pub id: i64,
    pub title: String,
    pub area_name: String,
    pub category: String,
    pub status: String,
    pub reported_on: Option<String>,
    pub answer: Option<String>,
}

impl ReportView {
    pub fn of(r: &PublicReport) -> Self {
        ReportView {
            id: r.id,
            title: r.title.clone(),
            area_name: r.area_name.clone(),
            category: r.category.clone(),
            status: r.status.clone(),
            reported_on: r.reported_on.map(format_date_wareki),
            answer: r.answer.clone(),
        }
    }
}

pub enum Block {
    Search {
        action: String,
        value: String,
        results: Option<Vec<LinkItem>>,
    },
    Links {
        title: String,
        items: Vec<LinkItem>,
        empty: &'static str,
    },
    Events {
        title: String,
        events: Vec<EventView>,
        empty: &'static str,
        more: Option<(String, String)>,
    },
    Reports {
        title: String,
        reports: Vec<ReportView>,
        empty: &'static str,
    },
    /// Label and value: the liaison team (position, name), the grant (年度, amount).
    Pairs {
        title: String,
        rows: Vec<(String, String)>,
        empty: &'static str,
    },
    /// A search of the case studies by words.
    CaseSearch { action: String, value: String },
    /// A heading and a text as written (a case study's parts).
    Text { title: &'static str, text: String },
    /// Photos, each (address, alternative text).
    Photos {
        title: String,
        photos: Vec<(String, String)>,
    },
    MonthNav {
        label: String,
        prev: (String, String),
        next: (String, String),
        /// (kind, href, chosen).
        kinds: Vec<(String, String, bool)>,
    },
}

#[derive(Template)]
#[template(path = "public.html")]
pub struct PublicPage {
    pub site: SiteHead,
    pub title: String,
    /// OGP and meta description.
    pub description: String,
    /// The page's address under the configured public URL, when there is one.
    pub canonical: Option<String>,
    pub breadcrumbs: Vec<(String, String)>,
    pub heading: String,
    pub lead: Option<String>,
    pub facts: Vec<(String, String)>,
    pub blocks: Vec<Block>,
    /// iCal feeds of this page's calendar: (label, href).
    pub feeds: Vec<(String, String)>,
}
