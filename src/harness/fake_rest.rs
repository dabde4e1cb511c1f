//! A stand-in for Twilio's REST API, for the spawned server: without one a
//! transfer fails ("Twilio REST is not configured") and owner alerts are not
//! sent, so those paths would not be measured. It accepts what the server's
//! client sends (call updates: transfer, hang-up; messages: SMS) and answers
//! the way Twilio does, at local-network speed (real Twilio adds its own
//! round trip to turns that text the owner).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

/// Requests the server made, by kind.
#[derive(Debug, Default)]
pub struct RestCounts {
    pub call_updates: AtomicUsize,
    pub messages: AtomicUsize,
}

pub struct FakeTwilioRest {
    pub base_url: String,
    pub counts: Arc<RestCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTwilioRest {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeTwilioRest {
    /// Listens on 127.0.0.1:0.
    pub async fn start() -> std::io::Result<Self> {
        let counts = Arc::new(RestCounts::default());
        let app = Router::new()
            .route("/2010-04-01/Accounts/{account}/Calls/{file}", post(update_call))
            .route("/2010-04-01/Accounts/{account}/Messages.json", post(create_message))
            .with_state(Arc::clone(&counts));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "fake Twilio REST stopped");
            }
        });
        Ok(FakeTwilioRest { base_url, counts, task })
    }
}

async fn update_call(
    State(counts): State<Arc<RestCounts>>,
    Path((_account, file)): Path<(String, String)>,
) -> axum::Json<Value> {
    counts.call_updates.fetch_add(1, Ordering::SeqCst);
    let sid = file.trim_end_matches(".json");
    axum::Json(json!({ "sid": sid, "status": "in-progress" }))
}

async fn create_message(State(counts): State<Arc<RestCounts>>) -> (StatusCode, axum::Json<Value>) {
    counts.messages.fetch_add(1, Ordering::SeqCst);
    let sid = format!("SM{:032x}", rand::random::<u128>());
    (StatusCode::CREATED, axum::Json(json!({ "sid": sid, "status": "queued" })))
}
