//! Per-request observation (a span, a debug line, Prometheus counters and
//! a latency histogram) and the `/metrics` scrape.
//!
//! Requests are labelled with their route template (`/s/{token}`), or
//! `unmatched`, never with the raw path: paths hold share tokens, and raw
//! paths would give the metrics unbounded cardinality. `/metrics` is served
//! to clients on loopback (as [`super::guard`] resolved them, so a request
//! relayed by a local proxy from elsewhere does not count as local) and to
//! anyone presenting an admin token as `Authorization: Bearer TOKEN`.

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use corebox_proto::types::Secret;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing::Instrument as _;

use super::Public;
use super::guard::Client;

/// Counter of answered requests, by method, route and status.
const REQUESTS: &str = "corebox_http_requests_total";
/// Histogram of the time to the answer's head, by route.
const DURATION: &str = "corebox_http_request_duration_seconds";
/// Counter of share bytes sent, partial transfers included.
pub const BYTES_SERVED: &str = "corebox_share_bytes_served_total";
/// Counter of completed share downloads.
pub const DOWNLOADS: &str = "corebox_share_downloads_total";

/// Latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The daemon's metrics recorder.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// Installs the process-wide recorder. Only the first call in a
    /// process can; later ones get a recorder of their own that nothing
    /// reports to, and say so in the log.
    pub fn install() -> Metrics {
        let builder = || {
            PrometheusBuilder::new()
                .set_buckets(&BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new())
        };
        let handle = match builder().install_recorder() {
            Ok(handle) => handle,
            Err(error) => {
                tracing::warn!(%error, "metrics recorder already installed; /metrics will be empty");
                builder().build_recorder().handle()
            }
        };
        Metrics { handle }
    }

    /// Housekeeping the recorder needs now and then.
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

/// A label for `method` that cannot grow without bound.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// The label of a request's route: its template, without copying it per
/// request, or `unmatched`.
fn route_label(matched: Option<&MatchedPath>) -> &'static str {
    matched
        .and_then(|path| super::ROUTES.iter().find(|route| **route == path.as_str()))
        .copied()
        .unwrap_or("unmatched")
}

/// Wraps each request in a span and counts its answer.
pub async fn observe(request: Request, next: Next) -> Response {
    let route = route_label(request.extensions().get::<MatchedPath>());
    let method = method_label(request.method());
    let span = tracing::debug_span!("http", method, route);
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::debug!(
            status,
            latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            "answered"
        );
    });
    metrics::counter!(REQUESTS, "method" => method, "route" => route, "status" => status.to_string())
        .increment(1);
    metrics::histogram!(DURATION, "route" => route).record(elapsed.as_secs_f64());
    response
}

/// `GET /metrics`: the Prometheus text format.
pub async fn scrape(
    State(public): State<Arc<Public>>,
    Extension(Client(client)): Extension<Client>,
    headers: HeaderMap,
) -> Response {
    let local = client.is_loopback();
    if !local && !is_admin(&public, &headers).await {
        return super::text(
            StatusCode::FORBIDDEN,
            "metrics are served to loopback clients, or with an admin token \
             (Authorization: Bearer TOKEN)\n",
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        public.metrics.handle.render(),
    )
        .into_response()
}

async fn is_admin(public: &Public, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    match public.app.auth.verify(&Secret::new(token.trim())).await {
        Ok(actor) => actor.require_admin().is_ok(),
        Err(_) => false,
    }
}
