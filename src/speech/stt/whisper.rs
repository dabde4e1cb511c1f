//! Whisper (whisper.cpp via whisper-rs) behind a bounded worker pool.
//!
//! The model is loaded once and shared; each worker owns a decoding state
//! (the KV caches, ~tens of MB) and runs on its own thread. Settings are tuned
//! for short phone utterances, measured in `docs/benchmarks.md`:
//! * `audio_ctx` trimmed to the utterance: the encoder normally always runs on
//!   30 s of (padded) audio; trimming makes a 3 s clip ~5x faster.
//! * greedy decoding, no temperature fallback: bounded latency.
//! * no context carried between utterances: every turn stands alone, so one
//!   misheard turn cannot poison the next.
//! * non-speech tokens suppressed (no "(music)", "[BLANK_AUDIO]" ...).

use std::path::Path;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState};

use super::{BoxFuture, SpeechToText, SttOptions, Transcript, Utterance, WHISPER_RATE};
use crate::config::SttModel;
use crate::speech::error::{Result, SpeechError};
use crate::speech::models::ModelPaths;
use crate::speech::pool::Pool;

/// Encoder frames per second of audio (1500 frames per 30 s window).
const FRAMES_PER_SECOND: usize = 50;
/// Full encoder window.
const MAX_AUDIO_CTX: usize = 1500;
/// Encoder frames added for [`SttOptions::wide_context`] (~5 s of context).
const WIDE_CONTEXT_MARGIN: usize = 256;
/// whisper.cpp refuses input shorter than 1 s; pad a little past it.
const MIN_SAMPLES: usize = WHISPER_RATE as usize * 11 / 10;

/// Engine settings; `Default` is what the server uses.
#[derive(Debug, Clone)]
pub struct WhisperConfig {
    pub model: SttModel,
    /// Load the Q8_0-quantised file (`ggml-*-q8_0.bin`) instead of f16.
    pub quantized: bool,
    /// Parallel decoders (each with its own state).
    pub workers: usize,
    /// CPU threads per decoder.
    pub threads_per_worker: usize,
    /// Requests that may wait for a worker before submitters are held back.
    pub queue_capacity: usize,
    /// Trim the encoder window to the utterance (plus `audio_ctx_margin` frames).
    pub trim_audio_ctx: bool,
    pub audio_ctx_margin: usize,
    pub suppress_non_speech: bool,
    /// Decode with timestamp tokens (slower, but they help the decoder end).
    pub timestamps: bool,
    /// Retry at higher temperature when the output looks degenerate.
    pub temperature_fallback: bool,
    /// Cap tokens and strip repetition loops (see `repetition.rs`).
    pub repetition_guard: bool,
    /// whisper.cpp's flash-attention kernels (CPU too).
    pub flash_attention: bool,
}

impl Default for WhisperConfig {
    fn default() -> Self {
        // One thread per decoder: ggml's worker threads busy-wait at barriers,
        // so on a small shared box a preempted second thread made decoding up
        // to 10x slower (docs/benchmarks.md). Parallelism comes from workers.
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            model: SttModel::TinyEn,
            quantized: true,
            workers: cores.clamp(1, 4),
            threads_per_worker: 1,
            queue_capacity: 16,
            trim_audio_ctx: true,
            audio_ctx_margin: 32,
            suppress_non_speech: true,
            timestamps: true,
            temperature_fallback: false,
            repetition_guard: true,
            flash_attention: false,
        }
    }
}

struct Job {
    pcm: Vec<f32>,
    options: SttOptions,
    submitted: Instant,
    reply: oneshot::Sender<Result<Transcript>>,
}

/// Whisper speech-to-text. Cheap to share (`Arc`); dropping the last handle
/// lets the workers finish their queue and exit.
pub struct WhisperEngine {
    pool: Pool<Job>,
    load_time: Duration,
    model: SttModel,
}

static SILENCE_WHISPER_LOGS: Once = Once::new();

impl WhisperEngine {
    /// Loads the model named by `config.model` from `paths`. Fails with
    /// `ModelMissing` (naming the file and the fetch command) if absent.
    /// Blocks for a few hundred milliseconds: call it at start-up (or from
    /// `spawn_blocking`), not from a call's task.
    pub fn load(paths: &ModelPaths, config: WhisperConfig) -> Result<Self> {
        let file = if config.quantized { paths.whisper_q8(config.model) } else { paths.whisper(config.model) };
        let path = paths.require("Whisper model", file)?;
        SILENCE_WHISPER_LOGS.call_once(whisper_rs::install_logging_hooks);
        let started = Instant::now();
        let context = load_context(&path, config.flash_attention)?;
        let context = Arc::new(context);
        let mut workers = Vec::with_capacity(config.workers.max(1));
        for _ in 0..config.workers.max(1) {
            let state = context.create_state().map_err(|e| SpeechError::ModelLoad {
                what: "Whisper decoder state",
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let mut worker = Worker { _context: Arc::clone(&context), state, config: config.clone() };
            workers.push(move |job: Job| worker.run(job));
        }
        let pool = Pool::start("whisper", workers, config.queue_capacity)?;
        Ok(Self { pool, load_time: started.elapsed(), model: config.model })
    }

    /// How long loading the model and creating the decoder states took.
    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    pub fn model(&self) -> SttModel {
        self.model
    }

    /// Requests being decoded right now.
    pub fn running(&self) -> usize {
        self.pool.running()
    }

    pub fn queue_capacity(&self) -> usize {
        self.pool.capacity()
    }

    pub fn workers(&self) -> usize {
        self.pool.workers()
    }

    /// Like [`SpeechToText::transcribe`] but fails at once with `Busy` instead
    /// of waiting when the queue is full (for callers that prefer shedding load).
    pub async fn try_transcribe(&self, audio: Utterance, options: SttOptions) -> Result<Transcript> {
        let (job, rx) = make_job(audio, options)?;
        self.pool.try_submit(job)?;
        rx.await.map_err(|_| SpeechError::Closed("whisper"))?
    }
}

fn load_context(path: &Path, flash_attention: bool) -> Result<WhisperContext> {
    let mut params = WhisperContextParameters::default();
    params.use_gpu(false);
    params.flash_attn(flash_attention);
    WhisperContext::new_with_params(path, params).map_err(|e| SpeechError::ModelLoad {
        what: "Whisper model",
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn make_job(audio: Utterance, options: SttOptions) -> Result<(Job, oneshot::Receiver<Result<Transcript>>)> {
    let pcm = audio.into_pcm16k()?;
    if pcm.is_empty() {
        return Err(SpeechError::InvalidAudio("empty utterance".into()));
    }
    let (reply, rx) = oneshot::channel();
    Ok((Job { pcm, options, submitted: Instant::now(), reply }, rx))
}

impl SpeechToText for WhisperEngine {
    fn transcribe(&self, audio: Utterance, options: SttOptions) -> BoxFuture<'_, Result<Transcript>> {
        Box::pin(async move {
            // 8 kHz -> 16 kHz takes well under a millisecond: fine on the runtime.
            let (job, rx) = make_job(audio, options)?;
            self.pool.submit(job).await?;
            rx.await.map_err(|_| SpeechError::Closed("whisper"))?
        })
    }

    fn queue_depth(&self) -> usize {
        self.pool.queue_depth()
    }
}

struct Worker {
    // Keeps the model alive as long as this worker's state.
    _context: Arc<WhisperContext>,
    state: WhisperState,
    config: WhisperConfig,
}

impl Worker {
    fn run(&mut self, job: Job) {
        if job.reply.is_closed() {
            return; // the caller gave up (hung up, barged in): skip the work
        }
        let started = Instant::now();
        let cpu_before = thread_cpu_time();
        let queued = started - job.submitted;
        let audio = Duration::from_secs_f64(job.pcm.len() as f64 / f64::from(WHISPER_RATE));
        let result = self.decode(job.pcm, &job.options).map(|text| Transcript {
            text,
            audio,
            queued,
            decode: started.elapsed(),
            cpu: thread_cpu_time().saturating_sub(cpu_before),
        });
        // The caller may have hung up; nothing to do then.
        let _ = job.reply.send(result);
    }

    fn decode(&mut self, mut pcm: Vec<f32>, options: &SttOptions) -> Result<String> {
        if pcm.len() < MIN_SAMPLES {
            pcm.resize(MIN_SAMPLES, 0.0);
        }
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(self.config.threads_per_worker.max(1) as i32);
        params.set_language(Some("en"));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_single_segment(true);
        params.set_no_timestamps(!self.config.timestamps);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        params.set_suppress_blank(true);
        params.set_suppress_nst(self.config.suppress_non_speech);
        params.set_temperature(0.0);
        if !self.config.temperature_fallback {
            params.set_temperature_inc(0.0);
        }
        if self.config.trim_audio_ctx {
            let margin = if options.wide_context { WIDE_CONTEXT_MARGIN } else { self.config.audio_ctx_margin };
            params.set_audio_ctx(audio_ctx_for(pcm.len(), margin) as i32);
        }
        if self.config.repetition_guard {
            params.set_max_tokens(max_tokens_for(pcm.len()));
        }
        if let Some(prompt) = options.initial_prompt.as_deref().filter(|p| !p.trim().is_empty()) {
            params.set_initial_prompt(prompt);
        }
        self.state.full(params, &pcm).map_err(|e| SpeechError::Transcription(e.to_string()))?;
        let mut text = String::new();
        for segment in self.state.as_iter() {
            let piece = segment.to_str_lossy().map_err(|e| SpeechError::Transcription(e.to_string()))?;
            text.push_str(&piece);
        }
        let text = text.trim();
        Ok(if self.config.repetition_guard { super::repetition::strip_repetitions(text) } else { text.to_string() })
    }
}

/// CPU time of the calling thread (first field of /proc/thread-self/schedstat,
/// in nanoseconds); zero where unavailable.
fn thread_cpu_time() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|ns| ns.parse::<u64>().ok()))
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// Token budget: ~8 per second of audio (speech runs at 3-5) plus slack for
/// timestamps, so a repetition loop cannot run on for seconds.
pub(crate) fn max_tokens_for(samples: usize) -> i32 {
    (samples * 8 / WHISPER_RATE as usize + 16) as i32
}

/// Encoder frames covering `samples` at 16 kHz, plus a safety margin.
pub(crate) fn audio_ctx_for(samples: usize, margin: usize) -> usize {
    let frames = (samples * FRAMES_PER_SECOND).div_ceil(WHISPER_RATE as usize);
    (frames + margin).min(MAX_AUDIO_CTX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_ctx_covers_the_clip_and_caps_at_the_window() {
        assert_eq!(audio_ctx_for(16_000, 0), 50);
        assert_eq!(audio_ctx_for(16_001, 0), 51);
        assert_eq!(audio_ctx_for(48_000, 64), 214);
        assert_eq!(audio_ctx_for(16_000 * 40, 64), 1500);
    }
}
