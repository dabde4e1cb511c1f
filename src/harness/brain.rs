//! The in-process server's dialog: the real assistant policy behind the
//! telephony [`CallBrain`] port, with the CRM kept in memory.
//!
//! The harness measures the call pipeline, so it must run the real policy
//! (its intent recognition on real transcripts is part of accuracy), but it
//! needs no database: the actions each turn asks for are logged per call,
//! and the scenario's CRM effect is checked against that log.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::assistant::{self, Action, Caller, Channel, Context, ConversationState, Input, Intent, KnownCustomer};
use crate::assistant::{UpcomingAppointment, fixtures};
use crate::domain::BusinessProfile;
use crate::telephony::ports::{BoxFuture, CallBrain, CallerInput, Reply};

/// What the policy decided on one turn.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyTurn {
    pub input: String,
    pub intent: String,
    pub reply: String,
    pub actions: Vec<String>,
}

/// The CRM effects a call had, for the outcome check.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Effects {
    /// How they were observed: `memory` (the in-process brain's log) or
    /// `api` (read back through the server's REST API).
    pub observed_via: String,
    /// The policy's turns (in memory only; the REST API keeps no intents).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<PolicyTurn>,
    /// Agent replies to the caller (policy turns, or recorded call turns).
    pub replies: usize,
    pub booked: bool,
    pub emergency_booked: bool,
    pub cancelled: bool,
    pub rescheduled: bool,
    pub transferred: bool,
    pub callback_queued: bool,
    /// The call was flagged as an emergency.
    pub emergency: bool,
    /// What the check saw (records read back), for the report.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Effects {
    /// Whether the call ended with the manifest's expected outcome.
    pub fn satisfies(&self, outcome: &str) -> bool {
        match outcome {
            "booked" => self.booked,
            "emergency_booked" => self.emergency_booked,
            "cancelled" => self.cancelled,
            "rescheduled" => self.rescheduled,
            "transferred" => self.transferred,
            "callback" => self.callback_queued,
            // A question answered (or an interruption): any reply, nothing written.
            _ => !(self.replies == 0 || self.booked || self.cancelled || self.rescheduled),
        }
    }

    /// What was observed, in a few words (`booked, emergency`).
    pub fn observed(&self) -> String {
        let flags = [
            (self.emergency_booked, "emergency booked"),
            (self.booked && !self.emergency_booked, "booked"),
            (self.cancelled, "cancelled"),
            (self.rescheduled, "rescheduled"),
            (self.transferred, "transferred"),
            (self.callback_queued, "callback queued"),
            (self.emergency && !self.emergency_booked, "emergency flagged"),
        ];
        let seen: Vec<&str> = flags.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
        match (seen.is_empty(), self.replies) {
            (false, _) => seen.join(", "),
            (true, 0) => "no reply".into(),
            (true, n) => format!("{n} replies, nothing written"),
        }
    }
}

/// Who is calling: scenarios about an existing appointment call from a
/// known number that has one.
pub fn caller_for(scenario: &str, now: DateTime<Utc>) -> Caller {
    let known = matches!(scenario, "reschedule" | "cancel");
    if !known {
        return Caller { phone: Some(fixtures::CALLER_PHONE.into()), ..Default::default() };
    }
    let start = now + Duration::days(2);
    Caller {
        phone: Some(fixtures::CALLER_PHONE.into()),
        customer: Some(KnownCustomer {
            id: "cust-harness".into(),
            name: Some("John Smith".into()),
            address: Some("42 Oak Street".into()),
        }),
        upcoming: vec![UpcomingAppointment {
            id: "appt-harness".into(),
            start,
            end: start + Duration::hours(2),
            service_key: Some("water_heater".into()),
            emergency: false,
        }],
    }
}

/// One call's conversation with the assistant.
pub struct AssistantBrain {
    profile: BusinessProfile,
    caller: Caller,
    /// The policy's clock: fixed, so the same script gives the same dialog.
    now: DateTime<Utc>,
    state: Mutex<ConversationState>,
    greeting: String,
    effects: Arc<Mutex<Effects>>,
}

impl AssistantBrain {
    pub fn new(scenario: &str, effects: Arc<Mutex<Effects>>) -> Self {
        let now = fixtures::monday_morning();
        let mut brain = AssistantBrain {
            profile: fixtures::profile(),
            caller: caller_for(scenario, now),
            now,
            state: Mutex::new(ConversationState::default()),
            greeting: String::new(),
            effects,
        };
        // Answering the call is the policy's first turn: keep its state.
        let opening = assistant::open(&brain.context());
        brain.greeting = opening.reply;
        brain.state = Mutex::new(opening.state);
        brain
    }

    fn context(&self) -> Context<'_> {
        Context {
            profile: &self.profile,
            now: self.now,
            channel: Channel::Voice,
            caller: self.caller.clone(),
            calendar: &[],
        }
    }
}

/// `Question(Hours)` -> "question"; the rest by their serde names.
pub fn intent_name(intent: Intent) -> String {
    match intent {
        Intent::Question(_) => "question".into(),
        other => serde_json::to_value(other).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
    }
}

fn action_name(action: &Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(String::from))
        .unwrap_or_default()
}

impl AssistantBrain {
    /// The opening line the policy speaks when the call is answered.
    pub fn greeting(&self) -> String {
        self.greeting.clone()
    }
}

impl CallBrain for AssistantBrain {
    fn respond(&self, input: CallerInput) -> BoxFuture<'_, Result<Reply, String>> {
        let (heard, policy_input) = match input {
            CallerInput::Speech(text) => (text.clone(), Input::Text(text)),
            CallerInput::Dtmf(d) => (d.to_string(), Input::Dtmf(d)),
            CallerInput::Silence => (String::new(), Input::Silence),
        };
        let ctx = self.context();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let turn = assistant::respond(&state, policy_input, &ctx);
        *state = turn.state.clone();
        drop(state);
        let mut reply = Reply { text: turn.reply.clone(), hang_up: turn.ends(), ..Default::default() };
        let mut effects = self.effects.lock().unwrap_or_else(|p| p.into_inner());
        for action in &turn.actions {
            match action {
                Action::BookAppointment(b) => {
                    effects.booked = true;
                    effects.emergency_booked |= b.emergency;
                    effects.emergency |= b.emergency;
                    reply.emergency |= b.emergency;
                    reply.booked = Some(format!("{} at {}", b.service_key, b.start));
                }
                Action::CancelAppointment { .. } => effects.cancelled = true,
                Action::RescheduleAppointment { .. } => effects.rescheduled = true,
                Action::AlertOwner { emergency, .. } => {
                    reply.emergency |= *emergency;
                    effects.emergency |= *emergency;
                }
                Action::CreateCallback { .. } => effects.callback_queued = true,
                Action::Transfer { to } => {
                    effects.transferred = true;
                    reply.transfer_to = Some(to.clone());
                    reply.hang_up = false;
                }
                _ => {}
            }
        }
        effects.replies += 1;
        effects.turns.push(PolicyTurn {
            input: heard,
            intent: intent_name(turn.intent),
            reply: turn.reply,
            actions: turn.actions.iter().map(action_name).collect(),
        });
        Box::pin(async move { Ok(reply) })
    }
}
