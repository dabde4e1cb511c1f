//! The fixture manifest written by `audio-fixtures/generate.py`.
//!
//! One entry per caller utterance: its audio file, what was said, who said
//! it and under which conditions, and what the assistant should make of it.
//! Entries that share a scenario, voice and condition are the turns of one
//! simulated call ([`Manifest::calls`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::HarnessError;
use crate::speech::{codec, wav};

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub fixtures: Vec<Fixture>,
    /// Folder the `file` paths are relative to.
    #[serde(skip)]
    pub root: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fixture {
    pub id: String,
    pub file: String,
    pub text: String,
    pub voice: String,
    pub noise: String,
    pub snr_db: Option<i32>,
    /// Fraction of 20 ms frames dropped in transit.
    #[serde(default)]
    pub loss: f64,
    /// Maximum extra delay of a frame in transit, in ms.
    #[serde(default)]
    pub jitter_ms: u32,
    pub scenario: String,
    pub turn: u32,
    pub turns_in_scenario: u32,
    /// Expected `assistant::Intent` (snake_case), when the turn states one.
    pub intent: Option<String>,
    pub outcome: String,
    #[serde(default)]
    pub barge_in: bool,
    /// Where the clean speech starts and ends in the file (noise may not).
    #[serde(default)]
    pub speech_start_ms: u32,
    #[serde(default)]
    pub speech_end_ms: u32,
}

impl Fixture {
    /// The listening condition, e.g. `clean`, `babble 10 dB`, `clean +loss5%/jit40ms`.
    pub fn condition(&self) -> String {
        let mut c = match self.snr_db {
            Some(snr) => format!("{} {snr} dB", self.noise),
            None => self.noise.clone(),
        };
        if self.loss > 0.0 || self.jitter_ms > 0 {
            c.push_str(&format!(" +loss{}%/jit{}ms", (self.loss * 100.0).round(), self.jitter_ms));
        }
        c
    }
}

/// The turns of one simulated call, in order.
#[derive(Debug, Clone)]
pub struct CallPlan {
    pub name: String,
    pub scenario: String,
    pub outcome: String,
    pub turns: Vec<Fixture>,
    /// Every turn of the scenario is present, so its outcome can be checked.
    pub complete: bool,
}

impl Manifest {
    pub fn load(path: &Path) -> Result<Self, HarnessError> {
        let err = |message: String| HarnessError::Manifest { path: path.display().to_string(), message };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let mut manifest: Manifest = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        manifest.root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if manifest.fixtures.is_empty() {
            return Err(err("no fixtures".into()));
        }
        Ok(manifest)
    }

    /// Keeps fixtures whose id contains any of `filters` (all when empty).
    pub fn filter(&mut self, filters: &[String]) {
        if !filters.is_empty() {
            self.fixtures.retain(|f| filters.iter().any(|p| f.id.contains(p.as_str())));
        }
    }

    /// Groups fixtures into calls: same scenario, voice and condition.
    pub fn calls(&self) -> Vec<CallPlan> {
        let mut groups: BTreeMap<(String, String, String), Vec<Fixture>> = BTreeMap::new();
        for f in &self.fixtures {
            groups.entry((f.scenario.clone(), f.voice.clone(), f.condition())).or_default().push(f.clone());
        }
        groups
            .into_iter()
            .map(|((scenario, voice, condition), mut turns)| {
                turns.sort_by_key(|t| t.turn);
                let complete = turns.iter().map(|t| t.turn).eq(1..=turns[0].turns_in_scenario);
                CallPlan {
                    name: format!("{scenario}/{voice}/{condition}"),
                    outcome: turns[0].outcome.clone(),
                    scenario,
                    turns,
                    complete,
                }
            })
            .collect()
    }

    /// The fixture's audio as 8 kHz mu-law bytes, ready to stream.
    pub fn audio(&self, fixture: &Fixture) -> Result<Vec<u8>, HarnessError> {
        let path = self.root.join(&fixture.file);
        let err = |message: String| HarnessError::Fixture { path: path.display().to_string(), message };
        let audio = wav::read(&path).map_err(|e| err(e.to_string()))?;
        if audio.sample_rate != 8000 {
            return Err(err(format!("{} Hz; fixtures must be 8 kHz", audio.sample_rate)));
        }
        Ok(codec::encode(&codec::f32_to_i16(&audio.samples)))
    }
}
