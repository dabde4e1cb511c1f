//! Pure slot computation: which start times can we offer for a job?
//!
//! Hard rules (never broken): opening hours of the local weekday, closed
//! dates, a lead time from now, the daily job limit, no overlap with existing
//! calendar blocks including the travel buffer on both sides, and (for
//! non-emergencies) the reserved-morning rule. The caller's time preference is
//! soft: when nothing satisfies it we relax it step by step and say so.
//!
//! All reasoning about days and hours happens in the tenant's zone; every
//! candidate is converted to UTC through chrono-tz, so DST days simply have a
//! different UTC offset (and a local time that does not exist is skipped).

mod rules;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::timeexpr::TimePreference;
use super::types::BusyInterval;
use crate::domain::BusinessProfile;

/// Minimum notice before a job can start.
pub const LEAD_MINUTES: i64 = 60;
/// Start times are offered on this grid from opening time.
pub const GRID_MINUTES: i64 = 30;
/// How far ahead we look when the caller gives no dates.
pub const HORIZON_DAYS: u64 = 14;
/// With `reserve_mornings_for_emergencies`, regular jobs start at or after this local time.
pub fn reserved_until() -> NaiveTime {
    NaiveTime::from_hms_opt(12, 0, 0).unwrap_or(NaiveTime::MIN)
}

/// One bookable interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// What to look for.
#[derive(Debug, Clone, Copy)]
pub struct SlotRequest<'a> {
    pub duration_minutes: u32,
    pub emergency: bool,
    pub preference: &'a TimePreference,
    /// An appointment being rescheduled: its own block does not count.
    pub ignore_appointment: Option<&'a str>,
    /// How many options to return (2-3 in conversation).
    pub limit: usize,
}

/// Options to offer, and whether the preference had to be relaxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub slots: Vec<Slot>,
    pub relaxed: bool,
}

/// Compute up to `limit` well-spread options for a request.
pub fn offer(profile: &BusinessProfile, calendar: &[BusyInterval], now: DateTime<Utc>, req: &SlotRequest) -> Offer {
    let feasible = rules::feasible(profile, calendar, now, req);
    let pref = req.preference;
    let relaxations: [TimePreference; 4] = [
        pref.clone(),
        TimePreference { part: None, after: None, before: None, at: None, ..pref.clone() },
        TimePreference { not_weekdays: pref.not_weekdays.clone(), ..TimePreference::default() },
        TimePreference::default(),
    ];
    for (step, p) in relaxations.iter().enumerate() {
        let mut matching: Vec<Slot> = feasible.iter().copied().filter(|s| rules::matches(profile, s, p)).collect();
        if let Some(at) = p.at {
            let tz = profile.time_zone;
            let dist = |s: &Slot| {
                let local = s.start.with_timezone(&tz).time();
                (i64::from(local.num_seconds_from_midnight()) - i64::from(at.num_seconds_from_midnight())).abs()
            };
            matching.sort_by_key(|s| (dist(s), s.start));
        }
        let mut slots = spread(&matching, req.limit);
        // Read options out in time order, unless the caller named a time:
        // then the closest one comes first.
        if p.at.is_none() {
            slots.sort_by_key(|s| s.start);
        }
        if !slots.is_empty() {
            return Offer { slots, relaxed: step > 0 };
        }
    }
    Offer { slots: Vec::new(), relaxed: true }
}

/// Pick options that are meaningfully different: first 3 hours apart (or on
/// another day), then at least an hour apart.
fn spread(candidates: &[Slot], limit: usize) -> Vec<Slot> {
    let mut chosen: Vec<Slot> = Vec::new();
    for min_gap in [180, 60] {
        for c in candidates {
            if chosen.len() >= limit {
                break;
            }
            let far = chosen.iter().all(|s| (s.start - c.start).num_minutes().abs() >= min_gap);
            if far && !chosen.contains(c) {
                chosen.push(*c);
            }
        }
    }
    if chosen.len() < limit {
        for c in candidates {
            if chosen.len() >= limit {
                break;
            }
            if !chosen.contains(c) {
                chosen.push(*c);
            }
        }
    }
    chosen
}

/// Whether a specific slot is still bookable (used right before booking, and
/// for a caller's counter-proposal of an exact time).
pub fn is_available(
    profile: &BusinessProfile,
    calendar: &[BusyInterval],
    now: DateTime<Utc>,
    req: &SlotRequest,
    slot: &Slot,
) -> bool {
    rules::feasible(profile, calendar, now, req).contains(slot)
}
