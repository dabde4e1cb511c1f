//! `X-Twilio-Signature` verification, shared by every Twilio entry point: the
//! voice webhook, the status callback, the SMS webhook and the Media Streams
//! WebSocket upgrade.
//!
//! signature = base64(HMAC-SHA1(auth token, url + for each form parameter
//! sorted by name: name + value)). The URL is the one *Twilio* requested, so
//! behind a proxy it is rebuilt from the configured public base URL, never
//! from the `Host` header. Twilio's own libraries accept the URL with and
//! without an explicit default port (`:443`), because which of the two Twilio
//! signed depends on how the number was configured; we do the same.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

use crate::config::Config;

/// Computes the signature Twilio would send for `url` and form `params`.
pub fn compute(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    // Twilio sorts by name; the libraries break ties (repeated names) by value.
    sorted.sort();
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        // HMAC accepts keys of any length; this branch cannot be taken.
        return String::new();
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    B64.encode(mac.finalize().into_bytes())
}

/// True when `signature` matches `url` (or its default-port twin) and `params`.
/// The comparison is constant-time.
pub fn is_valid(auth_token: &str, url: &str, params: &[(String, String)], signature: &str) -> bool {
    let given = signature.trim().as_bytes();
    if given.is_empty() {
        return false;
    }
    // Evaluate every variant so timing does not reveal which one matched.
    url_variants(url)
        .iter()
        .map(|candidate| compute(auth_token, candidate, params).as_bytes().ct_eq(given))
        .fold(subtle::Choice::from(0), |acc, c| acc | c)
        .into()
}

/// The URL as given plus its twin with the default port added or removed
/// (`https`/`wss` :443, `http`/`ws` :80).
pub fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    let Some(scheme_end) = url.find("://") else {
        return out;
    };
    let scheme = &url[..scheme_end];
    let port = match scheme {
        "https" | "wss" => ":443",
        "http" | "ws" => ":80",
        _ => return out,
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    // Userinfo is not something Twilio signs with; leave such URLs alone.
    if authority.contains('@') {
        return out;
    }
    let twin = match authority.strip_suffix(port) {
        Some(host) => format!("{scheme}://{host}{tail}"),
        None if authority.contains(':') && !authority.ends_with(']') => return out,
        None => format!("{scheme}://{authority}{port}{tail}"),
    };
    out.push(twin);
    out
}

/// Why a Twilio request was refused. Every variant is a security event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Twilio-Signature header")]
    Missing,
    #[error("X-Twilio-Signature does not match")]
    Mismatch,
}

/// Applies the project's signature rule: whenever an auth token is configured
/// a missing or wrong signature is refused, in every environment. Only without
/// a token (which configuration allows in `dev` alone) are requests accepted.
#[derive(Clone)]
pub struct TwilioVerifier {
    auth_token: Option<String>,
    public_base_url: String,
}

impl std::fmt::Debug for TwilioVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioVerifier")
            .field("enforcing", &self.auth_token.is_some())
            .field("public_base_url", &self.public_base_url)
            .finish()
    }
}

impl TwilioVerifier {
    pub fn new(auth_token: Option<String>, public_base_url: &str) -> Self {
        TwilioVerifier { auth_token, public_base_url: public_base_url.trim_end_matches('/').to_string() }
    }

    pub fn from_config(config: &Config) -> Self {
        Self::new(config.twilio_auth_token.clone(), &config.public_base_url)
    }

    /// Whether signatures are checked (false only in dev without a token).
    pub fn is_enforcing(&self) -> bool {
        self.auth_token.is_some()
    }

    /// Public URL of a webhook path (path may carry a query string).
    pub fn webhook_url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.public_base_url, path_and_query)
    }

    /// Public `wss://` (or `ws://` for a plain-http dev base) URL of a
    /// WebSocket path: what Twilio signs on the upgrade.
    pub fn websocket_url(&self, path: &str) -> String {
        let base = &self.public_base_url;
        let ws_base = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            base.clone()
        };
        format!("{ws_base}{path}")
    }

    /// Checks a form-encoded webhook (`params` are the decoded body fields).
    pub fn check_webhook(
        &self,
        path_and_query: &str,
        params: &[(String, String)],
        signature: Option<&str>,
    ) -> Result<(), SignatureError> {
        self.check(&self.webhook_url(path_and_query), params, signature)
    }

    /// Checks the Media Streams upgrade (the `wss://` URL, no parameters).
    pub fn check_websocket(&self, path: &str, signature: Option<&str>) -> Result<(), SignatureError> {
        self.check(&self.websocket_url(path), &[], signature)
    }

    fn check(&self, url: &str, params: &[(String, String)], signature: Option<&str>) -> Result<(), SignatureError> {
        let Some(token) = &self.auth_token else {
            return Ok(());
        };
        let signature = signature.filter(|s| !s.trim().is_empty()).ok_or(SignatureError::Missing)?;
        if is_valid(token, url, params, signature) { Ok(()) } else { Err(SignatureError::Mismatch) }
    }

    /// Signs like Twilio does (test support and the fake Twilio client).
    pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
        compute(auth_token, url, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Twilio's documented example (auth token "12345").
    fn documented() -> (&'static str, Vec<(String, String)>) {
        (
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            params(&[
                ("CallSid", "CA1234567890ABCDE"),
                ("Caller", "+12349013030"),
                ("Digits", "1234"),
                ("From", "+12349013030"),
                ("To", "+18005551212"),
            ]),
        )
    }

    #[test]
    fn matches_twilios_documented_vector() {
        let (url, p) = documented();
        assert_eq!(compute("12345", url, &p), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        // Parameter order on the wire must not matter.
        let mut reversed = p.clone();
        reversed.reverse();
        assert!(is_valid("12345", url, &reversed, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    #[test]
    fn any_change_invalidates() {
        let (url, p) = documented();
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
        assert!(!is_valid("12346", url, &p, good), "wrong token");
        assert!(!is_valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", &p, good), "other url");
        let mut tampered = p.clone();
        tampered[2].1 = "9999".into();
        assert!(!is_valid("12345", url, &tampered, good), "tampered param");
        assert!(!is_valid("12345", url, &p, ""), "empty");
        assert!(!is_valid("12345", url, &p, "0/KCTR6DLpKmkAf8muzZqo1nDgQ"), "truncated");
    }

    #[test]
    fn default_port_is_accepted_both_ways() {
        let (_, p) = documented();
        let with_port = compute("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", &p);
        assert!(is_valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &p, &with_port));
        let without = compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &p);
        assert!(is_valid("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", &p, &without));
        // A different port is a different URL.
        let other = compute("12345", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", &p);
        assert!(!is_valid("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &p, &other));
    }

    #[test]
    fn url_variants_cover_each_scheme() {
        assert_eq!(url_variants("wss://h.example/ws"), vec!["wss://h.example/ws", "wss://h.example:443/ws"]);
        assert_eq!(url_variants("https://h:443?x=1"), vec!["https://h:443?x=1", "https://h?x=1"]);
        assert_eq!(url_variants("http://h:8080/a"), vec!["http://h:8080/a"]);
        assert_eq!(url_variants("not a url"), vec!["not a url"]);
    }

    #[test]
    fn verifier_enforces_whenever_a_token_is_set() {
        let v = TwilioVerifier::new(Some("tok".into()), "https://sb.example.com/");
        let p = params(&[("To", "+15550001111"), ("CallSid", "CA1")]);
        let sig = compute("tok", "https://sb.example.com/v1/twilio/voice", &p);
        assert_eq!(v.check_webhook("/v1/twilio/voice", &p, Some(&sig)), Ok(()));
        assert_eq!(v.check_webhook("/v1/twilio/voice", &p, None), Err(SignatureError::Missing));
        assert_eq!(v.check_webhook("/v1/twilio/voice", &p, Some("bogus=")), Err(SignatureError::Mismatch));
        assert_eq!(v.check_webhook("/v1/twilio/call-status", &p, Some(&sig)), Err(SignatureError::Mismatch));

        let ws = compute("tok", "wss://sb.example.com/v1/twilio/media-stream", &[]);
        assert_eq!(v.websocket_url("/v1/twilio/media-stream"), "wss://sb.example.com/v1/twilio/media-stream");
        assert_eq!(v.check_websocket("/v1/twilio/media-stream", Some(&ws)), Ok(()));
        // The https URL's signature is not valid for the upgrade.
        let https = compute("tok", "https://sb.example.com/v1/twilio/media-stream", &[]);
        assert_eq!(v.check_websocket("/v1/twilio/media-stream", Some(&https)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn verifier_without_token_accepts_and_says_so() {
        let v = TwilioVerifier::new(None, "http://127.0.0.1:8080");
        assert!(!v.is_enforcing());
        assert_eq!(v.check_webhook("/v1/twilio/voice", &[], None), Ok(()));
        assert_eq!(v.websocket_url("/x"), "ws://127.0.0.1:8080/x");
        assert!(!format!("{v:?}").contains("tok"));
    }
}
