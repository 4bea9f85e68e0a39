//! `writ demo --history N`: N past cases received over the last three years, written in
//! batched transactions (not through the API), so the queue, search, `/transparency`,
//! `writ report` and `writ audit verify` can be tried at a provider's scale.
//!
//! Countries are weighted like Microsoft's 2013 H1 law-enforcement report (every
//! country with at least 100 requests: 97 % of them), each with a plausible mix of
//! instruments, emergencies and preservations; about 3 % concern enterprise customers
//! and 2 % are still open. Each case carries the audit events its steps would have
//! written and its summary. The generator is seeded, so a history is reproducible.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use writ_core::policy::{Decision, Directory, Rules, evaluate};
use writ_core::review::Scope;
use writ_core::{Actor, AuditEntry, CaseEvent, CaseId, CaseState, CountryCode, Demand, Timestamp};
use writ_store::{CaseRecord, PastCase, PreparedHistory, Store};

/// Microsoft, law-enforcement requests, 2013 H1, by country (`total_requests`).
const COUNTRIES: [(&str, u32); 22] = [
    ("US", 7014),
    ("TR", 6226),
    ("DE", 5185),
    ("GB", 4404),
    ("FR", 4379),
    ("AU", 1219),
    ("BR", 1098),
    ("ES", 927),
    ("IT", 852),
    ("TW", 802),
    ("HK", 597),
    ("BE", 500),
    ("JP", 476),
    ("AR", 455),
    ("NL", 411),
    ("MX", 340),
    ("PT", 334),
    ("SE", 281),
    ("IN", 278),
    ("CL", 204),
    ("KR", 126),
    ("DK", 107),
];

const EU: [&str; 9] = ["DE", "FR", "ES", "IT", "BE", "NL", "PT", "SE", "DK"];

/// One kind of demand: its instrument, whether it is an emergency or a preservation,
/// the categories it asks for, and its weight among its country's demands.
#[derive(Clone, Copy)]
struct Kind {
    instrument: &'static str,
    issuer: &'static str,
    emergency: bool,
    preserve: bool,
    content: bool,
    weight: u32,
}

const fn kind(instrument: &'static str, issuer: &'static str, content: bool, weight: u32) -> Kind {
    Kind {
        instrument,
        issuer,
        emergency: false,
        preserve: false,
        content,
        weight,
    }
}

const fn emergency(instrument: &'static str, weight: u32) -> Kind {
    Kind {
        emergency: true,
        ..kind(instrument, "police", false, weight)
    }
}

const fn preservation(instrument: &'static str, issuer: &'static str, weight: u32) -> Kind {
    Kind {
        preserve: true,
        ..kind(instrument, issuer, false, weight)
    }
}

const US_KINDS: [Kind; 7] = [
    kind("us.subpoena", "prosecutor", false, 40),
    kind("us.court_order_2703d", "judge", false, 15),
    kind("us.search_warrant", "judge", true, 23),
    emergency("us.emergency", 8),
    preservation("us.preservation_2703f", "police", 10),
    kind("us.nsl", "police", false, 2),
    kind("us.fisa_order", "court", true, 2),
];
const EU_KINDS: [Kind; 4] = [
    kind("foreign.legal_process", "judge", false, 65),
    kind("eu.epoc", "judge", true, 15),
    emergency("foreign.legal_process", 8),
    preservation("eu.epoc_pr", "prosecutor", 12),
];
const GB_KINDS: [Kind; 4] = [
    kind("foreign.legal_process", "court", false, 55),
    kind("uk.copo", "judge", true, 30),
    emergency("foreign.legal_process", 8),
    preservation("foreign.legal_process", "police", 7),
];
const OTHER_KINDS: [Kind; 3] = [
    kind("foreign.legal_process", "court", false, 85),
    emergency("foreign.legal_process", 8),
    preservation("foreign.legal_process", "police", 7),
];

fn kinds(country: &str) -> &'static [Kind] {
    match country {
        "US" => &US_KINDS,
        "GB" => &GB_KINDS,
        c if EU.contains(&c) => &EU_KINDS,
        _ => &OTHER_KINDS,
    }
}

/// SplitMix64: small, fast and seeded, which is all a demo history needs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn weighted<T>(&mut self, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
        let total: u64 = items.iter().map(|i| u64::from(weight(i))).sum();
        let mut pick = self.below(total);
        for (index, item) in items.iter().enumerate() {
            let w = u64::from(weight(item));
            if pick < w {
                return index;
            }
            pick -= w;
        }
        0
    }
}

/// A demand of one kind from one country, parsed and decided once, and shared by every
/// case made from it.
struct Template {
    demand: Arc<Demand>,
    decision: Decision,
    /// How long the policy gives to answer (none: no deadline).
    deadline_after: Option<time::Duration>,
}

fn document(
    reference: &str,
    target: &str,
    country: &str,
    kind: &Kind,
    received: Timestamp,
) -> anyhow::Result<String> {
    let day = |days: i64| -> anyhow::Result<String> {
        received
            .checked_add(time::Duration::days(days))
            .map(|t| t.to_string())
            .context("a date out of range")
    };
    let categories = if kind.content {
        json!(["subscriber", "content"])
    } else {
        json!(["subscriber", "traffic"])
    };
    let mut demand = json!({
        "reference": reference,
        "authority": {"name": format!("{country} police"), "country": country},
        "instrument": {
            "type": kind.instrument,
            "issuer": {"role": kind.issuer},
            "issued_at": day(-1)?,
            "signed": true
        },
        "action": if kind.preserve { "preserve" } else { "disclose" },
        "categories": categories,
        "period": {"from": day(-90)?, "to": day(-1)?},
        "targets": [{"type": "email", "value": target}]
    });
    if kind.emergency {
        demand["emergency"] = json!({"justification": "a threat to life"});
    }
    Ok(demand.to_string())
}

/// A past case's approved scope: the categories disclosed, no more (the report counts
/// nothing else of it).
fn approved(categories: &[&str]) -> anyhow::Result<Scope> {
    serde_json::from_value(json!({"categories": categories, "targets": [], "period": null}))
        .context("a history scope")
}

struct Generator<'a> {
    rng: Rng,
    now: Timestamp,
    rules: &'a Rules,
    directory: Option<&'a dyn Directory>,
    templates: BTreeMap<(usize, usize, bool), Template>,
    serial: u64,
}

const THREE_YEARS_SECONDS: u64 = 3 * 365 * 24 * 3600;

impl Generator<'_> {
    fn template(
        &mut self,
        country: usize,
        kind: usize,
        enterprise: bool,
    ) -> anyhow::Result<&Template> {
        let key = (country, kind, enterprise);
        if !self.templates.contains_key(&key) {
            let code = COUNTRIES[country].0;
            let kind = kinds(code)[kind];
            // The demo directory's accounts: an enterprise one (contoso's) or a consumer's.
            let target = if enterprise {
                "chen@contoso.example"
            } else {
                "alice@example.com"
            };
            let text = document("TEMPLATE", target, code, &kind, self.now)?;
            let mut demand =
                Demand::from_json(&text).map_err(|e| anyhow::anyhow!("a history template: {e}"))?;
            demand.received_at = Some(self.now);
            let decision = evaluate(&demand, self.rules, self.directory, self.now);
            let deadline_after = decision
                .deadline
                .map(|d| d.datetime() - self.now.datetime());
            self.templates.insert(
                key,
                Template {
                    demand: Arc::new(demand),
                    decision,
                    deadline_after,
                },
            );
        }
        self.templates
            .get(&key)
            .context("a history template just made")
    }

    fn case(&mut self) -> anyhow::Result<PastCase> {
        let country = self.rng.weighted(&COUNTRIES, |c| c.1);
        let code = COUNTRIES[country].0;
        let kind_index = self.rng.weighted(kinds(code), |k| k.weight);
        let kind = kinds(code)[kind_index];
        let national_security =
            kind.instrument == "us.nsl" || kind.instrument.starts_with("us.fisa");
        let enterprise = !kind.preserve && !national_security && self.rng.percent(3);
        let open = self.rng.percent(2);
        // Open cases arrived in the last month; the rest over three years.
        let span = if open {
            30 * 24 * 3600
        } else {
            THREE_YEARS_SECONDS
        };
        let age = i64::try_from(self.rng.below(span)).unwrap_or(0);
        let received = self
            .now
            .checked_add(time::Duration::seconds(-age))
            .context("a date out of range")?;
        self.serial += 1;
        let reference = format!("H-{code}-{:07}", self.serial);
        // About one person in five is named again in a later demand.
        let person = self.rng.below(self.serial.max(1) * 4 / 5 + 1);
        let domain = if enterprise {
            "contoso.example"
        } else {
            "example.com"
        };
        let target = format!("user{person}@{domain}");
        let text = document(&reference, &target, code, &kind, received)?;
        let roll = self.rng.below(100);
        let template = self.template(country, kind_index, enterprise)?;
        let demand = Arc::clone(&template.demand);
        let deadline = template
            .deadline_after
            .and_then(|after| received.checked_add(after));
        let mut decision = template.decision.clone();
        decision.deadline = deadline;

        let id = CaseId::random();
        let agency = Actor::Agency(format!("agency-{}", code.to_ascii_lowercase()));
        let reviewer = Actor::Staff("history-reviewer".into());
        let approver = Actor::Staff("history-approver".into());
        let mut events = vec![
            AuditEntry::new(received, agency.clone(), "case.opened")
                .for_case(id)
                .with_details(json!({
                    "reference": reference,
                    "authority_country": code,
                    "instrument": kind.instrument,
                    "received_at": received,
                    "documents": [],
                })),
        ];
        let (steps, scope, rejection): (Vec<(CaseEvent, &Actor)>, _, _) = if open {
            match roll % 3 {
                0 => (vec![], None, None),
                1 => (vec![(CaseEvent::StartReview, &reviewer)], None, None),
                _ => (
                    vec![
                        (CaseEvent::StartReview, &reviewer),
                        (CaseEvent::RequestClarification, &reviewer),
                    ],
                    None,
                    None,
                ),
            }
        } else if enterprise && roll < 80 {
            let steps = vec![
                (CaseEvent::StartReview, &reviewer),
                (CaseEvent::RedirectToEnterprise, &approver),
                (CaseEvent::Close, &approver),
            ];
            (steps, None, None)
        } else if roll < 10 {
            let steps = vec![
                (CaseEvent::StartReview, &reviewer),
                (CaseEvent::Reject, &approver),
                (CaseEvent::Close, &approver),
            ];
            (steps, None, Some("does not meet the legal requirements"))
        } else if roll < 14 {
            (
                vec![
                    (CaseEvent::Withdraw, &agency),
                    (CaseEvent::Close, &reviewer),
                ],
                None,
                None,
            )
        } else if kind.preserve {
            let steps = vec![
                (CaseEvent::StartReview, &reviewer),
                (CaseEvent::Approve, &approver),
                (CaseEvent::Close, &approver),
            ];
            (steps, Some(approved(&["subscriber", "traffic"])?), None)
        } else {
            let categories: &[&str] = if kind.content && !roll.is_multiple_of(4) {
                &["subscriber", "content"]
            } else {
                &["subscriber"]
            };
            let mut steps = vec![
                (CaseEvent::StartReview, &reviewer),
                (CaseEvent::Approve, &approver),
                (CaseEvent::StartCollection, &Actor::System),
                (CaseEvent::Seal, &Actor::System),
                (CaseEvent::Release, &approver),
                (CaseEvent::Deliver, &agency),
            ];
            // Most delivered cases were closed afterwards.
            if !roll.is_multiple_of(5) {
                steps.push((CaseEvent::Close, &reviewer));
            }
            (steps, Some(approved(categories)?), None)
        };

        let mut state = CaseState::Received;
        let mut at = received;
        for (event, actor) in &steps {
            let next = state.after(*event)?;
            let minutes = i64::try_from(30 + self.rng.below(3 * 24 * 60)).unwrap_or(30);
            at = at
                .checked_add(time::Duration::minutes(minutes))
                .context("a date out of range")?;
            if at > self.now {
                at = self.now;
            }
            events.push(
                AuditEntry::new(at, (*actor).clone(), format!("case.{event}"))
                    .for_case(id)
                    .with_details(json!({"from": state, "to": next, "details": null})),
            );
            state = next;
        }
        // Finished cases keep what a report and the queue need, not the engine's long
        // decision (megabytes over a million cases); open ones, and enterprise ones,
        // keep it for reviewers and for the report's enterprise column.
        let keep_decision = open || enterprise;
        Ok(PastCase {
            case: CaseRecord {
                id,
                state,
                reference,
                authority_country: CountryCode::parse(code)?,
                instrument: kind.instrument.to_owned(),
                emergency: kind.emergency,
                received_at: received,
                deadline,
                decision: keep_decision.then_some(decision),
                opened_at: received,
                updated_at: at,
                version: i64::try_from(steps.len()).unwrap_or(0),
                agency_id: None,
                recommendation: None,
                scope,
                rejection_reason: rejection.map(str::to_owned),
                counsel: None,
                approval: None,
                assignee: None,
                assignee_name: None,
                expires_at: None,
                escalated: false,
            },
            document: text,
            demand,
            targets: vec![target],
            events,
        })
    }
}

/// Cases per batch prepared.
const BATCH: u64 = 5_000;

/// Batches per transaction: each commit writes again every page of the primary keys'
/// B-trees (random case ids) that its batches touched, so fewer commits write less
/// (bigger batches would too, but hold more cases in memory).
const BATCHES_PER_TRANSACTION: u64 = 5;

/// Seeds `count` past cases into `store`, as of `now`. One thread makes the next batch
/// and prepares it (summaries, audit hashes, every row's values) while the store writes
/// the one before.
pub async fn seed(
    store: &Store,
    rules: &Rules,
    directory: Option<&dyn Directory>,
    now: Timestamp,
    count: u64,
) -> anyhow::Result<()> {
    store.begin_bulk_load().await?;
    let loaded = load(store, rules, directory, now, count).await;
    // Built again even after a failed load (`Store::open` would otherwise do it).
    store.end_bulk_load().await?;
    tracing::info!("history indexed");
    loaded
}

async fn load(
    store: &Store,
    rules: &Rules,
    directory: Option<&dyn Directory>,
    now: Timestamp,
    count: u64,
) -> anyhow::Result<()> {
    let mut loader = store.history_loader().await?;
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let (batches, received) =
                std::sync::mpsc::sync_channel::<anyhow::Result<PreparedHistory>>(2);
            scope.spawn(move || {
                let mut generator = Generator {
                    rng: Rng(0x005E_ED0F_1157),
                    now,
                    rules,
                    directory,
                    templates: BTreeMap::new(),
                    serial: 0,
                };
                let mut made = 0;
                while made < count {
                    let size = BATCH.min(count - made);
                    let batch = (0..size)
                        .map(|_| generator.case())
                        .collect::<anyhow::Result<Vec<PastCase>>>()
                        .and_then(|cases| {
                            // An enterprise customer whose data went out was told.
                            Ok(loader.prepare(&cases, |past| {
                                past.case.decision.is_some() && past.case.scope.is_some()
                            })?)
                        });
                    let failed = batch.is_err();
                    if batches.send(batch).is_err() || failed {
                        return;
                    }
                    made += size;
                }
            });
            let mut written = 0;
            let mut writer = None;
            let mut batches = (1..).zip(received).peekable();
            while let Some((n, batch)) = batches.next() {
                let batch = batch?;
                let cases = batch.cases();
                handle.block_on(async {
                    let writer = match &mut writer {
                        Some(writer) => writer,
                        None => writer.insert(store.history_writer().await?),
                    };
                    writer.write(batch).await
                })?;
                written += cases;
                if (n % BATCHES_PER_TRANSACTION == 0 || batches.peek().is_none())
                    && let Some(writer) = writer.take()
                {
                    handle.block_on(writer.commit())?;
                }
                tracing::info!(written, of = count, "history");
            }
            Ok::<(), anyhow::Error>(())
        })
    })
}
