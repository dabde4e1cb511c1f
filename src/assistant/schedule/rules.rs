//! The hard scheduling rules and the soft preference filter.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{GRID_MINUTES, HORIZON_DAYS, LEAD_MINUTES, Slot, SlotRequest, reserved_until};
use crate::assistant::timeexpr::TimePreference;
use crate::assistant::types::BusyInterval;
use crate::domain::BusinessProfile;

/// Longest look-ahead even when the caller names a far date.
const MAX_DAYS: u64 = 90;

fn local(tz: Tz, at: NaiveDateTime) -> Option<DateTime<Utc>> {
    // A local time that does not exist (spring forward) yields None and is
    // skipped; an ambiguous one (fall back) takes the first occurrence.
    tz.from_local_datetime(&at).earliest().map(|d| d.with_timezone(&Utc))
}

/// Every slot that satisfies the hard rules, in time order.
pub fn feasible(
    profile: &BusinessProfile,
    calendar: &[BusyInterval],
    now: DateTime<Utc>,
    req: &SlotRequest,
) -> Vec<Slot> {
    let tz = profile.time_zone;
    let today = now.with_timezone(&tz).date_naive();
    let earliest = now + Duration::minutes(LEAD_MINUTES);
    let duration = Duration::minutes(i64::from(req.duration_minutes.max(15)));
    let buffer = Duration::minutes(i64::from(profile.travel_buffer_minutes));
    let horizon = req
        .preference
        .to
        .and_then(|to| u64::try_from((to - today).num_days()).ok())
        .map_or(HORIZON_DAYS, |d| d.max(HORIZON_DAYS))
        .min(MAX_DAYS);
    let blocks: Vec<&BusyInterval> = calendar
        .iter()
        .filter(|b| b.appointment_id.is_none() || b.appointment_id.as_deref() != req.ignore_appointment)
        .collect();
    let mut out = Vec::new();
    for offset in 0..=horizon {
        let Some(date) = today.checked_add_days(Days::new(offset)) else { break };
        if profile.closed_dates.contains(&date) {
            continue;
        }
        let Some(hours) = profile.hours.for_weekday(date.weekday()) else { continue };
        if day_is_full(profile, &blocks, date) {
            continue;
        }
        let Some(close) = tz.from_local_datetime(&date.and_time(hours.close)).latest().map(|d| d.with_timezone(&Utc))
        else {
            continue;
        };
        let mut wall = date.and_time(hours.open);
        while wall.date() == date && wall.time() < hours.close {
            let next = wall + Duration::minutes(GRID_MINUTES);
            let reserved = profile.reserve_mornings_for_emergencies && !req.emergency && wall.time() < reserved_until();
            if let Some(start) = local(tz, wall).filter(|_| !reserved) {
                let end = start + duration;
                let clear = blocks.iter().all(|b| end <= b.start - buffer || start >= b.end + buffer);
                if start >= earliest && end <= close && clear {
                    out.push(Slot { start, end });
                }
            }
            wall = next;
        }
    }
    out
}

fn day_is_full(profile: &BusinessProfile, blocks: &[&BusyInterval], date: NaiveDate) -> bool {
    if profile.max_jobs_per_day == 0 {
        return false;
    }
    let tz = profile.time_zone;
    let jobs = blocks.iter().filter(|b| b.counts_as_job && b.start.with_timezone(&tz).date_naive() == date).count();
    jobs >= profile.max_jobs_per_day as usize
}

/// Whether a feasible slot satisfies the caller's (soft) preference.
pub fn matches(profile: &BusinessProfile, slot: &Slot, p: &TimePreference) -> bool {
    let local = slot.start.with_timezone(&profile.time_zone);
    let date = local.date_naive();
    let time = local.time();
    if p.from.is_some_and(|f| date < f) || p.to.is_some_and(|t| date > t) {
        return false;
    }
    if !p.weekdays.is_empty() && !p.weekdays.contains(&date.weekday()) {
        return false;
    }
    if p.not_weekdays.contains(&date.weekday()) {
        return false;
    }
    if let Some(part) = p.part {
        let (from, to) = part.window();
        if time < from || time >= to {
            return false;
        }
    }
    if p.after.is_some_and(|a| time < a) || p.before.is_some_and(|b| time >= b) {
        return false;
    }
    true
}
