//! Rate limits for the public, browser-facing endpoints.
//!
//! The chat widget is reachable by anyone who loads a tenant's web page, and
//! every message runs the assistant and may send an SMS confirmation (which
//! costs the tenant money). So new chats are limited per tenant and messages
//! per chat, with token buckets: a burst is allowed, then a steady rate. A
//! refused request gets `429` with `Retry-After` and is counted; nothing is
//! written.
//!
//! The buckets live in this process. Behind several instances each one
//! enforces its own limit, which bounds abuse by the instance count; that is
//! the trade for not putting a network round trip on every chat message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before idle, refilled ones are swept out.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets keyed by string: `burst` requests at once, refilled at
/// `per_second`.
#[derive(Debug)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
    burst: f64,
    per_second: f64,
}

impl RateLimiter {
    pub fn new(burst: u32, per_minute: u32) -> Self {
        Self {
            buckets: Mutex::new(HashMap::new()),
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
        }
    }

    /// Takes one token for `key`, or says how long until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= SWEEP_AT {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, b| b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket { tokens: self.burst, updated: now });
        let refill = now.saturating_duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }
}

/// The limits the app enforces.
#[derive(Debug)]
pub struct RateLimits {
    /// New widget chats, per tenant.
    pub widget_sessions: RateLimiter,
    /// Messages, per widget chat.
    pub widget_messages: RateLimiter,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            // A trades business's site sees a few chats an hour; a script
            // opening hundreds is not a customer.
            widget_sessions: RateLimiter::new(20, 30),
            // People type a message every few seconds at most.
            widget_messages: RateLimiter::new(10, 20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_the_steady_rate_per_key() {
        let limiter = RateLimiter::new(3, 60); // one a second after the burst
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("a", t0).is_ok());
        }
        let wait = limiter.check("a", t0).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.check("b", t0).is_ok(), "keys are independent");
        assert!(limiter.check("a", t0 + Duration::from_millis(1001)).is_ok());
        assert!(limiter.check("a", t0 + Duration::from_millis(1002)).is_err());
        // Refill never exceeds the burst.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(limiter.check("a", later).is_ok());
        }
        assert!(limiter.check("a", later).is_err());
    }
}
