//! The verifiers anyone can run, with the period's records and its published report:
//!
//! - [`verify_records`] reads the records (a stream of JSON lines, in constant memory
//!   apart from the figures), recomputes every figure the records determine with the
//!   report's own aggregation ([`Report::from_counts`]) and rendering, and the tree's
//!   size and root, and names the first that differs from the published report.
//! - [`prove_receipt`] checks that a receipt's case is counted: its record is in the
//!   tree under the published root, and the report's figures include it.
//!
//! The figures compared are those of the report's JSON (`render_json`): the sections in
//! [`FIGURES`], and the report's own half-year in `trend`. National-security figures and
//! assistance orders have no records (they are checked through count commitments once
//! the law lets them be opened), and earlier half-years of the trend are checked against
//! their own records.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

use serde_json::Value;
use writ_core::CountryCode;
use writ_ledger::{Hash, LedgerError, RootBuilder, leaf_hash, verify_inclusion};

use crate::json::json_value;
use crate::national_security::{BandOption, NsOptions};
use crate::period::HalfYear;
use crate::receipt::Receipt;
use crate::record::{Commitment, Month, PublicRecord, RecordError};
use crate::report::{Anchor, CaseCount, Report, ReportOptions};
use crate::summary::{Customer, Outcome, Section};
use crate::tree::{RecordProof, TreeHead};

/// The report's JSON keys whose figures the records determine, in full.
pub const FIGURES: [&str; 8] = [
    "case_summaries",
    "criminal",
    "emergency",
    "preservation",
    "enterprise",
    "legal_process",
    "stored_abroad",
    "red_lines",
];

/// The longest record line read (a record is about 300 bytes).
pub const MAX_LINE: u64 = 64 * 1024;

/// A published report, as its JSON says: the period, the tree's head, and the figures.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedReport {
    pub period: HalfYear,
    pub records: TreeHead,
    json: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("published report: {0}")]
    Published(String),
    #[error("records, line {line}: {source}")]
    Read {
        line: u64,
        #[source]
        source: io::Error,
    },
    #[error("records, line {line}: {problem}")]
    Record { line: u64, problem: String },
    #[error("figure {figure}: the report says {published}, the records give {records}")]
    Figure {
        figure: String,
        published: String,
        records: String,
    },
    #[error("size: the report says {published} records, there are {records}")]
    Size { published: u64, records: u64 },
    #[error("root: the report says {published}, the records give {records}")]
    Root { published: Hash, records: Hash },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What [`verify_records`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub period: HalfYear,
    pub head: TreeHead,
    /// Figures compared (one per number or label in the compared sections).
    pub figures: usize,
}

impl PublishedReport {
    /// Reads a report's JSON as writ renders it. A report without a tree head is
    /// provisional, and there is nothing to verify yet.
    pub fn from_json(text: &str) -> Result<Self, VerifyError> {
        let published = |message: String| VerifyError::Published(message);
        let json: Value =
            serde_json::from_str(text).map_err(|e| published(format!("not JSON: {e}")))?;
        let period = json
            .get("period")
            .and_then(Value::as_str)
            .ok_or_else(|| published("field `period`: missing".to_owned()))?;
        let period =
            HalfYear::parse(period).map_err(|e| published(format!("field `period`: {e}")))?;
        let records = match json.get("records") {
            None | Some(Value::Null) => {
                return Err(published(format!(
                    "field `records`: the report for {period} carries no root: it is provisional, not published"
                )));
            }
            Some(head) => serde_json::from_value(head.clone())
                .map_err(|e| published(format!("field `records`: {e}")))?,
        };
        Ok(Self {
            period,
            records,
            json,
        })
    }

    /// The compared figures, flattened to `path → value`.
    fn figures(&self) -> Result<BTreeMap<String, Value>, VerifyError> {
        figures_of(&self.json, self.period).map_err(VerifyError::Published)
    }
}

/// Recomputes the published report's figures and root from its records (JSON lines,
/// sorted by commitment, each the canonical bytes of its leaf) and names the first
/// that does not hold: a record line, a figure, the size or the root.
pub fn verify_records<R: BufRead>(
    mut records: R,
    published: &PublishedReport,
) -> Result<Verified, VerifyError> {
    let period = published.period;
    let mut tally = Tally::default();
    let mut tree = RootBuilder::new();
    let mut line = Vec::new();
    let mut buffer = Vec::new();
    let mut previous: Option<Commitment> = None;
    let mut number = 0;
    loop {
        line.clear();
        // At most MAX_LINE + 1 bytes a line: a server sending one endless line must not
        // make the verifier hold it.
        let read = (&mut records)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|source| VerifyError::Read {
                line: number + 1,
                source,
            })?;
        if read == 0 {
            break;
        }
        number += 1;
        let problem = |problem: String| VerifyError::Record {
            line: number,
            problem,
        };
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() as u64 > MAX_LINE {
            return Err(problem(format!(
                "longer than {MAX_LINE} bytes: not a record"
            )));
        }
        let record = PublicRecord::parse_canonical(&line, &mut buffer)
            .map_err(|error| problem(error.to_string()))?;
        if previous.is_some_and(|previous| record.commitment <= previous) {
            return Err(problem(format!(
                "commitment {} is not after the line before's: records are sorted by commitment, each once",
                record.commitment
            )));
        }
        if record.month.half_year() != Some(period) {
            return Err(problem(format!(
                "month {} is outside {period}",
                record.month
            )));
        }
        tree.push(leaf_hash(&line))?;
        previous = Some(record.commitment);
        tally.add(record);
    }

    let recomputed = figures_of(&json_value(&tally.report(period)), period)
        .map_err(|e| VerifyError::Published(format!("recomputed report: {e}")))?;
    let claimed = published.figures()?;
    compare(&claimed, &recomputed)?;

    let head = TreeHead {
        size: tree.size(),
        root: tree.root(),
    };
    if head.size != published.records.size {
        return Err(VerifyError::Size {
            published: published.records.size,
            records: head.size,
        });
    }
    if head.root != published.records.root {
        return Err(VerifyError::Root {
            published: published.records.root,
            records: head.root,
        });
    }
    Ok(Verified {
        period,
        head,
        figures: recomputed.len(),
    })
}

/// The first figure, in path order, that differs (or that one side lacks).
fn compare(
    published: &BTreeMap<String, Value>,
    records: &BTreeMap<String, Value>,
) -> Result<(), VerifyError> {
    let show = |value: Option<&Value>| value.map_or_else(|| "nothing".to_owned(), Value::to_string);
    let mut paths: Vec<&String> = published.keys().chain(records.keys()).collect();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let (claimed, recomputed) = (published.get(path), records.get(path));
        if claimed != recomputed {
            return Err(VerifyError::Figure {
                figure: path.clone(),
                published: show(claimed),
                records: show(recomputed),
            });
        }
    }
    Ok(())
}

/// What a receipt's proof showed: the case's record, and every figure of the report
/// it is counted in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    pub record: PublicRecord,
    pub figures: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("the receipt is for {receipt}, the report is for {report}")]
    OtherPeriod { receipt: HalfYear, report: HalfYear },
    #[error("the proof's record: {0}")]
    Record(#[from] RecordError),
    #[error(
        "the proof's record has commitment {found}, the receipt's case has {expected}: it is not this case's record"
    )]
    NotThisCase {
        expected: Commitment,
        found: Commitment,
    },
    #[error(
        "the case was received in {month}, outside {period}: it is counted in that month's period, not this one"
    )]
    OutsidePeriod { month: Month, period: HalfYear },
    #[error("the proof is for a tree of {proof} records, the report's has {report}")]
    Size { proof: u64, report: u64 },
    #[error(
        "the record is not in the report's tree: its inclusion proof does not lead to root {root}"
    )]
    NotInTree { root: Hash },
    #[error(
        "figure {figure}: the report says {published}, yet this case alone counts {counts} there"
    )]
    NotCounted {
        figure: String,
        published: String,
        counts: u64,
    },
    #[error("published report: {0}")]
    Published(String),
}

/// Checks that the receipt's case is counted in the published report: the proof's
/// record is the case's (its commitment), from the report's period, a leaf of the tree
/// under the report's root, and every figure the case counts in is at least as large as
/// that one case makes it (its row is there).
pub fn prove_receipt(
    receipt: &Receipt,
    proof: &RecordProof,
    published: &PublishedReport,
) -> Result<Counted, ProveError> {
    let period = published.period;
    if receipt.period != period {
        return Err(ProveError::OtherPeriod {
            receipt: receipt.period,
            report: period,
        });
    }
    let record = PublicRecord::from_canonical_json(&proof.record)?;
    let expected = receipt.secret.commitment();
    if record.commitment != expected {
        return Err(ProveError::NotThisCase {
            expected,
            found: record.commitment,
        });
    }
    if record.month.half_year() != Some(period) {
        return Err(ProveError::OutsidePeriod {
            month: record.month,
            period,
        });
    }
    let head = published.records;
    if proof.size != head.size {
        return Err(ProveError::Size {
            proof: proof.size,
            report: head.size,
        });
    }
    let leaf = leaf_hash(proof.record.as_bytes());
    verify_inclusion(&proof.proof, proof.index, head.size, head.root, leaf)
        .map_err(|_| ProveError::NotInTree { root: head.root })?;

    let claimed = published.figures().map_err(|e| match e {
        VerifyError::Published(message) => ProveError::Published(message),
        other => ProveError::Published(other.to_string()),
    })?;
    let mut tally = Tally::default();
    tally.add(record.clone());
    let alone = figures_of(&json_value(&tally.report(period)), period)
        .map_err(|e| ProveError::Published(format!("recomputed report: {e}")))?;
    let mut figures = Vec::new();
    for (path, value) in alone {
        // A percentage of one case says nothing of the row it is in.
        let Some(counts) = value.as_u64().filter(|n| *n > 0) else {
            continue;
        };
        if path.ends_with(".percent_disclosed") {
            continue;
        }
        let said = claimed.get(&path);
        if said.and_then(Value::as_u64).is_none_or(|n| n < counts) {
            return Err(ProveError::NotCounted {
                figure: path,
                published: said.map_or_else(|| "nothing".to_owned(), Value::to_string),
                counts,
            });
        }
        figures.push(path);
    }
    Ok(Counted { record, figures })
}

/// Records counted together: one group per combination the report can tell apart, as a
/// store's `GROUP BY` gives them to [`Report::from_counts`].
#[derive(Default)]
struct Tally {
    groups: BTreeMap<Group, (u64, u64)>,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    section: Section,
    country: CountryCode,
    instrument: String,
    customer: Customer,
    outcome: Outcome,
    data_stored_abroad: bool,
    customer_notified: bool,
    red_line: bool,
}

impl Tally {
    fn add(&mut self, record: PublicRecord) {
        let group = Group {
            section: record.section,
            country: record.country,
            instrument: record.instrument,
            customer: record.customer,
            outcome: record.outcome,
            data_stored_abroad: record.data_stored_abroad,
            customer_notified: record.customer_notified,
            red_line: record.red_line,
        };
        let (cases, accounts) = self.groups.entry(group).or_default();
        *cases += 1;
        *accounts = accounts.saturating_add(record.accounts);
    }

    /// The report of these records alone, by the report's own aggregation. Its
    /// national-security section, checkpoint and dates are placeholders, never compared.
    fn report(self, period: HalfYear) -> Report {
        let counts: Vec<CaseCount> = self
            .groups
            .into_iter()
            .map(|(group, (cases, accounts))| CaseCount {
                period,
                section: group.section,
                authority_country: group.country,
                instrument: group.instrument,
                customer: group.customer,
                outcome: group.outcome,
                data_stored_abroad: group.data_stored_abroad,
                customer_notified: group.customer_notified,
                red_line: group.red_line,
                cases,
                accounts,
            })
            .collect();
        let mut options = ReportOptions::new(NsOptions::new(BandOption::Band1000), period.end());
        options.trend_periods = 1;
        let anchor = Anchor {
            size: 0,
            root: String::new(),
            note: String::new(),
        };
        Report::from_counts(&counts, &[], period, anchor, &options)
    }
}

/// The compared figures of a report's JSON, flattened: `criminal.totals.content`,
/// `criminal.countries[DE].content`, `legal_process[DE/us.search_warrant].requests`,
/// `trend[2013-H1].criminal.requests`. A section the report lacks flattens to nothing,
/// so each of its figures is then missing.
fn figures_of(json: &Value, period: HalfYear) -> Result<BTreeMap<String, Value>, String> {
    let mut figures = BTreeMap::new();
    for key in FIGURES {
        if let Some(value) = json.get(key) {
            flatten(key.to_owned(), value, &mut figures)?;
        }
    }
    let period = period.to_string();
    let own = json
        .get("trend")
        .and_then(Value::as_array)
        .and_then(|points| {
            points
                .iter()
                .find(|p| p.get("period").and_then(Value::as_str) == Some(&period))
        });
    if let Some(point) = own {
        flatten(format!("trend[{period}]"), point, &mut figures)?;
    }
    Ok(figures)
}

fn flatten(path: String, value: &Value, out: &mut BTreeMap<String, Value>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                flatten(format!("{path}.{key}"), value, out)?;
            }
        }
        Value::Array(rows) => {
            let mut seen = BTreeMap::new();
            for (index, row) in rows.iter().enumerate() {
                let label = row_label(row).unwrap_or_else(|| index.to_string());
                if seen.insert(label.clone(), ()).is_some() {
                    return Err(format!("{path}: row {label} appears twice"));
                }
                flatten(format!("{path}[{label}]"), row, out)?;
            }
        }
        scalar => {
            out.insert(path, scalar.clone());
        }
    }
    Ok(())
}

/// Rows are named by what they are about (country, and legal process), not position.
fn row_label(row: &Value) -> Option<String> {
    let country = row.get("country_code")?.as_str()?;
    Some(match row.get("legal_process").and_then(Value::as_str) {
        Some(process) => format!("{country}/{process}"),
        None => country.to_owned(),
    })
}
