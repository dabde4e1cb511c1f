//! The harness against the real server binary: `serve` started on a free
//! port with a fresh SQLite database and the demo tenant, one two-turn call
//! (cancel an existing appointment) placed through the signed voice webhook,
//! streamed over the signed Media Streams upgrade, then read back through
//! the REST API. Checks the report's structure, that every stage of every
//! turn came from the stored call record, and that the CRM effect (the
//! appointment booked before the call is now cancelled) was verified
//! through the API. Needs the Whisper and Piper models (`MODELS_DIR`,
//! default `models/`); timings are not asserted.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use switchboard::config::SttModel;
use switchboard::harness::manifest::Manifest;
use switchboard::harness::report::Report;
use switchboard::harness::run::Bench;
use switchboard::harness::spawn::{SpawnOptions, SpawnedServer};
use switchboard::harness::target::Target;

fn models_dir() -> PathBuf {
    let dir = std::env::var_os("MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"));
    // The server runs in its own process: give it an absolute path.
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_to_the_real_server_is_measured_and_its_crm_effect_checked_through_the_api() {
    let mut manifest = Manifest::load("audio-fixtures/manifest.json".as_ref()).expect("core manifest");
    manifest.filter(&["cancel-t1-us-clean".into(), "cancel-t2-us-clean".into()]);
    let plans = manifest.calls();
    assert_eq!(plans.len(), 1, "{:?}", plans.iter().map(|p| &p.name).collect::<Vec<_>>());
    assert!(plans[0].complete && plans[0].turns.len() == 2);

    let out = tempfile::tempdir().unwrap();
    let options = SpawnOptions {
        binary: env!("CARGO_BIN_EXE_switchboard").into(),
        models_dir: models_dir(),
        stt_model: SttModel::TinyEn,
        log: out.path().join("server.log"),
    };
    let (mut server, remote) = SpawnedServer::start(&options).await.unwrap_or_else(|e| panic!("{e}"));
    let info = remote.info();
    let bench = Arc::new(Bench::new(Arc::new(remote), manifest, Duration::from_millis(100)));
    let calls = bench.calls(&plans, 1, "test").await;
    server.stop().await;
    let log = std::fs::read_to_string(out.path().join("server.log")).unwrap_or_default();
    assert!(!log.contains("phone calls are DISABLED"), "the server has no speech models:\n{log}");

    let report = Report::new("test".into(), info, calls);
    report.write(out.path()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("results.json")).unwrap()).unwrap();
    assert_eq!(json["target"]["kind"], "spawned");
    assert!(json["target"]["url"].as_str().is_some_and(|u| u.starts_with("http://127.0.0.1:")), "{}", json["target"]);
    let call = &json["calls"][0];
    assert!(call["error"].is_null(), "{}\n{log}", serde_json::to_string_pretty(call).unwrap());
    assert!(call["call_sid"].as_str().is_some_and(|s| s.len() == 34 && s.starts_with("CA")), "{call}");
    assert!(call["from"].as_str().is_some_and(|s| s.starts_with("+1737")), "{call}");
    assert!(call["greeting_ms"].is_number(), "{call}");
    let turns = call["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2);
    for turn in turns {
        assert!(turn["latency_ms"].is_number(), "{turn}");
        assert!(turn["transcript"].is_string(), "{turn}");
        for stage in ["endpoint_wait_ms", "stt_ms", "policy_ms", "tts_first_audio_ms", "first_frame_ms"] {
            assert!(turn["stages"][stage].is_number(), "{stage} not in the call record: {turn}");
        }
    }
    for stage in ["endpoint_wait", "stt", "policy", "tts_first_audio", "first_frame"] {
        assert_eq!(json["stages"][stage]["count"], 2, "{stage}");
    }

    // The CRM effect, read back through the REST API.
    let effects = &call["effects"];
    assert_eq!(effects["observed_via"], "api", "{call}");
    let evidence = effects["evidence"].as_array().unwrap();
    assert!(evidence.iter().any(|e| e.as_str().is_some_and(|e| e.starts_with("prepared appointment"))), "{effects}");
    assert_eq!(effects["cancelled"], true, "{}", serde_json::to_string_pretty(call).unwrap());
    assert_eq!(call["outcome_ok"], true, "{call}");
    assert_eq!(json["outcomes_checked"], 1);
    assert_eq!(json["outcomes_right"], 1);

    let md = std::fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.contains("- Target: spawned (http://127.0.0.1:"), "{md}");
    assert!(md.contains("## CRM effect per call (checked through the server's REST API)"), "{md}");
    assert!(md.contains("| cancel/us/clean |") && md.contains("| cancelled | cancelled | pass |"), "{md}");
}
