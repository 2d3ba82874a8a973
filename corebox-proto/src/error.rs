//! The error that crosses the wire.
//!
//! Every failing call answers an [`ApiError`]: a stable kebab-case
//! [`ErrorCode`] that clients match on, and a one-line message for people.
//! Clients never match on the message text.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What went wrong, in a form a client can act on.
///
/// On the wire a code travels as its kebab-case name, so a client that
/// meets a code newer than itself reads it as [`ErrorCode::Other`] instead
/// of failing to decode the whole response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The request itself is malformed or breaks a documented rule.
    InvalidArgument,
    /// No valid credentials: not logged in, or the token expired or was
    /// revoked.
    Unauthenticated,
    /// Authenticated, but not allowed to do this.
    PermissionDenied,
    /// The resource does not exist, or is not the caller's to see.
    NotFound,
    /// A resource with that name already exists.
    AlreadyExists,
    /// Too many attempts; the message says when to retry.
    Throttled,
    /// The request is valid but the state forbids it (for example deleting
    /// the last admin).
    FailedPrecondition,
    /// The request does not fit in a frame, or a file exceeds the maximum
    /// file size.
    TooLarge,
    /// The transfer would exceed the user's quota or the disk's free-space
    /// reserve; the message gives the numbers.
    LimitExceeded,
    /// The daemon is shutting down and takes no new calls.
    ShuttingDown,
    /// A fault inside the daemon; details are in its log.
    Internal,
    /// A code this build does not know (sent by a newer peer).
    Other,
}

impl ErrorCode {
    /// Every code this build knows, in a stable order.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::InvalidArgument,
        ErrorCode::Unauthenticated,
        ErrorCode::PermissionDenied,
        ErrorCode::NotFound,
        ErrorCode::AlreadyExists,
        ErrorCode::Throttled,
        ErrorCode::FailedPrecondition,
        ErrorCode::TooLarge,
        ErrorCode::LimitExceeded,
        ErrorCode::ShuttingDown,
        ErrorCode::Internal,
        ErrorCode::Other,
    ];

    /// The stable kebab-case name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid-argument",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::PermissionDenied => "permission-denied",
            ErrorCode::NotFound => "not-found",
            ErrorCode::AlreadyExists => "already-exists",
            ErrorCode::Throttled => "throttled",
            ErrorCode::FailedPrecondition => "failed-precondition",
            ErrorCode::TooLarge => "too-large",
            ErrorCode::LimitExceeded => "limit-exceeded",
            ErrorCode::ShuttingDown => "shutting-down",
            ErrorCode::Internal => "internal",
            ErrorCode::Other => "other",
        }
    }

    /// Reads a code from its name; unknown names give [`ErrorCode::Other`].
    pub fn from_name(name: &str) -> ErrorCode {
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str() == name)
            .unwrap_or(ErrorCode::Other)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(ErrorCode::from_name(&name))
    }
}

/// A failed call: a code for programs and a message for people.
///
/// Messages follow the house style: lowercase, no trailing period, ending
/// with the fix where there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// One line for a person.
    pub message: String,
    /// For [`ErrorCode::Throttled`]: seconds until a retry may succeed.
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// The request breaks a rule; the message says which.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidArgument, message)
    }

    /// The caller is not (or no longer) authenticated.
    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Unauthenticated, message)
    }

    /// The caller may not do this.
    pub fn denied(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::PermissionDenied, message)
    }

    /// The named thing does not exist for this caller.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    /// A fault inside the daemon. The message must not carry details that
    /// belong in the daemon's log.
    pub fn internal() -> ApiError {
        ApiError::new(
            ErrorCode::Internal,
            "internal error in the daemon: see its log for details",
        )
    }

    /// Too many attempts; retry after `secs` seconds.
    pub fn throttled(message: impl Into<String>, secs: u64) -> ApiError {
        ApiError {
            code: ErrorCode::Throttled,
            message: message.into(),
            retry_after_secs: Some(secs),
        }
    }
}

/// The result of every call.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_by_name() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::from_name(code.as_str()), code);
        }
    }

    #[test]
    fn unknown_code_from_newer_peer_decodes_as_other() {
        let wire =
            bincode::serialize(&("quota-exceeded-in-2030", "msg", None::<u64>)).expect("serialize");
        let error: ApiError = bincode::deserialize(&wire).expect("deserialize");
        assert_eq!(error.code, ErrorCode::Other);
        assert_eq!(error.message, "msg");
    }
}
