//! writ's HTTP server: the JSON API, the web UI and the OpenAPI document. Handlers
//! translate HTTP into calls on writ-app's desks; they hold no business rules.

pub mod access;
mod admin;
mod api;
mod audit;
mod delivery;
mod eevidence;
mod error;
mod extract;
mod hi1;
mod observe;
pub mod openapi;
mod published;
pub mod queue;
mod register;
mod web;
mod wire;

use std::future::Future;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::routing::patch;
use axum::routing::post;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use writ_app::AppError;

pub use access::AppState;
pub use error::{ApiError, error_chain};
pub use observe::metrics_router;

/// The public router: API (and later the web UI).
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/openapi.json", get(openapi::openapi_document))
        .route("/api/v1/session", post(api::log_in))
        .route("/api/v1/demands", post(api::submit_demand))
        .route("/api/v1/demands/check", post(api::check_demand))
        .route("/api/v1/demands/{id}", get(api::demand_status))
        .route("/api/v1/demands/{id}/withdraw", post(api::withdraw))
        .route(
            "/api/v1/demands/{id}/messages",
            post(api::authority_message),
        )
        .route(
            "/api/v1/hi1",
            post(hi1::receive_hi1_message)
                .layer(axum::extract::DefaultBodyLimit::max(hi1::MAX_MESSAGE_BYTES)),
        )
        .route("/api/v1/cases", get(api::list_cases))
        .route("/api/v1/cases/overdue", get(register::overdue))
        .route("/api/v1/notices/{id}/hold", post(register::hold_notice))
        .route("/api/v1/gags/review", get(register::gags_for_review))
        .route("/api/v1/gags/{id}/extend", post(register::extend_gag))
        .route("/api/v1/gags/{id}/lift", post(register::lift_gag))
        .route("/api/v1/holds", get(register::holds))
        .route("/api/v1/holds/{id}/extend", post(register::extend_hold))
        .route("/api/v1/cases/{id}", get(api::view_case))
        .route("/api/v1/cases/{id}/history", get(api::case_history))
        .route("/api/v1/cases/{id}/review", post(api::review))
        .route(
            "/api/v1/cases/{id}/clarification",
            post(api::request_clarification),
        )
        .route("/api/v1/cases/{id}/assign", post(api::assign))
        .route("/api/v1/cases/{id}/callback", post(api::record_callback))
        .route("/api/v1/cases/{id}/approve", post(api::approve))
        .route("/api/v1/cases/{id}/reject", post(api::reject))
        .route("/api/v1/cases/{id}/counsel", post(api::counsel))
        .route(
            "/api/v1/cases/{id}/enforcing-authority",
            post(eevidence::record_enforcing_authority),
        )
        .route("/api/v1/cases/{id}/form3", post(eevidence::record_form3))
        .route(
            "/api/v1/cases/{id}/gates/{code}/clear",
            post(api::clear_gate),
        )
        .route(
            "/api/v1/cases/{id}/productions",
            get(delivery::case_productions),
        )
        .route("/api/v1/productions/{id}/release", post(delivery::release))
        .route("/api/v1/productions/{id}/download", get(delivery::download))
        .route("/api/v1/admin/agencies", post(admin::add_agency))
        .route("/api/v1/admin/agencies/{id}", patch(admin::change_agency))
        .route("/api/v1/admin/users", post(admin::add_user))
        .route(
            "/api/v1/admin/users/{id}/disable",
            post(admin::disable_user),
        )
        .route("/api/v1/admin/users/{id}/enable", post(admin::enable_user))
        .route("/api/v1/admin/changes", get(admin::pending_changes))
        .route(
            "/api/v1/admin/changes/{id}/confirm",
            post(admin::confirm_change),
        )
        .route(
            "/api/v1/admin/transparency/{period}/publish",
            post(published::publish),
        )
        .route(
            "/transparency/{period}/records.jsonl",
            get(published::records),
        )
        .route("/transparency/{period}/proof", get(published::proof))
        .route("/api/v1/audit/checkpoint", get(audit::latest_checkpoint))
        .route("/api/v1/audit/proof/inclusion", get(audit::inclusion_proof))
        .route(
            "/api/v1/audit/proof/consistency",
            get(audit::consistency_proof),
        )
        // The API's answers carry case data: no cache, shared or private, keeps them.
        .layer(axum::middleware::map_response(no_store))
        .layer(axum::middleware::map_response(json_errors))
        .merge(web::router())
        .fallback(|| async { ApiError::from(AppError::NotFound) })
        .with_state(state);
    observe::trace_layer(routes)
        .layer(axum::middleware::from_fn(observe::record_metrics))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// axum's own refusals (a bad query string, a method the route does not take, a body
/// too large) are plain text or empty; the API answers every error as `{"error": …}`.
async fn json_errors(response: axum::response::Response) -> axum::response::Response {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase()
    } else {
        text
    };
    let mut answer = (status, axum::Json(serde_json::json!({"error": message}))).into_response();
    // What else the refusal said (`Allow` on a 405) stays.
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

/// `Cache-Control: no-store`, unless the route said otherwise.
async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    if !headers.contains_key(axum::http::header::CACHE_CONTROL) {
        headers.insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    response
}

/// The longest request target (path and query) writ reads: a longer one is a 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) a request may carry: more is a 431.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most headers a request may carry: more is a 431.
pub const MAX_HEADERS: usize = 100;
/// hyper's buffer for a request head, well above the limits writ checks, so that writ
/// refuses what is too long with its JSON error. hyper itself (with an empty body, as
/// HTTP/1 parse errors are answered before a request exists) refuses only a head larger
/// than this, a URI over 64 KiB, or a request line or header that is not HTTP.
const HEAD_BUFFER_BYTES: usize = 1024 * 1024;

/// A 414 or 431, as `{"error": …}`, for a URI or headers beyond writ's limits.
async fn request_limits(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri > MAX_URI_BYTES {
        let message = format!("the URI is longer than {MAX_URI_BYTES} bytes");
        return (
            StatusCode::URI_TOO_LONG,
            Json(serde_json::json!({"error": message})),
        )
            .into_response();
    }
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        let message = format!(
            "the headers are too large: at most {MAX_HEADERS} headers and {MAX_HEADER_BYTES} bytes"
        );
        return (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Json(serde_json::json!({"error": message})),
        )
            .into_response();
    }
    next.run(request).await
}

/// Serves `app` until `shutdown` resolves, then lets requests in flight finish.
///
/// One HTTP/1.1 connection per accepted socket, like `axum::serve`, but with hyper's
/// request-head buffer sized by writ ([`HEAD_BUFFER_BYTES`]); each request carries the
/// client's address (`ConnectInfo`, for throttling failed sign-ins per source).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let app = app.layer(axum::middleware::from_fn(request_limits));
    let (stop, stopped) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, then accept again.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(axum::body::Body::new)
            },
        );
        let mut stopped = stopped.clone();
        connections.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .max_buf_size(HEAD_BUFFER_BYTES)
                .max_headers(MAX_HEADERS * 10);
            let connection =
                builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stopped.changed() => connection.as_mut().graceful_shutdown(),
            }
            // Requests in flight finish; idle connections close.
            let _ = connection.await;
        });
        // Forget connections that ended, so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop.send(());
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Alive, and the database answers.
/// How long `/healthz` waits for the database: a health check that queues behind heavy
/// reads for its answer tells a load balancer nothing in time.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    // Both at once, each within the timeout: a slow bucket must not hide the database.
    let (database, storage) = tokio::join!(
        tokio::time::timeout(HEALTH_TIMEOUT, state.unsafe_store().ping()),
        tokio::time::timeout(HEALTH_TIMEOUT, state.check_storage()),
    );
    let database = match database {
        Ok(Ok(())) => "ok",
        Ok(Err(error)) => {
            tracing::warn!(error = %error_chain(&error), "health check: database unavailable");
            "unavailable"
        }
        Err(_) => {
            tracing::warn!(timeout = ?HEALTH_TIMEOUT, "health check: the database did not answer in time");
            "timeout"
        }
    };
    let storage = match storage {
        Ok(None) => None,
        Ok(Some(Ok(()))) => Some("ok"),
        Ok(Some(Err(error))) => {
            tracing::warn!(error = %error_chain(&error), "health check: productions' storage unavailable");
            Some("unavailable")
        }
        Err(_) => {
            tracing::warn!(timeout = ?HEALTH_TIMEOUT, "health check: productions' storage did not answer in time");
            Some("timeout")
        }
    };
    let healthy = database == "ok" && storage.is_none_or(|s| s == "ok");
    (
        if healthy {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(wire::Health {
            status: if healthy { "ok" } else { "unavailable" },
            database,
            storage,
        }),
    )
}
