//! The demo tenant "Acme Plumbing", for the quick start and manual testing.
//!
//! Seeding is idempotent: the tenant, its customers, appointments and
//! conversations are created once. Credentials are stored only as hashes, so
//! every run issues fresh demo credentials (and revokes the previous ones) in
//! order to be able to print them.

use chrono::{Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use serde::Serialize;

use super::appointments::{self, AppointmentStatus, Channel, NewAppointment};
use super::businesses::{self, NewBusiness};
use super::conversations::{self, ConversationChannel, Speaker};
use super::credentials::{self, CredentialKind};
use super::customers::{self, NewCustomer};
use super::{Db, Result, StoreError};

pub const DEMO_NAME: &str = "Acme Plumbing";
pub const DEMO_PHONE: &str = "+15125550100";
pub const DEMO_OWNER_PHONE: &str = "+15125550199";

/// What `switchboard seed-demo --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct DemoCredentials {
    pub business_id: String,
    pub business_name: String,
    pub api_key: String,
    pub owner_token: String,
    pub widget_token: String,
    pub phone_number: String,
}

const CUSTOMERS: &[(&str, &str, &str)] = &[
    ("Maria Garcia", "+15125550101", "1201 E 6th St, Austin"),
    ("James Smith", "+15125550102", "88 Rainey St, Austin"),
    ("Linda Johnson", "+15125550103", "4500 Duval St, Austin"),
    ("Robert Brown", "+15125550104", "2300 S Lamar Blvd, Austin"),
    ("Patricia Davis", "+15125550105", "710 W 34th St, Austin"),
    ("Michael Miller", "+15125550106", "1600 Barton Springs Rd, Austin"),
    ("Jennifer Wilson", "+15125550107", "3100 Guadalupe St, Austin"),
    ("William Moore", "+15125550108", "900 Congress Ave, Austin"),
    ("Elizabeth Taylor", "+15125550109", "5200 Burnet Rd, Austin"),
    ("David Anderson", "+15125550110", "1400 E Cesar Chavez St, Austin"),
    ("Barbara Thomas", "+15125550111", "2800 Manor Rd, Austin"),
    ("Richard Jackson", "+15125550112", "6000 N Lamar Blvd, Austin"),
    ("Susan White", "+15125550113", "1100 S 1st St, Austin"),
    ("Joseph Harris", "+15125550114", "3400 Red River St, Austin"),
    ("Jessica Martin", "+15125550115", "7300 Cameron Rd, Austin"),
    ("Thomas Thompson", "+15125550116", "4100 Speedway, Austin"),
    ("Sarah Martinez", "+15125550117", "2000 E Riverside Dr, Austin"),
    ("Charles Robinson", "+15125550118", "800 W Lynn St, Austin"),
    ("Karen Clark", "+15125550119", "1900 Aldrich St, Austin"),
    ("Daniel Lewis", "+15125550120", "5600 Airport Blvd, Austin"),
];

const SERVICES: &[(&str, &str)] = &[
    ("water_heater", "Water heater not heating"),
    ("drain_or_sewer", "Kitchen drain clogged"),
    ("fixture_or_leak", "Leaking faucet in the bathroom"),
    ("sump_pump", "Sump pump annual check"),
    ("general", "Inspection before buying the house"),
];

pub async fn seed_demo(db: &Db) -> Result<DemoCredentials> {
    let business = match businesses::find_by_phone(db, DEMO_PHONE).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => {
            let mut b = NewBusiness {
                name: DEMO_NAME.into(),
                vertical: Some("plumbing".into()),
                phone_number: Some(DEMO_PHONE.into()),
                owner_phone: Some(DEMO_OWNER_PHONE.into()),
                time_zone: Some("America/Chicago".into()),
                language: None,
            }
            .into_business()
            .map_err(|p| StoreError::Invalid(p.join("; ")))?;
            b.closed_dates = vec![chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap_or_default()];
            b.reserve_mornings_for_emergencies = true;
            b.accepts_transfers = true;
            b.service_area = Some("Austin and the surrounding area, within 30 miles".into());
            b.warranty = Some("one year on labor and the manufacturer's warranty on parts".into());
            b.emergency_keywords = vec!["water everywhere".into()];
            businesses::insert(db, &b).await?;
            b
        }
        Err(e) => return Err(e),
    };
    let tenant = business.id.as_str();

    let mut customer_ids = Vec::new();
    for (name, phone, address) in CUSTOMERS {
        let existing = customers::find_by_phone(db, tenant, phone).await?;
        let id = match existing {
            Some(c) => c.id,
            None => {
                customers::create(
                    db,
                    tenant,
                    NewCustomer {
                        name: (*name).into(),
                        phone: Some((*phone).into()),
                        address: Some((*address).into()),
                        tags: vec!["demo".into()],
                        ..Default::default()
                    },
                )
                .await?
                .id
            }
        };
        customer_ids.push(id);
    }

    let (_, existing_appointments) = appointments::list(db, tenant, &Default::default()).await?;
    if existing_appointments == 0 {
        seed_appointments(db, tenant, &business.time_zone, &customer_ids).await?;
    }
    let (_, existing_conversations) = conversations::list(db, tenant, &Default::default()).await?;
    if existing_conversations == 0 {
        seed_conversations(db, tenant, &customer_ids).await?;
    }

    Ok(DemoCredentials {
        business_id: business.id.clone(),
        business_name: business.name.clone(),
        api_key: credentials::rotate(db, tenant, CredentialKind::ApiKey).await?.token,
        owner_token: credentials::rotate(db, tenant, CredentialKind::OwnerToken).await?.token,
        widget_token: credentials::rotate(db, tenant, CredentialKind::WidgetToken).await?.token,
        phone_number: DEMO_PHONE.into(),
    })
}

/// Two jobs a weekday (9:00 and 13:00 local) over the past and next two weeks.
async fn seed_appointments(db: &Db, tenant: &str, time_zone: &str, customers: &[String]) -> Result<()> {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::America::Chicago);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let mut n = 0usize;
    for offset in -14i64..=14 {
        let day = today + Duration::days(offset);
        if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            continue;
        }
        for hour in [9u32, 13] {
            let (service_key, description) = SERVICES[n % SERVICES.len()];
            let local = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default());
            let Some(starts_at) = tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)) else {
                continue;
            };
            let created = appointments::create(
                db,
                tenant,
                NewAppointment {
                    customer_id: customers[n % customers.len()].clone(),
                    starts_at,
                    ends_at: starts_at + Duration::minutes(90),
                    service_key: service_key.into(),
                    description: description.into(),
                    is_emergency: false,
                    source: Some(if n.is_multiple_of(3) { Channel::Voice } else { Channel::Dashboard }),
                    estimated_value: Some(250 + 50 * (n as i64 % 7)),
                    technician_id: None,
                },
            )
            .await?;
            if offset < 0 {
                let patch =
                    appointments::AppointmentPatch { status: Some(AppointmentStatus::Completed), ..Default::default() };
                appointments::update(db, tenant, &created.id, patch).await?;
            }
            n += 1;
        }
    }
    Ok(())
}

/// A past conversation: channel, final intent, lines.
type Script = (ConversationChannel, &'static str, &'static [(Speaker, &'static str)]);

async fn seed_conversations(db: &Db, tenant: &str, customers: &[String]) -> Result<()> {
    let scripts: &[Script] = &[
        (
            ConversationChannel::Voice,
            "book",
            &[
                (Speaker::Agent, "Thanks for calling Acme Plumbing, this is the virtual receptionist. How can I help?"),
                (Speaker::Caller, "Hi, my water heater stopped working this morning."),
                (
                    Speaker::Agent,
                    "Sorry to hear that. I can send someone tomorrow at 9 AM or 1 PM. Which works better?",
                ),
                (Speaker::Caller, "Nine is great."),
                (Speaker::Agent, "You're booked for tomorrow at 9 AM. You'll get a text confirmation shortly."),
            ],
        ),
        (
            ConversationChannel::Sms,
            "question",
            &[
                (Speaker::Caller, "Are you open on Saturday?"),
                (Speaker::Agent, "We're open Monday to Friday, 8 AM to 5 PM. Would you like to book a visit?"),
            ],
        ),
        (
            ConversationChannel::Voice,
            "emergency",
            &[
                (Speaker::Agent, "Thanks for calling Acme Plumbing. How can I help?"),
                (Speaker::Caller, "A pipe burst in my basement and there's water everywhere!"),
                (
                    Speaker::Agent,
                    "That's an emergency. Turn off the main water valve if you can. I'm alerting the owner now.",
                ),
            ],
        ),
    ];
    for (i, (channel, intent, lines)) in scripts.iter().enumerate() {
        let customer = &customers[i % customers.len()];
        let c = conversations::start(db, tenant, *channel, Some(customer), None).await?;
        let mut at = Utc::now() - Duration::days(3 - i as i64);
        for (speaker, text) in lines.iter() {
            conversations::append(db, tenant, &c.id, *speaker, text, super::trunc(at)).await?;
            at += Duration::seconds(6);
        }
        conversations::update_state(db, tenant, &c.id, Some(intent), None, "completed", true).await?;
    }
    Ok(())
}
