//! Turn-taking on 20 ms frames: when did the caller start talking, when did
//! they finish, and did they interrupt the agent?
//!
//! The input is one voiced/unvoiced decision per frame (from webrtc-vad,
//! which is `!Send` and therefore owned by the call task) plus the frame's
//! samples. The state machine is pure and counts frames, not wall time:
//! Twilio sends a frame every 20 ms for the whole call, silence included, so
//! frame counts *are* time and tests are exact.
//!
//! * Speech starts after `start_voiced` voiced frames within `start_window`
//!   (a lone click does not start a turn). ~200 ms of pre-roll before that
//!   point is kept so Whisper hears the first consonant.
//! * The turn ends after `end_silence_ms` of silence (default 300 ms) or at
//!   `max_utterance_ms`.
//! * After `speculative_silence_ms` of silence the audio so far is offered
//!   for speculative transcription. If speech resumes the speculation is
//!   cancelled; if the turn then ends without new speech, the speculation
//!   covers exactly the turn's audio and its transcript can be used as is.
//! * While the agent is talking, starting a turn (a barge-in) needs more:
//!   `barge_in_min_voiced_ms` of voiced frames that are also louder than
//!   `barge_in_min_rms`, which rejects "mhm", line noise and the echo of our
//!   own voice. (The call task also switches the VAD to a stricter mode.)
//! * With nobody talking for `no_input_ms`, a `NoInput` event lets the call
//!   reprompt.

use std::collections::VecDeque;

/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;
pub const FRAME_MS: u32 = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointConfig {
    /// Frames examined for a speech start.
    pub start_window: usize,
    /// Voiced frames among them that start speech.
    pub start_voiced: usize,
    /// Consecutive voiced frames that end a silence inside a turn.
    pub resume_voiced: usize,
    /// Silence that ends a turn.
    pub end_silence_ms: u32,
    /// Silence after which speculative transcription starts (0 = off; must be
    /// below `end_silence_ms` to be useful).
    pub speculative_silence_ms: u32,
    /// Longest utterance before the turn is cut.
    pub max_utterance_ms: u32,
    /// Audio kept from before speech start.
    pub pre_roll_ms: u32,
    /// Voiced speech needed to interrupt the agent.
    pub barge_in_min_voiced_ms: u32,
    /// Frame RMS (16-bit scale) a frame needs to count towards a barge-in.
    pub barge_in_min_rms: f32,
    /// Silence (nobody talking) before a `NoInput` event; 0 = off.
    pub no_input_ms: u32,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        EndpointConfig {
            start_window: 5,
            start_voiced: 3,
            resume_voiced: 2,
            end_silence_ms: 300,
            speculative_silence_ms: 100,
            max_utterance_ms: 15_000,
            pre_roll_ms: 200,
            barge_in_min_voiced_ms: 200,
            barge_in_min_rms: 500.0,
            no_input_ms: 6_000,
        }
    }
}

impl EndpointConfig {
    fn frames(ms: u32) -> usize {
        ms.div_ceil(FRAME_MS) as usize
    }

    fn barge_in_voiced(&self) -> usize {
        Self::frames(self.barge_in_min_voiced_ms).max(self.start_voiced)
    }

    /// Window for a barge-in: the required voiced frames plus a quarter of
    /// slack for the short dips inside real speech.
    fn barge_in_window(&self) -> usize {
        let need = self.barge_in_voiced();
        need + need / 4 + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Silence,
    MaxLength,
}

/// A finished caller turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Utterance {
    /// 8 kHz samples: pre-roll, speech, and a short tail of silence.
    pub audio: Vec<i16>,
    pub reason: EndReason,
    /// Frames judged voiced inside the turn.
    pub voiced_ms: u32,
    /// Set when a speculative transcription of exactly this audio is running.
    pub speculation: Option<u64>,
    /// Whether the turn began by interrupting the agent.
    pub barge_in: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EndpointEvent {
    /// The caller started talking. `barge_in`: over the agent (stop playback).
    SpeechStarted {
        barge_in: bool,
    },
    /// Silence began: transcribe `audio` now; the result stays valid unless
    /// `SpeculationCancelled { id }` follows.
    Speculate {
        id: u64,
        audio: Vec<i16>,
    },
    /// Speech resumed: drop speculation `id`.
    SpeculationCancelled {
        id: u64,
    },
    TurnEnded(Utterance),
    /// Nobody has talked for `no_input_ms`.
    NoInput,
}

#[derive(Debug)]
enum State {
    Idle,
    Speaking {
        /// Frames since the last confirmed voice.
        silence_frames: usize,
        voiced_run: usize,
        voiced_frames: usize,
        /// Samples up to the end of the last confirmed voice.
        last_voiced_end: usize,
        speculation: Option<u64>,
        barge_in: bool,
    },
}

/// The endpointing state machine of one call.
#[derive(Debug)]
pub struct Endpointer {
    config: EndpointConfig,
    state: State,
    /// Recent frames' (voiced, loud enough for barge-in) flags.
    window: VecDeque<(bool, bool)>,
    /// Recent audio for pre-roll.
    history: VecDeque<i16>,
    history_cap: usize,
    utterance: Vec<i16>,
    agent_speaking: bool,
    idle_frames: usize,
    next_speculation: u64,
}

impl Endpointer {
    pub fn new(config: EndpointConfig) -> Self {
        let window_frames = config.start_window.max(config.barge_in_window());
        let history_cap = (EndpointConfig::frames(config.pre_roll_ms) + window_frames) * FRAME_SAMPLES;
        Endpointer {
            state: State::Idle,
            window: VecDeque::with_capacity(window_frames + 1),
            history: VecDeque::with_capacity(history_cap + FRAME_SAMPLES),
            history_cap,
            utterance: Vec::new(),
            agent_speaking: false,
            idle_frames: 0,
            next_speculation: 1,
            config,
        }
    }

    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    pub fn is_caller_speaking(&self) -> bool {
        matches!(self.state, State::Speaking { .. })
    }

    pub fn agent_speaking(&self) -> bool {
        self.agent_speaking
    }

    /// Tells the endpointer whether our audio is playing to the caller, which
    /// switches speech-start detection to the stricter barge-in rule.
    pub fn set_agent_speaking(&mut self, speaking: bool) {
        if speaking != self.agent_speaking {
            self.agent_speaking = speaking;
            self.window.clear();
            self.idle_frames = 0;
        }
    }

    /// Feeds one frame (normally 160 samples) and its VAD decision.
    pub fn push(&mut self, voiced: bool, samples: &[i16]) -> Option<EndpointEvent> {
        match self.state {
            State::Idle => self.push_idle(voiced, samples),
            State::Speaking { .. } => self.push_speaking(voiced, samples),
        }
    }

    fn push_idle(&mut self, voiced: bool, samples: &[i16]) -> Option<EndpointEvent> {
        self.history.extend(samples.iter().copied());
        while self.history.len() > self.history_cap {
            self.history.pop_front();
        }
        let loud = voiced && (self.config.barge_in_min_rms <= 0.0 || rms(samples) >= self.config.barge_in_min_rms);
        self.window.push_back((voiced, loud));
        let (window, needed) = if self.agent_speaking {
            (self.config.barge_in_window(), self.config.barge_in_voiced())
        } else {
            (self.config.start_window, self.config.start_voiced)
        };
        while self.window.len() > window {
            self.window.pop_front();
        }
        let count = if self.agent_speaking {
            self.window.iter().filter(|(_, loud)| *loud).count()
        } else {
            self.window.iter().filter(|(voiced, _)| *voiced).count()
        };
        if count >= needed {
            let barge_in = self.agent_speaking;
            self.utterance.clear();
            self.utterance.extend(self.history.drain(..));
            self.window.clear();
            self.idle_frames = 0;
            self.state = State::Speaking {
                silence_frames: 0,
                voiced_run: 1,
                voiced_frames: count,
                last_voiced_end: self.utterance.len(),
                speculation: None,
                barge_in,
            };
            return Some(EndpointEvent::SpeechStarted { barge_in });
        }
        if self.agent_speaking || self.config.no_input_ms == 0 {
            return None;
        }
        self.idle_frames += 1;
        if self.idle_frames >= EndpointConfig::frames(self.config.no_input_ms) {
            self.idle_frames = 0;
            return Some(EndpointEvent::NoInput);
        }
        None
    }

    fn push_speaking(&mut self, voiced: bool, samples: &[i16]) -> Option<EndpointEvent> {
        self.utterance.extend_from_slice(samples);
        let cfg = &self.config;
        let State::Speaking { silence_frames, voiced_run, voiced_frames, last_voiced_end, speculation, barge_in } =
            &mut self.state
        else {
            return None;
        };
        let mut event = None;
        if voiced {
            *voiced_run += 1;
            *voiced_frames += 1;
            if *silence_frames == 0 || *voiced_run >= cfg.resume_voiced {
                *silence_frames = 0;
                *last_voiced_end = self.utterance.len();
                if let Some(id) = speculation.take() {
                    event = Some(EndpointEvent::SpeculationCancelled { id });
                }
            } else {
                *silence_frames += 1;
            }
        } else {
            *voiced_run = 0;
            *silence_frames += 1;
        }

        let spec_frames = EndpointConfig::frames(cfg.speculative_silence_ms);
        let end_frames = EndpointConfig::frames(cfg.end_silence_ms).max(1);
        let turn_audio_len = (*last_voiced_end + spec_frames.min(end_frames) * FRAME_SAMPLES).min(self.utterance.len());

        if self.utterance.len() >= EndpointConfig::frames(cfg.max_utterance_ms) * FRAME_SAMPLES {
            // A running speculation covers less than this cut turn: the call
            // task drops any speculation whose id the turn does not carry.
            let utterance = Utterance {
                audio: std::mem::take(&mut self.utterance),
                reason: EndReason::MaxLength,
                voiced_ms: *voiced_frames as u32 * FRAME_MS,
                speculation: None,
                barge_in: *barge_in,
            };
            self.state = State::Idle;
            return Some(EndpointEvent::TurnEnded(utterance));
        }
        if *silence_frames >= end_frames {
            let mut audio = std::mem::take(&mut self.utterance);
            audio.truncate(turn_audio_len);
            let utterance = Utterance {
                audio,
                reason: EndReason::Silence,
                voiced_ms: *voiced_frames as u32 * FRAME_MS,
                speculation: speculation.take(),
                barge_in: *barge_in,
            };
            self.state = State::Idle;
            return Some(EndpointEvent::TurnEnded(utterance));
        }
        if event.is_none() && spec_frames > 0 && spec_frames < end_frames && *silence_frames == spec_frames {
            let id = self.next_speculation;
            self.next_speculation += 1;
            *speculation = Some(id);
            return Some(EndpointEvent::Speculate { id, audio: self.utterance[..turn_audio_len].to_vec() });
        }
        event
    }
}

/// Root mean square of a frame on the 16-bit scale.
pub fn rms(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt() as f32
}

#[cfg(test)]
#[path = "endpointing_tests.rs"]
mod tests;
