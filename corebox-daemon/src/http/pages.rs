//! The endpoint's own pages: a shared file's page, the password form, and
//! the not-found and error answers (HTML for browsers, one line of text
//! for everything else).
//!
//! Pages hold no script. Their one inline style block is allowed by its
//! hash in the page CSP, so the policy needs no `'unsafe-inline'`. Every
//! value from a user (file names above all) is HTML-escaped, and links are
//! paths on this endpoint, so a page works whatever host name reached it.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::links::store::LinkRow;
use crate::shares::store::ShareRow;
use crate::units::Size;

const STYLE: &str = "\
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f5;color:#18181b}\
main{max-width:40rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:.75rem;\
box-shadow:0 1px 3px #0002}\
h1{font-size:1.4rem;margin:0 0 .25rem;overflow-wrap:anywhere}\
.meta{color:#52525b;margin:.25rem 0}\
figure{margin:1.5rem 0;text-align:center}\
img{max-width:100%;max-height:60vh;border-radius:.5rem}\
a.button,button{display:inline-block;margin-top:1rem;padding:.6rem 1.4rem;border:0;\
border-radius:.5rem;background:#2563eb;color:#fff;font:inherit;text-decoration:none;cursor:pointer}\
input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin-top:.25rem;\
border:1px solid #a1a1aa;border-radius:.5rem}\
.error{color:#b91c1c}\
code{font-size:.85rem;background:#f4f4f5;padding:.1rem .3rem;border-radius:.25rem;\
overflow-wrap:anywhere}\
footer{text-align:center;color:#71717a;font-size:.85rem}\
@media (prefers-color-scheme:dark){body{background:#18181b;color:#e4e4e7}\
main{background:#27272a}.meta{color:#a1a1aa}code{background:#18181b}}";

/// The page CSP: nothing but our style, images from here, and forms that
/// post back here.
static PAGE_CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
});

/// Whether the client asked for a page rather than bytes.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("text/html"))
}

fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// A whole page with `title` and `body` (already HTML), answered with
/// `status`, never cached.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex, nofollow\">\
         <title>{} · CoreBox</title><style>{STYLE}</style></head>\n\
         <body><main>\n{body}\n</main><footer>shared with CoreBox</footer></body></html>\n",
        escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&PAGE_CSP) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `1234567` as `1,234,567`.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A size for people: `2.9 KiB (3,000 bytes)`.
pub fn size_text(size: u64) -> String {
    if size < 1024 {
        format!("{} bytes", grouped(size))
    } else {
        format!("{} ({} bytes)", Size(size), grouped(size))
    }
}

fn utc(at: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_else(|| at.to_string())
}

/// A shared file's page: name, size, limits, a preview for images, a
/// download button, and the command that fetches it from a terminal.
pub fn share_page(share: &ShareRow, path: &str, url: &str, preview: bool) -> Response {
    let name = escape(&share.file_name);
    let raw = escape(&format!("{path}/raw"));
    let mut body = format!(
        "<h1>{name}</h1>\n<p class=\"meta\">{} · {}</p>\n",
        size_text(share.size),
        escape(&share.media_type)
    );
    if let Some(at) = share.expires_at {
        body.push_str(&format!(
            "<p class=\"meta\">available until {}</p>\n",
            utc(at)
        ));
    }
    if let Some(max) = share.max_downloads {
        let left = max.saturating_sub(share.downloads);
        let noun = if left == 1 { "download" } else { "downloads" };
        body.push_str(&format!("<p class=\"meta\">{left} {noun} left</p>\n"));
    }
    if preview {
        body.push_str(&format!(
            "<figure><img src=\"{raw}?preview=1\" alt=\"preview of {name}\"></figure>\n"
        ));
    }
    let password = if share.password_hash.is_some() {
        "-u :PASSWORD "
    } else {
        ""
    };
    body.push_str(&format!(
        "<p><a class=\"button\" href=\"{raw}?download=1\" download>Download</a></p>\n\
         <p class=\"meta\">from a terminal: <code>curl {password}-fLJO {}</code></p>",
        escape(url)
    ));
    page(StatusCode::OK, &share.file_name, &body)
}

/// Why the password form is shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormNote {
    /// First visit.
    None,
    /// The password given was wrong.
    Wrong,
    /// Too many wrong guesses: wait this many seconds.
    Throttled(u64),
    /// The form came back in a shape we do not read.
    Malformed,
}

/// The password form of a protected share. It names nothing about the
/// file: the password guards the name too.
pub fn share_password_form(note: FormNote) -> Response {
    password_form(note, "A password protects this shared file.", "Open")
}

/// The password form of a protected short link. It names nothing about
/// the target.
pub fn link_password_form(note: FormNote) -> Response {
    password_form(note, "A password protects this link.", "Continue")
}

fn password_form(note: FormNote, subject: &str, button: &str) -> Response {
    let (status, message) = match note {
        FormNote::None => (StatusCode::OK, String::new()),
        FormNote::Wrong => (
            StatusCode::FORBIDDEN,
            "<p class=\"error\">That password is not right.</p>\n".to_owned(),
        ),
        FormNote::Throttled(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("<p class=\"error\">Too many wrong passwords: try again in {secs} s.</p>\n"),
        ),
        FormNote::Malformed => (
            StatusCode::BAD_REQUEST,
            "<p class=\"error\">Send the password with this form.</p>\n".to_owned(),
        ),
    };
    let body = format!(
        "<h1>Password needed</h1>\n<p class=\"meta\">{subject}</p>\n\
         {message}<form method=\"post\"><label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" required autofocus \
         autocomplete=\"current-password\"><button type=\"submit\">{button}</button></form>"
    );
    let mut response = page(status, "Password needed", &body);
    if let FormNote::Throttled(secs) = note {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// `/{code}+`: where a short link goes, when it was made and until when it
/// works, without going there. A password-protected link keeps its target
/// to itself. Its button follows the link itself (`path`), so going on
/// counts as a click and obeys the click limit.
pub fn inspect_page(link: &LinkRow, url: &str, path: &str) -> Response {
    let mut body = format!(
        "<h1>Where this link goes</h1>\n<p class=\"meta\"><code>{}</code></p>\n",
        escape(url)
    );
    if link.password_hash.is_some() {
        body.push_str("<p>A password protects this link, and where it goes.</p>\n");
    } else {
        body.push_str(&format!(
            "<p>It leads to:</p>\n<p><code>{}</code></p>\n",
            escape(&link.target)
        ));
    }
    body.push_str(&format!(
        "<p class=\"meta\">made {}</p>\n<p class=\"meta\">{}</p>",
        utc(link.created_at),
        match link.expires_at {
            Some(at) => format!("works until {}", utc(at)),
            None => "does not expire".to_owned(),
        }
    ));
    body.push_str(&format!(
        "\n<p><a class=\"button\" href=\"{}\" rel=\"noreferrer\">Go there</a></p>",
        escape(path)
    ));
    page(StatusCode::OK, "Link preview", &body)
}

/// The one answer for unknown, expired, used-up and revoked shares and
/// links alike, and for any path the endpoint does not serve.
pub fn not_found(headers: &HeaderMap) -> Response {
    if wants_html(headers) {
        page(
            StatusCode::NOT_FOUND,
            "Not found",
            "<h1>Nothing here</h1>\n<p class=\"meta\">This link does not work: it may have \
             expired, been used up or revoked, or it was mistyped. Ask whoever sent it for a \
             new one.</p>",
        )
    } else {
        super::text(
            StatusCode::NOT_FOUND,
            "not found: this link may have expired, been used up or revoked\n",
        )
    }
}

/// A fault inside the daemon (logged where it happened).
pub fn internal_error(headers: &HeaderMap) -> Response {
    if wants_html(headers) {
        page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            "<h1>Something went wrong</h1>\n<p class=\"meta\">The server could not answer. \
             Try again later.</p>",
        )
    } else {
        super::text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error: try again later\n",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size_text(0), "0 bytes");
        assert_eq!(size_text(999), "999 bytes");
        assert_eq!(size_text(3000), "2.9 KiB (3,000 bytes)");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(100_000), "100,000");
    }

    #[test]
    fn the_page_csp_allows_exactly_our_style() {
        assert!(PAGE_CSP.contains("style-src 'sha256-"));
        assert!(!PAGE_CSP.contains("unsafe"));
    }
}
