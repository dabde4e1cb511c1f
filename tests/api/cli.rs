//! The `switchboard` binary itself: start-up validation and the demo seed.

use std::process::Command;

use serde_json::Value;
use switchboard::store::Db;
use switchboard::store::businesses::{self, NewBusiness};

use crate::support::{Backend, fresh_database_url};

fn switchboard() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    // A clean environment: only what each test sets (plus PATH for espeak-ng etc.).
    cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).env("RUST_LOG", "warn");
    cmd
}

#[test]
fn prod_refuses_to_start_on_unsafe_settings_and_names_each() {
    let dir = tempfile::tempdir().unwrap();
    let out = switchboard()
        .current_dir(dir.path())
        .env("ENVIRONMENT", "prod")
        .env("PUBLIC_BASE_URL", "http://insecure.example.com")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for name in ["ADMIN_API_KEY", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "PUBLIC_BASE_URL"] {
        assert!(err.contains(name), "{name} not named in: {err}");
    }
    assert!(!dir.path().join("data").exists(), "nothing was created before refusing");
}

#[tokio::test]
async fn prod_refuses_tenants_without_api_keys() {
    let (url, _dir) = fresh_database_url(Backend::Sqlite).await;
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let b = NewBusiness {
        name: "Keyless Plumbing".into(),
        vertical: None,
        phone_number: None,
        owner_phone: None,
        time_zone: None,
        language: None,
    }
    .into_business()
    .unwrap();
    businesses::insert(&db, &b).await.unwrap();
    db.close().await;
    let out = switchboard()
        .env("ENVIRONMENT", "prod")
        .env("DATABASE_URL", &url)
        .env("ADMIN_API_KEY", "a-long-enough-admin-key-for-prod")
        .env("TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000")
        .env("TWILIO_AUTH_TOKEN", "token")
        .env("PUBLIC_BASE_URL", "https://sb.example.com")
        .env("SWITCHBOARD_ADDR", "127.0.0.1:0")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Keyless Plumbing"), "{err}");
}

#[test]
fn seed_demo_prints_credentials_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let out = switchboard().current_dir(dir.path()).args(["seed-demo", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).expect("one JSON object on stdout")
    };
    let first = run();
    for key in ["business_id", "api_key", "owner_token", "widget_token", "phone_number"] {
        assert!(first[key].as_str().is_some_and(|v| !v.is_empty()), "missing {key}: {first}");
    }
    let second = run();
    assert_eq!(first["business_id"], second["business_id"]);
    assert!(dir.path().join("data/switchboard.db").exists(), "default embedded database created");
}

#[test]
fn migrate_runs_against_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, _) = rt.block_on(fresh_database_url(Backend::Postgres));
    for _ in 0..2 {
        let out = switchboard().env("DATABASE_URL", &url).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("up to date (postgres)"));
    }
}

/// `serve` logs one JSON object per line with the request id and tenant id,
/// and exits cleanly on SIGTERM.
#[test]
fn json_logs_carry_request_and_tenant_ids_and_sigterm_stops_cleanly() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let seed = switchboard().current_dir(dir.path()).args(["seed-demo", "--json"]).output().unwrap();
    let demo: Value = serde_json::from_slice(&seed.stdout).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut child = switchboard()
        .current_dir(dir.path())
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("SWITCHBOARD_ADDR", addr.to_string())
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = reqwest::Client::new();
    let status = rt.block_on(async {
        for _ in 0..100 {
            let res = client
                .post(format!("http://{addr}/v1/crm/customers"))
                .header("x-api-key", demo["api_key"].as_str().unwrap())
                .header("x-request-id", "log-test-1")
                .json(&serde_json::json!({"name": "Log Test", "phone": "+15125550400", "nope": 1}))
                .send()
                .await;
            if let Ok(res) = res {
                return res.status().as_u16();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        0
    });
    assert_eq!(status, 422);
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
    let lines: Vec<Value> = BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str::<Value>(&l.unwrap()).expect("every log line is JSON"))
        .collect();
    let refused = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "log-test-1")
        .unwrap_or_else(|| panic!("no line with the request id: {lines:?}"));
    assert_eq!(refused["span"]["tenant_id"], demo["business_id"], "{refused}");
    assert!(lines.iter().any(|l| l["message"].as_str().is_some_and(|m| m.contains("switchboard stopped"))));
}
