//! Conversation state carried between turns.
//!
//! It is serialised to Redis between turns, so it stays small: the intake so
//! far, the options on the table, and a few counters. Nothing derived from the
//! context (profile, calendar) is cached here; it is re-read every turn so a
//! booking made by another caller in between is never double-booked.

use serde::{Deserialize, Serialize};

use super::schedule::Slot;
use super::timeexpr::TimePreference;

/// Where the dialog stands: which answer we are waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Nothing said yet (the greeting has not been given).
    #[default]
    Start,
    /// Open question: "how can I help?"
    Listening,
    /// Grey-zone emergency: "is this an emergency?"
    ConfirmEmergency,
    AskName,
    /// A returning caller's address on file: "still at ...?"
    ConfirmAddress,
    AskAddress,
    /// Web chat only: we need a number to reach the visitor.
    AskPhone,
    AskProblem,
    AskTime,
    /// 2-3 concrete options were offered.
    ChooseSlot,
    /// Read-back of the booking or the move: "shall I book it?"
    ConfirmBooking,
    ConfirmCancel,
    /// After answering a question: "would you like to book a visit?"
    OfferBooking,
    /// After finishing something: "anything else?"
    AnythingElse,
    /// Conversation over; further input starts over politely.
    Done,
}

/// What the caller is trying to get done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    #[default]
    None,
    Book,
    Reschedule,
    Cancel,
    /// A callback to a person (web chat needs a phone number first).
    Handoff,
}

/// Emergency triage outcome so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Emergency {
    #[default]
    Unknown,
    /// Grey zone: we asked and wait for yes/no.
    Suspected,
    Confirmed,
    /// The caller said it is not an emergency; do not ask again.
    Denied,
}

/// The intake and dialog progress.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationState {
    pub stage: Stage,
    pub goal: Goal,
    pub name: Option<String>,
    pub address: Option<String>,
    /// A phone typed into web chat (voice/SMS use caller ID).
    pub phone: Option<String>,
    /// The caller's words describing the problem (goes into the booking).
    pub problem: Option<String>,
    pub service_key: Option<String>,
    pub emergency: Emergency,
    pub owner_alerted: bool,
    pub preference: Option<TimePreference>,
    /// Options offered in the last turn (at most 3).
    pub offered: Vec<Slot>,
    pub chosen: Option<Slot>,
    /// Appointment being rescheduled or cancelled.
    pub target_appointment: Option<String>,
    /// Consecutive turns we did not understand.
    pub misunderstood: u8,
    /// Consecutive silent turns (voice).
    pub silences: u8,
    /// Whether an address was asked for once already and came back odd.
    pub address_retry: bool,
    pub booked: bool,
    /// We asked "which job?" to answer a price question.
    pub asked_price: bool,
}

impl ConversationState {
    /// True when the caller gave us something worth a callback if they leave.
    pub fn has_partial_intake(&self) -> bool {
        // Only while something is still being arranged: a caller who just
        // cancelled or asked a question has nothing left open.
        !self.booked
            && self.goal != Goal::None
            && (self.name.is_some() || self.problem.is_some() || self.address.is_some())
    }
}
