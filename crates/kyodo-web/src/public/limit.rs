//! Rate limits on the public routes (`/p/…`, `/api/v1/public/…`): one
//! client (by address, as [`crate::auth::client_ip`] reads it) may not
//! exhaust the server that answers it. A token bucket per address, kept
//! in this process: it guards this server's own capacity, so unlike
//! shared state it need not be shared — with several servers, each
//! guards itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Addresses kept at most; idle ones go first when it is full.
const MAX_CLIENTS: usize = 10_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Requests per second each client may make, with a burst of several seconds' worth.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_second` = 0 turns the limit off.
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            per_second: f64::from(per_second),
            burst: f64::from(per_second) * 5.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `client` may make one more request at `now`.
    pub fn allow(&self, client: &str, now: Instant) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        // A poisoned lock only means another request panicked mid-update;
        // the counts are still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(client) {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(client.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

const BUSY: &str = "アクセスが集中しています。少し待ってから、もう一度お試しください。";

/// The middleware: 429 with `Retry-After` when the client is over its rate.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let client = crate::auth::client_ip(&parts, &state.config).unwrap_or_default();
    if !state.public_limiter.allow(&client, Instant::now()) {
        let retry = [(header::RETRY_AFTER, "1")];
        // The public API is nested under /api/v1, which its paths here no longer show.
        if !parts.uri.path().starts_with("/p/") {
            let body = crate::error::ErrorBody {
                code: "too_many_requests".into(),
                message: BUSY.into(),
                errors: Vec::new(),
            };
            return (StatusCode::TOO_MANY_REQUESTS, retry, axum::Json(body)).into_response();
        }
        return (StatusCode::TOO_MANY_REQUESTS, retry, BUSY).into_response();
    }
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_the_rate_and_others_are_not_held_up() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        let allowed = (0..20).filter(|_| limiter.allow("a", t0)).count();
        assert_eq!(allowed, 10, "a burst of five seconds' worth");
        assert!(limiter.allow("b", t0), "another client has its own bucket");
        assert!(!limiter.allow("a", t0 + Duration::from_millis(100)));
        assert!(
            limiter.allow("a", t0 + Duration::from_millis(600)),
            "refilled at two a second"
        );
        assert!(RateLimiter::new(0).allow("a", t0), "0 is no limit");
    }
}
