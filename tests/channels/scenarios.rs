//! The assistant's scripted scenarios through the conversation executor on
//! each channel, with the real store (SQLite and PostgreSQL): same intents,
//! same actions, same CRM state as the pure policy.

use chrono::{DateTime, Duration, Utc};
use switchboard::assistant::fixtures::{CALLER_PHONE, OWNER_PHONE, chicago};
use switchboard::assistant::scenario::{self, CrmSnapshot, Driver, Kind, Outcome, Scenario, Who, library};
use switchboard::assistant::{Channel, Input};
use switchboard::conversation::{Executor, TurnRequest};
use switchboard::sessions::MemorySessions;
use switchboard::store::appointments::{self, AppointmentQuery, NewAppointment};
use switchboard::store::customers::{self, NewCustomer};
use switchboard::store::{Db, callbacks};

use crate::fixture::{Outbox, acme};
use crate::support::{Backend, TestApp};

struct ExecutorDriver {
    db: Db,
    sessions: MemorySessions,
    outbox: Outbox,
    tenant: String,
    channel: Channel,
    thread: String,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(f))
}

impl ExecutorDriver {
    fn exec(&self) -> Executor<'_> {
        Executor { db: &self.db, sessions: &self.sessions, notifier: &self.outbox }
    }

    fn caller(&self) -> Option<&'static str> {
        (self.channel != Channel::Web).then_some(CALLER_PHONE)
    }

    fn effects(&self) -> Effects {
        block(async {
            let customer = customers::find_by_phone(&self.db, &self.tenant, CALLER_PHONE).await.expect("customer");
            let q = AppointmentQuery { limit: Some(200), ..Default::default() };
            let (appts, _) = appointments::list(&self.db, &self.tenant, &q).await.expect("appointments");
            let mut cbs = callbacks::list(&self.db, &self.tenant, None, Some(200), None).await.expect("callbacks");
            cbs.reverse();
            Effects {
                customer: customer.map(|c| (c.name, c.address, c.updated_at)),
                appointments: appts
                    .into_iter()
                    .map(|a| (a.id, a.starts_at, a.status.blocks_calendar(), a.is_emergency, a.service_key))
                    .collect(),
                callbacks: cbs.into_iter().map(|c| reason(c.reason)).collect(),
                owner_texts: self.outbox.to(OWNER_PHONE).len(),
                customer_texts: self.outbox.not_to(OWNER_PHONE),
            }
        })
    }
}

fn reason(r: callbacks::CallbackReason) -> switchboard::assistant::CallbackReason {
    use switchboard::assistant::CallbackReason as A;
    use switchboard::store::callbacks::CallbackReason as S;
    match r {
        S::MissedCall => A::MissedCall,
        S::PartialIntake => A::PartialIntake,
        S::NoInput => A::NoInput,
        S::Voicemail => A::Voicemail,
        S::LowConfidence => A::LowConfidence,
        S::Handoff => A::Handoff,
    }
}

type Appt = (String, DateTime<Utc>, bool, bool, String);

struct Effects {
    customer: Option<(String, Option<String>, DateTime<Utc>)>,
    appointments: Vec<Appt>,
    callbacks: Vec<switchboard::assistant::CallbackReason>,
    owner_texts: usize,
    customer_texts: usize,
}

impl Driver for ExecutorDriver {
    fn channel(&self) -> Channel {
        self.channel
    }

    fn open(&mut self) -> Option<Outcome> {
        if self.channel == Channel::Sms {
            return None;
        }
        let e =
            block(self.exec().open(&self.tenant, self.channel, &self.thread, self.caller(), self.now)).expect("open");
        Some(Outcome { reply: e.reply, intent: e.intent, actions: Vec::new() })
    }

    fn turn(&mut self, input: &Input) -> Outcome {
        let req = TurnRequest {
            tenant: &self.tenant,
            channel: self.channel,
            thread: &self.thread,
            caller_phone: self.caller(),
            input: input.clone(),
            now: self.now,
        };
        let e = block(self.exec().turn(req)).expect("turn");
        Outcome { reply: e.reply, intent: e.intent, actions: e.actions.iter().map(Kind::of).collect() }
    }

    fn crm(&self) -> CrmSnapshot {
        let fx = self.effects();
        let mut appointments: Vec<(String, String, bool)> = fx
            .appointments
            .iter()
            .filter(|a| a.2)
            .map(|a| (a.4.clone(), a.1.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string(), a.3))
            .collect();
        appointments.sort_by(|a, b| a.1.cmp(&b.1));
        let (name, address) = fx.customer.map(|c| (Some(c.0), c.1)).unwrap_or((None, None));
        CrmSnapshot {
            appointments,
            customer_name: name,
            customer_address: address,
            callbacks: fx.callbacks,
            owner_alerts: fx.owner_texts,
            confirmation_sms: fx.customer_texts,
        }
    }
}

async fn driver(app: &TestApp, s: &Scenario, channel: Channel, n: usize) -> ExecutorDriver {
    let profile = (s.profile)();
    let t = acme(app, None, profile.language).await;
    let db = app.state.db.clone();
    if s.who != Who::New && channel != Channel::Web {
        let c = customers::create(
            &db,
            &t.id,
            NewCustomer {
                name: "Dana Whitfield".into(),
                phone: Some(CALLER_PHONE.into()),
                address: Some("12 Oak Lane".into()),
                ..Default::default()
            },
        )
        .await
        .expect("customer");
        if s.who == Who::ReturningWithAppointment {
            let start = chicago(2026, 11, 25, 10, 0);
            let new = NewAppointment {
                customer_id: c.id,
                starts_at: start,
                ends_at: start + Duration::minutes(120),
                service_key: "water_heater".into(),
                description: "annual service".into(),
                is_emergency: false,
                source: None,
                estimated_value: None,
                technician_id: None,
            };
            appointments::create(&db, &t.id, new).await.expect("appointment");
        }
    }
    let thread = match channel {
        Channel::Voice => format!("CA{n:032}"),
        Channel::Sms => CALLER_PHONE.to_string(),
        Channel::Web => format!("web-{n}"),
    };
    ExecutorDriver {
        db,
        sessions: MemorySessions::default(),
        outbox: Outbox::default(),
        tenant: t.id,
        channel,
        thread,
        now: (s.now)(),
        tz: profile.time_zone,
    }
}

async fn all_scenarios(backend: Backend, asr: bool) {
    let app = TestApp::start(backend).await;
    let mut failures = Vec::new();
    let mut n = 0;
    for s in library() {
        for ch in s.channels.clone() {
            n += 1;
            let mut d = driver(&app, &s, ch, n).await;
            if let Err(e) = tokio::task::block_in_place(|| scenario::run(&s, &mut d, asr)) {
                failures.extend(e);
            }
        }
    }
    assert!(n >= 40, "only {n} runs");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

async fn scenarios_through_the_executor(backend: Backend) {
    all_scenarios(backend, false).await;
}

async fn asr_scenarios_through_the_executor(backend: Backend) {
    all_scenarios(backend, true).await;
}

crate::on_both_backends!(scenarios_through_the_executor, asr_scenarios_through_the_executor);
