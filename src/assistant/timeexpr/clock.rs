//! Wall-clock times and parts of the day: "after 3", "at 10:30 am",
//! "half past two", "las tres y media", "between 1 and 3", "morning".
//!
//! A bare number is only a time when something says so (a cue word such as
//! "at"/"after", a meridiem, "o'clock", or minutes), because callers also say
//! house numbers and counts. Without "am"/"pm", 1-6 means afternoon and 7-11
//! morning, which is how people talk about trade appointments.

use chrono::NaiveTime;

use super::scan::Scan;
use super::{PartOfDay, TimePreference};
use crate::assistant::lexicon::TimeWords;

pub fn parts_of_day(s: &mut Scan, w: &TimeWords, pref: &mut TimePreference) -> bool {
    let parts = [(w.morning, PartOfDay::Morning), (w.afternoon, PartOfDay::Afternoon), (w.evening, PartOfDay::Evening)];
    let mut found = false;
    for (phrases, part) in parts {
        for p in phrases {
            if let Some((start, end)) = s.find(p) {
                s.take(start, end);
                pref.part = Some(part);
                found = true;
            }
        }
    }
    found
}

#[derive(Clone, Copy, PartialEq)]
enum Cue {
    After,
    Before,
    At,
}

const BETWEEN: &[&str] = &["between", "entre"];
const AND: &[&str] = &["and", "y", "to", "a"];
const OCLOCK: &[&str] = &["oclock", "en punto"];

pub fn times(s: &mut Scan, w: &TimeWords, pref: &mut TimePreference) -> bool {
    let mut found = false;
    let mut between = false;
    for (cue, list) in [(Cue::At, w.noon)] {
        for p in list {
            if let Some((start, end)) = s.find(p) {
                let cue = cue_before(s, w, start).map(|(c, _)| c).unwrap_or(cue);
                s.take(start, end);
                apply(pref, cue, hm(12, 0));
                found = true;
            }
        }
    }
    let mut i = 0;
    while i < s.len() {
        let Some(n) = s.number(i) else {
            i += 1;
            continue;
        };
        let mut start = i;
        let mut end = i + 1;
        let mut explicit = false;
        let (mut hour, mut minute) = if (100..=2359).contains(&n) && n % 100 < 60 {
            explicit = true;
            (n / 100, n % 100)
        } else {
            (n, 0)
        };
        // English "half past 3", "quarter to 4" precede the hour.
        if !w.minutes_follow_hour {
            if let Some(st) = s.any_before(i, w.half) {
                (minute, start, explicit) = (30, st, true);
            } else if let Some(st) = s.any_before(i, w.quarter_past) {
                (minute, start, explicit) = (15, st, true);
            } else if let Some(st) = s.any_before(i, w.quarter_to) {
                (hour, minute, start, explicit) = (hour.saturating_sub(1), 45, st, true);
            }
        }
        if let Some(m) = s.number(end).filter(|m| *m < 60 && s.word(end).is_some_and(|t| t.len() == 2)) {
            (minute, end, explicit) = (m, end + 1, true);
        } else if w.minutes_follow_hour {
            if let Some(e) = s.any_at(end, w.half) {
                (minute, end, explicit) = (30, e, true);
            } else if let Some(e) = s.any_at(end, w.quarter_past) {
                (minute, end, explicit) = (15, e, true);
            } else if let Some(e) = s.any_at(end, w.quarter_to) {
                (hour, minute, end, explicit) = (hour.saturating_sub(1), 45, e, true);
            } else if s.word(end) == Some("y")
                && let Some(m) = s.number(end + 1).filter(|m| *m < 60)
            {
                (minute, end, explicit) = (m, end + 2, true);
            }
        }
        let mut meridiem = None;
        if let Some(e) = s.any_at(end, w.am) {
            (meridiem, end) = (Some(false), e);
        } else if let Some(e) = s.any_at(end, w.pm) {
            (meridiem, end) = (Some(true), e);
        }
        if let Some(e) = s.any_at(end, OCLOCK) {
            (end, explicit) = (e, true);
        }
        let cue = cue_before(s, w, start);
        let in_between = between && i > 0 && s.any_before(start, AND).is_some();
        if cue.is_none() && meridiem.is_none() && !explicit && !in_between {
            i += 1;
            continue;
        }
        let Some(time) = to_time(hour, minute, meridiem, pref.part) else {
            i += 1;
            continue;
        };
        let (cue, cue_start) = match cue {
            Some((c, st)) => (c, st),
            None if in_between => (Cue::Before, s.any_before(start, AND).unwrap_or(start)),
            None => (Cue::At, start),
        };
        if s.any_before(cue_start, BETWEEN).is_some() || s.any_before(start, BETWEEN).is_some() {
            between = true;
            apply(pref, Cue::After, time);
        } else {
            apply(pref, cue, time);
        }
        s.take(cue_start, end);
        found = true;
        i = end;
    }
    found
}

fn cue_before(s: &Scan, w: &TimeWords, start: usize) -> Option<(Cue, usize)> {
    [(Cue::After, w.after), (Cue::Before, w.before), (Cue::At, w.at)]
        .into_iter()
        .find_map(|(c, list)| s.any_before(start, list).map(|st| (c, st)))
        .or_else(|| s.any_before(start, BETWEEN).map(|st| (Cue::After, st)))
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

fn to_time(hour: u32, minute: u32, pm: Option<bool>, part: Option<PartOfDay>) -> Option<NaiveTime> {
    let h = match (hour, pm) {
        (0..=11, Some(true)) => hour + 12,
        (12, Some(false)) => 0,
        (1..=12, Some(_)) => hour,
        (13..=23, None) => hour,
        (1..=11, None) => match part {
            Some(PartOfDay::Morning) => hour,
            Some(PartOfDay::Afternoon | PartOfDay::Evening) => hour + 12,
            None if hour <= 6 => hour + 12,
            None => hour,
        },
        (12, None) => 12,
        _ => return None,
    };
    NaiveTime::from_hms_opt(h, minute, 0)
}

fn apply(pref: &mut TimePreference, cue: Cue, t: NaiveTime) {
    match cue {
        Cue::After => pref.after = Some(t),
        Cue::Before => pref.before = Some(t),
        Cue::At => pref.at = Some(t),
    }
}
