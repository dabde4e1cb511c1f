-- Switchboard schema, version 2: call recordings.
-- The tenant settings (businesses.recording_enabled, recording_retention_days)
-- and calls.recording_path exist since version 1; this adds what a recording
-- needs to be served and expired. recording_path is relative to RECORDINGS_DIR.

ALTER TABLE calls ADD COLUMN recording_duration_ms BIGINT;
ALTER TABLE calls ADD COLUMN recording_bytes BIGINT;
-- Set when the call ends: ended_at + the tenant's retention; the retention
-- task deletes the file and clears the recording columns once it has passed.
ALTER TABLE calls ADD COLUMN recording_expires_at TIMESTAMPTZ;
CREATE INDEX calls_recording_expiry ON calls (recording_expires_at) WHERE recording_expires_at IS NOT NULL;
