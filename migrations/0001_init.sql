-- Switchboard schema, version 1.
-- Portable SQL: PostgreSQL type names; SQLite reads TIMESTAMPTZ and JSONB as TEXT.
-- Every timestamp is UTC. Every tenant-scoped table carries business_id with a
-- foreign key and an index that starts with business_id.

CREATE TABLE businesses (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    vertical TEXT NOT NULL DEFAULT 'plumbing',
    phone_number TEXT,
    owner_phone TEXT,
    time_zone TEXT NOT NULL,
    hours JSONB NOT NULL,
    closed_dates JSONB NOT NULL,
    max_jobs_per_day BIGINT NOT NULL DEFAULT 8,
    reserve_mornings_for_emergencies BOOLEAN NOT NULL DEFAULT FALSE,
    travel_buffer_minutes BIGINT NOT NULL DEFAULT 30,
    services JSONB NOT NULL,
    emergency_keywords JSONB NOT NULL,
    language TEXT NOT NULL DEFAULT 'en',
    accepts_transfers BOOLEAN NOT NULL DEFAULT FALSE,
    service_area TEXT,
    warranty TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    lockdown BOOLEAN NOT NULL DEFAULT FALSE,
    plan TEXT NOT NULL DEFAULT 'starter' CHECK (plan IN ('starter', 'growth', 'scale')),
    subscription_status TEXT NOT NULL DEFAULT 'trialing',
    recording_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    recording_retention_days BIGINT NOT NULL DEFAULT 30,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX businesses_phone_number ON businesses (phone_number) WHERE phone_number IS NOT NULL;

-- API keys, owner tokens and widget tokens. Only SHA-256 hashes are stored;
-- the token itself is shown once, when created.
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('api_key', 'owner_token', 'widget_token')),
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX credentials_business ON credentials (business_id, kind);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'staff', 'viewer')),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_business_email ON users (business_id, email);

CREATE TABLE technicians (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    phone TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX technicians_business ON technicians (business_id);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT,
    tags JSONB NOT NULL,
    sms_opt_out BOOLEAN NOT NULL DEFAULT FALSE,
    notes TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX customers_business_phone ON customers (business_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_business_name ON customers (business_id, name);

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    service_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_emergency BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'confirmed', 'cancelled', 'completed', 'pending_reschedule')),
    source TEXT NOT NULL CHECK (source IN ('voice', 'sms', 'web', 'api', 'dashboard')),
    estimated_value BIGINT,
    technician_id TEXT REFERENCES technicians (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX appointments_business_start ON appointments (business_id, starts_at);
CREATE INDEX appointments_business_customer ON appointments (business_id, customer_id);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
    channel TEXT NOT NULL CHECK (channel IN ('voice', 'sms', 'web')),
    -- Call SID, phone number or widget session id, depending on the channel.
    external_ref TEXT,
    intent TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ
);
CREATE INDEX conversations_business_started ON conversations (business_id, started_at);
CREATE INDEX conversations_business_customer ON conversations (business_id, customer_id);
CREATE INDEX conversations_business_ref ON conversations (business_id, external_ref);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    speaker TEXT NOT NULL CHECK (speaker IN ('caller', 'agent', 'system')),
    text TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX messages_conversation_seq ON messages (conversation_id, seq);
CREATE INDEX messages_business ON messages (business_id, conversation_id);

CREATE TABLE callbacks (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    phone TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    reason TEXT NOT NULL CHECK (reason IN ('missed_call', 'partial_intake', 'no_input', 'voicemail', 'low_confidence', 'handoff')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX callbacks_business_status ON callbacks (business_id, status, created_at);

CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    call_sid TEXT NOT NULL UNIQUE,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    is_emergency BOOLEAN NOT NULL DEFAULT FALSE,
    conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
    appointment_id TEXT REFERENCES appointments (id) ON DELETE SET NULL,
    callback_id TEXT REFERENCES callbacks (id) ON DELETE SET NULL,
    recording_path TEXT,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ
);
CREATE INDEX calls_business_started ON calls (business_id, started_at);

-- One row per conversational turn of a call, with where the time went.
CREATE TABLE call_turns (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    turn_index BIGINT NOT NULL,
    caller_text TEXT NOT NULL,
    agent_text TEXT NOT NULL,
    heard_text TEXT,
    barged_in BOOLEAN NOT NULL DEFAULT FALSE,
    endpoint_wait_ms BIGINT,
    stt_ms BIGINT,
    policy_ms BIGINT,
    tts_first_audio_ms BIGINT,
    first_frame_ms BIGINT,
    at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX call_turns_call_index ON call_turns (call_id, turn_index);
CREATE INDEX call_turns_business ON call_turns (business_id, call_id);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    business_id TEXT REFERENCES businesses (id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    request_id TEXT,
    meta JSONB NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_events_business ON audit_events (business_id, at);

CREATE TABLE security_events (
    id TEXT PRIMARY KEY,
    business_id TEXT REFERENCES businesses (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    request_id TEXT,
    meta JSONB NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX security_events_business ON security_events (business_id, at);
CREATE INDEX security_events_kind ON security_events (kind, at);

CREATE TABLE feedback (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses (id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    rating BIGINT,
    text TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX feedback_business ON feedback (business_id, created_at);

-- Webhook deliveries already processed (Twilio MessageSid, CallSid+status,
-- Stripe event id): retries are acknowledged without acting twice.
CREATE TABLE webhook_receipts (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    business_id TEXT REFERENCES businesses (id) ON DELETE CASCADE,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, event_id)
);
