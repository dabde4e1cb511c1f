//! Switchboard: a self-hosted AI phone receptionist and CRM for trades businesses.
//!
//! Data flows one way through the crate:
//!
//! ```text
//! transport (http, telephony) -> pipeline -> assistant (pure policy) -> actions -> store
//! ```
//!
//! * [`domain`] holds the plain data every layer agrees on (tenant profile, services, hours).
//! * [`store`] persists tenants and CRM records through sqlx (SQLite or PostgreSQL).
//! * [`speech`] hears and speaks: Whisper STT, Piper TTS, G.711 and resampling.
//! * [`http`] is the axum front door: REST API, webhooks, docs and metrics.
//! * [`app`] wires configuration, state and the server loop together.

pub mod app;
pub mod assistant;
pub mod cli;
pub mod config;
pub mod conversation;
pub mod domain;
pub mod harness;
pub mod http;
pub mod sessions;
pub mod speech;
pub mod store;
pub mod telemetry;
pub mod telephony;
