//! Configuration from the environment (and an optional `.env` file).
//!
//! Every setting has exactly one name. The old Python service accepted
//! synonyms (`OWNER_DASHBOARD_TOKEN` / `DASHBOARD_OWNER_TOKEN`); we do not, and
//! we refuse to start when a retired name is set so nobody is surprised by a
//! setting that silently does nothing.
//!
//! Validation collects *every* problem before failing, so an operator fixes a
//! broken deployment in one pass instead of one restart per mistake.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Deployment stage. `staging` and `prod` refuse unsafe settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Dev,
    Staging,
    Prod,
}

impl Environment {
    pub fn is_production_like(self) -> bool {
        matches!(self, Environment::Staging | Environment::Prod)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Which Whisper model the speech-to-text engine loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SttModel {
    TinyEn,
    Base,
}

impl SttModel {
    pub fn name(self) -> &'static str {
        match self {
            SttModel::TinyEn => "tiny.en",
            SttModel::Base => "base",
        }
    }
}

/// Validated settings. Secrets are kept out of `Debug` output.
#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: String,
    pub redis_url: Option<String>,
    /// Externally visible base URL (no trailing slash), e.g. `https://sb.example.com`.
    pub public_base_url: String,
    pub admin_api_key: Option<String>,
    pub twilio_account_sid: Option<String>,
    pub twilio_auth_token: Option<String>,
    /// Base URL of Twilio's REST API; only tests point it elsewhere.
    pub twilio_api_base: String,
    pub environment: Environment,
    pub log_format: LogFormat,
    pub models_dir: PathBuf,
    pub stt_model: SttModel,
    /// Where call recordings are written (`<tenant_id>/<call_id>.opus`).
    pub recordings_dir: PathBuf,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Whole-request timeout for ordinary HTTP calls (not WebSockets).
    pub request_timeout_ms: u64,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = |s: &Option<String>| if s.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("public_base_url", &self.public_base_url)
            .field("admin_api_key", &secret(&self.admin_api_key))
            .field("twilio_account_sid", &self.twilio_account_sid)
            .field("twilio_auth_token", &secret(&self.twilio_auth_token))
            .field("environment", &self.environment)
            .field("log_format", &self.log_format)
            .field("models_dir", &self.models_dir)
            .field("stt_model", &self.stt_model)
            .field("recordings_dir", &self.recordings_dir)
            .finish_non_exhaustive()
    }
}

/// Every problem found in the environment, one line each.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

/// Names the old service used that we deliberately do not read.
const RETIRED_NAMES: &[(&str, &str)] = &[
    ("OWNER_DASHBOARD_TOKEN", "owner tokens are per tenant now: see POST /v1/admin/businesses/{id}/rotate-credentials"),
    ("DASHBOARD_OWNER_TOKEN", "owner tokens are per tenant now: see POST /v1/admin/businesses/{id}/rotate-credentials"),
    ("REQUIRE_BUSINESS_API_KEY", "every tenant call always needs its own X-Api-Key; nothing to configure"),
];

impl Config {
    /// Reads `.env` (if present) and the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_map(&std::env::vars().collect())
    }

    /// Parses and validates settings from a name -> value map (testable without
    /// touching the process environment).
    pub fn from_map(env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut errors = Vec::new();
        let get = |k: &str| env.get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

        for (old, hint) in RETIRED_NAMES {
            if get(old).is_some() {
                errors.push(format!("{old} is not read by Switchboard ({hint})"));
            }
        }

        let addr = get("SWITCHBOARD_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let addr = addr.parse::<SocketAddr>().unwrap_or_else(|_| {
            errors.push(format!("SWITCHBOARD_ADDR: {addr:?} is not a host:port socket address"));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });

        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/switchboard.db".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            errors.push("DATABASE_URL: must start with sqlite:, postgres:// or postgresql://".into());
        }

        let redis_url = get("REDIS_URL");
        if let Some(url) = &redis_url
            && !(url.starts_with("redis://") || url.starts_with("rediss://"))
        {
            errors.push("REDIS_URL: must start with redis:// or rediss://".into());
        }

        let environment = match get("ENVIRONMENT").as_deref().unwrap_or("dev") {
            "dev" => Environment::Dev,
            "staging" => Environment::Staging,
            "prod" => Environment::Prod,
            other => {
                errors.push(format!("ENVIRONMENT: {other:?} is not one of dev, staging, prod"));
                Environment::Dev
            }
        };

        let log_format = match get("LOG_FORMAT").as_deref().unwrap_or("pretty") {
            "pretty" => LogFormat::Pretty,
            "json" => LogFormat::Json,
            other => {
                errors.push(format!("LOG_FORMAT: {other:?} is not one of pretty, json"));
                LogFormat::Pretty
            }
        };

        let stt_model = match get("STT_MODEL").as_deref().unwrap_or("tiny.en") {
            "tiny.en" => SttModel::TinyEn,
            "base" | "base.en" => SttModel::Base,
            other => {
                errors.push(format!("STT_MODEL: {other:?} is not one of tiny.en, base"));
                SttModel::TinyEn
            }
        };

        let public_base_url =
            get("PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://{addr}")).trim_end_matches('/').to_string();
        if !(public_base_url.starts_with("https://") || public_base_url.starts_with("http://")) {
            errors.push("PUBLIC_BASE_URL: must be an http:// or https:// URL".into());
        }

        let mut number = |name: &str, default: u64, min: u64, max: u64| -> u64 {
            match get(name) {
                None => default,
                Some(raw) => match raw.parse::<u64>() {
                    Ok(v) if (min..=max).contains(&v) => v,
                    _ => {
                        errors.push(format!("{name}: expected a whole number from {min} to {max}, got {raw:?}"));
                        default
                    }
                },
            }
        };
        let max_body_bytes = number("MAX_BODY_BYTES", 256 * 1024, 1024, 64 * 1024 * 1024) as usize;
        let request_timeout_ms = number("REQUEST_TIMEOUT_MS", 15_000, 100, 600_000);

        let config = Config {
            addr,
            database_url,
            redis_url,
            public_base_url,
            admin_api_key: get("ADMIN_API_KEY"),
            twilio_account_sid: get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token: get("TWILIO_AUTH_TOKEN"),
            twilio_api_base: get("TWILIO_API_BASE").unwrap_or_else(|| "https://api.twilio.com".into()),
            environment,
            log_format,
            models_dir: PathBuf::from(get("MODELS_DIR").unwrap_or_else(|| "models".into())),
            stt_model,
            recordings_dir: PathBuf::from(get("RECORDINGS_DIR").unwrap_or_else(|| "data/recordings".into())),
            max_body_bytes,
            request_timeout_ms,
        };
        errors.extend(config.production_safety_problems());
        if errors.is_empty() { Ok(config) } else { Err(ConfigError(errors)) }
    }

    /// Settings that are fine on a laptop and dangerous on the internet.
    fn production_safety_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.environment.is_production_like() {
            return problems;
        }
        let env = if self.environment == Environment::Prod { "prod" } else { "staging" };
        if self.admin_api_key.as_deref().is_none_or(|k| k.len() < 24) {
            problems.push(format!("ADMIN_API_KEY: must be set to at least 24 characters in {env}"));
        }
        if self.twilio_auth_token.is_none() {
            problems.push(format!(
                "TWILIO_AUTH_TOKEN: must be set in {env}; without it Twilio webhooks cannot be verified"
            ));
        }
        if self.twilio_account_sid.is_none() {
            problems.push(format!("TWILIO_ACCOUNT_SID: must be set in {env}"));
        }
        if !self.public_base_url.starts_with("https://") {
            problems.push(format!(
                "PUBLIC_BASE_URL: must be the public https:// URL in {env} (webhook signatures are computed over it)"
            ));
        }
        problems
    }

    /// Whether Twilio requests must carry a valid signature. True whenever a
    /// token is configured, in every environment.
    pub fn verify_twilio_signatures(&self) -> bool {
        self.twilio_auth_token.is_some()
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &creds[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_embedded_and_local() {
        let c = Config::from_map(&env(&[])).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://data/switchboard.db");
        assert!(c.redis_url.is_none());
        assert_eq!(c.environment, Environment::Dev);
        assert_eq!(c.recordings_dir, PathBuf::from("data/recordings"));
        assert!(!c.verify_twilio_signatures());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = Config::from_map(&env(&[
            ("SWITCHBOARD_ADDR", "nope"),
            ("LOG_FORMAT", "xml"),
            ("DATABASE_URL", "mysql://x"),
        ]))
        .unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
        assert!(err.to_string().contains("SWITCHBOARD_ADDR"));
        assert!(err.to_string().contains("LOG_FORMAT"));
        assert!(err.to_string().contains("DATABASE_URL"));
    }

    #[test]
    fn prod_refuses_unsafe_settings_and_names_each() {
        let err = Config::from_map(&env(&[("ENVIRONMENT", "prod")])).unwrap_err().to_string();
        for name in ["ADMIN_API_KEY", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL"] {
            assert!(err.contains(name), "missing {name} in {err}");
        }
    }

    #[test]
    fn prod_starts_with_safe_settings() {
        let c = Config::from_map(&env(&[
            ("ENVIRONMENT", "prod"),
            ("ADMIN_API_KEY", "a-very-long-admin-key-0123456789"),
            ("TWILIO_ACCOUNT_SID", "AC123"),
            ("TWILIO_AUTH_TOKEN", "secret"),
            ("PUBLIC_BASE_URL", "https://sb.example.com/"),
        ]))
        .unwrap();
        assert!(c.verify_twilio_signatures());
        assert_eq!(c.public_base_url, "https://sb.example.com");
    }

    #[test]
    fn retired_synonyms_are_refused() {
        let err = Config::from_map(&env(&[("DASHBOARD_OWNER_TOKEN", "x")])).unwrap_err();
        assert!(err.to_string().contains("DASHBOARD_OWNER_TOKEN is not read"));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = Config::from_map(&env(&[("ADMIN_API_KEY", "topsecret"), ("DATABASE_URL", "postgres://me:pw@db/x")]))
            .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("topsecret") && !shown.contains(":pw@"), "{shown}");
    }
}
