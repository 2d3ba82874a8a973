//! SQL for the `blobs` and `uploads` tables. Nothing else touches them.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::blobs::BlobId;

/// An upload session row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// Session id (128 random bits, hex).
    pub id: String,
    /// Owner's user id.
    pub owner_id: i64,
    /// File name to record.
    pub name: String,
    /// Exact size announced.
    pub size: u64,
    /// SHA-256 the client announced, if any.
    pub expected_sha256: Option<String>,
    /// Client's key for resuming.
    pub resume_key: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// Last begin or resume.
    pub touched_at: i64,
}

const UPLOAD_COLUMNS: &str =
    "id, owner_id, name, size, expected_sha256, resume_key, created_at, touched_at";

fn upload_from_row(row: &Row<'_>) -> rusqlite::Result<UploadRow> {
    Ok(UploadRow {
        id: row.get(0)?,
        owner_id: row.get(1)?,
        name: row.get(2)?,
        size: row.get(3)?,
        expected_sha256: row.get(4)?,
        resume_key: row.get(5)?,
        created_at: row.get(6)?,
        touched_at: row.get(7)?,
    })
}

/// Inserts an upload row.
pub fn insert_upload(conn: &Connection, upload: &UploadRow) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT INTO uploads ({UPLOAD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            upload.id,
            upload.owner_id,
            upload.name,
            upload.size,
            upload.expected_sha256,
            upload.resume_key,
            upload.created_at,
            upload.touched_at,
        ],
    )?;
    Ok(())
}

/// The upload `id`, whoever owns it.
pub fn upload_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<UploadRow>> {
    conn.query_row(
        &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = ?1"),
        [id],
        upload_from_row,
    )
    .optional()
}

/// The owner's upload with `resume_key`.
pub fn upload_by_resume_key(
    conn: &Connection,
    owner_id: i64,
    resume_key: &str,
) -> rusqlite::Result<Option<UploadRow>> {
    conn.query_row(
        &format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE owner_id = ?1 AND resume_key = ?2"),
        params![owner_id, resume_key],
        upload_from_row,
    )
    .optional()
}

/// Marks an upload as in use now.
pub fn touch_upload(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE uploads SET touched_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Deletes an upload row.
pub fn delete_upload(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM uploads WHERE id = ?1", [id])?;
    Ok(())
}

/// Bytes reserved by the owner's open uploads.
pub fn reserved_bytes(conn: &Connection, owner_id: i64) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT coalesce(sum(size), 0) FROM uploads WHERE owner_id = ?1",
        [owner_id],
        |row| row.get(0),
    )
}

/// Ids of uploads not begun or resumed since `before`.
pub fn stale_uploads(conn: &Connection, before: i64) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare("SELECT id FROM uploads WHERE touched_at < ?1")?;
    statement.query_map([before], |row| row.get(0))?.collect()
}

/// Ids of every upload.
pub fn upload_ids(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare("SELECT id FROM uploads")?;
    statement.query_map([], |row| row.get(0))?.collect()
}

/// Records a blob if it is not recorded yet.
pub fn ensure_blob(conn: &Connection, id: &BlobId, size: u64, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO blobs (sha256, size, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (sha256) DO NOTHING",
        params![id.as_str(), size, now],
    )?;
    Ok(())
}

/// Whether blob `id` is recorded.
pub fn has_blob(conn: &Connection, id: &BlobId) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM blobs WHERE sha256 = ?1",
        [id.as_str()],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

/// Deletes the row of blob `id`; its files must be gone.
pub fn delete_blob(conn: &Connection, id: &BlobId) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM blobs WHERE sha256 = ?1", [id.as_str()])?;
    Ok(())
}

/// Deletes every blob row no file refers to, returning their ids.
pub fn delete_unreferenced_blobs(conn: &Connection) -> rusqlite::Result<Vec<BlobId>> {
    let mut statement = conn.prepare(
        "DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM files WHERE files.sha256 = blobs.sha256)
         RETURNING sha256",
    )?;
    let ids: Vec<String> = statement
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids.iter().filter_map(|id| BlobId::parse(id)).collect())
}

/// Every recorded blob id.
pub fn blob_ids(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare("SELECT sha256 FROM blobs")?;
    statement.query_map([], |row| row.get(0))?.collect()
}

/// Every recorded blob with its size.
pub fn blob_sizes(conn: &Connection) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut statement = conn.prepare("SELECT sha256, size FROM blobs ORDER BY sha256")?;
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}
