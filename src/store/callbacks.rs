//! The callback queue: people the business should call back, persisted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Db, Result, StoreError, new_id, now};
use crate::with_pool;

crate::text_enum! {
    /// Why a callback is needed.
    pub enum CallbackReason {
        MissedCall => "missed_call",
        PartialIntake => "partial_intake",
        NoInput => "no_input",
        Voicemail => "voicemail",
        LowConfidence => "low_confidence",
        Handoff => "handoff",
    }
}

crate::text_enum! {
    pub enum CallbackStatus {
        Open => "open",
        Done => "done",
        Cancelled => "cancelled",
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Callback {
    pub id: String,
    pub phone: String,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    #[sqlx(try_from = "String")]
    pub reason: CallbackReason,
    #[sqlx(try_from = "String")]
    pub status: CallbackStatus,
    pub attempts: i64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewCallback {
    pub phone: String,
    pub customer_id: Option<String>,
    pub conversation_id: Option<String>,
    pub reason: CallbackReason,
    pub note: Option<String>,
}

macro_rules! columns {
    () => {
        "id, phone, customer_id, conversation_id, reason, status, attempts, note, created_at, updated_at"
    };
}

/// Queues a callback, or returns the open one already queued for this phone
/// (a caller who rings three times gets one entry, not three).
pub async fn enqueue(db: &Db, tenant: &str, new: NewCallback) -> Result<Callback> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM callbacks WHERE business_id = $1 AND phone = $2 AND status = 'open' LIMIT 1"
    );
    let existing =
        with_pool!(db, |p| sqlx::query_as::<_, Callback>(sql).bind(tenant).bind(&new.phone).fetch_optional(p).await)?;
    if let Some(open) = existing {
        return Ok(open);
    }
    let at = now();
    let c = Callback {
        id: new_id(),
        phone: new.phone,
        customer_id: new.customer_id,
        conversation_id: new.conversation_id,
        reason: new.reason,
        status: CallbackStatus::Open,
        attempts: 0,
        note: new.note,
        created_at: at,
        updated_at: at,
    };
    with_pool!(db, |p| sqlx::query(
        "INSERT INTO callbacks (id, business_id, phone, customer_id, conversation_id, reason, status, attempts, note, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"
    )
    .bind(&c.id)
    .bind(tenant)
    .bind(&c.phone)
    .bind(&c.customer_id)
    .bind(&c.conversation_id)
    .bind(c.reason.as_str())
    .bind(c.status.as_str())
    .bind(c.attempts)
    .bind(&c.note)
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::on_unique(e, "callback exists"))?;
    Ok(c)
}

pub async fn list(
    db: &Db,
    tenant: &str,
    status: Option<CallbackStatus>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<Vec<Callback>> {
    let (limit, offset) = super::paging(limit, offset);
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM callbacks WHERE business_id = $1 AND ($2 IS NULL OR status = $2) \
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    );
    Ok(with_pool!(db, |p| sqlx::query_as::<_, Callback>(sql)
        .bind(tenant)
        .bind(status.map(CallbackStatus::as_str))
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?)
}
