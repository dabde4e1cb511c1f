//! Telephony's HTTP routes, mounted on the app router with one `.merge`:
//!
//! * `POST /v1/twilio/voice`: Twilio's voice webhook (signed form). Finds the
//!   tenant by the called number, opens the call record and the conversation,
//!   warms the greeting in the prompt cache, and answers
//!   `<Connect><Stream>` with a per-call token as a `<Parameter>`, then
//!   `<Hangup/>` for when we close the stream.
//! * `POST /v1/twilio/call-status`: the status callback (signed form),
//!   idempotent per CallSid + status; a missed call queues a callback.
//! * `GET /v1/twilio/media-stream`: the Media Streams WebSocket.
//! * `GET /v1/owner/live`: the owner's live call events (SSE, owner token).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use futures_util::Stream;

use super::live::LiveItem;
use super::media_route::{self, MEDIA_STREAM_PATH};
use super::service::Telephony;
use super::store_adapters::{PendingCall, consent_line, voice_key};
use super::twiml;
use crate::app::AppState;
use crate::assistant::Channel;
use crate::conversation::Executor;
use crate::http::auth::Owner;
use crate::store::callbacks::{self, CallbackReason, NewCallback};
use crate::store::calls::{self, CallUpdate};
use crate::store::events::{self, Severity};
use crate::store::{StoreError, businesses};

pub const VOICE_PATH: &str = "/v1/twilio/voice";
pub const CALL_STATUS_PATH: &str = "/v1/twilio/call-status";
pub const LIVE_PATH: &str = "/v1/owner/live";

pub fn router() -> Router<AppState> {
    Router::new()
        .route(VOICE_PATH, post(voice))
        .route(CALL_STATUS_PATH, post(call_status))
        .route(MEDIA_STREAM_PATH, get(media_stream))
        .route(LIVE_PATH, get(live))
}

fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn say_and_hang_up(text: &str) -> Response {
    xml(twiml::Response::new().say(text, None).hangup().to_xml())
}

fn telephony(state: &AppState) -> Option<Arc<Telephony>> {
    state.telephony.clone()
}

/// Parses and verifies a signed Twilio form webhook.
async fn verified_form(
    state: &AppState,
    t: &Telephony,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Response> {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| (StatusCode::BAD_REQUEST, "malformed form").into_response())?;
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok());
    if let Err(e) = t.verifier.check_webhook(path, &params, signature) {
        tracing::warn!(security = true, path, error = %e, "Twilio webhook refused");
        let request_id = crate::http::auth::request_id_of(headers);
        let meta = serde_json::json!({ "path": path, "reason": e.to_string() });
        let recorded =
            events::security(&state.db, None, "twilio_signature", Severity::Warning, request_id.as_deref(), meta).await;
        if let Err(e) = recorded {
            tracing::warn!(error = %e, "could not record security event");
        }
        return Err((StatusCode::FORBIDDEN, "invalid Twilio signature").into_response());
    }
    Ok(params)
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

async fn voice(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(t) = telephony(&state) else {
        tracing::error!("voice call received but telephony is not running (speech models missing?)");
        return say_and_hang_up("Sorry, we cannot take calls right now. Please try again later.");
    };
    let params = match verified_form(&state, &t, VOICE_PATH, &headers, &body).await {
        Ok(params) => params,
        Err(response) => return response,
    };
    let (Some(call_sid), Some(to)) = (field(&params, "CallSid"), field(&params, "To")) else {
        return (StatusCode::BAD_REQUEST, "CallSid and To are required").into_response();
    };
    let from = field(&params, "From").unwrap_or("");
    let business = match businesses::find_by_phone(&state.db, to).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => {
            tracing::warn!(to, call_sid, "call to a number no tenant owns");
            return say_and_hang_up("Sorry, this number is not in service.");
        }
        Err(e) => {
            tracing::error!(error = %e, "tenant lookup failed");
            return say_and_hang_up("Sorry, we cannot take your call right now. Please try again later.");
        }
    };
    if business.status != businesses::TenantStatus::Active || business.lockdown {
        tracing::warn!(tenant = %business.id, call_sid, lockdown = business.lockdown, "call refused: tenant not active");
        return say_and_hang_up("Sorry, we cannot take your call right now. Please try again later.");
    }
    let call = match calls::open(&state.db, &business.id, call_sid, from, to).await {
        Ok(call) => call,
        Err(e) => {
            tracing::error!(error = %e, "cannot open call record");
            return say_and_hang_up("Sorry, we cannot take your call right now. Please try again later.");
        }
    };
    let executor = Executor { db: &state.db, sessions: state.sessions.as_ref(), notifier: t.notifier.as_ref() };
    let caller = Some(from).filter(|f| !f.is_empty());
    // Opening is idempotent per CallSid: a retried webhook gets the same
    // conversation and greeting.
    let greeting = match executor.open(&business.id, Channel::Voice, call_sid, caller, Utc::now()).await {
        Ok(opened) => {
            let link = CallUpdate { conversation_id: Some(&opened.conversation_id), ..Default::default() };
            if let Err(e) = calls::update(&state.db, &business.id, call_sid, link).await {
                tracing::warn!(error = %e, "could not link the call to its conversation");
            }
            opened.reply
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot open the conversation");
            return say_and_hang_up("Sorry, we cannot take your call right now. Please try again later.");
        }
    };
    // Warm the prompt cache now, so the greeting (after the recording notice,
    // when calls are recorded) plays as soon as the stream starts.
    let tts = Arc::clone(&t.media.env.tts);
    let key = voice_key(&business.id);
    let lines: Vec<String> = consent_line(&business).into_iter().chain([greeting.clone()]).collect();
    tokio::spawn(async move {
        for text in lines {
            if let Err(e) = tts.prompt(&key, &text).await {
                tracing::warn!(error = %e, "could not pre-synthesise the greeting");
            }
        }
    });
    t.pending.insert(call_sid, PendingCall { greeting, caller: from.to_string() });
    let token = t.media.env.tokens.issue(&call.id, &business.id, call_sid, Utc::now().timestamp());
    let url = t.verifier.websocket_url(MEDIA_STREAM_PATH);
    xml(twiml::Response::new().connect_stream(&url, &[("token", &token)]).hangup().to_xml())
}

async fn call_status(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(t) = telephony(&state) else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let params = match verified_form(&state, &t, CALL_STATUS_PATH, &headers, &body).await {
        Ok(params) => params,
        Err(response) => return response,
    };
    let (Some(call_sid), Some(status), Some(to)) =
        (field(&params, "CallSid"), field(&params, "CallStatus"), field(&params, "To"))
    else {
        return (StatusCode::BAD_REQUEST, "CallSid, CallStatus and To are required").into_response();
    };
    let Ok(business) = businesses::find_by_phone(&state.db, to).await else {
        return StatusCode::NO_CONTENT.into_response(); // not ours; nothing to update
    };
    let call = match calls::get_by_sid(&state.db, &business.id, call_sid).await {
        Ok(call) => call,
        Err(StoreError::NotFound) => {
            match calls::open(&state.db, &business.id, call_sid, field(&params, "From").unwrap_or(""), to).await {
                Ok(call) => call,
                Err(e) => return internal(e),
            }
        }
        Err(e) => return internal(e),
    };
    let terminal = matches!(status, "completed" | "busy" | "no-answer" | "failed" | "canceled");
    let missed = matches!(status, "busy" | "no-answer" | "failed" | "canceled");
    let mut callback_id = None;
    // Idempotent: a retried callback finds the callback already linked.
    if missed && call.callback_id.is_none() && !call.from_number.is_empty() {
        let new = NewCallback {
            phone: call.from_number.clone(),
            customer_id: None,
            conversation_id: call.conversation_id.clone(),
            reason: CallbackReason::MissedCall,
            note: Some(format!("call {status}")),
        };
        match callbacks::enqueue(&state.db, &business.id, new).await {
            Ok(cb) => callback_id = Some(cb.id),
            Err(e) => return internal(e),
        }
    }
    let update = CallUpdate {
        status: Some(status),
        outcome: missed.then_some("missed"),
        callback_id: callback_id.as_deref(),
        ended: terminal,
        ..Default::default()
    };
    match calls::update(&state.db, &business.id, call_sid, update).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => internal(e),
    }
}

fn internal(e: StoreError) -> Response {
    tracing::error!(error = %e, "call status update failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

async fn media_stream(State(state): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    match telephony(&state) {
        Some(t) => media_route::upgrade(t.media.clone(), &headers, ws),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// Server-sent events: one `data:` JSON object per call event of the owner's tenant.
async fn live(State(state): State<AppState>, Owner(tenant): Owner) -> Response {
    let Some(t) = telephony(&state) else { return StatusCode::SERVICE_UNAVAILABLE.into_response() };
    let subscription = t.media.env.live.subscribe(tenant.id());
    Sse::new(live_events(subscription)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

fn live_events(
    subscription: super::live::LiveSubscription,
) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
    futures_util::stream::unfold(subscription, |mut sub| async move {
        let event = match sub.next().await? {
            LiveItem::Event(e) => Event::default().event("call").json_data(&*e).unwrap_or_else(|_| Event::default()),
            LiveItem::Lagged(n) => Event::default().event("lagged").data(n.to_string()),
        };
        Some((Ok(event), sub))
    })
}
