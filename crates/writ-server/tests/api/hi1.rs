//! `POST /api/v1/hi1`: ETSI TS 103 120 messages from an authority open cases through
//! the same intake as a native demand, answer GET and LIST with statuses, withdraw on a
//! cancellation, and refuse a malformed message by name, leaving nothing behind.

use std::path::PathBuf;

use writ_core::{Action, CaseState, Role};
use writ_hi1::message::Payload;
use writ_hi1::{ErrorCode, Message};

use crate::helpers::{Backend, TestApp, spawn_app_with};

const EPOC: &str = include_str!("../../../writ-hi1/tests/fixtures/epoc.xml");
const EPOC_AUTHORISATION: &str = "0a0b0c0d-0000-4000-8000-000000000001";
const EPOC_TASKS: [&str; 2] = [
    "0a0b0c0d-0000-4000-8000-000000000002",
    "0a0b0c0d-0000-4000-8000-000000000003",
];

/// `../shared/reference/etsi-ts-103-120` beside the repository (or `WRIT_HI1_REFERENCE`).
fn reference() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("WRIT_HI1_REFERENCE") {
        return Some(PathBuf::from(dir));
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/reference/etsi-ts-103-120"))
        .find(|dir| dir.join("examples").is_dir())
}

/// Posts a message; the status, the content type and the body.
async fn post(app: &TestApp, token: &str, content_type: &str, body: &str) -> (u16, String, String) {
    let response = app
        .client
        .post(format!("{}/api/v1/hi1", app.address))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media, response.text().await.unwrap())
}

/// Posts XML and reads the answer back as an HI-1 message.
async fn send_xml(app: &TestApp, token: &str, xml: &str) -> Payload {
    let (status, media, body) = post(app, token, "application/xml", xml).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(media, "application/xml");
    Message::from_xml(body.as_bytes())
        .unwrap_or_else(|e| panic!("the answer is not an HI-1 message: {e}\n{body}"))
        .payload
}

/// An app with one authority and its user's token.
async fn app_with_authority(backend: Backend) -> (TestApp, String) {
    let app = spawn_app_with(backend, None).await;
    app.add_agency("de-lka", "DE", "lka.de", "+493012345678")
        .await;
    let person = app
        .add_person("anna@lka.de", Role::Agency, Some("de-lka"))
        .await;
    (app, person.token)
}

/// The ErrorInformation of a refused message.
fn refusal(payload: &Payload) -> (u32, &str) {
    match payload {
        Payload::Refused { code, description } => (*code, description.as_str()),
        other => panic!("not refused: {other:?}"),
    }
}

/// Each action's outcome, in order: the object's id, or the error's code.
fn outcomes(payload: &Payload) -> Vec<(u64, Result<String, u32>)> {
    match payload {
        Payload::Response(results) => results
            .iter()
            .map(|(action, result)| {
                (
                    *action,
                    result
                        .as_ref()
                        .map(|id| id.to_string())
                        .map_err(|(code, _)| *code),
                )
            })
            .collect(),
        other => panic!("not a response: {other:?}"),
    }
}

/// The answer's text for a GET of `id`.
fn get(id: &str) -> String {
    format!(
        "<ActionRequest><ActionIdentifier>0</ActionIdentifier><GET><Identifier>{id}</Identifier></GET></ActionRequest>"
    )
}

fn cancel(action: u64, id: &str) -> String {
    format!(
        r#"<ActionRequest><ActionIdentifier>{action}</ActionIdentifier><UPDATE>
        <HI1Object xsi:type="task:LDTaskObject"><ObjectIdentifier>{id}</ObjectIdentifier>
        <task:DesiredStatus><common:Owner>ETSI</common:Owner><common:Name>LDTaskDesiredStatus</common:Name><common:Value>Cancelled</common:Value></task:DesiredStatus>
        </HI1Object></UPDATE></ActionRequest>"#
    )
}

/// The EPOC fixture with its actions replaced by `actions`, under `transaction`.
fn epoc_with(actions: &str, transaction: &str) -> String {
    let start = EPOC.find("<ActionRequest>").unwrap();
    let end = EPOC.rfind("</ActionRequest>").unwrap() + "</ActionRequest>".len();
    format!("{}{}{}", &EPOC[..start], actions, &EPOC[end..])
        .replace("5b0c1e8a-3a5e-4f4e-9a43-6f3f8d2c1a01", transaction)
}

on_both_backends!(
    an_eu_production_order_opens_one_case_and_reports_its_tasks,
    cancelling_the_last_task_withdraws_the_case,
    a_released_production_is_delivered_to_the_authority_which_downloads_it,
    a_production_order_naming_a_preservation_keeps_it_until_answered,
    form3_goes_to_the_authority_and_a_conflict_opens_the_art17_review,
);

async fn an_eu_production_order_opens_one_case_and_reports_its_tasks(backend: Backend) {
    let (app, token) = app_with_authority(backend).await;
    let payload = send_xml(&app, &token, EPOC).await;
    assert_eq!(
        outcomes(&payload),
        vec![
            (0, Ok(EPOC_AUTHORISATION.to_owned())),
            (1, Ok(EPOC_TASKS[0].to_owned())),
            (2, Ok(EPOC_TASKS[1].to_owned())),
            (3, Ok("0a0b0c0d-0000-4000-8000-000000000004".to_owned())),
        ]
    );
    // One case, decided by the engine as a native demand would be.
    let cases = app.db.store.cases(None).await.unwrap();
    assert_eq!(cases.len(), 1);
    let case = &cases[0];
    assert_eq!(case.reference, "EPOC-DE-2026-0042");
    assert_eq!(case.instrument, "eu.epoc");
    assert!(case.emergency);
    assert_eq!(case.state, CaseState::Received);
    assert_eq!(case.agency_id.as_ref().unwrap().as_str(), "de-lka");
    let decision = case.decision.as_ref().unwrap();
    assert_eq!(decision.rule.as_deref(), Some("EU-1"));
    // The emergency's 8 hours run from receipt in writ.
    assert_eq!(
        case.deadline,
        case.received_at.checked_add(time::Duration::hours(8))
    );
    let document = app.db.store.demand_document(case.id).await.unwrap();
    let demand = writ_core::Demand::from_json(&document).unwrap();
    assert_eq!(demand.action, Action::Disclose);
    assert_eq!(demand.targets.len(), 2);
    // The PDF associated with the authorisation is the signed order.
    let documents = app.db.store.documents(case.id).await.unwrap();
    assert_eq!(documents.len(), 1);
    assert_eq!(documents[0].filename, "EPOC certificate (Form 1).pdf");

    // GET: each task with its status; LIST: the four objects.
    for (id, status) in [
        (EPOC_AUTHORISATION, "AwaitingApproval"),
        (EPOC_TASKS[0], "AwaitingApproval"),
    ] {
        let (_, _, body) = post(
            &app,
            &token,
            "application/xml",
            &epoc_with(&get(id), &uuid::Uuid::new_v4().to_string()),
        )
        .await;
        assert!(
            body.contains(&format!("<common:Value>{status}</common:Value>")),
            "{body}"
        );
        assert!(body.contains(id), "{body}");
    }
    let list = "<ActionRequest><ActionIdentifier>0</ActionIdentifier><LIST></LIST></ActionRequest>";
    let (_, _, body) = post(
        &app,
        &token,
        "application/xml",
        &epoc_with(list, &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    assert_eq!(body.matches("<ListResponseRecord>").count(), 4, "{body}");

    // Another authority sees none of them.
    app.add_agency("fr-pj", "FR", "pj.fr", "+33112345678").await;
    let other = app
        .add_person("luc@pj.fr", Role::Agency, Some("fr-pj"))
        .await;
    let payload = send_xml(
        &app,
        &other.token,
        &epoc_with(&get(EPOC_AUTHORISATION), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    let (code, description) = refusal(&payload);
    assert_eq!(code, ErrorCode::Association.code());
    assert!(description.contains("GET/Identifier"), "{description}");

    // The same message again: the first answer, and no second case.
    let (_, _, first) = post(&app, &token, "application/xml", EPOC).await;
    let (_, _, again) = post(&app, &token, "application/xml", EPOC).await;
    assert_eq!(first, again);
    assert_eq!(app.db.store.cases(None).await.unwrap().len(), 1);
}

async fn cancelling_the_last_task_withdraws_the_case(backend: Backend) {
    let (app, token) = app_with_authority(backend).await;
    send_xml(&app, &token, EPOC).await;
    let case = app.db.store.cases(None).await.unwrap().remove(0);

    // One task cancelled: it says so, the case stands.
    let payload = send_xml(
        &app,
        &token,
        &epoc_with(
            &cancel(7, EPOC_TASKS[0]),
            "00000000-0000-4000-8000-0000000000c1",
        ),
    )
    .await;
    assert_eq!(outcomes(&payload), vec![(7, Ok(EPOC_TASKS[0].to_owned()))]);
    assert_eq!(
        app.db.store.case(case.id).await.unwrap().state,
        CaseState::Received
    );
    let (_, _, body) = post(
        &app,
        &token,
        "application/xml",
        &epoc_with(&get(EPOC_TASKS[0]), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    assert!(
        body.contains("<common:Value>Cancelled</common:Value>"),
        "{body}"
    );
    // Cancelling it again is refused, and changes nothing.
    let payload = send_xml(
        &app,
        &token,
        &epoc_with(&cancel(7, EPOC_TASKS[0]), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    assert!(refusal(&payload).1.contains("cancelled already"));

    // The last one: the case is withdrawn, and the authorisation reads Cancelled.
    let payload = send_xml(
        &app,
        &token,
        &epoc_with(&cancel(8, EPOC_TASKS[1]), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    assert_eq!(outcomes(&payload), vec![(8, Ok(EPOC_TASKS[1].to_owned()))]);
    assert_eq!(
        app.db.store.case(case.id).await.unwrap().state,
        CaseState::Withdrawn
    );
    let (_, _, body) = post(
        &app,
        &token,
        "application/xml",
        &epoc_with(&get(EPOC_AUTHORISATION), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    assert!(
        body.contains("<common:Value>Cancelled</common:Value>"),
        "{body}"
    );
    let events = app.db.store.case_events(case.id, None, 100).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "case.opened",
            "hi1.objects_created",
            "hi1.task_cancelled",
            "hi1.task_cancelled",
            "case.withdrawn"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reference_example_with_a_task_opens_its_case() {
    let Some(reference) = reference() else {
        eprintln!(
            "SKIPPED: the ETSI reference folder (shared/reference/etsi-ts-103-120) is not here"
        );
        return;
    };
    let app = spawn_app_with(Backend::Sqlite, None).await;
    let mut checked = 0;
    for encoding in ["xml", "json"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(reference.join("examples").join(encoding))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            if !(text.contains("LDTaskObject") || text.contains("LPTaskObject")) {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let stem = name
                .trim_end_matches(".xml")
                .trim_end_matches(".json")
                .to_owned();
            // A fresh authority each: the examples share their identifiers.
            let agency = format!("gb-{checked}");
            app.add_agency(
                &agency,
                "GB",
                &format!("a{checked}.police.uk"),
                "+442079460000",
            )
            .await;
            let person = app
                .add_person(
                    &format!("officer@a{checked}.police.uk"),
                    Role::Agency,
                    Some(&agency),
                )
                .await;
            let before = app.db.store.cases(None).await.unwrap().len();
            let (status, media, body) = post(
                &app,
                &person.token,
                &format!("application/{encoding}"),
                &text,
            )
            .await;
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(media, format!("application/{encoding}"), "{name}");
            let message = if encoding == "json" {
                Message::from_json(body.as_bytes())
            } else {
                Message::from_xml(body.as_bytes())
            }
            .unwrap_or_else(|e| panic!("{name}: {e}\n{body}"));
            let results = outcomes(&message.payload);
            let cases = app.db.store.cases(None).await.unwrap();
            assert_eq!(cases.len(), before + 1, "{name}: one case");
            let case = cases
                .iter()
                .find(|c| c.agency_id.as_ref().is_some_and(|a| a.as_str() == agency))
                .unwrap();
            assert_eq!(case.state, CaseState::Received, "{name}");
            let demand =
                writ_core::Demand::from_json(&app.db.store.demand_document(case.id).await.unwrap())
                    .unwrap();
            match stem.as_str() {
                "request8_LPTaskObject" => {
                    assert_eq!(demand.action, Action::Preserve, "{name}");
                    assert_eq!(case.instrument, "informal", "{name}");
                    assert_eq!(results.len(), 1, "{name}");
                }
                "request6" => {
                    assert_eq!(demand.targets.len(), 3, "{name}");
                    assert_eq!(demand.targets[0].raw, "192.0.2.23", "{name}");
                }
                "request10_LDDestinationObject" => {
                    assert_eq!(case.reference, "W000001", "{name}");
                    // The destination is not kept: its action says so, the rest is taken.
                    assert!(
                        results
                            .iter()
                            .any(|(_, r)| *r == Err(ErrorCode::Unsupported.code())),
                        "{name}: {results:?}"
                    );
                }
                _ => {
                    assert_eq!(case.reference, "W000001", "{name}");
                    assert_eq!(demand.action, Action::Disclose, "{name}");
                    assert!(
                        results.iter().all(|(_, r)| r.is_ok()),
                        "{name}: {results:?}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 11, "6 XML and 5 JSON examples carry tasks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_refused_by_name_and_leave_nothing_behind() {
    let (app, token) = app_with_authority(Backend::Sqlite).await;
    let audit_before = app.db.store.audit_size().await.unwrap();
    let task = |n: usize| {
        format!(
            r#"<ActionRequest><ActionIdentifier>{a}</ActionIdentifier><CREATE>
            <HI1Object xsi:type="task:LDTaskObject"><ObjectIdentifier>00000000-0000-4000-8000-{n:012}</ObjectIdentifier>
            <AssociatedObjects><AssociatedObject>{EPOC_AUTHORISATION}</AssociatedObject></AssociatedObjects>
            <task:RequestDetails><task:RequestValues><task:RequestValue><task:FormatType><task:FormatOwner>ETSI</task:FormatOwner><task:FormatName>EmailAddress</task:FormatName></task:FormatType><task:Value>u{n}@example.com</task:Value></task:RequestValue></task:RequestValues></task:RequestDetails>
            </HI1Object></CREATE></ActionRequest>"#,
            a = n + 10
        )
    };
    let many: String = (0..10_000).map(task).collect();
    let ten_thousand = EPOC.replacen("</ActionRequests>", &format!("{many}</ActionRequests>"), 1);
    let cases = [
        (
            "wrong namespace",
            EPOC.replace(
                "xmlns:task=\"http://uri.etsi.org/03120/common/2020/09/Task\"",
                "xmlns:task=\"http://uri.etsi.org/03120/common/2019/10/Task\"",
            ),
            ErrorCode::Namespace,
            "ActionRequest[1]/CREATE/HI1Object/@xsi:type",
        ),
        (
            "a task without its authorisation",
            EPOC.replacen(
                "<AssociatedObjects><AssociatedObject>0a0b0c0d-0000-4000-8000-000000000001</AssociatedObject></AssociatedObjects>\n                            <task:Reference>",
                "<task:Reference>",
                1,
            ),
            ErrorCode::Association,
            "ActionRequest[1]/CREATE/HI1Object/AssociatedObjects",
        ),
        (
            "an unknown identifier format",
            EPOC.replacen(">EmailAddress<", ">NAI<", 1),
            ErrorCode::Unsupported,
            "RequestValues/RequestValue",
        ),
        (
            "a duplicate ObjectIdentifier",
            EPOC.replacen(
                "<ObjectIdentifier>0a0b0c0d-0000-4000-8000-000000000003</ObjectIdentifier>",
                "<ObjectIdentifier>0a0b0c0d-0000-4000-8000-000000000002</ObjectIdentifier>",
                1,
            ),
            ErrorCode::Association,
            "ActionRequest[2]/CREATE/HI1Object/ObjectIdentifier",
        ),
        (
            "10,000 tasks",
            ten_thousand,
            ErrorCode::Limit,
            "HI1Message/Payload/RequestPayload/ActionRequests",
        ),
        (
            "not XML at all",
            "<HI1Message".to_owned(),
            ErrorCode::Syntax,
            "",
        ),
    ];
    for (what, xml, code, element) in cases {
        assert_ne!(
            xml, EPOC,
            "{what}: the fixture changed, the test no longer breaks it"
        );
        let payload = send_xml(&app, &token, &xml).await;
        let (got, description) = refusal(&payload);
        assert_eq!(got, code.code(), "{what}: {description}");
        assert!(description.contains(element), "{what}: {description}");
        assert!(app.db.store.cases(None).await.unwrap().is_empty(), "{what}");
        assert_eq!(
            app.db.store.audit_size().await.unwrap(),
            audit_before,
            "{what}"
        );
        let agency = writ_core::AgencyId::parse("de-lka").unwrap();
        assert!(
            app.db
                .store
                .hi1_objects(&agency, None, None, 10)
                .await
                .unwrap()
                .is_empty(),
            "{what}"
        );
    }
    // A refused transaction was not kept: the good message under its id is taken.
    let payload = send_xml(&app, &token, EPOC).await;
    assert_eq!(outcomes(&payload).len(), 4);

    // An ObjectIdentifier the sender used in an earlier message.
    let again = EPOC.replace(
        "5b0c1e8a-3a5e-4f4e-9a43-6f3f8d2c1a01",
        "5b0c1e8a-3a5e-4f4e-9a43-6f3f8d2c1a02",
    );
    let payload = send_xml(&app, &token, &again).await;
    let (code, description) = refusal(&payload);
    assert_eq!(code, ErrorCode::Association.code());
    assert!(
        description.contains("ActionRequest[0]/CREATE/HI1Object/ObjectIdentifier"),
        "{description}"
    );
    assert_eq!(app.db.store.cases(None).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_encoding_is_answered_in_json_and_only_authorities_may_send() {
    let (app, token) = app_with_authority(Backend::Sqlite).await;
    let (status, media, body) = post(&app, &token, "application/json", "{}").await;
    assert_eq!(status, 200);
    assert_eq!(media, "application/json");
    let answer = Message::from_json(body.as_bytes()).unwrap();
    let (code, description) = refusal(&answer.payload);
    assert_eq!(code, ErrorCode::Content.code(), "{description}");
    assert!(description.starts_with("HI1Message"), "{description}");
    // From writ to the authority, whose header writ could not read.
    assert_eq!(answer.header.receiver.country_code, "DE");
    assert_eq!(answer.header.receiver.unique_identifier, "de-lka");

    let reviewer = app.add_person("rita", Role::Reviewer, None).await;
    let (status, _, _) = post(&app, &reviewer.token, "application/xml", EPOC).await;
    assert_eq!(status, 403);
    let (status, _, _) = post(&app, "writ_at_nothing", "application/xml", EPOC).await;
    assert_eq!(status, 401);
}

/// An HI-1 endpoint playing the authority: it keeps every message, and refuses the
/// first `fail_first` with a 503.
struct Endpoint {
    url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

async fn endpoint(fail_first: usize) -> Endpoint {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let refused = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let kept = received.clone();
    let router = axum::Router::new().route(
        "/hi1",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            let refused = refused.clone();
            async move {
                if refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < fail_first {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                kept.lock().unwrap().push(body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hi1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Endpoint { url, received }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authority_with_an_endpoint_is_told_each_change_and_a_refusal_is_retried() {
    use writ_app::jobs::runner::run_due_jobs;
    let (mut app, token) = app_with_authority(Backend::Sqlite).await;
    let endpoint = endpoint(1).await;
    let mut config = writ_hi1::Hi1Config::default();
    config
        .endpoints
        .insert("de-lka".to_owned(), endpoint.url.clone());
    // The worker's configuration (the router's has no endpoint: only the worker sends).
    app.state.hi1 = std::sync::Arc::new(config);
    send_xml(&app, &token, EPOC).await;
    let case = app.db.store.cases(None).await.unwrap().remove(0);
    let messages = || endpoint.received.lock().unwrap().clone();

    // The first sending is refused: the job is retried, and the statuses go out once.
    run_due_jobs(&app.state, "test").await.unwrap();
    assert!(messages().is_empty());
    app.clock.advance(time::Duration::seconds(2));
    run_due_jobs(&app.state, "test").await.unwrap();
    assert_eq!(messages().len(), 1);
    let first = &messages()[0];
    assert!(first.contains("NotificationObject"), "{first}");
    for id in [EPOC_AUTHORISATION, EPOC_TASKS[0], EPOC_TASKS[1]] {
        assert!(first.contains(id), "{first}");
    }
    assert_eq!(
        first
            .matches("<common:Value>AwaitingApproval</common:Value>")
            .count(),
        3
    );
    // Nothing changed: nothing is sent.
    app.clock.advance(time::Duration::seconds(61));
    run_due_jobs(&app.state, "test").await.unwrap();
    assert_eq!(messages().len(), 1);

    // A task cancelled: that change alone.
    send_xml(
        &app,
        &token,
        &epoc_with(&cancel(1, EPOC_TASKS[0]), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    app.clock.advance(time::Duration::seconds(61));
    run_due_jobs(&app.state, "test").await.unwrap();
    assert_eq!(messages().len(), 2);
    let second = &messages()[1];
    assert!(
        second.contains(EPOC_TASKS[0]) && !second.contains(EPOC_TASKS[1]),
        "{second}"
    );
    assert!(
        second.contains("<common:Value>Cancelled</common:Value>"),
        "{second}"
    );

    // The last: the case is withdrawn, the authority told, and the reporting ends.
    send_xml(
        &app,
        &token,
        &epoc_with(&cancel(1, EPOC_TASKS[1]), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    app.clock.advance(time::Duration::seconds(61));
    run_due_jobs(&app.state, "test").await.unwrap();
    assert_eq!(messages().len(), 3);
    let third = &messages()[2];
    assert!(
        third.contains(EPOC_TASKS[1]) && third.contains(EPOC_AUTHORISATION),
        "{third}"
    );
    // Later runs (the emergency's escalations) send the endpoint nothing more.
    app.clock.advance(time::Duration::days(1));
    run_due_jobs(&app.state, "test").await.unwrap();
    assert_eq!(messages().len(), 3);
    let reported = app
        .db
        .store
        .case_events(case.id, None, 100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "hi1.reported")
        .count();
    assert_eq!(reported, 3);
}

/// The figure for bench/RESULTS.md: the latency of the EU order through HI-1 against the
/// same demand as native JSON, alternating, in one run over one store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: cargo test -p writ-server --test api hi1_latency -- --ignored --nocapture"]
#[allow(clippy::disallowed_methods)] // a measurement reads the wall clock
async fn hi1_latency_against_native() {
    let (app, token) = app_with_authority(Backend::Sqlite).await;
    let message = Message::from_xml(EPOC.as_bytes()).unwrap();
    let authority = writ_core::demand::Authority {
        name: "Agency de-lka".into(),
        country: writ_core::CountryCode::parse("DE").unwrap(),
        contact: None,
    };
    let config = writ_hi1::Hi1Config::default();
    let context = writ_hi1::Context {
        authority: &authority,
        received_at: writ_core::Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
        config: &config,
    };
    let native = writ_hi1::native::to_json(
        &writ_hi1::map_message(&message, &context).unwrap().demands[0].demand,
    );
    let runs = 200;
    let (mut hi1, mut demands) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let xml = EPOC
            .replace("0a0b0c0d", &format!("{:08x}", 0x1000_0000 + i))
            .replace("EPOC-DE-2026-0042", &format!("EPOC-DE-{i}"))
            .replace(
                "5b0c1e8a-3a5e-4f4e-9a43-6f3f8d2c1a01",
                &uuid::Uuid::new_v4().to_string(),
            );
        let mut document = native.clone();
        document["reference"] = format!("NATIVE-{i}").into();
        let document = document.to_string();
        let started = std::time::Instant::now();
        let (status, _, body) = post(&app, &token, "application/xml", &xml).await;
        hi1.push(started.elapsed());
        assert!(status == 200 && body.contains("CREATEResponse"), "{body}");
        let started = std::time::Instant::now();
        let (status, _) = app.post_as(&token, "/api/v1/demands", &document).await;
        demands.push(started.elapsed());
        assert_eq!(status, 201);
    }
    let at = |v: &mut Vec<std::time::Duration>, q: f64| {
        v.sort();
        v[((v.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "runs {runs}: HI-1 median {:.2} ms p90 {:.2} ms; native median {:.2} ms p90 {:.2} ms; ratio (medians) {:.2}; load {}",
        at(&mut hi1, 0.5),
        at(&mut hi1, 0.9),
        at(&mut demands, 0.5),
        at(&mut demands, 0.9),
        at(&mut hi1, 0.5) / at(&mut demands, 0.5),
        load.trim()
    );
}

/// What the authority's endpoint received, and the productions it downloaded.
#[derive(Default)]
struct Authority {
    messages: Vec<String>,
    /// Each DELIVER's checksum with the bytes downloaded from its link.
    downloads: Vec<(String, Vec<u8>)>,
}

/// The text of the first `<…:name>` element in `xml` that holds text, unescaped.
fn element_text(xml: &str, name: &str) -> String {
    let open = format!(":{name}>");
    xml.match_indices(&open)
        .map(|(at, _)| {
            let start = at + open.len();
            &xml[start..start + xml[start..].find('<').unwrap()]
        })
        .find(|text| !text.trim().is_empty())
        .unwrap_or_else(|| panic!("no {name}: {xml}"))
        .replace("&amp;", "&")
}

/// An HI-1 endpoint playing the authority: it keeps every message and, for a DELIVER,
/// downloads the production from the link it carries, with the authority's token.
async fn downloading_endpoint(
    token: String,
) -> (String, std::sync::Arc<tokio::sync::Mutex<Authority>>) {
    use std::sync::Arc;
    let authority: Arc<tokio::sync::Mutex<Authority>> = Arc::default();
    let kept = authority.clone();
    let router = axum::Router::new().route(
        "/hi1",
        axum::routing::post(move |body: String| {
            let (kept, token) = (kept.clone(), token.clone());
            async move {
                let mut authority = kept.lock().await;
                if body.contains("<DELIVER>") {
                    let url = element_text(&body, "URL");
                    let file = reqwest::Client::new()
                        .get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(file.status(), 200, "{url}");
                    let checksum = element_text(&body, "Checksum");
                    authority
                        .downloads
                        .push((checksum, file.bytes().await.unwrap().to_vec()));
                }
                authority.messages.push(body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hi1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, authority)
}

/// An order sent by HI-1 is approved, collected and released: the authority's endpoint
/// gets a DELIVER whose link it downloads the sealed production from, the file it
/// names by its SHA-256 and size; the download makes the tasks `Disclosed`, which the
/// endpoint is told in turn.
async fn a_released_production_is_delivered_to_the_authority_which_downloads_it(backend: Backend) {
    use sha2::Digest;
    use writ_app::jobs::runner::run_due_jobs;
    let mut p = crate::production::provider(backend).await;
    let anna = p.add_authority("de-lka", "DE", "anna@lka.de").await;
    let (url, authority) = downloading_endpoint(anna.token.clone()).await;
    let mut config = writ_hi1::Hi1Config::default();
    config.endpoints.insert("de-lka".to_owned(), url);
    config.public_url = Some(format!("{}/", p.app.address));
    p.app.state.hi1 = std::sync::Arc::new(config);

    // A judge's order, not an emergency, once e-Evidence applies.
    p.app
        .clock
        .set(writ_core::Timestamp::parse("2026-09-01T08:00:00Z").unwrap());
    let start = EPOC.find("<auth:AuthorisationApprovalDetails>").unwrap();
    let end = EPOC.find("</auth:AuthorisationApprovalDetails>").unwrap()
        + "</auth:AuthorisationApprovalDetails>".len();
    let order = format!("{}{}", &EPOC[..start], &EPOC[end..]);
    send_xml(&p.app, &anna.token, &order).await;
    let case = p.app.db.store.cases(None).await.unwrap().remove(0);
    assert!(!case.emergency);
    let id = case.id.to_string();
    p.app
        .case_step_ok(
            &p.reviewer,
            &id,
            "review",
            serde_json::json!({"recommendation": "approve", "reason": "in order"}),
        )
        .await;
    p.app
        .case_step_ok(
            &p.approver,
            &id,
            "approve",
            serde_json::json!({"reason": "agreed"}),
        )
        .await;
    run_due_jobs(&p.app.state, "test").await.unwrap();
    let production = p.production_of(&id).await;
    assert_eq!(production["state"], "sealed", "{production}");
    // Nothing is delivered before the release.
    assert!(authority.lock().await.downloads.is_empty());
    let release = format!(
        "/api/v1/productions/{}/release",
        production["id"].as_str().unwrap()
    );
    let (status, body) = p.app.post_as(&p.approver.token, &release, "").await;
    assert_eq!(status, 200, "{body}");
    run_due_jobs(&p.app.state, "test").await.unwrap();

    let (delivered, downloads) = {
        let authority = authority.lock().await;
        let delivered: Vec<String> = authority
            .messages
            .iter()
            .filter(|m| m.contains("<DELIVER>"))
            .cloned()
            .collect();
        (delivered, authority.downloads.clone())
    };
    assert_eq!(delivered.len(), 1, "one DELIVER");
    let deliver = &delivered[0];
    // For both disclosure tasks, the production's file by its size and SHA-256.
    for task in EPOC_TASKS {
        assert!(deliver.contains(task), "{deliver}");
    }
    let sealed = &p.production_of(&id).await["sealed"];
    assert_eq!(
        element_text(deliver, "ContentLength"),
        sealed["size"].to_string()
    );
    let (checksum, file) = &downloads[0];
    assert_eq!(checksum, &hex::encode(sha2::Sha256::digest(file)));
    assert_eq!(checksum, sealed["sha256"].as_str().unwrap(), "{sealed}");
    // The production opens with the authority's key, as the provider signed it.
    let checked = p.verify(file);
    assert!(checked.is_ok(), "{:?}", checked.problems);

    // The download delivered the case; the endpoint is told the tasks are Disclosed.
    let case = p.app.db.store.case(case.id).await.unwrap();
    assert_eq!(case.state, CaseState::Delivered);
    p.app.clock.advance(time::Duration::seconds(61));
    run_due_jobs(&p.app.state, "test").await.unwrap();
    let last = authority.lock().await.messages.last().cloned().unwrap();
    assert_eq!(
        last.matches("<common:Value>Disclosed</common:Value>")
            .count(),
        2,
        "{last}"
    );
    let actions: Vec<String> = p
        .app
        .db
        .store
        .case_events(case.id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.iter().any(|a| a == "hi1.delivered"), "{actions:?}");
}

/// The EPOC fixture's authorisation as `id`, of legal type `legal_type`, issued by the
/// judge alone (not an emergency).
fn judges_authorisation(id: &str, legal_type: &str) -> String {
    let start = EPOC.find("<ActionRequest>").unwrap();
    let end = EPOC.find("</ActionRequest>").unwrap() + "</ActionRequest>".len();
    let first = &EPOC[start..end];
    let police = first.find("<auth:AuthorisationApprovalDetails>").unwrap();
    let judge = first.find("</auth:AuthorisationApprovalDetails>").unwrap()
        + "</auth:AuthorisationApprovalDetails>".len();
    format!("{}{}", &first[..police], &first[judge..])
        .replace(EPOC_AUTHORISATION, id)
        .replace(
            "<common:Value>EPOC</common:Value>",
            &format!("<common:Value>{legal_type}</common:Value>"),
        )
}

/// A task (`LDTaskObject` or `LPTaskObject`) for alice's subscriber data, associated
/// with `associated`.
fn task(action: u64, kind: &str, id: &str, associated: &[&str]) -> String {
    let associated: String = associated
        .iter()
        .map(|a| format!("<AssociatedObject>{a}</AssociatedObject>"))
        .collect();
    format!(
        r#"<ActionRequest><ActionIdentifier>{action}</ActionIdentifier><CREATE>
        <HI1Object xsi:type="task:{kind}"><ObjectIdentifier>{id}</ObjectIdentifier>
        <AssociatedObjects>{associated}</AssociatedObjects>
        <task:RequestDetails><task:Type><common:Owner>ETSI</common:Owner><common:Name>RequestType</common:Name><common:Value>SubscriberData</common:Value></task:Type>
        <task:RequestValues><task:RequestValue><task:FormatType><task:FormatOwner>ETSI</task:FormatOwner><task:FormatName>EmailAddress</task:FormatName></task:FormatType><task:Value>alice@example.com</task:Value></task:RequestValue></task:RequestValues></task:RequestDetails>
        </HI1Object></CREATE></ActionRequest>"#
    )
}

/// Art. 11: a European Preservation Order keeps the data 60 days, unless a production
/// order follows within them: an LDTask naming the LPTask keeps the holds past their
/// expiry until the production order is answered (here, withdrawn).
async fn a_production_order_naming_a_preservation_keeps_it_until_answered(backend: Backend) {
    use writ_app::jobs::runner::run_due_jobs;
    let (app, token) = app_with_authority(backend).await;
    app.clock
        .set(writ_core::Timestamp::parse("2026-09-01T08:00:00Z").unwrap());
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let alex = app.add_person("alex", Role::Approver, None).await;
    let (pr_auth, preserve) = (
        "0a0b0c0d-0000-4000-8000-000000000011",
        "0a0b0c0d-0000-4000-8000-000000000012",
    );
    let actions =
        judges_authorisation(pr_auth, "EPOC-PR") + &task(1, "LPTaskObject", preserve, &[pr_auth]);
    send_xml(
        &app,
        &token,
        &epoc_with(&actions, &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    let preservation = app.db.store.cases(None).await.unwrap().remove(0);
    assert_eq!(preservation.instrument, "eu.epoc_pr");
    let id = preservation.id.to_string();
    app.case_step_ok(
        &rita,
        &id,
        "review",
        serde_json::json!({"recommendation": "approve", "reason": "in order"}),
    )
    .await;
    app.case_step_ok(
        &alex,
        &id,
        "approve",
        serde_json::json!({"reason": "agreed"}),
    )
    .await;
    let holds = app.db.store.holds_of_case(preservation.id).await.unwrap();
    assert!(!holds.is_empty());
    let expiry = holds[0].expires_at;
    assert_eq!(
        expiry,
        writ_core::Timestamp::parse("2026-10-31T08:00:00Z").unwrap(),
        "60 days"
    );

    // On day 30, the production order naming the preservation task.
    app.clock.advance(time::Duration::days(30));
    let (po_auth, disclose) = (
        "0a0b0c0d-0000-4000-8000-000000000021",
        "0a0b0c0d-0000-4000-8000-000000000022",
    );
    let actions = judges_authorisation(po_auth, "EPOC")
        + &task(1, "LDTaskObject", disclose, &[po_auth, preserve]);
    send_xml(
        &app,
        &token,
        &epoc_with(&actions, &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    let events = |case| {
        let store = app.db.store.clone();
        async move {
            store
                .case_events(case, None, 100)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.action)
                .collect::<Vec<_>>()
        }
    };
    assert!(
        events(preservation.id)
            .await
            .contains(&"preservation.followed".to_owned())
    );

    // Past the 60 days, the holds stay while the production order is open.
    app.clock.set(expiry);
    app.clock.advance(time::Duration::hours(1));
    run_due_jobs(&app.state, "test").await.unwrap();
    let holds = app.db.store.holds_of_case(preservation.id).await.unwrap();
    assert!(holds.iter().all(|h| h.expired_at.is_none()), "{holds:?}");

    // Answered (withdrawn): the next look ends them.
    send_xml(
        &app,
        &token,
        &epoc_with(&cancel(1, disclose), &uuid::Uuid::new_v4().to_string()),
    )
    .await;
    app.clock.advance(time::Duration::days(1));
    run_due_jobs(&app.state, "test").await.unwrap();
    let holds = app.db.store.holds_of_case(preservation.id).await.unwrap();
    assert!(holds.iter().all(|h| h.expired_at.is_some()), "{holds:?}");
}

/// Form 3: a reviewer who cannot execute the EU order records the Annex III reasons;
/// the authority's endpoint gets a NotificationObject with the tasks' statuses and the
/// form as a DocumentObject; a conflict with a third country's law opens the Art. 17
/// review on the case.
async fn form3_goes_to_the_authority_and_a_conflict_opens_the_art17_review(backend: Backend) {
    use base64::Engine as _;
    use writ_app::jobs::runner::run_due_jobs;
    let (mut app, token) = app_with_authority(backend).await;
    let endpoint = endpoint(0).await;
    let mut config = writ_hi1::Hi1Config::default();
    config
        .endpoints
        .insert("de-lka".to_owned(), endpoint.url.clone());
    app.state.hi1 = std::sync::Arc::new(config);
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    send_xml(&app, &token, EPOC).await;
    let case = app.db.store.cases(None).await.unwrap().remove(0);
    run_due_jobs(&app.state, "test").await.unwrap();
    let sent_before = endpoint.received.lock().unwrap().len();

    let path = format!("/api/v1/cases/{}/form3", case.id);
    let form3 = serde_json::json!({
        "reasons": ["conflicting_obligations", "data_not_stored"],
        "explanation": "18 U.S.C. 2702(a) bars it; the IPv6 log is kept 30 days.",
    });
    let (status, _) = app.post_as(&token, &path, &form3.to_string()).await;
    assert_eq!(status, 403, "not the authority's to record");
    for (body, field) in [
        (
            serde_json::json!({"reasons": [], "explanation": "x"}),
            "reasons",
        ),
        (
            serde_json::json!({"reasons": ["bored"], "explanation": "x"}),
            "reasons[0]",
        ),
        (
            serde_json::json!({"reasons": ["incomplete"], "explanation": " "}),
            "explanation",
        ),
    ] {
        let (status, refusal) = app.post_as(&rita.token, &path, &body.to_string()).await;
        assert_eq!(
            (status, refusal["field"].as_str()),
            (400, Some(field)),
            "{refusal}"
        );
    }
    let (status, body) = app.post_as(&rita.token, &path, &form3.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["reasons"],
        serde_json::json!(["data_not_stored", "conflicting_obligations"])
    );
    let (status, _) = app.post_as(&rita.token, &path, &form3.to_string()).await;
    assert_eq!(status, 409, "recorded once");

    run_due_jobs(&app.state, "test").await.unwrap();
    let messages = endpoint.received.lock().unwrap().clone();
    let sent = messages[sent_before..]
        .iter()
        .find(|m| m.contains("DocumentObject"))
        .unwrap_or_else(|| panic!("no Form 3 sent: {messages:?}"));
    assert!(sent.contains("NotificationObject"), "{sent}");
    for task in EPOC_TASKS {
        assert!(sent.contains(task), "{sent}");
    }
    let contents = element_text(sent, "Contents");
    let form = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(contents)
            .unwrap(),
    )
    .unwrap();
    assert!(
        form.contains("Annex III") && form.contains("EPOC-DE-2026-0042"),
        "{form}"
    );
    assert!(form.contains("third country (Art. 17)"), "{form}");
    assert!(form.contains("not stored (Art. 10(4))"), "{form}");

    // The case says so, and the console shows the Art. 17 review.
    let (_, view) = app
        .get_as(&rita.token, &format!("/api/v1/cases/{}", case.id))
        .await;
    assert_eq!(view["form3"]["explanation"], form3["explanation"]);
    let mut browser = crate::web::Browser::new(&app);
    browser.log_in(&rita).await;
    let page = browser.get(&format!("/console/cases/{}", case.id)).await;
    assert!(page.body.contains(r#"id="art17-review""#), "{}", page.body);
}
