//! Web chat for the website widget.
//!
//! `POST /v1/widget/sessions` (header `X-Widget-Token`, the tenant's public
//! widget token) opens a chat and returns a session id plus a per-session
//! secret; `POST /v1/widget/sessions/{id}/messages` requires that secret in
//! `X-Widget-Secret`. The old service treated the conversation id as the
//! only credential, so anyone who saw one could read and write the chat;
//! here the id names the chat and the secret proves you opened it. Only the
//! secret's SHA-256 is kept (in the session store, with the chat's TTL).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use super::auth::{refuse, request_id_of};
use super::error::ApiError;
use super::extract::{Json, Path};
use super::rate_limit::RateLimiter;
use crate::app::AppState;
use crate::assistant::{Channel, Input};
use crate::conversation::{Executor, LogNotifier, Notifier, TurnRequest, intent_label};
use crate::sessions::DEFAULT_TTL;
use crate::store::businesses::{self, TenantStatus};
use crate::store::credentials::{self, CredentialKind, hash_token};

pub const WIDGET_TOKEN_HEADER: &str = "x-widget-token";
pub const WIDGET_SECRET_HEADER: &str = "x-widget-secret";
/// Longest chat message accepted.
const MAX_MESSAGE_CHARS: usize = 2000;

/// The widget runs on the tenant's own website, so its requests are
/// cross-origin: answer the CORS preflight and allow any origin. That is safe
/// because these endpoints use header credentials (never cookies) and the
/// widget token is public by design; the per-session secret is the real key.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/widget/sessions", post(create_session).options(preflight))
        .route("/v1/widget/sessions/{id}/messages", post(post_message).options(preflight))
        .layer(axum::middleware::map_response(allow_any_origin))
}

async fn preflight() -> impl IntoResponse {
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS"),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type, x-widget-token, x-widget-secret"),
            (header::ACCESS_CONTROL_MAX_AGE, "600"),
        ],
    )
}

async fn allow_any_origin(mut res: Response) -> Response {
    res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    res
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetSession {
    pub session_id: String,
    /// Send as `X-Widget-Secret` with every message; shown only once.
    pub secret: String,
    /// The assistant's opening line.
    pub reply: String,
    pub expires_in_seconds: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetMessage {
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WidgetReply {
    pub reply: String,
    /// The recognised intent ("book", "question:hours", ...).
    pub intent: String,
    /// The assistant closed the conversation.
    pub ended: bool,
}

/// What the session store keeps about an open chat.
#[derive(Debug, Serialize, Deserialize)]
struct ChatAuth {
    tenant: String,
    secret_sha256: String,
}

fn chat_key(session_id: &str) -> String {
    format!("widget:{session_id}")
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// Takes a token from `limiter` for `key`, or refuses with 429 (counted).
fn limit(state: &AppState, limiter: &RateLimiter, key: &str) -> Result<(), ApiError> {
    limiter.check(key, std::time::Instant::now()).map_err(|wait| {
        state.metrics.refused("rate_limited");
        ApiError::RateLimited(wait)
    })
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("sbs_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "session store unavailable");
    ApiError::Unavailable("chat sessions are unavailable")
}

/// Open a chat with the widget token.
#[utoipa::path(post, path = "/v1/widget/sessions", tag = "widget",
    params(("X-Widget-Token" = String, Header, description = "The tenant's widget token")),
    responses((status = 201, body = WidgetSession), (status = 401, body = super::error::ErrorBody),
        (status = 429, description = "Too many new chats for this tenant; see Retry-After", body = super::error::ErrorBody)))]
pub async fn create_session(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<WidgetSession>), ApiError> {
    let rid = request_id_of(&headers);
    let Some(token) = header(&headers, WIDGET_TOKEN_HEADER) else {
        refuse(&state, rid.as_deref(), "auth_missing", None).await;
        return Err(ApiError::Unauthorized("send X-Widget-Token"));
    };
    let Some(tenant) = credentials::resolve(&state.db, CredentialKind::WidgetToken, token).await? else {
        refuse(&state, rid.as_deref(), "auth_failure", None).await;
        return Err(ApiError::Unauthorized("invalid credentials"));
    };
    let business = businesses::get(&state.db, &tenant).await?;
    if business.status == TenantStatus::Suspended {
        return Err(ApiError::Forbidden("this account is suspended"));
    }
    limit(&state, &state.limits.widget_sessions, &tenant)?;
    let session_id = crate::store::new_id();
    let secret = new_secret();
    let auth = ChatAuth { tenant: tenant.clone(), secret_sha256: hash_token(&secret) };
    let raw = serde_json::to_string(&auth).map_err(|e| ApiError::Internal(e.into()))?;
    state.sessions.put(&chat_key(&session_id), raw, DEFAULT_TTL).await.map_err(unavailable)?;
    let notifier = notifier(&state);
    let exec = Executor { db: &state.db, sessions: state.sessions.as_ref(), notifier: notifier.as_ref() };
    let opened = exec.open(&tenant, Channel::Web, &session_id, None, crate::store::now()).await.map_err(internal)?;
    let body = WidgetSession { session_id, secret, reply: opened.reply, expires_in_seconds: DEFAULT_TTL.as_secs() };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Send a visitor's message; requires the session's secret.
#[utoipa::path(post, path = "/v1/widget/sessions/{id}/messages", tag = "widget",
    params(("id" = String, Path), ("X-Widget-Secret" = String, Header, description = "The secret returned when the session was opened")),
    request_body = WidgetMessage,
    responses((status = 200, body = WidgetReply), (status = 401, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody),
        (status = 429, description = "Too many messages in this chat; see Retry-After", body = super::error::ErrorBody)))]
pub async fn post_message(
    State(state): State<AppState>,
    Path(session_id): Path<String>,
    headers: HeaderMap,
    Json(msg): Json<WidgetMessage>,
) -> Result<Json<WidgetReply>, ApiError> {
    let rid = request_id_of(&headers);
    let Some(secret) = header(&headers, WIDGET_SECRET_HEADER) else {
        refuse(&state, rid.as_deref(), "auth_missing", None).await;
        return Err(ApiError::Unauthorized("send X-Widget-Secret"));
    };
    let stored = state.sessions.get(&chat_key(&session_id)).await.map_err(unavailable)?;
    let auth: Option<ChatAuth> = stored.and_then(|raw| serde_json::from_str(&raw).ok());
    // Unknown, expired and wrong-secret sessions look the same to the caller.
    let Some(auth) = auth.filter(|a| bool::from(a.secret_sha256.as_bytes().ct_eq(hash_token(secret).as_bytes())))
    else {
        refuse(&state, rid.as_deref(), "widget_auth_failure", None).await;
        return Err(ApiError::Unauthorized("invalid chat session credentials"));
    };
    limit(&state, &state.limits.widget_messages, &session_id)?;
    let text = msg.text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::Validation(format!("text: must be 1 to {MAX_MESSAGE_CHARS} characters")));
    }
    let notifier = notifier(&state);
    let exec = Executor { db: &state.db, sessions: state.sessions.as_ref(), notifier: notifier.as_ref() };
    let req = TurnRequest {
        tenant: &auth.tenant,
        channel: Channel::Web,
        thread: &session_id,
        caller_phone: None,
        input: Input::Text(text.to_string()),
        now: crate::store::now(),
    };
    let done = exec.turn(req).await.map_err(internal)?;
    // Keep the chat's credentials alive as long as the chat.
    let raw = serde_json::to_string(&auth).map_err(|e| ApiError::Internal(e.into()))?;
    state.sessions.put(&chat_key(&session_id), raw, DEFAULT_TTL).await.map_err(unavailable)?;
    Ok(Json(WidgetReply { reply: done.reply, intent: intent_label(done.intent), ended: done.ended }))
}

/// Owner alerts and confirmations go out through Twilio when telephony is
/// configured; otherwise they are only logged (and noted on the transcript).
pub(crate) fn notifier(state: &AppState) -> std::sync::Arc<dyn Notifier> {
    match &state.telephony {
        Some(t) => std::sync::Arc::clone(&t.notifier),
        None => std::sync::Arc::new(LogNotifier),
    }
}

pub(crate) fn internal(e: crate::conversation::ConversationError) -> ApiError {
    match e {
        crate::conversation::ConversationError::Store(s) => s.into(),
        crate::conversation::ConversationError::Sessions(s) => unavailable(s),
        other => ApiError::Internal(other.into()),
    }
}
