//! Questions answered from the tenant profile only: hours, "open now",
//! service area, price ranges from the catalog, warranty. When the profile
//! has no answer we say so instead of inventing one.

use chrono::{Datelike, Days, TimeZone, Utc};

use super::turn::TurnBuilder;
use crate::assistant::locale::Msg;
use crate::assistant::services;
use crate::assistant::text::Utterance;
use crate::assistant::types::{Intent, QuestionKind};

/// Say the answer; returns false when we still need to know which service.
pub fn answer(t: &mut TurnBuilder, kind: QuestionKind, u: &Utterance) -> bool {
    t.intent(Intent::Question(kind), 0.8);
    let p = t.ctx.profile;
    match kind {
        QuestionKind::Hours => t.say(Msg::Hours { hours: p.hours.clone() }),
        QuestionKind::OpenNow => open_now(t),
        QuestionKind::ServiceArea => t.say(Msg::ServiceArea { text: p.service_area.clone() }),
        QuestionKind::Warranty => t.say(Msg::Warranty { text: p.warranty.clone() }),
        QuestionKind::Price => {
            let svc = services::classify(u, p)
                .map(|(s, _)| s)
                .or_else(|| t.st.service_key.as_deref().and_then(|k| services::by_key(p, k)));
            match svc {
                Some(s) => {
                    t.st.asked_price = false;
                    t.say(Msg::Price { service: s.name.clone(), min: s.price_min, max: s.price_max });
                }
                None => {
                    t.st.asked_price = true;
                    t.say(Msg::PriceWhichService);
                    return false;
                }
            }
        }
    }
    true
}

fn open_now(t: &mut TurnBuilder) {
    let p = t.ctx.profile;
    let tz = p.time_zone;
    let now = t.ctx.now;
    let today = now.with_timezone(&tz).date_naive();
    let instant = |d: chrono::NaiveDate, time| {
        tz.from_local_datetime(&d.and_time(time)).earliest().map(|x| x.with_timezone(&Utc))
    };
    let open_on = |d: chrono::NaiveDate| {
        if p.closed_dates.contains(&d) { None } else { p.hours.for_weekday(d.weekday()) }
    };
    if let Some(h) = open_on(today)
        && let (Some(o), Some(c)) = (instant(today, h.open), instant(today, h.close))
        && o <= now
        && now < c
    {
        return t.say(Msg::OpenNow { until: c });
    }
    let next_open = (0..15u64)
        .filter_map(|i| today.checked_add_days(Days::new(i)))
        .filter_map(|d| open_on(d).and_then(|h| instant(d, h.open)))
        .find(|o| *o > now);
    t.say(Msg::ClosedNow { next_open });
}
