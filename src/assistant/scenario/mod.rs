//! Scripted multi-turn conversations that every channel must handle the same
//! way.
//!
//! A [`Scenario`] is plain data: who calls, what they say turn by turn, and
//! what must come out (intent, actions, words in the reply, end of the
//! conversation, the CRM afterwards). A [`Driver`] is one way to talk to the
//! assistant: [`PolicyDriver`] calls [`super::respond`] directly and applies
//! the actions to an in-memory CRM; the SMS, web-chat and voice entry points
//! provide their own drivers, and [`run`] checks them all against the same
//! script. Every key utterance also has a speech-recognition-error variant
//! ([`Step::asr`]) so each scenario can be replayed as a noisy transcript.

mod driver;
mod library;

pub use driver::PolicyDriver;
pub use library::{library, returning_customer, returning_with_appointment};

use chrono::{DateTime, Utc};

use super::types::{Action, CallbackReason, Channel, Input, Intent};
use crate::domain::BusinessProfile;

/// What kind of action happened (the comparable part of an [`Action`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    UpsertCustomer,
    Book { emergency: bool },
    Cancel,
    Reschedule,
    AlertOwner { emergency: bool },
    Callback(CallbackReason),
    Transfer,
    Sms,
    End,
}

impl Kind {
    pub fn of(a: &Action) -> Kind {
        match a {
            Action::UpsertCustomer { .. } => Kind::UpsertCustomer,
            Action::BookAppointment(b) => Kind::Book { emergency: b.emergency },
            Action::CancelAppointment { .. } => Kind::Cancel,
            Action::RescheduleAppointment { .. } => Kind::Reschedule,
            Action::AlertOwner { emergency, .. } => Kind::AlertOwner { emergency: *emergency },
            Action::CreateCallback { reason, .. } => Kind::Callback(*reason),
            Action::Transfer { .. } => Kind::Transfer,
            Action::SendConfirmationSms { .. } => Kind::Sms,
            Action::EndConversation => Kind::End,
        }
    }
}

/// Who is calling, as the CRM sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Unknown number (or a web visitor).
    New,
    /// Known by phone: name and address on file.
    Returning,
    /// Known, with an upcoming appointment.
    ReturningWithAppointment,
}

/// What must come out of one turn. `None`/empty fields are not checked.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub intent: Option<Intent>,
    /// Exactly these action kinds, in this order.
    pub actions: Option<Vec<Kind>>,
    /// Substrings the reply must contain (case-insensitive).
    pub reply_has: Vec<&'static str>,
    pub ends: bool,
}

/// One turn of a script.
#[derive(Debug, Clone)]
pub struct Step {
    pub input: Input,
    /// The same utterance as a speech recogniser might mangle it.
    pub asr: Option<&'static str>,
    /// Only on these channels (e.g. typing a phone number in web chat).
    pub only: Option<Vec<Channel>>,
    pub expect: Expect,
}

/// The CRM after a scenario, as far as the assistant affects it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrmSnapshot {
    /// (service key, local start "YYYY-MM-DD HH:MM", emergency) of active
    /// appointments, in time order.
    pub appointments: Vec<(String, String, bool)>,
    pub customer_name: Option<String>,
    pub customer_address: Option<String>,
    pub callbacks: Vec<CallbackReason>,
    pub owner_alerts: usize,
    pub confirmation_sms: usize,
}

/// What a channel entry point returns for one turn.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub reply: String,
    pub intent: Intent,
    pub actions: Vec<Kind>,
}

/// A way of talking to the assistant (direct call, SMS webhook, web chat...).
pub trait Driver {
    fn channel(&self) -> Channel;
    /// Start a conversation (answer the call / open the chat). SMS has no
    /// opening turn and returns `None`.
    fn open(&mut self) -> Option<Outcome>;
    fn turn(&mut self, input: &Input) -> Outcome;
    fn crm(&self) -> CrmSnapshot;
}

/// A scripted conversation.
pub struct Scenario {
    pub name: &'static str,
    pub profile: fn() -> BusinessProfile,
    pub now: fn() -> DateTime<Utc>,
    pub who: Who,
    pub channels: Vec<Channel>,
    /// Substrings the opening line must contain (voice and web).
    pub opening_has: Vec<&'static str>,
    pub steps: Vec<Step>,
    /// The CRM afterwards (`None`: not checked).
    pub crm: Option<CrmSnapshot>,
}

/// Run a scenario through a driver; `asr` replays the noisy variants.
/// Returns every mismatch, so one run shows all differences.
pub fn run(s: &Scenario, d: &mut dyn Driver, asr: bool) -> Result<(), Vec<String>> {
    let ch = d.channel();
    let mut errors = Vec::new();
    if let Some(o) = d.open() {
        for needle in &s.opening_has {
            if !o.reply.to_lowercase().contains(&needle.to_lowercase()) {
                errors.push(format!("[{}/{ch:?}] opening {:?} lacks {needle:?}", s.name, o.reply));
            }
        }
    }
    for (i, step) in s.steps.iter().enumerate() {
        if step.only.as_ref().is_some_and(|only| !only.contains(&ch)) {
            continue;
        }
        let input = match (&step.input, step.asr) {
            (Input::Text(_), Some(noisy)) if asr => Input::Text(noisy.to_string()),
            (input, _) => input.clone(),
        };
        let o = d.turn(&input);
        let at = format!("[{}/{ch:?}{} step {i} {:?}]", s.name, if asr { "/asr" } else { "" }, input);
        let e = &step.expect;
        if let Some(intent) = e.intent
            && intent != o.intent
        {
            errors.push(format!("{at} intent {:?}, expected {intent:?}; reply {:?}", o.intent, o.reply));
        }
        if let Some(actions) = &e.actions
            && *actions != o.actions
        {
            errors.push(format!("{at} actions {:?}, expected {actions:?}; reply {:?}", o.actions, o.reply));
        }
        for needle in &e.reply_has {
            if !o.reply.to_lowercase().contains(&needle.to_lowercase()) {
                errors.push(format!("{at} reply {:?} lacks {needle:?}", o.reply));
            }
        }
        let ended = o.actions.iter().any(|k| matches!(k, Kind::End | Kind::Transfer));
        if ended != e.ends {
            errors.push(format!("{at} ends={ended}, expected {}; reply {:?}", e.ends, o.reply));
        }
    }
    if let Some(want) = &s.crm {
        let got = d.crm();
        if &got != want {
            errors.push(format!("[{}/{ch:?}] CRM {got:?}, expected {want:?}", s.name));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests;
