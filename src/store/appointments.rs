//! Appointments (jobs on the calendar).
//!
//! Booking is serialised per tenant: the transaction first touches the
//! tenant's row, which takes a row lock in PostgreSQL and the write lock in
//! SQLite, so two concurrent bookings cannot both pass the overlap check.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Db, Result, StoreError, new_id, now};
use crate::with_pool;

crate::text_enum! {
    /// Where an appointment stands.
    pub enum AppointmentStatus {
        Scheduled => "scheduled",
        Confirmed => "confirmed",
        Cancelled => "cancelled",
        Completed => "completed",
        PendingReschedule => "pending_reschedule",
    }
}

crate::text_enum! {
    /// The channel that created an appointment.
    pub enum Channel {
        Voice => "voice",
        Sms => "sms",
        Web => "web",
        Api => "api",
        Dashboard => "dashboard",
    }
}

impl AppointmentStatus {
    /// Whether the appointment still occupies its slot on the calendar.
    pub fn blocks_calendar(self) -> bool {
        !matches!(self, AppointmentStatus::Cancelled)
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Appointment {
    pub id: String,
    pub customer_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Key of a service in the tenant's catalog.
    pub service_key: String,
    pub description: String,
    pub is_emergency: bool,
    #[sqlx(try_from = "String")]
    pub status: AppointmentStatus,
    #[sqlx(try_from = "String")]
    pub source: Channel,
    /// Expected job value in whole dollars.
    pub estimated_value: Option<i64>,
    pub technician_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    pub customer_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub service_key: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub is_emergency: bool,
    /// Defaults to `api`.
    #[serde(default)]
    pub source: Option<Channel>,
    #[serde(default)]
    pub estimated_value: Option<i64>,
    #[serde(default)]
    pub technician_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentPatch {
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub service_key: Option<String>,
    pub description: Option<String>,
    pub is_emergency: Option<bool>,
    pub status: Option<AppointmentStatus>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<i64>)]
    pub estimated_value: Option<Option<i64>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub technician_id: Option<Option<String>>,
}

/// Filters for the appointment list. Times are RFC 3339.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AppointmentQuery {
    /// Only appointments starting at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Only appointments starting before this instant.
    pub to: Option<DateTime<Utc>>,
    pub status: Option<AppointmentStatus>,
    pub customer_id: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn validate(a: &Appointment, services: &[crate::domain::ServiceOffering]) -> std::result::Result<(), Vec<String>> {
    let mut problems = Vec::new();
    if a.ends_at <= a.starts_at {
        problems.push("ends_at: must be after starts_at".to_string());
    }
    if a.ends_at - a.starts_at > chrono::Duration::hours(24) {
        problems.push("ends_at: an appointment lasts at most 24 hours".to_string());
    }
    if !services.iter().any(|s| s.key == a.service_key) {
        let known: Vec<_> = services.iter().map(|s| s.key.as_str()).collect();
        problems.push(format!("service_key: {:?} is not in the catalog ({})", a.service_key, known.join(", ")));
    }
    if a.description.len() > 2000 {
        problems.push("description: at most 2000 characters".into());
    }
    if a.estimated_value.is_some_and(|v| v < 0) {
        problems.push("estimated_value: must not be negative".into());
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

macro_rules! columns {
    () => {
        "id, customer_id, starts_at, ends_at, service_key, description, is_emergency, status, \
    source, estimated_value, technician_id, created_at, updated_at"
    };
}

/// Another live appointment of the same crew (technician, or the unassigned
/// crew) that overlaps `[starts, ends)`, ignoring `except`.
const OVERLAP_SQL: &str = "SELECT id FROM appointments WHERE business_id = $1 AND status <> 'cancelled' \
    AND starts_at < $3 AND ends_at > $2 AND id <> $4 \
    AND ((technician_id IS NULL AND $5 IS NULL) OR technician_id = $5) LIMIT 1";

/// Takes the tenant's calendar lock for the rest of the transaction.
macro_rules! lock_tenant_calendar {
    ($tx:ident, $tenant:expr) => {
        let locked = sqlx::query("UPDATE businesses SET updated_at = updated_at WHERE id = $1")
            .bind($tenant)
            .execute(&mut *$tx)
            .await?;
        if locked.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
    };
}

/// A technician, when given, must belong to the tenant.
macro_rules! check_technician {
    ($tx:ident, $tenant:expr, $technician:expr) => {
        if let Some(tech) = $technician {
            let found: Option<String> =
                sqlx::query_scalar("SELECT id FROM technicians WHERE business_id = $1 AND id = $2")
                    .bind($tenant)
                    .bind(tech)
                    .fetch_optional(&mut *$tx)
                    .await?;
            if found.is_none() {
                return Err(StoreError::Invalid("technician_id: no such technician".into()));
            }
        }
    };
}

/// Refuses `a` when another live appointment of the same crew overlaps it.
macro_rules! ensure_slot_free {
    ($tx:ident, $tenant:expr, $a:expr) => {
        let a = $a;
        let clash: Option<String> = sqlx::query_scalar(OVERLAP_SQL)
            .bind($tenant)
            .bind(a.starts_at)
            .bind(a.ends_at)
            .bind(&a.id)
            .bind(&a.technician_id)
            .fetch_optional(&mut *$tx)
            .await?;
        if let Some(other) = clash {
            return Err(StoreError::Conflict(format!("the time overlaps appointment {other}")));
        }
    };
}

/// Books an appointment for a customer of `tenant`, refusing overlaps.
pub async fn create(db: &Db, tenant: &str, new: NewAppointment) -> Result<Appointment> {
    let business = super::businesses::get(db, tenant).await?;
    let at = now();
    let a = Appointment {
        id: new_id(),
        customer_id: new.customer_id,
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        service_key: new.service_key,
        description: new.description.trim().to_string(),
        is_emergency: new.is_emergency,
        status: AppointmentStatus::Scheduled,
        source: new.source.unwrap_or(Channel::Api),
        estimated_value: new.estimated_value,
        technician_id: new.technician_id,
        created_at: at,
        updated_at: at,
    };
    validate(&a, &business.services).map_err(|p| StoreError::Invalid(p.join("; ")))?;
    with_pool!(db, |p| {
        let mut tx = p.begin().await?;
        lock_tenant_calendar!(tx, tenant);
        // The customer must belong to this tenant (a foreign key alone would
        // accept another tenant's customer id).
        let owned: Option<String> = sqlx::query_scalar("SELECT id FROM customers WHERE business_id = $1 AND id = $2")
            .bind(tenant)
            .bind(&a.customer_id)
            .fetch_optional(&mut *tx)
            .await?;
        if owned.is_none() {
            return Err(StoreError::Invalid("customer_id: no such customer".into()));
        }
        check_technician!(tx, tenant, &a.technician_id);
        ensure_slot_free!(tx, tenant, &a);
        sqlx::query(
            "INSERT INTO appointments (id, business_id, customer_id, starts_at, ends_at, service_key, description, \
             is_emergency, status, source, estimated_value, technician_id, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)",
        )
        .bind(&a.id)
        .bind(tenant)
        .bind(&a.customer_id)
        .bind(a.starts_at)
        .bind(a.ends_at)
        .bind(&a.service_key)
        .bind(&a.description)
        .bind(a.is_emergency)
        .bind(a.status.as_str())
        .bind(a.source.as_str())
        .bind(a.estimated_value)
        .bind(&a.technician_id)
        .bind(a.created_at)
        .bind(a.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok::<_, StoreError>(())
    })?;
    Ok(a)
}

pub async fn get(db: &Db, tenant: &str, id: &str) -> Result<Appointment> {
    let sql = concat!("SELECT ", columns!(), " FROM appointments WHERE business_id = $1 AND id = $2");
    with_pool!(db, |p| sqlx::query_as::<_, Appointment>(sql).bind(tenant).bind(id).fetch_optional(p).await)?
        .ok_or(StoreError::NotFound)
}

/// Appointments in start order, filtered; with the total that match.
pub async fn list(db: &Db, tenant: &str, q: &AppointmentQuery) -> Result<(Vec<Appointment>, i64)> {
    macro_rules! filter {
        () => {
            "business_id = $1 AND ($2 IS NULL OR starts_at >= $2) AND ($3 IS NULL OR starts_at < $3) \
        AND ($4 IS NULL OR status = $4) AND ($5 IS NULL OR customer_id = $5)"
        };
    }
    let (limit, offset) = super::paging(q.limit, q.offset);
    let rows_sql = concat!(
        "SELECT ",
        columns!(),
        " FROM appointments WHERE ",
        filter!(),
        " ORDER BY starts_at, id LIMIT $6 OFFSET $7"
    );
    let count_sql = concat!("SELECT COUNT(*) FROM appointments WHERE ", filter!());
    let status = q.status.map(AppointmentStatus::as_str);
    with_pool!(db, |p| {
        let rows = sqlx::query_as::<_, Appointment>(rows_sql)
            .bind(tenant)
            .bind(q.from)
            .bind(q.to)
            .bind(status)
            .bind(&q.customer_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
        let total: i64 = sqlx::query_scalar(count_sql)
            .bind(tenant)
            .bind(q.from)
            .bind(q.to)
            .bind(status)
            .bind(&q.customer_id)
            .fetch_one(p)
            .await?;
        Ok((rows, total))
    })
}

/// Calendar-blocking appointments that overlap `[from, to)` (for slot search).
pub async fn busy_between(db: &Db, tenant: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Appointment>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM appointments WHERE business_id = $1 AND status <> 'cancelled' \
         AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at"
    );
    Ok(with_pool!(db, |p| sqlx::query_as::<_, Appointment>(sql).bind(tenant).bind(from).bind(to).fetch_all(p).await)?)
}

/// Applies a patch; moving an appointment re-checks overlaps under the lock.
pub async fn update(db: &Db, tenant: &str, id: &str, patch: AppointmentPatch) -> Result<Appointment> {
    let business = super::businesses::get(db, tenant).await?;
    with_pool!(db, |p| {
        let mut tx = p.begin().await?;
        lock_tenant_calendar!(tx, tenant);
        let sql = concat!("SELECT ", columns!(), " FROM appointments WHERE business_id = $1 AND id = $2");
        let mut a = sqlx::query_as::<_, Appointment>(sql)
            .bind(tenant)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let patch = patch.clone();
        let moved = patch.starts_at.is_some() || patch.ends_at.is_some() || patch.technician_id.is_some();
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = patch.$f { a.$f = v; } )* };
        }
        set!(starts_at, ends_at, service_key, description, is_emergency, status, estimated_value, technician_id);
        validate(&a, &business.services).map_err(|p| StoreError::Invalid(p.join("; ")))?;
        check_technician!(tx, tenant, &a.technician_id);
        if moved && a.status.blocks_calendar() {
            ensure_slot_free!(tx, tenant, &a);
        }
        a.updated_at = now();
        sqlx::query(
            "UPDATE appointments SET starts_at=$3, ends_at=$4, service_key=$5, description=$6, is_emergency=$7, \
             status=$8, estimated_value=$9, technician_id=$10, updated_at=$11 WHERE business_id=$1 AND id=$2",
        )
        .bind(tenant)
        .bind(id)
        .bind(a.starts_at)
        .bind(a.ends_at)
        .bind(&a.service_key)
        .bind(&a.description)
        .bind(a.is_emergency)
        .bind(a.status.as_str())
        .bind(a.estimated_value)
        .bind(&a.technician_id)
        .bind(a.updated_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(a)
    })
}

/// Cancels (never deletes: the history matters to the business).
pub async fn cancel(db: &Db, tenant: &str, id: &str) -> Result<Appointment> {
    update(db, tenant, id, AppointmentPatch { status: Some(AppointmentStatus::Cancelled), ..Default::default() }).await
}
