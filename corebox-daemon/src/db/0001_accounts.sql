-- Accounts, tokens, invites and the daemon's own secrets.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL,
    -- Lower-cased username: names compare case-insensitively.
    username_key  TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'user')),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    display_name  TEXT,
    email         TEXT,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('session', 'api')),
    name         TEXT,
    scopes       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER
) STRICT;

CREATE INDEX tokens_by_user ON tokens (user_id);

CREATE TABLE invites (
    -- SHA-256 of the code: a leaked database does not leak usable codes.
    code_hash  TEXT    PRIMARY KEY,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    uses_left  INTEGER NOT NULL CHECK (uses_left >= 0),
    expires_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
