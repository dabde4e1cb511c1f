//! Wall and CPU time of Whisper on one WAV file, for a given thread count.
//! Run it with high priority to approximate an idle machine:
//!
//!     nice -n -19 target/debug/examples/stt_latency FILE.wav THREADS [RUNS] [base]

use std::time::Duration;

use switchboard::config::SttModel;
use switchboard::speech::stt::{SpeechToText, SttOptions, Utterance, WhisperConfig, WhisperEngine};
use switchboard::speech::{ModelPaths, SpeechError, resample, wav};

#[tokio::main]
async fn main() -> Result<(), SpeechError> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(threads)) = (args.get(1), args.get(2).and_then(|t| t.parse().ok())) else {
        eprintln!("usage: stt_latency FILE.wav THREADS [RUNS] [base]");
        std::process::exit(2);
    };
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(5);
    let model = if args.iter().any(|a| a == "base") { SttModel::Base } else { SttModel::TinyEn };
    let audio = wav::read(std::path::Path::new(file))?;
    let pcm = resample::resample(&audio.samples, audio.sample_rate, 16_000)?;
    let paths = ModelPaths::new(std::env::var("MODELS_DIR").unwrap_or_else(|_| "models".into()));
    let config = WhisperConfig { model, workers: 1, threads_per_worker: threads, ..WhisperConfig::default() };
    let engine = WhisperEngine::load(&paths, config)?;
    let mut walls: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let t = engine.transcribe(Utterance::Pcm16k(pcm.clone()), SttOptions::default()).await?;
        println!(
            "{:6.0} ms wall {:6.0} ms decoder-thread CPU  {}",
            t.decode.as_secs_f64() * 1e3,
            t.cpu.as_secs_f64() * 1e3,
            t.text
        );
        walls.push(t.decode);
    }
    walls.sort();
    println!(
        "median wall {:.0} ms over {runs} runs ({} thread(s), {})",
        walls[runs / 2].as_secs_f64() * 1e3,
        threads,
        model.name()
    );
    Ok(())
}
