//! One tracing span per request, named by the matched route (not the raw path, which
//! may carry ids), and request metrics served on a separate, private listener.

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::trace::TraceLayer;

pub(crate) fn route_of(request: &Request) -> String {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned())
}

pub(crate) fn trace_layer<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(
        TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let route = route_of(request);
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            // Load balancers poll /healthz constantly: keep it out of the info log.
            if route == "/healthz" {
                tracing::debug_span!("request", method = %request.method(), route, request_id)
            } else {
                tracing::info_span!("request", method = %request.method(), route, request_id)
            }
        }),
    )
}

/// Counts requests and their latency by route and status.
pub(crate) async fn record_metrics(request: Request, next: Next) -> Response {
    let route = route_of(&request);
    let method = request.method().to_string();
    // Latency is measured, not decided on: the one place a handler path reads the clock.
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let labels = [
        ("method", method),
        ("route", route),
        ("status", response.status().as_u16().to_string()),
    ];
    metrics::counter!("writ_http_requests_total", &labels).increment(1);
    metrics::histogram!("writ_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The metrics listener's router: `/metrics` in the Prometheus text format.
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(handle)
}

async fn render(State(handle): State<PrometheusHandle>) -> String {
    handle.render()
}
