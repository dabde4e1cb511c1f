//! Logging set-up. Logs go to stderr in both formats, so stdout stays clean
//! for command output (`seed-demo --json`, `openapi`). Metrics live in `http::metrics`.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

/// Installs the global tracing subscriber. `RUST_LOG` overrides the default
/// filter (`info` for us, `warn` for our dependencies).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,switchboard=info,tower_http=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    // `try_init` so tests and repeated CLI calls in one process do not panic.
    let _ = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().with_writer(std::io::stderr)).try_init(),
    };
}
