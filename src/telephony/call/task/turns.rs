//! A caller turn's life inside the call loop: the endpointer says the caller
//! finished (or pressed a key), a turn job starts, its events (transcript,
//! reply, sentences) update the call, and the finished turn is recorded with
//! its timings. Only one turn is current; a newer one abandons the older.

use super::*;

impl CallTask {
    pub(super) fn on_turn_ended(&mut self, utterance: Utterance) {
        let now = Instant::now();
        let wait = if utterance.reason == EndReason::Silence { self.env.settings.endpoint.end_silence_ms } else { 0 };
        let speculation = self.speculation.take();
        let source = if !self.held_audio.is_empty() {
            if let Some(spec) = speculation {
                spec.handle.abort();
            }
            let mut audio = std::mem::take(&mut self.held_audio);
            audio.extend_from_slice(&utterance.audio);
            TurnSource::Speech { audio, voiced_ms: utterance.voiced_ms, speculation: None }
        } else {
            let rx = match speculation {
                Some(spec) if utterance.speculation == Some(spec.id) => Some(spec.rx),
                Some(spec) => {
                    spec.handle.abort();
                    None
                }
                None => None,
            };
            TurnSource::Speech { audio: utterance.audio, voiced_ms: utterance.voiced_ms, speculation: rx }
        };
        self.start_turn(source, now, wait);
    }

    pub(super) fn on_dtmf(&mut self, digit: char) {
        self.interrupt_agent();
        if let Some(turn) = &mut self.current
            && let Some(handle) = turn.handle.take()
        {
            handle.abort();
            turn.interrupted = true;
        }
        self.held_audio.clear();
        self.start_turn(TurnSource::Dtmf(digit), Instant::now(), 0);
    }

    pub(super) fn start_turn(&mut self, source: TurnSource, ended_at: Instant, endpoint_wait_ms: u32) {
        self.finalize_turn();
        let number = self.next_turn;
        self.next_turn += 1;
        self.pacer.forget_before(number.saturating_sub(1).max(1));
        let (input, audio) = match &source {
            TurnSource::Speech { audio, .. } => (None, Some(audio.clone())),
            TurnSource::Dtmf(d) => (Some(CallerInput::Dtmf(*d)), None),
            TurnSource::Silence => (Some(CallerInput::Silence), None),
        };
        let stage = if audio.is_some() { Stage::Stt } else { Stage::Policy };
        tracing::debug!(call_id = %self.setup.call_id, turn = number, ?input, endpoint_wait_ms, "turn started");
        let ctx = TurnContext {
            turn: number,
            stt: Arc::clone(&self.env.stt),
            tts: Arc::clone(&self.env.tts),
            brain: Arc::clone(&self.setup.brain),
            stt_prompt: self.setup.stt_prompt.clone(),
            events: self.jobs_tx.clone(),
        };
        let handle = tokio::task::spawn_local(turn::run(ctx, source));
        self.current = Some(TurnState {
            number,
            input,
            handle: Some(handle),
            stage,
            audio,
            ended_at,
            transcribed_at: None,
            replied_at: None,
            timings: TurnTimings { endpoint_wait_ms, ..Default::default() },
            reply: None,
            agent_text: String::new(),
            agent_line: None,
            sentences: 0,
            done: false,
            interrupted: false,
            filler_played: false,
        });
    }

    pub(super) fn on_job_event(&mut self, event: JobEvent) {
        tracing::debug!(call_id = %self.setup.call_id, event = ?JobEventSummary(&event), "turn event");
        let number = match &event {
            JobEvent::Transcribed { turn, .. }
            | JobEvent::Replied { turn, .. }
            | JobEvent::Sentence { turn, .. }
            | JobEvent::Done { turn }
            | JobEvent::Failed { turn, .. } => *turn,
        };
        let Some(turn) = self.current.as_mut().filter(|t| t.number == number && t.handle.is_some()) else {
            return; // an abandoned turn
        };
        match event {
            JobEvent::Transcribed { text, speculative, at, .. } => {
                turn.timings.stt_ms = Some(ms(at.saturating_duration_since(turn.ended_at)));
                turn.timings.speculative_hit = speculative;
                turn.transcribed_at = Some(at);
                turn.stage = Stage::Policy;
                turn.audio = None;
                if text.is_empty() {
                    // Noise, a cough: no turn.
                    turn.handle = None;
                    self.current = None;
                    return;
                }
                turn.input = Some(CallerInput::Speech(text.clone()));
                self.add_line(Speaker::Caller, &text);
                self.publish(LiveEventKind::CallerSaid { text });
            }
            JobEvent::Replied { reply, at, .. } => {
                let policy_start = turn.transcribed_at.unwrap_or(turn.ended_at);
                turn.timings.policy_ms = Some(ms(at.saturating_duration_since(policy_start)));
                turn.replied_at = Some(at);
                turn.stage = Stage::Tts;
                let emergency = reply.emergency && !self.emergency;
                let booked = reply.booked.clone();
                turn.reply = Some(reply);
                if emergency {
                    self.emergency = true;
                    self.publish(LiveEventKind::EmergencyFlagged);
                }
                if let Some(appointment_id) = booked {
                    self.appointment = Some(appointment_id.clone());
                    self.publish(LiveEventKind::AppointmentBooked { appointment_id });
                }
            }
            JobEvent::Sentence { text, audio, at, .. } => {
                if turn.sentences == 0
                    && let Some(replied) = turn.replied_at
                {
                    turn.timings.tts_first_audio_ms = Some(ms(at.saturating_duration_since(replied)));
                }
                turn.sentences += 1;
                self.pacer.push_sentence(turn.number, &text, &audio);
                if !turn.agent_text.is_empty() {
                    turn.agent_text.push(' ');
                }
                turn.agent_text.push_str(text.trim());
                let full = turn.agent_text.clone();
                match turn.agent_line {
                    Some(line) => self.transcript[line].text = full,
                    None => {
                        turn.agent_line = Some(self.transcript.len());
                        self.add_line(Speaker::Agent, &full);
                    }
                }
            }
            JobEvent::Done { .. } => {
                turn.done = true;
                turn.handle = None;
                let text = turn.agent_text.clone();
                let after = turn.reply.as_ref().and_then(|r| {
                    r.transfer_to.clone().map(AfterReply::Transfer).or(r.hang_up.then_some(AfterReply::HangUp))
                });
                if !text.is_empty() {
                    self.publish(LiveEventKind::AgentSaid { text, truncated: false });
                }
                self.after_reply = after;
            }
            JobEvent::Failed { stage, error, .. } => {
                tracing::error!(call_id = %self.setup.call_id, ?stage, %error, "turn failed");
                turn.done = true;
                turn.handle = None;
            }
        }
    }

    pub(super) fn add_line(&mut self, speaker: Speaker, text: &str) {
        self.transcript.push(TranscriptLine { speaker, text: text.to_string(), at: Utc::now() });
    }

    /// Moves the current turn into the call's records and metrics.
    pub(super) fn finalize_turn(&mut self) {
        let Some(mut turn) = self.current.take() else { return };
        if let Some(handle) = turn.handle.take() {
            handle.abort();
        }
        let Some(input) = turn.input.take() else { return };
        let m = &self.env.metrics;
        let t = &turn.timings;
        m.record("endpoint_wait", u64::from(t.endpoint_wait_ms));
        for (stage, value) in [
            ("stt", t.stt_ms),
            ("policy", t.policy_ms),
            ("tts_first_audio", t.tts_first_audio_ms),
            ("first_frame", t.first_frame_ms),
            ("turn_latency", if matches!(input, CallerInput::Speech(_)) { t.latency_ms() } else { None }),
        ] {
            if let Some(v) = value {
                m.record(stage, u64::from(v));
            }
        }
        self.turns.push(TurnRecord {
            index: turn.number,
            input,
            agent_text: turn.agent_text,
            interrupted: turn.interrupted,
            timings: turn.timings,
            at: Utc::now(),
        });
    }
}
