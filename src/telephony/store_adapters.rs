//! The call ports implemented over the product: the conversation executor
//! (assistant + CRM actions + sessions) as the call's brain, the store as the
//! call directory and recorder, and Twilio REST as the SMS notifier.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::Utc;

use super::call_token::CallClaims;
use super::ports::{
    BoxFuture, CallBrain, CallDirectory, CallOutcome, CallRecorder, CallSetup, CallSummary, CallerInput, RecordingPlan,
    RecordingSaved, Reply,
};
use super::protocol::StartMeta;
use super::recordings;
use super::rest::TwilioRest;
use crate::assistant::locale::{self, Fmt, Msg};
use crate::assistant::{Channel, Input};
use crate::conversation::{ConversationError, Executor, Notifier};
use crate::sessions::SessionStore;
use crate::store::businesses::Business;
use crate::store::callbacks::{self, CallbackReason, NewCallback};
use crate::store::calls::{self, CallTurn, CallUpdate};
use crate::store::recordings::RecordingColumns;
use crate::store::{Db, businesses};

/// What the voice webhook prepared for a call, picked up when its stream starts.
#[derive(Debug, Clone)]
pub struct PendingCall {
    pub greeting: String,
    pub caller: String,
}

/// Calls between the voice webhook and their stream's `start` (a second or
/// two). Entries are taken once; stale ones are dropped after a few minutes.
#[derive(Debug, Default)]
pub struct PendingCalls {
    calls: Mutex<HashMap<String, (PendingCall, std::time::Instant)>>,
}

impl PendingCalls {
    pub fn insert(&self, call_sid: &str, call: PendingCall) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        calls.retain(|_, (_, at)| at.elapsed() < std::time::Duration::from_secs(300));
        calls.insert(call_sid.to_string(), (call, std::time::Instant::now()));
    }

    pub fn take(&self, call_sid: &str) -> Option<PendingCall> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).remove(call_sid).map(|(c, _)| c)
    }
}

/// The voice key of a tenant in the prompt cache.
pub fn voice_key(tenant_id: &str) -> String {
    format!("{tenant_id}/en_US-joe-medium")
}

/// The recording notice in the tenant's language, when it records calls.
pub fn consent_line(business: &Business) -> Option<String> {
    let fmt = Fmt { lang: business.language.0, tz: chrono_tz::UTC, today: Utc::now().date_naive() };
    business.recording_enabled.then(|| locale::render(&Msg::RecordingNotice, &fmt))
}

/// Shared handles the adapters need.
#[derive(Clone)]
pub struct Backends {
    pub db: Db,
    pub sessions: Arc<dyn SessionStore>,
    pub notifier: Arc<dyn Notifier>,
}

/// The conversation executor behind one call.
pub struct ExecutorBrain {
    backends: Backends,
    tenant: String,
    call_sid: String,
    caller: Option<String>,
}

impl CallBrain for ExecutorBrain {
    fn respond(&self, input: CallerInput) -> BoxFuture<'_, Result<Reply, String>> {
        Box::pin(async move {
            let input = match input {
                CallerInput::Speech(text) => Input::Text(text),
                CallerInput::Dtmf(digit) => Input::Dtmf(digit),
                CallerInput::Silence => Input::Silence,
            };
            let executor = Executor {
                db: &self.backends.db,
                sessions: self.backends.sessions.as_ref(),
                notifier: self.backends.notifier.as_ref(),
            };
            let request = crate::conversation::TurnRequest {
                tenant: &self.tenant,
                channel: Channel::Voice,
                thread: &self.call_sid,
                caller_phone: self.caller.as_deref(),
                input,
                now: Utc::now(),
            };
            let done = executor.turn(request).await.map_err(|e| e.to_string())?;
            Ok(Reply {
                text: done.reply,
                hang_up: done.ended && done.transfer_to.is_none(),
                transfer_to: done.transfer_to,
                emergency: done.emergency,
                booked: done.booked,
            })
        })
    }
}

/// Opens calls from the store: the tenant from the token, the greeting the
/// webhook prepared (or a fresh opening line if this process did not see it).
pub struct StoreDirectory {
    pub backends: Backends,
    pub pending: Arc<PendingCalls>,
    /// `RECORDINGS_DIR`.
    pub recordings_dir: PathBuf,
}

impl CallDirectory for StoreDirectory {
    fn open(&self, claims: CallClaims, start: StartMeta) -> BoxFuture<'_, Result<CallSetup, String>> {
        Box::pin(async move {
            let business = businesses::get(&self.backends.db, &claims.tenant_id).await.map_err(|e| e.to_string())?;
            let call = calls::get_by_sid(&self.backends.db, &business.id, &start.call_sid)
                .await
                .map_err(|e| format!("call record: {e}"))?;
            if call.id != claims.call_id {
                return Err("token names another call record".into());
            }
            let caller = Some(call.from_number.clone()).filter(|n| !n.is_empty());
            let greeting = match self.pending.take(&start.call_sid) {
                Some(pending) => pending.greeting,
                None => {
                    let executor = Executor {
                        db: &self.backends.db,
                        sessions: self.backends.sessions.as_ref(),
                        notifier: self.backends.notifier.as_ref(),
                    };
                    executor
                        .open(&business.id, Channel::Voice, &start.call_sid, caller.as_deref(), Utc::now())
                        .await
                        .map_err(|e| e.to_string())?
                        .reply
                }
            };
            let recording = match (consent_line(&business), recordings::relative_path(&business.id, &call.id)) {
                (Some(consent), Some(relative)) => Some(RecordingPlan {
                    consent,
                    dir: self.recordings_dir.clone(),
                    relative,
                    retention_days: business.recording_retention_days,
                }),
                (Some(_), None) => {
                    tracing::error!(call_id = %call.id, "call not recorded: ids unusable as a file name");
                    None
                }
                (None, _) => None,
            };
            let brain = ExecutorBrain {
                backends: self.backends.clone(),
                tenant: business.id.clone(),
                call_sid: start.call_sid.clone(),
                caller: caller.clone(),
            };
            Ok(CallSetup {
                call_id: call.id,
                tenant_id: business.id.clone(),
                caller,
                brain: Arc::new(brain),
                greeting,
                voice_key: voice_key(&business.id),
                // No vocabulary prompt: measured on phone audio it cost ~50%
                // more decoder CPU and lowered accuracy, and did not even fix
                // the business name (docs/benchmarks.md, "Decoder settings").
                stt_prompt: None,
                recording,
            })
        })
    }
}

/// Persists a finished call: its turns with timings, the outcome, the
/// dialog closed the way the assistant wants (a caller who hangs up halfway
/// through an intake becomes a callback with what they said), and a callback
/// entry when the caller hung up before saying anything.
pub struct StoreRecorder {
    pub backends: Backends,
    /// `RECORDINGS_DIR`.
    pub recordings_dir: PathBuf,
}

impl StoreRecorder {
    async fn persist(&self, s: &CallSummary) -> Result<(), ConversationError> {
        let db = &self.backends.db;
        for turn in &s.turns {
            let caller_text = match &turn.input {
                CallerInput::Speech(text) => text.clone(),
                CallerInput::Dtmf(d) => format!("[pressed {d}]"),
                CallerInput::Silence => "[silence]".into(),
            };
            let t = &turn.timings;
            let record = CallTurn {
                turn_index: i64::from(turn.index),
                caller_text,
                agent_text: turn.agent_text.clone(),
                heard_text: turn.interrupted.then(|| turn.agent_text.clone()),
                barged_in: turn.interrupted,
                endpoint_wait_ms: Some(i64::from(t.endpoint_wait_ms)),
                stt_ms: t.stt_ms.map(i64::from),
                policy_ms: t.policy_ms.map(i64::from),
                tts_first_audio_ms: t.tts_first_audio_ms.map(i64::from),
                first_frame_ms: t.first_frame_ms.map(i64::from),
                at: turn.at,
            };
            match calls::add_turn(db, &s.tenant_id, &s.call_id, &record).await {
                Ok(()) | Err(crate::store::StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let spoke = s.turns.iter().any(|t| !matches!(t.input, CallerInput::Silence));
        let outcome = match s.outcome {
            CallOutcome::Transferred => "transferred",
            CallOutcome::Completed => "completed",
            CallOutcome::CallerHungUp if !spoke => "abandoned",
            CallOutcome::CallerHungUp => "caller_hung_up",
            CallOutcome::Refused => "refused",
            CallOutcome::Failed => "failed",
        };
        let call = calls::get_by_sid(db, &s.tenant_id, &s.call_sid).await?;
        let caller = Some(call.from_number.as_str()).filter(|n| !n.is_empty());
        // A no-op when the dialog itself ended the call (its session is gone).
        let executor =
            Executor { db, sessions: self.backends.sessions.as_ref(), notifier: self.backends.notifier.as_ref() };
        let mut callback_id = executor.hang_up(&s.tenant_id, Channel::Voice, &s.call_sid, caller, s.ended_at).await?;
        let unheard = !spoke && s.outcome != CallOutcome::Transferred;
        if callback_id.is_none() && unheard && call.callback_id.is_none() && caller.is_some() {
            let new = NewCallback {
                phone: call.from_number.clone(),
                customer_id: None,
                conversation_id: call.conversation_id.clone(),
                reason: if s.turns.is_empty() { CallbackReason::MissedCall } else { CallbackReason::NoInput },
                note: Some("caller hung up before talking to the assistant".into()),
            };
            callback_id = Some(callbacks::enqueue(db, &s.tenant_id, new).await?.id);
        }
        let update = CallUpdate {
            status: Some("completed"),
            outcome: Some(outcome),
            is_emergency: Some(s.emergency),
            appointment_id: s.appointment_id.as_deref(),
            callback_id: callback_id.as_deref(),
            ended: true,
            ..Default::default()
        };
        Ok(calls::update(db, &s.tenant_id, &s.call_sid, update).await?)
    }
}

impl StoreRecorder {
    /// Links the recording to the call; a file that cannot be linked would
    /// never expire, so it is deleted instead.
    async fn link_recording(&self, s: &CallSummary, saved: &RecordingSaved) {
        let columns = RecordingColumns {
            path: &saved.relative,
            duration_ms: i64::try_from(saved.duration_ms).unwrap_or(i64::MAX),
            bytes: i64::try_from(saved.bytes).unwrap_or(i64::MAX),
            expires_at: s.ended_at + chrono::Duration::days(saved.retention_days),
        };
        if let Err(e) = crate::store::recordings::attach(&self.backends.db, &s.tenant_id, &s.call_id, &columns).await {
            tracing::error!(call_id = %s.call_id, error = %e, "could not link the recording; deleting the file");
            if let Some(path) = recordings::resolve(&self.recordings_dir, &saved.relative)
                && let Err(e) = tokio::fs::remove_file(&path).await
            {
                tracing::error!(path = %path.display(), error = %e, "could not delete an unlinked recording");
            }
        }
    }
}

impl CallRecorder for StoreRecorder {
    fn ended(&self, summary: CallSummary) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(e) = self.persist(&summary).await {
                tracing::error!(call_id = %summary.call_id, error = %e, "could not persist the call");
            }
            if let Some(saved) = &summary.recording {
                self.link_recording(&summary, saved).await;
            }
        })
    }
}

/// Owner alerts and confirmations over Twilio SMS, sent from the tenant's number.
pub struct TwilioNotifier {
    pub rest: TwilioRest,
    pub db: Db,
}

impl Notifier for TwilioNotifier {
    fn send_sms<'a>(&'a self, tenant: &'a str, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let business = businesses::get(&self.db, tenant).await.map_err(|e| e.to_string())?;
            let from = business.phone_number.ok_or("the tenant has no phone number to send from")?;
            self.rest.send_sms(&from, to, body).await.map(|_| ()).map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;
    use crate::store::businesses::NewBusiness;

    fn business(language: Language) -> Business {
        let new = NewBusiness {
            name: "Acme Plumbing".into(),
            vertical: None,
            phone_number: None,
            owner_phone: None,
            time_zone: None,
            language: Some(language),
        };
        new.into_business().expect("valid business")
    }

    #[test]
    fn the_consent_line_is_said_only_when_recording_and_in_the_tenants_language() {
        let mut b = business(Language::En);
        assert_eq!(consent_line(&b), None, "recording is off by default");
        b.recording_enabled = true;
        assert_eq!(consent_line(&b).as_deref(), Some("This call is recorded for quality."));
        let mut b = business(Language::Es);
        b.recording_enabled = true;
        assert_eq!(consent_line(&b).as_deref(), Some("Esta llamada se graba para fines de calidad."));
    }
}
