//! Talking HTTP(S) to a share URL: the client, the first request and what
//! each answer means for the user.
//!
//! This is the only part of corebox that does not go through the daemon's
//! socket: `corebox download URL` fetches a public share link like any web
//! client would, so it works against any CoreBox reachable over the
//! network, logged in or not. [`start`] makes the first request and sorts
//! the answer (bytes, a password wanted, or an error with its exit kind);
//! `fetch` then streams the body with resumption; `disposition` finds the
//! file name. Deciding where the bytes go and printing belong to
//! `commands/fetch.rs`.
//!
//! TLS is rustls with the ring provider, installed once by
//! [`install_crypto`]; certificates are checked against the system's roots.
//! Proxies come from the usual environment variables.

pub mod disposition;
pub mod fetch;

use std::time::Duration;

use corebox_proto::types::Secret;
use reqwest::header::{self, HeaderMap};
use reqwest::{Client, RequestBuilder, Response, StatusCode, Url};

use crate::exit::{CliError, Exit, cause_of};
use crate::output;

/// How long to wait for a connection to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a read may wait for the next bytes before the connection is
/// taken as broken (and the download resumed).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether `text` is an HTTP(S) URL rather than a file id or a token.
pub fn is_url(text: &str) -> bool {
    let lower = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    lower("http://") || lower("https://")
}

/// Makes ring the process's TLS crypto provider. Idempotent: a provider
/// already installed (by an earlier call) is kept.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The HTTP client for share downloads.
///
/// # Errors
///
/// A failure when the TLS setup cannot be built.
pub fn client() -> Result<Client, CliError> {
    install_crypto();
    Client::builder()
        .user_agent(concat!("corebox/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .build()
        .map_err(|error| {
            CliError::failure(format!(
                "cannot set up the HTTP client: {}",
                cause_of(&error).1
            ))
        })
}

/// Parses a URL given on the command line.
///
/// # Errors
///
/// A usage error naming the problem.
pub fn parse_url(text: &str) -> Result<Url, CliError> {
    Url::parse(text.trim()).map_err(|error| {
        CliError::usage(format!(
            "'{}' is not a valid URL: {error}",
            output::sanitize(text)
        ))
    })
}

/// What the first request found.
#[derive(Debug)]
pub enum Start {
    /// The bytes are coming: a 200 answer whose body is still unread.
    Ready(Response),
    /// The link has a password and none was sent.
    NeedsPassword,
}

/// Sends the first `GET`, with the password as Basic auth when there is
/// one, and sorts the answer.
///
/// # Errors
///
/// Unreachable when the server cannot be reached; for an answer that
/// brings no bytes, the error [`status_error`] gives.
pub async fn start(
    client: &Client,
    url: &Url,
    password: Option<&Secret>,
) -> Result<Start, CliError> {
    let response = authorized(client.get(url.clone()), password)
        .send()
        .await
        .map_err(|error| send_error(url, &error))?;
    let status = response.status();
    if status == StatusCode::OK {
        return Ok(Start::Ready(response));
    }
    if status == StatusCode::UNAUTHORIZED
        && password.is_none()
        && asks_for_basic(response.headers())
    {
        return Ok(Start::NeedsPassword);
    }
    Err(status_error(
        url,
        status,
        response.headers(),
        password.is_some(),
    ))
}

/// The request with the password attached as HTTP Basic auth with an
/// empty user name, as share links expect.
pub fn authorized(request: RequestBuilder, password: Option<&Secret>) -> RequestBuilder {
    match password {
        Some(password) => request.basic_auth("", Some(password.expose())),
        None => request,
    }
}

/// Whether a 401 answer asks for HTTP Basic credentials.
fn asks_for_basic(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| {
            value
                .trim_start()
                .get(..5)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic"))
        })
}

/// The error for an answer that brings no bytes. `sent_password` says
/// whether the request carried one, which turns a 401 into "wrong
/// password".
pub fn status_error(
    url: &Url,
    status: StatusCode,
    headers: &HeaderMap,
    sent_password: bool,
) -> CliError {
    let shown = output::sanitize(url.as_str());
    match status {
        StatusCode::UNAUTHORIZED if sent_password => CliError::auth(
            "wrong password for this share: check it and try again, or ask its owner",
        ),
        StatusCode::UNAUTHORIZED if asks_for_basic(headers) => CliError::auth(format!(
            "{shown} asks for a password: run the command on a terminal, or pass \
             --password-stdin"
        )),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            CliError::auth(format!("{shown} refused access ({status}): check the URL"))
        }
        StatusCode::NOT_FOUND | StatusCode::GONE => CliError::new(
            Exit::NotFound,
            "no such share (it may have expired, been used up or revoked): ask its owner for \
             a new link",
        ),
        StatusCode::TOO_MANY_REQUESTS => CliError::failure(format!(
            "the server is limiting requests (429 Too Many Requests): {}",
            retry_hint(headers)
        )),
        _ => CliError::failure(format!(
            "{shown} answered {status}: check the URL, or try again later"
        )),
    }
}

/// When to retry after a 429, from `Retry-After` (seconds or an HTTP date).
fn retry_hint(headers: &HeaderMap) -> String {
    let value = headers
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty());
    match value {
        Some(value) => match value.parse::<u64>() {
            Ok(1) => "retry in 1 second".to_owned(),
            Ok(secs) => format!("retry in {secs} seconds"),
            Err(_) => format!("retry after {}", output::sanitize(value)),
        },
        None => "wait a little and retry".to_owned(),
    }
}

/// The error for a request that got no answer: the server is unreachable
/// (exit code 5), or the URL cannot be requested at all.
pub fn send_error(url: &Url, error: &reqwest::Error) -> CliError {
    let shown = output::sanitize(url.as_str());
    let cause = output::sanitize(&cause_of(error).1);
    if error.is_builder() {
        return CliError::usage(format!("cannot request {shown}: {cause}"));
    }
    if error.is_redirect() {
        return CliError::failure(format!(
            "{shown} redirects too often: {cause}: check the URL"
        ));
    }
    CliError::new(
        Exit::Unreachable,
        format!("cannot reach {shown}: {cause}: check the URL and the network"),
    )
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name, HeaderValue::from_str(value).expect("value"));
        }
        map
    }

    #[test]
    fn urls_are_told_from_ids_and_tokens() {
        for text in ["http://x", "https://x/s/t", "HTTPS://X", "Http://x"] {
            assert!(is_url(text), "{text}");
        }
        for text in ["9c1f0e5a7b2d4e61", "ftp://x", "http:/x", "", "https", "é"] {
            assert!(!is_url(text), "{text}");
        }
    }

    #[test]
    fn basic_challenge_is_recognised() {
        let challenge = |value| headers(&[(header::WWW_AUTHENTICATE, value)]);
        assert!(asks_for_basic(&challenge("Basic realm=\"corebox share\"")));
        assert!(asks_for_basic(&challenge("basic")));
        assert!(!asks_for_basic(&challenge("Bearer realm=x")));
        assert!(!asks_for_basic(&HeaderMap::new()));
    }

    #[test]
    fn answers_map_to_documented_exits() {
        let url = Url::parse("http://127.0.0.1:1/s/tok").expect("url");
        let none = HeaderMap::new();
        let error = status_error(&url, StatusCode::UNAUTHORIZED, &none, true);
        assert_eq!(error.exit().code(), 3);
        assert!(error.message().starts_with("wrong password"));
        let error = status_error(&url, StatusCode::NOT_FOUND, &none, false);
        assert_eq!(error.exit().code(), 4);
        assert!(
            error
                .message()
                .starts_with("no such share (it may have expired, been used up or revoked)")
        );
        let error = status_error(&url, StatusCode::BAD_GATEWAY, &none, false);
        assert_eq!(error.exit().code(), 1);
        assert!(
            error.message().contains("502 Bad Gateway"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn throttling_says_when_to_retry() {
        let url = Url::parse("http://127.0.0.1:1/s/tok").expect("url");
        let retry = |value| headers(&[(header::RETRY_AFTER, value)]);
        let message = |headers: &HeaderMap| {
            status_error(&url, StatusCode::TOO_MANY_REQUESTS, headers, false)
                .message()
                .to_owned()
        };
        assert!(message(&retry("30")).ends_with("retry in 30 seconds"));
        assert!(message(&retry("1")).ends_with("retry in 1 second"));
        assert!(
            message(&retry("Wed, 21 Oct 2026 07:28:00 GMT"))
                .ends_with("retry after Wed, 21 Oct 2026 07:28:00 GMT")
        );
        assert!(message(&HeaderMap::new()).ends_with("wait a little and retry"));
    }
}
