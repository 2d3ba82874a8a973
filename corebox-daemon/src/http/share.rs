//! `/s/{token}` and `/s/{token}/raw`: what a visitor of a share link gets.
//!
//! `/s/{token}` gives a browser (a request that accepts `text/html`) the
//! file's page and anything else the bytes as an attachment, so the printed
//! URL works both in a browser and with `curl -fLO` or `wget`. `/raw`
//! always gives the bytes, inline where the type is safe to show
//! (`?download=1` makes it an attachment); the page's preview and download
//! button point there.
//!
//! A password-protected share opens with HTTP Basic credentials (any user
//! name, the share's password), which is what `curl -u :PASSWORD` and the
//! CLI send, or with the unlock cookie a browser gets from the password
//! form. Without either, a browser asking for the page gets the form and
//! everything else 401 with a Basic challenge. Wrong passwords are
//! throttled in the shares subsystem; a throttled share answers 429 to
//! every guess, right or wrong, until the wait is over.
//!
//! Unknown, expired, used-up and revoked tokens all get
//! [`pages::not_found`], the same answer as any path we do not serve.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use serde::Deserialize;

use super::content;
use super::disposition::Disposition;
use super::guard::{Client, empty};
use super::pages::{self, FormNote};
use super::{Public, Segment, text};
use crate::auth::AuthError;
use crate::shares::store::ShareRow;
use crate::shares::{SharesError, Visitor};

/// The unlock cookie's name; its path scopes it to one share.
const UNLOCK_COOKIE: &str = "corebox_unlock";

/// `GET`, `HEAD /s/{token}`: the page for browsers, the bytes for others.
pub async fn page(
    State(public): State<Arc<Public>>,
    Segment(token): Segment,
    Extension(Client(client)): Extension<Client>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let browser = pages::wants_html(&headers);
    let share = match find(&public, &token, &headers).await {
        Ok(share) => share,
        Err(answer) => return answer,
    };
    if let Err(refusal) = access(&public, &share, &headers, client).await {
        return match refusal {
            Refusal::Locked { wrong } if browser => pages::share_password_form(if wrong {
                FormNote::Wrong
            } else {
                FormNote::None
            }),
            Refusal::Throttled(secs) if browser => {
                pages::share_password_form(FormNote::Throttled(secs))
            }
            refusal => refusal.answer(&headers),
        };
    }
    if browser {
        // A preview fetches the whole file, which would use up a limited
        // share's downloads just by looking at the page.
        let preview = content::Presentation::of(&share.media_type, &share.file_name).preview
            && share.max_downloads.is_none();
        let url = public.app.shares.url(&share.token);
        return pages::share_page(&share, &public.share_path(&share.token), &url, preview);
    }
    bytes(
        &public,
        &share,
        &method,
        &headers,
        Disposition::Attachment,
        false,
        client,
    )
    .await
}

/// `GET`, `HEAD /s/{token}/raw`: the bytes, whatever the client accepts.
pub async fn raw(
    State(public): State<Arc<Public>>,
    Segment(token): Segment,
    Extension(Client(client)): Extension<Client>,
    RawQuery(query): RawQuery,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let share = match find(&public, &token, &headers).await {
        Ok(share) => share,
        Err(answer) => return answer,
    };
    if let Err(refusal) = access(&public, &share, &headers, client).await {
        return refusal.answer(&headers);
    }
    let pairs: Vec<&str> = query.as_deref().unwrap_or_default().split('&').collect();
    let has = |key: &str| {
        pairs
            .iter()
            .any(|pair| *pair == key || pair.starts_with(&format!("{key}=")))
    };
    let (download, preview) = (has("download"), has("preview"));
    let disposition = if download {
        Disposition::Attachment
    } else {
        Disposition::Inline
    };
    bytes(
        &public,
        &share,
        &method,
        &headers,
        disposition,
        preview,
        client,
    )
    .await
}

/// The password form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    /// The password typed.
    pub password: String,
}

/// `POST /s/{token}`: the password form. The right password gets the
/// unlock cookie and a redirect to the page (303, so a reload does not
/// post again); anything else gets the form again, and never a cookie.
pub async fn unlock(
    State(public): State<Arc<Public>>,
    Segment(token): Segment,
    Extension(Client(client)): Extension<Client>,
    headers: HeaderMap,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let share = match find(&public, &token, &headers).await {
        Ok(share) => share,
        Err(answer) => return answer,
    };
    let path = public.share_path(&share.token);
    if share.password_hash.is_some() {
        let Ok(Form(form)) = form else {
            return pages::share_password_form(FormNote::Malformed);
        };
        match public
            .app
            .shares
            .check_password(&share, form.password, client)
            .await
        {
            Ok(true) => {}
            Ok(false) => return pages::share_password_form(FormNote::Wrong),
            Err(SharesError::Auth(AuthError::Throttled { retry_after })) => {
                return pages::share_password_form(FormNote::Throttled(
                    retry_after.as_secs().max(1),
                ));
            }
            Err(error) => {
                tracing::error!(%error, "cannot check a share password");
                return pages::internal_error(&headers);
            }
        }
    }
    let mut response = empty(StatusCode::SEE_OTHER);
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&path) {
        headers.insert(header::LOCATION, location);
    }
    if share.password_hash.is_some() {
        let cookie = public.app.shares.unlock_cookie(&share);
        let secure = if public.is_https { "; Secure" } else { "" };
        let value = format!(
            "{UNLOCK_COOKIE}={}; Path={path}; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
            cookie.value, cookie.max_age
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(header::SET_COOKIE, value);
        }
    }
    response
}

/// The live share behind `token`; else the not-found answer (the same
/// for every kind of missing), or an error page when the lookup failed.
async fn find(public: &Public, token: &str, headers: &HeaderMap) -> Result<ShareRow, Response> {
    match public.app.shares.find(token).await {
        Ok(Some(share)) => Ok(share),
        Ok(None) => Err(pages::not_found(headers)),
        Err(error) => {
            tracing::error!(%error, "cannot look up a share");
            Err(pages::internal_error(headers))
        }
    }
}

/// Why a request may not have a share's content.
#[derive(Debug)]
enum Refusal {
    /// No (or a wrong) password.
    Locked { wrong: bool },
    /// Too many wrong guesses; retry after this many seconds.
    Throttled(u64),
    /// The check itself failed.
    Fault,
}

impl Refusal {
    /// The answer for a client that is not shown the password form.
    fn answer(self, headers: &HeaderMap) -> Response {
        match self {
            Refusal::Locked { wrong } => refusal_answer(wrong, None, "share"),
            Refusal::Throttled(secs) => refusal_answer(false, Some(secs), "share"),
            Refusal::Fault => pages::internal_error(headers),
        }
    }
}

/// The answer to a client that is not a browser when a password guards
/// `what` (a share, a short link): 401 with a Basic challenge, or 429 with
/// `Retry-After` while wrong guesses are throttled.
pub fn refusal_answer(wrong: bool, throttled: Option<u64>, what: &str) -> Response {
    if let Some(secs) = throttled {
        let mut response = text(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many wrong passwords: retry in {secs} s\n"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return response;
    }
    let message = if wrong {
        format!("wrong password for this {what}\n")
    } else {
        format!(
            "this {what} needs a password: send it as HTTP Basic auth, for example \
             curl -u :PASSWORD\n"
        )
    };
    let mut response = text(StatusCode::UNAUTHORIZED, message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"corebox\", charset=\"UTF-8\""),
    );
    response
}

/// Checks the request's unlock cookie or Basic credentials against
/// `share`'s password.
async fn access(
    public: &Public,
    share: &ShareRow,
    headers: &HeaderMap,
    client: IpAddr,
) -> Result<(), Refusal> {
    if share.password_hash.is_none() {
        return Ok(());
    }
    let shares = &public.app.shares;
    if cookies(headers, UNLOCK_COOKIE).any(|cookie| shares.is_unlocked(share, cookie)) {
        return Ok(());
    }
    let Some(password) = basic_password(headers) else {
        return Err(Refusal::Locked { wrong: false });
    };
    match shares.check_password(share, password, client).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(Refusal::Locked { wrong: true }),
        Err(SharesError::Auth(AuthError::Throttled { retry_after })) => {
            Err(Refusal::Throttled(retry_after.as_secs().max(1)))
        }
        Err(error) => {
            tracing::error!(%error, "cannot check a share password");
            Err(Refusal::Fault)
        }
    }
}

/// The values of the cookies called `name`.
fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(move |pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

/// The password of an `Authorization: Basic` header (the user name is
/// ignored); `None` when there is none or it is malformed.
pub fn basic_password(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_, password) = text.split_once(':')?;
    Some(password.to_owned())
}

/// The file's bytes for `share`, recorded as a visit from `client`.
async fn bytes(
    public: &Public,
    share: &ShareRow,
    method: &Method,
    headers: &HeaderMap,
    disposition: Disposition,
    preview: bool,
    client: IpAddr,
) -> Response {
    let visitor = Visitor {
        ip: client,
        user_agent: super::header_text(headers, header::USER_AGENT),
        referrer: super::header_text(headers, header::REFERER),
    };
    match content::serve(
        public,
        share,
        method,
        headers,
        disposition,
        preview,
        visitor,
    )
    .await
    {
        Some(response) => response,
        // The last download went to someone else a moment ago.
        None => pages::not_found(headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).expect("value"));
        headers
    }

    #[test]
    fn basic_credentials_give_the_password_and_junk_gives_none() {
        let auth = |value: &str| basic_password(&with(header::AUTHORIZATION, value));
        // base64(":open sesame") and base64("user:pa:ss")
        assert_eq!(
            auth("Basic Om9wZW4gc2VzYW1l").as_deref(),
            Some("open sesame")
        );
        assert_eq!(auth("basic dXNlcjpwYTpzcw==").as_deref(), Some("pa:ss"));
        for junk in [
            "Basic",
            "Basic !!!",
            "Basic bm9jb2xvbg==",
            "Bearer Om9wZW4gc2VzYW1l",
            "",
        ] {
            assert_eq!(auth(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn cookies_are_found_by_name_among_others() {
        let headers = with(
            header::COOKIE,
            "a=1; corebox_unlock=first; corebox_unlocked=x;corebox_unlock=second",
        );
        let found: Vec<&str> = cookies(&headers, UNLOCK_COOKIE).collect();
        assert_eq!(found, ["first", "second"]);
    }
}
