//! Twilio telephony: the wire protocols (Media Streams, TwiML, webhook
//! signatures, REST) and the real-time pieces of a call (endpointing, paced
//! outbound audio).
//!
//! Everything in this module except [`rest`] is pure: it does no I/O and takes
//! time as an argument, so the real-time behaviour is tested deterministically.
//! The per-call task that wires these pieces to speech and the assistant lives
//! next to them and is the only place that owns sockets and the (`!Send`) VAD.

pub mod call;
pub mod call_runtime;
pub mod call_token;
pub mod endpointing;
pub mod live;
pub mod media_route;
pub mod metrics;
pub mod pacer;
pub mod ports;
pub mod protocol;
pub mod recordings;
pub mod rest;
pub mod routes;
pub mod sequencing;
pub mod service;
pub mod signature;
pub mod store_adapters;
pub mod twiml;
