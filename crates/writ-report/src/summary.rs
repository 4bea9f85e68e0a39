//! Case summaries: one line of JSON per case, the report's only input.
//!
//! The store exports them; everything the public report says is a count over them.

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use writ_core::{CaseId, CountryCode, Timestamp};

/// Which table of the report a case belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Criminal,
    Emergency,
    NationalSecurity,
    Preservation,
    /// Assistance orders (the All Writs Act, technical capability notices): secret by
    /// statute, left out unless published in bands.
    Assistance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Customer {
    Consumer,
    Enterprise,
}

/// How a case ended (or that it has not). For `content`, `non_content`, `no_data` and
/// `rejected` the four are mutually exclusive, as in Microsoft's report: a case that
/// disclosed content counts only as `content`, even if non-content went with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Content,
    NonContent,
    NoData,
    Rejected,
    Redirected,
    Withdrawn,
    Pending,
}

impl Outcome {
    /// Some data (content or not) was disclosed: Google's "percentage disclosed".
    pub fn disclosed(self) -> bool {
        matches!(self, Self::Content | Self::NonContent)
    }
}

/// One case, as the report sees it.
///
/// `customer_notified` is not in the issue's field list: the enterprise section has a
/// "customer notified" column and nothing else records it. It is optional (absent means
/// `false`), so exports that do not know it still parse.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSummary {
    pub id: CaseId,
    pub received_at: Timestamp,
    pub authority_country: CountryCode,
    /// The instrument id from `docs/policy.md` (`us.search_warrant`, `us.nsl`, …).
    pub instrument: String,
    pub section: Section,
    pub customer: Customer,
    /// Accounts or identifiers the demand names.
    pub accounts: u64,
    pub outcome: Outcome,
    pub data_stored_abroad: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub customer_notified: bool,
    /// The demand asked for encryption keys, direct access or a technical capability,
    /// which the provider refuses whatever the instrument (absent means `false`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub red_line: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A summary that could not be read: which line, which field, and why.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("case summaries, line {line}: {source}")]
    Io {
        line: usize,
        #[source]
        source: std::io::Error,
    },
    #[error("case summaries, line {line}, field `{field}`: {message}")]
    Invalid {
        line: usize,
        field: String,
        message: String,
    },
}

impl CaseSummary {
    /// Parses one JSON line. The error names the field (`accounts`, `outcome`, …), or
    /// `(line)` when the line as a whole is not a JSON object.
    pub fn from_json_line(text: &str) -> Result<Self, (String, String)> {
        // serde would also take a struct from a JSON array; a summary is an object.
        if !text.trim_start().starts_with('{') {
            return Err(("(line)".to_owned(), "expected a JSON object".to_owned()));
        }
        // The fast path; the path-tracking parser only runs to name a bad field.
        if let Ok(summary) = serde_json::from_str(text) {
            return Ok(summary);
        }
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let parsed: Result<Self, _> = serde_path_to_error::deserialize(&mut deserializer);
        let summary = parsed.map_err(|error| {
            let path = error.path().to_string();
            let message = error.inner().to_string();
            let field = if path.is_empty() || path == "." {
                missing_field(&message).unwrap_or_else(|| "(line)".to_owned())
            } else {
                path
            };
            (field, message)
        })?;
        deserializer
            .end()
            .map_err(|error| ("(line)".to_owned(), error.to_string()))?;
        Ok(summary)
    }

    pub fn to_json_line(&self) -> String {
        // Serialising plain data with string keys does not fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// serde reports a missing or unknown field at the object's path; the name is in the
/// message.
fn missing_field(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

/// Reads JSON lines (blank lines skipped). Stops at the first bad line, naming it: a
/// report over a silently shortened input would publish wrong numbers.
pub fn read_json_lines<R: BufRead>(reader: R) -> Result<Vec<CaseSummary>, SummaryError> {
    let mut summaries = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|source| SummaryError::Io {
            line: number,
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let summary = CaseSummary::from_json_line(&line).map_err(|(field, message)| {
            SummaryError::Invalid {
                line: number,
                field,
                message,
            }
        })?;
        summaries.push(summary);
    }
    Ok(summaries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"00000000-0000-4000-8000-000000000001","received_at":"2013-02-01T00:00:00Z","authority_country":"DE","instrument":"foreign.legal_process","section":"criminal","customer":"consumer","accounts":2,"outcome":"non_content","data_stored_abroad":false}"#;

    #[test]
    fn a_good_line_parses_and_round_trips() {
        let summary = CaseSummary::from_json_line(GOOD).unwrap();
        assert_eq!(summary.accounts, 2);
        assert_eq!(summary.outcome, Outcome::NonContent);
        assert!(!summary.customer_notified);
        assert_eq!(summary.to_json_line(), GOOD);
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let bad_outcome = GOOD.replace("non_content", "disclosed");
        let missing = GOOD.replace(r#""accounts":2,"#, "");
        let bad_country = GOOD.replace(r#""DE""#, r#""UK""#);
        let extra = GOOD.replace(r#""accounts":2"#, r#""accounts":2,"note":"x""#);
        let input = format!("{GOOD}\n\n{bad_outcome}\n");
        let error = read_json_lines(input.as_bytes()).unwrap_err().to_string();
        assert!(
            error.contains("line 3") && error.contains("`outcome`"),
            "{error}"
        );

        for (line, field) in [
            (missing, "accounts"),
            (bad_country, "authority_country"),
            (extra, "note"),
            ("[1]".to_owned(), "(line)"),
            (format!("{GOOD} x"), "(line)"),
        ] {
            let error = read_json_lines(line.as_bytes()).unwrap_err();
            match &error {
                SummaryError::Invalid {
                    line: 1, field: f, ..
                } => {
                    assert!(f.contains(field), "{error}")
                }
                other => panic!("{other}"),
            }
        }
    }
}
