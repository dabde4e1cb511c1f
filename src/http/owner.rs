//! `/v1/owner/*`: the business owner's own settings (`X-Owner-Token`).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::json;

use super::auth::{Owner, request_id_of};
use super::error::{ApiError, ErrorBody};
use super::extract::Json;
use crate::app::AppState;
use crate::store::businesses::{self, Business, BusinessPatch};
use crate::store::events;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/owner/business", get(show).patch(update))
}

/// The business profile: hours, services, emergency keywords, plan.
#[utoipa::path(get, path = "/v1/owner/business", tag = "owner", security(("owner_token" = [])),
    responses((status = 200, body = Business), (status = 401, body = ErrorBody)))]
pub async fn show(Owner(owner): Owner) -> Json<Business> {
    Json(owner.business)
}

/// Changes the profile (hours, closed days, services, ...). All problems are
/// reported at once; nothing is written unless everything is valid.
#[utoipa::path(patch, path = "/v1/owner/business", tag = "owner", request_body = BusinessPatch,
    security(("owner_token" = [])),
    responses((status = 200, body = Business), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    Owner(owner): Owner,
    headers: axum::http::HeaderMap,
    Json(patch): Json<BusinessPatch>,
) -> Result<Json<Business>, ApiError> {
    let mut business = owner.business;
    let recording_changed = patch.recording_enabled.is_some() || patch.recording_retention_days.is_some();
    patch.apply(&mut business).map_err(|p| ApiError::Validation(p.join("; ")))?;
    businesses::update(&s.db, &business).await?;
    let rid = request_id_of(&headers);
    // Turning recording on or off is a privacy decision: the audit says which.
    let meta = if recording_changed {
        json!({ "recording_enabled": business.recording_enabled, "recording_retention_days": business.recording_retention_days })
    } else {
        json!({})
    };
    if let Err(e) =
        events::audit(&s.db, Some(&business.id), "owner", "business.update", Some(&business.id), rid.as_deref(), meta)
            .await
    {
        tracing::warn!(error = %e, "audit write failed");
    }
    Ok(Json(businesses::get(&s.db, &business.id).await?))
}
