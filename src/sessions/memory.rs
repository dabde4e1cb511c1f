//! In-process sessions: the zero-setup default for a single instance.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{SessionFuture, SessionStore};

/// Expired entries are dropped when read, and swept every `SWEEP_EVERY` writes
/// so abandoned sessions cannot grow the map without bound.
const SWEEP_EVERY: u64 = 256;

#[derive(Default)]
pub struct MemorySessions {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, (String, Instant)>,
    writes: u64,
}

impl MemorySessions {
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.entries.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SessionStore for MemorySessions {
    fn get<'a>(&'a self, key: &'a str) -> SessionFuture<'a, Option<String>> {
        Box::pin(async move {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            match inner.entries.get(key) {
                Some((_, expires)) if *expires <= Instant::now() => {
                    inner.entries.remove(key);
                    Ok(None)
                }
                Some((value, _)) => Ok(Some(value.clone())),
                None => Ok(None),
            }
        })
    }

    fn put<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> SessionFuture<'a, ()> {
        Box::pin(async move {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            inner.entries.insert(key.to_string(), (value, now + ttl));
            inner.writes += 1;
            if inner.writes.is_multiple_of(SWEEP_EVERY) {
                inner.entries.retain(|_, (_, expires)| *expires > now);
            }
            Ok(())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> SessionFuture<'a, ()> {
        Box::pin(async move {
            self.inner.lock().unwrap_or_else(|p| p.into_inner()).entries.remove(key);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_expire_and_can_be_deleted() {
        let s = MemorySessions::default();
        s.put("a", "1".into(), Duration::from_millis(30)).await.unwrap();
        s.put("b", "2".into(), Duration::from_secs(60)).await.unwrap();
        assert_eq!(s.get("a").await.unwrap().as_deref(), Some("1"));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(s.get("a").await.unwrap(), None);
        s.delete("b").await.unwrap();
        assert_eq!(s.get("b").await.unwrap(), None);
        assert!(s.is_empty());
    }

    #[tokio::test]
    async fn sweeping_drops_abandoned_sessions() {
        let s = MemorySessions::default();
        for i in 0..SWEEP_EVERY - 1 {
            s.put(&format!("old{i}"), "x".into(), Duration::from_millis(1)).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        s.put("fresh", "y".into(), Duration::from_secs(60)).await.unwrap();
        assert_eq!(s.len(), 1);
    }
}
