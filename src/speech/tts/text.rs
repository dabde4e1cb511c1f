//! Splitting a reply into sentences (the unit we stream) and clauses (the unit
//! we phonemize, so the clause punctuation can be put back: Piper voices pause
//! at commas and raise the pitch at question marks only if they see them).

/// One clause and the punctuation that ended it (`None` for the last clause of
/// a sentence without a terminator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub text: String,
    pub mark: Option<char>,
}

/// Words ending in '.' that do not end a sentence.
const ABBREVIATIONS: &[&str] =
    &["mr", "mrs", "ms", "dr", "st", "jr", "sr", "ave", "blvd", "rd", "no", "vs", "etc", "approx", "apt", "ste", "mt"];

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '?' | '!')
}

fn is_clause_mark(c: char) -> bool {
    matches!(c, ',' | ';' | ':')
}

/// Does the '.' ending `word` belong to an abbreviation ("Dr.", "a.m.")?
fn is_abbreviation(word: &str) -> bool {
    let stem = word.trim_end_matches('.').trim_start_matches(|c: char| !c.is_alphanumeric());
    if stem.contains('.') {
        return true; // a.m., p.m., e.g., U.S.
    }
    let lower = stem.to_ascii_lowercase();
    ABBREVIATIONS.contains(&lower.as_str()) || (stem.len() == 1 && stem.chars().all(|c| c.is_ascii_uppercase()))
}

/// Splits text into sentences, keeping each sentence's terminator.
pub fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        current.push(c);
        if is_terminator(c) {
            // Swallow runs like "?!" or "...".
            while i + 1 < chars.len() && is_terminator(chars[i + 1]) {
                i += 1;
                current.push(chars[i]);
            }
            let at_break = i + 1 >= chars.len() || chars[i + 1].is_whitespace();
            let last_word = current.split_whitespace().last().unwrap_or("");
            if at_break && !(c == '.' && is_abbreviation(last_word) && i + 1 < chars.len()) {
                push_trimmed(&mut out, &current);
                current.clear();
            }
        }
        i += 1;
    }
    push_trimmed(&mut out, &current);
    out
}

fn push_trimmed(out: &mut Vec<String>, s: &str) {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().any(|c| c.is_alphanumeric()) {
        out.push(s);
    }
}

/// A piece of a reply synthesised as one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    /// A sentence ends here: add the inter-sentence pause after it. (A piece
    /// that ends at a comma carries its own pause in the voice.)
    pub sentence_end: bool,
}

/// The units a reply is streamed in: sentences, except that a long first
/// sentence is cut after its first clause ("Thanks for calling Acme Plumbing,
/// | how can I help?") so the caller hears something sooner; synthesis time
/// grows with audio length.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for (i, sentence) in sentences(text).into_iter().enumerate() {
        if i == 0
            && let Some((head, tail)) = split_after_first_clause(&sentence)
        {
            out.push(Piece { text: head, sentence_end: false });
            out.push(Piece { text: tail, sentence_end: true });
            continue;
        }
        out.push(Piece { text: sentence, sentence_end: true });
    }
    out
}

/// `(first clause with its mark, rest)` when the rest has at least three words.
/// A one-word head ("Okay,") is the best case: it is usually remembered
/// audio, and the rest is synthesised while it plays.
fn split_after_first_clause(sentence: &str) -> Option<(String, String)> {
    let chars: Vec<(usize, char)> = sentence.char_indices().collect();
    for (n, &(at, c)) in chars.iter().enumerate() {
        let followed_by_space = chars.get(n + 1).is_some_and(|(_, next)| next.is_whitespace());
        if is_clause_mark(c) && followed_by_space {
            let head = &sentence[..at + c.len_utf8()];
            let tail = sentence[at + c.len_utf8()..].trim();
            if tail.split_whitespace().count() >= 3 {
                return Some((head.to_string(), tail.to_string()));
            }
            return None;
        }
    }
    None
}

/// Splits one sentence into clauses at `, ; :` (followed by a space) and its
/// final terminator. Numbers such as "5:30" or "1,200" are not split.
pub fn clauses(sentence: &str) -> Vec<Clause> {
    let chars: Vec<char> = sentence.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_space = chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        if is_clause_mark(c) && followed_by_space {
            push_clause(&mut out, &current, Some(c));
            current.clear();
        } else {
            current.push(c);
        }
    }
    // The sentence's own terminator (last of a run like "?!" decides intonation).
    let body = current.trim_end();
    let trimmed = body.trim_end_matches(is_terminator);
    let mark = body[trimmed.len()..].chars().find(|&c| c == '?').or_else(|| body[trimmed.len()..].chars().last());
    let keep_dot = mark == Some('.') && is_abbreviation(body.split_whitespace().last().unwrap_or(""));
    if keep_dot {
        push_clause(&mut out, body, Some('.'));
    } else {
        push_clause(&mut out, trimmed, mark);
    }
    out
}

fn push_clause(out: &mut Vec<Clause>, text: &str, mark: Option<char>) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().any(|c| c.is_alphanumeric()) {
        out.push(Clause { text, mark });
    } else if let (Some(last), Some(m)) = (out.last_mut(), mark) {
        last.mark = Some(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_sentences_but_not_abbreviations_or_numbers() {
        assert_eq!(
            sentences("Thanks for calling Acme Plumbing. How can I help?  We open at 8 a.m. tomorrow!"),
            vec!["Thanks for calling Acme Plumbing.", "How can I help?", "We open at 8 a.m. tomorrow!"]
        );
        assert_eq!(
            sentences("Dr. Smith lives at 12 Oak St. in unit 3.5 miles away... Right?!"),
            vec!["Dr. Smith lives at 12 Oak St. in unit 3.5 miles away...", "Right?!"]
        );
        assert_eq!(sentences("no terminator"), vec!["no terminator"]);
        assert!(sentences("  ... ").is_empty());
    }

    #[test]
    fn a_long_first_sentence_is_cut_after_its_first_clause() {
        let p = pieces("Thanks for calling Acme Plumbing, how can I help you? We are open today, until five.");
        let texts: Vec<_> = p.iter().map(|p| (p.text.as_str(), p.sentence_end)).collect();
        assert_eq!(
            texts,
            vec![
                ("Thanks for calling Acme Plumbing,", false),
                ("how can I help you?", true),
                ("We are open today, until five.", true)
            ]
        );
        assert_eq!(pieces("Got it, that's a drain cleaning.")[0].text, "Got it,");
        assert_eq!(pieces("Okay, see you then.")[0].text, "Okay,");
        // Too short to be worth a cut.
        assert_eq!(pieces("Got it, thanks.").len(), 1);
        assert_eq!(pieces("That is $1,200 in total for the repair.").len(), 1);
    }

    #[test]
    fn clauses_keep_their_marks_and_numbers_stay_whole() {
        let c = clauses("Okay, I have you down for 5:30, Tuesday; is that right?");
        let got: Vec<_> = c.iter().map(|c| (c.text.as_str(), c.mark)).collect();
        assert_eq!(
            got,
            vec![
                ("Okay", Some(',')),
                ("I have you down for 5:30", Some(',')),
                ("Tuesday", Some(';')),
                ("is that right", Some('?'))
            ]
        );
        let c = clauses("That is $1,200 total");
        assert_eq!(c, vec![Clause { text: "That is $1,200 total".into(), mark: None }]);
        let c = clauses("Really?!");
        assert_eq!(c[0].mark, Some('?'));
        let c = clauses("See you at 9 a.m.");
        assert_eq!(c[0].text, "See you at 9 a.m.");
    }
}
