//! Streaming a share's bytes into a file or stdout, resuming after the
//! connection breaks, and hashing them on the way.
//!
//! The async side reads the body and hands its pieces to a blocking thread
//! that hashes and writes them, so the network and the disk overlap. When
//! the body breaks off (a reset, a timeout, a server that closed early),
//! the rest is asked for with `Range: bytes=N-` and `If-Range: <etag>`: a
//! 206 continues where the bytes stopped, while a 200 means the file
//! changed (or the server ignores ranges), and a file sink is emptied and
//! written again from the start; stdout cannot take bytes back, so that
//! ends the download. Without a strong ETag nothing can prove the rest
//! belongs to the same file, so a break restarts the download instead of
//! resuming it. [`MAX_TRIES`] breaks in a row without progress end it.
//!
//! Comparing the hash with the ETag, making the file durable and moving it
//! into place are the caller's steps; this file says what the bytes hashed
//! to and how many there were.

use std::time::Duration;

use bytes::Bytes;
use corebox_proto::types::Secret;
use reqwest::header::{self, HeaderMap};
use reqwest::{Client, Response, StatusCode, Url};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::{authorized, disposition, send_error, status_error};
use crate::exit::{CliError, Exit, cause_of, describe_io};
use crate::output;
use crate::transfer::progress::Bar;
use crate::transfer::receive::Sink;

/// Breaks in a row, without a byte received in between, before giving up.
pub const MAX_TRIES: u32 = 5;

/// Pieces read ahead of the writing thread.
const QUEUED: usize = 16;

/// The first wait before asking again; it doubles per try.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// What the first answer says about the bytes to come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The full size, when the server said it.
    pub length: Option<u64>,
    /// A strong ETag, as sent, to resume against.
    pub validator: Option<String>,
    /// The SHA-256 the ETag names, when it is `"<64 hex>"`.
    pub sha256: Option<String>,
    /// The suggested file name, sanitized: from `Content-Disposition`,
    /// else from the URL.
    pub name: Option<String>,
}

impl Meta {
    /// Reads a 200 answer's headers; `url` is the fallback for the name.
    pub fn of(response: &Response, url: &Url) -> Meta {
        let headers = response.headers();
        let validator = headers
            .get(header::ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| value.starts_with('"'))
            .map(str::to_owned);
        let sha256 = validator.as_deref().and_then(sha256_of_etag);
        let name = headers
            .get(header::CONTENT_DISPOSITION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .and_then(|value| disposition::filename(&value))
            .or_else(|| disposition::name_from_url(response.url()))
            .or_else(|| disposition::name_from_url(url));
        Meta {
            length: response.content_length(),
            validator,
            sha256,
            name,
        }
    }
}

/// Where the bytes come from: the URL, the client and the password to
/// send with every request.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The client with its connections.
    pub client: &'a Client,
    /// The share URL, as given.
    pub url: &'a Url,
    /// The share's password, when it has one.
    pub password: Option<&'a Secret>,
}

/// What was written, and what the server announced for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// How many bytes.
    pub bytes: u64,
    /// The announcement of the answer the bytes came from (after a restart,
    /// of the new one).
    pub meta: Meta,
}

/// What the writing thread counted.
struct Written {
    sha256: String,
    bytes: u64,
}

/// What reaches the writing thread.
#[derive(Debug)]
enum Piece {
    /// The next bytes.
    Data(Bytes),
    /// Forget what was written; the bytes come again from the start.
    Restart,
}

/// Streams the body of `first` (a 200 answer) into `sink`, resuming or
/// restarting as the module docs say. `label` names the sink in messages.
///
/// # Errors
///
/// Unreachable when the connection keeps breaking; the error of an answer
/// to a resume request that brings no bytes (the link expired meanwhile);
/// a failure when the sink cannot be written, or when stdout would have to
/// take bytes back.
pub async fn receive(
    source: Source<'_>,
    first: Response,
    sink: Sink,
    label: &str,
    bar: &Bar,
) -> Result<Received, CliError> {
    let can_restart = matches!(sink, Sink::File(_));
    let (sender, pieces) = mpsc::channel::<Piece>(QUEUED);
    let writer = tokio::task::spawn_blocking(move || write_and_hash(sink, pieces));

    let fetched = pump(source, first, can_restart, &sender, bar).await;
    drop(sender);
    let written = writer
        .await
        .map_err(|error| CliError::failure(format!("the thread writing {label} failed: {error}")))?
        .map_err(|error| {
            CliError::failure(format!("cannot write {label}: {}", describe_io(&error)))
        });
    // A write failure stops the pump (the channel closes), so it is the
    // cause to report.
    let written = written?;
    let meta = fetched?;
    Ok(Received {
        sha256: written.sha256,
        bytes: written.bytes,
        meta,
    })
}

/// How reading one body ended.
enum Streamed {
    /// The body ended where it should.
    Complete,
    /// The writing thread stopped; it reports why.
    WriterGone,
    /// The body broke off; why, as a phrase.
    Broken(String),
}

/// Reads bodies and queues their bytes until the whole file is through;
/// returns the announcement of the answer they finally came from.
async fn pump(
    source: Source<'_>,
    first: Response,
    can_restart: bool,
    pieces: &mpsc::Sender<Piece>,
    bar: &Bar,
) -> Result<Meta, CliError> {
    let mut meta = Meta::of(&first, source.url);
    let mut current = Some(first);
    let mut offset = 0u64;
    let mut tries = 0u32;
    let mut cause = String::new();
    loop {
        if let Some(mut response) = current.take() {
            let before = offset;
            match stream_body(&mut response, pieces, bar, &mut offset).await {
                Streamed::WriterGone => return Ok(meta),
                Streamed::Complete if meta.length.is_none_or(|length| offset >= length) => {
                    return Ok(meta);
                }
                Streamed::Complete => cause = "the server closed the connection early".to_owned(),
                Streamed::Broken(why) => cause = why,
            }
            if offset > before {
                tries = 0;
            }
        }
        tries += 1;
        if tries > MAX_TRIES {
            return Err(CliError::new(
                Exit::Unreachable,
                format!(
                    "lost the connection to {} and could not resume after {MAX_TRIES} tries: \
                     {cause}: check the network and run the command again",
                    output::sanitize(source.url.as_str())
                ),
            ));
        }
        tokio::time::sleep(FIRST_BACKOFF * 2u32.pow(tries - 1)).await;

        // Resume only against a validator; without one, start over.
        let validator = meta.validator.as_deref().filter(|_| offset > 0);
        let mut request = authorized(source.client.get(source.url.clone()), source.password);
        if let Some(validator) = validator {
            request = request
                .header(header::RANGE, format!("bytes={offset}-"))
                .header(header::IF_RANGE, validator);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_connect() || error.is_timeout() || error.is_request() => {
                cause = cause_of(&error).1;
                continue;
            }
            Err(error) => return Err(send_error(source.url, &error)),
        };
        match response.status() {
            StatusCode::PARTIAL_CONTENT if validator.is_some() => {
                check_range(response.headers(), offset, meta.length)?;
            }
            StatusCode::OK => {
                if offset > 0 {
                    if !can_restart {
                        return Err(CliError::failure(
                            "the download broke off and the server sent the file again from \
                             the start (it changed, or cannot resume), so the output is \
                             incomplete: download it again",
                        ));
                    }
                    if pieces.send(Piece::Restart).await.is_err() {
                        return Ok(meta);
                    }
                }
                meta = Meta::of(&response, source.url);
                offset = 0;
                bar.set(0, meta.length.unwrap_or(0));
            }
            status => {
                return Err(status_error(
                    source.url,
                    status,
                    response.headers(),
                    source.password.is_some(),
                ));
            }
        }
        current = Some(response);
    }
}

/// Reads one body to its end, queueing its bytes and counting them in
/// `offset`.
async fn stream_body(
    response: &mut Response,
    pieces: &mpsc::Sender<Piece>,
    bar: &Bar,
    offset: &mut u64,
) -> Streamed {
    loop {
        match response.chunk().await {
            Ok(Some(data)) => {
                let len = data.len() as u64;
                if pieces.send(Piece::Data(data)).await.is_err() {
                    return Streamed::WriterGone;
                }
                *offset += len;
                bar.advance(len);
            }
            Ok(None) => return Streamed::Complete,
            Err(error) => return Streamed::Broken(cause_of(&error).1),
        }
    }
}

/// Checks that a 206 answer starts at `offset` (and, when the size is
/// known, is of the same file size).
///
/// # Errors
///
/// A failure when the server sent another part than the one asked for.
fn check_range(headers: &HeaderMap, offset: u64, length: Option<u64>) -> Result<(), CliError> {
    let range = headers
        .get(header::CONTENT_RANGE)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_content_range);
    match range {
        Some((start, _, total))
            if start == offset && (length.is_none() || total.is_none() || total == length) =>
        {
            Ok(())
        }
        _ => Err(CliError::failure(
            "the server sent another part of the file than the one asked for, so the \
             download cannot resume: download it again",
        )),
    }
}

/// Parses `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        total => Some(total.parse().ok()?),
    };
    (start <= end).then_some((start, end, total))
}

/// The SHA-256 an ETag names: exactly 64 hex digits in quotes, lowercased.
fn sha256_of_etag(etag: &str) -> Option<String> {
    let inner = etag.strip_prefix('"')?.strip_suffix('"')?;
    (inner.len() == 64 && inner.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .then(|| inner.to_ascii_lowercase())
}

/// The writing thread: hashes and writes pieces until the channel closes.
fn write_and_hash(mut sink: Sink, mut pieces: mpsc::Receiver<Piece>) -> std::io::Result<Written> {
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    while let Some(piece) = pieces.blocking_recv() {
        match piece {
            Piece::Data(data) => {
                hasher.update(&data);
                sink.write_chunk(&data)?;
                bytes += data.len() as u64;
            }
            Piece::Restart => {
                sink.rewind()?;
                hasher = Sha256::new();
                bytes = 0;
            }
        }
    }
    sink.flush()?;
    Ok(Written {
        sha256: hex::encode(hasher.finalize()),
        bytes,
    })
}

#[cfg(test)]
#[path = "fetch_tests.rs"]
mod tests;
