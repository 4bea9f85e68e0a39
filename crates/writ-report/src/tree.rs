//! The report tree: a period's public records, sorted by commitment, as the leaves of an
//! RFC 6962 Merkle tree hashed exactly as the audit log is (`writ-ledger`). The report
//! publishes its size and root; `records.jsonl` is the leaves, one per line.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use writ_ledger::{Hash, LedgerError, inclusion_proof_of, leaf_hash, root_of};

use crate::period::HalfYear;
use crate::record::{CaseSecret, Commitment, PublicRecord};
use crate::summary::CaseSummary;

/// What a published report says of its tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeHead {
    /// Records (leaves).
    pub size: u64,
    /// The RFC 6962 root, standard base64.
    pub root: Hash,
}

/// One record and the proof that it is a leaf of the report tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordProof {
    /// The record's canonical JSON, exactly the leaf's bytes.
    pub record: String,
    /// Its 0-based position among the records.
    pub index: u64,
    /// The tree's size.
    pub size: u64,
    /// The audit path, from the leaf up.
    pub proof: Vec<Hash>,
}

#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("two cases of {period} have the same commitment {commitment}: a secret was reused")]
    DuplicateCommitment {
        period: HalfYear,
        commitment: Commitment,
    },
    #[error("a record of {period} is from {month}, outside the period")]
    OutsidePeriod {
        period: HalfYear,
        month: crate::record::Month,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// A period's records and their tree, in leaf order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportTree {
    period: HalfYear,
    records: Vec<PublicRecord>,
    lines: Vec<String>,
    leaves: Vec<Hash>,
    root: Hash,
}

impl ReportTree {
    /// The tree of the cases received in `period`, each with its secret. Cases of
    /// other periods, national-security cases and assistance orders are left out.
    pub fn of_cases<'a>(
        period: HalfYear,
        cases: impl IntoIterator<Item = (&'a CaseSummary, &'a CaseSecret)>,
    ) -> Result<Self, TreeError> {
        let records = cases
            .into_iter()
            .filter(|(summary, _)| period.contains(summary.received_at))
            .filter_map(|(summary, secret)| PublicRecord::of(summary, secret))
            .collect();
        Self::of_records(period, records)
    }

    /// The tree of records already made (frozen at publication, read back).
    pub fn of_records(period: HalfYear, mut records: Vec<PublicRecord>) -> Result<Self, TreeError> {
        records.sort_unstable_by_key(|record| record.commitment);
        if let Some(pair) = records
            .windows(2)
            .find(|pair| pair[0].commitment == pair[1].commitment)
        {
            return Err(TreeError::DuplicateCommitment {
                period,
                commitment: pair[0].commitment,
            });
        }
        if let Some(record) = records.iter().find(|r| r.month.half_year() != Some(period)) {
            return Err(TreeError::OutsidePeriod {
                period,
                month: record.month,
            });
        }
        let lines: Vec<String> = records.iter().map(PublicRecord::canonical_json).collect();
        let leaves: Vec<Hash> = lines
            .iter()
            .map(|line| leaf_hash(line.as_bytes()))
            .collect();
        let root = root_of(&leaves)?;
        Ok(Self {
            period,
            records,
            lines,
            leaves,
            root,
        })
    }

    pub fn period(&self) -> HalfYear {
        self.period
    }

    pub fn head(&self) -> TreeHead {
        TreeHead {
            size: self.leaves.len() as u64,
            root: self.root,
        }
    }

    /// The records in leaf order.
    pub fn records(&self) -> &[PublicRecord] {
        &self.records
    }

    /// The leaves' bytes, in order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// `records.jsonl`: each leaf's bytes followed by a newline.
    pub fn write_jsonl(&self, mut out: impl Write) -> io::Result<()> {
        for line in &self.lines {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// The record with this commitment and its inclusion proof, if the period has it.
    pub fn prove(&self, commitment: &Commitment) -> Result<Option<RecordProof>, TreeError> {
        let Ok(index) = self
            .records
            .binary_search_by(|record| record.commitment.cmp(commitment))
        else {
            return Ok(None);
        };
        Ok(Some(RecordProof {
            record: self.lines[index].clone(),
            index: index as u64,
            size: self.leaves.len() as u64,
            proof: inclusion_proof_of(&self.leaves, index as u64)?,
        }))
    }
}
