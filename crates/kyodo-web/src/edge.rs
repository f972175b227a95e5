//! The edge: what every request goes through before a handler sees it.
//!
//! - Stray control characters (NUL and the like; tab and line breaks are
//!   kept) are taken out of the path, the query and form bodies, so that
//!   both databases store the same text — PostgreSQL refuses NUL in text,
//!   SQLite would keep it — and nothing downstream has to think of it. A
//!   JSON body is the API's: its document says no text holds them, and the
//!   contract refuses one that does (422 naming the field) rather than
//!   change what an integration sent.
//! - A body over the limit is refused with 413 and a Japanese message,
//!   before it is read.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kyodo_core::text::strip_controls;
use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::error::{ApiError, AppError, PageError};

/// The largest body kyodo reads: ten files of the largest size an issue
/// takes fit, with room to spare.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// What a path segment must escape (RFC 3986 pchar, roughly).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

pub async fn clean_input(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let api = parts.uri.path().starts_with("/api/") || parts.uri.path().starts_with("/open311/");
    if declared_length(&parts.headers).is_some_and(|n| n > BODY_LIMIT) {
        return too_large(api);
    }
    if let Some(uri) = cleaned_uri(&parts.uri) {
        parts.uri = uri;
    }
    let body = if is_form(&parts.headers) {
        match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => Body::from(cleaned_form_body(bytes)),
            Err(_) => return too_large(api),
        }
    } else {
        body
    };
    next.run(Request::from_parts(parts, body)).await
}

fn too_large(api: bool) -> Response {
    if api {
        ApiError(AppError::TooLarge(BODY_LIMIT)).into_response()
    } else {
        PageError(AppError::TooLarge(BODY_LIMIT)).into_response()
    }
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| {
            kind.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Whether percent-encoded text may hide a stray control (`%00`–`%1F`, `%7F`).
fn may_hide_control(encoded: &str) -> bool {
    let bytes = encoded.as_bytes();
    bytes
        .windows(3)
        .any(|w| w[0] == b'%' && (matches!(w[1], b'0' | b'1') || (w[1] == b'7' && w[2].eq_ignore_ascii_case(&b'f'))))
}

/// The URI without stray controls in its path segments and query values;
/// `None` when there were none (the usual case, decided without decoding).
fn cleaned_uri(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    let query = uri.query();
    let dirty_path = may_hide_control(path);
    let dirty_query = query.is_some_and(may_hide_control);
    if !dirty_path && !dirty_query {
        return None;
    }
    let path = if dirty_path {
        path.split('/')
            .map(|segment| {
                let decoded = percent_decode_str(segment).decode_utf8_lossy();
                utf8_percent_encode(&strip_controls(&decoded), SEGMENT).to_string()
            })
            .collect::<Vec<_>>()
            .join("/")
    } else {
        path.to_owned()
    };
    let query = match query {
        Some(q) if dirty_query => Some(cleaned_form(q.as_bytes())),
        other => other.map(str::to_owned),
    };
    let rebuilt = match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    rebuilt.parse().ok()
}

fn cleaned_form(encoded: &[u8]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(encoded) {
        out.append_pair(&strip_controls(&key), &strip_controls(&value));
    }
    out.finish()
}

fn cleaned_form_body(bytes: Bytes) -> Bytes {
    if may_hide_control(&String::from_utf8_lossy(&bytes)) {
        Bytes::from(cleaned_form(&bytes))
    } else {
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_the_path_or_query_is_taken_out() {
        let uri: Uri = "/api/v1/public/%00/roster?q=a%00b&x=1".parse().unwrap();
        let clean = cleaned_uri(&uri).unwrap();
        assert_eq!(clean.path(), "/api/v1/public//roster");
        assert_eq!(clean.query(), Some("q=ab&x=1"));
        let plain: Uri = "/issues?q=%E8%A1%97%E7%81%AF".parse().unwrap();
        assert!(cleaned_uri(&plain).is_none(), "untouched without a control");
    }

    #[test]
    fn form_bodies_lose_their_controls_only() {
        let form = cleaned_form_body(Bytes::from_static(b"login=a%00b&password=x%0Ay"));
        assert_eq!(&form[..], b"login=ab&password=x%0Ay");
        let untouched = Bytes::from_static(b"title=%E8%A1%97%E7%81%AF");
        assert_eq!(cleaned_form_body(untouched.clone()), untouched);
    }
}
