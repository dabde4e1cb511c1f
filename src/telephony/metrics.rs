//! Call metrics: active calls, refusals, barge-ins, dropped protocol messages
//! and per-stage latency summaries (hdrhistogram, so p95 is exact to 1 ms and
//! memory is fixed however many turns are recorded).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;
use serde::Serialize;

#[derive(Debug, Default)]
pub struct CallMetrics {
    active: AtomicU64,
    started: AtomicU64,
    refused: AtomicU64,
    barge_ins: AtomicU64,
    fillers: AtomicU64,
    recordings_saved: AtomicU64,
    recording_failures: AtomicU64,
    protocol_errors: Mutex<BTreeMap<&'static str, u64>>,
    stages: Mutex<BTreeMap<&'static str, Histogram<u64>>>,
}

/// One stage's latency distribution, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageSummary {
    pub stage: &'static str,
    pub count: u64,
    pub p50: u64,
    pub p95: u64,
    pub p99: u64,
    pub max: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsSnapshot {
    pub active_calls: u64,
    pub calls_started: u64,
    pub calls_refused: u64,
    pub barge_ins: u64,
    pub fillers_played: u64,
    pub recordings_saved: u64,
    /// Recordings abandoned (the call itself went on).
    pub recording_failures: u64,
    pub protocol_errors: BTreeMap<&'static str, u64>,
    pub stages: Vec<StageSummary>,
}

/// Decrements the active-call gauge when the call task ends, however it ends.
#[derive(Debug)]
pub struct ActiveCall<'a>(&'a CallMetrics);

impl Drop for ActiveCall<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

impl CallMetrics {
    pub fn call_started(&self) -> ActiveCall<'_> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.active.fetch_add(1, Ordering::SeqCst);
        ActiveCall(self)
    }

    pub fn refused(&self) {
        self.refused.fetch_add(1, Ordering::SeqCst);
    }

    pub fn barge_in(&self) {
        self.barge_ins.fetch_add(1, Ordering::SeqCst);
    }

    pub fn filler(&self) {
        self.fillers.fetch_add(1, Ordering::SeqCst);
    }

    pub fn recording_saved(&self) {
        self.recordings_saved.fetch_add(1, Ordering::SeqCst);
    }

    pub fn recording_failed(&self) {
        self.recording_failures.fetch_add(1, Ordering::SeqCst);
    }

    pub fn protocol_error(&self, kind: &'static str) {
        let mut map = self.protocol_errors.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry(kind).or_default() += 1;
    }

    /// Records `ms` for `stage` (values above one minute are clamped).
    pub fn record(&self, stage: &'static str, ms: u64) {
        let mut stages = self.stages.lock().unwrap_or_else(|p| p.into_inner());
        if !stages.contains_key(stage) {
            // 1 ms .. 60 s at 3 significant digits (constant, valid bounds).
            let Ok(histogram) = Histogram::new_with_bounds(1, 60_000, 3) else { return };
            stages.insert(stage, histogram);
        }
        if let Some(histogram) = stages.get_mut(stage) {
            histogram.saturating_record(ms.clamp(1, 60_000));
        }
    }

    pub fn snapshot(&self) -> MetricsSnapshot {
        let stages = self.stages.lock().unwrap_or_else(|p| p.into_inner());
        MetricsSnapshot {
            active_calls: self.active.load(Ordering::SeqCst),
            calls_started: self.started.load(Ordering::SeqCst),
            calls_refused: self.refused.load(Ordering::SeqCst),
            barge_ins: self.barge_ins.load(Ordering::SeqCst),
            fillers_played: self.fillers.load(Ordering::SeqCst),
            recordings_saved: self.recordings_saved.load(Ordering::SeqCst),
            recording_failures: self.recording_failures.load(Ordering::SeqCst),
            protocol_errors: self.protocol_errors.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            stages: stages
                .iter()
                .map(|(stage, h)| StageSummary {
                    stage,
                    count: h.len(),
                    p50: h.value_at_quantile(0.5),
                    p95: h.value_at_quantile(0.95),
                    p99: h.value_at_quantile(0.99),
                    max: h.max(),
                })
                .collect(),
        }
    }

    /// Text exposition (valid OpenMetrics without the final `# EOF`); `queues`
    /// are (engine, depth) gauges.
    pub fn render_prometheus(&self, queues: &[(&str, usize)]) -> String {
        let s = self.snapshot();
        let mut out = String::new();
        let _ = writeln!(out, "# TYPE switchboard_active_calls gauge\nswitchboard_active_calls {}", s.active_calls);
        let counters = [
            ("switchboard_calls_started", s.calls_started),
            ("switchboard_calls_refused", s.calls_refused),
            ("switchboard_barge_ins", s.barge_ins),
            ("switchboard_fillers", s.fillers_played),
            ("switchboard_recordings_saved", s.recordings_saved),
            ("switchboard_recording_failures", s.recording_failures),
        ];
        for (name, value) in counters {
            let _ = writeln!(out, "# TYPE {name} counter\n{name}_total {value}");
        }
        let _ = writeln!(out, "# TYPE switchboard_media_stream_errors counter");
        for (kind, n) in &s.protocol_errors {
            let _ = writeln!(out, "switchboard_media_stream_errors_total{{kind=\"{kind}\"}} {n}");
        }
        let _ = writeln!(out, "# TYPE switchboard_speech_queue_depth gauge");
        for (engine, depth) in queues {
            let _ = writeln!(out, "switchboard_speech_queue_depth{{engine=\"{engine}\"}} {depth}");
        }
        let _ = writeln!(out, "# TYPE switchboard_call_stage_ms summary");
        for st in &s.stages {
            for (q, v) in [("0.5", st.p50), ("0.95", st.p95), ("0.99", st.p99)] {
                let _ = writeln!(out, "switchboard_call_stage_ms{{stage=\"{}\",quantile=\"{q}\"}} {v}", st.stage);
            }
            let _ = writeln!(out, "switchboard_call_stage_ms_count{{stage=\"{}\"}} {}", st.stage, st.count);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_summaries_and_exposition() {
        let m = CallMetrics::default();
        {
            let _a = m.call_started();
            let _b = m.call_started();
            assert_eq!(m.snapshot().active_calls, 2);
        }
        assert_eq!(m.snapshot().active_calls, 0);
        assert_eq!(m.snapshot().calls_started, 2);
        for ms in 1..=100 {
            m.record("turn_latency", ms);
        }
        m.protocol_error("malformed");
        m.protocol_error("malformed");
        let s = m.snapshot();
        assert_eq!(s.stages[0].count, 100);
        assert_eq!(s.stages[0].p50, 50);
        assert_eq!(s.stages[0].p95, 95);
        assert_eq!(s.protocol_errors["malformed"], 2);
        let text = m.render_prometheus(&[("stt", 3)]);
        assert!(text.contains("switchboard_call_stage_ms{stage=\"turn_latency\",quantile=\"0.95\"} 95"), "{text}");
        assert!(text.contains("switchboard_speech_queue_depth{engine=\"stt\"} 3"));
        assert!(text.contains("switchboard_media_stream_errors_total{kind=\"malformed\"} 2"));
    }
}
