//! The review domain against the policy engine's real decisions. Demands are the
//! `docs/policy.md` §1 example (`tests/demands/policy-example.json`) with edits.

use serde_json::{Value, json};

use super::*;
use crate::policy::{Decision, DirectoryFile, Rules, evaluate};
use crate::{Demand, Timestamp};

mod letter;
mod properties;
mod recommendation;
mod scope;

const EXAMPLE: &str = include_str!("../../../tests/demands/policy-example.json");

/// The evaluation time: an hour after the example was received.
const NOW: &str = "2026-03-02T10:00:00Z";

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn edited(edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    edit(&mut doc);
    doc
}

fn demand(doc: &Value) -> Demand {
    Demand::from_json(&doc.to_string()).unwrap_or_else(|e| panic!("{e}\n{doc:#}"))
}

/// The demand and the engine's decision on it, without a directory.
fn decided(doc: &Value) -> (Demand, Decision) {
    let demand = demand(doc);
    let decision = evaluate(&demand, &Rules::embedded().unwrap(), None, ts(NOW));
    (demand, decision)
}

/// The widest scope the engine allows for `doc`.
fn allowed(doc: &Value) -> Scope {
    let (demand, decision) = decided(doc);
    Scope::allowed_by(&demand, &decision)
}

fn request(doc: Value) -> ScopeRequest {
    ScopeRequest::from_value(doc.clone()).unwrap_or_else(|e| panic!("{e}\n{doc:#}"))
}

/// Alice's account belongs to Contoso Ltd (51 seats: an enterprise); bob's to no one.
fn enterprise_directory() -> DirectoryFile {
    DirectoryFile::from_json(
        &json!({
            "accounts": [
                {"id": "acc-alice", "identifiers": [{"type": "email", "value": "alice@example.com"}], "tenant": "contoso"},
                {"id": "acc-dave", "identifiers": [{"type": "username", "value": "dave"}], "tenant": "contoso"},
                {"id": "acc-bob", "identifiers": [{"type": "email", "value": "bob@example.net"}], "tenant": null}
            ],
            "tenants": [
                {"id": "contoso", "name": "Contoso Ltd", "seats": 51, "admin_email": "it@contoso.example"}
            ]
        })
        .to_string(),
    )
    .unwrap()
}
