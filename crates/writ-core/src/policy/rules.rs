//! The rules as data: one row per legal instrument (`docs/policy.md` §2), read from
//! TOML. The default set is `rules/default.toml`, embedded in the binary.
//!
//! A rules file is parsed in two steps, like a demand: serde reads the rows (unknown
//! fields, unknown categories or roles, wrong types fail here, naming the row and the
//! field), then [`Rules::from_toml`] checks what serde cannot (duplicate ids and
//! instruments, categories a condition names but the row does not compel, …).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::demand::{Category, IssuerRole};
use crate::time::Timestamp;

/// The default rules (`rules/default.toml`).
pub const DEFAULT_RULES_TOML: &str = include_str!("../../rules/default.toml");

/// A validated rule set, with the evaluation's tunable limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    settings: Settings,
    rows: Vec<Rule>,
    /// Instrument id → index into `rows`.
    by_instrument: BTreeMap<String, usize>,
}

/// Settings that apply to every demand (the `[policy]` table).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// More specific targets than this in one demand is `BULK_REQUEST`.
    pub max_targets: usize,
    /// A tenant with more seats than this is an enterprise customer.
    pub enterprise_seats_above: u32,
    /// Categories that need the demand's `period` (`PERIOD_REQUIRED`).
    pub period_required_for: Vec<Category>,
    /// After an emergency, the user is notified no sooner than this after receipt.
    pub emergency_notice_after_days: u32,
    /// A non-disclosure order running longer than this after issue is `NDO_OVERLONG`.
    pub nondisclosure_max_days: u32,
    /// The provider's own rule against keys, direct access and technical capability
    /// (`KEYS_OR_ACCESS_REFUSED`); a file that leaves it out gets the default.
    #[serde(default)]
    pub red_lines: RedLines,
}

/// The provider's red lines (`docs/policy.md` §5): the rule id and the words its
/// refusals cite. Which categories they cover is fixed ([`Category::is_red_line`]).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedLines {
    pub rule: String,
    pub citation: String,
}

impl Default for RedLines {
    fn default() -> Self {
        Self {
            rule: "P-1".to_owned(),
            citation: "provider policy: no direct access, no keys, no capability to break \
                       encryption"
                .to_owned(),
        }
    }
}

/// One row of the rules table: what an instrument may compel, from whom, and by when.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The rule id (`US-3`), carried by every finding the row produces.
    pub id: String,
    /// The instrument id a demand names in `instrument.type` (`us.search_warrant`).
    pub instrument: String,
    /// How messages name it, with its article (`a search warrant`).
    pub name: String,
    pub citation: String,
    pub jurisdiction: Jurisdiction,
    pub issuers: Issuers,
    /// Categories it may compel (for a disclosure) or preserve (for a preservation).
    #[serde(default)]
    pub compels: Vec<Category>,
    /// Preserves every category, discloses none.
    #[serde(default)]
    pub preservation_only: bool,
    #[serde(default)]
    pub deadline_hours: Option<u32>,
    #[serde(default)]
    pub emergency_deadline_hours: Option<u32>,
    #[serde(default)]
    pub preserve_days: Option<u32>,
    #[serde(default)]
    pub preserve_extension_days: Option<u32>,
    /// The instrument is itself a claim of emergency (US-7).
    #[serde(default)]
    pub emergency: bool,
    #[serde(default)]
    pub national_security: bool,
    /// Real-time interception: out of writ's scope.
    #[serde(default)]
    pub realtime: bool,
    /// An assistance order: it compels help, never stored data, names no accounts, and
    /// is not complied with pending counsel's review.
    #[serde(default)]
    pub assistance: bool,
    /// The law applies to demands received from this time on (`NOT_YET_APPLICABLE`
    /// before it).
    #[serde(default)]
    pub valid_from: Option<Timestamp>,
    /// The provider discloses under a permission, not compulsion, and so decides
    /// (`VOLUNTARY_DISCLOSURE`).
    #[serde(default)]
    pub voluntary: bool,
    /// Asked to preserve, it keeps every category (content included) for
    /// `preserve_days` pending mutual legal assistance (`PRESERVE_PENDING_MLAT`).
    #[serde(default)]
    pub preserve_pending_mlat: bool,
    /// A US order obtained for a foreign authority: it compels what its US form
    /// (`instrument.us_order`, a 2703(d) order when absent) compels.
    #[serde(default)]
    pub as_us_order: bool,
    /// An order under a CLOUD Act agreement: it must attest that it targets no US person
    /// (`instrument.agreement_attestation`, else `AGREEMENT_ATTESTATION_MISSING`).
    #[serde(default)]
    pub agreement: bool,
    /// In an emergency, these issuers may order without prior validation, which must
    /// follow within 48 hours (`VALIDATION_REQUIRED_48H`); the conditions' own issuers
    /// still apply to their categories.
    #[serde(default)]
    pub unvalidated_emergency_issuers: Option<Issuers>,
    /// An emergency claimed by an authority outside `emergency_as`'s jurisdiction is
    /// still judged under it, with these categories refused for mutual legal assistance
    /// (`CONTENT_REQUIRES_MLAT`).
    #[serde(default)]
    pub emergency_abroad_mlat_for: Vec<Category>,
    /// Allowing these categories conflicts with the provider's obligations under
    /// another country's law (`CONFLICTING_OBLIGATION`).
    #[serde(default)]
    pub conflict: Option<Conflict>,
    /// Not legal process at all.
    #[serde(default)]
    pub no_legal_process: bool,
    /// With an emergency claimed, evaluate as this instrument when the authority is in
    /// that instrument's jurisdiction.
    #[serde(default)]
    pub emergency_as: Option<String>,
    /// An order validated by another authority counts as issued by the validator.
    #[serde(default)]
    pub validation_counts: bool,
    /// Categories refused with `CONTENT_REQUIRES_MLAT` instead of `INSTRUMENT_INSUFFICIENT`.
    #[serde(default)]
    pub mlat_for: Vec<Category>,
    /// The provider does not notify the person, and why.
    #[serde(default)]
    pub no_user_notice: Option<String>,
    /// Stricter terms for some categories (EU-2 within an `eu.epoc`).
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// A conflict of laws that allowing some categories runs into: counsel objects or
/// clears it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    pub categories: Vec<Category>,
    /// The law the provider would break, and the procedure for objecting.
    pub citation: String,
    /// The time counsel has to object, from receipt.
    pub objection_days: u32,
}

/// Stricter terms for some of a row's categories.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub categories: Vec<Category>,
    /// The rule id that applies when a demand asks for one of these categories.
    #[serde(default)]
    pub rule: Option<String>,
    /// Who may order these categories (narrower than the row's issuers).
    #[serde(default)]
    pub issuers: Option<Issuers>,
    /// The offence must carry at least this maximum custodial sentence …
    #[serde(default)]
    pub min_penalty_years: Option<f64>,
    /// … unless it is a listed offence (cyber, child sexual abuse, payment fraud, terrorism).
    #[serde(default)]
    pub listed_offence_suffices: bool,
    /// Allowing one of these categories obliges the issuing authority to notify the
    /// enforcing state, unless offence and person are both in the issuing state.
    #[serde(default)]
    pub enforcing_authority_notification: bool,
}

/// Where an authority must be for an instrument to be its to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    /// The United States.
    Us,
    /// A member state bound by Reg. (EU) 2023/1543 (every EU state but Denmark).
    EEvidence,
    /// The United Kingdom.
    Gb,
    /// Australia.
    Au,
    /// Any country but the United States.
    #[serde(alias = "not_us")]
    Foreign,
    Any,
}

impl Jurisdiction {
    pub fn admits(self, country: CountryCode) -> bool {
        match self {
            Self::Us => country.is_us(),
            Self::EEvidence => country.is_e_evidence_state(),
            Self::Gb => country.as_str() == "GB",
            Self::Au => country.as_str() == "AU",
            Self::Foreign => !country.is_us(),
            Self::Any => true,
        }
    }

    /// Who may use it, for messages ("a United States authority").
    pub fn describe(self) -> &'static str {
        match self {
            Self::Us => "a United States authority",
            Self::EEvidence => {
                "an authority of an EU member state bound by Reg. (EU) 2023/1543 (not Denmark)"
            }
            Self::Gb => "a United Kingdom authority",
            Self::Au => "an Australian authority",
            Self::Foreign => "an authority outside the United States",
            Self::Any => "any authority",
        }
    }
}

/// The issuer roles an instrument accepts: `"any"`, or a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Issuers {
    Any,
    Only(Vec<IssuerRole>),
}

impl Issuers {
    pub fn admits(&self, role: IssuerRole) -> bool {
        match self {
            Self::Any => true,
            Self::Only(roles) => roles.contains(&role),
        }
    }

    /// For messages: "a judge, a magistrate or a court".
    pub fn describe(&self) -> String {
        match self {
            Self::Any => "any authority".to_owned(),
            Self::Only(roles) => {
                let names: Vec<&str> = roles.iter().map(|r| role_name(*r)).collect();
                join_or(&names)
            }
        }
    }
}

/// A role as prose, with its article (`an investigating judge`, `the FBI`).
pub fn role_name(role: IssuerRole) -> &'static str {
    match role {
        IssuerRole::Judge => "a judge",
        IssuerRole::Magistrate => "a magistrate",
        IssuerRole::InvestigatingJudge => "an investigating judge",
        IssuerRole::Court => "a court",
        IssuerRole::Prosecutor => "a prosecutor",
        IssuerRole::Police => "the police",
        IssuerRole::Fbi => "the FBI",
        IssuerRole::AttorneyGeneral => "the Attorney General",
        IssuerRole::Other => "another authority",
    }
}

/// `a`, `a or b`, `a, b or c`.
pub(crate) fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

impl<'de> Deserialize<'de> for Issuers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IssuersVisitor;

        impl<'de> Visitor<'de> for IssuersVisitor {
            type Value = Issuers;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"any\" or a list of issuer roles")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Issuers, E> {
                if text == "any" {
                    Ok(Issuers::Any)
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(text), &self))
                }
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Issuers, A::Error> {
                let mut roles = Vec::new();
                while let Some(role) = seq.next_element::<IssuerRole>()? {
                    if roles.contains(&role) {
                        return Err(de::Error::custom(format!(
                            "{} is listed twice",
                            role_name(role)
                        )));
                    }
                    roles.push(role);
                }
                if roles.is_empty() {
                    return Err(de::Error::invalid_length(0, &"at least one role"));
                }
                Ok(Issuers::Only(roles))
            }
        }

        deserializer.deserialize_any(IssuersVisitor)
    }
}

impl Rule {
    /// Whether the row may compel (or, for a preservation instrument, preserve) `category`.
    pub fn compels(&self, category: Category) -> bool {
        self.preservation_only || self.compels.contains(&category)
    }

    /// The stricter terms that apply to `category`, if any.
    pub fn condition_for(&self, category: Category) -> Option<&Condition> {
        self.conditions
            .iter()
            .find(|c| c.categories.contains(&category))
    }

    /// The rule id for findings about `category` (`EU-2` for content under `eu.epoc`).
    pub fn id_for(&self, category: Category) -> &str {
        self.condition_for(category)
            .and_then(|c| c.rule.as_deref())
            .unwrap_or(&self.id)
    }

    /// The rule id of a demand asking for `categories`: the first requested category
    /// with its own rule id decides (`EU-2` when an `eu.epoc` asks for traffic or
    /// content), else the row's id.
    pub fn id_for_request(&self, categories: &[Category]) -> &str {
        categories
            .iter()
            .find_map(|c| self.condition_for(*c).and_then(|c| c.rule.as_deref()))
            .unwrap_or(&self.id)
    }

    /// The message phrase with a capital letter (`A search warrant`).
    pub fn title(&self) -> String {
        capitalise(&self.name)
    }
}

pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What is wrong with a rules file, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("rules file: {row}: {field}: {problem}")]
pub struct RulesError {
    /// The row (`rule[3] (US-4)`), `policy` for the `[policy]` table, or `document`.
    pub row: String,
    /// The field within the row (`compels[1]`); empty when the row as a whole is wrong.
    pub field: String,
    pub problem: String,
}

impl RulesError {
    fn new(row: impl Into<String>, field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            row: row.into(),
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    policy: Settings,
    rule: Vec<Rule>,
}

impl Rules {
    /// The default rules shipped in the binary (`rules/default.toml`).
    pub fn embedded() -> Result<Self, RulesError> {
        Self::from_toml(DEFAULT_RULES_TOML)
    }

    /// Parses and checks a rules file.
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| RulesError::new("document", "", e.to_string()))?;
        let file: RulesFile = serde_path_to_error::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| locate(&table, e))?;
        Self::check(file)
    }

    /// The same rules with another bulk limit (more specific targets than `max` is
    /// `BULK_REQUEST`).
    pub fn with_max_targets(mut self, max: usize) -> Self {
        self.settings.max_targets = max;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn max_targets(&self) -> usize {
        self.settings.max_targets
    }

    /// Every row, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rows
    }

    /// The row for an instrument id (`us.search_warrant`).
    pub fn for_instrument(&self, instrument: &str) -> Option<&Rule> {
        self.by_instrument
            .get(instrument)
            .and_then(|i| self.rows.get(*i))
    }

    /// The row with a rule id (`US-3`); `EU-2` finds the `eu.epoc` row.
    pub fn by_id(&self, id: &str) -> Option<&Rule> {
        self.rows
            .iter()
            .find(|r| r.id == id || r.conditions.iter().any(|c| c.rule.as_deref() == Some(id)))
    }

    /// The first ordinary row (not preservation, emergency, national security or
    /// interception) of `jurisdiction` that may compel `category`: what a message
    /// suggests the authority get instead ("content needs a search warrant (US-3)").
    pub fn ordinary_instrument_for(
        &self,
        jurisdiction: Jurisdiction,
        category: Category,
    ) -> Option<&Rule> {
        self.rows.iter().find(|r| {
            r.jurisdiction == jurisdiction
                && r.compels.contains(&category)
                && !(r.preservation_only
                    || r.assistance
                    || r.emergency
                    || r.national_security
                    || r.realtime
                    || r.no_legal_process)
        })
    }

    fn check(file: RulesFile) -> Result<Self, RulesError> {
        let settings = file.policy;
        if settings.max_targets == 0 {
            return Err(RulesError::new(
                "policy",
                "max_targets",
                "must be at least 1",
            ));
        }
        if let Some(dup) = first_duplicate(&settings.period_required_for) {
            return Err(RulesError::new(
                "policy",
                "period_required_for",
                format!("{dup} is listed twice"),
            ));
        }
        blank_field("policy", "red_lines.rule", &settings.red_lines.rule)?;
        blank_field("policy", "red_lines.citation", &settings.red_lines.citation)?;
        if file.rule.is_empty() {
            return Err(RulesError::new("document", "rule", "no rules"));
        }

        let mut by_instrument = BTreeMap::new();
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, row) in file.rule.iter().enumerate() {
            let at = row_name(index, &row.id);
            check_row(row).map_err(|(field, problem)| RulesError::new(&at, field, problem))?;
            if by_instrument
                .insert(row.instrument.clone(), index)
                .is_some()
            {
                return Err(RulesError::new(
                    &at,
                    "instrument",
                    format!("{:?} has more than one row", row.instrument),
                ));
            }
            let own_ids = std::iter::once(row.id.as_str())
                .chain(row.conditions.iter().filter_map(|c| c.rule.as_deref()));
            for id in own_ids {
                if let Some(other) = ids.get(id).filter(|other| **other != index) {
                    return Err(RulesError::new(
                        &at,
                        "id",
                        format!("rule id {id:?} is already used by rule[{other}]"),
                    ));
                }
                ids.insert(id, index);
            }
        }
        for (index, row) in file.rule.iter().enumerate() {
            if let Some(target) = &row.emergency_as {
                let usable = by_instrument
                    .get(target)
                    .and_then(|i| file.rule.get(*i))
                    .is_some_and(|t| !t.no_legal_process && !t.realtime);
                if !usable {
                    return Err(RulesError::new(
                        row_name(index, &row.id),
                        "emergency_as",
                        format!("{target:?} is not the instrument of another usable row"),
                    ));
                }
            }
        }
        Ok(Self {
            settings,
            rows: file.rule,
            by_instrument,
        })
    }
}

fn blank_field(row: &str, field: &str, text: &str) -> Result<(), RulesError> {
    if text.trim().is_empty() {
        Err(RulesError::new(row, field, "must not be empty"))
    } else {
        Ok(())
    }
}

fn row_name(index: usize, id: &str) -> String {
    if id.is_empty() {
        format!("rule[{index}]")
    } else {
        format!("rule[{index}] ({id})")
    }
}

fn first_duplicate<T: PartialEq + Copy>(items: &[T]) -> Option<T> {
    items
        .iter()
        .enumerate()
        .find(|(i, item)| items[..*i].contains(item))
        .map(|(_, item)| *item)
}

/// The semantic checks of one row: `Err((field, problem))`.
fn check_row(row: &Rule) -> Result<(), (&'static str, String)> {
    let blank = |field: &'static str, text: &str| {
        if text.trim().is_empty() {
            Err((field, "must not be empty".to_owned()))
        } else {
            Ok(())
        }
    };
    blank("id", &row.id)?;
    blank("instrument", &row.instrument)?;
    blank("name", &row.name)?;
    blank("citation", &row.citation)?;
    if let Some(dup) = first_duplicate(&row.compels) {
        return Err(("compels", format!("{dup} is listed twice")));
    }
    if row.preservation_only {
        if !row.compels.is_empty() {
            return Err((
                "compels",
                "a preservation-only instrument preserves every category; leave `compels` out"
                    .to_owned(),
            ));
        }
        if row.preserve_days.is_none() {
            return Err((
                "preserve_days",
                "a preservation-only instrument needs a preservation period".to_owned(),
            ));
        }
    }
    if row.preserve_extension_days.is_some() && row.preserve_days.is_none() {
        return Err((
            "preserve_extension_days",
            "an extension needs `preserve_days`".to_owned(),
        ));
    }
    for (field, value) in [
        ("deadline_hours", row.deadline_hours),
        ("emergency_deadline_hours", row.emergency_deadline_hours),
        ("preserve_days", row.preserve_days),
        ("preserve_extension_days", row.preserve_extension_days),
    ] {
        if value == Some(0) {
            return Err((field, "must be at least 1".to_owned()));
        }
    }
    if row.assistance && !row.compels.is_empty() {
        return Err((
            "compels",
            "an assistance order compels help, never data; leave `compels` out".to_owned(),
        ));
    }
    if row.no_legal_process && !row.compels.is_empty() {
        return Err((
            "compels",
            "an instrument that is not legal process compels nothing".to_owned(),
        ));
    }
    if !row.emergency_abroad_mlat_for.is_empty() && row.emergency_as.is_none() {
        return Err((
            "emergency_abroad_mlat_for",
            "only a row that stands in for an emergency instrument (`emergency_as`) can".to_owned(),
        ));
    }
    if row.preserve_pending_mlat && row.preserve_days.is_none() {
        return Err((
            "preserve_days",
            "preserving pending mutual legal assistance needs a preservation period".to_owned(),
        ));
    }
    if let Some(conflict) = &row.conflict {
        blank("conflict", &conflict.citation)?;
        if let Some(category) = conflict
            .categories
            .iter()
            .find(|c| !row.compels.contains(c))
        {
            return Err((
                "conflict",
                format!("names {category}, which the row does not compel"),
            ));
        }
    }
    if row.emergency_as.is_some() && !row.no_legal_process {
        return Err((
            "emergency_as",
            "only a row that is not legal process can stand in for another".to_owned(),
        ));
    }
    for category in &row.mlat_for {
        if row.compels.contains(category) {
            return Err((
                "mlat_for",
                format!("{category} is compelled by this row, so it cannot need an MLAT"),
            ));
        }
    }
    if let Some(dup) = first_duplicate(&row.mlat_for) {
        return Err(("mlat_for", format!("{dup} is listed twice")));
    }
    let mut seen: Vec<Category> = Vec::new();
    for condition in &row.conditions {
        if condition.categories.is_empty() {
            return Err(("conditions", "a condition names no category".to_owned()));
        }
        for category in &condition.categories {
            if !row.compels.contains(category) {
                return Err((
                    "conditions",
                    format!("a condition names {category}, which the row does not compel"),
                ));
            }
            if seen.contains(category) {
                return Err((
                    "conditions",
                    format!("{category} is in more than one condition"),
                ));
            }
            seen.push(*category);
        }
        if let Some(rule) = &condition.rule {
            blank("conditions", rule)?;
        }
        if let (Some(Issuers::Only(narrow)), Issuers::Only(wide)) =
            (&condition.issuers, &row.issuers)
            && let Some(role) = narrow.iter().find(|r| !wide.contains(r))
        {
            return Err((
                "conditions",
                format!(
                    "a condition admits {}, whom the row itself does not",
                    role_name(*role)
                ),
            ));
        }
        if let Some(years) = condition.min_penalty_years
            && (!years.is_finite() || years < 0.0)
        {
            return Err((
                "conditions",
                "min_penalty_years must be a number of years, zero or more".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Turns a serde error into one naming the row (by index and id) and the field.
fn locate(table: &toml::Table, error: serde_path_to_error::Error<toml::de::Error>) -> RulesError {
    let path = error.path().to_string();
    let problem = error.inner().message().to_owned();
    // serde names a missing field in the message, not in the path.
    let missing = problem
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name.to_owned());
    let mut segments = path.split('.').filter(|s| !s.is_empty() && *s != "?");
    let first = segments.next().unwrap_or("");
    let rest: Vec<&str> = segments.collect();
    let (row, mut field) = if let Some(index) = first
        .strip_prefix("rule[")
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.parse::<usize>().ok())
    {
        let id = table
            .get("rule")
            .and_then(|rules| rules.as_array())
            .and_then(|rules| rules.get(index))
            .and_then(|row| row.get("id"))
            .and_then(|id| id.as_str())
            .unwrap_or("");
        (row_name(index, id), rest.join("."))
    } else if first == "policy" {
        ("policy".to_owned(), rest.join("."))
    } else {
        ("document".to_owned(), first.to_owned())
    };
    if let Some(name) = missing {
        field = if field.is_empty() {
            name
        } else {
            format!("{field}.{name}")
        };
    }
    RulesError::new(row, field, problem)
}
