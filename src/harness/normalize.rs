//! Whisper-style English text normalisation for word error rate.
//!
//! WER over raw strings punishes differences nobody hears: "42" vs "forty
//! two", "can't" vs "can not", "Hmm, yes." vs "yes". Like OpenAI's
//! `EnglishTextNormalizer` (used to report Whisper's own WER) we compare
//! normalised words: lower case, bracketed asides and fillers removed,
//! contractions expanded, spelled-out numbers turned into digits, a few
//! British spellings made American, punctuation dropped.

use crate::assistant::text::numbers::{EN_TENS, EN_UNITS, en_ordinal, ordinal_suffix};

/// Words that carry no content in a transcript (hesitations, backchannels).
const FILLERS: &[&str] = &["uh", "um", "umm", "uhm", "hmm", "hm", "mm", "mhm", "ah", "eh", "er", "erm", "oh"];

/// Contractions whose expansion is unambiguous. A trailing `'s` is only
/// expanded after pronouns (elsewhere it is usually a possessive).
const CONTRACTIONS: &[(&str, &str)] = &[
    ("won't", "will not"),
    ("can't", "can not"),
    ("cannot", "can not"),
    ("shan't", "shall not"),
    ("ain't", "is not"),
    ("let's", "let us"),
    ("y'all", "you all"),
    ("o'clock", "oclock"),
    ("gonna", "going to"),
    ("wanna", "want to"),
    ("gotta", "got to"),
];

const S_IS: &[&str] = &["it", "he", "she", "that", "what", "where", "there", "here", "who", "how", "when"];

const SPELLINGS: &[(&str, &str)] = &[
    ("colour", "color"),
    ("favour", "favor"),
    ("neighbour", "neighbor"),
    ("centre", "center"),
    ("metre", "meter"),
    ("organise", "organize"),
    ("cancelled", "canceled"),
    ("cancelling", "canceling"),
    ("okay", "ok"),
];

/// Normalised words of `text`.
pub fn normalize(text: &str) -> Vec<String> {
    let text = strip_bracketed(&text.to_lowercase());
    let mut words = Vec::new();
    for raw in text.split_whitespace() {
        let word = clean_word(raw);
        if word.is_empty() {
            continue;
        }
        expand(&word, &mut words);
    }
    let words: Vec<String> = words.into_iter().filter(|w| !FILLERS.contains(&w.as_str())).collect();
    numbers_to_digits(&words)
}

/// Normalised text as one string (for reports).
pub fn normalize_text(text: &str) -> String {
    normalize(text).join(" ")
}

/// Drops `[music]`, `(laughs)`, `<noise>`: annotations, not speech.
fn strip_bracketed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' | '(' | '<' => depth += 1,
            ']' | ')' | '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Keeps letters, digits and inner apostrophes; turns `%` into a word and
/// removes thousands separators ("1,000" -> "1000").
fn clean_word(raw: &str) -> String {
    let raw = raw.replace(['\u{2019}', '\u{2018}'], "'");
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = |c: char| {
            i > 0
                && i + 1 < chars.len()
                && chars[i - 1].is_ascii_digit()
                && chars[i + 1].is_ascii_digit()
                && (c == ',' || c == '.')
        };
        let inner_apostrophe = c == '\'' && !out.is_empty() && chars.get(i + 1).is_some_and(|n| n.is_alphabetic());
        if c.is_alphanumeric() || inner_apostrophe {
            out.push(c);
        } else if c == ',' && between_digits(c) {
            // thousands separator: drop
        } else if c == '.' && between_digits(c) {
            out.push('.');
        } else if c == '%' {
            out.push_str(" percent");
        } else if c == '-' || c == '/' {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

/// Contractions and spellings; pushes one or more words.
fn expand(word: &str, out: &mut Vec<String>) {
    for part in word.split(' ').filter(|p| !p.is_empty()) {
        if let Some((_, full)) = CONTRACTIONS.iter().find(|(c, _)| *c == part) {
            out.extend(full.split(' ').map(String::from));
        } else if let Some(stem) = part.strip_suffix("n't") {
            out.push(stem.to_string());
            out.push("not".into());
        } else if let Some((stem, suffix)) = part.rsplit_once('\'') {
            let full = match suffix {
                "re" => Some("are"),
                "ve" => Some("have"),
                "ll" => Some("will"),
                "d" => Some("would"),
                "m" => Some("am"),
                "s" if S_IS.contains(&stem) => Some("is"),
                _ => None,
            };
            match full {
                Some(full) => {
                    out.push(stem.to_string());
                    out.push(full.into());
                }
                // Possessive or unknown: drop the apostrophe ("john's" -> "johns").
                None => out.push(format!("{stem}{suffix}")),
            }
        } else if let Some((_, american)) = SPELLINGS.iter().find(|(b, _)| *b == part) {
            out.push((*american).into());
        } else {
            out.push(part.to_string());
        }
    }
}

/// A number word's value and kind.
#[derive(Debug, Clone, Copy, PartialEq)]
enum NumWord {
    /// 0-19.
    Unit(u64),
    /// 20, 30, ... 90.
    Tens(u64),
    /// hundred, thousand, million.
    Scale(u64),
    /// An ordinal ("first", "twenty-first"'s "first"): ends the number.
    Ordinal(u64),
}

fn num_word(word: &str) -> Option<NumWord> {
    if let Some(i) = EN_UNITS.iter().position(|u| *u == word) {
        return Some(NumWord::Unit(i as u64));
    }
    if let Some(i) = EN_TENS.iter().position(|t| !t.is_empty() && *t == word) {
        return Some(NumWord::Tens(i as u64 * 10));
    }
    match word {
        "hundred" => return Some(NumWord::Scale(100)),
        "thousand" => return Some(NumWord::Scale(1_000)),
        "million" => return Some(NumWord::Scale(1_000_000)),
        _ => {}
    }
    en_ordinal(word).map(|v| NumWord::Ordinal(u64::from(v)))
}

/// Turns runs of number words into digits: "forty two" -> "42", "one
/// hundred and five" -> "105", "twenty first" -> "21st", "five five five"
/// -> "555" (digit by digit, as phone numbers are read out). Like Whisper's
/// normaliser a lone "one" becomes "1"; a lone ordinal ("second") stays a
/// word because on a phone call it is more often time than position.
fn numbers_to_digits(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let (consumed, value) = parse_number(&words[i..]);
        if consumed == 0 {
            out.push(words[i].clone());
            i += 1;
        } else {
            out.push(value);
            i += consumed;
        }
    }
    out
}

/// Parses a number phrase at the start of `words`: (words consumed, digits).
fn parse_number(words: &[String]) -> (usize, String) {
    // A lone ordinal like "second" is not rewritten.
    let first = words.first().and_then(|w| num_word(w));
    if first.is_none() || matches!(first, Some(NumWord::Ordinal(_))) {
        return (0, String::new());
    }
    // Digit-by-digit: a run of two or more single units ("five five five").
    let singles = words.iter().take_while(|w| matches!(num_word(w), Some(NumWord::Unit(u)) if u < 10)).count();
    if singles >= 2 {
        let digits: String = words[..singles]
            .iter()
            .filter_map(|w| match num_word(w) {
                Some(NumWord::Unit(u)) => Some(char::from(b'0' + u as u8)),
                _ => None,
            })
            .collect();
        return (singles, digits);
    }
    let mut total = 0u64;
    let mut current = 0u64;
    let mut consumed = 0;
    let mut last: Option<NumWord> = None;
    let mut ordinal = false;
    while consumed < words.len() {
        let word = words[consumed].as_str();
        // "and" only inside a number ("one hundred and five").
        if word == "and" && matches!(last, Some(NumWord::Scale(_))) {
            if let Some(next) = words.get(consumed + 1).and_then(|w| num_word(w))
                && matches!(next, NumWord::Unit(_) | NumWord::Tens(_) | NumWord::Ordinal(_))
            {
                consumed += 1;
                continue;
            }
            break;
        }
        let Some(nw) = num_word(word) else { break };
        let fits = match (last, nw) {
            (None, _) => true,
            (Some(NumWord::Tens(_)), NumWord::Unit(u)) => (1..10).contains(&u),
            (Some(NumWord::Tens(_)), NumWord::Ordinal(o)) => (1..10).contains(&o),
            (Some(NumWord::Scale(_)), NumWord::Unit(_) | NumWord::Tens(_) | NumWord::Ordinal(_)) => true,
            (Some(NumWord::Unit(_) | NumWord::Tens(_)), NumWord::Scale(_)) => true,
            (Some(NumWord::Scale(a)), NumWord::Scale(b)) => b > a,
            _ => false,
        };
        if !fits {
            break;
        }
        match nw {
            NumWord::Unit(v) | NumWord::Tens(v) => current += v,
            NumWord::Ordinal(v) => {
                current += v;
                ordinal = true;
            }
            NumWord::Scale(s) => {
                if current == 0 {
                    current = 1;
                }
                if s >= 1_000 {
                    total += current * s;
                    current = 0;
                } else {
                    current *= s;
                }
            }
        }
        consumed += 1;
        last = Some(nw);
        if ordinal {
            break;
        }
    }
    let value = total + current;
    let text = if ordinal { format!("{value}{}", ordinal_suffix(value)) } else { value.to_string() };
    (consumed, text)
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
