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
use switchboard::assistant::locale::fixed_lines;
use switchboard::config::SttModel;
use switchboard::domain::Language;
use switchboard::speech::stt::{SpeechToText, SttOptions, Utterance, WhisperConfig, WhisperEngine};
use switchboard::speech::tts::{AudioFormat, ChunkAudio, PiperConfig, PiperEngine, TextToSpeech, synthesize_all};
use switchboard::speech::{FETCH_COMMAND, ModelPaths, codec};

const ONE_SENTENCE: &str = "Thanks for calling Acme Plumbing, how can I help?";
/// A typical reply with a short dynamic first sentence.
const SHORT_OPENER: &str = "Thanks, Maria. Is the visit at 1425 Maple Street?";
/// A reply opening with a catalog sentence (warmed at start-up).
const WARMED_OPENER: &str = "What's the address for the visit? I'll note it on the job.";
const THREE_SENTENCES: &str = "Okay, I have you down for Tuesday at 9 in the morning. \
                               A technician will call you when he is on the way. Is there anything else?";

fn paths() -> ModelPaths {
    let paths = ModelPaths::new(std::env::var("MODELS_DIR").unwrap_or_else(|_| "models".into()));
    assert!(paths.whisper_q8(SttModel::TinyEn).is_file(), "models missing: run {FETCH_COMMAND}");
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
    if paths.whisper_q8(SttModel::Base).is_file() {
        models.push(SttModel::Base);
    } else {
        eprintln!("note: Whisper base not fetched; run `STT_MODEL=base scripts/models/fetch.sh` for its rows");
    }
    let mut group = c.benchmark_group("stt_latency");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    let mut run = |label: String, config: WhisperConfig, lengths: &[u32]| {
        let engine = WhisperEngine::load(&paths, config).unwrap();
        for (secs, clip) in clips.iter().filter(|(s, _)| lengths.contains(s)) {
            group.bench_with_input(BenchmarkId::new(label.clone(), format!("{secs}s")), clip, |b, clip| {
                b.iter(|| {
                    rt.block_on(engine.transcribe(Utterance::MuLaw8k(clip.clone()), SttOptions::default())).unwrap()
                })
            });
        }
    };
    for model in models {
        let config = WhisperConfig { model, workers: 1, ..WhisperConfig::default() };
        run(format!("{}_trimmed", model.name()), config.clone(), &[1, 3, 6]);
        // The full 30 s window costs seconds per call: one length is enough to show it.
        if model == SttModel::TinyEn {
            run(
                format!("{}_f16_trimmed", model.name()),
                WhisperConfig { quantized: false, ..config.clone() },
                &[1, 3, 6],
            );
            run(
                format!("{}_trimmed_2threads", model.name()),
                WhisperConfig { threads_per_worker: 2, ..config.clone() },
                &[3],
            );
            run(format!("{}_full30s", model.name()), WhisperConfig { trim_audio_ctx: false, ..config }, &[3]);
        }
    }
    group.finish();

    // Four callers finishing an utterance at the same moment.
    let mut group = c.benchmark_group("stt_concurrent");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    let clip = clips.iter().find(|(s, _)| *s == 3).map(|(_, c)| c.clone()).unwrap();
    for workers in [1, 2] {
        let engine = WhisperEngine::load(&paths, WhisperConfig { workers, ..WhisperConfig::default() }).unwrap();
        group.bench_function(BenchmarkId::new("4x3s_tiny.en", format!("{workers}_workers")), |b| {
            b.iter(|| {
                rt.block_on(futures_util::future::join_all(
                    (0..4).map(|_| engine.transcribe(Utterance::MuLaw8k(clip.clone()), SttOptions::default())),
                ))
            })
        });
    }
    group.finish();
}

fn tts(c: &mut Criterion) {
    let paths = paths();
    let rt = runtime();
    // Cold: nothing is remembered, so every iteration really synthesises.
    let engine = PiperEngine::load(&paths, PiperConfig { piece_cache_bytes: 0, ..PiperConfig::default() }).unwrap();
    let mut group = c.benchmark_group("tts");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for (name, text) in [("1_sentence", ONE_SENTENCE), ("3_sentences", THREE_SENTENCES), ("short_opener", SHORT_OPENER)]
    {
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
        // Real-time factor and CPU cost, printed (criterion reports wall times only).
        let cpu_before = process_cpu_time();
        let started = Instant::now();
        let chunks = rt.block_on(synthesize_all(&engine, text, AudioFormat::MuLaw8k)).unwrap();
        let elapsed = started.elapsed();
        let cpu = process_cpu_time().saturating_sub(cpu_before);
        let audio: Duration = chunks.iter().map(|c| c.audio.duration()).sum();
        eprintln!(
            "tts {name}: {:.2} s of audio in {:.0} ms wall, {:.0} ms CPU; RTF {:.3} (wall), {:.3} (CPU)",
            audio.as_secs_f64(),
            elapsed.as_secs_f64() * 1000.0,
            cpu.as_secs_f64() * 1000.0,
            elapsed.as_secs_f64() / audio.as_secs_f64(),
            cpu.as_secs_f64() / audio.as_secs_f64()
        );
    }
    let one_thread = PiperEngine::load(
        &paths,
        PiperConfig { threads_per_worker: 1, piece_cache_bytes: 0, ..PiperConfig::default() },
    )
    .unwrap();
    group.bench_function(BenchmarkId::new("first_audio_1thread", "1_sentence"), |b| {
        b.iter(|| rt.block_on(synthesize_all(&one_thread, ONE_SENTENCE, AudioFormat::MuLaw8k)).unwrap())
    });
    // As the server runs: the catalog's fixed sentences warmed at start-up,
    // so a reply opening with one plays its first audio without synthesis.
    let warm = PiperEngine::load(&paths, PiperConfig::default()).unwrap();
    rt.block_on(warm.warm(&fixed_lines(Language::En)));
    group.bench_function(BenchmarkId::new("first_audio_warmed_opener", "2_sentences"), |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut stream = warm.stream(WARMED_OPENER, AudioFormat::MuLaw8k).await.unwrap();
                let first = stream.recv().await.unwrap().unwrap();
                std::hint::black_box(first);
            })
        })
    });
    group.bench_function("cached_prompt", |b| {
        b.iter(|| rt.block_on(engine.prompt("acme/joe", "One moment please.")).unwrap())
    });
    group.finish();
}

/// User + system CPU time of this process (/proc/self/stat, 100 Hz ticks).
fn process_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name.
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    let ticks = tick(11) + tick(12);
    Duration::from_millis(ticks * 10)
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
