//! Who is calling: tenant principals (API key or owner token) and the operator.
//!
//! Every tenant-scoped handler takes a [`Tenant`] (or [`Owner`]) and passes
//! its id to the store, which filters every query on it. Unknown, revoked and
//! expired credentials are indistinguishable to the caller; each refusal is
//! counted and recorded as a security event.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::error::ApiError;
use crate::app::AppState;
use crate::store::businesses::{self, Business, TenantStatus};
use crate::store::credentials::{self, CredentialKind};
use crate::store::events::{self, Severity};

pub const API_KEY_HEADER: &str = "x-api-key";
pub const OWNER_TOKEN_HEADER: &str = "x-owner-token";
pub const ADMIN_KEY_HEADER: &str = "x-admin-api-key";

/// How a tenant principal authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    ApiKey,
    Owner,
}

/// A caller acting for one tenant, via `X-Api-Key` or `X-Owner-Token`.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub business: Business,
    pub principal: Principal,
}

impl Tenant {
    pub fn id(&self) -> &str {
        &self.business.id
    }
}

/// The tenant's owner, via `X-Owner-Token` only.
#[derive(Debug, Clone)]
pub struct Owner(pub Tenant);

/// The operator of this Switchboard installation (`X-Admin-Api-Key`, or
/// `Authorization: Bearer <key>` for Prometheus scrapers).
#[derive(Debug, Clone, Copy)]
pub struct Admin;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

pub(crate) fn request_id(parts: &Parts) -> Option<String> {
    request_id_of(&parts.headers)
}

/// The request id the request-id middleware put on the request.
pub fn request_id_of(headers: &HeaderMap) -> Option<String> {
    header(headers, "x-request-id").map(str::to_string)
}

/// Counts and records a refused request; never fails the caller's response.
pub(crate) async fn refuse(state: &AppState, request_id: Option<&str>, kind: &'static str, business_id: Option<&str>) {
    state.metrics.refused(kind);
    let meta = json!({});
    if let Err(e) = events::security(&state.db, business_id, kind, Severity::Warning, request_id, meta).await {
        tracing::warn!(error = %e, "could not record security event {kind}");
    }
}

async fn resolve_tenant(
    state: &AppState,
    parts: &Parts,
    kind: CredentialKind,
    token: &str,
) -> Result<Business, ApiError> {
    let rid = request_id(parts);
    let Some(business_id) = credentials::resolve(&state.db, kind, token).await? else {
        refuse(state, rid.as_deref(), "auth_failure", None).await;
        return Err(ApiError::Unauthorized("invalid credentials"));
    };
    let business = businesses::get(&state.db, &business_id).await?;
    tracing::Span::current().record("tenant_id", business.id.as_str());
    if business.status == TenantStatus::Suspended {
        refuse(state, rid.as_deref(), "tenant_suspended", Some(&business.id)).await;
        return Err(ApiError::Forbidden("this account is suspended"));
    }
    Ok(business)
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (kind, principal, token) = if let Some(t) = header(&parts.headers, API_KEY_HEADER) {
            (CredentialKind::ApiKey, Principal::ApiKey, t.to_string())
        } else if let Some(t) = header(&parts.headers, OWNER_TOKEN_HEADER) {
            (CredentialKind::OwnerToken, Principal::Owner, t.to_string())
        } else {
            refuse(state, request_id(parts).as_deref(), "auth_missing", None).await;
            return Err(ApiError::Unauthorized("send X-Api-Key (or X-Owner-Token)"));
        };
        let business = resolve_tenant(state, parts, kind, &token).await?;
        Ok(Tenant { business, principal })
    }
}

impl FromRequestParts<AppState> for Owner {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = header(&parts.headers, OWNER_TOKEN_HEADER).map(str::to_string) else {
            refuse(state, request_id(parts).as_deref(), "auth_missing", None).await;
            return Err(ApiError::Unauthorized("send X-Owner-Token"));
        };
        let business = resolve_tenant(state, parts, CredentialKind::OwnerToken, &token).await?;
        Ok(Owner(Tenant { business, principal: Principal::Owner }))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(expected) = state.config.admin_api_key.as_deref() else {
            return Err(ApiError::Forbidden("the admin API is disabled: set ADMIN_API_KEY"));
        };
        let presented = header(&parts.headers, ADMIN_KEY_HEADER)
            .or_else(|| header(&parts.headers, "authorization").and_then(|v| v.strip_prefix("Bearer ")).map(str::trim));
        match presented {
            Some(key) if bool::from(key.as_bytes().ct_eq(expected.as_bytes())) => Ok(Admin),
            Some(_) => {
                refuse(state, request_id(parts).as_deref(), "admin_auth_failure", None).await;
                Err(ApiError::Unauthorized("invalid admin key"))
            }
            None => {
                refuse(state, request_id(parts).as_deref(), "auth_missing", None).await;
                Err(ApiError::Unauthorized("send X-Admin-Api-Key"))
            }
        }
    }
}
