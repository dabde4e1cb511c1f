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
    Speech { audio: Vec<i16>, speculation: Option<oneshot::Receiver<SttResult>> },
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
        let result = stt.transcribe(Utterance::MuLaw8k(mulaw), SttOptions { initial_prompt: prompt }).await;
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
        TurnSource::Speech { audio, speculation } => {
            let mut speculative = false;
            let mut result = None;
            if let Some(rx) = speculation
                && let Ok(r) = rx.await
            {
                speculative = true;
                result = Some(r);
            }
            let result = match result {
                Some(r) => r,
                None => {
                    let options = SttOptions { initial_prompt: ctx.stt_prompt.clone() };
                    ctx.stt.transcribe(Utterance::MuLaw8k(codec::encode(&audio)), options).await
                }
            };
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
    use super::clean_transcript;

    #[test]
    fn non_speech_annotations_are_dropped() {
        assert_eq!(clean_transcript(" [BLANK_AUDIO] "), "");
        assert_eq!(clean_transcript("(coughs) My water heater  is leaking."), "My water heater is leaking.");
        assert_eq!(clean_transcript("*music* Hello"), "Hello");
    }
}
