//! The vocabulary of one assistant turn: what comes in (input and context) and
//! what goes out (reply, actions, new state, recognised intent).
//!
//! Everything here is plain data so that every channel (voice, SMS, web chat)
//! can build a [`Context`] from its own sources and execute the [`Action`]s
//! through the store; the policy itself never performs I/O.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::state::ConversationState;
use crate::domain::BusinessProfile;

/// What the caller did this turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Input {
    /// A transcript (voice) or a typed message (SMS, web).
    Text(String),
    /// A keypad digit on a phone call (`0`-`9`, `*`, `#`).
    Dtmf(char),
    /// The caller said nothing before the turn timed out (voice only).
    Silence,
}

/// The channel a conversation runs on; it changes what the assistant may do
/// (only a live call can be transferred) and what it must ask (a web visitor
/// has no caller ID, so we ask for a phone number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Voice,
    Sms,
    Web,
}

/// A customer the CRM already knows, matched by the caller's phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownCustomer {
    pub id: String,
    pub name: Option<String>,
    pub address: Option<String>,
}

/// One of the caller's own upcoming appointments (for reschedule/cancel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingAppointment {
    pub id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Catalog key of the booked service, if it is still in the catalog.
    pub service_key: Option<String>,
    pub emergency: bool,
}

/// Who is on the other end, as far as the channel and the CRM can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// E.164 phone number from caller ID or the SMS sender; `None` on web chat
    /// until the visitor types one.
    pub phone: Option<String>,
    pub customer: Option<KnownCustomer>,
    /// The caller's upcoming appointments, soonest first is not required.
    pub upcoming: Vec<UpcomingAppointment>,
}

/// Something that occupies the tenant's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusyInterval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Whether this block is a job that counts toward `max_jobs_per_day`
    /// (an appointment) or only blocks time (a personal calendar entry).
    pub counts_as_job: bool,
    /// The appointment behind this block, so a reschedule can ignore the
    /// appointment being moved.
    pub appointment_id: Option<String>,
}

/// Everything the policy may read for one turn. Built fresh by the executor
/// for every turn; the policy never fetches anything itself.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    pub profile: &'a BusinessProfile,
    /// Injected clock: the only notion of "now" the policy has.
    pub now: DateTime<Utc>,
    pub channel: Channel,
    pub caller: Caller,
    /// The tenant's existing appointments and blocks from now on.
    pub calendar: &'a [BusyInterval],
}

/// A price range from the tenant's catalog, in whole dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRange {
    pub min: u32,
    pub max: u32,
}

/// Why a callback entry is created; mirrors the owner's callback queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackReason {
    MissedCall,
    PartialIntake,
    NoInput,
    Voicemail,
    LowConfidence,
    Handoff,
}

/// A new appointment the executor should create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub service_key: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The caller's own description of the problem.
    pub description: String,
    pub emergency: bool,
    pub estimated_value: PriceRange,
}

/// A side effect the executor performs, in order, after the turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Action {
    /// Create or update the CRM customer (`customer_id` set when known).
    UpsertCustomer {
        customer_id: Option<String>,
        name: Option<String>,
        phone: Option<String>,
        address: Option<String>,
    },
    BookAppointment(Booking),
    CancelAppointment {
        appointment_id: String,
    },
    RescheduleAppointment {
        appointment_id: String,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// Tell the owner right away (SMS to `owner_phone`), in the tenant language.
    AlertOwner {
        text: String,
        emergency: bool,
    },
    /// Put an entry in the owner's callback queue.
    CreateCallback {
        reason: CallbackReason,
        summary: String,
    },
    /// Transfer the live call (voice only) to this number.
    Transfer {
        to: String,
    },
    /// Text the customer a confirmation at `to`.
    SendConfirmationSms {
        to: String,
        text: String,
    },
    /// The assistant is done: hang up / close the chat after the reply.
    EndConversation,
}

/// What the caller meant this turn (recorded on the conversation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Book,
    Reschedule,
    Cancel,
    Emergency,
    Question(QuestionKind),
    TalkToPerson,
    /// Wrong number or an unsolicited sales call.
    WrongNumber,
    Greeting,
    Yes,
    No,
    /// The caller answered the question we asked (a name, an address, a time).
    Inform,
    /// The caller said nothing (voice).
    Silence,
    Unknown,
}

/// The questions answered straight from the tenant profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Hours,
    OpenNow,
    ServiceArea,
    Price,
    Warranty,
}

/// The result of one turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    /// What to say or send back, in the tenant's language; short, plain text.
    pub reply: String,
    pub actions: Vec<Action>,
    pub state: ConversationState,
    pub intent: Intent,
    /// 0.0-1.0: how sure the policy is about `intent`.
    pub confidence: f32,
}

impl Turn {
    /// Whether the turn ends the conversation.
    pub fn ends(&self) -> bool {
        self.actions.iter().any(|a| matches!(a, Action::EndConversation | Action::Transfer { .. }))
    }
}
