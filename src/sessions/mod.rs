//! Conversation state between turns, behind one trait.
//!
//! A session is an opaque serialised value (the assistant's state, a widget
//! chat's secret) with a time to live. One instance keeps sessions in memory;
//! several instances behind a load balancer share them through Redis, so an
//! SMS reply or the next chat message may land on any instance.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

mod memory;
mod redis;

pub use memory::MemorySessions;
pub use redis::RedisSessions;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store unavailable: {0}")]
    Unavailable(String),
}

pub type SessionFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, SessionError>> + Send + 'a>>;

/// Key-value storage with expiry. Keys are namespaced by the caller
/// (`"{tenant}:{channel}:{id}"`), values are opaque strings (JSON).
pub trait SessionStore: Send + Sync {
    fn get<'a>(&'a self, key: &'a str) -> SessionFuture<'a, Option<String>>;
    fn put<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> SessionFuture<'a, ()>;
    fn delete<'a>(&'a self, key: &'a str) -> SessionFuture<'a, ()>;
}

/// Picks Redis when a URL is configured, memory otherwise.
pub async fn from_config(redis_url: Option<&str>) -> Result<Arc<dyn SessionStore>, SessionError> {
    match redis_url {
        Some(url) => Ok(Arc::new(RedisSessions::connect(url).await?)),
        None => Ok(Arc::new(MemorySessions::default())),
    }
}

/// How long an idle conversation is remembered.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);
