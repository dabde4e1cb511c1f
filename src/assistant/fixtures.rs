//! A reference tenant and clock shared by the assistant's tests and by the
//! channel tests that replay the same scenarios (voice, SMS, web chat).
//!
//! "Acme Plumbing" in America/Chicago, open Monday-Friday 08:00-17:00,
//! closed on Thanksgiving 2026, four jobs a day, 30-minute travel buffer.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::domain::{BusinessProfile, Language, WeeklyHours, default_plumbing_services};

pub const OWNER_PHONE: &str = "+15125550100";
pub const CALLER_PHONE: &str = "+15125550199";

pub fn profile() -> BusinessProfile {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
    BusinessProfile {
        id: "acme".into(),
        name: "Acme Plumbing".into(),
        vertical: "plumbing".into(),
        phone_number: Some("+15125550111".into()),
        owner_phone: Some(OWNER_PHONE.into()),
        time_zone: chrono_tz::America::Chicago,
        hours: WeeklyHours::weekdays(hm(8, 0), hm(17, 0)),
        closed_dates: NaiveDate::from_ymd_opt(2026, 11, 26).into_iter().collect(),
        max_jobs_per_day: 4,
        reserve_mornings_for_emergencies: false,
        travel_buffer_minutes: 30,
        services: default_plumbing_services(),
        emergency_keywords: vec!["banging noise".into()],
        language: Language::En,
        accepts_transfers: true,
        service_area: Some("Austin and the surrounding suburbs".into()),
        warranty: Some("All repairs come with a one-year parts and labor warranty".into()),
    }
}

/// The same tenant, speaking Spanish.
pub fn profile_es() -> BusinessProfile {
    BusinessProfile {
        language: Language::Es,
        service_area: Some("Austin y alrededores".into()),
        warranty: Some("Todas las reparaciones tienen un año de garantía en piezas y mano de obra".into()),
        ..profile()
    }
}

/// Monday 2026-11-23, 09:00 in Chicago (15:00 UTC).
pub fn monday_morning() -> DateTime<Utc> {
    chrono_tz::America::Chicago
        .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .map_or(DateTime::<Utc>::MIN_UTC, |d| d.with_timezone(&Utc))
}

/// A local Chicago wall time as UTC (tests and scenario data).
pub fn chicago(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::America::Chicago
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .earliest()
        .map_or(DateTime::<Utc>::MIN_UTC, |d| d.with_timezone(&Utc))
}
