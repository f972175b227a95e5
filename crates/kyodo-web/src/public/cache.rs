//! Rendered public answers kept in memory, so that a district's page or
//! feed read a thousand times is built once. An entry holds while its
//! municipality's `public_version` (raised by every change to events and
//! published reports, on any server) is unchanged, and at most
//! [`MAX_AGE`] for what is not counted (a renamed district, a new
//! appointment). Each server keeps its own; the version in the database
//! keeps them all honest.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::response::Response;

use crate::AppState;
use crate::error::AppError;

/// How long an entry may serve changes the version does not count.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// The bytes kept at most; past it the cache starts again empty.
const MAX_BYTES: usize = 64 * 1024 * 1024;

struct Entry {
    version: i64,
    at: Instant,
    content_type: &'static str,
    etag: String,
    body: axum::body::Bytes,
}

#[derive(Default)]
pub struct PageCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl PageCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A poisoned lock only means a request panicked mid-insert; entries stay whole.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What a public handler renders: its content type and bytes.
pub type Rendered = Result<(&'static str, Vec<u8>), AppError>;

/// Answers from the cache when it holds `key` (the path and query) for
/// the municipality's current version; otherwise awaits `render` and keeps
/// what it made. 404 for an unknown municipality, before anything is built.
pub async fn serve(
    state: &AppState,
    headers: &HeaderMap,
    code: &str,
    key: String,
    render: impl Future<Output = Rendered>,
) -> Result<Response, AppError> {
    let (_, version) = kyodo_store::public::version_by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let cache = &state.public_cache;
    if let Some(e) = cache.lock().get(&key)
        && e.version == version
        && e.at.elapsed() < MAX_AGE
    {
        return Ok(super::respond(headers, e.content_type, &e.etag, e.body.clone()));
    }
    let (content_type, body) = render.await?;
    let etag = super::etag_of(&body);
    let body = axum::body::Bytes::from(body);
    {
        let mut entries = cache.lock();
        let held: usize = entries.values().map(|e| e.body.len()).sum();
        if held + body.len() > MAX_BYTES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                version,
                at: Instant::now(),
                content_type,
                etag: etag.clone(),
                body: body.clone(),
            },
        );
    }
    Ok(super::respond(headers, content_type, &etag, body))
}
