//! Application wiring: shared state, start-up checks and the server loop.

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::{Config, Environment};
use crate::http::metrics::Metrics;
use crate::sessions::{self, SessionStore};
use crate::store::{self, Db};

/// State shared by every request handler and call task. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    /// Conversation state between turns (memory, or Redis when `REDIS_URL` is set).
    pub sessions: Arc<dyn SessionStore>,
    /// Phone calls (speech engines, call tasks); `None` until started, or when
    /// the speech models are missing (calls then hear a polite refusal).
    pub telephony: Option<Arc<crate::telephony::service::Telephony>>,
    /// Limits on the public endpoints (the chat widget).
    pub limits: Arc<crate::http::rate_limit::RateLimits>,
}

impl AppState {
    /// Connects to the database and applies pending migrations.
    pub async fn build(config: Config) -> anyhow::Result<AppState> {
        let db = Db::connect(&config.database_url).await.with_context(|| {
            format!("cannot open the database ({})", config.database_url.split('@').next_back().unwrap_or(""))
        })?;
        let applied = db.migrate().await.context("database migration failed")?;
        if !applied.is_empty() {
            tracing::info!(?applied, backend = db.backend(), "applied migrations");
        }
        let sessions = sessions::from_config(config.redis_url.as_deref()).await?;
        Ok(AppState {
            config: Arc::new(config),
            db,
            metrics: Arc::new(Metrics::new()),
            sessions,
            telephony: None,
            limits: Arc::default(),
        })
    }
}

/// Loads the speech engines for phone calls; without them the server still
/// runs (CRM, SMS, chat) and callers hear a polite refusal.
fn start_telephony(state: &AppState) -> Option<Arc<crate::telephony::service::Telephony>> {
    match crate::telephony::service::Telephony::build(&state.config, state.db.clone(), Arc::clone(&state.sessions)) {
        Ok(t) => Some(Arc::new(t)),
        Err(e) => {
            tracing::error!(error = %e, "phone calls are DISABLED: speech engines could not be loaded");
            None
        }
    }
}

/// Refuses to serve production traffic with tenants that lack API keys.
async fn check_tenant_safety(state: &AppState) -> anyhow::Result<()> {
    if state.config.environment == Environment::Dev {
        if state.config.twilio_auth_token.is_none() {
            tracing::warn!(
                "TWILIO_AUTH_TOKEN is not set: Twilio webhooks and media streams are accepted WITHOUT signature checks (dev only)"
            );
        }
        return Ok(());
    }
    let unkeyed = store::businesses::active_without_api_key(&state.db).await?;
    if !unkeyed.is_empty() {
        anyhow::bail!(
            "refusing to start: active tenants without an API key: {} (rotate one with POST /v1/admin/businesses/{{id}}/rotate-credentials)",
            unkeyed.join(", ")
        );
    }
    Ok(())
}

/// Runs the HTTP server until SIGTERM or Ctrl-C, then drains in-flight requests.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let addr = config.addr;
    let mut state = AppState::build(config).await?;
    check_tenant_safety(&state).await?;
    state.telephony = start_telephony(&state);
    let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    tracing::info!(%local, backend = state.db.backend(), "switchboard listening on http://{local}");
    let db = state.db.clone();
    let retention = crate::telephony::recordings::spawn_retention(db.clone(), state.config.recordings_dir.clone());
    axum::serve(listener, crate::http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    retention.abort();
    db.close().await;
    tracing::info!("switchboard stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received, draining");
}
