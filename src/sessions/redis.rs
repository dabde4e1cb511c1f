//! Sessions in Redis (fred), shared by every instance of a deployment.

use std::time::Duration;

use fred::prelude::{Builder, Client, ClientLike, Config, Expiration, KeysInterface};

use super::{SessionError, SessionFuture, SessionStore};

/// Every key is prefixed so Switchboard can share a Redis with other tenants.
const PREFIX: &str = "switchboard:session:";

pub struct RedisSessions {
    client: Client,
}

fn unavailable(e: fred::error::Error) -> SessionError {
    SessionError::Unavailable(e.to_string())
}

impl RedisSessions {
    /// Connects and waits for the connection, so a wrong URL fails at start-up.
    pub async fn connect(url: &str) -> Result<Self, SessionError> {
        let config = Config::from_url(url).map_err(unavailable)?;
        let client = Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = Duration::from_secs(3);
            })
            .build()
            .map_err(unavailable)?;
        let init = tokio::time::timeout(Duration::from_secs(5), client.init()).await;
        match init {
            Ok(Ok(_)) => Ok(RedisSessions { client }),
            Ok(Err(e)) => Err(SessionError::Unavailable(format!("cannot reach Redis at {url}: {e}"))),
            Err(_) => Err(SessionError::Unavailable(format!("cannot reach Redis at {url}: timed out"))),
        }
    }
}

impl SessionStore for RedisSessions {
    fn get<'a>(&'a self, key: &'a str) -> SessionFuture<'a, Option<String>> {
        Box::pin(async move { self.client.get(format!("{PREFIX}{key}")).await.map_err(unavailable) })
    }

    fn put<'a>(&'a self, key: &'a str, value: String, ttl: Duration) -> SessionFuture<'a, ()> {
        Box::pin(async move {
            let secs = ttl.as_secs().max(1) as i64;
            self.client
                .set::<(), _, _>(format!("{PREFIX}{key}"), value, Some(Expiration::EX(secs)), None, false)
                .await
                .map_err(unavailable)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> SessionFuture<'a, ()> {
        Box::pin(async move { self.client.del::<(), _>(format!("{PREFIX}{key}")).await.map_err(unavailable) })
    }
}
