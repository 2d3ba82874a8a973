//! The contract between the `corebox` CLI and `corebox-daemon`.
//!
//! This crate owns everything both sides must agree on: the tarpc service
//! ([`CoreBox`]), the request and response types ([`types`]), the error that
//! crosses the wire ([`ApiError`]), the permission scopes ([`Scope`]), the
//! protocol version and handshake, and the transport helpers
//! ([`transport`]). It knows nothing of SQL, HTTP or terminals.

pub mod error;
pub mod scope;
pub mod service;
pub mod transport;
pub mod types;

pub use error::{ApiError, ApiResult, ErrorCode};
pub use scope::Scope;
pub use service::{CoreBox, CoreBoxClient};

/// The protocol version spoken by this build.
///
/// Both sides send it in the handshake that opens every connection; a
/// connection between different versions is refused before any call. Bump
/// it whenever the service trait or any type sent over the wire changes.
pub const PROTOCOL_VERSION: u32 = 5;
