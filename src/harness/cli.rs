//! `switchboard harness ...`: arguments and the entry point.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::HarnessError;
use super::manifest::Manifest;
use super::report::Report;
use super::run::{Bench, rss_per_stream};
use super::server::{EngineOptions, InProcessServer};
use crate::config::SttModel;
use crate::telephony::ports::CallSettings;

#[derive(Debug, Args)]
pub struct HarnessArgs {
    #[command(subcommand)]
    pub mode: Mode,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Every call plan in the manifest once: latency and accuracy per voice and condition.
    Matrix {
        /// Simultaneous callers.
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
    },
    /// 1, 2, 4, ... simultaneous callers until p95 turn latency passes --limit-ms.
    Sweep {
        #[arg(long, default_value_t = 32)]
        max_callers: usize,
        /// Calls each caller places per level.
        #[arg(long, default_value_t = 1)]
        rounds: usize,
        #[arg(long, default_value_t = 1500.0)]
        limit_ms: f64,
    },
    /// N streams that never speak: CPU and RSS per stream, memory per added call.
    Listen {
        /// Stream counts to measure, e.g. 1,8,16,32.
        #[arg(long, value_delimiter = ',', default_value = "1,8,16,32")]
        streams: Vec<usize>,
        /// Measurement window per level.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SttChoice {
    #[value(name = "tiny.en")]
    TinyEn,
    Base,
}

#[derive(Debug, Args)]
pub struct Common {
    /// Fixture manifest (audio-fixtures/generate.py writes it).
    #[arg(long, global = true, default_value = "audio-fixtures/manifest.json")]
    pub manifest: PathBuf,
    /// Only fixtures whose id contains one of these (repeatable).
    #[arg(long, global = true)]
    pub filter: Vec<String>,
    /// Output folder for results.json, report.md and the plots.
    #[arg(long, global = true, default_value = "harness-out")]
    pub out: PathBuf,
    /// Exit with status 2 when p95 turn latency exceeds this.
    #[arg(long, global = true)]
    pub p95_ms: Option<f64>,
    /// Delay between call starts.
    #[arg(long, global = true, default_value_t = 250)]
    pub stagger_ms: u64,
    #[arg(long, global = true, env = "MODELS_DIR", default_value = "models")]
    pub models_dir: PathBuf,
    #[arg(long, global = true, value_enum, default_value = "tiny.en")]
    pub stt_model: SttChoice,
    /// Whisper decoders (the server runs 2 x 1 thread for calls).
    #[arg(long, global = true, default_value_t = 2)]
    pub stt_workers: usize,
    #[arg(long, global = true, default_value_t = 1)]
    pub stt_threads: usize,
    #[arg(long, global = true, default_value_t = 1)]
    pub tts_workers: usize,
    /// Call-task worker threads in the server.
    #[arg(long, global = true, default_value_t = 2)]
    pub call_threads: usize,
    /// Longest wait for the agent's reply to one caller turn, in seconds.
    #[arg(long, global = true, default_value_t = 30.0)]
    pub reply_timeout_s: f64,
    /// Silence that ends a caller's turn (the server's endpointing setting).
    #[arg(long, global = true)]
    pub end_silence_ms: Option<u32>,
}

/// Runs the harness; `Ok(false)` when the p95 budget was exceeded.
pub async fn run(args: HarnessArgs, command_line: String) -> Result<bool, HarnessError> {
    let c = &args.common;
    let mut manifest = Manifest::load(&c.manifest)?;
    manifest.filter(&c.filter);
    let plans = manifest.calls();
    if plans.is_empty() {
        return Err(HarnessError::Usage(format!("no fixture matches {:?}", c.filter)));
    }
    let mut settings = CallSettings::default();
    if let Some(ms) = c.end_silence_ms {
        settings.endpoint.end_silence_ms = ms;
    }
    let stt_model = match c.stt_model {
        SttChoice::TinyEn => SttModel::TinyEn,
        SttChoice::Base => SttModel::Base,
    };
    let options = EngineOptions {
        models_dir: c.models_dir.clone(),
        stt_model,
        stt_workers: c.stt_workers,
        stt_threads: c.stt_threads,
        tts_workers: c.tts_workers,
        call_threads: c.call_threads,
    };
    eprintln!("[harness] loading models from {} ...", c.models_dir.display());
    let server = Arc::new(InProcessServer::start(&options, settings.clone()).await?);
    let description = format!(
        "in-process (Media Streams route, call pipeline, Whisper {} {} worker(s) x {} thread(s), Piper x{}, assistant policy; CRM in memory), end silence {} ms",
        stt_model.name(),
        c.stt_workers,
        c.stt_threads,
        c.tts_workers,
        settings.endpoint.end_silence_ms
    );
    let mut bench = Bench::new(server, manifest, Duration::from_millis(c.stagger_ms));
    bench.reply_timeout = Duration::from_secs_f64(c.reply_timeout_s);
    let bench = Arc::new(bench);

    let mut report = match &args.mode {
        Mode::Matrix { concurrency } => {
            let calls = bench.calls(&plans, *concurrency, "matrix").await;
            Report::new(command_line, description, calls)
        }
        Mode::Sweep { max_callers, rounds, limit_ms } => {
            let levels = bench.sweep(&plans, *max_callers, *rounds, *limit_ms).await;
            let mut report = Report::new(command_line, description, Vec::new());
            report.sweep = levels;
            report
        }
        Mode::Listen { streams, seconds } => {
            let mut levels = Vec::new();
            for &n in streams {
                eprintln!("[listen] {n} streams for {seconds} s");
                levels.push(bench.listen(n, *seconds).await);
            }
            let mut report = Report::new(command_line, description, Vec::new());
            report.rss_mb_per_stream = rss_per_stream(&levels);
            report.listen = levels;
            report
        }
    };
    let ok = match c.p95_ms {
        Some(budget) => report.check_budget(budget),
        None => true,
    };
    report.write(&c.out)?;
    eprintln!("[harness] wrote {}/report.md", c.out.display());
    print!("{}", report.markdown());
    Ok(ok)
}
