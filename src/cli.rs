//! Command-line interface of the `switchboard` binary.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about = "AI phone receptionist and CRM for trades businesses")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP/WebSocket server (applies pending migrations first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create (or refresh) the demo tenant "Acme Plumbing" with sample CRM data.
    SeedDemo {
        /// Print the demo credentials as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print the transcript of a WAV file (same Whisper engine and settings as the server).
    Transcribe(crate::speech::cli::TranscribeArgs),
    /// Speak TEXT into a WAV file (8 kHz mu-law, or 16-bit PCM with --pcm16).
    Say(crate::speech::cli::SayArgs),
    /// Manage the local speech models in MODELS_DIR.
    #[command(subcommand)]
    Models(crate::speech::cli::ModelsCommand),
    /// Print the OpenAPI document (JSON, or the Markdown API reference).
    Openapi {
        #[arg(long)]
        markdown: bool,
    },
    /// Simulated Twilio callers: turn latency, accuracy and capacity reports.
    Harness(Box<crate::harness::cli::HarnessArgs>),
}
