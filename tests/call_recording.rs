//! Call recording end to end through the real app: a tenant that records
//! calls -> the consent line before the greeting -> both sides written as Ogg
//! Opus while the call runs -> the file linked from the call record and
//! served to that tenant only. A tenant with the default settings gets no
//! notice and no file. Real SQLite, real sockets, real Whisper and Piper.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use support::call_harness::{fixture, transcribe};
use support::fake_media_client::{FakeTwilioCall, Pace};
use support::phone_app::{PhoneApp, token_from};
use support::{Backend, TestApp, TestTenant};
use switchboard::speech::codec;
use switchboard::speech::ogg_opus::decode;
use switchboard::store::calls::{self, Call};
use tokio::time::Instant;

const CALLER: &str = "+15557654321";

struct App {
    phone: PhoneApp,
    recordings: tempfile::TempDir,
}

async fn start() -> App {
    let recordings = tempfile::tempdir().unwrap();
    let phone = PhoneApp::start(Backend::Sqlite, &[("RECORDINGS_DIR", recordings.path().to_str().unwrap())]).await;
    App { phone, recordings }
}

impl App {
    /// The voice webhook as Twilio calls it; returns the per-call token.
    async fn ring(&self, call_sid: &str, to: &str) -> String {
        let form = [("CallSid", call_sid), ("From", CALLER), ("To", to), ("CallStatus", "ringing")];
        let (status, twiml) = self.phone.webhook("/v1/twilio/voice", &form, true).await;
        assert_eq!(status, 200, "{twiml}");
        token_from(&twiml)
    }

    /// Opens the media stream a second after the webhook, like Twilio.
    async fn connect(&self, call_sid: &str, token: &str) -> FakeTwilioCall {
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.phone.connect(call_sid, token).await
    }

    /// The call once it has ended and (when recorded) its recording is linked.
    async fn ended_call(&self, tenant: &str, call_sid: &str, recorded: bool) -> Call {
        let db = &self.phone.app.state.db;
        for _ in 0..200 {
            let c = calls::get_by_sid(db, tenant, call_sid).await.unwrap();
            if c.ended_at.is_some() && (!recorded || c.recording.is_some()) {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("call {call_sid} did not end (recorded: {recorded})");
    }

    fn files_of(&self, tenant: &str) -> Vec<PathBuf> {
        match std::fs::read_dir(self.recordings.path().join(tenant)) {
            Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// Plays silence like Twilio until every mark sent so far was echoed.
async fn hear_out(call: &mut FakeTwilioCall, marks_at_least: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        call.send_silence(Duration::from_millis(200), Pace::RealTime).await;
        let r = call.received();
        if r.marks.len() >= marks_at_least && r.echoed_marks.len() == r.marks.len() {
            return;
        }
        assert!(Instant::now() < deadline, "playback did not finish: {} marks", r.marks.len());
    }
}

fn rms(samples: &[i16]) -> f64 {
    (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len().max(1) as f64).sqrt()
}

async fn enable_recording(app: &TestApp, t: &TestTenant) {
    let res = app
        .client
        .patch(app.url("/v1/owner/business"))
        .header("x-owner-token", &t.owner_token)
        .json(&json!({ "recording_enabled": true, "recording_retention_days": 14 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_call_says_so_and_is_linked_served_and_private() {
    let a = start().await;
    let acme = a.phone.app.create_tenant("Acme Plumbing", Some("+15550003001")).await;
    let bolt = a.phone.app.create_tenant("Bolt Electric", Some("+15550003002")).await;
    enable_recording(&a.phone.app, &acme).await;

    let call_sid = "CA00000000000000000000000000000301";
    let token = a.ring(call_sid, "+15550003001").await;
    let mut call = a.connect(call_sid, &token).await;
    let started = Instant::now();
    call.wait_for("greeting", Duration::from_secs(5), |r| !r.media.is_empty()).await;
    // The notice and the greeting are two sentences (two marks), notice first.
    hear_out(&mut call, 2).await;
    let r = call.received();
    assert_eq!(r.marks.len(), 2, "notice + greeting: {:?}", r.marks);
    let heard = transcribe(&r.played).await.to_lowercase();
    println!("greeting heard as: {heard}");
    assert!(heard.contains("record") || heard.contains("quality"), "no recording notice in {heard:?}");
    let notice_end = heard.find("record").or_else(|| heard.find("quality")).unwrap();
    let greeting_at = ["plumb", "calling", "acme", "thanks"].iter().filter_map(|w| heard.find(w)).min();
    assert!(greeting_at.is_some_and(|g| g > notice_end), "the notice comes first: {heard:?}");

    let speech = fixture("water-heater");
    call.send_audio(&speech, Pace::RealTime).await;
    hear_out(&mut call, 3).await;
    call.stop();
    let elapsed = started.elapsed();

    // The call links a complete file.
    let stored = a.ended_call(&acme.id, call_sid, true).await;
    let link = stored.recording.clone().expect("recording link");
    let path = a.recordings.path().join(format!("{}/{}.opus", acme.id, stored.id));
    assert_eq!(a.files_of(&acme.id), vec![path.clone()], "one file, no partial left-overs");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"OggS"));
    let decoded = decode(&bytes).unwrap();
    assert_eq!(decoded.channels, 2, "caller left, agent right");
    let length = Duration::from_millis(decoded.duration_ms());
    println!("call lasted {elapsed:?}; recording {length:?}, {} bytes", bytes.len());
    assert!(length + Duration::from_millis(1500) > elapsed && length < elapsed + Duration::from_millis(500));
    assert_eq!(link.duration_ms, decoded.duration_ms() as i64);
    let expected_expiry = stored.ended_at.unwrap() + chrono::Duration::days(14);
    assert!((link.expires_at - expected_expiry).num_seconds().abs() <= 2, "{} vs {expected_expiry}", link.expires_at);

    // The agent's side holds the notice; the caller's side holds their words.
    let agent = decoded.channel(1);
    let opening = &agent[..agent.len().min(8000 * 6)];
    let agent_heard = transcribe(&codec::encode(opening)).await.to_lowercase();
    println!("agent channel heard as: {agent_heard}");
    assert!(agent_heard.contains("record") || agent_heard.contains("quality"), "{agent_heard:?}");
    let caller = decoded.channel(0);
    let loud = caller.chunks(160).filter(|f| rms(f) > 500.0).count();
    let spoken = codec::decode(&speech).chunks(160).filter(|f| rms(f) > 500.0).count();
    assert!(loud * 10 >= spoken * 7, "caller side: {loud} loud frames of {spoken} spoken");

    // The API links and serves it to Acme only.
    let (status, json) =
        a.phone.app.call(Method::GET, &format!("/v1/crm/calls/{}", stored.id), &acme.api_key, None).await;
    assert_eq!(status, 200);
    assert_eq!(json["recording"]["url"], format!("/v1/crm/calls/{}/recording", stored.id));
    let url = a.phone.app.url(json["recording"]["url"].as_str().unwrap());
    let res = a.phone.app.client.get(&url).header("x-api-key", &acme.api_key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "audio/ogg");
    assert_eq!(res.bytes().await.unwrap().len(), bytes.len());
    let res = a.phone.app.client.get(&url).header("x-api-key", &bolt.api_key).send().await.unwrap();
    assert_eq!(res.status(), 404, "another tenant cannot fetch it");

    // Bolt records nothing (the default): no notice, no file, no link.
    let call_sid = "CA00000000000000000000000000000302";
    let token = a.ring(call_sid, "+15550003002").await;
    let mut call = a.connect(call_sid, &token).await;
    call.wait_for("greeting", Duration::from_secs(5), |r| !r.media.is_empty()).await;
    hear_out(&mut call, 1).await;
    assert_eq!(call.received().marks.len(), 1, "greeting only");
    call.stop();
    let plain = a.ended_call(&bolt.id, call_sid, false).await;
    assert!(plain.recording.is_none() && plain.recording_path.is_none());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(a.files_of(&bolt.id).is_empty());
    assert!(!Path::new(&a.recordings.path().join(&bolt.id)).exists());
}
