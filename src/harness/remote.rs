//! The remote target: a running `switchboard serve`, reached exactly like
//! Twilio reaches it, and read back through its REST API.
//!
//! Per call: a signed, form-encoded voice webhook (fresh `CallSid`, a caller
//! number of its own so returning-caller memory never changes the dialog),
//! the TwiML's `<Connect><Stream>` URL and `<Parameter>`s, a signed
//! WebSocket upgrade. Afterwards: the call record with its per-turn timings
//! (`GET /v1/crm/calls/{id}`) and the CRM effect for that caller
//! (customers, appointments, callbacks), all with the tenant's API key.
//! Scenarios about an existing appointment (reschedule, cancel) get one
//! booked through the API before the call.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::brain::Effects;
use super::manifest::CallPlan;
use super::target::{PlacedCall, PreparedAppointment, ServerRecord, Target, TargetInfo, TurnProbe};
use crate::store::calls::CallTurn;
use crate::telephony::ports::{BoxFuture, CallerInput, TurnRecord, TurnTimings};
use crate::telephony::routes::VOICE_PATH;
use crate::telephony::signature::compute;

/// The `AccountSid` the fake Twilio uses (webhook and stream `start`).
pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
/// Longest wait for the server to persist an ended call.
const RECORD_TIMEOUT: Duration = Duration::from_secs(20);

/// How to reach and authenticate to a running server.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    /// Where to send requests, e.g. `http://127.0.0.1:8080`.
    pub target: String,
    /// The server's `PUBLIC_BASE_URL`: what signatures are computed over.
    pub public_base_url: String,
    /// The server's `TWILIO_AUTH_TOKEN`.
    pub auth_token: String,
    /// The tenant's API key (reads the call records and the CRM).
    pub api_key: String,
    /// The tenant's phone number (the webhook's `To`).
    pub to: String,
    /// `ADMIN_API_KEY`, for the active-call gauge in `/metrics` (optional).
    pub admin_api_key: Option<String>,
}

pub struct RemoteServer {
    options: RemoteOptions,
    client: reqwest::Client,
    /// Caller numbers of this run start here (random per run).
    number_base: u32,
    kind: &'static str,
    pid: Option<u32>,
    description: String,
}

#[derive(Debug, Deserialize)]
struct CallWithTurns {
    #[serde(flatten)]
    call: CallJson,
    turns: Vec<CallTurn>,
}

/// `Call` as JSON (the store type is serialise-only).
#[derive(Debug, Deserialize)]
struct CallJson {
    id: String,
    call_sid: String,
    outcome: Option<String>,
    is_emergency: bool,
    callback_id: Option<String>,
}

impl RemoteServer {
    pub fn new(options: RemoteOptions) -> Self {
        let description = format!(
            "remote server {} (signed voice webhook, TwiML stream, REST read-back; models and workers as the server is configured)",
            options.target
        );
        RemoteServer {
            options,
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap_or_default(),
            number_base: rand::random::<u32>() % 5_000_000,
            kind: "remote",
            pid: None,
            description,
        }
    }

    /// The same target, reported as a server the harness started (`pid`).
    pub fn spawned(mut self, pid: u32, description: String) -> Self {
        self.kind = "spawned";
        self.pid = Some(pid);
        self.description = description;
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.options.target.trim_end_matches('/'))
    }

    /// A caller number of its own per call: `+1737` and seven digits.
    fn caller_number(&self, index: usize) -> String {
        format!("+1737{:07}", 2_000_000 + (self.number_base as usize + index) % 7_000_000)
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<(u16, Value), String> {
        let mut request = self.client.request(method, self.url(path)).header("x-api-key", &self.options.api_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| format!("{path}: {e}"))?;
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Ok((status, value))
    }

    async fn get(&self, path: &str) -> Result<Value, String> {
        match self.api(reqwest::Method::GET, path, None).await? {
            (200, value) => Ok(value),
            (status, value) => Err(format!("GET {path}: HTTP {status}: {value}")),
        }
    }

    /// A known customer with an upcoming appointment (what the in-process
    /// brain assumes for reschedule and cancel): booked through the API in
    /// the first free hour from two days out.
    async fn prepare_appointment(&self, from: &str) -> Result<PreparedAppointment, String> {
        let body = json!({ "name": "John Smith", "phone": from, "address": "42 Oak Street" });
        let customer = match self.api(reqwest::Method::POST, "/v1/crm/customers", Some(body)).await? {
            (201, c) => c,
            (status, value) => return Err(format!("creating the caller's customer: HTTP {status}: {value}")),
        };
        let customer_id = customer["id"].as_str().ok_or("customer without an id")?;
        let today = Utc::now().date_naive();
        for slot in 0..40u32 {
            // Afternoons (20:00-23:00 UTC) from two days out; taken hours answer 409.
            let day = today + chrono::Duration::days(2 + i64::from(slot / 4));
            let start = day.and_hms_opt(20 + slot % 4, 0, 0).map(|t| t.and_utc()).ok_or("bad time")?;
            let body = json!({
                "customer_id": customer_id,
                "starts_at": start,
                "ends_at": start + chrono::Duration::hours(1),
                "service_key": "water_heater",
                "description": "Water heater repair (harness)",
            });
            match self.api(reqwest::Method::POST, "/v1/crm/appointments", Some(body)).await? {
                (201, a) => {
                    let id = a["id"].as_str().ok_or("appointment without an id")?.to_string();
                    let starts_at = a["starts_at"].as_str().unwrap_or_default().to_string();
                    return Ok(PreparedAppointment { id, starts_at });
                }
                (409, _) => continue,
                (status, value) => return Err(format!("booking the caller's appointment: HTTP {status}: {value}")),
            }
        }
        Err("no free hour for the caller's existing appointment".into())
    }

    /// The call record, once the server has persisted the ended call.
    async fn ended_call(&self, call_sid: &str) -> Result<CallWithTurns, String> {
        let deadline = tokio::time::Instant::now() + RECORD_TIMEOUT;
        let mut id = None;
        loop {
            if id.is_none() {
                let calls: Vec<CallJson> = serde_json::from_value(self.get("/v1/crm/calls?limit=200").await?)
                    .map_err(|e| format!("call list: {e}"))?;
                id = calls.into_iter().find(|c| c.call_sid == call_sid).map(|c| c.id);
            }
            if let Some(id) = &id {
                let record: CallWithTurns = serde_json::from_value(self.get(&format!("/v1/crm/calls/{id}")).await?)
                    .map_err(|e| format!("call record: {e}"))?;
                // The recorder writes the turns, then the outcome.
                if record.call.outcome.is_some() {
                    return Ok(record);
                }
            }
            if tokio::time::Instant::now() > deadline {
                return Err(match id {
                    Some(id) => format!("call {id} was not recorded as ended within {RECORD_TIMEOUT:?}"),
                    None => format!("no call record for {call_sid}"),
                });
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Reads the CRM effect for the caller: appointments booked for them,
    /// the prepared appointment's fate, callbacks queued, transfer, emergency.
    async fn effects(&self, placed: &PlacedCall, record: &CallWithTurns) -> Result<Effects, String> {
        let call = &record.call;
        let mut effects = Effects {
            observed_via: "api".into(),
            replies: record.turns.iter().filter(|t| !t.agent_text.is_empty()).count(),
            transferred: call.outcome.as_deref() == Some("transferred"),
            emergency: call.is_emergency,
            callback_queued: call.callback_id.is_some(),
            ..Default::default()
        };
        effects.evidence.push(format!("call {} outcome {}", call.id, call.outcome.as_deref().unwrap_or("-")));
        let phone = urlencode(&placed.from);
        let customers = self.get(&format!("/v1/crm/customers?q={phone}&limit=10")).await?;
        let customer = items(&customers).iter().find(|c| c["phone"].as_str() == Some(placed.from.as_str())).cloned();
        if let Some(customer) = customer {
            let id = customer["id"].as_str().unwrap_or_default();
            effects.evidence.push(format!("customer {id} {}", customer["name"].as_str().unwrap_or("")));
            let booked = self.get(&format!("/v1/crm/appointments?customer_id={id}&limit=50")).await?;
            let prepared_id = placed.prepared_appointment.as_ref().map(|p| p.id.as_str());
            for a in items(&booked) {
                if a["id"].as_str() == prepared_id || a["status"] == "cancelled" {
                    continue;
                }
                effects.booked = true;
                effects.emergency_booked |= a["is_emergency"] == true;
                effects.evidence.push(format!(
                    "appointment {} {} {}{}",
                    a["id"].as_str().unwrap_or_default(),
                    a["starts_at"].as_str().unwrap_or_default(),
                    a["service_key"].as_str().unwrap_or_default(),
                    if a["is_emergency"] == true { " (emergency)" } else { "" }
                ));
            }
        }
        if let Some(prepared) = &placed.prepared_appointment {
            let a = self.get(&format!("/v1/crm/appointments/{}", prepared.id)).await?;
            effects.cancelled = a["status"] == "cancelled";
            let moved = |s: &str| s.parse::<DateTime<Utc>>().ok();
            effects.rescheduled = a["status"] != "cancelled"
                && moved(a["starts_at"].as_str().unwrap_or_default()) != moved(&prepared.starts_at);
            effects.evidence.push(format!(
                "prepared appointment {} {} -> {} {}",
                prepared.id,
                prepared.starts_at,
                a["starts_at"].as_str().unwrap_or_default(),
                a["status"].as_str().unwrap_or_default()
            ));
        }
        if !effects.callback_queued {
            let queue = self.get("/v1/crm/callbacks?limit=200").await?;
            let theirs =
                queue.as_array().into_iter().flatten().find(|c| c["phone"].as_str() == Some(placed.from.as_str()));
            if let Some(cb) = theirs {
                effects.callback_queued = true;
                effects.evidence.push(format!("callback {} {}", cb["id"], cb["reason"]));
            }
        }
        Ok(effects)
    }
}

impl Target for RemoteServer {
    fn info(&self) -> TargetInfo {
        TargetInfo {
            kind: self.kind.into(),
            url: Some(self.options.target.clone()),
            description: self.description.clone(),
        }
    }

    fn place_call<'a>(&'a self, index: usize, plan: &'a CallPlan) -> BoxFuture<'a, Result<PlacedCall, String>> {
        Box::pin(async move {
            let call_sid = format!("CA{:032x}", rand::random::<u128>());
            let from = self.caller_number(index);
            let prepared_appointment = match plan.scenario.as_str() {
                "reschedule" | "cancel" => Some(self.prepare_appointment(&from).await?),
                _ => None,
            };
            let params: Vec<(String, String)> = [
                ("CallSid", call_sid.as_str()),
                ("AccountSid", ACCOUNT_SID),
                ("From", from.as_str()),
                ("To", self.options.to.as_str()),
                ("CallStatus", "ringing"),
                ("Direction", "inbound"),
                ("ApiVersion", "2010-04-01"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
            let signed_url = format!("{}{VOICE_PATH}", self.options.public_base_url.trim_end_matches('/'));
            let signature = compute(&self.options.auth_token, &signed_url, &params);
            let body = serde_urlencoded::to_string(&params).map_err(|e| e.to_string())?;
            let response = self
                .client
                .post(self.url(VOICE_PATH))
                .header("x-twilio-signature", signature)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .map_err(|e| format!("voice webhook: {e}"))?;
            let status = response.status();
            let twiml = response.text().await.map_err(|e| format!("voice webhook: {e}"))?;
            if !status.is_success() {
                return Err(format!("voice webhook: HTTP {status}: {twiml}"));
            }
            let (stream_url, parameters) = parse_stream(&twiml)?;
            Ok(PlacedCall {
                call_id: String::new(),
                call_sid,
                from,
                ws_url: connect_url(&stream_url, &self.options.target),
                // Twilio signs the URL it was told to open.
                signature: compute(&self.options.auth_token, &stream_url, &[]),
                parameters,
                prepared_appointment,
            })
        })
    }

    fn probe(&self, _call: &PlacedCall) -> Option<TurnProbe> {
        None
    }

    fn record<'a>(&'a self, call: &'a PlacedCall, _plan: &'a CallPlan) -> BoxFuture<'a, Result<ServerRecord, String>> {
        Box::pin(async move {
            let record = self.ended_call(&call.call_sid).await?;
            let effects = self.effects(call, &record).await?;
            Ok(ServerRecord {
                call_id: Some(record.call.id.clone()),
                turns: record.turns.iter().map(turn_record).collect(),
                effects: Some(effects),
            })
        })
    }

    fn active_calls(&self) -> BoxFuture<'_, Option<usize>> {
        Box::pin(async move {
            let key = self.options.admin_api_key.as_deref()?;
            let response = self.client.get(self.url("/metrics")).header("x-admin-api-key", key).send().await.ok()?;
            let text = response.text().await.ok()?;
            text.lines().find_map(|l| l.strip_prefix("switchboard_active_calls ")).and_then(|v| v.trim().parse().ok())
        })
    }

    fn pid(&self) -> Option<u32> {
        self.pid
    }
}

/// A stored turn as the call pipeline recorded it (the REST API does not
/// keep whether speculative STT hit, so that reads `false`).
fn turn_record(t: &CallTurn) -> TurnRecord {
    let input = match t.caller_text.as_str() {
        "[silence]" => CallerInput::Silence,
        text => match text.strip_prefix("[pressed ").and_then(|d| d.strip_suffix(']')).and_then(|d| d.chars().next()) {
            Some(digit) => CallerInput::Dtmf(digit),
            None => CallerInput::Speech(text.to_string()),
        },
    };
    let ms = |v: Option<i64>| v.and_then(|v| u32::try_from(v).ok());
    TurnRecord {
        index: u32::try_from(t.turn_index).unwrap_or(0),
        input,
        agent_text: t.agent_text.clone(),
        interrupted: t.barged_in,
        timings: TurnTimings {
            endpoint_wait_ms: ms(t.endpoint_wait_ms).unwrap_or(0),
            stt_ms: ms(t.stt_ms),
            speculative_hit: false,
            policy_ms: ms(t.policy_ms),
            tts_first_audio_ms: ms(t.tts_first_audio_ms),
            first_frame_ms: ms(t.first_frame_ms),
        },
        at: t.at,
    }
}

fn items(page: &Value) -> &[Value] {
    page["items"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|e| e.trim_start_matches('=').to_string()).unwrap_or_default()
}

/// The WebSocket to open: the TwiML's stream path on the target's host
/// (the TwiML names the public host, which may be a proxy in front of it).
fn connect_url(stream_url: &str, target: &str) -> String {
    let path = stream_url.find("://").and_then(|i| stream_url[i + 3..].find('/').map(|j| &stream_url[i + 3 + j..]));
    let origin = target.trim_end_matches('/');
    let ws_origin = if let Some(rest) = origin.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = origin.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        origin.to_string()
    };
    format!("{ws_origin}{}", path.unwrap_or(""))
}

/// `<Connect><Stream url=".."><Parameter name=".." value=".."/>..`: the
/// stream URL and its parameters.
pub fn parse_stream(twiml: &str) -> Result<(String, Vec<(String, String)>), String> {
    let no_stream = || format!("the TwiML has no <Connect><Stream>: {twiml}");
    let start = twiml.find("<Stream").ok_or_else(no_stream)?;
    let end = twiml[start..].find("</Stream>").map(|e| start + e).unwrap_or(twiml.len());
    let element = &twiml[start..end];
    let open_end = element.find('>').ok_or_else(no_stream)?;
    let url = attribute(&element[..open_end], "url").ok_or_else(no_stream)?;
    let mut parameters = Vec::new();
    let mut rest = &element[open_end..];
    while let Some(at) = rest.find("<Parameter") {
        let tag_end = rest[at..].find('>').map(|e| at + e).unwrap_or(rest.len());
        let tag = &rest[at..tag_end];
        if let (Some(name), Some(value)) = (attribute(tag, "name"), attribute(tag, "value")) {
            parameters.push((name, value));
        }
        rest = &rest[tag_end..];
    }
    Ok((url, parameters))
}

/// A double-quoted attribute of one tag, unescaped.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let len = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + len]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::twiml;

    #[test]
    fn reads_the_stream_and_parameters_the_server_writes() {
        let xml = twiml::Response::new()
            .connect_stream("wss://sb.example.com/v1/twilio/media-stream", &[("token", "a&b<c>\"d'"), ("x", "1")])
            .hangup()
            .to_xml();
        let (url, params) = parse_stream(&xml).unwrap();
        assert_eq!(url, "wss://sb.example.com/v1/twilio/media-stream");
        assert_eq!(params, vec![("token".into(), "a&b<c>\"d'".into()), ("x".into(), "1".into())]);
    }

    #[test]
    fn a_refusal_is_an_error_with_the_twiml() {
        let xml = twiml::Response::new().say("Sorry, this number is not in service.", None).hangup().to_xml();
        assert!(parse_stream(&xml).unwrap_err().contains("not in service"));
    }

    #[test]
    fn connects_to_the_target_host_with_the_public_path() {
        assert_eq!(
            connect_url("wss://sb.example.com/v1/twilio/media-stream", "http://127.0.0.1:8080/"),
            "ws://127.0.0.1:8080/v1/twilio/media-stream"
        );
    }

    #[test]
    fn stored_turn_inputs_round_trip() {
        let turn = |text: &str| turn_record(&CallTurn { caller_text: text.into(), ..Default::default() }).input;
        assert_eq!(turn("[silence]"), CallerInput::Silence);
        assert_eq!(turn("[pressed 5]"), CallerInput::Dtmf('5'));
        assert_eq!(turn("Sarah Johnson."), CallerInput::Speech("Sarah Johnson.".into()));
    }
}
