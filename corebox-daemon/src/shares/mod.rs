//! Shares: public links to a file, with expiry, a download limit and an
//! optional password.
//!
//! Owns the `shares` and `share_downloads` tables ([`store`]). The owner's
//! operations take the acting identity and check it here; a share that is
//! not the caller's answers like one that does not exist. Visitors hold no
//! identity: the token in the URL is the capability, and [`Shares::find`]
//! answers only for live shares, so expired, used-up, revoked and unknown
//! tokens are indistinguishable.
//!
//! What counts as a download: every transfer of the file's bytes that
//! completes, the whole file or a range of it. An interrupted transfer
//! does not count, so a download resumed with a range counts once, by its
//! last part; many small ranges count many times, so ranges cannot get
//! round a limit. (An image preview on the share page counts nothing; the
//! page shows one only for shares without a limit.)
//!
//! A download limit holds exactly under concurrency: a transfer of a
//! limited share first takes a slot ([`Shares::start_transfer`]); a slot
//! is granted only while completed downloads plus slots in use stay under
//! the limit, and a finished transfer adds its download and frees its slot
//! in one step under the same lock, so no two visitors can both take the
//! last download. An abandoned transfer frees its slot without counting.

pub mod store;
mod unlock;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use corebox_proto::Scope;
use corebox_proto::types::{ShareCreate, ShareDownload, ShareInfo, ShareStats};
use rand::Rng;
use rand::distr::Alphanumeric;
use tokio::sync::Mutex;

use crate::auth::store as auth_store;
use crate::auth::{Actor, Auth, AuthError, GuessThrottle};
use crate::clock::{after, unix_now};
use crate::config::ClientAddress;
use crate::db::{Db, DbError};
use crate::files::store as files_store;
use crate::privacy::{kept_address, kept_header};
use store::{DownloadRow, NewShare, ShareRow};
use unlock::{UNLOCK_SECS, UnlockKey};

/// The name under which the unlock cookies' key is kept.
const UNLOCK_KEY_NAME: &str = "share-unlock-key";

/// Characters in a share token: 22 base62 characters carry 130 bits.
pub const TOKEN_LEN: usize = 22;

/// Longest share password, in bytes.
const MAX_PASSWORD_BYTES: usize = 1024;

/// Longest expiry accepted: about a hundred years.
const MAX_EXPIRY_SECS: u64 = 100 * 366 * 24 * 3600;

/// Downloads listed by `share_stats`.
const RECENT_DOWNLOADS: u32 = 50;

/// Failures of share operations.
#[derive(Debug, thiserror::Error)]
pub enum SharesError {
    /// A value breaks a rule.
    #[error("{0}")]
    Invalid(String),
    /// No such share for this caller.
    #[error("no such share: see corebox shares ls")]
    NotFound,
    /// No such file for this caller.
    #[error("no such file: see corebox ls")]
    FileNotFound,
    /// The caller may read the file but does not own it.
    #[error("this file was shared with you to read; only its owner can share it")]
    NotOwner,
    /// The file is held back by the upload check.
    #[error("this file cannot be shared: {0}")]
    Held(String),
    /// Authentication or permission failure.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for SharesError {
    fn from(error: rusqlite::Error) -> SharesError {
        SharesError::Db(DbError::Sqlite(error))
    }
}

/// Whether `token` could be a share token at all (checked before any
/// lookup, so junk never reaches the database).
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

fn new_token() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(TOKEN_LEN)
        .map(char::from)
        .collect()
}

/// Who fetched a share, as far as records go.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The client's address.
    pub ip: IpAddr,
    /// The User-Agent header.
    pub user_agent: Option<String>,
    /// The Referer header.
    pub referrer: Option<String>,
}

/// The share subsystem.
#[derive(Debug)]
pub struct Shares {
    db: Db,
    auth: Arc<Auth>,
    base_url: String,
    client_address: ClientAddress,
    /// Download slots in use, per limited share.
    slots: Arc<Mutex<HashMap<String, u64>>>,
    guesses: GuessThrottle,
    unlock: UnlockKey,
}

/// A cookie that keeps a browser unlocked for one share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlockCookie {
    /// The cookie's value.
    pub value: String,
    /// Seconds it lasts.
    pub max_age: i64,
}

impl Shares {
    /// The subsystem; links are printed under `base_url` (no trailing `/`).
    ///
    /// # Errors
    ///
    /// Database failures loading (or making) the unlock cookies' key.
    pub async fn open(
        db: Db,
        auth: Arc<Auth>,
        base_url: String,
        client_address: ClientAddress,
        guesses: GuessThrottle,
    ) -> Result<Shares, SharesError> {
        let secret = db
            .write(|conn| Ok::<_, SharesError>(auth_store::named_secret(conn, UNLOCK_KEY_NAME)?))
            .await?;
        Ok(Shares {
            db,
            auth,
            base_url,
            client_address,
            slots: Arc::new(Mutex::new(HashMap::new())),
            guesses,
            unlock: UnlockKey::new(secret),
        })
    }

    /// The public URL of a share.
    pub fn url(&self, token: &str) -> String {
        format!("{}/s/{token}", self.base_url)
    }

    fn info(&self, row: &ShareRow) -> ShareInfo {
        ShareInfo {
            token: row.token.clone(),
            url: self.url(&row.token),
            file_id: row.file_id.clone(),
            file_name: row.file_name.clone(),
            size: row.size,
            created_at: row.created_at,
            expires_at: row.expires_at,
            max_downloads: row.max_downloads,
            downloads: row.downloads,
            bytes_served: row.bytes_served,
            has_password: row.password_hash.is_some(),
        }
    }

    /// Makes a share of one of `actor`'s files.
    ///
    /// # Errors
    ///
    /// [`SharesError::FileNotFound`] for a file the actor cannot see,
    /// [`SharesError::NotOwner`] for one granted to them,
    /// [`SharesError::Invalid`] for a bad expiry, limit or password.
    pub async fn create(
        &self,
        actor: &Actor,
        request: ShareCreate,
    ) -> Result<ShareInfo, SharesError> {
        actor.require(Scope::SharesWrite)?;
        if let Some(secs) = request.expires_in_secs
            && !(1..=MAX_EXPIRY_SECS).contains(&secs)
        {
            return Err(SharesError::Invalid(
                "a share expires between 1 second and 100 years from now".to_owned(),
            ));
        }
        if request.max_downloads == Some(0) || request.max_downloads > Some(i64::MAX as u64) {
            return Err(SharesError::Invalid(
                "--max-downloads must be at least 1".to_owned(),
            ));
        }
        let password_hash = match request.password {
            Some(password) => {
                let password = password.expose().to_owned();
                if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
                    return Err(SharesError::Invalid(
                        "a share password is 1 to 1024 bytes".to_owned(),
                    ));
                }
                Some(self.auth.hasher().hash(password).await?)
            }
            None => None,
        };
        let (owner, is_admin) = (actor.user_id, actor.is_admin());
        let file_id = request.file_id;
        let now = unix_now();
        let expires_at = request.expires_in_secs.map(|secs| after(now, secs));
        let max_downloads = request.max_downloads;
        let row = self
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let file = files_store::file_by_id(&tx, &file_id)?;
                match file {
                    Some(file) if file.owner_id == owner => {
                        if let Some(reason) = file.quarantine {
                            return Err(SharesError::Held(reason));
                        }
                    }
                    Some(file) if !is_admin && files_store::has_grant(&tx, &file.id, owner)? => {
                        return Err(SharesError::NotOwner);
                    }
                    _ => return Err(SharesError::FileNotFound),
                }
                let token = new_token();
                store::insert(
                    &tx,
                    &NewShare {
                        token: &token,
                        file_id: &file_id,
                        owner_id: owner,
                        created_at: now,
                        expires_at,
                        max_downloads,
                        password_hash: password_hash.as_deref(),
                    },
                )?;
                let row = store::by_token(&tx, &token)?.ok_or(SharesError::NotFound)?;
                tx.commit()?;
                Ok(row)
            })
            .await?;
        tracing::info!(file = %row.file_id, "share created");
        Ok(self.info(&row))
    }

    /// `actor`'s live shares, newest first.
    ///
    /// # Errors
    ///
    /// Missing scope; database failures.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<ShareInfo>, SharesError> {
        actor.require(Scope::SharesRead)?;
        let owner = actor.user_id;
        let rows = self
            .db
            .read(move |conn| Ok::<_, SharesError>(store::live_by_owner(conn, owner, unix_now())?))
            .await?;
        Ok(rows.iter().map(|row| self.info(row)).collect())
    }

    /// Ends one of `actor`'s shares at once.
    ///
    /// # Errors
    ///
    /// [`SharesError::NotFound`] for a token that is not the actor's or is
    /// already revoked.
    pub async fn revoke(&self, actor: &Actor, token: String) -> Result<(), SharesError> {
        actor.require(Scope::SharesWrite)?;
        if !is_token_shaped(&token) {
            return Err(SharesError::NotFound);
        }
        let owner = actor.user_id;
        self.db
            .write(move |conn| {
                match store::by_token(conn, &token)? {
                    Some(row) if row.owner_id == owner => {}
                    _ => return Err(SharesError::NotFound),
                }
                if store::revoke(conn, &token, unix_now())? {
                    Ok(())
                } else {
                    Err(SharesError::NotFound)
                }
            })
            .await?;
        tracing::info!("share revoked");
        Ok(())
    }

    /// A share's counters and recent downloads, for its owner; ended shares
    /// included.
    ///
    /// # Errors
    ///
    /// [`SharesError::NotFound`] for a token that is not the actor's.
    pub async fn stats(&self, actor: &Actor, token: String) -> Result<ShareStats, SharesError> {
        actor.require(Scope::SharesRead)?;
        if !is_token_shaped(&token) {
            return Err(SharesError::NotFound);
        }
        let owner = actor.user_id;
        let (row, recent) = self
            .db
            .read(move |conn| {
                let row = match store::by_token(conn, &token)? {
                    Some(row) if row.owner_id == owner => row,
                    _ => return Err(SharesError::NotFound),
                };
                let recent = store::recent_downloads(conn, &token, RECENT_DOWNLOADS)?;
                Ok((row, recent))
            })
            .await?;
        Ok(ShareStats {
            share: self.info(&row),
            recent: recent
                .into_iter()
                .map(|download| ShareDownload {
                    at: download.at,
                    bytes: download.bytes,
                    completed: download.completed,
                    client: download.client,
                    user_agent: download.user_agent,
                    referrer: download.referrer,
                })
                .collect(),
        })
    }

    /// The live share behind `token`, for a visitor; `None` for unknown,
    /// expired, used-up and revoked shares alike.
    ///
    /// # Errors
    ///
    /// Database failures.
    pub async fn find(&self, token: &str) -> Result<Option<ShareRow>, SharesError> {
        if !is_token_shaped(token) {
            return Ok(None);
        }
        let token = token.to_owned();
        self.db
            .read(move |conn| {
                let row = store::by_token(conn, &token)?;
                Ok(row.filter(|row| row.is_live(unix_now())))
            })
            .await
    }

    /// Checks a visitor's password for a share. Wrong guesses are throttled
    /// per share and per client; while either is throttled every guess is
    /// refused, right or wrong.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`] with the wait.
    pub async fn check_password(
        &self,
        share: &ShareRow,
        password: String,
        client: IpAddr,
    ) -> Result<bool, SharesError> {
        self.guesses.check(&share.token, client)?;
        let Some(hash) = share.password_hash.clone() else {
            return Ok(true);
        };
        if password.len() > MAX_PASSWORD_BYTES {
            self.guesses.wrong(&share.token, client);
            return Ok(false);
        }
        let right = self.auth.hasher().verify(password, Some(hash)).await?;
        if !right {
            self.guesses.wrong(&share.token, client);
        }
        Ok(right)
    }

    /// A cookie that proves its holder gave `share`'s password, good for
    /// [`UNLOCK_SECS`] or until the share expires, whichever comes first.
    pub fn unlock_cookie(&self, share: &ShareRow) -> UnlockCookie {
        let now = unix_now();
        let until = share
            .expires_at
            .map_or(now + UNLOCK_SECS, |at| at.min(now + UNLOCK_SECS));
        UnlockCookie {
            value: self.unlock.seal(share, until),
            max_age: (until - now).max(0),
        }
    }

    /// Whether `cookie` is an unexpired unlock cookie for `share`.
    pub fn is_unlocked(&self, share: &ShareRow, cookie: &str) -> bool {
        self.unlock.opens(share, cookie, unix_now())
    }

    /// Starts a transfer of `share`'s bytes to `visitor`; it counts as a
    /// download when it completes, unless `counts` is false (a preview).
    /// A counting transfer of a share with a download limit first takes a
    /// download slot; `None` means none is left, which the visitor must see
    /// as a missing share.
    ///
    /// # Errors
    ///
    /// Database failures.
    pub async fn start_transfer(
        &self,
        share: &ShareRow,
        counts: bool,
        visitor: Visitor,
    ) -> Result<Option<Transfer>, SharesError> {
        let mut holds_slot = false;
        if let (Some(max), true) = (share.max_downloads, counts) {
            let mut slots = self.slots.lock().await;
            let token = share.token.clone();
            let downloads = self
                .db
                .read(move |conn| {
                    let row = store::by_token(conn, &token)?;
                    Ok::<_, SharesError>(row.filter(|row| row.is_live(unix_now())))
                })
                .await?
                .map(|row| row.downloads);
            let held = slots.get(&share.token).copied().unwrap_or(0);
            match downloads {
                Some(done) if done.saturating_add(held) < max => {
                    slots.insert(share.token.clone(), held + 1);
                    holds_slot = true;
                }
                _ => return Ok(None),
            }
        }
        Ok(Some(Transfer {
            db: self.db.clone(),
            slots: Arc::clone(&self.slots),
            token: share.token.clone(),
            holds_slot,
            counts,
            sent: 0,
            finished: false,
            record: DownloadRow {
                at: 0,
                bytes: 0,
                completed: false,
                client: kept_address(visitor.ip, self.client_address),
                user_agent: visitor
                    .user_agent
                    .as_deref()
                    .map(|text| kept_header(text).to_owned()),
                referrer: visitor
                    .referrer
                    .as_deref()
                    .map(|text| kept_header(text).to_owned()),
            },
        }))
    }
}

/// One transfer of a share's bytes. Count bytes with [`Transfer::sent`]
/// and call [`Transfer::finish`] when the last one went out; dropping it
/// unfinished records a partial transfer and frees its download slot.
#[derive(Debug)]
pub struct Transfer {
    db: Db,
    slots: Arc<Mutex<HashMap<String, u64>>>,
    token: String,
    holds_slot: bool,
    counts: bool,
    sent: u64,
    finished: bool,
    record: DownloadRow,
}

impl Transfer {
    /// Counts `bytes` more sent.
    pub fn sent(&mut self, bytes: u64) {
        self.sent = self.sent.saturating_add(bytes);
    }

    /// Marks every byte of the response sent.
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for Transfer {
    fn drop(&mut self) {
        let mut record = self.record.clone();
        record.at = unix_now();
        record.bytes = self.sent;
        record.completed = self.finished && self.counts;
        let (db, slots, token, holds_slot) = (
            self.db.clone(),
            Arc::clone(&self.slots),
            self.token.clone(),
            self.holds_slot,
        );
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            // Counting and freeing the slot under the lock that grants
            // slots keeps the limit exact.
            let mut slots = slots.lock().await;
            let key = token.clone();
            let written = db
                .write(move |conn| {
                    store::record_download(conn, &key, &record).map_err(DbError::Sqlite)
                })
                .await;
            if let Err(error) = written {
                tracing::warn!(%error, "could not record a share download");
            }
            if holds_slot && let Some(held) = slots.get_mut(&token) {
                *held = held.saturating_sub(1);
                if *held == 0 {
                    slots.remove(&token);
                }
            }
        });
    }
}
