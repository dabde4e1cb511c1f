//! One caller turn, off the call's hot loop: transcript (or the speculative
//! one) -> policy -> reply audio sentence by sentence. Every step reports
//! back through [`JobEvent`]s tagged with the turn number, so the call loop
//! can ignore a turn it has abandoned; aborting the task (barge-in) drops the
//! TTS stream, which stops the remaining synthesis.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::speech::SpeechError;
use crate::speech::codec;
use crate::speech::stt::{SpeechToText, SttOptions, Transcript, Utterance};
use crate::speech::tts::{AudioFormat, ChunkAudio, TextToSpeech};
use crate::telephony::ports::{CallBrain, CallerInput, Reply};

pub(super) type SttResult = Result<Transcript, SpeechError>;

pub(super) enum TurnSource {
    /// `voiced_ms`: how much of it the VAD judged to be speech.
    Speech {
        audio: Vec<i16>,
        voiced_ms: u32,
        speculation: Option<oneshot::Receiver<SttResult>>,
    },
    Dtmf(char),
    Silence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Stt,
    Policy,
    Tts,
}

#[derive(Debug)]
pub(super) enum JobEvent {
    Transcribed { turn: u32, text: String, speculative: bool, at: Instant },
    Replied { turn: u32, reply: Reply, at: Instant },
    Sentence { turn: u32, text: String, audio: Vec<u8>, at: Instant },
    Done { turn: u32 },
    Failed { turn: u32, stage: Stage, error: String },
}

pub(super) struct TurnContext {
    pub turn: u32,
    pub stt: Arc<dyn SpeechToText>,
    pub tts: Arc<dyn TextToSpeech>,
    pub brain: Arc<dyn CallBrain>,
    pub stt_prompt: Option<String>,
    pub events: mpsc::UnboundedSender<JobEvent>,
}

/// Starts transcribing `audio` now; the receiver gets the result.
pub(super) fn transcribe_in_background(
    stt: Arc<dyn SpeechToText>,
    audio: &[i16],
    prompt: Option<String>,
) -> (oneshot::Receiver<SttResult>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = oneshot::channel();
    let mulaw = codec::encode(audio);
    let handle = tokio::task::spawn_local(async move {
        let result = stt
            .transcribe(Utterance::MuLaw8k(mulaw), SttOptions { initial_prompt: prompt, ..Default::default() })
            .await;
        let _ = tx.send(result);
    });
    (rx, handle)
}

pub(super) async fn run(ctx: TurnContext, source: TurnSource) {
    let turn = ctx.turn;
    let send = |event| {
        let _ = ctx.events.send(event);
    };
    let input = match source {
        TurnSource::Dtmf(digit) => CallerInput::Dtmf(digit),
        TurnSource::Silence => CallerInput::Silence,
        TurnSource::Speech { audio, voiced_ms, speculation } => {
            let mut speculative = false;
            let mut result = None;
            if let Some(rx) = speculation
                && let Ok(r) = rx.await
            {
                speculative = true;
                result = Some(r);
            }
            let mut result = match result {
                Some(r) => r,
                None => transcribe(&ctx, &audio, false).await,
            };
            // Real speech heard as nothing: one more try with a wide window
            // rather than leaving the caller in silence until the no-input
            // prompt.
            if voiced_ms >= RETRY_MIN_VOICED_MS && result.as_ref().is_ok_and(|t| clean_transcript(&t.text).is_empty()) {
                tracing::debug!(voiced_ms, "speech transcribed as nothing; retrying with a wide window");
                result = transcribe(&ctx, &audio, true).await;
            }
            match result {
                Ok(t) => {
                    let text = clean_transcript(&t.text);
                    send(JobEvent::Transcribed { turn, text: text.clone(), speculative, at: Instant::now() });
                    if text.is_empty() {
                        return;
                    }
                    CallerInput::Speech(text)
                }
                Err(e) => return send(JobEvent::Failed { turn, stage: Stage::Stt, error: e.to_string() }),
            }
        }
    };
    let reply = match ctx.brain.respond(input).await {
        Ok(reply) => reply,
        Err(error) => return send(JobEvent::Failed { turn, stage: Stage::Policy, error }),
    };
    let text = reply.text.trim().to_string();
    send(JobEvent::Replied { turn, reply, at: Instant::now() });
    if text.is_empty() {
        return send(JobEvent::Done { turn });
    }
    let mut stream = match ctx.tts.stream(&text, AudioFormat::MuLaw8k).await {
        Ok(stream) => stream,
        Err(e) => return send(JobEvent::Failed { turn, stage: Stage::Tts, error: e.to_string() }),
    };
    while let Some(chunk) = stream.recv().await {
        match chunk {
            Ok(chunk) => {
                if let ChunkAudio::MuLaw8k(audio) = chunk.audio {
                    send(JobEvent::Sentence { turn, text: chunk.sentence, audio, at: Instant::now() });
                }
            }
            Err(e) => return send(JobEvent::Failed { turn, stage: Stage::Tts, error: e.to_string() }),
        }
    }
    send(JobEvent::Done { turn });
}

/// Voiced speech that is worth a second transcription when the first heard
/// nothing (a cough or a click is shorter).
const RETRY_MIN_VOICED_MS: u32 = 400;

async fn transcribe(ctx: &TurnContext, audio: &[i16], wide_context: bool) -> SttResult {
    let options = SttOptions { initial_prompt: ctx.stt_prompt.clone(), wide_context };
    ctx.stt.transcribe(Utterance::MuLaw8k(codec::encode(audio)), options).await
}

/// Drops Whisper's non-speech annotations (`[BLANK_AUDIO]`, `(coughs)`,
/// `*music*`) and collapses whitespace.
pub(super) fn clean_transcript(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut in_stars = false;
    for c in text.chars() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            '*' => in_stars = !in_stars,
            c if depth == 0 && !in_stars => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::speech::stt::BoxFuture;
    use crate::speech::tts::SentenceStream;

    /// Hears nothing in the trimmed window, "Sarah Johnson." in the wide one.
    #[derive(Default)]
    struct ShyWhisper {
        calls: AtomicUsize,
    }

    impl SpeechToText for ShyWhisper {
        fn transcribe(&self, _audio: Utterance, options: SttOptions) -> BoxFuture<'_, Result<Transcript, SpeechError>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let text = if options.wide_context { "Sarah Johnson." } else { " [BLANK_AUDIO]" };
            let t = Transcript {
                text: text.into(),
                audio: Duration::ZERO,
                queued: Duration::ZERO,
                decode: Duration::ZERO,
                cpu: Duration::ZERO,
            };
            Box::pin(async move { Ok(t) })
        }
        fn queue_depth(&self) -> usize {
            0
        }
    }

    struct Silent;

    impl TextToSpeech for Silent {
        fn stream(&self, _text: &str, _format: AudioFormat) -> BoxFuture<'_, Result<SentenceStream, SpeechError>> {
            Box::pin(async { Ok(mpsc::channel(1).1) })
        }
        fn prompt(&self, _key: &str, _text: &str) -> BoxFuture<'_, Result<Arc<[u8]>, SpeechError>> {
            Box::pin(async { Ok(Arc::from(Vec::new())) })
        }
        fn queue_depth(&self) -> usize {
            0
        }
    }

    #[derive(Default)]
    struct Echo {
        heard: Mutex<Vec<CallerInput>>,
    }

    impl CallBrain for Echo {
        fn respond(&self, input: CallerInput) -> crate::telephony::ports::BoxFuture<'_, Result<Reply, String>> {
            self.heard.lock().unwrap().push(input);
            Box::pin(async { Ok(Reply { text: "Thanks.".into(), ..Default::default() }) })
        }
    }

    async fn turn_with(voiced_ms: u32) -> (Vec<JobEvent>, usize, Vec<CallerInput>) {
        let (stt, brain) = (Arc::new(ShyWhisper::default()), Arc::new(Echo::default()));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let ctx = TurnContext {
            turn: 1,
            stt: Arc::clone(&stt) as Arc<dyn SpeechToText>,
            tts: Arc::new(Silent),
            brain: Arc::clone(&brain) as Arc<dyn CallBrain>,
            stt_prompt: None,
            events: tx,
        };
        run(ctx, TurnSource::Speech { audio: vec![0; 8000], voiced_ms, speculation: None }).await;
        let mut events = Vec::new();
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        let heard = brain.heard.lock().unwrap().clone();
        (events, stt.calls.load(Ordering::SeqCst), heard)
    }

    #[tokio::test]
    async fn speech_heard_as_nothing_is_transcribed_again_with_a_wide_window() {
        let (events, calls, heard) = turn_with(820).await;
        assert_eq!(calls, 2);
        assert!(matches!(&events[0], JobEvent::Transcribed { text, .. } if text == "Sarah Johnson."), "{events:?}");
        assert_eq!(heard, vec![CallerInput::Speech("Sarah Johnson.".into())]);
    }

    #[tokio::test]
    async fn a_cough_is_not_transcribed_twice_and_makes_no_turn() {
        let (events, calls, heard) = turn_with(120).await;
        assert_eq!(calls, 1);
        assert!(matches!(&events[..], [JobEvent::Transcribed { text, .. }] if text.is_empty()), "{events:?}");
        assert!(heard.is_empty());
    }

    #[test]
    fn non_speech_annotations_are_dropped() {
        assert_eq!(clean_transcript(" [BLANK_AUDIO] "), "");
        assert_eq!(clean_transcript("(coughs) My water heater  is leaking."), "My water heater is leaking.");
        assert_eq!(clean_transcript("*music* Hello"), "Hello");
    }
}
