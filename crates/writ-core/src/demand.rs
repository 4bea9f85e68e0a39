//! The native demand JSON (`docs/policy.md` §1), parsed into a [`Demand`].
//!
//! Parsing is in two steps: serde reads the document into the wire shape (unknown
//! fields, wrong types, bad times, countries, roles and categories fail here, with
//! the path of the field), then identifiers and cross-field rules are checked with
//! their own paths (`targets[1].value`, `period`). Anything accepted is well-formed;
//! whether it is lawful is the policy engine's question, not the parser's.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::identifier::{EmailAddress, PhoneNumber, TargetKind, TargetValue};
use crate::text;
use crate::time::Timestamp;

/// A demand as submitted by an authority.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    pub reference: String,
    /// When the provider received it; `None` means "now" to whoever evaluates it.
    pub received_at: Option<Timestamp>,
    pub authority: Authority,
    pub instrument: Instrument,
    pub emergency: Option<Emergency>,
    pub action: Action,
    /// Requested categories, in the order asked, without repeats.
    pub categories: Vec<Category>,
    pub period: Option<Period>,
    pub targets: Vec<Target>,
}

/// Who asks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Authority {
    /// One line, at most 256 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 256,
            min_length = 1,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case (`US`, `DE`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{2}$"))]
    pub country: CountryCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub contact: Option<Contact>,
}

/// A person at the authority. writ never calls `phone`: an emergency call-back
/// goes to the number writ holds for the agency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Instrument {
    /// The instrument id (`us.search_warrant`). Unknown ids are kept: deciding that
    /// they are unknown is the policy engine's job (`UNKNOWN_INSTRUMENT`).
    pub kind: String,
    pub issuer: Issuer,
    pub issued_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub signed: Option<bool>,
    pub validated_by: Option<Issuer>,
    pub nondisclosure: Option<Nondisclosure>,
    pub offence: Option<Offence>,
    pub offence_in_issuing_state: bool,
    pub target_resides_in_issuing_state: bool,
    /// For an MLAT order: the US order it was obtained as (`None`: a 2703(d) order).
    pub us_order: Option<UsOrder>,
    /// For an order under a CLOUD Act agreement: it states that it targets no US person
    /// or person in the United States and concerns a serious crime.
    pub agreement_attestation: Option<bool>,
}

/// The US form of an order obtained for a foreign authority (18 U.S.C. 3512): it
/// compels what that form compels (18 U.S.C. 2711(3)(A)(iii)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum UsOrder {
    #[serde(rename = "search_warrant")]
    SearchWarrant,
    #[default]
    #[serde(rename = "court_order_2703d")]
    CourtOrder2703d,
    #[serde(rename = "subpoena")]
    Subpoena,
}

impl UsOrder {
    /// The instrument id of the same US order (`us.search_warrant`).
    pub fn instrument(self) -> &'static str {
        match self {
            Self::SearchWarrant => "us.search_warrant",
            Self::CourtOrder2703d => "us.court_order_2703d",
            Self::Subpoena => "us.subpoena",
        }
    }
}

/// Who issued (or validated) the instrument.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            nullable = false,
            max_length = 256,
            pattern = r"^[^\x00-\x1F\x7F-\x9F]*$"
        )
    )]
    pub name: Option<String>,
    pub role: IssuerRole,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IssuerRole {
    Judge,
    Magistrate,
    InvestigatingJudge,
    Court,
    Prosecutor,
    Police,
    Fbi,
    AttorneyGeneral,
    Other,
}

/// A non-disclosure ("gag") order attached to the instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct Nondisclosure {
    pub term: GagTerm,
    pub basis: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GagTerm {
    Until(Timestamp),
    Indefinite,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Offence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub max_penalty_years: Option<f64>,
    /// `none` if left out.
    #[serde(default)]
    pub listed: ListedOffence,
}

/// Offences the e-Evidence Regulation lets through whatever their penalty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ListedOffence {
    #[default]
    None,
    Cyber,
    ChildSexualAbuse,
    PaymentFraud,
    Terrorism,
}

/// An emergency claimed; the justification is weighed, not refused when blank.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    /// May be missing or blank: that is decided (`EMERGENCY_NO_FACTUAL_BASIS`), not refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub justification: Option<String>,
}

/// `disclose` (the default) or `preserve`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    #[default]
    Disclose,
    Preserve,
}

/// What a demand may ask for: the four canonical categories of data, and the three
/// things no order can get (`docs/policy.md` §5), which are read and refused rather
/// than rejected as malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Subscriber,
    IpIdentification,
    Traffic,
    Content,
    /// Keys, passwords or certificates that protect customers' data or connections.
    EncryptionKeys,
    /// Standing or self-service access to systems or data.
    DirectAccess,
    /// Building, changing or keeping a capability to access or decrypt.
    TechnicalCapability,
}

impl Category {
    /// Every category, in canonical order.
    pub const ALL: [Category; 7] = [
        Self::Subscriber,
        Self::IpIdentification,
        Self::Traffic,
        Self::Content,
        Self::EncryptionKeys,
        Self::DirectAccess,
        Self::TechnicalCapability,
    ];

    /// The categories of data a provider can hold and disclose, in canonical order.
    pub const DATA: [Category; 4] = [
        Self::Subscriber,
        Self::IpIdentification,
        Self::Traffic,
        Self::Content,
    ];

    /// The provider's red lines: never compellable, whatever the instrument.
    pub const RED_LINES: [Category; 3] = [
        Self::EncryptionKeys,
        Self::DirectAccess,
        Self::TechnicalCapability,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscriber => "subscriber",
            Self::IpIdentification => "ip_identification",
            Self::Traffic => "traffic",
            Self::Content => "content",
            Self::EncryptionKeys => "encryption_keys",
            Self::DirectAccess => "direct_access",
            Self::TechnicalCapability => "technical_capability",
        }
    }

    /// How prose names it ("subscriber information").
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Subscriber => "subscriber information",
            Self::IpIdentification => "IP address identification data",
            Self::Traffic => "traffic records",
            Self::Content => "content",
            Self::EncryptionKeys => "encryption keys",
            Self::DirectAccess => "direct access to systems or data",
            Self::TechnicalCapability => "a technical capability to access or decrypt",
        }
    }

    /// One of the things no order can get: keys, direct access, technical capability.
    pub fn is_red_line(self) -> bool {
        Self::RED_LINES.contains(&self)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A closed interval of time, `from` ≤ `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    from: Timestamp,
    to: Timestamp,
}

impl Period {
    pub fn new(from: Timestamp, to: Timestamp) -> Option<Self> {
        (from <= to).then_some(Self { from, to })
    }

    pub fn from(&self) -> Timestamp {
        self.from
    }

    pub fn to(&self) -> Timestamp {
        self.to
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at <= self.to
    }
}

/// One target as named in the demand: the text given, and what it parsed to.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub kind: TargetKind,
    /// The value exactly as the authority wrote it (echoed back in decisions).
    pub raw: String,
    pub value: TargetValue,
    pub port: Option<u16>,
    /// For `ip` targets: when the address was observed.
    pub at: Option<Timestamp>,
}

/// What is wrong with a demand document, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct DemandError {
    /// The path of the offending field (`instrument.issuer.role`, `targets[1].value`);
    /// `.` for the document as a whole.
    pub field: String,
    pub problem: String,
}

impl DemandError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
        }
    }

    fn from_json(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = error.path().to_string();
        let problem = error.inner().to_string();
        // serde names a missing field in the message, not in the path.
        let named = problem
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_owned());
        let field = match (named, path.as_str()) {
            (Some(name), "." | "") => name,
            (Some(name), parent) => format!("{parent}.{name}"),
            // An unknown key may be empty (`{"": 1}`): the field is then the document.
            (None, "") => ".".to_owned(),
            (None, path) => path.to_owned(),
        };
        Self::new(field, problem)
    }
}

impl Demand {
    /// Parses the native demand JSON.
    pub fn from_json(text: &str) -> Result<Self, DemandError> {
        // serde reads a struct from an array too (`[reference, null, …]`): a demand
        // and each of its parts must be objects. What is not JSON at all is left to
        // the typed reading below, which says where.
        if let Ok(document) = serde_json::from_str::<serde_json::Value>(text) {
            objects_where_expected(&document)?;
        }
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let wire: wire::Demand =
            serde_path_to_error::deserialize(deserializer).map_err(DemandError::from_json)?;
        wire.into_demand()
    }

    pub fn is_emergency(&self) -> bool {
        self.emergency.is_some()
    }
}

/// Refuses an array or other non-object where the demand has an object: the document
/// itself and its nested parts (`authority`, `instrument.issuer`, `targets[i]`, …).
fn objects_where_expected(document: &serde_json::Value) -> Result<(), DemandError> {
    use serde_json::Value;
    fn object(value: Option<&Value>, field: &str) -> Result<(), DemandError> {
        match value {
            None | Some(Value::Null | Value::Object(_)) => Ok(()),
            Some(_) => Err(DemandError::new(field, "must be a JSON object")),
        }
    }
    if !document.is_object() {
        return Err(DemandError::new(".", "a demand must be a JSON object"));
    }
    let at = |path: &str| document.pointer(path);
    object(at("/authority"), "authority")?;
    object(at("/authority/contact"), "authority.contact")?;
    object(at("/instrument"), "instrument")?;
    for part in ["issuer", "validated_by", "nondisclosure", "offence"] {
        object(
            at(&format!("/instrument/{part}")),
            &format!("instrument.{part}"),
        )?;
    }
    object(at("/emergency"), "emergency")?;
    object(at("/period"), "period")?;
    if let Some(Value::Array(targets)) = at("/targets") {
        for (i, target) in targets.iter().enumerate() {
            object(Some(target), &format!("targets[{i}]"))?;
        }
    }
    Ok(())
}

#[cfg(feature = "openapi")]
schema_of_wire!(Demand => wire::Demand);

/// The document as written; converted into [`Demand`] by checking what serde cannot.
mod wire {
    use super::*;

    /// A demand for user data, in writ's native JSON (`docs/policy.md` §1). Unknown
    /// fields, wrong types, malformed times or identifiers and a `period` whose `from`
    /// is after its `to` are refused (400, naming the field); an unknown
    /// `instrument.type` is not: the policy engine decides it.
    #[derive(Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    pub(super) struct Demand {
        /// The authority's own case or warrant number: one line, at most 128 characters.
        #[cfg_attr(
            feature = "openapi",
            schema(
                max_length = 128,
                min_length = 1,
                pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
            )
        )]
        reference: String,
        /// When the provider received it; now if left out.
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
        received_at: Option<Timestamp>,
        authority: Authority,
        instrument: Instrument,
        /// Present when an emergency is claimed.
        #[serde(default)]
        emergency: Option<Emergency>,
        /// `disclose` if left out.
        #[serde(default)]
        action: Action,
        /// The data asked for: not empty, no repeats.
        categories: Vec<Category>,
        /// Required by some rules.
        #[serde(default)]
        period: Option<Period>,
        targets: Vec<Target>,
    }

    /// The legal instrument (warrant, subpoena, order).
    #[derive(Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    struct Instrument {
        /// An instrument id of `docs/policy.md` §2 (`us.search_warrant`, `eu.epoc`).
        #[serde(rename = "type")]
        #[cfg_attr(
            feature = "openapi",
            schema(
                max_length = 256,
                min_length = 1,
                pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$"
            )
        )]
        kind: String,
        issuer: Issuer,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        issued_at: Timestamp,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
        expires_at: Option<Timestamp>,
        #[serde(default)]
        signed: Option<bool>,
        /// For an EU order issued by another authority: who validated it.
        #[serde(default)]
        validated_by: Option<Issuer>,
        #[serde(default)]
        nondisclosure: Option<Nondisclosure>,
        /// EU instruments: the offence.
        #[serde(default)]
        offence: Option<Offence>,
        /// EU instruments; false if left out.
        #[serde(default)]
        offence_in_issuing_state: bool,
        /// EU instruments; false if left out.
        #[serde(default)]
        target_resides_in_issuing_state: bool,
        /// For an MLAT order: the US order it was obtained as (a 2703(d) order if left
        /// out).
        #[serde(default)]
        us_order: Option<UsOrder>,
        /// For an order under a CLOUD Act agreement: it states that it targets no US
        /// person or person in the United States and concerns a serious crime.
        #[serde(default)]
        agreement_attestation: Option<bool>,
    }

    /// A non-disclosure ("gag") order: `until` a time, or `indefinite`.
    #[derive(Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    struct Nondisclosure {
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
        until: Option<Timestamp>,
        #[serde(default)]
        indefinite: bool,
        /// The law it rests on (`18 U.S.C. 2705(b)`).
        #[serde(default)]
        basis: Option<String>,
    }

    /// A closed interval of time, `from` ≤ `to`.
    #[derive(Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    struct Period {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        from: Timestamp,
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        to: Timestamp,
    }

    /// One identifier: `{"type": "email", "value": "alice@example.com"}`; an `ip` has
    /// `at` (when the address was observed) and may have `port`.
    #[derive(Deserialize)]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    #[serde(deny_unknown_fields)]
    struct Target {
        #[serde(rename = "type")]
        kind: TargetKind,
        /// As written (E.164 for a phone); what a value must look like depends on
        /// `type`, and one that does not is refused (400, naming it).
        #[cfg_attr(feature = "openapi", schema(min_length = 1))]
        value: String,
        #[serde(default)]
        #[cfg_attr(
            feature = "openapi",
            schema(nullable = false, minimum = 0, maximum = 65535)
        )]
        port: Option<u16>,
        #[serde(default)]
        #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime, nullable = false))]
        at: Option<Timestamp>,
    }

    fn non_blank(field: &str, text: String, max: usize) -> Result<String, DemandError> {
        if text.trim().is_empty() {
            return Err(DemandError::new(field, "must not be empty"));
        }
        line(field, &text, max)?;
        Ok(text)
    }

    /// A single-line value: bounded, no control characters (they would forge lines
    /// in notices and headers).
    fn line(field: &str, text: &str, max: usize) -> Result<(), DemandError> {
        text::single_line(text, max).map_err(|e| DemandError::new(field, e.to_string()))
    }

    fn optional_line(field: &str, text: Option<&String>, max: usize) -> Result<(), DemandError> {
        text.map_or(Ok(()), |text| line(field, text, max))
    }

    /// Free text (a basis, a description, a justification): bounded, no NUL.
    fn optional_text(field: &str, text: Option<&String>) -> Result<(), DemandError> {
        text.map_or(Ok(()), |text| {
            text::multi_line(text).map_err(|e| DemandError::new(field, e.to_string()))
        })
    }

    fn check_issuer(field: &str, issuer: &Issuer) -> Result<(), DemandError> {
        optional_line(field, issuer.name.as_ref(), text::NAME_MAX)
    }

    impl Demand {
        pub(super) fn into_demand(self) -> Result<super::Demand, DemandError> {
            let reference = non_blank("reference", self.reference, text::REFERENCE_MAX)?;
            let authority = check_authority(self.authority)?;
            if let Some(emergency) = &self.emergency {
                optional_text("emergency.justification", emergency.justification.as_ref())?;
            }
            let instrument = self.instrument.into_instrument()?;

            if self.categories.is_empty() {
                return Err(DemandError::new(
                    "categories",
                    "must name at least one category",
                ));
            }
            let mut categories = Vec::with_capacity(self.categories.len());
            for (i, category) in self.categories.into_iter().enumerate() {
                if categories.contains(&category) {
                    return Err(DemandError::new(
                        format!("categories[{i}]"),
                        format!("{category} is listed twice"),
                    ));
                }
                categories.push(category);
            }

            let period = self
                .period
                .map(|p| {
                    super::Period::new(p.from, p.to).ok_or_else(|| {
                        DemandError::new(
                            "period",
                            format!("`from` ({}) is after `to` ({})", p.from, p.to),
                        )
                    })
                })
                .transpose()?;

            let targets = self
                .targets
                .into_iter()
                .enumerate()
                .map(|(i, target)| target.into_target(i))
                .collect::<Result<_, _>>()?;

            Ok(super::Demand {
                reference,
                received_at: self.received_at,
                authority,
                instrument,
                emergency: self.emergency,
                action: self.action,
                categories,
                period,
                targets,
            })
        }
    }

    fn check_authority(authority: Authority) -> Result<Authority, DemandError> {
        let name = non_blank("authority.name", authority.name, text::NAME_MAX)?;
        if let Some(contact) = &authority.contact {
            optional_line(
                "authority.contact.name",
                contact.name.as_ref(),
                text::NAME_MAX,
            )?;
            optional_line(
                "authority.contact.email",
                contact.email.as_ref(),
                text::LINE_MAX,
            )?;
            optional_line(
                "authority.contact.phone",
                contact.phone.as_ref(),
                text::LINE_MAX,
            )?;
            if let Some(email) = &contact.email {
                EmailAddress::parse(email)
                    .map_err(|e| DemandError::new("authority.contact.email", e.problem))?;
            }
            if let Some(phone) = &contact.phone {
                PhoneNumber::parse(phone)
                    .map_err(|e| DemandError::new("authority.contact.phone", e.problem))?;
            }
        }
        Ok(Authority { name, ..authority })
    }

    impl Instrument {
        fn into_instrument(self) -> Result<super::Instrument, DemandError> {
            let kind = non_blank("instrument.type", self.kind, text::LINE_MAX)?;
            check_issuer("instrument.issuer.name", &self.issuer)?;
            if let Some(validator) = &self.validated_by {
                check_issuer("instrument.validated_by.name", validator)?;
            }
            if let Some(n) = &self.nondisclosure {
                optional_text("instrument.nondisclosure.basis", n.basis.as_ref())?;
            }
            if let Some(offence) = &self.offence {
                optional_text(
                    "instrument.offence.description",
                    offence.description.as_ref(),
                )?;
            }
            let nondisclosure = match self.nondisclosure {
                None => None,
                Some(n) => {
                    let term = match (n.until, n.indefinite) {
                        (Some(until), false) => GagTerm::Until(until),
                        (None, true) => GagTerm::Indefinite,
                        (Some(_), true) => {
                            return Err(DemandError::new(
                                "instrument.nondisclosure",
                                "give either `until` or `indefinite: true`, not both",
                            ));
                        }
                        (None, false) => {
                            return Err(DemandError::new(
                                "instrument.nondisclosure",
                                "needs `until` (a time) or `indefinite: true`",
                            ));
                        }
                    };
                    Some(super::Nondisclosure {
                        term,
                        basis: n.basis,
                    })
                }
            };
            if let Some(years) = self.offence.as_ref().and_then(|o| o.max_penalty_years)
                && (!years.is_finite() || years < 0.0)
            {
                return Err(DemandError::new(
                    "instrument.offence.max_penalty_years",
                    "must be a number of years, zero or more",
                ));
            }
            Ok(super::Instrument {
                kind,
                issuer: self.issuer,
                issued_at: self.issued_at,
                expires_at: self.expires_at,
                signed: self.signed,
                validated_by: self.validated_by,
                nondisclosure,
                offence: self.offence,
                offence_in_issuing_state: self.offence_in_issuing_state,
                target_resides_in_issuing_state: self.target_resides_in_issuing_state,
                us_order: self.us_order,
                agreement_attestation: self.agreement_attestation,
            })
        }
    }

    impl Target {
        fn into_target(self, index: usize) -> Result<super::Target, DemandError> {
            let field = |name: &str| format!("targets[{index}].{name}");
            line(&field("value"), &self.value, text::LINE_MAX)?;
            let value = TargetValue::parse(self.kind, &self.value)
                .map_err(|e| DemandError::new(field("value"), e.to_string()))?;
            if self.kind != TargetKind::Ip {
                if self.port.is_some() {
                    return Err(DemandError::new(
                        field("port"),
                        "only an ip target has a port",
                    ));
                }
                if self.at.is_some() {
                    return Err(DemandError::new(field("at"), "only an ip target has `at`"));
                }
            }
            Ok(super::Target {
                kind: self.kind,
                raw: self.value,
                value,
                port: self.port,
                at: self.at,
            })
        }
    }
}

#[cfg(test)]
mod tests;
