//! A short real harness run: two fixtures, one caller, the in-process server
//! with the real Whisper and Piper models (from `MODELS_DIR`, default
//! `models/`). Checks the report's structure and that every stage of every
//! turn was measured; the timings themselves are machine-dependent and are
//! not asserted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use switchboard::config::SttModel;
use switchboard::harness::manifest::Manifest;
use switchboard::harness::report::Report;
use switchboard::harness::run::Bench;
use switchboard::harness::server::{EngineOptions, InProcessServer};
use switchboard::harness::target::Target;
use switchboard::telephony::ports::CallSettings;

fn models_dir() -> PathBuf {
    std::env::var_os("MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_fixtures_one_caller_measures_every_stage() {
    let mut manifest = Manifest::load("audio-fixtures/manifest.json".as_ref()).expect("core manifest");
    manifest.filter(&["long-t1-us-clean".into(), "hours-t1-us-clean".into()]);
    // The loss/jitter variant of the long sentence shares the prefix: drop it.
    manifest.fixtures.retain(|f| f.loss == 0.0);
    let plans = manifest.calls();
    assert_eq!(plans.len(), 2, "{:?}", plans.iter().map(|p| &p.name).collect::<Vec<_>>());

    let options = EngineOptions {
        models_dir: models_dir(),
        stt_model: SttModel::TinyEn,
        stt_workers: 2,
        stt_threads: 1,
        tts_workers: 1,
        call_threads: 2,
    };
    let server = InProcessServer::start(&options, CallSettings::default())
        .await
        .unwrap_or_else(|e| panic!("Whisper and Piper models are needed (set MODELS_DIR): {e}"));
    let info = server.info();
    let bench = Arc::new(Bench::new(Arc::new(server), manifest, Duration::from_millis(100)));
    let calls = bench.calls(&plans, 1, "test").await;
    let mut report = Report::new("test".into(), info, calls);
    assert!(report.check_budget(f64::MAX));

    let out = tempfile::tempdir().unwrap();
    report.write(out.path()).unwrap();
    for file in ["results.json", "report.md", "latency-cdf.svg", "stage-waterfall.svg"] {
        assert!(out.path().join(file).is_file(), "{file} missing");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("results.json")).unwrap()).unwrap();
    for key in ["machine", "target", "calls", "latency", "stages", "by_condition", "by_voice", "wer", "budget"] {
        assert!(json.get(key).is_some(), "results.json lacks {key}");
    }
    assert_eq!(json["target"]["kind"], "in-process");
    assert_eq!(json["failed_calls"], 0, "{}", serde_json::to_string_pretty(&json["calls"]).unwrap());
    assert_eq!(json["latency"]["count"], 2);
    let calls = json["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    for call in calls {
        assert!(call["greeting_ms"].is_number(), "{call}");
        let turns = call["turns"].as_array().unwrap();
        assert_eq!(turns.len(), 1);
        let turn = &turns[0];
        assert!(turn["latency_ms"].is_number(), "{turn}");
        assert!(turn["transcript"].is_string(), "{turn}");
        assert!(turn["wer"].is_number(), "{turn}");
        assert!(turn["intent"].is_string(), "{turn}");
        let stages = &turn["stages"];
        for stage in ["endpoint_wait_ms", "stt_ms", "policy_ms", "tts_first_audio_ms", "first_frame_ms"] {
            assert!(stages[stage].is_number(), "{stage} not measured: {turn}");
        }
    }
    for stage in ["endpoint_wait", "stt", "policy", "tts_first_audio", "first_frame"] {
        assert_eq!(json["stages"][stage]["count"], 2, "{stage}");
    }
    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("## Turn latency"), "{md}");
    assert!(md.contains("## Server stages"), "{md}");
    assert!(md.contains("| long-t1-us-clean |") || md.contains("| clean |"), "{md}");
    assert!(md.contains("## CRM effect per call (checked in the in-process brain's memory)"), "{md}");
}
