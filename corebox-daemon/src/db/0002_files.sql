-- Stored content, upload sessions, files and grants.

-- NULL: the configured default quota applies.
ALTER TABLE users ADD COLUMN quota_bytes INTEGER CHECK (quota_bytes IS NULL OR quota_bytes >= 0);

-- One row per distinct content in the blob store. How many files refer to
-- a blob is counted from `files`, never stored, so it cannot drift.
CREATE TABLE blobs (
    sha256     TEXT    PRIMARY KEY,
    size       INTEGER NOT NULL CHECK (size >= 0),
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE uploads (
    id              TEXT    PRIMARY KEY,
    owner_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    size            INTEGER NOT NULL CHECK (size >= 0),
    expected_sha256 TEXT,
    resume_key      TEXT,
    created_at      INTEGER NOT NULL,
    touched_at      INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX uploads_by_resume_key ON uploads (owner_id, resume_key)
    WHERE resume_key IS NOT NULL;

CREATE TABLE files (
    id         TEXT    PRIMARY KEY,
    owner_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    size       INTEGER NOT NULL CHECK (size >= 0),
    sha256     TEXT    NOT NULL REFERENCES blobs (sha256),
    media_type TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX files_by_owner ON files (owner_id, created_at);
CREATE INDEX files_by_blob ON files (sha256);

CREATE TABLE file_grants (
    file_id    TEXT    NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (file_id, user_id)
) STRICT;

CREATE INDEX file_grants_by_user ON file_grants (user_id);
