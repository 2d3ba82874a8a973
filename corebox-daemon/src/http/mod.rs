//! The public front door: share pages and bytes, health and metrics, over
//! plain HTTP/1.1 (TLS belongs to a reverse proxy in front, named in
//! `trusted_proxies`).
//!
//! Routes: `/s/{token}` and `/s/{token}/raw` ([`share`]), `/{code}` and
//! `/{code}+` ([`link`]), `/healthz`, `/metrics` ([`metrics`]),
//! `/robots.txt`. Every other first path segment the endpoint uses is in
//! [`RESERVED_WORDS`], which no short-link alias may take.
//!
//! Every request passes, outermost first: the secure headers that every
//! answer carries ([`guard::secure_headers`]), a span, a log line and
//! metrics per request with the route template, never the raw path, which
//! holds share tokens ([`metrics::observe`]), a timeout, then the client's
//! address and its rate limit ([`guard::admit`]). Connections are served by
//! hyper directly rather than `axum::serve`, for the limits axum does not
//! expose: the size of a request head and the time a client may take to
//! send it.

mod content;
mod disposition;
mod guard;
mod link;
mod metrics;
mod pages;
mod share;

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;
use tower_http::timeout::TimeoutLayer;

use crate::App;
pub use metrics::Metrics;

pub use crate::links::RESERVED_WORDS;

/// Largest request head (request line and headers) accepted; larger ones
/// get 431 from hyper. Enough for any browser's cookies and headers.
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Largest request body accepted (the password form is the only one).
const MAX_BODY_BYTES: usize = 8 * 1024;

/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a handler may take to start answering.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// State shared by the handlers.
#[derive(Debug)]
pub struct Public {
    app: Arc<App>,
    guard: guard::Guard,
    metrics: Metrics,
    /// The path of the public URL (`""`, or `/box` behind a proxy that
    /// serves CoreBox under a prefix), for links and cookie paths.
    base_path: String,
    /// Whether the public URL is https: cookies are `Secure` and answers
    /// carry HSTS.
    is_https: bool,
    /// The status of short-link redirects.
    redirect: StatusCode,
}

impl Public {
    /// The handlers' state over `app`, whose public links start with
    /// `public_base`.
    pub fn new(app: Arc<App>, public_base: &str, metrics: Metrics) -> Public {
        let is_https = public_base.starts_with("https://");
        let after_scheme = public_base.split_once("://").map_or("", |(_, rest)| rest);
        let base_path = after_scheme
            .find('/')
            .map_or("", |at| &after_scheme[at..])
            .trim_end_matches('/')
            .to_owned();
        let config = &app.config;
        let guard = guard::Guard::new(
            config.http_rate_per_second,
            config.http_burst,
            config.trusted_proxies.0.clone(),
        );
        let redirect = StatusCode::from_u16(config.link_redirect).unwrap_or(StatusCode::FOUND);
        Public {
            app,
            guard,
            metrics,
            base_path,
            is_https,
            redirect,
        }
    }

    /// The path of share `token`'s page on this endpoint.
    fn share_path(&self, token: &str) -> String {
        format!("{}/s/{token}", self.base_path)
    }

    /// The path of short link `code` on this endpoint.
    fn link_path(&self, code: &str) -> String {
        format!("{}/{code}", self.base_path)
    }
}

/// The route templates the endpoint serves; metrics label requests with
/// them (see [`metrics::observe`]).
const ROUTES: [&str; 7] = [
    "/healthz",
    "/robots.txt",
    "/favicon.ico",
    "/metrics",
    "/s/{token}",
    "/s/{token}/raw",
    "/{code}",
];

/// The public endpoint's router.
pub fn router(public: Arc<Public>) -> Router {
    let [
        healthz_route,
        robots_route,
        favicon,
        metrics_route,
        share_route,
        raw,
        code,
    ] = ROUTES;
    Router::new()
        .route(healthz_route, get(healthz))
        .route(robots_route, get(robots))
        // Browsers ask for it on every page; it is no short link's miss.
        .route(favicon, get(not_found))
        .route(metrics_route, get(metrics::scrape))
        .route(share_route, get(share::page).post(share::unlock))
        .route(raw, get(share::raw))
        .route(code, get(link::follow).post(link::unlock))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&public),
            guard::admit,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            ANSWER_TIMEOUT,
        ))
        .layer(middleware::from_fn(metrics::observe))
        .layer(middleware::map_response_with_state(
            Arc::clone(&public),
            guard::secure_headers,
        ))
        .with_state(public)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Share links are for the people they are sent to, not for indexes.
async fn robots() -> &'static str {
    "User-agent: *\nDisallow: /\n"
}

async fn not_found(request: Request<Body>) -> Response {
    pages::not_found(request.headers())
}

/// The one path segment of a route (a share token, a link code). A segment
/// that is not UTF-8 names nothing, so it gets the not-found page like any
/// other unknown one rather than the router's own 400.
struct Segment(String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Segment, Response> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(segment)) => Ok(Segment(segment)),
            Err(_) => Err(pages::not_found(&parts.headers)),
        }
    }
}

/// The bound listener of the public endpoint.
#[derive(Debug)]
pub struct Listener {
    inner: TcpListener,
    local: SocketAddr,
}

impl Listener {
    /// Binds `address` (port 0 picks a free port).
    ///
    /// # Errors
    ///
    /// The address is in use or cannot be bound.
    pub async fn bind(address: SocketAddr) -> io::Result<Listener> {
        let inner = TcpListener::bind(address).await?;
        let local = inner.local_addr()?;
        Ok(Listener { inner, local })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

/// Serves `router` on `listener` until `shutdown`; then stops accepting,
/// lets the answers in progress finish for at most `grace`, and returns.
pub async fn serve(
    listener: Listener,
    router: Router,
    public: Arc<Public>,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_header_size(MAX_HEAD_BYTES);
    let connections = GracefulShutdown::new();
    let mut upkeep = tokio::time::interval(Duration::from_secs(10));
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            _ = upkeep.tick() => {
                public.guard.forget_idle();
                public.metrics.upkeep();
                continue;
            }
            accepted = listener.inner.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors and the like: keep serving the
                // connections already open.
                tracing::warn!(%error, "cannot accept an HTTP connection");
                tokio::task::yield_now().await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().oneshot(request.map(Body::new));
            async move { Ok::<_, Infallible>(answer.await.into_response()) }
        });
        let connection = connections.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "HTTP connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = connections.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!(?grace, "HTTP answers still in progress after the grace period; stopping anyway");
        }
    }
}

/// The text of header `name`, when it is there and readable.
fn header_text(headers: &axum::http::HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// A plain-text answer with `status`, for clients that are not browsers.
fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}
