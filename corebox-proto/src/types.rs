//! Request and response types of the [`CoreBox`](crate::CoreBox) service.
//!
//! Times are Unix seconds (UTC). Durations are whole seconds. Field names are
//! the snake_case names the CLI prints with `--json`, so these types double
//! as the stable machine-readable output.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Scope;

mod jobs;

pub use jobs::{
    Fit, ImageFormat, JobChanges, JobFilter, JobInfo, JobKind, JobOutcome, JobRequest, JobState,
};

/// Bytes per upload chunk and download read that clients should use: big
/// enough to amortise a call, small enough to keep several in flight well
/// inside the frame limit.
pub const CHUNK_BYTES: usize = 4 << 20;

/// The largest chunk or read the daemon accepts.
pub const MAX_CHUNK_BYTES: usize = 8 << 20;

/// A secret sent over the socket: a password, a token or an invite code.
///
/// Its `Debug` form is redacted so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself; handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What a user may do beyond their own resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Administers users and invites, and sees every resource.
    Admin,
    /// Sees and manages only what they own or were granted.
    User,
}

impl Role {
    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(name: &str) -> Result<Role, String> {
        match name {
            "admin" => Ok(Role::Admin),
            "user" => Ok(Role::User),
            other => Err(format!("unknown role '{other}': use admin or user")),
        }
    }
}

/// An account as its owner, or an admin, sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The name as chosen at signup (compared case-insensitively).
    pub username: String,
    /// The user's role.
    pub role: Role,
    /// A disabled user cannot log in and their tokens stop working.
    pub disabled: bool,
    /// Optional name for display.
    pub display_name: Option<String>,
    /// Optional contact address.
    pub email: Option<String>,
    /// When the account was made.
    pub created_at: i64,
    /// Bytes the user may store; `None` for no limit.
    pub quota_bytes: Option<u64>,
    /// Bytes the user stores now (sum of their files' sizes).
    pub used_bytes: u64,
}

/// Where a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Made by `signup` or `login`; holds every scope.
    Session,
    /// Made by `token create` for scripts; holds chosen scopes.
    Api,
}

impl TokenKind {
    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Session => "session",
            TokenKind::Api => "api",
        }
    }
}

/// A token as listed to its owner (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    /// The id used to revoke it.
    pub id: String,
    /// Session or API token.
    pub kind: TokenKind,
    /// The name given at creation (API tokens only).
    pub name: Option<String>,
    /// What the token may do.
    pub scopes: Vec<Scope>,
    /// When it was made.
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// When it was last presented to the daemon.
    pub last_used_at: Option<i64>,
    /// Whether this is the token the caller is using now.
    pub current: bool,
}

/// The answer to `signup` and `login`: a session token and the account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionGrant {
    /// The session token; the CLI keeps it in the keyring.
    pub token: Secret,
    /// The account logged in.
    pub user: UserInfo,
    /// The session's id and lifetime.
    pub session: TokenInfo,
}

/// Who the caller is and with which token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    /// The account.
    pub user: UserInfo,
    /// The token in use.
    pub token: TokenInfo,
}

/// Make a new account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignupRequest {
    /// The wanted username.
    pub username: String,
    /// The password, 8 to 1024 bytes.
    pub password: Secret,
    /// An invite code, needed when signup is invite-only.
    pub invite: Option<Secret>,
}

/// Log in with a username and password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The username (any letter case).
    pub username: String,
    /// The password.
    pub password: Secret,
}

/// A change to the caller's profile. `None` leaves a field alone; an empty
/// string clears it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileUpdate {
    /// New display name.
    pub display_name: Option<String>,
    /// New email address.
    pub email: Option<String>,
}

/// Make an API token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenCreate {
    /// A name to recognise it by in `token ls`.
    pub name: String,
    /// The scopes it holds; must be a subset of the caller's.
    pub scopes: Vec<Scope>,
    /// Lifetime in seconds; `None` for a token that does not expire.
    pub expires_in_secs: Option<u64>,
}

/// A freshly made API token: shown once, never again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedToken {
    /// The secret to put in `COREBOX_TOKEN`.
    pub token: Secret,
    /// Its listing.
    pub info: TokenInfo,
}

/// Make an invite code.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteCreate {
    /// How many signups it allows.
    pub uses: u32,
    /// Lifetime in seconds; `None` for no expiry.
    pub expires_in_secs: Option<u64>,
}

/// A freshly made invite code: shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Invite {
    /// The code to give to `corebox signup --invite`.
    pub code: Secret,
    /// Signups it still allows.
    pub uses: u32,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
}

/// A stored file, as its owner, a user it was granted to, or an admin sees
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// The file's id.
    pub id: String,
    /// Its name (no `/`, no control characters, at most 255 bytes).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, 64 lowercase hex digits.
    pub sha256: String,
    /// Media type sniffed from the content, not taken from the name.
    pub media_type: String,
    /// When it was stored.
    pub created_at: i64,
    /// The owner's username.
    pub owner: String,
    /// Users it was granted to (shown to the owner and admins only).
    pub grants: Vec<String>,
    /// Why the file is held back: not shareable, and not readable by
    /// anyone but its owner (the upload check failed or has not run yet).
    pub quarantine: Option<String>,
    /// The id of its thumbnail, once one is made.
    pub thumbnail: Option<String>,
}

/// Start (or resume) an upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UploadBegin {
    /// The file's name.
    pub name: String,
    /// Its exact size in bytes.
    pub size: u64,
    /// Its SHA-256 when the client already knows it; when the caller
    /// already owns that content, nothing is transferred.
    pub sha256: Option<String>,
    /// An opaque key naming this local file (path, size, modification
    /// time); a later upload with the same key resumes the same session.
    pub resume_key: Option<String>,
}

/// What to do after [`UploadBegin`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum UploadStart {
    /// Send the bytes from `offset` on, in chunks, then finish.
    Transfer {
        /// The upload session.
        upload_id: String,
        /// Bytes the daemon already holds; send from here.
        offset: u64,
    },
    /// Nothing to send: the caller already owns this content.
    Done {
        /// The stored file.
        file: FileInfo,
    },
}

/// How `file_list` orders files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileSort {
    /// Newest first.
    #[default]
    Created,
    /// By name.
    Name,
    /// Largest first.
    Size,
}

/// Make a share link for a file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareCreate {
    /// The file to share (yours; a granted file cannot be re-shared).
    pub file_id: String,
    /// Seconds until the link stops working; `None` for never.
    pub expires_in_secs: Option<u64>,
    /// Completed downloads allowed; `None` for no limit.
    pub max_downloads: Option<u64>,
    /// A password visitors must give first.
    pub password: Option<Secret>,
}

/// A share link, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareInfo {
    /// The secret part of the URL (at least 128 random bits, base62).
    pub token: String,
    /// The full public URL.
    pub url: String,
    /// The shared file's id.
    pub file_id: String,
    /// The shared file's name.
    pub file_name: String,
    /// The shared file's size in bytes.
    pub size: u64,
    /// When it was made.
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// Completed downloads allowed, if limited.
    pub max_downloads: Option<u64>,
    /// Completed downloads so far.
    pub downloads: u64,
    /// Bytes served so far, partial downloads included.
    pub bytes_served: u64,
    /// Whether visitors need a password.
    pub has_password: bool,
}

/// One visit that fetched a share's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareDownload {
    /// When it ended.
    pub at: i64,
    /// Bytes sent.
    pub bytes: u64,
    /// Whether the download reached the end of the file.
    pub completed: bool,
    /// The client's address, whole or truncated as the daemon's privacy
    /// setting allows; `None` when it keeps none.
    pub client: Option<String>,
    /// The User-Agent header, if sent.
    pub user_agent: Option<String>,
    /// The Referer header, if sent.
    pub referrer: Option<String>,
}

/// A share with its recent downloads, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareStats {
    /// The share.
    pub share: ShareInfo,
    /// The most recent downloads (at most 50), newest first.
    pub recent: Vec<ShareDownload>,
}

/// Make a short link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkCreate {
    /// Where the link goes: an absolute http or https URL.
    pub target: String,
    /// The code to use instead of a random one.
    pub alias: Option<String>,
    /// When the link stops working (Unix seconds); `None` for never.
    pub expires_at: Option<i64>,
    /// Redirects allowed; `None` for no limit.
    pub max_clicks: Option<u64>,
    /// A password visitors must give first.
    pub password: Option<Secret>,
}

/// A change to a short link; `None` fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LinkEdit {
    /// The link's code.
    pub code: String,
    /// A new target.
    pub target: Option<String>,
    /// A new expiry: `Some(None)` makes it never expire.
    pub expires_at: Option<Option<i64>>,
    /// A new click limit: `Some(None)` lifts it.
    pub max_clicks: Option<Option<u64>>,
}

/// A short link, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// The code in the URL (an alias, or random base62).
    pub code: String,
    /// The full short URL.
    pub url: String,
    /// Where it redirects.
    pub target: String,
    /// When it was made.
    pub created_at: i64,
    /// When it stops working, if ever.
    pub expires_at: Option<i64>,
    /// Redirects allowed, if limited.
    pub max_clicks: Option<u64>,
    /// Redirects so far.
    pub clicks: u64,
    /// Whether visitors need a password.
    pub has_password: bool,
    /// Whether it still redirects (not expired, not used up).
    pub live: bool,
}

/// One day of a link's clicks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayClicks {
    /// The day, `YYYY-MM-DD` in UTC.
    pub day: String,
    /// Redirects that day.
    pub clicks: u64,
    /// Distinct visitors that day.
    pub unique: u64,
    /// Redirects to bots that day.
    pub bots: u64,
}

/// A value and how many clicks had it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// The referrer's host, or the browser's name.
    pub name: String,
    /// Clicks with it.
    pub clicks: u64,
}

/// A link's clicks over its last days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkStats {
    /// The link.
    pub link: LinkInfo,
    /// Days covered, ending today.
    pub days: u32,
    /// Clicks in those days.
    pub clicks: u64,
    /// Distinct visitors per day, summed over those days.
    pub unique: u64,
    /// Clicks by bots in those days.
    pub bots: u64,
    /// Each day, oldest first, zeros included.
    pub per_day: Vec<DayClicks>,
    /// Referrer hosts, most clicks first (`direct` when none was sent).
    pub top_referrers: Vec<Tally>,
    /// Browsers, most clicks first.
    pub top_browsers: Vec<Tally>,
}
