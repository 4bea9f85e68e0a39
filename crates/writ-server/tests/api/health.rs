use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ok", "database": "ok"}),
        "no productions here: nothing said of their storage"
    );
}

/// A provider with no accounts.
struct Nobody;

#[async_trait::async_trait]
impl writ_sources::AccountDirectory for Nobody {
    async fn resolve(
        &self,
        _: &writ_core::Identifier,
        _: Option<writ_core::Timestamp>,
    ) -> Result<Option<writ_sources::AccountEntry>, writ_sources::SourceError> {
        Ok(None)
    }
}

/// With productions, the directory or bucket they are kept in is checked too.
#[tokio::test]
async fn healthz_reports_the_productions_storage() {
    let dir = tempfile::tempdir().unwrap();
    for (storage, status, said) in [
        (
            writ_storage::ProductionStorage::directory(dir.path().join("productions")),
            200,
            "ok",
        ),
        (
            writ_storage::ProductionStorage::directory("/nonexistent/parent/productions"),
            503,
            "unavailable",
        ),
    ] {
        let collector =
            writ_sources::collector::Collector::new(std::sync::Arc::new(Nobody), Vec::new());
        let productions = writ_app::production::Productions::new(
            collector,
            writ_seal::ProductionKey::generate(),
            storage,
            time::Duration::hours(1),
            time::Duration::seconds(30),
        );
        let app = crate::helpers::spawn_app_producing(
            crate::helpers::Backend::Sqlite,
            None,
            Some(productions),
        )
        .await;
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), status);
        let body = response.json::<Value>().await.unwrap();
        assert_eq!(body["storage"], said, "{body}");
        assert_eq!(body["database"], "ok", "{body}");
    }
}

#[tokio::test]
async fn healthz_reports_a_lost_database() {
    let app = spawn_app().await;
    app.db.store.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.json::<Value>().await.unwrap()["database"],
        "unavailable"
    );
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let app = spawn_app().await;
    let response = app.get("/no/such/thing").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "not found"})
    );
}

#[tokio::test]
async fn metrics_are_counted_by_route_and_served_only_on_their_own_listener() {
    let app = spawn_app().await;
    app.get("/healthz").await;
    app.get("/no/such/thing").await;
    let text = app.metrics.render();
    assert!(
        text.contains(r#"writ_http_requests_total{method="GET",route="/healthz",status="200"}"#),
        "{text}"
    );
    // The raw path is never a label: ids in paths would explode the series.
    assert!(!text.contains("/no/such/thing"), "{text}");
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "not on the public listener"
    );
}

#[tokio::test]
async fn a_request_id_given_by_the_caller_is_kept() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-42");
}
