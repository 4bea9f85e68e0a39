use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;

use crate::helpers::Server;

fn get(base: &str, token: &str, path: &str) -> reqwest::blocking::Response {
    reqwest::blocking::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .unwrap()
}

#[test]
fn the_demo_serves_with_fresh_credentials_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let (data, credentials) = (dir.path().join("demo"), dir.path().join("credentials.json"));

    let (server, first) = Server::start_demo(&data, &credentials, |_| {});
    let mode = std::fs::metadata(&credentials)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "the credentials file is private");
    assert_eq!(first["base_url"], server.address.as_str());
    let roles: Vec<_> = first["staff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["reviewer", "approver", "admin", "auditor", "admin"]);
    let countries: Vec<_> = first["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["country"].as_str().unwrap())
        .collect();
    assert_eq!(countries, ["US", "DE"]);
    let enterprise = first["demo_identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["enterprise"] == true);
    assert!(enterprise, "an enterprise tenant's accounts are listed");

    // The agency token submits the example demand, which the engine accepts; staff see it.
    let example = std::fs::read_to_string(data.join("example-demand.json")).unwrap();
    let agency_token = first["agencies"][0]["token"].as_str().unwrap();
    let submitted = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/demands", server.address))
        .bearer_auth(agency_token)
        .body(example)
        .send()
        .unwrap();
    assert_eq!(submitted.status(), 201);
    let id = submitted.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reviewer = first["staff"][0]["token"].as_str().unwrap();
    let case: Value = get(&server.address, reviewer, &format!("/api/v1/cases/{id}"))
        .json()
        .unwrap();
    assert_eq!(case["decision"]["verdict"], "accept", "{case}");
    assert!(server.terminate());

    // The case, as the transparency report counts it.
    let export = crate::helpers::run(
        crate::helpers::writ()
            .args(["cases", "export", "--data"])
            .arg(&data),
    );
    assert!(
        export.status.success(),
        "{}",
        crate::helpers::stderr(&export)
    );
    let line: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(
        (
            line["id"].as_str(),
            line["authority_country"].as_str(),
            line["outcome"].as_str(),
            line["accounts"].as_u64()
        ),
        (Some(id.as_str()), Some("US"), Some("pending"), Some(1))
    );

    // A second run: the same data, but none of the old secrets work.
    let (server, second) = Server::start_demo(&data, &credentials, |_| {});
    for (a, b) in [("staff", 0), ("staff", 1), ("agency_users", 0)] {
        assert_ne!(first[a][b]["password"], second[a][b]["password"]);
        assert_ne!(first[a][b]["totp_secret"], second[a][b]["totp_secret"]);
        assert_ne!(first[a][b]["token"], second[a][b]["token"]);
    }
    let fresh = second["staff"][0]["token"].as_str().unwrap();
    assert_eq!(get(&server.address, fresh, "/api/v1/cases").status(), 200);
    assert!(server.terminate());
}

#[test]
fn a_demo_history_is_paged_counted_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let (data, credentials) = (dir.path().join("demo"), dir.path().join("credentials.json"));
    let (server, seeded) = Server::start_demo(&data, &credentials, |command| {
        command.args(["--history", "700"]);
    });
    let reviewer = seeded["staff"][0]["token"].as_str().unwrap();

    // Every case, a page of 500 at a time; the open ones (about 2 %) by default.
    let mut path = "/api/v1/cases?state=any&limit=500".to_owned();
    let mut all = 0;
    loop {
        let page: Value = get(&server.address, reviewer, &path).json().unwrap();
        all += page["cases"].as_array().unwrap().len();
        match page["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(all, 700);
    let open: Value = get(&server.address, reviewer, "/api/v1/cases?limit=500")
        .json()
        .unwrap();
    let open = open["cases"].as_array().unwrap().len();
    assert!((1..50).contains(&open), "{open} open cases of 700");
    assert!(server.terminate());

    let export = crate::helpers::run(
        crate::helpers::writ()
            .args(["cases", "export", "--data"])
            .arg(&data),
    );
    assert!(
        export.status.success(),
        "{}",
        crate::helpers::stderr(&export)
    );
    let lines = String::from_utf8(export.stdout).unwrap();
    assert_eq!(lines.lines().count(), 700);
    assert!(
        lines.contains(r#""section":"emergency""#) && lines.contains(r#""customer":"enterprise""#)
    );

    let verified = crate::helpers::run(
        crate::helpers::writ()
            .args(["audit", "verify", "--data"])
            .arg(&data),
    );
    assert!(
        verified.status.success(),
        "{}",
        crate::helpers::stderr(&verified)
    );
}

/// The actions of every event in the audit log of the demo in `data`.
fn audit_actions(data: &Path) -> Vec<String> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let location = writ_store::DatabaseLocation::in_data_dir(data);
        let store = writ_store::Store::open(&location).await.unwrap();
        let events = store.audit_events(0, 100_000).await.unwrap();
        store.close().await;
        events
            .iter()
            .map(|e| {
                writ_core::AuditEntry::from_canonical_bytes(&e.entry)
                    .unwrap()
                    .action
            })
            .collect()
    })
}

/// `writ demo --join DIR`: a second node of the same demo, on its own port, with the
/// first node's database, keys and provider data, seeding nothing and issuing no
/// credentials.
#[test]
fn a_second_node_joins_the_demo_without_new_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let (data, credentials) = (dir.path().join("demo"), dir.path().join("credentials.json"));

    // Nothing to join yet: refused, naming what is missing.
    std::fs::create_dir(&data).unwrap();
    let refused = crate::helpers::run(crate::helpers::writ().args(["demo", "--join"]).arg(&data));
    assert_eq!(
        refused.status.code(),
        Some(2),
        "{}",
        crate::helpers::stderr(&refused)
    );
    assert!(
        crate::helpers::stderr(&refused).contains("holds no writ demo to join"),
        "{}",
        crate::helpers::stderr(&refused)
    );
    std::fs::remove_dir(&data).unwrap();

    let (a, issued) = Server::start_demo(&data, &credentials, |_| {});
    let issued_bytes = std::fs::read(&credentials).unwrap();
    let before = audit_actions(&data);
    let b = Server::start_args(
        ["demo".as_ref(), "--join".as_ref(), data.as_os_str()],
        |_| {},
    );
    assert_ne!(a.address, b.address, "each node on its own port");
    let after = audit_actions(&data);
    assert_eq!(
        after.get(before.len()..).unwrap(),
        ["system.started"],
        "the second node only started: no seeding, no credentials reset"
    );
    assert_eq!(
        std::fs::read(&credentials).unwrap(),
        issued_bytes,
        "the credentials file is left as it was"
    );

    // A demand submitted through A, seen through B with the same tokens; and the other way.
    let example = std::fs::read_to_string(data.join("example-demand.json")).unwrap();
    let agency = issued["agencies"][0]["token"].as_str().unwrap();
    let reviewer = issued["staff"][0]["token"].as_str().unwrap();
    let submit = |node: &Server| {
        let response = reqwest::blocking::Client::new()
            .post(format!("{}/api/v1/demands", node.address))
            .bearer_auth(agency)
            .body(example.clone())
            .send()
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json::<Value>().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (from, to) in [(&a, &b), (&b, &a)] {
        let id = submit(from);
        let case: Value = get(&to.address, reviewer, &format!("/api/v1/cases/{id}"))
            .json()
            .unwrap();
        assert_eq!(case["decision"]["verdict"], "accept", "{case}");
    }
    let health: Value = b.get("/healthz").json().unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    assert!(b.terminate());
    assert!(a.terminate());
}
