-- Background jobs, and what files gain from them: thumbnails kept beside
-- their original, and the quarantine an upload check can impose.

-- Why a file is held back (not shareable, not readable but by its owner);
-- NULL when it is not.
ALTER TABLE files ADD COLUMN quarantine TEXT;

-- The original a variant (a thumbnail) was made from. Variants are not
-- listed with the owner's files, and go with their original.
ALTER TABLE files ADD COLUMN variant_of TEXT REFERENCES files (id) ON DELETE CASCADE;

CREATE INDEX files_by_original ON files (variant_of) WHERE variant_of IS NOT NULL;

CREATE TABLE jobs (
    id           TEXT    PRIMARY KEY,
    owner_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    -- The scopes of the token that asked for it, which it acts with.
    scopes       TEXT    NOT NULL,
    file_id      TEXT    REFERENCES files (id) ON DELETE SET NULL,
    unique_key   TEXT,
    state        TEXT    NOT NULL CHECK (state IN
                     ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    run_after_ms INTEGER NOT NULL,
    progress     REAL    NOT NULL DEFAULT 0,
    message      TEXT    NOT NULL DEFAULT '',
    error        TEXT,
    result       TEXT,
    log          TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER,
    -- The change counter's value at the last change, for watchers.
    version      INTEGER NOT NULL
) STRICT;

-- One live job per unique key ("thumbnail of file X"); a cancelled or dead
-- one does not block a new one.
CREATE UNIQUE INDEX jobs_by_unique_key ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state NOT IN ('cancelled', 'dead');
CREATE INDEX jobs_due ON jobs (state, run_after_ms);
CREATE INDEX jobs_by_owner ON jobs (owner_id, created_at);
CREATE INDEX jobs_by_version ON jobs (version);
