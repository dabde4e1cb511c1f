//! The reference driver: calls the policy directly and plays the executor's
//! part against an in-memory CRM, so multi-turn scripts see their own
//! bookings (a reschedule moves the block, a cancel frees it).

use chrono::{DateTime, Duration, Utc};

use super::{CrmSnapshot, Driver, Kind, Outcome, Scenario, Who};
use crate::assistant::fixtures::{CALLER_PHONE, chicago};
use crate::assistant::state::ConversationState;
use crate::assistant::types::{
    Action, BusyInterval, Caller, Channel, Context, Input, KnownCustomer, UpcomingAppointment,
};
use crate::domain::BusinessProfile;

struct Appointment {
    id: String,
    service_key: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    emergency: bool,
}

pub struct PolicyDriver {
    channel: Channel,
    profile: BusinessProfile,
    now: DateTime<Utc>,
    state: ConversationState,
    phone: Option<String>,
    customer: Option<KnownCustomer>,
    appointments: Vec<Appointment>,
    snapshot: CrmSnapshot,
}

/// The returning customer of the scenarios.
pub fn known_customer() -> KnownCustomer {
    KnownCustomer { id: "cust-1".into(), name: Some("Dana Whitfield".into()), address: Some("12 Oak Lane".into()) }
}

impl PolicyDriver {
    pub fn new(s: &Scenario, channel: Channel) -> Self {
        let profile = (s.profile)();
        let customer = (s.who != Who::New && channel != Channel::Web).then(known_customer);
        let mut appointments = Vec::new();
        if s.who == Who::ReturningWithAppointment && channel != Channel::Web {
            let start = chicago(2026, 11, 25, 10, 0);
            appointments.push(Appointment {
                id: "appt-1".into(),
                service_key: "water_heater".into(),
                start,
                end: start + Duration::minutes(120),
                emergency: false,
            });
        }
        let snapshot = CrmSnapshot {
            customer_name: customer.as_ref().and_then(|c| c.name.clone()),
            customer_address: customer.as_ref().and_then(|c| c.address.clone()),
            ..CrmSnapshot::default()
        };
        PolicyDriver {
            channel,
            profile,
            now: (s.now)(),
            state: ConversationState::default(),
            phone: (channel != Channel::Web).then(|| CALLER_PHONE.to_string()),
            customer,
            appointments,
            snapshot,
        }
    }

    fn context<'a>(&'a self, calendar: &'a [BusyInterval]) -> Context<'a> {
        Context {
            profile: &self.profile,
            now: self.now,
            channel: self.channel,
            caller: Caller {
                phone: self.phone.clone(),
                customer: self.customer.clone(),
                upcoming: self
                    .appointments
                    .iter()
                    .map(|a| UpcomingAppointment {
                        id: a.id.clone(),
                        start: a.start,
                        end: a.end,
                        service_key: Some(a.service_key.clone()),
                        emergency: a.emergency,
                    })
                    .collect(),
            },
            calendar,
        }
    }

    fn calendar(&self) -> Vec<BusyInterval> {
        self.appointments
            .iter()
            .map(|a| BusyInterval {
                start: a.start,
                end: a.end,
                counts_as_job: true,
                appointment_id: Some(a.id.clone()),
            })
            .collect()
    }

    /// Play the executor: apply actions to the in-memory CRM.
    fn apply(&mut self, actions: &[Action]) {
        for a in actions {
            match a {
                Action::UpsertCustomer { name, address, .. } => {
                    let c = self.customer.get_or_insert_with(|| KnownCustomer {
                        id: "cust-new".into(),
                        name: None,
                        address: None,
                    });
                    if name.is_some() {
                        c.name = name.clone();
                    }
                    if address.is_some() {
                        c.address = address.clone();
                    }
                    self.snapshot.customer_name = c.name.clone();
                    self.snapshot.customer_address = c.address.clone();
                }
                Action::BookAppointment(b) => self.appointments.push(Appointment {
                    id: format!("appt-{}", self.appointments.len() + 2),
                    service_key: b.service_key.clone(),
                    start: b.start,
                    end: b.end,
                    emergency: b.emergency,
                }),
                Action::CancelAppointment { appointment_id } => self.appointments.retain(|x| &x.id != appointment_id),
                Action::RescheduleAppointment { appointment_id, start, end } => {
                    for x in self.appointments.iter_mut().filter(|x| &x.id == appointment_id) {
                        x.start = *start;
                        x.end = *end;
                    }
                }
                Action::AlertOwner { .. } => self.snapshot.owner_alerts += 1,
                Action::CreateCallback { reason, .. } => self.snapshot.callbacks.push(*reason),
                Action::SendConfirmationSms { .. } => self.snapshot.confirmation_sms += 1,
                Action::Transfer { .. } | Action::EndConversation => {}
            }
        }
    }
}

impl Driver for PolicyDriver {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn open(&mut self) -> Option<Outcome> {
        if self.channel == Channel::Sms {
            return None;
        }
        let cal = self.calendar();
        let turn = crate::assistant::open(&self.context(&cal));
        self.state = turn.state.clone();
        Some(Outcome { reply: turn.reply, intent: turn.intent, actions: turn.actions.iter().map(Kind::of).collect() })
    }

    fn turn(&mut self, input: &Input) -> Outcome {
        let cal = self.calendar();
        let turn = crate::assistant::respond(&self.state, input.clone(), &self.context(&cal));
        // The state must survive a round trip through Redis.
        let json = serde_json::to_string(&turn.state).unwrap_or_default();
        self.state = serde_json::from_str(&json).unwrap_or_else(|_| turn.state.clone());
        self.apply(&turn.actions);
        Outcome { reply: turn.reply, intent: turn.intent, actions: turn.actions.iter().map(Kind::of).collect() }
    }

    fn crm(&self) -> CrmSnapshot {
        let tz = self.profile.time_zone;
        let mut snap = self.snapshot.clone();
        snap.appointments = self
            .appointments
            .iter()
            .map(|a| {
                let local = a.start.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
                (a.service_key.clone(), local, a.emergency)
            })
            .collect();
        snap.appointments.sort_by(|a, b| a.1.cmp(&b.1));
        snap
    }
}
