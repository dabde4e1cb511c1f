//! `/v1/crm/*`: the tenant's customers, appointments and conversations.
//! Authenticated with `X-Api-Key` (or the owner's `X-Owner-Token`).

use axum::Router;

use crate::app::AppState;

pub mod appointments;
pub mod calls;
pub mod conversations;
pub mod customers;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(customers::router())
        .merge(appointments::router())
        .merge(conversations::router())
        .merge(calls::router())
}
