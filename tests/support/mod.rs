//! Test support shared by the integration tests: fakes of Twilio that speak
//! its real wire formats.
#![allow(dead_code)]

pub mod call_harness;
pub mod fake_media_client;
pub mod fake_twilio_rest;
