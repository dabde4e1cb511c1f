//! Performing the assistant's actions through the store and the notifier.
//!
//! Side effects that inform people (owner alerts, confirmation texts) never
//! fail a turn: a failure is logged and noted on the transcript. Store
//! failures do fail the turn, except a lost booking race, which the executor
//! answers by re-running the turn on the fresh calendar.

use super::context::Loaded;
use super::{Executor, TurnRequest, store_channel};
use crate::assistant::{Action, Booking, CallbackReason};
use crate::store::StoreError;
use crate::store::appointments::{self, AppointmentPatch, Channel as Source, NewAppointment};
use crate::store::callbacks::{self, NewCallback};
use crate::store::customers::{self, CustomerPatch, NewCustomer};

pub enum Failed {
    /// The slot was booked by someone else since the context was read.
    SlotTaken,
    Store(StoreError),
}

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Self {
        Failed::Store(e)
    }
}

/// What the channel and the transcript need after the actions ran.
pub struct Done {
    pub customer_id: Option<String>,
    pub transfer_to: Option<String>,
    pub booked: Option<String>,
    /// Id of a callback queued by these actions.
    pub callback: Option<String>,
    /// System lines for the transcript ("owner alerted", "callback queued").
    pub notes: Vec<String>,
}

pub struct Run<'e, 'r> {
    exec: &'e Executor<'e>,
    req: &'r TurnRequest<'r>,
    conversation_id: &'r str,
    phone: Option<String>,
    done: Done,
}

impl<'e, 'r> Run<'e, 'r> {
    /// `typed_phone`: a number the visitor gave in web chat (the state's).
    pub fn new(
        exec: &'e Executor<'e>,
        req: &'r TurnRequest<'r>,
        loaded: &Loaded,
        conversation_id: &'r str,
        typed_phone: Option<&str>,
    ) -> Self {
        let phone = req
            .caller_phone
            .or(typed_phone)
            .map(str::to_string)
            .or_else(|| loaded.customer.as_ref().and_then(|c| c.phone.clone()));
        Run {
            exec,
            req,
            conversation_id,
            phone,
            done: Done {
                customer_id: loaded.customer.as_ref().map(|c| c.id.clone()),
                transfer_to: None,
                booked: None,
                callback: None,
                notes: Vec::new(),
            },
        }
    }

    pub fn finish(self) -> Done {
        self.done
    }

    pub async fn all(&mut self, actions: &[Action]) -> Result<(), Failed> {
        for a in actions {
            self.one(a).await?;
        }
        Ok(())
    }

    async fn one(&mut self, a: &Action) -> Result<(), Failed> {
        let db = self.exec.db;
        let tenant = self.req.tenant;
        match a {
            Action::UpsertCustomer { customer_id, name, phone, address } => {
                if phone.is_some() {
                    self.phone = phone.clone();
                }
                self.upsert(customer_id.as_deref(), name.as_deref(), address.as_deref()).await?;
            }
            Action::BookAppointment(b) => self.book(b).await?,
            Action::CancelAppointment { appointment_id } => {
                appointments::cancel(db, tenant, appointment_id).await?;
                self.done.notes.push(format!("cancelled appointment {appointment_id}"));
            }
            Action::RescheduleAppointment { appointment_id, start, end } => {
                let patch = AppointmentPatch { starts_at: Some(*start), ends_at: Some(*end), ..Default::default() };
                match appointments::update(db, tenant, appointment_id, patch).await {
                    Ok(_) => {}
                    Err(StoreError::Conflict(_)) => return Err(Failed::SlotTaken),
                    Err(e) => return Err(e.into()),
                }
                self.done.booked = Some(appointment_id.clone());
                self.done.notes.push(format!("moved appointment {appointment_id} to {start}"));
            }
            Action::AlertOwner { text, emergency } => {
                let profile = crate::store::businesses::get(db, tenant).await?;
                match profile.owner_phone.as_deref() {
                    Some(owner) => {
                        self.sms(owner, text, if *emergency { "emergency alert" } else { "owner alert" }).await
                    }
                    None => self.done.notes.push("owner alert not sent: no owner phone configured".into()),
                }
            }
            Action::CreateCallback { reason, summary } => self.callback(*reason, summary).await?,
            Action::Transfer { to } => {
                self.done.transfer_to = Some(to.clone());
                self.done.notes.push("transferred to the owner".into());
            }
            Action::SendConfirmationSms { to, text } => {
                let opted_out = customers::find_by_phone(db, tenant, to).await?.is_some_and(|c| c.sms_opt_out);
                if opted_out {
                    self.done.notes.push("confirmation not texted: customer opted out of SMS".into());
                } else {
                    self.sms(to, text, "confirmation").await;
                }
            }
            Action::EndConversation => {}
        }
        Ok(())
    }

    async fn upsert(&mut self, id: Option<&str>, name: Option<&str>, address: Option<&str>) -> Result<(), Failed> {
        let db = self.exec.db;
        let tenant = self.req.tenant;
        let existing = match (id.or(self.done.customer_id.as_deref()), self.phone.as_deref()) {
            (Some(id), _) => Some(id.to_string()),
            (None, Some(p)) => customers::find_by_phone(db, tenant, p).await?.map(|c| c.id),
            (None, None) => None,
        };
        match existing {
            Some(id) => {
                let patch = CustomerPatch {
                    name: name.map(str::to_string),
                    address: address.map(|a| Some(a.to_string())),
                    ..Default::default()
                };
                customers::update(db, tenant, &id, patch).await?;
                self.done.customer_id = Some(id);
            }
            None => {
                let Some(name) = name else { return Ok(()) };
                let new = NewCustomer {
                    name: name.to_string(),
                    phone: self.phone.clone(),
                    address: address.map(str::to_string),
                    ..Default::default()
                };
                let c = customers::create(db, tenant, new).await?;
                self.done.customer_id = Some(c.id);
            }
        }
        Ok(())
    }

    async fn book(&mut self, b: &Booking) -> Result<(), Failed> {
        let Some(customer_id) = self.done.customer_id.clone() else {
            return Err(Failed::Store(StoreError::Invalid("booking without a customer".into())));
        };
        let source = match store_channel(self.req.channel) {
            crate::store::conversations::ConversationChannel::Voice => Source::Voice,
            crate::store::conversations::ConversationChannel::Sms => Source::Sms,
            crate::store::conversations::ConversationChannel::Web => Source::Web,
        };
        let new = NewAppointment {
            customer_id,
            starts_at: b.start,
            ends_at: b.end,
            service_key: b.service_key.clone(),
            description: b.description.clone(),
            is_emergency: b.emergency,
            source: Some(source),
            // The catalog range's midpoint; the range itself was what we quoted.
            estimated_value: Some(i64::from(b.estimated_value.min / 2 + b.estimated_value.max / 2)),
            technician_id: None,
        };
        match appointments::create(self.exec.db, self.req.tenant, new).await {
            Ok(a) => {
                self.done.notes.push(format!("booked appointment {}", a.id));
                self.done.booked = Some(a.id);
                Ok(())
            }
            Err(StoreError::Conflict(_)) => Err(Failed::SlotTaken),
            Err(e) => Err(e.into()),
        }
    }

    async fn callback(&mut self, reason: CallbackReason, summary: &str) -> Result<(), Failed> {
        let Some(phone) = self.phone.clone() else {
            self.done.notes.push(format!("callback not queued (no phone number): {summary}"));
            return Ok(());
        };
        let reason = match reason {
            CallbackReason::MissedCall => callbacks::CallbackReason::MissedCall,
            CallbackReason::PartialIntake => callbacks::CallbackReason::PartialIntake,
            CallbackReason::NoInput => callbacks::CallbackReason::NoInput,
            CallbackReason::Voicemail => callbacks::CallbackReason::Voicemail,
            CallbackReason::LowConfidence => callbacks::CallbackReason::LowConfidence,
            CallbackReason::Handoff => callbacks::CallbackReason::Handoff,
        };
        let new = NewCallback {
            phone,
            customer_id: self.done.customer_id.clone(),
            conversation_id: Some(self.conversation_id.to_string()),
            reason,
            note: Some(summary.to_string()),
        };
        let queued = callbacks::enqueue(self.exec.db, self.req.tenant, new).await?;
        self.done.callback = Some(queued.id);
        self.done.notes.push(format!("callback queued: {summary}"));
        Ok(())
    }

    async fn sms(&mut self, to: &str, body: &str, what: &str) {
        match self.exec.notifier.send_sms(self.req.tenant, to, body).await {
            Ok(()) => self.done.notes.push(format!("{what} texted to {to}")),
            Err(e) => {
                tracing::warn!(tenant = self.req.tenant, error = %e, "could not send {what}");
                self.done.notes.push(format!("{what} to {to} failed: {e}"));
            }
        }
    }
}
