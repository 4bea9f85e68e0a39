//! The OpenAPI document: committed as generated, covering every API route, and true to
//! what the server answers.
//!
//! `WRIT_UPDATE_OPENAPI=1 cargo test -p writ-server --test api openapi` rewrites
//! `openapi.json` at the repository root.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use writ_app::checkpoint::Checkpointer;
use writ_core::{Category, Clock, ManualClock, Role, Timestamp};
use writ_ledger::LogKey;
use writ_server::openapi::openapi_json;

use crate::helpers::{Backend, EXAMPLE, TestApp, contoso_directory, spawn_app_with};

const UPDATE: &str = "WRIT_UPDATE_OPENAPI";

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi.json")
}

fn document() -> Value {
    serde_json::from_str(&openapi_json()).unwrap()
}

#[test]
fn the_committed_document_is_up_to_date() {
    let generated = openapi_json();
    let path = committed_path();
    if std::env::var(UPDATE).is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "openapi.json is out of date: run `{UPDATE}=1 cargo test -p writ-server --test api openapi` \
             (first difference at line {}: committed {:?}, generated {:?})",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end of file>"),
            generated.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

#[test]
fn the_document_is_openapi_3_1_and_says_what_writ_is() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "writ");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["info"]["license"]["identifier"], "AGPL-3.0-or-later");
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "authorities",
            "staff",
            "sessions",
            "audit",
            "admin",
            "transparency",
            "operations"
        ]
    );
    assert_eq!(
        openapi_json(),
        openapi_json(),
        "the same annotations give the same bytes"
    );
}

/// `(METHOD, path)` of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.insert((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

/// Every `.rs` file under `dir`.
fn sources(dir: &std::path::Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// `(METHOD, path)` of every `.route("…", …)` in the crate's sources: `router()` in
/// lib.rs and any router it merges.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    sources(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut routes = BTreeSet::new();
    for file in files {
        routes.extend(routes_in(&std::fs::read_to_string(file).unwrap()));
    }
    routes
}

fn routes_in(source: &str) -> BTreeSet<(String, String)> {
    const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];
    let mut routes = BTreeSet::new();
    for (start, _) in source.match_indices(".route(") {
        let call = &source[start + ".route(".len()..];
        let Some(call) = call.trim_start().strip_prefix('"') else {
            continue; // a path that is not a literal: not ours to read
        };
        let Some(end) = call.find('"') else { continue };
        let path = &call[..end];
        // The method router: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut close = call.len();
        for (i, c) in call[end..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                close = end + i;
                break;
            }
        }
        let handlers = &call[end + 1..close];
        for method in METHODS {
            let called = handlers.match_indices(&format!("{method}(")).any(|(i, _)| {
                handlers[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            });
            if called {
                routes.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    routes
}

/// The JSON API: under `/api/`, the health check, and a published report's records and
/// proofs. The web UI's pages are not in it.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path.starts_with("/transparency/{period}/")
}

/// A parameter `in: path` is a `{name}` of its path; the rest are query parameters.
#[test]
fn path_parameters_are_in_the_path() {
    let doc = document();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let in_path = path.contains(&format!("{{{name}}}"));
                if (parameter["in"] == "path") != in_path {
                    wrong.push(format!("{method} {path}: {name} in {}", parameter["in"]));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn every_api_route_in_the_router_is_documented() {
    let routes: BTreeSet<_> = routes_in_source()
        .into_iter()
        .filter(|(_, path)| is_api(path))
        .collect();
    assert!(
        routes.len() >= 16,
        "reading router() found too few routes: {routes:?}"
    );
    let doc = documented(&document());
    let undocumented: Vec<_> = routes.difference(&doc).collect();
    assert!(
        undocumented.is_empty(),
        "API routes missing from the OpenAPI document: {undocumented:?}. Annotate their \
         handlers with #[utoipa::path(...)], list them in `paths(...)` in src/openapi.rs, \
         exercise them in this file's tour and run \
         `{UPDATE}=1 cargo test -p writ-server --test api openapi`"
    );
    let stale: Vec<_> = doc.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "documented operations that no router has: {stale:?}"
    );
}

#[test]
fn every_operation_but_the_public_ones_names_known_security_schemes() {
    let doc = document();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let public = ["sessions", "audit", "transparency", "operations"];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let tag = op["tags"][0].as_str().unwrap();
            let Some(requirements) = op["security"].as_array() else {
                assert!(
                    public.contains(&tag),
                    "{method} {path} declares no security"
                );
                continue;
            };
            assert!(!public.contains(&tag), "{method} {path} is public");
            for name in requirements
                .iter()
                .flat_map(|r| r.as_object().unwrap().keys())
            {
                assert!(
                    schemes.contains_key(name),
                    "{method} {path}: no scheme {name}"
                );
            }
            // A session changes nothing without its CSRF token.
            let session_alone = json!([{"api_token": []}, {"session": []}]);
            let with_csrf = json!([{"api_token": []}, {"csrf": [], "session": []}]);
            let expected = if method == "get" {
                session_alone
            } else {
                with_csrf
            };
            assert_eq!(op["security"], expected, "{method} {path}");
        }
    }
}

#[test]
fn the_documents_enums_are_the_domains() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let domain = [
        ("CaseState", json!(writ_core::CaseState::ALL)),
        ("Role", json!(Role::ALL)),
        ("Category", json!(Category::ALL)),
        ("Code", json!(writ_core::policy::Code::ALL)),
    ];
    for (schema, values) in domain {
        assert_eq!(
            schemas[schema]["enum"], values,
            "the {schema} enum in src/openapi.rs is not writ_core's"
        );
    }
}

#[test]
fn every_example_fits_its_schema() {
    let doc = document();
    let validator = Validator { doc: &doc };
    let mut errors = Vec::new();
    let mut examples = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut contents = vec![("request".to_owned(), &op["requestBody"]["content"])];
            for (status, response) in op["responses"].as_object().unwrap() {
                contents.push((status.clone(), &response["content"]));
            }
            for (what, content) in contents {
                let Some(content) = content.as_object() else {
                    continue;
                };
                for (media, body) in content {
                    if let Some(example) = body.get("example") {
                        examples += 1;
                        let at = format!("{method} {path} {what} {media}");
                        validator.check(&body["schema"], example, &at, &mut errors);
                    }
                }
            }
        }
    }
    assert!(examples > 30, "only {examples} examples");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn the_demand_example_is_the_policy_example() {
    let doc = document();
    let body =
        &doc["paths"]["/api/v1/demands"]["post"]["requestBody"]["content"]["application/json"];
    let example: Value = serde_json::from_str(EXAMPLE).unwrap();
    assert_eq!(body["example"], example);
    writ_core::Demand::from_json(EXAMPLE).unwrap();
}

// ---------------------------------------------------------------- the tour

/// Drives the API and holds every answer to the document: its status must be listed
/// for the operation, and its body must fit the status's schema.
struct Tour<'a> {
    app: &'a TestApp,
    doc: &'a Value,
    seen: BTreeSet<(String, String)>,
    errors: Vec<String>,
}

enum Auth<'a> {
    None,
    Token(&'a str),
    /// A session cookie, and its CSRF token if sent.
    Session(&'a str, Option<&'a str>),
}

impl Tour<'_> {
    /// `template` is the documented path; `path` the one requested.
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<&str>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let url = format!("{}{path}", self.app.address);
        let mut request = match method {
            "GET" => self.app.client.get(url),
            "POST" => self.app.client.post(url),
            "PATCH" => self.app.client.patch(url),
            other => panic!("no {other} in this API"),
        };
        request = match auth {
            Auth::None => request,
            Auth::Token(token) => request.bearer_auth(token),
            Auth::Session(cookie, csrf) => {
                let request = request.header("cookie", cookie);
                match csrf {
                    Some(token) => request.header("x-csrf-token", token),
                    None => request,
                }
            }
        };
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        self.seen.insert((method.to_owned(), template.to_owned()));

        let at = format!("{method} {path} -> {status}");
        let operation = &self.doc["paths"][template][method.to_lowercase()];
        if operation.is_null() {
            self.errors
                .push(format!("{at}: {method} {template} is not documented"));
            return (status, Value::Null, headers);
        }
        let documented = &operation["responses"][status.to_string()];
        if documented.is_null() {
            self.errors
                .push(format!("{at}: status {status} is not documented: {text}"));
            return (status, Value::Null, headers);
        }
        let content_type = content_type.unwrap_or_default();
        let Some(media) = documented["content"].get(&content_type) else {
            self.errors.push(format!(
                "{at}: answered {content_type:?}, documented {}",
                documented["content"]
            ));
            return (status, Value::Null, headers);
        };
        let value = if content_type.split(';').next() == Some("application/json") {
            serde_json::from_str(&text).unwrap()
        } else {
            Value::String(text)
        };
        Validator { doc: self.doc }.check(&media["schema"], &value, &at, &mut self.errors);
        (status, value, headers)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_describes_what_the_server_answers() {
    let doc = document();
    // One enterprise account, for the redirect and its notice.
    let directory = contoso_directory("carol@contoso.example");
    let app = spawn_app_with(Backend::Sqlite, Some(directory)).await;
    let spd = app.add_seattle_pd().await;
    let rita = app.add_person("rita", Role::Reviewer, None).await;
    let alex = app.add_person("alex", Role::Approver, None).await;
    let root = app.add_person("root", Role::Admin, None).await;
    let second = app.add_person("second", Role::Admin, None).await;
    let mut t = Tour {
        app: &app,
        doc: &doc,
        seen: BTreeSet::new(),
        errors: Vec::new(),
    };
    let demand = |edit: &dyn Fn(&mut Value)| {
        let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
        edit(&mut doc);
        doc.to_string()
    };
    let (spd_tok, rita_tok, alex_tok, root_tok) =
        (&spd.token, &rita.token, &alex.token, &root.token);

    t.call("GET", "/healthz", "/healthz", Auth::None, None)
        .await;
    let served = "/api/v1/openapi.json";
    let (status, served_doc, _) = t.call("GET", served, served, Auth::None, None).await;
    assert_eq!(status, 200);
    assert_eq!(served_doc, doc, "the served document is the committed one");
    let checkpoint = "/api/v1/audit/checkpoint";
    let (status, _, _) = t
        .call("GET", checkpoint, checkpoint, Auth::None, None)
        .await;
    assert_eq!(status, 404);

    // Sessions.
    let session = "/api/v1/session";
    let login = |code: &str, password: &str| {
        json!({"username": spd.username, "password": password, "totp": code}).to_string()
    };
    let code = spd.totp.code_at(app.clock.now());
    let (status, _, _) = t
        .call(
            "POST",
            session,
            session,
            Auth::None,
            Some(r#"{"username": "x"}"#),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = t
        .call(
            "POST",
            session,
            session,
            Auth::None,
            Some(&login(&code, "wrong")),
        )
        .await;
    assert_eq!(status, 401);
    // A failure makes the next try wait a second, even with the right password.
    let (status, _, headers) = t
        .call(
            "POST",
            session,
            session,
            Auth::None,
            Some(&login(&code, &spd.password)),
        )
        .await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "1");
    app.clock.advance(time::Duration::seconds(1));
    let (status, body, headers) = t
        .call(
            "POST",
            session,
            session,
            Auth::None,
            Some(&login(&code, &spd.password)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let cookie = headers["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();

    // Authorities.
    // An HI-1 message (the JSON encoding), answered in kind; refused here as no
    // HI1Message, with its ErrorInformation (tests/api/hi1.rs takes real ones).
    let hi1 = "/api/v1/hi1";
    let (status, body, _) = t
        .call("POST", hi1, hi1, Auth::Token(spd_tok), Some("{}"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["Payload"]["ResponsePayload"]["ErrorInformation"].is_object(),
        "{body}"
    );
    let (status, _, _) = t.call("POST", hi1, hi1, Auth::None, Some("{}")).await;
    assert_eq!(status, 401);
    let demands = "/api/v1/demands";
    let submit = async |t: &mut Tour<'_>, document: &str| {
        let (status, body, _) = t
            .call(
                "POST",
                demands,
                demands,
                Auth::Token(spd_tok),
                Some(document),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    };
    let plain = demand(&|_| {});
    let check = "/api/v1/demands/check";
    for (auth, document, expected) in [
        (Auth::Token(spd_tok), plain.as_str(), 200),
        (Auth::Token(spd_tok), "not json", 400),
        (Auth::Token(rita_tok), plain.as_str(), 403),
        (Auth::None, plain.as_str(), 401),
    ] {
        let (status, _, _) = t.call("POST", check, check, auth, Some(document)).await;
        assert_eq!(status, expected);
    }
    let (status, _, _) = t
        .call(
            "POST",
            demands,
            demands,
            Auth::Session(&cookie, None),
            Some(&plain),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, _) = t
        .call(
            "POST",
            demands,
            demands,
            Auth::Session(&cookie, Some(&csrf)),
            Some(&plain),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _, _) = t
        .call(
            "POST",
            demands,
            demands,
            Auth::Token(spd_tok),
            Some("not json"),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = t
        .call(
            "POST",
            demands,
            demands,
            Auth::Token(rita_tok),
            Some(&plain),
        )
        .await;
    assert_eq!(status, 403);
    let a = submit(&mut t, &plain).await;

    let one = "/api/v1/demands/{id}";
    let (status, _, _) = t
        .call(
            "GET",
            one,
            &format!("/api/v1/demands/{a}"),
            Auth::Token(spd_tok),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, _) = t
        .call(
            "GET",
            one,
            "/api/v1/demands/not-a-uuid",
            Auth::Token(spd_tok),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = t
        .call(
            "GET",
            one,
            &format!("/api/v1/demands/{a}"),
            Auth::None,
            None,
        )
        .await;
    assert_eq!(status, 401);

    // Staff: the queue and the case.
    let cases = "/api/v1/cases";
    for (path, token, expected) in [
        ("/api/v1/cases?state=received", rita_tok.as_str(), 200),
        ("/api/v1/cases", rita_tok, 200),
        ("/api/v1/cases?state=pending", rita_tok, 400),
        ("/api/v1/cases", spd_tok, 403),
        ("/api/v1/cases", "writ_at_not-a-token", 401),
    ] {
        let (status, _, _) = t.call("GET", cases, path, Auth::Token(token), None).await;
        assert_eq!(status, expected, "{path}");
    }
    let case = "/api/v1/cases/{id}";
    let view = async |t: &mut Tour<'_>, id: &str| {
        let (status, body, _) = t
            .call(
                "GET",
                case,
                &format!("/api/v1/cases/{id}"),
                Auth::Token(rita_tok),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    };
    view(&mut t, &a).await;
    let history = "/api/v1/cases/{id}/history";
    for (path, token, expected) in [
        (format!("/api/v1/cases/{a}/history"), rita_tok.as_str(), 200),
        (
            format!("/api/v1/cases/{a}/history?after=0&limit=1"),
            rita_tok,
            200,
        ),
        (format!("/api/v1/cases/{a}/history?limit=0"), rita_tok, 400),
        (format!("/api/v1/cases/{a}/history"), spd_tok, 403),
        (
            "/api/v1/cases/00000000-0000-4000-8000-000000000000/history".to_owned(),
            rita_tok,
            404,
        ),
    ] {
        let (status, _, _) = t
            .call("GET", history, &path, Auth::Token(token), None)
            .await;
        assert_eq!(status, expected, "{path}");
    }

    // Productions: none yet on this server (no sources configured), and who may ask.
    let productions = "/api/v1/cases/{id}/productions";
    for (token, expected) in [
        (rita_tok.as_str(), 200),
        (spd_tok, 403),
        ("writ_at_not-a-token", 401),
    ] {
        let path = format!("/api/v1/cases/{a}/productions");
        let (status, _, _) = t
            .call("GET", productions, &path, Auth::Token(token), None)
            .await;
        assert_eq!(status, expected, "{path}");
    }
    let nobody = "00000000-0000-4000-8000-000000000000";
    let release = "/api/v1/productions/{id}/release";
    for (token, expected) in [(rita_tok.as_str(), 404), (spd_tok, 403)] {
        let path = format!("/api/v1/productions/{nobody}/release");
        let (status, _, _) = t
            .call("POST", release, &path, Auth::Token(token), None)
            .await;
        assert_eq!(status, expected, "{path}");
    }
    let download = "/api/v1/productions/{id}/download";
    for (token, expected) in [(spd_tok.as_str(), 404), (rita_tok, 403)] {
        let path = format!("/api/v1/productions/{nobody}/download?expires=1&signature=00");
        let (status, _, _) = t
            .call("GET", download, &path, Auth::Token(token), None)
            .await;
        assert_eq!(status, expected, "{path}");
    }

    // Clarification, back and forth.
    let (status, _, _) = t
        .call(
            "POST",
            "/api/v1/cases/{id}/clarification",
            &format!("/api/v1/cases/{a}/clarification"),
            Auth::Token(rita_tok),
            Some(r#"{"body": "Which time zone is the period in?"}"#),
        )
        .await;
    assert_eq!(status, 200);
    let messages = "/api/v1/demands/{id}/messages";
    let (status, _, _) = t
        .call(
            "POST",
            messages,
            &format!("/api/v1/demands/{a}/messages"),
            Auth::Token(spd_tok),
            Some(r#"{"body": " "}"#),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = t
        .call(
            "POST",
            messages,
            &format!("/api/v1/demands/{a}/messages"),
            Auth::Token(spd_tok),
            Some(r#"{"body": "UTC."}"#),
        )
        .await;
    assert_eq!(status, 200);
    let (_, seen, _) = t
        .call(
            "GET",
            one,
            &format!("/api/v1/demands/{a}"),
            Auth::Token(spd_tok),
            None,
        )
        .await;
    assert_eq!(seen["messages"].as_array().unwrap().len(), 2);

    // Review and approval.
    let review = async |t: &mut Tour<'_>, id: &str, who: &str, body: Value| {
        t.call(
            "POST",
            "/api/v1/cases/{id}/review",
            &format!("/api/v1/cases/{id}/review"),
            Auth::Token(who),
            Some(&body.to_string()),
        )
        .await
        .0
    };
    let decide = async |t: &mut Tour<'_>, id: &str, decision: &str, who: &str, body: &str| {
        t.call(
            "POST",
            &format!("/api/v1/cases/{{id}}/{decision}"),
            &format!("/api/v1/cases/{id}/{decision}"),
            Auth::Token(who),
            Some(body),
        )
        .await
        .0
    };
    let maybe = json!({"recommendation": "maybe", "reason": "x"});
    assert_eq!(review(&mut t, &a, rita_tok, maybe).await, 400);
    let narrowed = json!({"recommendation": "approve", "reason": "warrant is in order", "scope": {"categories": ["content"]}});
    assert_eq!(review(&mut t, &a, spd_tok, narrowed.clone()).await, 403);
    assert_eq!(review(&mut t, &a, rita_tok, narrowed).await, 200);
    let assign = "/api/v1/cases/{id}/assign";
    for (token, expected) in [(spd_tok, 403), (rita_tok, 200), (rita_tok, 409)] {
        let (status, answer, _) = t
            .call(
                "POST",
                assign,
                &format!("/api/v1/cases/{a}/assign"),
                Auth::Token(token),
                None,
            )
            .await;
        assert_eq!(status, expected, "{answer}");
    }
    let agreed = r#"{"reason": "agreed"}"#;
    assert_eq!(decide(&mut t, &a, "approve", rita_tok, agreed).await, 403);
    // An approval gives its reason, as a rejection does.
    assert_eq!(decide(&mut t, &a, "approve", alex_tok, "").await, 400);
    assert_eq!(decide(&mut t, &a, "approve", alex_tok, "{}").await, 400);
    assert_eq!(decide(&mut t, &a, "approve", alex_tok, agreed).await, 200);
    let approved = view(&mut t, &a).await;
    assert!(approved["recommendation"].is_object() && approved["scope"].is_object());

    // Rejection.
    let b = submit(
        &mut t,
        &demand(&|d| d["instrument"]["type"] = json!("us.subpoena")),
    )
    .await;
    let reject = json!({"recommendation": "reject", "reason": "a subpoena cannot reach content"});
    assert_eq!(review(&mut t, &b, rita_tok, reject).await, 200);
    assert_eq!(
        decide(&mut t, &b, "reject", alex_tok, r#"{"reason": " "}"#).await,
        400
    );
    let because = r#"{"reason": "Content needs a search warrant."}"#;
    assert_eq!(decide(&mut t, &b, "reject", alex_tok, because).await, 200);
    assert_eq!(decide(&mut t, &b, "reject", alex_tok, because).await, 409);
    let (_, seen, _) = t
        .call(
            "GET",
            one,
            &format!("/api/v1/demands/{b}"),
            Auth::Token(spd_tok),
            None,
        )
        .await;
    assert!(seen["rejection_reason"].is_string());

    // An assistance order for a capability: counsel's, never approved.
    let p = submit(
        &mut t,
        &demand(&|d| {
            d["instrument"]["type"] = json!("us.all_writs");
            d["categories"] = json!(["technical_capability", "content"]);
            d["targets"] = json!([]);
        }),
    )
    .await;
    let counsel_path = "/api/v1/cases/{id}/counsel";
    for (case, body, expected) in [
        (&p, json!({"decision": "comply", "reason": "x"}), 400),
        (&b, json!({"decision": "refuse", "reason": "x"}), 409),
        (
            &p,
            json!({"decision": "challenge", "reason": "Move to vacate.", "deadline": "2026-03-20T00:00:00Z"}),
            200,
        ),
    ] {
        let (status, _, _) = t
            .call(
                "POST",
                counsel_path,
                &format!("/api/v1/cases/{case}/counsel"),
                Auth::Token(alex_tok),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(status, expected);
    }
    let gate_path = "/api/v1/cases/{id}/gates/{code}/clear";
    for (code, expected) in [("NOT_A_CODE", 400), ("CONFLICTING_OBLIGATION", 409)] {
        let (status, _, _) = t
            .call(
                "POST",
                gate_path,
                &format!("/api/v1/cases/{b}/gates/{code}/clear"),
                Auth::Token(alex_tok),
                Some(r#"{"reason": "objection filed"}"#),
            )
            .await;
        assert_eq!(status, expected);
    }
    // The enforcing authority's answer, on a case without its notification (the EU
    // case is in tests/api/production.rs).
    let enforcing = "/api/v1/cases/{id}/enforcing-authority";
    for (token, body, expected) in [
        (
            rita_tok,
            json!({"outcome": "no_grounds", "reason": "x"}),
            403,
        ),
        (alex_tok, json!({"outcome": "maybe", "reason": "x"}), 400),
        (
            alex_tok,
            json!({"outcome": "no_grounds", "reason": "x"}),
            409,
        ),
    ] {
        let (status, _, _) = t
            .call(
                "POST",
                enforcing,
                &format!("/api/v1/cases/{b}/enforcing-authority"),
                Auth::Token(token),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(status, expected);
    }
    // Form 3, on a case that is no EU order (the EU case is in tests/api/hi1.rs).
    let form3 = "/api/v1/cases/{id}/form3";
    for (token, body, expected) in [
        (
            spd_tok,
            json!({"reasons": ["incomplete"], "explanation": "x"}),
            403,
        ),
        (rita_tok, json!({"reasons": [], "explanation": "x"}), 400),
        (
            rita_tok,
            json!({"reasons": ["incomplete"], "explanation": "x"}),
            409,
        ),
    ] {
        let (status, _, _) = t
            .call(
                "POST",
                form3,
                &format!("/api/v1/cases/{b}/form3"),
                Auth::Token(token),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(status, expected);
    }
    let counselled = view(&mut t, &p).await;
    assert_eq!(counselled["counsel"]["decision"], "challenge");
    let (_, seen, _) = t
        .call(
            "GET",
            one,
            &format!("/api/v1/demands/{p}"),
            Auth::Token(spd_tok),
            None,
        )
        .await;
    assert_eq!(seen["refused"].as_array().map(Vec::len), Some(2));

    // Withdrawal.
    let c = submit(&mut t, &plain).await;
    let withdraw = "/api/v1/demands/{id}/withdraw";
    for expected in [200, 409] {
        let (status, _, _) = t
            .call(
                "POST",
                withdraw,
                &format!("/api/v1/demands/{c}/withdraw"),
                Auth::Token(spd_tok),
                Some(r#"{"reason": "suspect identified"}"#),
            )
            .await;
        assert_eq!(status, expected);
    }

    // An emergency: no approval before a confirmed call-back.
    let d = submit(
        &mut t,
        &demand(&|d| {
            d["instrument"]["type"] = json!("us.emergency");
            d["instrument"]["issuer"]["role"] = json!("police");
            d["emergency"] = json!({"justification": "a child is missing and believed to be with the account holder"});
        }),
    )
    .await;
    let go = json!({"recommendation": "approve", "reason": "imminent danger"});
    assert_eq!(review(&mut t, &d, rita_tok, go).await, 200);
    assert_eq!(
        decide(&mut t, &d, "approve", alex_tok, r#"{"reason": "urgent"}"#).await,
        409
    );
    let callback = "/api/v1/cases/{id}/callback";
    let called_at = app.clock.now().to_string();
    for (body, expected) in [
        (json!({"called_at": called_at, "outcome": "maybe"}), 400),
        (
            json!({"called_at": called_at, "outcome": "confirmed", "notes": "Sgt. Park confirmed"}),
            200,
        ),
    ] {
        let (status, _, _) = t
            .call(
                "POST",
                callback,
                &format!("/api/v1/cases/{d}/callback"),
                Auth::Token(rita_tok),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(status, expected, "{body}");
    }
    assert_eq!(
        decide(
            &mut t,
            &d,
            "approve",
            alex_tok,
            r#"{"reason": "confirmed"}"#
        )
        .await,
        200
    );
    assert_eq!(
        view(&mut t, &d).await["callbacks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // An enterprise account: redirected, with a notice to its administrator.
    let e = submit(
        &mut t,
        &demand(&|d| {
            d["targets"] = json!([{"type": "email", "value": "carol@contoso.example"}]);
            d["instrument"]
                .as_object_mut()
                .unwrap()
                .remove("nondisclosure");
        }),
    )
    .await;
    let go = json!({"recommendation": "approve", "reason": "valid, but enterprise"});
    assert_eq!(review(&mut t, &e, rita_tok, go).await, 200);
    assert_eq!(
        decide(&mut t, &e, "approve", alex_tok, r#"{"reason": "valid"}"#).await,
        200
    );
    let (_, seen, _) = t
        .call(
            "GET",
            one,
            &format!("/api/v1/demands/{e}"),
            Auth::Token(spd_tok),
            None,
        )
        .await;
    assert!(seen["redirect_letter"].is_string(), "{seen}");
    assert!(
        !view(&mut t, &e).await["notices"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The registers: a notice held, the gag register, preservation holds, overdue cases.
    let notice = view(&mut t, &a).await["notices"][0]["id"].as_i64().unwrap();
    let hold_notice = "/api/v1/notices/{id}/hold";
    let path = format!("/api/v1/notices/{notice}/hold");
    for (token, body, expected) in [
        (alex_tok, r#"{"reason": ""}"#, 400),
        (rita_tok, r#"{"reason": "an order is sought"}"#, 403),
        (alex_tok, r#"{"reason": "an order is sought"}"#, 200),
        (alex_tok, r#"{"reason": "an order is sought"}"#, 409),
    ] {
        let (status, answer, _) = t
            .call("POST", hold_notice, &path, Auth::Token(token), Some(body))
            .await;
        assert_eq!(status, expected, "{answer}");
    }
    let (status, _, _) = t
        .call(
            "POST",
            hold_notice,
            "/api/v1/notices/999999/hold",
            Auth::Token(alex_tok),
            Some(r#"{"reason": "x"}"#),
        )
        .await;
    assert_eq!(status, 404);

    submit(
        &mut t,
        &demand(&|d| {
            d["instrument"]["nondisclosure"] =
                json!({"indefinite": true, "basis": "18 U.S.C. 2705(b)"})
        }),
    )
    .await;
    let review_list = "/api/v1/gags/review";
    let (status, _, _) = t
        .call("GET", review_list, review_list, Auth::Token(spd_tok), None)
        .await;
    assert_eq!(status, 403);
    let (status, gags, _) = t
        .call("GET", review_list, review_list, Auth::Token(rita_tok), None)
        .await;
    assert_eq!(status, 200, "{gags}");
    let gag = gags["gags"][0]["id"].as_i64().unwrap();
    let (extend_gag, lift_gag) = ("/api/v1/gags/{id}/extend", "/api/v1/gags/{id}/lift");
    let (extend_path, lift_path) = (
        format!("/api/v1/gags/{gag}/extend"),
        format!("/api/v1/gags/{gag}/lift"),
    );
    let extension = r#"{"until": "2027-03-01T00:00:00Z", "reason": "extended by the court"}"#;
    for (template, path, token, body, expected) in [
        (extend_gag, extend_path.as_str(), rita_tok, extension, 403),
        (
            extend_gag,
            extend_path.as_str(),
            alex_tok,
            r#"{"until": null, "reason": " "}"#,
            400,
        ),
        (
            extend_gag,
            "/api/v1/gags/999999/extend",
            alex_tok,
            extension,
            404,
        ),
        (extend_gag, extend_path.as_str(), alex_tok, extension, 200),
        (lift_gag, lift_path.as_str(), alex_tok, r#"{}"#, 400),
        (
            lift_gag,
            lift_path.as_str(),
            rita_tok,
            r#"{"reason": "lifted"}"#,
            403,
        ),
        (
            lift_gag,
            "/api/v1/gags/999999/lift",
            alex_tok,
            r#"{"reason": "lifted"}"#,
            404,
        ),
        (
            lift_gag,
            lift_path.as_str(),
            alex_tok,
            r#"{"reason": "lifted"}"#,
            200,
        ),
        (
            lift_gag,
            lift_path.as_str(),
            alex_tok,
            r#"{"reason": "lifted"}"#,
            409,
        ),
        (extend_gag, extend_path.as_str(), alex_tok, extension, 409),
    ] {
        let (status, answer, _) = t
            .call("POST", template, path, Auth::Token(token), Some(body))
            .await;
        assert_eq!(status, expected, "{path}: {answer}");
    }

    let p = submit(
        &mut t,
        &demand(&|d| {
            d["instrument"]["type"] = json!("us.preservation_2703f");
            d["instrument"]["issuer"]["role"] = json!("police");
            d["instrument"]
                .as_object_mut()
                .unwrap()
                .remove("nondisclosure");
            d["action"] = json!("preserve");
            d["targets"] = json!([{"type": "email", "value": "dave@example.com"}]);
        }),
    )
    .await;
    let go = json!({"recommendation": "approve", "reason": "preserve"});
    assert_eq!(review(&mut t, &p, rita_tok, go).await, 200);
    assert_eq!(decide(&mut t, &p, "approve", alex_tok, agreed).await, 200);
    let holds = "/api/v1/holds";
    let (status, _, _) = t
        .call("GET", holds, holds, Auth::Token(spd_tok), None)
        .await;
    assert_eq!(status, 403);
    let (status, held, _) = t
        .call(
            "GET",
            holds,
            "/api/v1/holds?account=dave@example.com",
            Auth::Token(rita_tok),
            None,
        )
        .await;
    assert_eq!(status, 200, "{held}");
    let hold = held["holds"][0]["id"].as_i64().unwrap();
    let extend_hold = "/api/v1/holds/{id}/extend";
    let path = format!("/api/v1/holds/{hold}/extend");
    let reason = r#"{"reason": "2703(f)(2)"}"#;
    for (path, token, body, expected) in [
        (path.as_str(), rita_tok, reason, 403),
        (path.as_str(), alex_tok, r#"{"reason": ""}"#, 400),
        ("/api/v1/holds/999999/extend", alex_tok, reason, 404),
        (path.as_str(), alex_tok, reason, 200),
        (path.as_str(), alex_tok, reason, 409),
    ] {
        let (status, answer, _) = t
            .call("POST", extend_hold, path, Auth::Token(token), Some(body))
            .await;
        assert_eq!(status, expected, "{answer}");
    }
    let overdue = "/api/v1/cases/overdue";
    let (status, _, _) = t
        .call("GET", overdue, overdue, Auth::Token(spd_tok), None)
        .await;
    assert_eq!(status, 403);
    let (status, late, _) = t
        .call("GET", overdue, overdue, Auth::Token(rita_tok), None)
        .await;
    assert_eq!(status, 200, "{late}");

    // The admin's routes.
    let agencies = "/api/v1/admin/agencies";
    let bka = json!({"id": "bka", "name": "Bundeskriminalamt", "country": "DE", "email_domains": ["bka.bund.de"], "callback_phone": "+4961155000"});
    let mut no_phone = bka.clone();
    no_phone["callback_phone"] = json!("call me");
    for (token, body, expected) in [
        (rita_tok, &bka, 403),
        (root_tok, &no_phone, 400),
        (root_tok, &bka, 201),
        (root_tok, &bka, 409),
    ] {
        let body = body.to_string();
        let (status, answer, _) = t
            .call("POST", agencies, agencies, Auth::Token(token), Some(&body))
            .await;
        assert_eq!(status, expected, "{answer}");
    }
    let users = "/api/v1/admin/users";
    let kmueller = json!({"username": "kmueller@bka.bund.de", "role": "agency", "agency": "bka"});
    let mut change = None;
    let mut sam = None;
    for (body, expected) in [
        (
            json!({"username": "sam", "role": "reviewer", "agency": "bka"}),
            400,
        ),
        (json!({"username": "sam", "role": "reviewer"}), 201),
        (kmueller.clone(), 201),
        (kmueller, 409),
    ] {
        let body = body.to_string();
        let (status, answer, _) = t
            .call("POST", users, users, Auth::Token(root_tok), Some(&body))
            .await;
        assert_eq!(status, expected, "{answer}");
        change = change.or(answer["awaiting_confirmation"].as_i64());
        if answer["username"] == "sam" {
            sam = answer["id"].as_str().map(str::to_owned);
        }
    }
    let confirm = format!("/api/v1/admin/changes/{}/confirm", change.unwrap());
    let template = "/api/v1/admin/changes/{id}/confirm";
    for (token, expected) in [(root_tok, 403), (&second.token, 200), (&second.token, 409)] {
        let (status, answer, _) = t
            .call("POST", template, &confirm, Auth::Token(token), None)
            .await;
        assert_eq!(status, expected, "{answer}");
    }
    let (status, _, _) = t
        .call(
            "POST",
            template,
            "/api/v1/admin/changes/999999/confirm",
            Auth::Token(&second.token),
            None,
        )
        .await;
    assert_eq!(status, 404);

    // An agency's details change when a second admin confirms.
    let agency = "/api/v1/admin/agencies/{id}";
    let phone = json!({"callback_phone": "+4961155001"}).to_string();
    let mut agency_change = None;
    for (token, path, body, expected) in [
        (rita_tok, "/api/v1/admin/agencies/bka", phone.clone(), 403),
        (root_tok, "/api/v1/admin/agencies/bka", "{}".into(), 400),
        (
            root_tok,
            "/api/v1/admin/agencies/nowhere",
            phone.clone(),
            404,
        ),
        (
            root_tok,
            "/api/v1/admin/agencies/bka",
            json!({"email_domains": ["seattle.gov"]}).to_string(),
            409,
        ),
        (root_tok, "/api/v1/admin/agencies/bka", phone, 202),
    ] {
        let (status, answer, _) = t
            .call("PATCH", agency, path, Auth::Token(token), Some(&body))
            .await;
        assert_eq!(status, expected, "{path} {body}: {answer}");
        agency_change = agency_change.or(answer["id"].as_i64());
    }
    // Disabling is at once; enabling a reviewer waits for a second admin.
    let sam = sam.unwrap();
    let kmueller = app
        .db
        .store
        .user_by_name(&writ_core::Username::parse("kmueller@bka.bund.de").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let nobody = writ_core::UserId::random().to_string();
    let disable = "/api/v1/admin/users/{id}/disable";
    let enable = "/api/v1/admin/users/{id}/enable";
    for (template, action, user, token, expected) in [
        (disable, "disable", &sam, rita_tok, 403),
        (disable, "disable", &sam, root_tok, 200),
        (disable, "disable", &sam, root_tok, 409),
        (disable, "disable", &nobody, root_tok, 404),
        (enable, "enable", &kmueller, root_tok, 409),
        (enable, "enable", &sam, root_tok, 202),
        (enable, "enable", &nobody, root_tok, 404),
        (disable, "disable", &kmueller, root_tok, 200),
        (enable, "enable", &kmueller, root_tok, 200),
    ] {
        let path = format!("/api/v1/admin/users/{user}/{action}");
        let (status, answer, _) = t
            .call("POST", template, &path, Auth::Token(token), None)
            .await;
        assert_eq!(status, expected, "{path}: {answer}");
    }
    let changes = "/api/v1/admin/changes";
    for (token, path, expected) in [
        (rita_tok, changes.to_owned(), 403),
        (root_tok, format!("{changes}?limit=0"), 400),
        (root_tok, format!("{changes}?limit=1"), 200),
        (root_tok, changes.to_owned(), 200),
    ] {
        let (status, answer, _) = t
            .call("GET", changes, &path, Auth::Token(token), None)
            .await;
        assert_eq!(status, expected, "{path}: {answer}");
    }
    let confirm = format!("/api/v1/admin/changes/{}/confirm", agency_change.unwrap());
    let (status, answer, _) = t
        .call("POST", template, &confirm, Auth::Token(&second.token), None)
        .await;
    assert_eq!(status, 200, "{answer}");

    // The audit log, once a checkpoint is signed.
    let (key, _) = LogKey::generate("writ.test/audit").unwrap();
    let checkpointer = Checkpointer {
        store: app.db.store.clone(),
        key: Arc::new(key),
        clock: Arc::new(ManualClock::new(
            Timestamp::parse("2026-03-02T09:00:00Z").unwrap(),
        )),
        every_events: 5,
        every: time::Duration::seconds(10),
    };
    let size = checkpointer.checkpoint().await.unwrap().unwrap().size;
    let (status, _, _) = t
        .call("GET", checkpoint, checkpoint, Auth::None, None)
        .await;
    assert_eq!(status, 200);
    let inclusion = "/api/v1/audit/proof/inclusion";
    let consistency = "/api/v1/audit/proof/consistency";
    for (template, path, expected) in [
        (inclusion, format!("{inclusion}?index=0&size={size}"), 200),
        (inclusion, format!("{inclusion}?size={size}"), 400),
        (consistency, format!("{consistency}?from=1&to={size}"), 200),
        (consistency, format!("{consistency}?from=0&to={size}"), 400),
    ] {
        let (status, _, _) = t.call("GET", template, &path, Auth::None, None).await;
        assert_eq!(status, expected, "{path}");
    }

    // The transparency report: published once the half-year is over, then its records
    // and a record's proof, for anyone.
    let publish = "/api/v1/admin/transparency/{period}/publish";
    let h1 = "/api/v1/admin/transparency/2026-H1/publish";
    let root_auth = || Auth::Token(root_tok);
    let (status, _, _) = t.call("POST", publish, h1, root_auth(), Some("{}")).await;
    assert_eq!(status, 409, "not over yet");
    app.clock
        .set(Timestamp::parse("2026-07-02T09:00:00Z").unwrap());
    let (status, _, _) = t.call("POST", publish, h1, root_auth(), Some("{}")).await;
    assert_eq!(status, 201);
    let (status, _, _) = t.call("POST", publish, h1, root_auth(), Some("{}")).await;
    assert_eq!(status, 400, "a correction says why");
    let records = "/transparency/{period}/records.jsonl";
    let (status, lines, _) = t
        .call(
            "GET",
            records,
            "/transparency/2026-H1/records.jsonl",
            Auth::None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _, _) = t
        .call(
            "GET",
            records,
            "/transparency/2026-H2/records.jsonl",
            Auth::None,
            None,
        )
        .await;
    assert_eq!(status, 404);
    let first: Value =
        serde_json::from_str(lines.as_str().unwrap().lines().next().unwrap()).unwrap();
    let proof = "/transparency/{period}/proof";
    let commitment = first["commitment"].as_str().unwrap();
    for (path, expected) in [
        (
            format!("/transparency/2026-H1/proof?commitment={commitment}"),
            200,
        ),
        ("/transparency/2026-H1/proof?commitment=00".to_owned(), 400),
        (
            format!("/transparency/2026-H1/proof?commitment={}", "0".repeat(64)),
            404,
        ),
    ] {
        let (status, _, _) = t.call("GET", proof, &path, Auth::None, None).await;
        assert_eq!(status, expected, "{path}");
    }

    let Tour { seen, errors, .. } = t;
    assert!(
        errors.is_empty(),
        "answers the document does not describe:\n{}",
        errors.join("\n")
    );
    let untested: Vec<_> = documented(&doc).difference(&seen).cloned().collect();
    assert!(
        untested.is_empty(),
        "documented but not exercised here: {untested:?}"
    );
    // The router matched each documented path as written (the metrics are labelled by
    // the matched route).
    let metrics = app.metrics.render();
    for (method, path) in documented(&doc) {
        assert!(
            metrics.contains(&format!(r#"method="{method}",route="{path}""#)),
            "the router did not match {method} {path}"
        );
    }
}

// ---------------------------------------------------------------- a JSON Schema subset

/// Enough of JSON Schema for the document's schemas: `$ref`, `oneOf`/`anyOf`/`allOf`,
/// `type`, `enum`, `properties`, `required`, `additionalProperties`, `items`,
/// `minItems`, and the `date-time` and `uuid` formats. Stricter than JSON Schema in one
/// way: an object with `properties` may have no other keys unless
/// `additionalProperties` allows them, so an undocumented field fails.
struct Validator<'a> {
    doc: &'a Value,
}

impl Validator<'_> {
    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/components/schemas/");
            let target = &self.doc["components"]["schemas"][name];
            assert!(!target.is_null(), "{at}: no schema {reference}");
            return self.check(target, value, &format!("{at} ({name})"), errors);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.check(part, value, at, errors);
            }
        }
        for (keyword, exactly_one) in [("oneOf", true), ("anyOf", false)] {
            if let Some(options) = schema.get(keyword).and_then(Value::as_array) {
                let fits = options
                    .iter()
                    .filter(|option| {
                        let mut scratch = Vec::new();
                        self.check(option, value, at, &mut scratch);
                        scratch.is_empty()
                    })
                    .count();
                if fits == 0 || (exactly_one && fits > 1) {
                    errors.push(format!(
                        "{at}: {value} fits {fits} of {keyword} {options:?}"
                    ));
                }
            }
        }
        if let Some(kind) = schema.get("type") {
            let kinds: Vec<&str> = match kind {
                Value::String(one) => vec![one.as_str()],
                Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let fits = kinds.iter().any(|kind| match *kind {
                "null" => value.is_null(),
                "boolean" => value.is_boolean(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                _ => false,
            });
            if !fits {
                errors.push(format!("{at}: {value} is not of type {kind}"));
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
        if let (Some(format), Some(text)) =
            (schema.get("format").and_then(Value::as_str), value.as_str())
        {
            let ok = match format {
                "date-time" => Timestamp::parse(text).is_ok(),
                "uuid" => uuid::Uuid::parse_str(text).is_ok(),
                _ => true,
            };
            if !ok {
                errors.push(format!("{at}: {text:?} is not a {format}"));
            }
        }
        if let Some(object) = value.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(name) {
                    errors.push(format!("{at}: `{name}` is required but missing"));
                }
            }
            if let Some(properties) = properties {
                let extra = schema.get("additionalProperties");
                for (name, field) in object {
                    let at = format!("{at}.{name}");
                    match (properties.get(name), extra) {
                        (Some(property), _) => self.check(property, field, &at, errors),
                        (None, Some(Value::Bool(true))) => {}
                        (None, Some(extra @ Value::Object(_))) => {
                            self.check(extra, field, &at, errors)
                        }
                        (None, _) => errors.push(format!("{at}: not documented")),
                    }
                }
            }
        }
        if let Some(items) = value.as_array() {
            if let Some(minimum) = schema.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < minimum
            {
                errors.push(format!("{at}: fewer than {minimum} items"));
            }
            if let Some(item) = schema.get("items") {
                for (i, value) in items.iter().enumerate() {
                    self.check(item, value, &format!("{at}[{i}]"), errors);
                }
            }
        }
    }
}
