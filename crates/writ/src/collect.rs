//! `writ collect`: runs the work that is due in the foreground, collections (also those
//! that waited for sources) with a progress bar, then exits. The same work `writ
//! serve`'s worker does, for an operator who wants to watch it (or run it where no
//! server runs).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use writ_app::jobs::runner::run_due_jobs;
use writ_app::{App, Policy};
use writ_core::{CaseState, Clock};
use writ_store::{Production, Store};

use crate::config::Config;
use crate::serve;

pub async fn run(config: Config, policy: Policy, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let database = config.database()?;
    let store = crate::open_store(&database).await?;
    let productions = serve::productions(&config)
        .await?
        .context("no [sources] configured: there is nothing to collect from")?;
    // Collections that waited for sources (retrying later) run now.
    store
        .hurry_jobs(writ_app::jobs::Job::COLLECT, clock.now())
        .await?;
    let state = App::new(store.clone(), clock, Arc::new(policy)).with_productions(productions);

    let worker = format!(
        "writ-collect-{}-{}",
        std::process::id(),
        serve::uuid_suffix()
    );
    let work = tokio::spawn(async move { run_due_jobs(&state, &worker).await });
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} items ({percent}%) {elapsed}")
            .context("the progress bar's template")?
            .progress_chars("=> "),
    );
    while !work.is_finished() {
        if let Some(production) = collecting(&store).await? {
            bar.set_message(format!("case {}", production.case_id));
            bar.set_length(production.items_total.unwrap_or(0));
            bar.set_position(production.items_done);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bar.finish_and_clear();
    let ran = work.await.context("the collection task")??;
    let sealed = store.cases(Some(CaseState::Sealed)).await?.len();
    crate::print(&format!(
        "{ran} due job(s) run; {sealed} case(s) sealed and waiting for release\n"
    ));
    store.close().await;
    Ok(())
}

/// The production being collected now, if any.
async fn collecting(store: &Store) -> anyhow::Result<Option<Production>> {
    for case in store.cases(Some(CaseState::Collecting)).await? {
        if let Some(production) = store.productions(case.id).await?.pop() {
            return Ok(Some(production));
        }
    }
    Ok(None)
}
