//! The policy engine: reads a demand against the law (`docs/policy.md`).
//!
//! - [`Rules`]: the rules as data, one row per instrument, from `rules/default.toml`
//!   ([`Rules::embedded`]) or a replacement file ([`Rules::from_toml`]).
//! - [`Directory`]: who owns an identifier, to find enterprise customers;
//!   [`DirectoryFile`] reads the offline JSON directory.
//! - [`evaluate`]: demand + rules + directory + `now` → [`Decision`], pure.
//!
//! ```
//! use writ_core::policy::{Rules, Verdict, evaluate};
//! use writ_core::{Demand, Timestamp};
//!
//! let rules = Rules::embedded()?;
//! let demand = Demand::from_json(include_str!("../../tests/demands/policy-example.json"))?;
//! let now = Timestamp::parse("2026-03-02T10:00:00Z")?;
//! let decision = evaluate(&demand, &rules, None, now);
//! assert_eq!(decision.verdict, Verdict::Accept);
//! assert_eq!(decision.rule.as_deref(), Some("US-3"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod decision;
mod directory;
mod evaluate;
mod rules;

pub use decision::{
    CategoryDecision, Code, Decision, Finding, Notification, NotifyWhen, Outcome, Recipient, Route,
    Severity, TargetDecision, Verdict,
};
pub use directory::{Account, Directory, DirectoryError, DirectoryFile, Tenant};
pub use evaluate::evaluate;
pub use rules::{
    Condition, Conflict, DEFAULT_RULES_TOML, Issuers, Jurisdiction, RedLines, Rule, Rules,
    RulesError, Settings, role_name,
};

#[cfg(test)]
mod tests;
