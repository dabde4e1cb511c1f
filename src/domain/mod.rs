//! Plain data shared by every layer: the tenant's business profile and the
//! vocabulary of the trade (services, hours, languages, phone numbers).
//!
//! Nothing here performs I/O; the store loads these values and the assistant
//! reasons over them.

mod phone;
mod profile;

pub use phone::normalize_phone;
pub use profile::*;
