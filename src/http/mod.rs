//! The HTTP front door (axum): one router file per area, one error type,
//! auth extractors, and the middleware every request passes through.
//!
//! Middleware, outermost first: request id (honour `X-Request-Id` or make
//! one) -> tracing span carrying request id and, once known, tenant id ->
//! panic guard -> metrics -> timeout -> body size limit -> handler.

use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::{HeaderName, Request};
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::app::AppState;
use error::ApiError;

pub mod admin;
pub mod auth;
pub mod crm;
pub mod docs;
pub mod error;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod owner;
pub mod page;
pub mod rate_limit;
pub mod reference;
pub mod twilio_sms;
pub mod widget;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_millis(state.config.request_timeout_ms);
    let body_limit = state.config.max_body_bytes;

    let api = Router::new()
        .merge(health::router())
        .merge(crm::router())
        .merge(owner::router())
        .merge(admin::router())
        .merge(docs::router())
        .merge(widget::router())
        .merge(twilio_sms::router())
        .merge(crate::telephony::routes::router())
        .route("/metrics", axum::routing::get(metrics::render))
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed });

    api.layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                    let request_id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!(
                        "request",
                        request_id = %request_id,
                        method = %req.method(),
                        path = %req.uri().path(),
                        tenant_id = tracing::field::Empty,
                    )
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(|_| {
                    ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
                }))
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async { ApiError::Timeout }))
                .timeout(timeout)
                .layer(axum::extract::DefaultBodyLimit::max(body_limit)),
        )
        .with_state(state)
}
