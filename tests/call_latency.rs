//! Turn-latency benchmark over real sockets with the real engines.
//!
//! ```sh
//! MODELS_DIR=models cargo nextest run --test call_latency --run-ignored only --no-capture
//! # knobs: BENCH_TURNS (per call, default 20), BENCH_CALLS (simultaneous calls, default 1),
//! #        BENCH_SPECULATIVE=0 (disable speculative STT), BENCH_END_SILENCE_MS (default 300),
//! #        BENCH_STAGGER_MS (delay between call starts, default 700), STT_WORKERS (Whisper workers, default 2 like the server)
//! ```
//!
//! Caller-side latency: from the moment the caller's last voiced 20 ms frame
//! is sent to the moment the first frame of the reply arrives. Server-side
//! stages come from the persisted turn records.

mod support;

use std::time::Duration;

use support::call_harness::*;
use support::fake_media_client::{FakeTwilioCall, Pace};
use switchboard::speech::codec;
use switchboard::telephony::endpointing::EndpointConfig;
use switchboard::telephony::ports::CallSettings;
use tokio::time::Instant;

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Index just past the last frame louder than the speech threshold.
fn speech_end(mulaw: &[u8]) -> usize {
    let frames: Vec<&[u8]> = mulaw.chunks(160).collect();
    let last = frames.iter().rposition(|f| {
        let s = codec::decode(f);
        (s.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / s.len() as f64).sqrt() > 500.0
    });
    last.map_or(mulaw.len(), |i| ((i + 1) * 160).min(mulaw.len()))
}

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summary(name: &str, mut values: Vec<u32>) -> String {
    values.sort_unstable();
    format!(
        "{name:>22}: n={:>3} median={:>5} ms p95={:>5} ms max={:>5} ms",
        values.len(),
        percentile(&values, 0.5),
        percentile(&values, 0.95),
        values.last().copied().unwrap_or(0)
    )
}

/// One call: greeting, then `turns` caller utterances; returns caller-side latencies (ms).
async fn run_call(h: &Harness, index: u8, turns: u32) -> Vec<u32> {
    // Real callers do not speak in lockstep: start each call a little later.
    let stagger = env_u32("BENCH_STAGGER_MS", 700);
    tokio::time::sleep(Duration::from_millis(u64::from(stagger) * u64::from(index))).await;
    let call_sid = format!("CA{:032x}", u128::from(index) + 1);
    let call_id = format!("bench-{index}");
    let (token, _) = h.new_call(&call_id, &call_sid, GREETING).await;
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &call_sid).await.unwrap();
    call.start(&[("token", &token)]);
    let utterances: Vec<Vec<u8>> =
        ["water-heater", "kitchen-sink", "drain", "hours"].iter().map(|n| fixture(n)).collect();
    let mut latencies = Vec::new();
    // Let the greeting play out.
    wait_until_quiet(&mut call).await;
    for turn in 0..turns as usize {
        let audio = &utterances[turn % utterances.len()];
        let end = speech_end(audio);
        call.send_audio(&audio[..end], Pace::RealTime).await;
        let spoke_until = Instant::now();
        let media_before = call.received().media.len();
        let deadline = spoke_until + Duration::from_secs(20);
        let first_reply = loop {
            call.send_silence(Duration::from_millis(20), Pace::RealTime).await;
            let r = call.received();
            if r.media.len() > media_before {
                break r.media[media_before].0;
            }
            assert!(Instant::now() < deadline, "no reply to turn {turn} of call {index}");
        };
        latencies.push((first_reply - spoke_until).as_millis() as u32);
        wait_until_quiet(&mut call).await;
    }
    call.stop();
    h.wait_for_summary(&call_id, Duration::from_secs(10)).await;
    latencies
}

/// Sends silence until everything the server queued has been played.
async fn wait_until_quiet(call: &mut FakeTwilioCall) {
    loop {
        call.send_silence(Duration::from_millis(100), Pace::RealTime).await;
        let r = call.received();
        if !r.marks.is_empty() && r.echoed_marks.len() == r.marks.len() {
            call.send_silence(Duration::from_millis(300), Pace::RealTime).await;
            return;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: minutes of real-time audio; run explicitly"]
async fn turn_latency() {
    let turns = env_u32("BENCH_TURNS", 20);
    let calls = env_u32("BENCH_CALLS", 1) as u8;
    let speculative = env_u32("BENCH_SPECULATIVE", 1) != 0;
    let end_silence_ms = env_u32("BENCH_END_SILENCE_MS", 300);
    let endpoint = EndpointConfig {
        end_silence_ms,
        speculative_silence_ms: if speculative { 100 } else { 0 },
        ..EndpointConfig::default()
    };
    let settings = CallSettings { endpoint, filler_after: Duration::from_secs(60), ..CallSettings::default() };
    let h = Harness::start_with(None, settings).await;
    // Warm both Whisper decoders and Piper (their buffers grow on first use)
    // before the baseline, so the delta is what the calls themselves cost.
    let audio = fixture("water-heater");
    let _ = tokio::join!(transcribe(&audio), transcribe(&audio), transcribe(&audio));
    let _ = switchboard::speech::tts::synthesize_all(
        h.tts.as_ref(),
        "I am sorry about the leak. A plumber can come tomorrow morning. Could you tell me more about the problem?",
        switchboard::speech::tts::AudioFormat::MuLaw8k,
    )
    .await;
    let baseline = rss_kib();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(baseline));
    let sampler = {
        let peak = std::sync::Arc::clone(&peak);
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    let results = futures_util::future::join_all((0..calls).map(|i| run_call(&h, i, turns))).await;
    let caller: Vec<u32> = results.into_iter().flatten().collect();
    let summaries = h.recorder.calls.lock().unwrap().clone();
    let timings: Vec<_> = summaries.iter().flat_map(|s| s.turns.iter().map(|t| t.timings.clone())).collect();
    let stage = |f: &dyn Fn(&switchboard::telephony::ports::TurnTimings) -> Option<u32>| -> Vec<u32> {
        timings.iter().filter_map(f).collect()
    };
    let hits = timings.iter().filter(|t| t.speculative_hit).count();
    println!(
        "\n{calls} call(s) x {turns} turns, end-of-turn silence {end_silence_ms} ms, speculative STT {}, {:.0} s",
        if speculative { "on" } else { "off" },
        started.elapsed().as_secs_f64()
    );
    println!("{}", summary("caller-side latency", caller.clone()));
    println!("{}", summary("server turn latency", stage(&|t| t.latency_ms())));
    println!("{}", summary("end -> first frame", stage(&|t| t.first_frame_ms)));
    println!("{}", summary("stt (after end)", stage(&|t| t.stt_ms)));
    println!("{}", summary("policy", stage(&|t| t.policy_ms)));
    println!("{}", summary("tts first audio", stage(&|t| t.tts_first_audio_ms)));
    println!("speculative transcripts used: {hits}/{}", timings.len());
    sampler.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "RSS: {} MiB before the calls, peak {} MiB during them: {:.1} MiB per call",
        baseline / 1024,
        peak / 1024,
        (peak.saturating_sub(baseline)) as f64 / 1024.0 / f64::from(calls)
    );
    println!("metrics:\n{}", h.metrics.render_prometheus(&[]));
    assert_eq!(caller.len(), (turns * u32::from(calls)) as usize);
}
