//! Measures Whisper accuracy and latency on the phone-band round-trip set
//! (audio-fixtures/speech/round-trip-sentences.txt spoken by Piper, sent as
//! 8 kHz mu-law) for several decoder settings. Results: docs/benchmarks.md.
//!
//!     cargo run --example stt_accuracy            # tiny.en settings
//!     cargo run --example stt_accuracy -- base    # also Whisper base (needs STT_MODEL=base fetch)
//!     cargo run --example stt_accuracy -- quick --also DIR   # default vs the tiny.en model in DIR/whisper

use std::time::Duration;

use switchboard::config::SttModel;
use switchboard::speech::stt::{SpeechToText, SttOptions, Utterance, WhisperConfig, WhisperEngine};
use switchboard::speech::tts::{AudioFormat, ChunkAudio, PiperConfig, PiperEngine, synthesize_all};
use switchboard::speech::{ModelPaths, SpeechError};

/// Vocabulary a tenant would configure: business name and services.
const TENANT_PROMPT: &str = "Acme Plumbing. Water heater repair, tankless water heaters, drain cleaning, \
                             sump pumps, gas line repair, burst pipes, leaks.";

fn words(text: &str) -> Vec<String> {
    let cleaned: String = text
        .to_lowercase()
        .chars()
        .filter(|c| *c != '\'' && *c != '.')
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().map(str::to_string).collect()
}

fn accuracy(reference: &str, heard: &str) -> f64 {
    let (r, h) = (words(reference), words(heard));
    (1.0 - strsim::generic_levenshtein(&r, &h) as f64 / r.len().max(1) as f64).max(0.0)
}

#[tokio::main]
async fn main() -> Result<(), SpeechError> {
    let args: Vec<String> = std::env::args().collect();
    let with_base = args.iter().any(|a| a == "base");
    let quick = args.iter().any(|a| a == "quick");
    let also = args.iter().position(|a| a == "--also").and_then(|i| args.get(i + 1)).map(ModelPaths::new);
    let paths = ModelPaths::new(std::env::var("MODELS_DIR").unwrap_or_else(|_| "models".into()));
    let sentences: Vec<String> =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/audio-fixtures/speech/round-trip-sentences.txt"))
            .map_err(|e| SpeechError::Io { path: "round-trip-sentences.txt".into(), source: e })?
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();

    let tts = PiperEngine::load(&paths, PiperConfig::default())?;
    let mut phone = Vec::new();
    for sentence in &sentences {
        let mut bytes = Vec::new();
        for chunk in synthesize_all(&tts, sentence, AudioFormat::MuLaw8k).await? {
            if let ChunkAudio::MuLaw8k(b) = chunk.audio {
                bytes.extend_from_slice(&b);
            }
        }
        phone.push(bytes);
    }
    drop(tts);

    let base = WhisperConfig { workers: 1, ..WhisperConfig::default() };
    let mut configs: Vec<(String, WhisperConfig, bool)> = if quick {
        vec![("tiny.en default (trim+32, ts, guard)".into(), base.clone(), false)]
    } else {
        vec![
            ("tiny.en default (trim+32, ts, guard)".into(), base.clone(), false),
            ("tiny.en default + tenant prompt".into(), base.clone(), true),
            ("tiny.en f16 (not quantised)".into(), WhisperConfig { quantized: false, ..base.clone() }, false),
            ("tiny.en flash attention".into(), WhisperConfig { flash_attention: true, ..base.clone() }, false),
            ("tiny.en trim+64".into(), WhisperConfig { audio_ctx_margin: 64, ..base.clone() }, false),
            ("tiny.en trim+128".into(), WhisperConfig { audio_ctx_margin: 128, ..base.clone() }, false),
            ("tiny.en no timestamps".into(), WhisperConfig { timestamps: false, ..base.clone() }, false),
            ("tiny.en no repetition guard".into(), WhisperConfig { repetition_guard: false, ..base.clone() }, false),
            ("tiny.en full 30 s window".into(), WhisperConfig { trim_audio_ctx: false, ..base.clone() }, false),
        ]
    };
    if let Some(dir) = &also {
        configs.push((format!("tiny.en from {}", dir.models_dir().display()), base.clone(), false));
    }
    if with_base {
        let b = WhisperConfig { model: SttModel::Base, ..base.clone() };
        configs.push(("base default".into(), b.clone(), false));
        configs.push(("base default + tenant prompt".into(), b.clone(), true));
        configs.push(("base full 30 s window".into(), WhisperConfig { trim_audio_ctx: false, ..b }, false));
    }

    println!("| settings | mean word accuracy | exact | decode wall p50 | wall max | decoder CPU p50 |");
    println!("|---|---|---|---|---|---|");
    for (name, config, prompt) in configs {
        let source = if name.starts_with("tiny.en from ") { also.as_ref().unwrap_or(&paths) } else { &paths };
        let engine = WhisperEngine::load(source, config)?;
        let options = SttOptions { initial_prompt: prompt.then(|| TENANT_PROMPT.to_string()), ..Default::default() };
        let mut scores = Vec::new();
        let mut times: Vec<Duration> = Vec::new();
        let mut cpu: Vec<Duration> = Vec::new();
        for (sentence, audio) in sentences.iter().zip(&phone) {
            let t = engine.transcribe(Utterance::MuLaw8k(audio.clone()), options.clone()).await?;
            let score = accuracy(sentence, &t.text);
            if score < 1.0 {
                eprintln!("  [{name}] {score:.2} {sentence:?} => {:?}", t.text);
            }
            scores.push(score);
            times.push(t.decode);
            cpu.push(t.cpu);
        }
        times.sort();
        cpu.sort();
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        let exact = scores.iter().filter(|s| **s >= 1.0).count();
        println!(
            "| {name} | {mean:.3} | {exact}/{} | {:.0} ms | {:.0} ms | {:.0} ms |",
            scores.len(),
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0,
            cpu[cpu.len() / 2].as_secs_f64() * 1000.0
        );
    }
    Ok(())
}
