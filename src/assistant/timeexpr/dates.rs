//! Calendar dates: relative days, weekdays ("this Friday", "next Tuesday",
//! "not Monday"), weeks and days of the month ("the 14th", "March 3").
//!
//! Conventions (documented because people disagree): a bare or "this"
//! weekday is its next occurrence, today included; "next <weekday>" is that
//! day in the following calendar week (weeks start on Monday), so on a
//! Monday "next Tuesday" is eight days away and on a Friday it is four.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::TimePreference;
use super::scan::Scan;
use crate::assistant::lexicon::TimeWords;

pub fn parse_dates(s: &mut Scan, w: &TimeWords, today: NaiveDate, pref: &mut TimePreference) -> bool {
    let mut found = relative_days(s, w, today, pref);
    found |= exclusions(s, w, pref);
    found |= weeks(s, w, today, pref);
    found |= weekdays(s, w, today, pref);
    found |= day_of_month(s, w, today, pref);
    found
}

fn set_day(pref: &mut TimePreference, d: NaiveDate) {
    pref.from = Some(d);
    pref.to = Some(d);
}

fn relative_days(s: &mut Scan, w: &TimeWords, today: NaiveDate, pref: &mut TimePreference) -> bool {
    let lists: [(&[&str], u64); 3] = [(w.day_after_tomorrow, 2), (w.tomorrow, 1), (w.today, 0)];
    for (phrases, offset) in lists {
        for p in phrases {
            let Some((start, end)) = s.find(p) else { continue };
            // Spanish "por la mañana" is a part of the day, not "tomorrow".
            if s.any_before(end, w.morning).is_some_and(|ms| ms < start) {
                continue;
            }
            s.take(start, end);
            if let Some(d) = today.checked_add_days(Days::new(offset)) {
                set_day(pref, d);
            }
            // "tonight" / "esta noche" also name the part of the day.
            if p.split_whitespace().any(|word| w.evening.contains(&word)) {
                pref.part = Some(super::PartOfDay::Evening);
            }
            return true;
        }
    }
    false
}

fn weekday_at(s: &Scan, w: &TimeWords, i: usize) -> Option<(Weekday, usize)> {
    w.weekdays.iter().find_map(|(name, wd)| s.at(i, name).map(|e| (*wd, e)))
}

fn exclusions(s: &mut Scan, w: &TimeWords, pref: &mut TimePreference) -> bool {
    let mut found = false;
    for i in 0..s.len() {
        let Some((wd, end)) = weekday_at(s, w, i) else { continue };
        // Allow one filler between: "not on Monday", "except for Monday".
        let before = s
            .any_before(i, w.except_before)
            .or_else(|| i.checked_sub(1).and_then(|j| s.any_before(j, w.except_before)));
        let after = s.any_at(end, w.except_after);
        if before.is_some() || after.is_some() {
            let start = before.unwrap_or(i);
            s.take(start, after.unwrap_or(end));
            if !pref.not_weekdays.contains(&wd) {
                pref.not_weekdays.push(wd);
            }
            found = true;
        }
    }
    found
}

fn monday_of_next_week(today: NaiveDate) -> NaiveDate {
    let ahead = 7 - u64::from(today.weekday().num_days_from_monday());
    today.checked_add_days(Days::new(ahead)).unwrap_or(today)
}

fn weeks(s: &mut Scan, w: &TimeWords, today: NaiveDate, pref: &mut TimePreference) -> bool {
    let next_monday = monday_of_next_week(today);
    let add = |d: NaiveDate, n: u64| d.checked_add_days(Days::new(n)).unwrap_or(d);
    for (nouns, is_weekend) in [(w.weekend, true), (w.week, false)] {
        for noun in nouns {
            let Some((start, end)) = s.find(noun) else { continue };
            let next_before = s.any_before(start, w.next);
            let next_after = s.any_at(end, w.next_after);
            let this_before = s.any_before(start, w.this);
            let is_next = next_before.is_some() || next_after.is_some();
            let (from, to) = match (is_weekend, is_next) {
                (false, true) => (next_monday, add(next_monday, 6)),
                (false, false) => (today, add(next_monday, 0).pred_opt().unwrap_or(today)),
                (true, false) => (add(next_monday, 0) - Days::new(2), add(next_monday, 0) - Days::new(1)),
                (true, true) => (add(next_monday, 5), add(next_monday, 6)),
            };
            let from = from.max(today);
            s.take(next_before.or(this_before).unwrap_or(start), next_after.unwrap_or(end));
            pref.from = Some(from);
            pref.to = Some(to);
            return true;
        }
    }
    false
}

fn weekdays(s: &mut Scan, w: &TimeWords, today: NaiveDate, pref: &mut TimePreference) -> bool {
    let range = pref.from.zip(pref.to);
    let mut days: Vec<(Weekday, NaiveDate)> = Vec::new();
    for i in 0..s.len() {
        let Some((wd, end)) = weekday_at(s, w, i) else { continue };
        let next_before = s.any_before(i, w.next).or_else(|| {
            // "el próximo martes" / "next on Tuesday" with one word between.
            i.checked_sub(1).and_then(|j| s.any_before(j, w.next))
        });
        let next_after = s.any_at(end, w.next_after);
        let this_before = s.any_before(i, w.this);
        let date = if let Some((from, to)) = range {
            from.iter_days().take_while(|d| *d <= to).find(|d| d.weekday() == wd)
        } else if next_before.is_some() || next_after.is_some() {
            let monday = monday_of_next_week(today);
            monday.checked_add_days(Days::new(u64::from(wd.num_days_from_monday())))
        } else {
            let ahead = (7 + wd.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
            today.checked_add_days(Days::new(u64::from(ahead)))
        };
        s.take(next_before.or(this_before).unwrap_or(i), next_after.unwrap_or(end));
        if let Some(d) = date {
            days.push((wd, d));
        }
    }
    match days.as_slice() {
        [] => false,
        [(_, d)] => {
            set_day(pref, *d);
            true
        }
        many => {
            pref.from = many.iter().map(|(_, d)| *d).min();
            pref.to = many.iter().map(|(_, d)| *d).max();
            pref.weekdays = many.iter().map(|(wd, _)| *wd).collect();
            true
        }
    }
}

const SUFFIXES: &[&str] = &["th", "st", "nd", "rd"];
const ARTICLES: &[&str] = &["the", "el", "on", "for", "del"];

fn day_of_month(s: &mut Scan, w: &TimeWords, today: NaiveDate, pref: &mut TimePreference) -> bool {
    for i in 0..s.len() {
        let ordinal_word = w.day_ordinals.iter().find(|(word, _)| s.at(i, word).is_some()).map(|(_, n)| *n);
        let Some(day) = s.number(i).or(ordinal_word).filter(|d| (1..=31).contains(d)) else {
            continue;
        };
        let mut end = i + 1;
        let has_suffix = s.any_at(end, SUFFIXES).is_some();
        if has_suffix {
            end += 1;
        }
        // "<month> 14", "14 of March", "14 de marzo".
        let month_before = i
            .checked_sub(1)
            .and_then(|j| w.months.iter().find(|(m, _)| s.at(j, m).is_some()))
            .map(|(_, m)| (*m, i - 1));
        let mut month_after = None;
        let mut k = end;
        if matches!(s.word(k), Some("of" | "de")) {
            k += 1;
        }
        if let Some((_, m)) = w.months.iter().find(|(name, _)| s.at(k, name).is_some()) {
            month_after = Some((*m, k + 1));
        }
        let article = i.checked_sub(1).and_then(|j| s.word(j)).is_some_and(|a| ARTICLES.contains(&a));
        let plain_number = ordinal_word.is_none() && !has_suffix;
        // A bare number needs a month or an article and must not be a time.
        let looks_like_time =
            s.word(end).is_some_and(|n| matches!(n, "am" | "pm" | "oclock") || n.parse::<u32>().is_ok());
        let accepted = month_before.is_some()
            || month_after.is_some()
            || (has_suffix && !looks_like_time)
            || (article && !looks_like_time && (!plain_number || day > 12 || w.bare_day_after_article));
        if ordinal_word.is_some() && month_before.is_none() && month_after.is_none() && !article {
            continue;
        }
        if !accepted {
            continue;
        }
        let month = month_before.or(month_after).map(|(m, _)| m);
        let date = resolve(today, month, day);
        let start = month_before.map(|(_, j)| j).unwrap_or(i);
        let stop = month_after.map(|(_, j)| j).unwrap_or(end);
        s.take(start, stop);
        if let Some(d) = date {
            set_day(pref, d);
            return true;
        }
    }
    false
}

/// The next date (today included) with this day of the month (and month).
fn resolve(today: NaiveDate, month: Option<u32>, day: u32) -> Option<NaiveDate> {
    match month {
        Some(m) => NaiveDate::from_ymd_opt(today.year(), m, day)
            .filter(|d| *d >= today)
            .or_else(|| NaiveDate::from_ymd_opt(today.year() + 1, m, day)),
        None => {
            let this = NaiveDate::from_ymd_opt(today.year(), today.month(), day).filter(|d| *d >= today);
            this.or_else(|| {
                let (y, m) =
                    if today.month() == 12 { (today.year() + 1, 1) } else { (today.year(), today.month() + 1) };
                NaiveDate::from_ymd_opt(y, m, day)
            })
        }
    }
}
