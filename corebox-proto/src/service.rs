//! The tarpc service: one method per operation.
//!
//! Calls other than `signup`, `login` and `authenticate` act as the identity
//! bound to the connection by the last successful one of those; the token
//! behind it is checked again on every call, so a logout or revoke stops an
//! open connection at its next call.

use serde_bytes::ByteBuf;

use crate::error::ApiResult;
use crate::types::{
    CreatedToken, FileInfo, FileSort, Invite, InviteCreate, JobChanges, JobFilter, JobInfo,
    JobRequest, LinkCreate, LinkEdit, LinkInfo, LinkStats, LoginRequest, ProfileUpdate, Role,
    Secret, SessionGrant, ShareCreate, ShareInfo, ShareStats, SignupRequest, TokenCreate,
    TokenInfo, UploadBegin, UploadStart, UserInfo, WhoAmI,
};

/// The CoreBox RPC service.
#[tarpc::service]
pub trait CoreBox {
    /// Makes an account and logs it in on this connection.
    async fn signup(request: SignupRequest) -> ApiResult<SessionGrant>;
    /// Logs in on this connection and returns a new session token.
    async fn login(request: LoginRequest) -> ApiResult<SessionGrant>;
    /// Binds this connection to an existing token.
    async fn authenticate(token: Secret) -> ApiResult<WhoAmI>;
    /// Revokes the token bound to this connection.
    async fn logout() -> ApiResult<()>;
    /// The account and token bound to this connection.
    async fn whoami() -> ApiResult<WhoAmI>;
    /// Changes the password and revokes every other session of the user.
    async fn change_password(current: Secret, new: Secret) -> ApiResult<()>;
    /// The caller's profile.
    async fn profile() -> ApiResult<UserInfo>;
    /// Changes the caller's profile.
    async fn set_profile(update: ProfileUpdate) -> ApiResult<UserInfo>;
    /// Deletes the caller's account and everything it owns.
    async fn delete_account(password: Secret) -> ApiResult<()>;
    /// Makes an API token.
    async fn token_create(request: TokenCreate) -> ApiResult<CreatedToken>;
    /// Lists the caller's live tokens.
    async fn token_list() -> ApiResult<Vec<TokenInfo>>;
    /// Revokes one of the caller's tokens.
    async fn token_revoke(id: String) -> ApiResult<()>;
    /// Lists every account (admin).
    async fn admin_users() -> ApiResult<Vec<UserInfo>>;
    /// Changes a user's role (admin).
    async fn admin_set_role(username: String, role: Role) -> ApiResult<UserInfo>;
    /// Disables or enables a user (admin).
    async fn admin_set_disabled(username: String, disabled: bool) -> ApiResult<UserInfo>;
    /// Makes an invite code (admin).
    async fn admin_invite_create(request: InviteCreate) -> ApiResult<Invite>;
    /// Sets a user's quota in bytes; `None` removes the limit (admin).
    async fn admin_set_quota(username: String, quota_bytes: Option<u64>) -> ApiResult<UserInfo>;

    /// Starts or resumes an upload; refused up front when it would exceed
    /// the quota, the maximum file size or the free-disk reserve.
    async fn upload_begin(request: UploadBegin) -> ApiResult<UploadStart>;
    /// Stores `data` at `offset` of an upload; chunks may be in flight
    /// together but must cover the file in order without gaps or overlaps.
    /// Returns the bytes held so far.
    async fn upload_chunk(upload_id: String, offset: u64, data: ByteBuf) -> ApiResult<u64>;
    /// Ends an upload: checks the size and the SHA-256 the client computed,
    /// stores the content durably and records the file.
    async fn upload_finish(upload_id: String, sha256: String) -> ApiResult<FileInfo>;
    /// Abandons an upload and frees what it held.
    async fn upload_abort(upload_id: String) -> ApiResult<()>;

    /// The caller's files and those granted to them.
    async fn file_list(sort: FileSort) -> ApiResult<Vec<FileInfo>>;
    /// One file.
    async fn file_info(id: String) -> ApiResult<FileInfo>;
    /// Up to `len` bytes of a file from `offset` (fewer at its end).
    async fn file_read(id: String, offset: u64, len: u32) -> ApiResult<ByteBuf>;
    /// Deletes a file; its content goes when no file refers to it.
    async fn file_remove(id: String) -> ApiResult<()>;
    /// Renames a file.
    async fn file_rename(id: String, name: String) -> ApiResult<FileInfo>;
    /// Gives another user read access to a file.
    async fn file_grant(id: String, username: String) -> ApiResult<FileInfo>;
    /// Takes read access away again.
    async fn file_revoke_grant(id: String, username: String) -> ApiResult<FileInfo>;

    /// Makes a share link for one of the caller's files.
    async fn share_create(request: ShareCreate) -> ApiResult<ShareInfo>;
    /// The caller's share links (live ones; expired, exhausted and revoked
    /// links are not listed), newest first.
    async fn share_list() -> ApiResult<Vec<ShareInfo>>;
    /// Ends one of the caller's share links.
    async fn share_revoke(token: String) -> ApiResult<()>;
    /// A share's counters and recent downloads.
    async fn share_stats(token: String) -> ApiResult<ShareStats>;

    /// Makes a short link.
    async fn link_create(request: LinkCreate) -> ApiResult<LinkInfo>;
    /// The caller's short links, newest first (ended ones included).
    async fn link_list() -> ApiResult<Vec<LinkInfo>>;
    /// One of the caller's short links.
    async fn link_show(code: String) -> ApiResult<LinkInfo>;
    /// Changes one of the caller's short links; takes effect at once.
    async fn link_edit(edit: LinkEdit) -> ApiResult<LinkInfo>;
    /// Removes one of the caller's short links and its clicks.
    async fn link_remove(code: String) -> ApiResult<()>;
    /// A short link's clicks over its last `days` days.
    async fn link_stats(code: String, days: u32) -> ApiResult<LinkStats>;

    /// Starts a job: an image operation, an import, a verification.
    async fn job_submit(request: JobRequest) -> ApiResult<JobInfo>;
    /// The caller's jobs, newest first.
    async fn job_list(filter: JobFilter) -> ApiResult<Vec<JobInfo>>;
    /// One of the caller's jobs, with its log.
    async fn job_show(id: String) -> ApiResult<JobInfo>;
    /// Stops one of the caller's jobs (a running child process is killed).
    async fn job_cancel(id: String) -> ApiResult<JobInfo>;
    /// Queues a failed, dead or cancelled job again, with fresh attempts.
    async fn job_retry(id: String) -> ApiResult<JobInfo>;
    /// Waits until a job in `filter` changes after `since` (a version from
    /// an earlier answer, 0 for the current state), for at most
    /// `timeout_secs`; answers the changes, possibly none.
    async fn job_wait(filter: JobFilter, since: u64, timeout_secs: u32) -> ApiResult<JobChanges>;
}
