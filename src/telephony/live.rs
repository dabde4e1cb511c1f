//! The owner's live view: a tenant-scoped stream of what is happening on calls
//! right now (call started, caller said, agent said, emergency flagged,
//! appointment booked, call ended).
//!
//! One broadcast channel for the process; each subscriber sees only its own
//! tenant's events. A slow subscriber that falls behind loses the oldest
//! events and is told how many (the dashboard reloads the call list then), so
//! it can never hold up a call.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEventKind {
    CallStarted {
        from: Option<String>,
    },
    CallerSaid {
        text: String,
    },
    /// `truncated`: the caller interrupted; `text` is what they heard.
    AgentSaid {
        text: String,
        truncated: bool,
    },
    EmergencyFlagged,
    AppointmentBooked {
        appointment_id: String,
    },
    CallEnded {
        outcome: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveEvent {
    #[serde(skip)]
    pub tenant_id: String,
    pub call_id: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: LiveEventKind,
}

#[derive(Debug, Clone)]
pub struct LiveHub {
    tx: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new(1024)
    }
}

impl LiveHub {
    pub fn new(capacity: usize) -> Self {
        LiveHub { tx: broadcast::channel(capacity.max(1)).0 }
    }

    pub fn publish(&self, tenant_id: &str, call_id: &str, kind: LiveEventKind) {
        let event = LiveEvent { tenant_id: tenant_id.to_string(), call_id: call_id.to_string(), at: Utc::now(), kind };
        // No subscribers is normal (nobody watching).
        let _ = self.tx.send(Arc::new(event));
    }

    pub fn subscribe(&self, tenant_id: &str) -> LiveSubscription {
        LiveSubscription { rx: self.tx.subscribe(), tenant_id: tenant_id.to_string() }
    }

    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// What a subscriber receives next.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveItem {
    Event(Arc<LiveEvent>),
    /// This many events were dropped because the subscriber was too slow.
    Lagged(u64),
}

pub struct LiveSubscription {
    rx: broadcast::Receiver<Arc<LiveEvent>>,
    tenant_id: String,
}

impl LiveSubscription {
    /// The next event of this tenant; `None` when the hub is gone.
    pub async fn next(&mut self) -> Option<LiveItem> {
        loop {
            match self.rx.recv().await {
                Ok(event) if event.tenant_id == self.tenant_id => {
                    return Some(LiveItem::Event(event));
                }
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(n)) => return Some(LiveItem::Lagged(n)),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_see_only_their_tenant() {
        let hub = LiveHub::new(16);
        let mut a = hub.subscribe("a");
        let mut b = hub.subscribe("b");
        hub.publish("b", "call-b", LiveEventKind::CallStarted { from: None });
        hub.publish("a", "call-a", LiveEventKind::CallerSaid { text: "hi".into() });
        let Some(LiveItem::Event(e)) = a.next().await else { panic!() };
        assert_eq!(e.call_id, "call-a");
        let json = serde_json::to_value(&*e).unwrap();
        assert_eq!(json["type"], "caller_said");
        assert_eq!(json["text"], "hi");
        assert!(json.get("tenant_id").is_none());
        let Some(LiveItem::Event(e)) = b.next().await else { panic!() };
        assert_eq!(e.call_id, "call-b");
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_what_it_missed() {
        let hub = LiveHub::new(2);
        let mut a = hub.subscribe("a");
        for i in 0..5 {
            hub.publish("a", &format!("c{i}"), LiveEventKind::EmergencyFlagged);
        }
        assert_eq!(a.next().await, Some(LiveItem::Lagged(3)));
        let Some(LiveItem::Event(e)) = a.next().await else { panic!() };
        assert_eq!(e.call_id, "c3");
    }
}
