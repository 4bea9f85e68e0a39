//! The portal's demand form: the fields an authority fills in, made into writ's demand
//! JSON (the document the API takes, read by the same intake), checked by the policy
//! engine before it is sent.

use serde_json::{Map, Value, json};
use writ_core::Category;
use writ_core::demand::IssuerRole;
use writ_core::policy::{Decision, Rules, Verdict, role_name};

use super::FormData;
use super::view::{parse_datetime_local, severity_label};

/// The issuer roles a form offers, as the demand names them and as a reader does.
const ROLES: [IssuerRole; 9] = [
    IssuerRole::Judge,
    IssuerRole::Magistrate,
    IssuerRole::InvestigatingJudge,
    IssuerRole::Court,
    IssuerRole::Prosecutor,
    IssuerRole::Police,
    IssuerRole::Fbi,
    IssuerRole::AttorneyGeneral,
    IssuerRole::Other,
];

/// The categories a form offers: what an order may ask for (the red lines are read when
/// a demand asks for them, but no form offers them).
const CATEGORIES: [Category; 4] = [
    Category::Subscriber,
    Category::IpIdentification,
    Category::Traffic,
    Category::Content,
];

/// A choice in a list: the value sent, the label read, and whether it is chosen.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// One target row: an identifier, and for an IP address the moment it was seen.
pub(crate) struct TargetRow {
    pub kind: String,
    pub value: String,
    pub at: String,
}

/// What the form holds, as typed (kept when the page comes back).
#[derive(Default)]
pub(crate) struct DemandForm {
    pub reference: String,
    pub instrument: String,
    pub issuer_role: String,
    pub issuer_name: String,
    pub issued_at: String,
    pub expires_at: String,
    pub preserve: bool,
    pub categories: Vec<String>,
    pub period_from: String,
    pub period_to: String,
    pub targets: Vec<TargetRow>,
    pub gag_until: String,
    pub gag_indefinite: bool,
    pub gag_basis: String,
    pub emergency: String,
}

/// The target kinds a row offers, as the demand names them.
const TARGET_KINDS: [(&str, &str); 6] = [
    ("email", "Email address"),
    ("phone", "Phone number (E.164)"),
    ("username", "Username"),
    ("account_id", "Account id"),
    ("ip", "IP address"),
    ("device_id", "Device id"),
];

impl DemandForm {
    /// An empty form with one target row.
    pub(crate) fn blank() -> Self {
        Self {
            targets: vec![TargetRow::empty()],
            ..Self::default()
        }
    }

    /// The form as posted; `add_target` adds an empty row.
    pub(crate) fn read(form: &FormData, add_target: bool) -> Self {
        let owned = |name| form.get(name).trim().to_owned();
        let kinds: Vec<&str> = form.all("target_type").collect();
        let values: Vec<&str> = form.all("target_value").collect();
        let ats: Vec<&str> = form.all("target_at").collect();
        let mut targets: Vec<TargetRow> = kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| TargetRow {
                kind: (*kind).to_owned(),
                value: values.get(i).map_or("", |v| v.trim()).to_owned(),
                at: ats.get(i).map_or("", |v| v.trim()).to_owned(),
            })
            .collect();
        if add_target || targets.is_empty() {
            targets.push(TargetRow::empty());
        }
        Self {
            reference: owned("reference"),
            instrument: owned("instrument"),
            issuer_role: owned("issuer_role"),
            issuer_name: owned("issuer_name"),
            issued_at: owned("issued_at"),
            expires_at: owned("expires_at"),
            preserve: form.get("action") == "preserve",
            categories: form.all("category").map(str::to_owned).collect(),
            period_from: owned("period_from"),
            period_to: owned("period_to"),
            targets,
            gag_until: owned("gag_until"),
            gag_indefinite: form.get("gag_indefinite") == "yes",
            gag_basis: owned("gag_basis"),
            emergency: form.get("emergency").trim().to_owned(),
        }
    }

    /// The demand's JSON for the authority `name` of `country`, or the form field that
    /// holds no time (`issued_at`) with why. Everything else is the demand's to refuse,
    /// by its own field path, as it is for the API.
    pub(crate) fn document(&self, name: &str, country: &str) -> Result<String, FieldError> {
        let time = |field: &'static str, text: &str| -> Result<Option<Value>, FieldError> {
            if text.is_empty() {
                return Ok(None);
            }
            parse_datetime_local(text)
                .map(|at| Some(json!(at)))
                .ok_or(FieldError {
                    field,
                    message: format!("{field}: {text:?} is not a date and time"),
                })
        };
        let mut instrument = Map::new();
        instrument.insert("type".into(), json!(self.instrument));
        let mut issuer = Map::new();
        issuer.insert("role".into(), json!(self.issuer_role));
        if !self.issuer_name.is_empty() {
            issuer.insert("name".into(), json!(self.issuer_name));
        }
        instrument.insert("issuer".into(), Value::Object(issuer));
        instrument.insert(
            "issued_at".into(),
            time("issued_at", &self.issued_at)?.unwrap_or(json!("")),
        );
        if let Some(expires) = time("expires_at", &self.expires_at)? {
            instrument.insert("expires_at".into(), expires);
        }
        instrument.insert("signed".into(), json!(true));
        let gag_until = time("gag_until", &self.gag_until)?;
        if self.gag_indefinite || gag_until.is_some() {
            let mut gag = Map::new();
            match gag_until {
                Some(until) if !self.gag_indefinite => gag.insert("until".into(), until),
                _ => gag.insert("indefinite".into(), json!(true)),
            };
            if !self.gag_basis.is_empty() {
                gag.insert("basis".into(), json!(self.gag_basis));
            }
            instrument.insert("nondisclosure".into(), Value::Object(gag));
        }
        let mut demand = Map::new();
        demand.insert("reference".into(), json!(self.reference));
        demand.insert(
            "authority".into(),
            json!({"name": name, "country": country}),
        );
        demand.insert("instrument".into(), Value::Object(instrument));
        if self.preserve {
            demand.insert("action".into(), json!("preserve"));
        }
        demand.insert("categories".into(), json!(self.categories));
        let from = time("period_from", &self.period_from)?;
        let to = time("period_to", &self.period_to)?;
        if from.is_some() || to.is_some() {
            demand.insert("period".into(), json!({"from": from, "to": to}));
        }
        let mut targets = Vec::new();
        for row in self.targets.iter().filter(|row| !row.value.is_empty()) {
            let mut target = Map::new();
            target.insert("type".into(), json!(row.kind));
            target.insert("value".into(), json!(row.value));
            if let Some(at) = time("target_at", &row.at)? {
                target.insert("at".into(), at);
            }
            targets.push(Value::Object(target));
        }
        demand.insert("targets".into(), Value::Array(targets));
        if !self.emergency.is_empty() {
            demand.insert("emergency".into(), json!({"justification": self.emergency}));
        }
        Ok(Value::Object(demand).to_string())
    }

    /// The instruments to choose from: every row of the rules, by its name.
    pub(crate) fn instruments(&self, rules: &Rules) -> Vec<Choice> {
        rules
            .rules()
            .iter()
            .map(|rule| Choice {
                chosen: rule.instrument == self.instrument,
                label: format!("{} ({})", rule.title(), rule.instrument),
                value: rule.instrument.clone(),
            })
            .collect()
    }

    pub(crate) fn roles(&self) -> Vec<Choice> {
        ROLES
            .iter()
            .filter_map(|role| {
                let value = serde_json::to_value(role).ok()?.as_str()?.to_owned();
                Some(Choice {
                    chosen: value == self.issuer_role,
                    label: role_name(*role).to_owned(),
                    value,
                })
            })
            .collect()
    }

    pub(crate) fn category_choices(&self) -> Vec<Choice> {
        CATEGORIES
            .iter()
            .map(|category| Choice {
                value: category.as_str().to_owned(),
                label: category.phrase().to_owned(),
                chosen: self.categories.iter().any(|c| c == category.as_str()),
            })
            .collect()
    }
}

impl TargetRow {
    /// The kinds a row offers, its own chosen.
    pub(crate) fn kinds(&self) -> Vec<Choice> {
        TARGET_KINDS
            .iter()
            .map(|(value, label)| Choice {
                value: (*value).to_owned(),
                label: (*label).to_owned(),
                chosen: self.kind == *value,
            })
            .collect()
    }

    fn empty() -> Self {
        Self {
            kind: "email".into(),
            value: String::new(),
            at: String::new(),
        }
    }
}

/// A form field that does not hold what it must.
pub(crate) struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The engine's answer to a check, as the form shows it.
pub(crate) struct CheckView {
    pub verdict: &'static str,
    pub findings: Vec<CheckFinding>,
}

pub(crate) struct CheckFinding {
    pub severity: &'static str,
    pub message: String,
    pub cited: String,
}

impl CheckView {
    pub(crate) fn of(decision: &Decision) -> Self {
        let verdict = match decision.verdict {
            Verdict::Accept => "accepted as it stands",
            Verdict::Partial => "partly accepted: some of it would be refused",
            Verdict::Reject => "refused as it stands",
        };
        Self {
            verdict,
            findings: decision
                .findings
                .iter()
                .map(|f| CheckFinding {
                    severity: severity_label(f.severity),
                    message: f.message.clone(),
                    cited: match (&f.rule, &f.citation) {
                        (Some(rule), Some(citation)) => format!("{rule} · {citation}"),
                        (Some(rule), None) => rule.clone(),
                        (None, Some(citation)) => citation.clone(),
                        (None, None) => String::new(),
                    },
                })
                .collect(),
        }
    }
}
