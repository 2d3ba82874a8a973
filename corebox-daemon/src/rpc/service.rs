//! The [`CoreBox`] service for one connection.
//!
//! Each connection has its own [`Connection`] value: the peer it came from
//! and the token bound to it by `signup`, `login` or `authenticate`. Every
//! other call verifies that token again and hands the resulting [`Actor`] to
//! a subsystem, which does its own permission checks.

use std::sync::{Arc, Mutex};

use corebox_proto::types::{
    CreatedToken, FileInfo, FileSort, Invite, InviteCreate, JobChanges, JobFilter, JobInfo,
    JobRequest, LinkCreate, LinkEdit, LinkInfo, LinkStats, LoginRequest, ProfileUpdate, Role,
    Secret, SessionGrant, ShareCreate, ShareInfo, ShareStats, SignupRequest, TokenCreate,
    TokenInfo, UploadBegin, UploadStart, UserInfo, WhoAmI,
};
use corebox_proto::{ApiError, CoreBox};
use serde_bytes::ByteBuf;
use tarpc::context::Context;

use crate::App;
use crate::auth::{Actor, AuthError, Peer};

type ApiResult<T> = Result<T, ApiError>;

/// The server side of one connection.
#[derive(Debug, Clone)]
pub struct Connection {
    app: Arc<App>,
    peer: Peer,
    bound: Arc<Mutex<Option<Secret>>>,
}

impl Connection {
    /// A fresh, unauthenticated connection from `peer`.
    pub fn new(app: Arc<App>, peer: Peer) -> Connection {
        Connection {
            app,
            peer,
            bound: Arc::new(Mutex::new(None)),
        }
    }

    fn bind(&self, token: Option<Secret>) {
        *self
            .bound
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = token;
    }

    /// Verifies the bound token and returns who is acting.
    async fn actor(&self) -> ApiResult<Actor> {
        let token = self
            .bound
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
            .ok_or(AuthError::NotAuthenticated)?;
        Ok(self.app.auth.verify(&token).await?)
    }
}

impl CoreBox for Connection {
    async fn signup(self, _: Context, request: SignupRequest) -> ApiResult<SessionGrant> {
        let user = self.app.accounts.signup(request, &self.peer).await?;
        tracing::info!(username = %user.username, role = %user.role, "account created");
        let grant = self.app.auth.open_session(&user).await?;
        self.bind(Some(grant.token.clone()));
        Ok(grant)
    }

    async fn login(self, _: Context, request: LoginRequest) -> ApiResult<SessionGrant> {
        let grant = self
            .app
            .auth
            .login(&request.username, &request.password, &self.peer)
            .await?;
        self.bind(Some(grant.token.clone()));
        Ok(grant)
    }

    async fn authenticate(self, _: Context, token: Secret) -> ApiResult<WhoAmI> {
        let actor = self.app.auth.verify(&token).await?;
        self.bind(Some(token));
        Ok(self.app.auth.whoami(&actor).await?)
    }

    async fn logout(self, _: Context) -> ApiResult<()> {
        let actor = self.actor().await?;
        self.app.auth.logout(&actor).await?;
        self.bind(None);
        Ok(())
    }

    async fn whoami(self, _: Context) -> ApiResult<WhoAmI> {
        let actor = self.actor().await?;
        Ok(self.app.auth.whoami(&actor).await?)
    }

    async fn change_password(self, _: Context, current: Secret, new: Secret) -> ApiResult<()> {
        let actor = self.actor().await?;
        self.app
            .auth
            .change_password(&actor, &current, &new, &self.peer)
            .await?;
        Ok(())
    }

    async fn profile(self, _: Context) -> ApiResult<UserInfo> {
        let actor = self.actor().await?;
        Ok(self.app.accounts.profile(&actor).await?)
    }

    async fn set_profile(self, _: Context, update: ProfileUpdate) -> ApiResult<UserInfo> {
        let actor = self.actor().await?;
        Ok(self.app.accounts.set_profile(&actor, update).await?)
    }

    async fn delete_account(self, _: Context, password: Secret) -> ApiResult<()> {
        let actor = self.actor().await?;
        self.app
            .accounts
            .delete_account(&actor, &password, &self.peer)
            .await?;
        tracing::info!(username = %actor.username, "account deleted");
        self.app.links.owners_changed();
        self.bind(None);
        // The account's files went with it; free the content no one else
        // refers to now rather than at the next sweep.
        if let Err(error) = self.app.storage.collect_garbage().await {
            tracing::warn!(%error, "cannot collect the deleted account's content yet");
        }
        Ok(())
    }

    async fn token_create(self, _: Context, request: TokenCreate) -> ApiResult<CreatedToken> {
        let actor = self.actor().await?;
        Ok(self.app.auth.create_token(&actor, request).await?)
    }

    async fn token_list(self, _: Context) -> ApiResult<Vec<TokenInfo>> {
        let actor = self.actor().await?;
        Ok(self.app.auth.list_tokens(&actor).await?)
    }

    async fn token_revoke(self, _: Context, id: String) -> ApiResult<()> {
        let actor = self.actor().await?;
        Ok(self.app.auth.revoke_token(&actor, id).await?)
    }

    async fn admin_users(self, _: Context) -> ApiResult<Vec<UserInfo>> {
        let actor = self.actor().await?;
        Ok(self.app.accounts.list_users(&actor).await?)
    }

    async fn admin_set_role(self, _: Context, username: String, role: Role) -> ApiResult<UserInfo> {
        let actor = self.actor().await?;
        let user = self.app.accounts.set_role(&actor, username, role).await?;
        tracing::info!(by = %actor.username, username = %user.username, %role, "role changed");
        Ok(user)
    }

    async fn admin_set_disabled(
        self,
        _: Context,
        username: String,
        disabled: bool,
    ) -> ApiResult<UserInfo> {
        let actor = self.actor().await?;
        let user = self
            .app
            .accounts
            .set_disabled(&actor, username, disabled)
            .await?;
        self.app.links.owners_changed();
        tracing::info!(by = %actor.username, username = %user.username, disabled, "user state changed");
        Ok(user)
    }

    async fn admin_invite_create(self, _: Context, request: InviteCreate) -> ApiResult<Invite> {
        let actor = self.actor().await?;
        Ok(self.app.accounts.create_invite(&actor, request).await?)
    }

    async fn admin_set_quota(
        self,
        _: Context,
        username: String,
        quota_bytes: Option<u64>,
    ) -> ApiResult<UserInfo> {
        let actor = self.actor().await?;
        let user = self
            .app
            .accounts
            .set_quota(&actor, username, quota_bytes)
            .await?;
        tracing::info!(by = %actor.username, username = %user.username, ?quota_bytes, "quota set");
        Ok(user)
    }

    async fn upload_begin(self, _: Context, request: UploadBegin) -> ApiResult<UploadStart> {
        let actor = self.actor().await?;
        let (size, resumable) = (request.size, request.resume_key.is_some());
        let start = self.app.files.begin_upload(&actor, request).await?;
        match &start {
            UploadStart::Transfer { offset: 0, .. } => {
                tracing::debug!(username = %actor.username, size, resumable, "upload started");
            }
            UploadStart::Transfer { offset, .. } => {
                tracing::debug!(username = %actor.username, size, offset, "upload resumed");
            }
            UploadStart::Done { file } => {
                tracing::debug!(username = %actor.username, file = %file.id, "content already owned; nothing to transfer");
            }
        }
        Ok(start)
    }

    async fn upload_chunk(
        self,
        _: Context,
        upload_id: String,
        offset: u64,
        data: ByteBuf,
    ) -> ApiResult<u64> {
        let actor = self.actor().await?;
        let held = self
            .app
            .files
            .upload_chunk(&actor, &upload_id, offset, data.into_vec())
            .await?;
        tracing::debug!(offset, held, "chunk stored");
        Ok(held)
    }

    async fn upload_finish(
        self,
        _: Context,
        upload_id: String,
        sha256: String,
    ) -> ApiResult<FileInfo> {
        let actor = self.actor().await?;
        // Finishing moves the staged bytes into the store and then commits
        // the file row; a client hanging up in between must not cut that
        // short (tarpc drops the call's future), so it runs on its own.
        let (app, username) = (Arc::clone(&self.app), actor.username.clone());
        let finish =
            tokio::spawn(async move { app.files.finish_upload(&actor, &upload_id, &sha256).await });
        let file = match finish.await {
            Ok(finished) => finished?,
            Err(error) => {
                tracing::error!(%error, "finishing an upload failed inside the daemon");
                return Err(ApiError::internal());
            }
        };
        tracing::info!(%username, file = %file.id, size = file.size, "file stored");
        Ok(file)
    }

    async fn upload_abort(self, _: Context, upload_id: String) -> ApiResult<()> {
        let actor = self.actor().await?;
        Ok(self.app.files.abort_upload(&actor, &upload_id).await?)
    }

    async fn file_list(self, _: Context, sort: FileSort) -> ApiResult<Vec<FileInfo>> {
        let actor = self.actor().await?;
        Ok(self.app.files.list(&actor, sort).await?)
    }

    async fn file_info(self, _: Context, id: String) -> ApiResult<FileInfo> {
        let actor = self.actor().await?;
        Ok(self.app.files.info(&actor, id).await?)
    }

    async fn file_read(self, _: Context, id: String, offset: u64, len: u32) -> ApiResult<ByteBuf> {
        let actor = self.actor().await?;
        let bytes = self.app.files.read(&actor, id, offset, len).await?;
        Ok(ByteBuf::from(bytes))
    }

    async fn file_remove(self, _: Context, id: String) -> ApiResult<()> {
        let actor = self.actor().await?;
        Ok(self.app.files.remove(&actor, id).await?)
    }

    async fn file_rename(self, _: Context, id: String, name: String) -> ApiResult<FileInfo> {
        let actor = self.actor().await?;
        Ok(self.app.files.rename(&actor, id, name).await?)
    }

    async fn file_grant(self, _: Context, id: String, username: String) -> ApiResult<FileInfo> {
        let actor = self.actor().await?;
        Ok(self.app.files.grant(&actor, id, username).await?)
    }

    async fn file_revoke_grant(
        self,
        _: Context,
        id: String,
        username: String,
    ) -> ApiResult<FileInfo> {
        let actor = self.actor().await?;
        Ok(self.app.files.revoke_grant(&actor, id, username).await?)
    }

    async fn share_create(self, _: Context, request: ShareCreate) -> ApiResult<ShareInfo> {
        let actor = self.actor().await?;
        Ok(self.app.shares.create(&actor, request).await?)
    }

    async fn share_list(self, _: Context) -> ApiResult<Vec<ShareInfo>> {
        let actor = self.actor().await?;
        Ok(self.app.shares.list(&actor).await?)
    }

    async fn share_revoke(self, _: Context, token: String) -> ApiResult<()> {
        let actor = self.actor().await?;
        Ok(self.app.shares.revoke(&actor, token).await?)
    }

    async fn share_stats(self, _: Context, token: String) -> ApiResult<ShareStats> {
        let actor = self.actor().await?;
        Ok(self.app.shares.stats(&actor, token).await?)
    }

    async fn link_create(self, _: Context, request: LinkCreate) -> ApiResult<LinkInfo> {
        let actor = self.actor().await?;
        Ok(self.app.links.create(&actor, request).await?)
    }

    async fn link_list(self, _: Context) -> ApiResult<Vec<LinkInfo>> {
        let actor = self.actor().await?;
        Ok(self.app.links.list(&actor).await?)
    }

    async fn link_show(self, _: Context, code: String) -> ApiResult<LinkInfo> {
        let actor = self.actor().await?;
        Ok(self.app.links.show(&actor, &code).await?)
    }

    async fn link_edit(self, _: Context, edit: LinkEdit) -> ApiResult<LinkInfo> {
        let actor = self.actor().await?;
        Ok(self.app.links.edit(&actor, edit).await?)
    }

    async fn link_remove(self, _: Context, code: String) -> ApiResult<()> {
        let actor = self.actor().await?;
        Ok(self.app.links.remove(&actor, &code).await?)
    }

    async fn link_stats(self, _: Context, code: String, days: u32) -> ApiResult<LinkStats> {
        let actor = self.actor().await?;
        Ok(self.app.links.stats(&actor, &code, days).await?)
    }

    async fn job_submit(self, _: Context, request: JobRequest) -> ApiResult<JobInfo> {
        let actor = self.actor().await?;
        Ok(self.app.jobs.submit(&actor, request).await?)
    }

    async fn job_list(self, _: Context, filter: JobFilter) -> ApiResult<Vec<JobInfo>> {
        let actor = self.actor().await?;
        Ok(self.app.jobs.list(&actor, filter).await?)
    }

    async fn job_show(self, _: Context, id: String) -> ApiResult<JobInfo> {
        let actor = self.actor().await?;
        Ok(self.app.jobs.show(&actor, &id).await?)
    }

    async fn job_cancel(self, _: Context, id: String) -> ApiResult<JobInfo> {
        let actor = self.actor().await?;
        Ok(self.app.jobs.cancel(&actor, &id).await?)
    }

    async fn job_retry(self, _: Context, id: String) -> ApiResult<JobInfo> {
        let actor = self.actor().await?;
        Ok(self.app.jobs.retry(&actor, &id).await?)
    }

    async fn job_wait(
        self,
        _: Context,
        filter: JobFilter,
        since: u64,
        timeout_secs: u32,
    ) -> ApiResult<JobChanges> {
        let actor = self.actor().await?;
        Ok(self
            .app
            .jobs
            .wait(&actor, filter, since, timeout_secs)
            .await?)
    }
}
