//! Prometheus metrics: the registry, HTTP request metrics and `/metrics`.
//!
//! Other layers register their own metrics into [`Metrics::registry`] at
//! start-up (calls, queues, speech timings); `/metrics` renders them all.

use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use super::auth::Admin;
use crate::app::AppState;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub method: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

pub struct Metrics {
    pub registry: Mutex<Registry>,
    pub requests: Family<RouteLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    /// Refused requests by reason (bad signature, auth failure, bad frame...).
    pub refused: Family<KindLabels, Counter>,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("switchboard");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0])
        });
        let refused = Family::<KindLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route, method and status", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency", latency.clone());
        registry.register("refused_requests", "Requests refused by reason", refused.clone());
        Metrics { registry: Mutex::new(registry), requests, latency, refused }
    }

    /// Counts a refused request (`kind` is a short stable reason).
    pub fn refused(&self, kind: &str) {
        self.refused.get_or_create(&KindLabels { kind: kind.to_string() }).inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            // Encoding into a String cannot fail.
            let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Middleware recording count and latency per matched route.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route =
        request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let method = request.method().to_string();
    let response = next.run(request).await;
    let labels = RouteLabels { route, method, status: response.status().as_u16() };
    state.metrics.requests.get_or_create(&labels).inc();
    state.metrics.latency.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: Prometheus text format. Admin only (the old service leaked
/// tenant activity through an open endpoint).
pub async fn render(State(state): State<AppState>, _admin: Admin) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        with_telephony(state.metrics.render(), &state),
    )
}

/// Adds call metrics (active calls, queue depths, per-stage latency) before `# EOF`.
fn with_telephony(mut text: String, state: &AppState) -> String {
    let Some(t) = &state.telephony else { return text };
    let had_eof = text.trim_end().ends_with("# EOF");
    if had_eof {
        text.truncate(text.trim_end().len() - "# EOF".len());
    }
    text.push_str(&t.render_metrics());
    if had_eof {
        text.push_str("# EOF\n");
    }
    text
}
