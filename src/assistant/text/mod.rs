//! Turning raw transcripts and typed messages into comparable tokens.
//!
//! Speech recognisers and texters produce the same words in many shapes
//! ("3pm", "three p.m.", "3 P M", "um, like, three"). Every matcher downstream
//! works on the normalised token list produced here, so the variety is
//! handled once: lower case, accents folded, apostrophes dropped ("don't" ->
//! "dont"), digits split from letters ("3pm" -> "3 pm"), number words turned
//! into digits ("twenty five" -> "25", "fourteenth" -> "14 th") and fillers
//! removed.

pub mod fuzzy;
pub mod numbers;

use crate::domain::Language;

/// A normalised utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utterance {
    pub tokens: Vec<String>,
}

impl Utterance {
    pub fn new(raw: &str, lang: Language) -> Self {
        Utterance { tokens: normalize(raw, lang) }
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The tokens joined by single spaces (handy for substring checks).
    pub fn joined(&self) -> String {
        self.tokens.join(" ")
    }

    pub fn has(&self, word: &str) -> bool {
        self.tokens.iter().any(|t| t == word)
    }
}

/// Words that carry no meaning in speech ("um", "uh").
const FILLERS: &[&str] =
    &["um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "ahh", "hmm", "hm", "mm", "mmm", "mhm", "eh"];

/// Fold one character to lower-case ASCII where it has an obvious base letter.
fn fold(c: char) -> Option<char> {
    let base = match c {
        'á' | 'à' | 'â' | 'ä' | 'Á' | 'À' | 'Â' | 'Ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'Ó' | 'Ò' | 'Ô' | 'Ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ñ' | 'Ñ' => 'n',
        'ç' | 'Ç' => 'c',
        c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
        _ => return None,
    };
    Some(base)
}

/// Split raw text into normalised tokens (see the module docs).
pub fn normalize(raw: &str, lang: Language) -> Vec<String> {
    numbers::words_to_digits(&plain_words(raw), lang)
}

/// Like [`normalize`] but only the first run of numbers (the house number)
/// becomes digits: an address keeps "Calle Ocho" while "forty two Elm"
/// becomes "42 Elm" and "one twenty three Main" becomes "123 Main".
pub fn normalize_address(raw: &str, lang: Language) -> Vec<String> {
    let words = plain_words(raw);
    let is_num = |w: &String| w.chars().all(|c| c.is_ascii_digit()) || is_number_word(w);
    let Some(start) = words.iter().position(is_num) else {
        return words;
    };
    let len = words[start..].iter().take_while(|w| is_num(w)).count();
    let digits = numbers::words_to_digits(&words[start..start + len], lang).concat();
    let mut out = words[..start].to_vec();
    out.push(digits);
    out.extend(words[start + len..].iter().cloned());
    out
}

/// Lower-case, accent-folded words without fillers or number conversion.
fn plain_words(raw: &str) -> Vec<String> {
    let mut spaced = String::with_capacity(raw.len() + 8);
    let mut prev: Option<char> = None;
    for c in raw.chars() {
        // Apostrophes and periods glue ("don't" -> "dont", "p.m." -> "pm").
        if matches!(c, '\'' | '’' | '.') {
            continue;
        }
        match fold(c) {
            Some(f) => {
                if let Some(p) = prev
                    && (p.is_ascii_digit() != f.is_ascii_digit())
                {
                    spaced.push(' ');
                }
                spaced.push(f);
                prev = Some(f);
            }
            None => {
                spaced.push(' ');
                prev = None;
            }
        }
    }
    let words: Vec<&str> = spaced.split_whitespace().filter(|w| !FILLERS.contains(w)).collect();
    merge_am_pm(&words)
}

/// ASR often spells "a.m." as the letters "a m".
fn merge_am_pm(words: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if (w == "a" || w == "p")
            && words.get(i + 1) == Some(&"m")
            && i > 0
            && out.last().is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()) || is_number_word(t))
        {
            out.push(format!("{w}m"));
            i += 2;
            continue;
        }
        out.push(w.to_string());
        i += 1;
    }
    out
}

fn is_number_word(w: &str) -> bool {
    numbers::value_of(w, Language::En).is_some() || numbers::value_of(w, Language::Es).is_some()
}

/// Title-case a name or address the way it should be stored and read back
/// ("john o'neil" -> "John O'neil"); transcripts come in lower case.
pub fn title_case(raw: &str) -> String {
    raw.split_whitespace()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s, Language::En).join(" ")
    }

    #[test]
    fn punctuation_case_and_fillers_go() {
        assert_eq!(n("Um, I DON'T know... uh, hi!"), "i dont know hi");
    }

    #[test]
    fn times_in_many_shapes_agree() {
        assert_eq!(n("3pm"), "3 pm");
        assert_eq!(n("three p.m."), "3 pm");
        assert_eq!(n("three P M"), "3 pm");
        assert_eq!(n("3:30"), "3 30");
        assert_eq!(n("three thirty"), "3 30");
        assert_eq!(n("ten fifteen in the morning"), "10 15 in the morning");
    }

    #[test]
    fn ordinals_and_compound_numbers() {
        assert_eq!(n("the fourteenth"), "the 14 th");
        assert_eq!(n("the 14th"), "the 14 th");
        assert_eq!(n("twenty first"), "21 st");
        assert_eq!(n("twenty five"), "25");
    }

    #[test]
    fn spanish_accents_and_numbers() {
        let t = normalize("Mañana a las tres y media, ¿sí?", Language::Es).join(" ");
        assert_eq!(t, "manana a las 3 y media si");
    }

    #[test]
    fn title_case_names() {
        assert_eq!(title_case("john  smith"), "John Smith");
    }
}
