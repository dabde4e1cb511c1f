//! Per-tenant secrets: API keys, owner tokens and widget tokens.
//!
//! Tokens are 256 random bits, so a fast hash (SHA-256) is the right way to
//! store them: there is nothing to brute-force, and the lookup by hash is a
//! single index probe. The plaintext exists only in the response that created it.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{Db, Result, new_id, now};
use crate::with_pool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    ApiKey,
    OwnerToken,
    WidgetToken,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "api_key",
            CredentialKind::OwnerToken => "owner_token",
            CredentialKind::WidgetToken => "widget_token",
        }
    }

    /// Human-recognisable prefix, so a leaked token is identifiable in logs and scanners.
    fn prefix(self) -> &'static str {
        match self {
            CredentialKind::ApiKey => "sbk_",
            CredentialKind::OwnerToken => "sbo_",
            CredentialKind::WidgetToken => "sbw_",
        }
    }

    /// Widget tokens are embedded in public web pages, so they expire.
    pub fn default_lifetime(self) -> Option<Duration> {
        match self {
            CredentialKind::WidgetToken => Some(Duration::days(365)),
            _ => None,
        }
    }
}

/// A freshly issued credential: the only time the plaintext is available.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn generate(kind: CredentialKind) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{}{}", kind.prefix(), base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Issues a new credential of `kind`, revoking the tenant's previous ones of that kind.
pub async fn rotate(db: &Db, business_id: &str, kind: CredentialKind) -> Result<IssuedToken> {
    let token = generate(kind);
    let at = now();
    let expires_at = kind.default_lifetime().map(|d| at + d);
    with_pool!(db, |p| {
        let mut tx = p.begin().await?;
        sqlx::query(
            "UPDATE credentials SET revoked_at = $3 WHERE business_id = $1 AND kind = $2 AND revoked_at IS NULL",
        )
        .bind(business_id)
        .bind(kind.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO credentials (id, business_id, kind, token_hash, prefix, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(business_id)
        .bind(kind.as_str())
        .bind(hash_token(&token))
        .bind(&token[..8])
        .bind(expires_at)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    })?;
    Ok(IssuedToken { token, expires_at })
}

/// The tenant a presented token belongs to, if it is valid (right kind, not
/// revoked, not expired). Unknown and invalid tokens look the same.
pub async fn resolve(db: &Db, kind: CredentialKind, token: &str) -> Result<Option<String>> {
    if !token.starts_with(kind.prefix()) || token.len() > 128 {
        return Ok(None);
    }
    let row: Option<(String, Option<DateTime<Utc>>)> = with_pool!(db, |p| {
        sqlx::query_as(
            "SELECT business_id, expires_at FROM credentials \
             WHERE token_hash = $1 AND kind = $2 AND revoked_at IS NULL",
        )
        .bind(hash_token(token))
        .bind(kind.as_str())
        .fetch_optional(p)
        .await
    })?;
    Ok(row.and_then(|(business_id, expires_at)| match expires_at {
        Some(t) if t <= Utc::now() => None,
        _ => Some(business_id),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hash_stably() {
        let a = generate(CredentialKind::ApiKey);
        let b = generate(CredentialKind::ApiKey);
        assert!(a.starts_with("sbk_") && a.len() == 4 + 43, "{a}");
        assert_ne!(a, b);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert!(generate(CredentialKind::WidgetToken).starts_with("sbw_"));
    }
}
