//! Fixed phrases (greeting, "one moment", goodbye, re-prompts) are the same on
//! every call, so their audio is synthesised once per tenant/voice and shared.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// `(voice key, text)`.
type PromptKey = (String, String);

/// `(voice key, text) -> 8 kHz mu-law audio`, bounded in entries.
#[derive(Debug)]
pub struct PromptCache {
    entries: Mutex<HashMap<PromptKey, Arc<[u8]>>>,
    capacity: usize,
}

impl PromptCache {
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    pub fn get(&self, voice_key: &str, text: &str) -> Option<Arc<[u8]>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(&(voice_key.to_string(), normalize(text))).cloned()
    }

    /// Stores audio; when full, an arbitrary old entry makes room (fixed
    /// phrases are few, so this only matters if the cache is misused for
    /// free text).
    pub fn insert(&self, voice_key: &str, text: &str, audio: Arc<[u8]>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity
            && let Some(victim) = entries.keys().next().cloned()
        {
            entries.remove(&victim);
        }
        entries.insert((voice_key.to_string(), normalize(text)), audio);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whitespace differences do not make a different phrase.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_by_voice_and_text_and_bounded() {
        let cache = PromptCache::new(2);
        cache.insert("acme/joe", "Hello  there", Arc::from(vec![1u8]));
        assert_eq!(cache.get("acme/joe", "Hello there").as_deref(), Some(&[1u8][..]));
        assert!(cache.get("other/joe", "Hello there").is_none());
        cache.insert("acme/joe", "Bye", Arc::from(vec![2u8]));
        cache.insert("acme/joe", "One moment", Arc::from(vec![3u8]));
        assert_eq!(cache.len(), 2);
        assert!(cache.get("acme/joe", "One moment").is_some());
    }
}
