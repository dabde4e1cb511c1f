//! The call's recording: both sides on one timeline, encoded off the call's
//! thread.
//!
//! The caller's audio is placed by Twilio's media timestamps (milliseconds
//! since the stream started), the agent's by when each sent frame starts
//! playing at Twilio by our clock (the pacer knows), both counted from the
//! stream's `start`. A barge-in `clear` cuts the agent's side at that moment:
//! the file holds what the caller heard, not what we had queued. Left channel
//! caller, right channel agent.
//!
//! Samples are handed over, interleaved, once both sides are final up to a
//! point (the caller's audio has arrived and the moment has passed, so no
//! `clear` can still cut it). Encoding and file writes run on a blocking
//! thread behind a bounded queue; if that thread falls behind or fails, the
//! recording is abandoned and the call goes on. The file is written under a
//! temporary name and renamed only when complete, so no partial file is
//! ever linked from a call.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};

use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::speech::codec;
use crate::speech::ogg_opus::{self, OggOpusWriter};
use crate::telephony::pacer::SentFrame;
use crate::telephony::ports::{RecordingPlan, RecordingSaved};
use crate::telephony::recordings;

/// Two channels of narrowband voice: about 3 KB per second of call (16 kbit/s
/// lost a third of a test tone's energy; 24 kbit/s keeps it).
const BITRATE: i32 = 24_000;
/// Hand-overs queued for the writer (at most ~100 a second, one frame or more
/// each): seconds of slack for a stalled disk before the recording is dropped.
const QUEUE: usize = 1024;
/// Samples per millisecond at 8 kHz.
const PER_MS: u64 = ogg_opus::RATE as u64 / 1000;
/// A caller timestamp further ahead than this (1 s) is not trusted: the
/// audio is appended instead of leaving a gap a hostile peer could inflate.
const MAX_GAP: usize = ogg_opus::RATE as usize;

#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("encoding: {0}")]
    Encode(#[from] ogg_opus::OggOpusError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the writer fell behind")]
    Overrun,
    #[error("the writer stopped")]
    WriterGone,
    #[error("refused recording path {0:?}")]
    Path(String),
}

enum Chunk {
    Samples(Vec<i16>),
    Finish,
}

pub(super) struct CallRecording {
    started: Instant,
    tx: SyncSender<Chunk>,
    writer: JoinHandle<Result<RecordingSaved, RecordingError>>,
    /// Timeline position (samples since `start`) of `caller[0]` and `agent[0]`.
    base: usize,
    caller: Vec<i16>,
    agent: Vec<i16>,
    /// End of the caller's audio received so far.
    caller_end: usize,
}

impl CallRecording {
    /// Starts the writer thread. Failures to create the file surface on the
    /// next hand-over or at `finish`.
    pub(super) fn start(plan: RecordingPlan, started: Instant) -> Self {
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let writer = tokio::task::spawn_blocking(move || write_file(rx, plan));
        CallRecording { started, tx, writer, base: 0, caller: Vec::new(), agent: Vec::new(), caller_end: 0 }
    }

    fn position(&self, at: Instant) -> usize {
        (at.saturating_duration_since(self.started).as_micros() as u64 * PER_MS / 1000) as usize
    }

    /// The caller's audio of one media message (`timestamp` from Twilio).
    pub(super) fn caller(&mut self, timestamp_ms: u64, samples: &[i16]) {
        let stamped = usize::try_from(timestamp_ms.saturating_mul(PER_MS)).unwrap_or(usize::MAX);
        let at =
            if stamped > self.caller_end && stamped - self.caller_end <= MAX_GAP { stamped } else { self.caller_end };
        place(&mut self.caller, at - self.base, samples);
        self.caller_end = at + samples.len();
    }

    /// One frame sent to Twilio.
    pub(super) fn agent(&mut self, frame: &SentFrame) {
        let at = self.position(frame.plays_at);
        let samples = codec::decode(&frame.mulaw[..]);
        if at + samples.len() <= self.base {
            return; // already handed over (cannot happen with a sane clock)
        }
        let skip = self.base.saturating_sub(at).min(samples.len());
        place(&mut self.agent, at + skip - self.base, &samples[skip..]);
    }

    /// Barge-in: Twilio dropped everything not yet played at `at`.
    pub(super) fn cut_agent(&mut self, at: Instant) {
        let keep = self.position(at).saturating_sub(self.base);
        self.agent.truncate(keep);
    }

    /// Hands over whatever is final by `now`.
    pub(super) fn flush(&mut self, now: Instant) -> Result<(), RecordingError> {
        let now_at = self.position(now);
        if now_at > self.caller_end + 2 * MAX_GAP {
            // The caller's stream stalled: their side is silence up to a
            // second ago, so the agent's audio is not held back for ever.
            let to = now_at - MAX_GAP;
            place(&mut self.caller, to - self.base, &[]);
            self.caller_end = to;
        }
        let ready = self.caller_end.min(now_at);
        let frames = ready.saturating_sub(self.base) / ogg_opus::FRAME_SAMPLES;
        self.hand_over(frames * ogg_opus::FRAME_SAMPLES)
    }

    fn hand_over(&mut self, samples: usize) -> Result<(), RecordingError> {
        let Some(chunk) = self.take(samples) else { return Ok(()) };
        self.tx.try_send(chunk).map_err(|e| match e {
            TrySendError::Full(_) => RecordingError::Overrun,
            TrySendError::Disconnected(_) => RecordingError::WriterGone,
        })
    }

    /// The next `samples` of both sides, interleaved (silence where a side
    /// has nothing).
    fn take(&mut self, samples: usize) -> Option<Chunk> {
        if samples == 0 {
            return None;
        }
        let side = |track: &mut Vec<i16>| {
            let mut out: Vec<i16> = track.drain(..samples.min(track.len())).collect();
            out.resize(samples, 0);
            out
        };
        let (caller, agent) = (side(&mut self.caller), side(&mut self.agent));
        self.base += samples;
        Some(Chunk::Samples(caller.into_iter().zip(agent).flat_map(|(c, a)| [c, a]).collect()))
    }

    /// The call ended at `now`: hands over the rest, waits for the file.
    pub(super) async fn finish(mut self, now: Instant) -> Result<RecordingSaved, RecordingError> {
        self.cut_agent(now);
        let end = self.caller_end.max(self.base + self.agent.len());
        let last = self.take(end - self.base);
        let CallRecording { tx, writer, .. } = self;
        // The queue may still hold the last seconds: wait for room on a
        // blocking thread (the call is over, but a worker must not block).
        let handed = tokio::task::spawn_blocking(move || {
            last.into_iter().chain([Chunk::Finish]).try_for_each(|chunk| tx.send(chunk))
        });
        let _ = handed.await;
        writer.await.map_err(|_| RecordingError::WriterGone)?
    }
}

/// Copies `samples` into `track` at `at`, zero-filling any gap.
fn place(track: &mut Vec<i16>, at: usize, samples: &[i16]) {
    let end = at + samples.len();
    if track.len() < end {
        track.resize(end, 0);
    }
    track[at..end].copy_from_slice(samples);
}

/// The writer thread: encodes what it is handed, then moves the finished
/// file into place. Dropped without `Finish` (the call task failed or gave
/// up), it deletes the partial file.
fn write_file(rx: Receiver<Chunk>, plan: RecordingPlan) -> Result<RecordingSaved, RecordingError> {
    let path =
        recordings::resolve(&plan.dir, &plan.relative).ok_or_else(|| RecordingError::Path(plan.relative.clone()))?;
    let part = path.with_extension("opus.part");
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| RecordingError::Io { path: p, source }
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let file = recordings::create_private(&part).map_err(io(&part))?;
    let result = encode_into(file, &rx, &part).and_then(|(duration_ms, bytes)| {
        fs::rename(&part, &path).map_err(io(&path))?;
        Ok(RecordingSaved { relative: plan.relative.clone(), duration_ms, bytes, retention_days: plan.retention_days })
    });
    if result.is_err() {
        let _ = fs::remove_file(&part);
    }
    result
}

fn encode_into(file: File, rx: &Receiver<Chunk>, part: &Path) -> Result<(u64, u64), RecordingError> {
    let io = |source| RecordingError::Io { path: part.to_path_buf(), source };
    let mut writer = OggOpusWriter::new(BufWriter::new(file), 2, BITRATE)?;
    loop {
        match rx.recv() {
            Ok(Chunk::Samples(pcm)) => writer.write(&pcm)?,
            Ok(Chunk::Finish) => break,
            Err(_) => return Err(RecordingError::WriterGone),
        }
    }
    let duration_ms = writer.duration_ms();
    let file = writer.finish()?.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    let bytes = file.metadata().map_err(io)?.len();
    Ok((duration_ms, bytes))
}

#[cfg(test)]
#[path = "recording_tests.rs"]
mod tests;
