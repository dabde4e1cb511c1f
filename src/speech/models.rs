//! Where the model files live under `MODELS_DIR`, and the "is it there?" check
//! that turns a missing file into a [`SpeechError::ModelMissing`] naming the
//! file and the fetch command (instead of a crash deep inside whisper.cpp or
//! ONNX Runtime). The layout is written by `scripts/models/fetch.py`.

use std::path::{Path, PathBuf};

use super::error::{Result, SpeechError};
use crate::config::{Config, SttModel};

/// The model files the speech engines load.
#[derive(Debug, Clone)]
pub struct ModelPaths {
    models_dir: PathBuf,
}

impl ModelPaths {
    pub fn new(models_dir: impl Into<PathBuf>) -> Self {
        Self { models_dir: models_dir.into() }
    }

    pub fn from_config(config: &Config) -> Self {
        Self::new(&config.models_dir)
    }

    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    pub fn whisper(&self, model: SttModel) -> PathBuf {
        let file = match model {
            SttModel::TinyEn => "ggml-tiny.en.bin",
            SttModel::Base => "ggml-base.bin",
        };
        self.models_dir.join("whisper").join(file)
    }

    pub fn piper_voice(&self) -> PathBuf {
        self.models_dir.join("piper").join("en_US-joe-medium.onnx")
    }

    pub fn piper_voice_config(&self) -> PathBuf {
        self.models_dir.join("piper").join("en_US-joe-medium.onnx.json")
    }

    pub fn onnxruntime(&self) -> PathBuf {
        self.models_dir.join("onnxruntime").join("libonnxruntime.so")
    }

    /// Returns `path` (absolute when possible) if it is a file, else a
    /// `ModelMissing` error describing `what` it is.
    pub fn require(&self, what: &'static str, path: PathBuf) -> Result<PathBuf> {
        if path.is_file() {
            Ok(std::fs::canonicalize(&path).unwrap_or(path))
        } else {
            Err(SpeechError::ModelMissing { what, path, models_dir: self.models_dir.clone() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_error_names_file_and_fetch_command() {
        let paths = ModelPaths::new("/nonexistent-models");
        let err = paths.require("Whisper model", paths.whisper(SttModel::TinyEn)).unwrap_err().to_string();
        assert!(err.contains("/nonexistent-models/whisper/ggml-tiny.en.bin"), "{err}");
        assert!(err.contains("scripts/models/fetch.sh"), "{err}");
        assert!(err.contains("switchboard models fetch"), "{err}");
    }
}
