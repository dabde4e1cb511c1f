//! Audit trail (who changed what) and security events (refused requests).
//!
//! Both are append-only. Writing them must never fail the request that caused
//! them, so callers log and continue on error.

use serde_json::Value;

use super::{Db, Result, new_id, now};
use crate::with_pool;

crate::text_enum! {
    pub enum Severity {
        Info => "info",
        Warning => "warning",
        Critical => "critical",
    }
}

/// Records an administrative or owner action.
pub async fn audit(
    db: &Db,
    business_id: Option<&str>,
    actor: &str,
    action: &str,
    target: Option<&str>,
    request_id: Option<&str>,
    meta: Value,
) -> Result<()> {
    with_pool!(db, |p| {
        sqlx::query(
        "INSERT INTO audit_events (id, business_id, actor, action, target, request_id, meta, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
    )
    .bind(new_id())
    .bind(business_id)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(request_id)
    .bind(sqlx::types::Json(&meta))
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Records a refused or suspicious request (bad signature, replay, auth failure).
pub async fn security(
    db: &Db,
    business_id: Option<&str>,
    kind: &str,
    severity: Severity,
    request_id: Option<&str>,
    meta: Value,
) -> Result<()> {
    with_pool!(db, |p| {
        sqlx::query(
        "INSERT INTO security_events (id, business_id, kind, severity, request_id, meta, at) VALUES ($1,$2,$3,$4,$5,$6,$7)"
    )
    .bind(new_id())
    .bind(business_id)
    .bind(kind)
    .bind(severity.as_str())
    .bind(request_id)
    .bind(sqlx::types::Json(&meta))
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// How many audit events of `action` were recorded for a tenant (for tests).
pub async fn count_audit(db: &Db, business_id: &str, action: &str) -> Result<i64> {
    Ok(with_pool!(db, |p| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE business_id = $1 AND action = $2"
    )
    .bind(business_id)
    .bind(action)
    .fetch_one(p)
    .await)?)
}

/// How many security events of `kind` were recorded (for tests and health views).
pub async fn count_security(db: &Db, kind: &str) -> Result<i64> {
    Ok(with_pool!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM security_events WHERE kind = $1")
        .bind(kind)
        .fetch_one(p)
        .await)?)
}
