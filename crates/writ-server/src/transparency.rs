//! The transparency report from writ's own records: each case summarised as the report
//! counts it, and the report anchored to the audit log's latest signed checkpoint.

use writ_core::policy::{Code, Decision};
use writ_core::review::Scope;
use writ_core::{Action, CaseState, Category, Demand, TargetValue, Timestamp};
use writ_report::{
    Anchor, BandOption, CaseSummary, Customer, HalfYear, NsOptions, Outcome, Report, ReportOptions,
    Section,
};
use writ_store::{CaseRecord, Store, StoreError};

/// Every case, as the report counts it.
pub async fn case_summaries(store: &Store) -> Result<Vec<CaseSummary>, StoreError> {
    let mut summaries = Vec::new();
    for case in store.cases(None).await? {
        let document = store.demand_document(case.id).await?;
        let demand = Demand::from_json(&document)
            .map_err(|e| StoreError::Corrupt(format!("case {}: its demand: {e}", case.id)))?;
        let notified = store
            .notices(case.id)
            .await?
            .iter()
            .any(|n| n.recipient == "tenant_admin" && n.state == "sent");
        summaries.push(summarise(&case, &demand, notified)?);
    }
    Ok(summaries)
}

/// One case: its table, customer, accounts named, and how it ended so far.
fn summarise(
    case: &CaseRecord,
    demand: &Demand,
    notified: bool,
) -> Result<CaseSummary, StoreError> {
    let corrupt = |what: &str, e: serde_json::Error| {
        StoreError::Corrupt(format!("case {}: {what}: {e}", case.id))
    };
    let decision: Option<Decision> = case
        .decision
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| corrupt("decision", e))?;
    let scope: Option<Scope> = case
        .scope
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| corrupt("scope", e))?;
    let section = if case.instrument == "us.nsl" || case.instrument.starts_with("us.fisa") {
        Section::NationalSecurity
    } else if demand.action == Action::Preserve {
        Section::Preservation
    } else if case.emergency {
        Section::Emergency
    } else {
        Section::Criminal
    };
    let enterprise = decision.as_ref().is_some_and(|d| {
        d.findings
            .iter()
            .any(|f| f.code == Code::EnterpriseRedirect)
    });
    let disclosed = |scope: &Scope| {
        if scope.categories().contains(&Category::Content) {
            Outcome::Content
        } else {
            Outcome::NonContent
        }
    };
    let outcome = match (case.state, &scope) {
        (CaseState::Received | CaseState::InReview | CaseState::AwaitingClarification, _) => {
            Outcome::Pending
        }
        (CaseState::Rejected, _) => Outcome::Rejected,
        (CaseState::Redirected, _) => Outcome::Redirected,
        (CaseState::Withdrawn, _) => Outcome::Withdrawn,
        (_, Some(scope)) => disclosed(scope),
        // Closed without an approved scope: rejected, redirected or withdrawn before.
        (_, None) if case.rejection_reason.is_some() => Outcome::Rejected,
        (_, None) if enterprise => Outcome::Redirected,
        (_, None) => Outcome::Withdrawn,
    };
    Ok(CaseSummary {
        id: case.id,
        received_at: case.received_at,
        authority_country: case.authority_country,
        instrument: case.instrument.clone(),
        section,
        customer: if enterprise {
            Customer::Enterprise
        } else {
            Customer::Consumer
        },
        accounts: demand
            .targets
            .iter()
            .filter(|t| matches!(t.value, TargetValue::Specific(_)))
            .count() as u64,
        outcome,
        // Where data is stored is known once collection reaches the sources.
        data_stored_abroad: false,
        customer_notified: notified,
    })
}

/// The report for `period`, from the store, at its latest signed checkpoint.
pub async fn report(
    store: &Store,
    period: HalfYear,
    bands: BandOption,
    now: Timestamp,
) -> Result<Report, StoreError> {
    let summaries = case_summaries(store).await?;
    let anchor = anchor(store).await?;
    let options = ReportOptions::new(NsOptions::new(bands), now);
    Report::build(&summaries, period, anchor, &options)
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The audit log's latest signed checkpoint, which the report is computed at.
pub async fn anchor(store: &Store) -> Result<Anchor, StoreError> {
    Ok(match store.latest_checkpoint().await? {
        Some(checkpoint) => Anchor {
            size: checkpoint.size,
            root: checkpoint.root.to_string(),
            note: String::from_utf8_lossy(&checkpoint.note).into_owned(),
        },
        None => Anchor {
            size: 0,
            root: writ_ledger::EMPTY_TREE_HASH.to_string(),
            note: String::new(),
        },
    })
}
