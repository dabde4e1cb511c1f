//! Time expressions in the tenant's local time ("tomorrow morning",
//! "next Tuesday after 3", "the 14th", "not Monday", "as soon as possible").
//!
//! The parser works on local calendar dates and wall-clock times only; the
//! scheduler turns them into UTC instants with the tenant's zone, so DST is
//! handled in exactly one place. The result is a set of constraints, not a
//! single instant: callers rarely name one, and the dialog offers concrete
//! options that satisfy whatever they did say.

mod clock;
mod dates;
mod scan;
#[cfg(test)]
mod tests;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::lexicon::lexicons;
use super::text::Utterance;
use crate::domain::Language;
use scan::Scan;

/// Broad part of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartOfDay {
    Morning,
    Afternoon,
    Evening,
}

impl PartOfDay {
    /// Local wall-clock window `[from, to)` of this part of the day.
    pub fn window(self) -> (NaiveTime, NaiveTime) {
        let h = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        match self {
            PartOfDay::Morning => (NaiveTime::MIN, h(12)),
            PartOfDay::Afternoon => (h(12), h(17)),
            PartOfDay::Evening => (h(17), h(23)),
        }
    }
}

/// What the caller said about when, as constraints in local time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimePreference {
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asap: bool,
    /// First acceptable local date (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last acceptable local date (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    /// Only these weekdays (empty: any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weekdays: Vec<Weekday>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_weekdays: Vec<Weekday>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<PartOfDay>,
    /// Start no earlier than this local time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<NaiveTime>,
    /// Start no later than this local time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<NaiveTime>,
    /// A specific start time the caller asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<NaiveTime>,
}

impl TimePreference {
    /// A newer statement refines an older one: what the caller says now
    /// replaces what they said about the same thing, exclusions add up.
    pub fn refine(&self, newer: &TimePreference) -> TimePreference {
        let mut out = self.clone();
        if newer.from.is_some() || newer.to.is_some() || !newer.weekdays.is_empty() {
            out.from = newer.from;
            out.to = newer.to;
            out.weekdays = newer.weekdays.clone();
            out.at = None;
            out.asap = false;
        }
        if newer.part.is_some() || newer.after.is_some() || newer.before.is_some() || newer.at.is_some() {
            out.part = newer.part;
            out.after = newer.after;
            out.before = newer.before;
            out.at = newer.at;
        }
        out.asap |= newer.asap;
        for d in &newer.not_weekdays {
            if !out.not_weekdays.contains(d) {
                out.not_weekdays.push(*d);
            }
        }
        out.weekdays.retain(|d| !out.not_weekdays.contains(d));
        out
    }
}

/// Parse the time expressions in an utterance. `today` is the tenant's local
/// date. Returns `None` when the utterance says nothing about time.
pub fn parse(u: &Utterance, lang: Language, today: NaiveDate) -> Option<TimePreference> {
    let mut scan = Scan::new(&u.tokens);
    let mut pref = TimePreference::default();
    let mut found = false;
    for lex in lexicons(lang) {
        let w = &lex.time;
        found |= dates::parse_dates(&mut scan, w, today, &mut pref);
        found |= clock::parts_of_day(&mut scan, w, &mut pref);
    }
    for lex in lexicons(lang) {
        found |= clock::times(&mut scan, &lex.time, &mut pref);
    }
    for lex in lexicons(lang) {
        if lex.time.asap.iter().any(|p| scan.find(p).is_some()) {
            pref.asap = true;
            found = true;
        }
        // "Any time" says something: the caller has no constraint.
        found |= lex.time.any_time.iter().any(|p| scan.find(p).is_some());
    }
    found.then_some(pref)
}
