//! The call loop: one `select!` over socket frames, the pacer's clock, turn
//! job events and a 100 ms housekeeping tick. The life of a caller turn
//! (end of speech -> transcript -> reply -> record) is in [`turns`].

mod turns;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use webrtc_vad::{SampleRate, Vad, VadMode};

use super::recording::{CallRecording, RecordingError};
use super::turn::{self, JobEvent, Stage, SttResult, TurnContext, TurnSource};
use super::{CallEnv, WireIn};
use crate::speech::codec;
use crate::telephony::endpointing::{EndReason, EndpointEvent, Endpointer, FRAME_SAMPLES, Utterance};
use crate::telephony::live::LiveEventKind;
use crate::telephony::pacer::Pacer;
use crate::telephony::ports::{
    CallOutcome, CallSetup, CallSummary, CallerInput, Reply, Speaker, TranscriptLine, TurnRecord, TurnTimings,
};
use crate::telephony::protocol::{Inbound, Outbound, Start, parse_inbound};
use crate::telephony::sequencing::StreamSequencer;

/// Turn number of the greeting; caller turns count from 1.
const GREETING_TURN: u32 = 0;
/// Pacer turn used for "one moment" fillers, so they never count as a reply.
const FILLER_TURN: u32 = u32::MAX;

/// A speculative transcription in flight.
struct Speculation {
    id: u64,
    rx: oneshot::Receiver<SttResult>,
    handle: JoinHandle<()>,
}

/// The turn being answered (or last answered).
struct TurnState {
    number: u32,
    input: Option<CallerInput>,
    handle: Option<JoinHandle<()>>,
    stage: Stage,
    /// The utterance, kept until the policy has it, so an abandoned turn's
    /// audio can be joined with the caller's continuation.
    audio: Option<Vec<i16>>,
    ended_at: Instant,
    transcribed_at: Option<Instant>,
    replied_at: Option<Instant>,
    timings: TurnTimings,
    reply: Option<Reply>,
    agent_text: String,
    agent_line: Option<usize>,
    sentences: usize,
    done: bool,
    interrupted: bool,
    filler_played: bool,
}

/// What to do once the current reply has finished playing.
enum AfterReply {
    HangUp,
    Transfer(String),
}

pub(super) struct CallTask {
    env: Arc<CallEnv>,
    setup: CallSetup,
    call_sid: String,
    out: mpsc::Sender<String>,
    sequencer: StreamSequencer,
    errors: u64,
    vad: Vad,
    strict_vad: bool,
    endpointer: Endpointer,
    pacer: Pacer,
    next_turn: u32,
    current: Option<TurnState>,
    speculation: Option<Speculation>,
    held_audio: Vec<i16>,
    jobs_tx: mpsc::UnboundedSender<JobEvent>,
    jobs_rx: mpsc::UnboundedReceiver<JobEvent>,
    transcript: Vec<TranscriptLine>,
    turns: Vec<TurnRecord>,
    after_reply: Option<AfterReply>,
    emergency: bool,
    /// The appointment this call booked (or moved), last one wins.
    appointment: Option<String>,
    outcome: Option<CallOutcome>,
    started: Instant,
    started_at: DateTime<Utc>,
    greeting_logged: bool,
    /// Messages that must go out before any audio (`clear`).
    urgent: Vec<Outbound>,
    /// Set once the consent line is queued, when the tenant records calls.
    recording: Option<CallRecording>,
}

fn vad_mode(level: u8) -> VadMode {
    match level {
        0 => VadMode::Quality,
        1 => VadMode::LowBitrate,
        2 => VadMode::Aggressive,
        _ => VadMode::VeryAggressive,
    }
}

fn ms(d: Duration) -> u32 {
    d.as_millis().min(u128::from(u32::MAX)) as u32
}

impl CallTask {
    pub(super) fn new(
        env: Arc<CallEnv>,
        setup: CallSetup,
        start: &Start,
        out: mpsc::Sender<String>,
        sequencer: StreamSequencer,
        errors: u64,
        started: Instant,
    ) -> Self {
        let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
        let settings = &env.settings;
        CallTask {
            vad: Vad::new_with_rate_and_mode(SampleRate::Rate8kHz, vad_mode(settings.vad_mode)),
            strict_vad: false,
            endpointer: Endpointer::new(settings.endpoint.clone()),
            pacer: Pacer::new(&start.stream_sid, settings.lead),
            call_sid: start.start.call_sid.clone(),
            setup,
            out,
            sequencer,
            errors,
            next_turn: 1,
            current: None,
            speculation: None,
            held_audio: Vec::new(),
            jobs_tx,
            jobs_rx,
            transcript: Vec::new(),
            turns: Vec::new(),
            after_reply: None,
            emergency: false,
            appointment: None,
            outcome: None,
            started,
            started_at: Utc::now(),
            greeting_logged: false,
            urgent: Vec::new(),
            recording: None,
            env,
        }
    }

    fn publish(&self, kind: LiveEventKind) {
        self.env.live.publish(&self.setup.tenant_id, &self.setup.call_id, kind);
    }

    pub(super) async fn run(mut self, mut inbound: mpsc::Receiver<WireIn>) {
        let env = Arc::clone(&self.env);
        let _active = env.metrics.call_started();
        self.publish(LiveEventKind::CallStarted { from: self.setup.caller.clone() });
        tracing::info!(call_id = %self.setup.call_id, call_sid = %self.call_sid, "call started");
        self.greet().await;
        self.prewarm_filler();
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let max_end = self.started + self.env.settings.max_call;
        while self.outcome.is_none() {
            let wake = self.pacer.next_wakeup(Instant::now());
            tokio::select! {
                message = inbound.recv() => match message {
                    Some(WireIn::Text(text)) => self.on_text(&text),
                    Some(WireIn::Binary) => self.protocol_error("binary"),
                    Some(WireIn::Closed) | None => self.outcome = Some(CallOutcome::CallerHungUp),
                },
                _ = sleep_until_opt(wake) => {}
                Some(event) = self.jobs_rx.recv() => self.on_job_event(event),
                _ = tick.tick() => self.housekeeping(max_end).await,
            }
            self.flush_pacer().await;
        }
        self.finish().await;
    }

    /// Speaks the greeting from the prompt cache, after the recording
    /// notice when the call is recorded.
    async fn greet(&mut self) {
        let mut said = Vec::new();
        if let Some(plan) = self.setup.recording.clone() {
            match self.env.tts.prompt(&self.setup.voice_key, &plan.consent).await {
                Ok(audio) => {
                    self.pacer.push_sentence(GREETING_TURN, &plan.consent, &audio);
                    said.push(plan.consent.clone());
                    // Recording starts only once the caller is sure to hear the notice first.
                    self.pacer.tap_sent();
                    self.recording = Some(CallRecording::start(plan, self.started));
                }
                Err(e) => {
                    tracing::error!(call_id = %self.setup.call_id, error = %e, "consent line synthesis failed: call NOT recorded");
                    self.env.metrics.recording_failed();
                }
            }
        }
        let text = self.setup.greeting.clone();
        match self.env.tts.prompt(&self.setup.voice_key, &text).await {
            Ok(audio) => {
                self.pacer.push_sentence(GREETING_TURN, &text, &audio);
                said.push(text);
            }
            Err(e) => tracing::error!(call_id = %self.setup.call_id, error = %e, "greeting synthesis failed"),
        }
        if !said.is_empty() {
            // One agent line, so a barge-in truncates notice and greeting as one.
            let text = said.join(" ");
            self.add_line(Speaker::Agent, &text);
            self.publish(LiveEventKind::AgentSaid { text, truncated: false });
        }
        self.flush_pacer().await;
    }

    /// Gives up on the recording; the call goes on.
    fn recording_failed(&mut self, error: RecordingError) {
        if self.recording.take().is_some() {
            tracing::error!(call_id = %self.setup.call_id, %error, "call recording abandoned; the call goes on");
            self.env.metrics.recording_failed();
        }
    }

    /// Moves the frames just sent into the recording and hands over what is final.
    fn record_sent(&mut self, now: Instant) {
        let Some(recording) = &mut self.recording else { return };
        for frame in self.pacer.take_sent() {
            recording.agent(&frame);
        }
        if let Err(e) = recording.flush(now) {
            self.recording_failed(e);
        }
    }

    fn prewarm_filler(&self) {
        let tts = Arc::clone(&self.env.tts);
        let key = self.setup.voice_key.clone();
        let text = self.env.settings.filler_text.clone();
        tokio::task::spawn_local(async move {
            let _ = tts.prompt(&key, &text).await;
        });
    }

    /// Sends whatever the pacer has due and updates the per-turn timings.
    async fn flush_pacer(&mut self) {
        for message in std::mem::take(&mut self.urgent) {
            self.send(message).await;
        }
        let now = Instant::now();
        let messages = self.pacer.poll(now);
        self.record_sent(now);
        for message in messages {
            if self.out.send(message.to_json()).await.is_err() {
                self.outcome.get_or_insert(CallOutcome::CallerHungUp);
                return;
            }
        }
        if !self.greeting_logged
            && let Some(first) = self.pacer.first_frame_sent(GREETING_TURN)
        {
            self.greeting_logged = true;
            self.env.metrics.record("greeting_first_frame", u64::from(ms(first - self.started)));
        }
        if let Some(turn) = &mut self.current
            && turn.timings.first_frame_ms.is_none()
            && let Some(first) = self.pacer.first_frame_sent(turn.number)
        {
            turn.timings.first_frame_ms = Some(ms(first.saturating_duration_since(turn.ended_at)));
        }
    }

    async fn send(&mut self, message: Outbound) {
        if self.out.send(message.to_json()).await.is_err() {
            self.outcome.get_or_insert(CallOutcome::CallerHungUp);
        }
    }

    fn protocol_error(&mut self, kind: &'static str) {
        self.errors += 1;
        self.env.metrics.protocol_error(kind);
    }

    fn on_text(&mut self, text: &str) {
        let message = match parse_inbound(text) {
            Ok(message) => message,
            Err(e) => {
                tracing::debug!(call_id = %self.setup.call_id, error = %e, "dropped media stream message");
                return self.protocol_error(e.kind());
            }
        };
        if let Err(e) = self.sequencer.accept(&message) {
            tracing::debug!(call_id = %self.setup.call_id, error = %e, "dropped media stream message");
            return self.protocol_error(e.kind());
        }
        match message {
            Inbound::Media(media) => {
                if media.media.track != "inbound" {
                    return;
                }
                match media.media.decode_payload() {
                    Ok(bytes) => self.on_audio(media.media.timestamp.0, &bytes),
                    Err(e) => self.protocol_error(e.kind()),
                }
            }
            Inbound::Mark(mark) => {
                self.pacer.on_mark_echo(&mark.mark.name);
            }
            Inbound::Dtmf(dtmf) => {
                if let Some(digit) = dtmf.dtmf.digit.chars().next() {
                    self.on_dtmf(digit);
                }
            }
            Inbound::Stop(_) => {
                self.outcome.get_or_insert(CallOutcome::CallerHungUp);
            }
            Inbound::Connected(_) | Inbound::Start(_) => {}
        }
    }

    fn on_audio(&mut self, timestamp_ms: u64, mulaw: &[u8]) {
        let samples = codec::decode(mulaw);
        if let Some(recording) = &mut self.recording {
            recording.caller(timestamp_ms, &samples);
        }
        for frame in samples.chunks_exact(FRAME_SAMPLES) {
            let now = Instant::now();
            let playing = self.pacer.is_playing(now);
            if playing != self.endpointer.agent_speaking() {
                self.endpointer.set_agent_speaking(playing);
            }
            if playing != self.strict_vad {
                self.strict_vad = playing;
                let s = &self.env.settings;
                self.vad.set_mode(vad_mode(if playing { s.vad_mode_agent_speaking } else { s.vad_mode }));
            }
            let voiced = self.vad.is_voice_segment(frame).unwrap_or(false);
            if let Some(event) = self.endpointer.push(voiced, frame) {
                self.on_endpoint(event);
            }
        }
    }

    fn on_endpoint(&mut self, event: EndpointEvent) {
        match event {
            EndpointEvent::SpeechStarted { barge_in } => self.on_speech_started(barge_in),
            EndpointEvent::Speculate { id, audio } => {
                if let Some(old) = self.speculation.take() {
                    old.handle.abort();
                }
                if !self.held_audio.is_empty() {
                    return; // the turn will be transcribed joined with held audio
                }
                let (rx, handle) =
                    turn::transcribe_in_background(Arc::clone(&self.env.stt), &audio, self.setup.stt_prompt.clone());
                self.speculation = Some(Speculation { id, rx, handle });
            }
            EndpointEvent::SpeculationCancelled { id } => {
                if let Some(spec) = self.speculation.take_if(|s| s.id == id) {
                    spec.handle.abort();
                }
            }
            EndpointEvent::TurnEnded(utterance) => self.on_turn_ended(utterance),
            EndpointEvent::NoInput => {
                let busy = self.current.as_ref().is_some_and(|t| !t.done);
                if !busy && !self.pacer.is_playing(Instant::now()) && self.after_reply.is_none() {
                    self.start_turn(TurnSource::Silence, Instant::now(), 0);
                }
            }
        }
    }

    /// The caller started talking: stop the agent if it is talking, and drop
    /// a reply still being prepared.
    fn on_speech_started(&mut self, barge_in: bool) {
        self.interrupt_agent();
        let Some(turn) = &mut self.current else { return };
        if turn.done || turn.handle.is_none() {
            return;
        }
        if let Some(handle) = turn.handle.take() {
            handle.abort();
        }
        // Nothing was said back yet and the policy never saw the text: the
        // caller only paused. Keep the audio and transcribe it together with
        // the continuation as one turn.
        if turn.stage == Stage::Stt && turn.sentences == 0 && !barge_in {
            if let Some(audio) = turn.audio.take() {
                self.held_audio = audio;
            }
            self.current = None;
            return;
        }
        turn.interrupted = true;
        self.finalize_turn();
    }

    /// Clears Twilio's buffer and truncates the agent's line to what was heard.
    fn interrupt_agent(&mut self) {
        let now = Instant::now();
        let Some((clear, cleared)) = self.pacer.clear(now) else { return };
        if let Some(recording) = &mut self.recording {
            recording.cut_agent(now);
        }
        self.env.metrics.barge_in();
        self.urgent.push(clear);
        tracing::info!(call_id = %self.setup.call_id, heard = %cleared.heard_text, "barge-in: cleared playback");
        self.after_reply = None;
        if let Some(turn) = self.current.as_mut().filter(|t| t.number == cleared.turn) {
            turn.interrupted = true;
            turn.agent_text = cleared.heard_text.clone();
            if let Some(line) = turn.agent_line {
                self.transcript[line].text = cleared.heard_text.clone();
            }
        } else if cleared.turn == GREETING_TURN
            && let Some(line) = self.transcript.iter_mut().find(|l| l.speaker == Speaker::Agent)
        {
            line.text = cleared.heard_text.clone();
        }
        self.publish(LiveEventKind::AgentSaid { text: cleared.heard_text, truncated: true });
    }

    async fn housekeeping(&mut self, max_end: Instant) {
        let now = Instant::now();
        if now >= max_end {
            tracing::warn!(call_id = %self.setup.call_id, "call reached its maximum length");
            self.outcome = Some(CallOutcome::Failed);
            return;
        }
        self.maybe_filler(now).await;
        if self.after_reply.is_some() && !self.pacer.is_playing(now) {
            match self.after_reply.take() {
                Some(AfterReply::HangUp) => self.outcome = Some(CallOutcome::Completed),
                Some(AfterReply::Transfer(to)) => self.transfer(to).await,
                None => {}
            }
        }
    }

    /// A turn that has produced no audio for a while gets a cached "one moment".
    async fn maybe_filler(&mut self, now: Instant) {
        let settings = &self.env.settings;
        let Some(turn) = &mut self.current else { return };
        if turn.done
            || turn.filler_played
            || turn.sentences > 0
            || now.saturating_duration_since(turn.ended_at) < settings.filler_after
            || self.pacer.is_playing(now)
        {
            return;
        }
        turn.filler_played = true;
        let prompt = self.env.tts.prompt(&self.setup.voice_key, &settings.filler_text);
        // Only a cached prompt is fast enough to help; never wait on the queue.
        if let Ok(Ok(audio)) = tokio::time::timeout(Duration::from_millis(30), prompt).await {
            self.pacer.push_sentence(FILLER_TURN, &settings.filler_text, &audio);
            self.env.metrics.filler();
        }
    }

    async fn transfer(&mut self, to: String) {
        match &self.env.control {
            Some(control) => match control.transfer(self.call_sid.clone(), to).await {
                Ok(()) => self.outcome = Some(CallOutcome::Transferred),
                Err(e) => {
                    tracing::error!(call_id = %self.setup.call_id, error = %e, "transfer failed");
                    self.outcome = Some(CallOutcome::Failed);
                }
            },
            None => {
                tracing::error!(call_id = %self.setup.call_id, "transfer requested but Twilio REST is not configured");
                self.outcome = Some(CallOutcome::Failed);
            }
        }
    }

    async fn finish(mut self) {
        if let Some(spec) = self.speculation.take() {
            spec.handle.abort();
        }
        self.finalize_turn();
        let outcome = self.outcome.unwrap_or(CallOutcome::CallerHungUp);
        let recording = match self.recording.take() {
            Some(recording) => match recording.finish(Instant::now()).await {
                Ok(saved) => {
                    self.env.metrics.recording_saved();
                    Some(saved)
                }
                Err(e) => {
                    tracing::error!(call_id = %self.setup.call_id, error = %e, "call recording could not be saved");
                    self.env.metrics.recording_failed();
                    None
                }
            },
            None => None,
        };
        let summary = CallSummary {
            call_id: self.setup.call_id.clone(),
            tenant_id: self.setup.tenant_id.clone(),
            call_sid: self.call_sid.clone(),
            started_at: self.started_at,
            ended_at: Utc::now(),
            outcome,
            emergency: self.emergency,
            appointment_id: self.appointment.take(),
            transcript: std::mem::take(&mut self.transcript),
            turns: std::mem::take(&mut self.turns),
            protocol_errors: self.errors,
            recording,
        };
        tracing::info!(
            call_id = %summary.call_id, ?outcome, turns = summary.turns.len(), errors = summary.protocol_errors,
            lost_chunks = self.sequencer.lost_chunks, "call ended"
        );
        self.env.recorder.ended(summary).await;
        self.publish(LiveEventKind::CallEnded { outcome: format!("{outcome:?}").to_lowercase() });
        // Dropping `self.out` closes the socket.
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Job events without their audio, for logs.
struct JobEventSummary<'a>(&'a JobEvent);

impl std::fmt::Debug for JobEventSummary<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            JobEvent::Sentence { turn, text, audio, .. } => {
                write!(f, "Sentence(turn {turn}, {text:?}, {} bytes)", audio.len())
            }
            other => write!(f, "{other:?}"),
        }
    }
}
