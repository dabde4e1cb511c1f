use std::time::Duration;

use super::*;
use crate::speech::ogg_opus::decode;

fn tone(freq: f64, samples: usize) -> Vec<i16> {
    (0..samples).map(|i| (6000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / 8000.0).sin()) as i16).collect()
}

fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len().max(1) as f64).sqrt()
}

fn plan(dir: &Path, relative: &str) -> RecordingPlan {
    RecordingPlan {
        consent: "This call is recorded for quality.".into(),
        dir: dir.to_path_buf(),
        relative: relative.into(),
        retention_days: 30,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn both_sides_land_on_one_timeline_and_a_clear_cuts_the_agent() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let mut rec = CallRecording::start(plan(dir.path(), "tenant-1/call-1.opus"), t0);
    let caller_tone = tone(300.0, 8000);
    let agent_tone = codec::encode(&tone(1200.0, 8000));
    // The caller talks for 1 s, in 20 ms media messages. The agent's frames
    // play from 200 ms and are sent 60 ms ahead, like the pacer's lead; the
    // caller barges in at 500 ms, when 60 ms more were already sent.
    for (i, frame) in caller_tone.chunks(160).enumerate() {
        let at = 20 * i as u64;
        rec.caller(at, frame);
        let plays = at + 60;
        if (200..700).contains(&plays) && at < 500 {
            let k = plays as usize / 20;
            let mut mulaw = Box::new([0xffu8; 160]);
            mulaw.copy_from_slice(&agent_tone[k * 160..(k + 1) * 160]);
            rec.agent(&SentFrame { plays_at: t0 + ms(plays), mulaw });
        }
        if at == 500 {
            rec.cut_agent(t0 + ms(500));
        }
        rec.flush(t0 + ms(at)).unwrap();
    }
    let saved = rec.finish(t0 + ms(1000)).await.unwrap();
    assert_eq!(saved.relative, "tenant-1/call-1.opus");
    assert_eq!(saved.duration_ms, 1000);
    let path = dir.path().join("tenant-1/call-1.opus");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(saved.bytes, bytes.len() as u64);
    assert!(bytes.starts_with(b"OggS"));
    assert!(!dir.path().join("tenant-1/call-1.opus.part").exists(), "temporary file renamed away");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let decoded = decode(&bytes).unwrap();
    assert_eq!(decoded.channels, 2);
    assert_eq!(decoded.frames(), 8000);
    let (caller, agent) = (decoded.channel(0), decoded.channel(1));
    let window = |s: &[i16], from_ms: usize, to_ms: usize| rms(&s[from_ms * 8..to_ms * 8]);
    assert!(window(&caller, 100, 900) > 2500.0, "caller throughout: {}", window(&caller, 100, 900));
    assert!(window(&agent, 20, 180) < 300.0, "agent silent before 200 ms: {}", window(&agent, 20, 180));
    assert!(window(&agent, 260, 480) > 2500.0, "agent between 200 and 500 ms: {}", window(&agent, 260, 480));
    assert!(window(&agent, 540, 980) < 300.0, "agent cut at 500 ms: {}", window(&agent, 540, 980));
}

#[tokio::test]
async fn a_timestamp_gap_is_silence_and_a_wild_one_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let mut rec = CallRecording::start(plan(dir.path(), "t/c.opus"), t0);
    let frame = tone(500.0, 160);
    rec.caller(0, &frame);
    rec.caller(100, &frame); // 80 ms lost on the way: kept as silence
    rec.caller(10_000_000, &frame); // hostile: appended, not a 3-hour gap
    let saved = rec.finish(t0 + ms(140)).await.unwrap();
    assert_eq!(saved.duration_ms, 140);
}

#[tokio::test]
async fn an_abandoned_recording_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    let mut rec = CallRecording::start(plan(dir.path(), "t/c.opus"), t0);
    rec.caller(0, &tone(500.0, 1600));
    rec.flush(t0 + ms(200)).unwrap();
    drop(rec);
    // The writer notices the dropped queue and removes its partial file.
    for _ in 0..100 {
        if std::fs::read_dir(dir.path().join("t")).map(|d| d.count() == 0).unwrap_or(true) {
            return;
        }
        tokio::time::sleep(ms(10)).await;
    }
    panic!("partial recording left behind");
}

#[tokio::test]
async fn an_unwritable_directory_fails_the_recording_not_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("t");
    std::fs::write(&blocker, b"a file where the tenant folder should be").unwrap();
    let t0 = Instant::now();
    let mut rec = CallRecording::start(plan(dir.path(), "t/c.opus"), t0);
    rec.caller(0, &tone(500.0, 160));
    assert!(rec.finish(t0 + ms(20)).await.is_err());
    let escape = CallRecording::start(plan(dir.path(), "../c.opus"), t0);
    assert!(matches!(escape.finish(t0).await, Err(RecordingError::Path(_))));
}
