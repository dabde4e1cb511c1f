//! Speech-to-text: the [`SpeechToText`] trait the call pipeline talks to, and
//! its Whisper implementation.

mod repetition;
mod whisper;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use whisper::{WhisperConfig, WhisperEngine};

use super::codec;
use super::error::Result;
use super::resample;

/// Boxed future, so the traits stay object-safe (`Arc<dyn SpeechToText>`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sample rate Whisper works at.
pub const WHISPER_RATE: u32 = 16_000;

/// One caller utterance (already cut by the VAD).
#[derive(Debug, Clone)]
pub enum Utterance {
    /// 8 kHz G.711 mu-law bytes, straight from the phone line.
    MuLaw8k(Vec<u8>),
    /// 16 kHz mono PCM as `f32` in [-1, 1].
    Pcm16k(Vec<f32>),
}

impl Utterance {
    /// Converts to Whisper's input: 16 kHz `f32`.
    pub fn into_pcm16k(self) -> Result<Vec<f32>> {
        match self {
            Utterance::Pcm16k(samples) => Ok(samples),
            Utterance::MuLaw8k(bytes) => {
                resample::resample(&codec::decode_f32(&bytes), codec::PHONE_RATE, WHISPER_RATE)
            }
        }
    }
}

/// Per-request decoding options.
#[derive(Debug, Clone, Default)]
pub struct SttOptions {
    /// Text Whisper is primed with, e.g. the tenant's vocabulary
    /// ("Acme Plumbing. Water heater, drain cleaning, sump pump.").
    pub initial_prompt: Option<String>,
    /// Decode with a much wider encoder window than the utterance needs
    /// (slower). A second try for a short clip the trimmed window heard as
    /// nothing: tiny.en sometimes emits end-of-text at once on ~1 s clips.
    pub wide_context: bool,
}

/// What came back, with where the time went.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub text: String,
    /// Length of the utterance.
    pub audio: Duration,
    /// Time spent waiting for a free worker.
    pub queued: Duration,
    /// Time spent decoding (resampling + encoder + decoder).
    pub decode: Duration,
    /// CPU time the decoding thread actually got during `decode` (Linux
    /// schedstat; zero elsewhere). On a busy box `decode` minus `cpu` is time
    /// spent waiting for a core, which tells load from slowness.
    pub cpu: Duration,
}

/// Turns utterances into text. Implementations must not block the async
/// runtime: heavy work belongs on their own threads.
pub trait SpeechToText: Send + Sync {
    fn transcribe(&self, audio: Utterance, options: SttOptions) -> BoxFuture<'_, Result<Transcript>>;

    /// Requests submitted but not yet started (a gauge for metrics).
    fn queue_depth(&self) -> usize;
}
