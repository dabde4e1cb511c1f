//! Tenants: the business profile, status and plan.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Db, Result, StoreError, found, new_id, now};
use crate::domain::{BusinessProfile, Language, ServiceOffering, WeeklyHours};
use crate::with_pool;

crate::text_enum! {
    /// Whether a tenant may use the service.
    pub enum TenantStatus {
        Active => "active",
        Suspended => "suspended",
    }
}

/// A tenant as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Business {
    pub id: String,
    pub name: String,
    pub vertical: String,
    pub phone_number: Option<String>,
    pub owner_phone: Option<String>,
    /// IANA time zone, e.g. `America/Chicago`.
    pub time_zone: String,
    #[sqlx(json)]
    pub hours: WeeklyHours,
    #[sqlx(json)]
    pub closed_dates: Vec<NaiveDate>,
    pub max_jobs_per_day: i64,
    pub reserve_mornings_for_emergencies: bool,
    pub travel_buffer_minutes: i64,
    #[sqlx(json)]
    pub services: Vec<ServiceOffering>,
    #[sqlx(json)]
    pub emergency_keywords: Vec<String>,
    #[schema(value_type = String, example = "en")]
    #[sqlx(try_from = "String")]
    pub language: LanguageCode,
    pub accepts_transfers: bool,
    pub service_area: Option<String>,
    pub warranty: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: TenantStatus,
    pub lockdown: bool,
    pub plan: String,
    pub subscription_status: String,
    /// Calls are recorded (after a spoken notice); off by default.
    pub recording_enabled: bool,
    /// Days a call recording is kept after the call ends (1 to 3650).
    pub recording_retention_days: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// [`Language`] as stored in a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LanguageCode(pub Language);

impl TryFrom<String> for LanguageCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Language::parse(&s).map(LanguageCode).ok_or_else(|| format!("unknown language {s:?}"))
    }
}

impl Business {
    /// The profile the assistant reasons over.
    pub fn profile(&self) -> Result<BusinessProfile> {
        let time_zone = self
            .time_zone
            .parse::<chrono_tz::Tz>()
            .map_err(|_| StoreError::Corrupt(format!("business {} has time zone {:?}", self.id, self.time_zone)))?;
        Ok(BusinessProfile {
            id: self.id.clone(),
            name: self.name.clone(),
            vertical: self.vertical.clone(),
            phone_number: self.phone_number.clone(),
            owner_phone: self.owner_phone.clone(),
            time_zone,
            hours: self.hours.clone(),
            closed_dates: self.closed_dates.clone(),
            max_jobs_per_day: self.max_jobs_per_day.max(0) as u32,
            reserve_mornings_for_emergencies: self.reserve_mornings_for_emergencies,
            travel_buffer_minutes: self.travel_buffer_minutes.max(0) as u32,
            services: self.services.clone(),
            emergency_keywords: self.emergency_keywords.clone(),
            language: self.language.0,
            accepts_transfers: self.accepts_transfers,
            service_area: self.service_area.clone(),
            warranty: self.warranty.clone(),
        })
    }
}

/// Everything a tenant profile may change. `None` leaves a field as it is;
/// for nullable fields, `Some(None)` clears it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessPatch {
    pub name: Option<String>,
    pub vertical: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub phone_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub owner_phone: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub hours: Option<WeeklyHours>,
    pub closed_dates: Option<Vec<NaiveDate>>,
    pub max_jobs_per_day: Option<i64>,
    pub reserve_mornings_for_emergencies: Option<bool>,
    pub travel_buffer_minutes: Option<i64>,
    pub services: Option<Vec<ServiceOffering>>,
    pub emergency_keywords: Option<Vec<String>>,
    pub language: Option<Language>,
    pub accepts_transfers: Option<bool>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub service_area: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub warranty: Option<Option<String>>,
    /// Record calls (a consent line is spoken first). Off by default.
    pub recording_enabled: Option<bool>,
    /// Days a recording is kept after its call, 1 to 3650 (default 30).
    pub recording_retention_days: Option<i64>,
}

impl BusinessPatch {
    /// Applies the patch and checks the result; every problem is reported.
    pub fn apply(self, b: &mut Business) -> std::result::Result<(), Vec<String>> {
        macro_rules! set {
            ($($field:ident),*) => { $( if let Some(v) = self.$field { b.$field = v; } )* };
        }
        set!(
            name,
            vertical,
            phone_number,
            owner_phone,
            time_zone,
            hours,
            closed_dates,
            max_jobs_per_day,
            reserve_mornings_for_emergencies,
            travel_buffer_minutes,
            services,
            emergency_keywords,
            accepts_transfers,
            service_area,
            warranty,
            recording_enabled,
            recording_retention_days
        );
        if let Some(language) = self.language {
            b.language = LanguageCode(language);
        }
        validate(b)
    }
}

/// Business rules for a profile, every violation listed.
pub fn validate(b: &mut Business) -> std::result::Result<(), Vec<String>> {
    let mut problems = Vec::new();
    b.name = b.name.trim().to_string();
    if b.name.is_empty() || b.name.len() > 200 {
        problems.push("name: must be 1 to 200 characters".to_string());
    }
    if b.time_zone.parse::<chrono_tz::Tz>().is_err() {
        problems.push(format!("time_zone: {:?} is not an IANA time zone", b.time_zone));
    }
    if let Err(e) = b.hours.validate() {
        problems.push(format!("hours: {e}"));
    }
    for (field, value) in [("phone_number", &mut b.phone_number), ("owner_phone", &mut b.owner_phone)] {
        if let Some(raw) = value.as_deref() {
            match crate::domain::normalize_phone(raw) {
                Some(e164) => *value = Some(e164),
                None => problems.push(format!("{field}: {raw:?} is not a phone number")),
            }
        }
    }
    if !(1..=100).contains(&b.max_jobs_per_day) {
        problems.push("max_jobs_per_day: must be 1 to 100".into());
    }
    if !(0..=240).contains(&b.travel_buffer_minutes) {
        problems.push("travel_buffer_minutes: must be 0 to 240".into());
    }
    if !(1..=3650).contains(&b.recording_retention_days) {
        problems.push("recording_retention_days: must be 1 to 3650".into());
    }
    let mut keys = std::collections::HashSet::new();
    for s in &b.services {
        if s.key.is_empty() || !s.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            problems.push(format!("services: key {:?} must be lower_snake_case", s.key));
        }
        if !keys.insert(s.key.as_str()) {
            problems.push(format!("services: key {:?} appears twice", s.key));
        }
        if s.duration_minutes == 0 || s.duration_minutes > 12 * 60 {
            problems.push(format!("services: {:?} duration must be 1 to 720 minutes", s.key));
        }
        if s.price_min > s.price_max {
            problems.push(format!("services: {:?} price_min is above price_max", s.key));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// What an administrator supplies to create a tenant; the rest has defaults.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBusiness {
    pub name: String,
    #[serde(default)]
    pub vertical: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
    #[serde(default)]
    pub owner_phone: Option<String>,
    /// Defaults to `America/Chicago`.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub language: Option<Language>,
}

impl NewBusiness {
    /// A full record with sensible defaults for a plumbing business.
    pub fn into_business(self) -> std::result::Result<Business, Vec<String>> {
        let at = now();
        let mut b = Business {
            id: new_id(),
            name: self.name,
            vertical: self.vertical.unwrap_or_else(|| "plumbing".into()),
            phone_number: self.phone_number,
            owner_phone: self.owner_phone,
            time_zone: self.time_zone.unwrap_or_else(|| "America/Chicago".into()),
            hours: WeeklyHours::weekdays(hm(8, 0), hm(17, 0)),
            closed_dates: Vec::new(),
            max_jobs_per_day: 8,
            reserve_mornings_for_emergencies: false,
            travel_buffer_minutes: 30,
            services: crate::domain::default_plumbing_services(),
            emergency_keywords: Vec::new(),
            language: LanguageCode(self.language.unwrap_or_default()),
            accepts_transfers: false,
            service_area: None,
            warranty: None,
            status: TenantStatus::Active,
            lockdown: false,
            plan: "starter".into(),
            subscription_status: "trialing".into(),
            recording_enabled: false,
            recording_retention_days: 30,
            created_at: at,
            updated_at: at,
        };
        validate(&mut b)?;
        Ok(b)
    }
}

fn hm(h: u32, m: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
}

macro_rules! columns {
    () => {
        "id, name, vertical, phone_number, owner_phone, time_zone, hours, closed_dates, \
    max_jobs_per_day, reserve_mornings_for_emergencies, travel_buffer_minutes, services, emergency_keywords, \
    language, accepts_transfers, service_area, warranty, status, lockdown, plan, subscription_status, \
    recording_enabled, recording_retention_days, created_at, updated_at"
    };
}

/// Binds all 25 columns in [`COLUMNS`] order (a macro, so one text serves both drivers).
macro_rules! bind_all {
    ($q:expr, $b:expr) => {{
        use sqlx::types::Json;
        let b = $b;
        $q.bind(&b.id)
            .bind(&b.name)
            .bind(&b.vertical)
            .bind(&b.phone_number)
            .bind(&b.owner_phone)
            .bind(&b.time_zone)
            .bind(Json(&b.hours))
            .bind(Json(&b.closed_dates))
            .bind(b.max_jobs_per_day)
            .bind(b.reserve_mornings_for_emergencies)
            .bind(b.travel_buffer_minutes)
            .bind(Json(&b.services))
            .bind(Json(&b.emergency_keywords))
            .bind(b.language.0.code())
            .bind(b.accepts_transfers)
            .bind(&b.service_area)
            .bind(&b.warranty)
            .bind(b.status.as_str())
            .bind(b.lockdown)
            .bind(&b.plan)
            .bind(&b.subscription_status)
            .bind(b.recording_enabled)
            .bind(b.recording_retention_days)
            .bind(b.created_at)
            .bind(b.updated_at)
    }};
}

pub async fn insert(db: &Db, b: &Business) -> Result<()> {
    let sql = concat!(
        "INSERT INTO businesses (",
        columns!(),
        ") VALUES \
         ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25)"
    );
    with_pool!(db, |p| bind_all!(sqlx::query(sql), b).execute(p).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "another business already uses this phone number"))?;
    Ok(())
}

/// Writes every mutable column of `b` (after a patch).
pub async fn update(db: &Db, b: &Business) -> Result<()> {
    let sql = "UPDATE businesses SET name=$2, vertical=$3, phone_number=$4, owner_phone=$5, time_zone=$6, \
        hours=$7, closed_dates=$8, max_jobs_per_day=$9, reserve_mornings_for_emergencies=$10, \
        travel_buffer_minutes=$11, services=$12, emergency_keywords=$13, language=$14, accepts_transfers=$15, \
        service_area=$16, warranty=$17, status=$18, lockdown=$19, plan=$20, subscription_status=$21, \
        recording_enabled=$22, recording_retention_days=$23, updated_at=$25 WHERE id=$1";
    let mut b = b.clone();
    b.updated_at = now();
    let done = with_pool!(db, |p| bind_all!(sqlx::query(sql), &b).execute(p).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "another business already uses this phone number"))?;
    found(done)
}

pub async fn get(db: &Db, id: &str) -> Result<Business> {
    let sql = concat!("SELECT ", columns!(), " FROM businesses WHERE id = $1");
    with_pool!(db, |p| sqlx::query_as::<_, Business>(sql).bind(id).fetch_optional(p).await)?.ok_or(StoreError::NotFound)
}

/// The tenant that owns a Twilio number (`To` of an inbound call or SMS).
pub async fn find_by_phone(db: &Db, phone_e164: &str) -> Result<Business> {
    let sql = concat!("SELECT ", columns!(), " FROM businesses WHERE phone_number = $1");
    with_pool!(db, |p| sqlx::query_as::<_, Business>(sql).bind(phone_e164).fetch_optional(p).await)?
        .ok_or(StoreError::NotFound)
}

pub async fn list(db: &Db, limit: i64, offset: i64) -> Result<Vec<Business>> {
    let sql = concat!("SELECT ", columns!(), " FROM businesses ORDER BY created_at, id LIMIT $1 OFFSET $2");
    Ok(with_pool!(db, |p| sqlx::query_as::<_, Business>(sql).bind(limit).bind(offset).fetch_all(p).await)?)
}

pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<Business>> {
    let sql = concat!("SELECT ", columns!(), " FROM businesses WHERE name = $1 ORDER BY created_at LIMIT 1");
    Ok(with_pool!(db, |p| sqlx::query_as::<_, Business>(sql).bind(name).fetch_optional(p).await)?)
}

/// Active tenants that have no usable API key (refused in staging/prod).
pub async fn active_without_api_key(db: &Db) -> Result<Vec<String>> {
    let sql = "SELECT b.name FROM businesses b WHERE b.status = 'active' AND NOT EXISTS (\
        SELECT 1 FROM credentials c WHERE c.business_id = b.id AND c.kind = 'api_key' AND c.revoked_at IS NULL)";
    Ok(with_pool!(db, |p| sqlx::query_scalar::<_, String>(sql).fetch_all(p).await)?)
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(with_pool!(db, |p| sqlx::query_scalar("SELECT COUNT(*) FROM businesses").fetch_one(p).await)?)
}
