//! Short-lived per-call tokens.
//!
//! The voice webhook answers `<Connect><Stream>` with a `<Parameter
//! name="token">`, and the Media Streams `start` message must bring it back
//! (Twilio drops query strings, so parameters are the only channel). The
//! token binds the stream to the call record the webhook created and to the
//! CallSid, and expires quickly, so a leaked token cannot open a stream for
//! another call or later. Format: `v1.<call id>.<tenant id>.<call sid>.<expiry
//! unix s>.<base64url HMAC-SHA256>`, signed with a key only this server holds.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// What a valid token proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallClaims {
    pub call_id: String,
    pub tenant_id: String,
    pub call_sid: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("missing per-call token")]
    Missing,
    #[error("malformed per-call token")]
    Malformed,
    #[error("per-call token signature does not match")]
    BadSignature,
    #[error("per-call token expired")]
    Expired,
    #[error("per-call token belongs to another call")]
    WrongCall,
}

/// Issues and checks tokens with one secret key.
#[derive(Clone)]
pub struct CallTokens {
    key: Vec<u8>,
}

impl std::fmt::Debug for CallTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallTokens(<key>)")
    }
}

/// How long a token stays valid: Twilio opens the stream within a second or
/// two of fetching the TwiML.
pub const TOKEN_TTL_SECS: i64 = 120;

impl CallTokens {
    pub fn new(key: &[u8]) -> Self {
        CallTokens { key: key.to_vec() }
    }

    /// A fresh random key (tokens only need to survive this process).
    pub fn random() -> Self {
        let key: [u8; 32] = rand::random();
        Self::new(&key)
    }

    fn sign(&self, payload: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(payload.as_bytes());
        B64URL.encode(mac.finalize().into_bytes())
    }

    pub fn issue(&self, call_id: &str, tenant_id: &str, call_sid: &str, now_unix: i64) -> String {
        let clean = |s: &str| s.replace('.', "");
        let payload =
            format!("v1.{}.{}.{}.{}", clean(call_id), clean(tenant_id), clean(call_sid), now_unix + TOKEN_TTL_SECS);
        let signature = self.sign(&payload);
        format!("{payload}.{signature}")
    }

    /// Checks `token` for the stream of `call_sid` at `now_unix`.
    pub fn verify(&self, token: Option<&str>, call_sid: &str, now_unix: i64) -> Result<CallClaims, TokenError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(TokenError::Missing)?;
        if token.len() > 512 {
            return Err(TokenError::Malformed);
        }
        let (payload, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let parts: Vec<&str> = payload.split('.').collect();
        let [version, call_id, tenant_id, sid, expiry] = parts[..] else {
            return Err(TokenError::Malformed);
        };
        if version != "v1" {
            return Err(TokenError::Malformed);
        }
        if !bool::from(self.sign(payload).as_bytes().ct_eq(signature.as_bytes())) {
            return Err(TokenError::BadSignature);
        }
        let expires_at: i64 = expiry.parse().map_err(|_| TokenError::Malformed)?;
        if now_unix > expires_at {
            return Err(TokenError::Expired);
        }
        if sid != call_sid {
            return Err(TokenError::WrongCall);
        }
        Ok(CallClaims {
            call_id: call_id.to_string(),
            tenant_id: tenant_id.to_string(),
            call_sid: sid.to_string(),
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "CA0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_tokens_verify_for_their_call_only() {
        let tokens = CallTokens::new(b"k");
        let token = tokens.issue("call-1", "tenant-1", SID, 1_000);
        let claims = tokens.verify(Some(&token), SID, 1_010).unwrap();
        assert_eq!(claims.call_id, "call-1");
        assert_eq!(claims.tenant_id, "tenant-1");
        assert_eq!(claims.expires_at, 1_000 + TOKEN_TTL_SECS);
        assert_eq!(tokens.verify(Some(&token), "CAother", 1_010), Err(TokenError::WrongCall));
        assert_eq!(tokens.verify(Some(&token), SID, 1_000 + TOKEN_TTL_SECS + 1), Err(TokenError::Expired));
    }

    #[test]
    fn forged_or_garbled_tokens_are_refused() {
        let tokens = CallTokens::new(b"k");
        let token = tokens.issue("call-1", "tenant-1", SID, 1_000);
        assert_eq!(CallTokens::new(b"other").verify(Some(&token), SID, 1_000), Err(TokenError::BadSignature));
        let tampered = token.replacen("tenant-1", "tenant-2", 1);
        assert_eq!(tokens.verify(Some(&tampered), SID, 1_000), Err(TokenError::BadSignature));
        assert_eq!(tokens.verify(None, SID, 1_000), Err(TokenError::Missing));
        assert_eq!(tokens.verify(Some(""), SID, 1_000), Err(TokenError::Missing));
        assert_eq!(tokens.verify(Some("v1.a.b"), SID, 1_000), Err(TokenError::Malformed));
        assert_eq!(tokens.verify(Some(&"x".repeat(600)), SID, 1_000), Err(TokenError::Malformed));
    }
}
