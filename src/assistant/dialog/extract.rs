//! Pulling a name, an address or a phone number out of an answer.
//!
//! Callers answer "my name is John Smith", "yeah it's John", "John Smith
//! here", "it's 42 Elm Street, apartment 3" or read a phone number digit by
//! digit; we strip the framing words and keep the value.

use crate::assistant::lexicon::lexicons;
use crate::assistant::text::{Utterance, title_case};
use crate::domain::Language;

/// Words that end a name ("John and my heater is broken").
const NAME_STOPS: &[&str] = &[
    "and", "y", "from", "calling", "i", "my", "here", "speaking", "please", "thanks", "thank", "por", "gracias", "mi",
];
/// Leading words that are not part of a name or an address.
const LEAD_FILLERS: &[&str] = &[
    "yes", "yeah", "sure", "ok", "okay", "si", "claro", "hi", "hello", "hola", "well", "so", "no", "nope", "actually",
    "oh",
];
/// Trailing words that are not part of an address ("... Pine Road now").
const TRAIL_FILLERS: &[&str] = &["now", "please", "thanks", "thank", "you", "gracias", "ahora"];

/// Words that make a prefix explicit enough to look for mid-sentence.
const ANYWHERE: &[&str] = &["name", "names", "nombre", "llamo", "address", "direccion", "live", "vivo"];

fn strip_leading(tokens: &[String]) -> &[String] {
    let skip = tokens.iter().take_while(|t| LEAD_FILLERS.contains(&t.as_str())).count();
    &tokens[skip..]
}

/// Tokens after the longest matching prefix phrase found anywhere.
fn after_prefix<'a>(tokens: &'a [String], prefixes: &[&str]) -> Option<&'a [String]> {
    let mut best: Option<(usize, usize)> = None; // (words in prefix, end index)
    for p in prefixes {
        let words: Vec<&str> = p.split_whitespace().collect();
        if words.is_empty() || tokens.len() < words.len() {
            continue;
        }
        for start in 0..=tokens.len() - words.len() {
            let matched = tokens[start..start + words.len()].iter().zip(&words).all(|(t, w)| t == w);
            // Only explicit framings ("my name is", "I live at") count
            // mid-sentence; "it is", "at", "es" only at the start.
            let explicit = words.iter().any(|w| ANYWHERE.contains(w));
            if matched && (explicit || start == 0) && best.is_none_or(|(n, _)| words.len() > n) {
                best = Some((words.len(), start + words.len()));
            }
        }
    }
    best.map(|(_, end)| &tokens[end..])
}

/// A person's name, title-cased.
pub fn name(raw: &str, lang: Language) -> Option<String> {
    let u = Utterance::new(raw, lang);
    let tokens = strip_leading(&u.tokens);
    let prefixes: Vec<&str> = lexicons(lang).iter().flat_map(|l| l.name_prefixes.iter().copied()).collect();
    let rest = match after_prefix(tokens, &prefixes) {
        Some(rest) => rest,
        None if tokens.len() <= 4 => tokens,
        None => return None,
    };
    let words: Vec<&str> = rest.iter().map(String::as_str).take_while(|t| !NAME_STOPS.contains(t)).take(3).collect();
    if words.is_empty() || words.iter().any(|w| !w.chars().all(|c| c.is_alphabetic())) {
        return None;
    }
    Some(title_case(&words.join(" ")))
}

/// A street address: needs a house number or at least three words.
pub fn address(raw: &str, lang: Language) -> Option<String> {
    let all = crate::assistant::text::normalize_address(raw, lang);
    let tokens = strip_leading(&all);
    let prefixes: Vec<&str> = lexicons(lang).iter().flat_map(|l| l.address_prefixes.iter().copied()).collect();
    let mut rest = after_prefix(tokens, &prefixes).unwrap_or(tokens);
    while let Some((last, init)) = rest.split_last()
        && TRAIL_FILLERS.contains(&last.as_str())
    {
        rest = init;
    }
    let has_number = rest.iter().any(|t| t.chars().all(|c| c.is_ascii_digit()));
    if rest.is_empty() || (!has_number && rest.len() < 3) {
        return None;
    }
    Some(title_case(&rest.join(" ")))
}

/// A phone number in E.164 (US numbers get +1).
pub fn phone(raw: &str, lang: Language) -> Option<String> {
    let plus = raw.trim_start().starts_with('+');
    let digits: String = Utterance::new(raw, lang)
        .tokens
        .iter()
        .filter(|t| t.chars().all(|c| c.is_ascii_digit()))
        .map(String::as_str)
        .collect();
    match digits.len() {
        10 if !plus => Some(format!("+1{digits}")),
        11 if digits.starts_with('1') => Some(format!("+{digits}")),
        8..=15 if plus => Some(format!("+{digits}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let n = |s: &str| name(s, Language::En);
        assert_eq!(n("My name is John Smith").as_deref(), Some("John Smith"));
        assert_eq!(n("yeah it's john").as_deref(), Some("John"));
        assert_eq!(n("Maria Lopez").as_deref(), Some("Maria Lopez"));
        assert_eq!(n("this is Dave calling about my heater").as_deref(), Some("Dave"));
        assert_eq!(n("I have a problem with my sink and it is leaking"), None);
        assert_eq!(name("me llamo María Pérez", Language::Es).as_deref(), Some("Maria Perez"));
    }

    #[test]
    fn addresses() {
        let a = |s: &str| address(s, Language::En);
        assert_eq!(a("It's 42 Elm Street").as_deref(), Some("42 Elm Street"));
        assert_eq!(a("my address is 1200 Oak Avenue apartment 3").as_deref(), Some("1200 Oak Avenue Apartment 3"));
        assert_eq!(a("yes"), None);
        assert_eq!(a("it's one twenty three main street").as_deref(), Some("123 Main Street"));
        assert_eq!(address("vivo en 15 Calle Ocho", Language::Es).as_deref(), Some("15 Calle Ocho"));
    }

    #[test]
    fn phones() {
        let p = |s: &str| phone(s, Language::En);
        assert_eq!(p("(512) 555-0142").as_deref(), Some("+15125550142"));
        assert_eq!(p("five one two five five five zero one four two").as_deref(), Some("+15125550142"));
        assert_eq!(p("+44 20 7946 0958").as_deref(), Some("+442079460958"));
        assert_eq!(p("555-0142"), None);
    }
}
