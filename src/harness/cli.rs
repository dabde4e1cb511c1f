//! `switchboard harness ...`: arguments and the entry point.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::HarnessError;
use super::manifest::Manifest;
use super::remote::{RemoteOptions, RemoteServer};
use super::report::Report;
use super::run::{Bench, rss_per_stream};
use super::server::{EngineOptions, InProcessServer};
use super::spawn::{SpawnOptions, SpawnedServer};
use super::target::Target;
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
    /// What to measure: `spawn` (start this binary's `serve` on a free port
    /// with a fresh SQLite database and the demo tenant: the production path),
    /// `in-process` (the call pipeline with the CRM in memory, for profiling),
    /// or the base URL of a running server (`http://HOST:PORT`).
    #[arg(long, global = true, env = "HARNESS_TARGET", default_value = "spawn")]
    pub target: String,
    /// Remote: the server's PUBLIC_BASE_URL, which Twilio signatures are
    /// computed over (default: the target URL).
    #[arg(long, global = true, env = "HARNESS_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// Remote: the server's TWILIO_AUTH_TOKEN (signs the webhook and the upgrade).
    #[arg(long, global = true, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// Remote: the tenant's API key (call records and CRM read-back).
    #[arg(long, global = true, env = "SWITCHBOARD_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Remote: the tenant's phone number, the webhook's `To` (default: the demo tenant's).
    #[arg(long, global = true, env = "HARNESS_TO", default_value = crate::store::seed::DEMO_PHONE)]
    pub to: String,
    /// Remote (optional): ADMIN_API_KEY, to read the active-call gauge from /metrics.
    #[arg(long, global = true, env = "ADMIN_API_KEY", hide_env_values = true)]
    pub admin_api_key: Option<String>,
    /// Spawn: the server binary (default: this executable).
    #[arg(long, global = true)]
    pub server_bin: Option<PathBuf>,
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
    /// Whisper model (in-process and spawn; a remote server uses its own).
    #[arg(long, global = true, value_enum, default_value = "tiny.en")]
    pub stt_model: SttChoice,
    /// In-process: Whisper decoders (the server runs 2 x 1 thread for calls).
    #[arg(long, global = true, default_value_t = 2)]
    pub stt_workers: usize,
    /// In-process: CPU threads per Whisper decoder.
    #[arg(long, global = true, default_value_t = 1)]
    pub stt_threads: usize,
    /// In-process: Piper workers.
    #[arg(long, global = true, default_value_t = 1)]
    pub tts_workers: usize,
    /// In-process: call-task worker threads in the server.
    #[arg(long, global = true, default_value_t = 2)]
    pub call_threads: usize,
    /// Longest wait for the agent's reply to one caller turn, in seconds.
    #[arg(long, global = true, default_value_t = 30.0)]
    pub reply_timeout_s: f64,
    /// In-process: silence that ends a caller's turn (the server's endpointing setting).
    #[arg(long, global = true)]
    pub end_silence_ms: Option<u32>,
}

/// The server a run measures; a spawned one is stopped by the caller.
async fn target(c: &Common) -> Result<(Arc<dyn Target>, Option<SpawnedServer>), HarnessError> {
    let stt_model = match c.stt_model {
        SttChoice::TinyEn => SttModel::TinyEn,
        SttChoice::Base => SttModel::Base,
    };
    let remote_only = |what: &str| HarnessError::Usage(format!("--target {}: {what}", c.target));
    if c.target != "in-process" && c.end_silence_ms.is_some() {
        return Err(remote_only("--end-silence-ms applies to --target in-process only"));
    }
    match c.target.as_str() {
        "in-process" => {
            let mut settings = CallSettings::default();
            if let Some(ms) = c.end_silence_ms {
                settings.endpoint.end_silence_ms = ms;
            }
            let options = EngineOptions {
                models_dir: c.models_dir.clone(),
                stt_model,
                stt_workers: c.stt_workers,
                stt_threads: c.stt_threads,
                tts_workers: c.tts_workers,
                call_threads: c.call_threads,
            };
            eprintln!("[harness] loading models from {} ...", c.models_dir.display());
            Ok((Arc::new(InProcessServer::start(&options, settings).await?), None))
        }
        "spawn" => {
            let binary = match &c.server_bin {
                Some(path) => path.clone(),
                None => std::env::current_exe().map_err(|e| HarnessError::Server(e.to_string()))?,
            };
            let options =
                SpawnOptions { binary, models_dir: c.models_dir.clone(), stt_model, log: c.out.join("server.log") };
            eprintln!("[harness] starting {} serve (log {}) ...", options.binary.display(), options.log.display());
            let (server, remote) = SpawnedServer::start(&options).await?;
            Ok((Arc::new(remote), Some(server)))
        }
        url if url.starts_with("http://") || url.starts_with("https://") => {
            let (Some(auth_token), Some(api_key)) = (c.twilio_auth_token.clone(), c.api_key.clone()) else {
                return Err(remote_only("a running server needs --twilio-auth-token and --api-key"));
            };
            let options = RemoteOptions {
                target: url.trim_end_matches('/').to_string(),
                public_base_url: c.public_base_url.clone().unwrap_or_else(|| url.to_string()),
                auth_token,
                api_key,
                to: c.to.clone(),
                admin_api_key: c.admin_api_key.clone(),
            };
            Ok((Arc::new(RemoteServer::new(options)), None))
        }
        _ => Err(remote_only("expected spawn, in-process or an http(s):// URL")),
    }
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
    let (target, mut spawned) = target(c).await?;
    let info = target.info();
    let mut bench = Bench::new(target, manifest, Duration::from_millis(c.stagger_ms));
    bench.reply_timeout = Duration::from_secs_f64(c.reply_timeout_s);
    let bench = Arc::new(bench);

    let mut report = match &args.mode {
        Mode::Matrix { concurrency } => {
            let calls = bench.calls(&plans, *concurrency, "matrix").await;
            Report::new(command_line, info, calls)
        }
        Mode::Sweep { max_callers, rounds, limit_ms } => {
            let levels = bench.sweep(&plans, *max_callers, *rounds, *limit_ms).await;
            let mut report = Report::new(command_line, info, Vec::new());
            report.sweep = levels;
            report
        }
        Mode::Listen { streams, seconds } => {
            let mut levels = Vec::new();
            for &n in streams {
                eprintln!("[listen] {n} streams for {seconds} s");
                levels.push(bench.listen(n, *seconds).await);
            }
            let mut report = Report::new(command_line, info, Vec::new());
            report.rss_mb_per_stream = rss_per_stream(&levels);
            report.listen = levels;
            report
        }
    };
    if let Some(server) = &mut spawned {
        server.stop().await;
    }
    let ok = match c.p95_ms {
        Some(budget) => report.check_budget(budget),
        None => true,
    };
    report.write(&c.out)?;
    eprintln!("[harness] wrote {}/report.md", c.out.display());
    print!("{}", report.markdown());
    Ok(ok)
}
