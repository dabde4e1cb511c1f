//! Recently spoken pieces of replies, ready to play.
//!
//! Replies are built from a catalog, so the same sentences come back on call
//! after call ("Okay.", "What's the address for the visit?"). Keeping their
//! phone-band audio means a reply that opens with one of them starts playing
//! without waiting for synthesis, which is most of a turn's latency budget.
//! Unlike the [`super::PromptCache`] (whole fixed phrases per tenant, kept
//! for good) this is a least-recently-used cache bounded in bytes: free text
//! with names and times passes through and is evicted first.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The text with whitespace collapsed.
type Key = String;

#[derive(Default)]
struct Entries {
    audio: HashMap<Key, (Arc<[u8]>, u64)>,
    /// Last use -> key, oldest first.
    by_use: BTreeMap<u64, Key>,
    bytes: usize,
    clock: u64,
}

/// Text piece -> 8 kHz mu-law audio, least recently used evicted first.
pub struct PieceCache {
    entries: Mutex<Entries>,
    budget: usize,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl PieceCache {
    /// A cache holding at most `budget` bytes of audio (8000 bytes per second).
    pub fn new(budget: usize) -> Self {
        Self { entries: Mutex::default(), budget, hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, text: &str) -> Option<Arc<[u8]>> {
        let key = normalize(text);
        let mut e = self.lock();
        e.clock += 1;
        let now = e.clock;
        let found = match e.audio.get_mut(&key) {
            Some((audio, used)) => {
                let previous = std::mem::replace(used, now);
                Some((Arc::clone(audio), previous))
            }
            None => None,
        };
        match found {
            Some((audio, previous)) => {
                e.by_use.remove(&previous);
                e.by_use.insert(now, key);
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(audio)
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Stores a piece's audio, evicting the least recently used pieces to
    /// stay within the budget. A piece larger than the whole budget is not kept.
    pub fn insert(&self, text: &str, audio: Arc<[u8]>) {
        if audio.len() > self.budget {
            return;
        }
        let key = normalize(text);
        let mut e = self.lock();
        e.clock += 1;
        let now = e.clock;
        let size = audio.len();
        if let Some((old, used)) = e.audio.insert(key.clone(), (audio, now)) {
            e.bytes -= old.len();
            e.by_use.remove(&used);
        }
        e.bytes += size;
        e.by_use.insert(now, key);
        while e.bytes > self.budget {
            let Some((_, victim)) = e.by_use.pop_first() else { break };
            if let Some((old, _)) = e.audio.remove(&victim) {
                e.bytes -= old.len();
            }
        }
    }

    pub fn len(&self) -> usize {
        self.lock().audio.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(hits, misses)` since start.
    pub fn stats(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }
}

fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(n: usize) -> Arc<[u8]> {
        Arc::from(vec![0xffu8; n])
    }

    #[test]
    fn keyed_by_text() {
        let cache = PieceCache::new(1000);
        cache.insert("Okay.", audio(10));
        assert_eq!(cache.get(" Okay.  ").map(|a| a.len()), Some(10));
        assert!(cache.get("Okay").is_none());
        assert_eq!(cache.stats(), (1, 1));
    }

    #[test]
    fn least_recently_used_goes_first_and_bytes_stay_in_budget() {
        let cache = PieceCache::new(300);
        cache.insert("a", audio(100));
        cache.insert("b", audio(100));
        cache.insert("c", audio(100));
        assert!(cache.get("a").is_some()); // "b" is now the oldest
        cache.insert("d", audio(100));
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("c").is_some() && cache.get("d").is_some());
        // Replacing an entry does not count its bytes twice.
        cache.insert("d", audio(50));
        cache.insert("e", audio(50));
        assert_eq!(cache.len(), 4);
        // Larger than the budget: not kept, nothing evicted.
        cache.insert("huge", audio(301));
        assert!(cache.get("huge").is_none());
        assert_eq!(cache.len(), 4);
    }
}
