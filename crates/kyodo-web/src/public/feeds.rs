//! iCalendar feeds (`calendar.ics`) of the municipality, a district and an
//! organisation: a month back and a year ahead, so that a subscribed phone
//! learns of a change or a cancellation of anything it still shows.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::Days;
use kyodo_core::events::ical;
use kyodo_core::public::{PublicEvent, area_and_below};
use kyodo_store::events::{EventFilter, Reach};

use super::cache::{self, Rendered};
use super::pages::Site;
use crate::AppState;
use crate::api::PagePath;
use crate::error::PageResult;

const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// Which calendar a feed is.
enum Of {
    Municipality,
    Area(i64),
    Organisation(i64),
}

async fn feed(state: &AppState, code: &str, of: Of) -> Rendered {
    let site = Site::load(state, code).await?;
    let (name, reach) = match of {
        Of::Municipality => (format!("{} 地域の行事", site.muni.name), Reach::All),
        Of::Area(id) => (
            format!("{} {}の行事", site.muni.name, site.area(id)?.name),
            Reach::InAreas(area_and_below(&site.areas, id)),
        ),
        Of::Organisation(id) => (
            format!("{}の行事", site.organisation(state, id).await?.name),
            Reach::Organisation(id),
        ),
    };
    let filter = EventFilter {
        from: site.today.checked_sub_days(Days::new(31)),
        to: site.today.checked_add_days(Days::new(400)),
        limit: Some(5000),
        ..Default::default()
    };
    let events: Vec<PublicEvent> = site.events(state, &reach, filter).await?;
    let text = ical::feed(
        &name,
        |e| site.absolute(&format!("{}/events/{}", site.home(), e.id)),
        &events,
    );
    Ok((CONTENT_TYPE, text.into_bytes()))
}

pub async fn municipality(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    let render = feed(&state, &code, Of::Municipality);
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}

pub async fn area(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    let render = feed(&state, &code, Of::Area(id));
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}

pub async fn organisation(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    let render = feed(&state, &code, Of::Organisation(id));
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), render).await?)
}
