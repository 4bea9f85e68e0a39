//! A demand withdrawn while it is collected, against a slow source the test paces: the
//! collection stops at the next item, the spool goes, the production and the notices
//! end `cancelled`, and each step is in the audit log.

use std::sync::Arc;

use serde_json::json;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{Semaphore, mpsc};
use writ_app::jobs::runner::run_due_jobs;
use writ_app::production::Productions;
use writ_core::demand::Category;
use writ_core::{Identifier, Role, Timestamp};
use writ_seal::ProductionKey;
use writ_sources::collector::Collector;
use writ_sources::{
    AccountDirectory, AccountEntry, AccountId, ItemRef, Selection, Source, SourceError,
};

use crate::helpers::{Backend, EXAMPLE, spawn_app_producing};

on_both_backends!(a_withdrawal_stops_the_collection_at_the_next_item);

const ITEMS: usize = 6;

struct OneAccount;

#[async_trait::async_trait]
impl AccountDirectory for OneAccount {
    async fn resolve(
        &self,
        identifier: &Identifier,
        _at: Option<Timestamp>,
    ) -> Result<Option<AccountEntry>, SourceError> {
        Ok(
            (identifier.to_string() == "alice@example.com").then(|| AccountEntry {
                contact: Some("alice@example.com".to_owned()),
                id: AccountId("alice".into()),
                tenant: None,
            }),
        )
    }
}

/// Each fetch says it started, then waits for the test's permit.
struct Slow {
    started: mpsc::UnboundedSender<String>,
    permits: Arc<Semaphore>,
}

#[async_trait::async_trait]
impl Source for Slow {
    fn name(&self) -> &str {
        "slow"
    }

    async fn list(&self, _: &AccountId, _: &Selection) -> Result<Vec<ItemRef>, SourceError> {
        Ok((0..ITEMS)
            .map(|i| ItemRef {
                key: i.to_string(),
                path: format!("subscriber/{i}.json"),
                category: Category::Subscriber,
                timestamp: None,
                rows: None,
            })
            .collect())
    }

    async fn fetch(
        &self,
        _: &AccountId,
        item: &ItemRef,
        out: &mut (dyn AsyncWrite + Send + Unpin),
    ) -> Result<u64, SourceError> {
        let _ = self.started.send(item.key.clone());
        self.permits
            .acquire()
            .await
            .map_err(|e| SourceError::unavailable("slow", e.to_string()))?
            .forget();
        let bytes = format!("{{\"item\": {}}}", item.key).into_bytes();
        out.write_all(&bytes).await?;
        Ok(bytes.len() as u64)
    }
}

async fn a_withdrawal_stops_the_collection_at_the_next_item(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (started, mut fetching) = mpsc::unbounded_channel();
    let permits = Arc::new(Semaphore::new(0));
    let source = Slow {
        started,
        permits: permits.clone(),
    };
    let collector = Collector::new(Arc::new(OneAccount), vec![Arc::new(source)]);
    let spool = dir.path().join("productions/spool");
    let productions = Productions::new(
        collector,
        ProductionKey::generate(),
        writ_storage::ProductionStorage::directory(dir.path().join("productions")),
        time::Duration::hours(24),
        time::Duration::seconds(30),
    );
    let app = spawn_app_producing(backend, None, Some(productions)).await;
    let spd = app.add_seattle_pd().await;
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let alex = app.add_person("alex", Role::Approver, None).await;

    let id = app.submit(&spd, EXAMPLE).await;
    let recommend = json!({"recommendation": "approve", "reason": "in order", "scope": {"categories": ["subscriber"]}});
    let (status, body) = app
        .post_as(
            &rita.token,
            &format!("/api/v1/cases/{id}/review"),
            &recommend.to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post_as(
            &alex.token,
            &format!("/api/v1/cases/{id}/approve"),
            r#"{"reason": "agreed"}"#,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, case) = app
        .get_as(&rita.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["notices"][0]["state"], "pending", "{case}");

    // The worker fetches the first item, then the second; the demand is withdrawn
    // while the second is on its way.
    let state = app.state.clone();
    let worker = tokio::spawn(async move { run_due_jobs(&state, "test-worker").await });
    assert_eq!(fetching.recv().await.as_deref(), Some("0"));
    permits.add_permits(1);
    assert_eq!(fetching.recv().await.as_deref(), Some("1"));
    let (status, body) = app
        .post_as(
            &spd.token,
            &format!("/api/v1/demands/{id}/withdraw"),
            &json!({"reason": "suspect identified"}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    permits.add_permits(ITEMS);
    worker.await.unwrap().unwrap();

    let mut fetched = 2;
    while fetching.try_recv().is_ok() {
        fetched += 1;
    }
    assert_eq!(fetched, 2, "nothing fetched after the withdrawal");
    let (status, list) = app
        .get_as(&rita.token, &format!("/api/v1/cases/{id}/productions"))
        .await;
    assert_eq!(status, 200, "{list}");
    let production = &list[0];
    assert_eq!(production["state"], "cancelled", "{production}");
    assert_eq!(production["items_done"], 2, "{production}");
    let production_id = production["id"].as_str().unwrap();
    assert!(
        !spool.join(production_id).exists(),
        "the spool of a cancelled collection is removed"
    );
    let (_, case) = app
        .get_as(&rita.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["state"], "withdrawn", "{case}");
    assert_eq!(case["notices"][0]["state"], "cancelled", "{case}");

    // Nothing resumes it, and the notice never goes out.
    run_due_jobs(&app.state, "test-worker").await.unwrap();
    let (_, list) = app
        .get_as(&rita.token, &format!("/api/v1/cases/{id}/productions"))
        .await;
    assert_eq!(list[0]["state"], "cancelled", "{list}");

    let actions = app.audit_actions().await;
    for action in ["case.withdrawn", "notice.cancelled", "production.cancelled"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    let release = format!("/api/v1/productions/{production_id}/release");
    let (code, _) = app.post_as(&alex.token, &release, "").await;
    assert_eq!(code, 409, "a cancelled production cannot be released");
}
