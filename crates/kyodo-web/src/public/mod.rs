//! The public face (公開ページ): a municipality's districts, organisations,
//! events and published reports for residents, with no login, under
//! `/p/{code}/`. Everything shown is built from `kyodo_core::public`'s
//! allow-list. Pages are plain HTML without scripts, small enough for an
//! old phone, and cacheable: each answer carries an ETag of its bytes, and
//! an unchanged page is a 304.

pub mod api;
pub mod cache;
pub mod cases;
pub mod feeds;
pub mod limit;
pub mod pages;
pub mod syndication;
mod view;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kyodo_core::municipalities::Municipality;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::AppError;

/// The municipality named by its 全国地方公共団体コード, or 404.
pub async fn municipality(state: &AppState, code: &str) -> Result<Municipality, AppError> {
    kyodo_store::municipalities::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)
}

/// Browsers and proxies may keep a public answer but ask again before
/// each reuse (a 304 when nothing changed): a body that has just entered or
/// called off an event sees it on the public page at once, not minutes later.
const CACHE_CONTROL: &str = "public, no-cache";

/// The ETag of a body: a digest of its bytes.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

/// `body` with its ETag, or 304 when the client already holds these bytes.
pub fn respond(request: &HeaderMap, content_type: &'static str, etag: &str, body: axum::body::Bytes) -> Response {
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim().trim_start_matches("W/") == etag || t.trim() == "*")
        });
    let headers = [
        (header::ETAG, etag.to_owned()),
        (header::CACHE_CONTROL, CACHE_CONTROL.to_owned()),
    ];
    if matches {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let mut response = (headers, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(request: &HeaderMap, body: &[u8]) -> Response {
        respond(request, "text/plain", &etag_of(body), body.to_vec().into())
    }

    #[test]
    fn the_same_bytes_are_a_304_and_others_are_not() {
        let first = answer(&HeaderMap::new(), b"abc");
        assert_eq!(first.status(), StatusCode::OK);
        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, first.headers()[header::ETAG].clone());
        assert_eq!(answer(&again, b"abc").status(), StatusCode::NOT_MODIFIED);
        assert_eq!(answer(&again, b"abd").status(), StatusCode::OK);
    }
}
