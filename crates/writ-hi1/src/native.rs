//! A mapped demand written as writ's native demand JSON (`docs/policy.md` §1), the
//! document a case keeps: `Demand::from_json` reads it back to the same demand, so an
//! HI-1 case is stored, re-read and reviewed exactly like one submitted natively.

use serde_json::{Map, Value, json};
use writ_core::Demand;
use writ_core::demand::{GagTerm, Instrument};

/// The native JSON of `demand`.
pub fn to_json(demand: &Demand) -> Value {
    let mut out = Map::new();
    out.insert("reference".to_owned(), json!(demand.reference));
    if let Some(at) = demand.received_at {
        out.insert("received_at".to_owned(), json!(at));
    }
    out.insert("authority".to_owned(), json!(demand.authority));
    out.insert("instrument".to_owned(), instrument(&demand.instrument));
    if let Some(emergency) = &demand.emergency {
        out.insert("emergency".to_owned(), json!(emergency));
    }
    out.insert("action".to_owned(), json!(demand.action));
    out.insert("categories".to_owned(), json!(demand.categories));
    if let Some(period) = demand.period {
        out.insert(
            "period".to_owned(),
            json!({"from": period.from(), "to": period.to()}),
        );
    }
    let targets: Vec<Value> = demand
        .targets
        .iter()
        .map(|t| {
            let mut target = Map::new();
            target.insert("type".to_owned(), json!(t.kind));
            target.insert("value".to_owned(), json!(t.raw));
            if let Some(port) = t.port {
                target.insert("port".to_owned(), json!(port));
            }
            if let Some(at) = t.at {
                target.insert("at".to_owned(), json!(at));
            }
            Value::Object(target)
        })
        .collect();
    out.insert("targets".to_owned(), Value::Array(targets));
    Value::Object(out)
}

fn instrument(instrument: &Instrument) -> Value {
    let mut out = Map::new();
    out.insert("type".to_owned(), json!(instrument.kind));
    out.insert("issuer".to_owned(), json!(instrument.issuer));
    out.insert("issued_at".to_owned(), json!(instrument.issued_at));
    let optional = [
        ("expires_at", instrument.expires_at.map(|at| json!(at))),
        ("signed", instrument.signed.map(|s| json!(s))),
        (
            "validated_by",
            instrument.validated_by.as_ref().map(|v| json!(v)),
        ),
        (
            "nondisclosure",
            instrument.nondisclosure.as_ref().map(|n| {
                let mut gag = match n.term {
                    GagTerm::Until(until) => json!({"until": until}),
                    GagTerm::Indefinite => json!({"indefinite": true}),
                };
                if let (Some(basis), Value::Object(gag)) = (&n.basis, &mut gag) {
                    gag.insert("basis".to_owned(), json!(basis));
                }
                gag
            }),
        ),
        ("offence", instrument.offence.as_ref().map(|o| json!(o))),
        ("us_order", instrument.us_order.map(|u| json!(u))),
        (
            "agreement_attestation",
            instrument.agreement_attestation.map(|a| json!(a)),
        ),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    }
    out.insert(
        "offence_in_issuing_state".to_owned(),
        json!(instrument.offence_in_issuing_state),
    );
    out.insert(
        "target_resides_in_issuing_state".to_owned(),
        json!(instrument.target_resides_in_issuing_state),
    );
    Value::Object(out)
}
