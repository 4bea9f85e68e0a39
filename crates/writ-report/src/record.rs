//! Public case records: one per case of a period, naming no one; the leaves of the
//! report tree ([`crate::ReportTree`]).
//!
//! A record holds what the report's tables already say about a case: the month it was
//! received, the authority's country, the instrument, the section, the kind of customer,
//! the number of accounts, the outcome, and the three flags some tables count (data
//! stored abroad, customer notified, a red line). Without the flags the stored-abroad,
//! red-line and customer-notified figures could not be recomputed from the records. No
//! case id, reference, identifier, authority or time finer than the month.
//!
//! `commitment` is the SHA-256 of the case's random 32-byte secret, which only the
//! people notified hold (their receipt): with it they find their record, and nobody
//! else can tell which case a record is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use writ_core::{CountryCode, Timestamp};
use writ_ledger::{Hash, leaf_hash};

use crate::period::HalfYear;
use crate::secret::SecretBytes;
use crate::summary::{CaseSummary, Customer, Outcome, Section};

/// A case's 32 random bytes, set at intake, stored with the case and never published;
/// only its [`Commitment`] is. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseSecret(pub(crate) SecretBytes);

impl CaseSecret {
    pub const SIZE: usize = SecretBytes::SIZE;

    /// A new secret from the operating system's generator.
    pub fn generate() -> Self {
        Self(SecretBytes::generate())
    }

    pub fn from_bytes(bytes: [u8; Self::SIZE]) -> Self {
        Self(SecretBytes(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; Self::SIZE] {
        &self.0.0
    }

    /// SHA-256 of the secret: the record's `commitment`.
    pub fn commitment(&self) -> Commitment {
        Commitment(Sha256::digest(self.0.0).into())
    }
}

impl fmt::Debug for CaseSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CaseSecret(…)")
    }
}

/// A SHA-256 digest written as 64 lowercase hex digits (the only form that parses, so
/// each commitment has one spelling and hex order is byte order).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Commitment(pub [u8; 32]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a commitment: expected 64 lowercase hex digits (a SHA-256)")]
pub struct CommitmentError(String);

impl fmt::Display for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write rather than 32 formatted ones: the verifier writes a million.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0; 64];
        for (pair, byte) in text.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0xf)];
        }
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Commitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Commitment({self})")
    }
}

impl FromStr for Commitment {
    type Err = CommitmentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || CommitmentError(s.chars().take(80).collect());
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        if s.len() != 64 {
            return Err(error());
        }
        let mut bytes = [0; 32];
        for (byte, pair) in bytes.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
            *byte = digit(pair[0]).ok_or_else(error)? << 4 | digit(pair[1]).ok_or_else(error)?;
        }
        Ok(Self(bytes))
    }
}

impl Serialize for Commitment {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Commitment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A calendar month, UTC, written `YYYY-MM`: the finest time a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a month: expected YYYY-MM, e.g. 2013-02")]
pub struct MonthError(String);

impl Month {
    /// The month a moment falls in (UTC).
    pub fn of(at: Timestamp) -> Self {
        let date = at.datetime().date();
        Self {
            year: date.year(),
            month: u8::from(date.month()),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The half-year the month is in (`None` outside the years a period can be).
    pub fn half_year(&self) -> Option<HalfYear> {
        let half = if self.month <= 6 {
            crate::period::Half::H1
        } else {
            crate::period::Half::H2
        };
        HalfYear::new(self.year, half)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = MonthError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || MonthError(s.chars().take(40).collect());
        let bytes = s.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(error());
        }
        let number = |digits: &[u8]| -> Option<u32> {
            digits.iter().try_fold(0u32, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let year = number(&bytes[..4]).ok_or_else(error)?;
        let month = number(&bytes[5..]).ok_or_else(error)?;
        if !(1..=12).contains(&month) {
            return Err(error());
        }
        Ok(Self {
            year: i32::try_from(year).map_err(|_| error())?,
            month: u8::try_from(month).map_err(|_| error())?,
        })
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One case as the public sees it. Its canonical JSON ([`PublicRecord::canonical_json`])
/// is the tree's leaf, byte for byte.
///
/// The fields are declared in alphabetical order on purpose: serde writes them in
/// declaration order, and the canonical form has its keys sorted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicRecord {
    pub accounts: u64,
    pub commitment: Commitment,
    pub country: CountryCode,
    pub customer: Customer,
    pub customer_notified: bool,
    pub data_stored_abroad: bool,
    pub instrument: String,
    pub month: Month,
    pub outcome: Outcome,
    pub red_line: bool,
    pub section: Section,
}

/// A line of records that is not a record, or not one written the one canonical way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("field `{field}`: {message}")]
    Invalid { field: String, message: String },
    #[error("not in canonical form (keys sorted, no spaces, as writ writes it)")]
    NotCanonical,
    #[error("a {0:?} case is never published as a record")]
    Unpublished(Section),
}

impl PublicRecord {
    /// The record of a case, or `None` for national-security cases and assistance
    /// orders, which are published only in bands.
    pub fn of(summary: &CaseSummary, secret: &CaseSecret) -> Option<Self> {
        if !Self::published(summary.section) {
            return None;
        }
        Some(Self {
            accounts: summary.accounts,
            commitment: secret.commitment(),
            country: summary.authority_country,
            customer: summary.customer,
            customer_notified: summary.customer_notified,
            data_stored_abroad: summary.data_stored_abroad,
            instrument: summary.instrument.clone(),
            month: Month::of(summary.received_at),
            outcome: summary.outcome,
            red_line: summary.red_line,
            section: summary.section,
        })
    }

    /// Whether cases of a section become records.
    pub fn published(section: Section) -> bool {
        !matches!(section, Section::NationalSecurity | Section::Assistance)
    }

    /// The canonical JSON: keys sorted, no spaces, no newline. Exactly the bytes hashed.
    pub fn canonical_json(&self) -> String {
        // Plain data with string keys always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The tree's leaf hash of this record.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(self.canonical_json().as_bytes())
    }

    /// Parses one record, refusing any spelling but the canonical one: two parsers must
    /// never read different figures from the bytes the root commits to (duplicate keys,
    /// escapes, spaces).
    pub fn from_canonical_json(line: &str) -> Result<Self, RecordError> {
        let mut buffer = Vec::with_capacity(line.len());
        Self::parse_canonical(line.as_bytes(), &mut buffer)
    }

    /// [`Self::from_canonical_json`] reusing `buffer` for the re-serialisation.
    pub(crate) fn parse_canonical(line: &[u8], buffer: &mut Vec<u8>) -> Result<Self, RecordError> {
        let record: Self = match serde_json::from_slice(line) {
            Ok(record) => record,
            Err(_) => return Err(Self::explain(line)),
        };
        if !Self::published(record.section) {
            return Err(RecordError::Unpublished(record.section));
        }
        buffer.clear();
        serde_json::to_writer(&mut *buffer, &record).map_err(|_| RecordError::NotCanonical)?;
        if buffer.as_slice() != line {
            return Err(RecordError::NotCanonical);
        }
        Ok(record)
    }

    /// The slow path: which field is wrong.
    fn explain(line: &[u8]) -> RecordError {
        let mut deserializer = serde_json::Deserializer::from_slice(line);
        let parsed: Result<Self, _> = serde_path_to_error::deserialize(&mut deserializer);
        let (field, message) = match parsed {
            Ok(_) => ("(line)".to_owned(), "trailing characters".to_owned()),
            Err(error) => {
                let path = error.path().to_string();
                let message = error.inner().to_string();
                let field = if path.is_empty() || path == "." {
                    "(line)".to_owned()
                } else {
                    path
                };
                (field, message)
            }
        };
        RecordError::Invalid { field, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::CaseSummary;

    const SUMMARY: &str = r#"{"id":"00000000-0000-4000-8000-000000000001","received_at":"2013-02-14T09:30:00Z","authority_country":"DE","instrument":"foreign.legal_process","section":"criminal","customer":"consumer","accounts":2,"outcome":"non_content","data_stored_abroad":false}"#;

    fn record() -> PublicRecord {
        let summary = CaseSummary::from_json_line(SUMMARY).unwrap();
        PublicRecord::of(&summary, &CaseSecret::from_bytes([7; 32])).unwrap()
    }

    #[test]
    fn the_canonical_form_has_sorted_keys_and_round_trips() {
        let record = record();
        let line = record.canonical_json();
        let commitment = record.commitment.to_string();
        assert_eq!(
            line,
            format!(
                r#"{{"accounts":2,"commitment":"{commitment}","country":"DE","customer":"consumer","customer_notified":false,"data_stored_abroad":false,"instrument":"foreign.legal_process","month":"2013-02","outcome":"non_content","red_line":false,"section":"criminal"}}"#
            )
        );
        assert_eq!(PublicRecord::from_canonical_json(&line).unwrap(), record);
        assert_eq!(record.leaf_hash(), leaf_hash(line.as_bytes()));
    }

    #[test]
    fn the_commitment_is_the_hex_sha256_of_the_secret() {
        // SHA-256 of 32 zero bytes.
        let zero = CaseSecret::from_bytes([0; 32]).commitment();
        assert_eq!(
            zero.to_string(),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
        assert_eq!(zero.to_string().parse::<Commitment>().unwrap(), zero);
        assert!(format!("{:?}", CaseSecret::from_bytes([0; 32])).contains('…'));
        for bad in [&zero.to_string().to_uppercase(), "00", &format!("{zero}0")] {
            assert!(bad.parse::<Commitment>().is_err(), "{bad}");
        }
    }

    #[test]
    fn other_spellings_of_a_record_are_refused() {
        let line = record().canonical_json();
        let spaced = line.replace(r#""accounts":2"#, r#""accounts": 2"#);
        let reordered = line
            .replacen(r#""accounts":2,"#, "", 1)
            .replace('}', r#","accounts":2}"#);
        let duplicated = line.replace(r#""accounts":2"#, r#""accounts":9,"accounts":2"#);
        let escaped = line.replace("foreign", "\\u0066oreign");
        for bad in [spaced, reordered, escaped, format!("{line}\n")] {
            assert_eq!(
                PublicRecord::from_canonical_json(&bad),
                Err(RecordError::NotCanonical),
                "{bad}"
            );
        }
        assert!(PublicRecord::from_canonical_json(&duplicated).is_err());

        let error = PublicRecord::from_canonical_json(&line.replace("2013-02", "2013-13"));
        assert!(
            matches!(&error, Err(RecordError::Invalid { field, .. }) if field == "month"),
            "{error:?}"
        );
        let extra = line.replace(r#""accounts":2"#, r#""accounts":2,"case_id":"x""#);
        let error = PublicRecord::from_canonical_json(&extra);
        assert!(
            matches!(error, Err(RecordError::Invalid { .. })),
            "{error:?}"
        );
        let secret = line.replace("criminal", "national_security");
        assert_eq!(
            PublicRecord::from_canonical_json(&secret),
            Err(RecordError::Unpublished(Section::NationalSecurity))
        );
    }

    #[test]
    fn national_security_and_assistance_cases_have_no_record() {
        let mut summary = CaseSummary::from_json_line(SUMMARY).unwrap();
        let secret = CaseSecret::generate();
        for section in [Section::NationalSecurity, Section::Assistance] {
            summary.section = section;
            assert_eq!(PublicRecord::of(&summary, &secret), None);
        }
        summary.section = Section::Emergency;
        assert!(PublicRecord::of(&summary, &secret).is_some());
    }

    #[test]
    fn months_parse_strictly() {
        let month: Month = "2013-07".parse().unwrap();
        assert_eq!(month.to_string(), "2013-07");
        assert_eq!(month.half_year().unwrap().to_string(), "2013-H2");
        for bad in [
            "2013-7",
            "2013-00",
            "2013-13",
            "13-07",
            "2013/07",
            "2013-07-01",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }
}
