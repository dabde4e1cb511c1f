//! Shared helpers for the speech integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use switchboard::speech::{FETCH_COMMAND, ModelPaths};

pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// `MODELS_DIR` or the checkout's `models/`; panics with the fetch command
/// when the models are not there (tests never skip silently).
pub fn model_paths() -> ModelPaths {
    let dir = std::env::var("MODELS_DIR").map(PathBuf::from).unwrap_or_else(|_| repo_path("models"));
    let paths = ModelPaths::new(&dir);
    for (what, file) in [
        ("Whisper tiny.en", paths.whisper(switchboard::config::SttModel::TinyEn)),
        ("Piper voice", paths.piper_voice()),
        ("ONNX Runtime", paths.onnxruntime()),
    ] {
        assert!(file.is_file(), "{what} missing at {}: run {FETCH_COMMAND} before the speech tests", file.display());
    }
    paths
}

/// Lower case, punctuation removed, words split: "9:30 A.M.?" -> ["9", "30", "am"].
pub fn normalize(text: &str) -> Vec<String> {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .filter(|c| *c != '\'' && *c != '.')
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().map(str::to_string).collect()
}

/// 1 - word error rate (word-level Levenshtein), floored at 0.
pub fn word_accuracy(reference: &str, hypothesis: &str) -> f64 {
    let r = normalize(reference);
    let h = normalize(hypothesis);
    if r.is_empty() {
        return if h.is_empty() { 1.0 } else { 0.0 };
    }
    let errors = strsim::generic_levenshtein(&r, &h);
    (1.0 - errors as f64 / r.len() as f64).max(0.0)
}
