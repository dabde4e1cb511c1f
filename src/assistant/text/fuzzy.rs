//! Fuzzy phrase matching over normalised tokens.
//!
//! Speech recognisers substitute similar-sounding words ("water fever" for
//! "water heater", "sewer" for "sewage", "burst type" for "burst pipe").
//! A phrase matches when each word is within a small edit distance scaled to
//! its length (short words must match exactly: "leak" vs "lead" is a real
//! difference), or, for multi-word phrases, when at least one long word is
//! exact and the whole phrase is still close as a string.

use strsim::damerau_levenshtein;

/// A phrase found in an utterance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Token index where the match starts.
    pub start: usize,
    /// One past the last matched token.
    pub end: usize,
    /// 1.0 for an exact match, lower for fuzzy ones.
    pub score: f32,
}

/// Edits tolerated in a single word of this length.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Similarity of two words in 0..=1, or `None` when they are too far apart.
pub fn word_score(a: &str, b: &str) -> Option<f32> {
    if a == b {
        return Some(1.0);
    }
    // Numbers never match fuzzily: "3" is not "8".
    if a.chars().any(|c| c.is_ascii_digit()) || b.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let len = a.chars().count().max(b.chars().count());
    let d = damerau_levenshtein(a, b);
    (d <= allowed_edits(len)).then(|| 1.0 - d as f32 / len as f32)
}

/// Best match of `phrase` (already normalised, space separated) in `tokens`.
pub fn find(tokens: &[String], phrase: &str) -> Option<Hit> {
    let words: Vec<&str> = phrase.split_whitespace().collect();
    if words.is_empty() || tokens.len() < words.len() {
        return None;
    }
    let mut best: Option<Hit> = None;
    for start in 0..=tokens.len() - words.len() {
        let window = &tokens[start..start + words.len()];
        if let Some(score) = window_score(window, &words) {
            let hit = Hit { start, end: start + words.len(), score };
            if best.is_none_or(|b| hit.score > b.score) {
                best = Some(hit);
            }
            if score >= 1.0 {
                break;
            }
        }
    }
    best
}

/// Every non-overlapping occurrence of `phrase` (left to right).
pub fn find_all(tokens: &[String], phrase: &str) -> Vec<Hit> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < tokens.len() {
        match find(&tokens[from..], phrase) {
            Some(h) => {
                out.push(Hit { start: h.start + from, end: h.end + from, score: h.score });
                from += h.end;
            }
            None => break,
        }
    }
    out
}

fn window_score(window: &[String], words: &[&str]) -> Option<f32> {
    let per_word: Vec<Option<f32>> = window.iter().zip(words).map(|(t, w)| word_score(t, w)).collect();
    if per_word.iter().all(Option::is_some) {
        let sum: f32 = per_word.iter().flatten().sum();
        return Some(sum / words.len() as f32);
    }
    if words.len() < 2 {
        return None;
    }
    // Whole-phrase fallback: one long word is exact and the rest sounds close.
    let anchored = window.iter().zip(words).any(|(t, w)| t == w && w.len() >= 3);
    // Every other word must still resemble its counterpart ("fever" ~
    // "heater" shares half its letters; "hot" vs "no" shares nothing).
    let resembles = window.iter().zip(words).all(|(t, w)| {
        let len = t.chars().count().max(w.chars().count());
        t == w || (len >= 4 && 1.0 - damerau_levenshtein(t, w) as f32 / len as f32 >= 0.45)
    });
    if !anchored || !resembles {
        return None;
    }
    let a = window.join(" ");
    let b = words.join(" ");
    let len = a.len().max(b.len());
    let sim = 1.0 - damerau_levenshtein(&a, &b) as f32 / len as f32;
    (sim >= 0.74).then_some(sim * 0.9)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn exact_and_fuzzy_words() {
        assert_eq!(word_score("heater", "heater"), Some(1.0));
        assert!(word_score("heeter", "heater").is_some());
        assert!(word_score("leak", "lead").is_none(), "short words must be exact");
        assert!(word_score("3", "8").is_none());
    }

    #[test]
    fn asr_substitution_in_a_phrase() {
        let t = toks("my water fever is broken");
        let hit = find(&t, "water heater").expect("water fever ~ water heater");
        assert_eq!((hit.start, hit.end), (1, 3));
        assert!(hit.score < 1.0);
        assert!(find(&toks("the water is leaking"), "water heater").is_none());
    }

    #[test]
    fn exact_beats_fuzzy_and_all_hits_are_found() {
        let t = toks("gas leak i mean a gas leek");
        let all = find_all(&t, "gas leak");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].score, 1.0);
    }
}
