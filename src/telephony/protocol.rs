//! Twilio Media Streams messages, both directions, as typed values.
//!
//! Twilio sends JSON text frames; every number inside them (`sequenceNumber`,
//! `chunk`, `timestamp`) arrives as a *string*. [`parse_inbound`] turns one
//! frame into an [`Inbound`] or a typed [`ProtocolError`]; it never panics, so
//! a hostile or buggy peer can cost us one log line and one counter, never a
//! call. Both directions also serialize exactly as Twilio writes them, which
//! is what the in-repo fake Twilio client uses.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest text frame we parse. Real frames are ~300 bytes (160 bytes of
/// audio in base64 plus envelope); anything near this is an attack or a bug.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;

/// Largest decoded audio payload accepted in one `media` event (1 s of audio).
pub const MAX_PAYLOAD_BYTES: usize = 8000;

/// A non-negative number that Twilio writes as a JSON string (`"42"`).
/// Accepts a JSON number too, and serializes back as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StrNum(pub u64);

impl Serialize for StrNum {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for StrNum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StrNum;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative integer, as a string or a number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StrNum, E> {
                Ok(StrNum(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StrNum, E> {
                u64::try_from(v).map(StrNum).map_err(|_| E::custom("negative number"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StrNum, E> {
                v.parse::<u64>().map(StrNum).map_err(|_| E::custom(format!("{v:?} is not a non-negative integer")))
            }
        }
        d.deserialize_any(V)
    }
}

/// `connected`: the first frame of every stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connected {
    pub protocol: String,
    pub version: String,
}

/// `start`: stream metadata, including our own `<Parameter>`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Start {
    pub sequence_number: StrNum,
    pub start: StartMeta,
    pub stream_sid: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartMeta {
    pub stream_sid: String,
    pub account_sid: String,
    pub call_sid: String,
    #[serde(default)]
    pub tracks: Vec<String>,
    /// The `<Parameter>` values from our TwiML (Twilio drops query strings).
    #[serde(default)]
    pub custom_parameters: BTreeMap<String, String>,
    pub media_format: MediaFormat,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaFormat {
    pub encoding: String,
    pub sample_rate: StrNum,
    pub channels: StrNum,
}

impl MediaFormat {
    /// The only format Twilio sends on a phone call: 8 kHz mono G.711 mu-law.
    pub fn is_mulaw_8k_mono(&self) -> bool {
        self.encoding == "audio/x-mulaw" && self.sample_rate.0 == 8000 && self.channels.0 == 1
    }
}

/// `media`: one chunk (normally 20 ms) of base64 mu-law from the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Media {
    pub sequence_number: StrNum,
    pub media: MediaChunk,
    pub stream_sid: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaChunk {
    pub track: String,
    pub chunk: StrNum,
    /// Milliseconds since the start of the stream.
    pub timestamp: StrNum,
    pub payload: String,
}

impl MediaChunk {
    /// Decodes the base64 payload into raw mu-law bytes.
    pub fn decode_payload(&self) -> Result<Vec<u8>, ProtocolError> {
        decode_audio(&self.payload, "media")
    }
}

/// `dtmf`: a key the caller pressed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dtmf {
    pub stream_sid: String,
    pub sequence_number: StrNum,
    pub dtmf: DtmfDigit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DtmfDigit {
    pub track: String,
    pub digit: String,
}

/// `mark`: Twilio echoing one of our marks once the audio before it played.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkEcho {
    pub sequence_number: StrNum,
    pub stream_sid: String,
    pub mark: MarkName,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkName {
    pub name: String,
}

/// `stop`: the stream (and normally the call) is over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stop {
    pub sequence_number: StrNum,
    pub stop: StopMeta,
    pub stream_sid: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StopMeta {
    pub account_sid: String,
    pub call_sid: String,
}

/// Every message Twilio sends us.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Inbound {
    Connected(Connected),
    Start(Start),
    Media(Media),
    Dtmf(Dtmf),
    Mark(MarkEcho),
    Stop(Stop),
}

impl Inbound {
    pub fn name(&self) -> &'static str {
        match self {
            Inbound::Connected(_) => "connected",
            Inbound::Start(_) => "start",
            Inbound::Media(_) => "media",
            Inbound::Dtmf(_) => "dtmf",
            Inbound::Mark(_) => "mark",
            Inbound::Stop(_) => "stop",
        }
    }

    /// `sequenceNumber`, present on everything except `connected`.
    pub fn sequence_number(&self) -> Option<u64> {
        match self {
            Inbound::Connected(_) => None,
            Inbound::Start(m) => Some(m.sequence_number.0),
            Inbound::Media(m) => Some(m.sequence_number.0),
            Inbound::Dtmf(m) => Some(m.sequence_number.0),
            Inbound::Mark(m) => Some(m.sequence_number.0),
            Inbound::Stop(m) => Some(m.sequence_number.0),
        }
    }

    /// `streamSid`, present on everything except `connected`.
    pub fn stream_sid(&self) -> Option<&str> {
        match self {
            Inbound::Connected(_) => None,
            Inbound::Start(m) => Some(&m.stream_sid),
            Inbound::Media(m) => Some(&m.stream_sid),
            Inbound::Dtmf(m) => Some(&m.stream_sid),
            Inbound::Mark(m) => Some(&m.stream_sid),
            Inbound::Stop(m) => Some(&m.stream_sid),
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Every message we send Twilio (only valid on a bidirectional
/// `<Connect><Stream>`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Outbound {
    /// Raw 8 kHz mu-law, base64, no file header.
    Media {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        media: OutboundPayload,
    },
    /// Echoed back by Twilio when everything queued before it has played.
    Mark {
        #[serde(rename = "streamSid")]
        stream_sid: String,
        mark: MarkName,
    },
    /// Drops Twilio's playback buffer (barge-in); pending marks are echoed.
    Clear {
        #[serde(rename = "streamSid")]
        stream_sid: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundPayload {
    pub payload: String,
}

impl Outbound {
    pub fn media(stream_sid: &str, mulaw: &[u8]) -> Self {
        Outbound::Media { stream_sid: stream_sid.to_string(), media: OutboundPayload { payload: B64.encode(mulaw) } }
    }

    pub fn mark(stream_sid: &str, name: &str) -> Self {
        Outbound::Mark { stream_sid: stream_sid.to_string(), mark: MarkName { name: name.to_string() } }
    }

    pub fn clear(stream_sid: &str) -> Self {
        Outbound::Clear { stream_sid: stream_sid.to_string() }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Outbound::Media { .. } => "media",
            Outbound::Mark { .. } => "mark",
            Outbound::Clear { .. } => "clear",
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Why a frame was refused. Each variant is a metrics label via [`ProtocolError::kind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("message of {0} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge(usize),
    #[error("binary WebSocket frames are not part of the Media Streams protocol")]
    Binary,
    #[error("not a JSON object with a string \"event\" field: {0}")]
    NotAnEvent(String),
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("malformed {event} event: {detail}")]
    Malformed { event: String, detail: String },
}

impl ProtocolError {
    pub fn kind(&self) -> &'static str {
        match self {
            ProtocolError::TooLarge(_) => "too_large",
            ProtocolError::Binary => "binary",
            ProtocolError::NotAnEvent(_) => "not_an_event",
            ProtocolError::UnknownEvent(_) => "unknown_event",
            ProtocolError::Malformed { .. } => "malformed",
        }
    }

    fn malformed(event: &str, detail: impl fmt::Display) -> Self {
        ProtocolError::Malformed { event: event.to_string(), detail: truncate(&detail.to_string(), 200) }
    }
}

const INBOUND_EVENTS: &[&str] = &["connected", "start", "media", "dtmf", "mark", "stop"];
const OUTBOUND_EVENTS: &[&str] = &["media", "mark", "clear"];

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    event: std::borrow::Cow<'a, str>,
}

/// Reads the `event` name, checking size first so a huge frame is never parsed.
fn envelope_event(text: &str, known: &[&'static str]) -> Result<&'static str, ProtocolError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ProtocolError::TooLarge(text.len()));
    }
    let envelope: Envelope<'_> =
        serde_json::from_str(text).map_err(|e| ProtocolError::NotAnEvent(truncate(&e.to_string(), 200)))?;
    known
        .iter()
        .find(|k| **k == envelope.event)
        .copied()
        .ok_or_else(|| ProtocolError::UnknownEvent(truncate(&envelope.event, 64)))
}

/// Parses and validates one text frame from Twilio.
pub fn parse_inbound(text: &str) -> Result<Inbound, ProtocolError> {
    let event = envelope_event(text, INBOUND_EVENTS)?;
    let message: Inbound = serde_json::from_str(text).map_err(|e| ProtocolError::malformed(event, e))?;
    validate_inbound(&message)?;
    Ok(message)
}

/// Parses one frame we (or a server under test) would send to Twilio.
pub fn parse_outbound(text: &str) -> Result<Outbound, ProtocolError> {
    let event = envelope_event(text, OUTBOUND_EVENTS)?;
    let message: Outbound = serde_json::from_str(text).map_err(|e| ProtocolError::malformed(event, e))?;
    match &message {
        Outbound::Media { stream_sid, media } => {
            require_sid(event, stream_sid)?;
            decode_audio(&media.payload, event)?;
        }
        Outbound::Mark { stream_sid, mark } => {
            require_sid(event, stream_sid)?;
            require_mark_name(&mark.name)?;
        }
        Outbound::Clear { stream_sid } => require_sid(event, stream_sid)?,
    }
    Ok(message)
}

/// Checks what serde cannot: non-empty ids, a sane payload, a real DTMF key.
fn validate_inbound(message: &Inbound) -> Result<(), ProtocolError> {
    let event = message.name();
    if let Some(sid) = message.stream_sid() {
        require_sid(event, sid)?;
    }
    match message {
        Inbound::Start(m) => {
            if m.start.stream_sid != m.stream_sid {
                return Err(ProtocolError::malformed(event, "start.streamSid differs from streamSid"));
            }
            if m.start.call_sid.is_empty() {
                return Err(ProtocolError::malformed(event, "empty callSid"));
            }
        }
        Inbound::Media(m) => {
            decode_audio(&m.media.payload, event)?;
        }
        Inbound::Dtmf(m) => {
            let digit = m.dtmf.digit.as_str();
            let valid = digit.len() == 1 && digit.chars().all(|c| c.is_ascii_digit() || "*#ABCD".contains(c));
            if !valid {
                return Err(ProtocolError::malformed(event, format!("{:?} is not a DTMF key", truncate(digit, 16))));
            }
        }
        Inbound::Mark(m) => require_mark_name(&m.mark.name)?,
        Inbound::Connected(_) | Inbound::Stop(_) => {}
    }
    Ok(())
}

fn require_sid(event: &str, sid: &str) -> Result<(), ProtocolError> {
    if sid.is_empty() || sid.len() > 64 {
        return Err(ProtocolError::malformed(event, "streamSid must be 1-64 characters"));
    }
    Ok(())
}

fn require_mark_name(name: &str) -> Result<(), ProtocolError> {
    if name.is_empty() || name.len() > 128 {
        return Err(ProtocolError::malformed("mark", "mark name must be 1-128 characters"));
    }
    Ok(())
}

fn decode_audio(payload: &str, event: &str) -> Result<Vec<u8>, ProtocolError> {
    let bytes = B64.decode(payload).map_err(|e| ProtocolError::malformed(event, format!("payload: {e}")))?;
    if bytes.is_empty() || bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(ProtocolError::malformed(
            event,
            format!("payload of {} bytes (expected 1-{MAX_PAYLOAD_BYTES})", bytes.len()),
        ));
    }
    Ok(bytes)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
