//! `POST /v1/twilio/sms`: inbound text messages.
//!
//! Order of checks: the `X-Twilio-Signature` (over the public URL and every
//! form field, shared verifier), the tenant by the number texted (`To`), then
//! idempotency by `MessageSid` (Twilio retries; a retry gets an empty
//! response, never a second booking), then the carrier keywords, then the
//! assistant. The reply is TwiML `<Message>`.
//!
//! Keywords mirror Twilio's own opt-out handling, so our records agree with
//! what the carrier enforces: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT
//! opt out; START, UNSTOP (and YES, when opted out) opt back in; HELP, INFO
//! get the help text. Each is recorded on the customer (`sms_opt_out`). Any
//! other YES/NO is an answer to the assistant's last question.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::auth::{refuse, request_id_of};
use super::error::ApiError;
use crate::app::AppState;
use crate::assistant::locale::{Fmt, Msg, render};
use crate::assistant::{Channel, Input};
use crate::conversation::{Executor, LogNotifier, TurnRequest};
use crate::domain::normalize_phone;
use crate::store::businesses::{self, Business, TenantStatus};
use crate::store::customers::{self, NewCustomer};
use crate::store::webhooks;

use crate::telephony::signature;

pub const PATH: &str = "/v1/twilio/sms";

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, post(inbound))
}

/// A carrier keyword, matched on the whole (trimmed, upper-cased) message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
    Help,
}

pub fn keyword(body: &str, opted_out: bool) -> Option<Keyword> {
    match body.trim().trim_end_matches(['.', '!']).to_ascii_uppercase().as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Some(Keyword::Stop),
        "START" | "UNSTOP" => Some(Keyword::Start),
        "YES" if opted_out => Some(Keyword::Start),
        "HELP" | "INFO" => Some(Keyword::Help),
        _ => None,
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// TwiML with one `<Message>`, or an empty response (no reply).
pub fn twiml(message: Option<&str>) -> Response {
    let body = match message {
        Some(m) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            xml_escape(m)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>".to_string(),
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

fn field<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

async fn inbound(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    let rid = request_id_of(&headers);
    let params: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| ApiError::BadRequest("expected a form-encoded body".into()))?;
    let verifier = signature::TwilioVerifier::from_config(&state.config);
    let path_and_query = uri.path_and_query().map_or(PATH, |p| p.as_str());
    let sig = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok());
    if let Err(e) = verifier.check_webhook(path_and_query, &params, sig) {
        let kind = match e {
            signature::SignatureError::Missing => "webhook_signature_missing",
            signature::SignatureError::Mismatch => "webhook_signature_invalid",
        };
        refuse(&state, rid.as_deref(), kind, None).await;
        return Err(ApiError::Forbidden("invalid Twilio signature"));
    }
    let (Some(sid), Some(from), Some(to)) =
        (field(&params, "MessageSid"), field(&params, "From"), field(&params, "To"))
    else {
        return Err(ApiError::BadRequest("MessageSid, From and To are required".into()));
    };
    let text = field(&params, "Body").unwrap_or_default();
    let to = normalize_phone(to).ok_or_else(|| ApiError::BadRequest("To is not a phone number".into()))?;
    let from = normalize_phone(from).ok_or_else(|| ApiError::BadRequest("From is not a phone number".into()))?;
    let business = businesses::find_by_phone(&state.db, &to).await.map_err(ApiError::not_found("business"))?;
    if business.status == TenantStatus::Suspended {
        return Ok(twiml(None));
    }
    if !webhooks::first_delivery(&state.db, "twilio_sms", sid, Some(&business.id)).await? {
        tracing::info!(message_sid = sid, "duplicate SMS delivery ignored");
        return Ok(twiml(None));
    }
    let customer = customers::find_by_phone(&state.db, &business.id, &from).await?;
    let opted_out = customer.as_ref().is_some_and(|c| c.sms_opt_out);
    if let Some(k) = keyword(text, opted_out) {
        return handle_keyword(&state, &business, &from, k, customer.is_some()).await;
    }
    if opted_out {
        // The carrier would block a reply anyway; the owner sees the text.
        tracing::info!(tenant = %business.id, "text from an opted-out number: not answered");
        return Ok(twiml(None));
    }
    let exec = Executor { db: &state.db, sessions: state.sessions.as_ref(), notifier: &LogNotifier };
    let req = TurnRequest {
        tenant: &business.id,
        channel: Channel::Sms,
        thread: &from,
        caller_phone: Some(&from),
        input: Input::Text(text.to_string()),
        now: crate::store::now(),
    };
    let done = exec.turn(req).await.map_err(super::widget::internal)?;
    Ok(twiml(Some(&done.reply)))
}

async fn handle_keyword(
    state: &AppState,
    business: &Business,
    from: &str,
    k: Keyword,
    known: bool,
) -> Result<Response, ApiError> {
    let profile = business.profile()?;
    let fmt = Fmt { lang: profile.language, tz: profile.time_zone, today: crate::store::now().date_naive() };
    let name = business.name.clone();
    let (opt_out, msg) = match k {
        Keyword::Help => return Ok(twiml(Some(&render(&Msg::SmsHelp { business: name }, &fmt)))),
        Keyword::Stop => (true, Msg::SmsStopped { business: name }),
        Keyword::Start => (false, Msg::SmsStarted { business: name }),
    };
    if !known && opt_out {
        // Remember the opt-out even for a number we have never seen; the
        // number stands in for the name until the person tells us theirs.
        let new = NewCustomer { name: from.to_string(), phone: Some(from.to_string()), ..Default::default() };
        customers::create(&state.db, &business.id, new).await?;
    }
    customers::set_sms_opt_out(&state.db, &business.id, from, opt_out).await?;
    tracing::info!(tenant = %business.id, opt_out, "SMS keyword recorded");
    Ok(twiml(Some(&render(&msg, &fmt))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords() {
        assert_eq!(keyword(" stop ", false), Some(Keyword::Stop));
        assert_eq!(keyword("Cancel", false), Some(Keyword::Stop));
        assert_eq!(keyword("cancel my appointment", false), None);
        assert_eq!(keyword("START", true), Some(Keyword::Start));
        assert_eq!(keyword("yes", true), Some(Keyword::Start));
        assert_eq!(keyword("yes", false), None, "a YES to the assistant's question");
        assert_eq!(keyword("help", false), Some(Keyword::Help));
    }

    #[test]
    fn twiml_escapes() {
        assert_eq!(xml_escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
        let r = twiml(Some("hi"));
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()),
            Some("text/xml; charset=utf-8")
        );
    }
}
