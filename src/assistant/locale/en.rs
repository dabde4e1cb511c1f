//! English catalog.

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};

use super::{Fmt, Msg, hour_groups};
use crate::assistant::lexicon::Hazard;
use crate::assistant::types::CallbackReason;

fn clock(t: NaiveTime) -> String {
    let (pm, h) = t.hour12();
    let suffix = if pm { "PM" } else { "AM" };
    match t.minute() {
        0 => format!("{h} {suffix}"),
        m => format!("{h}:{m:02} {suffix}"),
    }
}

fn weekday(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn ordinal(n: u32) -> String {
    format!("{n}{}", crate::assistant::text::numbers::ordinal_suffix(u64::from(n)))
}

fn when(dt: DateTime<Utc>, f: &Fmt) -> String {
    let local = dt.with_timezone(&f.tz);
    let date = local.date_naive();
    let day = match (date - f.today).num_days() {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        _ => format!("{}, {} {}", weekday(date.weekday()), MONTHS[date.month0() as usize], ordinal(date.day())),
    };
    format!("{day} at {}", clock(local.time()))
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} or {b}"),
        [rest @ .., last] => format!("{}, or {last}", rest.join(", ")),
    }
}

fn money(n: u32) -> String {
    if n >= 1000 { format!("${},{:03}", n / 1000, n % 1000) } else { format!("${n}") }
}

pub fn render(msg: &Msg, f: &Fmt) -> String {
    let w = |d: &DateTime<Utc>| when(*d, f);
    match msg {
        Msg::GreetVoice { business } => format!("Thanks for calling {business}."),
        Msg::GreetText { business } => format!("Hi, this is the {business} assistant."),
        Msg::RecordingNotice => "This call is recorded for quality.".into(),
        Msg::HowCanIHelp => "How can I help you today?".into(),
        Msg::WelcomeBack { name } => format!("Hi {name}, good to hear from you again."),
        Msg::Thanks { name: Some(n) } => format!("Thanks, {n}."),
        Msg::Thanks { name: None } => "Thanks.".into(),
        Msg::Okay => "Okay.".into(),
        Msg::AskName => "Can I get your name, please?".into(),
        Msg::AskNameAgain => "Sorry, what name should I put this under?".into(),
        Msg::ConfirmAddress { address } => format!("Is the visit at {address}?"),
        Msg::AskAddress => "What's the address for the visit?".into(),
        Msg::AskAddressAgain => "Sorry, could you give me the street address with the house number?".into(),
        Msg::AskPhone => "What's the best phone number to reach you?".into(),
        Msg::AskPhoneAgain => "I didn't get a full number. Could you give it with the area code?".into(),
        Msg::AskProblem => "What seems to be the problem?".into(),
        Msg::ServiceNoted { service } => format!("Got it, that's a {service}."),
        Msg::AskTime => "When would be a good time for us to come out?".into(),
        Msg::Offer { slots, relaxed, emergency } => {
            let opts: Vec<String> = slots.iter().map(w).collect();
            match (emergency, relaxed) {
                (true, _) => format!("The earliest I can get someone there is {}. Which works?", list(&opts)),
                (false, true) => format!(
                    "I don't have anything then. The closest I can do is {}. Would one of those work?",
                    list(&opts)
                ),
                (false, false) => format!("I can do {}. Which works best?", list(&opts)),
            }
        }
        Msg::NoSlots => {
            "I'm sorry, I don't have an opening in the next two weeks. I'll have someone call you to find a time."
                .into()
        }
        Msg::ChooseAgain { slots } => {
            let opts: Vec<String> = slots.iter().map(w).collect();
            format!("Which one works for you: {}?", list(&opts))
        }
        Msg::ReadBack { service, name, address, when } => {
            format!("To confirm: {service} for {name} at {address}, {}. Shall I book it?", w(when))
        }
        Msg::Booked { when, sms: true } => format!("You're booked for {}. I'll text you a confirmation.", w(when)),
        Msg::Booked { when, sms: false } => format!("You're booked for {}.", w(when)),
        Msg::SlotTaken => "Sorry, that time was just taken.".into(),
        Msg::WhatToChange => "No problem. What time would work better?".into(),
        Msg::Safety(Hazard::Gas | Hazard::CarbonMonoxide) => {
            "Please leave the building now and call 911 or the gas company from outside.".into()
        }
        Msg::Safety(Hazard::Electrical) => {
            "Please stay away from the water and the electrics, and call 911 if you see smoke or fire.".into()
        }
        Msg::Safety(Hazard::Water) => "If you can, shut off the main water valve.".into(),
        Msg::Safety(_) => String::new(),
        Msg::OwnerAlerted => "I'm alerting the owner right now.".into(),
        Msg::ConfirmEmergency => "Is this an emergency, like water leaking right now or no water at all?".into(),
        Msg::NotEmergencyNoted => "Okay, we'll book a regular visit.".into(),
        Msg::NoAppointment => {
            "I can't find an upcoming appointment for this number. I'll have someone from the team call you back."
                .into()
        }
        Msg::NextAppointment { service, when } => {
            format!("I see your {service} {}. When would you like to move it to?", w(when))
        }
        Msg::ConfirmMove { from, to } => {
            format!("So I'll move your visit from {} to {}. Is that right?", w(from), w(to))
        }
        Msg::Moved { when, sms: true } => {
            format!("Done, you're now booked for {}. I'll text you the new time.", w(when))
        }
        Msg::Moved { when, sms: false } => format!("Done, you're now booked for {}.", w(when)),
        Msg::ConfirmCancel { service, when } => format!("Do you want to cancel your {service} {}?", w(when)),
        Msg::Cancelled => "Your appointment is cancelled.".into(),
        Msg::KeptAppointment => "Okay, I've kept your appointment as it is.".into(),
        Msg::Hours { hours } => {
            let groups = hour_groups(hours);
            if groups.is_empty() {
                return "We work by appointment only.".into();
            }
            let parts: Vec<String> = groups
                .iter()
                .map(|(a, b, h)| {
                    let days =
                        if a == b { weekday(*a).to_string() } else { format!("{} to {}", weekday(*a), weekday(*b)) };
                    format!("{days}, {} to {}", clock(h.open), clock(h.close))
                })
                .collect();
            format!("We're open {}.", parts.join("; "))
        }
        Msg::OpenNow { until } => format!("Yes, we're open until {} today.", clock(until.with_timezone(&f.tz).time())),
        Msg::ClosedNow { next_open: Some(t) } => format!("We're closed right now. We open again {}.", w(t)),
        Msg::ClosedNow { next_open: None } => "We're closed right now.".into(),
        Msg::ServiceArea { text: Some(t) } => format!("We serve {t}."),
        Msg::ServiceArea { text: None } => {
            "I don't have our service area here, but the team can confirm it with you.".into()
        }
        Msg::Price { service, min, max } => format!(
            "A {service} usually runs between {} and {}. The technician confirms the price on site.",
            money(*min),
            money(*max)
        ),
        Msg::PriceWhichService => "Prices depend on the job. What do you need done?".into(),
        Msg::Warranty { text: Some(t) } => format!("{t}."),
        Msg::Warranty { text: None } => {
            "I don't have warranty details here, but the team can go over them with you.".into()
        }
        Msg::OfferBooking => "Would you like to book a visit?".into(),
        Msg::Transferring => "Sure, connecting you now.".into(),
        Msg::CallbackPromise => "Sure, I'll have someone call you back shortly.".into(),
        Msg::Clarify => {
            "Sorry, I didn't quite get that. Would you like to book a visit, change an appointment, or ask a question?"
                .into()
        }
        Msg::ClarifyYesNo => "Sorry, was that a yes or a no?".into(),
        Msg::GiveUp => "Sorry about that. I'll have someone from the team call you back shortly.".into(),
        Msg::StillThere => "Are you still there?".into(),
        Msg::SilenceGoodbye => "I'll have someone call you back. Goodbye.".into(),
        Msg::WrongNumber => "No problem. Have a good day!".into(),
        Msg::AnythingElse => "Anything else I can help with?".into(),
        Msg::Goodbye => "Thanks for reaching out. Goodbye!".into(),
        Msg::SmsBooked { business, service, when, address } => format!(
            "{business}: your {service} is booked for {} at {address}. To change it, reply RESCHEDULE or CANCEL APPOINTMENT.",
            w(when)
        ),
        Msg::SmsMoved { business, when } => format!("{business}: your visit is now {}.", w(when)),
        Msg::SmsCancelled { business, when } => format!("{business}: your visit {} is cancelled.", w(when)),
        Msg::SmsHelp { business } => {
            format!("{business}: text us what you need, or call us. Reply STOP to stop texts, START to resume.")
        }
        Msg::SmsStopped { business } => {
            format!("{business}: you won't get any more texts from us. Reply START to resume.")
        }
        Msg::SmsStarted { business } => format!("{business}: texts are back on. Reply STOP to stop them."),
        Msg::OwnerEmergency { phone, problem } => {
            let who = if phone.is_empty() { "an unknown number" } else { phone.as_str() };
            format!("EMERGENCY: caller {who} reports: \"{problem}\"")
        }
        Msg::OwnerBooked { emergency, service, name, address, phone, when } => format!(
            "{}New booking: {service} for {name} ({phone}), {address}, {}.",
            if *emergency { "EMERGENCY. " } else { "" },
            w(when)
        ),
        Msg::CallbackSummary { reason, name, phone, note } => {
            let why = match reason {
                CallbackReason::MissedCall => "Missed call",
                CallbackReason::PartialIntake => "Caller left before booking",
                CallbackReason::NoInput => "Caller went silent",
                CallbackReason::Voicemail => "Voicemail",
                CallbackReason::LowConfidence => "Assistant could not understand the caller",
                CallbackReason::Handoff => "Caller asked for a person",
            };
            let who = [name.as_deref(), phone.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
            let mut s = why.to_string();
            if !who.is_empty() {
                s.push_str(&format!(" ({who})"));
            }
            if let Some(n) = note {
                s.push_str(&format!(": {n}"));
            }
            s
        }
    }
}
