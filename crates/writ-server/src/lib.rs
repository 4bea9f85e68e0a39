//! writ's HTTP server. Handlers translate HTTP into calls on the domain and the store;
//! they hold no business rules.

pub mod audit;
mod error;
pub mod intake;
mod observe;

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use writ_core::Clock;
use writ_store::Store;

pub use error::{ApiError, error_chain};
pub use intake::Policy;
pub use observe::metrics_router;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub policy: Arc<Policy>,
}

/// The public router: API (and later the web UI).
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/audit/checkpoint", get(audit::latest_checkpoint))
        .route("/api/v1/audit/proof/inclusion", get(audit::inclusion_proof))
        .route(
            "/api/v1/audit/proof/consistency",
            get(audit::consistency_proof),
        )
        .fallback(|| async { ApiError::NotFound })
        .with_state(state);
    observe::trace_layer(routes)
        .layer(axum::middleware::from_fn(observe::record_metrics))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Serves `app` until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Alive, and the database answers.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))),
        Err(error) => {
            tracing::warn!(error = %error_chain(&error), "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "database": "unavailable"})),
            )
        }
    }
}
