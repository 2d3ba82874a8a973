//! The RPC front door: the Unix socket, the handshake, and one tarpc
//! channel per connection.
//!
//! Graceful shutdown works from the read side: once shutdown starts, every
//! connection's request stream reports its end ([`UntilShutdown`]), so tarpc
//! takes no new requests, finishes the ones in flight, flushes their
//! responses and closes. The accept loop stops at the same moment.

mod errors;
mod service;

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use corebox_proto::transport::{framed, server_handshake};
use corebox_proto::{CoreBox, PROTOCOL_VERSION};
use futures::{Sink, Stream, StreamExt};
use tarpc::server::{BaseChannel, Channel};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};
use tokio_util::task::TaskTracker;

use crate::App;
use crate::auth::Peer;
pub use service::Connection;

/// A bound socket that is removed from the filesystem on drop.
#[derive(Debug)]
pub struct Socket {
    listener: UnixListener,
    path: PathBuf,
}

impl Drop for Socket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Why the socket could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// A daemon already answers on it.
    #[error("another daemon is already listening on {}: stop it, or pass another --socket", .0.display())]
    InUse(PathBuf),
    /// Something that is not a socket is in the way.
    #[error("{} exists and is not a socket: remove it, or pass another --socket", .0.display())]
    NotASocket(PathBuf),
    /// The filesystem refused.
    #[error("cannot listen on {}: {source}", path.display())]
    Io {
        /// The socket path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

/// Binds the socket at `path`, mode 0600, in a directory made 0700 if it
/// had to be created. A stale socket left by a crash is replaced; a live
/// one is not.
///
/// # Errors
///
/// [`BindError`].
pub fn bind(path: &Path) -> Result<Socket, BindError> {
    let io = |source| BindError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::create_dir_all(dir).map_err(io)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_socket() => {
            return Err(BindError::NotASocket(path.to_path_buf()));
        }
        Ok(_) => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(BindError::InUse(path.to_path_buf()));
            }
            std::fs::remove_file(path).map_err(io)?;
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(io(error)),
    }
    let listener = UnixListener::bind(path).map_err(io)?;
    let socket = Socket {
        listener,
        path: path.to_path_buf(),
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    Ok(socket)
}

/// Accepts connections until `shutdown`, serving each on `tracker`.
pub async fn serve(
    socket: Socket,
    app: Arc<App>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = socket.listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                let (app, shutdown) = (Arc::clone(&app), shutdown.clone());
                let requests = tracker.clone();
                tracker.spawn(connection(stream, app, shutdown, requests));
            }
            Err(error) => {
                // Out of descriptors and the like: log, and keep serving
                // the connections already open.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::task::yield_now().await;
            }
        }
    }
    drop(socket);
}

async fn connection(
    mut stream: UnixStream,
    app: Arc<App>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    let peer = match stream.peer_cred() {
        Ok(cred) => Peer(format!("uid:{}", cred.uid())),
        Err(_) => Peer("unix:unknown".to_owned()),
    };
    let handshake = tokio::select! {
        () = shutdown.cancelled() => return,
        handshake = server_handshake(&mut stream) => handshake,
    };
    match handshake {
        Ok(version) if version == PROTOCOL_VERSION => {}
        Ok(version) => {
            tracing::info!(peer = %peer.0, client = version, daemon = PROTOCOL_VERSION,
                "refused a client speaking another protocol version");
            return;
        }
        Err(error) => {
            tracing::debug!(peer = %peer.0, %error, "dropped a connection that failed the handshake");
            return;
        }
    }
    tracing::debug!(peer = %peer.0, "connection opened");
    let transport = UntilShutdown::new(framed(stream), shutdown.clone());
    let server = Connection::new(app, peer);
    BaseChannel::with_defaults(transport)
        .execute(server.serve())
        .for_each(|call| {
            tracker.spawn(call);
            async {}
        })
        .await;
    tracing::debug!("connection closed");
}

/// A transport whose incoming side ends when shutdown starts, so tarpc
/// finishes what is in flight and closes the connection cleanly.
struct UntilShutdown<T> {
    inner: T,
    shutdown: Pin<Box<WaitForCancellationFutureOwned>>,
    ended: bool,
}

impl<T> UntilShutdown<T> {
    fn new(inner: T, shutdown: CancellationToken) -> UntilShutdown<T> {
        UntilShutdown {
            inner,
            shutdown: Box::pin(shutdown.cancelled_owned()),
            ended: false,
        }
    }
}

impl<T: Stream + Unpin> Stream for UntilShutdown<T> {
    type Item = T::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T::Item>> {
        if self.ended || self.shutdown.as_mut().poll(cx).is_ready() {
            self.ended = true;
            return Poll::Ready(None);
        }
        Pin::new(&mut self.inner).poll_next(cx)
    }
}

impl<T: Sink<I> + Unpin, I> Sink<I> for UntilShutdown<T> {
    type Error = T::Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T::Error>> {
        Pin::new(&mut self.inner).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: I) -> Result<(), T::Error> {
        Pin::new(&mut self.inner).start_send(item)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T::Error>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), T::Error>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}
