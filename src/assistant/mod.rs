//! The assistant: one pure, deterministic dialog policy for voice, SMS and
//! web chat.
//!
//! ```text
//! respond(state, input, context) -> Turn { reply, actions, state, intent, confidence }
//! ```
//!
//! No I/O happens here: the caller (an executor per channel) loads the
//! [`Context`] (tenant profile, clock, caller and CRM facts, calendar), calls
//! [`respond`], speaks or sends `reply`, performs `actions` through the store
//! and saves `state` (serde, small) until the next turn. Because the policy
//! is pure, the same scripted conversation gives the same replies and actions
//! on every channel, which is what [`scenario`] checks.
//!
//! Module map: [`text`] normalises words, [`lexicon`] is what callers say,
//! [`intent`] and [`triage`] understand it, [`services`] maps problems to the
//! catalog, [`timeexpr`] reads time expressions, [`schedule`] computes slots,
//! [`locale`] holds every sentence we say, `dialog` ties it together.

mod dialog;
pub mod fixtures;
pub mod intent;
pub mod lexicon;
pub mod locale;
pub mod scenario;
pub mod schedule;
pub mod services;
pub mod state;
pub mod text;
pub mod timeexpr;
pub mod triage;
pub mod types;

pub use dialog::{hang_up, open, respond};
pub use state::{ConversationState, Emergency, Goal, Stage};
pub use types::*;
