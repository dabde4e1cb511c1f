//! The conversation channels (executor, SMS webhook, web chat) against a real
//! database and a real server socket.

#[path = "../support/mod.rs"]
mod support;

mod executor;
mod fixture;
mod scenarios;
mod sms;
mod widget;
