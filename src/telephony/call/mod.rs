//! The per-call pipeline: one task per call, from Twilio's `start` to `stop`.
//!
//! ```text
//! socket text -> parse -> order check -> base64 -> mu-law decode -> VAD
//!   -> endpointing -> (speculative) STT -> policy -> TTS by sentence -> pacer -> socket
//! ```
//!
//! The task runs on a [`CallRuntime`](super::call_runtime::CallRuntime)
//! worker because it owns the `!Send` webrtc-vad detector; the WebSocket
//! itself stays on the main runtime and exchanges text frames with the task
//! through two channels ([`WireIn`] in, `String` out). Dropping the outbound
//! sender closes the socket, which ends `<Connect>` and lets the TwiML after
//! it (`<Hangup/>`) run.
//!
//! When the tenant records calls, the task also owns the call's recording
//! (see `recording`): a consent line plays before the greeting, and both
//! sides are written to an Ogg Opus file off the call's thread.

mod recording;
mod task;
mod turn;

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::call_token::CallTokens;
use super::live::LiveHub;
use super::metrics::CallMetrics;
use super::ports::{CallControl, CallDirectory, CallRecorder, CallSettings};
use super::protocol::{Inbound, Start, parse_inbound};
use super::sequencing::StreamSequencer;
use crate::speech::stt::SpeechToText;
use crate::speech::tts::TextToSpeech;

/// Everything call tasks share. Cheap to clone behind an `Arc`.
pub struct CallEnv {
    pub stt: Arc<dyn SpeechToText>,
    pub tts: Arc<dyn TextToSpeech>,
    pub directory: Arc<dyn CallDirectory>,
    pub recorder: Arc<dyn CallRecorder>,
    /// Twilio REST, needed for transfers; `None` when not configured.
    pub control: Option<Arc<dyn CallControl>>,
    pub live: LiveHub,
    pub tokens: CallTokens,
    pub metrics: Arc<CallMetrics>,
    pub settings: CallSettings,
}

/// A frame from the socket, as the call task sees it.
#[derive(Debug)]
pub enum WireIn {
    Text(String),
    /// Binary frames are not part of the protocol; counted and dropped.
    Binary,
    /// The socket closed (or failed).
    Closed,
}

/// Runs one call until `stop`, socket close, or the call ends itself.
pub async fn run_call(env: Arc<CallEnv>, mut inbound: mpsc::Receiver<WireIn>, outbound: mpsc::Sender<String>) {
    let mut sequencer = StreamSequencer::new();
    let mut errors = 0u64;
    let Some(start) = await_start(&env, &mut inbound, &mut sequencer, &mut errors).await else {
        return;
    };
    let meta = &start.start;
    let token = meta.custom_parameters.get("token").map(String::as_str);
    let claims = match env.tokens.verify(token, &meta.call_sid, Utc::now().timestamp()) {
        Ok(claims) => claims,
        Err(e) => {
            tracing::warn!(security = true, call_sid = %meta.call_sid, error = %e, "media stream refused: bad per-call token");
            env.metrics.refused();
            return;
        }
    };
    if !meta.media_format.is_mulaw_8k_mono() {
        tracing::warn!(call_sid = %meta.call_sid, format = ?meta.media_format, "media stream refused: not 8 kHz mu-law mono");
        env.metrics.refused();
        return;
    }
    let setup = match env.directory.open(claims, meta.clone()).await {
        Ok(setup) => setup,
        Err(e) => {
            tracing::warn!(call_sid = %meta.call_sid, error = %e, "media stream refused: call not found");
            env.metrics.refused();
            return;
        }
    };
    let started = Instant::now();
    let task = task::CallTask::new(Arc::clone(&env), setup, &start, outbound, sequencer, errors, started);
    task.run(inbound).await;
}

/// Reads until a valid `start`; anything else before it is counted and dropped.
async fn await_start(
    env: &CallEnv,
    inbound: &mut mpsc::Receiver<WireIn>,
    sequencer: &mut StreamSequencer,
    errors: &mut u64,
) -> Option<Start> {
    let deadline = Instant::now() + env.settings.start_timeout;
    loop {
        let message = match tokio::time::timeout_at(deadline, inbound.recv()).await {
            Ok(Some(message)) => message,
            Ok(None) => return None,
            Err(_) => {
                tracing::warn!("media stream closed: no start message in time");
                env.metrics.refused();
                return None;
            }
        };
        let text = match message {
            WireIn::Closed => return None,
            WireIn::Binary => {
                *errors += 1;
                env.metrics.protocol_error("binary");
                continue;
            }
            WireIn::Text(text) => text,
        };
        match parse_inbound(&text) {
            Ok(message) => match sequencer.accept(&message) {
                Ok(()) => {
                    if let Inbound::Start(start) = message {
                        return Some(start);
                    }
                }
                Err(e) => {
                    *errors += 1;
                    env.metrics.protocol_error(e.kind());
                    tracing::debug!(error = %e, "dropped media stream message");
                }
            },
            Err(e) => {
                *errors += 1;
                env.metrics.protocol_error(e.kind());
                tracing::debug!(error = %e, "dropped media stream message");
            }
        }
    }
}
