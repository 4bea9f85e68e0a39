//! The signed-order upload fed anything (any demand document, any order bytes and file
//! name, any multipart body): never a panic or a 5xx, and every refusal names a field.

use proptest::prelude::*;
use serde_json::Value;
use writ_app::AppError;
use writ_app::access::{Admit, AgencyUser, Credential, SignedOrder};

use crate::helpers::{Backend, EXAMPLE, TestApp, spawn_app_with};

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIELDS: [&str; 9] = [
    "reference",
    "received_at",
    "authority",
    "instrument",
    "emergency",
    "action",
    "categories",
    "period",
    "targets",
];

/// A demand document: the example as it is or with a part replaced, any JSON, any text.
fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(EXAMPLE.to_owned()),
        (0..FIELDS.len(), any_json()).prop_map(|(i, value)| {
            let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
            doc[FIELDS[i]] = value;
            doc.to_string()
        }),
        any_json().prop_map(|value| value.to_string()),
        prop::collection::vec(any::<u8>(), 0..256)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

/// A signed order's name and bytes: any bytes, or a PDF's first bytes then any.
fn order() -> impl Strategy<Value = (String, Vec<u8>)> {
    (
        prop_oneof![".{0,40}", "[a-z]{1,12}\\.pdf"],
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..512),
    )
        .prop_map(|(filename, pdf, bytes)| {
            let bytes = if pdf {
                [b"%PDF-".as_slice(), &bytes].concat()
            } else {
                bytes
            };
            (filename, bytes)
        })
}

/// An app with Seattle's authority, and its user's token.
async fn seattle() -> (TestApp, AgencyUser, String) {
    let app = spawn_app_with(Backend::Sqlite, None).await;
    let person = app.add_seattle_pd().await;
    let caller = app
        .state
        .authenticate(Credential::Token(&person.token))
        .await
        .unwrap();
    let agency = AgencyUser::admit(caller).unwrap();
    (app, agency, person.token)
}

#[test]
fn any_upload_opens_a_case_or_is_refused_naming_a_field() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, agency, _) = runtime.block_on(seattle());
    let (opened, refused) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    proptest!(ProptestConfig::with_cases(96), |(doc in document(), (filename, bytes) in order())| {
        let is_pdf = bytes.starts_with(b"%PDF-");
        let order = SignedOrder { filename, bytes };
        let submitted = runtime.block_on(
            agency.desk(&app.state).submit_with_order(&doc, Some(order)),
        );
        match submitted {
            Ok(_) => {
                opened.set(opened.get() + 1);
                prop_assert!(is_pdf, "a case opened without a PDF");
            }
            Err(AppError::BadRequest { field: Some(field), message }) => {
                refused.set(refused.get() + 1);
                prop_assert!(!field.is_empty(), "{}", message);
                prop_assert!(!message.is_empty(), "{}", field);
            }
            Err(other) => prop_assert!(false, "not a refusal naming a field: {other:?}"),
        }
    });
    // The inputs reach both answers, not only the parser's first refusal.
    assert!(
        opened.get() > 0 && refused.get() > 0,
        "{opened:?} {refused:?}"
    );
}

/// A multipart body around `parts` (name, file name, bytes), or `raw` as it is.
fn multipart(parts: &[(String, Option<String>, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(b"--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"");
        body.extend_from_slice(name.as_bytes());
        body.push(b'"');
        if let Some(filename) = filename {
            body.extend_from_slice(b"; filename=\"");
            body.extend_from_slice(filename.as_bytes());
            body.push(b'"');
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"--XBOUNDARYX--\r\n");
    body
}

#[test]
fn any_multipart_upload_gets_an_answer_not_a_server_error() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (app, _, token) = runtime.block_on(seattle());
    let statuses = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let good = multipart(&[
        ("demand".into(), None, EXAMPLE.as_bytes().to_vec()),
        (
            "order".into(),
            Some("order.pdf".into()),
            b"%PDF-1.7".to_vec(),
        ),
    ]);
    let response = runtime.block_on(
        app.client
            .post(format!("{}/portal/demands", app.address))
            .bearer_auth(&token)
            .header("content-type", "multipart/form-data; boundary=XBOUNDARYX")
            .body(good)
            .send(),
    );
    // A good upload reaches the handler and opens a case (the redirect, followed).
    let response = response.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.url().path().starts_with("/portal/demands/"),
        "{}",
        response.url()
    );
    let part = (
        prop_oneof![
            Just("demand".to_owned()),
            Just("order".to_owned()),
            "[a-z\"\r\n]{0,8}"
        ],
        prop::option::of("[^\"\r\n]{0,20}"),
        prop_oneof![
            document().prop_map(String::into_bytes),
            prop::collection::vec(any::<u8>(), 0..256),
        ],
    );
    let body = prop_oneof![
        prop::collection::vec(part, 0..4).prop_map(|parts| multipart(&parts)),
        prop::collection::vec(any::<u8>(), 0..512),
    ];
    proptest!(ProptestConfig::with_cases(64), |(body in body)| {
        let status = runtime.block_on(async {
            app.client
                .post(format!("{}/portal/demands", app.address))
                .bearer_auth(&token)
                .header("content-type", "multipart/form-data; boundary=XBOUNDARYX")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
        statuses.borrow_mut().insert(status);
        // Opened (the new demand's page, after the redirect) or refused on the page,
        // never a 5xx.
        prop_assert!(matches!(status, 200 | 400 | 413), "{}", status);
    });
    assert!(statuses.borrow().contains(&400), "{statuses:?}");
}
