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

/// Index where the text starts over. From word `k` on, either
/// * the words repeat the transcript's own beginning for as long as they last
///   (at least two words), or for five words when more are left; or
/// * after at most two words (a re-tokenised "after noon" for "afternoon"),
///   the whole rest (four words or more) repeats an earlier run of the text.
fn cut_restart(keys: &[String]) -> Option<usize> {
    let n = keys.len();
    // The rest from `k + skip` (4+ words) occurs earlier, and the `skip`
    // words before it spell the word before that earlier run ("after noon"
    // re-tokenising "afternoon").
    let repeats_earlier = |k: usize, skip: usize| {
        let tail = &keys[(k + skip).min(n)..];
        let respelled = keys[k..(k + skip).min(n)].concat();
        tail.len() >= 4
            && keys[..k]
                .windows(tail.len())
                .enumerate()
                .any(|(j, w)| w == tail && (skip == 0 || (j > 0 && keys[j - 1] == respelled)))
    };
    (3..n).find(|&k| {
        let m = (n - k).min(k);
        (m >= 2 && keys[k..k + m] == keys[..m])
            || (m >= 5 && keys[k..k + 5] == keys[..5])
            || (0..=2).any(|skip| repeats_earlier(k, skip))
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
    fn a_restart_after_more_speech_or_a_retokenised_word_is_cut() {
        assert_eq!(
            strip_repetitions(
                "Yes, that time is perfect. Thank you. Thank you. Yes, that time is perfect. Thank you. Yes, that"
            ),
            "Yes, that time is perfect. Thank you. Thank you."
        );
        assert_eq!(
            strip_repetitions(
                "Tuesday afternoon around 2 o'clock works for me. After noon around 2 o'clock works for me."
            ),
            "Tuesday afternoon around 2 o'clock works for me."
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
            "I need a plumber, I need one today because the pipe under the sink is leaking.",
            "The water heater is leaking and the water heater is old.",
        ] {
            assert_eq!(strip_repetitions(text), text);
        }
    }
}
