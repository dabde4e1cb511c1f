//! A Piper voice's `.onnx.json`: sample rate, inference scales, espeak voice
//! and the phoneme -> id map the VITS model was trained with.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::text::Clause;
use crate::speech::error::{Result, SpeechError};

#[derive(Debug, Clone, Deserialize)]
pub struct VoiceConfig {
    pub audio: AudioConfig,
    pub espeak: EspeakConfig,
    pub inference: InferenceConfig,
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AudioConfig {
    pub sample_rate: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EspeakConfig {
    pub voice: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct InferenceConfig {
    pub noise_scale: f32,
    pub length_scale: f32,
    pub noise_w: f32,
}

const PAD: &str = "_";
const BOS: &str = "^";
const EOS: &str = "$";

impl VoiceConfig {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| SpeechError::io(path, e))?;
        let config: VoiceConfig = serde_json::from_str(&text).map_err(|e| SpeechError::ModelLoad {
            what: "Piper voice config",
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        for symbol in [PAD, BOS, EOS] {
            if !config.phoneme_id_map.contains_key(symbol) {
                return Err(SpeechError::ModelLoad {
                    what: "Piper voice config",
                    path: path.to_path_buf(),
                    reason: format!("phoneme_id_map lacks {symbol:?}"),
                });
            }
        }
        Ok(config)
    }

    /// Joins phonemized clauses the way piper-phonemize does: each clause's
    /// punctuation follows its phonemes, and a space separates clauses.
    pub fn sentence_phonemes(clauses: &[(Clause, String)]) -> String {
        let mut out = String::new();
        for (i, (clause, ipa)) in clauses.iter().enumerate() {
            if i > 0 && !out.is_empty() {
                out.push(' ');
            }
            out.push_str(ipa);
            if let Some(mark) = clause.mark {
                out.push(mark);
            }
        }
        out
    }

    /// Phoneme ids: `^`, then every phoneme followed by the pad `_`, then `$`
    /// (piper's "intersperse pad"). Unknown phonemes are skipped and counted.
    pub fn ids(&self, phonemes: &str) -> (Vec<i64>, usize) {
        let map = &self.phoneme_id_map;
        let pad = map.get(PAD).cloned().unwrap_or_default();
        let mut ids = Vec::with_capacity(phonemes.chars().count() * 2 + 3);
        ids.extend(map.get(BOS).into_iter().flatten());
        ids.extend(&pad);
        let mut unknown = 0;
        let mut buf = [0u8; 4];
        for c in phonemes.chars() {
            match map.get(&*c.encode_utf8(&mut buf)) {
                Some(symbol_ids) => {
                    ids.extend(symbol_ids);
                    ids.extend(&pad);
                }
                None => unknown += 1,
            }
        }
        ids.extend(map.get(EOS).into_iter().flatten());
        (ids, unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice() -> VoiceConfig {
        serde_json::from_str(
            r#"{"audio":{"sample_rate":22050},"espeak":{"voice":"en-us"},
                "inference":{"noise_scale":0.667,"length_scale":1,"noise_w":0.8},
                "phoneme_id_map":{"_":[0],"^":[1],"$":[2]," ":[3],",":[8],"?":[13],"h":[20],"i":[21]}}"#,
        )
        .unwrap()
    }

    #[test]
    fn ids_intersperse_pad_and_skip_unknown() {
        let (ids, unknown) = voice().ids("hi, hX?");
        assert_eq!(ids, vec![1, 0, 20, 0, 21, 0, 8, 0, 3, 0, 20, 0, 13, 0, 2]);
        assert_eq!(unknown, 1);
    }

    #[test]
    fn clause_marks_are_put_back() {
        let clauses = vec![
            (Clause { text: "hi".into(), mark: Some(',') }, "hˈaɪ".to_string()),
            (Clause { text: "ok".into(), mark: Some('?') }, "ˌoʊkˈeɪ".to_string()),
        ];
        assert_eq!(VoiceConfig::sentence_phonemes(&clauses), "hˈaɪ, ˌoʊkˈeɪ?");
    }
}
