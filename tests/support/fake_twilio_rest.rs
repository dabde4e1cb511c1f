//! A local fake of Twilio's REST API (axum on 127.0.0.1:0) that holds our
//! client to Twilio's documented wire format and records what it received:
//! basic auth with the account SID and token, form-encoded bodies, the
//! `/2010-04-01/Accounts/{AC}/Calls/{CA}.json` and `.../Messages.json` paths,
//! exactly one of `Twiml`/`Url`/`Status` on a call update, `To` + `From` +
//! `Body` on a message. Violations get Twilio-shaped JSON errors.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use serde_json::json;

/// One request the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub path: String,
    pub form: Vec<(String, String)>,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct Shared {
    account_sid: String,
    auth_token: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    /// Calls that have ended: Twilio refuses to update them.
    finished_calls: Arc<Mutex<Vec<String>>>,
}

pub struct FakeTwilioRest {
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTwilioRest {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeTwilioRest {
    pub async fn start() -> Self {
        let account_sid = "AC0123456789abcdef0123456789abcdef".to_string();
        let auth_token = "fake-twilio-auth-token".to_string();
        let shared = Shared {
            account_sid: account_sid.clone(),
            auth_token: auth_token.clone(),
            recorded: Arc::default(),
            finished_calls: Arc::default(),
        };
        let app = Router::new()
            .route("/2010-04-01/Accounts/{account}/Calls/{file}", post(update_call))
            .route("/2010-04-01/Accounts/{account}/Messages.json", post(create_message))
            .fallback(|| async { twilio_error(StatusCode::NOT_FOUND, 20404, "The requested resource was not found") })
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake twilio");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTwilioRest { base_url, account_sid, auth_token, shared, task }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.recorded.lock().expect("lock").clone()
    }

    /// Makes later updates of `call_sid` fail as Twilio does for ended calls.
    pub fn finish_call(&self, call_sid: &str) {
        self.shared.finished_calls.lock().expect("lock").push(call_sid.to_string());
    }
}

fn twilio_error(status: StatusCode, code: u32, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Auth, account and content-type checks shared by both resources.
#[allow(clippy::result_large_err, reason = "test fake; the error is the HTTP response itself")]
fn check_common(s: &Shared, account: &str, headers: &HeaderMap, body: &str) -> Result<Vec<(String, String)>, Response> {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", s.account_sid, s.auth_token))
    );
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return Err(twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate"));
    }
    if account != s.account_sid {
        return Err(twilio_error(StatusCode::NOT_FOUND, 20404, "The requested resource was not found"));
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(twilio_error(StatusCode::BAD_REQUEST, 20001, "Expected a form-encoded body"));
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(body)
        .map_err(|_| twilio_error(StatusCode::BAD_REQUEST, 20001, "Malformed form body"))
}

fn is_sid(sid: &str, prefix: &str) -> bool {
    sid.len() == 34 && sid.starts_with(prefix) && sid[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_e164(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

async fn update_call(
    State(s): State<Shared>,
    Path((account, file)): Path<(String, String)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = match check_common(&s, &account, &headers, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let Some(call_sid) = file.strip_suffix(".json").filter(|sid| is_sid(sid, "CA")) else {
        return twilio_error(StatusCode::NOT_FOUND, 20404, "The requested resource was not found");
    };
    if s.finished_calls.lock().expect("lock").iter().any(|c| c == call_sid) {
        return twilio_error(StatusCode::BAD_REQUEST, 21220, "Call is not in-progress. Cannot redirect.");
    }
    const KNOWN: &[&str] = &["Twiml", "Url", "Method", "Status", "StatusCallback", "StatusCallbackMethod"];
    if let Some((unknown, _)) = form.iter().find(|(k, _)| !KNOWN.contains(&k.as_str())) {
        return twilio_error(StatusCode::BAD_REQUEST, 20001, &format!("Unknown parameter {unknown}"));
    }
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let actions = ["Twiml", "Url", "Status"].iter().filter(|k| get(k).is_some()).count();
    if actions != 1 {
        return twilio_error(StatusCode::BAD_REQUEST, 20001, "Exactly one of Twiml, Url or Status is required");
    }
    if let Some(status) = get("Status")
        && !matches!(status, "completed" | "canceled")
    {
        return twilio_error(StatusCode::BAD_REQUEST, 20001, "Status must be completed or canceled");
    }
    if let Some(twiml) = get("Twiml") {
        let document = twiml.trim().trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        if !(document.starts_with("<Response>") && document.ends_with("</Response>")) || twiml.len() > 4000 {
            return twilio_error(StatusCode::BAD_REQUEST, 12100, "Document parse failure");
        }
    }
    let status = if get("Status").is_some() { "completed" } else { "in-progress" };
    s.recorded
        .lock()
        .expect("lock")
        .push(Recorded { path: format!("/2010-04-01/Accounts/{account}/Calls/{file}"), form });
    let body = json!({"sid": call_sid, "account_sid": s.account_sid, "status": status});
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn create_message(
    State(s): State<Shared>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = match check_common(&s, &account, &headers, &body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match get("To") {
        Some(to) if is_e164(to) => {}
        Some(_) => {
            return twilio_error(StatusCode::BAD_REQUEST, 21211, "Invalid 'To' Phone Number");
        }
        None => {
            return twilio_error(StatusCode::BAD_REQUEST, 21604, "A 'To' phone number is required.");
        }
    }
    if get("From").is_none() && get("MessagingServiceSid").is_none() {
        return twilio_error(StatusCode::BAD_REQUEST, 21603, "A 'From' phone number is required.");
    }
    if get("From").is_some_and(|f| !is_e164(f)) {
        return twilio_error(StatusCode::BAD_REQUEST, 21212, "Invalid 'From' Phone Number");
    }
    match get("Body") {
        Some(b) if !b.is_empty() && b.chars().count() <= 1600 => {}
        Some(b) if b.chars().count() > 1600 => {
            return twilio_error(
                StatusCode::BAD_REQUEST,
                21617,
                "The concatenated message body exceeds the 1600 character limit.",
            );
        }
        _ if get("MediaUrl").is_some() => {}
        _ => return twilio_error(StatusCode::BAD_REQUEST, 21602, "Message body is required."),
    }
    let mut recorded = s.recorded.lock().expect("lock");
    let sid = format!("SM{:032x}", recorded.len() + 1);
    recorded.push(Recorded { path: format!("/2010-04-01/Accounts/{account}/Messages.json"), form: form.clone() });
    let body = json!({
        "sid": sid, "account_sid": s.account_sid, "status": "queued",
        "to": get("To"), "from": get("From"), "body": get("Body"),
    });
    (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}
