//! A real server for call tests: the Media Streams route on 127.0.0.1:0 with
//! the real Whisper and Piper engines (from `MODELS_DIR`, default `models/`),
//! a signing Twilio token, per-call tokens, and an in-memory call recorder.
//! The dialog policy here is a small scripted one: these tests are about
//! transport, timing and audio, not about what the assistant decides.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use switchboard::config::SttModel;
use switchboard::speech::ModelPaths;
use switchboard::speech::stt::{SpeechToText, SttOptions, Utterance, WhisperConfig, WhisperEngine};
use switchboard::speech::tts::{PiperConfig, PiperEngine, TextToSpeech};
use switchboard::telephony::call::CallEnv;
use switchboard::telephony::call_runtime::CallRuntime;
use switchboard::telephony::call_token::{CallClaims, CallTokens};
use switchboard::telephony::live::LiveHub;
use switchboard::telephony::media_route::{self, MEDIA_STREAM_PATH, MediaStreamState};
use switchboard::telephony::metrics::CallMetrics;
use switchboard::telephony::ports::{
    BoxFuture, CallBrain, CallControl, CallDirectory, CallRecorder, CallSettings, CallSetup, CallSummary, CallerInput,
    Reply,
};
use switchboard::telephony::protocol::StartMeta;
use switchboard::telephony::signature::{TwilioVerifier, compute};

pub const AUTH_TOKEN: &str = "test-twilio-auth-token";
pub const OWNER_PHONE: &str = "+15551230000";
pub const GREETING: &str = "Thanks for calling Acme Plumbing. How can I help you today?";
pub const LONG_GREETING: &str = "Thanks for calling Acme Plumbing, the friendliest plumbers in town. \
    We fix leaks, water heaters, drains and sewer lines, day and night. How can I help you today?";
pub const WATER_REPLY: &str = "I am sorry about the leak. A plumber can come tomorrow morning.";

pub fn models_dir() -> PathBuf {
    std::env::var_os("MODELS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("models"))
}

/// One loaded engine pair per test process. One thread per engine: on a
/// shared, oversubscribed 2-core box ggml's multi-threaded barriers spin and
/// a 4 s utterance can take tens of seconds.
pub fn engines() -> (Arc<dyn SpeechToText>, Arc<dyn TextToSpeech>) {
    static ENGINES: OnceLock<(Arc<WhisperEngine>, Arc<PiperEngine>)> = OnceLock::new();
    let (stt, tts) = ENGINES.get_or_init(|| {
        let paths = ModelPaths::new(models_dir());
        let stt = WhisperEngine::load(
            &paths,
            WhisperConfig {
                model: SttModel::TinyEn,
                threads_per_worker: 1,
                workers: std::env::var("STT_WORKERS").ok().and_then(|v| v.parse().ok()).unwrap_or(2),
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("Whisper model needed for call tests (set MODELS_DIR): {e}"));
        let tts =
            PiperEngine::load(&paths, PiperConfig { threads_per_worker: 1, deterministic: true, ..Default::default() })
                .unwrap_or_else(|e| panic!("Piper voice needed for call tests (set MODELS_DIR): {e}"));
        (Arc::new(stt), Arc::new(tts))
    });
    (Arc::clone(stt) as Arc<dyn SpeechToText>, Arc::clone(tts) as Arc<dyn TextToSpeech>)
}

/// Loads an 8 kHz fixture as mu-law bytes.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from("audio-fixtures/telephony").join(format!("{name}.wav"));
    let audio = switchboard::speech::wav::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(audio.sample_rate, 8000, "{}", path.display());
    switchboard::speech::codec::encode(&switchboard::speech::codec::f32_to_i16(&audio.samples))
}

/// Transcribes mu-law audio with our own STT.
pub async fn transcribe(mulaw: &[u8]) -> String {
    let (stt, _) = engines();
    stt.transcribe(Utterance::MuLaw8k(mulaw.to_vec()), SttOptions::default()).await.expect("transcribe").text
}

/// The scripted policy; records every input it is given.
pub struct ScriptedBrain {
    pub greeting: String,
    pub inputs: Mutex<Vec<CallerInput>>,
}

impl CallBrain for ScriptedBrain {
    fn respond(&self, input: CallerInput) -> BoxFuture<'_, Result<Reply, String>> {
        self.inputs.lock().unwrap().push(input.clone());
        let reply = match input {
            // tiny.en hears espeak's "water heater" as anything from "water fever" to
            // "Walgher fever"; "leaking" survives.
            CallerInput::Speech(text) if text.to_lowercase().contains("leak") => {
                Reply { text: WATER_REPLY.into(), emergency: true, ..Default::default() }
            }
            CallerInput::Speech(_) => {
                Reply { text: "Could you tell me more about the problem?".into(), ..Default::default() }
            }
            CallerInput::Dtmf('0') => Reply {
                text: "Connecting you to the owner now.".into(),
                transfer_to: Some(OWNER_PHONE.into()),
                ..Default::default()
            },
            CallerInput::Dtmf('9') => Reply { text: "Goodbye.".into(), hang_up: true, ..Default::default() },
            CallerInput::Dtmf(d) => Reply { text: format!("You pressed {d}."), ..Default::default() },
            CallerInput::Silence => Reply { text: "Are you still there?".into(), ..Default::default() },
        };
        Box::pin(async move { Ok(reply) })
    }
}

/// Knows the calls the test created; each gets its own brain.
#[derive(Default)]
pub struct Directory {
    pub brains: Mutex<Vec<(String, Arc<ScriptedBrain>)>>,
    /// When set, calls get this policy instead of their scripted one.
    pub slow: Mutex<Option<Arc<dyn CallBrain>>>,
}

impl Directory {
    pub fn brain(&self, call_id: &str) -> Arc<ScriptedBrain> {
        let brains = self.brains.lock().unwrap();
        Arc::clone(&brains.iter().find(|(id, _)| id == call_id).expect("brain").1)
    }
}

impl CallDirectory for Directory {
    fn open(&self, claims: CallClaims, _start: StartMeta) -> BoxFuture<'_, Result<CallSetup, String>> {
        let brains = self.brains.lock().unwrap();
        let found = brains.iter().find(|(id, _)| *id == claims.call_id).map(|(_, b)| Arc::clone(b));
        let slow = self.slow.lock().unwrap().clone();
        Box::pin(async move {
            let scripted = found.ok_or("unknown call")?;
            let greeting = scripted.greeting.clone();
            let brain: Arc<dyn CallBrain> = slow.unwrap_or(scripted);
            Ok(CallSetup {
                call_id: claims.call_id,
                tenant_id: claims.tenant_id,
                caller: Some("+15557654321".into()),
                greeting,
                brain,
                voice_key: "acme/joe".into(),
                stt_prompt: None,
                recording: None,
            })
        })
    }
}

#[derive(Default)]
pub struct Recorder {
    pub calls: Mutex<Vec<CallSummary>>,
}

impl CallRecorder for Recorder {
    fn ended(&self, summary: CallSummary) -> BoxFuture<'_, ()> {
        self.calls.lock().unwrap().push(summary);
        Box::pin(async {})
    }
}

pub struct Harness {
    pub base_ws: String,
    pub tokens: CallTokens,
    pub directory: Arc<Directory>,
    pub recorder: Arc<Recorder>,
    pub metrics: Arc<CallMetrics>,
    pub live: LiveHub,
    pub tts: Arc<dyn TextToSpeech>,
    _server: tokio::task::JoinHandle<()>,
}

impl Harness {
    pub async fn start(control: Option<Arc<dyn CallControl>>) -> Self {
        Self::start_with(control, CallSettings::default()).await
    }

    pub async fn start_with(control: Option<Arc<dyn CallControl>>, settings: CallSettings) -> Self {
        switchboard::telemetry::init(switchboard::config::LogFormat::Pretty);
        let (stt, tts) = engines();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let directory = Arc::new(Directory::default());
        let recorder = Arc::new(Recorder::default());
        let metrics = Arc::new(CallMetrics::default());
        let live = LiveHub::default();
        let tokens = CallTokens::random();
        let env = Arc::new(CallEnv {
            stt,
            tts: Arc::clone(&tts),
            directory: Arc::clone(&directory) as Arc<dyn CallDirectory>,
            recorder: Arc::clone(&recorder) as Arc<dyn CallRecorder>,
            control,
            live: live.clone(),
            tokens: tokens.clone(),
            metrics: Arc::clone(&metrics),
            settings,
        });
        let state = MediaStreamState {
            env,
            runtime: Arc::new(CallRuntime::start(2).unwrap()),
            verifier: TwilioVerifier::new(Some(AUTH_TOKEN.into()), &format!("http://{addr}")),
        };
        let app = media_route::router(state);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Harness { base_ws: format!("ws://{addr}"), tokens, directory, recorder, metrics, live, tts, _server: server }
    }

    pub fn ws_url(&self) -> String {
        format!("{}{MEDIA_STREAM_PATH}", self.base_ws)
    }

    pub fn signature(&self) -> String {
        compute(AUTH_TOKEN, &self.ws_url(), &[])
    }

    /// Registers a call (as the voice webhook would) and returns its token.
    pub async fn new_call(&self, call_id: &str, call_sid: &str, greeting: &str) -> (String, Arc<ScriptedBrain>) {
        let brain = Arc::new(ScriptedBrain { greeting: greeting.into(), inputs: Mutex::default() });
        self.directory.brains.lock().unwrap().push((call_id.into(), Arc::clone(&brain)));
        // The voice webhook warms the prompt cache a second before the stream starts.
        self.tts.prompt("acme/joe", greeting).await.expect("greeting prompt");
        self.tts.prompt("acme/joe", "One moment, please.").await.expect("filler prompt");
        let token = self.tokens.issue(call_id, "tenant-acme", call_sid, chrono::Utc::now().timestamp());
        (token, brain)
    }

    pub async fn wait_for_summary(&self, call_id: &str, timeout: Duration) -> CallSummary {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(s) = self.recorder.calls.lock().unwrap().iter().find(|s| s.call_id == call_id) {
                return s.clone();
            }
            assert!(tokio::time::Instant::now() < deadline, "no summary for {call_id} after {timeout:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Index of the first 20 ms frame louder than `threshold` RMS.
pub fn speech_onset(mulaw: &[u8]) -> usize {
    mulaw
        .chunks(160)
        .position(|frame| {
            let samples = switchboard::speech::codec::decode(frame);
            let energy: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64;
            energy.sqrt() > 500.0
        })
        .unwrap_or(0)
}
