//! A token cursor that remembers which tokens an earlier rule consumed, so
//! "por la mañana" (morning) is not read again as "mañana" (tomorrow) and
//! the 14 in "the 14th" is not read again as 2 PM.

use crate::assistant::text::fuzzy::word_score;

pub struct Scan<'a> {
    pub tokens: &'a [String],
    used: Vec<bool>,
}

impl<'a> Scan<'a> {
    pub fn new(tokens: &'a [String]) -> Self {
        Scan { tokens, used: vec![false; tokens.len()] }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_used(&self, i: usize) -> bool {
        self.used.get(i).copied().unwrap_or(true)
    }

    pub fn take(&mut self, start: usize, end: usize) {
        for u in &mut self.used[start..end.min(self.tokens.len())] {
            *u = true;
        }
    }

    /// End index if `phrase` occurs on unused tokens starting at `i`.
    pub fn at(&self, i: usize, phrase: &str) -> Option<usize> {
        let mut j = i;
        for w in phrase.split_whitespace() {
            let t = self.tokens.get(j)?;
            if self.is_used(j) || word_score(t, w).is_none() {
                return None;
            }
            j += 1;
        }
        (j > i).then_some(j)
    }

    /// First occurrence of `phrase` on unused tokens: `(start, end)`.
    pub fn find(&self, phrase: &str) -> Option<(usize, usize)> {
        (0..self.tokens.len()).find_map(|i| self.at(i, phrase).map(|e| (i, e)))
    }

    /// The longest phrase of `phrases` starting at `i`.
    pub fn any_at(&self, i: usize, phrases: &[&str]) -> Option<usize> {
        phrases.iter().filter_map(|p| self.at(i, p)).max()
    }

    /// Start index of the longest phrase of `phrases` that ends right before `end`.
    pub fn any_before(&self, end: usize, phrases: &[&str]) -> Option<usize> {
        phrases
            .iter()
            .filter_map(|p| {
                let n = p.split_whitespace().count();
                let start = end.checked_sub(n)?;
                (self.at(start, p) == Some(end)).then_some(start)
            })
            .min()
    }

    /// The unused token at `i` as a number.
    pub fn number(&self, i: usize) -> Option<u32> {
        if self.is_used(i) {
            return None;
        }
        let t = self.tokens.get(i)?;
        if t.len() > 4 || !t.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    }

    pub fn word(&self, i: usize) -> Option<&str> {
        self.tokens.get(i).map(String::as_str)
    }
}
