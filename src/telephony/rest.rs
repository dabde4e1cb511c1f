//! Twilio REST client: the three calls the product makes.
//!
//! * transfer a live call: `POST /2010-04-01/Accounts/{AC}/Calls/{CA}.json`
//!   with `Twiml=<Response><Dial>..</Dial></Response>`;
//! * hang up a live call: same resource with `Status=completed`;
//! * send an SMS: `POST /2010-04-01/Accounts/{AC}/Messages.json` with `To`,
//!   `From`, `Body`.
//!
//! Form-encoded bodies, HTTP basic auth (account SID : auth token), JSON
//! answers. The base URL comes from `Config::twilio_api_base` so tests point
//! the client at a local fake Twilio. Nothing is retried: a retried SMS or
//! transfer is worse than a reported failure, and callers decide.

use std::time::Duration;

use serde::Deserialize;

use super::twiml;
use crate::config::Config;

/// Longest SMS body Twilio accepts.
pub const MAX_SMS_CHARS: usize = 1600;

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("Twilio REST is not configured (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)")]
    NotConfigured,
    #[error("invalid {0}")]
    InvalidArgument(&'static str),
    #[error("Twilio request failed: {0}")]
    Transport(String),
    #[error("Twilio answered {status}{}: {message}", code.map(|c| format!(" (code {c})")).unwrap_or_default())]
    Api { status: u16, code: Option<u32>, message: String },
    #[error("unexpected Twilio response: {0}")]
    Decode(String),
}

/// The parts of a Call resource we use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CallResource {
    pub sid: String,
    #[serde(default)]
    pub status: String,
}

/// The parts of a Message resource we use.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageResource {
    pub sid: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Deserialize)]
struct ApiError {
    code: Option<u32>,
    message: Option<String>,
}

#[derive(Clone)]
pub struct TwilioRest {
    http: reqwest::Client,
    base: String,
    account_sid: String,
    auth_token: String,
}

impl std::fmt::Debug for TwilioRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioRest").field("base", &self.base).field("account_sid", &self.account_sid).finish()
    }
}

impl TwilioRest {
    pub fn new(base: &str, account_sid: &str, auth_token: &str, timeout: Duration) -> Result<Self, RestError> {
        if !is_sid(account_sid, "AC") {
            return Err(RestError::InvalidArgument("account SID"));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RestError::Transport(e.to_string()))?;
        Ok(TwilioRest {
            http,
            base: base.trim_end_matches('/').to_string(),
            account_sid: account_sid.to_string(),
            auth_token: auth_token.to_string(),
        })
    }

    /// The client for the configured account, or `NotConfigured`.
    pub fn from_config(config: &Config) -> Result<Self, RestError> {
        match (&config.twilio_account_sid, &config.twilio_auth_token) {
            (Some(sid), Some(token)) => Self::new(&config.twilio_api_base, sid, token, Duration::from_secs(10)),
            _ => Err(RestError::NotConfigured),
        }
    }

    /// Replaces a live call's TwiML (what Twilio does next on that call).
    pub async fn update_call_twiml(&self, call_sid: &str, twiml: &str) -> Result<CallResource, RestError> {
        self.update_call(call_sid, &[("Twiml", twiml)]).await
    }

    /// Transfers a live call to `to` (the owner's phone).
    pub async fn transfer(&self, call_sid: &str, to: &str, caller_id: Option<&str>) -> Result<CallResource, RestError> {
        if !is_e164(to) || caller_id.is_some_and(|c| !is_e164(c)) {
            return Err(RestError::InvalidArgument("phone number (E.164 expected)"));
        }
        let xml = twiml::Response::new().dial(to, caller_id, Some(30)).to_xml();
        self.update_call_twiml(call_sid, &xml).await
    }

    /// Ends a live call.
    pub async fn hang_up(&self, call_sid: &str) -> Result<CallResource, RestError> {
        self.update_call(call_sid, &[("Status", "completed")]).await
    }

    async fn update_call(&self, call_sid: &str, form: &[(&str, &str)]) -> Result<CallResource, RestError> {
        if !is_sid(call_sid, "CA") {
            return Err(RestError::InvalidArgument("call SID"));
        }
        let url = format!("{}/2010-04-01/Accounts/{}/Calls/{}.json", self.base, self.account_sid, call_sid);
        self.post(&url, form).await
    }

    /// Sends an SMS.
    pub async fn send_sms(&self, from: &str, to: &str, body: &str) -> Result<MessageResource, RestError> {
        if !is_e164(from) || !is_e164(to) {
            return Err(RestError::InvalidArgument("phone number (E.164 expected)"));
        }
        let length = body.chars().count();
        if length == 0 || length > MAX_SMS_CHARS {
            return Err(RestError::InvalidArgument("SMS body (1-1600 characters)"));
        }
        let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", self.base, self.account_sid);
        self.post(&url, &[("To", to), ("From", from), ("Body", body)]).await
    }

    async fn post<T: for<'de> Deserialize<'de>>(&self, url: &str, form: &[(&str, &str)]) -> Result<T, RestError> {
        let response = self
            .http
            .post(url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(form)
            .send()
            .await
            .map_err(|e| RestError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| RestError::Transport(e.without_url().to_string()))?;
        if !status.is_success() {
            let parsed: Option<ApiError> = serde_json::from_slice(&bytes).ok();
            return Err(RestError::Api {
                status: status.as_u16(),
                code: parsed.as_ref().and_then(|e| e.code),
                message: parsed
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string()),
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| RestError::Decode(e.to_string()))
    }
}

/// A Twilio SID: two-letter prefix and 32 hex digits. Checked before it goes
/// into a URL path.
pub fn is_sid(sid: &str, prefix: &str) -> bool {
    sid.len() == 34 && sid.starts_with(prefix) && sid[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `+` and 8-15 digits.
pub fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|digits| (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_and_numbers_are_checked_before_use() {
        assert!(is_sid("CA0123456789abcdef0123456789abcdef", "CA"));
        assert!(!is_sid("CA0123456789abcdef0123456789abcdef", "AC"));
        assert!(!is_sid("CA../../Messages.json", "CA"));
        assert!(!is_sid("CA0123456789abcdef0123456789abcdeg", "CA"));
        assert!(is_e164("+15551234567"));
        assert!(!is_e164("5551234567"));
        assert!(!is_e164("+1555"));
        assert!(!is_e164("+1555123456a"));
    }

    #[tokio::test]
    async fn invalid_arguments_never_reach_the_network() {
        // Port 9 (discard) is never contacted: validation fails first.
        let c =
            TwilioRest::new("http://127.0.0.1:9", "AC0123456789abcdef0123456789abcdef", "t", Duration::from_secs(1))
                .unwrap();
        assert!(matches!(c.hang_up("CA/../x").await, Err(RestError::InvalidArgument(_))));
        assert!(matches!(c.send_sms("+15550001111", "nope", "hi").await, Err(RestError::InvalidArgument(_))));
        let long = "x".repeat(MAX_SMS_CHARS + 1);
        assert!(matches!(c.send_sms("+15550001111", "+15550002222", &long).await, Err(RestError::InvalidArgument(_))));
        assert!(TwilioRest::new("http://x", "ACnope", "t", Duration::from_secs(1)).is_err());
    }
}
