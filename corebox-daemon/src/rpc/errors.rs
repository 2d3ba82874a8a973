//! Subsystem errors turned into wire errors.
//!
//! The subsystems know nothing of [`ApiError`]; this is the one place that
//! maps their failures to stable codes. Internal faults are logged here with
//! their details and reach the client only as a generic message.

use corebox_proto::{ApiError, ErrorCode};

use crate::accounts::AccountsError;
use crate::auth::AuthError;
use crate::db::DbError;
use crate::files::FilesError;
use crate::jobs::JobsError;
use crate::links::LinksError;
use crate::shares::SharesError;
use crate::storage::StorageError;

fn internal(error: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(%error, "call failed inside the daemon");
    ApiError::internal()
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> ApiError {
        internal(&error)
    }
}

/// Converts an [`AuthError`] (also used for [`AccountsError::Auth`]).
pub fn auth_error(error: AuthError) -> ApiError {
    let message = error.to_string();
    match error {
        AuthError::InvalidCredentials
        | AuthError::TokenInvalid
        | AuthError::TokenExpired
        | AuthError::NotAuthenticated => ApiError::unauthenticated(message),
        AuthError::WrongPassword
        | AuthError::AccountDisabled
        | AuthError::MissingScope(_)
        | AuthError::NotAdmin => ApiError::denied(message),
        AuthError::Throttled { retry_after } => ApiError::throttled(message, retry_after.as_secs()),
        AuthError::InvalidPassword(_) | AuthError::InvalidArgument(_) => ApiError::invalid(message),
        AuthError::TokenNotFound => ApiError::not_found(message),
        AuthError::Db(error) => internal(&error),
        AuthError::Internal(error) => internal(&error),
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> ApiError {
        auth_error(error)
    }
}

impl From<AccountsError> for ApiError {
    fn from(error: AccountsError) -> ApiError {
        let message = error.to_string();
        match error {
            AccountsError::Invalid(_) => ApiError::invalid(message),
            AccountsError::UsernameTaken(_) => ApiError::new(ErrorCode::AlreadyExists, message),
            AccountsError::SignupClosed
            | AccountsError::InviteRequired
            | AccountsError::InviteInvalid => ApiError::denied(message),
            AccountsError::UserNotFound(_) => ApiError::not_found(message),
            AccountsError::LastAdmin | AccountsError::SelfDisable => {
                ApiError::new(ErrorCode::FailedPrecondition, message)
            }
            AccountsError::Auth(error) => auth_error(error),
            AccountsError::Db(error) => internal(&error),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> ApiError {
        let message = error.to_string();
        match error {
            StorageError::UnknownUpload => ApiError::not_found(message),
            StorageError::BadChunk(_)
            | StorageError::Incomplete { .. }
            | StorageError::HashMismatch { .. } => ApiError::invalid(message),
            StorageError::Io(error) if error.raw_os_error() == Some(28) => {
                tracing::error!(%error, "the disk is full");
                ApiError::new(
                    ErrorCode::LimitExceeded,
                    "the daemon's disk is full: the upload was kept up to its last chunk, retry later",
                )
            }
            StorageError::Io(error) => internal(&error),
            StorageError::Db(error) => internal(&error),
        }
    }
}

impl From<FilesError> for ApiError {
    fn from(error: FilesError) -> ApiError {
        let message = error.to_string();
        match error {
            FilesError::Invalid(_) => ApiError::invalid(message),
            FilesError::NotFound | FilesError::UserNotFound(_) => ApiError::not_found(message),
            FilesError::ReadOnly => ApiError::denied(message),
            FilesError::TooLarge { .. } => ApiError::new(ErrorCode::TooLarge, message),
            FilesError::QuotaExceeded { .. } | FilesError::DiskReserve { .. } => {
                ApiError::new(ErrorCode::LimitExceeded, message)
            }
            FilesError::Storage(error) => error.into(),
            FilesError::Auth(error) => auth_error(error),
            FilesError::Db(error) => internal(&error),
        }
    }
}

impl From<SharesError> for ApiError {
    fn from(error: SharesError) -> ApiError {
        let message = error.to_string();
        match error {
            SharesError::Invalid(_) => ApiError::invalid(message),
            SharesError::NotFound | SharesError::FileNotFound => ApiError::not_found(message),
            SharesError::NotOwner => ApiError::denied(message),
            SharesError::Held(_) => ApiError::new(ErrorCode::FailedPrecondition, message),
            SharesError::Auth(error) => auth_error(error),
            SharesError::Db(error) => internal(&error),
        }
    }
}

impl From<LinksError> for ApiError {
    fn from(error: LinksError) -> ApiError {
        let message = error.to_string();
        match error {
            LinksError::Invalid(_) => ApiError::invalid(message),
            LinksError::Taken(_) => ApiError::new(ErrorCode::AlreadyExists, message),
            LinksError::NotFound => ApiError::not_found(message),
            LinksError::Auth(error) => auth_error(error),
            LinksError::Db(error) => internal(&error),
        }
    }
}

impl From<JobsError> for ApiError {
    fn from(error: JobsError) -> ApiError {
        let message = error.to_string();
        match error {
            JobsError::Invalid(_) => ApiError::invalid(message),
            JobsError::NotFound | JobsError::FileNotFound => ApiError::not_found(message),
            JobsError::WrongState(_) => ApiError::new(ErrorCode::FailedPrecondition, message),
            JobsError::Auth(error) => auth_error(error),
            JobsError::Db(error) => internal(&error),
        }
    }
}
