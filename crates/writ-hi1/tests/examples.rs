//! Every ETSI example message that carries an LDTaskObject or LPTaskObject, in both
//! encodings, parses and maps to the demand asserted here; and an EU-profile order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod common;

use std::path::Path;

use common::{at, authority, context, received, reference};
use writ_core::identifier::{Identifier, TargetKind, TargetValue};
use writ_core::{Action, Category, Demand, Period};
use writ_hi1::{Hi1Config, MappedDemand, Message, TaskKind, map_message};

fn map_file(path: &Path) -> Vec<MappedDemand> {
    map_path(path).demands
}

fn map_path(path: &Path) -> writ_hi1::Mapped {
    let bytes = std::fs::read(path).unwrap();
    let message = if path.extension().is_some_and(|e| e == "json") {
        Message::from_json(&bytes)
    } else {
        Message::from_xml(&bytes)
    }
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let authority = authority();
    let config = Hi1Config::default();
    map_message(&message, &context(&authority, &config))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn targets(demand: &MappedDemand) -> Vec<(TargetKind, String, Option<String>)> {
    demand
        .demand
        .targets
        .iter()
        .map(|t| {
            let value = match &t.value {
                TargetValue::Specific(id) => id.to_string(),
                TargetValue::NotSpecific(why) => format!("not specific: {why:?}"),
            };
            (t.kind, value, t.at.map(|a| a.to_string()))
        })
        .collect()
}

fn period(from: &str, to: &str) -> Option<Period> {
    Period::new(at(from), at(to))
}

/// The demand each example maps to; a new example without an entry here fails.
fn assert_example(name: &str, demands: &[MappedDemand]) {
    assert_eq!(demands.len(), 1, "{name}: one authorisation, one demand");
    // The case keeps the demand as native JSON: it must read back as the same demand.
    let native = writ_hi1::native::to_json(&demands[0].demand).to_string();
    assert_eq!(
        Demand::from_json(&native).unwrap_or_else(|e| panic!("{name}: {e}\n{native}")),
        demands[0].demand,
        "{name}"
    );
    let d = &demands[0];
    assert_eq!(d.demand.received_at, Some(received()));
    assert_eq!(d.demand.authority, authority());
    let stem = name.trim_end_matches(".xml").trim_end_matches(".json");
    let phone = (TargetKind::Phone, "+442079460223".to_owned(), None);
    match stem {
        "request4"
        | "request10_LDDestinationObject"
        | "request4-Preservation-Link"
        | "request4-TargetIdentifierSubtype" => {
            assert_eq!(
                d.authorisation.map(|u| u.to_string()).as_deref(),
                Some("7dbbc880-8750-4d3c-abe7-ea4a17646045")
            );
            assert_eq!(
                d.authorisation_action,
                Some(if stem == "request10_LDDestinationObject" {
                    1
                } else {
                    0
                })
            );
            assert_eq!(d.demand.reference, "W000001");
            assert_eq!(d.demand.action, Action::Disclose);
            // No legal type in the ETSI examples: kept visible for the engine to decide.
            assert_eq!(d.demand.instrument.kind, "hi1.no_legal_type");
            assert_eq!(d.demand.instrument.issued_at, at("2019-09-30T12:00:00Z"));
            assert_eq!(
                d.demand.instrument.expires_at,
                Some(at("2019-12-01T12:00:00Z"))
            );
            assert!(d.demand.emergency.is_none());
            assert_eq!(
                d.demand.period,
                period("2019-09-30T12:00:00Z", "2019-12-30T12:00:00Z")
            );
            // The Preservation-Link example, and the JSON encoding of request4, have no
            // RequestDetails/Type (request4.xml has one): the least, subscriber, is
            // inferred and said to be.
            let inferred = stem == "request4-Preservation-Link" || name == "request4.json";
            assert_eq!(d.demand.categories, vec![Category::Subscriber]);
            assert_eq!(d.tasks[0].categories_inferred, inferred);
            let expected_targets = if stem == "request4-TargetIdentifierSubtype" {
                vec![(TargetKind::AccountId, "123456789".to_owned(), None)]
            } else {
                vec![phone]
            };
            assert_eq!(targets(d), expected_targets);
            assert_eq!(d.tasks.len(), 1);
            assert_eq!(
                d.tasks[0].object.to_string(),
                "2b36a78b-b628-416d-bd22-404e68a0cd36"
            );
            assert_eq!(d.tasks[0].kind, TaskKind::Disclosure);
            assert_eq!(d.tasks[0].targets, vec![0]);
            assert!(d.signed_order.is_none());
        }
        "request6" => {
            assert_eq!(d.demand.action, Action::Disclose);
            assert_eq!(d.demand.period, None);
            assert_eq!(d.demand.instrument.issued_at, at("2021-10-11T12:00:00Z"));
            // One address seen at three times: three targets, each with its time.
            assert_eq!(
                targets(d),
                [
                    "2021-10-03T12:32:12Z",
                    "2021-10-03T12:35:34Z",
                    "2021-10-03T13:37:00Z"
                ]
                .map(|t| (TargetKind::Ip, "192.0.2.23".to_owned(), Some(t.to_owned())))
                .to_vec()
            );
            assert_eq!(d.tasks[0].targets, vec![0, 1, 2]);
            // No request type: an address with its times asks whose it was.
            assert_eq!(d.demand.categories, vec![Category::IpIdentification]);
            assert!(d.tasks[0].categories_inferred);
        }
        "request8_LPTaskObject" => {
            // A preservation sent without an authorisation: `informal`, for the engine.
            assert_eq!(d.authorisation, None);
            assert_eq!(d.demand.action, Action::Preserve);
            assert_eq!(d.demand.instrument.kind, "informal");
            assert_eq!(d.demand.reference, "f1205c94-4f56-4d97-9717-39410073979b");
            assert_eq!(
                d.demand.period,
                period("2023-05-01T12:00:00Z", "2023-05-02T12:00:00Z")
            );
            assert_eq!(targets(d), vec![phone]);
            assert_eq!(d.preserve_until, Some(at("2023-06-30T12:00:00Z")));
            assert_eq!(d.demand.categories, vec![Category::Subscriber]);
            assert_eq!(d.tasks[0].kind, TaskKind::Preservation);
            assert_eq!(
                d.tasks[0].desired_preservation_expiration,
                Some(at("2023-06-30T12:00:00Z"))
            );
        }
        other => panic!("{other}: an example with tasks and no expected demand"),
    }
}

#[test]
fn every_example_with_a_task_maps_to_its_demand_in_both_encodings() {
    let Some(reference) = reference() else {
        eprintln!(
            "SKIPPED: the ETSI reference folder (shared/reference/etsi-ts-103-120) is not here"
        );
        return;
    };
    let mut checked = 0;
    for encoding in ["xml", "json"] {
        let dir = reference.join("examples").join(encoding);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            if !(text.contains("LDTaskObject") || text.contains("LPTaskObject")) {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let demands = map_file(&path);
            assert_example(&name, &demands);
            // The JSON encoding of the same message maps to the same demand.
            let twin = reference
                .join("examples/xml")
                .join(name.replace(".json", ".xml"));
            if encoding == "json" && twin.exists() && name != "request4.json" {
                assert_eq!(demands, map_file(&twin), "{name} and its XML twin");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 11, "6 XML and 5 JSON examples carry tasks");
}

#[test]
fn every_example_request_parses() {
    let Some(reference) = reference() else {
        eprintln!("SKIPPED: the ETSI reference folder is not here");
        return;
    };
    for encoding in ["xml", "json"] {
        for entry in std::fs::read_dir(reference.join("examples").join(encoding)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.ends_with(".xml") || name.ends_with(".json")) || name.contains("signed") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let parsed = if encoding == "json" {
                Message::from_json(&bytes)
            } else {
                Message::from_xml(&bytes)
            };
            assert!(parsed.is_ok(), "{name}: {parsed:?}");
        }
    }
}

#[test]
fn an_eu_production_order_maps_with_its_instrument_issuer_emergency_and_signed_order() {
    let bytes = include_bytes!("fixtures/epoc.xml");
    let message = Message::from_xml(bytes).unwrap();
    assert_eq!(message.header.version.etsi_version, "V1.22.1");
    assert_eq!(message.header.version.national_profile_owner, "EU");
    let authority = authority();
    let config = Hi1Config::default();
    let demands = map_message(&message, &context(&authority, &config))
        .unwrap()
        .demands;
    assert_eq!(demands.len(), 1);
    let d = &demands[0];
    let instrument = &d.demand.instrument;
    assert_eq!(instrument.kind, "eu.epoc");
    assert_eq!(instrument.issuer.name.as_deref(), Some("KHK Anna Schmidt"));
    assert_eq!(
        instrument.issuer.role,
        writ_core::demand::IssuerRole::Police
    );
    let validator = instrument.validated_by.as_ref().unwrap();
    assert_eq!(
        validator.role,
        writ_core::demand::IssuerRole::InvestigatingJudge
    );
    assert_eq!(instrument.issued_at, at("2026-08-31T09:30:00Z"));
    assert_eq!(instrument.expires_at, Some(at("2026-11-30T23:59:59Z")));
    assert_eq!(d.demand.reference, "EPOC-DE-2026-0042");
    assert_eq!(
        d.demand
            .emergency
            .as_ref()
            .and_then(|e| e.justification.as_deref()),
        Some("Threat to life: a kidnapping in progress")
    );
    assert_eq!(
        d.demand.categories,
        vec![Category::Subscriber, Category::IpIdentification]
    );
    // The period covers both tasks'.
    assert_eq!(
        d.demand.period,
        period("2026-07-15T00:00:00Z", "2026-08-31T00:00:00Z")
    );
    assert_eq!(
        targets(d),
        vec![
            (TargetKind::Email, "suspect@example.com".to_owned(), None),
            (
                TargetKind::Ip,
                "2001:db8::7".to_owned(),
                Some("2026-08-10T10:00:00Z".to_owned())
            ),
        ]
    );
    assert!(matches!(
        &d.demand.targets[0].value,
        TargetValue::Specific(Identifier::Email(_))
    ));
    assert_eq!(d.tasks.len(), 2);
    assert_eq!(d.tasks[1].categories, vec![Category::IpIdentification]);
    assert_eq!(d.tasks[1].targets, vec![1]);
    let order = d.signed_order.as_ref().unwrap();
    assert!(order.pdf.starts_with(b"%PDF-1.4"));
    assert_eq!(order.name.as_deref(), Some("EPOC certificate (Form 1)"));
    assert_eq!(d.documents.len(), 1);

    // The same engine decides it as a native demand: the EU row, emergency deadline.
    let rules = writ_core::policy::Rules::embedded().unwrap();
    let decision = writ_core::policy::evaluate(&d.demand, &rules, None, received());
    assert_eq!(decision.rule.as_deref(), Some("EU-1"));
    assert_eq!(
        decision.deadline,
        Some(at("2026-09-01T16:00:00Z")),
        "8 hours from receipt"
    );
    let native = writ_hi1::native::to_json(&d.demand).to_string();
    assert_eq!(Demand::from_json(&native).unwrap(), d.demand);
}

#[test]
fn the_legal_type_table_is_configurable_and_unknown_types_are_left_to_the_engine() {
    let text = String::from_utf8(include_bytes!("fixtures/epoc.xml").to_vec()).unwrap();
    let message = Message::from_xml(text.replace(">EPOC<", ">EPOC-PR<").as_bytes()).unwrap();
    let authority = authority();
    let config = Hi1Config::default();
    let d = &map_message(&message, &context(&authority, &config))
        .unwrap()
        .demands[0];
    assert_eq!(d.demand.instrument.kind, "eu.epoc_pr");

    let message = Message::from_xml(text.replace(">EPOC<", ">OTHER<").as_bytes()).unwrap();
    let d = &map_message(&message, &context(&authority, &config))
        .unwrap()
        .demands[0];
    assert_eq!(d.demand.instrument.kind, "hi1.EPOCLegalType.OTHER");

    let config: Hi1Config = serde_json::from_value(serde_json::json!({
        "legal_types": {"OTHER": "uk.copo"}, "emergency_priorities": []
    }))
    .unwrap();
    let message = Message::from_xml(text.replace(">EPOC<", ">OTHER<").as_bytes()).unwrap();
    let d = &map_message(&message, &context(&authority, &config))
        .unwrap()
        .demands[0];
    assert_eq!(d.demand.instrument.kind, "uk.copo");
    // A table given in the config replaces the default one; the limit keeps its default.
    assert_eq!(config.max_tasks, 1_000);
    assert!(!config.legal_types.contains_key("EPOC"));
}

#[test]
fn objects_writ_does_not_take_are_listed_for_their_answer() {
    let Some(reference) = reference() else {
        eprintln!("SKIPPED: the ETSI reference folder is not here");
        return;
    };
    let mapped = map_path(&reference.join("examples/xml/request10_LDDestinationObject.xml"));
    assert_eq!(mapped.demands.len(), 1);
    assert_eq!(mapped.unsupported.len(), 1);
    let (action, error) = &mapped.unsupported[0];
    assert_eq!(*action, 0);
    assert_eq!(error.code, writ_hi1::ErrorCode::Unsupported);
    assert!(error.problem.contains("LDDestinationObject"), "{error}");
}

#[test]
fn an_update_to_cancelled_is_a_withdrawal() {
    let (text, start, end) = epoc_parts();
    let update = r#"<ActionRequest><ActionIdentifier>0</ActionIdentifier><UPDATE>
        <HI1Object xsi:type="task:LDTaskObject">
            <ObjectIdentifier>0a0b0c0d-0000-4000-8000-000000000002</ObjectIdentifier>
            <task:DesiredStatus><common:Owner>ETSI</common:Owner><common:Name>LDTaskDesiredStatus</common:Name><common:Value>Cancelled</common:Value></task:DesiredStatus>
        </HI1Object></UPDATE></ActionRequest>
        <ActionRequest><ActionIdentifier>1</ActionIdentifier><GET><Identifier>0a0b0c0d-0000-4000-8000-000000000001</Identifier></GET></ActionRequest>"#;
    let xml = format!("{}{}{}", &text[..start], update, &text[end..]);
    let message = Message::from_xml(xml.as_bytes()).unwrap();
    let requests = message.requests();
    assert_eq!(
        requests[0]
            .action
            .cancellation()
            .map(|u| u.to_string())
            .as_deref(),
        Some("0a0b0c0d-0000-4000-8000-000000000002")
    );
    assert_eq!(requests[1].action.cancellation(), None);
    // Nothing to open: the caller answers the UPDATE and the GET.
    let authority = authority();
    let config = Hi1Config::default();
    let mapped = map_message(&message, &context(&authority, &config)).unwrap();
    assert!(mapped.demands.is_empty() && mapped.unsupported.is_empty());
}

/// The EPOC fixture's text, and its action requests' bounds.
fn epoc_parts() -> (String, usize, usize) {
    let text = String::from_utf8(include_bytes!("fixtures/epoc.xml").to_vec()).unwrap();
    let start = text.find("<ActionRequest>").unwrap();
    let end = text.rfind("</ActionRequest>").unwrap() + "</ActionRequest>".len();
    (text, start, end)
}

#[test]
fn two_authorisations_in_one_message_are_two_demands_each_with_its_tasks() {
    let (text, _, end) = epoc_parts();
    let second = r#"<ActionRequest><ActionIdentifier>10</ActionIdentifier><CREATE>
        <HI1Object xsi:type="auth:AuthorisationObject">
            <ObjectIdentifier>0b000000-0000-4000-8000-000000000001</ObjectIdentifier>
            <AssociatedObjects><AssociatedObject>0b000000-0000-4000-8000-000000000002</AssociatedObject></AssociatedObjects>
            <auth:AuthorisationReference>EPOC-PR-DE-2026-0043</auth:AuthorisationReference>
            <auth:AuthorisationLegalType><common:Owner>EU</common:Owner><common:Name>EPOCLegalType</common:Name><common:Value>EPOC-PR</common:Value></auth:AuthorisationLegalType>
        </HI1Object></CREATE></ActionRequest>
        <ActionRequest><ActionIdentifier>11</ActionIdentifier><CREATE>
        <HI1Object xsi:type="task:LPTaskObject">
            <ObjectIdentifier>0b000000-0000-4000-8000-000000000002</ObjectIdentifier>
            <task:RequestDetails>
                <task:Type><common:Owner>ETSI</common:Owner><common:Name>RequestType</common:Name><common:Value>TrafficDataAndStoredContentData</common:Value></task:Type>
                <task:RequestValues><task:RequestValue><task:FormatType><task:FormatOwner>ETSI</task:FormatOwner><task:FormatName>InternationalE164</task:FormatName></task:FormatType><task:Value>491701234567</task:Value></task:RequestValue></task:RequestValues>
            </task:RequestDetails>
            <task:DesiredPreservationExpiration>2026-10-31T00:00:00Z</task:DesiredPreservationExpiration>
        </HI1Object></CREATE></ActionRequest>"#;
    let xml = format!("{}{}{}", &text[..end], second, &text[end..]);
    let message = Message::from_xml(xml.as_bytes()).unwrap();
    let authority = authority();
    let config = Hi1Config::default();
    let demands = map_message(&message, &context(&authority, &config))
        .unwrap()
        .demands;
    assert_eq!(demands.len(), 2);
    assert_eq!(demands[0].demand.reference, "EPOC-DE-2026-0042");
    assert_eq!(demands[0].tasks.len(), 2);
    let preservation = &demands[1];
    // The authorisation names its task here, rather than the task its authorisation.
    assert_eq!(preservation.authorisation_action, Some(10));
    assert_eq!(preservation.demand.instrument.kind, "eu.epoc_pr");
    assert_eq!(preservation.demand.action, Action::Preserve);
    assert_eq!(
        preservation.demand.categories,
        vec![Category::Traffic, Category::Content]
    );
    assert_eq!(
        targets(preservation),
        vec![(TargetKind::Phone, "+491701234567".to_owned(), None)]
    );
    assert_eq!(
        preservation.preserve_until,
        Some(at("2026-10-31T00:00:00Z"))
    );
    assert_eq!(preservation.tasks[0].action, 11);
}

#[test]
fn an_order_with_both_disclosure_and_preservation_tasks_is_refused() {
    let (text, _, _) = epoc_parts();
    let xml = text
        .replacen("xsi:type=\"task:LDTaskObject\"", "xsi:type=\"task:LPTaskObject\"", 1)
        .replacen("<task:Reference>DE-LKA-0042-1</task:Reference>", "", 1)
        .replacen(
            "<task:DesiredStatus><common:Owner>ETSI</common:Owner><common:Name>LDTaskDesiredStatus</common:Name><common:Value>AwaitingDisclosure</common:Value></task:DesiredStatus>",
            "",
            1,
        );
    let message = Message::from_xml(xml.as_bytes()).unwrap();
    let authority = authority();
    let config = Hi1Config::default();
    let error = map_message(&message, &context(&authority, &config)).unwrap_err();
    assert_eq!(error.code, writ_hi1::ErrorCode::Association);
    assert_eq!(
        error.element,
        "HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[0]/CREATE/HI1Object"
    );
    assert!(
        error.problem.contains("both disclosure and preservation"),
        "{error}"
    );

    // A reference longer than writ keeps is named where it was written.
    let long = "R".repeat(200);
    let xml = text.replacen("EPOC-DE-2026-0042", &long, 1);
    let error = map_message(
        &Message::from_xml(xml.as_bytes()).unwrap(),
        &context(&authority, &config),
    )
    .unwrap_err();
    assert!(
        error
            .element
            .ends_with("ActionRequest[0]/CREATE/HI1Object/AuthorisationReference"),
        "{error}"
    );
}
