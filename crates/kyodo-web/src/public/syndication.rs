//! The public site for machines: the Atom feed of published reports and
//! case studies (`/p/{code}/feed.atom`) and the sitemap
//! (`/p/{code}/sitemap.xml`), which needs the site's address
//! (`--public-url`): a sitemap holds absolute addresses only.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use kyodo_core::syndication::{self, FeedEntry};

use super::cache::{self, Rendered};
use super::pages::Site;
use crate::AppState;
use crate::api::PagePath;
use crate::error::{AppError, PageResult};

/// Entries of each kind the feed carries: the newest.
const FEED_ENTRIES: u64 = 30;
/// Case studies the sitemap names at most (a sitemap holds 50,000).
const SITEMAP_CASES: u64 = 5000;

async fn atom(state: &AppState, code: &str) -> Rendered {
    let site = Site::load(state, code).await?;
    let home = site.absolute(&site.home()).unwrap_or_else(|| site.home());
    let mut entries: Vec<FeedEntry> = site
        .reports(state, None, FEED_ENTRIES)
        .await?
        .iter()
        .map(|r| FeedEntry::report(r, code, &home, site.today))
        .collect();
    entries.extend(
        site.cases(state, None, None, FEED_ENTRIES)
            .await?
            .iter()
            .map(|c| FeedEntry::case_study(c, code, &home, site.today)),
    );
    let title = format!("{} 地域のページ（報告と事例）", site.muni.name);
    let xml = syndication::atom(&title, &home, code, entries, site.today);
    Ok(("application/atom+xml; charset=utf-8", xml.into_bytes()))
}

pub async fn feed(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), atom(&state, &code)).await?)
}

async fn sitemap_of(state: &AppState, code: &str) -> Rendered {
    let site = Site::load(state, code).await?;
    let home = site.absolute(&site.home()).ok_or(AppError::NotFound)?;
    let mut urls = vec![home.clone(), format!("{home}/calendar"), format!("{home}/case-studies")];
    urls.extend(site.areas.iter().map(|a| format!("{home}/areas/{}", a.id)));
    urls.extend(
        site.organisations(state)
            .await?
            .iter()
            .map(|o| format!("{home}/organisations/{}", o.id)),
    );
    urls.extend(
        site.cases(state, None, None, SITEMAP_CASES)
            .await?
            .iter()
            .map(|c| format!("{home}/case-studies/{}", c.id)),
    );
    Ok((
        "application/xml; charset=utf-8",
        syndication::sitemap(&urls).into_bytes(),
    ))
}

pub async fn sitemap(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), sitemap_of(&state, &code)).await?)
}
