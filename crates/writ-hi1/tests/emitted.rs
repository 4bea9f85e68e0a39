//! Every kind of message writ sends validates against the ETSI schemas: the XML with
//! `xmllint --schema` (Debian's libxml2-utils) through a wrapper schema that imports
//! the XSDs that are there and stand-ins for those that are not (`tests/schemas/`),
//! the JSON with Python's jsonschema against the ETSI JSON schemas. Each reads back
//! as what was written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{at, reference};
use uuid::Uuid;
use writ_hi1::emit::{
    self, Delivery, Envelope, ListRecord, Notification, ObjectStatus, Outcome, Outgoing,
    StatusObject,
};
use writ_hi1::message::{Action, Hi1Object, ObjectCommon};
use writ_hi1::{ErrorCode, Hi1Error, LdTaskStatus, LpTaskStatus, Message, Payload};

const EPOC: &[u8] = include_bytes!("fixtures/epoc.xml");

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0a0b0c0d_0000_4000_8000_000000000000 | n)
}

fn common(n: u128) -> ObjectCommon {
    ObjectCommon {
        country_code: Some("IE".to_owned()),
        owner_identifier: Some("EXAMPLE-CSP".to_owned()),
        generation: Some(2),
        associated_objects: vec![id(1)],
        last_changed: Some(at("2026-09-02T10:15:30.123456Z")),
        ..ObjectCommon::new(id(n))
    }
}

fn envelope() -> Envelope {
    let request = Message::from_xml(EPOC).unwrap();
    Envelope::reply_to(&request.header, at("2026-09-01T08:00:01.5Z"))
}

fn refusal() -> Hi1Error {
    Hi1Error::new(
        ErrorCode::Unsupported,
        "HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[1]/CREATE/HI1Object/RequestDetails/RequestValues/RequestValue/FormatType",
        "writ has no identifier kind for the format ETSI/SIPURI",
    )
}

/// One message of each kind writ sends, by name.
fn messages() -> Vec<(&'static str, Outgoing)> {
    let envelope = envelope();
    let ld = StatusObject::LdTask {
        common: common(2),
        status: LdTaskStatus::Rejected,
        reason: Some(Hi1Error::new(
            ErrorCode::Content,
            "LDTask",
            "rejected by the provider's review",
        )),
    };
    let lp = StatusObject::LpTask {
        common: common(5),
        status: LpTaskStatus::Preserved,
        reason: None,
        preservation_expiration: Some(at("2026-10-31T00:00:00Z")),
    };
    let auth = StatusObject::Authorisation {
        common: common(1),
        status: writ_hi1::AuthorisationStatus::Approved,
    };
    vec![
        (
            "response",
            emit::response(
                &envelope,
                &[
                    (0, Outcome::Created(id(1))),
                    (1, Outcome::Updated(id(2))),
                    (2, Outcome::Got(ld.clone())),
                    (3, Outcome::Got(lp.clone())),
                    (4, Outcome::Got(auth.clone())),
                    (
                        5,
                        Outcome::Listed(vec![ListRecord {
                            object_type: "LDTask".to_owned(),
                            identifier: id(2),
                            generation: 3,
                            last_changed: Some(at("2026-09-02T10:15:30Z")),
                        }]),
                    ),
                    (6, Outcome::Listed(vec![])),
                    (7, Outcome::Failed(refusal())),
                ],
            ),
        ),
        ("error", emit::error_response(&envelope, &refusal())),
        ("update-ld", emit::update(&envelope, &ld)),
        ("update-lp", emit::update(&envelope, &lp)),
        ("update-authorisation", emit::update(&envelope, &auth)),
        (
            "notification",
            emit::notification(
                &envelope,
                &Notification {
                    common: ObjectCommon::new(id(9)),
                    details: "Form 3: the order cannot be executed (de facto impossibility) <&>"
                        .to_owned(),
                    timestamp: at("2026-09-03T09:00:00Z"),
                    statuses: vec![
                        ObjectStatus {
                            object: id(2),
                            status: LdTaskStatus::Invalid.entry(),
                            details: Some("the account does not exist".to_owned()),
                        },
                        ObjectStatus {
                            object: id(1),
                            status: writ_hi1::AuthorisationStatus::Invalid.entry(),
                            details: None,
                        },
                    ],
                    documents: vec![emit::Document {
                        common: ObjectCommon {
                            associated_objects: vec![id(1), id(9)],
                            ..ObjectCommon::new(id(10))
                        },
                        name: "Form 3: inability to execute".to_owned(),
                        document_type: None,
                        content_type: "application/pdf".to_owned(),
                        contents: b"%PDF-1.4\n% Form 3\n%%EOF\n".to_vec(),
                    }],
                },
            ),
        ),
        (
            "deliver",
            emit::deliver(
                &envelope,
                &Delivery {
                    common: ObjectCommon {
                        associated_objects: vec![id(2)],
                        ..ObjectCommon::new(id(7))
                    },
                    delivery_id: id(8),
                    sequence_number: 0,
                    last_sequence: true,
                    url:
                        "https://writ.example.com/api/v1/productions/0a0b0c0d/download?token=x&y=1"
                            .to_owned(),
                    content_length: Some(123_456),
                    content_type: Some("application/age".to_owned()),
                    expiry: Some(at("2026-09-10T00:00:00Z")),
                    sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                        .to_owned(),
                    filename: Some("production.tar.age".to_owned()),
                },
            ),
        ),
    ]
}

/// The wrapper schema: every namespace imported from where its schema is.
fn wrapper(dir: &Path, reference: &Path) -> PathBuf {
    let xsd = reference.join("schema/xsd");
    let ts_103_280 = reference.join("../etsi-ts-103-280/TS_103_280.xsd");
    let stubs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas");
    let imports = [
        ("http://uri.etsi.org/03280/common/2017/07", ts_103_280),
        (
            "http://www.w3.org/2000/09/xmldsig#",
            stubs.join("xmldsig-stub.xsd"),
        ),
        (
            "http://uri.etsi.org/03280/common/2019/10/Dictionaries",
            stubs.join("dictionaries-stub.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2016/02/Common",
            xsd.join("ts_103120_Common.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2024/06/Config",
            xsd.join("ts_103120_Config.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2019/10/Core",
            xsd.join("ts_103120_Core.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2020/09/Task",
            xsd.join("ts_103120_Task.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2019/10/Delivery",
            xsd.join("ts_103120_Delivery.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2020/09/Authorisation",
            stubs.join("ts_103120_Authorisation.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2020/09/Document",
            stubs.join("ts_103120_Document.xsd"),
        ),
        (
            "http://uri.etsi.org/03120/common/2016/02/Notification",
            stubs.join("ts_103120_Notification.xsd"),
        ),
    ];
    let mut text = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n",
    );
    for (namespace, location) in imports {
        assert!(location.exists(), "{} is missing", location.display());
        text.push_str(&format!(
            "  <xs:import namespace=\"{namespace}\" schemaLocation=\"{}\"/>\n",
            location.display()
        ));
    }
    text.push_str("</xs:schema>\n");
    let path = dir.join("wrapper.xsd");
    std::fs::write(&path, text).unwrap();
    path
}

/// `Some(Ok)` valid, `Some(Err(output))` invalid, `None` no xmllint.
fn xmllint(schema: &Path, file: &Path) -> Option<Result<(), String>> {
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(schema)
        .arg(file)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stderr).into_owned();
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(text)
    })
}

/// Same, with the Python validator (`None`: no python3 or no jsonschema). `WRIT_TEST_PYTHON`
/// names the interpreter (`scripts/test` makes one with jsonschema); else `python3`.
fn json_schema(reference: &Path, file: &Path) -> Option<Result<(), String>> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var_os("WRIT_TEST_PYTHON").unwrap_or_else(|| "python3".into());
    let output = Command::new(python)
        .arg(manifest.join("tests/validate_json.py"))
        .arg(reference)
        .arg(manifest.join("tests/schemas"))
        .arg(file)
        .output()
        .ok()?;
    match output.status.code() {
        Some(0) => Some(Ok(())),
        Some(3) => None,
        _ => Some(Err(String::from_utf8_lossy(&output.stderr).into_owned())),
    }
}

#[test]
fn every_message_writ_sends_validates_against_the_xsds() {
    let Some(reference) = reference() else {
        eprintln!("SKIPPED: the ETSI reference folder is not here");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let schema = wrapper(dir.path(), &reference);
    // The validator must be able to say no: a request as writ's fixture has it, then
    // with an element its schema does not have.
    let fixture = dir.path().join("fixture.xml");
    std::fs::write(&fixture, EPOC).unwrap();
    let Some(valid) = xmllint(&schema, &fixture) else {
        eprintln!("SKIPPED: xmllint is not installed (Debian: apt-get install libxml2-utils)");
        return;
    };
    assert_eq!(valid, Ok(()), "the EPOC fixture is valid");
    let broken = dir.path().join("broken.xml");
    std::fs::write(
        &broken,
        String::from_utf8_lossy(EPOC).replace("auth:AuthorisationReference", "auth:Reference"),
    )
    .unwrap();
    assert!(
        xmllint(&schema, &broken).unwrap().is_err(),
        "xmllint refuses what is invalid"
    );

    for (name, message) in messages() {
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, message.to_xml()).unwrap();
        if let Err(output) = xmllint(&schema, &path).unwrap() {
            panic!("{name}: {output}\n{}", message.to_xml());
        }
    }
}

#[test]
fn every_message_writ_sends_validates_against_the_json_schemas() {
    let Some(reference) = reference() else {
        eprintln!("SKIPPED: the ETSI reference folder is not here");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    let mut tampered = messages()[0].1.to_json();
    tampered["Header"]["TransactionIdentifier"] = serde_json::json!("not-a-uuid");
    std::fs::write(&broken, tampered.to_string()).unwrap();
    let Some(refused) = json_schema(&reference, &broken) else {
        eprintln!(
            "SKIPPED: python3 with the jsonschema package is not installed (pip install jsonschema)"
        );
        return;
    };
    assert!(
        refused.is_err(),
        "the JSON validator refuses what is invalid"
    );
    for (name, message) in messages() {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&message.to_json()).unwrap(),
        )
        .unwrap();
        if let Err(output) = json_schema(&reference, &path).unwrap() {
            panic!("{name}: {output}\n{:#}", message.to_json());
        }
    }
}

#[test]
fn what_writ_sends_reads_back_the_same_in_both_encodings() {
    for (name, message) in messages() {
        let from_xml = Message::from_xml(message.to_xml().as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let from_json = Message::from_json(message.to_json().to_string().as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(from_xml, from_json, "{name}");
        // The answer goes back to whoever asked, in the same transaction.
        assert_eq!(
            from_xml.header.receiver.unique_identifier, "DE-LKA-BERLIN",
            "{name}"
        );
        assert_eq!(
            from_xml.header.sender.unique_identifier, "EXAMPLE-CSP",
            "{name}"
        );
        assert_eq!(
            from_xml.header.transaction.to_string(),
            "5b0c1e8a-3a5e-4f4e-9a43-6f3f8d2c1a01"
        );
        assert_eq!(from_xml.header.timestamp, at("2026-09-01T08:00:01.5Z"));
    }
    let all = messages();
    let response = Message::from_xml(all[0].1.to_xml().as_bytes()).unwrap();
    let Payload::Response(results) = &response.payload else {
        panic!("a response")
    };
    let identifiers: Vec<u64> = results.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        identifiers,
        (0..8).collect::<Vec<_>>(),
        "one ActionResponse per ActionIdentifier"
    );
    assert_eq!(results[0].1, Ok(id(1)));
    assert_eq!(results[2].1, Ok(id(2)));
    let (code, description) = results[7].1.clone().unwrap_err();
    assert_eq!(code, 2001);
    assert!(description.contains(
        "RequestValue/FormatType: writ has no identifier kind for the format ETSI/SIPURI"
    ));

    let update = Message::from_xml(all[2].1.to_xml().as_bytes()).unwrap();
    let Action::Update(Hi1Object::LdTask(task)) = &update.requests()[0].action else {
        panic!("an LDTask update")
    };
    assert_eq!(
        task.status.as_ref().map(|s| s.value.as_str()),
        Some("Rejected")
    );
    assert_eq!(
        task.common.last_changed,
        Some(at("2026-09-02T10:15:30Z")),
        "whole seconds, as the schema has it"
    );

    let lp = Message::from_xml(all[3].1.to_xml().as_bytes()).unwrap();
    let Action::Update(Hi1Object::LpTask(task)) = &lp.requests()[0].action else {
        panic!("an LPTask update")
    };
    assert_eq!(
        task.preservation_expiration,
        Some(at("2026-10-31T00:00:00Z"))
    );
    assert_eq!(
        task.status.as_ref().map(|s| s.value.as_str()),
        Some("Preserved")
    );

    let form3 = Message::from_json(all[5].1.to_json().to_string().as_bytes()).unwrap();
    let Action::Create(Hi1Object::Document(document)) = &form3.requests()[1].action else {
        panic!("the form as a DocumentObject after the notification")
    };
    assert_eq!(form3.requests()[1].identifier, 1);
    let body = document.body.as_ref().unwrap();
    assert!(body.is_pdf() && body.contents.starts_with(b"%PDF-1.4"));
    assert_eq!(document.common.associated_objects, vec![id(1), id(9)]);
    let refused = Message::from_xml(all[1].1.to_xml().as_bytes()).unwrap();
    let Payload::Refused { code, description } = &refused.payload else {
        panic!("a refusal")
    };
    assert_eq!(
        (*code, description.as_str()),
        (2001, refusal().description().as_str())
    );
    let notification = all[5].1.to_xml();
    assert!(
        notification.contains("de facto impossibility) &lt;&amp;&gt;"),
        "text is escaped"
    );
    let deliver = all[6].1.to_xml();
    assert!(deliver.contains("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    assert!(deliver.contains("token=x&amp;y=1"));
}
