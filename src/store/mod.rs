//! Persistence: sqlx repositories over SQLite (embedded default) or PostgreSQL.
//!
//! Both databases run the *same* SQL text. We write portable SQL with `$1`
//! placeholders (SQLite accepts them too) and the [`with_pool!`] macro expands
//! one query expression once per backend, so every repository function is
//! written exactly once and type-checked against both drivers.
//!
//! Every tenant-scoped query takes the tenant id and filters on it: a record of
//! another tenant is indistinguishable from a missing one ([`StoreError::NotFound`]).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub mod appointments;
pub mod businesses;
pub mod callbacks;
pub mod calls;
pub mod conversations;
pub mod credentials;
pub mod customers;
pub mod events;
mod migrate;
pub mod recordings;
pub mod seed;
pub mod webhooks;

pub use migrate::MIGRATIONS;

/// Runs `$body` with `$p` bound to the concrete pool of whichever backend is
/// configured. The body is duplicated at compile time, so it is checked
/// against both drivers' types.
#[macro_export]
macro_rules! with_pool {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($p) => $body,
            $crate::store::Db::Postgres($p) => $body,
        }
    };
}

/// Errors of the storage layer. HTTP maps them to status codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist *for this tenant*.
    #[error("not found")]
    NotFound,
    /// A uniqueness or business rule conflict (duplicate phone, overlapping slot).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Input the database refused as invalid (bad reference, check constraint).
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

/// An update or delete of one record: zero rows touched means the record does
/// not exist for this tenant.
pub(crate) fn found(rows_affected: u64) -> Result<()> {
    if rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

impl StoreError {
    /// Turns unique-violation errors into [`StoreError::Conflict`] with a message.
    pub(crate) fn on_unique(err: sqlx::Error, message: &str) -> StoreError {
        if let sqlx::Error::Database(db) = &err
            && db.is_unique_violation()
        {
            return StoreError::Conflict(message.to_string());
        }
        if let sqlx::Error::Database(db) = &err
            && db.is_foreign_key_violation()
        {
            return StoreError::Invalid("a referenced record does not exist".into());
        }
        StoreError::Database(err)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A connection pool to one of the supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Connects to `url`, creating the SQLite file (and its folder) if missing.
    pub async fn connect(url: &str) -> Result<Db> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5));
            if let Some(parent) = options.get_filename().parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Migration(format!("cannot create {}: {e}", parent.display())))?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            let pool =
                PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(5)).connect(url).await?;
            Ok(Db::Postgres(pool))
        }
    }

    /// Applies pending migrations (idempotent).
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        migrate::run(self).await
    }

    /// A trivial round trip, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        with_pool!(self, |p| p.close().await)
    }
}

/// A fresh, time-ordered record id.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// "Now" at whole-second precision: timestamps then compare and sort the same
/// way in SQLite (stored as RFC 3339 text) and PostgreSQL (`TIMESTAMPTZ`).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_pattern(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Deserialises a field that distinguishes "absent" (`None`) from "null"
/// (`Some(None)`), for PATCH bodies: use with `#[serde(default, deserialize_with = "...")]`.
pub(crate) fn nullable<'de, D, T>(d: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// Clamps client paging: limit 1..=200 (default 50), offset >= 0.
pub fn paging(limit: Option<i64>, offset: Option<i64>) -> (i64, i64) {
    (limit.unwrap_or(50).clamp(1, 200), offset.unwrap_or(0).max(0))
}

/// Declares an enum stored as lower-case text: `as_str`, `TryFrom<String>`
/// (for `#[sqlx(try_from = "String")]`) and serde in the same spelling.
#[macro_export]
macro_rules! text_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        $vis enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> std::result::Result<Self, String> {
                match s.as_str() {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("unknown {} {other:?}", stringify!($name))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Drops sub-second precision (see [`now`]).
pub fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}
