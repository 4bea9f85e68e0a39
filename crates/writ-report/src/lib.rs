//! writ's transparency report: case summaries in, a half-year's report out, rendered
//! as CSV (Microsoft or Google layout), JSON, or an HTML fragment with SVG charts.
//!
//! Pure: no database, no HTTP, no clock ("now", for publication delays, is an
//! argument). US national-security figures exist here only as the bands 50 U.S.C. 1874
//! allows; see [`national_security`].
//!
//! ```text
//! read_json_lines(…) ─► Report::build(summaries, period, checkpoint, options)
//!                          ├─► render_csv(&report, Style::Microsoft | Style::Google)
//!                          ├─► render_json(&report)
//!                          └─► render_html(&report)   (a <section> for /transparency)
//!
//! ReportTree::of_cases(period, (summary, secret)…) ─► records.jsonl, head → report.records
//! verify_records(records.jsonl, &PublishedReport)     every figure and the root recomputed
//! prove_receipt(&Receipt, &RecordProof, &PublishedReport)   one case, counted
//! ```

pub mod count_commitment;
pub mod csv;
pub mod html;
pub mod json;
pub mod national_security;
pub mod period;
pub mod publication;
pub mod receipt;
pub mod record;
pub mod report;
mod secret;
pub mod summary;
pub mod tree;
pub mod verify;

pub use crate::count_commitment::{CountOpening, OpeningError, Salt, SaltError, commit_count};
pub use crate::csv::{
    GOOGLE_COLUMNS, MICROSOFT_COLUMNS, Style, StyleError, google_legal_process, render_csv,
};
pub use crate::html::{STYLESHEET, render_html, stylesheet_csp_source};
pub use crate::json::render_json;
pub use crate::national_security::{
    Band, BandOption, NationalSecurity, NsCategory, NsCommitment, NsCommitted, NsFigure, NsOptions,
    NsStatus, band,
};
pub use crate::period::{Half, HalfYear, PeriodError};
pub use crate::publication::{Publication, PublicationEvent, action_of};
pub use crate::receipt::{Receipt, ReceiptError};
pub use crate::record::{
    CaseSecret, Commitment, CommitmentError, Month, MonthError, PublicRecord, RecordError,
};
pub use crate::report::{
    Anchor, AssistanceOption, CaseCount, EnterpriseRow, OutcomeRow, ProcessRow, RedLineRow, Report,
    ReportError, ReportOptions, ReportSpan, StoredAbroad, TrendPoint,
};
pub use crate::summary::{CaseSummary, Customer, Outcome, Section, SummaryError, read_json_lines};
pub use crate::tree::{RecordProof, ReportTree, TreeError, TreeHead};
pub use crate::verify::{
    Counted, FIGURES, ProveError, PublishedReport, Verified, VerifyError, prove_receipt,
    verify_records,
};
