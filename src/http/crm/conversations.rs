//! Conversations on every channel, with their transcripts.

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::app::AppState;
use crate::http::auth::Tenant;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::http::page::Page;
use crate::store::conversations::{self, Conversation, ConversationQuery, ConversationWithMessages};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/crm/conversations", get(list)).route("/v1/crm/conversations/{id}", get(show))
}

/// Lists conversations, newest first.
#[utoipa::path(get, path = "/v1/crm/conversations", tag = "crm", params(ConversationQuery),
    security(("api_key" = [])), responses((status = 200, body = Page<Conversation>)))]
pub async fn list(
    State(s): State<AppState>,
    tenant: Tenant,
    Query(q): Query<ConversationQuery>,
) -> Result<Json<Page<Conversation>>, ApiError> {
    let (items, total) = conversations::list(&s.db, tenant.id(), &q).await?;
    Ok(Json(Page::new(items, total, q.limit, q.offset)))
}

/// One conversation with its messages in order.
#[utoipa::path(get, path = "/v1/crm/conversations/{id}", tag = "crm", params(("id" = String, Path, description = "Record id")), security(("api_key" = [])),
    responses((status = 200, body = ConversationWithMessages), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<ConversationWithMessages>, ApiError> {
    Ok(Json(conversations::get(&s.db, tenant.id(), &id).await.map_err(ApiError::not_found("conversation"))?))
}
