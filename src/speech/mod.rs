//! Speech: phone-band audio plumbing and the local engines that hear (Whisper)
//! and speak (Piper), all running on the CPU from files in `MODELS_DIR`.
//!
//! * [`codec`], [`resample`], [`wav`]: G.711 mu-law, 20 ms framing, rate
//!   conversion, WAV files.
//! * [`stt`]: [`stt::SpeechToText`] and the Whisper engine.
//! * [`tts`]: [`tts::TextToSpeech`] and the Piper engine.
//! * [`models`]: where the model files are; missing ones are a typed error.
//! * [`ogg_opus`]: Ogg Opus files (call recordings) from 8 kHz PCM, and back.
//!
//! Engines run their inference on dedicated threads behind bounded queues, so
//! async code (one task per call) can await them without stalling the runtime.
//! This layer knows nothing about HTTP, telephony or storage.

pub mod cli;
pub mod codec;
pub mod error;
pub mod models;
pub mod ogg_opus;
mod pool;
pub mod resample;
pub mod stt;
pub mod tts;
pub mod wav;

pub use error::{FETCH_COMMAND, SpeechError};
pub use models::ModelPaths;
