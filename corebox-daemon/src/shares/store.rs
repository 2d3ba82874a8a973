//! SQL of the `shares` and `share_downloads` tables.

use rusqlite::{Connection, OptionalExtension, Row, params};

/// A share row joined with its file.
#[derive(Debug, Clone)]
pub struct ShareRow {
    /// The secret token.
    pub token: String,
    /// The shared file's id.
    pub file_id: String,
    /// The owner's user id.
    pub owner_id: i64,
    /// When it was made.
    pub created_at: i64,
    /// When it stops working.
    pub expires_at: Option<i64>,
    /// Completed downloads allowed.
    pub max_downloads: Option<u64>,
    /// Argon2id PHC string, when a password is needed.
    pub password_hash: Option<String>,
    /// Completed downloads so far.
    pub downloads: u64,
    /// Bytes served so far.
    pub bytes_served: u64,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// The file's name.
    pub file_name: String,
    /// The file's size.
    pub size: u64,
    /// The file's SHA-256 (its blob id).
    pub sha256: String,
    /// The file's sniffed media type.
    pub media_type: String,
    /// Why the file is held back, if it is.
    pub quarantine: Option<String>,
    /// Whether an admin disabled the owner: the share then answers nobody.
    pub owner_disabled: bool,
}

impl ShareRow {
    /// Whether visitors may still use it at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none()
            && !self.owner_disabled
            && self.quarantine.is_none()
            && self.expires_at.is_none_or(|at| at > now)
            && self.max_downloads.is_none_or(|max| self.downloads < max)
    }
}

const SELECT: &str = "SELECT s.token, s.file_id, s.owner_id, s.created_at, s.expires_at,
        s.max_downloads, s.password_hash, s.downloads, s.bytes_served, s.revoked_at,
        f.name, f.size, f.sha256, f.media_type, f.quarantine, u.disabled
    FROM shares s JOIN files f ON f.id = s.file_id JOIN users u ON u.id = s.owner_id";

fn share_row(row: &Row<'_>) -> rusqlite::Result<ShareRow> {
    Ok(ShareRow {
        token: row.get(0)?,
        file_id: row.get(1)?,
        owner_id: row.get(2)?,
        created_at: row.get(3)?,
        expires_at: row.get(4)?,
        max_downloads: row.get(5)?,
        password_hash: row.get(6)?,
        downloads: row.get(7)?,
        bytes_served: row.get(8)?,
        revoked_at: row.get(9)?,
        file_name: row.get(10)?,
        size: row.get(11)?,
        sha256: row.get(12)?,
        media_type: row.get(13)?,
        quarantine: row.get(14)?,
        owner_disabled: row.get(15)?,
    })
}

/// A new share.
#[derive(Debug)]
pub struct NewShare<'a> {
    /// The secret token.
    pub token: &'a str,
    /// The file.
    pub file_id: &'a str,
    /// The owner.
    pub owner_id: i64,
    /// Now.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: Option<i64>,
    /// Download limit.
    pub max_downloads: Option<u64>,
    /// Password hash.
    pub password_hash: Option<&'a str>,
}

/// Inserts a share.
pub fn insert(conn: &Connection, share: &NewShare<'_>) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO shares (token, file_id, owner_id, created_at, expires_at, max_downloads,
            password_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            share.token,
            share.file_id,
            share.owner_id,
            share.created_at,
            share.expires_at,
            share.max_downloads,
            share.password_hash
        ],
    )?;
    Ok(())
}

/// The share with `token`, live or not.
pub fn by_token(conn: &Connection, token: &str) -> rusqlite::Result<Option<ShareRow>> {
    conn.query_row(&format!("{SELECT} WHERE s.token = ?1"), [token], share_row)
        .optional()
}

/// The shares of `owner_id` that are live at `now`, newest first.
pub fn live_by_owner(
    conn: &Connection,
    owner_id: i64,
    now: i64,
) -> rusqlite::Result<Vec<ShareRow>> {
    let mut statement = conn.prepare_cached(&format!(
        "{SELECT} WHERE s.owner_id = ?1 AND s.revoked_at IS NULL
            AND (s.expires_at IS NULL OR s.expires_at > ?2)
            AND (s.max_downloads IS NULL OR s.downloads < s.max_downloads)
            AND f.quarantine IS NULL
        ORDER BY s.created_at DESC, s.rowid DESC"
    ))?;
    statement
        .query_map(params![owner_id, now], share_row)?
        .collect()
}

/// Marks a share revoked; false when it was not live.
pub fn revoke(conn: &Connection, token: &str, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE shares SET revoked_at = ?2 WHERE token = ?1 AND revoked_at IS NULL",
        params![token, now],
    )?;
    Ok(changed > 0)
}

/// One finished (or abandoned) transfer of a share's bytes.
#[derive(Debug, Clone)]
pub struct DownloadRow {
    /// When it ended.
    pub at: i64,
    /// Bytes sent.
    pub bytes: u64,
    /// Whether it reached the end of the file.
    pub completed: bool,
    /// The client, as the privacy setting allows.
    pub client: Option<String>,
    /// User-Agent.
    pub user_agent: Option<String>,
    /// Referer.
    pub referrer: Option<String>,
}

/// Records a transfer and adds it to the share's counters (nothing when
/// the share is gone).
pub fn record_download(
    conn: &Connection,
    token: &str,
    download: &DownloadRow,
) -> rusqlite::Result<()> {
    // A share deleted during the transfer (with its file) records nothing.
    conn.execute(
        "INSERT INTO share_downloads (share_token, at, bytes, completed, client, user_agent,
            referrer) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
            WHERE EXISTS (SELECT 1 FROM shares WHERE token = ?1)",
        params![
            token,
            download.at,
            download.bytes,
            download.completed,
            download.client,
            download.user_agent,
            download.referrer
        ],
    )?;
    conn.execute(
        "UPDATE shares SET downloads = downloads + ?2, bytes_served = bytes_served + ?3
            WHERE token = ?1",
        params![token, u64::from(download.completed), download.bytes],
    )?;
    Ok(())
}

/// The most recent `limit` transfers of a share, newest first.
pub fn recent_downloads(
    conn: &Connection,
    token: &str,
    limit: u32,
) -> rusqlite::Result<Vec<DownloadRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT at, bytes, completed, client, user_agent, referrer FROM share_downloads
            WHERE share_token = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    statement
        .query_map(params![token, limit], |row| {
            Ok(DownloadRow {
                at: row.get(0)?,
                bytes: row.get(1)?,
                completed: row.get(2)?,
                client: row.get(3)?,
                user_agent: row.get(4)?,
                referrer: row.get(5)?,
            })
        })?
        .collect()
}
