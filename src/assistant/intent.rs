//! Intent recognition: keyword evidence with fuzzy matching, scored.
//!
//! Deterministic on purpose: the same words give the same intent on every
//! channel and in every test. Emergencies are recognised separately by
//! [`super::triage`] because they override everything else.

use super::lexicon::{Lexicon, lexicons};
use super::text::{Utterance, fuzzy};
use super::types::{Intent, QuestionKind};
use crate::domain::Language;

/// Below this confidence the dialog asks the caller to rephrase.
pub const LOW_CONFIDENCE: f32 = 0.5;

/// Picks one word list out of a lexicon.
type Words = fn(&Lexicon) -> &'static [&'static str];

fn hits(u: &Utterance, phrases: &[&str]) -> usize {
    phrases.iter().filter(|p| fuzzy::find(&u.tokens, p).is_some_and(|h| h.score >= 0.85)).count()
}

/// The open-question intent of an utterance and a confidence in 0..=1.
pub fn classify(u: &Utterance, lang: Language) -> (Intent, f32) {
    if u.is_empty() {
        return (Intent::Unknown, 0.0);
    }
    let count = |f: Words| -> usize { lexicons(lang).iter().map(|l| hits(u, f(l))).sum() };
    let wrong = count(|l| l.wrong_number);
    let human = count(|l| l.human);
    let cancel = count(|l| l.cancel);
    let reschedule = count(|l| l.reschedule);
    let book = count(|l| l.book);
    let greeting = count(|l| l.greeting);
    let question = question_kind(u, lang);
    let boost = |n: usize| (0.05 * n.saturating_sub(1) as f32).min(0.1);
    if wrong > 0 {
        return (Intent::WrongNumber, 0.85 + boost(wrong));
    }
    if human > 0 {
        return (Intent::TalkToPerson, 0.9);
    }
    if reschedule > 0 {
        return (Intent::Reschedule, 0.85 + boost(reschedule));
    }
    if cancel > 0 {
        return (Intent::Cancel, 0.85 + boost(cancel));
    }
    if let Some(kind) = question {
        return (Intent::Question(kind), 0.75);
    }
    if book > 0 {
        return (Intent::Book, 0.75 + boost(book));
    }
    // A long sentence containing "not" is not a "no".
    if let Some(yes) = yes_no(u, lang).filter(|_| u.tokens.len() <= 5) {
        let intent = if yes { Intent::Yes } else { Intent::No };
        return (intent, 0.8);
    }
    if greeting > 0 {
        return (Intent::Greeting, 0.6);
    }
    (Intent::Unknown, 0.2)
}

/// Which profile question is asked, if any.
pub fn question_kind(u: &Utterance, lang: Language) -> Option<QuestionKind> {
    let order: [(QuestionKind, Words); 5] = [
        (QuestionKind::Price, |l| l.price),
        (QuestionKind::Warranty, |l| l.warranty),
        (QuestionKind::OpenNow, |l| l.open_now),
        (QuestionKind::Hours, |l| l.hours),
        (QuestionKind::ServiceArea, |l| l.service_area),
    ];
    order.into_iter().find(|(_, f)| lexicons(lang).iter().any(|l| hits(u, f(l)) > 0)).map(|(k, _)| k)
}

/// Yes or no, by whichever comes first in the utterance.
pub fn yes_no(u: &Utterance, lang: Language) -> Option<bool> {
    let first = |phrases: &[&str]| {
        phrases
            .iter()
            .filter_map(|p| {
                let hit = fuzzy::find(&u.tokens, p)?;
                (hit.score >= 0.99).then_some(hit.start)
            })
            .min()
    };
    let mut best: Option<(usize, bool)> = None;
    for lex in lexicons(lang) {
        for (pos, yes) in [(first(lex.yes), true), (first(lex.no), false)] {
            if let Some(p) = pos
                && best.is_none_or(|(b, _)| p < b)
            {
                best = Some((p, yes));
            }
        }
    }
    best.map(|(_, yes)| yes)
}

/// An option picked by ordinal ("the second one", "option 3", "the last").
pub fn ordinal_choice(u: &Utterance, lang: Language, offered: usize) -> Option<usize> {
    for lex in lexicons(lang) {
        for (phrase, idx) in lex.ordinals {
            if fuzzy::find(&u.tokens, phrase).is_some_and(|h| h.score >= 0.8) {
                let i = if *idx == 99 { offered.checked_sub(1)? } else { *idx };
                return (i < offered).then_some(i);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Intent {
        classify(&Utterance::new(s, Language::En), Language::En).0
    }

    #[test]
    fn intents() {
        assert_eq!(c("I need someone to come fix my water heater"), Intent::Book);
        assert_eq!(c("I'd like to schedule an appointment"), Intent::Book);
        assert_eq!(c("I need to reschedule my appointment"), Intent::Reschedule);
        assert_eq!(c("can I move it to another day"), Intent::Reschedule);
        assert_eq!(c("please cancel my appointment"), Intent::Cancel);
        assert_eq!(c("what are your hours"), Intent::Question(QuestionKind::Hours));
        assert_eq!(c("are you open right now"), Intent::Question(QuestionKind::OpenNow));
        assert_eq!(c("how much does a water heater repair cost"), Intent::Question(QuestionKind::Price));
        assert_eq!(c("do you service Round Rock"), Intent::Question(QuestionKind::ServiceArea));
        assert_eq!(c("is there a warranty"), Intent::Question(QuestionKind::Warranty));
        assert_eq!(c("can I talk to a real person"), Intent::TalkToPerson);
        assert_eq!(c("sorry, wrong number"), Intent::WrongNumber);
        assert_eq!(c("I'm calling from Google business listing services"), Intent::WrongNumber);
        assert_eq!(c("hello"), Intent::Greeting);
        assert_eq!(c("yeah that's right"), Intent::Yes);
        assert_eq!(c("nope"), Intent::No);
        assert_eq!(c("purple elephants dancing"), Intent::Unknown);
    }

    #[test]
    fn asr_variants() {
        assert_eq!(c("I need to reshedule"), Intent::Reschedule);
        assert_eq!(c("I want to cancell"), Intent::Cancel);
        assert_eq!(c("can I speak to a representive"), Intent::TalkToPerson);
        assert_eq!(c("I'd like to make an apointment"), Intent::Book);
    }

    #[test]
    fn yes_no_first_word_wins() {
        let yn = |s: &str| yes_no(&Utterance::new(s, Language::En), Language::En);
        assert_eq!(yn("yes, not a problem"), Some(true));
        assert_eq!(yn("no, that's wrong"), Some(false));
        assert_eq!(yn("sí claro"), None);
        let es = |s: &str| yes_no(&Utterance::new(s, Language::Es), Language::Es);
        assert_eq!(es("sí, claro"), Some(true));
        assert_eq!(es("no, gracias"), Some(false));
    }

    #[test]
    fn ordinals() {
        let o = |s: &str| ordinal_choice(&Utterance::new(s, Language::En), Language::En, 3);
        assert_eq!(o("the second one"), Some(1));
        assert_eq!(o("the last one please"), Some(2));
        assert_eq!(o("option 3"), Some(2));
        assert_eq!(o("hmm"), None);
    }
}
