//! The scripted conversations (clock: Monday 2026-11-23, 09:00 Chicago).

use super::{CrmSnapshot, Expect, Kind, Scenario, Step, Who};
use crate::assistant::fixtures::{monday_morning, profile, profile_es};
use crate::assistant::types::{CallbackReason, Channel, Input, Intent, QuestionKind};

const ALL: [Channel; 3] = [Channel::Voice, Channel::Sms, Channel::Web];
const PHONE_CHANNELS: [Channel; 2] = [Channel::Voice, Channel::Sms];

fn say(text: &str) -> Step {
    Step { input: Input::Text(text.to_string()), asr: None, only: None, expect: Expect::default() }
}

fn silence() -> Step {
    Step { input: Input::Silence, ..say("") }
}

impl Step {
    fn asr(mut self, noisy: &'static str) -> Self {
        self.asr = Some(noisy);
        self
    }
    fn only(mut self, channels: &[Channel]) -> Self {
        self.only = Some(channels.to_vec());
        self
    }
    fn intent(mut self, i: Intent) -> Self {
        self.expect.intent = Some(i);
        self
    }
    fn acts(mut self, kinds: &[Kind]) -> Self {
        self.expect.actions = Some(kinds.to_vec());
        self
    }
    fn has(mut self, needles: &[&'static str]) -> Self {
        self.expect.reply_has.extend_from_slice(needles);
        self
    }
    fn ends(mut self) -> Self {
        self.expect.ends = true;
        self
    }
}

const BOOKED: [Kind; 4] =
    [Kind::UpsertCustomer, Kind::Book { emergency: false }, Kind::AlertOwner { emergency: false }, Kind::Sms];

fn crm(appts: &[(&str, &str, bool)], name: &str, address: &str, alerts: usize, sms: usize) -> Option<CrmSnapshot> {
    Some(CrmSnapshot {
        appointments: appts.iter().map(|(k, t, e)| (k.to_string(), t.to_string(), *e)).collect(),
        customer_name: Some(name.into()),
        customer_address: Some(address.into()),
        callbacks: Vec::new(),
        owner_alerts: alerts,
        confirmation_sms: sms,
    })
}

fn scenario(name: &'static str, who: Who, channels: &[Channel], steps: Vec<Step>) -> Scenario {
    Scenario {
        name,
        profile,
        now: monday_morning,
        who,
        channels: channels.to_vec(),
        opening_has: Vec::new(),
        steps,
        crm: None,
    }
}

/// The web visitor has no caller ID and types a number when asked.
fn web_phone() -> Step {
    say("my number is 512-555-0199").only(&[Channel::Web]).intent(Intent::Inform)
}

pub fn new_customer_booking() -> Scenario {
    let mut s = scenario(
        "new customer booking",
        Who::New,
        &ALL,
        vec![
            say("Hi, my water heater is leaking and I need someone to come out")
                .asr("hi my water fever is leaking and i need someone to come out")
                .intent(Intent::Book)
                .acts(&[])
                .has(&["name"]),
            say("My name is John Smith")
                .asr("uh my name's john smith")
                .intent(Intent::Inform)
                .has(&["Thanks, John Smith", "address"]),
            say("It's 42 Elm Street").asr("its forty two elm street").intent(Intent::Inform),
            web_phone(),
            say("tomorrow morning please")
                .asr("tomorow mornin please")
                .has(&["tomorrow at 8 AM, tomorrow at 9 AM, or tomorrow at 11 AM"]),
            say("the first one")
                .asr("the furst one")
                .has(&["water heater repair for John Smith at 42 Elm Street, tomorrow at 8 AM"]),
            say("yes please").asr("yeah").intent(Intent::Yes).acts(&BOOKED).has(&["booked"]),
            say("no that's all, thanks").intent(Intent::No).acts(&[Kind::End]).ends(),
        ],
    );
    s.opening_has = vec!["Acme Plumbing"];
    s.crm = crm(&[("water_heater", "2026-11-24 08:00", false)], "John Smith", "42 Elm Street", 1, 1);
    s
}

pub fn returning_customer() -> Scenario {
    let mut s = scenario(
        "returning customer",
        Who::Returning,
        &PHONE_CHANNELS,
        vec![
            say("I need my kitchen drain looked at, it's clogged")
                .asr("i need my kitchen drane looked at its clogged")
                .intent(Intent::Book)
                .has(&["12 Oak Lane"]),
            say("yes").asr("yep").has(&["good time"]),
            say("Friday afternoon").asr("fryday afternoon").has(&["November 27th at 3 PM"]),
            say("the one at 3").asr("the one at three").has(&["Dana Whitfield at 12 Oak Lane"]),
            say("yes").acts(&BOOKED),
            say("no").acts(&[Kind::End]).ends(),
        ],
    );
    s.opening_has = vec!["Dana Whitfield"];
    s.crm = crm(&[("drain_or_sewer", "2026-11-27 15:00", false)], "Dana Whitfield", "12 Oak Lane", 1, 1);
    s
}

pub fn emergency_burst_pipe() -> Scenario {
    let mut s = scenario(
        "emergency burst pipe",
        Who::New,
        &ALL,
        vec![
            say("Help, a pipe burst and my basement is flooding!")
                .asr("help a pipe bursted and my basement is flooting")
                .intent(Intent::Emergency)
                .acts(&[Kind::AlertOwner { emergency: true }])
                .has(&["main water valve", "alerting the owner", "address"]),
            say("42 Elm Street").has(&["name"]),
            say("John Smith").only(&PHONE_CHANNELS).has(&["earliest", "today at 10 AM"]),
            say("John Smith").only(&[Channel::Web]).has(&["phone"]),
            web_phone().has(&["earliest", "today at 10 AM"]),
            say("the first one").asr("the furst one").has(&["today at 10 AM"]),
            say("yes").acts(&[
                Kind::UpsertCustomer,
                Kind::Book { emergency: true },
                Kind::AlertOwner { emergency: true },
                Kind::Sms,
            ]),
        ],
    );
    s.crm = crm(&[("fixture_or_leak", "2026-11-23 10:00", true)], "John Smith", "42 Elm Street", 2, 1);
    s
}

pub fn gas_leak_safety() -> Scenario {
    scenario(
        "gas smell safety line",
        Who::New,
        &ALL,
        vec![
            say("I smell gas in the kitchen")
                .asr("i smel gas in the kitchen")
                .intent(Intent::Emergency)
                .acts(&[Kind::AlertOwner { emergency: true }])
                .has(&["leave the building", "911", "alerting the owner"]),
        ],
    )
}

pub fn not_an_emergency() -> Scenario {
    let mut s = scenario(
        "emergency negated",
        Who::New,
        &ALL,
        vec![
            say("It's not an emergency, there's no leak anymore, but the kitchen faucet drips")
                .asr("its not an emergency theres no leek anymore but the kitchen faucet drips")
                .intent(Intent::Book)
                .acts(&[])
                .has(&["name"]),
            say("Maria Lopez").has(&["address"]),
            say("1200 Oak Avenue"),
            web_phone(),
            say("next Tuesday after 3").asr("next tuseday after three").has(&["December 1st at 3 PM"]),
            say("3 pm works").asr("three p m works").has(&["To confirm"]),
            say("yes").acts(&BOOKED),
        ],
    );
    s.crm = crm(&[("fixture_or_leak", "2026-12-01 15:00", false)], "Maria Lopez", "1200 Oak Avenue", 1, 1);
    s
}

pub fn grey_zone_denied() -> Scenario {
    scenario(
        "grey zone, not an emergency",
        Who::New,
        &ALL,
        vec![
            say("We have no hot water")
                .asr("we have no hot water")
                .intent(Intent::Emergency)
                .acts(&[])
                .has(&["emergency"]),
            say("no, it can wait").intent(Intent::No).acts(&[]).has(&["regular visit", "name"]),
        ],
    )
}

pub fn grey_zone_confirmed() -> Scenario {
    scenario(
        "grey zone, confirmed emergency",
        Who::New,
        &ALL,
        vec![
            say("the toilet is overflowing").asr("the toilet is overflowin").intent(Intent::Emergency).acts(&[]),
            say("yes it is")
                .asr("yeah")
                .intent(Intent::Emergency)
                .acts(&[Kind::AlertOwner { emergency: true }])
                .has(&["address"]),
        ],
    )
}

pub fn returning_with_appointment(name: &'static str, steps: Vec<Step>) -> Scenario {
    scenario(name, Who::ReturningWithAppointment, &PHONE_CHANNELS, steps)
}

pub fn reschedule() -> Scenario {
    let mut s = returning_with_appointment(
        "reschedule",
        vec![
            say("I need to reschedule my appointment")
                .asr("i need to reshedule my appointment")
                .intent(Intent::Reschedule)
                .has(&["Wednesday, November 25th at 10 AM"]),
            say("next Monday morning").asr("next monday mornin").has(&["Monday, November 30th at 8 AM"]),
            say("the first one").asr("the furst one").has(&["from Wednesday, November 25th at 10 AM to Monday"]),
            say("yes").acts(&[Kind::Reschedule, Kind::Sms]).has(&["now booked"]),
            say("no thanks").acts(&[Kind::End]).ends(),
        ],
    );
    s.crm = crm(&[("water_heater", "2026-11-30 08:00", false)], "Dana Whitfield", "12 Oak Lane", 0, 1);
    s
}

pub fn cancel() -> Scenario {
    let mut s = returning_with_appointment(
        "cancel",
        vec![
            say("Please cancel my appointment")
                .asr("please cancell my apointment")
                .intent(Intent::Cancel)
                .has(&["cancel your water heater repair"]),
            say("yes").acts(&[Kind::Cancel, Kind::Sms]).has(&["cancelled"]),
            say("that's all").acts(&[Kind::End]).ends(),
        ],
    );
    s.crm = crm(&[], "Dana Whitfield", "12 Oak Lane", 0, 1);
    s
}

pub fn no_appointment_to_cancel() -> Scenario {
    scenario(
        "cancel without an appointment",
        Who::New,
        &ALL,
        vec![
            say("I want to cancel my appointment")
                .asr("i want to cancel my appointmint")
                .intent(Intent::Cancel)
                .acts(&[Kind::Callback(CallbackReason::Handoff)])
                .has(&["can't find"]),
        ],
    )
}

pub fn questions() -> Scenario {
    scenario(
        "questions",
        Who::New,
        &ALL,
        vec![
            say("What are your hours?")
                .asr("what are you're ours")
                .intent(Intent::Question(QuestionKind::Hours))
                .has(&["Monday to Friday, 8 AM to 5 PM", "book a visit"]),
            say("how much is a water heater repair?")
                .asr("how much is a water heeter repair")
                .intent(Intent::Question(QuestionKind::Price))
                .has(&["$1,500 and $2,800"]),
            say("are you open right now")
                .intent(Intent::Question(QuestionKind::OpenNow))
                .has(&["open until 5 PM today"]),
            say("do you guys have a warranty")
                .asr("do you guys have a waranty")
                .intent(Intent::Question(QuestionKind::Warranty))
                .has(&["one-year"]),
            say("no thanks").acts(&[Kind::End]).ends(),
        ],
    )
}

pub fn handoff() -> Vec<Scenario> {
    let ask = || say("Can I talk to a real person?").asr("can i talk to a real persen").intent(Intent::TalkToPerson);
    vec![
        scenario("handoff by transfer", Who::New, &[Channel::Voice], vec![ask().acts(&[Kind::Transfer]).ends()]),
        scenario(
            "handoff by callback",
            Who::New,
            &[Channel::Sms],
            vec![ask().acts(&[Kind::Callback(CallbackReason::Handoff)]).has(&["call you back"])],
        ),
        scenario(
            "handoff from web chat",
            Who::New,
            &[Channel::Web],
            vec![
                ask().acts(&[]).has(&["phone number"]),
                say("512-555-0199").acts(&[Kind::Callback(CallbackReason::Handoff)]).has(&["call you back"]),
            ],
        ),
    ]
}

pub fn silence_then_callback() -> Scenario {
    scenario(
        "silence",
        Who::New,
        &[Channel::Voice],
        vec![
            silence().intent(Intent::Silence).acts(&[]).has(&["still there"]),
            silence().acts(&[Kind::Callback(CallbackReason::NoInput), Kind::End]).ends(),
        ],
    )
}

pub fn spanish_booking() -> Scenario {
    let mut s = scenario(
        "spanish booking",
        Who::New,
        &ALL,
        vec![
            say("Hola, mi calentador de agua está goteando, necesito que vengan")
                .asr("hola mi calentador de agua esta gotiando necesito que vengan")
                .intent(Intent::Book)
                .has(&["nombre"]),
            say("Me llamo María Pérez").asr("me llamo maria perez").has(&["Gracias, Maria Perez", "dirección"]),
            say("Vivo en 15 Calle Ocho").asr("vivo en quince calle ocho"),
            web_phone(),
            say("mañana por la mañana").asr("manana por la manana").has(&["mañana a las 8 de la mañana"]),
            say("la primera").asr("la primero").has(&["Para confirmar"]),
            say("sí").asr("si").acts(&BOOKED).has(&["Listo"]),
            say("no, gracias").acts(&[Kind::End]).ends(),
        ],
    );
    s.profile = profile_es;
    s.opening_has = vec!["Acme Plumbing"];
    s.crm = crm(&[("water_heater", "2026-11-24 08:00", false)], "Maria Perez", "15 Calle Ocho", 1, 1);
    s
}

pub fn low_confidence() -> Scenario {
    scenario(
        "low confidence",
        Who::New,
        &ALL,
        vec![
            say("purple monkey dishwasher")
                .asr("purple monkey dish washer")
                .intent(Intent::Unknown)
                .acts(&[])
                .has(&["didn't quite get"]),
            say("banana helicopter").acts(&[Kind::Callback(CallbackReason::LowConfidence), Kind::End]).ends(),
        ],
    )
}

pub fn wrong_number() -> Scenario {
    scenario(
        "wrong number",
        Who::New,
        &ALL,
        vec![say("Sorry, wrong number").asr("sorry wrong numbr").intent(Intent::WrongNumber).acts(&[Kind::End]).ends()],
    )
}

pub fn counter_proposal() -> Scenario {
    let mut s = scenario(
        "counter-proposal on a holiday",
        Who::New,
        &ALL,
        vec![
            say("I need a toilet repaired").asr("i need a toilet repaird").intent(Intent::Book),
            say("John Smith"),
            say("42 Elm Street"),
            web_phone(),
            say("tomorrow afternoon").has(&["tomorrow at 12 PM"]),
            say("do you have anything Thursday?")
                .asr("do you have anything thirsday")
                .has(&["don't have anything then"]),
            say("the second one").has(&["today at 1 PM"]),
            say("yes").acts(&BOOKED),
        ],
    );
    s.crm = crm(&[("fixture_or_leak", "2026-11-23 13:00", false)], "John Smith", "42 Elm Street", 1, 1);
    s
}

/// Every scenario.
pub fn library() -> Vec<Scenario> {
    let mut all = vec![
        new_customer_booking(),
        returning_customer(),
        emergency_burst_pipe(),
        gas_leak_safety(),
        not_an_emergency(),
        grey_zone_denied(),
        grey_zone_confirmed(),
        reschedule(),
        cancel(),
        no_appointment_to_cancel(),
        questions(),
        silence_then_callback(),
        spanish_booking(),
        low_confidence(),
        wrong_number(),
        counter_proposal(),
    ];
    all.extend(handoff());
    all
}
