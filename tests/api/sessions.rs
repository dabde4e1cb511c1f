//! The session store against a real Redis.

use std::time::Duration;

use switchboard::sessions::{RedisSessions, SessionStore};

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test]
async fn redis_sessions_store_expire_and_delete() {
    let url = redis_url();
    let store = RedisSessions::connect(&url).await.unwrap_or_else(|e| {
        panic!("Redis is required by this test and is not reachable at {url}: {e}\nstart it with: redis-server --daemonize yes --port 6379")
    });
    let key = format!("test:{}", uuid::Uuid::now_v7());
    assert_eq!(store.get(&key).await.unwrap(), None);
    store.put(&key, r#"{"step":"ask_name"}"#.into(), Duration::from_secs(1)).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap().as_deref(), Some(r#"{"step":"ask_name"}"#));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(store.get(&key).await.unwrap(), None, "expired");
    store.put(&key, "x".into(), Duration::from_secs(60)).await.unwrap();
    store.delete(&key).await.unwrap();
    assert_eq!(store.get(&key).await.unwrap(), None);
}

#[tokio::test]
async fn unreachable_redis_is_a_clear_error() {
    let Err(err) = RedisSessions::connect("redis://127.0.0.1:1").await else {
        panic!("connected to a closed port");
    };
    assert!(err.to_string().contains("cannot reach Redis at redis://127.0.0.1:1"), "{err}");
}
