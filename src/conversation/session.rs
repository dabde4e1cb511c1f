//! The dialog state between turns, in the shared session store.

use serde::{Deserialize, Serialize};

use super::{ConversationError, Result};
use crate::assistant::{Channel, ConversationState};
use crate::sessions::{DEFAULT_TTL, SessionStore};

/// What survives between turns of one conversation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Saved {
    pub conversation_id: String,
    pub state: ConversationState,
}

/// `"{tenant}:{channel}:{thread}"`: one live dialog per thread.
pub fn session_key(tenant: &str, channel: Channel, thread: &str) -> String {
    let ch = match channel {
        Channel::Voice => "voice",
        Channel::Sms => "sms",
        Channel::Web => "web",
    };
    format!("{tenant}:{ch}:{thread}")
}

pub async fn load(s: &dyn SessionStore, tenant: &str, channel: Channel, thread: &str) -> Result<Option<Saved>> {
    let Some(raw) = s.get(&session_key(tenant, channel, thread)).await? else {
        return Ok(None);
    };
    serde_json::from_str(&raw).map(Some).map_err(|e| ConversationError::CorruptSession(e.to_string()))
}

pub async fn save(s: &dyn SessionStore, tenant: &str, channel: Channel, thread: &str, saved: &Saved) -> Result<()> {
    let raw = serde_json::to_string(saved).map_err(|e| ConversationError::CorruptSession(e.to_string()))?;
    s.put(&session_key(tenant, channel, thread), raw, DEFAULT_TTL).await?;
    Ok(())
}

pub async fn delete(s: &dyn SessionStore, tenant: &str, channel: Channel, thread: &str) -> Result<()> {
    s.delete(&session_key(tenant, channel, thread)).await?;
    Ok(())
}
