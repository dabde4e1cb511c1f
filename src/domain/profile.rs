use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The language a tenant talks to its customers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en_us" => Some(Language::En),
            "es" | "es-us" | "es_us" | "es-mx" => Some(Language::Es),
            _ => None,
        }
    }
}

/// Opening hours of one weekday, in the tenant's local time. `close` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayHours {
    #[schema(value_type = String, example = "08:00")]
    #[serde(with = "hhmm")]
    pub open: NaiveTime,
    #[schema(value_type = String, example = "17:00")]
    #[serde(with = "hhmm")]
    pub close: NaiveTime,
}

/// Opening hours for the week; a missing day is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mon: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tue: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wed: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thu: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fri: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sat: Option<DayHours>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sun: Option<DayHours>,
}

impl WeeklyHours {
    /// Monday to Friday with the same hours, weekends closed.
    pub fn weekdays(open: NaiveTime, close: NaiveTime) -> Self {
        let day = Some(DayHours { open, close });
        WeeklyHours { mon: day, tue: day, wed: day, thu: day, fri: day, sat: None, sun: None }
    }

    pub fn for_weekday(&self, day: Weekday) -> Option<DayHours> {
        match day {
            Weekday::Mon => self.mon,
            Weekday::Tue => self.tue,
            Weekday::Wed => self.wed,
            Weekday::Thu => self.thu,
            Weekday::Fri => self.fri,
            Weekday::Sat => self.sat,
            Weekday::Sun => self.sun,
        }
    }

    /// Every configured day must open before it closes.
    pub fn validate(&self) -> Result<(), String> {
        for day in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun] {
            if let Some(h) = self.for_weekday(day)
                && h.open >= h.close
            {
                return Err(format!("{day}: opening time must be before closing time"));
            }
        }
        Ok(())
    }
}

/// One line of the tenant's service catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceOffering {
    /// Stable machine key, e.g. `water_heater`.
    pub key: String,
    /// Name as spoken to customers, e.g. "water heater repair".
    pub name: String,
    /// How long the job blocks the calendar.
    pub duration_minutes: u32,
    /// Price range quoted to customers, in whole dollars (never a promise).
    pub price_min: u32,
    pub price_max: u32,
    /// Extra words callers use for this service ("boiler", "hot water tank").
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// Everything the assistant and scheduler need to know about a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessProfile {
    pub id: String,
    pub name: String,
    pub vertical: String,
    pub phone_number: Option<String>,
    /// Owner's phone, for alerts and transfers.
    pub owner_phone: Option<String>,
    /// IANA zone name, e.g. `America/Chicago`.
    pub time_zone: chrono_tz::Tz,
    pub hours: WeeklyHours,
    pub closed_dates: Vec<NaiveDate>,
    pub max_jobs_per_day: u32,
    pub reserve_mornings_for_emergencies: bool,
    pub travel_buffer_minutes: u32,
    pub services: Vec<ServiceOffering>,
    pub emergency_keywords: Vec<String>,
    pub language: Language,
    /// Whether "talk to a person" may transfer the live call to `owner_phone`.
    pub accepts_transfers: bool,
    /// Free text the assistant may read out when asked where the business works.
    pub service_area: Option<String>,
    /// Free text the assistant may read out when asked about warranties.
    pub warranty: Option<String>,
}

/// The default catalog for a plumbing business (used by demo data and new tenants).
pub fn default_plumbing_services() -> Vec<ServiceOffering> {
    let s = |key: &str, name: &str, minutes, min, max, kw: &[&str]| ServiceOffering {
        key: key.into(),
        name: name.into(),
        duration_minutes: minutes,
        price_min: min,
        price_max: max,
        keywords: kw.iter().map(|k| k.to_string()).collect(),
    };
    vec![
        s("tankless", "tankless water heater", 240, 2500, 4500, &["tankless", "on demand"]),
        s(
            "water_heater",
            "water heater repair",
            120,
            1500,
            2800,
            &["water heater", "hot water", "boiler", "hot water tank"],
        ),
        s(
            "drain_or_sewer",
            "drain or sewer cleaning",
            90,
            350,
            900,
            &["drain", "clog", "clogged", "sewer", "backed up", "slow drain"],
        ),
        s("sump_pump", "sump pump service", 90, 600, 1500, &["sump", "sump pump", "basement pump"]),
        s("gas_line", "gas line work", 120, 800, 2500, &["gas line", "gas pipe", "gas"]),
        s(
            "fixture_or_leak",
            "leak or fixture repair",
            60,
            150,
            450,
            &["leak", "leaking", "faucet", "toilet", "sink", "drip", "pipe"],
        ),
        s("general", "general plumbing visit", 60, 200, 600, &[]),
    ]
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let raw = String::deserialize(d)?;
        NaiveTime::parse_from_str(&raw, "%H:%M").map_err(|_| D::Error::custom(format!("expected HH:MM, got {raw:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_round_trip_as_hh_mm() {
        let h = WeeklyHours::weekdays(
            NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
        );
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains(r#""mon":{"open":"08:00","close":"17:30"}"#), "{json}");
        assert!(!json.contains("sat"));
        let back: WeeklyHours = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn inverted_hours_are_rejected() {
        let h = WeeklyHours {
            tue: Some(DayHours {
                open: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                close: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            }),
            ..Default::default()
        };
        assert!(h.validate().unwrap_err().contains("Tue"));
    }
}
