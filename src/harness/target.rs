//! What the harness measures: a server that can place calls, say how to
//! stream them, and give back its record of each call and the CRM effect.
//!
//! One caller path ([`super::caller`]) runs every call; the targets differ
//! only in how a call is placed and read back:
//!
//! * in-process ([`super::server::InProcessServer`]): the production call
//!   pipeline with tenancy and the CRM in memory (for profiling);
//! * remote ([`super::remote::RemoteServer`]): a running `switchboard serve`,
//!   reached like Twilio reaches it (signed voice webhook, TwiML, signed
//!   WebSocket upgrade) and read back through its REST API;
//! * spawned ([`super::spawn::SpawnedServer`]): the same remote path against
//!   a server binary the harness starts itself.

use std::sync::Arc;

use serde::Serialize;

use super::brain::Effects;
use super::manifest::CallPlan;
use crate::telephony::ports::{BoxFuture, TurnRecord};

/// Where and how to open one call's Media Stream.
#[derive(Debug, Clone)]
pub struct PlacedCall {
    /// The server's call record id (remote: known once the call is read back).
    pub call_id: String,
    pub call_sid: String,
    /// The caller's number (`From`).
    pub from: String,
    /// The URL to connect the WebSocket to.
    pub ws_url: String,
    /// `X-Twilio-Signature` of the upgrade.
    pub signature: String,
    /// `<Parameter>`s for `start.customParameters`.
    pub parameters: Vec<(String, String)>,
    /// What the CRM looked like for this caller before the call (remote:
    /// the appointment a reschedule or cancel scenario is about).
    pub prepared_appointment: Option<PreparedAppointment>,
}

/// An appointment set up before the call, to compare after it.
#[derive(Debug, Clone)]
pub struct PreparedAppointment {
    pub id: String,
    pub starts_at: String,
}

/// What the server recorded about a call once it was over.
#[derive(Debug, Clone, Default)]
pub struct ServerRecord {
    /// Call id as the server knows it.
    pub call_id: Option<String>,
    pub turns: Vec<TurnRecord>,
    /// The CRM effect as observed (in memory, or through the REST API).
    pub effects: Option<Effects>,
}

/// Counts the turns the server's policy has answered on this call, when the
/// server can tell. Lets the caller wait through a filler ("one moment,
/// please") for the real reply instead of guessing.
pub type TurnProbe = Arc<dyn Fn() -> usize + Send + Sync>;

/// Which server a report measured.
#[derive(Debug, Clone, Serialize)]
pub struct TargetInfo {
    /// `in-process`, `remote` or `spawned`.
    pub kind: String,
    /// Base URL of a remote or spawned server.
    pub url: Option<String>,
    /// Models, workers and settings, as far as the harness knows them.
    pub description: String,
}

/// A server the harness can call.
pub trait Target: Send + Sync {
    fn info(&self) -> TargetInfo;

    /// Registers a call (the voice webhook) and says how to stream it.
    /// `index` is unique within the run.
    fn place_call<'a>(&'a self, index: usize, plan: &'a CallPlan) -> BoxFuture<'a, Result<PlacedCall, String>>;

    /// Answered-turn counter for the call, when the target has one.
    fn probe(&self, call: &PlacedCall) -> Option<TurnProbe>;

    /// The server's record of the ended call (turn timings) and the CRM effect.
    fn record<'a>(&'a self, call: &'a PlacedCall, plan: &'a CallPlan) -> BoxFuture<'a, Result<ServerRecord, String>>;

    /// Calls the server holds open now, when it says.
    fn active_calls(&self) -> BoxFuture<'_, Option<usize>>;

    /// The server's process id, for CPU and memory readings (`None`: not on
    /// this machine, or unknown).
    fn pid(&self) -> Option<u32>;
}
