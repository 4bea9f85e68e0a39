//! The identifiers a demand may name, parsed by kind, and the line between a specific
//! identifier and a blanket one.
//!
//! A malformed value (`alice@@x`, a phone that is not E.164) is an input error. A value
//! that is well-formed but names no one in particular (`*@example.com`, `example.com`,
//! `10.0.0.0/8`, `everyone`) is not an error: it parses to [`TargetValue::NotSpecific`]
//! so the policy engine can refuse that target with `NOT_SPECIFIC` and say why.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// The `type` of a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Email,
    Phone,
    Username,
    AccountId,
    Ip,
    DeviceId,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Username => "username",
            Self::AccountId => "account_id",
            Self::Ip => "ip",
            Self::DeviceId => "device_id",
        }
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One specific identifier, normalised for matching (e-mail addresses in lower case,
/// single-address CIDR written as the address).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identifier {
    Email(EmailAddress),
    Phone(PhoneNumber),
    Username(String),
    AccountId(String),
    Ip(IpAddr),
    DeviceId(String),
}

impl Identifier {
    pub fn kind(&self) -> TargetKind {
        match self {
            Self::Email(_) => TargetKind::Email,
            Self::Phone(_) => TargetKind::Phone,
            Self::Username(_) => TargetKind::Username,
            Self::AccountId(_) => TargetKind::AccountId,
            Self::Ip(_) => TargetKind::Ip,
            Self::DeviceId(_) => TargetKind::DeviceId,
        }
    }

    /// Parses a value that must be specific (a directory entry, a scope), refusing
    /// blanket values as errors.
    pub fn parse_specific(kind: TargetKind, raw: &str) -> Result<Self, IdentifierError> {
        match TargetValue::parse(kind, raw)? {
            TargetValue::Specific(id) => Ok(id),
            TargetValue::NotSpecific(why) => Err(IdentifierError::new(kind, why.describe())),
        }
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Email(e) => e.fmt(f),
            Self::Phone(p) => p.fmt(f),
            Self::Ip(ip) => ip.fmt(f),
            Self::Username(s) | Self::AccountId(s) | Self::DeviceId(s) => f.write_str(s),
        }
    }
}

/// What a target's value turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetValue {
    Specific(Identifier),
    NotSpecific(NotSpecific),
}

/// Why a well-formed value names no one in particular.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotSpecific {
    /// `*`, `%` or `?` in the value.
    Wildcard,
    /// A whole domain instead of a mailbox.
    BareDomain,
    /// An IP range wider than one address.
    AddressRange,
    /// `all`, `any`, `everyone`.
    BlanketWord,
}

impl NotSpecific {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Wildcard => "contains a wildcard (*, % or ?)",
            Self::BareDomain => "names a whole domain, not one mailbox",
            Self::AddressRange => "is an address range wider than one address",
            Self::BlanketWord => "names everyone rather than an account",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a valid {kind} identifier: {problem}")]
pub struct IdentifierError {
    pub kind: TargetKind,
    pub problem: String,
}

impl IdentifierError {
    fn new(kind: TargetKind, problem: impl Into<String>) -> Self {
        Self {
            kind,
            problem: problem.into(),
        }
    }
}

const MAX_IDENTIFIER_LEN: usize = 320;
const BLANKET_WORDS: [&str; 3] = ["all", "any", "everyone"];

impl TargetValue {
    pub fn parse(kind: TargetKind, raw: &str) -> Result<Self, IdentifierError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(IdentifierError::new(kind, "the value is empty"));
        }
        if value.len() > MAX_IDENTIFIER_LEN {
            return Err(IdentifierError::new(
                kind,
                format!("longer than {MAX_IDENTIFIER_LEN} characters"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(IdentifierError::new(kind, "contains control characters"));
        }
        if BLANKET_WORDS.iter().any(|w| value.eq_ignore_ascii_case(w)) {
            return Ok(Self::NotSpecific(NotSpecific::BlanketWord));
        }
        if value.contains(['*', '%', '?']) {
            return Ok(Self::NotSpecific(NotSpecific::Wildcard));
        }
        let specific = match kind {
            TargetKind::Email => return EmailAddress::parse_target(value),
            TargetKind::Ip => return parse_ip_target(value),
            TargetKind::Phone => Identifier::Phone(PhoneNumber::parse(value)?),
            TargetKind::Username => Identifier::Username(plain_token(kind, value)?),
            TargetKind::AccountId => Identifier::AccountId(plain_token(kind, value)?),
            TargetKind::DeviceId => Identifier::DeviceId(plain_token(kind, value)?),
        };
        Ok(Self::Specific(specific))
    }
}

fn plain_token(kind: TargetKind, value: &str) -> Result<String, IdentifierError> {
    if value.chars().any(char::is_whitespace) {
        return Err(IdentifierError::new(kind, "contains whitespace"));
    }
    Ok(value.to_owned())
}

fn parse_ip_target(value: &str) -> Result<TargetValue, IdentifierError> {
    let bad = |why: &str| IdentifierError::new(TargetKind::Ip, format!("{value:?} {why}"));
    let (address, prefix) = match value.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (value, None),
    };
    let address: IpAddr = address
        .parse()
        .map_err(|_| bad("is not an IPv4 or IPv6 address"))?;
    let Some(prefix) = prefix else {
        return Ok(TargetValue::Specific(Identifier::Ip(address)));
    };
    let full = if address.is_ipv4() { 32 } else { 128 };
    let prefix: u8 = prefix
        .parse()
        .ok()
        .filter(|p| *p <= full)
        .ok_or_else(|| bad(&format!("has a prefix length outside 0..={full}")))?;
    Ok(if prefix == full {
        TargetValue::Specific(Identifier::Ip(address))
    } else {
        TargetValue::NotSpecific(NotSpecific::AddressRange)
    })
}

/// A mailbox address: `local@domain`, the domain in lower case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        match Self::parse_target(value.trim())? {
            TargetValue::Specific(Identifier::Email(email)) => Ok(email),
            _ => Err(IdentifierError::new(
                TargetKind::Email,
                format!("{value:?} is not one mailbox"),
            )),
        }
    }

    fn parse_target(value: &str) -> Result<TargetValue, IdentifierError> {
        let bad = |why: &str| IdentifierError::new(TargetKind::Email, format!("{value:?} {why}"));
        let (local, domain) = match value.split_once('@') {
            Some((local, domain)) => (local, domain),
            None if is_domain(value) => {
                return Ok(TargetValue::NotSpecific(NotSpecific::BareDomain));
            }
            None => return Err(bad("has no @")),
        };
        if !is_domain(domain) {
            return Err(bad("has no valid domain after the @"));
        }
        if local.is_empty() {
            return Ok(TargetValue::NotSpecific(NotSpecific::BareDomain));
        }
        let local_ok = local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$&'+-/=^_`{|}~.".contains(c));
        if !local_ok {
            return Err(bad("has an invalid part before the @"));
        }
        let email = Self(format!(
            "{}@{}",
            local.to_lowercase(),
            domain.to_ascii_lowercase()
        ));
        Ok(TargetValue::Specific(Identifier::Email(email)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A DNS name with at least two labels (`example.com`).
fn is_domain(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// A phone number in E.164 form: `+`, then 2 to 15 digits, the first not zero.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        let digits = value.strip_prefix('+').unwrap_or("");
        let ok = (2..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdentifierError::new(
                TargetKind::Phone,
                format!("{value:?} is not in E.164 form (like +12065550100)"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TargetKind::*;
    use proptest::prelude::*;

    fn specific(kind: TargetKind, raw: &str) -> Identifier {
        match TargetValue::parse(kind, raw) {
            Ok(TargetValue::Specific(id)) => id,
            other => panic!("{kind} {raw:?}: {other:?}"),
        }
    }

    fn not_specific(kind: TargetKind, raw: &str) -> NotSpecific {
        match TargetValue::parse(kind, raw) {
            Ok(TargetValue::NotSpecific(why)) => why,
            other => panic!("{kind} {raw:?}: {other:?}"),
        }
    }

    #[test]
    fn specific_identifiers_parse_and_normalise() {
        assert_eq!(
            specific(Email, "Alice@Example.COM").to_string(),
            "alice@example.com"
        );
        assert_eq!(specific(Phone, "+12065550100").to_string(), "+12065550100");
        assert_eq!(specific(Ip, "203.0.113.7").to_string(), "203.0.113.7");
        assert_eq!(specific(Ip, "203.0.113.7/32").to_string(), "203.0.113.7");
        assert_eq!(specific(Ip, "2001:db8::1/128").to_string(), "2001:db8::1");
        assert_eq!(specific(Username, "alice_1").to_string(), "alice_1");
        assert_eq!(specific(AccountId, "acc-42").kind(), AccountId);
        assert_eq!(specific(DeviceId, "356938035643809").kind(), DeviceId);
    }

    #[test]
    fn blanket_values_are_not_specific_rather_than_errors() {
        assert_eq!(not_specific(Email, "*@example.com"), NotSpecific::Wildcard);
        assert_eq!(not_specific(Email, "@example.com"), NotSpecific::BareDomain);
        assert_eq!(not_specific(Email, "example.com"), NotSpecific::BareDomain);
        assert_eq!(not_specific(Email, "ALL"), NotSpecific::BlanketWord);
        assert_eq!(not_specific(Username, "everyone"), NotSpecific::BlanketWord);
        assert_eq!(not_specific(AccountId, "any"), NotSpecific::BlanketWord);
        assert_eq!(not_specific(Username, "al%"), NotSpecific::Wildcard);
        assert_eq!(not_specific(Phone, "+1206555????"), NotSpecific::Wildcard);
        assert_eq!(
            not_specific(Ip, "203.0.113.0/24"),
            NotSpecific::AddressRange
        );
        assert_eq!(not_specific(Ip, "0.0.0.0/0"), NotSpecific::AddressRange);
        assert_eq!(not_specific(Ip, "203.0.113.*"), NotSpecific::Wildcard);
    }

    #[test]
    fn malformed_values_are_errors() {
        for (kind, raw) in [
            (Email, "alice@@example.com"),
            (Email, "alice"),
            (Email, "alice@localhost"),
            (Email, "al ice@example.com"),
            (Email, ""),
            (Phone, "2065550100"),
            (Phone, "+0123"),
            (Phone, "+1 206 555 0100"),
            (Ip, "999.1.1.1"),
            (Ip, "203.0.113.7/33"),
            (Ip, "host.example.com"),
            (Username, "two words"),
            (DeviceId, "   "),
            (AccountId, "a\u{0}b"),
        ] {
            let err = TargetValue::parse(kind, raw).unwrap_err();
            assert_eq!(err.kind, kind, "{raw:?}");
        }
    }

    proptest! {
        #[test]
        fn any_value_with_a_wildcard_is_never_specific(
            kind in prop::sample::select(vec![Email, Phone, Username, AccountId, Ip, DeviceId]),
            prefix in "[a-z0-9@.+]{0,10}",
            wildcard in prop::sample::select(vec!['*', '%', '?']),
            suffix in "[a-z0-9@.]{0,10}",
        ) {
            let raw = format!("{prefix}{wildcard}{suffix}");
            prop_assert!(!matches!(TargetValue::parse(kind, &raw), Ok(TargetValue::Specific(_))));
        }

        #[test]
        fn parsed_emails_round_trip(local in "[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", domain in "[a-z0-9]{1,10}\\.[a-z]{2,6}") {
            prop_assume!(!local.contains(".."));
            let raw = format!("{local}@{domain}");
            let email = EmailAddress::parse(&raw).unwrap();
            prop_assert_eq!(email.as_str(), raw.as_str());
            prop_assert_eq!(email.domain(), domain.as_str());
        }

        #[test]
        fn parsing_never_panics(kind in prop::sample::select(vec![Email, Phone, Username, AccountId, Ip, DeviceId]), raw in ".{0,40}") {
            let _ = TargetValue::parse(kind, &raw);
        }
    }
}
