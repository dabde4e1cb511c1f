//! Outbound audio pacing and "what has the caller actually heard?".
//!
//! Twilio plays whatever we send as fast as we send it into a buffer; if we
//! dumped a whole reply at once, a `clear` on barge-in would still be needed
//! to stop it and our idea of what was heard would be guesswork. So the pacer
//! releases 20 ms mu-law frames on a clock, keeping at most `lead` of audio
//! queued at Twilio (default 80 ms), puts a `mark` after every sentence, and
//! records which sentences Twilio confirmed as played (marks are echoed when
//! the audio before them has played). On barge-in, [`Pacer::clear`] drops the
//! local queue, emits `clear`, and works out the heard part of the agent's
//! line: confirmed sentences in full, plus the played fraction of the
//! sentence that was cut, estimated from the playback clock.
//!
//! The pacer is pure: every method takes `now`, and the call task drives it
//! with `sleep_until(next_wakeup())`.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::protocol::Outbound;

/// Bytes in one 20 ms frame of 8 kHz mu-law.
pub const FRAME_BYTES: usize = 160;
pub const FRAME: Duration = Duration::from_millis(20);
/// mu-law encoding of silence, used to pad a sentence's last frame.
pub const MULAW_SILENCE: u8 = 0xff;

/// After Twilio should have played everything, wait this long for the last
/// mark before assuming it was lost (so the call never stays "talking").
const MARK_GRACE: Duration = Duration::from_millis(1500);

#[derive(Debug)]
enum Item {
    Frame(Box<[u8; FRAME_BYTES]>),
    Mark(usize),
}

/// One sentence of an agent reply, as sent and as heard.
#[derive(Debug, Clone)]
struct Sentence {
    turn: u32,
    mark: String,
    text: String,
    frames: usize,
    /// Global index of the sentence's first frame.
    first_frame: usize,
    first_sent_at: Option<Instant>,
    heard: bool,
    /// Dropped by a `clear`; its late mark echo means nothing.
    cut: bool,
}

/// What the caller heard of the agent when the pacer was cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cleared {
    pub turn: u32,
    /// The agent's line truncated to what was played.
    pub heard_text: String,
    /// Whether anything was cut (false if playback had in fact finished).
    pub truncated: bool,
}

/// Paces one call's outbound audio.
#[derive(Debug)]
pub struct Pacer {
    stream_sid: String,
    lead: Duration,
    queue: VecDeque<Item>,
    /// When Twilio's buffer runs dry, by our count.
    playout_end: Option<Instant>,
    frames_sent: usize,
    frames_queued: usize,
    sentences: Vec<Sentence>,
    outstanding_marks: usize,
    /// Mark names are unique for the whole call, so a late echo can never be
    /// mistaken for a newer sentence's.
    next_mark: u64,
    /// Frames sent, with when each starts playing (for the call recording).
    tap: Option<Vec<SentFrame>>,
}

/// One outbound frame and the moment Twilio starts playing it, by our clock.
#[derive(Debug, Clone)]
pub struct SentFrame {
    pub plays_at: Instant,
    pub mulaw: Box<[u8; FRAME_BYTES]>,
}

impl Pacer {
    /// `lead` is clamped to at least one frame.
    pub fn new(stream_sid: &str, lead: Duration) -> Self {
        Pacer {
            stream_sid: stream_sid.to_string(),
            lead: lead.max(FRAME),
            queue: VecDeque::new(),
            playout_end: None,
            frames_sent: 0,
            frames_queued: 0,
            sentences: Vec::new(),
            outstanding_marks: 0,
            next_mark: 0,
            tap: None,
        }
    }

    /// Starts keeping a copy of every frame sent, for [`Pacer::take_sent`].
    pub fn tap_sent(&mut self) {
        self.tap.get_or_insert_with(Vec::new);
    }

    /// The frames sent since the last call (empty unless tapped).
    pub fn take_sent(&mut self) -> Vec<SentFrame> {
        self.tap.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Queues one synthesized sentence of reply `turn` and returns the name of
    /// the mark that will follow it.
    pub fn push_sentence(&mut self, turn: u32, text: &str, mulaw: &[u8]) -> String {
        let index = self.sentences.len();
        let mark = format!("{turn}.{}", self.next_mark);
        self.next_mark += 1;
        let mut frames = 0;
        for chunk in mulaw.chunks(FRAME_BYTES) {
            let mut frame = Box::new([MULAW_SILENCE; FRAME_BYTES]);
            frame[..chunk.len()].copy_from_slice(chunk);
            self.queue.push_back(Item::Frame(frame));
            frames += 1;
        }
        self.sentences.push(Sentence {
            turn,
            mark: mark.clone(),
            text: text.trim().to_string(),
            frames,
            first_frame: self.frames_queued,
            first_sent_at: None,
            heard: false,
            cut: false,
        });
        self.frames_queued += frames;
        self.queue.push_back(Item::Mark(index));
        mark
    }

    /// Audio queued here plus what Twilio still has buffered.
    pub fn pending(&self, now: Instant) -> Duration {
        FRAME * self.frames_in_queue() as u32 + self.buffered_at_twilio(now)
    }

    fn frames_in_queue(&self) -> usize {
        self.frames_queued - self.frames_sent
    }

    fn buffered_at_twilio(&self, now: Instant) -> Duration {
        self.playout_end.map_or(Duration::ZERO, |end| end.saturating_duration_since(now))
    }

    /// Whether the caller is (or may still be) hearing the agent.
    pub fn is_playing(&self, now: Instant) -> bool {
        if !self.queue.is_empty() {
            return true;
        }
        match self.playout_end {
            Some(end) if self.outstanding_marks > 0 => now < end + MARK_GRACE,
            Some(end) => now < end,
            None => false,
        }
    }

    /// When [`Pacer::poll`] next has something to send, if anything is queued.
    pub fn next_wakeup(&self, now: Instant) -> Option<Instant> {
        match self.queue.front()? {
            Item::Mark(_) => Some(now),
            Item::Frame(_) => {
                let threshold = self.lead - FRAME;
                Some(self.playout_end.map_or(now, |end| end.checked_sub(threshold).unwrap_or(now).max(now)))
            }
        }
    }

    /// Releases every message due at `now`, in order.
    pub fn poll(&mut self, now: Instant) -> Vec<Outbound> {
        let mut out = Vec::new();
        while let Some(front) = self.queue.front() {
            match front {
                Item::Mark(index) => {
                    let index = *index;
                    self.queue.pop_front();
                    self.outstanding_marks += 1;
                    out.push(Outbound::mark(&self.stream_sid, &self.sentences[index].mark));
                }
                Item::Frame(_) => {
                    if self.buffered_at_twilio(now) + FRAME > self.lead {
                        break;
                    }
                    let Some(Item::Frame(frame)) = self.queue.pop_front() else {
                        break;
                    };
                    self.mark_first_send(now);
                    let start = self.playout_end.map_or(now, |end| end.max(now));
                    self.playout_end = Some(start + FRAME);
                    self.frames_sent += 1;
                    out.push(Outbound::media(&self.stream_sid, &frame[..]));
                    if let Some(tap) = &mut self.tap {
                        tap.push(SentFrame { plays_at: start, mulaw: frame });
                    }
                }
            }
        }
        out
    }

    fn mark_first_send(&mut self, now: Instant) {
        let index = self.frames_sent;
        if let Some(s) = self.sentences.iter_mut().rev().find(|s| s.first_frame == index && s.frames > 0)
            && s.first_sent_at.is_none()
        {
            s.first_sent_at = Some(now);
        }
    }

    /// Records Twilio's echo of mark `name`. Returns the sentence text if this
    /// echo confirms a sentence as heard.
    pub fn on_mark_echo(&mut self, name: &str) -> Option<String> {
        let s = self.sentences.iter_mut().find(|s| s.mark == name)?;
        if s.cut || s.heard {
            return None;
        }
        s.heard = true;
        self.outstanding_marks = self.outstanding_marks.saturating_sub(1);
        Some(s.text.clone())
    }

    /// When the first frame of reply `turn` went out.
    pub fn first_frame_sent(&self, turn: u32) -> Option<Instant> {
        self.sentences.iter().filter(|s| s.turn == turn).find_map(|s| s.first_sent_at)
    }

    /// The part of reply `turn` confirmed heard so far.
    pub fn heard_text(&self, turn: u32) -> String {
        join(self.sentences.iter().filter(|s| s.turn == turn && s.heard).map(|s| s.text.clone()))
    }

    /// Barge-in: drops everything unsent and returns the `clear` to send plus
    /// what the caller heard of the turn that was playing. `None` when nothing
    /// is playing (no `clear` needed).
    pub fn clear(&mut self, now: Instant) -> Option<(Outbound, Cleared)> {
        if !self.is_playing(now) {
            return None;
        }
        let buffered_frames = self.buffered_at_twilio(now).as_millis().div_ceil(FRAME.as_millis()) as usize;
        let played = self.frames_sent.saturating_sub(buffered_frames);
        let mut turn = None;
        let mut heard = Vec::new();
        let mut truncated = false;
        for s in self.sentences.iter_mut().filter(|s| !s.heard && !s.cut) {
            turn.get_or_insert(s.turn);
            let played_here = played.saturating_sub(s.first_frame).min(s.frames);
            s.cut = true;
            if played_here >= s.frames && s.frames > 0 {
                s.heard = true;
                heard.push((s.turn, s.text.clone()));
            } else {
                truncated = true;
                let partial = truncate_words(&s.text, played_here, s.frames);
                if !partial.is_empty() {
                    heard.push((s.turn, partial));
                }
            }
        }
        // Everything not yet sent is gone; Twilio drops its buffer too.
        self.queue.clear();
        self.frames_queued = self.frames_sent;
        self.playout_end = None;
        self.outstanding_marks = 0;
        let turn = turn?;
        let confirmed = self.sentences.iter().filter(|s| s.turn == turn && s.heard && !s.cut).map(|s| s.text.clone());
        let partial = heard.into_iter().filter(|(t, _)| *t == turn).map(|(_, text)| text);
        let heard_text = join(confirmed.chain(partial));
        Some((Outbound::clear(&self.stream_sid), Cleared { turn, heard_text, truncated }))
    }

    /// Forgets the records of turns before `turn` (keeps memory flat on long calls).
    pub fn forget_before(&mut self, turn: u32) {
        if self.sentences.iter().any(|s| s.turn < turn && !s.heard && !s.cut) {
            return; // still playing; forgetting would shift indices under queued marks
        }
        if self.queue.is_empty() {
            self.sentences.retain(|s| s.turn >= turn);
            let base = self.sentences.first().map_or(self.frames_queued, |s| s.first_frame);
            for s in &mut self.sentences {
                s.first_frame -= base;
            }
            self.frames_sent -= base;
            self.frames_queued -= base;
        }
    }
}

fn join(parts: impl Iterator<Item = String>) -> String {
    parts.filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The leading words of `text` in proportion to `played` of `total` frames.
fn truncate_words(text: &str, played: usize, total: usize) -> String {
    if total == 0 || played == 0 {
        return String::new();
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let keep = (words.len() * played) / total;
    words[..keep.min(words.len())].join(" ")
}

#[cfg(test)]
#[path = "pacer_tests.rs"]
mod tests;
