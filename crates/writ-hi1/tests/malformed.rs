//! Malformed messages are refused with a named error (code, element, problem), never a
//! panic, and never half-mapped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod common;

use common::{authority, context};
use proptest::prelude::*;
use writ_hi1::{ErrorCode, Hi1Config, Hi1Error, Message, map_message};

const EPOC: &str = include_str!("fixtures/epoc.xml");

/// Parses and maps; the error if either refuses.
fn outcome(xml: &str) -> Result<usize, Hi1Error> {
    let message = Message::from_xml(xml.as_bytes())?;
    let authority = authority();
    let config = Hi1Config::default();
    Ok(map_message(&message, &context(&authority, &config))?
        .demands
        .len())
}

fn refused(xml: &str) -> Hi1Error {
    outcome(xml).expect_err("the message must be refused")
}

#[test]
fn the_fixture_itself_is_accepted() {
    assert_eq!(outcome(EPOC), Ok(1));
}

#[test]
fn an_element_in_the_wrong_namespace_is_named() {
    // The task prefix bound to another namespace: the task's own elements are then wrong.
    let xml = EPOC.replace(
        "xmlns:task=\"http://uri.etsi.org/03120/common/2020/09/Task\"",
        "xmlns:task=\"http://uri.etsi.org/03120/common/2019/10/Task\"",
    );
    let error = refused(&xml);
    assert_eq!(error.code, ErrorCode::Namespace);
    assert_eq!(
        error.element,
        "HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[1]/CREATE/HI1Object/@xsi:type"
    );
    assert!(error.problem.contains("2019/10/Task"), "{error}");

    // A Core element written in the Common namespace.
    let xml = EPOC.replace(
        "<TransactionIdentifier>5b0c1e8a-3a5e-4f4e-9a43-6f3f8d2c1a01</TransactionIdentifier>",
        "<common:TransactionIdentifier>5b0c1e8a-3a5e-4f4e-9a43-6f3f8d2c1a01</common:TransactionIdentifier>",
    );
    let error = refused(&xml);
    assert_eq!(error.code, ErrorCode::Namespace);
    assert_eq!(error.element, "HI1Message/Header/TransactionIdentifier");

    // The whole message in no namespace.
    let xml = EPOC.replace(
        "xmlns=\"http://uri.etsi.org/03120/common/2019/10/Core\"",
        "",
    );
    let error = refused(&xml);
    assert_eq!(
        (error.code, error.element.as_str()),
        (ErrorCode::Namespace, "HI1Message")
    );

    // A request value's parts in the Core namespace instead of Task's.
    let xml = EPOC
        .replacen("<task:Value>", "<Value>", 1)
        .replacen("</task:Value>", "</Value>", 1);
    let error = refused(&xml);
    assert_eq!(error.code, ErrorCode::Namespace);
    assert!(
        error.element.ends_with("RequestValues/RequestValue/Value"),
        "{error}"
    );
}

#[test]
fn a_task_without_its_authorisation_is_refused() {
    let start = EPOC.find("<ActionRequest>").unwrap();
    let end = EPOC.find("</ActionRequest>").unwrap() + "</ActionRequest>".len();
    let without = format!("{}{}", &EPOC[..start], &EPOC[end..]);
    let error = refused(&without);
    assert_eq!(error.code, ErrorCode::Association);
    assert_eq!(
        error.element,
        "HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[0]/CREATE/HI1Object/AssociatedObjects"
    );
    assert!(
        error
            .problem
            .contains("0a0b0c0d-0000-4000-8000-000000000002"),
        "{error}"
    );

    // A disclosure task that names nothing at all.
    let xml = EPOC.replacen(
        "<AssociatedObjects><AssociatedObject>0a0b0c0d-0000-4000-8000-000000000001</AssociatedObject></AssociatedObjects>\n                            <task:Reference>",
        "<task:Reference>",
        1,
    );
    assert_eq!(refused(&xml).code, ErrorCode::Association);
}

#[test]
fn an_unknown_identifier_format_is_refused_with_its_name() {
    let xml = EPOC.replacen(
        "<task:FormatName>EmailAddress<",
        "<task:FormatName>SIPURI<",
        1,
    );
    let error = refused(&xml);
    assert_eq!(error.code, ErrorCode::Unsupported);
    assert!(
        error
            .element
            .ends_with("RequestValues/RequestValue/FormatType"),
        "{error}"
    );
    assert!(error.problem.contains("ETSI/SIPURI"), "{error}");

    let xml = EPOC.replacen("<task:FormatOwner>ETSI<", "<task:FormatOwner>ACTOR02<", 1);
    assert!(refused(&xml).problem.contains("ACTOR02/EmailAddress"));
}

#[test]
fn a_duplicate_object_identifier_is_refused() {
    let xml = EPOC.replacen(
        "<ObjectIdentifier>0a0b0c0d-0000-4000-8000-000000000003</ObjectIdentifier>",
        "<ObjectIdentifier>0a0b0c0d-0000-4000-8000-000000000002</ObjectIdentifier>",
        1,
    );
    let error = refused(&xml);
    assert_eq!(error.code, ErrorCode::Association);
    assert_eq!(
        error.element,
        "HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[2]/CREATE/HI1Object/ObjectIdentifier"
    );
    assert!(error.problem.contains("ActionRequest[1]"), "{error}");

    let xml = EPOC.replacen("<ActionIdentifier>2<", "<ActionIdentifier>1<", 1);
    assert_eq!(refused(&xml).code, ErrorCode::Association);
}

/// The EPOC fixture with `tasks` copies of its first task, each with its own identifier.
fn with_tasks(tasks: usize) -> String {
    let start = EPOC
        .find("<ActionRequest>\n                    <ActionIdentifier>1<")
        .unwrap();
    let end = EPOC[start..].find("</ActionRequest>").unwrap() + start + "</ActionRequest>".len();
    let task = &EPOC[start..end];
    let mut copies = String::new();
    for i in 0..tasks {
        copies.push_str(
            &task
                .replace(
                    "<ActionIdentifier>1<",
                    &format!("<ActionIdentifier>{}<", 100 + i),
                )
                .replace(
                    "0a0b0c0d-0000-4000-8000-000000000002",
                    &format!("0a0b0c0d-0000-4000-9000-{i:012}"),
                ),
        );
    }
    format!("{}{}{}", &EPOC[..start], copies, &EPOC[end..])
}

#[test]
fn more_tasks_than_the_limit_are_refused_and_the_limit_is_accepted() {
    let error = refused(&with_tasks(10_000));
    assert_eq!(error.code, ErrorCode::Limit);
    assert!(error.problem.contains("more than 1000 tasks"), "{error}");
    // 999 copies and the fixture's own second task: exactly the limit.
    assert_eq!(outcome(&with_tasks(999)), Ok(1));
    assert_eq!(refused(&with_tasks(1_000)).code, ErrorCode::Limit);
}

#[test]
fn what_is_not_an_hi1_message_is_a_syntax_error() {
    for (text, code) in [
        ("", ErrorCode::Syntax),
        ("not xml", ErrorCode::Syntax),
        (
            "<HI1Message xmlns=\"http://uri.etsi.org/03120/common/2019/10/Core\">",
            ErrorCode::Syntax,
        ),
        (
            "<Other xmlns=\"http://uri.etsi.org/03120/common/2019/10/Core\"/>",
            ErrorCode::Syntax,
        ),
        ("<x:HI1Message/>", ErrorCode::Namespace),
        (
            "<!DOCTYPE lol [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><HI1Message>&lol2;</HI1Message>",
            ErrorCode::Syntax,
        ),
        (
            "<HI1Message xmlns=\"http://uri.etsi.org/03120/common/2019/10/Core\">&ext;</HI1Message>",
            ErrorCode::Syntax,
        ),
    ] {
        assert_eq!(refused(text).code, code, "{text:?}");
    }
    let two = EPOC.replacen(
        "<ActionIdentifier>2</ActionIdentifier>",
        "<ActionIdentifier>2</ActionIdentifier><GET><Identifier>0a0b0c0d-0000-4000-8000-000000000001</Identifier></GET>",
        1,
    );
    let error = refused(&two);
    assert!(
        error.element.ends_with("ActionRequest[2]")
            && error.problem.contains("more than one action"),
        "{error}"
    );
    let error = refused(
        &EPOC
            .replace("<Header>", "<Hdr>")
            .replace("</Header>", "</Hdr>"),
    );
    assert_eq!(
        (error.element.as_str(), error.problem.as_str()),
        ("HI1Message/Header", "is missing")
    );
}

#[test]
fn bad_values_name_their_element() {
    let error = refused(&EPOC.replacen("2026-08-01T00:00:00Z", "1 August 2026", 1));
    assert_eq!(error.code, ErrorCode::Content);
    assert!(
        error
            .element
            .ends_with("ActionRequest[1]/CREATE/HI1Object/RequestDetails/StartTime"),
        "{error}"
    );

    let error = refused(&EPOC.replacen(
        "<task:StartTime>2026-08-01T00:00:00Z",
        "<task:StartTime>2026-09-30T00:00:00Z",
        1,
    ));
    assert!(error.problem.contains("is after EndTime"), "{error}");

    let error = refused(&EPOC.replacen("Suspect@Example.com", "suspect@@example.com", 1));
    assert_eq!(error.code, ErrorCode::Content);
    assert!(error.element.ends_with("RequestValue/Value"), "{error}");

    let error = refused(&EPOC.replacen("<task:Value>2001:db8::7", "<task:Value>2001:zz8::7", 1));
    assert!(error.element.ends_with("RequestValue/Value"), "{error}");

    let error = refused(&EPOC.replacen(">UserIdentifyingData<", ">Other<", 1));
    assert_eq!(error.code, ErrorCode::Unsupported);
    assert!(
        error.element.ends_with("RequestDetails/Type/Value"),
        "{error}"
    );

    let error = refused(&EPOC.replacen("JVBERi0x", "!!!!", 1));
    assert!(error.element.ends_with("DocumentBody/Contents"), "{error}");

    let error = refused(&EPOC.replacen(
        "<ObjectIdentifier>0a0b0c0d-0000-4000-8000-000000000001<",
        "<ObjectIdentifier>W1<",
        1,
    ));
    assert!(error.problem.contains("is not a UUID"), "{error}");
}

#[test]
fn a_json_message_with_a_rebound_prefix_is_refused() {
    let Some(reference) = common::reference() else {
        eprintln!("SKIPPED: the ETSI reference folder is not here");
        return;
    };
    let text = std::fs::read_to_string(reference.join("examples/json/request4.json")).unwrap();
    let text = text.replace(
        "\"@xmlns:task\": \"http://uri.etsi.org/03120/common/2020/09/Task\"",
        "\"@xmlns:task\": \"http://example.com/not-task\"",
    );
    let error = Message::from_json(text.as_bytes()).unwrap_err();
    assert_eq!(error.code, ErrorCode::Namespace);
    assert!(
        error.problem.contains("http://example.com/not-task"),
        "{error}"
    );

    let error = Message::from_json(b"[1, 2]").unwrap_err();
    assert_eq!(error.code, ErrorCode::Syntax);
}

fn never_panics(bytes: &[u8]) {
    let authority = authority();
    let config = Hi1Config::default();
    for message in [Message::from_xml(bytes), Message::from_json(bytes)]
        .into_iter()
        .flatten()
    {
        let _ = map_message(&message, &context(&authority, &config));
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        never_panics(&bytes);
    }

    /// Bytes changed, cut or inserted anywhere in a real message: near misses reach
    /// the typed reading and the mapping, where random bytes never get.
    #[test]
    fn a_damaged_message_never_panics_the_parser_or_the_mapping(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..8)
    ) {
        let mut bytes = EPOC.as_bytes().to_vec();
        for (at, byte, how) in edits {
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        never_panics(&bytes);
    }
}
