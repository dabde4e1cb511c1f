//! Shared test support: a real server on a real socket, backed by a fresh
//! SQLite file or a fresh PostgreSQL schema, and helpers to create tenants.
#![allow(dead_code)]

use std::collections::HashMap;

use serde_json::{Value, json};
use switchboard::app::AppState;
use switchboard::config::Config;

pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";

/// PostgreSQL used by the suite (trust auth on this machine).
pub fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database nobody else uses: a temporary SQLite file, or a new schema.
pub async fn fresh_database_url(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.path().display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            let base = postgres_url();
            let admin = sqlx::PgPool::connect(&base).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required by this test and is not reachable at {base}: {e}\n\
                     start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
                )
            });
            let schema = format!("sb_test_{}", uuid::Uuid::now_v7().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("create schema");
            admin.close().await;
            (format!("{base}?options[search_path]={schema}"), None)
        }
    }
}

pub fn test_config(database_url: &str, extra: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = HashMap::new();
    env.insert("DATABASE_URL".into(), database_url.into());
    env.insert("ADMIN_API_KEY".into(), ADMIN_KEY.into());
    env.insert("PUBLIC_BASE_URL".into(), "https://switchboard.test".into());
    env.insert("MAX_BODY_BYTES".into(), "65536".into());
    for (k, v) in extra {
        env.insert((*k).into(), (*v).into());
    }
    Config::from_map(&env).expect("test config is valid")
}

/// A running server and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

/// A tenant created through the admin API, with its one-time credentials.
#[derive(Debug, Clone)]
pub struct TestTenant {
    pub id: String,
    pub api_key: String,
    pub owner_token: String,
    pub widget_token: String,
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        Self::start_with(backend, &[]).await
    }

    pub async fn start_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
        let (url, dir) = fresh_database_url(backend).await;
        let state = AppState::build(test_config(&url, extra)).await.expect("app state");
        Self::serve(state, backend, dir).await
    }

    /// Serves an already built state (e.g. one with telephony attached).
    pub async fn serve(state: AppState, backend: Backend, dir: Option<tempfile::TempDir>) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = switchboard::http::router(state.clone());
        tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await
                .expect("server");
        });
        TestApp { base: format!("http://{addr}"), client: reqwest::Client::new(), state, backend, _dir: dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn create_tenant(&self, name: &str, phone: Option<&str>) -> TestTenant {
        let res = self
            .client
            .post(self.url("/v1/admin/businesses"))
            .header("x-admin-api-key", ADMIN_KEY)
            .json(&json!({ "name": name, "phone_number": phone, "time_zone": "America/Chicago" }))
            .send()
            .await
            .expect("create tenant");
        assert_eq!(res.status(), 201, "create tenant: {}", res.text().await.unwrap_or_default());
        let body: Value = res.json().await.expect("json");
        TestTenant {
            id: body["business"]["id"].as_str().expect("id").into(),
            api_key: body["credentials"]["api_key"].as_str().expect("api_key").into(),
            owner_token: body["credentials"]["owner_token"].as_str().expect("owner_token").into(),
            widget_token: body["credentials"]["widget_token"].as_str().expect("widget_token").into(),
        }
    }

    /// Sends a request with a tenant API key and returns (status, JSON body).
    pub async fn call(&self, method: reqwest::Method, path: &str, key: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path)).header("x-api-key", key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let json =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, json)
    }

    pub async fn create_customer(&self, t: &TestTenant, name: &str, phone: &str) -> Value {
        let (status, body) = self
            .call(reqwest::Method::POST, "/v1/crm/customers", &t.api_key, Some(json!({ "name": name, "phone": phone })))
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }
}

/// Runs each named `async fn(Backend)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        })*
    };
}

/// An RFC 3339 instant `days` from now at `hour`:00 UTC.
pub fn at(days: i64, hour: u32) -> String {
    let d = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    format!("{}T{:02}:00:00Z", d, hour)
}

// Twilio fakes that speak its real wire formats, and the call-test harness.
pub mod call_harness;
pub mod fake_media_client;
pub mod fake_twilio_rest;
pub mod phone_app;
