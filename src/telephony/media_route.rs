//! `GET /v1/twilio/media-stream`: the Media Streams WebSocket.
//!
//! The upgrade is refused (403, logged as a security event) unless
//! `X-Twilio-Signature` matches the public `wss://` URL whenever a Twilio
//! token is configured. After the upgrade, the socket is only a pipe: frames
//! go to the call task on a [`CallRuntime`] worker and the task's messages go
//! back out. The per-call token inside `start` is checked by the call task.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use super::call::{CallEnv, WireIn, run_call};
use super::call_runtime::CallRuntime;
use super::signature::TwilioVerifier;

pub const MEDIA_STREAM_PATH: &str = "/v1/twilio/media-stream";

/// Frames larger than this close the socket at the WebSocket layer; smaller
/// oversized ones reach the parser, which drops and counts them.
const MAX_WS_MESSAGE: usize = 1024 * 1024;

#[derive(Clone)]
pub struct MediaStreamState {
    pub env: Arc<CallEnv>,
    pub runtime: Arc<CallRuntime>,
    pub verifier: TwilioVerifier,
}

/// The route on its own (tests; the app mounts [`upgrade`] through its own state).
pub fn router<S: Clone + Send + Sync + 'static>(state: MediaStreamState) -> Router<S> {
    Router::new().route(MEDIA_STREAM_PATH, get(standalone)).with_state(state)
}

async fn standalone(State(state): State<MediaStreamState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    upgrade(state, &headers, ws)
}

/// Checks the signature and hands the socket to a call task.
pub fn upgrade(state: MediaStreamState, headers: &HeaderMap, ws: WebSocketUpgrade) -> Response {
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok());
    if let Err(e) = state.verifier.check_websocket(MEDIA_STREAM_PATH, signature) {
        tracing::warn!(security = true, error = %e, "media stream upgrade refused");
        state.env.metrics.refused();
        return (StatusCode::FORBIDDEN, "invalid Twilio signature").into_response();
    }
    ws.max_message_size(MAX_WS_MESSAGE).on_upgrade(move |socket| serve(state, socket))
}

async fn serve(state: MediaStreamState, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (in_tx, in_rx) = mpsc::channel::<WireIn>(256);
    let (out_tx, mut out_rx) = mpsc::channel::<String>(256);
    let env = Arc::clone(&state.env);
    if let Err(e) = state.runtime.spawn(move || run_call(env, in_rx, out_tx)) {
        tracing::error!(error = %e, "cannot start call task");
        let _ = sink.close().await;
        return;
    }
    let writer = tokio::spawn(async move {
        while let Some(text) = out_rx.recv().await {
            if sink.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        // The call task is done: closing ends <Connect> at Twilio.
        let _ = sink.close().await;
    });
    while let Some(message) = stream.next().await {
        let forwarded = match message {
            Ok(Message::Text(text)) => in_tx.send(WireIn::Text(text.as_str().to_owned())).await,
            Ok(Message::Binary(_)) => in_tx.send(WireIn::Binary).await,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(Message::Ping(_) | Message::Pong(_)) => Ok(()),
        };
        if forwarded.is_err() {
            break; // the call task has ended
        }
    }
    let _ = in_tx.send(WireIn::Closed).await;
    drop(in_tx);
    let _ = writer.await;
}
