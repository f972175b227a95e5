//! Who is calling: sessions (cookie) for people, bearer tokens for
//! integrations; passwords hashed with argon2id; CSRF tokens per session.

use std::net::SocketAddr;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use chrono::NaiveDate;
use kyodo_core::accounts::{Role, User};
use kyodo_core::municipalities::Municipality;
use kyodo_core::permissions::{self, Action, Scope};
use kyodo_store::audit::Actor;
use kyodo_store::issues::Reach;
use kyodo_store::organisations::Visible;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, AppError, PageError};
use crate::{AppState, Config};

pub const SESSION_COOKIE: &str = "kyodo_session";

/// A fresh random secret, URL-safe (session ids, CSRF and API tokens).
pub fn random_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a secret: its SHA-256, so a leaked table opens nothing.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with argon2id off the async runtime (it takes ~50 ms by design).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A signed-in caller, with what their role reaches.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub municipality: Municipality,
    /// The session's CSRF token; `None` for bearer-token callers.
    pub csrf: Option<String>,
    /// For liaison staff: the districts served today and every area below them.
    pub served_areas: Vec<i64>,
    pub ip: Option<String>,
    pub today: NaiveDate,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn scope(&self, action: Action) -> Scope {
        permissions::scope(Some(self.user.role), action)
    }

    pub fn can(&self, action: Action) -> bool {
        self.scope(action) != Scope::Denied
    }

    /// The scope, or 403 when the table says no.
    pub fn require(&self, action: Action) -> Result<Scope, AppError> {
        match self.scope(action) {
            Scope::Denied => Err(AppError::Forbidden),
            scope => Ok(scope),
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::user(&self.user, self.ip.clone())
    }

    /// Which organisations an action with this scope reaches.
    pub fn organisations_in(&self, scope: Scope) -> Visible {
        match (scope, self.user.role) {
            (Scope::Municipality, _) => Visible::All,
            (Scope::Own, Role::Community) => Visible::Only(self.user.organisation_id.unwrap_or(0)),
            (Scope::Own, Role::Liaison) => Visible::InAreas(self.served_areas.clone()),
            _ => Visible::Only(0),
        }
    }

    /// Which issues an action with this caller's scope reaches.
    pub fn issue_reach(&self, action: Action) -> Reach {
        match (self.scope(action), self.user.role) {
            (Scope::Municipality, _) => Reach::All,
            (Scope::Own, Role::Liaison) => Reach::InAreas(self.served_areas.clone()),
            (Scope::Own, Role::Department) => self.user.department_id.map_or(Reach::Nothing, Reach::RoutedTo),
            (Scope::Own, Role::Community) => self.user.organisation_id.map_or(Reach::Nothing, Reach::Organisation),
            _ => Reach::Nothing,
        }
    }

    /// Whether the organisation in `area_id` (with id `org_id`) is within `action`'s reach.
    pub fn reaches_organisation(&self, action: Action, org_id: i64, area_id: Option<i64>) -> bool {
        match self.organisations_in(self.scope(action)) {
            Visible::All => self.can(action),
            Visible::Only(id) => id == org_id,
            Visible::InAreas(ids) => area_id.is_some_and(|a| ids.contains(&a)),
        }
    }

    /// Checks the form's CSRF token against the session's.
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AppError> {
        match (&self.csrf, submitted) {
            (Some(expected), Some(got)) if constant_time_eq(expected.as_bytes(), got.as_bytes()) => Ok(()),
            (None, _) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The client's address, for throttling and the audit log: the
/// connection's, or behind a trusted proxy the one it names (see
/// [`crate::client_address`]). Every use of the client's address goes
/// through here.
pub fn client_ip(parts: &Parts, config: &Config) -> Option<String> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip());
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    crate::client_address::client_address(peer, forwarded, &config.trusted_proxies).map(|ip| ip.to_string())
}

/// The client's address as an extractor, for handlers with nobody signed in yet (the login).
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, &state.config)))
    }
}

/// Resolves the caller, or `None` when nobody is signed in.
pub async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Caller>, AppError> {
    let (user, csrf) = if let Some(token) = bearer(&parts.headers) {
        match kyodo_store::accounts::token_user(&state.db, &secret_hash(token)).await? {
            Some(user) => (user, None),
            None => return Ok(None),
        }
    } else if let Some(sid) = cookie_value(&parts.headers, SESSION_COOKIE) {
        match kyodo_store::accounts::session_user(&state.db, &secret_hash(&sid)).await? {
            Some((user, csrf)) => (user, Some(csrf)),
            None => return Ok(None),
        }
    } else {
        return Ok(None);
    };
    caller_for(parts, state, user, csrf).await.map(Some)
}

/// The caller behind an API token given some other way than the header
/// (Open311 sends it as `api_key`); `None` for an unknown or revoked token.
pub async fn resolve_token(parts: &Parts, state: &AppState, token: &str) -> Result<Option<Caller>, AppError> {
    match kyodo_store::accounts::token_user(&state.db, &secret_hash(token)).await? {
        Some(user) => caller_for(parts, state, user, None).await.map(Some),
        None => Ok(None),
    }
}

async fn caller_for(parts: &Parts, state: &AppState, user: User, csrf: Option<String>) -> Result<Caller, AppError> {
    let municipality = kyodo_store::municipalities::get(&state.db, user.municipality_id).await?;
    let mut caller = caller_of(state, user, municipality).await?;
    caller.csrf = csrf;
    caller.ip = client_ip(parts, &state.config);
    Ok(caller)
}

/// A user of `municipality` (their own), as the server acts for them; outside
/// a request (the daily digest) it has no CSRF token and no address.
pub async fn caller_of(
    state: &AppState,
    user: User,
    municipality: kyodo_core::municipalities::Municipality,
) -> Result<Caller, AppError> {
    let today = state.today();
    let served_areas = match (user.role, user.staff_id) {
        (Role::Liaison, Some(staff)) => {
            kyodo_store::appointments::served_area_ids(&state.db, municipality.id, staff, today).await?
        }
        _ => Vec::new(),
    };
    Ok(Caller {
        user,
        municipality,
        csrf: None,
        served_areas,
        ip: None,
        today,
    })
}

/// API callers: 401 as JSON when nobody is signed in. A browser session
/// writing through the API must send the CSRF token in `X-CSRF-Token`.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = resolve(parts, state).await?.ok_or(AppError::Unauthenticated)?;
        if !matches!(parts.method, Method::GET | Method::HEAD) && caller.csrf.is_some() {
            let header = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
            caller.check_csrf(header)?;
        }
        // For the body's extractor: it checks the caller's permission before judging the body.
        parts.extensions.insert(caller.clone());
        Ok(ApiCaller(caller))
    }
}

/// Page callers: sent to the login page when nobody is signed in.
pub struct PageCaller(pub Caller);

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(PageCaller(
            resolve(parts, state).await?.ok_or(AppError::Unauthenticated)?,
        ))
    }
}

/// Refuses state-changing requests that a browser says come from another
/// site (`Sec-Fetch-Site: cross-site`, or an `Origin` that is not this
/// host). Covers the login form, which has no session and so no CSRF token
/// yet; integrations send neither header and pass.
pub async fn same_origin_writes(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let headers = request.headers();
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site");
    let foreign_origin = match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or("");
            let host = host.to_str().unwrap_or("");
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            origin == "null" || origin_host != host
        }
        _ => false,
    };
    if !safe && (cross_site || foreign_origin) {
        let page = crate::pages::ErrorPage {
            status: 403,
            title: "権限がありません",
            message: "ほかのサイトから送られた操作は受け付けません".into(),
            lines: Vec::new(),
        };
        return (axum::http::StatusCode::FORBIDDEN, crate::pages::render(&page)).into_response();
    }
    next.run(request).await
}

/// Whether the browser reached us over TLS (directly or via a proxy that says so).
pub fn is_secure(headers: &HeaderMap, configured: bool) -> bool {
    configured
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub fn session_cookie(value: &str, secure: bool, max_age_secs: i64) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret();
        assert_ne!(a, random_secret());
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
    }

    #[tokio::test]
    async fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password("Correct horse battery".into(), hash).await);
    }

    #[test]
    fn cookie_flags() {
        let c = session_cookie("abc", true, 60);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!session_cookie("abc", false, 60).contains("Secure"));
    }
}
