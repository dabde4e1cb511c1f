//! Twilio's side of a Media Stream: a client that speaks the protocol exactly.
//!
//! Used by the load/latency harness (many simulated callers against a real
//! server) and by the telephony integration tests (through
//! `tests/support/fake_media_client.rs`).
//!
//! It signs the WebSocket upgrade (`X-Twilio-Signature` over the `wss://`
//! URL), sends `connected` and `start` (with `customParameters`), streams the
//! caller's audio as 20 ms `media` events at real-time pace (or as fast as
//! possible when a test does not depend on timing), and plays what the server
//! sends like Twilio does: outbound `media` goes into a playback buffer that
//! drains at 20 ms per frame, a `mark` is echoed once the audio queued before
//! it has played, `clear` empties the buffer and echoes the pending marks at
//! once. Everything received is recorded with its arrival time.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::telephony::protocol::{
    Connected, Dtmf, DtmfDigit, Inbound, MarkEcho, MarkName, Media, MediaChunk, MediaFormat, Outbound, Start,
    StartMeta, Stop, StopMeta, StrNum, parse_outbound,
};

pub const FRAME_BYTES: usize = 160;
const FRAME: Duration = Duration::from_millis(20);

/// How fast caller audio is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    RealTime,
    Fast,
}

/// Everything the server sent, as the fake Twilio experienced it.
#[derive(Debug, Default, Clone)]
pub struct Received {
    /// Outbound audio frames in arrival order.
    pub media: Vec<(Instant, Vec<u8>)>,
    /// Audio actually played to the "caller" (cleared audio is not here).
    pub played: Vec<u8>,
    pub marks: Vec<(Instant, String)>,
    pub echoed_marks: Vec<(Instant, String)>,
    pub clears: Vec<Instant>,
    /// Frames the server sent that did not parse as Twilio messages.
    pub invalid: Vec<String>,
    pub closed: bool,
    /// Audio frames queued for playback right now (0: the caller hears silence).
    pub queued_frames: usize,
}

impl Received {
    pub fn first_media_at(&self) -> Option<Instant> {
        self.media.first().map(|(t, _)| *t)
    }
}

enum Buffered {
    Audio(Vec<u8>),
    Mark(String),
}

pub struct FakeTwilioCall {
    out: mpsc::UnboundedSender<Message>,
    received: Arc<Mutex<Received>>,
    sequence: Arc<AtomicU64>,
    chunk: u64,
    pub stream_sid: String,
    pub call_sid: String,
    pub account_sid: String,
    pub started_at: Instant,
}

impl FakeTwilioCall {
    /// Opens the WebSocket, sending `signature` as `X-Twilio-Signature`.
    /// An `Err` is a refused upgrade (e.g. HTTP 403).
    pub async fn connect(
        ws_url: &str,
        signature: Option<&str>,
        call_sid: &str,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let mut request = ws_url.into_client_request()?;
        if let Some(sig) = signature {
            let value =
                HeaderValue::from_str(sig).map_err(|e| tokio_tungstenite::tungstenite::Error::HttpFormat(e.into()))?;
            request.headers_mut().insert("X-Twilio-Signature", value);
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        let (mut sink, stream) = socket.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(message) = out_rx.recv().await {
                let closing = matches!(message, Message::Close(_));
                if sink.send(message).await.is_err() || closing {
                    break;
                }
            }
        });
        let received = Arc::new(Mutex::new(Received::default()));
        let sequence = Arc::new(AtomicU64::new(0));
        let stream_sid = format!("MZ{:032x}", rand_id());
        let account_sid = "AC0123456789abcdef0123456789abcdef".to_string();
        tokio::spawn(play(Arc::clone(&received), out.clone(), Arc::clone(&sequence), stream_sid.clone(), stream));
        Ok(FakeTwilioCall {
            out,
            received,
            sequence,
            chunk: 0,
            stream_sid,
            call_sid: call_sid.to_string(),
            account_sid,
            started_at: Instant::now(),
        })
    }

    fn next_seq(&self) -> StrNum {
        StrNum(self.sequence.fetch_add(1, Ordering::SeqCst) + 1)
    }

    pub fn send(&self, message: &Inbound) {
        let _ = self.out.send(Message::text(message.to_json()));
    }

    pub fn send_raw(&self, text: &str) {
        let _ = self.out.send(Message::text(text.to_string()));
    }

    pub fn send_binary(&self, bytes: Vec<u8>) {
        let _ = self.out.send(Message::binary(bytes));
    }

    /// `connected` then `start` with our `<Parameter>`s.
    pub fn start(&mut self, custom_parameters: &[(&str, &str)]) {
        self.send(&Inbound::Connected(Connected { protocol: "Call".into(), version: "1.0.0".into() }));
        // Twilio numbers `connected` implicitly; `start` is sequence 1.
        let start = Inbound::Start(Start {
            sequence_number: self.next_seq(),
            start: StartMeta {
                stream_sid: self.stream_sid.clone(),
                account_sid: self.account_sid.clone(),
                call_sid: self.call_sid.clone(),
                tracks: vec!["inbound".into()],
                custom_parameters: custom_parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                media_format: MediaFormat {
                    encoding: "audio/x-mulaw".into(),
                    sample_rate: StrNum(8000),
                    channels: StrNum(1),
                },
            },
            stream_sid: self.stream_sid.clone(),
        });
        self.started_at = Instant::now();
        self.send(&start);
    }

    /// Streams caller audio (8 kHz mu-law) as 20 ms `media` events.
    pub async fn send_audio(&mut self, mulaw: &[u8], pace: Pace) {
        let mut next = Instant::now();
        for frame in mulaw.chunks(FRAME_BYTES) {
            self.send_frame(frame);
            if pace == Pace::RealTime {
                next += FRAME;
                tokio::time::sleep_until(next).await;
            }
        }
    }

    /// Sends one 20 ms `media` event (padded with mu-law silence if short).
    pub fn send_frame(&mut self, frame: &[u8]) {
        self.skip_frame();
        let mut bytes = frame.to_vec();
        bytes.resize(FRAME_BYTES, 0xff);
        let media = Inbound::Media(Media {
            sequence_number: self.next_seq(),
            media: MediaChunk {
                track: "inbound".into(),
                chunk: StrNum(self.chunk),
                timestamp: StrNum((self.chunk - 1) * 20),
                payload: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &bytes),
            },
            stream_sid: self.stream_sid.clone(),
        });
        self.send(&media);
    }

    /// Accounts for a frame lost on the way: its chunk number and timestamp
    /// are used up, so the next frame shows the gap as Twilio's would.
    pub fn skip_frame(&mut self) {
        self.chunk += 1;
    }

    pub async fn send_silence(&mut self, duration: Duration, pace: Pace) {
        let frames = (duration.as_millis() / 20) as usize;
        self.send_audio(&vec![0xff; frames * FRAME_BYTES], pace).await;
    }

    pub fn send_dtmf(&self, digit: &str) {
        self.send(&Inbound::Dtmf(Dtmf {
            stream_sid: self.stream_sid.clone(),
            sequence_number: self.next_seq(),
            dtmf: DtmfDigit { track: "inbound_track".into(), digit: digit.into() },
        }));
    }

    pub fn stop(&self) {
        self.send(&Inbound::Stop(Stop {
            sequence_number: self.next_seq(),
            stop: StopMeta { account_sid: self.account_sid.clone(), call_sid: self.call_sid.clone() },
            stream_sid: self.stream_sid.clone(),
        }));
    }

    pub fn close(&self) {
        let _ = self.out.send(Message::Close(None));
    }

    pub fn received(&self) -> Received {
        lock(&self.received).clone()
    }

    /// Reads what was received without copying it.
    pub fn inspect<T>(&self, f: impl FnOnce(&Received) -> T) -> T {
        f(&lock(&self.received))
    }

    /// Waits until `condition` holds on what was received; `Err` (with the
    /// last snapshot) after `timeout`.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        condition: impl Fn(&Received) -> bool,
    ) -> Result<Received, Box<Received>> {
        let deadline = Instant::now() + timeout;
        loop {
            let snapshot = self.received();
            if condition(&snapshot) {
                return Ok(snapshot);
            }
            if Instant::now() >= deadline {
                return Err(Box::new(snapshot));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Reads server messages and plays them out like Twilio's media server.
type WsStream = futures_util::stream::SplitStream<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
>;

async fn play(
    received: Arc<Mutex<Received>>,
    out: mpsc::UnboundedSender<Message>,
    sequence: Arc<AtomicU64>,
    stream_sid: String,
    mut stream: WsStream,
) {
    let mut buffer: VecDeque<Buffered> = VecDeque::new();
    let mut tick = tokio::time::interval(FRAME);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let echo = |name: String| {
        let seq = StrNum(sequence.fetch_add(1, Ordering::SeqCst) + 1);
        let message = Inbound::Mark(MarkEcho {
            sequence_number: seq,
            stream_sid: stream_sid.clone(),
            mark: MarkName { name: name.clone() },
        });
        let _ = out.send(Message::text(message.to_json()));
        lock(&received).echoed_marks.push((Instant::now(), name));
    };
    loop {
        tokio::select! {
            message = stream.next() => {
                let now = Instant::now();
                let text = match message {
                    Some(Ok(Message::Text(text))) => text.to_string(),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                match parse_outbound(&text) {
                    Ok(Outbound::Media { media, .. }) => {
                        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &media.payload).unwrap_or_default();
                        lock(&received).media.push((now, bytes.clone()));
                        buffer.push_back(Buffered::Audio(bytes));
                    }
                    Ok(Outbound::Mark { mark, .. }) => {
                        lock(&received).marks.push((now, mark.name.clone()));
                        buffer.push_back(Buffered::Mark(mark.name));
                    }
                    Ok(Outbound::Clear { .. }) => {
                        lock(&received).clears.push(now);
                        for item in buffer.drain(..) {
                            if let Buffered::Mark(name) = item {
                                echo(name);
                            }
                        }
                    }
                    Err(e) => lock(&received).invalid.push(format!("{e}: {text}")),
                }
            }
            _ = tick.tick() => {
                // Marks at the head have had all audio before them played.
                while let Some(Buffered::Mark(_)) = buffer.front() {
                    if let Some(Buffered::Mark(name)) = buffer.pop_front() {
                        echo(name);
                    }
                }
                if let Some(Buffered::Audio(_)) = buffer.front()
                    && let Some(Buffered::Audio(bytes)) = buffer.pop_front()
                {
                    lock(&received).played.extend_from_slice(&bytes);
                }
            }
        }
        let queued = buffer.iter().filter(|item| matches!(item, Buffered::Audio(_))).count();
        lock(&received).queued_frames = queued;
    }
    lock(&received).closed = true;
}

/// A poisoned lock only means another task panicked mid-update; the
/// recorded data is still the best we have.
fn lock(received: &Mutex<Received>) -> std::sync::MutexGuard<'_, Received> {
    received.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn rand_id() -> u128 {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    nanos ^ (u128::from(COUNTER.fetch_add(1, Ordering::SeqCst)) << 100)
}
