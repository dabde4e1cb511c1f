//! Plain data shared by every layer: the tenant's business profile and the
//! vocabulary of the trade (services, hours, languages).
//!
//! Nothing here performs I/O; the store loads these values and the assistant
//! reasons over them.

mod profile;

pub use profile::*;
