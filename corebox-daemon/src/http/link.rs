//! `/{code}`: short-link redirects, their password form, and `/{code}+`,
//! the inspect page that shows where a link goes without going there.
//!
//! A redirect answers with the configured status (302 unless set) and
//! `Cache-Control: private, no-store`, so that every visit reaches the
//! daemon and is counted; HEAD gets the same answer and counts nothing.
//! A password-protected link opens with HTTP Basic credentials (any user
//! name) or its form, which redirects on the right password. Unknown,
//! expired, used-up and removed codes get the one not-found answer, and a
//! client that misses too often gets 429 until its wait is over.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

use super::guard::{Client, empty};
use super::pages::{self, FormNote};
use super::share::{PasswordForm, basic_password, refusal_answer};
use super::{Public, Segment};
use crate::auth::AuthError;
use crate::links::store::LinkRow;
use crate::links::{LinksError, Visit};

/// `GET`, `HEAD /{code}` and `/{code}+`.
pub async fn follow(
    State(public): State<Arc<Public>>,
    Segment(code): Segment,
    Extension(Client(client)): Extension<Client>,
    request: Request,
) -> Response {
    // The request itself, not a copy of its headers: this is the hot path.
    let (method, headers) = (request.method().clone(), request.headers());
    let (code, inspect) = match code.strip_suffix('+') {
        Some(code) => (code, true),
        None => (code.as_str(), false),
    };
    let link = match find(&public, code, client, headers).await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    if inspect {
        let url = public.app.links.url(&link.code);
        return pages::inspect_page(&link, &url, &public.link_path(&link.code));
    }
    if link.password_hash.is_some() {
        let browser = pages::wants_html(headers);
        let Some(password) = basic_password(headers) else {
            return if browser {
                pages::link_password_form(FormNote::None)
            } else {
                refusal_answer(false, None, "short link")
            };
        };
        match check(&public, &link, password, client, headers).await {
            Ok(true) => {}
            Ok(false) if browser => return pages::link_password_form(FormNote::Wrong),
            Ok(false) => return refusal_answer(true, None, "short link"),
            Err(answer) => return answer,
        }
    }
    if method == Method::HEAD {
        return redirect(&public, &link, None);
    }
    go(&public, &link, client, headers, None).await
}

/// `POST /{code}`: the password form.
pub async fn unlock(
    State(public): State<Arc<Public>>,
    Segment(code): Segment,
    Extension(Client(client)): Extension<Client>,
    headers: HeaderMap,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Response {
    let link = match find(&public, &code, client, &headers).await {
        Ok(link) => link,
        Err(answer) => return answer,
    };
    if link.password_hash.is_some() {
        let Ok(Form(form)) = form else {
            return pages::link_password_form(FormNote::Malformed);
        };
        match check(&public, &link, form.password, client, &headers).await {
            Ok(true) => {}
            Ok(false) => return pages::link_password_form(FormNote::Wrong),
            Err(answer) => return answer,
        }
    }
    // 303: the browser follows with a GET, whatever the redirect status.
    go(
        &public,
        &link,
        client,
        &headers,
        Some(StatusCode::SEE_OTHER),
    )
    .await
}

/// The live link behind `code`; else the answer to give.
async fn find(
    public: &Public,
    code: &str,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<Arc<LinkRow>, Response> {
    match public.app.links.find(code, client).await {
        Ok(Some(link)) => Ok(link),
        Ok(None) => Err(pages::not_found(headers)),
        Err(LinksError::Auth(AuthError::Throttled { retry_after })) => {
            let secs = retry_after.as_secs().max(1);
            let mut answer = super::text(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many unknown links from you: retry in {secs} s\n"),
            );
            answer
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            Err(answer)
        }
        Err(error) => {
            tracing::error!(%error, "cannot look up a short link");
            Err(pages::internal_error(headers))
        }
    }
}

/// Checks a password; `Err` is the answer when the check cannot say.
async fn check(
    public: &Public,
    link: &LinkRow,
    password: String,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<bool, Response> {
    match public
        .app
        .links
        .check_password(link, password, client)
        .await
    {
        Ok(right) => Ok(right),
        Err(LinksError::Auth(AuthError::Throttled { retry_after })) => {
            let secs = retry_after.as_secs().max(1);
            Err(if pages::wants_html(headers) {
                pages::link_password_form(FormNote::Throttled(secs))
            } else {
                refusal_answer(false, Some(secs), "short link")
            })
        }
        Err(error) => {
            tracing::error!(%error, "cannot check a short-link password");
            Err(pages::internal_error(headers))
        }
    }
}

/// Takes a click and redirects; a link whose last click went to someone
/// else a moment ago is not found.
async fn go(
    public: &Public,
    link: &LinkRow,
    client: IpAddr,
    headers: &HeaderMap,
    status: Option<StatusCode>,
) -> Response {
    let visit = Visit {
        ip: client,
        user_agent: super::header_text(headers, header::USER_AGENT),
        referrer: super::header_text(headers, header::REFERER),
    };
    if !public.app.links.follow(link, visit).await {
        return pages::not_found(headers);
    }
    redirect(public, link, status)
}

/// The redirect to `link`'s target, with the configured status unless
/// `status` says otherwise.
fn redirect(public: &Public, link: &LinkRow, status: Option<StatusCode>) -> Response {
    let status = status.unwrap_or(public.redirect);
    // Targets are stored in the URL crate's ASCII form, checked when made.
    let Ok(location) = HeaderValue::from_str(&link.target) else {
        tracing::error!(code = %link.code, "a stored target is not a valid header value");
        return pages::internal_error(&HeaderMap::new());
    };
    let mut response = empty(status);
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, location);
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}
