//! kyodo's web layer: Japanese pages that work without JavaScript, the JSON
//! API under `/api/v1` with its OpenAPI document, sessions and tokens. No
//! SQL here: every read and write goes through `kyodo_store`.

pub mod accounts;
pub mod activities;
pub mod api;
pub mod appointments;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod case_studies;
pub mod client_address;
pub mod data;
pub mod departments;
pub mod edge;
pub mod editing;
pub mod error;
pub mod evacuation_support;
pub mod events;
pub mod grants;
pub mod handovers;
pub mod help;
pub mod issues;
pub mod mail;
pub mod meetings;
pub mod open311;
pub mod organisations;
pub mod pages;
pub mod plans;
pub mod privileged_grants;
pub mod public;
pub mod rotation;
pub mod routes;
pub mod scheme;
pub mod staff;
pub mod uploads;
pub mod workload;
pub mod xlsx;

use std::sync::Arc;

use chrono::NaiveDate;
use kyodo_store::Db;

/// Settings the server is started with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Mark cookies Secure even without `X-Forwarded-Proto: https`.
    pub secure_cookies: bool,
    /// Pretend today is this date (demos and tests of terms and fiscal years).
    pub today: Option<NaiveDate>,
    /// The address users reach kyodo at, for links in e-mail (e.g. https://kyodo.city.example.jp).
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: Vec<client_address::IpRange>,
    /// Requests per second one client may make to the public pages and
    /// API (0: no limit; `None`: the default, 20).
    pub public_rate_limit: Option<u32>,
}

/// The public routes' default rate per client: a resident reading pages
/// makes a few requests a minute; a crawler at this pace is still served.
pub const DEFAULT_PUBLIC_RATE: u32 = 20;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub public_limiter: Arc<public::limit::RateLimiter>,
    pub public_cache: Arc<public::cache::PageCache>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        let rate = config.public_rate_limit.unwrap_or(DEFAULT_PUBLIC_RATE);
        AppState {
            db,
            config: Arc::new(config),
            public_limiter: Arc::new(public::limit::RateLimiter::new(rate)),
            public_cache: Arc::default(),
        }
    }

    /// Today in Japan, where every user of kyodo is.
    pub fn today(&self) -> NaiveDate {
        self.config
            .today
            .unwrap_or_else(|| kyodo_core::wareki::jst_date(chrono::Utc::now()))
    }
}

pub use routes::router;

/// Serves `router` on `listener` until Ctrl-C (or SIGTERM).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let db = state.db.clone();
    // The daily digest: every server looks every five minutes; the one
    // that claims the day in the database sends it.
    let digest_state = state.clone();
    let digests = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            every.tick().await;
            match mail::send_digests(&digest_state, None).await {
                Ok(r) if r.sent + r.failed > 0 => tracing::info!(sent = r.sent, failed = r.failed, "daily digest"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e.message(), "daily digest failed"),
            }
        }
    });
    // Expired sessions and old login attempts are removed hourly; with
    // several servers each does it, which is harmless.
    let sweeper = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = kyodo_store::accounts::purge_expired(&db).await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
    });
    // SQLite's WAL is copied into the database file here, beside the
    // writer, rather than by the writer after its commits (see Db::connect).
    let checkpoint_db = state.db.clone();
    let checkpoints = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            if let Err(e) = checkpoint_db.checkpoint().await {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    });
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    sweeper.abort();
    digests.abort();
    checkpoints.abort();
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
