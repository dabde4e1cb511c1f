//! What callers say, per language: the words the understanding layer looks
//! for. These are not prompts (those live in [`super::locale`]); they are the
//! vocabulary we recognise, written in normalised form (lower case, no
//! accents, no apostrophes, numbers as digits).
//!
//! A Spanish-speaking tenant's callers often mix in English ("el water
//! heater", "okay"), so [`lexicons`] returns Spanish first, then English.

mod en;
mod es;

use chrono::Weekday;

use crate::domain::Language;

/// What an emergency keyword is about; decides the safety line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hazard {
    Water,
    Sewage,
    Gas,
    CarbonMonoxide,
    Electrical,
    Heat,
    Other,
}

/// An emergency keyword with its weight (>= 0.8 is an emergency on its own,
/// 0.5-0.8 is the grey zone where we ask).
#[derive(Debug, Clone, Copy)]
pub struct EmergencyTerm {
    pub phrase: &'static str,
    pub weight: f32,
    pub hazard: Hazard,
}

/// Words and phrases for one language.
pub struct Lexicon {
    pub yes: &'static [&'static str],
    pub no: &'static [&'static str],
    pub greeting: &'static [&'static str],
    pub book: &'static [&'static str],
    pub reschedule: &'static [&'static str],
    pub cancel: &'static [&'static str],
    pub human: &'static [&'static str],
    pub wrong_number: &'static [&'static str],
    pub hours: &'static [&'static str],
    pub open_now: &'static [&'static str],
    pub service_area: &'static [&'static str],
    pub price: &'static [&'static str],
    pub warranty: &'static [&'static str],
    pub emergency: &'static [EmergencyTerm],
    /// Freezing weather turns "no heat" into an emergency.
    pub freezing: &'static [&'static str],
    /// Water near these is an electrical emergency.
    pub electrics: &'static [&'static str],
    pub water: &'static [&'static str],
    /// "It's not an emergency": denies the emergency outright.
    pub not_emergency: &'static [&'static str],
    /// Negation words looked for just before a keyword.
    pub negators: &'static [&'static str],
    /// Words just after a keyword that say it is over ("no leak anymore").
    pub over: &'static [&'static str],
    pub name_prefixes: &'static [&'static str],
    pub address_prefixes: &'static [&'static str],
    /// Picking an offered option: "the second one" -> index 1.
    pub ordinals: &'static [(&'static str, usize)],
    /// In a read-back, "the address is wrong" / "wrong name".
    pub change_address: &'static [&'static str],
    pub change_name: &'static [&'static str],
    pub time: TimeWords,
}

/// Vocabulary of time expressions.
pub struct TimeWords {
    pub today: &'static [&'static str],
    pub tomorrow: &'static [&'static str],
    pub day_after_tomorrow: &'static [&'static str],
    pub weekdays: &'static [(&'static str, Weekday)],
    pub months: &'static [(&'static str, u32)],
    pub morning: &'static [&'static str],
    pub afternoon: &'static [&'static str],
    pub evening: &'static [&'static str],
    pub am: &'static [&'static str],
    pub pm: &'static [&'static str],
    pub noon: &'static [&'static str],
    pub asap: &'static [&'static str],
    /// "Any time works": no constraint, but an answer.
    pub any_time: &'static [&'static str],
    pub next: &'static [&'static str],
    /// "next" words that follow the noun (Spanish "la semana que viene").
    pub next_after: &'static [&'static str],
    pub this: &'static [&'static str],
    pub week: &'static [&'static str],
    pub weekend: &'static [&'static str],
    pub after: &'static [&'static str],
    pub before: &'static [&'static str],
    pub at: &'static [&'static str],
    /// Before a weekday: "not Monday", "except Monday".
    pub except_before: &'static [&'static str],
    /// After a weekday: "Monday doesn't work".
    pub except_after: &'static [&'static str],
    pub half: &'static [&'static str],
    pub quarter_past: &'static [&'static str],
    pub quarter_to: &'static [&'static str],
    /// Whether "half"/"quarter" words follow the hour (Spanish "3 y media")
    /// rather than precede it (English "half past 3").
    pub minutes_follow_hour: bool,
    /// Whether "the 3" / "el 3" names a day even without an ordinal suffix:
    /// English says "the 3rd" (a bare "the 3" is more likely an hour),
    /// Spanish says "el 3".
    pub bare_day_after_article: bool,
    /// Ordinal words for days of the month that normalisation keeps as words.
    pub day_ordinals: &'static [(&'static str, u32)],
}

/// Lexicons to consult for a tenant language, most specific first.
pub fn lexicons(lang: Language) -> &'static [&'static Lexicon] {
    static EN: [&Lexicon; 1] = [&en::LEXICON];
    static ES: [&Lexicon; 2] = [&es::LEXICON, &en::LEXICON];
    match lang {
        Language::En => &EN,
        Language::Es => &ES,
    }
}

/// The primary lexicon of a language.
pub fn primary(lang: Language) -> &'static Lexicon {
    lexicons(lang)[0]
}
