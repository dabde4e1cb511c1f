//! The reference tenant of the assistant's scenarios, created in the store.

use std::sync::Mutex;

use switchboard::assistant::fixtures;
use switchboard::conversation::{BoxFuture, Notifier};
use switchboard::domain::Language;
use switchboard::store::businesses::{self, LanguageCode};

use crate::support::{TestApp, TestTenant};

/// Creates a tenant through the admin API, then gives it the scenario
/// tenant's profile (hours, holidays, catalog, limits, owner phone).
pub async fn acme(app: &TestApp, phone: Option<&str>, lang: Language) -> TestTenant {
    let t = app.create_tenant("Acme Plumbing", phone).await;
    let mut b = businesses::get(&app.state.db, &t.id).await.expect("tenant");
    let p = if lang == Language::Es { fixtures::profile_es() } else { fixtures::profile() };
    b.name = p.name;
    b.owner_phone = p.owner_phone;
    b.time_zone = p.time_zone.name().to_string();
    b.hours = p.hours;
    b.closed_dates = p.closed_dates;
    b.max_jobs_per_day = i64::from(p.max_jobs_per_day);
    b.reserve_mornings_for_emergencies = p.reserve_mornings_for_emergencies;
    b.travel_buffer_minutes = i64::from(p.travel_buffer_minutes);
    b.services = p.services;
    b.emergency_keywords = p.emergency_keywords;
    b.language = LanguageCode(p.language);
    b.accepts_transfers = p.accepts_transfers;
    b.service_area = p.service_area;
    b.warranty = p.warranty;
    businesses::update(&app.state.db, &b).await.expect("profile");
    t
}

/// Outbound texts, kept for assertions (the SMS provider is outside the test).
#[derive(Default)]
pub struct Outbox(pub Mutex<Vec<(String, String)>>);

impl Notifier for Outbox {
    fn send_sms<'a>(&'a self, _tenant: &'a str, to: &'a str, body: &'a str) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.0.lock().map_err(|e| e.to_string())?.push((to.to_string(), body.to_string()));
            Ok(())
        })
    }
}

impl Outbox {
    pub fn to(&self, phone: &str) -> Vec<String> {
        self.0
            .lock()
            .map(|v| v.iter().filter(|(t, _)| t == phone).map(|(_, b)| b.clone()).collect())
            .unwrap_or_default()
    }
    pub fn not_to(&self, phone: &str) -> usize {
        self.0.lock().map(|v| v.iter().filter(|(t, _)| t != phone).count()).unwrap_or_default()
    }
}
