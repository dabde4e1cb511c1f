//! Telephony as one service the app holds: the speech engines, the call
//! runtime, the ports over the store, and the Twilio verifier.

use std::sync::Arc;

use super::call::CallEnv;
use super::call_runtime::CallRuntime;
use super::call_token::CallTokens;
use super::live::LiveHub;
use super::media_route::MediaStreamState;
use super::metrics::CallMetrics;
use super::ports::{CallControl, CallSettings};
use super::rest::TwilioRest;
use super::signature::TwilioVerifier;
use super::store_adapters::{Backends, PendingCalls, StoreDirectory, StoreRecorder, TwilioNotifier};
use crate::config::Config;
use crate::conversation::{LogNotifier, Notifier};
use crate::sessions::SessionStore;
use crate::speech::stt::{SpeechToText, WhisperConfig, WhisperEngine};
use crate::speech::tts::{PiperConfig, PiperEngine, TextToSpeech};
use crate::speech::{ModelPaths, SpeechError};
use crate::store::Db;

pub struct Telephony {
    pub media: MediaStreamState,
    pub verifier: TwilioVerifier,
    pub pending: Arc<PendingCalls>,
    pub notifier: Arc<dyn Notifier>,
    pub rest: Option<TwilioRest>,
}

impl std::fmt::Debug for Telephony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telephony").field("verifier", &self.verifier).field("rest", &self.rest).finish()
    }
}

impl Telephony {
    /// Loads Whisper and Piper from `MODELS_DIR` and wires everything up.
    pub fn build(config: &Config, db: Db, sessions: Arc<dyn SessionStore>) -> Result<Self, SpeechError> {
        let paths = ModelPaths::from_config(config);
        // Two single-threaded decoders rather than one two-threaded one: calls
        // finish talking at the same moment, and with 4 callers on 2 shared
        // cores this halved the median turn (docs/benchmarks.md).
        let whisper =
            WhisperConfig { model: config.stt_model, workers: 2, threads_per_worker: 1, ..Default::default() };
        let stt = WhisperEngine::load(&paths, whisper)?;
        let piper = PiperEngine::load(&paths, PiperConfig::default())?;
        tracing::info!(stt_load = ?stt.load_time(), tts_load = ?piper.load_time(), "speech engines loaded");
        let tts: Arc<dyn TextToSpeech> = Arc::new(piper);
        warm_catalog(Arc::clone(&tts));
        Ok(Self::with_engines(config, db, sessions, Arc::new(stt), tts, CallSettings::default()))
    }

    /// Wires already-loaded engines (tests share one pair per process).
    pub fn with_engines(
        config: &Config,
        db: Db,
        sessions: Arc<dyn SessionStore>,
        stt: Arc<dyn SpeechToText>,
        tts: Arc<dyn TextToSpeech>,
        settings: CallSettings,
    ) -> Self {
        let rest = TwilioRest::from_config(config).ok();
        let notifier: Arc<dyn Notifier> = match &rest {
            Some(rest) => Arc::new(TwilioNotifier { rest: rest.clone(), db: db.clone() }),
            None => Arc::new(LogNotifier),
        };
        let pending = Arc::new(PendingCalls::default());
        let backends = Backends { db: db.clone(), sessions, notifier: Arc::clone(&notifier) };
        let verifier = TwilioVerifier::from_config(config);
        let env = CallEnv {
            stt,
            tts,
            directory: Arc::new(StoreDirectory {
                backends: backends.clone(),
                pending: Arc::clone(&pending),
                recordings_dir: config.recordings_dir.clone(),
            }),
            recorder: Arc::new(StoreRecorder {
                backends: backends.clone(),
                recordings_dir: config.recordings_dir.clone(),
            }),
            control: rest.clone().map(|r| Arc::new(r) as Arc<dyn CallControl>),
            live: LiveHub::default(),
            tokens: CallTokens::random(),
            metrics: Arc::new(CallMetrics::default()),
            settings,
        };
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 4);
        let runtime = match CallRuntime::start(threads) {
            Ok(runtime) => runtime,
            Err(e) => {
                tracing::error!(error = %e, "call runtime failed to start; retrying with one thread");
                CallRuntime::start(1).unwrap_or_else(|e| panic!("cannot start any call thread: {e}"))
            }
        };
        let media = MediaStreamState { env: Arc::new(env), runtime: Arc::new(runtime), verifier: verifier.clone() };
        Telephony { media, verifier, pending, notifier, rest }
    }

    pub fn metrics(&self) -> &CallMetrics {
        &self.media.env.metrics
    }

    /// Prometheus text for calls and speech queues.
    pub fn render_metrics(&self) -> String {
        let env = &self.media.env;
        env.metrics.render_prometheus(&[("stt", env.stt.queue_depth()), ("tts", env.tts.queue_depth())])
    }
}

/// Synthesises the assistant's fixed sentences in the background, so that
/// replies opening with them ("Okay.", "What's the address for the visit?")
/// play without waiting for synthesis from the first call on. Costs a few
/// seconds of one core after start-up; calls arriving meanwhile share the
/// engine and are served in order.
fn warm_catalog(tts: Arc<dyn TextToSpeech>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        let started = std::time::Instant::now();
        let lines = crate::assistant::locale::fixed_lines(crate::domain::Language::En);
        let made = tts.warm(&lines).await;
        tracing::info!(lines = made, elapsed = ?started.elapsed(), "catalog sentences synthesised");
    });
}
