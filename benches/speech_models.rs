//! Latency of the real engines: Whisper on 1/3/6 s phone utterances (with and
//! without the trimmed encoder window), Piper time-to-first-audio and
//! real-time factor, and model load times. Needs the models
//! (scripts/models/fetch.sh; `STT_MODEL=base` fetch adds the base rows).
//!
//!     cargo bench --profile dev --bench speech_models
//!
//! Utterances are Piper speech sent through the phone band (8 kHz mu-law).

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use switchboard::config::SttModel;
use switchboard::speech::stt::{SpeechToText, SttOptions, Utterance, WhisperConfig, WhisperEngine};
use switchboard::speech::tts::{AudioFormat, ChunkAudio, PiperConfig, PiperEngine, TextToSpeech, synthesize_all};
use switchboard::speech::{FETCH_COMMAND, ModelPaths, codec};

const ONE_SENTENCE: &str = "Thanks for calling Acme Plumbing, how can I help?";
const THREE_SENTENCES: &str = "Okay, I have you down for Tuesday at 9 in the morning. \
                               A technician will call you when he is on the way. Is there anything else?";

fn paths() -> ModelPaths {
    let paths = ModelPaths::new(std::env::var("MODELS_DIR").unwrap_or_else(|_| "models".into()));
    assert!(paths.whisper(SttModel::TinyEn).is_file(), "models missing: run {FETCH_COMMAND}");
    paths
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Phone-band utterances of about `secs` seconds (Piper speech, silence-padded
/// or cut to the exact length).
fn utterances(rt: &tokio::runtime::Runtime, tts: &PiperEngine) -> Vec<(u32, Vec<u8>)> {
    let texts = [
        (1, "Yes, please."),
        (3, "My water heater is leaking, can someone come tomorrow?"),
        (6, "Hi, this is John on Maple Street, my basement drain is backing up and I need someone to come out today."),
    ];
    texts
        .iter()
        .map(|(secs, text)| {
            let mut bytes = Vec::new();
            for chunk in rt.block_on(synthesize_all(tts, text, AudioFormat::MuLaw8k)).unwrap() {
                if let ChunkAudio::MuLaw8k(b) = chunk.audio {
                    bytes.extend_from_slice(&b);
                }
            }
            bytes.resize(*secs as usize * codec::PHONE_RATE as usize, codec::MULAW_SILENCE);
            (*secs, bytes)
        })
        .collect()
}

fn stt(c: &mut Criterion) {
    let paths = paths();
    let rt = runtime();
    let tts = PiperEngine::load(&paths, PiperConfig::default()).unwrap();
    let clips = utterances(&rt, &tts);
    drop(tts);
    let mut models = vec![SttModel::TinyEn];
    if paths.whisper(SttModel::Base).is_file() {
        models.push(SttModel::Base);
    } else {
        eprintln!("note: Whisper base not fetched; run `STT_MODEL=base scripts/models/fetch.sh` for its rows");
    }
    let mut group = c.benchmark_group("stt_latency");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for model in models {
        for trim in [true, false] {
            let config = WhisperConfig { model, trim_audio_ctx: trim, workers: 1, ..WhisperConfig::default() };
            let engine = WhisperEngine::load(&paths, config).unwrap();
            for (secs, clip) in &clips {
                let window = if trim { "trimmed" } else { "full30s" };
                let id = BenchmarkId::new(format!("{}_{window}", model.name()), format!("{secs}s"));
                group.bench_with_input(id, clip, |b, clip| {
                    b.iter(|| {
                        rt.block_on(engine.transcribe(Utterance::MuLaw8k(clip.clone()), SttOptions::default()))
                            .unwrap()
                    })
                });
            }
        }
    }
    group.finish();
}

fn tts(c: &mut Criterion) {
    let paths = paths();
    let rt = runtime();
    let engine = PiperEngine::load(&paths, PiperConfig::default()).unwrap();
    let mut group = c.benchmark_group("tts");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for (name, text) in [("1_sentence", ONE_SENTENCE), ("3_sentences", THREE_SENTENCES)] {
        // Time to the first sentence's 8 kHz mu-law audio (the rest is drained untimed).
        group.bench_function(BenchmarkId::new("first_audio", name), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    rt.block_on(async {
                        let started = Instant::now();
                        let mut stream = engine.stream(text, AudioFormat::MuLaw8k).await.unwrap();
                        let first = stream.recv().await.unwrap().unwrap();
                        total += started.elapsed();
                        std::hint::black_box(first);
                        while stream.recv().await.is_some() {}
                    });
                }
                total
            })
        });
        group.bench_function(BenchmarkId::new("whole_reply", name), |b| {
            b.iter(|| rt.block_on(synthesize_all(&engine, text, AudioFormat::MuLaw8k)).unwrap())
        });
        // Real-time factor, printed (criterion reports times only).
        let started = Instant::now();
        let chunks = rt.block_on(synthesize_all(&engine, text, AudioFormat::MuLaw8k)).unwrap();
        let elapsed = started.elapsed();
        let audio: Duration = chunks.iter().map(|c| c.audio.duration()).sum();
        eprintln!(
            "tts {name}: {:.2} s of audio in {:.0} ms, RTF {:.3}",
            audio.as_secs_f64(),
            elapsed.as_secs_f64() * 1000.0,
            elapsed.as_secs_f64() / audio.as_secs_f64()
        );
    }
    group.bench_function("cached_prompt", |b| {
        b.iter(|| rt.block_on(engine.prompt("acme/joe", "One moment please.")).unwrap())
    });
    group.finish();
}

fn load(c: &mut Criterion) {
    let paths = paths();
    let mut group = c.benchmark_group("model_load");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(5));
    group.bench_function("whisper_tiny.en_1_worker", |b| {
        b.iter(|| WhisperEngine::load(&paths, WhisperConfig { workers: 1, ..WhisperConfig::default() }).unwrap())
    });
    group.bench_function("piper_joe_medium_1_worker_with_warmup", |b| {
        b.iter(|| PiperEngine::load(&paths, PiperConfig { workers: 1, ..PiperConfig::default() }).unwrap())
    });
    group.finish();
}

criterion_group!(benches, stt, tts, load);
criterion_main!(benches);
