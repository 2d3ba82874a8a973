//! SQL for the `users` and `invites` tables. Nothing else touches them.

use corebox_proto::types::{Role, UserInfo};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// A user row, password hash included; never sent over the wire as is.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// Row id.
    pub id: i64,
    /// The name as chosen.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Display name.
    pub display_name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Creation time.
    pub created_at: i64,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// The user's own quota; `None` means the daemon's default applies.
    pub quota_bytes: Option<u64>,
    /// Bytes stored (the sum of the user's files' sizes).
    pub used_bytes: u64,
}

impl UserRecord {
    /// The public view of the account, with `default_quota` standing in
    /// where the user has no quota of their own.
    pub fn info(&self, default_quota: Option<u64>) -> UserInfo {
        UserInfo {
            username: self.username.clone(),
            role: self.role,
            disabled: self.disabled,
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            created_at: self.created_at,
            quota_bytes: self.quota_bytes.or(default_quota),
            used_bytes: self.used_bytes,
        }
    }
}

// The used-bytes column reads the files table: the one place outside
// `files::store` that does, to list every user's usage in one query.
const USER_COLUMNS: &str = "id, username, role, disabled, display_name, email, created_at, \
     password_hash, quota_bytes, \
     (SELECT coalesce(sum(size), 0) FROM files WHERE files.owner_id = users.id)";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let role: String = row.get(2)?;
    Ok(UserRecord {
        id: row.get(0)?,
        username: row.get(1)?,
        role: if role == "admin" {
            Role::Admin
        } else {
            Role::User
        },
        disabled: row.get(3)?,
        display_name: row.get(4)?,
        email: row.get(5)?,
        created_at: row.get(6)?,
        password_hash: row.get(7)?,
        quota_bytes: row.get(8)?,
        used_bytes: row.get(9)?,
    })
}

/// The user whose lower-cased name is `key`.
pub fn user_by_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<UserRecord>> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE username_key = ?1"),
        [key],
        user_from_row,
    )
    .optional()
}

/// The user with row id `id`.
pub fn user_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<UserRecord>> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
        [id],
        user_from_row,
    )
    .optional()
}

/// Every user, by name.
pub fn all_users(conn: &Connection) -> rusqlite::Result<Vec<UserRecord>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY username_key"
    ))?;
    statement.query_map([], user_from_row)?.collect()
}

/// How many accounts exist.
pub fn count_users(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM users", [], |row| row.get(0))
}

/// Enabled admins other than user `id`.
pub fn other_enabled_admins(conn: &Connection, id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id != ?1",
        [id],
        |row| row.get(0),
    )
}

/// Inserts a user; `None` when the name is taken.
pub fn insert_user(
    conn: &Connection,
    username: &str,
    password_hash: &str,
    role: Role,
    now: i64,
) -> rusqlite::Result<Option<i64>> {
    let inserted = conn.execute(
        "INSERT INTO users (username, username_key, password_hash, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (username_key) DO NOTHING",
        params![
            username,
            username.to_lowercase(),
            password_hash,
            role.as_str(),
            now
        ],
    )?;
    Ok((inserted == 1).then(|| conn.last_insert_rowid()))
}

/// Replaces a user's password hash.
pub fn set_password_hash(conn: &Connection, id: i64, hash: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )?;
    Ok(())
}

/// Sets the profile fields that are `Some`; an inner `None` clears one.
pub fn update_profile(
    conn: &Connection,
    id: i64,
    display_name: Option<Option<&str>>,
    email: Option<Option<&str>>,
) -> rusqlite::Result<()> {
    if let Some(value) = display_name {
        conn.execute(
            "UPDATE users SET display_name = ?2 WHERE id = ?1",
            params![id, value],
        )?;
    }
    if let Some(value) = email {
        conn.execute(
            "UPDATE users SET email = ?2 WHERE id = ?1",
            params![id, value],
        )?;
    }
    Ok(())
}

/// Sets a user's role.
pub fn set_role(conn: &Connection, id: i64, role: Role) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        params![id, role.as_str()],
    )?;
    Ok(())
}

/// Sets a user's own quota; `None` returns them to the default.
pub fn set_quota(conn: &Connection, id: i64, quota: Option<u64>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET quota_bytes = ?2 WHERE id = ?1",
        params![id, quota],
    )?;
    Ok(())
}

/// Disables or enables a user.
pub fn set_disabled(conn: &Connection, id: i64, disabled: bool) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        params![id, disabled],
    )?;
    Ok(())
}

/// Deletes a user; their tokens go with them (foreign-key cascade).
pub fn delete_user(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}

/// Stores an invite by the hash of its code.
pub fn insert_invite(
    conn: &Connection,
    code_hash: &str,
    created_by: i64,
    uses: u32,
    expires_at: Option<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO invites (code_hash, created_by, uses_left, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![code_hash, created_by, uses, expires_at, now],
    )?;
    Ok(())
}

/// Uses up one signup of a live invite; false when the code is unknown,
/// used up or expired.
pub fn consume_invite(conn: &Connection, code_hash: &str, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE invites SET uses_left = uses_left - 1
         WHERE code_hash = ?1 AND uses_left > 0 AND (expires_at IS NULL OR expires_at > ?2)",
        params![code_hash, now],
    )?;
    Ok(changed == 1)
}
