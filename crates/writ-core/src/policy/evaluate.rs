//! The evaluation of `docs/policy.md` §3: a demand, the rules, an optional directory
//! and `now` in, a [`Decision`] out. Pure: no IO, no clock.
//!
//! Where the spec is silent, these are the choices (what a provider's counsel would
//! expect), each pinned by a test in `tests/`:
//!
//! - **Every step runs.** Findings accumulate rather than stopping at the first
//!   block, so an authority hears about every defect at once, and a rejected demand
//!   still reports its categories, targets, deadline, preservation and notification
//!   plan. Category and target decisions are made on their own merits; a demand-level
//!   block rejects the demand without rewriting them.
//! - **No row to judge by.** For an unknown instrument, `informal` without a usable
//!   emergency, or real-time interception, every category is refused with that step-1
//!   code (no per-category finding). An unknown instrument has no rule id or citation
//!   (`null`), no deadline, and the notification plan of its namespace (`eu.*` →
//!   never), else the ordinary one.
//! - **`informal` with an emergency from outside the US** is `NO_LEGAL_PROCESS` (X-3).
//! - **Within a category**, `INSTRUMENT_INSUFFICIENT` / `CONTENT_REQUIRES_MLAT` end
//!   its checks (who issued it and for what no longer matter); the EU issuer, offence
//!   and `PERIOD_REQUIRED` checks accumulate. A row-level `ISSUER_NOT_COMPETENT`
//!   block does not stop the per-category EU refusals: a category is never shown as
//!   allowed to an issuer who may not order it.
//! - **`validated_by`** counts only for rows that say so (the EU orders).
//! - **Preservation needs no `period`**: it freezes what exists. A disclosure
//!   instrument asked to preserve has no preservation period of its own, so its
//!   `preserve_until` is `null`.
//! - **Bulk** counts the specific targets left after refusals (like "no target
//!   left"), so a blanket target never changes the fate of the others.
//! - **A blank justification** is missing, empty or whitespace only.
//! - **`ENFORCING_AUTHORITY_NOTIFICATION`** is one finding per demand (category
//!   `null`), made only when traffic or content is allowed.
//! - **Enterprise**: only allowed, specific targets are looked up; the finding is
//!   made (and listed in the target's codes) even when an emergency or
//!   national-security demand keeps the route `process`. The notice goes to the
//!   tenant admin when any allowed target is an enterprise account.
//! - **Non-disclosure `until`** always plans `after` with `not_before = until`, even
//!   if that time has passed; it is "longer than 365 days" when strictly more than
//!   365 × 24 hours after `issued_at`.
//! - **Route `mlat`**: content alone asked and refused with `CONTENT_REQUIRES_MLAT`,
//!   whatever else rejected the demand.
//! - **Rule ids**: a finding about `traffic` or `content` under `eu.epoc` carries
//!   `EU-2`, about the other categories `EU-1`; demand-level findings carry the
//!   decision's rule. `EU-2` shares `EU-1`'s citation, as in the table.
//! - **Validity** (`issued_at`, `expires_at`, a row's `valid_from`) is judged at
//!   `received_at` (§6.1), so `now` matters only as `received_at`'s default.
//! - **Gates of §6** (`CONFLICTING_OBLIGATION`, `VALIDATION_REQUIRED_48H`): the conflict
//!   is about its category (listed in that allowed category's codes, citing the law in
//!   conflict); the validation is about the demand.
//! - **An informal emergency from abroad** is judged under US-7 (no
//!   `JURISDICTION_MISMATCH`), with content refused for mutual legal assistance.
//! - **Red lines** (§5): a red-line category carries `KEYS_OR_ACCESS_REFUSED` alone,
//!   whatever else is wrong with the demand (an unknown instrument included), with
//!   the provider's rule id and citation from `[policy.red_lines]`.
//! - **Assistance orders**: `ASSISTANCE_ORDER_CHALLENGE` is one finding per demand
//!   (category `null`); their targets are kept as given (the specificity rules do not
//!   apply, but an `ip` still needs its `at`). Route `counsel` needs both an
//!   assistance order and a red-line category; an assistance order asking only for
//!   data is rejected like any insufficient instrument.

use time::Duration;

use super::decision::{
    CategoryDecision, Code, Decision, Finding, Notification, NotifyWhen, Outcome, Recipient, Route,
    Severity, TargetDecision, Verdict,
};
use super::directory::{Account, Directory};
use super::rules::{Rule, Rules, join_or, role_name};
use crate::demand::{Action, Category, Demand, GagTerm, IssuerRole, ListedOffence};
use crate::identifier::{TargetKind, TargetValue};
use crate::time::Timestamp;

/// Decides `demand` under `rules` at `now`. With a `directory`, targets that belong to
/// enterprise customers are found (§3.6); without one, none are.
pub fn evaluate(
    demand: &Demand,
    rules: &Rules,
    directory: Option<&dyn Directory>,
    now: Timestamp,
) -> Decision {
    Evaluation::new(demand, rules, now).run(directory)
}

struct Evaluation<'a> {
    demand: &'a Demand,
    rules: &'a Rules,
    /// `received_at`, or `now` when the demand does not say: the only time a decision
    /// depends on.
    received_at: Timestamp,
    /// The row applied (for `informal` with an emergency from the US: `us.emergency`).
    row: Option<&'a Rule>,
    /// Set when the row cannot be applied to categories (step 1 blocked it).
    unusable: Option<Code>,
    /// The decision's rule id.
    rule_id: Option<&'a str>,
    /// An emergency is claimed, by the `emergency` object or by the instrument itself.
    emergency: bool,
    /// An informal emergency from outside the stand-in's jurisdiction: these categories
    /// go through mutual legal assistance instead (§6.3).
    emergency_abroad_mlat_for: &'a [Category],
    /// Issued in an emergency without prior validation (§6.7).
    awaiting_validation: bool,
    findings: Vec<Finding>,
}

impl<'a> Evaluation<'a> {
    fn new(demand: &'a Demand, rules: &'a Rules, now: Timestamp) -> Self {
        Self {
            demand,
            rules,
            received_at: demand.received_at.unwrap_or(now),
            row: None,
            unusable: None,
            rule_id: None,
            emergency: demand.emergency.is_some(),
            emergency_abroad_mlat_for: &[],
            awaiting_validation: false,
            findings: Vec::new(),
        }
    }

    fn run(mut self, directory: Option<&dyn Directory>) -> Decision {
        self.instrument();
        self.validity();
        let mut targets = self.targets();
        let categories = self.categories();
        self.notices(&categories);
        let enterprise = self.enterprise(directory, &mut targets);

        let blocked = self.findings.iter().any(|f| f.severity == Severity::Block);
        let any_category = categories.iter().any(|c| c.decision == Outcome::Allow);
        let any_target = targets.iter().any(|t| t.decision == Outcome::Allow);
        let verdict = if blocked || !any_category || !any_target {
            Verdict::Reject
        } else if categories
            .iter()
            .map(|c| c.decision)
            .chain(targets.iter().map(|t| t.decision))
            .any(|d| d == Outcome::Refuse)
        {
            Verdict::Partial
        } else {
            Verdict::Accept
        };
        let route = self.route(verdict, &categories, enterprise);
        let notification = self.notification(enterprise);
        let deadline = self.deadline();
        let preserve_until = self.preserve_until();
        Decision {
            verdict,
            route,
            rule: self.rule_id.map(str::to_owned),
            categories,
            targets,
            findings: self.findings,
            deadline,
            preserve_until,
            notification,
        }
    }

    // ---------------------------------------------------------------- findings

    /// A finding attributed to the row applied: the category's own rule id for a
    /// category finding (`EU-2` for content under `eu.epoc`), the decision's otherwise.
    fn push(
        &mut self,
        code: Code,
        severity: Severity,
        message: String,
        category: Option<Category>,
        target: Option<&str>,
    ) {
        let rule = match (self.row, category) {
            (Some(row), Some(category)) => Some(row.id_for(category)),
            _ => self.rule_id,
        };
        let citation = self.row.map(|r| r.citation.clone());
        self.findings.push(Finding {
            code,
            severity,
            message,
            rule: rule.map(str::to_owned),
            citation,
            category,
            target: target.map(str::to_owned),
        });
    }

    /// A finding that cites its own law rather than the row's (a red line, a conflict).
    fn push_cited(
        &mut self,
        code: Code,
        severity: Severity,
        message: String,
        category: Category,
        rule: &str,
        citation: &str,
    ) {
        self.findings.push(Finding {
            code,
            severity,
            message,
            rule: Some(rule.to_owned()),
            citation: Some(citation.to_owned()),
            category: Some(category),
            target: None,
        });
    }

    /// An assistance order: it names no accounts and asks for no data.
    fn assistance(&self) -> bool {
        self.row.is_some_and(|r| r.assistance)
    }

    // ------------------------------------------------------- step 1: instrument

    fn instrument(&mut self) {
        let demand = self.demand;
        let rules = self.rules;
        let kind = demand.instrument.kind.as_str();
        let country = demand.authority.country;
        let Some(given) = rules.for_instrument(kind) else {
            let known: Vec<&str> = rules
                .rules()
                .iter()
                .map(|r| r.instrument.as_str())
                .collect();
            self.unusable = Some(Code::UnknownInstrument);
            self.push(
                Code::UnknownInstrument,
                Severity::Block,
                format!(
                    "The instrument type {kind:?} is not one the rules know ({}); ask the \
                     authority what legal process this is.",
                    known.join(", ")
                ),
                None,
                None,
            );
            return;
        };

        if given.no_legal_process {
            let stand_in = given
                .emergency_as
                .as_deref()
                .and_then(|instrument| rules.for_instrument(instrument))
                .filter(|stand_in| {
                    self.emergency
                        && (stand_in.jurisdiction.admits(country)
                            || !given.emergency_abroad_mlat_for.is_empty())
                });
            if let Some(stand_in) = stand_in {
                // An informal emergency request is an emergency disclosure request (US-7),
                // and is judged as one; from abroad, without what needs an MLAT.
                self.set_row(stand_in);
                if !stand_in.jurisdiction.admits(country) {
                    self.emergency_abroad_mlat_for = &given.emergency_abroad_mlat_for;
                }
            } else {
                self.set_row(given);
                self.unusable = Some(Code::NoLegalProcess);
                let message = match given
                    .emergency_as
                    .as_deref()
                    .and_then(|i| rules.for_instrument(i))
                {
                    Some(stand_in) if self.emergency => format!(
                        "{} ({}) claiming an emergency is handled as {} ({}) only when it \
                         comes from {}; {} is in {} ({country}). Without that it is no legal \
                         process, and nothing is disclosed.",
                        given.title(),
                        given.id,
                        stand_in.name,
                        stand_in.id,
                        stand_in.jurisdiction.describe(),
                        demand.authority.name,
                        country.name(),
                    ),
                    _ => format!(
                        "{} is not legal process ({}): nothing is disclosed without a subpoena, \
                         court order, warrant or other instrument, unless an emergency is \
                         claimed and justified.",
                        given.title(),
                        given.id,
                    ),
                };
                self.push(Code::NoLegalProcess, Severity::Block, message, None, None);
                return;
            }
        } else {
            self.set_row(given);
        }

        let Some(row) = self.row else { return };
        if let Some(from) = row.valid_from.filter(|from| self.received_at < *from) {
            self.push(
                Code::NotYetApplicable,
                Severity::Block,
                format!(
                    "{} ({}) applies to demands received from {}; this one was received at \
                     {}, before the law applied.",
                    row.title(),
                    row.citation,
                    from.readable(),
                    self.received_at.readable()
                ),
                None,
                None,
            );
        }
        if row.realtime {
            self.unusable = Some(Code::RealtimeOutOfScope);
            self.push(
                Code::RealtimeOutOfScope,
                Severity::Block,
                format!(
                    "{} ({}) is real-time interception, which writ does not handle: route it \
                     to counsel for manual handling.",
                    row.title(),
                    row.citation
                ),
                None,
                None,
            );
        }
        // An emergency from abroad is judged under the stand-in on purpose (§6.3).
        if !row.jurisdiction.admits(country) && self.emergency_abroad_mlat_for.is_empty() {
            self.push(
                Code::JurisdictionMismatch,
                Severity::Block,
                format!(
                    "{} ({}) must come from {}; {} is in {} ({country}).",
                    row.title(),
                    row.citation,
                    row.jurisdiction.describe(),
                    demand.authority.name,
                    country.name(),
                ),
                None,
                None,
            );
        }
    }

    fn set_row(&mut self, row: &'a Rule) {
        self.row = Some(row);
        self.rule_id = Some(row.id_for_request(&self.demand.categories));
        self.emergency |= row.emergency;
    }

    // --------------------------------------------------------- step 2: validity

    fn validity(&mut self) {
        // Judged when the demand was served: a warrant served within its execution
        // window may be produced after it (Fed. R. Crim. P. 41(e)(2)).
        let instrument = &self.demand.instrument;
        let served = self.received_at;
        if instrument.issued_at > served {
            self.push(
                Code::InstrumentNotYetValid,
                Severity::Block,
                format!(
                    "The instrument is dated {}, later than it was served ({}): it was \
                     not yet valid.",
                    instrument.issued_at.readable(),
                    served.readable()
                ),
                None,
                None,
            );
        }
        if let Some(expires_at) = instrument.expires_at.filter(|at| *at <= served) {
            self.push(
                Code::InstrumentExpired,
                Severity::Block,
                format!(
                    "The instrument expired at {}, before it was served ({}); ask the \
                     authority for a new one.",
                    expires_at.readable(),
                    served.readable()
                ),
                None,
                None,
            );
        }
        if let (Some(row), None) = (self.row, self.unusable) {
            let role = self.issuer_role(row);
            let unvalidated = self.emergency
                && instrument.validated_by.is_none()
                && row
                    .unvalidated_emergency_issuers
                    .as_ref()
                    .is_some_and(|issuers| issuers.admits(role));
            if unvalidated && !row.issuers.admits(role) {
                self.awaiting_validation = true;
            } else if !row.issuers.admits(role) {
                let message = format!(
                    "{} ({}) must be issued by {}; this one {}.",
                    row.title(),
                    row.citation,
                    row.issuers.describe(),
                    self.issuer_phrase(row),
                );
                self.push(
                    Code::IssuerNotCompetent,
                    Severity::Block,
                    message,
                    None,
                    None,
                );
            }
        }
        if let Some(row) = self.row.filter(|r| r.agreement)
            && instrument.agreement_attestation != Some(true)
        {
            self.push(
                Code::AgreementAttestationMissing,
                Severity::Block,
                format!(
                    "{} ({}) must state that it does not target a US person or a person in the \
                     United States and concerns a serious crime \
                     (`instrument.agreement_attestation`); this one does not.",
                    row.title(),
                    row.citation
                ),
                None,
                None,
            );
        }
        if self.emergency {
            let justified = self
                .demand
                .emergency
                .as_ref()
                .and_then(|e| e.justification.as_deref())
                .is_some_and(|text| !text.trim().is_empty());
            if !justified {
                self.push(
                    Code::EmergencyNoFactualBasis,
                    Severity::Block,
                    "An emergency is claimed without a justification: the authority must \
                     describe the danger (of death or serious physical injury, or an imminent \
                     threat to life or safety) that cannot wait for ordinary process."
                        .to_owned(),
                    None,
                    None,
                );
            }
        }
    }

    /// The role the order counts as issued by: the validator's, where the row lets
    /// validation count (an EU order validated by a judge, court or prosecutor).
    fn issuer_role(&self, row: &Rule) -> IssuerRole {
        let instrument = &self.demand.instrument;
        match &instrument.validated_by {
            Some(validator) if row.validation_counts => validator.role,
            _ => instrument.issuer.role,
        }
    }

    fn issuer_phrase(&self, row: &Rule) -> String {
        let instrument = &self.demand.instrument;
        match &instrument.validated_by {
            Some(validator) if row.validation_counts => format!(
                "was issued by {} and validated by {}",
                role_name(instrument.issuer.role),
                role_name(validator.role)
            ),
            _ => format!("was issued by {}", role_name(instrument.issuer.role)),
        }
    }

    // ---------------------------------------------------------- step 3: targets

    fn targets(&mut self) -> Vec<TargetDecision> {
        let demand = self.demand;
        let assistance = self.assistance();
        let mut decisions = Vec::with_capacity(demand.targets.len());
        for target in &demand.targets {
            let mut codes = Vec::new();
            if let (TargetValue::NotSpecific(why), false) = (&target.value, assistance) {
                codes.push(Code::NotSpecific);
                self.push(
                    Code::NotSpecific,
                    Severity::Refuse,
                    format!(
                        "Target {} {:?} {}: a demand must name specific accounts, so this \
                         target is refused.",
                        target.kind,
                        target.raw,
                        why.describe()
                    ),
                    None,
                    Some(&target.raw),
                );
            }
            if target.kind == TargetKind::Ip && target.at.is_none() {
                codes.push(Code::IpWithoutTimestamp);
                self.push(
                    Code::IpWithoutTimestamp,
                    Severity::Refuse,
                    format!(
                        "Target ip {:?} has no `at` time: an address identifies a user only at \
                         a moment, so this target is refused.",
                        target.raw
                    ),
                    None,
                    Some(&target.raw),
                );
            }
            decisions.push(TargetDecision {
                kind: target.kind,
                value: target.raw.clone(),
                decision: if codes.is_empty() {
                    Outcome::Allow
                } else {
                    Outcome::Refuse
                },
                codes,
            });
        }

        if assistance {
            // An assistance order compels help, not an account's data: the rules
            // about naming specific accounts do not apply (§5).
            return decisions;
        }
        let left = decisions
            .iter()
            .filter(|t| t.decision == Outcome::Allow)
            .count();
        if left == 0 {
            let message = if demand.targets.is_empty() {
                "The demand names no target: it must name at least one specific account or \
                 identifier."
                    .to_owned()
            } else {
                format!(
                    "None of the {} targets named is specific: the demand must name at least \
                     one specific account or identifier.",
                    demand.targets.len()
                )
            };
            self.push(Code::NoSpecificTarget, Severity::Block, message, None, None);
        }
        let max = self.rules.max_targets();
        if left > max {
            self.push(
                Code::BulkRequest,
                Severity::Block,
                format!(
                    "The demand names {left} specific targets, more than the {max} one demand \
                     may name: bulk requests are refused; ask the authority to narrow it."
                ),
                None,
                None,
            );
        }
        decisions
    }

    // ------------------------------------------------------- step 4: categories

    fn categories(&mut self) -> Vec<CategoryDecision> {
        let demand = self.demand;
        let mut decisions = Vec::with_capacity(demand.categories.len());
        for &category in &demand.categories {
            let codes = match (self.row, self.unusable) {
                _ if category.is_red_line() => self.red_line(category),
                (Some(row), None) => self.category(row, category),
                (_, unusable) => vec![unusable.unwrap_or(Code::UnknownInstrument)],
            };
            let decision = if codes.is_empty() {
                Outcome::Allow
            } else {
                Outcome::Refuse
            };
            let mut codes = codes;
            if decision == Outcome::Allow && self.conflicts(category) {
                codes.push(Code::ConflictingObligation);
            }
            decisions.push(CategoryDecision {
                category,
                decision,
                codes,
            });
        }
        if let Some(row) = self.row.filter(|r| r.assistance) {
            self.push(
                Code::AssistanceOrderChallenge,
                Severity::Warn,
                format!(
                    "{} ({}) compels help, not data: the provider does not comply pending \
                     counsel's review, and counsel decides whether and how to challenge it.",
                    row.title(),
                    row.citation
                ),
                None,
                None,
            );
        }
        decisions
    }

    /// Whether disclosing `category` would break the provider's own law (§6.8): a gate
    /// for counsel, made here.
    fn conflicts(&mut self, category: Category) -> bool {
        let Some(row) = self.row else { return false };
        let Some(conflict) = row.conflict.as_ref() else {
            return false;
        };
        if self.demand.action != Action::Disclose || !conflict.categories.contains(&category) {
            return false;
        }
        let rule = row.id_for(category);
        self.push_cited(
            Code::ConflictingObligation,
            Severity::Gate,
            format!(
                "Disclosing {} under {} would conflict with the provider's obligations under \
                 the law of the country where it is headquartered ({}): counsel files a reasoned \
                 objection within {} days of receipt, or clears this with a reason, before \
                 anything is disclosed.",
                category.phrase(),
                row.name,
                conflict.citation,
                conflict.objection_days,
            ),
            category,
            rule,
            &conflict.citation,
        );
        true
    }

    /// A red line (§5): refused whatever the instrument, under the provider's own rule.
    fn red_line(&mut self, category: Category) -> Vec<Code> {
        let red_lines = &self.rules.settings().red_lines;
        self.push_cited(
            Code::KeysOrAccessRefused,
            Severity::Refuse,
            format!(
                "No order can get {}: the provider never gives any government direct or \
                 unfettered access to customer data, its encryption keys, or the ability to \
                 break its encryption. It pulls the data a valid order names and hands it over.",
                category.phrase()
            ),
            category,
            &red_lines.rule,
            &red_lines.citation,
        );
        vec![Code::KeysOrAccessRefused]
    }

    /// The codes that refuse `category` under `row` (none: allowed).
    fn category(&mut self, row: &Rule, category: Category) -> Vec<Code> {
        let demand = self.demand;
        let preserve = demand.action == Action::Preserve;
        let what = category.phrase();
        let mut codes = Vec::new();

        if row.preservation_only {
            if !preserve {
                let instead = self.instead(row, category);
                codes.push(Code::InstrumentInsufficient);
                self.push(
                    Code::InstrumentInsufficient,
                    Severity::Refuse,
                    format!(
                        "{} ({}) only preserves data and cannot compel disclosure of \
                         {what}{instead}.",
                        row.title(),
                        row.citation,
                    ),
                    Some(category),
                    None,
                );
            }
            return codes;
        }

        if preserve && row.preserve_pending_mlat {
            // Kept, content included, while mutual legal assistance is sought.
            return codes;
        }

        if self.emergency_abroad_mlat_for.contains(&category) {
            codes.push(Code::ContentRequiresMlat);
            self.push(
                Code::ContentRequiresMlat,
                Severity::Refuse,
                format!(
                    "A foreign authority's emergency request may obtain non-content under 18 \
                     U.S.C. 2702(c)(6), but not {what}: 2702(b)(8) serves US governmental \
                     entities only, so {what} goes through mutual legal assistance."
                ),
                Some(category),
                None,
            );
            return codes;
        }

        if row.as_us_order {
            let form = demand.instrument.us_order.unwrap_or_default();
            let compels = self
                .rules
                .for_instrument(form.instrument())
                .is_some_and(|us| us.compels.contains(&category));
            if !compels {
                let warrant = self
                    .rules
                    .ordinary_instrument_for(super::rules::Jurisdiction::Us, category)
                    .map(|r| format!("{} (`instrument.us_order`: `{}`)", r.name, us_order_name(r)))
                    .unwrap_or_else(|| "another US order".to_owned());
                codes.push(Code::InstrumentInsufficient);
                self.push(
                    Code::InstrumentInsufficient,
                    Severity::Refuse,
                    format!(
                        "{} ({}) compels what its US form compels (18 U.S.C. 2711(3)(A)(iii)); \
                         obtained as {}, it cannot compel {what}, which needs {warrant}.",
                        row.title(),
                        row.citation,
                        self.rules
                            .for_instrument(form.instrument())
                            .map_or("that order", |us| us.name.as_str()),
                    ),
                    Some(category),
                    None,
                );
                return codes;
            }
        }

        if row.assistance {
            let instead = self
                .rules
                .ordinary_instrument_for(row.jurisdiction, category)
                .map(|better| format!(", such as {} ({})", better.name, better.id_for(category)))
                .unwrap_or_default();
            codes.push(Code::InstrumentInsufficient);
            self.push(
                Code::InstrumentInsufficient,
                Severity::Refuse,
                format!(
                    "{} ({}) is an assistance order and compels no disclosure: {what} needs a \
                     disclosure instrument{instead}.",
                    row.title(),
                    row.citation,
                ),
                Some(category),
                None,
            );
            return codes;
        }

        if !row.compels.contains(&category) {
            if row.mlat_for.contains(&category) {
                let via = self
                    .rules
                    .ordinary_instrument_for(row.jurisdiction, category)
                    .map(|r| format!("{} ({})", r.name, r.id))
                    .unwrap_or_else(|| "mutual legal assistance".to_owned());
                codes.push(Code::ContentRequiresMlat);
                self.push(
                    Code::ContentRequiresMlat,
                    Severity::Refuse,
                    format!(
                        "{} ({}) cannot obtain {what}: {what} for a foreign authority goes \
                         through {via}, or an order under an agreement such as a UK overseas \
                         production order.",
                        row.title(),
                        row.citation,
                    ),
                    Some(category),
                    None,
                );
            } else {
                let instead = self.instead(row, category);
                let verb = if preserve {
                    "cannot compel, and so cannot have preserved,"
                } else {
                    "cannot compel"
                };
                codes.push(Code::InstrumentInsufficient);
                self.push(
                    Code::InstrumentInsufficient,
                    Severity::Refuse,
                    format!("{} ({}) {verb} {what}{instead}.", row.title(), row.citation),
                    Some(category),
                    None,
                );
            }
            return codes;
        }

        if let Some(condition) = row.condition_for(category) {
            let rule_id = row.id_for(category);
            if let Some(issuers) = &condition.issuers
                && !issuers.admits(self.issuer_role(row))
            {
                codes.push(Code::IssuerNotCompetent);
                let message = format!(
                    "{what} under {} ({rule_id}) may only be ordered by {}; this order {}.",
                    row.name,
                    issuers.describe(),
                    self.issuer_phrase(row),
                );
                self.push(
                    Code::IssuerNotCompetent,
                    Severity::Refuse,
                    capitalise_first(message),
                    Some(category),
                    None,
                );
            }
            if let Some(min_years) = condition.min_penalty_years {
                let offence = demand.instrument.offence.as_ref();
                let years = offence.and_then(|o| o.max_penalty_years);
                let listed = offence.map_or(ListedOffence::None, |o| o.listed);
                let met = years.is_some_and(|y| y >= min_years)
                    || (condition.listed_offence_suffices && listed != ListedOffence::None);
                if !met {
                    let given = match (offence, years) {
                        (None, _) => "no offence is given".to_owned(),
                        (Some(_), None) => {
                            "the offence's maximum penalty is not given and it is not listed"
                                .to_owned()
                        }
                        (Some(_), Some(y)) => {
                            format!("this offence carries at most {y} years and is not listed")
                        }
                    };
                    let listed_note = if condition.listed_offence_suffices {
                        " or a listed offence (cyber, child sexual abuse, payment fraud, terrorism)"
                    } else {
                        ""
                    };
                    codes.push(Code::OffenceThresholdNotMet);
                    self.push(
                        Code::OffenceThresholdNotMet,
                        Severity::Refuse,
                        capitalise_first(format!(
                            "{what} under {} ({rule_id}) may only be ordered for an offence \
                             punishable by at least {min_years} years' custody{listed_note}; \
                             {given}.",
                            row.name
                        )),
                        Some(category),
                        None,
                    );
                }
            }
        }

        let needs_period = self
            .rules
            .settings()
            .period_required_for
            .contains(&category);
        if !preserve && needs_period && demand.period.is_none() {
            codes.push(Code::PeriodRequired);
            self.push(
                Code::PeriodRequired,
                Severity::Refuse,
                format!("No `period` is given for {what}, which must be limited to a time range."),
                Some(category),
                None,
            );
        }
        codes
    }

    /// "; content needs a search warrant (US-3)", or nothing when no row would do.
    fn instead(&self, row: &Rule, category: Category) -> String {
        let what = category.phrase();
        self.rules
            .ordinary_instrument_for(row.jurisdiction, category)
            .filter(|better| better.id != row.id)
            .map(|better| {
                format!(
                    "; {what} needs {} ({})",
                    better.name,
                    better.id_for(category)
                )
            })
            .unwrap_or_default()
    }

    // ---------------------------------------------------------- step 5: notices

    fn notices(&mut self, categories: &[CategoryDecision]) {
        let demand = self.demand;
        if let (Some(row), None) = (self.row, self.unusable) {
            let both_local = demand.instrument.offence_in_issuing_state
                && demand.instrument.target_resides_in_issuing_state;
            let notify = row
                .conditions
                .iter()
                .filter(|c| c.enforcing_authority_notification)
                .find(|c| {
                    categories
                        .iter()
                        .any(|d| d.decision == Outcome::Allow && c.categories.contains(&d.category))
                });
            if let (Some(condition), false) = (notify, both_local) {
                let names: Vec<&str> = condition.categories.iter().map(|c| c.phrase()).collect();
                let emergency = if self.emergency {
                    " In an emergency the notification does not suspend production."
                } else {
                    " The notification suspends production until the enforcing authority has \
                     had its time to raise grounds for refusal (10 days) or confirms it has none."
                };
                self.push(
                    Code::EnforcingAuthorityNotification,
                    Severity::Info,
                    format!(
                        "{} for {} is notified by the issuing authority to the enforcing \
                         authority (Reg. (EU) 2023/1543 Art. 8), because the offence and the \
                         person are not both in the issuing state.{emergency}",
                        capitalise_first(row.name.clone()),
                        join_or(&names),
                    ),
                    None,
                    None,
                );
            }
        }

        if self.awaiting_validation {
            self.push(
                Code::ValidationRequired48h,
                Severity::Gate,
                format!(
                    "The order was issued in an emergency by {} without prior validation \
                     (Reg. (EU) 2023/1543 Art. 4(5)): validation by a judge, court or prosecutor \
                     must follow within 48 hours of issue (by {}); nothing is disclosed until it \
                     is recorded.",
                    super::rules::role_name(demand.instrument.issuer.role),
                    demand
                        .instrument
                        .issued_at
                        .checked_add(Duration::hours(48))
                        .map_or_else(|| "48 hours after issue".to_owned(), |t| t.to_string()),
                ),
                None,
                None,
            );
        }

        if self.emergency {
            self.push(
                Code::EmergencyVerificationRequired,
                Severity::Gate,
                format!(
                    "Emergency claimed: before anything is disclosed, call {} back on a number \
                     known independently of this demand, and record the call.",
                    demand.authority.name
                ),
                None,
                None,
            );
        }

        if let Some(gag) = &demand.instrument.nondisclosure {
            let max_days = self.rules.settings().nondisclosure_max_days;
            let overlong = match gag.term {
                GagTerm::Indefinite => Some(format!("has no end date (limit: {max_days} days)")),
                GagTerm::Until(until) => {
                    let runs = until.datetime() - demand.instrument.issued_at.datetime();
                    (runs > Duration::days(i64::from(max_days))).then(|| {
                        format!(
                            "runs {} days after the instrument's issue, to {} (limit: \
                             {max_days} days)",
                            runs.whole_days(),
                            until.readable()
                        )
                    })
                }
            };
            if let Some(how) = overlong {
                let basis = gag
                    .basis
                    .as_deref()
                    .map(|b| format!(" ({b})"))
                    .unwrap_or_default();
                self.push(
                    Code::NdoOverlong,
                    Severity::Warn,
                    format!(
                        "The non-disclosure order{basis} {how}: \
                         DOJ policy (19 Oct 2017) is to seek at most one year barring \
                         exceptional circumstances; consider a challenge."
                    ),
                    None,
                    None,
                );
            }
        }

        if let (Some(row), None) = (self.row, self.unusable) {
            if row.voluntary && demand.action == Action::Disclose {
                self.push(
                    Code::VoluntaryDisclosure,
                    Severity::Info,
                    format!(
                        "{} ({}) permits disclosure but compels none: the provider decides \
                         whether to disclose.",
                        row.title(),
                        row.citation
                    ),
                    None,
                    None,
                );
            }
            if row.preserve_pending_mlat && demand.action == Action::Preserve {
                let days = row.preserve_days.unwrap_or_default();
                self.push(
                    Code::PreservePendingMlat,
                    Severity::Info,
                    format!(
                        "Every category asked for, content included, is preserved for {days} \
                         days pending a request for mutual legal assistance (Budapest Convention \
                         Art. 29); disclosure needs that request."
                    ),
                    None,
                    None,
                );
            }
        }

        if let Some(row) = self.row.filter(|r| r.national_security) {
            self.push(
                Code::NationalSecurity,
                Severity::Info,
                format!(
                    "{} ({}) is national-security process: restricted handling by cleared \
                     staff, reported only in bands.",
                    row.title(),
                    row.citation
                ),
                None,
                None,
            );
        }
    }

    // ------------------------------------------------------- step 6: enterprise

    /// Finds allowed targets that belong to enterprise tenants; true if any does.
    fn enterprise(
        &mut self,
        directory: Option<&dyn Directory>,
        targets: &mut [TargetDecision],
    ) -> bool {
        let Some(directory) = directory else {
            return false;
        };
        let seats_above = self.rules.settings().enterprise_seats_above;
        let stays = self.emergency || self.row.is_some_and(|r| r.national_security);
        let mut any = false;
        for (target, decision) in self.demand.targets.iter().zip(targets.iter_mut()) {
            if decision.decision != Outcome::Allow {
                continue;
            }
            let TargetValue::Specific(identifier) = &target.value else {
                continue;
            };
            let Some(Account {
                id,
                tenant: Some(tenant),
            }) = directory.resolve(identifier, target.at)
            else {
                continue;
            };
            if tenant.seats <= seats_above {
                continue;
            }
            any = true;
            let then = if stays {
                "; it is not redirected, because the demand is an emergency or national-security \
                 process"
            } else {
                ": redirect the authority to the customer (DOJ CCIPS guidance, Dec 2017)"
            };
            decision.codes.push(Code::EnterpriseRedirect);
            self.push(
                Code::EnterpriseRedirect,
                Severity::Info,
                format!(
                    "Target {} {:?} is account {id} of {} ({} seats), an enterprise \
                     customer{then}.",
                    target.kind, target.raw, tenant.name, tenant.seats
                ),
                None,
                Some(&target.raw),
            );
        }
        any
    }

    // ------------------------------------------------------ route, times, notice

    fn route(&self, verdict: Verdict, categories: &[CategoryDecision], enterprise: bool) -> Route {
        if self.assistance() && categories.iter().any(|c| c.category.is_red_line()) {
            return Route::Counsel;
        }
        if verdict == Verdict::Reject {
            if self.unusable == Some(Code::RealtimeOutOfScope) {
                return Route::Manual;
            }
            let content_only_to_mlat = matches!(
                categories,
                [only] if only.category == Category::Content
                    && only.codes.contains(&Code::ContentRequiresMlat)
            );
            return if content_only_to_mlat {
                Route::Mlat
            } else {
                Route::None
            };
        }
        let stays = self.emergency || self.row.is_some_and(|r| r.national_security);
        if enterprise && !stays {
            Route::RedirectEnterprise
        } else {
            Route::Process
        }
    }

    fn deadline(&self) -> Option<Timestamp> {
        let row = self.row?;
        let hours = match row.emergency_deadline_hours {
            Some(hours) if self.emergency => hours,
            _ => row.deadline_hours?,
        };
        self.received_at
            .checked_add(Duration::hours(i64::from(hours)))
    }

    fn preserve_until(&self) -> Option<Timestamp> {
        if self.demand.action != Action::Preserve {
            return None;
        }
        let days = self.row?.preserve_days?;
        self.received_at
            .checked_add(Duration::days(i64::from(days)))
    }

    fn notification(&self, enterprise: bool) -> Notification {
        let demand = self.demand;
        let never = |reason: String| Notification {
            recipient: Recipient::None,
            when: NotifyWhen::Never,
            not_before: None,
            reason,
        };
        if let Some(row) = self.row {
            if row.national_security {
                return never(format!(
                    "{} is national-security process: its secrecy bars any notice.",
                    row.title()
                ));
            }
            if let Some(reason) = &row.no_user_notice {
                return never(format!("{}: {reason}.", row.title()));
            }
        } else if let Some(reason) = self.namesake_without_notice() {
            // The spec's rule is "eu.* → never": an unknown `eu.` instrument is planned
            // like the known ones of its namespace.
            return never(format!(
                "An instrument of the {:?} namespace: {reason}.",
                namespace(&demand.instrument.kind)
            ));
        }
        if demand.action == Action::Preserve {
            return never(
                "Preservation only: nothing is disclosed, so no one is told; a later demand to \
                 produce the data is decided, and noticed, on its own."
                    .to_owned(),
            );
        }
        let (recipient, who) = if enterprise {
            (
                Recipient::TenantAdmin,
                "the enterprise customer's administrator",
            )
        } else {
            (Recipient::User, "the user")
        };
        if let Some(gag) = &demand.instrument.nondisclosure {
            let basis = gag
                .basis
                .as_deref()
                .map(|b| format!(" ({b})"))
                .unwrap_or_default();
            return match gag.term {
                GagTerm::Until(until) => Notification {
                    recipient,
                    when: NotifyWhen::After,
                    not_before: Some(until),
                    reason: format!(
                        "A non-disclosure order{basis} bars notice until {}; {who} is told \
                         when it lapses.",
                        until.readable()
                    ),
                },
                GagTerm::Indefinite => never(format!(
                    "An indefinite non-disclosure order{basis} bars notice; it is re-examined \
                     when the order is lifted."
                )),
            };
        }
        if self.emergency {
            let days = self.rules.settings().emergency_notice_after_days;
            return Notification {
                recipient,
                when: NotifyWhen::After,
                not_before: self
                    .received_at
                    .checked_add(Duration::days(i64::from(days))),
                reason: format!(
                    "Emergency disclosure: {who} is told afterwards, {days} days after receipt, \
                     once notice can no longer endanger anyone."
                ),
            };
        }
        Notification {
            recipient,
            when: NotifyWhen::BeforeDisclosure,
            not_before: None,
            reason: format!(
                "No order bars notice: {who} is told before anything is disclosed, so they can \
                 object."
            ),
        }
    }
}

impl Evaluation<'_> {
    /// For an unknown instrument: the no-notice reason of a known instrument of the
    /// same namespace (`eu.` for `eu.eio`), if there is one.
    fn namesake_without_notice(&self) -> Option<&str> {
        let wanted = namespace(&self.demand.instrument.kind);
        if wanted.is_empty() {
            return None;
        }
        self.rules
            .rules()
            .iter()
            // An assistance order's secrecy is its own, not its namespace's.
            .filter(|r| namespace(&r.instrument) == wanted && !r.assistance)
            .find_map(|r| r.no_user_notice.as_deref())
    }
}

/// The `instrument.us_order` value naming a US row (`search_warrant` for
/// `us.search_warrant`).
fn us_order_name(row: &Rule) -> &str {
    row.instrument
        .strip_prefix("us.")
        .unwrap_or(&row.instrument)
}

/// `eu` for `eu.epoc`; empty for an id without a dot (`mlat`).
fn namespace(instrument: &str) -> &str {
    instrument.split_once('.').map_or("", |(space, _)| space)
}

fn capitalise_first(text: String) -> String {
    super::rules::capitalise(&text)
}
