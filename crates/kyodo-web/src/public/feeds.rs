//! iCalendar feeds (`calendar.ics`) of the municipality, a district and an
//! organisation: a month back and a year ahead, so that a subscribed phone
//! learns of a change or a cancellation of anything it still shows.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Days;
use kyodo_core::events::ical;
use kyodo_core::public::{PublicEvent, area_and_below};
use kyodo_store::events::{EventFilter, Reach};

use super::pages::Site;
use crate::AppState;
use crate::api::PagePath;
use crate::error::{AppError, PageResult};

const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

async fn feed(state: &AppState, headers: &HeaderMap, site: &Site, name: &str, reach: Reach) -> PageResult<Response> {
    let filter = EventFilter {
        from: site.today.checked_sub_days(Days::new(31)),
        to: site.today.checked_add_days(Days::new(400)),
        limit: Some(5000),
        ..Default::default()
    };
    let events: Vec<PublicEvent> = site.events(state, &reach, filter).await?;
    let text = ical::feed(
        name,
        |e| site.absolute(&format!("{}/events/{}", site.home(), e.id)),
        &events,
    );
    Ok(super::cached(headers, CONTENT_TYPE, text.into_bytes()))
}

pub async fn municipality(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let site = Site::load(&state, &code).await?;
    let name = format!("{} 地域の行事", site.muni.name);
    feed(&state, &headers, &site, &name, Reach::All).await
}

pub async fn area(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let site = Site::load(&state, &code).await?;
    let a = site.area(id)?;
    let name = format!("{} {}の行事", site.muni.name, a.name);
    let reach = Reach::InAreas(area_and_below(&site.areas, id));
    feed(&state, &headers, &site, &name, reach).await
}

pub async fn organisation(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let site = Site::load(&state, &code).await?;
    let org = site
        .organisations(&state)
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .ok_or(AppError::NotFound)?;
    let name = format!("{}の行事", org.name);
    feed(&state, &headers, &site, &name, Reach::Organisation(id)).await
}
