//! Authentication and the permission policy.
//!
//! Owns password hashing ([`password`]), login throttling ([`throttle`]),
//! signed tokens ([`token`]) and the `tokens` table ([`store`]). Turns a
//! presented token into an [`Actor`], the identity every subsystem
//! operation takes and checks. It does not own users (that is
//! [`crate::accounts`]), though it reads them to log people in.

pub mod password;
pub mod store;
pub mod strikes;
pub mod throttle;
pub mod token;

use std::num::NonZeroU32;
use std::time::Duration;

use corebox_proto::Scope;
use corebox_proto::types::{
    CreatedToken, Role, Secret, SessionGrant, TokenCreate, TokenInfo, TokenKind, WhoAmI,
};

use crate::accounts::store::{self as users, UserRecord};
use crate::clock::{after, unix_now};
use crate::db::{Db, DbError};
use password::Hasher;
use store::TokenRow;
pub use strikes::GuessThrottle;
pub use throttle::{LoginThrottle, Peer};
use token::TokenKeys;

/// Longest lifetime an API token may ask for: ten years.
const MAX_TOKEN_SECS: u64 = 10 * 365 * 24 * 3600;
/// `last_used_at` is written at most this often per token.
const TOUCH_EVERY_SECS: i64 = 60;

/// Failures of authentication and authorization.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user or wrong password; the two are never told apart.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// A logged-in user's password, asked again to confirm, was wrong.
    #[error("wrong password")]
    WrongPassword,
    /// Too many attempts.
    #[error("too many attempts: retry in {} s", retry_after.as_secs())]
    Throttled {
        /// Wait before the next attempt may pass.
        retry_after: Duration,
    },
    /// The token is malformed, tampered, signed by another key, unknown or
    /// revoked.
    #[error("the token is not valid (revoked, or not issued by this daemon): log in again")]
    TokenInvalid,
    /// The token is past its expiry.
    #[error("the token has expired: log in again, or make a new API token")]
    TokenExpired,
    /// No token was presented on this connection.
    #[error("not logged in: run corebox login")]
    NotAuthenticated,
    /// The account is disabled.
    #[error("this account is disabled: ask an admin to enable it")]
    AccountDisabled,
    /// The token lacks a scope the operation needs.
    #[error("this token lacks the '{0}' scope: use a token made with it, or log in")]
    MissingScope(Scope),
    /// The operation needs the admin role.
    #[error("only an admin may do this")]
    NotAdmin,
    /// A new password breaks a rule.
    #[error("{0}")]
    InvalidPassword(String),
    /// Another argument breaks a rule.
    #[error("{0}")]
    InvalidArgument(String),
    /// No such token among the caller's live ones.
    #[error("no live token with that id: see corebox token ls")]
    TokenNotFound,
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Any other fault inside the daemon.
    #[error("{0}")]
    Internal(String),
}

impl From<rusqlite::Error> for AuthError {
    fn from(error: rusqlite::Error) -> AuthError {
        AuthError::Db(DbError::Sqlite(error))
    }
}

/// Who is acting: the user behind a verified token, with its scopes.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user's row id.
    pub user_id: i64,
    /// The user's name.
    pub username: String,
    /// The user's role.
    pub role: Role,
    /// The token in use.
    pub token: TokenRow,
}

impl Actor {
    /// Whether the actor is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the actor may act on other users' things: the admin role
    /// and a token with the `admin` scope, both.
    pub fn acts_as_admin(&self) -> bool {
        self.is_admin() && self.has_scope(Scope::Admin)
    }

    /// Whether the token holds `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.token.scopes.contains(&scope)
    }

    /// Requires `scope`.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`].
    pub fn require(&self, scope: Scope) -> Result<(), AuthError> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(AuthError::MissingScope(scope))
        }
    }

    /// Requires the admin role and the `admin` scope.
    ///
    /// # Errors
    ///
    /// [`AuthError::NotAdmin`] or [`AuthError::MissingScope`].
    pub fn require_admin(&self) -> Result<(), AuthError> {
        if !self.is_admin() {
            return Err(AuthError::NotAdmin);
        }
        self.require(Scope::Admin)
    }
}

/// The authentication subsystem.
#[derive(Debug)]
pub struct Auth {
    db: Db,
    keys: TokenKeys,
    hasher: Hasher,
    throttle: LoginThrottle,
    session_ttl: Duration,
    default_quota: Option<u64>,
}

impl Auth {
    /// Loads (or makes) the signing key and prepares the hasher.
    ///
    /// # Errors
    ///
    /// Database failures, or a hasher that cannot start.
    pub async fn new(
        db: Db,
        session_ttl: Duration,
        login_attempts_per_minute: NonZeroU32,
        default_quota: Option<u64>,
    ) -> Result<Auth, AuthError> {
        let secret = db
            .write(|conn| Ok::<_, AuthError>(store::signing_secret(conn)?))
            .await?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let hasher = tokio::task::spawn_blocking(move || Hasher::new(cores))
            .await
            .map_err(|error| AuthError::Internal(error.to_string()))??;
        Ok(Auth {
            db,
            keys: TokenKeys::from_secret(&secret)?,
            hasher,
            throttle: LoginThrottle::new(login_attempts_per_minute),
            session_ttl,
            default_quota,
        })
    }

    /// The password hasher, for subsystems that set passwords.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// The login throttle, for subsystems that take guesses.
    pub fn throttle(&self) -> &LoginThrottle {
        &self.throttle
    }

    /// Checks a username and password and opens a session.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`], [`AuthError::InvalidCredentials`] (for an
    /// unknown user and a wrong password alike, in the same time),
    /// [`AuthError::AccountDisabled`] after a correct password.
    pub async fn login(
        &self,
        username: &str,
        password: &Secret,
        peer: &Peer,
    ) -> Result<SessionGrant, AuthError> {
        let key = username.to_lowercase();
        self.throttle.login_attempt(&key, peer)?;
        let user = self
            .db
            .read(move |conn| Ok::<_, AuthError>(users::user_by_key(conn, &key)?))
            .await?;
        let hash = user.as_ref().map(|user| user.password_hash.clone());
        if !self
            .hasher
            .verify(password.expose().to_owned(), hash)
            .await?
        {
            return Err(AuthError::InvalidCredentials);
        }
        let user = user.ok_or(AuthError::InvalidCredentials)?;
        if user.disabled {
            return Err(AuthError::AccountDisabled);
        }
        self.open_session(&user).await
    }

    /// Opens a session for `user` (after signup or login).
    ///
    /// # Errors
    ///
    /// Database or signing failures.
    pub async fn open_session(&self, user: &UserRecord) -> Result<SessionGrant, AuthError> {
        let ttl = self.session_ttl.as_secs();
        let (token, row) = self
            .issue(
                user.id,
                TokenKind::Session,
                None,
                Scope::ALL.to_vec(),
                Some(ttl),
            )
            .await?;
        Ok(SessionGrant {
            token,
            user: user.info(self.default_quota),
            session: row.info(&row.id),
        })
    }

    async fn issue(
        &self,
        user_id: i64,
        kind: TokenKind,
        name: Option<String>,
        scopes: Vec<Scope>,
        ttl_secs: Option<u64>,
    ) -> Result<(Secret, TokenRow), AuthError> {
        let now = unix_now();
        let row = TokenRow {
            id: hex::encode(rand::random::<[u8; 8]>()),
            user_id,
            kind,
            name,
            scopes,
            created_at: now,
            expires_at: ttl_secs.map(|secs| after(now, secs)),
            revoked_at: None,
            last_used_at: None,
        };
        let token = self.keys.encode(user_id, &row.id, now, row.expires_at)?;
        let stored = row.clone();
        self.db
            .write(move |conn| Ok::<_, AuthError>(store::insert_token(conn, &stored)?))
            .await?;
        Ok((Secret::new(token), row))
    }

    /// Turns a presented token into the acting identity. Runs on every
    /// call, so a revoked token or a disabled user stops at once.
    ///
    /// # Errors
    ///
    /// [`AuthError::TokenInvalid`], [`AuthError::TokenExpired`],
    /// [`AuthError::AccountDisabled`].
    pub async fn verify(&self, token: &Secret) -> Result<Actor, AuthError> {
        let claims = self.keys.decode(token.expose())?;
        let user_id: i64 = claims.sub.parse().map_err(|_| AuthError::TokenInvalid)?;
        let jti = claims.jti;
        let now = unix_now();
        let (row, user) = self
            .db
            .read(move |conn| {
                let row = store::token_by_id(conn, &jti)?;
                let user = users::user_by_id(conn, user_id)?;
                Ok::<_, AuthError>((row, user))
            })
            .await?;
        let (row, user) = match (row, user) {
            (Some(row), Some(user)) if row.user_id == user.id => (row, user),
            _ => return Err(AuthError::TokenInvalid),
        };
        if row.revoked_at.is_some() {
            return Err(AuthError::TokenInvalid);
        }
        if row.expires_at.is_some_and(|expiry| expiry <= now) {
            return Err(AuthError::TokenExpired);
        }
        if user.disabled {
            return Err(AuthError::AccountDisabled);
        }
        if row
            .last_used_at
            .is_none_or(|last| now - last >= TOUCH_EVERY_SECS)
        {
            let id = row.id.clone();
            self.db
                .write(move |conn| Ok::<_, AuthError>(store::touch_token(conn, &id, now)?))
                .await?;
        }
        Ok(Actor {
            user_id: user.id,
            username: user.username,
            role: user.role,
            token: row,
        })
    }

    /// The identity a background job acts with: its owner, as they are now
    /// (a disabled or deleted owner's jobs cannot act), holding `scopes`,
    /// the scopes of the token that queued it.
    ///
    /// # Errors
    ///
    /// [`AuthError::TokenInvalid`] when the owner is gone,
    /// [`AuthError::AccountDisabled`]; database failures.
    pub async fn acting_for(
        &self,
        user_id: i64,
        scopes: Vec<Scope>,
        job_id: &str,
    ) -> Result<Actor, AuthError> {
        let user = self
            .db
            .read(move |conn| Ok::<_, AuthError>(users::user_by_id(conn, user_id)?))
            .await?
            .ok_or(AuthError::TokenInvalid)?;
        if user.disabled {
            return Err(AuthError::AccountDisabled);
        }
        let now = unix_now();
        Ok(Actor {
            user_id: user.id,
            username: user.username,
            role: user.role,
            token: TokenRow {
                id: format!("job:{job_id}"),
                user_id,
                kind: TokenKind::Api,
                name: Some("background job".to_owned()),
                scopes,
                created_at: now,
                expires_at: None,
                revoked_at: None,
                last_used_at: None,
            },
        })
    }

    /// The actor's account and token.
    ///
    /// # Errors
    ///
    /// Database failures; [`AuthError::TokenInvalid`] if the user vanished.
    pub async fn whoami(&self, actor: &Actor) -> Result<WhoAmI, AuthError> {
        let id = actor.user_id;
        let user = self
            .db
            .read(move |conn| Ok::<_, AuthError>(users::user_by_id(conn, id)?))
            .await?
            .ok_or(AuthError::TokenInvalid)?;
        Ok(WhoAmI {
            user: user.info(self.default_quota),
            token: actor.token.info(&actor.token.id),
        })
    }

    /// Checks the actor's own password (before a sensitive change),
    /// counting the guess against the login throttle.
    ///
    /// # Errors
    ///
    /// [`AuthError::Throttled`], [`AuthError::WrongPassword`].
    pub async fn confirm_password(
        &self,
        actor: &Actor,
        password: &Secret,
        peer: &Peer,
    ) -> Result<(), AuthError> {
        self.throttle
            .login_attempt(&actor.username.to_lowercase(), peer)?;
        let id = actor.user_id;
        let hash = self
            .db
            .read(move |conn| Ok::<_, AuthError>(users::user_by_id(conn, id)?))
            .await?
            .map(|user| user.password_hash);
        if self
            .hasher
            .verify(password.expose().to_owned(), hash)
            .await?
        {
            Ok(())
        } else {
            Err(AuthError::WrongPassword)
        }
    }

    /// Revokes the actor's own token.
    ///
    /// # Errors
    ///
    /// Database failures.
    pub async fn logout(&self, actor: &Actor) -> Result<(), AuthError> {
        let (user_id, id) = (actor.user_id, actor.token.id.clone());
        self.db
            .write(move |conn| {
                Ok::<_, AuthError>(store::revoke_token(conn, user_id, &id, unix_now())?)
            })
            .await?;
        Ok(())
    }

    /// Changes the actor's password and revokes their other sessions. API
    /// tokens stay valid: scripts are revoked one by one with `token revoke`.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`], a wrong current password, a new password
    /// that breaks the rules.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &Secret,
        new: &Secret,
        peer: &Peer,
    ) -> Result<(), AuthError> {
        actor.require(Scope::Account)?;
        password::check_rules(new.expose())?;
        self.confirm_password(actor, current, peer).await?;
        let hash = self.hasher.hash(new.expose().to_owned()).await?;
        let (user_id, keep) = (actor.user_id, actor.token.id.clone());
        self.db
            .write(move |conn| {
                let tx = conn.transaction()?;
                users::set_password_hash(&tx, user_id, &hash)?;
                store::revoke_other_sessions(&tx, user_id, &keep, unix_now())?;
                tx.commit()?;
                Ok::<_, AuthError>(())
            })
            .await
    }

    /// Makes an API token for the actor, with at most the actor's scopes.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`] (for `account`, or for a scope the actor
    /// lacks), [`AuthError::InvalidArgument`] for a bad name or lifetime.
    pub async fn create_token(
        &self,
        actor: &Actor,
        request: TokenCreate,
    ) -> Result<CreatedToken, AuthError> {
        actor.require(Scope::Account)?;
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(AuthError::InvalidArgument(
                "token name must be 1 to 64 characters, without control characters".to_owned(),
            ));
        }
        if request.scopes.is_empty() {
            return Err(AuthError::InvalidArgument(
                "a token needs at least one scope".to_owned(),
            ));
        }
        if let Some(scope) = request
            .scopes
            .iter()
            .find(|scope| !actor.has_scope(**scope))
        {
            return Err(AuthError::MissingScope(*scope));
        }
        if let Some(secs) = request.expires_in_secs
            && (secs == 0 || secs > MAX_TOKEN_SECS)
        {
            return Err(AuthError::InvalidArgument(
                "token lifetime must be between 1 second and 10 years".to_owned(),
            ));
        }
        let mut scopes = request.scopes;
        scopes.sort();
        scopes.dedup();
        let (token, row) = self
            .issue(
                actor.user_id,
                TokenKind::Api,
                Some(name.to_owned()),
                scopes,
                request.expires_in_secs,
            )
            .await?;
        Ok(CreatedToken {
            token,
            info: row.info(&actor.token.id),
        })
    }

    /// The actor's live tokens.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`], database failures.
    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<TokenInfo>, AuthError> {
        actor.require(Scope::Account)?;
        let user_id = actor.user_id;
        let rows = self
            .db
            .read(move |conn| Ok::<_, AuthError>(store::live_tokens(conn, user_id, unix_now())?))
            .await?;
        Ok(rows.iter().map(|row| row.info(&actor.token.id)).collect())
    }

    /// Revokes one of the actor's tokens.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`], [`AuthError::TokenNotFound`] for an id
    /// that is not one of the actor's live tokens.
    pub async fn revoke_token(&self, actor: &Actor, id: String) -> Result<(), AuthError> {
        actor.require(Scope::Account)?;
        let user_id = actor.user_id;
        let revoked = self
            .db
            .write(move |conn| {
                Ok::<_, AuthError>(store::revoke_token(conn, user_id, &id, unix_now())?)
            })
            .await?;
        if revoked {
            Ok(())
        } else {
            Err(AuthError::TokenNotFound)
        }
    }
}

#[cfg(test)]
mod tests;
