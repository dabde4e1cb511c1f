//! Real calls over real sockets: the fake Twilio client against the Media
//! Streams route, with the real Whisper and Piper engines.
//!
//! Needs the models (`MODELS_DIR`, default `models/`; fetch with
//! `scripts/models/fetch.sh`).

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::call_harness::*;
use support::fake_media_client::{FakeTwilioCall, Pace};
use support::fake_twilio_rest::FakeTwilioRest;
use switchboard::telephony::ports::{CallControl, CallOutcome, CallSettings, CallerInput, Speaker};
use switchboard::telephony::rest::TwilioRest;
use tokio::time::Instant;

const SECS: fn(u64) -> Duration = Duration::from_secs;

fn sid(n: u8) -> String {
    format!("CA{:032x}", u128::from(n) * 0x1111)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_or_wrongly_signed_upgrades_are_refused() {
    let h = Harness::start(None).await;
    let err = FakeTwilioCall::connect(&h.ws_url(), None, &sid(1)).await.err().expect("no signature must fail");
    assert!(err.to_string().contains("403"), "{err}");
    let wrong = switchboard::telephony::signature::compute("other-token", &h.ws_url(), &[]);
    let err = FakeTwilioCall::connect(&h.ws_url(), Some(&wrong), &sid(1)).await.err().expect("bad signature must fail");
    assert!(err.to_string().contains("403"), "{err}");
    // The https URL's signature is not the wss URL's.
    let https = switchboard::telephony::signature::compute(AUTH_TOKEN, &h.ws_url().replace("ws://", "http://"), &[]);
    assert!(FakeTwilioCall::connect(&h.ws_url(), Some(&https), &sid(1)).await.is_err());
    assert_eq!(h.metrics.snapshot().calls_refused, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_per_call_token_gets_no_audio_and_the_socket_closes() {
    let h = Harness::start(None).await;
    let (token, _) = h.new_call("call-1", &sid(1), GREETING).await;
    for bad in ["", "v1.forged.token.x.y.z", token.as_str()] {
        // The valid token belongs to sid(1); presenting it for sid(2) is refused too.
        let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(2)).await.unwrap();
        call.start(&[("token", bad)]);
        let r = call.wait_for("socket close", SECS(5), |r| r.closed).await;
        assert!(r.media.is_empty(), "refused stream must get no audio");
    }
    assert_eq!(h.metrics.snapshot().calls_refused, 3);
    assert_eq!(h.metrics.snapshot().calls_started, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greeting_then_a_spoken_reply_that_transcribes_and_a_persisted_call() {
    // No "one moment" filler here: the reply audio alone is transcribed.
    let settings = CallSettings { filler_after: SECS(60), ..CallSettings::default() };
    let h = Harness::start_with(None, settings).await;
    let (token, brain) = h.new_call("call-1", &sid(1), GREETING).await;
    let mut live = h.live.subscribe("tenant-acme");
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    call.start(&[("token", &token)]);
    let r = call.wait_for("greeting audio", SECS(2), |r| !r.media.is_empty()).await;
    let greeting_latency = r.first_media_at().unwrap() - call.started_at;
    println!("greeting first frame after start: {greeting_latency:?}");
    assert!(greeting_latency < Duration::from_millis(300), "greeting after {greeting_latency:?}");
    // Keep the line alive like Twilio (silence frames) while the greeting plays.
    let r = loop {
        call.send_silence(Duration::from_millis(200), Pace::RealTime).await;
        let r = call.received();
        if !r.echoed_marks.is_empty() {
            break r;
        }
    };
    let greeting_audio = r.played.clone();
    // Piper samples noise, so the words Whisper hears vary a little between
    // runs ("Acme" is often "acne"): any of the greeting's key words will do.
    let heard = transcribe(&greeting_audio).await.to_lowercase();
    assert!(["plumb", "calling", "acme", "thanks"].iter().any(|w| heard.contains(w)), "greeting heard as {heard:?}");

    let played_before = r.played.len();
    call.send_audio(&fixture("water-heater"), Pace::RealTime).await;
    let speech_end = Instant::now();
    call.send_silence(Duration::from_millis(600), Pace::RealTime).await;
    let r = call.wait_for("reply audio", SECS(10), |r| r.marks.len() >= 2).await;
    let first_reply = r.media.iter().find(|(t, _)| *t > speech_end).map(|(t, _)| *t).expect("reply media");
    println!("caller stops -> first reply frame (client side, incl. 300 ms endpoint): {:?}", first_reply - speech_end);
    // Let the reply play out, then transcribe what the caller heard.
    loop {
        call.send_silence(Duration::from_millis(200), Pace::RealTime).await;
        let r = call.received();
        // Greeting + the reply's two sentences, all played.
        if r.marks.len() >= 3 && r.echoed_marks.len() == r.marks.len() {
            break;
        }
    }
    let reply_audio = call.received().played[played_before..].to_vec();
    let heard = transcribe(&reply_audio).await.to_lowercase();
    println!("reply heard as: {heard}");
    assert!(heard.contains("plumber") && heard.contains("tomorrow"), "{heard}");
    assert!(matches!(&brain.inputs.lock().unwrap()[0], CallerInput::Speech(t) if t.to_lowercase().contains("leak")));

    call.stop();
    let summary = h.wait_for_summary("call-1", SECS(5)).await;
    assert_eq!(summary.outcome, CallOutcome::CallerHungUp);
    assert!(summary.emergency);
    assert_eq!(summary.turns.len(), 1);
    let t = &summary.turns[0].timings;
    println!("turn timings: {t:?}");
    assert_eq!(t.endpoint_wait_ms, 300);
    assert!(t.stt_ms.is_some() && t.policy_ms.is_some() && t.tts_first_audio_ms.is_some());
    assert!(t.first_frame_ms.is_some());
    assert_eq!(summary.turns[0].agent_text, WATER_REPLY);
    let speakers: Vec<Speaker> = summary.transcript.iter().map(|l| l.speaker).collect();
    assert_eq!(speakers, [Speaker::Agent, Speaker::Caller, Speaker::Agent]);
    assert!(summary.transcript[1].text.to_lowercase().contains("leak"));
    assert_eq!(summary.protocol_errors, 0);

    // The owner's live view saw the whole call, in order.
    let mut kinds = Vec::new();
    while let Ok(Some(switchboard::telephony::live::LiveItem::Event(e))) =
        tokio::time::timeout(Duration::from_millis(200), live.next()).await
    {
        kinds.push(serde_json::to_value(&*e).unwrap()["type"].as_str().unwrap().to_string());
    }
    assert_eq!(
        kinds,
        ["call_started", "agent_said", "caller_said", "emergency_flagged", "agent_said", "call_ended"],
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barge_in_clears_within_300ms_and_truncates_the_agent_line() {
    let h = Harness::start(None).await;
    let (token, _) = h.new_call("call-1", &sid(1), LONG_GREETING).await;
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    call.start(&[("token", &token)]);
    call.wait_for("greeting audio", SECS(2), |r| !r.media.is_empty()).await;
    call.send_silence(Duration::from_millis(1500), Pace::RealTime).await;
    let interruption = fixture("interrupt");
    let onset = speech_onset(&interruption);
    let (lead_in, speech) = interruption.split_at(onset * 160);
    call.send_audio(lead_in, Pace::RealTime).await;
    let speech_started = Instant::now();
    call.send_audio(speech, Pace::RealTime).await;
    let r = call.wait_for("clear", SECS(2), |r| !r.clears.is_empty()).await;
    let latency = r.clears[0] - speech_started;
    println!("barge-in: clear {latency:?} after the caller started speaking");
    assert!(latency <= Duration::from_millis(300), "clear after {latency:?}");
    call.send_silence(Duration::from_millis(500), Pace::RealTime).await;
    call.stop();
    let summary = h.wait_for_summary("call-1", SECS(10)).await;
    let greeting_line = &summary.transcript[0];
    assert_eq!(greeting_line.speaker, Speaker::Agent);
    assert!(
        greeting_line.text.len() < LONG_GREETING.len() && LONG_GREETING.starts_with(&greeting_line.text),
        "truncated to what was heard: {:?}",
        greeting_line.text
    );
    assert_eq!(h.metrics.snapshot().barge_ins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dtmf_reaches_the_policy_and_0_transfers_through_twilio_rest() {
    let fake = FakeTwilioRest::start().await;
    let rest = TwilioRest::new(&fake.base_url, &fake.account_sid, &fake.auth_token, SECS(5)).unwrap();
    let h = Harness::start(Some(Arc::new(rest) as Arc<dyn CallControl>)).await;
    let (token, brain) = h.new_call("call-1", &sid(1), GREETING).await;
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    call.start(&[("token", &token)]);
    call.send_silence(Duration::from_millis(300), Pace::RealTime).await;
    call.send_dtmf("5");
    call.send_silence(Duration::from_millis(1500), Pace::RealTime).await;
    assert_eq!(brain.inputs.lock().unwrap().first(), Some(&CallerInput::Dtmf('5')));
    call.send_dtmf("0");
    for _ in 0..40 {
        call.send_silence(Duration::from_millis(100), Pace::RealTime).await;
        if !fake.requests().is_empty() {
            break;
        }
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "one transfer request");
    assert!(requests[0].path.ends_with(&format!("/Calls/{}.json", sid(1))));
    assert!(requests[0].field("Twiml").unwrap().contains(&format!("<Number>{OWNER_PHONE}</Number>")));
    let summary = h.wait_for_summary("call-1", SECS(5)).await;
    assert_eq!(summary.outcome, CallOutcome::Transferred);
    let inputs: Vec<CallerInput> = summary.turns.iter().map(|t| t.input.clone()).collect();
    assert_eq!(inputs, [CallerInput::Dtmf('5'), CallerInput::Dtmf('0')]);
    assert_eq!(summary.turns[1].agent_text, "Connecting you to the owner now.");
    assert!(call.received().closed, "the stream is closed after the transfer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_oversized_and_out_of_order_messages_do_not_hurt_the_call() {
    let h = Harness::start(None).await;
    let (token, brain) = h.new_call("call-1", &sid(1), GREETING).await;
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    // Before start: media is out of order.
    call.send_raw(r#"{"event":"media","sequenceNumber":"1","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"/w=="},"streamSid":"MZ1"}"#);
    call.start(&[("token", &token)]);
    call.send_raw("not json at all");
    call.send_raw(r#"{"event":"media"}"#);
    call.send_raw(r#"{"event":"unheard-of"}"#);
    call.send_raw(&format!(r#"{{"event":"media","pad":"{}"}}"#, "x".repeat(40_000)));
    call.send_binary(vec![0, 1, 2, 3]);
    call.send_raw(&format!(
        r#"{{"event":"media","sequenceNumber":"1","media":{{"track":"inbound","chunk":"1","timestamp":"0","payload":"/w=="}},"streamSid":"{}"}}"#,
        call.stream_sid
    )); // replayed sequence number
    call.send_raw(
        r#"{"event":"dtmf","streamSid":"MZother","sequenceNumber":"999","dtmf":{"track":"inbound_track","digit":"1"}}"#,
    );
    call.send_silence(Duration::from_millis(300), Pace::RealTime).await;
    call.send_dtmf("7");
    // The key press interrupts the greeting; the reply (turn 1) is sent.
    call.wait_for("reply to DTMF", SECS(10), |r| r.marks.iter().any(|(_, m)| m.starts_with("1."))).await;
    assert_eq!(brain.inputs.lock().unwrap().as_slice(), [CallerInput::Dtmf('7')]);
    call.stop();
    let summary = h.wait_for_summary("call-1", SECS(5)).await;
    assert_eq!(summary.protocol_errors, 8, "every bad message is counted on the call");
    let errors = h.metrics.snapshot().protocol_errors;
    println!("protocol errors by kind: {errors:?}");
    assert_eq!(errors.values().sum::<u64>(), 8);
    assert!(call.received().invalid.is_empty(), "everything we sent Twilio was valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_calls_at_once_keep_their_own_state() {
    let h = Harness::start(None).await;
    let (token_a, brain_a) = h.new_call("call-a", &sid(1), GREETING).await;
    let (token_b, brain_b) = h.new_call("call-b", &sid(2), GREETING).await;
    let mut a = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    let mut b = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(2)).await.unwrap();
    a.start(&[("token", &token_a)]);
    b.start(&[("token", &token_b)]);
    let speak_a = async {
        a.send_silence(Duration::from_millis(3500), Pace::RealTime).await;
        a.send_audio(&fixture("water-heater"), Pace::RealTime).await;
        a.send_silence(Duration::from_millis(3000), Pace::RealTime).await;
        a.stop();
    };
    let speak_b = async {
        b.send_silence(Duration::from_millis(3500), Pace::RealTime).await;
        b.send_dtmf("3");
        b.send_silence(Duration::from_millis(3000), Pace::RealTime).await;
        b.stop();
    };
    tokio::join!(speak_a, speak_b);
    let sa = h.wait_for_summary("call-a", SECS(5)).await;
    let sb = h.wait_for_summary("call-b", SECS(5)).await;
    assert!(
        matches!(brain_a.inputs.lock().unwrap().as_slice(), [CallerInput::Speech(t)] if t.to_lowercase().contains("leak"))
    );
    assert_eq!(brain_b.inputs.lock().unwrap().as_slice(), [CallerInput::Dtmf('3')]);
    assert_eq!(sa.call_sid, sid(1));
    assert_eq!(sb.call_sid, sid(2));
    assert!(sa.transcript.iter().any(|l| l.text == WATER_REPLY));
    assert!(sb.transcript.iter().all(|l| l.text != WATER_REPLY));
    assert!(sb.transcript.iter().any(|l| l.text == "You pressed 3."));
    assert!(sa.emergency && !sb.emergency);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_reaches_the_policy_as_no_input() {
    let mut settings = CallSettings::default();
    settings.endpoint.no_input_ms = 1500;
    let h = Harness::start_with(None, settings).await;
    let (token, brain) = h.new_call("call-1", &sid(1), "Hi.").await;
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    call.start(&[("token", &token)]);
    // The greeting plays, then the caller says nothing.
    call.send_silence(Duration::from_millis(4000), Pace::RealTime).await;
    assert_eq!(brain.inputs.lock().unwrap().first(), Some(&CallerInput::Silence));
    call.wait_for("reprompt audio", SECS(5), |r| r.marks.iter().any(|(_, m)| m.starts_with("1."))).await;
    call.stop();
    let summary = h.wait_for_summary("call-1", SECS(5)).await;
    assert_eq!(summary.turns[0].input, CallerInput::Silence);
    assert_eq!(summary.turns[0].agent_text, "Are you still there?");
}

/// A policy that takes its time (an overloaded box, a slow database).
struct SlowBrain;

impl switchboard::telephony::ports::CallBrain for SlowBrain {
    fn respond(
        &self,
        _input: CallerInput,
    ) -> switchboard::telephony::ports::BoxFuture<'_, Result<switchboard::telephony::ports::Reply, String>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(2500)).await;
            Ok(switchboard::telephony::ports::Reply { text: "Here you go.".into(), ..Default::default() })
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_turn_plays_one_moment_instead_of_silence() {
    let h = Harness::start(None).await;
    let (token, _) = h.new_call("call-1", &sid(1), "Hi.").await;
    // Swap in the slow policy for this call.
    let slow: Arc<dyn switchboard::telephony::ports::CallBrain> = Arc::new(SlowBrain);
    h.directory.slow.lock().unwrap().replace(slow);
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    call.start(&[("token", &token)]);
    call.send_silence(Duration::from_millis(1500), Pace::RealTime).await;
    call.send_dtmf("1");
    let pressed = Instant::now();
    let r = call
        .wait_for("filler and reply", SECS(8), |r| r.marks.iter().filter(|(_, m)| !m.starts_with("0.")).count() >= 2)
        .await;
    let first = r.media.iter().find(|(t, _)| *t > pressed).map(|(t, _)| *t - pressed).unwrap();
    println!("first audio {first:?} after the key press (policy takes 2.5 s)");
    assert!(first < Duration::from_millis(2000), "filler after {first:?}");
    assert_eq!(h.metrics.snapshot().fillers_played, 1);
    call.stop();
    let summary = h.wait_for_summary("call-1", SECS(5)).await;
    assert_eq!(summary.turns[0].agent_text, "Here you go.", "the filler is not part of the agent's line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_speakers_pause_loses_no_words() {
    let h = Harness::start(None).await;
    let (token, brain) = h.new_call("call-1", &sid(1), "Hi.").await;
    let mut call = FakeTwilioCall::connect(&h.ws_url(), Some(&h.signature()), &sid(1)).await.unwrap();
    call.start(&[("token", &token)]);
    call.send_silence(Duration::from_millis(1500), Pace::RealTime).await;
    // Splits into two turns at a 300 ms endpoint (tests/endpointing_fixtures.rs).
    // If the continuation starts while the first part is still being
    // transcribed, the two are joined into one turn (what happens on this
    // shared box); on a faster one the first part is answered and the
    // continuation interrupts as the next turn. Either way no words are lost.
    call.send_audio(&fixture("water-heater-slow"), Pace::RealTime).await;
    call.send_silence(Duration::from_millis(3000), Pace::RealTime).await;
    call.stop();
    let summary = h.wait_for_summary("call-1", SECS(5)).await;
    let inputs = brain.inputs.lock().unwrap().clone();
    println!("policy inputs: {inputs:?}");
    let heard: String = inputs
        .iter()
        .filter_map(|i| if let CallerInput::Speech(t) = i { Some(t.to_lowercase()) } else { None })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(heard.contains("leak") && heard.contains("tomorrow"), "{heard}");
    assert!((1..=2).contains(&inputs.len()), "{inputs:?}");
    assert_eq!(summary.turns.len(), inputs.len());
}
