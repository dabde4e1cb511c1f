//! `POST /v1/twilio/sms` through a real socket: signatures, idempotency,
//! carrier keywords, and a booking by text message.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use switchboard::assistant::Channel;
use switchboard::conversation::session_key;
use switchboard::domain::Language;
use switchboard::store::appointments::{self, AppointmentQuery};
use switchboard::store::conversations::{self, ConversationChannel};
use switchboard::store::customers;

use crate::fixture::acme;
use crate::support::{Backend, TestApp};

const TOKEN: &str = "twilio-test-auth-token";
const BUSINESS: &str = "+15125550111";
const TEXTER: &str = "+15125550177";

fn sign(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<_> = params.to_vec();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(TOKEN.as_bytes()).expect("hmac");
    mac.update(b"https://switchboard.test/v1/twilio/sms");
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

async fn text(app: &TestApp, sid: &str, body: &str, signature: Option<&str>) -> (u16, String) {
    let params = [("MessageSid", sid), ("From", TEXTER), ("To", BUSINESS), ("Body", body), ("AccountSid", "AC1")];
    let sig = signature.map(str::to_string).unwrap_or_else(|| sign(&params));
    let res = app
        .client
        .post(app.url("/v1/twilio/sms"))
        .header("x-twilio-signature", sig)
        .form(&params)
        .send()
        .await
        .expect("sms webhook");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

async fn start(backend: Backend) -> (TestApp, String) {
    let app = TestApp::start_with(backend, &[("TWILIO_AUTH_TOKEN", TOKEN)]).await;
    let t = acme(&app, Some(BUSINESS), Language::En).await;
    (app, t.id)
}

async fn signatures_are_required(backend: Backend) {
    let (app, _) = start(backend).await;
    let (status, _) = text(&app, "SM1", "hello", Some("")).await;
    assert_eq!(status, 403, "missing signature");
    let (status, _) = text(&app, "SM1", "hello", Some("bm90IGEgc2lnbmF0dXJl")).await;
    assert_eq!(status, 403, "wrong signature");
    let (status, body) = text(&app, "SM1", "hello", None).await;
    assert_eq!(status, 200, "{body}");
}

async fn booking_by_text(backend: Backend) {
    let (app, tenant) = start(backend).await;
    let mut n = 0;
    let mut say = |body: &'static str| {
        n += 1;
        let app = &app;
        async move {
            let (status, xml) = text(app, &format!("SMbook{n}"), body, None).await;
            assert_eq!(status, 200, "{xml}");
            assert!(xml.starts_with("<?xml") && xml.contains("<Message>"), "{xml}");
            xml
        }
    };
    let r = say("Hi, my kitchen drain is clogged").await;
    assert!(r.contains("Acme Plumbing") && r.contains("name"), "{r}");
    assert!(say("Sam Jones").await.contains("address"));
    assert!(say("7 Birch Road").await.contains("good time"));
    let r = say("as soon as possible").await;
    assert!(r.contains("Which works best?"), "{r}");
    assert!(say("the first one").await.contains("To confirm: drain or sewer cleaning for Sam Jones at 7 Birch Road"));
    let r = say("yes").await;
    assert!(r.contains("booked"), "{r}");
    let c = customers::find_by_phone(&app.state.db, &tenant, TEXTER).await.expect("db").expect("customer");
    assert_eq!((c.name.as_str(), c.address.as_deref()), ("Sam Jones", Some("7 Birch Road")));
    let q = AppointmentQuery { customer_id: Some(c.id), ..Default::default() };
    let (appts, _) = appointments::list(&app.state.db, &tenant, &q).await.expect("db");
    assert_eq!(appts.len(), 1);
    assert_eq!(appts[0].service_key, "drain_or_sewer");
    assert_eq!(appts[0].source.as_str(), "sms");
    let conv = conversations::find_by_ref(&app.state.db, &tenant, ConversationChannel::Sms, TEXTER)
        .await
        .expect("db")
        .expect("conversation");
    let full = conversations::get(&app.state.db, &tenant, &conv.id).await.expect("db");
    assert!(full.messages.len() >= 12, "caller and agent lines: {}", full.messages.len());
    assert_eq!(full.conversation.intent.as_deref(), Some("yes"));
    let key = session_key(&tenant, Channel::Sms, TEXTER);
    assert!(
        app.state.sessions.get(&key).await.expect("sessions").is_some(),
        "the thread stays open for 'anything else'"
    );
}

async fn retries_are_answered_once(backend: Backend) {
    let (app, tenant) = start(backend).await;
    let (_, first) = text(&app, "SMdup", "what are your hours?", None).await;
    assert!(first.contains("Monday to Friday"), "{first}");
    let (status, second) = text(&app, "SMdup", "what are your hours?", None).await;
    assert_eq!(status, 200);
    assert!(!second.contains("<Message>"), "a retry gets no second reply: {second}");
    let conv = conversations::find_by_ref(&app.state.db, &tenant, ConversationChannel::Sms, TEXTER)
        .await
        .expect("db")
        .expect("conversation");
    let full = conversations::get(&app.state.db, &tenant, &conv.id).await.expect("db");
    assert_eq!(full.messages.len(), 2, "one question, one answer");
}

async fn stop_start_help(backend: Backend) {
    let (app, tenant) = start(backend).await;
    let opted_out = |app: &TestApp| {
        let db = app.state.db.clone();
        let tenant = tenant.clone();
        async move { customers::find_by_phone(&db, &tenant, TEXTER).await.expect("db").map(|c| c.sms_opt_out) }
    };
    let (_, r) = text(&app, "SMk1", "STOP", None).await;
    assert!(r.contains("get any more texts"), "{r}");
    assert_eq!(opted_out(&app).await, Some(true), "recorded even for a new number");
    let (_, r) = text(&app, "SMk2", "I need a plumber", None).await;
    assert!(!r.contains("<Message>"), "no replies while opted out: {r}");
    let (_, r) = text(&app, "SMk3", "start", None).await;
    assert!(r.contains("texts are back on"), "{r}");
    assert_eq!(opted_out(&app).await, Some(false));
    let (_, r) = text(&app, "SMk4", "HELP", None).await;
    assert!(r.contains("Reply STOP"), "{r}");
    let (_, r) = text(&app, "SMk5", "Cancel.", None).await;
    assert!(r.contains("get any more texts"), "CANCEL alone is a carrier opt-out keyword: {r}");
    let (_, r) = text(&app, "SMk6", "yes", None).await;
    assert!(r.contains("texts are back on"), "YES re-subscribes an opted-out number: {r}");
}

crate::on_both_backends!(signatures_are_required, booking_by_text, retries_are_answered_once, stop_start_help);
