//! Conversations (one per call, SMS thread or chat session) and their messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Db, Result, StoreError, found, new_id, now};
use crate::with_pool;

crate::text_enum! {
    /// The medium of a conversation.
    pub enum ConversationChannel {
        Voice => "voice",
        Sms => "sms",
        Web => "web",
    }
}

crate::text_enum! {
    /// Who said a line.
    pub enum Speaker {
        Caller => "caller",
        Agent => "agent",
        System => "system",
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Conversation {
    pub id: String,
    pub customer_id: Option<String>,
    #[sqlx(try_from = "String")]
    pub channel: ConversationChannel,
    /// Call SID, phone number or widget session id.
    pub external_ref: Option<String>,
    /// The last recognised intent.
    pub intent: Option<String>,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Message {
    pub seq: i64,
    #[sqlx(try_from = "String")]
    pub speaker: Speaker,
    pub text: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConversationWithMessages {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConversationQuery {
    pub customer_id: Option<String>,
    pub channel: Option<ConversationChannel>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

macro_rules! columns {
    () => {
        "id, customer_id, channel, external_ref, intent, status, started_at, ended_at"
    };
}

pub async fn start(
    db: &Db,
    tenant: &str,
    channel: ConversationChannel,
    customer_id: Option<&str>,
    external_ref: Option<&str>,
) -> Result<Conversation> {
    let c = Conversation {
        id: new_id(),
        customer_id: customer_id.map(str::to_string),
        channel,
        external_ref: external_ref.map(str::to_string),
        intent: None,
        status: "active".into(),
        started_at: now(),
        ended_at: None,
    };
    with_pool!(db, |p| sqlx::query(
        "INSERT INTO conversations (id, business_id, customer_id, channel, external_ref, status, started_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7)"
    )
    .bind(&c.id)
    .bind(tenant)
    .bind(&c.customer_id)
    .bind(c.channel.as_str())
    .bind(&c.external_ref)
    .bind(&c.status)
    .bind(c.started_at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))
    .map_err(|e| StoreError::on_unique(e, "conversation exists"))?;
    Ok(c)
}

/// Appends a line; `seq` is assigned in order within the conversation.
///
/// One statement, not a read-then-write transaction: in SQLite's WAL mode a
/// transaction that reads and then writes fails with `SQLITE_BUSY` (the
/// busy timeout does not apply to that upgrade) as soon as another
/// conversation of any tenant writes in between, which two simultaneous
/// callers trigger.
pub async fn append(
    db: &Db,
    tenant: &str,
    conversation_id: &str,
    speaker: Speaker,
    text: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    let seq: Option<i64> = with_pool!(db, |p| sqlx::query_scalar(
        "INSERT INTO messages (id, business_id, conversation_id, seq, speaker, text, at) \
         SELECT $1, $2, $3, COALESCE((SELECT MAX(seq) FROM messages WHERE conversation_id = $3), 0) + 1, $4, $5, $6 \
         WHERE EXISTS (SELECT 1 FROM conversations WHERE business_id = $2 AND id = $3) \
         RETURNING seq"
    )
    .bind(new_id())
    .bind(tenant)
    .bind(conversation_id)
    .bind(speaker.as_str())
    .bind(text)
    .bind(at)
    .fetch_optional(p)
    .await)?;
    seq.ok_or(StoreError::NotFound)
}

/// Records the latest intent, the customer once known, and the status.
pub async fn update_state(
    db: &Db,
    tenant: &str,
    id: &str,
    intent: Option<&str>,
    customer_id: Option<&str>,
    status: &str,
    ended: bool,
) -> Result<()> {
    let ended_at = ended.then(now);
    let done = with_pool!(db, |p| sqlx::query(
        "UPDATE conversations SET intent = COALESCE($3, intent), customer_id = COALESCE($4, customer_id), \
         status = $5, ended_at = COALESCE($6, ended_at) WHERE business_id = $1 AND id = $2"
    )
    .bind(tenant)
    .bind(id)
    .bind(intent)
    .bind(customer_id)
    .bind(status)
    .bind(ended_at)
    .execute(p)
    .await
    .map(|r| r.rows_affected()))?;
    found(done)
}

pub async fn get(db: &Db, tenant: &str, id: &str) -> Result<ConversationWithMessages> {
    let sql = concat!("SELECT ", columns!(), " FROM conversations WHERE business_id = $1 AND id = $2");
    with_pool!(db, |p| {
        let conversation = sqlx::query_as::<_, Conversation>(sql)
            .bind(tenant)
            .bind(id)
            .fetch_optional(p)
            .await?
            .ok_or(StoreError::NotFound)?;
        let messages = sqlx::query_as::<_, Message>(
            "SELECT seq, speaker, text, at FROM messages WHERE business_id = $1 AND conversation_id = $2 ORDER BY seq",
        )
        .bind(tenant)
        .bind(id)
        .fetch_all(p)
        .await?;
        Ok(ConversationWithMessages { conversation, messages })
    })
}

/// The most recent conversation on a channel with this external reference
/// (an SMS thread by phone number, a chat by session id).
pub async fn find_by_ref(
    db: &Db,
    tenant: &str,
    channel: ConversationChannel,
    external_ref: &str,
) -> Result<Option<Conversation>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE business_id = $1 AND channel = $2 AND external_ref = $3 \
         ORDER BY started_at DESC, id DESC LIMIT 1"
    );
    Ok(with_pool!(db, |p| sqlx::query_as::<_, Conversation>(sql)
        .bind(tenant)
        .bind(channel.as_str())
        .bind(external_ref)
        .fetch_optional(p)
        .await)?)
}

pub async fn list(db: &Db, tenant: &str, q: &ConversationQuery) -> Result<(Vec<Conversation>, i64)> {
    macro_rules! filter {
        () => {
            "business_id = $1 AND ($2 IS NULL OR customer_id = $2) AND ($3 IS NULL OR channel = $3)"
        };
    }
    let (limit, offset) = super::paging(q.limit, q.offset);
    let rows_sql = concat!(
        "SELECT ",
        columns!(),
        " FROM conversations WHERE ",
        filter!(),
        " ORDER BY started_at DESC, id DESC LIMIT $4 OFFSET $5"
    );
    let count_sql = concat!("SELECT COUNT(*) FROM conversations WHERE ", filter!());
    let channel = q.channel.map(ConversationChannel::as_str);
    with_pool!(db, |p| {
        let rows = sqlx::query_as::<_, Conversation>(rows_sql)
            .bind(tenant)
            .bind(&q.customer_id)
            .bind(channel)
            .bind(limit)
            .bind(offset)
            .fetch_all(p)
            .await?;
        let total: i64 =
            sqlx::query_scalar(count_sql).bind(tenant).bind(&q.customer_id).bind(channel).fetch_one(p).await?;
        Ok((rows, total))
    })
}
