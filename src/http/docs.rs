//! The OpenAPI document (generated from the handlers' annotations) and an
//! offline API reference page that renders it (no CDN, no external assets).

use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{admin, crm, health, owner, widget};
use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard API", description = "AI phone receptionist and CRM for trades businesses."),
    paths(
        health::healthz, health::readyz,
        crm::customers::create, crm::customers::list, crm::customers::show, crm::customers::update,
        crm::customers::remove, crm::customers::timeline,
        crm::appointments::create, crm::appointments::list, crm::appointments::show, crm::appointments::update,
        crm::appointments::cancel, crm::appointments::schedule,
        crm::conversations::list, crm::conversations::show,
        crm::calls::list, crm::calls::show, crm::calls::recording, crm::calls::callback_queue,
        owner::show, owner::update,
        admin::create, admin::list, admin::show, admin::update, admin::rotate,
        widget::create_session, widget::post_message,
    ),
    components(schemas(
        super::error::ErrorBody, super::error::ErrorDetail,
        widget::WidgetSession, widget::WidgetMessage, widget::WidgetReply,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "crm", description = "Customers, appointments and conversations (X-Api-Key)"),
        (name = "owner", description = "The business owner's settings (X-Owner-Token)"),
        (name = "admin", description = "Tenant management (X-Admin-Api-Key)"),
        (name = "health", description = "Liveness and readiness"),
        (name = "widget", description = "Website chat (X-Widget-Token to open, X-Widget-Secret per message)"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, header) in
            [("api_key", "X-Api-Key"), ("owner_token", "X-Owner-Token"), ("admin_key", "X-Admin-Api-Key")]
        {
            components.add_security_scheme(name, SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(header))));
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json)).route("/docs", get(docs_page))
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(ApiDoc::openapi())
}

async fn docs_page() -> Html<&'static str> {
    Html(include_str!("../../dashboard/api-docs.html"))
}
