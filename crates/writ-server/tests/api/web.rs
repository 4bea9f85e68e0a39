//! The web UI over HTTP, as a browser drives it: forms, cookies, redirects. (The real
//! browser runs in tests/browser at the repository's root.)

use std::collections::BTreeMap;

use serde_json::{Value, json};
use writ_core::Clock;

use crate::helpers::{Backend, EXAMPLE, Person, TestApp};
use crate::workflow::World;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A browser in miniature: keeps cookies, does not follow redirects.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    headers: reqwest::header::HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    /// The value of the first hidden `csrf` field.
    pub(crate) fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).expect("a form with a csrf field") + marker.len();
        let end = self.body[start..].find('"').unwrap();
        self.body[start..start + end].to_owned()
    }
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.app.address));
        self.send(request).await
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = self
            .client
            .post(format!("{}{path}", self.app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Page {
        let boundary = "writ-test-boundary-7d3f";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, filename, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(format!("{}{path}", self.app.address))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(request).await
    }

    /// Signs in through the form with `code`; the answer to the form's post.
    async fn log_in_with(&mut self, person: &Person, code: &str) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, 200);
        let csrf = form.csrf();
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", &person.username),
                ("password", &person.password),
                ("totp", code),
            ],
        )
        .await
    }

    /// Signs in with the current code and follows the redirect home.
    pub(crate) async fn log_in(&mut self, person: &Person) -> Page {
        let code = person.totp.code_at(self.app.clock.now());
        let answer = self.log_in_with(person, &code).await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let home = answer.location().to_owned();
        self.get(&home).await
    }

    /// Submits a demand through the portal's form; the new case's id.
    async fn submit(&mut self, document: &str) -> String {
        let portal = self.get("/portal").await;
        let csrf = portal.csrf();
        let answer = self
            .post_multipart(
                "/portal/demands",
                &[("csrf", &csrf), ("demand", document)],
                Some(("order", "warrant.pdf", PDF)),
            )
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
        let location = answer.location();
        let id = location
            .strip_prefix("/portal/demands/")
            .and_then(|rest| rest.strip_suffix("?received=1"))
            .unwrap_or_else(|| panic!("redirected to {location}"));
        id.to_owned()
    }
}

/// As askama writes text into HTML.
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The workflow tests' authorities and staff, on SQLite.
async fn world() -> World {
    crate::workflow::world(Backend::Sqlite, None).await
}

#[tokio::test]
async fn signing_in_needs_the_password_and_the_second_factor() {
    let w = world().await;
    let mut browser = Browser::new(&w.app);

    let page = browser.log_in_with(&w.spd, "").await;
    assert_eq!(page.status, 401);
    assert!(
        page.body.contains("A second factor is required"),
        "{}",
        page.body
    );
    assert!(!browser.cookies.contains_key("writ_session"));

    let page = browser.log_in_with(&w.spd, "000000").await;
    let right = w.spd.totp.code_at(w.app.clock.now());
    let page = if right == "000000" {
        page
    } else {
        assert_eq!(page.status, 401);
        assert!(
            page.body.contains("That code is not right"),
            "{}",
            page.body
        );
        page
    };
    assert!(
        !browser.cookies.contains_key("writ_session"),
        "{}",
        page.status
    );

    // Each failure makes the next try wait: a second, then two.
    let page = browser.log_in_with(&w.spd, &right).await;
    assert_eq!(page.status, 429, "{}", page.body);
    assert!(page.body.contains("wait a little"), "{}", page.body);
    w.app.clock.advance(time::Duration::seconds(1));
    let mut wrong_password = clone_person(&w.spd);
    wrong_password.password = "not the password at all".into();
    let page = browser.log_in_with(&wrong_password, &right).await;
    assert_eq!(page.status, 401);
    assert!(page.body.contains("Wrong username or password"));
    w.app.clock.advance(time::Duration::seconds(2));

    let page = browser.log_in_with(&w.spd, &right).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location(), "/portal");
    let cookie = page
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("writ_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let portal = browser.get("/portal").await;
    assert_eq!(portal.status, 200);
    assert!(portal.body.contains("Submit a demand"));

    // The same code is good once.
    let mut again = Browser::new(&w.app);
    let page = again.log_in_with(&w.spd, &right).await;
    assert_eq!(page.status, 401);
    w.app.clock.advance(time::Duration::seconds(1));

    // Staff land in the console.
    let mut staff = Browser::new(&w.app);
    let page = staff
        .log_in_with(&w.reviewer, &w.reviewer.totp.code_at(w.app.clock.now()))
        .await;
    assert_eq!(page.location(), "/console");
}

fn clone_person(person: &Person) -> Person {
    Person {
        username: person.username.clone(),
        password: person.password.clone(),
        totp: writ_app::credentials::TotpSecret::parse(&person.totp.expose_base32()).unwrap(),
        token: person.token.clone(),
    }
}

#[tokio::test]
async fn the_sign_in_form_needs_its_own_token() {
    let w = world().await;
    let mut browser = Browser::new(&w.app);
    browser.get("/login").await;
    let code = w.spd.totp.code_at(w.app.clock.now());
    let page = browser
        .post(
            "/login",
            &[
                ("username", &w.spd.username),
                ("password", &w.spd.password),
                ("totp", &code),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(!browser.cookies.contains_key("writ_session"));
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_is_refused() {
    let w = world().await;
    let mut spd = Browser::new(&w.app);
    spd.log_in(&w.spd).await;
    let id = spd.submit(EXAMPLE).await;
    let withdraw = format!("/portal/demands/{id}/withdraw");

    let page = spd.post(&withdraw, &[("reason", "no token")]).await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("did not come from your current session"));
    let page = spd
        .post(&withdraw, &[("csrf", "forged"), ("reason", "bad token")])
        .await;
    assert_eq!(page.status, 403);
    // Another session's token is no good either.
    let mut other = Browser::new(&w.app);
    w.app.clock.advance(time::Duration::seconds(30));
    let other_page = other.log_in(&w.spd).await;
    let page = spd
        .post(
            &withdraw,
            &[("csrf", &other_page.csrf()), ("reason", "other token")],
        )
        .await;
    assert_eq!(page.status, 403);
    let page = spd
        .post_multipart(
            "/portal/demands",
            &[("demand", EXAMPLE)],
            Some(("order", "o.pdf", PDF)),
        )
        .await;
    assert_eq!(page.status, 403, "a multipart form too");

    let (_, status) = w
        .app
        .get_as(&w.spd.token, &format!("/api/v1/demands/{id}"))
        .await;
    assert_eq!(status["state"], "received", "nothing was withdrawn");

    // With the token, it goes through.
    let csrf = spd.get(&format!("/portal/demands/{id}")).await.csrf();
    let page = spd
        .post(
            &withdraw,
            &[("csrf", &csrf), ("reason", "suspect identified")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = spd.get(page.location()).await;
    assert!(page.body.contains("Withdrawn"));
}

#[tokio::test]
async fn every_page_carries_the_csp_and_security_headers() {
    let w = world().await;
    let mut browser = Browser::new(&w.app);
    let login = browser.get("/login").await;
    let portal = browser.log_in(&w.spd).await;
    let css = browser.get("/static/writ.css").await;
    let missing = browser.get("/portal/demands/not-a-case").await;
    for page in [&login, &portal, &css, &missing] {
        assert_eq!(page.headers["content-security-policy"], CSP);
        assert_eq!(page.headers["x-content-type-options"], "nosniff");
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
    }
    assert!(
        portal.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(css.status, 200);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(missing.status, 404);
    for page in [&login, &portal] {
        assert!(!page.body.contains("<script"), "no scripts");
        assert!(!page.body.contains("style="), "no inline styles");
        assert!(!page.body.contains("<style"), "no inline styles");
    }
    // The root sends people to sign in.
    let root = browser.get("/").await;
    assert_eq!((root.status, root.location()), (303, "/login"));
}

#[tokio::test]
async fn signed_out_people_are_sent_to_sign_in_and_roles_are_kept_apart() {
    let w = world().await;
    let mut nobody = Browser::new(&w.app);
    let page = nobody.get("/console").await;
    assert_eq!(page.status, 303);
    assert!(page.location().starts_with("/login"));

    let mut spd = Browser::new(&w.app);
    spd.log_in(&w.spd).await;
    let page = spd.get("/console").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("for the provider"), "{}", page.body);

    let mut rita = Browser::new(&w.app);
    rita.log_in(&w.reviewer).await;
    let page = rita.get("/portal").await;
    assert_eq!(page.status, 403);

    // Signing out ends the session.
    let portal = spd.get("/portal").await;
    let page = spd.post("/logout", &[("csrf", &portal.csrf())]).await;
    assert_eq!(page.status, 303);
    let page = spd.get("/portal").await;
    assert_eq!(page.status, 303, "signed out");
}

#[tokio::test]
async fn a_demand_goes_through_the_forms_and_the_case_page_shows_the_engines_reasons() {
    let w = world().await;
    let mut spd = Browser::new(&w.app);
    spd.log_in(&w.spd).await;
    // A wildcard target, which the engine refuses with a finding.
    let mut document: Value = serde_json::from_str(EXAMPLE).unwrap();
    document["targets"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "email", "value": "*@example.com"}));
    let id = spd.submit(&document.to_string()).await;
    let page = spd.get(&format!("/portal/demands/{id}?received=1")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("under case {id}")),
        "{}",
        page.body
    );
    assert!(page.body.contains("SEA-2026-0412"));
    let list = spd.get("/portal").await;
    assert!(list.body.contains(&format!("/portal/demands/{id}")));

    let mut rita = Browser::new(&w.app);
    let queue = rita.log_in(&w.reviewer).await;
    assert!(queue.body.contains(&format!("/console/cases/{id}")));
    let case = rita.get(&format!("/console/cases/{id}")).await;
    assert_eq!(case.status, 200);

    // Every finding of the decision is on the page: code, severity, message, rule, citation.
    let (_, api) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    let decision = &api["decision"];
    assert_eq!(decision["rule"], "US-3");
    let findings = decision["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        for key in ["code", "severity", "message", "rule", "citation"] {
            if let Some(text) = finding[key].as_str() {
                assert!(
                    case.body.contains(&escaped(text)),
                    "{key} {text:?} is on the case page"
                );
            }
        }
    }
    assert!(findings.iter().any(|f| f["code"] == "NOT_SPECIFIC"));
    assert!(case.body.contains(r#"id="verdict">partial<"#));
    // The verdict's rule as the law reads: its name, its citation, what it allows.
    let rules = writ_core::policy::Rules::embedded().unwrap();
    let warrant = rules.by_id("US-3").unwrap();
    for text in [&warrant.title(), &warrant.citation, "It allows disclosing"] {
        assert!(
            case.body.contains(&escaped(text)),
            "{text:?} is on the case page"
        );
    }
    assert!(case.body.contains(writ_core::Category::Content.phrase()));
    // Times read one way in the page's text, never as RFC 3339 in a sentence (the
    // demand's own JSON, shown as sent in a <pre>, and attributes aside).
    let prose: String = case
        .body
        .split("<pre")
        .map(|part| part.split_once("</pre>").map_or(part, |(_, after)| after))
        .flat_map(|part| part.split('<'))
        .map(|tag| tag.split_once('>').map_or(tag, |(_, text)| text))
        .collect();
    let rfc3339 = |text: &str| {
        text.as_bytes()
            .windows(20)
            .position(|w| w[4] == b'-' && w[10] == b'T' && w[13] == b':' && w[19] == b'Z')
            .map(|at| text[at.saturating_sub(80)..at + 20].to_owned())
    };
    assert_eq!(rfc3339(&prose), None, "an RFC 3339 time on the case page");
    let offered = |value: &str| {
        format!(
            r#"name="target" value="{}""#,
            escaped(&json!({"type": "email", "value": value}).to_string())
        )
    };
    assert!(
        case.body.contains(&offered("alice@example.com")),
        "an allowed target is offered for review"
    );
    assert!(
        !case.body.contains(&offered("*@example.com")),
        "a refused target is not offered for review"
    );
    assert!(
        case.body.contains("warrant.pdf"),
        "the signed order is listed"
    );
    assert!(
        case.body.contains("/review"),
        "a reviewer sees the review form"
    );
    assert!(!case.body.contains("/approve"), "but not the approval form");

    // Review with the scope narrowed to content, for e-mail only.
    let targets: Vec<Value> = decision["targets"].as_array().unwrap().clone();
    let email = json!({"type": "email", "value": targets[0]["value"]}).to_string();
    let csrf = case.csrf();
    let page = rita
        .post(
            &format!("/console/cases/{id}/review"),
            &[
                ("csrf", &csrf),
                ("recommendation", "approve"),
                ("narrow_categories", "1"),
                ("category", "content"),
                ("narrow_targets", "1"),
                ("target", &email),
                ("reason", "the warrant is in order"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    // A reviewer cannot approve (the extractor refuses before the desk).
    let page = rita
        .post(&format!("/console/cases/{id}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 403);

    let mut alex = Browser::new(&w.app);
    alex.log_in(&w.approver).await;
    let case = alex.get(&format!("/console/cases/{id}")).await;
    assert!(case.body.contains("the warrant is in order"));
    assert!(case.body.contains(&format!("/console/cases/{id}/approve")));
    // An approval needs its reason, as a rejection does.
    let page = alex
        .post(
            &format!("/console/cases/{id}/approve"),
            &[("csrf", &case.csrf()), ("reason", " ")],
        )
        .await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body
            .contains("Approval not recorded. reason: must not be empty"),
        "{}",
        page.body
    );
    let page = alex
        .post(
            &format!("/console/cases/{id}/approve"),
            &[("csrf", &case.csrf()), ("reason", "agreed")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let case = alex.get(page.location()).await;
    assert!(case.body.contains("The demand was approved."));
    assert!(case.body.contains("Approved for disclosure"));
    // The case says who approved it, and why.
    assert!(
        case.body
            .contains(&format!(r#"id="approved-by">{}<"#, w.approver.username)),
        "{}",
        case.body
    );
    assert!(case.body.contains(r#"id="approval-reason">agreed<"#));
    // The history says who approved, and why.
    let history = &case.body[case
        .body
        .find(r#"id="history""#)
        .expect("a History section")..];
    let approval = &history[history.find("case.approved").expect("the approval in it")..];
    let row = &approval[..approval.find("</tr>").unwrap()];
    assert!(row.contains("agreed"), "{row}");
    assert!(history[..history.find("case.approved").unwrap()].contains(&w.approver.username));

    let (_, api) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(api["state"], "approved");
    assert_eq!(api["approval"]["by_name"], w.approver.username.as_str());
    assert_eq!(api["approval"]["reason"], "agreed");
    assert_eq!(api["approval"]["at"], w.app.clock.now().to_string());
    assert_eq!(api["scope"]["categories"], json!(["content"]));
    assert_eq!(api["scope"]["targets"].as_array().unwrap().len(), 1);

    let page = spd.get(&format!("/portal/demands/{id}")).await;
    assert!(
        page.body.contains(r#"id="state">Approved<"#),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_reviewer_takes_a_case_and_finds_it_under_mine() {
    let w = world().await;
    let mut spd = Browser::new(&w.app);
    spd.log_in(&w.spd).await;
    let id = spd.submit(EXAMPLE).await;
    let mut rita = Browser::new(&w.app);
    rita.log_in(&w.reviewer).await;
    let queue = rita.get("/console").await;
    assert!(queue.body.contains(">Assignee</th>"), "{}", queue.body);
    assert!(queue.body.contains("nobody"));
    // No deadline runs: the column says when the instrument expires.
    assert!(
        queue
            .body
            .contains("instrument expires 15 Mar 2026, 00:00 UTC"),
        "{}",
        queue.body
    );
    assert!(!rita.get("/console?mine=true").await.body.contains(&id));

    let case = rita.get(&format!("/console/cases/{id}")).await;
    assert!(case.body.contains(r#"id="assign-to-me""#), "{}", case.body);
    let page = rita
        .post(
            &format!("/console/cases/{id}/assign"),
            &[("csrf", &case.csrf())],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let case = rita.get(page.location()).await;
    assert!(
        case.body
            .contains(&format!(r#"id="assignee">{}<"#, w.reviewer.username))
    );
    assert!(!case.body.contains(r#"id="assign-to-me""#), "already hers");
    let mine = rita.get("/console?mine=true").await;
    assert!(mine.body.contains(&id), "{}", mine.body);
    assert!(mine.body.contains(&format!(
        "<span class=\"cell\">{}</span>",
        w.reviewer.username
    )));
}

#[tokio::test]
async fn a_refused_action_comes_back_on_the_page_with_its_reason() {
    let w = world().await;
    let mut spd = Browser::new(&w.app);
    spd.log_in(&w.spd).await;
    let id = spd.submit(EXAMPLE).await;

    let mut alex = Browser::new(&w.app);
    alex.log_in(&w.approver).await;
    let case = alex.get(&format!("/console/cases/{id}")).await;
    let review = format!("/console/cases/{id}/review");
    // No reason: the field is named, what was chosen is kept.
    let page = alex
        .post(
            &review,
            &[
                ("csrf", &case.csrf()),
                ("recommendation", "approve"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("reason: must say why"), "{}", page.body);
    assert!(page.body.contains(r#"value="approve" required checked"#));
    // The approver recommends, then may not approve it: four eyes.
    let page = alex
        .post(
            &review,
            &[
                ("csrf", &case.csrf()),
                ("recommendation", "approve"),
                ("reason", "fine"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let case = alex.get(&format!("/console/cases/{id}")).await;
    assert!(case.body.contains("a different approver must decide"));
    let page = alex
        .post(
            &format!("/console/cases/{id}/approve"),
            &[("csrf", &case.csrf()), ("reason", "agreed")],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("four eyes"), "{}", page.body);
}

#[tokio::test]
async fn submission_errors_name_the_field_and_keep_what_was_typed() {
    let w = world().await;
    let mut spd = Browser::new(&w.app);
    let portal = spd.log_in(&w.spd).await;
    let csrf = portal.csrf();

    let broken = EXAMPLE.replace(r#""us.search_warrant""#, "42");
    let page = spd
        .post_multipart(
            "/portal/demands",
            &[("csrf", &csrf), ("demand", &broken)],
            Some(("order", "order.pdf", PDF)),
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("instrument.type"), "{}", page.body);
    assert!(
        page.body.contains(&escaped(&broken)),
        "the textarea keeps the text"
    );

    let page = spd
        .post_multipart(
            "/portal/demands",
            &[("csrf", &csrf), ("demand", EXAMPLE)],
            Some(("order", "order.pdf", b"GIF89a not a pdf")),
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("order: "), "{}", page.body);
    assert!(page.body.contains("PDF"), "{}", page.body);

    let page = spd
        .post_multipart(
            "/portal/demands",
            &[("csrf", &csrf), ("demand", EXAMPLE)],
            None,
        )
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("order: attach the signed order"));

    let too_big = {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        pdf.resize(11 * 1024 * 1024, b'0');
        pdf
    };
    let page = spd
        .post_multipart(
            "/portal/demands",
            &[("csrf", &csrf), ("demand", EXAMPLE)],
            Some(("order", "order.pdf", &too_big)),
        )
        .await;
    assert_eq!(page.status, 413);

    let (_, cases) = w.app.get_as(&w.reviewer.token, "/api/v1/cases").await;
    assert_eq!(cases["cases"], json!([]), "nothing was opened");
}

#[tokio::test]
async fn an_authority_fills_in_the_form_checks_it_and_submits_it() {
    let w = world().await;
    let mut spd = Browser::new(&w.app);
    let portal = spd.log_in(&w.spd).await;
    let csrf = portal.csrf();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("reference", "SEA-FORM-1"),
        ("instrument", "us.subpoena"),
        ("issuer_role", "prosecutor"),
        ("issued_at", "2026-02-27T10:00"),
        ("action", "disclose"),
        ("category", "subscriber"),
        ("category", "content"),
        ("period_from", "2026-01-01T00:00"),
        ("period_to", "2026-01-31T23:59"),
        ("target_type", "email"),
        ("target_value", "alice@example.com"),
        ("target_at", ""),
    ];

    // One more target row, with what was typed kept.
    let mut more = fields.clone();
    more.push(("intent", "add_target"));
    let page = spd.post_multipart("/portal/demands", &more, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(r#"id="target-value-2""#));
    assert!(page.body.contains(r#"value="SEA-FORM-1""#));

    // A subpoena for content: the engine says what it cannot reach, and nothing is sent.
    let mut check = fields.clone();
    check.push(("intent", "check"));
    let page = spd.post_multipart("/portal/demands", &check, None).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(r#"id="check""#), "{}", page.body);
    assert!(page.body.contains("Nothing was sent"));
    assert!(page.body.contains("partly accepted"), "{}", page.body);
    let rules = writ_core::policy::Rules::embedded().unwrap();
    let subpoena = rules.for_instrument("us.subpoena").unwrap();
    assert!(
        page.body.contains(&escaped(&subpoena.citation)),
        "the law is cited"
    );
    let (_, cases) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases?state=any")
        .await;
    assert_eq!(cases["cases"], json!([]), "nothing was opened");

    // Fixed (a warrant by a judge), it is submitted as the demand's JSON would be.
    fields[2] = ("instrument", "us.search_warrant");
    fields[3] = ("issuer_role", "judge");
    fields.push(("intent", "submit"));
    let page = spd
        .post_multipart(
            "/portal/demands",
            &fields,
            Some(("order", "warrant.pdf", PDF)),
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let id = page
        .location()
        .strip_prefix("/portal/demands/")
        .and_then(|rest| rest.strip_suffix("?received=1"))
        .unwrap()
        .to_owned();
    let (_, case) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["reference"], "SEA-FORM-1");
    assert_eq!(case["decision"]["verdict"], "accept", "{case}");

    // A time that is not one is named by its field.
    let mut bad = fields.clone();
    bad[4] = ("issued_at", "yesterday");
    let page = spd
        .post_multipart("/portal/demands", &bad, Some(("order", "warrant.pdf", PDF)))
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("issued_at: "), "{}", page.body);
}

#[tokio::test]
async fn an_authority_cannot_open_another_authoritys_demand() {
    let w = world().await;
    let mut spd = Browser::new(&w.app);
    spd.log_in(&w.spd).await;
    let id = spd.submit(EXAMPLE).await;

    let mut bka = Browser::new(&w.app);
    let portal = bka.log_in(w.bka()).await;
    assert!(!portal.body.contains(&id), "not in its list");
    let page = bka.get(&format!("/portal/demands/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("SEA-2026-0412"));
    let page = bka
        .post(
            &format!("/portal/demands/{id}/withdraw"),
            &[("csrf", &portal.csrf()), ("reason", "mischief")],
        )
        .await;
    assert_eq!(page.status, 404);
}

#[tokio::test]
async fn an_emergency_call_back_goes_to_the_number_on_file() {
    let w = world().await;
    let mut doc: Value = serde_json::from_str(EXAMPLE).unwrap();
    doc["instrument"]["type"] = json!("us.emergency");
    doc["instrument"]["issuer"]["role"] = json!("police");
    doc["emergency"] = json!({"justification": "a child is missing"});
    doc["authority"]["contact"]["phone"] = json!("+15555550123");
    let mut spd = Browser::new(&w.app);
    spd.log_in(&w.spd).await;
    let id = spd.submit(&doc.to_string()).await;

    let mut rita = Browser::new(&w.app);
    let queue = rita.log_in(&w.reviewer).await;
    assert!(queue.body.contains("emergency"));
    let case = rita.get(&format!("/console/cases/{id}")).await;
    assert!(
        case.body.contains(r#"id="callback-number">+12065550100<"#),
        "{}",
        case.body
    );
    assert!(case.body.contains("EMERGENCY_VERIFICATION_REQUIRED"));
    let page = rita
        .post(
            &format!("/console/cases/{id}/callback"),
            &[
                ("csrf", &case.csrf()),
                ("outcome", "confirmed"),
                ("called_at", "2026-03-02T09:05"),
                ("notes", "Sgt. Park confirmed"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let case = rita.get(page.location()).await;
    assert!(
        case.body.contains("rita called +12065550100"),
        "{}",
        case.body
    );
    assert!(case.body.contains("Sgt. Park confirmed"));
}
