//! Idempotency for webhook deliveries: Twilio and Stripe retry, we act once.

use super::{Db, Result, StoreError, now};
use crate::with_pool;

/// Records `(provider, event_id)`; returns `false` when it was seen before.
pub async fn first_delivery(db: &Db, provider: &str, event_id: &str, business_id: Option<&str>) -> Result<bool> {
    let inserted = with_pool!(db, |p| sqlx::query(
        "INSERT INTO webhook_receipts (provider, event_id, business_id, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (provider, event_id) DO NOTHING"
    )
    .bind(provider)
    .bind(event_id)
    .bind(business_id)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .map_err(StoreError::Database)?;
    Ok(inserted == 1)
}
