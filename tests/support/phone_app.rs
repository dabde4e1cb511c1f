//! The whole app with telephony, as Twilio sees it: the real router, store,
//! assistant and executor, the real speech engines, Twilio's REST API faked
//! locally, and helpers that sign webhooks and open media streams the way
//! Twilio does (signatures over the public URL, as behind a proxy).

use std::sync::Arc;
use std::time::Duration;

use switchboard::app::AppState;
use switchboard::telephony::ports::CallSettings;
use switchboard::telephony::service::Telephony;
use switchboard::telephony::signature::compute;

use super::call_harness::engines;
use super::fake_media_client::FakeTwilioCall;
use super::fake_twilio_rest::FakeTwilioRest;
use super::{Backend, TestApp, fresh_database_url, test_config};

/// `PUBLIC_BASE_URL` of the test config.
pub const PUBLIC: &str = "https://switchboard.test";

pub struct PhoneApp {
    pub app: TestApp,
    pub auth_token: String,
    pub twilio: FakeTwilioRest,
}

impl PhoneApp {
    /// Starts the app on `backend` with `extra` settings on top of the Twilio ones.
    pub async fn start(backend: Backend, extra: &[(&str, &str)]) -> PhoneApp {
        let twilio = FakeTwilioRest::start().await;
        let (url, dir) = fresh_database_url(backend).await;
        let mut settings = vec![
            ("TWILIO_AUTH_TOKEN", twilio.auth_token.as_str()),
            ("TWILIO_ACCOUNT_SID", twilio.account_sid.as_str()),
            ("TWILIO_API_BASE", twilio.base_url.as_str()),
        ];
        settings.extend_from_slice(extra);
        let config = test_config(&url, &settings);
        assert_eq!(config.public_base_url, PUBLIC);
        let mut state = AppState::build(config).await.expect("app state");
        let (stt, tts) = engines();
        // No "one moment" filler: the tests transcribe the replies themselves.
        let calls = CallSettings { filler_after: Duration::from_secs(30), ..CallSettings::default() };
        let telephony =
            Telephony::with_engines(&state.config, state.db.clone(), Arc::clone(&state.sessions), stt, tts, calls);
        state.telephony = Some(Arc::new(telephony));
        let auth_token = twilio.auth_token.clone();
        let app = TestApp::serve(state, backend, dir).await;
        PhoneApp { app, auth_token, twilio }
    }

    /// POSTs a form webhook, Twilio-signed when `signed`: `(status, body)`.
    pub async fn webhook(&self, path: &str, form: &[(&str, &str)], signed: bool) -> (u16, String) {
        let params: Vec<(String, String)> = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut request = self.app.client.post(self.app.url(path)).form(&params);
        if signed {
            request =
                request.header("X-Twilio-Signature", compute(&self.auth_token, &format!("{PUBLIC}{path}"), &params));
        }
        let response = request.send().await.expect("webhook");
        (response.status().as_u16(), response.text().await.expect("webhook body"))
    }

    /// Opens the signed Media Stream and sends `start` with the per-call token.
    pub async fn connect(&self, call_sid: &str, token: &str) -> FakeTwilioCall {
        let ws_url = format!("{}/v1/twilio/media-stream", self.app.base.replace("http://", "ws://"));
        let signature =
            compute(&self.auth_token, &format!("{}/v1/twilio/media-stream", PUBLIC.replace("https", "wss")), &[]);
        let mut call = FakeTwilioCall::connect(&ws_url, Some(&signature), call_sid).await.expect("upgrade");
        call.start(&[("token", token)]);
        call
    }
}

/// The per-call token from the voice webhook's TwiML.
pub fn token_from(twiml: &str) -> String {
    let marker = r#"<Parameter name="token" value=""#;
    let start = twiml.find(marker).expect("token parameter") + marker.len();
    let end = twiml[start..].find('"').expect("end of token") + start;
    twiml[start..end].to_string()
}
