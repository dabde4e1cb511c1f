//! Phone calls with their per-turn timings and recordings, and the callback queue.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde::Deserialize;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::http::auth::Tenant;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::store::callbacks::{self, Callback, CallbackStatus};
use crate::store::calls::{self, Call, CallWithTurns};
use crate::store::recordings;
use crate::telephony::recordings::resolve;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/crm/calls", get(list))
        .route("/v1/crm/calls/{id}", get(show))
        .route("/v1/crm/calls/{id}/recording", get(recording))
        .route("/v1/crm/callbacks", get(callback_queue))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Calls, newest first.
#[utoipa::path(get, path = "/v1/crm/calls", tag = "crm", params(CallQuery), security(("api_key" = [])),
    responses((status = 200, body = Vec<Call>)))]
pub async fn list(
    State(s): State<AppState>,
    tenant: Tenant,
    Query(q): Query<CallQuery>,
) -> Result<Json<Vec<Call>>, ApiError> {
    Ok(Json(calls::list(&s.db, tenant.id(), q.limit, q.offset).await?))
}

/// One call with every turn and where its time went.
#[utoipa::path(get, path = "/v1/crm/calls/{id}", tag = "crm", params(("id" = String, Path, description = "Record id")),
    security(("api_key" = [])), responses((status = 200, body = CallWithTurns), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<CallWithTurns>, ApiError> {
    Ok(Json(calls::get_with_turns(&s.db, tenant.id(), &id).await.map_err(ApiError::not_found("call"))?))
}

/// The call's recording: Ogg Opus, caller on the left channel, assistant on
/// the right. Range requests are honoured (players seek with them). 404 when
/// the call was not recorded, the recording expired, or the call is another
/// tenant's.
#[utoipa::path(get, path = "/v1/crm/calls/{id}/recording", tag = "crm",
    params(("id" = String, Path, description = "Record id")), security(("api_key" = []), ("owner_token" = [])),
    responses((status = 200, description = "Ogg Opus audio", content_type = "audio/ogg", body = Vec<u8>),
        (status = 206, description = "Part of the audio (Range request)", content_type = "audio/ogg", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn recording(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let not_found = ApiError::not_found("recording");
    let relative = recordings::playable(&s.db, tenant.id(), &id, Utc::now()).await.map_err(&not_found)?;
    let path = resolve(&s.config.recordings_dir, &relative).ok_or(ApiError::NotFound("recording"))?;
    // ServeFile does the file I/O off the worker, Range, If-Modified-Since and HEAD.
    let response = match ServeFile::new(&path).oneshot(request).await {
        Ok(response) => response,
        Err(e) => return Err(ApiError::Internal(anyhow::anyhow!("reading {}: {e}", path.display()))),
    };
    if response.status() == StatusCode::NOT_FOUND {
        tracing::error!(call_id = %id, path = %path.display(), "a linked recording is missing on disk");
        return Err(ApiError::NotFound("recording"));
    }
    let mut response = response.map(Body::new).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/ogg"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(disposition) = HeaderValue::from_str(&format!("inline; filename=\"call-{id}.opus\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallbackQuery {
    /// `open` (default), `done` or `cancelled`.
    pub status: Option<CallbackStatus>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// People to call back (missed calls, hand-offs, partial intakes), newest first.
#[utoipa::path(get, path = "/v1/crm/callbacks", tag = "crm", params(CallbackQuery), security(("api_key" = [])),
    responses((status = 200, body = Vec<Callback>)))]
pub async fn callback_queue(
    State(s): State<AppState>,
    tenant: Tenant,
    Query(q): Query<CallbackQuery>,
) -> Result<Json<Vec<Callback>>, ApiError> {
    let status = Some(q.status.unwrap_or(CallbackStatus::Open));
    Ok(Json(callbacks::list(&s.db, tenant.id(), status, q.limit, q.offset).await?))
}
