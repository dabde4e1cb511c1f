//! Every customer-facing (and owner-facing) sentence, one catalog per
//! language. The dialog only names messages ([`Msg`]); the catalogs decide the
//! words. Replies are spoken on phone calls, so messages are short, plain
//! sentences with no markup, and dates are said the way people say them
//! ("tomorrow at 10 AM", "Friday, November 27th at 2:30 PM").

mod en;
mod es;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::lexicon::Hazard;
use super::types::CallbackReason;
use crate::domain::{Language, WeeklyHours};

/// Formatting context: language, zone and the local "today".
#[derive(Debug, Clone, Copy)]
pub struct Fmt {
    pub lang: Language,
    pub tz: Tz,
    pub today: NaiveDate,
}

/// One message of the catalog, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    GreetVoice {
        business: String,
    },
    GreetText {
        business: String,
    },
    /// Said before the greeting when the tenant records calls.
    RecordingNotice,
    HowCanIHelp,
    WelcomeBack {
        name: String,
    },
    Thanks {
        name: Option<String>,
    },
    Okay,
    AskName,
    AskNameAgain,
    ConfirmAddress {
        address: String,
    },
    AskAddress,
    AskAddressAgain,
    AskPhone,
    AskPhoneAgain,
    AskProblem,
    ServiceNoted {
        service: String,
    },
    AskTime,
    Offer {
        slots: Vec<DateTime<Utc>>,
        relaxed: bool,
        emergency: bool,
    },
    NoSlots,
    ChooseAgain {
        slots: Vec<DateTime<Utc>>,
    },
    ReadBack {
        service: String,
        name: String,
        address: String,
        when: DateTime<Utc>,
    },
    Booked {
        when: DateTime<Utc>,
        sms: bool,
    },
    SlotTaken,
    WhatToChange,
    Safety(Hazard),
    OwnerAlerted,
    ConfirmEmergency,
    NotEmergencyNoted,
    NoAppointment,
    NextAppointment {
        service: String,
        when: DateTime<Utc>,
    },
    ConfirmMove {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    Moved {
        when: DateTime<Utc>,
        sms: bool,
    },
    ConfirmCancel {
        service: String,
        when: DateTime<Utc>,
    },
    Cancelled,
    KeptAppointment,
    Hours {
        hours: WeeklyHours,
    },
    OpenNow {
        until: DateTime<Utc>,
    },
    ClosedNow {
        next_open: Option<DateTime<Utc>>,
    },
    ServiceArea {
        text: Option<String>,
    },
    Price {
        service: String,
        min: u32,
        max: u32,
    },
    PriceWhichService,
    Warranty {
        text: Option<String>,
    },
    OfferBooking,
    Transferring,
    CallbackPromise,
    Clarify,
    ClarifyYesNo,
    GiveUp,
    StillThere,
    SilenceGoodbye,
    WrongNumber,
    AnythingElse,
    Goodbye,
    // Text messages and owner-facing texts. The booking text never invites
    // a bare "CANCEL" reply: carriers treat that word as an opt-out.
    SmsBooked {
        business: String,
        service: String,
        when: DateTime<Utc>,
        address: String,
    },
    SmsMoved {
        business: String,
        when: DateTime<Utc>,
    },
    SmsCancelled {
        business: String,
        when: DateTime<Utc>,
    },
    OwnerEmergency {
        phone: String,
        problem: String,
    },
    /// Replies to the SMS keywords HELP, STOP and START.
    SmsHelp {
        business: String,
    },
    SmsStopped {
        business: String,
    },
    SmsStarted {
        business: String,
    },
    OwnerBooked {
        emergency: bool,
        service: String,
        name: String,
        address: String,
        phone: String,
        when: DateTime<Utc>,
    },
    CallbackSummary {
        reason: CallbackReason,
        name: Option<String>,
        phone: Option<String>,
        note: Option<String>,
    },
}

/// Render one message.
pub fn render(msg: &Msg, f: &Fmt) -> String {
    match f.lang {
        Language::En => en::render(msg, f),
        Language::Es => es::render(msg, f),
    }
}

/// Render several messages as one reply.
pub fn join(msgs: &[Msg], f: &Fmt) -> String {
    msgs.iter().map(|m| render(m, f)).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Every message that has no parameters, in one language: the lines callers
/// hear most often. The voice pipeline synthesises their sentences once at
/// start-up so that a reply opening with one of them plays without waiting
/// for synthesis.
pub fn fixed_lines(lang: Language) -> Vec<String> {
    use Msg::*;
    let fixed = [
        HowCanIHelp,
        Thanks { name: None },
        Okay,
        AskName,
        AskNameAgain,
        AskAddress,
        AskAddressAgain,
        AskPhone,
        AskPhoneAgain,
        AskProblem,
        AskTime,
        NoSlots,
        SlotTaken,
        WhatToChange,
        Safety(Hazard::Gas),
        Safety(Hazard::Electrical),
        Safety(Hazard::Water),
        OwnerAlerted,
        ConfirmEmergency,
        NotEmergencyNoted,
        NoAppointment,
        Cancelled,
        KeptAppointment,
        PriceWhichService,
        OfferBooking,
        Transferring,
        CallbackPromise,
        Clarify,
        ClarifyYesNo,
        GiveUp,
        StillThere,
        SilenceGoodbye,
        WrongNumber,
        AnythingElse,
        Goodbye,
    ];
    // Dates never appear in these, so any zone and day will do.
    let f = Fmt { lang, tz: chrono_tz::UTC, today: NaiveDate::MIN };
    fixed.iter().map(|m| render(m, &f)).filter(|s| !s.is_empty()).collect()
}

/// Consecutive weekdays with the same hours, for "Monday to Friday, 8 to 5".
pub(crate) fn hour_groups(h: &WeeklyHours) -> Vec<(chrono::Weekday, chrono::Weekday, crate::domain::DayHours)> {
    use chrono::Weekday::*;
    let mut groups: Vec<(chrono::Weekday, chrono::Weekday, crate::domain::DayHours)> = Vec::new();
    let mut prev_open = false;
    for d in [Mon, Tue, Wed, Thu, Fri, Sat, Sun] {
        match h.for_weekday(d) {
            Some(dh) => {
                match groups.last_mut() {
                    Some(g) if prev_open && g.2 == dh => g.1 = d,
                    _ => groups.push((d, d, dh)),
                }
                prev_open = true;
            }
            None => prev_open = false,
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistant::fixtures::{chicago, profile};

    fn fmt(lang: Language) -> Fmt {
        Fmt { lang, tz: chrono_tz::America::Chicago, today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() }
    }

    #[test]
    fn dates_are_spoken_naturally() {
        let f = fmt(Language::En);
        let m = Msg::Offer {
            slots: vec![chicago(2026, 11, 24, 10, 0), chicago(2026, 11, 27, 14, 30)],
            relaxed: false,
            emergency: false,
        };
        assert_eq!(render(&m, &f), "I can do tomorrow at 10 AM or Friday, November 27th at 2:30 PM. Which works best?");
        let es = render(&m, &fmt(Language::Es));
        assert_eq!(
            es,
            "Puedo mañana a las 10 de la mañana o el viernes 27 de noviembre a las 2:30 de la tarde. ¿Cuál le queda mejor?"
        );
    }

    #[test]
    fn hours_are_grouped() {
        let m = Msg::Hours { hours: profile().hours };
        assert_eq!(render(&m, &fmt(Language::En)), "We're open Monday to Friday, 8 AM to 5 PM.");
        assert_eq!(render(&m, &fmt(Language::Es)), "Abrimos de lunes a viernes, de 8 de la mañana a 5 de la tarde.");
    }

    #[test]
    fn fixed_lines_cover_both_languages_without_placeholders() {
        for lang in [Language::En, Language::Es] {
            let lines = fixed_lines(lang);
            assert!(lines.len() >= 30, "{}", lines.len());
            assert!(lines.iter().all(|l| !l.contains(['{', '}']) && !l.trim().is_empty()));
        }
        assert!(fixed_lines(Language::En).contains(&"What's the address for the visit?".to_string()));
    }

    #[test]
    fn no_markup_in_any_message() {
        let f = fmt(Language::En);
        for m in [Msg::Clarify, Msg::ConfirmEmergency, Msg::Safety(Hazard::Gas), Msg::AskAddress] {
            for lang in [Language::En, Language::Es] {
                let s = render(&m, &Fmt { lang, ..f });
                assert!(!s.contains(['*', '#', '<', '>', '_']), "{s}");
                assert!(s.split(['.', '?', '!']).filter(|x| !x.trim().is_empty()).count() <= 2, "{s}");
            }
        }
    }
}
