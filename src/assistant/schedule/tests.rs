use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};

use super::*;
use crate::assistant::fixtures::{chicago, monday_morning, profile};
use crate::assistant::timeexpr::PartOfDay;
use crate::domain::DayHours;

fn req(pref: &TimePreference, minutes: u32, emergency: bool) -> SlotRequest<'_> {
    SlotRequest { duration_minutes: minutes, emergency, preference: pref, ignore_appointment: None, limit: 3 }
}

fn job(start: DateTime<Utc>, minutes: i64, id: &str) -> BusyInterval {
    BusyInterval {
        start,
        end: start + chrono::Duration::minutes(minutes),
        counts_as_job: true,
        appointment_id: Some(id.into()),
    }
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn lead_time_and_spread_on_an_open_day() {
    let p = profile();
    let pref = TimePreference::default();
    let o = offer(&p, &[], monday_morning(), &req(&pref, 120, false));
    assert!(!o.relaxed);
    assert_eq!(
        o.slots.iter().map(|s| s.start).collect::<Vec<_>>(),
        vec![chicago(2026, 11, 23, 10, 0), chicago(2026, 11, 23, 13, 0), chicago(2026, 11, 24, 8, 0)]
    );
    assert!(o.slots.iter().all(|s| (s.end - s.start).num_minutes() == 120));
}

#[test]
fn weekend_is_skipped() {
    let p = profile();
    let pref = TimePreference::default();
    let friday_late = chicago(2026, 11, 27, 16, 0);
    let o = offer(&p, &[], friday_late, &req(&pref, 60, false));
    assert_eq!(o.slots[0].start, chicago(2026, 11, 30, 8, 0));
}

#[test]
fn holiday_is_skipped() {
    let p = profile();
    let pref = TimePreference::default();
    let wednesday_late = chicago(2026, 11, 25, 15, 30);
    let o = offer(&p, &[], wednesday_late, &req(&pref, 60, false));
    assert_eq!(o.slots[0].start, chicago(2026, 11, 27, 8, 0), "Thanksgiving is closed");
}

#[test]
fn full_day_is_skipped_and_preference_relaxed() {
    let p = profile();
    let cal: Vec<_> = [8, 10, 12, 14]
        .iter()
        .enumerate()
        .map(|(i, h)| job(chicago(2026, 11, 24, *h, 0), 60, &format!("a{i}")))
        .collect();
    let pref = TimePreference { from: date(2026, 11, 24), to: date(2026, 11, 24), ..Default::default() };
    let o = offer(&p, &cal, monday_morning(), &req(&pref, 60, false));
    assert!(o.relaxed, "Tuesday is full, so the preference could not be met");
    let tz = p.time_zone;
    assert!(o.slots.iter().all(|s| s.start.with_timezone(&tz).date_naive() != date(2026, 11, 24).unwrap()));
}

#[test]
fn travel_buffer_around_existing_jobs() {
    let p = profile();
    let cal = vec![job(chicago(2026, 11, 23, 13, 0), 60, "x")];
    let pref = TimePreference::default();
    let all = rules::feasible(&p, &cal, monday_morning(), &req(&pref, 60, false));
    let starts: Vec<_> = all.iter().map(|s| s.start).collect();
    assert!(starts.contains(&chicago(2026, 11, 23, 11, 30)));
    assert!(!starts.contains(&chicago(2026, 11, 23, 12, 0)), "would end inside the buffer");
    assert!(!starts.contains(&chicago(2026, 11, 23, 14, 0)), "starts inside the buffer");
    assert!(starts.contains(&chicago(2026, 11, 23, 14, 30)));
}

#[test]
fn rescheduling_ignores_the_moved_appointment() {
    let p = profile();
    let cal = vec![job(chicago(2026, 11, 23, 13, 0), 60, "mine")];
    let pref = TimePreference::default();
    let mut r = req(&pref, 60, false);
    r.ignore_appointment = Some("mine");
    let all = rules::feasible(&p, &cal, monday_morning(), &r);
    assert!(all.iter().any(|s| s.start == chicago(2026, 11, 23, 13, 0)));
}

#[test]
fn reserved_mornings_only_for_emergencies() {
    let mut p = profile();
    p.reserve_mornings_for_emergencies = true;
    let pref = TimePreference::default();
    let regular = offer(&p, &[], monday_morning(), &req(&pref, 60, false));
    let tz = p.time_zone;
    assert!(regular.slots.iter().all(|s| s.start.with_timezone(&tz).hour() >= 12), "{regular:?}");
    let urgent = offer(&p, &[], monday_morning(), &req(&pref, 60, true));
    assert_eq!(urgent.slots[0].start, chicago(2026, 11, 23, 10, 0));
}

#[test]
fn preference_after_three_next_tuesday() {
    let p = profile();
    let pref = TimePreference {
        from: date(2026, 12, 1),
        to: date(2026, 12, 1),
        after: NaiveTime::from_hms_opt(15, 0, 0),
        ..Default::default()
    };
    let o = offer(&p, &[], monday_morning(), &req(&pref, 60, false));
    assert!(!o.relaxed);
    assert_eq!(o.slots[0].start, chicago(2026, 12, 1, 15, 0));
    assert!(o.slots.iter().all(|s| s.end <= chicago(2026, 12, 1, 17, 0)), "never past closing");
}

#[test]
fn exact_time_comes_first_and_exclusions_hold() {
    let p = profile();
    let pref = TimePreference {
        at: NaiveTime::from_hms_opt(14, 0, 0),
        not_weekdays: vec![Weekday::Mon],
        part: Some(PartOfDay::Afternoon),
        ..Default::default()
    };
    let o = offer(&p, &[], monday_morning(), &req(&pref, 60, false));
    assert_eq!(o.slots[0].start, chicago(2026, 11, 24, 14, 0));
    let tz = p.time_zone;
    assert!(o.slots.iter().all(|s| s.start.with_timezone(&tz).weekday() != Weekday::Mon));
}

#[test]
fn dst_spring_forward_changes_the_utc_offset() {
    let p = profile();
    let pref = TimePreference::default();
    let friday = chicago(2026, 3, 6, 16, 30);
    let o = offer(&p, &[], friday, &req(&pref, 60, false));
    // Monday 08:00 CDT is 13:00 UTC (the Friday before, 08:00 CST was 14:00 UTC).
    assert_eq!(o.slots[0].start.to_rfc3339(), "2026-03-09T13:00:00+00:00");
    assert_eq!(chicago(2026, 3, 6, 8, 0).to_rfc3339(), "2026-03-06T14:00:00+00:00");
}

#[test]
fn dst_spring_forward_skips_the_missing_hour() {
    let mut p = profile();
    let hm = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    p.hours.sun = Some(DayHours { open: hm(1), close: hm(5) });
    let pref = TimePreference::default();
    let saturday = chicago(2026, 3, 7, 12, 0);
    let all = rules::feasible(&p, &[], saturday, &req(&pref, 60, false));
    let sunday: Vec<String> = all
        .iter()
        .filter(|s| s.start.with_timezone(&p.time_zone).date_naive() == date(2026, 3, 8).unwrap())
        .map(|s| s.start.with_timezone(&p.time_zone).format("%H:%M %Z").to_string())
        .collect();
    // 01:00, 01:30 CST; 02:00-02:59 does not exist; 03:00 CDT onwards until 04:00 (ends by 05:00).
    assert_eq!(sunday, vec!["01:00 CST", "01:30 CST", "03:00 CDT", "03:30 CDT", "04:00 CDT"]);
    let first_cdt = all.iter().find(|s| s.start.with_timezone(&p.time_zone).format("%Z").to_string() == "CDT");
    assert_eq!(first_cdt.map(|s| s.start.to_rfc3339()), Some("2026-03-08T08:00:00+00:00".into()));
}

#[test]
fn dst_fall_back_keeps_real_durations() {
    let mut p = profile();
    let hm = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    p.hours.sun = Some(DayHours { open: hm(0), close: hm(3) });
    let pref = TimePreference::default();
    let saturday = chicago(2026, 10, 31, 12, 0);
    let all = rules::feasible(&p, &[], saturday, &req(&pref, 120, false));
    let sunday: Vec<_> =
        all.iter().filter(|s| s.start.with_timezone(&p.time_zone).date_naive() == date(2026, 11, 1).unwrap()).collect();
    // 00:00 CDT + 2 real hours = 01:00 CST, inside hours; 01:00 CDT + 2 h = 02:00 CST, ends at 02:00 <= 03:00.
    // The closing time 03:00 CST is 09:00 UTC; every job ends by then.
    assert!(sunday.iter().all(|s| s.end <= "2026-11-01T09:00:00Z".parse::<DateTime<Utc>>().unwrap()));
    assert_eq!(sunday.first().map(|s| s.start.to_rfc3339()), Some("2026-11-01T05:00:00+00:00".into()));
    // Weekday offsets on either side of the switch.
    let o = offer(&profile(), &[], chicago(2026, 10, 30, 16, 30), &req(&pref, 60, false));
    assert_eq!(o.slots[0].start.to_rfc3339(), "2026-11-02T14:00:00+00:00");
    assert_eq!(chicago(2026, 10, 30, 8, 0).to_rfc3339(), "2026-10-30T13:00:00+00:00");
}
