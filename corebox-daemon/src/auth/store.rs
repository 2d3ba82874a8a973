//! SQL for the `tokens` and `secrets` tables. Nothing else touches them.

use corebox_proto::Scope;
use corebox_proto::types::{TokenInfo, TokenKind};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

const SIGNING_KEY: &str = "token-signing-key";

/// A token row.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Row id (the JWT's `jti`).
    pub id: String,
    /// Owner.
    pub user_id: i64,
    /// Session or API.
    pub kind: TokenKind,
    /// Name given at creation.
    pub name: Option<String>,
    /// Scopes held.
    pub scopes: Vec<Scope>,
    /// Creation time.
    pub created_at: i64,
    /// Expiry.
    pub expires_at: Option<i64>,
    /// Revocation time.
    pub revoked_at: Option<i64>,
    /// Last time it was presented.
    pub last_used_at: Option<i64>,
}

impl TokenRow {
    /// The listing of the token; `current` marks the caller's own.
    pub fn info(&self, current: &str) -> TokenInfo {
        TokenInfo {
            id: self.id.clone(),
            kind: self.kind,
            name: self.name.clone(),
            scopes: self.scopes.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            current: self.id == current,
        }
    }
}

const TOKEN_COLUMNS: &str =
    "id, user_id, kind, name, scopes, created_at, expires_at, revoked_at, last_used_at";

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<TokenRow> {
    let kind: String = row.get(2)?;
    let scopes: String = row.get(4)?;
    Ok(TokenRow {
        id: row.get(0)?,
        user_id: row.get(1)?,
        kind: if kind == "session" {
            TokenKind::Session
        } else {
            TokenKind::Api
        },
        name: row.get(3)?,
        // A scope name this build does not know grants nothing.
        scopes: scopes
            .split(',')
            .filter_map(|name| name.parse().ok())
            .collect(),
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
        revoked_at: row.get(7)?,
        last_used_at: row.get(8)?,
    })
}

/// The token signing key, made on first use.
pub fn signing_secret(conn: &mut Connection) -> rusqlite::Result<Vec<u8>> {
    named_secret(conn, SIGNING_KEY)
}

/// The daemon's 256-bit secret called `name`, made at random on first use
/// and kept in the `secrets` table. Other subsystems use this for keys of
/// their own (the shares' unlock cookies).
pub fn named_secret(conn: &mut Connection, name: &str) -> rusqlite::Result<Vec<u8>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let existing: Option<Vec<u8>> = tx
        .query_row("SELECT value FROM secrets WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .optional()?;
    let secret = match existing {
        Some(secret) => secret,
        None => {
            let secret: [u8; 32] = rand::random();
            tx.execute(
                "INSERT INTO secrets (name, value) VALUES (?1, ?2)",
                params![name, secret.as_slice()],
            )?;
            secret.to_vec()
        }
    };
    tx.commit()?;
    Ok(secret)
}

/// Inserts a token row.
pub fn insert_token(conn: &Connection, row: &TokenRow) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ),
        params![
            row.id,
            row.user_id,
            row.kind.as_str(),
            row.name,
            Scope::join(&row.scopes),
            row.created_at,
            row.expires_at,
            row.revoked_at,
            row.last_used_at,
        ],
    )?;
    Ok(())
}

/// The token row `id`.
pub fn token_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<TokenRow>> {
    conn.query_row(
        &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1"),
        [id],
        token_from_row,
    )
    .optional()
}

/// Records that a token was presented.
pub fn touch_token(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// A user's tokens that still work, newest first.
pub fn live_tokens(conn: &Connection, user_id: i64, now: i64) -> rusqlite::Result<Vec<TokenRow>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {TOKEN_COLUMNS} FROM tokens
         WHERE user_id = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)
         ORDER BY created_at DESC, id"
    ))?;
    statement
        .query_map(params![user_id, now], token_from_row)?
        .collect()
}

/// Revokes token `id` of `user_id`; false when there is no such live token.
pub fn revoke_token(conn: &Connection, user_id: i64, id: &str, now: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE tokens SET revoked_at = ?3
         WHERE id = ?2 AND user_id = ?1 AND revoked_at IS NULL
           AND (expires_at IS NULL OR expires_at > ?3)",
        params![user_id, id, now],
    )?;
    Ok(changed == 1)
}

/// Revokes every session of `user_id` except `keep`.
pub fn revoke_other_sessions(
    conn: &Connection,
    user_id: i64,
    keep: &str,
    now: i64,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE tokens SET revoked_at = ?3
         WHERE user_id = ?1 AND kind = 'session' AND id != ?2 AND revoked_at IS NULL",
        params![user_id, keep, now],
    )
}
