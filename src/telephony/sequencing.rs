//! Order checks for an inbound Media Streams session.
//!
//! Twilio's order is fixed: `connected`, `start`, then any number of
//! `media`/`dtmf`/`mark`, then `stop`. A message that breaks it (media before
//! `start`, a second `start`, anything after `stop`, a foreign `streamSid`, a
//! `sequenceNumber` that goes backwards) is reported as a [`SequenceError`]
//! so the call task can drop *that message* and count it, and carry on.
//! Lost media chunks (gaps in `chunk`) are counted, not fatal: the caller's
//! audio simply has a hole.

use super::protocol::Inbound;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    AwaitingConnected,
    AwaitingStart,
    Streaming,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    #[error("{event} is not expected while {phase:?}")]
    Unexpected { event: &'static str, phase: Phase },
    #[error("{event} carries streamSid {got:?}, this stream is {expected:?}")]
    ForeignStream { event: &'static str, got: String, expected: String },
    #[error("{event} sequenceNumber {got} does not follow {last}")]
    OutOfOrder { event: &'static str, got: u64, last: u64 },
}

impl SequenceError {
    pub fn kind(&self) -> &'static str {
        match self {
            SequenceError::Unexpected { .. } => "unexpected",
            SequenceError::ForeignStream { .. } => "foreign_stream",
            SequenceError::OutOfOrder { .. } => "out_of_order",
        }
    }
}

/// Tracks one stream's phase, ids and counters.
#[derive(Debug, Clone)]
pub struct StreamSequencer {
    phase: Phase,
    stream_sid: Option<String>,
    last_sequence: u64,
    last_chunk: Option<u64>,
    /// Media chunks Twilio numbered but we never received.
    pub lost_chunks: u64,
}

impl Default for StreamSequencer {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamSequencer {
    pub fn new() -> Self {
        StreamSequencer {
            phase: Phase::AwaitingConnected,
            stream_sid: None,
            last_sequence: 0,
            last_chunk: None,
            lost_chunks: 0,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Accepts `message` (advancing the phase) or says why it must be dropped.
    pub fn accept(&mut self, message: &Inbound) -> Result<(), SequenceError> {
        let event = message.name();
        let allowed = match (self.phase, message) {
            (Phase::AwaitingConnected, Inbound::Connected(_)) => true,
            // Tolerate a missing `connected`: it carries nothing we need.
            (Phase::AwaitingConnected | Phase::AwaitingStart, Inbound::Start(_)) => true,
            (Phase::Streaming, Inbound::Media(_) | Inbound::Dtmf(_) | Inbound::Mark(_) | Inbound::Stop(_)) => true,
            _ => false,
        };
        if !allowed {
            return Err(SequenceError::Unexpected { event, phase: self.phase });
        }
        if let (Some(expected), Some(got)) = (&self.stream_sid, message.stream_sid())
            && expected != got
        {
            return Err(SequenceError::ForeignStream { event, got: got.to_string(), expected: expected.clone() });
        }
        if let Some(seq) = message.sequence_number() {
            if self.phase == Phase::Streaming && seq <= self.last_sequence {
                return Err(SequenceError::OutOfOrder { event, got: seq, last: self.last_sequence });
            }
            self.last_sequence = seq;
        }
        match message {
            Inbound::Connected(_) => self.phase = Phase::AwaitingStart,
            Inbound::Start(s) => {
                self.stream_sid = Some(s.stream_sid.clone());
                self.phase = Phase::Streaming;
            }
            Inbound::Media(m) => {
                let chunk = m.media.chunk.0;
                if let Some(last) = self.last_chunk
                    && chunk > last + 1
                {
                    self.lost_chunks += chunk - last - 1;
                }
                self.last_chunk = Some(chunk);
            }
            Inbound::Stop(_) => self.phase = Phase::Stopped,
            Inbound::Dtmf(_) | Inbound::Mark(_) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::protocol::parse_inbound;

    fn msg(text: &str) -> Inbound {
        parse_inbound(text).unwrap()
    }

    fn media(seq: u64, chunk: u64, sid: &str) -> Inbound {
        msg(&format!(
            r#"{{"event":"media","sequenceNumber":"{seq}","media":{{"track":"inbound","chunk":"{chunk}","timestamp":"0","payload":"/w=="}},"streamSid":"{sid}"}}"#
        ))
    }

    fn start(sid: &str) -> Inbound {
        msg(&format!(
            r#"{{"event":"start","sequenceNumber":"1","start":{{"accountSid":"AC1","streamSid":"{sid}","callSid":"CA1","tracks":["inbound"],"mediaFormat":{{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}},"streamSid":"{sid}"}}"#
        ))
    }

    const CONNECTED: &str = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#;

    #[test]
    fn normal_order_is_accepted_and_gaps_counted() {
        let mut s = StreamSequencer::new();
        s.accept(&msg(CONNECTED)).unwrap();
        s.accept(&start("MZ1")).unwrap();
        s.accept(&media(2, 1, "MZ1")).unwrap();
        s.accept(&media(3, 2, "MZ1")).unwrap();
        s.accept(&media(6, 5, "MZ1")).unwrap();
        assert_eq!(s.lost_chunks, 2);
        s.accept(&msg(
            r#"{"event":"stop","sequenceNumber":"7","stop":{"accountSid":"AC1","callSid":"CA1"},"streamSid":"MZ1"}"#,
        ))
        .unwrap();
        assert_eq!(s.phase(), Phase::Stopped);
    }

    #[test]
    fn media_before_start_is_unexpected() {
        let mut s = StreamSequencer::new();
        s.accept(&msg(CONNECTED)).unwrap();
        assert_eq!(s.accept(&media(2, 1, "MZ1")).unwrap_err().kind(), "unexpected");
        assert_eq!(s.accept(&msg(CONNECTED)).unwrap_err().kind(), "unexpected");
        s.accept(&start("MZ1")).unwrap();
        assert_eq!(s.accept(&start("MZ1")).unwrap_err().kind(), "unexpected");
    }

    #[test]
    fn replayed_or_foreign_messages_are_dropped_without_losing_the_stream() {
        let mut s = StreamSequencer::new();
        s.accept(&start("MZ1")).unwrap();
        s.accept(&media(5, 4, "MZ1")).unwrap();
        assert_eq!(s.accept(&media(5, 4, "MZ1")).unwrap_err().kind(), "out_of_order");
        assert_eq!(s.accept(&media(3, 2, "MZ1")).unwrap_err().kind(), "out_of_order");
        assert_eq!(s.accept(&media(9, 5, "MZother")).unwrap_err().kind(), "foreign_stream");
        s.accept(&media(6, 5, "MZ1")).unwrap();
        assert_eq!(s.phase(), Phase::Streaming);
    }
}
