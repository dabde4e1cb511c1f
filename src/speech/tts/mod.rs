//! Text-to-speech: the [`TextToSpeech`] trait the call pipeline talks to, and
//! its Piper implementation (espeak-ng phonemes + VITS on ONNX Runtime).

mod cache;
mod espeak;
mod onnx;
mod piece_cache;
mod piper;
pub mod text;
mod voice;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

pub use cache::PromptCache;
pub use espeak::Phonemizer;
pub use piece_cache::PieceCache;
pub use piper::{PiperConfig, PiperEngine};
pub use voice::VoiceConfig;

use super::error::Result;
use super::stt::BoxFuture;

/// What the synthesised audio should look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioFormat {
    /// 8 kHz G.711 mu-law: what goes down the phone line.
    MuLaw8k,
    /// 16-bit PCM at the voice's own rate (22050 Hz for joe-medium).
    Pcm16,
}

/// Audio for one sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum ChunkAudio {
    MuLaw8k(Vec<u8>),
    Pcm16 { sample_rate: u32, samples: Vec<i16> },
}

impl ChunkAudio {
    pub fn duration(&self) -> Duration {
        match self {
            ChunkAudio::MuLaw8k(bytes) => Duration::from_secs_f64(bytes.len() as f64 / 8000.0),
            ChunkAudio::Pcm16 { sample_rate, samples } => {
                Duration::from_secs_f64(samples.len() as f64 / f64::from((*sample_rate).max(1)))
            }
        }
    }
}

/// One synthesised sentence (or, for a long first sentence, its first clause
/// and then the rest), delivered as soon as it is ready.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioChunk {
    /// 0-based chunk number within the reply.
    pub index: usize,
    /// The text this chunk speaks.
    pub sentence: String,
    pub audio: ChunkAudio,
    /// No more chunks follow.
    pub last: bool,
    /// Time spent synthesising this sentence.
    pub synthesis: Duration,
}

/// Sentences of one reply, in order; the channel closes after the last one
/// (or after an error). Dropping the receiver stops the remaining synthesis,
/// which is how barge-in cancels a reply.
pub type SentenceStream = mpsc::Receiver<Result<AudioChunk>>;

/// Turns reply text into audio. Implementations must not block the async
/// runtime: heavy work belongs on their own threads.
pub trait TextToSpeech: Send + Sync {
    /// Starts synthesising `text`; the first sentence's audio arrives before
    /// later sentences are synthesised.
    fn stream(&self, text: &str, format: AudioFormat) -> BoxFuture<'_, Result<SentenceStream>>;

    /// 8 kHz mu-law audio for a fixed phrase (greeting, "one moment", goodbye),
    /// synthesised once per `voice_key` (e.g. tenant + voice) and then served
    /// from memory.
    fn prompt(&self, voice_key: &str, text: &str) -> BoxFuture<'_, Result<Arc<[u8]>>>;

    /// Requests submitted but not yet started (a gauge for metrics).
    fn queue_depth(&self) -> usize;

    /// Synthesises `lines` ahead of need, one at a time, so that replies
    /// opening with them play without waiting (engines that remember pieces,
    /// like Piper, keep the audio). Returns how many lines were made; a failed
    /// line is logged and skipped.
    fn warm<'a>(&'a self, lines: &'a [String]) -> BoxFuture<'a, usize> {
        Box::pin(async move {
            let mut made = 0;
            for line in lines {
                match synthesize_all(self, line, AudioFormat::MuLaw8k).await {
                    Ok(_) => made += 1,
                    Err(e) => tracing::warn!(error = %e, line, "could not pre-synthesise a line"),
                }
            }
            made
        })
    }
}

/// Collects a whole reply (for the CLI and tests).
pub async fn synthesize_all<T: TextToSpeech + ?Sized>(
    tts: &T,
    text: &str,
    format: AudioFormat,
) -> Result<Vec<AudioChunk>> {
    let mut stream = tts.stream(text, format).await?;
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.recv().await {
        chunks.push(chunk?);
    }
    Ok(chunks)
}
