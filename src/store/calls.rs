//! Phone calls and their per-turn timing records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Db, Result, StoreError, found, new_id, now};
use crate::with_pool;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Call {
    pub id: String,
    pub call_sid: String,
    pub from_number: String,
    pub to_number: String,
    /// Twilio's call status (`ringing`, `in-progress`, `completed`, `no-answer`, ...).
    pub status: String,
    /// What the call achieved: `booked`, `callback`, `transferred`, `abandoned`, ...
    pub outcome: Option<String>,
    pub is_emergency: bool,
    pub conversation_id: Option<String>,
    pub appointment_id: Option<String>,
    pub callback_id: Option<String>,
    /// The file under `RECORDINGS_DIR`; never shown (see [`Call::recording`]).
    #[serde(skip)]
    pub recording_path: Option<String>,
    #[serde(skip)]
    pub recording_duration_ms: Option<i64>,
    #[serde(skip)]
    pub recording_bytes: Option<i64>,
    #[serde(skip)]
    pub recording_expires_at: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The call's audio, while it is kept (`null` when the tenant does not
    /// record calls, or once the recording expired).
    #[sqlx(skip)]
    pub recording: Option<RecordingLink>,
}

/// Where to fetch a call's recording (Ogg Opus, caller left, agent right).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecordingLink {
    /// `GET` with the tenant's API key or owner token; `audio/ogg`.
    #[schema(example = "/v1/crm/calls/0193.../recording")]
    pub url: String,
    pub duration_ms: i64,
    /// Deleted after this instant (the tenant's retention period).
    pub expires_at: DateTime<Utc>,
}

impl Call {
    /// Fills [`Call::recording`] from the stored columns as of `now`.
    fn with_link(mut self, now: DateTime<Utc>) -> Call {
        self.recording = match (&self.recording_path, self.recording_duration_ms, self.recording_expires_at) {
            (Some(_), Some(duration_ms), Some(expires_at)) if expires_at > now => {
                Some(RecordingLink { url: format!("/v1/crm/calls/{}/recording", self.id), duration_ms, expires_at })
            }
            _ => None,
        };
        self
    }
}

/// One exchange of a call with where its time went (milliseconds).
#[derive(Debug, Clone, Default, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct CallTurn {
    pub turn_index: i64,
    pub caller_text: String,
    pub agent_text: String,
    /// What the caller actually heard of `agent_text` (shorter after a barge-in).
    pub heard_text: Option<String>,
    pub barged_in: bool,
    pub endpoint_wait_ms: Option<i64>,
    pub stt_ms: Option<i64>,
    pub policy_ms: Option<i64>,
    pub tts_first_audio_ms: Option<i64>,
    pub first_frame_ms: Option<i64>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CallWithTurns {
    #[serde(flatten)]
    pub call: Call,
    pub turns: Vec<CallTurn>,
}

macro_rules! columns {
    () => {
        "id, call_sid, from_number, to_number, status, outcome, is_emergency, conversation_id, \
    appointment_id, callback_id, recording_path, recording_duration_ms, recording_bytes, recording_expires_at, \
    started_at, ended_at"
    };
}

/// Creates the call record, or returns the existing one (Twilio retries webhooks).
pub async fn open(db: &Db, tenant: &str, call_sid: &str, from: &str, to: &str) -> Result<Call> {
    with_pool!(db, |p| sqlx::query(
        "INSERT INTO calls (id, business_id, call_sid, from_number, to_number, status, started_at) \
         VALUES ($1,$2,$3,$4,$5,'in-progress',$6) ON CONFLICT (call_sid) DO NOTHING"
    )
    .bind(new_id())
    .bind(tenant)
    .bind(call_sid)
    .bind(from)
    .bind(to)
    .bind(now())
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    get_by_sid(db, tenant, call_sid).await
}

pub async fn get_by_sid(db: &Db, tenant: &str, call_sid: &str) -> Result<Call> {
    let sql = concat!("SELECT ", columns!(), " FROM calls WHERE business_id = $1 AND call_sid = $2");
    with_pool!(db, |p| sqlx::query_as::<_, Call>(sql).bind(tenant).bind(call_sid).fetch_optional(p).await)?
        .map(|c| c.with_link(Utc::now()))
        .ok_or(StoreError::NotFound)
}

pub async fn get_with_turns(db: &Db, tenant: &str, id: &str) -> Result<CallWithTurns> {
    let sql = concat!("SELECT ", columns!(), " FROM calls WHERE business_id = $1 AND id = $2");
    with_pool!(db, |p| {
        let call = sqlx::query_as::<_, Call>(sql)
            .bind(tenant)
            .bind(id)
            .fetch_optional(p)
            .await?
            .ok_or(StoreError::NotFound)?
            .with_link(Utc::now());
        let turns = sqlx::query_as::<_, CallTurn>(
            "SELECT turn_index, caller_text, agent_text, heard_text, barged_in, endpoint_wait_ms, stt_ms, policy_ms, \
             tts_first_audio_ms, first_frame_ms, at FROM call_turns WHERE business_id = $1 AND call_id = $2 \
             ORDER BY turn_index",
        )
        .bind(tenant)
        .bind(id)
        .fetch_all(p)
        .await?;
        Ok(CallWithTurns { call, turns })
    })
}

pub async fn list(db: &Db, tenant: &str, limit: Option<i64>, offset: Option<i64>) -> Result<Vec<Call>> {
    let (limit, offset) = super::paging(limit, offset);
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM calls WHERE business_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    let calls =
        with_pool!(db, |p| sqlx::query_as::<_, Call>(sql).bind(tenant).bind(limit).bind(offset).fetch_all(p).await)?;
    let now = Utc::now();
    Ok(calls.into_iter().map(|c| c.with_link(now)).collect())
}

/// What the end of a call (or a status callback) changes.
#[derive(Debug, Clone, Default)]
pub struct CallUpdate<'a> {
    pub status: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub is_emergency: Option<bool>,
    pub conversation_id: Option<&'a str>,
    pub appointment_id: Option<&'a str>,
    pub callback_id: Option<&'a str>,
    pub recording_path: Option<&'a str>,
    pub ended: bool,
}

pub async fn update(db: &Db, tenant: &str, call_sid: &str, u: CallUpdate<'_>) -> Result<()> {
    let ended_at = u.ended.then(now);
    let done = with_pool!(db, |p| sqlx::query(
        "UPDATE calls SET status = COALESCE($3, status), outcome = COALESCE($4, outcome), \
         is_emergency = COALESCE($5, is_emergency), conversation_id = COALESCE($6, conversation_id), \
         appointment_id = COALESCE($7, appointment_id), callback_id = COALESCE($8, callback_id), \
         recording_path = COALESCE($9, recording_path), ended_at = COALESCE(ended_at, $10) \
         WHERE business_id = $1 AND call_sid = $2"
    )
    .bind(tenant)
    .bind(call_sid)
    .bind(u.status)
    .bind(u.outcome)
    .bind(u.is_emergency)
    .bind(u.conversation_id)
    .bind(u.appointment_id)
    .bind(u.callback_id)
    .bind(u.recording_path)
    .bind(ended_at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    found(done)
}

pub async fn add_turn(db: &Db, tenant: &str, call_id: &str, t: &CallTurn) -> Result<()> {
    with_pool!(db, |p| sqlx::query(
        "INSERT INTO call_turns (id, business_id, call_id, turn_index, caller_text, agent_text, heard_text, barged_in, \
         endpoint_wait_ms, stt_ms, policy_ms, tts_first_audio_ms, first_frame_ms, at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
    )
    .bind(new_id())
    .bind(tenant)
    .bind(call_id)
    .bind(t.turn_index)
    .bind(&t.caller_text)
    .bind(&t.agent_text)
    .bind(&t.heard_text)
    .bind(t.barged_in)
    .bind(t.endpoint_wait_ms)
    .bind(t.stt_ms)
    .bind(t.policy_ms)
    .bind(t.tts_first_audio_ms)
    .bind(t.first_frame_ms)
    .bind(t.at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::on_unique(e, "turn already recorded"))?;
    Ok(())
}
