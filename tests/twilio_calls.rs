//! A phone call end to end through the real app: signed voice webhook ->
//! TwiML with a per-call token -> signed Media Streams upgrade -> greeting ->
//! caller speech -> the real assistant and executor -> spoken reply -> call,
//! turns and timings in the database, and the owner's live SSE stream.
//! Real SQLite and PostgreSQL, real sockets, real Whisper and Piper (`MODELS_DIR`).

mod support;

use std::time::Duration;

use support::Backend;
use support::call_harness::{fixture, transcribe};
use support::fake_media_client::Pace;
use support::phone_app::{PhoneApp, token_from};
use switchboard::store::callbacks::CallbackReason;
use switchboard::store::conversations::{self, ConversationQuery};
use switchboard::store::{callbacks, calls};

const TENANT_PHONE: &str = "+15550001111";
const CALLER: &str = "+15557654321";

async fn start(backend: Backend) -> PhoneApp {
    PhoneApp::start(backend, &[]).await
}

fn sid(n: u8) -> String {
    format!("CA{:032x}", u128::from(n) * 0x2222)
}

async fn a_phone_call_end_to_end(backend: Backend) {
    let a = start(backend).await;
    let tenant = a.app.create_tenant("Acme Plumbing", Some(TENANT_PHONE)).await;
    let call_sid = sid(1);
    let form = [("CallSid", call_sid.as_str()), ("From", CALLER), ("To", TENANT_PHONE), ("CallStatus", "ringing")];

    // Unsigned webhooks are refused.
    let (status, _) = a.webhook("/v1/twilio/voice", &form, false).await;
    assert_eq!(status, 403);
    // A number nobody owns gets a polite message and a hang-up.
    let (status, twiml) =
        a.webhook("/v1/twilio/voice", &[("CallSid", &sid(9)), ("From", CALLER), ("To", "+15559999999")], true).await;
    assert_eq!(status, 200);
    assert!(twiml.contains("<Say>Sorry, this number is not in service.</Say><Hangup/>"), "{twiml}");

    let (status, twiml) = a.webhook("/v1/twilio/voice", &form, true).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains(
            r#"<Connect><Stream url="wss://switchboard.test/v1/twilio/media-stream"><Parameter name="token""#
        ),
        "{twiml}"
    );
    assert!(twiml.ends_with("</Connect><Hangup/></Response>"), "{twiml}");
    // Twilio retries a webhook it did not see answered in time: the retry gets
    // TwiML for the same call, and no second call or conversation is opened.
    let (status, retried) = a.webhook("/v1/twilio/voice", &form, true).await;
    assert_eq!(status, 200, "{retried}");
    let token = token_from(&retried);
    let db = &a.app.state.db;
    let (conversations_opened, total) =
        conversations::list(db, &tenant.id, &ConversationQuery::default()).await.unwrap();
    assert_eq!(total, 1, "{conversations_opened:?}");
    let opened = calls::get_by_sid(db, &tenant.id, &call_sid).await.unwrap();
    assert_eq!(opened.conversation_id.as_deref(), Some(conversations_opened[0].id.as_str()));

    // The owner watches live.
    let live = a
        .app
        .client
        .get(a.app.url("/v1/owner/live"))
        .header("x-owner-token", &tenant.owner_token)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let live_lines = tokio::spawn(async move {
        let mut live = live;
        let mut text = String::new();
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout(Duration::from_secs(60), live.chunk()).await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("call_ended") {
                break;
            }
        }
        text
    });

    // Twilio opens the stream about a second after fetching the TwiML; the
    // webhook used that second to put the greeting in the prompt cache.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut call = a.connect(&call_sid, &token).await;
    let r = call.wait_for("greeting", Duration::from_secs(5), |r| !r.media.is_empty()).await;
    let greeting_latency = r.first_media_at().unwrap() - call.started_at;
    println!("greeting after {greeting_latency:?}");
    // 300 ms is asserted in media_stream.rs; here the webhook's warm-up races
    // the 1 s gap on a loaded box, so only a generous bound.
    assert!(greeting_latency < Duration::from_millis(1500), "greeting after {greeting_latency:?}");
    loop {
        call.send_silence(Duration::from_millis(200), Pace::RealTime).await;
        let r = call.received();
        if r.echoed_marks.len() == r.marks.len() && !r.marks.is_empty() {
            break;
        }
    }
    let greeting = transcribe(&call.received().played).await;
    println!("greeting heard as: {greeting}");
    assert!(greeting.to_lowercase().contains("plumbing"), "{greeting}");

    let before = call.received().played.len();
    call.send_audio(&fixture("water-heater"), Pace::RealTime).await;
    let marks_before = call.received().marks.len();
    let mut waited = 0;
    loop {
        call.send_silence(Duration::from_millis(200), Pace::RealTime).await;
        waited += 200;
        let r = call.received();
        if r.marks.len() > marks_before && r.echoed_marks.len() == r.marks.len() {
            break;
        }
        assert!(waited < 20_000, "no reply played");
    }
    let reply = transcribe(&call.received().played[before..]).await;
    println!("reply heard as: {reply}");
    // The real assistant asks for what it needs next (the caller's name).
    assert!(reply.to_lowercase().contains("name"), "{reply}");
    call.stop();

    // The call, its turn and timings are in the database.
    let mut stored = None;
    for _ in 0..100 {
        let c = calls::get_by_sid(db, &tenant.id, &call_sid).await.unwrap();
        if c.ended_at.is_some() {
            stored = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = stored.expect("call ended in the database");
    assert_eq!(stored.status, "completed");
    let with_turns = calls::get_with_turns(db, &tenant.id, &stored.id).await.unwrap();
    assert_eq!(with_turns.turns.len(), 1, "{:?}", with_turns.turns);
    let turn = &with_turns.turns[0];
    println!("stored turn: {turn:?}");
    assert!(turn.caller_text.to_lowercase().contains("leak"), "{}", turn.caller_text);
    assert!(!turn.agent_text.is_empty());
    assert_eq!(turn.endpoint_wait_ms, Some(300));
    assert!(turn.stt_ms.is_some() && turn.policy_ms.is_some() && turn.first_frame_ms.is_some());

    // The caller hung up halfway through the intake: the owner gets a
    // callback with what was said, linked from the call, and the
    // conversation is closed.
    assert_eq!(stored.outcome.as_deref(), Some("caller_hung_up"));
    let queued = callbacks::list(db, &tenant.id, None, None, None).await.unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].reason, CallbackReason::PartialIntake);
    assert_eq!(queued[0].phone, CALLER);
    assert!(queued[0].note.as_deref().is_some_and(|n| n.contains("leaking")), "{:?}", queued[0].note);
    assert_eq!(stored.callback_id.as_deref(), Some(queued[0].id.as_str()));
    let conversation = conversations::get(db, &tenant.id, &conversations_opened[0].id).await.unwrap();
    assert_eq!(conversation.conversation.status, "abandoned");
    assert!(conversation.conversation.ended_at.is_some());

    let live_text = live_lines.await.unwrap();
    for kind in ["call_started", "agent_said", "caller_said", "call_ended"] {
        assert!(live_text.contains(&format!("\"type\":\"{kind}\"")), "{kind} missing from {live_text}");
    }
}

async fn missed_calls_queue_one_callback_however_often_twilio_retries(backend: Backend) {
    let a = start(backend).await;
    let tenant = a.app.create_tenant("Acme Plumbing", Some(TENANT_PHONE)).await;
    let call_sid = sid(2);
    let form = [("CallSid", call_sid.as_str()), ("From", CALLER), ("To", TENANT_PHONE), ("CallStatus", "no-answer")];
    let (status, _) = a.webhook("/v1/twilio/call-status", &form, false).await;
    assert_eq!(status, 403, "unsigned status callbacks are refused");
    for _ in 0..3 {
        let (status, body) = a.webhook("/v1/twilio/call-status", &form, true).await;
        assert_eq!(status, 204, "{body}");
    }
    let db = &a.app.state.db;
    let call = calls::get_by_sid(db, &tenant.id, &call_sid).await.unwrap();
    assert_eq!(call.status, "no-answer");
    assert_eq!(call.outcome.as_deref(), Some("missed"));
    assert!(call.callback_id.is_some());
    let queued = callbacks::list(db, &tenant.id, None, None, None).await.unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].phone, CALLER);
}

crate::on_both_backends!(a_phone_call_end_to_end, missed_calls_queue_one_callback_however_often_twilio_retries);
