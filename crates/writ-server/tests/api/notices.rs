//! Notices, gags and preservation holds, by moving the clock (never by sleeping): the
//! job runner is run after each move, as the scheduler would at its next tick.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use writ_app::App;
use writ_app::jobs::runner::run_due_jobs;
use writ_app::mailer::{Mail, MailError, Mailer, SmtpMailer, SmtpSettings, SmtpTls};
use writ_core::policy::DirectoryFile;
use writ_core::{Clock, Role};

use crate::helpers::{Backend, Person, TestApp, contoso_directory, demand, spawn_app_with};

on_both_backends!(
    a_gagged_notice_goes_out_once_after_the_gag_ends,
    an_indefinite_gag_sends_nothing_until_lifted_and_is_on_the_review_list,
    an_emergency_notice_waits_for_its_delay,
    an_enterprise_account_is_told_through_its_admin_not_the_user,
    a_held_notice_is_not_sent,
    a_preservation_hold_expires_and_is_extended_once,
    notices_reach_a_real_smtp_server_once_each_from_two_processes,
    deadlines_escalate_once_each_and_emergencies_page_at_once,
);

/// Keeps what would have been sent.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<Mail>>,
}

#[async_trait::async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        self.sent.lock().unwrap().push(mail.clone());
        Ok(())
    }
}

impl Outbox {
    /// Who was sent what, but the on-call approver's escalations.
    fn to(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to != "oncall@provider.example")
            .map(|m| m.to.clone())
            .collect()
    }

    /// The subjects of the escalations the on-call approver got.
    fn escalations(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to == "oncall@provider.example")
            .map(|m| m.subject.clone())
            .collect()
    }
}

struct World {
    app: TestApp,
    spd: Person,
    reviewer: Person,
    approver: Person,
    outbox: Arc<Outbox>,
    /// The app's state with the outbox as its mailer: what the job runner uses.
    worker: App,
}

async fn world(backend: Backend, directory: Option<DirectoryFile>) -> World {
    let app = spawn_app_with(backend, directory).await;
    let spd = app.add_seattle_pd().await;
    let outbox = Arc::new(Outbox::default());
    let mut worker = app.state.clone().with_mailer(outbox.clone());
    worker.deadlines.on_call = Some("oncall@provider.example".into());
    World {
        spd,
        reviewer: app.add_person("rita", Role::Reviewer, None).await,
        approver: app.add_person("alex", Role::Approver, None).await,
        app,
        outbox,
        worker,
    }
}

impl World {
    /// Submits, recommends and approves a demand; returns its case id.
    async fn approved(&self, document: &str) -> String {
        let id = self.app.submit(&self.spd, document).await;
        self.app
            .recommend_approval(&self.reviewer, &id, "in order")
            .await;
        let doc: Value = serde_json::from_str(document).unwrap();
        if doc["emergency"].is_object() {
            self.app
            .case_step_ok(&self.reviewer, &id, "callback", json!({"called_at": self.app.clock.now().to_string(), "outcome": "confirmed", "notes": "confirmed"}))
            .await;
        }
        self.app
            .case_step_ok(&self.approver, &id, "approve", json!({"reason": "agreed"}))
            .await;
        id
    }

    /// Moves the clock and runs what is due.
    async fn after_days(&self, days: i64) {
        self.app.clock.advance(time::Duration::days(days));
        run_due_jobs(&self.worker, "worker").await.unwrap();
    }

    async fn notices(&self, case: &str) -> Value {
        let (status, body) = self
            .app
            .get_as(&self.approver.token, &format!("/api/v1/cases/{case}"))
            .await;
        assert_eq!(status, 200, "{body}");
        body["notices"].clone()
    }

    async fn actions(&self) -> Vec<String> {
        self.app.audit_actions().await
    }
}

async fn a_gagged_notice_goes_out_once_after_the_gag_ends(backend: Backend) {
    let w = world(backend, None).await;
    // The example's gag runs until 2026-09-01; the clock starts on 2026-03-02.
    let case = w.approved(&demand(|_| {})).await;
    w.after_days(0).await;
    assert_eq!(w.outbox.to(), Vec::<String>::new(), "gagged: nothing yet");
    w.after_days(182).await; // 2026-08-31
    assert_eq!(
        w.outbox.to(),
        Vec::<String>::new(),
        "the day before the gag ends"
    );
    w.after_days(2).await; // 2026-09-02
    assert_eq!(w.outbox.to(), ["alice@example.com"]);
    w.after_days(30).await;
    assert_eq!(w.outbox.to(), ["alice@example.com"], "once");

    let notices = w.notices(&case).await;
    assert_eq!(notices[0]["state"], "sent", "{notices}");
    assert_eq!(
        w.actions()
            .await
            .iter()
            .filter(|a| *a == "notice.sent")
            .count(),
        1
    );
    let mail = w.outbox.sent.lock().unwrap()[0].clone();
    for says in [
        "Seattle Police Department",
        "a search warrant",
        "SEA-2026-0412",
        "subscriber, content",
        "1 Jan 2026, 00:00 UTC",
    ] {
        assert!(
            mail.text.contains(says),
            "the notice says {says}: {}",
            mail.text
        );
        assert!(
            mail.html.contains(says),
            "the HTML says {says}: {}",
            mail.html
        );
    }
    // The mail carries the case's receipt; the notice as staff see it never does.
    let id = writ_core::CaseId::parse(&case).unwrap();
    let secret = w.app.db.store.case_secret(id).await.unwrap().unwrap();
    let period = writ_report::HalfYear::parse("2026-H1").unwrap();
    let receipt = writ_report::Receipt::new(period, secret).to_string();
    assert!(mail.text.contains(&receipt), "{}", mail.text);
    assert!(mail.html.contains(&receipt), "{}", mail.html);
    assert!(mail.text.contains("writ report prove"));
    let (_, view) = w
        .app
        .get_as(&w.approver.token, &format!("/api/v1/cases/{case}"))
        .await;
    assert!(!view.to_string().contains(&receipt[20..]), "{view}");
    for never in ["Reyes", "areyes", "+12065550100", "Chen"] {
        assert!(
            !mail.text.contains(never) && !mail.html.contains(never),
            "the notice names no investigator: {never}"
        );
    }
}

async fn an_indefinite_gag_sends_nothing_until_lifted_and_is_on_the_review_list(backend: Backend) {
    let w = world(backend, None).await;
    let case = w
        .approved(&demand(|d| {
            d["instrument"]["nondisclosure"] =
                json!({"indefinite": true, "basis": "18 U.S.C. 2705(b)"});
        }))
        .await;
    w.after_days(0).await;
    w.after_days(800).await;
    assert_eq!(w.outbox.to(), Vec::<String>::new(), "never while in force");

    let (status, review) = w.app.get_as(&w.reviewer.token, "/api/v1/gags/review").await;
    assert_eq!(status, 200, "{review}");
    assert!(review["citation"].as_str().unwrap().contains("2705(b)"));
    assert_eq!(review["gags"].as_array().unwrap().len(), 1, "{review}");
    assert_eq!(review["gags"][0]["case"], case.as_str());
    assert_eq!(review["gags"][0]["until"], Value::Null);
    let gag = review["gags"][0]["id"].as_i64().unwrap();

    // A court extends it to a date, then lifts it; only approvers record that.
    let extend = format!("/api/v1/gags/{gag}/extend");
    let body = json!({"until": "2031-01-01T00:00:00Z", "reason": "order of the court"}).to_string();
    assert_eq!(
        w.app.post_as(&w.reviewer.token, &extend, &body).await.0,
        403
    );
    let (status, extended) = w.app.post_as(&w.approver.token, &extend, &body).await;
    assert_eq!(status, 200, "{extended}");
    assert_eq!(extended["until"], "2031-01-01T00:00:00Z");
    w.after_days(1).await;
    assert_eq!(w.outbox.to(), Vec::<String>::new());

    let lift = format!("/api/v1/gags/{gag}/lift");
    let (status, lifted) = w
        .app
        .post_as(
            &w.approver.token,
            &lift,
            &json!({"reason": "lifted by the court"}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{lifted}");
    assert!(lifted["lifted_at"].is_string(), "{lifted}");
    let (status, _) = w
        .app
        .post_as(
            &w.approver.token,
            &lift,
            &json!({"reason": "again"}).to_string(),
        )
        .await;
    assert_eq!(status, 409, "lifted once");
    let (_, review) = w.app.get_as(&w.reviewer.token, "/api/v1/gags/review").await;
    assert_eq!(review["gags"], json!([]), "a lifted gag is not for review");

    // The next tick sends it.
    w.after_days(0).await;
    assert_eq!(w.outbox.to(), ["alice@example.com"]);
    let actions = w.actions().await;
    for action in ["gag.extended", "gag.lifted", "notice.sent"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

async fn an_emergency_notice_waits_for_its_delay(backend: Backend) {
    let w = world(backend, None).await;
    let case = w
        .approved(&demand(|d| {
            d["instrument"]["type"] = json!("us.emergency");
            d["instrument"]["issuer"]["role"] = json!("police");
            d["instrument"]["nondisclosure"] = Value::Null;
            d["emergency"] = json!({"justification": "a child is missing"});
        }))
        .await;
    let (_, overdue) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases/overdue")
        .await;
    assert_eq!(overdue["cases"], json!([]), "{overdue}");
    w.after_days(2).await;
    let (_, overdue) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases/overdue")
        .await;
    assert_eq!(
        overdue["cases"][0]["id"],
        case.as_str(),
        "24 hours have passed"
    );
    assert_eq!(overdue["cases"][0]["emergency"], true);

    w.after_days(86).await; // 88 days after
    assert_eq!(w.outbox.to(), Vec::<String>::new());
    w.after_days(3).await; // 91 days after
    assert_eq!(w.outbox.to(), ["alice@example.com"]);
    w.after_days(3).await;
    assert_eq!(w.outbox.to().len(), 1);
}

async fn an_enterprise_account_is_told_through_its_admin_not_the_user(backend: Backend) {
    let directory = contoso_directory("alice@example.com");
    let w = world(backend, Some(directory)).await;
    w.approved(&demand(|d| {
        d["instrument"]["nondisclosure"] = Value::Null;
    }))
    .await;
    w.after_days(0).await;
    assert_eq!(w.outbox.to(), ["it@contoso.example"]);
    w.after_days(100).await;
    assert_eq!(
        w.outbox.to(),
        ["it@contoso.example"],
        "once, and never the user"
    );
    let mail = w.outbox.sent.lock().unwrap()[0].clone();
    assert!(
        mail.text.contains("writ-receipt:v1:2026-H1:"),
        "{}",
        mail.text
    );
}

async fn a_held_notice_is_not_sent(backend: Backend) {
    let w = world(backend, None).await;
    let case = w.approved(&demand(|_| {})).await;
    let notices = w.notices(&case).await;
    let id = notices[0]["id"].as_i64().unwrap();
    let hold = format!("/api/v1/notices/{id}/hold");
    let (status, body) = w
        .app
        .post_as(&w.approver.token, &hold, &json!({"reason": ""}).to_string())
        .await;
    assert_eq!(status, 400, "a reason is required: {body}");
    let (status, body) = w
        .app
        .post_as(
            &w.approver.token,
            &hold,
            &json!({"reason": "a second order is sought"}).to_string(),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    w.after_days(400).await;
    assert_eq!(w.outbox.to(), Vec::<String>::new());
    let notices = w.notices(&case).await;
    assert_eq!(notices[0]["state"], "held");
    assert_eq!(notices[0]["hold_reason"], "a second order is sought");
    assert!(w.actions().await.iter().any(|a| a == "notice.held"));
}

async fn a_preservation_hold_expires_and_is_extended_once(backend: Backend) {
    let w = world(backend, None).await;
    let preserved = w
        .approved(&demand(|d| {
            d["instrument"]["type"] = json!("us.preservation_2703f");
            d["instrument"]["issuer"]["role"] = json!("police");
            d["instrument"]["nondisclosure"] = Value::Null;
            d["action"] = json!("preserve");
            d["categories"] = json!(["subscriber", "content"]);
            d["targets"] = json!([{"type": "email", "value": "alice@example.com"}]);
        }))
        .await;
    let holds_of = |account: &'static str| {
        let app = &w.app;
        let token = w.reviewer.token.clone();
        async move {
            let (status, body) = app
                .get_as(&token, &format!("/api/v1/holds?account={account}"))
                .await;
            assert_eq!(status, 200, "{body}");
            body["holds"].as_array().unwrap().clone()
        }
    };
    let holds = holds_of("alice@example.com").await;
    assert_eq!(holds.len(), 2, "{holds:?}");
    assert_eq!(holds[0]["expires_at"], "2026-05-31T09:00:00Z", "90 days");
    assert!(holds_of("bob@example.com").await.is_empty());

    // The demand for disclosure that follows finds the preservation made for it.
    let later = w.app.submit(&w.spd, &demand(|_| {})).await;
    let (_, later) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{later}"))
        .await;
    let preservations = later["preservations"].as_array().unwrap();
    assert_eq!(preservations.len(), 2, "{later}");
    assert!(
        preservations
            .iter()
            .all(|h| h["case"] == preserved.as_str())
    );
    let (_, own) = w
        .app
        .get_as(&w.reviewer.token, &format!("/api/v1/cases/{preserved}"))
        .await;
    assert_eq!(
        own["preservations"],
        json!([]),
        "a case is not its own preservation"
    );

    // The authority asks to extend the content hold: once, by 90 days.
    let content = holds.iter().find(|h| h["category"] == "content").unwrap();
    let extend = format!("/api/v1/holds/{}/extend", content["id"]);
    let reason = json!({"reason": "2703(f)(2) extension"}).to_string();
    let (status, extended) = w.app.post_as(&w.approver.token, &extend, &reason).await;
    assert_eq!(status, 200, "{extended}");
    assert_eq!(extended["expires_at"], "2026-08-29T09:00:00Z");
    let (status, refused) = w.app.post_as(&w.approver.token, &extend, &reason).await;
    assert_eq!(status, 409, "a second extension is refused: {refused}");

    w.after_days(89).await;
    assert_eq!(holds_of("alice@example.com").await.len(), 2);
    w.after_days(2).await; // 91 days
    let holds = holds_of("alice@example.com").await;
    assert_eq!(holds.len(), 1, "the subscriber hold expired: {holds:?}");
    assert_eq!(holds[0]["category"], "content");
    w.after_days(90).await; // 181 days
    assert!(holds_of("alice@example.com").await.is_empty());
    let actions = w.actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "hold.expired").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "hold.extended").count(), 1);
    assert_eq!(
        w.outbox.to(),
        Vec::<String>::new(),
        "a preservation tells nobody"
    );
}

/// Messages in the sink's Maildir addressed to `address`.
fn delivered_to(maildir: &std::path::Path, address: &str) -> usize {
    let mut count = 0;
    for dir in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if text
                .lines()
                .any(|l| l.starts_with("X-RcptTo:") && l.contains(address))
            {
                count += 1;
            }
        }
    }
    count
}

fn smtp(port: u16, host: &str) -> SmtpMailer {
    SmtpMailer::new(&SmtpSettings {
        host: host.to_owned(),
        port,
        tls: SmtpTls::None,
        from: "Legal <legal@provider.example>".into(),
        username: None,
        password: None,
        timeout: std::time::Duration::from_secs(5),
    })
    .unwrap()
}

async fn notices_reach_a_real_smtp_server_once_each_from_two_processes(backend: Backend) {
    let (Ok(address), Ok(maildir)) = (
        std::env::var("WRIT_TEST_SMTP_ADDR"),
        std::env::var("WRIT_TEST_SMTP_MAILDIR"),
    ) else {
        eprintln!(
            "skipped: SMTP sink not running (set WRIT_TEST_SMTP_ADDR; scripts/test starts it)"
        );
        return;
    };
    let (host, port) = address.rsplit_once(':').unwrap();
    let port: u16 = port.parse().unwrap();
    let maildir = std::path::PathBuf::from(maildir);

    let w = world(backend, None).await;
    // Addresses no other test run uses, so the shared mailbox counts only this run.
    let run = writ_core::CaseId::random().to_string();
    let users: Vec<String> = (0..3).map(|i| format!("u{i}-{run}@example.com")).collect();
    w.approved(&demand(|d| {
        d["instrument"]["nondisclosure"] = Value::Null;
        d["targets"] = json!(
            users
                .iter()
                .map(|u| json!({"type": "email", "value": u}))
                .collect::<Vec<_>>()
        );
    }))
    .await;

    // The SMTP server is down: a port nothing listens on. The notices wait.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = w
        .app
        .state
        .clone()
        .with_mailer(Arc::new(smtp(closed_port, "127.0.0.1")));
    run_due_jobs(&down, "worker-down").await.unwrap();
    w.app.clock.advance(time::Duration::seconds(5));
    run_due_jobs(&down, "worker-down").await.unwrap();
    for user in &users {
        assert_eq!(delivered_to(&maildir, user), 0);
    }

    // It is back: two writ processes (each its own connection pool on the database)
    // run the queue at once; each notice arrives once.
    let second_store = writ_store::Store::open(w.app.db.location()).await.unwrap();
    let policy = Arc::new(writ_app::Policy {
        rules: writ_core::policy::Rules::embedded().unwrap(),
        directory: None,
    });
    let one = w.app.state.clone().with_mailer(Arc::new(smtp(port, host)));
    let two =
        App::new(second_store, w.app.clock.clone(), policy).with_mailer(Arc::new(smtp(port, host)));
    w.app.clock.advance(time::Duration::minutes(15));
    let (a, b) = tokio::join!(run_due_jobs(&one, "writ-1"), run_due_jobs(&two, "writ-2"));
    a.unwrap();
    b.unwrap();
    w.app.clock.advance(time::Duration::minutes(15));
    let (a, b) = tokio::join!(run_due_jobs(&one, "writ-1"), run_due_jobs(&two, "writ-2"));
    a.unwrap();
    b.unwrap();

    // The sink writes each message as it is accepted; give it a moment.
    for _ in 0..50 {
        if users.iter().all(|u| delivered_to(&maildir, u) >= 1) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for user in &users {
        assert_eq!(delivered_to(&maildir, user), 1, "{user} got one notice");
    }
    assert_eq!(
        w.actions()
            .await
            .iter()
            .filter(|a| *a == "notice.sent")
            .count(),
        3
    );
}

async fn deadlines_escalate_once_each_and_emergencies_page_at_once(backend: Backend) {
    let w = world(backend, None).await;
    let (status, body) = w
        .app
        .post_as(
            &w.spd.token,
            "/api/v1/demands",
            &demand(|d| {
                d["instrument"]["type"] = json!("us.emergency");
                d["instrument"]["issuer"]["role"] = json!("police");
                d["instrument"]["nondisclosure"] = Value::Null;
                d["emergency"] = json!({"justification": "a child is missing"});
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    // Due in 24 hours: paged at once, then at 12, 18 and 21.6 hours.
    let w = &w;
    let hours = |h: i64| async move {
        w.app.clock.advance(time::Duration::hours(h));
        run_due_jobs(&w.worker, "worker").await.unwrap();
        w.outbox.escalations().len()
    };
    assert_eq!(hours(0).await, 1, "{:?}", w.outbox.escalations());
    assert!(w.outbox.escalations()[0].contains("EMERGENCY"));
    assert_eq!(hours(11).await, 1);
    assert_eq!(hours(2).await, 2, "half the time gone");
    assert_eq!(hours(0).await, 2, "once");
    assert_eq!(hours(5).await, 3, "three quarters");
    assert_eq!(hours(4).await, 4, "nine tenths");
    assert_eq!(hours(48).await, 4, "each once");
    let (_, overdue) = w
        .app
        .get_as(&w.reviewer.token, "/api/v1/cases/overdue")
        .await;
    assert_eq!(overdue["cases"].as_array().unwrap().len(), 1, "{overdue}");
    let (_, queue) = w.app.get_as(&w.reviewer.token, "/api/v1/cases").await;
    assert_eq!(
        queue["cases"][0]["overdue"], true,
        "highlighted in the queue"
    );
    assert_eq!(
        w.actions()
            .await
            .iter()
            .filter(|a| *a == "case.escalated")
            .count(),
        4
    );
    assert_eq!(w.outbox.to(), Vec::<String>::new());
}
