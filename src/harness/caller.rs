//! One simulated caller: plays a call plan's turns over a real Media Stream
//! the way a person on a phone line would, and times what they experience.
//!
//! Like Twilio, the caller sends a 20 ms frame every 20 ms for the whole call
//! (silence between utterances), drops and delays frames as the fixture's
//! network condition says, waits for the agent to finish speaking before the
//! next turn, and (in barge-in scenarios) talks over the agent.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::time::Instant;

use super::brain::Effects;
use super::manifest::{CallPlan, Fixture};
use super::media_client::{FRAME_BYTES, FakeTwilioCall};
use super::target::{PlacedCall, ServerRecord, Target, TurnProbe};
use super::wer::{WordErrors, word_errors};
use crate::telephony::ports::{CallerInput, TurnRecord, TurnTimings};

const FRAME: Duration = Duration::from_millis(20);
/// The agent is done talking once nothing is queued and nothing new has
/// arrived for this long.
const REPLY_QUIET: Duration = Duration::from_millis(700);
/// In barge-in scenarios, how far into the agent's speech the caller starts.
const BARGE_IN_AFTER: Duration = Duration::from_millis(800);

/// What one caller turn measured.
#[derive(Debug, Clone, Serialize)]
pub struct TurnResult {
    pub fixture: String,
    pub condition: String,
    pub voice: String,
    pub scenario: String,
    pub turn: u32,
    pub reference: String,
    /// End of the caller's speech -> first agent audio frame received (ms).
    /// Negative when the agent started before the caller finished.
    pub latency_ms: Option<f64>,
    /// Caller starts talking over the agent -> `clear` received (ms).
    pub barge_in_ms: Option<f64>,
    /// The server's own breakdown of the turn.
    pub stages: Option<TurnTimings>,
    /// What the server's STT heard.
    pub transcript: Option<String>,
    pub word_errors: Option<WordErrors>,
    pub wer: Option<f64>,
    pub expected_intent: Option<String>,
    pub intent: Option<String>,
    pub agent_text: Option<String>,
    pub frames_dropped: u32,
}

/// What one call measured.
#[derive(Debug, Clone, Serialize)]
pub struct CallResult {
    pub name: String,
    pub call_id: String,
    pub call_sid: String,
    /// The caller's number (distinct per call against a real server).
    pub from: String,
    pub scenario: String,
    pub expected_outcome: String,
    /// Whether the CRM effect matched `expected_outcome` (see `effects` for
    /// what was observed and how). `None` when the plan does not hold every
    /// turn of its scenario, or the effect could not be read.
    pub outcome_ok: Option<bool>,
    /// Stream start -> first greeting frame (ms).
    pub greeting_ms: Option<f64>,
    pub turns: Vec<TurnResult>,
    /// Server turns that had no caller turn (split utterances, no-input prompts).
    pub extra_server_turns: usize,
    /// Caller turns spoken that the server recorded no speech turn for (an
    /// empty transcript is dropped as noise; the caller then hears nothing
    /// until the no-input prompt).
    pub unheard_turns: usize,
    pub error: Option<String>,
    pub effects: Option<Effects>,
}

impl CallResult {
    /// A call with nothing measured yet.
    pub fn new(plan: &CallPlan, call_id: &str) -> Self {
        CallResult {
            name: plan.name.clone(),
            call_id: call_id.to_string(),
            call_sid: String::new(),
            from: String::new(),
            scenario: plan.scenario.clone(),
            expected_outcome: plan.outcome.clone(),
            outcome_ok: None,
            greeting_ms: None,
            turns: plan.turns.iter().map(empty_turn).collect(),
            extra_server_turns: 0,
            unheard_turns: 0,
            error: None,
            effects: None,
        }
    }
}

/// Frames for one utterance, with the network's losses and delays applied.
struct Outgoing {
    frames: Vec<Vec<u8>>,
    next: usize,
    /// Send time offsets (from the utterance start) after jitter, monotonic.
    due: Vec<Duration>,
    lost: Vec<bool>,
}

impl Outgoing {
    fn new(mulaw: &[u8], fixture: &Fixture) -> Self {
        let mut rng = StdRng::seed_from_u64(seed(&fixture.id));
        let frames: Vec<Vec<u8>> = mulaw.chunks(FRAME_BYTES).map(<[u8]>::to_vec).collect();
        let mut due = Vec::with_capacity(frames.len());
        let mut lost = Vec::with_capacity(frames.len());
        let mut last = Duration::ZERO;
        for i in 0..frames.len() {
            let nominal = FRAME * i as u32;
            let delay = if fixture.jitter_ms > 0 { rng.random_range(0..=fixture.jitter_ms) } else { 0 };
            // Frames arrive in order (TCP): a late frame holds back the next.
            last = last.max(nominal + Duration::from_millis(u64::from(delay)));
            due.push(last);
            lost.push(fixture.loss > 0.0 && rng.random::<f64>() < fixture.loss);
        }
        Outgoing { frames, next: 0, due, lost }
    }

    fn done(&self) -> bool {
        self.next >= self.frames.len()
    }
}

fn seed(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Sends a frame every 20 ms: from `speech` when there is one, else silence.
struct Line {
    call: FakeTwilioCall,
    next_tick: Instant,
    probe: Option<TurnProbe>,
    /// Longest wait for the greeting or a reply before giving up on the turn.
    reply_timeout: Duration,
}

impl Line {
    /// Waits for the next 20 ms tick and sends what is due then.
    async fn tick(&mut self, speech: Option<(&mut Outgoing, Instant)>) -> u32 {
        tokio::time::sleep_until(self.next_tick).await;
        self.next_tick += FRAME;
        let mut dropped = 0;
        match speech {
            Some((out, started)) if !out.done() => {
                let elapsed = Instant::now().saturating_duration_since(started);
                while !out.done() && out.due[out.next] <= elapsed + FRAME / 2 {
                    if out.lost[out.next] {
                        self.call.skip_frame();
                        dropped += 1;
                    } else {
                        self.call.send_frame(&out.frames[out.next]);
                    }
                    out.next += 1;
                }
            }
            _ => self.call.send_frame(&[0xff; FRAME_BYTES]),
        }
        dropped
    }

    /// Keeps the line open (silence) until the agent has said something
    /// after the first `heard` frames and finished, or `timeout` passes.
    /// Returns false when the call ended.
    async fn until_agent_done(&mut self, heard: usize, answered: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        // With a probe, only audio after the policy answered is the reply.
        let mut answered_at: Option<Instant> = None;
        while Instant::now() < deadline {
            self.tick(None).await;
            if let Some(probe) = &self.probe {
                if answered_at.is_none() && probe() >= answered {
                    answered_at = Some(Instant::now());
                }
                if answered_at.is_none() {
                    continue;
                }
            }
            let (closed, quiet) = self.call.inspect(|r| {
                let last = r.media.get(heard..).and_then(|new| new.last()).map(|(t, _)| *t);
                let replied = match (last, answered_at) {
                    (Some(last), Some(answered)) => last >= answered,
                    (last, None) => last.is_some(),
                    (None, Some(_)) => false,
                };
                let quiet = r.queued_frames == 0 && replied && last.is_some_and(|t| t.elapsed() >= REPLY_QUIET);
                (r.closed, quiet)
            });
            if closed {
                return false;
            }
            if quiet {
                return true;
            }
        }
        true
    }
}

/// Runs one placed call and returns what it measured, with the target's
/// record of it (turn timings, CRM effect) once it is over.
pub async fn run_call(
    target: &dyn Target,
    plan: &CallPlan,
    audio: &[Vec<u8>],
    placed: &PlacedCall,
    reply_timeout: Duration,
) -> CallResult {
    let mut result = CallResult::new(plan, &placed.call_id);
    result.call_sid = placed.call_sid.clone();
    result.from = placed.from.clone();
    let probe = target.probe(placed);
    let call = match FakeTwilioCall::connect(&placed.ws_url, Some(&placed.signature), &placed.call_sid).await {
        Ok(call) => call,
        Err(e) => {
            result.error = Some(format!("connect: {e}"));
            return result;
        }
    };
    let mut line = Line { call, next_tick: Instant::now(), probe, reply_timeout };
    let params: Vec<(&str, &str)> = placed.parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    line.call.start(&params);
    let started = Instant::now();

    if let Err(e) = play_turns(&mut line, plan, audio, &mut result, started).await {
        result.error = Some(e);
    }
    line.call.stop();
    line.call.close();

    match target.record(placed, plan).await {
        Ok(record) => attach_server_record(&mut result, plan, record),
        Err(e) if result.error.is_none() => result.error = Some(e),
        Err(e) => tracing::warn!(call = %result.name, error = %e, "no server record"),
    }
    result
}

async fn play_turns(
    line: &mut Line,
    plan: &CallPlan,
    audio: &[Vec<u8>],
    result: &mut CallResult,
    started: Instant,
) -> Result<(), String> {
    // The greeting: measured, and (unless the caller barges in) heard out.
    let barge_first = plan.turns.first().is_some_and(|t| t.barge_in);
    let deadline = Instant::now() + line.reply_timeout;
    loop {
        line.tick(None).await;
        if let Some(first) = line.call.received().first_media_at() {
            result.greeting_ms = Some(ms(first.saturating_duration_since(started)));
            break;
        }
        if Instant::now() > deadline {
            return Err("no greeting".into());
        }
    }
    if !barge_first && !line.until_agent_done(0, 0, line.reply_timeout).await {
        return Err("call ended during the greeting".into());
    }

    for (i, fixture) in plan.turns.iter().enumerate() {
        if fixture.barge_in {
            // Talk over the agent: wait until it has been speaking a while.
            let speaking_since = Instant::now();
            while speaking_since.elapsed() < BARGE_IN_AFTER {
                line.tick(None).await;
            }
        }
        let media_before = line.call.inspect(|r| r.media.len());
        let clears_before = line.call.inspect(|r| r.clears.len());
        let mut out = Outgoing::new(&audio[i], fixture);
        let speech_started = Instant::now();
        let mut dropped = 0;
        while !out.done() {
            dropped += line.tick(Some((&mut out, speech_started))).await;
        }
        let turn = &mut result.turns[i];
        turn.frames_dropped = dropped;
        // Nominal timeline: the audio's speech ended this long after it began.
        let speech_onset = speech_started + Duration::from_millis(u64::from(fixture.speech_start_ms));
        let end_of_speech = speech_started + Duration::from_millis(u64::from(fixture.speech_end_ms));
        let waited = line.until_agent_done(media_before, i + 1, line.reply_timeout).await;
        let received = line.call.received();
        if fixture.barge_in {
            turn.barge_in_ms = received.clears.get(clears_before).map(|t| signed_ms(*t, speech_onset));
        }
        // The reply: the first agent frame after the caller started talking
        // (for barge-in, after the cleared greeting stopped arriving).
        let reply_from = if fixture.barge_in {
            received.clears.get(clears_before).copied().unwrap_or(speech_onset)
        } else {
            speech_onset
        };
        turn.latency_ms = received.media[media_before..]
            .iter()
            .find(|(t, _)| *t > reply_from)
            .map(|(t, _)| signed_ms(*t, end_of_speech));
        if !waited {
            return Ok(()); // the agent hung up or transferred: the call is over
        }
    }
    Ok(())
}

/// Server turns answer caller speech in order; pair them with ours.
fn attach_server_record(result: &mut CallResult, plan: &CallPlan, record: ServerRecord) {
    let ServerRecord { call_id, turns, effects } = record;
    if let Some(id) = call_id {
        result.call_id = id;
    }
    let speech: Vec<(&TurnRecord, &str)> = turns
        .iter()
        .filter_map(|t| match &t.input {
            CallerInput::Speech(text) => Some((t, text.as_str())),
            _ => None,
        })
        .collect();
    let policy: Vec<_> =
        effects.as_ref().map(|e| e.turns.iter().filter(|t| !t.input.is_empty()).collect()).unwrap_or_default();
    let references: Vec<&str> = result.turns.iter().map(|t| t.reference.as_str()).collect();
    let heard: Vec<&str> = speech.iter().map(|(_, text)| *text).collect();
    let pairs = pair_turns(&references, &heard);
    let mut matched = 0;
    for (turn, pair) in result.turns.iter_mut().zip(pairs) {
        let Some(j) = pair else {
            result.unheard_turns += usize::from(turn.latency_ms.is_some());
            continue;
        };
        matched += 1;
        let (record, text) = speech[j];
        let errors = word_errors(&turn.reference, text);
        turn.wer = Some(errors.rate());
        turn.word_errors = Some(errors);
        turn.transcript = Some(text.to_string());
        turn.stages = Some(record.timings.clone());
        turn.agent_text = Some(record.agent_text.clone());
        if let Some(p) = policy.get(j) {
            turn.intent = Some(p.intent.clone());
        }
    }
    result.extra_server_turns = turns.len() - matched;
    if plan.complete {
        // An interruption is judged by what the caller saw (a `clear` after
        // they spoke over the agent), not by the CRM: the scripted caller
        // hangs up right after it, which the server rightly files as an
        // abandoned call.
        let interrupted = result.turns.iter().any(|t| t.barge_in_ms.is_some());
        result.outcome_ok = match plan.outcome.as_str() {
            "interrupted" => Some(interrupted),
            outcome => effects.as_ref().map(|e| e.satisfies(outcome)),
        };
    }
    result.effects = effects;
}

/// Pairs caller turns with the server's speech turns, both in order, by what
/// was said: a caller turn the server never heard, or a server turn with no
/// caller turn of its own, must not shift every later pairing (it did: an
/// unheard "Sarah Johnson." used to get the next turn's transcript and
/// stages). Ordered alignment; a pair costs its WER (at most 1), a turn left
/// unpaired costs 1, and ties keep the plain in-order pairing.
pub fn pair_turns(references: &[&str], heard: &[&str]) -> Vec<Option<usize>> {
    let (n, m) = (references.len(), heard.len());
    // cost[i][j]: best cost of the first i caller turns against the first j server turns.
    let mut cost = vec![vec![0.0f64; m + 1]; n + 1];
    for i in 0..=n {
        for j in 0..=m {
            cost[i][j] = match (i, j) {
                (0, _) => j as f64,
                (_, 0) => i as f64,
                _ => {
                    let pair = cost[i - 1][j - 1] + word_errors(references[i - 1], heard[j - 1]).rate().min(1.0);
                    pair.min(cost[i - 1][j] + 1.0).min(cost[i][j - 1] + 1.0)
                }
            };
        }
    }
    let mut pairs = vec![None; n];
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let pair = cost[i - 1][j - 1] + word_errors(references[i - 1], heard[j - 1]).rate().min(1.0);
        if (cost[i][j] - pair).abs() < 1e-9 {
            pairs[i - 1] = Some(j - 1);
            i -= 1;
            j -= 1;
        } else if (cost[i][j] - (cost[i - 1][j] + 1.0)).abs() < 1e-9 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs
}

fn empty_turn(f: &Fixture) -> TurnResult {
    TurnResult {
        fixture: f.id.clone(),
        condition: f.condition(),
        voice: f.voice.clone(),
        scenario: f.scenario.clone(),
        turn: f.turn,
        reference: f.text.clone(),
        latency_ms: None,
        barge_in_ms: None,
        stages: None,
        transcript: None,
        word_errors: None,
        wer: None,
        expected_intent: f.intent.clone(),
        intent: None,
        agent_text: None,
        frames_dropped: 0,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn signed_ms(at: Instant, reference: Instant) -> f64 {
    if at >= reference { ms(at - reference) } else { -ms(reference - at) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn barge_in_plan() -> CallPlan {
        let fixture: Fixture = serde_json::from_value(serde_json::json!({
            "id": "barge_in-t1-us-clean", "file": "core/barge_in-t1-us-clean.wav",
            "text": "Sorry, wait, I have a question.", "voice": "us", "noise": "clean", "snr_db": null,
            "scenario": "barge_in", "turn": 1, "turns_in_scenario": 1, "intent": null,
            "outcome": "interrupted", "barge_in": true
        }))
        .expect("fixture");
        CallPlan {
            name: "barge_in/us/clean".into(),
            scenario: "barge_in".into(),
            outcome: "interrupted".into(),
            turns: vec![fixture],
            complete: true,
        }
    }

    /// The scripted interrupter hangs up at once, so the server files an
    /// abandoned call with a callback; what counts is that `clear` came.
    #[test]
    fn an_interruption_is_judged_by_the_clear_not_the_crm() {
        let plan = barge_in_plan();
        let abandoned = || Effects { callback_queued: true, ..Default::default() };
        for (cleared, ok) in [(Some(261.0), true), (None, false)] {
            let mut result = CallResult::new(&plan, "c1");
            result.turns[0].barge_in_ms = cleared;
            let record = ServerRecord { call_id: None, turns: Vec::new(), effects: Some(abandoned()) };
            attach_server_record(&mut result, &plan, record);
            assert_eq!(result.outcome_ok, Some(ok), "clear after {cleared:?} ms");
        }
    }

    #[test]
    fn an_unheard_turn_does_not_shift_the_later_ones() {
        let said = [
            "A pipe just burst in my basement and there is water everywhere!",
            "Sarah Johnson.",
            "Eighteen Maple Avenue.",
            "Yes, please send someone right away.",
        ];
        // What the server recorded in the outlier call: turn 2 transcribed as "" and dropped.
        let heard = ["I've just worked in my basement and there is one around, everywhere.", "18 maple havu"];
        assert_eq!(pair_turns(&said, &heard), vec![Some(0), None, Some(1), None]);
    }

    #[test]
    fn a_split_utterance_keeps_the_later_pairs() {
        let said = ["My water heater is leaking, can someone come tomorrow?", "Yes, that works."];
        let heard = ["My water heater is leaking.", "Can someone come tomorrow?", "Yes, that works."];
        let pairs = pair_turns(&said, &heard);
        assert!(pairs[0].is_some_and(|j| j < 2), "{pairs:?}");
        assert_eq!(pairs[1], Some(2));
    }

    #[test]
    fn garbled_turns_pair_in_order() {
        assert_eq!(
            pair_turns(&["John Smith.", "Forty two Oak Street."], &["Jarvis Meade", "42 oak trees"]),
            vec![Some(0), Some(1)]
        );
        assert_eq!(pair_turns(&["Hello there."], &[]), vec![None]);
    }
}
