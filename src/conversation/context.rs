//! Everything the assistant may read for a turn, loaded fresh from the store
//! each turn (never cached in the session: a booking made by someone else
//! in between must be visible).

use chrono::{DateTime, Duration, Utc};

use super::Result;
use crate::assistant::{BusyInterval, Caller, Channel, Context, KnownCustomer, UpcomingAppointment};
use crate::domain::BusinessProfile;
use crate::store::appointments::{self, AppointmentQuery};
use crate::store::customers::{self, Customer};
use crate::store::{Db, businesses};

/// How far ahead the calendar is read for slot search.
const CALENDAR_DAYS: i64 = 100;

pub struct Loaded {
    pub profile: BusinessProfile,
    pub customer: Option<Customer>,
    pub upcoming: Vec<UpcomingAppointment>,
    pub calendar: Vec<BusyInterval>,
}

/// Loads the tenant profile, the caller (by caller ID, or by a number typed
/// into web chat) with their upcoming appointments, and the calendar.
pub async fn load(
    db: &Db,
    tenant: &str,
    caller_phone: Option<&str>,
    typed_phone: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Loaded> {
    let profile = businesses::get(db, tenant).await?.profile()?;
    let phone = caller_phone.or(typed_phone);
    let customer = match phone {
        Some(p) => customers::find_by_phone(db, tenant, p).await?,
        None => None,
    };
    let mut upcoming = Vec::new();
    if let Some(c) = &customer {
        let q = AppointmentQuery {
            customer_id: Some(c.id.clone()),
            from: Some(now),
            limit: Some(50),
            ..Default::default()
        };
        let (rows, _) = appointments::list(db, tenant, &q).await?;
        upcoming = rows
            .into_iter()
            .filter(|a| a.status.blocks_calendar())
            .map(|a| UpcomingAppointment {
                id: a.id,
                start: a.starts_at,
                end: a.ends_at,
                service_key: Some(a.service_key),
                emergency: a.is_emergency,
            })
            .collect();
    }
    let busy =
        appointments::busy_between(db, tenant, now - Duration::days(1), now + Duration::days(CALENDAR_DAYS)).await?;
    let calendar = busy
        .into_iter()
        .map(|a| BusyInterval { start: a.starts_at, end: a.ends_at, counts_as_job: true, appointment_id: Some(a.id) })
        .collect();
    Ok(Loaded { profile, customer, upcoming, calendar })
}

impl Loaded {
    pub fn context(&self, now: DateTime<Utc>, channel: Channel, caller_phone: Option<&str>) -> Context<'_> {
        Context {
            profile: &self.profile,
            now,
            channel,
            caller: Caller {
                phone: caller_phone.map(str::to_string),
                customer: self.customer.as_ref().map(|c| KnownCustomer {
                    id: c.id.clone(),
                    name: Some(c.name.clone()).filter(|n| !n.is_empty() && Some(n) != c.phone.as_ref()),
                    address: c.address.clone(),
                }),
                upcoming: self.upcoming.clone(),
            },
            calendar: &self.calendar,
        }
    }
}
