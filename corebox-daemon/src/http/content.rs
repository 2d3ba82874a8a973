//! Serving a shared file's bytes: how each type is presented, conditional
//! requests, single ranges, and the stream from disk that counts what it
//! sends.
//!
//! Safety: content that a browser would run as a page of our origin (HTML,
//! SVG, XML, JavaScript, by its sniffed type or by its name) is always an
//! attachment, labelled `text/plain`; only a short list of passive types
//! (raster images, plain text, audio, video) may be shown inline, and only
//! on `/raw`. Every file answer carries `Content-Security-Policy: sandbox`,
//! and `nosniff` comes with every answer.
//!
//! Ranges: one `bytes=` range gets 206 (416 when it starts past the end);
//! several ranges get the whole file, as RFC 9110 allows, and so does a
//! malformed header. `If-Range` must match the ETag (the SHA-256) exactly.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures::Stream;
use http_range_header::{EndPosition, RangeUnsatisfiableError, StartPosition};

use super::Public;
use super::disposition::{self, Disposition};
use super::guard::empty;
use super::metrics::{BYTES_SERVED, DOWNLOADS};
use crate::shares::store::ShareRow;
use crate::shares::{Transfer, Visitor};
use crate::storage::{BlobId, BlobStream};

/// The CSP of file answers: a document made of the file gets no scripts,
/// no plugins and no origin. Inline styles are allowed because browsers
/// style their own image and media viewers with them.
const FILE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox; \
                        frame-ancestors 'none'";

/// Media types that may be shown inline, by prefix.
const PASSIVE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "image/bmp",
    "text/plain",
    "audio/",
    "video/",
];

/// Fragments of media types a browser may run.
const ACTIVE_TYPES: &[&str] = &["html", "xml", "svg", "javascript", "ecmascript"];

/// Name extensions that make a browser (or a desktop) run a file.
const ACTIVE_EXTENSIONS: &[&str] = &[
    "htm", "html", "xht", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt",
    "rss", "atom", "js", "mjs", "cjs", "jsx", "swf", "hta",
];

/// How a stored file is presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    /// The `Content-Type` sent.
    pub content_type: String,
    /// Whether `/raw` may show it inline.
    pub inline: bool,
    /// Whether the share page shows it as an image preview.
    pub preview: bool,
}

impl Presentation {
    /// How a file with sniffed `media_type` and `name` is served.
    pub fn of(media_type: &str, name: &str) -> Presentation {
        let kind = media_type.to_ascii_lowercase();
        let extension = name
            .rsplit_once('.')
            .map(|(_, extension)| extension.to_ascii_lowercase())
            .unwrap_or_default();
        let active_type = ACTIVE_TYPES.iter().any(|active| kind.contains(active));
        let active = active_type || ACTIVE_EXTENSIONS.contains(&extension.as_str());
        let inline = !active
            && PASSIVE_TYPES
                .iter()
                .any(|passive| kind.starts_with(passive));
        let content_type = if active_type {
            "text/plain; charset=utf-8".to_owned()
        } else {
            media_type.to_owned()
        };
        Presentation {
            preview: inline && kind.starts_with("image/"),
            content_type,
            inline,
        }
    }
}

/// The part of a file a request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Whole,
    /// First and last byte, inclusive.
    Part(u64, u64),
    Unsatisfiable,
}

/// What a `Range` header asks of a file of `size` bytes.
fn wanted(range: Option<&str>, size: u64) -> Wanted {
    let Some(range) = range else {
        return Wanted::Whole;
    };
    let parsed = match http_range_header::parse_range_header(range) {
        Ok(parsed) => parsed,
        // A lone zero-length suffix (`bytes=-0`) overlaps nothing, whatever
        // the size; any other header the parser refuses is ignored.
        Err(RangeUnsatisfiableError::ZeroSuffix) if !range.contains(',') => {
            return Wanted::Unsatisfiable;
        }
        Err(_) => return Wanted::Whole,
    };
    let [range] = parsed.ranges.as_slice() else {
        return Wanted::Whole;
    };
    match (range.start, range.end) {
        // first > last is not a valid range: the header is ignored.
        (StartPosition::Index(first), EndPosition::Index(last)) if last < first => Wanted::Whole,
        (StartPosition::Index(first), _) if first >= size => Wanted::Unsatisfiable,
        (StartPosition::Index(first), EndPosition::Index(last)) => {
            Wanted::Part(first, last.min(size - 1))
        }
        (StartPosition::Index(first), EndPosition::LastByte) => Wanted::Part(first, size - 1),
        (StartPosition::FromLast(_), _) if size == 0 => Wanted::Unsatisfiable,
        (StartPosition::FromLast(suffix), _) => Wanted::Part(size - suffix.min(size), size - 1),
    }
}

fn header_text<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Whether `If-None-Match` names `etag` (weakly: `W/` is ignored) or `*`.
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

/// The answer with `share`'s bytes (or their headers for HEAD) to a
/// request with `headers`. A transfer of a share with a download limit
/// needs a free download; without one the answer is `None`, which the
/// caller shows as a missing share. A `preview` (of a share without a
/// limit) is not counted as a download.
pub async fn serve(
    public: &Public,
    share: &ShareRow,
    method: &Method,
    headers: &HeaderMap,
    disposition: Disposition,
    preview: bool,
    visitor: Visitor,
) -> Option<Response> {
    let presentation = Presentation::of(&share.media_type, &share.file_name);
    let disposition = match disposition {
        Disposition::Inline if presentation.inline => Disposition::Inline,
        _ => Disposition::Attachment,
    };
    let etag = format!("\"{}\"", share.sha256);
    let mut response = empty(StatusCode::OK);
    let common = response.headers_mut();
    // Every value here is made by us and valid: the ETag from hex, the
    // type from the sniffer, the disposition percent-encoded, numbers.
    let value = |text: &str| {
        HeaderValue::from_str(text)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
    };
    common.insert(header::ETAG, value(&etag));
    common.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    common.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    common.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    if none_match(headers, &etag) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return Some(response);
    }
    common.insert(header::CONTENT_TYPE, value(&presentation.content_type));
    common.insert(
        header::CONTENT_DISPOSITION,
        value(&disposition::header_value(disposition, &share.file_name)),
    );

    let size = share.size;
    let range_applies = header_text(headers, &header::IF_RANGE).is_none_or(|tag| tag == etag);
    let range = header_text(headers, &header::RANGE).filter(|_| range_applies);
    let (first, len) = match wanted(range, size) {
        Wanted::Whole => (0, size),
        Wanted::Part(first, last) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                value(&format!("bytes {first}-{last}/{size}")),
            );
            (first, last - first + 1)
        }
        Wanted::Unsatisfiable => {
            *response.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            let headers = response.headers_mut();
            headers.remove(header::CONTENT_DISPOSITION);
            headers.insert(header::CONTENT_RANGE, value(&format!("bytes */{size}")));
            return Some(response);
        }
    };
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if method == Method::HEAD {
        return Some(response);
    }

    let counts = !(preview && share.max_downloads.is_none());
    let shares = &public.app.shares;
    let mut transfer = match shares.start_transfer(share, counts, visitor).await {
        Ok(Some(transfer)) => transfer,
        Ok(None) => return None,
        Err(error) => {
            tracing::error!(%error, "cannot start a share transfer");
            return Some(super::pages::internal_error(headers));
        }
    };
    let Some(blob) = BlobId::parse(&share.sha256) else {
        tracing::error!(file = %share.file_id, "a file row names a malformed blob");
        return Some(super::pages::internal_error(headers));
    };
    let stream = match public.app.storage.read_stream(&blob, first, len).await {
        Ok(stream) => stream,
        Err(error) => {
            tracing::error!(%error, %blob, "cannot read a shared blob");
            return Some(super::pages::internal_error(headers));
        }
    };
    if len == 0 {
        // Nothing to send: the transfer is complete as it starts.
        transfer.finish();
        if counts {
            metrics::counter!(DOWNLOADS).increment(1);
        }
    }
    *response.body_mut() = Body::from_stream(Counted {
        stream,
        transfer,
        left: len,
        counts,
    });
    Some(response)
}

/// The body of a transfer: the blob's chunks, counted into its
/// [`Transfer`], which records the download when the body is dropped.
struct Counted {
    stream: BlobStream,
    transfer: Transfer,
    left: u64,
    counts: bool,
}

impl Stream for Counted {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.stream).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            let sent = chunk.len() as u64;
            self.transfer.sent(sent);
            metrics::counter!(BYTES_SERVED).increment(sent);
            self.left = self.left.saturating_sub(sent);
            if self.left == 0 {
                // The last byte is out: the download is complete.
                self.transfer.finish();
                if self.counts {
                    metrics::counter!(DOWNLOADS).increment(1);
                }
            }
        }
        if let Poll::Ready(Some(Err(error))) = &polled {
            tracing::error!(%error, "reading a shared blob failed mid-transfer");
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_content_is_never_inline_and_never_labelled_active() {
        for (kind, name) in [
            ("text/html", "page.html"),
            ("text/html", "notes.txt"),
            ("image/svg+xml", "drawing.svg"),
            ("application/xml", "feed.xml"),
            ("text/plain; charset=utf-8", "app.js"),
            ("text/plain; charset=utf-8", "page.HTM"),
            ("image/png", "trick.svg"),
        ] {
            let shown = Presentation::of(kind, name);
            assert!(!shown.inline && !shown.preview, "{kind} {name}");
            assert!(
                !ACTIVE_TYPES
                    .iter()
                    .any(|active| shown.content_type.contains(active)),
                "{kind} {name}: {}",
                shown.content_type
            );
        }
        let png = Presentation::of("image/png", "dot.png");
        assert!(png.inline && png.preview);
        assert_eq!(png.content_type, "image/png");
        let text = Presentation::of("text/plain; charset=utf-8", "notes.txt");
        assert!(text.inline && !text.preview);
        let zip = Presentation::of("application/zip", "a.zip");
        assert!(!zip.inline);
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        let size = 1000;
        let cases = [
            (None, Wanted::Whole),
            (Some("bytes=0-0"), Wanted::Part(0, 0)),
            (Some("bytes=-1"), Wanted::Part(999, 999)),
            (Some("bytes=-5000"), Wanted::Part(0, 999)),
            (Some("bytes=-0"), Wanted::Unsatisfiable),
            (Some("bytes=0-5,-0"), Wanted::Whole),
            (Some("bytes=5-"), Wanted::Part(5, 999)),
            (Some("bytes=990-5000"), Wanted::Part(990, 999)),
            (Some("bytes=1000-"), Wanted::Unsatisfiable),
            (Some("bytes=5000-6000"), Wanted::Unsatisfiable),
            (Some("bytes=5-2"), Wanted::Whole),
            (Some("bytes=0-1,5-6"), Wanted::Whole),
            (Some("bytes=a-b"), Wanted::Whole),
            (Some("items=0-5"), Wanted::Whole),
            (Some("bytes=99999999999999999999-"), Wanted::Whole),
            (
                Some("bytes=18446744073709551615-18446744073709551615"),
                Wanted::Unsatisfiable,
            ),
        ];
        for (range, expected) in cases {
            assert_eq!(wanted(range, size), expected, "{range:?}");
        }
        assert_eq!(wanted(Some("bytes=0-"), 0), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-1"), 0), Wanted::Unsatisfiable);
    }

    #[test]
    fn if_none_match_compares_weakly_and_takes_a_star() {
        let etag = "\"abc\"";
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(value).expect("v"),
            );
            headers
        };
        assert!(none_match(&with("\"abc\""), etag));
        assert!(none_match(&with("W/\"abc\""), etag));
        assert!(none_match(&with("\"x\", \"abc\""), etag));
        assert!(none_match(&with("*"), etag));
        assert!(!none_match(&with("\"abcd\""), etag));
        assert!(!none_match(&HeaderMap::new(), etag));
    }
}
