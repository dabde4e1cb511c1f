//! Web chat: widget token -> session id + secret; messages need the secret.

use serde_json::{Value, json};
use switchboard::domain::Language;
use switchboard::store::callbacks::{self, CallbackReason};
use switchboard::store::conversations::{self, ConversationChannel};

use crate::fixture::acme;
use crate::support::{Backend, TestApp};

async fn open(app: &TestApp, token: Option<&str>) -> (u16, Value) {
    let mut req = app.client.post(app.url("/v1/widget/sessions"));
    if let Some(t) = token {
        req = req.header("x-widget-token", t);
    }
    let res = req.send().await.expect("open");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn send(app: &TestApp, id: &str, secret: Option<&str>, text: &str) -> (u16, Value) {
    let mut req =
        app.client.post(app.url(&format!("/v1/widget/sessions/{id}/messages"))).json(&json!({ "text": text }));
    if let Some(s) = secret {
        req = req.header("x-widget-secret", s);
    }
    let res = req.send().await.expect("message");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn the_session_id_is_not_a_credential(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = acme(&app, None, Language::En).await;
    assert_eq!(open(&app, None).await.0, 401);
    assert_eq!(open(&app, Some("sbw_not-a-token")).await.0, 401);
    assert_eq!(open(&app, Some(&t.api_key)).await.0, 401, "an API key is not a widget token");
    let (status, a) = open(&app, Some(&t.widget_token)).await;
    assert_eq!(status, 201, "{a}");
    assert!(a["reply"].as_str().is_some_and(|r| r.contains("Acme Plumbing")), "{a}");
    let (_, b) = open(&app, Some(&t.widget_token)).await;
    let id = a["session_id"].as_str().expect("id");
    let secret = a["secret"].as_str().expect("secret");
    assert_eq!(send(&app, id, None, "hello").await.0, 401, "no secret");
    assert_eq!(send(&app, id, Some("sbs_guess"), "hello").await.0, 401, "wrong secret");
    assert_eq!(send(&app, id, b["secret"].as_str(), "hello").await.0, 401, "another chat's secret");
    assert_eq!(send(&app, "no-such-session", Some(secret), "hello").await.0, 401);
    let (status, r) = send(&app, id, Some(secret), "hello").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["intent"], "greeting");
    assert_eq!(send(&app, id, Some(secret), "   ").await.0, 422);
}

async fn chat_question_then_callback(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = acme(&app, None, Language::En).await;
    let (_, s) = open(&app, Some(&t.widget_token)).await;
    let id = s["session_id"].as_str().expect("id");
    let secret = s["secret"].as_str();
    let (_, r) = send(&app, id, secret, "What are your hours?").await;
    assert!(r["reply"].as_str().is_some_and(|x| x.contains("Monday to Friday, 8 AM to 5 PM")), "{r}");
    assert_eq!(r["intent"], "question:hours");
    let (_, r) = send(&app, id, secret, "can I talk to a real person").await;
    assert!(r["reply"].as_str().is_some_and(|x| x.contains("phone number")), "{r}");
    let (_, r) = send(&app, id, secret, "512-555-0142").await;
    assert!(r["reply"].as_str().is_some_and(|x| x.contains("call you back")), "{r}");
    let queued = callbacks::list(&app.state.db, &t.id, None, None, None).await.expect("db");
    assert_eq!(queued.len(), 1);
    assert_eq!((queued[0].phone.as_str(), queued[0].reason), ("+15125550142", CallbackReason::Handoff));
}

async fn cross_origin_widget(backend: Backend) {
    let app = TestApp::start(backend).await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/widget/sessions"))
        .header("origin", "https://acme-plumbing.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-widget-token")
        .send()
        .await
        .expect("preflight");
    assert_eq!(res.status(), 204);
    let allowed = res.headers().get("access-control-allow-headers").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(allowed.contains("x-widget-token") && allowed.contains("x-widget-secret"), "{allowed}");
    assert_eq!(res.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("*"));
    let (status, _) = open(&app, Some("sbw_wrong")).await;
    assert_eq!(status, 401);
    let res = app.client.post(app.url("/v1/widget/sessions")).send().await.expect("post");
    assert_eq!(res.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some("*"), "errors too");
}

/// A script hammering the widget is slowed to a steady rate with 429s that
/// write nothing; other chats and other tenants are not affected.
async fn floods_get_429_and_write_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = acme(&app, None, Language::En).await;
    let (_, s) = open(&app, Some(&t.widget_token)).await;
    let (id, secret) = (s["session_id"].as_str().expect("id"), s["secret"].as_str());
    let mut sent = 0;
    let refused = loop {
        let res = app
            .client
            .post(app.url(&format!("/v1/widget/sessions/{id}/messages")))
            .header("x-widget-secret", secret.unwrap_or_default())
            .json(&json!({ "text": "what are your hours" }))
            .send()
            .await
            .expect("message");
        if res.status() == 429 {
            break res;
        }
        assert_eq!(res.status(), 200);
        sent += 1;
        assert!(sent <= 12, "no limit after {sent} messages");
    };
    assert!(sent >= 10, "limited after only {sent} messages");
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3).contains(&retry_after), "{retry_after}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let conv = conversations::find_by_ref(&app.state.db, &t.id, ConversationChannel::Web, id).await.unwrap().unwrap();
    let lines = conversations::get(&app.state.db, &t.id, &conv.id).await.unwrap().messages.len();
    assert_eq!(send(&app, id, secret, "what are your hours").await.0, 429);
    let after = conversations::get(&app.state.db, &t.id, &conv.id).await.unwrap().messages.len();
    assert_eq!(lines, after, "a refused message is not recorded");

    // Another chat of the same tenant still talks.
    let (_, other) = open(&app, Some(&t.widget_token)).await;
    let (status, _) = send(&app, other["session_id"].as_str().unwrap(), other["secret"].as_str(), "hello").await;
    assert_eq!(status, 200);

    // New chats are limited per tenant: the burst, then 429.
    let mut opened = 2;
    loop {
        let (status, body) = open(&app, Some(&t.widget_token)).await;
        if status == 429 {
            assert_eq!(body["error"]["code"], "rate_limited");
            break;
        }
        assert_eq!(status, 201, "{body}");
        opened += 1;
        assert!(opened <= 22, "no limit after {opened} chats");
    }
    assert!(opened >= 20, "limited after only {opened} chats");
    let bolt = app.create_tenant("Bolt Electric", None).await;
    assert_eq!(open(&app, Some(&bolt.widget_token)).await.0, 201, "other tenants are not affected");
}

crate::on_both_backends!(
    the_session_id_is_not_a_credential,
    chat_question_then_callback,
    cross_origin_widget,
    floods_get_429_and_write_nothing
);
