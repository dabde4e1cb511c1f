//! The fake Twilio Media Streams client for tests: the harness's
//! [`switchboard::harness::media_client`], with a `wait_for` that fails the
//! test on timeout.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

// Not every test binary uses every name.
#[allow(unused_imports)]
pub use switchboard::harness::media_client::{FRAME_BYTES, Pace, Received};

pub struct FakeTwilioCall(switchboard::harness::media_client::FakeTwilioCall);

impl FakeTwilioCall {
    pub async fn connect(
        ws_url: &str,
        signature: Option<&str>,
        call_sid: &str,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        switchboard::harness::media_client::FakeTwilioCall::connect(ws_url, signature, call_sid).await.map(Self)
    }

    /// Waits until `condition` holds on what was received, or panics after `timeout`.
    pub async fn wait_for(&self, what: &str, timeout: Duration, condition: impl Fn(&Received) -> bool) -> Received {
        match self.0.wait_until(timeout, condition).await {
            Ok(received) => received,
            Err(snapshot) => panic!(
                "timed out after {timeout:?} waiting for {what}: media {} marks {:?} echoed {} clears {} closed {} invalid {:?}",
                snapshot.media.len(),
                snapshot.marks.iter().map(|(_, m)| m).collect::<Vec<_>>(),
                snapshot.echoed_marks.len(),
                snapshot.clears.len(),
                snapshot.closed,
                snapshot.invalid
            ),
        }
    }
}

impl Deref for FakeTwilioCall {
    type Target = switchboard::harness::media_client::FakeTwilioCall;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for FakeTwilioCall {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}
