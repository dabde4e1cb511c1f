//! The Twilio REST client against a local fake Twilio that checks the wire format.

mod support;

use std::time::Duration;

use support::fake_twilio_rest::FakeTwilioRest;
use switchboard::telephony::rest::{RestError, TwilioRest};

const CALL: &str = "CA11111111111111111111111111111111";

fn client(fake: &FakeTwilioRest) -> TwilioRest {
    TwilioRest::new(&fake.base_url, &fake.account_sid, &fake.auth_token, Duration::from_secs(5)).unwrap()
}

#[tokio::test]
async fn transfer_sends_dial_twiml_to_the_call_resource() {
    let fake = FakeTwilioRest::start().await;
    let call = client(&fake).transfer(CALL, "+15551234567", Some("+15550000000")).await.unwrap();
    assert_eq!(call.sid, CALL);
    assert_eq!(call.status, "in-progress");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, format!("/2010-04-01/Accounts/{}/Calls/{CALL}.json", fake.account_sid));
    let twiml = requests[0].field("Twiml").unwrap();
    assert!(
        twiml.contains(r#"<Dial callerId="+15550000000" timeout="30"><Number>+15551234567</Number></Dial>"#),
        "{twiml}"
    );
}

#[tokio::test]
async fn hang_up_sets_status_completed() {
    let fake = FakeTwilioRest::start().await;
    let call = client(&fake).hang_up(CALL).await.unwrap();
    assert_eq!(call.status, "completed");
    assert_eq!(fake.requests()[0].form, vec![("Status".to_string(), "completed".to_string())]);
}

#[tokio::test]
async fn sms_is_created_with_to_from_body() {
    let fake = FakeTwilioRest::start().await;
    let body = "Booked: Tue 9:00 & bring a ladder? Ünïcode too.";
    let msg = client(&fake).send_sms("+15550000000", "+15557654321", body).await.unwrap();
    assert!(msg.sid.starts_with("SM") && msg.sid.len() == 34, "{}", msg.sid);
    assert_eq!(msg.status, "queued");
    let r = &fake.requests()[0];
    assert_eq!(r.path, format!("/2010-04-01/Accounts/{}/Messages.json", fake.account_sid));
    assert_eq!(r.field("To"), Some("+15557654321"));
    assert_eq!(r.field("From"), Some("+15550000000"));
    assert_eq!(r.field("Body"), Some(body), "form encoding round-trips");
}

#[tokio::test]
async fn wrong_credentials_and_twilio_errors_surface_as_api_errors() {
    let fake = FakeTwilioRest::start().await;
    let bad = TwilioRest::new(&fake.base_url, &fake.account_sid, "wrong", Duration::from_secs(5)).unwrap();
    match bad.hang_up(CALL).await {
        Err(RestError::Api { status: 401, code: Some(20003), .. }) => {}
        other => panic!("expected 401/20003, got {other:?}"),
    }
    fake.finish_call(CALL);
    match client(&fake).hang_up(CALL).await {
        Err(RestError::Api { status: 400, code: Some(21220), message }) => assert!(message.contains("not in-progress")),
        other => panic!("expected 400/21220, got {other:?}"),
    }
    assert!(fake.requests().is_empty(), "nothing was accepted");
}

#[tokio::test]
async fn an_unreachable_twilio_is_a_transport_error() {
    let fake = FakeTwilioRest::start().await;
    let base = fake.base_url.clone();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let c = TwilioRest::new(&base, "AC0123456789abcdef0123456789abcdef", "t", Duration::from_secs(2)).unwrap();
    assert!(matches!(c.hang_up(CALL).await, Err(RestError::Transport(_))));
}
