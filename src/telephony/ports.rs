//! What a call needs from the rest of the product, as small traits.
//!
//! The call pipeline is transport and timing; it does not know how tenants
//! are stored, how the dialog policy keeps its state or how actions reach the
//! CRM. Those sit behind these ports, implemented by adapters over the
//! assistant, the store and the Twilio REST client, so the real-time code is
//! exercised the same way in tests and in production.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::call_token::CallClaims;
use super::protocol::StartMeta;
use super::rest::TwilioRest;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the caller did this turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum CallerInput {
    Speech(String),
    Dtmf(char),
    /// Nobody said anything for a while.
    Silence,
}

/// The policy's answer for one turn, reduced to what the call acts on.
/// Bookings, SMS alerts and callback entries are executed by the adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    /// Hang up once the reply has played.
    pub hang_up: bool,
    /// Transfer to this number once the reply has played.
    pub transfer_to: Option<String>,
    /// This turn flagged an emergency.
    pub emergency: bool,
    /// The appointment booked (or moved) this turn: its id with the store
    /// adapter; tests' brains may put any label here.
    pub booked: Option<String>,
}

/// The dialog for one call. `respond` must be cancel-safe: on barge-in the
/// call drops the future.
pub trait CallBrain: Send + Sync {
    fn respond(&self, input: CallerInput) -> BoxFuture<'_, Result<Reply, String>>;
}

/// Everything a call needs once its stream has started.
#[derive(Clone)]
pub struct CallSetup {
    pub call_id: String,
    pub tenant_id: String,
    /// Caller's number, when known.
    pub caller: Option<String>,
    pub brain: Arc<dyn CallBrain>,
    /// The opening line; spoken from the prompt cache (the voice webhook
    /// warms it a second before the stream starts).
    pub greeting: String,
    /// Key of the tenant's voice in the prompt cache.
    pub voice_key: String,
    /// Vocabulary to prime Whisper with (business name, services). The
    /// store's directory leaves it empty: on phone audio it cost CPU and
    /// accuracy (docs/benchmarks.md); kept for tenants with unusual names.
    pub stt_prompt: Option<String>,
    /// Record this call (the tenant turned recording on); `None` otherwise.
    pub recording: Option<RecordingPlan>,
}

/// Where and under what notice a call is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingPlan {
    /// Spoken before the greeting, from the prompt cache. The call is only
    /// recorded once this line is queued to play.
    pub consent: String,
    /// `RECORDINGS_DIR`.
    pub dir: std::path::PathBuf,
    /// The file's path under `dir`: `<tenant_id>/<call_id>.opus`.
    pub relative: String,
    /// Days the file is kept after the call ends.
    pub retention_days: i64,
}

/// A recording that was written completely and moved to its final name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingSaved {
    /// Path under `RECORDINGS_DIR`.
    pub relative: String,
    pub duration_ms: u64,
    pub bytes: u64,
    pub retention_days: i64,
}

/// Turns a verified stream start into a call.
pub trait CallDirectory: Send + Sync {
    fn open(&self, claims: CallClaims, start: StartMeta) -> BoxFuture<'_, Result<CallSetup, String>>;
}

/// Where each stage of a turn spent its time, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TurnTimings {
    /// Silence waited before deciding the caller had finished.
    pub endpoint_wait_ms: u32,
    /// End of turn -> transcript (small when speculation already ran).
    pub stt_ms: Option<u32>,
    pub speculative_hit: bool,
    pub policy_ms: Option<u32>,
    /// Reply text -> first sentence's audio.
    pub tts_first_audio_ms: Option<u32>,
    /// End of turn -> first reply frame sent to Twilio.
    pub first_frame_ms: Option<u32>,
}

impl TurnTimings {
    /// Caller stops talking -> first reply frame leaves: the turn latency.
    pub fn latency_ms(&self) -> Option<u32> {
        self.first_frame_ms.map(|f| f + self.endpoint_wait_ms)
    }
}

/// One persisted turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnRecord {
    pub index: u32,
    pub input: CallerInput,
    pub agent_text: String,
    /// The caller interrupted; `agent_text` is what they heard.
    pub interrupted: bool,
    pub timings: TurnTimings,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    Caller,
    Agent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptLine {
    pub speaker: Speaker,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// The caller hung up (or Twilio ended the stream).
    CallerHungUp,
    /// We ended it after the policy said goodbye.
    Completed,
    Transferred,
    /// The stream never became a call (bad token, unknown call).
    Refused,
    /// Internal failure or the call hit its maximum length.
    Failed,
}

/// Everything persisted when a call ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallSummary {
    pub call_id: String,
    pub tenant_id: String,
    pub call_sid: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub outcome: CallOutcome,
    pub emergency: bool,
    /// What the policy reported as booked (`Reply::booked`), last one wins.
    pub appointment_id: Option<String>,
    pub transcript: Vec<TranscriptLine>,
    pub turns: Vec<TurnRecord>,
    /// Malformed or out-of-order messages dropped on this call.
    pub protocol_errors: u64,
    /// The call's audio, when it was recorded and the file is complete.
    pub recording: Option<RecordingSaved>,
}

/// Persists calls (the store adapter; an in-memory one in tests).
pub trait CallRecorder: Send + Sync {
    fn ended(&self, summary: CallSummary) -> BoxFuture<'_, ()>;
}

/// Acts on the live call through Twilio.
pub trait CallControl: Send + Sync {
    fn transfer(&self, call_sid: String, to: String) -> BoxFuture<'_, Result<(), String>>;
    fn hang_up(&self, call_sid: String) -> BoxFuture<'_, Result<(), String>>;
}

impl CallControl for TwilioRest {
    fn transfer(&self, call_sid: String, to: String) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            TwilioRest::transfer(self, &call_sid, &to, None).await.map(|_| ()).map_err(|e| e.to_string())
        })
    }

    fn hang_up(&self, call_sid: String) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { TwilioRest::hang_up(self, &call_sid).await.map(|_| ()).map_err(|e| e.to_string()) })
    }
}

/// Tunables of the per-call pipeline.
#[derive(Debug, Clone)]
pub struct CallSettings {
    pub endpoint: super::endpointing::EndpointConfig,
    /// Audio kept queued at Twilio.
    pub lead: Duration,
    /// webrtc-vad mode (0-3) while the agent is silent, and while it talks.
    pub vad_mode: u8,
    pub vad_mode_agent_speaking: u8,
    /// How long to wait for `start` after the socket opens.
    pub start_timeout: Duration,
    /// A turn with no reply audio after this long plays "one moment".
    pub filler_after: Duration,
    pub filler_text: String,
    pub max_call: Duration,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            endpoint: Default::default(),
            lead: Duration::from_millis(80),
            vad_mode: 2,
            vad_mode_agent_speaking: 3,
            start_timeout: Duration::from_secs(10),
            filler_after: Duration::from_millis(1500),
            filler_text: "One moment, please.".into(),
            max_call: Duration::from_secs(30 * 60),
        }
    }
}
