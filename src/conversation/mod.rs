//! The executor shared by every channel: load the context from the store,
//! call the pure assistant, perform its actions through the store, persist
//! the transcript and keep the dialog state between turns.
//!
//! ```text
//! channel (SMS webhook, web chat, voice call) -> Executor::turn -> assistant::respond
//!                                                      |-> store (customers, appointments, callbacks, messages)
//!                                                      |-> Notifier (owner alerts, confirmation texts)
//!                                                      '-> SessionStore (state, 1 h TTL)
//! ```
//!
//! A booking that loses a race (another caller took the slot between our
//! context read and the insert) is not an error: the turn is re-run with the
//! fresh calendar, so the caller hears "that time was just taken" and new
//! options, exactly as the policy would say it.

mod context;
mod perform;
mod session;

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::assistant::{self, Channel, ConversationState, Input, Intent};
use crate::sessions::{SessionError, SessionStore};
use crate::store::conversations::{self, ConversationChannel, Speaker};
use crate::store::{Db, StoreError};

pub use session::session_key;

/// Errors of the conversation layer.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sessions(#[from] SessionError),
    #[error("stored session is unreadable: {0}")]
    CorruptSession(String),
}

pub type Result<T, E = ConversationError> = std::result::Result<T, E>;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Sends text messages on behalf of a tenant (owner alerts, confirmations).
/// The Twilio REST client implements it in production; a failure is logged
/// and recorded on the conversation, never fails the caller's turn.
pub trait Notifier: Send + Sync {
    fn send_sms<'a>(&'a self, tenant: &'a str, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), String>>;
}

/// A notifier that only logs (no SMS provider configured).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    fn send_sms<'a>(&'a self, tenant: &'a str, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            tracing::info!(tenant, to, chars = body.len(), "outbound SMS (no provider configured; logged only)");
            Ok(())
        })
    }
}

/// One turn to execute.
#[derive(Debug, Clone)]
pub struct TurnRequest<'a> {
    pub tenant: &'a str,
    pub channel: Channel,
    /// Stable per conversation: call SID, the texter's number, the widget session id.
    pub thread: &'a str,
    /// Caller ID / SMS sender, when the channel has one.
    pub caller_phone: Option<&'a str>,
    pub input: Input,
    pub now: DateTime<Utc>,
}

/// What the channel needs after a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed {
    pub conversation_id: String,
    pub reply: String,
    pub intent: Intent,
    pub confidence: f32,
    /// The conversation is over (hang up / close the chat).
    pub ended: bool,
    /// Transfer the live call to this number (voice).
    pub transfer_to: Option<String>,
    /// The conversation is flagged as an emergency.
    pub emergency: bool,
    /// Id of an appointment booked or moved this turn.
    pub booked: Option<String>,
    /// The actions the policy asked for, all performed.
    pub actions: Vec<assistant::Action>,
}

/// The executor; cheap to build per request.
pub struct Executor<'a> {
    pub db: &'a Db,
    pub sessions: &'a dyn SessionStore,
    pub notifier: &'a dyn Notifier,
}

pub(crate) fn store_channel(c: Channel) -> ConversationChannel {
    match c {
        Channel::Voice => ConversationChannel::Voice,
        Channel::Sms => ConversationChannel::Sms,
        Channel::Web => ConversationChannel::Web,
    }
}

/// A stable label for the recognised intent ("book", "question:hours").
pub fn intent_label(i: Intent) -> String {
    match serde_json::to_value(i) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(m)) => {
            m.into_iter().next().map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or_default())).unwrap_or_default()
        }
        _ => String::new(),
    }
}

impl Executor<'_> {
    /// Starts a conversation with the assistant's opening line (a call is
    /// answered, a chat opens). SMS conversations start with `turn`.
    pub async fn open(
        &self,
        tenant: &str,
        channel: Channel,
        thread: &str,
        caller_phone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Executed> {
        let loaded = context::load(self.db, tenant, caller_phone, None, now).await?;
        let ctx = loaded.context(now, channel, caller_phone);
        let turn = assistant::open(&ctx);
        let (conversation_id, reply) = match self.reopen(tenant, channel, thread).await? {
            Some(open) => open,
            None => {
                let customer_id = loaded.customer.as_ref().map(|c| c.id.clone());
                let conv =
                    conversations::start(self.db, tenant, store_channel(channel), customer_id.as_deref(), Some(thread))
                        .await?;
                conversations::append(self.db, tenant, &conv.id, Speaker::Agent, &turn.reply, now).await?;
                let saved = session::Saved { conversation_id: conv.id.clone(), state: turn.state.clone() };
                session::save(self.sessions, tenant, channel, thread, &saved).await?;
                (conv.id, turn.reply)
            }
        };
        Ok(Executed {
            conversation_id,
            reply,
            intent: turn.intent,
            confidence: turn.confidence,
            ended: false,
            transfer_to: None,
            emergency: false,
            booked: None,
            actions: turn.actions,
        })
    }

    /// A thread opened before and still live (Twilio retried the voice
    /// webhook, a chat page reloaded): its conversation and opening line, so
    /// that opening twice never starts a second conversation.
    async fn reopen(&self, tenant: &str, channel: Channel, thread: &str) -> Result<Option<(String, String)>> {
        let Some(saved) = session::load(self.sessions, tenant, channel, thread).await? else {
            return Ok(None);
        };
        let conv = conversations::get(self.db, tenant, &saved.conversation_id).await?;
        let first = conv.messages.into_iter().find(|m| m.speaker == Speaker::Agent);
        Ok(first.map(|m| (saved.conversation_id, m.text)))
    }

    /// Runs one turn end to end.
    pub async fn turn(&self, req: TurnRequest<'_>) -> Result<Executed> {
        let saved = session::load(self.sessions, req.tenant, req.channel, req.thread)
            .await?
            .unwrap_or_else(|| session::Saved { conversation_id: String::new(), state: ConversationState::default() });
        let typed_phone = saved.state.phone.clone();
        let mut loaded = context::load(self.db, req.tenant, req.caller_phone, typed_phone.as_deref(), req.now).await?;
        let mut conversation_id = saved.conversation_id.clone();
        if conversation_id.is_empty() {
            let customer_id = loaded.customer.as_ref().map(|c| c.id.clone());
            let channel = store_channel(req.channel);
            let conv =
                conversations::start(self.db, req.tenant, channel, customer_id.as_deref(), Some(req.thread)).await?;
            conversation_id = conv.id;
        }
        let line = caller_line(&req.input);
        conversations::append(self.db, req.tenant, &conversation_id, Speaker::Caller, &line, req.now).await?;
        let mut outcome = None;
        // A second attempt only after losing a booking race, on a fresh calendar.
        for attempt in 0..2 {
            if attempt > 0 {
                loaded = context::load(self.db, req.tenant, req.caller_phone, typed_phone.as_deref(), req.now).await?;
            }
            let ctx = loaded.context(req.now, req.channel, req.caller_phone);
            let turn = assistant::respond(&saved.state, req.input.clone(), &ctx);
            let mut run = perform::Run::new(self, &req, &loaded, &conversation_id, turn.state.phone.as_deref());
            match run.all(&turn.actions).await {
                Ok(()) => {
                    outcome = Some((turn, run.finish()));
                    break;
                }
                Err(perform::Failed::SlotTaken) => {
                    tracing::info!(tenant = req.tenant, "slot taken meanwhile; re-running the turn");
                }
                Err(perform::Failed::Store(e)) => return Err(e.into()),
            }
        }
        let Some((turn, done)) = outcome else {
            return Err(StoreError::Conflict("the calendar keeps changing; try again".into()).into());
        };
        conversations::append(self.db, req.tenant, &conversation_id, Speaker::Agent, &turn.reply, req.now).await?;
        for line in &done.notes {
            conversations::append(self.db, req.tenant, &conversation_id, Speaker::System, line, req.now).await?;
        }
        let ended = turn.ends();
        let status = if done.transfer_to.is_some() {
            "transferred"
        } else if ended {
            "completed"
        } else {
            "active"
        };
        conversations::update_state(
            self.db,
            req.tenant,
            &conversation_id,
            Some(&intent_label(turn.intent)),
            done.customer_id.as_deref(),
            status,
            ended,
        )
        .await?;
        if ended {
            session::delete(self.sessions, req.tenant, req.channel, req.thread).await?;
        } else {
            let next = session::Saved { conversation_id: conversation_id.clone(), state: turn.state.clone() };
            session::save(self.sessions, req.tenant, req.channel, req.thread, &next).await?;
        }
        Ok(Executed {
            conversation_id,
            reply: turn.reply,
            intent: turn.intent,
            confidence: turn.confidence,
            ended,
            transfer_to: done.transfer_to,
            emergency: turn.state.emergency == assistant::Emergency::Confirmed,
            booked: done.booked,
            actions: turn.actions,
        })
    }
}

impl Executor<'_> {
    /// The caller hung up or the chat was abandoned: queue what the owner
    /// should still hear about (a partial intake), close the conversation and
    /// forget the dialog state. Safe to call for a thread that already ended.
    /// Returns the id of the callback it queued, if any.
    pub async fn hang_up(
        &self,
        tenant: &str,
        channel: Channel,
        thread: &str,
        caller_phone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let Some(saved) = session::load(self.sessions, tenant, channel, thread).await? else {
            return Ok(None);
        };
        let loaded = context::load(self.db, tenant, caller_phone, saved.state.phone.as_deref(), now).await?;
        let ctx = loaded.context(now, channel, caller_phone);
        let actions = assistant::hang_up(&saved.state, &ctx);
        let req = TurnRequest { tenant, channel, thread, caller_phone, input: Input::Silence, now };
        let mut run = perform::Run::new(self, &req, &loaded, &saved.conversation_id, saved.state.phone.as_deref());
        match run.all(&actions).await {
            Ok(()) | Err(perform::Failed::SlotTaken) => {}
            Err(perform::Failed::Store(e)) => return Err(e.into()),
        }
        let done = run.finish();
        conversations::append(self.db, tenant, &saved.conversation_id, Speaker::System, "caller left", now).await?;
        for line in &done.notes {
            conversations::append(self.db, tenant, &saved.conversation_id, Speaker::System, line, now).await?;
        }
        let status = if saved.state.booked { "completed" } else { "abandoned" };
        conversations::update_state(
            self.db,
            tenant,
            &saved.conversation_id,
            None,
            done.customer_id.as_deref(),
            status,
            true,
        )
        .await?;
        session::delete(self.sessions, tenant, channel, thread).await?;
        Ok(done.callback)
    }
}

fn caller_line(input: &Input) -> String {
    match input {
        Input::Text(t) => t.clone(),
        Input::Dtmf(d) => format!("[keypad {d}]"),
        Input::Silence => "[silence]".to_string(),
    }
}
