//! The speech layer's one error type.
//!
//! Missing assets are the most likely failure on a fresh machine, so they get
//! their own variants whose messages name the file and the command that fetches
//! it; callers (server start-up, CLI, tests) can print them as they are.

use std::path::PathBuf;

/// Command that fills `MODELS_DIR`; quoted in every "missing" message.
pub const FETCH_COMMAND: &str = "scripts/models/fetch.sh (or `switchboard models fetch`)";

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("{what} not found at {path}; run {FETCH_COMMAND} (MODELS_DIR={models_dir})")]
    ModelMissing { what: &'static str, path: PathBuf, models_dir: PathBuf },

    #[error("could not load {what} from {path}: {reason}")]
    ModelLoad { what: &'static str, path: PathBuf, reason: String },

    #[error("espeak-ng is not available ({reason}); install it with `apt-get install espeak-ng`")]
    EspeakMissing { reason: String },

    #[error("espeak-ng phonemizer failed: {0}")]
    Phonemizer(String),

    #[error("speech-to-text failed: {0}")]
    Transcription(String),

    #[error("text-to-speech failed: {0}")]
    Synthesis(String),

    #[error("the {engine} queue is full ({capacity} waiting); try again shortly")]
    Busy { engine: &'static str, capacity: usize },

    #[error("the {0} engine has shut down")]
    Closed(&'static str),

    #[error("invalid audio: {0}")]
    InvalidAudio(String),

    #[error("resampling failed: {0}")]
    Resample(String),

    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

impl SpeechError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SpeechError::Io { path: path.into(), source }
    }
}

pub type Result<T, E = SpeechError> = std::result::Result<T, E>;
