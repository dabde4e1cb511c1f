//! Dialog behaviours that are easier to state as single assertions than as
//! channel scenarios.

use chrono::{DateTime, Utc};

use crate::assistant::fixtures::{CALLER_PHONE, OWNER_PHONE, chicago, monday_morning, profile};
use crate::assistant::state::{ConversationState, Stage};
use crate::assistant::types::*;
use crate::assistant::{hang_up, open, respond};
use crate::domain::BusinessProfile;

struct Call {
    profile: BusinessProfile,
    now: DateTime<Utc>,
    channel: Channel,
    caller: Caller,
    calendar: Vec<BusyInterval>,
    state: ConversationState,
}

impl Call {
    fn new() -> Self {
        Call {
            profile: profile(),
            now: monday_morning(),
            channel: Channel::Voice,
            caller: Caller { phone: Some(CALLER_PHONE.into()), ..Caller::default() },
            calendar: Vec::new(),
            state: ConversationState::default(),
        }
    }

    fn ctx(&self) -> Context<'_> {
        Context {
            profile: &self.profile,
            now: self.now,
            channel: self.channel,
            caller: self.caller.clone(),
            calendar: &self.calendar,
        }
    }

    fn open(&mut self) -> Turn {
        let t = open(&self.ctx());
        self.state = t.state.clone();
        t
    }

    fn input(&mut self, i: Input) -> Turn {
        let t = respond(&self.state, i, &self.ctx());
        self.state = t.state.clone();
        t
    }

    fn say(&mut self, s: &str) -> Turn {
        self.input(Input::Text(s.into()))
    }

    /// Intake up to the options for a toilet repair tomorrow.
    fn reach_options(&mut self) -> Turn {
        self.open();
        self.say("my toilet is running");
        self.say("John Smith");
        self.say("42 Elm Street");
        self.say("tomorrow")
    }
}

#[test]
fn dtmf_picks_options_and_zero_transfers() {
    let mut c = Call::new();
    let offer = c.reach_options();
    assert_eq!(c.state.stage, Stage::ChooseSlot, "{}", offer.reply);
    let second = c.state.offered[1];
    let t = c.input(Input::Dtmf('2'));
    assert_eq!(c.state.chosen, Some(second), "{}", t.reply);
    let t = c.input(Input::Dtmf('1'));
    assert!(t.actions.iter().any(|a| matches!(a, Action::BookAppointment(b) if b.start == second.start)));
    let t = c.input(Input::Dtmf('0'));
    assert_eq!(t.actions.last(), Some(&Action::Transfer { to: OWNER_PHONE.into() }));
}

#[test]
fn question_in_the_middle_keeps_the_thread() {
    let mut c = Call::new();
    c.open();
    c.say("I need a plumber");
    c.say("John Smith");
    assert_eq!(c.state.stage, Stage::AskAddress);
    let t = c.say("wait, how much does a water heater repair cost?");
    assert!(t.reply.contains("$1,500 and $2,800"), "{}", t.reply);
    assert!(t.reply.ends_with("What's the address for the visit?"), "{}", t.reply);
    assert_eq!(c.state.stage, Stage::AskAddress);
}

#[test]
fn price_only_from_the_catalog() {
    let mut c = Call::new();
    c.open();
    let t = c.say("how much do you charge?");
    assert!(t.reply.contains("depend"), "{}", t.reply);
    assert!(!t.reply.contains('$'), "no invented price: {}", t.reply);
    let t = c.say("a sump pump");
    assert!(t.reply.contains("$600 and $1,500"), "{}", t.reply);
}

#[test]
fn a_slot_taken_meanwhile_is_not_double_booked() {
    let mut c = Call::new();
    c.reach_options();
    c.say("the first one");
    let chosen = c.state.chosen.expect("chosen");
    // Another caller books that slot before this one says yes.
    c.calendar.push(BusyInterval {
        start: chosen.start,
        end: chosen.end,
        counts_as_job: true,
        appointment_id: Some("other".into()),
    });
    let t = c.say("yes");
    assert!(t.reply.starts_with("Sorry, that time was just taken."), "{}", t.reply);
    assert!(!t.actions.iter().any(|a| matches!(a, Action::BookAppointment(_))));
    assert_eq!(c.state.stage, Stage::ChooseSlot);
    assert!(!c.state.offered.iter().any(|s| s.start == chosen.start));
}

#[test]
fn exact_counter_proposal_goes_straight_to_read_back() {
    let mut c = Call::new();
    c.reach_options();
    let t = c.say("how about Wednesday at 2?");
    assert_eq!(c.state.stage, Stage::ConfirmBooking, "{}", t.reply);
    assert!(t.reply.contains("Wednesday, November 25th at 2 PM"), "{}", t.reply);
}

#[test]
fn hang_up_mid_intake_queues_a_callback() {
    let mut c = Call::new();
    c.open();
    assert!(hang_up(&c.state, &c.ctx()).is_empty(), "nothing said, nothing to call back");
    c.say("my water heater is leaking");
    c.say("John Smith");
    let actions = hang_up(&c.state, &c.ctx());
    assert!(
        matches!(actions.as_slice(), [
        Action::UpsertCustomer { name: Some(n), .. },
        Action::CreateCallback { reason: CallbackReason::PartialIntake, summary }
    ] if n == "John Smith" && summary.contains("water heater")),
        "{actions:?}"
    );
}

#[test]
fn hang_up_with_nothing_left_open_queues_nothing() {
    // A returning caller (name known) who cancelled and was asked "anything else?".
    let mut c = Call::new();
    c.open();
    c.state.name = Some("John Smith".into());
    c.state.problem = Some("leaking water heater".into());
    c.state.goal = crate::assistant::state::Goal::None;
    c.state.stage = Stage::AnythingElse;
    assert!(hang_up(&c.state, &c.ctx()).is_empty(), "nothing was being arranged");
    c.state.goal = crate::assistant::state::Goal::Book;
    assert!(!hang_up(&c.state, &c.ctx()).is_empty(), "a booking in progress is worth a callback");
}

#[test]
fn after_hours_emergency_alerts_now_and_books_inside_hours() {
    let mut c = Call::new();
    c.now = chicago(2026, 11, 27, 19, 30); // Friday evening
    c.profile.reserve_mornings_for_emergencies = true;
    c.open();
    let t = c.say("sewage is backing up into my basement");
    assert!(matches!(t.actions.as_slice(), [Action::AlertOwner { emergency: true, .. }]), "{:?}", t.actions);
    c.say("42 Elm Street");
    let t = c.say("John Smith");
    // First option: Monday 08:00 (reserved morning, allowed for emergencies).
    assert_eq!(c.state.offered.first().map(|s| s.start), Some(chicago(2026, 11, 30, 8, 0)), "{}", t.reply);
    assert!(t.reply.contains("Monday, November 30th at 8 AM"), "{}", t.reply);
}

#[test]
fn regular_jobs_respect_reserved_mornings() {
    let mut c = Call::new();
    c.profile.reserve_mornings_for_emergencies = true;
    c.reach_options();
    let tz = c.profile.time_zone;
    use chrono::Timelike;
    assert!(c.state.offered.iter().all(|s| s.start.with_timezone(&tz).hour() >= 12), "{:?}", c.state.offered);
}

#[test]
fn returning_caller_corrects_the_address_on_file() {
    let mut c = Call::new();
    c.caller.customer = Some(KnownCustomer {
        id: "cust-1".into(),
        name: Some("Dana Whitfield".into()),
        address: Some("12 Oak Lane".into()),
    });
    let t = c.open();
    assert!(t.reply.contains("Hi Dana Whitfield"), "{}", t.reply);
    c.say("my sink is clogged");
    assert_eq!(c.state.stage, Stage::ConfirmAddress);
    c.say("no, it's 99 Pine Road now");
    assert_eq!(c.state.address.as_deref(), Some("99 Pine Road"));
    assert_eq!(c.state.stage, Stage::AskTime);
}

#[test]
fn gas_mentioned_while_giving_the_address_still_triggers_safety() {
    let mut c = Call::new();
    c.open();
    c.say("I need a plumber");
    c.say("John");
    let t = c.say("it's 42 Elm Street and actually I smell gas");
    assert!(t.reply.contains("leave the building"), "{}", t.reply);
    assert!(t.actions.iter().any(|a| matches!(a, Action::AlertOwner { emergency: true, .. })));
}

#[test]
fn state_stays_small_and_round_trips() {
    let mut c = Call::new();
    c.reach_options();
    let json = serde_json::to_string(&c.state).expect("serialise");
    assert!(json.len() < 1024, "{} bytes: {json}", json.len());
    let back: ConversationState = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, c.state);
}

#[test]
fn spanish_silence_and_voice_reprompt() {
    let mut c = Call::new();
    c.profile = crate::assistant::fixtures::profile_es();
    c.open();
    let t = c.input(Input::Silence);
    assert_eq!(t.reply, "¿Sigue ahí? ¿En qué le puedo ayudar?");
    let t = c.say("quiero hacer una cita");
    assert_eq!(t.intent, Intent::Book);
    assert_eq!(t.reply, "¿Me da su nombre, por favor?");
}

#[test]
fn same_input_same_output() {
    let run = || {
        let mut c = Call::new();
        c.reach_options();
        c.say("the second one")
    };
    assert_eq!(run(), run());
}
