//! SQL for the `files` and `file_grants` tables. Nothing else touches them.

use corebox_proto::types::FileSort;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// A file row, with its owner's username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// File id.
    pub id: String,
    /// Owner's user id.
    pub owner_id: i64,
    /// Owner's username.
    pub owner: String,
    /// Name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Content id (SHA-256 hex).
    pub sha256: String,
    /// Sniffed media type.
    pub media_type: String,
    /// Creation time.
    pub created_at: i64,
    /// Why it is held back, if it is.
    pub quarantine: Option<String>,
    /// The original this is a variant (a thumbnail) of.
    pub variant_of: Option<String>,
    /// Its thumbnail's id (read, never written: a variant row says it).
    pub thumbnail: Option<String>,
}

const FILE_COLUMNS: &str = "f.id, f.owner_id, u.username, f.name, f.size, f.sha256, \
                            f.media_type, f.created_at, f.quarantine, f.variant_of, \
                            (SELECT v.id FROM files v WHERE v.variant_of = f.id \
                             ORDER BY v.created_at DESC LIMIT 1)";
const FROM_FILES: &str = "FROM files f JOIN users u ON u.id = f.owner_id";

fn file_from_row(row: &Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: row.get(0)?,
        owner_id: row.get(1)?,
        owner: row.get(2)?,
        name: row.get(3)?,
        size: row.get(4)?,
        sha256: row.get(5)?,
        media_type: row.get(6)?,
        created_at: row.get(7)?,
        quarantine: row.get(8)?,
        variant_of: row.get(9)?,
        thumbnail: row.get(10)?,
    })
}

/// Inserts a file row (its blob row must exist).
pub fn insert_file(conn: &Connection, file: &FileRow) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO files (id, owner_id, name, size, sha256, media_type, created_at,
            quarantine, variant_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            file.id,
            file.owner_id,
            file.name,
            file.size,
            file.sha256,
            file.media_type,
            file.created_at,
            file.quarantine,
            file.variant_of,
        ],
    )?;
    Ok(())
}

/// File `id`, whoever owns it.
pub fn file_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<FileRow>> {
    conn.query_row(
        &format!("SELECT {FILE_COLUMNS} {FROM_FILES} WHERE f.id = ?1"),
        [id],
        file_from_row,
    )
    .optional()
}

/// A file of `owner_id` with this content, preferring one named `name`.
pub fn owned_with_content(
    conn: &Connection,
    owner_id: i64,
    sha256: &str,
    name: &str,
) -> rusqlite::Result<Option<FileRow>> {
    conn.query_row(
        &format!(
            "SELECT {FILE_COLUMNS} {FROM_FILES}
             WHERE f.owner_id = ?1 AND f.sha256 = ?2 AND f.variant_of IS NULL
             ORDER BY f.name = ?3 DESC, f.created_at LIMIT 1"
        ),
        params![owner_id, sha256, name],
        file_from_row,
    )
    .optional()
}

/// Files owned by or granted to `user_id`, in `sort` order.
pub fn visible_files(
    conn: &Connection,
    user_id: i64,
    sort: FileSort,
) -> rusqlite::Result<Vec<FileRow>> {
    let order = match sort {
        FileSort::Created => "f.created_at DESC, f.id",
        FileSort::Name => "f.name COLLATE NOCASE, f.created_at DESC",
        FileSort::Size => "f.size DESC, f.name COLLATE NOCASE",
    };
    let mut statement = conn.prepare(&format!(
        "SELECT {FILE_COLUMNS} {FROM_FILES}
         WHERE f.variant_of IS NULL AND (f.owner_id = ?1
            OR (f.quarantine IS NULL
                AND f.id IN (SELECT file_id FROM file_grants WHERE user_id = ?1)))
         ORDER BY {order}"
    ))?;
    statement.query_map([user_id], file_from_row)?.collect()
}

/// Usernames file `id` is granted to.
pub fn grants_of(conn: &Connection, id: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare(
        "SELECT u.username FROM file_grants g JOIN users u ON u.id = g.user_id
         WHERE g.file_id = ?1 ORDER BY u.username_key",
    )?;
    statement.query_map([id], |row| row.get(0))?.collect()
}

/// (file id, username) of every grant on files owned by `owner_id`.
pub fn grants_by_owner(
    conn: &Connection,
    owner_id: i64,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement = conn.prepare(
        "SELECT g.file_id, u.username FROM file_grants g
         JOIN users u ON u.id = g.user_id JOIN files f ON f.id = g.file_id
         WHERE f.owner_id = ?1 ORDER BY u.username_key",
    )?;
    statement
        .query_map([owner_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

/// Whether file `id` is granted to `user_id`.
pub fn has_grant(conn: &Connection, id: &str, user_id: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM file_grants WHERE file_id = ?1 AND user_id = ?2",
        params![id, user_id],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

/// Grants file `id` to `user_id` (no error if already granted).
pub fn add_grant(conn: &Connection, id: &str, user_id: i64, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO file_grants (file_id, user_id, granted_at) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![id, user_id, now],
    )?;
    Ok(())
}

/// Removes a grant; false if there was none.
pub fn remove_grant(conn: &Connection, id: &str, user_id: i64) -> rusqlite::Result<bool> {
    let removed = conn.execute(
        "DELETE FROM file_grants WHERE file_id = ?1 AND user_id = ?2",
        params![id, user_id],
    )?;
    Ok(removed == 1)
}

/// Renames file `id`.
pub fn rename_file(conn: &Connection, id: &str, name: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE files SET name = ?2 WHERE id = ?1",
        params![id, name],
    )?;
    Ok(())
}

/// Deletes file `id`.
pub fn delete_file(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM files WHERE id = ?1", [id])?;
    Ok(())
}

/// Removes file `id`'s variants (its thumbnail, before a new one).
pub fn delete_variants(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM files WHERE variant_of = ?1", [id])?;
    Ok(())
}

/// The content ids of file `id`'s variants.
pub fn variant_blobs(conn: &Connection, id: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare("SELECT sha256 FROM files WHERE variant_of = ?1")?;
    statement.query_map([id], |row| row.get(0))?.collect()
}

/// Gives file `id` and its variants, where they are held only `waiting`
/// for their check, `reason` instead (the check gave up).
pub fn check_gave_up(
    conn: &Connection,
    id: &str,
    waiting: &str,
    reason: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE files SET quarantine = ?3 WHERE (id = ?1 OR variant_of = ?1) AND quarantine = ?2",
        params![id, waiting, reason],
    )?;
    Ok(())
}

/// Settles the upload check of file `id` and of its variants: `held`
/// holds them back for that reason; `None` (it passed) releases those
/// that were only `waiting`, and leaves a hold for another reason (one a
/// copy took from its source) as it is.
pub fn settle_check(
    conn: &Connection,
    id: &str,
    held: Option<&str>,
    waiting: &str,
) -> rusqlite::Result<()> {
    match held {
        Some(reason) => conn.execute(
            "UPDATE files SET quarantine = ?2 WHERE id = ?1 OR variant_of = ?1",
            params![id, reason],
        )?,
        None => conn.execute(
            "UPDATE files SET quarantine = NULL
             WHERE (id = ?1 OR variant_of = ?1) AND quarantine = ?2",
            params![id, waiting],
        )?,
    };
    Ok(())
}

/// How many files refer to content `sha256`.
pub fn references(conn: &Connection, sha256: &str) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT count(*) FROM files WHERE sha256 = ?1",
        [sha256],
        |row| row.get(0),
    )
}

/// Bytes stored by `owner_id` (the sum of their files' sizes).
pub fn used_bytes(conn: &Connection, owner_id: i64) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT coalesce(sum(size), 0) FROM files WHERE owner_id = ?1",
        [owner_id],
        |row| row.get(0),
    )
}

/// The distinct contents `owner_id`'s files refer to, with their sizes.
pub fn owned_blobs(conn: &Connection, owner_id: i64) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut statement = conn
        .prepare("SELECT DISTINCT sha256, size FROM files WHERE owner_id = ?1 ORDER BY sha256")?;
    statement
        .query_map([owner_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}
