//! How the CLI and the daemon reach each other.
//!
//! A connection is a byte stream (a Unix socket today; TCP with TLS can slot
//! in later as another [`Endpoint`]) that opens with a fixed handshake and
//! then carries tarpc messages, bincode-encoded in length-delimited frames.
//!
//! # Handshake
//!
//! The client sends 8 bytes: the magic `CBOX` and its protocol version (u32,
//! big-endian). The daemon answers the same 8 bytes with its own version.
//! When the versions differ both sides close the connection, and the client
//! reports the two versions in words. A peer that does not start with the
//! magic is dropped without an answer.
//!
//! # Frame limit
//!
//! Frames are limited to [`MAX_FRAME_BYTES`] on both sides. tokio-util's
//! default is 8 MiB; 16 MiB leaves room for upload chunks of a few MiB plus
//! their envelope while keeping a hostile peer from making the daemon buffer
//! more than that per connection. A frame over the limit cannot be decoded,
//! and tarpc then drops the whole connection, so clients check each request
//! with [`check_request_size`] before sending it: an oversized call fails
//! alone, with [`ErrorCode::TooLarge`](crate::ErrorCode::TooLarge), and the
//! connection stays usable.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bincode::Options;
use serde::Serialize;
use tarpc::serde_transport::Transport;
use tarpc::tokio_serde::formats::Bincode;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::{ApiError, CoreBoxClient, ErrorCode, PROTOCOL_VERSION};

/// The largest frame either side accepts, in bytes (16 MiB).
pub const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// Room left in a frame for tarpc's envelope around a request's arguments.
const ENVELOPE_BYTES: u64 = 4096;

/// Most calls one client keeps in flight at once (tarpc allows 1000).
pub const MAX_IN_FLIGHT: usize = 64;

/// How long the daemon waits for a client's handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

const MAGIC: &[u8; 4] = b"CBOX";

/// Where a daemon listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A Unix domain socket at this path.
    Unix(PathBuf),
}

impl Endpoint {
    /// A stable name for the endpoint, used to key stored credentials.
    pub fn key(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// The socket path used when neither side is told otherwise:
/// `$XDG_RUNTIME_DIR/corebox/corebox.sock`, or, without a runtime
/// directory, `corebox.sock` in the data directory.
pub fn default_socket_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "corebox")?;
    let dir = dirs
        .runtime_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dirs.data_dir().to_path_buf());
    Some(dir.join("corebox.sock"))
}

/// Why a connection could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing answers at the endpoint.
    #[error("cannot reach the daemon at {endpoint}: {source}")]
    Unreachable {
        /// Where we tried.
        endpoint: Endpoint,
        /// Why it failed.
        source: io::Error,
    },
    /// The daemon speaks another protocol version.
    #[error("daemon speaks protocol {daemon}, this corebox speaks {client}: upgrade one of them")]
    ProtocolMismatch {
        /// The daemon's version.
        daemon: u32,
        /// Ours.
        client: u32,
    },
    /// Something answered, but not a CoreBox daemon.
    #[error("{endpoint} did not answer as a corebox daemon: {reason}")]
    NotCoreBox {
        /// Where we tried.
        endpoint: Endpoint,
        /// What went wrong in the handshake.
        reason: String,
    },
}

/// Opens a connection to the daemon and returns a ready client.
///
/// # Errors
///
/// [`ConnectError::Unreachable`] when nothing listens,
/// [`ConnectError::ProtocolMismatch`] when the daemon speaks another
/// version, [`ConnectError::NotCoreBox`] when the peer fails the handshake.
pub async fn connect(endpoint: &Endpoint) -> Result<CoreBoxClient, ConnectError> {
    let Endpoint::Unix(path) = endpoint;
    let mut stream =
        UnixStream::connect(path)
            .await
            .map_err(|source| ConnectError::Unreachable {
                endpoint: endpoint.clone(),
                source,
            })?;
    let daemon = client_handshake(&mut stream)
        .await
        .map_err(|error| ConnectError::NotCoreBox {
            endpoint: endpoint.clone(),
            reason: error.to_string(),
        })?;
    if daemon != PROTOCOL_VERSION {
        return Err(ConnectError::ProtocolMismatch {
            daemon,
            client: PROTOCOL_VERSION,
        });
    }
    let mut config = tarpc::client::Config::default();
    config.max_in_flight_requests = MAX_IN_FLIGHT;
    Ok(CoreBoxClient::new(config, framed(stream)).spawn())
}

/// The client's half of the handshake: sends our version, returns theirs.
///
/// # Errors
///
/// I/O errors, or [`io::ErrorKind::InvalidData`] when the answer lacks the
/// magic.
pub async fn client_handshake<S>(stream: &mut S) -> io::Result<u32>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream.write_all(&hello(PROTOCOL_VERSION)).await?;
    stream.flush().await?;
    read_hello(stream).await
}

/// The daemon's half of the handshake: reads the client's version and
/// answers ours. Returns the client's version; the caller closes the
/// connection when it differs from [`PROTOCOL_VERSION`].
///
/// # Errors
///
/// I/O errors, a timeout after [`HANDSHAKE_TIMEOUT`], or
/// [`io::ErrorKind::InvalidData`] when the peer does not send the magic (it
/// then gets no answer).
pub async fn server_handshake<S>(stream: &mut S) -> io::Result<u32>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let client = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_hello(stream))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no handshake in time"))??;
    stream.write_all(&hello(PROTOCOL_VERSION)).await?;
    stream.flush().await?;
    Ok(client)
}

fn hello(version: u32) -> [u8; 8] {
    let mut bytes = [0; 8];
    bytes[..4].copy_from_slice(MAGIC);
    bytes[4..].copy_from_slice(&version.to_be_bytes());
    bytes
}

async fn read_hello<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<u32> {
    let mut bytes = [0; 8];
    stream.read_exact(&mut bytes).await?;
    if &bytes[..4] != MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the handshake did not start with the corebox magic",
        ));
    }
    let mut version = [0; 4];
    version.copy_from_slice(&bytes[4..]);
    Ok(u32::from_be_bytes(version))
}

/// Frames a stream for tarpc with the shared frame limit and codec. Both the
/// daemon and the client use it, so their limits cannot drift apart.
pub fn framed<S, Item, SinkItem>(stream: S) -> Transport<S, Item, SinkItem, Bincode<Item, SinkItem>>
where
    S: AsyncRead + AsyncWrite,
    Item: for<'de> serde::Deserialize<'de>,
    SinkItem: Serialize,
{
    let codec = LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME_BYTES)
        .new_codec();
    tarpc::serde_transport::new(Framed::new(stream, codec), Bincode::default())
}

/// Checks that a request with these arguments fits in one frame.
///
/// # Errors
///
/// [`ErrorCode::TooLarge`] naming the size and the limit.
pub fn check_request_size<T: Serialize + ?Sized>(arguments: &T) -> Result<(), ApiError> {
    let size = bincode::DefaultOptions::new()
        .serialized_size(arguments)
        .map_err(|error| ApiError::invalid(format!("cannot encode the request: {error}")))?;
    if size + ENVELOPE_BYTES > MAX_FRAME_BYTES as u64 {
        return Err(ApiError::new(
            ErrorCode::TooLarge,
            format!("request of {size} bytes does not fit the {MAX_FRAME_BYTES}-byte frame limit"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn handshake_exchanges_versions() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let server = tokio::spawn(async move { server_handshake(&mut server).await });
        let daemon = client_handshake(&mut client).await.expect("client side");
        assert_eq!(daemon, PROTOCOL_VERSION);
        assert_eq!(
            server.await.expect("join").expect("server side"),
            PROTOCOL_VERSION
        );
    }

    #[tokio::test]
    async fn server_refuses_garbage_without_answering() {
        let (mut client, mut server) = tokio::io::duplex(64);
        client
            .write_all(b"GET / HTTP/1.1\r\n")
            .await
            .expect("write");
        let error = server_handshake(&mut server).await.expect_err("garbage");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn oversized_request_is_refused_before_sending() {
        let big = vec![b'x'; MAX_FRAME_BYTES];
        let error = check_request_size(&serde_bytes::Bytes::new(&big)).expect_err("too big");
        assert_eq!(error.code, ErrorCode::TooLarge);
        check_request_size(&("alice", "a reasonable request")).expect("small fits");
    }
}
