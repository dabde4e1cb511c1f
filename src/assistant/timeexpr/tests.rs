//! Time-expression parsing with a fixed clock: Monday 2026-11-23.

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::{PartOfDay, TimePreference, parse};
use crate::assistant::text::Utterance;
use crate::domain::Language;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn d(m: u32, day: u32) -> Option<NaiveDate> {
    let y = if m < 11 { 2027 } else { 2026 };
    NaiveDate::from_ymd_opt(y, m, day)
}

fn t(h: u32, m: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(h, m, 0)
}

fn p(s: &str) -> TimePreference {
    parse(&Utterance::new(s, Language::En), Language::En, today()).unwrap_or_else(|| panic!("no time in {s:?}"))
}

fn pes(s: &str) -> TimePreference {
    parse(&Utterance::new(s, Language::Es), Language::Es, today()).unwrap_or_else(|| panic!("no time in {s:?}"))
}

#[test]
fn relative_days_and_parts() {
    let r = p("tomorrow morning");
    assert_eq!((r.from, r.to, r.part), (d(11, 24), d(11, 24), Some(PartOfDay::Morning)));
    let r = p("tonight");
    assert_eq!((r.from, r.part), (d(11, 23), Some(PartOfDay::Evening)));
    assert_eq!(p("the day after tomorrow").from, d(11, 25));
}

#[test]
fn weekdays_this_and_next() {
    assert_eq!(p("this Friday").from, d(11, 27));
    assert_eq!(p("friday").from, d(11, 27));
    assert_eq!(p("monday").from, d(11, 23), "a bare weekday includes today");
    let r = p("next Tuesday after 3");
    assert_eq!((r.from, r.after), (d(12, 1), t(15, 0)));
    assert_eq!(p("Tuesday or Wednesday").weekdays, vec![Weekday::Tue, Weekday::Wed]);
}

#[test]
fn days_of_the_month() {
    assert_eq!(p("the 14th").from, d(12, 14), "past this month: next month");
    assert_eq!(p("on the 28th").from, d(11, 28));
    assert_eq!(p("the fourteenth").from, d(12, 14));
    assert_eq!(p("March 3rd").from, d(3, 3));
    assert_eq!(p("the 2nd of December").from, d(12, 2));
}

#[test]
fn weeks_asap_and_exclusions() {
    assert!(p("as soon as possible").asap);
    assert!(p("whatever is the earliest").asap);
    let r = p("any time next week");
    assert_eq!((r.from, r.to), (d(11, 30), d(12, 6)));
    let r = p("not Monday");
    assert_eq!(r.not_weekdays, vec![Weekday::Mon]);
    assert_eq!(r.from, None);
    let r = p("next week but not on Monday, Friday doesn't work either");
    assert_eq!(r.not_weekdays, vec![Weekday::Mon, Weekday::Fri]);
    assert_eq!(r.from, d(11, 30));
    let r = p("this weekend");
    assert_eq!((r.from, r.to), (d(11, 28), d(11, 29)));
}

#[test]
fn clock_times_in_many_shapes() {
    assert_eq!(p("Friday at 10:30 am").at, t(10, 30));
    assert_eq!(p("ten thirty a m").at, t(10, 30));
    assert_eq!(p("half past two").at, t(14, 30));
    assert_eq!(p("quarter to nine").at, t(8, 45));
    assert_eq!(p("around 9").at, t(9, 0));
    assert_eq!(p("before noon").before, t(12, 0));
    assert_eq!(p("at 2 in the afternoon").at, t(14, 0));
    let r = p("between 1 and 3 on Wednesday");
    assert_eq!((r.after, r.before, r.from), (t(13, 0), t(15, 0), d(11, 25)));
}

#[test]
fn numbers_that_are_not_times() {
    let u = Utterance::new("I live at 42 Elm Street", Language::En);
    let r = parse(&u, Language::En, today());
    assert!(r.as_ref().is_none_or(|r| r.at.is_none() && r.from.is_none()), "{r:?}");
    assert!(parse(&Utterance::new("my water heater is leaking", Language::En), Language::En, today()).is_none());
}

#[test]
fn asr_variants() {
    assert_eq!(p("tomorow mornin").from, d(11, 24));
    let r = p("next tuseday after three");
    assert_eq!((r.from, r.after), (d(12, 1), t(15, 0)));
    assert_eq!(p("um this uh friday").from, d(11, 27));
}

#[test]
fn spanish() {
    let r = pes("mañana por la mañana");
    assert_eq!((r.from, r.part), (d(11, 24), Some(PartOfDay::Morning)));
    let r = pes("el próximo martes después de las 3");
    assert_eq!((r.from, r.after), (d(12, 1), t(15, 0)));
    let r = pes("la semana que viene, pero no el lunes");
    assert_eq!((r.from, r.not_weekdays.clone()), (d(11, 30), vec![Weekday::Mon]));
    assert_eq!(pes("el 14").from, d(12, 14));
    assert!(pes("lo antes posible").asap);
    assert_eq!(pes("a las tres y media de la tarde").at, t(15, 30));
    assert_eq!(pes("el viernes").from, d(11, 27));
}

#[test]
fn refine_replaces_and_accumulates() {
    let first = p("tomorrow morning");
    let second = p("actually not Tuesday, Thursday afternoon");
    let r = first.refine(&second);
    assert_eq!((r.from, r.part), (d(11, 26), Some(PartOfDay::Afternoon)));
    assert_eq!(r.not_weekdays, vec![Weekday::Tue]);
}
