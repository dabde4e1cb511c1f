//! Call recordings as the calls table knows them: which call has a file,
//! how long it is kept, and what retention must delete.
//!
//! The files themselves live under `RECORDINGS_DIR`; only their path
//! relative to it is stored. A recording past `recording_expires_at` is gone
//! for every reader at once, even before the retention task deletes it.

use chrono::{DateTime, Utc};

use super::{Db, Result, StoreError, found, trunc};
use crate::with_pool;

/// A finished recording, as set on its call when the call ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingColumns<'a> {
    /// Path under `RECORDINGS_DIR`.
    pub path: &'a str,
    pub duration_ms: i64,
    pub bytes: i64,
    pub expires_at: DateTime<Utc>,
}

/// A recording the retention task has to delete.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Expired {
    pub call_id: String,
    pub path: String,
}

/// Links a finished recording to its call.
pub async fn attach(db: &Db, tenant: &str, call_id: &str, r: &RecordingColumns<'_>) -> Result<()> {
    let done = with_pool!(db, |p| sqlx::query(
        "UPDATE calls SET recording_path = $3, recording_duration_ms = $4, recording_bytes = $5, \
         recording_expires_at = $6 WHERE business_id = $1 AND id = $2"
    )
    .bind(tenant)
    .bind(call_id)
    .bind(r.path)
    .bind(r.duration_ms)
    .bind(r.bytes)
    .bind(trunc(r.expires_at))
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    found(done)
}

/// The file of a call's recording, unless there is none or it has expired.
pub async fn playable(db: &Db, tenant: &str, call_id: &str, now: DateTime<Utc>) -> Result<String> {
    with_pool!(db, |p| sqlx::query_scalar::<_, String>(
        "SELECT recording_path FROM calls WHERE business_id = $1 AND id = $2 \
         AND recording_path IS NOT NULL AND recording_expires_at > $3"
    )
    .bind(tenant)
    .bind(call_id)
    .bind(trunc(now))
    .fetch_optional(p)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// Tenants that have recordings past their expiry at `now`.
pub async fn tenants_with_expired(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>> {
    Ok(with_pool!(db, |p| sqlx::query_scalar::<_, String>(
        "SELECT DISTINCT business_id FROM calls WHERE recording_expires_at <= $1 ORDER BY business_id"
    )
    .bind(trunc(now))
    .fetch_all(p)
    .await)?)
}

/// Up to `limit` of one tenant's expired recordings, oldest first.
pub async fn expired(db: &Db, tenant: &str, now: DateTime<Utc>, limit: i64) -> Result<Vec<Expired>> {
    Ok(with_pool!(db, |p| sqlx::query_as::<_, Expired>(
        "SELECT id AS call_id, recording_path AS path FROM calls \
         WHERE business_id = $1 AND recording_expires_at <= $2 AND recording_path IS NOT NULL \
         ORDER BY recording_expires_at, id LIMIT $3"
    )
    .bind(tenant)
    .bind(trunc(now))
    .bind(limit)
    .fetch_all(p)
    .await)?)
}

/// Unlinks a call's recording (after its file was deleted).
pub async fn detach(db: &Db, tenant: &str, call_id: &str) -> Result<()> {
    with_pool!(db, |p| sqlx::query(
        "UPDATE calls SET recording_path = NULL, recording_duration_ms = NULL, recording_bytes = NULL, \
         recording_expires_at = NULL WHERE business_id = $1 AND id = $2"
    )
    .bind(tenant)
    .bind(call_id)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
