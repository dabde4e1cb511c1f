//! Switchboard: a self-hosted AI phone receptionist and CRM for trades businesses.
//!
//! Data flows one way through the crate:
//!
//! ```text
//! transport (http, telephony) -> pipeline -> assistant (pure policy) -> actions -> store
//! ```
//!
//! * [`domain`] holds the plain data every layer agrees on (tenant profile, services, hours).
//! * [`assistant`] is the pure, deterministic dialog policy shared by voice, SMS and chat.
//! * [`speech`] turns audio into text and text into audio (Whisper, Piper, G.711).
//! * [`telephony`] speaks Twilio's protocols and runs one pipeline task per call.
//! * [`store`] persists tenants and CRM records through sqlx (SQLite or PostgreSQL).
//! * [`sessions`] keeps conversation state between turns (in memory or Redis).
//! * [`http`] is the axum front door: REST API, webhooks, docs and metrics.

pub mod cli;
pub mod config;
pub mod domain;
pub mod speech;
pub mod telemetry;
pub mod telephony;
