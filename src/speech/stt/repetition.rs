//! Guard against Whisper's repetition loops.
//!
//! With the encoder window trimmed to a short utterance, tiny.en sometimes
//! does not emit end-of-text and instead transcribes the same audio again
//! ("Please cancel my appointment. Please cancel my appointment. Please ...")
//! or loops on a phrase ("apartment 3, apartment 3, apartment 3"). A token cap
//! bounds the time lost; this cleans the text. Measured effect in
//! docs/benchmarks.md.

/// Lower-case word with punctuation stripped, for comparisons only.
fn key(word: &str) -> String {
    word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Removes a restart of the whole transcript and phrases looping 3+ times.
pub fn strip_repetitions(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let keys: Vec<String> = words.iter().map(|w| key(w)).collect();
    let mut kept: Vec<usize> = (0..words.len()).collect();
    collapse_loops(&keys, &mut kept);
    let kept_keys: Vec<String> = kept.iter().map(|&i| keys[i].clone()).collect();
    kept.truncate(cut_restart(&kept_keys).unwrap_or(kept.len()));
    let mut out = kept.iter().map(|&i| words[i]).collect::<Vec<_>>().join(" ");
    // A cut mid-sentence can leave a dangling comma.
    while out.ends_with(',') {
        out.pop();
    }
    out
}

/// Index where the text starts over: from word `k` on, the words repeat the
/// transcript's own beginning for as long as they last (at least two words).
fn cut_restart(keys: &[String]) -> Option<usize> {
    (3..keys.len()).find(|&k| {
        let m = (keys.len() - k).min(k);
        m >= 2 && keys[k..k + m] == keys[..m]
    })
}

/// Drops consecutive repeats of an n-word phrase beyond the first when it
/// occurs three or more times in a row (four for single words: "no, no, no"
/// is speech, not a loop).
fn collapse_loops(keys: &[String], kept: &mut Vec<usize>) {
    for n in (1..=8).rev() {
        let min_repeats = if n == 1 { 4 } else { 3 };
        let mut i = 0;
        while i + n <= kept.len() {
            let phrase: Vec<&String> = kept[i..i + n].iter().map(|&j| &keys[j]).collect();
            let mut repeats = 1;
            while i + (repeats + 1) * n <= kept.len()
                && kept[i + repeats * n..i + (repeats + 1) * n].iter().map(|&j| &keys[j]).eq(phrase.iter().copied())
            {
                repeats += 1;
            }
            if repeats >= min_repeats {
                kept.drain(i + n..i + repeats * n);
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restarted_transcript_is_cut() {
        assert_eq!(
            strip_repetitions("Please cancel my appointment on Friday. Please cancel my appointment on Friday. Please"),
            "Please cancel my appointment on Friday."
        );
        assert_eq!(
            strip_repetitions("I smell gas in the kitchen. Please send someone. I smell gas in"),
            "I smell gas in the kitchen. Please send someone."
        );
    }

    #[test]
    fn looping_phrases_are_collapsed() {
        assert_eq!(
            strip_repetitions("My address is 1425 Maple Street, apartment 3, apartment 3, apartment 3, apartment 3,"),
            "My address is 1425 Maple Street, apartment 3"
        );
        assert_eq!(strip_repetitions("Thank you. Thank you. Thank you. Thank you."), "Thank you.");
    }

    #[test]
    fn ordinary_speech_is_untouched() {
        for text in [
            "No, no, no, that is not what I said.",
            "The drain in the kitchen and the drain in the bathroom are both slow.",
            "Yes.",
            "It is 555 555 0142.",
        ] {
            assert_eq!(strip_repetitions(text), text);
        }
    }
}
