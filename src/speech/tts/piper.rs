//! Piper text-to-speech behind a bounded worker pool.
//!
//! A reply is split into sentences (a long first sentence also after its
//! first clause); a worker phonemizes and synthesises them one at a time and
//! sends each piece's audio as soon as it exists, so the caller hears the
//! first words while the rest are still being made. If
//! the receiver is dropped (caller barged in, call ended) the worker stops.
//! Phone-band pieces are remembered (see [`PieceCache`]): a reply opening
//! with a sentence spoken before starts playing without synthesis.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::cache::PromptCache;
use super::espeak::Phonemizer;
use super::onnx::{self, VitsSession};
use super::piece_cache::PieceCache;
use super::text;
use super::voice::{InferenceConfig, VoiceConfig};
use super::{AudioChunk, AudioFormat, ChunkAudio, SentenceStream, TextToSpeech};
use crate::speech::codec;
use crate::speech::error::Result;
use crate::speech::models::ModelPaths;
use crate::speech::pool::Pool;
use crate::speech::resample;
use crate::speech::stt::BoxFuture;

/// Engine settings; `Default` is what the server uses.
#[derive(Debug, Clone)]
pub struct PiperConfig {
    /// Parallel synthesisers (one ONNX session each).
    pub workers: usize,
    /// ONNX Runtime intra-op threads per session.
    pub threads_per_worker: usize,
    /// Replies that may wait for a worker before submitters are held back.
    pub queue_capacity: usize,
    /// Silence after every sentence but the last (Piper's default is 200 ms).
    pub sentence_silence_ms: u32,
    /// Entries in the fixed-phrase cache.
    pub prompt_cache_capacity: usize,
    /// Bytes of phone-band audio kept for recently spoken pieces (8000 per second).
    pub piece_cache_bytes: usize,
    /// Same text, same audio: no sampling noise (VITS's noise and duration
    /// noise set to zero). For tests and benchmarks that compare runs; the
    /// voice sounds flatter.
    pub deterministic: bool,
}

impl Default for PiperConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            workers: 1,
            threads_per_worker: cores.clamp(1, 4),
            queue_capacity: 16,
            sentence_silence_ms: 200,
            prompt_cache_capacity: 512,
            // About 40 minutes of audio, 20 MB: every catalog sentence many times over.
            piece_cache_bytes: 20 << 20,
            deterministic: false,
        }
    }
}

/// One piece of a reply with its place in it.
struct Planned {
    index: usize,
    text: String,
    /// A sentence ends here and more follow: add the inter-sentence pause.
    pause_after: bool,
    last: bool,
}

impl Planned {
    /// The piece's chunk, with the pause after it when one is due. (Audio is
    /// synthesised and cached without the pause: the same sentence may end a
    /// reply or open one.)
    fn chunk(self, audio: ChunkAudio, synthesis: Duration, silence_ms: u32) -> AudioChunk {
        let audio = if self.pause_after { with_silence(audio, silence_ms) } else { audio };
        AudioChunk { index: self.index, sentence: self.text, audio, last: self.last, synthesis }
    }
}

fn with_silence(audio: ChunkAudio, ms: u32) -> ChunkAudio {
    match audio {
        ChunkAudio::MuLaw8k(mut bytes) => {
            let silence = codec::encode(&[0])[0];
            bytes.resize(bytes.len() + (codec::PHONE_RATE * ms / 1000) as usize, silence);
            ChunkAudio::MuLaw8k(bytes)
        }
        ChunkAudio::Pcm16 { sample_rate, mut samples } => {
            samples.resize(samples.len() + (sample_rate * ms / 1000) as usize, 0);
            ChunkAudio::Pcm16 { sample_rate, samples }
        }
    }
}

fn plan(text: &str) -> Vec<Planned> {
    let pieces = text::pieces(text);
    let count = pieces.len();
    pieces
        .into_iter()
        .enumerate()
        .map(|(index, piece)| {
            let last = index + 1 == count;
            Planned { index, pause_after: piece.sentence_end && !last, text: piece.text, last }
        })
        .collect()
}

struct Job {
    pieces: Vec<Planned>,
    format: AudioFormat,
    tx: mpsc::Sender<Result<AudioChunk>>,
}

/// Piper text-to-speech (voice `en_US-joe-medium`).
pub struct PiperEngine {
    pool: Pool<Job>,
    cache: PromptCache,
    pieces: Arc<PieceCache>,
    silence_ms: u32,
    voice: Arc<VoiceConfig>,
    load_time: Duration,
}

impl PiperEngine {
    /// Loads ONNX Runtime, the voice, and starts espeak-ng. Missing files give
    /// `ModelMissing` naming the file and the fetch command. Blocks for about
    /// a second (it also runs one warm-up synthesis per worker): call it at
    /// start-up (or from `spawn_blocking`).
    pub fn load(paths: &ModelPaths, config: PiperConfig) -> Result<Self> {
        let library = paths.require("ONNX Runtime library", paths.onnxruntime())?;
        let model = paths.require("Piper voice", paths.piper_voice())?;
        let voice_config = paths.require("Piper voice config", paths.piper_voice_config())?;
        let started = Instant::now();
        let voice = Arc::new(VoiceConfig::load(&voice_config)?);
        let phonemizer = Arc::new(Phonemizer::start(&voice.espeak.voice)?);
        let environment = onnx::environment(&library)?;
        let inference = if config.deterministic {
            InferenceConfig { noise_scale: 0.0, noise_w: 0.0, ..voice.inference }
        } else {
            voice.inference
        };
        let pieces = Arc::new(PieceCache::new(config.piece_cache_bytes));
        let mut workers = Vec::with_capacity(config.workers.max(1));
        for _ in 0..config.workers.max(1) {
            let mut session = VitsSession::load(environment, &model, config.threads_per_worker)?;
            // ONNX Runtime sizes its buffers on the first run; pay that at
            // start-up, not on the first caller's greeting.
            session.synthesize(voice.ids("wˈɔːɹm ˈʌp.").0, inference)?;
            let mut worker = Worker {
                session,
                phonemizer: Arc::clone(&phonemizer),
                voice: Arc::clone(&voice),
                inference,
                pieces: Arc::clone(&pieces),
                silence_ms: config.sentence_silence_ms,
            };
            workers.push(move |job: Job| worker.run(job));
        }
        let pool = Pool::start("piper", workers, config.queue_capacity)?;
        let cache = PromptCache::new(config.prompt_cache_capacity);
        let silence_ms = config.sentence_silence_ms;
        Ok(Self { pool, cache, pieces, silence_ms, voice, load_time: started.elapsed() })
    }

    /// How long loading the voice and sessions took.
    pub fn load_time(&self) -> Duration {
        self.load_time
    }

    /// The voice's native sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.voice.audio.sample_rate
    }

    pub fn running(&self) -> usize {
        self.pool.running()
    }

    pub fn cached_prompts(&self) -> usize {
        self.cache.len()
    }

    /// `(hits, misses)` of the piece cache.
    pub fn piece_cache_stats(&self) -> (u64, u64) {
        self.pieces.stats()
    }

    async fn start(&self, text: &str, format: AudioFormat) -> Result<SentenceStream> {
        let mut pieces = plan(text).into_iter().peekable();
        // Room for every piece: a slow reader never stalls a worker.
        let (tx, rx) = mpsc::channel(pieces.len().max(1));
        // Leading pieces heard before play at once, without queueing for a worker.
        if format == AudioFormat::MuLaw8k {
            while let Some(audio) = pieces.peek().and_then(|p| self.pieces.get(&p.text)) {
                let Some(piece) = pieces.next() else { break };
                let chunk = piece.chunk(ChunkAudio::MuLaw8k(audio.to_vec()), Duration::ZERO, self.silence_ms);
                // Cannot fail: the channel has room for every piece.
                let _ = tx.try_send(Ok(chunk));
            }
        }
        let rest: Vec<Planned> = pieces.collect();
        if rest.is_empty() {
            return Ok(rx); // all cached, or nothing to say
        }
        self.pool.submit(Job { pieces: rest, format, tx }).await?;
        Ok(rx)
    }
}

impl TextToSpeech for PiperEngine {
    fn stream(&self, text: &str, format: AudioFormat) -> BoxFuture<'_, Result<SentenceStream>> {
        let text = text.to_string();
        Box::pin(async move { self.start(&text, format).await })
    }

    fn prompt(&self, voice_key: &str, text: &str) -> BoxFuture<'_, Result<Arc<[u8]>>> {
        let (voice_key, text) = (voice_key.to_string(), text.to_string());
        Box::pin(async move {
            if let Some(audio) = self.cache.get(&voice_key, &text) {
                return Ok(audio);
            }
            let mut stream = self.start(&text, AudioFormat::MuLaw8k).await?;
            let mut audio = Vec::new();
            while let Some(chunk) = stream.recv().await {
                if let ChunkAudio::MuLaw8k(bytes) = chunk?.audio {
                    audio.extend_from_slice(&bytes);
                }
            }
            let audio: Arc<[u8]> = Arc::from(audio);
            self.cache.insert(&voice_key, &text, Arc::clone(&audio));
            Ok(audio)
        })
    }

    fn queue_depth(&self) -> usize {
        self.pool.queue_depth()
    }
}

struct Worker {
    session: VitsSession,
    phonemizer: Arc<Phonemizer>,
    voice: Arc<VoiceConfig>,
    inference: InferenceConfig,
    pieces: Arc<PieceCache>,
    silence_ms: u32,
}

impl Worker {
    fn run(&mut self, job: Job) {
        for piece in job.pieces {
            if job.tx.is_closed() {
                return; // nobody is listening any more
            }
            let started = Instant::now();
            let silence_ms = self.silence_ms;
            let result =
                self.piece(&piece.text, job.format).map(|audio| piece.chunk(audio, started.elapsed(), silence_ms));
            let failed = result.is_err();
            if job.tx.blocking_send(result).is_err() || failed {
                return;
            }
        }
    }

    /// Phone-band pieces come from the cache when they can and go into it
    /// when they are made.
    fn piece(&mut self, text: &str, format: AudioFormat) -> Result<ChunkAudio> {
        if format == AudioFormat::MuLaw8k
            && let Some(audio) = self.pieces.get(text)
        {
            return Ok(ChunkAudio::MuLaw8k(audio.to_vec()));
        }
        let audio = self.sentence(text, format)?;
        if let ChunkAudio::MuLaw8k(bytes) = &audio {
            self.pieces.insert(text, Arc::from(bytes.as_slice()));
        }
        Ok(audio)
    }

    fn sentence(&mut self, sentence: &str, format: AudioFormat) -> Result<ChunkAudio> {
        let mut clauses = Vec::new();
        for clause in text::clauses(sentence) {
            let ipa = self.phonemizer.phonemize(&clause.text)?;
            clauses.push((clause, ipa));
        }
        let phonemes = VoiceConfig::sentence_phonemes(&clauses);
        let (ids, unknown) = self.voice.ids(&phonemes);
        if unknown > 0 {
            tracing::debug!(unknown, sentence, "phonemes missing from the voice's map were skipped");
        }
        let mut audio = self.session.synthesize(ids, self.inference)?;
        normalize_peak(&mut audio, 0.9);
        let rate = self.voice.audio.sample_rate;
        Ok(match format {
            AudioFormat::Pcm16 => ChunkAudio::Pcm16 { sample_rate: rate, samples: codec::f32_to_i16(&audio) },
            AudioFormat::MuLaw8k => {
                let phone = resample::resample(&audio, rate, codec::PHONE_RATE)?;
                ChunkAudio::MuLaw8k(codec::encode(&codec::f32_to_i16(&phone)))
            }
        })
    }
}

/// Scales so the loudest sample is `peak` (Piper normalises each utterance the
/// same way; VITS output level varies between sentences). Near-silence is left
/// alone rather than amplified into noise.
fn normalize_peak(audio: &mut [f32], peak: f32) {
    let max = audio.iter().fold(0f32, |m, &s| m.max(s.abs()));
    if max > 0.01 {
        let gain = peak / max;
        audio.iter_mut().for_each(|s| *s *= gain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::speech::error::SpeechError;

    #[test]
    fn peak_normalisation_scales_and_spares_silence() {
        let mut loud = vec![0.1, -0.2, 0.05];
        normalize_peak(&mut loud, 0.9);
        assert!((loud[1] + 0.9).abs() < 1e-6 && (loud[0] - 0.45).abs() < 1e-6);
        let mut quiet = vec![0.001, -0.002];
        normalize_peak(&mut quiet, 0.9);
        assert_eq!(quiet, vec![0.001, -0.002]);
    }

    #[test]
    fn missing_models_are_a_typed_error() {
        let err = PiperEngine::load(&ModelPaths::new("/nonexistent"), PiperConfig::default()).err().unwrap();
        assert!(matches!(err, SpeechError::ModelMissing { .. }), "{err}");
    }
}
