//! The HTTP API through a real socket, on SQLite and on PostgreSQL.

#[path = "../support/mod.rs"]
mod support;

mod appointments;
mod auth;
mod cli;
mod customers;
mod isolation;
mod platform;
mod recordings;
mod sessions;
