//! The in-process target: a server built from the production call pipeline.
//!
//! The Media Streams route, the call task, Whisper and Piper are the real
//! ones; only tenancy and the CRM are replaced (one demo tenant, actions
//! logged in memory: see [`super::brain`]), and there is no voice webhook (the
//! harness issues the call token itself). That keeps a profiling run
//! self-contained while timing everything a call does; the production path
//! end to end is [`super::remote`] (against a spawned or running server).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::HarnessError;
use super::brain::{AssistantBrain, Effects};
use super::manifest::CallPlan;
use super::target::{PlacedCall, ServerRecord, Target, TargetInfo, TurnProbe};
use crate::config::SttModel;
use crate::speech::ModelPaths;
use crate::speech::stt::{WhisperConfig, WhisperEngine};
use crate::speech::tts::{PiperConfig, PiperEngine, TextToSpeech};
use crate::telephony::call::CallEnv;
use crate::telephony::call_runtime::CallRuntime;
use crate::telephony::call_token::{CallClaims, CallTokens};
use crate::telephony::live::LiveHub;
use crate::telephony::media_route::{self, MEDIA_STREAM_PATH, MediaStreamState};
use crate::telephony::metrics::CallMetrics;
use crate::telephony::ports::{
    BoxFuture, CallBrain, CallDirectory, CallRecorder, CallSettings, CallSetup, CallSummary,
};
use crate::telephony::protocol::StartMeta;
use crate::telephony::signature::{TwilioVerifier, compute};

/// The in-process server's Twilio auth token (it signs and verifies).
const LOCAL_AUTH_TOKEN: &str = "harness-local-twilio-auth-token";
const TENANT: &str = "acme";
const VOICE_KEY: &str = "acme/joe";

#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub models_dir: PathBuf,
    pub stt_model: SttModel,
    pub stt_workers: usize,
    /// CPU threads per Whisper decoder.
    pub stt_threads: usize,
    pub tts_workers: usize,
    /// Call-task worker threads.
    pub call_threads: usize,
}

/// Calls the in-process server has seen.
#[derive(Default)]
struct Calls {
    effects: Mutex<HashMap<String, Arc<Mutex<Effects>>>>,
    summaries: Mutex<HashMap<String, CallSummary>>,
    ended: Notify,
}

struct Directory {
    calls: Arc<Calls>,
}

impl CallDirectory for Directory {
    fn open(&self, claims: CallClaims, start: StartMeta) -> BoxFuture<'_, Result<CallSetup, String>> {
        let scenario = start.custom_parameters.get("scenario").cloned().unwrap_or_default();
        let effects = Arc::new(Mutex::new(Effects { observed_via: "memory".into(), ..Default::default() }));
        lock(&self.calls.effects).insert(claims.call_id.clone(), Arc::clone(&effects));
        let assistant = AssistantBrain::new(&scenario, effects);
        let greeting = assistant.greeting();
        let brain: Arc<dyn CallBrain> = Arc::new(assistant);
        Box::pin(async move {
            Ok(CallSetup {
                call_id: claims.call_id,
                tenant_id: claims.tenant_id,
                caller: Some(crate::assistant::fixtures::CALLER_PHONE.into()),
                brain,
                greeting,
                voice_key: VOICE_KEY.into(),
                // As the production directory: no vocabulary prompt.
                stt_prompt: None,
                recording: None,
            })
        })
    }
}

struct Recorder {
    calls: Arc<Calls>,
}

impl CallRecorder for Recorder {
    fn ended(&self, summary: CallSummary) -> BoxFuture<'_, ()> {
        lock(&self.calls.summaries).insert(summary.call_id.clone(), summary);
        self.calls.ended.notify_waiters();
        Box::pin(async {})
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct InProcessServer {
    ws_url: String,
    description: String,
    tokens: CallTokens,
    calls: Arc<Calls>,
    runtime: Arc<CallRuntime>,
    pub metrics: Arc<CallMetrics>,
    _server: tokio::task::JoinHandle<()>,
}

impl InProcessServer {
    /// Loads the models, warms the prompt cache and listens on 127.0.0.1:0.
    pub async fn start(options: &EngineOptions, settings: CallSettings) -> Result<Self, HarnessError> {
        let err = |e: &dyn std::fmt::Display| HarnessError::Server(e.to_string());
        let paths = ModelPaths::new(options.models_dir.clone());
        let whisper = WhisperConfig {
            model: options.stt_model,
            workers: options.stt_workers,
            threads_per_worker: options.stt_threads,
            ..Default::default()
        };
        let piper = PiperConfig { workers: options.tts_workers, ..Default::default() };
        let (stt, tts) = tokio::task::spawn_blocking(move || {
            let stt = WhisperEngine::load(&paths, whisper)?;
            let tts = PiperEngine::load(&paths, piper)?;
            Ok::<_, crate::speech::SpeechError>((stt, tts))
        })
        .await
        .map_err(|e| err(&e))?
        .map_err(|e| err(&e))?;
        let tts: Arc<dyn TextToSpeech> = Arc::new(tts);
        // What the voice webhook does before a stream starts: cache fixed lines.
        let greeting = AssistantBrain::new("", Arc::default()).greeting();
        for line in [greeting.as_str(), settings.filler_text.as_str()] {
            tts.prompt(VOICE_KEY, line).await.map_err(|e| err(&e))?;
        }
        // What the server does at start-up: the catalog's fixed sentences.
        tts.warm(&crate::assistant::locale::fixed_lines(crate::domain::Language::En)).await;
        let description = format!(
            "in-process (Media Streams route, call pipeline, Whisper {} {} worker(s) x {} thread(s), Piper x{}, assistant policy; CRM in memory), end silence {} ms",
            options.stt_model.name(),
            options.stt_workers,
            options.stt_threads,
            options.tts_workers,
            settings.endpoint.end_silence_ms
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| err(&e))?;
        let addr = listener.local_addr().map_err(|e| err(&e))?;
        let calls = Arc::new(Calls::default());
        let metrics = Arc::new(CallMetrics::default());
        let tokens = CallTokens::random();
        let env = Arc::new(CallEnv {
            stt: Arc::new(stt),
            tts,
            directory: Arc::new(Directory { calls: Arc::clone(&calls) }),
            recorder: Arc::new(Recorder { calls: Arc::clone(&calls) }),
            control: None,
            live: LiveHub::default(),
            tokens: tokens.clone(),
            metrics: Arc::clone(&metrics),
            settings,
        });
        let runtime = Arc::new(CallRuntime::start(options.call_threads).map_err(|e| err(&e))?);
        let state = MediaStreamState {
            env,
            runtime: Arc::clone(&runtime),
            verifier: TwilioVerifier::new(Some(LOCAL_AUTH_TOKEN.into()), &format!("http://{addr}")),
        };
        let app = media_route::router(state);
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "harness server stopped");
            }
        });
        Ok(InProcessServer {
            ws_url: format!("ws://{addr}{MEDIA_STREAM_PATH}"),
            description,
            tokens,
            calls,
            runtime,
            metrics,
            _server: server,
        })
    }

    /// Registers a call as the voice webhook would and says how to stream it.
    pub fn place(&self, index: usize, scenario: &str) -> PlacedCall {
        let call_id = format!("harness-call-{index}");
        let call_sid = format!("CA{:032x}", index as u128 + (u128::from(std::process::id()) << 64));
        let token = self.tokens.issue(&call_id, TENANT, &call_sid, chrono::Utc::now().timestamp());
        PlacedCall {
            call_id,
            call_sid,
            from: crate::assistant::fixtures::CALLER_PHONE.into(),
            signature: compute(LOCAL_AUTH_TOKEN, &self.ws_url, &[]),
            ws_url: self.ws_url.clone(),
            parameters: vec![("token".into(), token), ("scenario".into(), scenario.into())],
            prepared_appointment: None,
        }
    }

    /// The server's record of a call, once it has ended.
    pub async fn summary(&self, call_id: &str, timeout: Duration) -> Option<CallSummary> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.calls.ended.notified();
            if let Some(s) = lock(&self.calls.summaries).get(call_id) {
                return Some(s.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// The CRM effects the assistant asked for on a call.
    pub fn effects(&self, call_id: &str) -> Option<Effects> {
        lock(&self.calls.effects).get(call_id).map(|e| lock(e).clone())
    }
}

/// Caller speech turns the policy has answered so far on a call.
fn answered(calls: &Calls, call_id: &str) -> usize {
    lock(&calls.effects).get(call_id).map(|e| lock(e).turns.iter().filter(|t| !t.input.is_empty()).count()).unwrap_or(0)
}

impl Target for InProcessServer {
    fn info(&self) -> TargetInfo {
        TargetInfo { kind: "in-process".into(), url: None, description: self.description.clone() }
    }

    fn place_call<'a>(&'a self, index: usize, plan: &'a CallPlan) -> BoxFuture<'a, Result<PlacedCall, String>> {
        Box::pin(async move { Ok(self.place(index, &plan.scenario)) })
    }

    fn probe(&self, call: &PlacedCall) -> Option<TurnProbe> {
        let calls = Arc::clone(&self.calls);
        let call_id = call.call_id.clone();
        Some(Arc::new(move || answered(&calls, &call_id)))
    }

    fn record<'a>(&'a self, call: &'a PlacedCall, _plan: &'a CallPlan) -> BoxFuture<'a, Result<ServerRecord, String>> {
        Box::pin(async move {
            let summary = self
                .summary(&call.call_id, Duration::from_secs(10))
                .await
                .ok_or_else(|| "the server kept no record of the call".to_string())?;
            Ok(ServerRecord {
                call_id: Some(summary.call_id),
                turns: summary.turns,
                effects: self.effects(&call.call_id),
            })
        })
    }

    fn active_calls(&self) -> BoxFuture<'_, Option<usize>> {
        Box::pin(async move { Some(self.runtime.active()) })
    }

    fn pid(&self) -> Option<u32> {
        Some(std::process::id())
    }
}
