//! The aggregation: case summaries + period + options → [`Report`].
//!
//! What counts where (the rules, and our choices where it is silent):
//! * Every section counts cases **received** in the period (`received_at` in
//!   `[start, end)`, UTC), each case once.
//! * **Criminal** (Microsoft's per-country table): a case counts once in `requests`
//!   and in at most one of `content`, `non_content`, `no_data`, `rejected`; `pending`,
//!   `withdrawn` and `redirected` cases count only in `requests` (kept apart in JSON).
//!   Enterprise customers' cases count here too, as in Microsoft's report.
//! * **Emergency**: the same columns, its own table.
//! * **Preservation**: its own table, same columns, never in the criminal total
//!   (a preservation request discloses nothing; Google and Meta report them apart).
//! * **Enterprise**: criminal and emergency cases about enterprise customers, per
//!   country: requests, accounts, redirected to the customer, customer notified,
//!   disclosed content / non-content, rejected (plus no data, withdrawn, pending in JSON).
//! * **Legal process** (Google style): criminal cases by instrument id, emergency as
//!   `emergency`, preservation as `preservation`; "% disclosed" = content or
//!   non-content over all requests received, rounded half up; empty for preservation.
//! * **Stored abroad** (Microsoft's CLOUD Act rows): US criminal search warrants for
//!   consumer data stored abroad, and US criminal cases that disclosed enterprise content
//!   stored abroad.
//! * **National security**: only bands, see [`crate::national_security`]. National-
//!   security cases are in no other table and not in `case_summaries`, which would
//!   otherwise give the exact count away by subtraction.
//! * **Trend** (the charts): criminal and emergency totals of the report's half-year and
//!   the ones before it present in the input, up to [`ReportOptions::trend_periods`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use writ_core::{CaseId, CountryCode, Timestamp};

use crate::national_security::{NationalSecurity, NsOptions, NsTally, covered_span};
use crate::period::HalfYear;
use crate::summary::{CaseSummary, Customer, Outcome, Section};

/// The signed audit checkpoint a report was computed at: tree size, root hash (base64)
/// and the signed note exactly as writ's audit log issued it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub size: u64,
    pub root: String,
    pub note: String,
}

/// Microsoft's per-country columns, plus the cases that count only in the total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeRow {
    pub requests: u64,
    pub accounts: u64,
    pub content: u64,
    pub non_content: u64,
    pub no_data: u64,
    pub rejected: u64,
    pub redirected: u64,
    pub withdrawn: u64,
    pub pending: u64,
}

impl OutcomeRow {
    fn add(&mut self, summary: &CaseSummary) {
        self.requests += 1;
        self.accounts = self.accounts.saturating_add(summary.accounts);
        *match summary.outcome {
            Outcome::Content => &mut self.content,
            Outcome::NonContent => &mut self.non_content,
            Outcome::NoData => &mut self.no_data,
            Outcome::Rejected => &mut self.rejected,
            Outcome::Redirected => &mut self.redirected,
            Outcome::Withdrawn => &mut self.withdrawn,
            Outcome::Pending => &mut self.pending,
        } += 1;
    }

    fn merge(&mut self, other: &Self) {
        self.requests += other.requests;
        self.accounts = self.accounts.saturating_add(other.accounts);
        self.content += other.content;
        self.non_content += other.non_content;
        self.no_data += other.no_data;
        self.rejected += other.rejected;
        self.redirected += other.redirected;
        self.withdrawn += other.withdrawn;
        self.pending += other.pending;
    }

    /// Requests where some data was disclosed.
    pub fn disclosed(&self) -> u64 {
        self.content + self.non_content
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EnterpriseRow {
    pub requests: u64,
    pub accounts: u64,
    pub redirected: u64,
    pub customer_notified: u64,
    pub content: u64,
    pub non_content: u64,
    pub rejected: u64,
    pub no_data: u64,
    pub withdrawn: u64,
    pub pending: u64,
}

impl EnterpriseRow {
    fn add(&mut self, summary: &CaseSummary) {
        self.requests += 1;
        self.accounts = self.accounts.saturating_add(summary.accounts);
        if summary.customer_notified {
            self.customer_notified += 1;
        }
        *match summary.outcome {
            Outcome::Content => &mut self.content,
            Outcome::NonContent => &mut self.non_content,
            Outcome::NoData => &mut self.no_data,
            Outcome::Rejected => &mut self.rejected,
            Outcome::Redirected => &mut self.redirected,
            Outcome::Withdrawn => &mut self.withdrawn,
            Outcome::Pending => &mut self.pending,
        } += 1;
    }

    fn merge(&mut self, other: &Self) {
        self.requests += other.requests;
        self.accounts = self.accounts.saturating_add(other.accounts);
        self.redirected += other.redirected;
        self.customer_notified += other.customer_notified;
        self.content += other.content;
        self.non_content += other.non_content;
        self.rejected += other.rejected;
        self.no_data += other.no_data;
        self.withdrawn += other.withdrawn;
        self.pending += other.pending;
    }
}

/// Google's columns for one country and legal process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProcessRow {
    pub requests: u64,
    pub accounts: u64,
    pub disclosed: u64,
}

impl ProcessRow {
    /// Percentage of requests where some data was disclosed, rounded half up.
    pub fn percent_disclosed(&self) -> Option<u64> {
        (self.requests > 0).then(|| (self.disclosed * 100 + self.requests / 2) / self.requests)
    }
}

/// The legal-process label for preservation requests (no "% disclosed").
pub const PRESERVATION_PROCESS: &str = "preservation";
/// The legal-process label for emergency requests.
pub const EMERGENCY_PROCESS: &str = "emergency";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StoredAbroad {
    /// US criminal search warrants for consumer data stored outside the US.
    pub us_warrants_consumer_data_abroad: u64,
    /// US criminal cases that disclosed enterprise content stored outside the US.
    pub us_enterprise_content_disclosed_abroad: u64,
}

/// One half-year of the charts' history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub period: HalfYear,
    pub criminal: OutcomeRow,
    pub emergency: OutcomeRow,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportOptions {
    pub national_security: NsOptions,
    /// Publication delays are measured to this instant (time is a parameter).
    pub now: Timestamp,
    /// Half-years in the trend, the report's own included (at least 1).
    pub trend_periods: usize,
}

impl ReportOptions {
    pub fn new(national_security: NsOptions, now: Timestamp) -> Self {
        Self {
            national_security,
            now,
            trend_periods: 8,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("case {0} appears more than once in the case summaries; each case counts once")]
    DuplicateCase(CaseId),
}

/// A transparency report for one half-year. National-security figures are bands only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub period: HalfYear,
    pub generated_at: Timestamp,
    /// The period is over at `generated_at`; otherwise the figures are provisional.
    pub complete: bool,
    pub checkpoint: Anchor,
    /// Case summaries counted in the exact (non-national-security) sections.
    pub case_summaries: u64,
    pub criminal: BTreeMap<CountryCode, OutcomeRow>,
    pub emergency: BTreeMap<CountryCode, OutcomeRow>,
    pub preservation: BTreeMap<CountryCode, OutcomeRow>,
    pub enterprise: BTreeMap<CountryCode, EnterpriseRow>,
    pub legal_process: BTreeMap<CountryCode, BTreeMap<String, ProcessRow>>,
    pub stored_abroad: StoredAbroad,
    /// Oldest first, ending with the report's period; half-years with no cases are kept
    /// once an earlier one had some.
    pub trend: Vec<TrendPoint>,
    pub national_security: NationalSecurity,
}

impl Report {
    pub fn build(
        summaries: &[CaseSummary],
        period: HalfYear,
        checkpoint: Anchor,
        options: &ReportOptions,
    ) -> Result<Self, ReportError> {
        check_unique(summaries)?;
        let now = options.now;
        let ns_options = &options.national_security;
        let (ns_start, ns_end) = covered_span(period, ns_options.option);

        let mut trend_periods = vec![period];
        while trend_periods.len() < options.trend_periods.max(1) {
            match trend_periods.last().and_then(HalfYear::previous) {
                Some(previous) => trend_periods.push(previous),
                None => break,
            }
        }
        trend_periods.reverse();
        let trend_start = trend_periods
            .first()
            .map_or(period.start(), HalfYear::start);
        let mut trend: Vec<(OutcomeRow, OutcomeRow)> =
            vec![Default::default(); trend_periods.len()];

        let mut case_summaries = 0;
        let mut criminal = BTreeMap::<CountryCode, OutcomeRow>::new();
        let mut emergency = BTreeMap::<CountryCode, OutcomeRow>::new();
        let mut preservation = BTreeMap::<CountryCode, OutcomeRow>::new();
        let mut enterprise = BTreeMap::<CountryCode, EnterpriseRow>::new();
        let mut legal_process = BTreeMap::<CountryCode, BTreeMap<String, ProcessRow>>::new();
        let mut stored_abroad = StoredAbroad::default();
        let mut tally = NsTally::default();

        for summary in summaries {
            let at = summary.received_at;
            if summary.section == Section::NationalSecurity {
                if ns_start <= at && at < ns_end {
                    tally.add(summary, ns_options, now);
                }
                continue;
            }
            if trend_start <= at
                && at < period.end()
                && let Some(index) = trend_periods.iter().position(|p| p.contains(at))
            {
                let (c, e) = &mut trend[index];
                match summary.section {
                    Section::Criminal => c.add(summary),
                    Section::Emergency => e.add(summary),
                    _ => {}
                }
            }
            if !period.contains(at) {
                continue;
            }
            case_summaries += 1;
            let country = summary.authority_country;
            let table = match summary.section {
                Section::Criminal => &mut criminal,
                Section::Emergency => &mut emergency,
                _ => &mut preservation,
            };
            table.entry(country).or_default().add(summary);

            let process = match summary.section {
                Section::Criminal => summary.instrument.as_str(),
                Section::Emergency => EMERGENCY_PROCESS,
                _ => PRESERVATION_PROCESS,
            };
            let processes = legal_process.entry(country).or_default();
            let row = match processes.get_mut(process) {
                Some(row) => row,
                None => processes.entry(process.to_owned()).or_default(),
            };
            row.requests += 1;
            row.accounts = row.accounts.saturating_add(summary.accounts);
            if summary.outcome.disclosed() && summary.section != Section::Preservation {
                row.disclosed += 1;
            }

            if summary.customer == Customer::Enterprise
                && matches!(summary.section, Section::Criminal | Section::Emergency)
            {
                enterprise.entry(country).or_default().add(summary);
            }
            if summary.section == Section::Criminal && summary.data_stored_abroad && country.is_us()
            {
                match summary.customer {
                    Customer::Consumer if summary.instrument == "us.search_warrant" => {
                        stored_abroad.us_warrants_consumer_data_abroad += 1;
                    }
                    Customer::Enterprise if summary.outcome == Outcome::Content => {
                        stored_abroad.us_enterprise_content_disclosed_abroad += 1;
                    }
                    _ => {}
                }
            }
        }

        let first_with_cases = trend
            .iter()
            .position(|(c, e)| c.requests + e.requests > 0)
            .unwrap_or(trend.len().saturating_sub(1));
        let trend = trend_periods
            .into_iter()
            .zip(trend)
            .skip(first_with_cases)
            .map(|(period, (criminal, emergency))| TrendPoint {
                period,
                criminal,
                emergency,
            })
            .collect();

        Ok(Self {
            period,
            generated_at: now,
            complete: now >= period.end(),
            checkpoint,
            case_summaries,
            criminal,
            emergency,
            preservation,
            enterprise,
            legal_process,
            stored_abroad,
            trend,
            national_security: NationalSecurity::publish(tally, period, ns_options, now),
        })
    }

    pub fn criminal_total(&self) -> OutcomeRow {
        total(self.criminal.values())
    }

    pub fn emergency_total(&self) -> OutcomeRow {
        total(self.emergency.values())
    }

    pub fn preservation_total(&self) -> OutcomeRow {
        total(self.preservation.values())
    }

    pub fn enterprise_total(&self) -> EnterpriseRow {
        let mut sum = EnterpriseRow::default();
        for row in self.enterprise.values() {
            sum.merge(row);
        }
        sum
    }
}

fn total<'a>(rows: impl Iterator<Item = &'a OutcomeRow>) -> OutcomeRow {
    let mut sum = OutcomeRow::default();
    for row in rows {
        sum.merge(row);
    }
    sum
}

fn check_unique(summaries: &[CaseSummary]) -> Result<(), ReportError> {
    let mut ids: Vec<CaseId> = summaries.iter().map(|s| s.id).collect();
    ids.sort_unstable();
    match ids.windows(2).find(|pair| pair[0] == pair[1]) {
        Some(pair) => Err(ReportError::DuplicateCase(pair[0])),
        None => Ok(()),
    }
}
