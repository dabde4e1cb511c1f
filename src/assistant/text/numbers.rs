//! Number words to digits, so "three thirty" and "3:30" look the same to the
//! time parser. "first"/"second"/"third" stay words on their own because they
//! usually mean an option ("the second one") rather than a date; the parser
//! handles them where a date is expected.

use crate::domain::Language;

const EN_CARDINALS: &[(&str, u32)] = &[
    ("zero", 0),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
];

const EN_ORDINALS: &[(&str, u32)] = &[
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
];

/// Unit ordinals that may follow "twenty"/"thirty" ("twenty first").
const EN_UNIT_ORDINALS: &[(&str, u32)] = &[
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
    ("ninth", 9),
];

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
    match lang {
        Language::En => lookup(EN_CARDINALS, w),
        Language::Es => lookup(ES_CARDINALS, w).or_else(|| lookup(EN_CARDINALS, w)),
    }
}

fn suffix(n: u32) -> &'static str {
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
            if let Some(u) = next.and_then(|n| lookup(EN_UNIT_ORDINALS, n)) {
                out.push((tens + u).to_string());
                out.push(suffix(tens + u).to_string());
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
        } else if let Some(v) = lookup(EN_ORDINALS, w) {
            out.push(v.to_string());
            out.push(suffix(v).to_string());
        } else {
            out.push(w.to_string());
        }
        i += 1;
    }
    out
}
