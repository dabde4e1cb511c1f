//! Customers of a tenant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Db, Result, StoreError, found, like_pattern, new_id, now};
use crate::with_pool;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// E.164, e.g. `+15125550123`.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    #[sqlx(json)]
    pub tags: Vec<String>,
    /// The customer texted STOP: no SMS may be sent.
    pub sms_opt_out: bool,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Fields of a new customer.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A partial update; `null` clears a nullable field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub sms_opt_out: Option<bool>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

/// Search and paging for the customer list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// Case-insensitive match on name, phone, email or address.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Normalises and checks a customer; every problem is reported.
fn validate(c: &mut Customer) -> std::result::Result<(), Vec<String>> {
    let mut problems = Vec::new();
    c.name = c.name.trim().to_string();
    if c.name.is_empty() || c.name.chars().count() > 200 {
        problems.push("name: must be 1 to 200 characters".to_string());
    }
    if let Some(raw) = c.phone.as_deref() {
        match crate::domain::normalize_phone(raw) {
            Some(p) => c.phone = Some(p),
            None => problems.push(format!("phone: {raw:?} is not a phone number")),
        }
    }
    if let Some(email) = c.email.as_deref() {
        let ok = email.len() <= 254
            && email.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
        if !ok {
            problems.push(format!("email: {email:?} is not an email address"));
        }
    }
    if c.address.as_deref().is_some_and(|a| a.len() > 500) {
        problems.push("address: at most 500 characters".into());
    }
    if c.tags.len() > 20 || c.tags.iter().any(|t| t.is_empty() || t.len() > 40) {
        problems.push("tags: at most 20 tags of 1 to 40 characters".into());
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

macro_rules! columns {
    () => {
        "id, name, phone, email, address, tags, sms_opt_out, notes, created_at, updated_at"
    };
}

pub async fn create(db: &Db, tenant: &str, new: NewCustomer) -> Result<Customer> {
    let at = now();
    let mut c = Customer {
        id: new_id(),
        name: new.name,
        phone: new.phone,
        email: new.email,
        address: new.address,
        tags: new.tags,
        sms_opt_out: false,
        notes: new.notes,
        created_at: at,
        updated_at: at,
    };
    validate(&mut c).map_err(|p| StoreError::Invalid(p.join("; ")))?;
    with_pool!(db, |p| {
        sqlx::query(
            "INSERT INTO customers (id, business_id, name, phone, email, address, tags, sms_opt_out, notes, \
             created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        )
        .bind(&c.id)
        .bind(tenant)
        .bind(&c.name)
        .bind(&c.phone)
        .bind(&c.email)
        .bind(&c.address)
        .bind(sqlx::types::Json(&c.tags))
        .bind(c.sms_opt_out)
        .bind(&c.notes)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
    })
    .map_err(|e| StoreError::on_unique(e, "a customer with this phone number already exists"))?;
    Ok(c)
}

pub async fn get(db: &Db, tenant: &str, id: &str) -> Result<Customer> {
    let sql = concat!("SELECT ", columns!(), " FROM customers WHERE business_id = $1 AND id = $2");
    with_pool!(db, |p| sqlx::query_as::<_, Customer>(sql).bind(tenant).bind(id).fetch_optional(p).await)?
        .ok_or(StoreError::NotFound)
}

pub async fn find_by_phone(db: &Db, tenant: &str, phone_e164: &str) -> Result<Option<Customer>> {
    let sql = concat!("SELECT ", columns!(), " FROM customers WHERE business_id = $1 AND phone = $2");
    Ok(with_pool!(db, |p| sqlx::query_as::<_, Customer>(sql).bind(tenant).bind(phone_e164).fetch_optional(p).await)?)
}

/// One page of customers (newest first) and the total that match.
pub async fn list(db: &Db, tenant: &str, query: &CustomerQuery) -> Result<(Vec<Customer>, i64)> {
    let pattern = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(like_pattern);
    macro_rules! filter {
        () => {
            "business_id = $1 AND ($2 IS NULL OR LOWER(name) LIKE $2 ESCAPE '\\' OR phone LIKE $2 ESCAPE '\\' \
        OR LOWER(COALESCE(email, '')) LIKE $2 ESCAPE '\\' OR LOWER(COALESCE(address, '')) LIKE $2 ESCAPE '\\')"
        };
    }
    let (limit, offset) = super::paging(query.limit, query.offset);
    let rows_sql = concat!(
        "SELECT ",
        columns!(),
        " FROM customers WHERE ",
        filter!(),
        " ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    );
    let count_sql = concat!("SELECT COUNT(*) FROM customers WHERE ", filter!());
    with_pool!(db, |p| {
        let rows = sqlx::query_as::<_, Customer>(rows_sql)
            .bind(tenant)
            .bind(&pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
        let total: i64 = sqlx::query_scalar(count_sql).bind(tenant).bind(&pattern).fetch_one(p).await?;
        Ok((rows, total))
    })
}

pub async fn update(db: &Db, tenant: &str, id: &str, patch: CustomerPatch) -> Result<Customer> {
    let mut c = get(db, tenant, id).await?;
    macro_rules! set {
        ($($f:ident),*) => { $( if let Some(v) = patch.$f { c.$f = v; } )* };
    }
    set!(name, phone, email, address, tags, sms_opt_out, notes);
    validate(&mut c).map_err(|p| StoreError::Invalid(p.join("; ")))?;
    c.updated_at = now();
    let done = with_pool!(db, |p| {
        sqlx::query(
            "UPDATE customers SET name=$3, phone=$4, email=$5, address=$6, tags=$7, sms_opt_out=$8, notes=$9, \
             updated_at=$10 WHERE business_id=$1 AND id=$2",
        )
        .bind(tenant)
        .bind(id)
        .bind(&c.name)
        .bind(&c.phone)
        .bind(&c.email)
        .bind(&c.address)
        .bind(sqlx::types::Json(&c.tags))
        .bind(c.sms_opt_out)
        .bind(&c.notes)
        .bind(c.updated_at)
        .execute(p)
        .await
        .map(|r| r.rows_affected())
    })
    .map_err(|e| StoreError::on_unique(e, "a customer with this phone number already exists"))?;
    found(done)?;
    Ok(c)
}

/// Deletes a customer and (by cascade) their appointments.
pub async fn delete(db: &Db, tenant: &str, id: &str) -> Result<()> {
    let done = with_pool!(db, |p| sqlx::query("DELETE FROM customers WHERE business_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))?;
    found(done)
}

/// Records STOP/START from SMS on every customer with that number.
pub async fn set_sms_opt_out(db: &Db, tenant: &str, phone_e164: &str, opt_out: bool) -> Result<u64> {
    let done = with_pool!(db, |p| sqlx::query(
        "UPDATE customers SET sms_opt_out = $3, updated_at = $4 WHERE business_id = $1 AND phone = $2"
    )
    .bind(tenant)
    .bind(phone_e164)
    .bind(opt_out)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(done)
}
