//! Customers: CRUD, search and the customer timeline.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::http::auth::Tenant;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Json, Path, Query};
use crate::http::page::Page;
use crate::store::appointments::{self, Appointment, AppointmentQuery};
use crate::store::conversations::{self, Conversation, ConversationQuery};
use crate::store::customers::{self, Customer, CustomerPatch, CustomerQuery, NewCustomer};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/crm/customers", get(list).post(create))
        .route("/v1/crm/customers/{id}", get(show).patch(update).delete(remove))
        .route("/v1/crm/customers/{id}/timeline", get(timeline))
}

/// Creates a customer. Phone numbers are normalised to E.164.
#[utoipa::path(post, path = "/v1/crm/customers", tag = "crm", request_body = NewCustomer,
    security(("api_key" = [])),
    responses((status = 201, body = Customer), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    tenant: Tenant,
    Json(new): Json<NewCustomer>,
) -> Result<(StatusCode, Json<Customer>), ApiError> {
    let c = customers::create(&s.db, tenant.id(), new).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Lists customers, newest first; `q` searches name, phone, email and address.
#[utoipa::path(get, path = "/v1/crm/customers", tag = "crm", params(CustomerQuery),
    security(("api_key" = [])), responses((status = 200, body = Page<Customer>)))]
pub async fn list(
    State(s): State<AppState>,
    tenant: Tenant,
    Query(q): Query<CustomerQuery>,
) -> Result<Json<Page<Customer>>, ApiError> {
    let (items, total) = customers::list(&s.db, tenant.id(), &q).await?;
    Ok(Json(Page::new(items, total, q.limit, q.offset)))
}

#[utoipa::path(get, path = "/v1/crm/customers/{id}", tag = "crm", params(("id" = String, Path, description = "Record id")), security(("api_key" = [])),
    responses((status = 200, body = Customer), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(customers::get(&s.db, tenant.id(), &id).await.map_err(ApiError::not_found("customer"))?))
}

/// Partially updates a customer; `null` clears a field.
#[utoipa::path(patch, path = "/v1/crm/customers/{id}", tag = "crm", params(("id" = String, Path, description = "Record id")), request_body = CustomerPatch,
    security(("api_key" = [])),
    responses((status = 200, body = Customer), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
    Json(patch): Json<CustomerPatch>,
) -> Result<Json<Customer>, ApiError> {
    Ok(Json(customers::update(&s.db, tenant.id(), &id, patch).await.map_err(ApiError::not_found("customer"))?))
}

/// Deletes a customer with their appointments.
#[utoipa::path(delete, path = "/v1/crm/customers/{id}", tag = "crm", params(("id" = String, Path, description = "Record id")), security(("api_key" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove(State(s): State<AppState>, tenant: Tenant, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    customers::delete(&s.db, tenant.id(), &id).await.map_err(ApiError::not_found("customer"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Timeline {
    pub customer: Customer,
    /// Every appointment, in start order.
    pub appointments: Vec<Appointment>,
    /// Conversations on every channel, newest first.
    pub conversations: Vec<Conversation>,
}

/// A customer's history: appointments and conversations.
#[utoipa::path(get, path = "/v1/crm/customers/{id}/timeline", tag = "crm", params(("id" = String, Path, description = "Record id")), security(("api_key" = [])),
    responses((status = 200, body = Timeline), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    State(s): State<AppState>,
    tenant: Tenant,
    Path(id): Path<String>,
) -> Result<Json<Timeline>, ApiError> {
    let customer = customers::get(&s.db, tenant.id(), &id).await.map_err(ApiError::not_found("customer"))?;
    let aq = AppointmentQuery { customer_id: Some(id.clone()), limit: Some(200), ..Default::default() };
    let (appointments, _) = appointments::list(&s.db, tenant.id(), &aq).await?;
    let cq = ConversationQuery { customer_id: Some(id), limit: Some(200), ..Default::default() };
    let (conversations, _) = conversations::list(&s.db, tenant.id(), &cq).await?;
    Ok(Json(Timeline { customer, appointments, conversations }))
}
