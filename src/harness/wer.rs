//! Word error rate between a reference text and a transcript.
//!
//! WER = (substitutions + deletions + insertions) / reference words, over
//! [`normalize`](super::normalize::normalize)d words, from a word-level
//! Levenshtein alignment. It can exceed 1.0 when the transcript adds words.

use serde::Serialize;

use super::normalize::normalize;

/// Edit counts of one alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WordErrors {
    pub substitutions: u32,
    pub deletions: u32,
    pub insertions: u32,
    pub reference_words: u32,
}

impl WordErrors {
    pub fn errors(&self) -> u32 {
        self.substitutions + self.deletions + self.insertions
    }

    /// Errors per reference word; 0 for an empty reference matched by an
    /// empty hypothesis, 1 per inserted word when the reference is empty.
    pub fn rate(&self) -> f64 {
        if self.reference_words == 0 {
            return f64::from(self.insertions);
        }
        f64::from(self.errors()) / f64::from(self.reference_words)
    }

    /// Sums counts (corpus WER is total errors / total words, not a mean of rates).
    pub fn add(&mut self, other: WordErrors) {
        self.substitutions += other.substitutions;
        self.deletions += other.deletions;
        self.insertions += other.insertions;
        self.reference_words += other.reference_words;
    }
}

/// Normalises both texts and aligns them.
pub fn word_errors(reference: &str, hypothesis: &str) -> WordErrors {
    align(&normalize(reference), &normalize(hypothesis))
}

/// WER of `hypothesis` against `reference` after normalisation.
pub fn wer(reference: &str, hypothesis: &str) -> f64 {
    word_errors(reference, hypothesis).rate()
}

/// Minimum-edit alignment of two word sequences; ties prefer substitutions,
/// then deletions, which is what `jiwer` reports.
pub fn align<S: AsRef<str>>(reference: &[S], hypothesis: &[S]) -> WordErrors {
    #[derive(Clone, Copy, Default)]
    struct Cell {
        cost: u32,
        s: u32,
        d: u32,
        i: u32,
    }
    let cols = hypothesis.len() + 1;
    let mut prev: Vec<Cell> = (0..cols).map(|j| Cell { cost: j as u32, i: j as u32, ..Default::default() }).collect();
    for (r, ref_word) in reference.iter().enumerate() {
        let mut row = vec![Cell { cost: r as u32 + 1, d: r as u32 + 1, ..Default::default() }; cols];
        for (h, hyp_word) in hypothesis.iter().enumerate() {
            let same = ref_word.as_ref() == hyp_word.as_ref();
            let diag = prev[h];
            let diag = if same { diag } else { Cell { cost: diag.cost + 1, s: diag.s + 1, ..diag } };
            let up = prev[h + 1];
            let del = Cell { cost: up.cost + 1, d: up.d + 1, ..up };
            let left = row[h];
            let ins = Cell { cost: left.cost + 1, i: left.i + 1, ..left };
            row[h + 1] = [diag, del, ins].into_iter().min_by_key(|c| c.cost).unwrap_or(diag);
        }
        prev = row;
    }
    let last = prev[cols - 1];
    WordErrors { substitutions: last.s, deletions: last.d, insertions: last.i, reference_words: reference.len() as u32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_after_normalisation_is_zero() {
        assert_eq!(
            wer(
                "My water heater is leaking, can someone come tomorrow?",
                "my water heater is leaking can someone come tomorrow"
            ),
            0.0
        );
        assert_eq!(wer("It's 42 Oak Street.", "It is forty-two Oak street"), 0.0);
    }

    #[test]
    fn counts_each_kind_of_error() {
        // "water fever": one substitution out of eight words.
        let e =
            word_errors("my water heater is leaking can someone come", "my water fever is leaking can someone come");
        assert_eq!((e.substitutions, e.deletions, e.insertions, e.reference_words), (1, 0, 0, 8));
        assert!((e.rate() - 0.125).abs() < 1e-9);
        let e = word_errors("can someone come tomorrow", "can come tomorrow please");
        assert_eq!((e.substitutions, e.deletions, e.insertions), (0, 1, 1));
        assert_eq!(e.rate(), 0.5);
    }

    #[test]
    fn empty_sides() {
        assert_eq!(wer("", ""), 0.0);
        assert_eq!(wer("hello there", ""), 1.0);
        assert_eq!(wer("", "uh hello"), 1.0);
        assert_eq!(wer("um", ""), 0.0);
    }

    #[test]
    fn corpus_rate_weights_by_words() {
        let mut total = word_errors("a b c d", "a b c d");
        total.add(word_errors("yes", "no"));
        assert_eq!(total.reference_words, 5);
        assert!((total.rate() - 0.2).abs() < 1e-9);
    }
}
