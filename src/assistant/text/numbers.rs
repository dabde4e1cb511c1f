//! Number words to digits, so "three thirty" and "3:30" look the same to the
//! time parser. "first"/"second"/"third" stay words on their own because they
//! usually mean an option ("the second one") rather than a date; the parser
//! handles them where a date is expected.

use crate::domain::Language;

/// English number words below twenty, indexed by value. Shared with the
/// harness's transcript normaliser: one lexicon, one spelling.
pub const EN_UNITS: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

/// English tens, indexed by value / 10 (empty below twenty).
pub const EN_TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// English ordinal words with their values.
pub const EN_ORDINALS: &[(&str, u32)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
    ("ninth", 9),
    ("tenth", 10),
    ("eleventh", 11),
    ("twelfth", 12),
    ("thirteenth", 13),
    ("fourteenth", 14),
    ("fifteenth", 15),
    ("sixteenth", 16),
    ("seventeenth", 17),
    ("eighteenth", 18),
    ("nineteenth", 19),
    ("twentieth", 20),
    ("thirtieth", 30),
    ("fortieth", 40),
    ("fiftieth", 50),
];

/// The largest English cardinal the dialog reads as a number: times and
/// dates never need more, and "sixty" in speech is rarely a clock reading.
const EN_DIALOG_MAX: u32 = 50;

/// The value of an English cardinal word ("seven", "forty").
fn en_cardinal(w: &str) -> Option<u32> {
    if let Some(v) = EN_UNITS.iter().position(|u| *u == w) {
        return Some(v as u32);
    }
    EN_TENS.iter().position(|t| !t.is_empty() && *t == w).map(|i| i as u32 * 10)
}

/// The value of an English ordinal word ("fifth", "twentieth").
pub fn en_ordinal(w: &str) -> Option<u32> {
    EN_ORDINALS.iter().find(|(k, _)| *k == w).map(|(_, v)| *v)
}

const ES_CARDINALS: &[(&str, u32)] = &[
    ("cero", 0),
    ("uno", 1),
    ("una", 1),
    ("dos", 2),
    ("tres", 3),
    ("cuatro", 4),
    ("cinco", 5),
    ("seis", 6),
    ("siete", 7),
    ("ocho", 8),
    ("nueve", 9),
    ("diez", 10),
    ("once", 11),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciseis", 16),
    ("diecisiete", 17),
    ("dieciocho", 18),
    ("diecinueve", 19),
    ("veinte", 20),
    ("veintiuno", 21),
    ("veintiun", 21),
    ("veintidos", 22),
    ("veintitres", 23),
    ("veinticuatro", 24),
    ("veinticinco", 25),
    ("veintiseis", 26),
    ("veintisiete", 27),
    ("veintiocho", 28),
    ("veintinueve", 29),
    ("treinta", 30),
    ("cuarenta", 40),
    ("cincuenta", 50),
];

fn lookup(table: &[(&str, u32)], w: &str) -> Option<u32> {
    table.iter().find(|(k, _)| *k == w).map(|(_, v)| *v)
}

/// The cardinal value of a number word in either language's table.
pub fn value_of(w: &str, lang: Language) -> Option<u32> {
    let en = || en_cardinal(w).filter(|v| *v <= EN_DIALOG_MAX);
    match lang {
        Language::En => en(),
        Language::Es => lookup(ES_CARDINALS, w).or_else(en),
    }
}

/// "st", "nd", "rd" or "th" for `n`.
pub fn ordinal_suffix(n: u64) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// Replace number words by digits (see module docs).
pub fn words_to_digits(words: &[String], lang: Language) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        if let Some(tens) = value_of(w, lang).filter(|v| *v >= 20 && v % 10 == 0) {
            // "twenty five", "twenty first", Spanish "treinta y uno".
            if let Some(u) = next.and_then(|n| value_of(n, lang)).filter(|u| (1..10).contains(u)) {
                out.push((tens + u).to_string());
                i += 2;
                continue;
            }
            if let Some(u) = next.and_then(en_ordinal).filter(|u| *u <= 9) {
                out.push((tens + u).to_string());
                out.push(ordinal_suffix(u64::from(tens + u)).to_string());
                i += 2;
                continue;
            }
            if lang == Language::Es
                && next == Some("y")
                && let Some(u) = words.get(i + 2).and_then(|n| value_of(n, lang)).filter(|u| (1..10).contains(u))
            {
                out.push((tens + u).to_string());
                i += 3;
                continue;
            }
        }
        if let Some(v) = value_of(w, lang) {
            out.push(v.to_string());
        } else if let Some(v) = en_ordinal(w).filter(|v| (4..=30).contains(v)) {
            // "first" to "third" stay words (module docs).
            out.push(v.to_string());
            out.push(ordinal_suffix(u64::from(v)).to_string());
        } else {
            out.push(w.to_string());
        }
        i += 1;
    }
    out
}
