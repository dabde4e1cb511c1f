//! `switchboard harness`: simulated Twilio callers against a real server,
//! measuring how fast and how accurately calls are answered.
//!
//! ```text
//! manifest (fixtures) -> callers (media_client, real WebSocket, real time)
//!     -> target: spawned `switchboard serve` | running server (signed webhook,
//!        TwiML, REST read-back) | in-process pipeline (CRM in memory)
//!     -> per-turn records (client latency + server stages + WER + intent)
//!        and the CRM effect per call
//!     -> stats (hdrhistogram) -> report (JSON, Markdown, SVG plots)
//! ```
//!
//! Everything timed here is wall-clock on a real socket: the harness paces
//! caller audio at 20 ms per frame and plays agent audio back at 20 ms per
//! frame (echoing marks, honouring `clear`) exactly as Twilio does, so the
//! numbers are what a caller would experience minus the PSTN.

pub mod brain;
pub mod caller;
pub mod cli;
pub mod fake_rest;
pub mod manifest;
pub mod media_client;
pub mod normalize;
pub mod plot;
pub mod procstat;
pub mod remote;
pub mod report;
pub mod run;
pub mod server;
pub mod spawn;
pub mod stats;
pub mod target;
pub mod wer;

/// Failures of a harness run (not of the system under test: those are
/// recorded as results).
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("manifest {path}: {message}")]
    Manifest { path: String, message: String },
    #[error("fixture {path}: {message}")]
    Fixture { path: String, message: String },
    #[error("cannot start the server: {0}")]
    Server(String),
    #[error("cannot write {path}: {source}")]
    Output { path: String, source: std::io::Error },
    #[error("{0}")]
    Usage(String),
}
