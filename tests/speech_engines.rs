//! The speech engines with the real models (Whisper tiny.en converted by our
//! own converter, Piper joe-medium on ONNX Runtime). Needs the models:
//! run scripts/models/fetch.sh first; these tests fail, naming that command,
//! when the models are missing.

mod speech_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use speech_support::{model_paths, normalize, repo_path, word_accuracy};
use switchboard::config::SttModel;
use switchboard::speech::stt::{SpeechToText, SttOptions, Utterance, WhisperConfig, WhisperEngine};
use switchboard::speech::tts::{AudioFormat, ChunkAudio, PiperConfig, PiperEngine, TextToSpeech, synthesize_all};
use switchboard::speech::{ModelPaths, SpeechError, resample, wav};

/// Mean normalised word accuracy the phone-band round trip must reach with
/// tiny.en. The voice runs deterministically here (no sampling noise), so the
/// audio, and with greedy decoding the score, is the same every run: 0.944 on
/// this machine (docs/benchmarks.md, "Round trip"). With sampled noise the
/// score wandered between 0.745 and 0.969 from run to run, which is why the
/// test no longer samples. 0.90 leaves room for a few words flipped by
/// floating-point differences between CPUs, yet a regressed stage fails it:
/// without the repetition guard the set scored 0.67, and a broken codec,
/// resampler or converter scores near zero.
const ROUND_TRIP_MIN_ACCURACY: f64 = 0.90;

fn fixture_pcm16k(name: &str) -> Vec<f32> {
    let audio = wav::read(&repo_path(&format!("audio-fixtures/speech/{name}"))).unwrap();
    resample::resample(&audio.samples, audio.sample_rate, 16_000).unwrap()
}

fn whisper(workers: usize, queue: usize) -> WhisperEngine {
    WhisperEngine::load(&model_paths(), WhisperConfig { workers, queue_capacity: queue, ..WhisperConfig::default() })
        .unwrap()
}

fn round_trip_sentences() -> Vec<String> {
    std::fs::read_to_string(repo_path("audio-fixtures/speech/round-trip-sentences.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn converted_tiny_en_transcribes_the_fixture_exactly() {
    // Both files our converter writes: f16 and Q8_0.
    for quantized in [false, true] {
        let config = WhisperConfig { workers: 1, quantized, ..WhisperConfig::default() };
        let engine = WhisperEngine::load(&model_paths(), config).unwrap();
        let transcript = engine
            .transcribe(Utterance::Pcm16k(fixture_pcm16k("kitchen-sink-piper-16k-pcm16.wav")), SttOptions::default())
            .await
            .unwrap();
        assert_eq!(
            normalize(&transcript.text),
            normalize("Please send a plumber to fix the kitchen sink."),
            "quantized: {quantized}"
        );
        assert!(transcript.audio > Duration::from_secs(2) && transcript.decode > Duration::ZERO);
    }
}

#[test]
fn missing_models_are_typed_errors_naming_file_and_fetch_command() {
    let empty = tempfile::tempdir().unwrap();
    let paths = ModelPaths::new(empty.path());
    let config = WhisperConfig { model: SttModel::Base, quantized: false, ..WhisperConfig::default() };
    let err = WhisperEngine::load(&paths, config).err().unwrap();
    assert!(matches!(err, SpeechError::ModelMissing { .. }));
    let msg = err.to_string();
    assert!(msg.contains("ggml-base.bin") && msg.contains("scripts/models/fetch.sh"), "{msg}");
    let err = WhisperEngine::load(&paths, WhisperConfig::default()).err().unwrap();
    assert!(err.to_string().contains("ggml-tiny.en-q8_0.bin"), "{err}");

    let err = PiperEngine::load(&paths, PiperConfig::default()).err().unwrap();
    let msg = err.to_string();
    assert!(msg.contains("libonnxruntime.so") && msg.contains("switchboard models fetch"), "{msg}");
}

#[tokio::test]
async fn more_requests_than_workers_all_complete_in_order() {
    // One worker, room for two waiting: six requests must queue, hold back
    // submitters (backpressure), and still all finish, first come first served.
    let engine = Arc::new(whisper(1, 2));
    let pcm = fixture_pcm16k("kitchen-sink-piper-16k-pcm16.wav");
    let finished = Arc::new(Mutex::new(Vec::new()));
    let max_depth = Arc::new(AtomicUsize::new(0));

    let sampler = {
        let (engine, max_depth) = (Arc::clone(&engine), Arc::clone(&max_depth));
        tokio::spawn(async move {
            loop {
                max_depth.fetch_max(engine.queue_depth(), Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let requests = (0..6).map(|i| {
        let (engine, finished, pcm) = (Arc::clone(&engine), Arc::clone(&finished), pcm.clone());
        async move {
            let t = engine.transcribe(Utterance::Pcm16k(pcm), SttOptions::default()).await.unwrap();
            finished.lock().unwrap().push(i);
            t
        }
    });
    let transcripts = tokio::time::timeout(Duration::from_secs(120), join_all(requests)).await.expect("deadlock");
    sampler.abort();

    assert_eq!(*finished.lock().unwrap(), (0..6).collect::<Vec<_>>());
    for t in &transcripts {
        assert_eq!(normalize(&t.text), normalize("Please send a plumber to fix the kitchen sink."));
    }
    assert!(max_depth.load(Ordering::SeqCst) >= 3, "queue depth gauge never showed the backlog");
    assert!(transcripts[5].queued > transcripts[0].queued, "later requests waited longer");
    assert_eq!(engine.queue_depth(), 0);
}

#[tokio::test]
async fn two_workers_share_a_burst_without_deadlock() {
    let engine = Arc::new(whisper(2, 1));
    let pcm = fixture_pcm16k("kitchen-sink-piper-16k-pcm16.wav");
    let requests = (0..5).map(|_| {
        let (engine, pcm) = (Arc::clone(&engine), pcm.clone());
        async move { engine.transcribe(Utterance::Pcm16k(pcm), SttOptions::default()).await }
    });
    let results = tokio::time::timeout(Duration::from_secs(120), join_all(requests)).await.expect("deadlock");
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|t| t.text.contains("kitchen sink"))), "{results:?}");
}

#[tokio::test]
async fn try_transcribe_sheds_load_when_the_queue_is_full() {
    let engine = Arc::new(whisper(1, 1));
    let pcm = fixture_pcm16k("kitchen-sink-piper-16k-pcm16.wav");
    let attempts = (0..6).map(|_| {
        let (engine, pcm) = (Arc::clone(&engine), pcm.clone());
        async move { engine.try_transcribe(Utterance::Pcm16k(pcm), SttOptions::default()).await }
    });
    let results = join_all(attempts).await;
    let busy = results.iter().filter(|r| matches!(r, Err(SpeechError::Busy { .. }))).count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert!(busy >= 3 && ok >= 1 && busy + ok == 6, "busy {busy}, ok {ok}: {results:?}");
}

#[tokio::test]
async fn first_sentence_arrives_before_the_rest_are_synthesised() {
    let tts = PiperEngine::load(&model_paths(), PiperConfig::default()).unwrap();
    let started = Instant::now();
    let mut stream = tts
        .stream(
            "Thanks for calling Acme Plumbing. I can book a visit for tomorrow morning or Thursday afternoon. \
             Which would you prefer?",
            AudioFormat::MuLaw8k,
        )
        .await
        .unwrap();
    let mut arrivals = Vec::new();
    while let Some(chunk) = stream.recv().await {
        let chunk = chunk.unwrap();
        arrivals.push((started.elapsed(), chunk));
    }
    assert_eq!(arrivals.len(), 3);
    let (first_at, first) = &arrivals[0];
    let (last_at, last) = &arrivals[2];
    assert!(first.index == 0 && !first.last && last.last);
    // The first chunk was delivered before the remaining sentences' synthesis
    // could have finished: at least the later synthesis time separates them.
    let later_work = arrivals[1].1.synthesis + last.synthesis;
    assert!(*last_at >= *first_at + later_work.mul_f32(0.8), "first {first_at:?}, last {last_at:?}");
    match &first.audio {
        ChunkAudio::MuLaw8k(bytes) => assert!(bytes.len() > 8000, "first sentence shorter than 1 s"),
        other => panic!("wrong format {other:?}"),
    }
}

#[tokio::test]
async fn fixed_prompts_are_synthesised_once_per_voice_key() {
    let tts = PiperEngine::load(&model_paths(), PiperConfig::default()).unwrap();
    let first = tts.prompt("acme/joe", "One moment please.").await.unwrap();
    let started = Instant::now();
    let again = tts.prompt("acme/joe", "One moment please.").await.unwrap();
    assert!(Arc::ptr_eq(&first, &again));
    assert!(started.elapsed() < Duration::from_millis(50), "cache hit took {:?}", started.elapsed());
    assert!(first.len() > 4000, "prompt audio is {} bytes", first.len());
    let other = tts.prompt("bobs/joe", "One moment please.").await.unwrap();
    assert!(!Arc::ptr_eq(&first, &other));
    assert_eq!(tts.cached_prompts(), 2);
}

#[tokio::test]
async fn dropping_a_stream_stops_it_and_the_engine_keeps_working() {
    let tts = PiperEngine::load(&model_paths(), PiperConfig { workers: 1, ..PiperConfig::default() }).unwrap();
    let long = "This is sentence one. ".repeat(12);
    let mut stream = tts.stream(&long, AudioFormat::MuLaw8k).await.unwrap();
    let first = stream.recv().await.unwrap().unwrap();
    assert_eq!(first.index, 0);
    drop(stream); // barge-in
    let started = Instant::now();
    let chunks = synthesize_all(&tts, "Go ahead.", AudioFormat::MuLaw8k).await.unwrap();
    assert_eq!(chunks.len(), 1);
    // The abandoned reply had 11 more sentences like the first (~11x its
    // synthesis time); the worker dropped them instead of finishing them
    // first. (Relative to the measured synthesis time, so load cannot flake it.)
    let waited = started.elapsed();
    assert!(waited < first.synthesis * 5, "waited {waited:?}; one sentence takes {:?}", first.synthesis);
}

#[tokio::test]
async fn spoken_pieces_are_remembered_and_warming_makes_replies_instant() {
    let tts = PiperEngine::load(&model_paths(), PiperConfig { workers: 1, ..PiperConfig::default() }).unwrap();
    let reply = "Okay. What's the address for the visit?";
    let first = synthesize_all(&tts, reply, AudioFormat::MuLaw8k).await.unwrap();
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|c| c.synthesis > Duration::ZERO));
    let started = Instant::now();
    let again = synthesize_all(&tts, reply, AudioFormat::MuLaw8k).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(20), "cached reply took {:?}", started.elapsed());
    assert!(again.iter().all(|c| c.synthesis == Duration::ZERO));
    assert_eq!(first.iter().map(|c| &c.audio).collect::<Vec<_>>(), again.iter().map(|c| &c.audio).collect::<Vec<_>>());
    // The sentence keeps its pause only where another follows it.
    assert!(
        matches!((&first[0].audio, &first[1].audio), (ChunkAudio::MuLaw8k(a), ChunkAudio::MuLaw8k(_)) if a.len() > 1600)
    );

    // Warmed lines: a reply opening with one gets that sentence at once and
    // only the rest is synthesised.
    let lines = vec!["Sorry, that time was just taken.".to_string()];
    assert_eq!(tts.warm(&lines).await, 1);
    let mixed =
        synthesize_all(&tts, "Sorry, that time was just taken. Tuesday at nine is still free.", AudioFormat::MuLaw8k)
            .await
            .unwrap();
    assert_eq!(mixed[0].synthesis, Duration::ZERO, "{:?}", mixed[0].sentence);
    assert!(mixed.last().unwrap().synthesis > Duration::ZERO);
    let (hits, misses) = tts.piece_cache_stats();
    assert!(hits >= 3 && misses >= 3, "hits {hits}, misses {misses}");
}

#[tokio::test]
async fn deterministic_synthesis_repeats_exactly() {
    let config = PiperConfig { workers: 1, deterministic: true, ..PiperConfig::default() };
    let tts = PiperEngine::load(&model_paths(), config).unwrap();
    // 16-bit PCM is never cached: both runs are real syntheses.
    let a = synthesize_all(&tts, "Is the visit at 12 Oak Street?", AudioFormat::Pcm16).await.unwrap();
    let b = synthesize_all(&tts, "Is the visit at 12 Oak Street?", AudioFormat::Pcm16).await.unwrap();
    assert!(a[0].synthesis > Duration::ZERO && b[0].synthesis > Duration::ZERO);
    assert_eq!(a[0].audio, b[0].audio);
    let sampled = PiperEngine::load(&model_paths(), PiperConfig { workers: 1, ..PiperConfig::default() }).unwrap();
    let c = synthesize_all(&sampled, "Is the visit at 12 Oak Street?", AudioFormat::Pcm16).await.unwrap();
    let d = synthesize_all(&sampled, "Is the visit at 12 Oak Street?", AudioFormat::Pcm16).await.unwrap();
    assert_ne!(c[0].audio, d[0].audio, "the voice's own sampling noise varies every run");
}

#[tokio::test]
async fn phone_band_round_trip_keeps_the_words() {
    let paths = model_paths();
    // Deterministic voice: the same audio every run, so the score is a
    // property of the engines, not of the sampled noise.
    let tts = PiperEngine::load(&paths, PiperConfig { deterministic: true, ..PiperConfig::default() }).unwrap();
    let stt = WhisperEngine::load(&paths, WhisperConfig::default()).unwrap();
    let mut total = 0.0;
    let sentences = round_trip_sentences();
    let mut report = String::new();
    for sentence in &sentences {
        let mut phone = Vec::new();
        for chunk in synthesize_all(&tts, sentence, AudioFormat::MuLaw8k).await.unwrap() {
            let ChunkAudio::MuLaw8k(bytes) = chunk.audio else { panic!("wrong format") };
            phone.extend_from_slice(&bytes);
        }
        let heard = stt.transcribe(Utterance::MuLaw8k(phone), SttOptions::default()).await.unwrap();
        let accuracy = word_accuracy(sentence, &heard.text);
        total += accuracy;
        report.push_str(&format!("{accuracy:.2}  {sentence}  =>  {}\n", heard.text));
    }
    let mean = total / sentences.len() as f64;
    eprintln!("{report}mean word accuracy {mean:.3}");
    assert!(mean >= ROUND_TRIP_MIN_ACCURACY, "mean word accuracy {mean:.3} < {ROUND_TRIP_MIN_ACCURACY}\n{report}");
}

#[test]
fn cli_say_then_transcribe() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reply.wav");
    let models = model_paths().models_dir().to_path_buf();
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let status = std::process::Command::new(bin)
        .args(["say", "Your appointment is confirmed for Monday.", "-o"])
        .arg(&out)
        .env("MODELS_DIR", &models)
        .status()
        .unwrap();
    assert!(status.success());
    let audio = wav::read(&out).unwrap();
    assert_eq!(audio.sample_rate, 8000);
    let output =
        std::process::Command::new(bin).arg("transcribe").arg(&out).env("MODELS_DIR", &models).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(word_accuracy("Your appointment is confirmed for Monday.", &text) >= 0.8, "{text}");
}
