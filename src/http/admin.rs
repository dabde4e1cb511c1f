//! `/v1/admin/*`: the operator manages tenants (`X-Admin-Api-Key`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::auth::{Admin, request_id_of};
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use crate::app::AppState;
use crate::store::businesses::{self, Business, NewBusiness, TenantStatus};
use crate::store::credentials::{self, CredentialKind};
use crate::store::events;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/businesses", get(list).post(create))
        .route("/v1/admin/businesses/{id}", get(show).patch(update))
        .route("/v1/admin/businesses/{id}/rotate-credentials", post(rotate))
}

/// Secrets shown exactly once; only their hashes are stored.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct IssuedCredentials {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widget_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub widget_token_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedBusiness {
    pub business: Business,
    pub credentials: IssuedCredentials,
}

async fn issue(s: &AppState, business_id: &str, kinds: &[CredentialKind]) -> Result<IssuedCredentials, ApiError> {
    let mut out = IssuedCredentials::default();
    for kind in kinds {
        let issued = credentials::rotate(&s.db, business_id, *kind).await?;
        match kind {
            CredentialKind::ApiKey => out.api_key = Some(issued.token),
            CredentialKind::OwnerToken => out.owner_token = Some(issued.token),
            CredentialKind::WidgetToken => {
                out.widget_token = Some(issued.token);
                out.widget_token_expires_at = issued.expires_at;
            }
        }
    }
    Ok(out)
}

async fn audit(s: &AppState, headers: &HeaderMap, business_id: &str, action: &str, meta: serde_json::Value) {
    let rid = request_id_of(headers);
    if let Err(e) =
        events::audit(&s.db, Some(business_id), "admin", action, Some(business_id), rid.as_deref(), meta).await
    {
        tracing::warn!(error = %e, "audit write failed");
    }
}

const ALL_KINDS: [CredentialKind; 3] =
    [CredentialKind::ApiKey, CredentialKind::OwnerToken, CredentialKind::WidgetToken];

/// Creates a tenant and returns its API key, owner token and widget token (once).
#[utoipa::path(post, path = "/v1/admin/businesses", tag = "admin", request_body = NewBusiness,
    security(("admin_key" = [])),
    responses((status = 201, body = CreatedBusiness), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    _: Admin,
    headers: HeaderMap,
    Json(new): Json<NewBusiness>,
) -> Result<(StatusCode, Json<CreatedBusiness>), ApiError> {
    let business = new.into_business().map_err(|p| ApiError::Validation(p.join("; ")))?;
    businesses::insert(&s.db, &business).await?;
    let credentials = issue(&s, &business.id, &ALL_KINDS).await?;
    audit(&s, &headers, &business.id, "business.create", json!({ "name": business.name })).await;
    Ok((StatusCode::CREATED, Json(CreatedBusiness { business, credentials })))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[utoipa::path(get, path = "/v1/admin/businesses", tag = "admin", params(ListQuery), security(("admin_key" = [])),
    responses((status = 200, body = crate::http::page::Page<Business>)))]
pub async fn list(
    State(s): State<AppState>,
    _: Admin,
    Query(q): Query<ListQuery>,
) -> Result<Json<crate::http::page::Page<Business>>, ApiError> {
    let (limit, offset) = crate::store::paging(q.limit, q.offset);
    let items = businesses::list(&s.db, limit, offset).await?;
    let total = businesses::count(&s.db).await?;
    Ok(Json(crate::http::page::Page { items, total, limit, offset }))
}

#[utoipa::path(get, path = "/v1/admin/businesses/{id}", tag = "admin", params(("id" = String, Path, description = "Record id")), security(("admin_key" = [])),
    responses((status = 200, body = Business), (status = 404, body = ErrorBody)))]
pub async fn show(State(s): State<AppState>, _: Admin, Path(id): Path<String>) -> Result<Json<Business>, ApiError> {
    Ok(Json(businesses::get(&s.db, &id).await.map_err(ApiError::not_found("business"))?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminBusinessPatch {
    pub status: Option<TenantStatus>,
    /// Lockdown stops the assistant answering calls and messages for this tenant.
    pub lockdown: Option<bool>,
    /// `starter`, `growth` or `scale`.
    pub plan: Option<String>,
    /// Record calls (a consent line is spoken first). Off by default.
    pub recording_enabled: Option<bool>,
    /// Days a recording is kept after its call, 1 to 3650.
    pub recording_retention_days: Option<i64>,
}

/// Suspends/reactivates a tenant, toggles lockdown, changes the plan or the
/// call recording settings.
#[utoipa::path(patch, path = "/v1/admin/businesses/{id}", tag = "admin", params(("id" = String, Path, description = "Record id")), request_body = AdminBusinessPatch,
    security(("admin_key" = [])),
    responses((status = 200, body = Business), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    _: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(patch): Json<AdminBusinessPatch>,
) -> Result<Json<Business>, ApiError> {
    let mut b = businesses::get(&s.db, &id).await.map_err(ApiError::not_found("business"))?;
    if let Some(status) = patch.status {
        b.status = status;
    }
    if let Some(lockdown) = patch.lockdown {
        b.lockdown = lockdown;
    }
    if let Some(plan) = patch.plan {
        if !["starter", "growth", "scale"].contains(&plan.as_str()) {
            return Err(ApiError::Validation(format!("plan: {plan:?} is not one of starter, growth, scale")));
        }
        b.plan = plan;
    }
    if let Some(enabled) = patch.recording_enabled {
        b.recording_enabled = enabled;
    }
    if let Some(days) = patch.recording_retention_days {
        b.recording_retention_days = days;
    }
    businesses::validate(&mut b).map_err(|p| ApiError::Validation(p.join("; ")))?;
    businesses::update(&s.db, &b).await?;
    audit(
        &s,
        &headers,
        &id,
        "business.admin_update",
        json!({
            "status": b.status, "lockdown": b.lockdown, "plan": b.plan,
            "recording_enabled": b.recording_enabled, "recording_retention_days": b.recording_retention_days,
        }),
    )
    .await;
    Ok(Json(businesses::get(&s.db, &id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// Which credentials to replace: `api_key`, `owner_token`, `widget_token`. Default: all.
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// Replaces credentials; the old ones stop working immediately.
#[utoipa::path(post, path = "/v1/admin/businesses/{id}/rotate-credentials", tag = "admin", params(("id" = String, Path, description = "Record id")), request_body = RotateRequest,
    security(("admin_key" = [])),
    responses((status = 200, body = IssuedCredentials), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rotate(
    State(s): State<AppState>,
    _: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(req): Json<RotateRequest>,
) -> Result<Json<IssuedCredentials>, ApiError> {
    businesses::get(&s.db, &id).await.map_err(ApiError::not_found("business"))?;
    let mut kinds = Vec::new();
    for k in &req.kinds {
        kinds.push(match k.as_str() {
            "api_key" => CredentialKind::ApiKey,
            "owner_token" => CredentialKind::OwnerToken,
            "widget_token" => CredentialKind::WidgetToken,
            other => {
                return Err(ApiError::Validation(format!(
                    "kinds: {other:?} is not api_key, owner_token or widget_token"
                )));
            }
        });
    }
    if kinds.is_empty() {
        kinds = ALL_KINDS.to_vec();
    }
    let issued = issue(&s, &id, &kinds).await?;
    audit(&s, &headers, &id, "credentials.rotate", json!({ "kinds": req.kinds })).await;
    Ok(Json(issued))
}
