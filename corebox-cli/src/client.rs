//! Talking to the daemon: which socket, connecting, and one method per call.
//!
//! Every call gets a fresh tarpc context made just before it is sent (a
//! context's deadline counts from its creation), with a longer deadline for
//! the calls that hash a password and for the long steps of a transfer.
//! Every request is measured against the
//! frame limit first, so an oversized one fails alone with a too-large
//! error instead of making the daemon drop the connection. Failures come
//! back as [`CliError`]s with their exit kind already decided.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use corebox_proto::CoreBoxClient;
use corebox_proto::error::ApiResult;
use corebox_proto::transport::{self, Endpoint, check_request_size};
use corebox_proto::types::{
    CreatedToken, FileInfo, FileSort, Invite, InviteCreate, JobChanges, JobFilter, JobInfo,
    JobRequest, LinkCreate, LinkEdit, LinkInfo, LinkStats, LoginRequest, ProfileUpdate, Role,
    Secret, SessionGrant, ShareCreate, ShareInfo, ShareStats, SignupRequest, TokenCreate,
    TokenInfo, UploadBegin, UploadStart, UserInfo, WhoAmI,
};
use serde::Serialize;
use serde_bytes::ByteBuf;
use tarpc::client::RpcError;
use tarpc::context::{self, Context};

use crate::exit::CliError;

/// Deadline of an ordinary call.
const CALL_DEADLINE: Duration = Duration::from_secs(10);

/// Deadline of a call that hashes a password. Hashing is deliberately slow
/// and the daemon bounds how many run at once, so a call may queue.
const PASSWORD_DEADLINE: Duration = Duration::from_secs(60);

/// Deadline of one chunk sent or read. Several are in flight at once and
/// the daemon may wait on its disk, so this is generous for 4 MiB.
const CHUNK_DEADLINE: Duration = Duration::from_secs(60);

/// Deadline of the calls that may go through a whole file on the daemon:
/// beginning a resumed upload rehashes what it holds, finishing one makes
/// the whole file durable.
const WHOLE_FILE_DEADLINE: Duration = Duration::from_secs(300);

/// The daemon to talk to.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where it listens.
    pub endpoint: Endpoint,
    /// Whether that is the default socket (the user gave no `--socket`).
    pub is_default: bool,
}

impl Target {
    /// The daemon at `socket`, or at the default socket when `None`.
    ///
    /// # Errors
    ///
    /// A usage error when no socket was given and there is no home
    /// directory to find the default one in.
    pub fn resolve(socket: Option<PathBuf>) -> Result<Target, CliError> {
        match socket {
            Some(path) => {
                let is_default = transport::default_socket_path().as_ref() == Some(&path);
                Ok(Target {
                    endpoint: Endpoint::Unix(path),
                    is_default,
                })
            }
            None => transport::default_socket_path()
                .map(|path| Target {
                    endpoint: Endpoint::Unix(path),
                    is_default: true,
                })
                .ok_or_else(|| {
                    CliError::usage(
                        "cannot find the default socket without a home directory: pass \
                         --socket or set COREBOX_SOCKET",
                    )
                }),
        }
    }

    /// How to run a corebox command against this daemon, for messages:
    /// `corebox login`, or `corebox --socket /x.sock login`.
    pub fn command_hint(&self, command: &str) -> String {
        if self.is_default {
            format!("corebox {command}")
        } else {
            let Endpoint::Unix(path) = &self.endpoint;
            format!("corebox --socket {} {command}", path.display())
        }
    }
}

/// An open connection to the daemon.
#[derive(Debug)]
pub struct Daemon {
    client: CoreBoxClient,
}

impl Daemon {
    /// Connects and completes the handshake.
    ///
    /// # Errors
    ///
    /// Exit kind unreachable when nothing (or not a corebox daemon) answers,
    /// protocol when the versions differ.
    pub async fn connect(target: &Target) -> Result<Daemon, CliError> {
        let client = transport::connect(&target.endpoint)
            .await
            .map_err(|error| CliError::from_connect(error, target.is_default))?;
        Ok(Daemon { client })
    }

    /// Makes an account and logs in on this connection.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn signup(&self, request: SignupRequest) -> Result<SessionGrant, CliError> {
        check(&(&request,))?;
        settle(self.client.signup(ctx(PASSWORD_DEADLINE), request).await)
    }

    /// Logs in on this connection.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn login(&self, request: LoginRequest) -> Result<SessionGrant, CliError> {
        check(&(&request,))?;
        settle(self.client.login(ctx(PASSWORD_DEADLINE), request).await)
    }

    /// Binds this connection to a token.
    ///
    /// # Errors
    ///
    /// Unauthenticated when the token expired or was revoked; a broken
    /// connection.
    pub async fn authenticate(&self, token: Secret) -> Result<WhoAmI, CliError> {
        check(&(&token,))?;
        settle(self.client.authenticate(ctx(CALL_DEADLINE), token).await)
    }

    /// Revokes the token bound to this connection.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn logout(&self) -> Result<(), CliError> {
        settle(self.client.logout(ctx(CALL_DEADLINE)).await)
    }

    /// The account and token bound to this connection.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn whoami(&self) -> Result<WhoAmI, CliError> {
        settle(self.client.whoami(ctx(CALL_DEADLINE)).await)
    }

    /// Changes the password.
    ///
    /// # Errors
    ///
    /// The daemon's refusal (a wrong current password), or a broken
    /// connection.
    pub async fn change_password(&self, current: Secret, new: Secret) -> Result<(), CliError> {
        check(&(&current, &new))?;
        settle(
            self.client
                .change_password(ctx(PASSWORD_DEADLINE), current, new)
                .await,
        )
    }

    /// The caller's profile.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn profile(&self) -> Result<UserInfo, CliError> {
        settle(self.client.profile(ctx(CALL_DEADLINE)).await)
    }

    /// Changes the caller's profile.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn set_profile(&self, update: ProfileUpdate) -> Result<UserInfo, CliError> {
        check(&(&update,))?;
        settle(self.client.set_profile(ctx(CALL_DEADLINE), update).await)
    }

    /// Deletes the caller's account.
    ///
    /// # Errors
    ///
    /// The daemon's refusal (a wrong password, the last admin), or a broken
    /// connection.
    pub async fn delete_account(&self, password: Secret) -> Result<(), CliError> {
        check(&(&password,))?;
        settle(
            self.client
                .delete_account(ctx(PASSWORD_DEADLINE), password)
                .await,
        )
    }

    /// Makes an API token.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn token_create(&self, request: TokenCreate) -> Result<CreatedToken, CliError> {
        check(&(&request,))?;
        settle(self.client.token_create(ctx(CALL_DEADLINE), request).await)
    }

    /// Lists the caller's live tokens.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn token_list(&self) -> Result<Vec<TokenInfo>, CliError> {
        settle(self.client.token_list(ctx(CALL_DEADLINE)).await)
    }

    /// Revokes one of the caller's tokens.
    ///
    /// # Errors
    ///
    /// Not found for an unknown id; the daemon's refusal, or a broken
    /// connection.
    pub async fn token_revoke(&self, id: String) -> Result<(), CliError> {
        check(&(&id,))?;
        settle(self.client.token_revoke(ctx(CALL_DEADLINE), id).await)
    }

    /// Lists every account.
    ///
    /// # Errors
    ///
    /// Permission denied for a non-admin; a broken connection.
    pub async fn admin_users(&self) -> Result<Vec<UserInfo>, CliError> {
        settle(self.client.admin_users(ctx(CALL_DEADLINE)).await)
    }

    /// Changes a user's role.
    ///
    /// # Errors
    ///
    /// Permission denied, not found, or a broken connection.
    pub async fn admin_set_role(&self, username: String, role: Role) -> Result<UserInfo, CliError> {
        check(&(&username, &role))?;
        settle(
            self.client
                .admin_set_role(ctx(CALL_DEADLINE), username, role)
                .await,
        )
    }

    /// Disables or enables a user.
    ///
    /// # Errors
    ///
    /// Permission denied, not found, or a broken connection.
    pub async fn admin_set_disabled(
        &self,
        username: String,
        disabled: bool,
    ) -> Result<UserInfo, CliError> {
        check(&(&username, &disabled))?;
        settle(
            self.client
                .admin_set_disabled(ctx(CALL_DEADLINE), username, disabled)
                .await,
        )
    }

    /// Makes an invite code.
    ///
    /// # Errors
    ///
    /// Permission denied, or a broken connection.
    pub async fn admin_invite_create(&self, request: InviteCreate) -> Result<Invite, CliError> {
        check(&(&request,))?;
        settle(
            self.client
                .admin_invite_create(ctx(CALL_DEADLINE), request)
                .await,
        )
    }
}

/// File calls.
impl Daemon {
    /// Sets a user's quota; `None` removes the limit.
    ///
    /// # Errors
    ///
    /// Permission denied, not found, or a broken connection.
    pub async fn admin_set_quota(
        &self,
        username: String,
        quota_bytes: Option<u64>,
    ) -> Result<UserInfo, CliError> {
        check(&(&username, &quota_bytes))?;
        settle(
            self.client
                .admin_set_quota(ctx(CALL_DEADLINE), username, quota_bytes)
                .await,
        )
    }

    /// Starts or resumes an upload.
    ///
    /// # Errors
    ///
    /// Limit exceeded (quota, file size, disk), an invalid name, or a
    /// broken connection.
    pub async fn upload_begin(&self, request: UploadBegin) -> Result<UploadStart, CliError> {
        check(&(&request,))?;
        settle(
            self.client
                .upload_begin(ctx(WHOLE_FILE_DEADLINE), request)
                .await,
        )
    }

    /// Sends one chunk of an upload; returns the bytes the daemon holds.
    ///
    /// # Errors
    ///
    /// The daemon's refusal (an unknown session, a chunk out of order), or
    /// a broken connection.
    pub async fn upload_chunk(
        &self,
        upload_id: String,
        offset: u64,
        data: ByteBuf,
    ) -> Result<u64, CliError> {
        check(&(&upload_id, &offset, &data))?;
        settle(
            self.client
                .upload_chunk(ctx(CHUNK_DEADLINE), upload_id, offset, data)
                .await,
        )
    }

    /// Ends an upload with the SHA-256 of all its bytes.
    ///
    /// # Errors
    ///
    /// The daemon's refusal (missing bytes, a different hash), or a broken
    /// connection.
    pub async fn upload_finish(
        &self,
        upload_id: String,
        sha256: String,
    ) -> Result<FileInfo, CliError> {
        check(&(&upload_id, &sha256))?;
        settle(
            self.client
                .upload_finish(ctx(WHOLE_FILE_DEADLINE), upload_id, sha256)
                .await,
        )
    }

    /// Abandons an upload.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn upload_abort(&self, upload_id: String) -> Result<(), CliError> {
        check(&(&upload_id,))?;
        settle(
            self.client
                .upload_abort(ctx(CALL_DEADLINE), upload_id)
                .await,
        )
    }

    /// The caller's files and those granted to them.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn file_list(&self, sort: FileSort) -> Result<Vec<FileInfo>, CliError> {
        settle(self.client.file_list(ctx(CALL_DEADLINE), sort).await)
    }

    /// One file.
    ///
    /// # Errors
    ///
    /// Not found for an unknown id or another user's file; a broken
    /// connection.
    pub async fn file_info(&self, id: String) -> Result<FileInfo, CliError> {
        check(&(&id,))?;
        settle(self.client.file_info(ctx(CALL_DEADLINE), id).await)
    }

    /// Up to `len` bytes of a file from `offset`.
    ///
    /// # Errors
    ///
    /// Not found, or a broken connection.
    pub async fn file_read(&self, id: String, offset: u64, len: u32) -> Result<ByteBuf, CliError> {
        check(&(&id, &offset, &len))?;
        settle(
            self.client
                .file_read(ctx(CHUNK_DEADLINE), id, offset, len)
                .await,
        )
    }

    /// Deletes a file.
    ///
    /// # Errors
    ///
    /// Not found, or a broken connection.
    pub async fn file_remove(&self, id: String) -> Result<(), CliError> {
        check(&(&id,))?;
        settle(self.client.file_remove(ctx(CALL_DEADLINE), id).await)
    }

    /// Renames a file.
    ///
    /// # Errors
    ///
    /// Not found, an invalid name, or a broken connection.
    pub async fn file_rename(&self, id: String, name: String) -> Result<FileInfo, CliError> {
        check(&(&id, &name))?;
        settle(self.client.file_rename(ctx(CALL_DEADLINE), id, name).await)
    }

    /// Gives another user read access to a file.
    ///
    /// # Errors
    ///
    /// Not found (the file or the user), or a broken connection.
    pub async fn file_grant(&self, id: String, username: String) -> Result<FileInfo, CliError> {
        check(&(&id, &username))?;
        settle(
            self.client
                .file_grant(ctx(CALL_DEADLINE), id, username)
                .await,
        )
    }

    /// Takes another user's read access away.
    ///
    /// # Errors
    ///
    /// Not found (the file, the user or the grant), or a broken connection.
    pub async fn file_revoke_grant(
        &self,
        id: String,
        username: String,
    ) -> Result<FileInfo, CliError> {
        check(&(&id, &username))?;
        settle(
            self.client
                .file_revoke_grant(ctx(CALL_DEADLINE), id, username)
                .await,
        )
    }
}

/// Share-link calls.
impl Daemon {
    /// Makes a share link for one of the caller's files. A password is
    /// hashed by the daemon, so this call gets the password deadline.
    ///
    /// # Errors
    ///
    /// Not found for an unknown id or another user's file, permission
    /// denied for a file only granted to the caller, or a broken
    /// connection.
    pub async fn share_create(&self, request: ShareCreate) -> Result<ShareInfo, CliError> {
        check(&(&request,))?;
        settle(
            self.client
                .share_create(ctx(PASSWORD_DEADLINE), request)
                .await,
        )
    }

    /// The caller's live share links, newest first.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn share_list(&self) -> Result<Vec<ShareInfo>, CliError> {
        settle(self.client.share_list(ctx(CALL_DEADLINE)).await)
    }

    /// Ends one of the caller's share links.
    ///
    /// # Errors
    ///
    /// Not found for an unknown token or another user's link; a broken
    /// connection.
    pub async fn share_revoke(&self, token: String) -> Result<(), CliError> {
        check(&(&token,))?;
        settle(self.client.share_revoke(ctx(CALL_DEADLINE), token).await)
    }

    /// A share link's counters and recent downloads.
    ///
    /// # Errors
    ///
    /// Not found for an unknown token or another user's link; a broken
    /// connection.
    pub async fn share_stats(&self, token: String) -> Result<ShareStats, CliError> {
        check(&(&token,))?;
        settle(self.client.share_stats(ctx(CALL_DEADLINE), token).await)
    }

    /// Makes a short link (hashing its password takes a moment).
    ///
    /// # Errors
    ///
    /// Invalid for a refused target, alias or limit; already-exists for a
    /// taken alias; a broken connection.
    pub async fn link_create(&self, request: LinkCreate) -> Result<LinkInfo, CliError> {
        check(&(&request,))?;
        settle(
            self.client
                .link_create(ctx(PASSWORD_DEADLINE), request)
                .await,
        )
    }

    /// The caller's short links, newest first.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn link_list(&self) -> Result<Vec<LinkInfo>, CliError> {
        settle(self.client.link_list(ctx(CALL_DEADLINE)).await)
    }

    /// One of the caller's short links.
    ///
    /// # Errors
    ///
    /// Not found for an unknown code or another user's link; a broken
    /// connection.
    pub async fn link_show(&self, code: String) -> Result<LinkInfo, CliError> {
        check(&(&code,))?;
        settle(self.client.link_show(ctx(CALL_DEADLINE), code).await)
    }

    /// Changes one of the caller's short links.
    ///
    /// # Errors
    ///
    /// Not found, invalid values, or a broken connection.
    pub async fn link_edit(&self, edit: LinkEdit) -> Result<LinkInfo, CliError> {
        check(&(&edit,))?;
        settle(self.client.link_edit(ctx(CALL_DEADLINE), edit).await)
    }

    /// Removes one of the caller's short links.
    ///
    /// # Errors
    ///
    /// Not found, or a broken connection.
    pub async fn link_remove(&self, code: String) -> Result<(), CliError> {
        check(&(&code,))?;
        settle(self.client.link_remove(ctx(CALL_DEADLINE), code).await)
    }

    /// Starts a job.
    ///
    /// # Errors
    ///
    /// Invalid parameters, an unknown file, a missing scope, or a broken
    /// connection.
    pub async fn job_submit(&self, request: JobRequest) -> Result<JobInfo, CliError> {
        check(&(&request,))?;
        settle(self.client.job_submit(ctx(CALL_DEADLINE), request).await)
    }

    /// The caller's jobs.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn job_list(&self, filter: JobFilter) -> Result<Vec<JobInfo>, CliError> {
        check(&(&filter,))?;
        settle(self.client.job_list(ctx(CALL_DEADLINE), filter).await)
    }

    /// One of the caller's jobs, with its log.
    ///
    /// # Errors
    ///
    /// Not found, or a broken connection.
    pub async fn job_show(&self, id: String) -> Result<JobInfo, CliError> {
        check(&(&id,))?;
        settle(self.client.job_show(ctx(CALL_DEADLINE), id).await)
    }

    /// Cancels one of the caller's jobs.
    ///
    /// # Errors
    ///
    /// Not found, a job that has ended, or a broken connection.
    pub async fn job_cancel(&self, id: String) -> Result<JobInfo, CliError> {
        check(&(&id,))?;
        settle(self.client.job_cancel(ctx(CALL_DEADLINE), id).await)
    }

    /// Queues one of the caller's jobs again.
    ///
    /// # Errors
    ///
    /// Not found, a job that cannot be retried, or a broken connection.
    pub async fn job_retry(&self, id: String) -> Result<JobInfo, CliError> {
        check(&(&id,))?;
        settle(self.client.job_retry(ctx(CALL_DEADLINE), id).await)
    }

    /// Waits up to `timeout_secs` for jobs in `filter` to change after
    /// `since`; the call's deadline leaves room beyond the wait.
    ///
    /// # Errors
    ///
    /// The daemon's refusal, or a broken connection.
    pub async fn job_wait(
        &self,
        filter: JobFilter,
        since: u64,
        timeout_secs: u32,
    ) -> Result<JobChanges, CliError> {
        check(&(&filter, since, timeout_secs))?;
        let deadline = Duration::from_secs(u64::from(timeout_secs)) + CALL_DEADLINE;
        settle(
            self.client
                .job_wait(ctx(deadline), filter, since, timeout_secs)
                .await,
        )
    }

    /// A short link's clicks over its last `days` days.
    ///
    /// # Errors
    ///
    /// Not found, an invalid window, or a broken connection.
    pub async fn link_stats(&self, code: String, days: u32) -> Result<LinkStats, CliError> {
        check(&(&code, days))?;
        settle(self.client.link_stats(ctx(CALL_DEADLINE), code, days).await)
    }
}

/// A fresh context whose deadline is `deadline` from now.
fn ctx(deadline: Duration) -> Context {
    let mut ctx = context::current();
    ctx.deadline = Instant::now() + deadline;
    ctx
}

/// Refuses a request too large for one frame before it is sent.
fn check<T: Serialize>(arguments: &T) -> Result<(), CliError> {
    check_request_size(arguments).map_err(CliError::from)
}

/// Turns the two layers of a call's result into one.
fn settle<T>(result: Result<ApiResult<T>, RpcError>) -> Result<T, CliError> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.into()),
        Err(error) => Err(CliError::from_rpc(error)),
    }
}
