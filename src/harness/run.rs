//! The harness's modes: scheduling simulated callers against the server.
//!
//! * matrix: every call plan once (voices x conditions), `concurrency` at a time;
//! * sweep: 1, 2, 4, ... simultaneous callers until p95 passes a limit;
//! * listen: N streams that never speak, for CPU and memory per stream.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::HarnessError;
use super::caller::{CallResult, run_call};
use super::manifest::{CallPlan, Manifest};
use super::media_client::{FRAME_BYTES, FakeTwilioCall};
use super::procstat;
use super::stats::Summary;
use super::target::Target;

/// Everything needed to run calls against a target server.
pub struct Bench {
    pub target: Arc<dyn Target>,
    pub manifest: Manifest,
    /// Delay between call starts within a batch (Twilio never connects
    /// everyone in the same millisecond).
    pub stagger: Duration,
    /// Longest wait for the agent's reply to one turn.
    pub reply_timeout: Duration,
    next_call: AtomicUsize,
}

/// One level of a concurrency sweep.
#[derive(Debug, Clone, Serialize)]
pub struct SweepLevel {
    pub callers: usize,
    pub latency: Summary,
    pub failed_calls: usize,
    pub cpu_cores: f64,
    pub rss_mb: f64,
    pub calls: Vec<CallResult>,
}

/// One level of the listening-only load.
#[derive(Debug, Clone, Serialize)]
pub struct ListenLevel {
    pub streams: usize,
    pub seconds: f64,
    pub cpu_cores: f64,
    pub cpu_per_stream: f64,
    pub rss_mb: f64,
    /// Streams the server actually held open at the end.
    pub active_calls: usize,
}

/// Prints progress on one stderr line.
pub fn progress(label: &str, done: usize, total: usize, extra: &str) {
    eprint!("\r[{label}] {done}/{total} {extra:<40}");
    if done == total {
        eprintln!();
    }
}

impl Bench {
    pub fn new(target: Arc<dyn Target>, manifest: Manifest, stagger: Duration) -> Self {
        Bench { target, manifest, stagger, reply_timeout: Duration::from_secs(30), next_call: AtomicUsize::new(0) }
    }

    /// Runs one call plan end to end.
    pub async fn call(&self, plan: &CallPlan) -> CallResult {
        let failed = |e: String| {
            let mut failed = CallResult::new(plan, "");
            failed.error = Some(e);
            failed
        };
        let audio: Result<Vec<Vec<u8>>, HarnessError> = plan.turns.iter().map(|f| self.manifest.audio(f)).collect();
        let audio = match audio {
            Ok(audio) => audio,
            Err(e) => return failed(e.to_string()),
        };
        let index = self.next_call.fetch_add(1, Ordering::SeqCst);
        match self.target.place_call(index, plan).await {
            Ok(placed) => run_call(self.target.as_ref(), plan, &audio, &placed, self.reply_timeout).await,
            Err(e) => failed(format!("placing the call: {e}")),
        }
    }

    /// Runs `plans`, at most `concurrency` calls at a time, in order.
    pub async fn calls(self: &Arc<Self>, plans: &[CallPlan], concurrency: usize, label: &str) -> Vec<CallResult> {
        let queue = Arc::new(AtomicUsize::new(0));
        let plans: Arc<Vec<CallPlan>> = Arc::new(plans.to_vec());
        let done = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        for worker in 0..concurrency.max(1) {
            let (bench, queue, plans, done) =
                (Arc::clone(self), Arc::clone(&queue), Arc::clone(&plans), Arc::clone(&done));
            let label = label.to_string();
            workers.push(tokio::spawn(async move {
                tokio::time::sleep(bench.stagger * worker as u32).await;
                let mut results = Vec::new();
                loop {
                    let i = queue.fetch_add(1, Ordering::SeqCst);
                    let Some(plan) = plans.get(i) else { break };
                    let result = bench.call(plan).await;
                    let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                    let last = result.turns.iter().rev().find_map(|t| t.latency_ms);
                    let note = match (&result.error, last) {
                        (Some(e), _) => format!("{}: {e}", plan.name),
                        (None, Some(l)) => format!("{} {l:.0} ms", plan.name),
                        (None, None) => plan.name.clone(),
                    };
                    progress(&label, n, plans.len(), &note);
                    results.push((i, result));
                }
                results
            }));
        }
        let mut all = Vec::new();
        for worker in workers {
            if let Ok(results) = worker.await {
                all.extend(results);
            }
        }
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, r)| r).collect()
    }

    /// 1, 2, 4, ... simultaneous callers (each placing `rounds` calls)
    /// until p95 turn latency passes `limit_ms` or `max_callers` is reached.
    pub async fn sweep(
        self: &Arc<Self>,
        plans: &[CallPlan],
        max_callers: usize,
        rounds: usize,
        limit_ms: f64,
    ) -> Vec<SweepLevel> {
        let mut levels = Vec::new();
        let mut callers = 1;
        while callers <= max_callers && !plans.is_empty() {
            let batch: Vec<CallPlan> = plans.iter().cycle().take(callers * rounds.max(1)).cloned().collect();
            let pid = self.target.pid();
            let before = procstat::sample(pid);
            let calls = self.calls(&batch, callers, &format!("sweep {callers}")).await;
            let after = procstat::sample(pid);
            let latencies: Vec<f64> = calls.iter().flat_map(|c| c.turns.iter().filter_map(|t| t.latency_ms)).collect();
            let level = SweepLevel {
                callers,
                latency: Summary::of(&latencies),
                failed_calls: calls.iter().filter(|c| c.error.is_some()).count(),
                cpu_cores: before.zip(after).map(|(a, b)| procstat::cores_used(&a, &b)).unwrap_or(0.0),
                rss_mb: after.map(|s| s.rss_bytes as f64 / 1e6).unwrap_or(0.0),
                calls,
            };
            let over = level.latency.p95_ms > limit_ms || level.latency.count == 0;
            levels.push(level);
            if over {
                break;
            }
            callers *= 2;
        }
        levels
    }

    /// Holds `streams` silent calls open for `seconds` and measures the
    /// process while they run (the greeting plays, then only silence flows).
    pub async fn listen(self: &Arc<Self>, streams: usize, seconds: f64) -> ListenLevel {
        let hold = Duration::from_secs_f64(seconds);
        let mut tasks = Vec::new();
        let plan = CallPlan {
            name: "listen".into(),
            scenario: "listen".into(),
            outcome: String::new(),
            turns: Vec::new(),
            complete: false,
        };
        for i in 0..streams {
            let plan = plan.clone();
            let bench = Arc::clone(self);
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(bench.stagger * i as u32).await;
                let index = bench.next_call.fetch_add(1, Ordering::SeqCst);
                let Ok(placed) = bench.target.place_call(index, &plan).await else {
                    return;
                };
                let Ok(mut call) =
                    FakeTwilioCall::connect(&placed.ws_url, Some(&placed.signature), &placed.call_sid).await
                else {
                    return;
                };
                let params: Vec<(&str, &str)> =
                    placed.parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                call.start(&params);
                let mut next = Instant::now();
                let silence = [0xffu8; FRAME_BYTES];
                // Streams stay up until the measurement window has passed.
                let until = Instant::now() + hold + bench.stagger * streams as u32 + Duration::from_secs(2);
                while Instant::now() < until {
                    call.send_frame(&silence);
                    next += Duration::from_millis(20);
                    tokio::time::sleep_until(next).await;
                }
                call.stop();
                call.close();
            }));
        }
        // Measure once every stream is up and its greeting is out of the way.
        tokio::time::sleep(self.stagger * streams as u32 + Duration::from_secs(1)).await;
        let pid = self.target.pid();
        let before = procstat::sample(pid);
        tokio::time::sleep(hold).await;
        let after = procstat::sample(pid);
        let active_calls = self.target.active_calls().await.unwrap_or(0);
        for task in tasks {
            let _ = task.await;
        }
        let cpu_cores = before.zip(after).map(|(a, b)| procstat::cores_used(&a, &b)).unwrap_or(0.0);
        ListenLevel {
            streams,
            seconds,
            cpu_cores,
            cpu_per_stream: if streams == 0 { 0.0 } else { cpu_cores / streams as f64 },
            rss_mb: after.map(|s| s.rss_bytes as f64 / 1e6).unwrap_or(0.0),
            active_calls,
        }
    }
}

/// Least-squares slope of RSS over streams: memory per added call (MB).
pub fn rss_per_stream(levels: &[ListenLevel]) -> Option<f64> {
    if levels.len() < 2 {
        return None;
    }
    let n = levels.len() as f64;
    let mx = levels.iter().map(|l| l.streams as f64).sum::<f64>() / n;
    let my = levels.iter().map(|l| l.rss_mb).sum::<f64>() / n;
    let sxx: f64 = levels.iter().map(|l| (l.streams as f64 - mx).powi(2)).sum();
    let sxy: f64 = levels.iter().map(|l| (l.streams as f64 - mx) * (l.rss_mb - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}
