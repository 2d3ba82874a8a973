//! Accounts: users, roles, profiles, invites and account deletion.
//!
//! Owns the `users` and `invites` tables ([`store`]). Every operation takes
//! the acting identity ([`Actor`]) and checks it here, so no front door can
//! skip a check. Passwords are hashed through [`crate::auth`].
//!
//! Usernames are 1 to 32 ASCII letters, digits, `.`, `_` and `-`, starting
//! with a letter or digit, and compare case-insensitively (`Alice` and
//! `alice` are one account; the name keeps the case it was made with).

pub mod store;

use std::sync::Arc;

use corebox_proto::Scope;
use corebox_proto::types::{
    Invite, InviteCreate, ProfileUpdate, Role, Secret, SignupRequest, UserInfo,
};
use sha2::{Digest, Sha256};

use crate::auth::{Actor, Auth, AuthError, Peer, password};
use crate::clock::{after, unix_now};
use crate::config::SignupMode;
use crate::db::{Db, DbError};
use store::UserRecord;

/// Longest username, in characters.
pub const MAX_USERNAME: usize = 32;
/// Longest display name, in characters.
const MAX_DISPLAY_NAME: usize = 100;
/// Longest email address, in bytes (RFC 5321 path limit).
const MAX_EMAIL: usize = 254;
/// Most signups one invite may allow.
const MAX_INVITE_USES: u32 = 10_000;

/// Failures of account operations.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// A field breaks a documented rule.
    #[error("{0}")]
    Invalid(String),
    /// The username is taken (in any letter case).
    #[error("the username '{0}' is taken: choose another")]
    UsernameTaken(String),
    /// Signup is closed.
    #[error("signup is closed on this daemon: ask its admin for an account")]
    SignupClosed,
    /// Signup needs an invite.
    #[error("signup on this daemon needs an invite: pass --invite CODE from an admin")]
    InviteRequired,
    /// The invite code is unknown, used up or expired.
    #[error("the invite code is not valid (unknown, used up or expired): ask for a new one")]
    InviteInvalid,
    /// No user by that name.
    #[error("no user named '{0}'")]
    UserNotFound(String),
    /// The change would leave no enabled admin.
    #[error("this would leave no enabled admin: make another user admin first")]
    LastAdmin,
    /// An admin tried to disable their own account.
    #[error("you cannot disable your own account: ask another admin")]
    SelfDisable,
    /// Authentication or permission failure.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for AccountsError {
    fn from(error: rusqlite::Error) -> AccountsError {
        AccountsError::Db(DbError::Sqlite(error))
    }
}

/// Checks a username against the rules.
///
/// # Errors
///
/// [`AccountsError::Invalid`] saying which rule it breaks.
pub fn check_username(name: &str) -> Result<(), AccountsError> {
    let rule = || {
        AccountsError::Invalid(format!(
            "username must be 1 to {MAX_USERNAME} ASCII letters, digits, '.', '_' or '-', \
             starting with a letter or digit"
        ))
    };
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let all_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !first_ok || !all_ok || name.len() > MAX_USERNAME {
        return Err(rule());
    }
    Ok(())
}

/// Checks an email address: one `@`, a non-empty local part of at most 64
/// bytes, a dotted domain, no spaces or control characters, 254 bytes in all.
///
/// # Errors
///
/// [`AccountsError::Invalid`].
pub fn check_email(email: &str) -> Result<(), AccountsError> {
    let invalid = || {
        AccountsError::Invalid(format!(
            "'{}' is not a valid email address",
            email.escape_debug()
        ))
    };
    if email.len() > MAX_EMAIL || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid());
    };
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-'));
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(())
}

fn check_display_name(name: &str) -> Result<(), AccountsError> {
    if name.chars().count() > MAX_DISPLAY_NAME || name.chars().any(char::is_control) {
        return Err(AccountsError::Invalid(format!(
            "display name must be at most {MAX_DISPLAY_NAME} characters, without control characters"
        )));
    }
    Ok(())
}

fn invite_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.trim().as_bytes()))
}

/// The accounts subsystem.
#[derive(Debug)]
pub struct Accounts {
    db: Db,
    auth: Arc<Auth>,
    signup: SignupMode,
    default_quota: Option<u64>,
}

impl Accounts {
    /// The subsystem over `db`, hashing through `auth`.
    pub fn new(
        db: Db,
        auth: Arc<Auth>,
        signup: SignupMode,
        default_quota: Option<u64>,
    ) -> Accounts {
        Accounts {
            db,
            auth,
            signup,
            default_quota,
        }
    }

    /// Makes an account. The first account becomes admin whatever the
    /// signup mode; later ones follow it.
    ///
    /// # Errors
    ///
    /// Invalid username or password, [`AccountsError::UsernameTaken`],
    /// [`AccountsError::SignupClosed`], [`AccountsError::InviteRequired`],
    /// [`AccountsError::InviteInvalid`], [`AuthError::Throttled`].
    pub async fn signup(
        &self,
        request: SignupRequest,
        peer: &Peer,
    ) -> Result<UserRecord, AccountsError> {
        check_username(&request.username)?;
        password::check_rules(request.password.expose())?;
        self.auth.throttle().peer_attempt(peer)?;
        let hash = self
            .auth
            .hasher()
            .hash(request.password.expose().to_owned())
            .await?;
        let mode = self.signup;
        let invite = request.invite.map(|code| invite_hash(code.expose()));
        let username = request.username;
        self.db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let now = unix_now();
                let first = store::count_users(&tx)? == 0;
                if !first {
                    match (mode, &invite) {
                        (SignupMode::Closed, _) => return Err(AccountsError::SignupClosed),
                        (SignupMode::Invite, None) => return Err(AccountsError::InviteRequired),
                        _ => {}
                    }
                }
                if let Some(hash) = &invite
                    && !store::consume_invite(&tx, hash, now)?
                {
                    return Err(AccountsError::InviteInvalid);
                }
                let role = if first { Role::Admin } else { Role::User };
                let id = store::insert_user(&tx, &username, &hash, role, now)?
                    .ok_or_else(|| AccountsError::UsernameTaken(username.clone()))?;
                let user = store::user_by_id(&tx, id)?
                    .ok_or_else(|| DbError::Task("inserted user vanished".to_owned()))?;
                tx.commit()?;
                Ok(user)
            })
            .await
    }

    /// The actor's profile.
    ///
    /// # Errors
    ///
    /// Database failures.
    pub async fn profile(&self, actor: &Actor) -> Result<UserInfo, AccountsError> {
        let (id, default_quota) = (actor.user_id, self.default_quota);
        self.db
            .read(move |conn| {
                store::user_by_id(conn, id)?
                    .map(|user| user.info(default_quota))
                    .ok_or(AccountsError::Auth(AuthError::TokenInvalid))
            })
            .await
    }

    /// Changes the actor's profile; an empty string clears a field.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`], an invalid display name or email.
    pub async fn set_profile(
        &self,
        actor: &Actor,
        update: ProfileUpdate,
    ) -> Result<UserInfo, AccountsError> {
        actor.require(Scope::Account)?;
        let clean = |value: Option<String>| {
            value.map(|v| Some(v.trim().to_owned()).filter(|v| !v.is_empty()))
        };
        let display_name = clean(update.display_name);
        let email = clean(update.email);
        if let Some(Some(name)) = &display_name {
            check_display_name(name)?;
        }
        if let Some(Some(email)) = &email {
            check_email(email)?;
        }
        let (id, default_quota) = (actor.user_id, self.default_quota);
        self.db
            .write(move |conn| {
                let tx = conn.transaction()?;
                store::update_profile(
                    &tx,
                    id,
                    display_name.as_ref().map(Option::as_deref),
                    email.as_ref().map(Option::as_deref),
                )?;
                let user = store::user_by_id(&tx, id)?.ok_or(AuthError::TokenInvalid)?;
                tx.commit()?;
                Ok(user.info(default_quota))
            })
            .await
    }

    /// Deletes the actor's account and everything it owns, after checking
    /// the password. The last enabled admin cannot be deleted.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingScope`], a wrong password,
    /// [`AccountsError::LastAdmin`].
    pub async fn delete_account(
        &self,
        actor: &Actor,
        password: &Secret,
        peer: &Peer,
    ) -> Result<(), AccountsError> {
        actor.require(Scope::Account)?;
        self.auth.confirm_password(actor, password, peer).await?;
        let id = actor.user_id;
        self.db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let user = store::user_by_id(&tx, id)?.ok_or(AuthError::TokenInvalid)?;
                if user.role == Role::Admin && store::other_enabled_admins(&tx, id)? == 0 {
                    return Err(AccountsError::LastAdmin);
                }
                store::delete_user(&tx, id)?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    /// Every account (admin only).
    ///
    /// # Errors
    ///
    /// [`AuthError::NotAdmin`], [`AuthError::MissingScope`].
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserInfo>, AccountsError> {
        actor.require_admin()?;
        let users = self
            .db
            .read(|conn| Ok::<_, AccountsError>(store::all_users(conn)?))
            .await?;
        Ok(users
            .iter()
            .map(|user| user.info(self.default_quota))
            .collect())
    }

    /// Changes a user's role (admin only); the last enabled admin stays.
    ///
    /// # Errors
    ///
    /// [`AuthError::NotAdmin`], [`AccountsError::UserNotFound`],
    /// [`AccountsError::LastAdmin`].
    pub async fn set_role(
        &self,
        actor: &Actor,
        username: String,
        role: Role,
    ) -> Result<UserInfo, AccountsError> {
        actor.require_admin()?;
        self.change_user(username, move |tx, user| {
            if user.role == Role::Admin
                && role == Role::User
                && !user.disabled
                && store::other_enabled_admins(tx, user.id)? == 0
            {
                return Err(AccountsError::LastAdmin);
            }
            Ok(store::set_role(tx, user.id, role)?)
        })
        .await
    }

    /// Disables or enables a user (admin only). A disabled user's tokens
    /// stop working at their next call.
    ///
    /// # Errors
    ///
    /// [`AuthError::NotAdmin`], [`AccountsError::UserNotFound`],
    /// [`AccountsError::SelfDisable`], [`AccountsError::LastAdmin`].
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        username: String,
        disabled: bool,
    ) -> Result<UserInfo, AccountsError> {
        actor.require_admin()?;
        let me = actor.user_id;
        self.change_user(username, move |tx, user| {
            if disabled && user.id == me {
                return Err(AccountsError::SelfDisable);
            }
            if disabled
                && user.role == Role::Admin
                && store::other_enabled_admins(tx, user.id)? == 0
            {
                return Err(AccountsError::LastAdmin);
            }
            Ok(store::set_disabled(tx, user.id, disabled)?)
        })
        .await
    }

    /// Sets a user's own quota, or with `None` returns them to the
    /// daemon's default (admin only). Files already stored stay even when
    /// they exceed the new quota; further uploads are refused.
    ///
    /// # Errors
    ///
    /// [`AuthError::NotAdmin`], [`AccountsError::UserNotFound`].
    pub async fn set_quota(
        &self,
        actor: &Actor,
        username: String,
        quota: Option<u64>,
    ) -> Result<UserInfo, AccountsError> {
        actor.require_admin()?;
        self.change_user(username, move |tx, user| {
            Ok(store::set_quota(tx, user.id, quota)?)
        })
        .await
    }

    async fn change_user<F>(&self, username: String, change: F) -> Result<UserInfo, AccountsError>
    where
        F: FnOnce(&rusqlite::Transaction<'_>, &UserRecord) -> Result<(), AccountsError>
            + Send
            + 'static,
    {
        let default_quota = self.default_quota;
        self.db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let user = store::user_by_key(&tx, &username.to_lowercase())?
                    .ok_or_else(|| AccountsError::UserNotFound(username.clone()))?;
                change(&tx, &user)?;
                let user = store::user_by_id(&tx, user.id)?
                    .ok_or_else(|| AccountsError::UserNotFound(username.clone()))?;
                tx.commit()?;
                Ok(user.info(default_quota))
            })
            .await
    }

    /// Makes an invite code (admin only). Only its hash is stored.
    ///
    /// # Errors
    ///
    /// [`AuthError::NotAdmin`], [`AccountsError::Invalid`] for a bad count
    /// or lifetime.
    pub async fn create_invite(
        &self,
        actor: &Actor,
        request: InviteCreate,
    ) -> Result<Invite, AccountsError> {
        actor.require_admin()?;
        if request.uses == 0 || request.uses > MAX_INVITE_USES {
            return Err(AccountsError::Invalid(format!(
                "an invite allows 1 to {MAX_INVITE_USES} signups"
            )));
        }
        if request.expires_in_secs == Some(0) {
            return Err(AccountsError::Invalid(
                "invite lifetime must be positive".to_owned(),
            ));
        }
        let code = hex::encode(rand::random::<[u8; 16]>());
        let hash = invite_hash(&code);
        let now = unix_now();
        let expires_at = request.expires_in_secs.map(|secs| after(now, secs));
        let (by, uses) = (actor.user_id, request.uses);
        self.db
            .write(move |conn| {
                Ok::<_, AccountsError>(store::insert_invite(
                    conn, &hash, by, uses, expires_at, now,
                )?)
            })
            .await?;
        Ok(Invite {
            code: Secret::new(code),
            uses,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        for good in ["a", "Alice", "bob.smith", "x_1-2", &"a".repeat(32)] {
            check_username(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for bad in [
            "",
            "-x",
            ".x",
            "a b",
            "a/b",
            "é",
            "a\0b",
            "a\nb",
            &"a".repeat(33),
        ] {
            assert!(check_username(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn email_rules() {
        for good in ["a@b.co", "first.last+tag@mail.example.org"] {
            check_email(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        let long = format!("{}@example.com", "a".repeat(65));
        for bad in [
            "", "a", "a@", "@b.co", "a@b", "a@@b.co", "a b@c.de", "a@b..co", "a@.b.co", &long,
        ] {
            assert!(check_email(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
