//! The booking dialog: intake -> time -> options -> choice -> read-back ->
//! book. [`advance`] always asks for the next missing piece, so callers who
//! say everything at once ("water heater leaking, John, 42 Elm, tomorrow
//! morning") skip straight to the options.

use chrono::Timelike;

use super::extract;
use super::turn::TurnBuilder;
use crate::assistant::intent;
use crate::assistant::locale::Msg;
use crate::assistant::schedule::{self, Slot, SlotRequest};
use crate::assistant::services;
use crate::assistant::state::{Emergency, Goal, Stage};
use crate::assistant::text::Utterance;
use crate::assistant::timeexpr::{self, TimePreference};
use crate::assistant::types::{Action, Booking, CallbackReason, Intent, PriceRange};

/// Pick up a service and a time preference from any utterance.
pub fn absorb(t: &mut TurnBuilder, u: &Utterance, raw: &str) {
    if let Some((svc, _)) = services::classify(u, t.ctx.profile) {
        if t.st.service_key.is_none() || t.st.problem.is_none() {
            t.st.service_key = Some(svc.key.clone());
        }
        if t.st.problem.is_none() {
            t.st.problem = Some(raw.trim().to_string());
        }
    }
    if let Some(p) = timeexpr::parse(u, t.lang(), t.fmt().today) {
        t.st.preference = Some(match &t.st.preference {
            Some(old) => old.refine(&p),
            None => p,
        });
    }
}

/// Ask for the next missing piece, or offer options when complete.
pub fn advance(t: &mut TurnBuilder) {
    let emergency = t.st.emergency == Emergency::Confirmed;
    // In an emergency the address matters most; ask it first.
    let order: [Stage; 4] = if emergency {
        [Stage::AskAddress, Stage::AskName, Stage::AskPhone, Stage::AskProblem]
    } else {
        [Stage::AskName, Stage::AskAddress, Stage::AskPhone, Stage::AskProblem]
    };
    for need in order {
        match need {
            Stage::AskName if t.st.name.is_none() => {
                if let Some(n) = t.ctx.caller.customer.as_ref().and_then(|c| c.name.clone()) {
                    t.st.name = Some(n);
                } else {
                    return ask(t, Stage::AskName, Msg::AskName);
                }
            }
            Stage::AskAddress if t.st.address.is_none() => {
                if let Some(a) = t.ctx.caller.customer.as_ref().and_then(|c| c.address.clone()) {
                    t.st.address = Some(a.clone());
                    return ask(t, Stage::ConfirmAddress, Msg::ConfirmAddress { address: a });
                }
                return ask(t, Stage::AskAddress, Msg::AskAddress);
            }
            Stage::AskPhone if t.phone().is_none() => return ask(t, Stage::AskPhone, Msg::AskPhone),
            Stage::AskProblem if t.st.problem.is_none() && t.st.service_key.is_none() => {
                return ask(t, Stage::AskProblem, Msg::AskProblem);
            }
            _ => {}
        }
    }
    if t.st.preference.is_none() {
        if emergency {
            t.st.preference = Some(TimePreference { asap: true, ..TimePreference::default() });
        } else {
            return ask(t, Stage::AskTime, Msg::AskTime);
        }
    }
    offer(t);
}

fn ask(t: &mut TurnBuilder, stage: Stage, m: Msg) {
    t.st.stage = stage;
    t.say(m);
}

fn duration(t: &TurnBuilder) -> u32 {
    let key = t.st.service_key.as_deref();
    key.and_then(|k| services::by_key(t.ctx.profile, k))
        .or_else(|| services::fallback(t.ctx.profile))
        .map_or(60, |s| s.duration_minutes)
}

fn request<'p>(t: &'p TurnBuilder, pref: &'p TimePreference) -> SlotRequest<'p> {
    SlotRequest {
        duration_minutes: duration(t),
        emergency: t.st.emergency == Emergency::Confirmed,
        preference: pref,
        ignore_appointment: t.st.target_appointment.as_deref(),
        limit: 3,
    }
}

/// Offer 2-3 options for the current preference.
pub fn offer(t: &mut TurnBuilder) {
    let pref = t.st.preference.clone().unwrap_or_default();
    let o = schedule::offer(t.ctx.profile, t.ctx.calendar, t.ctx.now, &request(t, &pref));
    if o.slots.is_empty() {
        t.say(Msg::NoSlots);
        t.callback(CallbackReason::PartialIntake);
        t.end();
        return;
    }
    // A caller who named an exact time that is free gets it read back directly.
    if let (Some(at), false) = (pref.at, o.relaxed)
        && let Some(first) = o.slots.first().filter(|s| local_time_is(t, s, at))
    {
        let slot = *first;
        return choose(t, slot);
    }
    t.st.offered = o.slots.clone();
    t.st.stage = Stage::ChooseSlot;
    t.say(Msg::Offer {
        slots: o.slots.iter().map(|s| s.start).collect(),
        relaxed: o.relaxed,
        emergency: t.st.emergency == Emergency::Confirmed,
    });
}

fn local_time_is(t: &TurnBuilder, s: &Slot, at: chrono::NaiveTime) -> bool {
    let local = s.start.with_timezone(&t.ctx.profile.time_zone).time();
    local.hour() == at.hour() && local.minute() == at.minute()
}

/// The caller answers "when?".
pub fn on_time(t: &mut TurnBuilder, u: &Utterance) {
    match timeexpr::parse(u, t.lang(), t.fmt().today) {
        Some(p) => {
            t.intent(Intent::Inform, 0.9);
            t.st.preference = Some(match &t.st.preference {
                Some(old) => old.refine(&p),
                None => p,
            });
            offer(t);
        }
        None if intent::yes_no(u, t.lang()).is_some() => {
            // "Yes"/"sure" to "when is good?": no constraint, offer the earliest.
            t.intent(Intent::Inform, 0.6);
            t.st.preference = Some(TimePreference::default());
            offer(t);
        }
        None => t.misunderstood(Msg::AskTime),
    }
}

/// The caller reacts to the options on the table.
pub fn on_choice(t: &mut TurnBuilder, u: &Utterance) {
    let offered = t.st.offered.clone();
    if let Some(i) = intent::ordinal_choice(u, t.lang(), offered.len()) {
        t.intent(Intent::Inform, 0.9);
        return choose(t, offered[i]);
    }
    if let Some(p) = timeexpr::parse(u, t.lang(), t.fmt().today) {
        let tz = t.ctx.profile.time_zone;
        let matching: Vec<Slot> = offered
            .iter()
            .copied()
            .filter(|s| {
                let l = s.start.with_timezone(&tz);
                p.from.is_none_or(|f| l.date_naive() >= f)
                    && p.to.is_none_or(|to| l.date_naive() <= to)
                    && p.at.is_none_or(|at| local_time_is(t, s, at))
                    && !p.not_weekdays.contains(&chrono::Datelike::weekday(&l))
                    && p.part.is_none_or(|part| {
                        let (a, b) = part.window();
                        l.time() >= a && l.time() < b
                    })
            })
            .collect();
        t.intent(Intent::Inform, 0.85);
        return match matching.as_slice() {
            [one] => choose(t, *one),
            [] => {
                // A counter-proposal: search again with the new constraints.
                let old = t.st.preference.clone().unwrap_or_default();
                t.st.preference = Some(old.refine(&p));
                offer(t);
            }
            several if several.len() < offered.len() => {
                t.st.offered = several.to_vec();
                t.say(Msg::ChooseAgain { slots: several.iter().map(|s| s.start).collect() });
            }
            _ => offer(t),
        };
    }
    match intent::yes_no(u, t.lang()) {
        Some(true) if offered.len() == 1 => {
            t.intent(Intent::Yes, 0.8);
            choose(t, offered[0]);
        }
        Some(false) => {
            t.intent(Intent::No, 0.8);
            t.st.offered.clear();
            t.st.stage = Stage::AskTime;
            t.say(Msg::WhatToChange);
        }
        _ => {
            let prompt = Msg::ChooseAgain { slots: offered.iter().map(|s| s.start).collect() };
            t.misunderstood(prompt);
        }
    }
}

/// A slot was picked: read back before acting.
pub fn choose(t: &mut TurnBuilder, slot: Slot) {
    t.st.chosen = Some(slot);
    t.st.stage = Stage::ConfirmBooking;
    let msgs = t.read_back();
    t.msgs.extend(msgs);
}

/// Yes/no to the read-back.
pub fn on_confirm(t: &mut TurnBuilder, u: &Utterance, raw: &str) {
    match intent::yes_no(u, t.lang()) {
        Some(true) => {
            t.intent(Intent::Yes, 0.9);
            commit(t);
        }
        Some(false) => {
            t.intent(Intent::No, 0.9);
            t.st.chosen = None;
            t.st.offered.clear();
            let lexes = crate::assistant::lexicon::lexicons(t.lang());
            let mentions = |f: fn(&crate::assistant::lexicon::Lexicon) -> &'static [&'static str]| {
                lexes.iter().any(|l| f(l).iter().any(|w| u.has(w)))
            };
            if let Some(a) = extract::address(raw, t.lang()).filter(|_| mentions(|l| l.change_address)) {
                t.st.address = Some(a);
                offer(t);
            } else if mentions(|l| l.change_address) {
                t.st.address = None;
                ask(t, Stage::AskAddress, Msg::AskAddress);
            } else if mentions(|l| l.change_name) {
                t.st.name = None;
                ask(t, Stage::AskName, Msg::AskName);
            } else {
                ask(t, Stage::AskTime, Msg::WhatToChange);
            }
        }
        None => {
            // A new time instead of yes/no is a counter-proposal.
            if timeexpr::parse(u, t.lang(), t.fmt().today).is_some() {
                t.st.chosen = None;
                return on_time(t, u);
            }
            t.misunderstood(Msg::ClarifyYesNo);
        }
    }
}

/// Book (or move) the chosen slot, re-checking it is still free.
fn commit(t: &mut TurnBuilder) {
    let Some(slot) = t.st.chosen else {
        return ask(t, Stage::AskTime, Msg::AskTime);
    };
    let pref = TimePreference::default();
    let still_free = schedule::is_available(t.ctx.profile, t.ctx.calendar, t.ctx.now, &request(t, &pref), &slot);
    if !still_free {
        t.say(Msg::SlotTaken);
        t.st.chosen = None;
        return offer(t);
    }
    let phone = t.phone();
    let business = t.ctx.profile.name.clone();
    let emergency = t.st.emergency == Emergency::Confirmed;
    if t.st.goal == Goal::Reschedule
        && let Some(id) = t.st.target_appointment.clone()
    {
        t.act(Action::RescheduleAppointment { appointment_id: id, start: slot.start, end: slot.end });
        if let Some(to) = phone.clone() {
            let text = t.text(&Msg::SmsMoved { business, when: slot.start });
            t.act(Action::SendConfirmationSms { to, text });
        }
        t.say(Msg::Moved { when: slot.start, sms: phone.is_some() });
    } else {
        let svc =
            t.st.service_key
                .as_deref()
                .and_then(|k| services::by_key(t.ctx.profile, k))
                .or_else(|| services::fallback(t.ctx.profile))
                .cloned();
        let (key, name, range) = svc
            .map_or((services::GENERAL.to_string(), String::new(), PriceRange { min: 0, max: 0 }), |s| {
                (s.key.clone(), s.name.clone(), PriceRange { min: s.price_min, max: s.price_max })
            });
        t.upsert_customer();
        t.act(Action::BookAppointment(Booking {
            service_key: key,
            start: slot.start,
            end: slot.end,
            description: t.st.problem.clone().unwrap_or_else(|| name.clone()),
            emergency,
            estimated_value: range,
        }));
        let address = t.st.address.clone().unwrap_or_default();
        let owner = t.text(&Msg::OwnerBooked {
            emergency,
            service: name.clone(),
            name: t.st.name.clone().unwrap_or_default(),
            address: address.clone(),
            phone: phone.clone().unwrap_or_default(),
            when: slot.start,
        });
        t.act(Action::AlertOwner { text: owner, emergency });
        if let Some(to) = phone.clone() {
            let text = t.text(&Msg::SmsBooked { business, service: name, when: slot.start, address });
            t.act(Action::SendConfirmationSms { to, text });
        }
        t.say(Msg::Booked { when: slot.start, sms: phone.is_some() });
    }
    t.st.booked = true;
    t.st.offered.clear();
    t.st.misunderstood = 0;
    ask(t, Stage::AnythingElse, Msg::AnythingElse);
}
