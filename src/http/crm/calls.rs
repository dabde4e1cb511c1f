//! Phone calls with their per-turn timings, and the callback queue.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::http::auth::Tenant;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::store::callbacks::{self, Callback, CallbackStatus};
use crate::store::calls::{self, Call, CallWithTurns};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/crm/calls", get(list))
        .route("/v1/crm/calls/{id}", get(show))
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
