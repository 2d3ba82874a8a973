-- Short links, their clicks, and the daily counts `links stats` reads.

-- `code` is kept as its owner typed it; `code_key` (lowercase) makes codes
-- unique without regard to case. An alias is found without case too; a
-- random code only as it was made, so its 62 characters all count. Clicks
-- refer to `id`, so clicks still queued for a removed link can never land
-- on a new link that took its alias.
CREATE TABLE links (
    id            INTEGER PRIMARY KEY,
    code_key      TEXT    NOT NULL UNIQUE,
    code          TEXT    NOT NULL,
    is_alias      INTEGER NOT NULL CHECK (is_alias IN (0, 1)),
    owner_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    max_clicks    INTEGER CHECK (max_clicks IS NULL OR max_clicks > 0),
    password_hash TEXT,
    clicks        INTEGER NOT NULL DEFAULT 0 CHECK (clicks >= 0)
) STRICT;

CREATE INDEX links_by_owner ON links (owner_id, created_at);

-- One row per redirect.
CREATE TABLE link_clicks (
    id         INTEGER PRIMARY KEY,
    link_id    INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    referrer   TEXT,
    user_agent TEXT,
    browser    TEXT    NOT NULL,
    is_bot     INTEGER NOT NULL CHECK (is_bot IN (0, 1)),
    client     TEXT
) STRICT;

CREATE INDEX link_clicks_by_link ON link_clicks (link_id, at);

-- Pre-aggregated per day (`YYYY-MM-DD`, UTC), so statistics never scan
-- the clicks themselves.
CREATE TABLE link_days (
    link_id  INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    uniques  INTEGER NOT NULL DEFAULT 0,
    bots     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link_id, day)
) STRICT, WITHOUT ROWID;

-- Who visited on a day, as a keyed hash of address and user agent, to count
-- distinct visitors without keeping addresses.
CREATE TABLE link_visitors (
    link_id  INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day      TEXT NOT NULL,
    visitor  BLOB NOT NULL,
    PRIMARY KEY (link_id, day, visitor)
) STRICT, WITHOUT ROWID;

-- Clicks per day by referrer host and by browser.
CREATE TABLE link_day_referrers (
    link_id  INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,
    referrer TEXT    NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link_id, day, referrer)
) STRICT, WITHOUT ROWID;

CREATE TABLE link_day_browsers (
    link_id  INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,
    browser  TEXT    NOT NULL,
    clicks   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (link_id, day, browser)
) STRICT, WITHOUT ROWID;
