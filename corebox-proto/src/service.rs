//! The tarpc service: one method per operation.
//!
//! Calls other than `signup`, `login` and `authenticate` act as the identity
//! bound to the connection by the last successful one of those; the token
//! behind it is checked again on every call, so a logout or revoke stops an
//! open connection at its next call.

use crate::error::ApiResult;
use crate::types::{
    CreatedToken, Invite, InviteCreate, LoginRequest, ProfileUpdate, Role, Secret, SessionGrant,
    SignupRequest, TokenCreate, TokenInfo, UserInfo, WhoAmI,
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
}
