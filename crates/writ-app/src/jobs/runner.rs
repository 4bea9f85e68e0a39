//! writ's one job runner: claims the job due longest, runs it while renewing its
//! lease, and records how it ended. Several writ processes share the `jobs` table, and
//! each job runs once.

use std::sync::Arc;

use writ_core::Timestamp;
use writ_store::Store;

use super::system::SystemDesk;
use super::{Job, JobError, clock, collect, hi1};
use crate::{App, error_chain};

/// How long a worker holds a job when no production settings say otherwise.
const DEFAULT_LEASE: time::Duration = time::Duration::seconds(60);

/// Runs due jobs until none is left; returns how many ran. For tests and `writ collect`.
pub async fn run_due_jobs(state: &App, worker: &str) -> Result<usize, JobError> {
    let mut ran = 0;
    while run_one(state, worker).await? {
        ran += 1;
    }
    Ok(ran)
}

/// Claims and runs one due job; false when none is due. A failed job is given back to
/// run again later (after 2^attempts seconds, at most 10 minutes).
pub async fn run_one(state: &App, worker: &str) -> Result<bool, JobError> {
    let desk = state.system_desk();
    let lease = desk.productions().map(|p| p.lease).unwrap_or(DEFAULT_LEASE);
    let Some(row) = desk.store().claim_job(worker, desk.now(), lease).await? else {
        return Ok(false);
    };
    let outcome = {
        let renewing = renew_while_running(
            desk.store().clone(),
            state.clock.clone(),
            &row,
            worker,
            lease,
        );
        let work = async {
            let job = Job::parse(&row)?;
            run(&desk, &job).await
        };
        tokio::pin!(work);
        tokio::select! {
            outcome = &mut work => outcome,
            () = renewing => Err(JobError::Invalid("lost the job's lease to another worker".into())),
        }
    };
    let now = desk.now();
    match outcome {
        Ok(None) => {
            desk.store().finish_job(row.id, worker, now).await?;
        }
        // Waiting for its time (a gag's end, a hold's expiry): not a failure.
        Ok(Some(at)) => {
            let waiting = format!("waiting until {}", at.to_rfc3339());
            desk.store()
                .release_job(row.id, worker, Some(at), &waiting, now)
                .await?;
        }
        Err(error) => {
            let text = error_chain(&error);
            tracing::warn!(job = row.id.0, kind = %row.kind, attempts = row.attempts, error = %text, "job failed; it will be retried");
            let backoff = 2_i64
                .saturating_pow(row.attempts.clamp(0, 10) as u32)
                .min(600);
            let retry_at = now.checked_add(time::Duration::seconds(backoff));
            desk.store()
                .release_job(row.id, worker, retry_at, &text, now)
                .await?;
        }
    }
    Ok(true)
}

/// Runs one job; `Some(time)` when it has more to do at that time.
async fn run(desk: &SystemDesk<'_>, job: &Job) -> Result<Option<Timestamp>, JobError> {
    match job {
        // Without sources configured this fails, and the job is retried later.
        Job::Collect { case } => collect::collect_and_seal(desk, *case).await.map(|()| None),
        Job::SendNotices { case } => clock::send_due(desk, *case).await,
        Job::ExpireHolds { case } => clock::expire_due(desk, *case).await,
        Job::Escalate { case, step } => clock::escalate(desk, *case, step).await,
        Job::Hi1Report { case } => hi1::report(desk, *case).await,
        Job::Hi1Form3 { case } => hi1::form3(desk, *case).await.map(|()| None),
        Job::Hi1Deliver { case, production } => {
            hi1::deliver(desk, *case, *production).await.map(|()| None)
        }
    }
}

/// Renews the job's lease every third of it; resolves only if the lease was lost.
async fn renew_while_running(
    store: Store,
    clock: Arc<dyn writ_core::Clock>,
    job: &writ_store::Job,
    worker: &str,
    lease: time::Duration,
) {
    let every = std::time::Duration::from_millis(
        u64::try_from(lease.whole_milliseconds() / 3)
            .unwrap_or(1_000)
            .max(100),
    );
    loop {
        tokio::time::sleep(every).await;
        match store.renew_job(job.id, worker, clock.now(), lease).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => tracing::warn!(error = %error_chain(&error), "renewing a job's lease"),
        }
    }
}

/// Runs jobs as they come due until `stop` resolves: one job at a time, polling every
/// `idle` when there is nothing to do.
pub async fn work(
    state: App,
    worker: String,
    idle: std::time::Duration,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let ran = tokio::select! {
            () = &mut stop => return,
            ran = run_one(&state, &worker) => ran,
        };
        let wait = match ran {
            Ok(true) => continue,
            Ok(false) => idle,
            Err(error) => {
                tracing::warn!(error = %error_chain(&error), "the job queue is unavailable");
                idle
            }
        };
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}
