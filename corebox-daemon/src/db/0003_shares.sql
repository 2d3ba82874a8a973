-- Share links and their downloads.

-- The token is the secret part of the public URL. It is kept as is so the
-- owner can list their links again; the database is private to the daemon.
CREATE TABLE shares (
    token          TEXT    PRIMARY KEY,
    file_id        TEXT    NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    owner_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    max_downloads  INTEGER CHECK (max_downloads IS NULL OR max_downloads > 0),
    password_hash  TEXT,
    downloads      INTEGER NOT NULL DEFAULT 0 CHECK (downloads >= 0),
    bytes_served   INTEGER NOT NULL DEFAULT 0 CHECK (bytes_served >= 0),
    revoked_at     INTEGER
) STRICT;

CREATE INDEX shares_by_owner ON shares (owner_id, created_at);
CREATE INDEX shares_by_file ON shares (file_id);

CREATE TABLE share_downloads (
    id          INTEGER PRIMARY KEY,
    share_token TEXT    NOT NULL REFERENCES shares (token) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    bytes       INTEGER NOT NULL CHECK (bytes >= 0),
    completed   INTEGER NOT NULL CHECK (completed IN (0, 1)),
    client      TEXT,
    user_agent  TEXT,
    referrer    TEXT
) STRICT;

CREATE INDEX share_downloads_by_share ON share_downloads (share_token, at);
