//! The spawned target: the real server binary, started by the harness on a
//! free port with a fresh SQLite database, measured through the remote path
//! ([`super::remote`]) and stopped with SIGTERM at the end. One command
//! therefore measures the production path end to end (webhook, tenancy,
//! store, executor, recorder) with nothing to prepare.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;

use super::HarnessError;
use super::fake_rest::FakeTwilioRest;
use super::remote::{ACCOUNT_SID, RemoteOptions, RemoteServer};
use crate::config::SttModel;

/// Longest wait for the server to load its models and answer `/readyz`.
const READY_TIMEOUT: Duration = Duration::from_secs(180);

#[derive(Debug, Clone)]
pub struct SpawnOptions {
    /// The `switchboard` binary (the harness's own executable by default).
    pub binary: PathBuf,
    pub models_dir: PathBuf,
    pub stt_model: SttModel,
    /// Where the server's stdout and stderr go.
    pub log: PathBuf,
}

/// A running server process; stopped by [`SpawnedServer::stop`] (or killed
/// when dropped).
pub struct SpawnedServer {
    child: tokio::process::Child,
    dir: PathBuf,
    pub pid: u32,
    /// Twilio's REST API as the server sees it (transfers, SMS).
    pub rest: FakeTwilioRest,
}

/// What `seed-demo --json` prints (the fields the harness needs).
#[derive(Debug, Deserialize)]
struct Demo {
    api_key: String,
    phone_number: String,
}

impl SpawnedServer {
    /// Starts `serve` and returns it with a remote target pointing at it.
    pub async fn start(options: &SpawnOptions) -> Result<(SpawnedServer, RemoteServer), HarnessError> {
        let err = |m: String| HarnessError::Server(m);
        let dir = std::env::temp_dir().join(format!(
            "switchboard-harness-{}-{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
        let port = free_port().map_err(|e| err(format!("no free port: {e}")))?;
        let base = format!("http://127.0.0.1:{port}");
        let auth_token = format!("{:032x}", rand::random::<u128>());
        let admin_key = format!("{:032x}", rand::random::<u128>());
        let rest = FakeTwilioRest::start().await.map_err(|e| err(format!("fake Twilio REST: {e}")))?;
        let env: Vec<(&str, String)> = vec![
            ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
            ("TWILIO_API_BASE", rest.base_url.clone()),
            ("SWITCHBOARD_ADDR", format!("127.0.0.1:{port}")),
            ("DATABASE_URL", format!("sqlite://{}/switchboard.db", dir.display())),
            ("PUBLIC_BASE_URL", base.clone()),
            ("TWILIO_AUTH_TOKEN", auth_token.clone()),
            ("ADMIN_API_KEY", admin_key.clone()),
            ("MODELS_DIR", options.models_dir.display().to_string()),
            ("STT_MODEL", options.stt_model.name().into()),
            ("ENVIRONMENT", "dev".into()),
            ("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "switchboard=info".into())),
        ];
        let command = |args: &[&str]| {
            let mut c = tokio::process::Command::new(&options.binary);
            c.args(args).envs(env.iter().map(|(k, v)| (*k, v.as_str())));
            // Self-contained: sessions in memory, whatever the shell has set.
            c.env_remove("REDIS_URL");
            c
        };

        let seeded = command(&["seed-demo", "--json"])
            .stderr(Stdio::piped())
            .output()
            .await
            .map_err(|e| err(format!("{}: {e}", options.binary.display())))?;
        if !seeded.status.success() {
            return Err(err(format!("seed-demo failed: {}", String::from_utf8_lossy(&seeded.stderr))));
        }
        let stdout = String::from_utf8_lossy(&seeded.stdout);
        let demo: Demo = stdout
            .lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .ok_or_else(|| err(format!("seed-demo printed no credentials: {stdout}")))?;

        if let Some(parent) = options.log.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err(format!("{}: {e}", parent.display())))?;
        }
        let log = std::fs::File::create(&options.log).map_err(|e| err(format!("{}: {e}", options.log.display())))?;
        let log2 = log.try_clone().map_err(|e| err(e.to_string()))?;
        let child = command(&["serve"])
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| err(format!("{}: {e}", options.binary.display())))?;
        let pid = child.id().ok_or_else(|| err("the server exited at once".into()))?;
        let mut server = SpawnedServer { child, dir, pid, rest };
        if let Err(e) = server.wait_ready(&base, &options.log).await {
            server.stop().await;
            return Err(e);
        }
        let description = format!(
            "spawned `switchboard serve` (pid {pid}, {base}, fresh SQLite, demo tenant, Whisper {} as the server runs it, \
             signed webhook and stream, CRM read back through the API, Twilio REST faked locally); server log {}",
            options.stt_model.name(),
            options.log.display()
        );
        let remote = RemoteServer::new(RemoteOptions {
            target: base.clone(),
            public_base_url: base,
            auth_token,
            api_key: demo.api_key,
            to: demo.phone_number,
            admin_api_key: Some(admin_key),
        })
        .spawned(pid, description);
        Ok((server, remote))
    }

    async fn wait_ready(&mut self, base: &str, log: &Path) -> Result<(), HarnessError> {
        let client = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(HarnessError::Server(format!(
                    "the server exited ({status}) before it was ready:\n{}",
                    tail(log)
                )));
            }
            let ready = client.get(format!("{base}/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                return Err(HarnessError::Server(format!("not ready within {READY_TIMEOUT:?}:\n{}", tail(log))));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// SIGTERM (the server drains and exits), SIGKILL after 10 s; then the
    /// temporary database is removed.
    pub async fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = tokio::process::Command::new("kill").args(["-TERM", &self.pid.to_string()]).status().await;
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await.is_err() {
                let _ = self.child.kill().await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The last lines of the server log, for an error message.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
