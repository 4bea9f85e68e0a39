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
//!   The JSON keeps these ids; the Google-style CSV renames them to Google's labels
//!   ([`crate::csv::google_legal_process`]).
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

use crate::national_security::{
    Band, NationalSecurity, NsCommitted, NsOptions, NsTally, covered_span,
};
use crate::period::HalfYear;
use crate::summary::{CaseSummary, Customer, Outcome, Section};
use crate::tree::TreeHead;

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
    fn add(&mut self, count: &CaseCount) {
        self.requests += count.cases;
        self.accounts = self.accounts.saturating_add(count.accounts);
        *match count.outcome {
            Outcome::Content => &mut self.content,
            Outcome::NonContent => &mut self.non_content,
            Outcome::NoData => &mut self.no_data,
            Outcome::Rejected => &mut self.rejected,
            Outcome::Redirected => &mut self.redirected,
            Outcome::Withdrawn => &mut self.withdrawn,
            Outcome::Pending => &mut self.pending,
        } += count.cases;
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
    fn add(&mut self, count: &CaseCount) {
        self.requests += count.cases;
        self.accounts = self.accounts.saturating_add(count.accounts);
        if count.customer_notified {
            self.customer_notified += count.cases;
        }
        *match count.outcome {
            Outcome::Content => &mut self.content,
            Outcome::NonContent => &mut self.non_content,
            Outcome::NoData => &mut self.no_data,
            Outcome::Rejected => &mut self.rejected,
            Outcome::Redirected => &mut self.redirected,
            Outcome::Withdrawn => &mut self.withdrawn,
            Outcome::Pending => &mut self.pending,
        } += count.cases;
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

/// Demands for keys, direct access or a technical capability from one country: every
/// one is refused, whatever else the demand asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RedLineRow {
    pub requests: u64,
    pub refused: u64,
}

/// Whether assistance orders, secret by statute, are published.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AssistanceOption {
    /// Left out of every table (the default).
    #[default]
    Omit,
    /// Published as one figure, in the national-security bands.
    Bands,
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
    pub assistance_orders: AssistanceOption,
    /// Publication delays are measured to this instant (time is a parameter).
    pub now: Timestamp,
    /// Half-years in the trend, the report's own included (at least 1).
    pub trend_periods: usize,
}

impl ReportOptions {
    pub fn new(national_security: NsOptions, now: Timestamp) -> Self {
        Self {
            national_security,
            assistance_orders: AssistanceOption::default(),
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
    /// The size and root of the tree of the period's public records, once the period
    /// is published ([`crate::ReportTree`]); `None` while the report is provisional.
    pub records: Option<TreeHead>,
    /// Every publication of the period, oldest first; the one shown is the one whose
    /// tree is `records` (empty while the report is provisional).
    pub publications: Vec<crate::publication::Publication>,
    /// Case summaries counted in the exact (non-national-security) sections.
    pub case_summaries: u64,
    pub criminal: BTreeMap<CountryCode, OutcomeRow>,
    pub emergency: BTreeMap<CountryCode, OutcomeRow>,
    pub preservation: BTreeMap<CountryCode, OutcomeRow>,
    pub enterprise: BTreeMap<CountryCode, EnterpriseRow>,
    pub legal_process: BTreeMap<CountryCode, BTreeMap<String, ProcessRow>>,
    pub stored_abroad: StoredAbroad,
    /// Demands for keys, direct access or a technical capability, per country (not
    /// counting assistance orders, which are secret): all refused.
    pub red_lines: BTreeMap<CountryCode, RedLineRow>,
    /// Assistance orders received in the period, in the national-security bands, when
    /// the provider publishes them (`AssistanceOption::Bands`).
    pub assistance_orders: Option<Band>,
    /// Oldest first, ending with the report's period; half-years with no cases are kept
    /// once an earlier one had some.
    pub trend: Vec<TrendPoint>,
    pub national_security: NationalSecurity,
}

/// Cases of one half-year that the report cannot tell apart, counted together: one row
/// of a store's `GROUP BY` over its case summaries, or one case ([`CaseCount::of`]).
/// National-security cases are never counted this way: their figures need each case
/// (its instrument, and whether it is a new platform's order), and their exact counts
/// stay inside this crate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseCount {
    pub period: HalfYear,
    pub section: Section,
    pub authority_country: CountryCode,
    pub instrument: String,
    pub customer: Customer,
    pub outcome: Outcome,
    pub data_stored_abroad: bool,
    pub customer_notified: bool,
    pub red_line: bool,
    /// How many cases.
    pub cases: u64,
    /// The accounts they name, summed.
    pub accounts: u64,
}

impl CaseCount {
    /// One case, counted alone; `None` for a time no half-year holds.
    pub fn of(summary: &CaseSummary) -> Option<Self> {
        Some(Self {
            period: HalfYear::containing(summary.received_at)?,
            section: summary.section,
            authority_country: summary.authority_country,
            instrument: summary.instrument.clone(),
            customer: summary.customer,
            outcome: summary.outcome,
            data_stored_abroad: summary.data_stored_abroad,
            customer_notified: summary.customer_notified,
            red_line: summary.red_line,
            cases: 1,
            accounts: summary.accounts,
        })
    }
}

/// What a report on `period` counts: the half-years of its trend, oldest first and
/// ending with `period`, and the span its national-security figures cover. A store
/// that aggregates for [`Report::from_counts`] reads exactly these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportSpan {
    pub periods: Vec<HalfYear>,
    pub national_security: (Timestamp, Timestamp),
}

impl ReportSpan {
    pub fn new(period: HalfYear, options: &ReportOptions) -> Self {
        let mut periods = vec![period];
        while periods.len() < options.trend_periods.max(1) {
            match periods.last().and_then(HalfYear::previous) {
                Some(previous) => periods.push(previous),
                None => break,
            }
        }
        periods.reverse();
        Self {
            periods,
            national_security: covered_span(period, options.national_security.option),
        }
    }
}

impl Report {
    /// The publication whose frozen records this report shows, if it is published.
    pub fn shown_publication(&self) -> Option<&crate::publication::Publication> {
        let head = self.records?;
        self.publications.iter().find(|p| p.records == head)
    }

    /// The report from every case's summary (each case once).
    pub fn build(
        summaries: &[CaseSummary],
        period: HalfYear,
        checkpoint: Anchor,
        options: &ReportOptions,
    ) -> Result<Self, ReportError> {
        check_unique(summaries)?;
        let (national_security, others): (Vec<&CaseSummary>, Vec<&CaseSummary>) = summaries
            .iter()
            .partition(|s| s.section == Section::NationalSecurity);
        let counts: Vec<CaseCount> = others.into_iter().filter_map(CaseCount::of).collect();
        let national_security: Vec<CaseSummary> = national_security.into_iter().cloned().collect();
        Ok(Self::from_counts(
            &counts,
            &national_security,
            period,
            checkpoint,
            options,
        ))
    }

    /// The report from counts of cases (what a store's `GROUP BY` gives for the
    /// half-years of [`ReportSpan::periods`]) and the national-security cases of
    /// [`ReportSpan::national_security`]. Counts of other half-years and
    /// national-security counts are ignored; so are cases outside the span.
    pub fn from_counts(
        counts: &[CaseCount],
        national_security: &[CaseSummary],
        period: HalfYear,
        checkpoint: Anchor,
        options: &ReportOptions,
    ) -> Self {
        let now = options.now;
        let ns_options = &options.national_security;
        let trend_periods = ReportSpan::new(period, options).periods;
        let mut trend: Vec<(OutcomeRow, OutcomeRow)> =
            vec![Default::default(); trend_periods.len()];
        let tally = ns_tally(national_security, period, options);

        let mut case_summaries = 0;
        let mut criminal = BTreeMap::<CountryCode, OutcomeRow>::new();
        let mut emergency = BTreeMap::<CountryCode, OutcomeRow>::new();
        let mut preservation = BTreeMap::<CountryCode, OutcomeRow>::new();
        let mut enterprise = BTreeMap::<CountryCode, EnterpriseRow>::new();
        let mut legal_process = BTreeMap::<CountryCode, BTreeMap<String, ProcessRow>>::new();
        let mut stored_abroad = StoredAbroad::default();
        let mut red_lines = BTreeMap::<CountryCode, RedLineRow>::new();
        let mut assistance = 0;

        for count in counts {
            if count.section == Section::NationalSecurity {
                continue;
            }
            if count.section == Section::Assistance {
                // Secret by statute: never in a table, at most one banded figure.
                if count.period == period {
                    assistance += count.cases;
                }
                continue;
            }
            if let Some(index) = trend_periods.iter().position(|p| *p == count.period) {
                let (c, e) = &mut trend[index];
                match count.section {
                    Section::Criminal => c.add(count),
                    Section::Emergency => e.add(count),
                    _ => {}
                }
            }
            if count.period != period {
                continue;
            }
            case_summaries += count.cases;
            let country = count.authority_country;
            if count.red_line {
                let row = red_lines.entry(country).or_default();
                row.requests += count.cases;
                row.refused += count.cases;
            }
            let table = match count.section {
                Section::Criminal => &mut criminal,
                Section::Emergency => &mut emergency,
                _ => &mut preservation,
            };
            table.entry(country).or_default().add(count);

            let process = match count.section {
                Section::Criminal => count.instrument.as_str(),
                Section::Emergency => EMERGENCY_PROCESS,
                _ => PRESERVATION_PROCESS,
            };
            let processes = legal_process.entry(country).or_default();
            let row = match processes.get_mut(process) {
                Some(row) => row,
                None => processes.entry(process.to_owned()).or_default(),
            };
            row.requests += count.cases;
            row.accounts = row.accounts.saturating_add(count.accounts);
            if count.outcome.disclosed() && count.section != Section::Preservation {
                row.disclosed += count.cases;
            }

            if count.customer == Customer::Enterprise
                && matches!(count.section, Section::Criminal | Section::Emergency)
            {
                enterprise.entry(country).or_default().add(count);
            }
            if count.section == Section::Criminal && count.data_stored_abroad && country.is_us() {
                match count.customer {
                    Customer::Consumer if count.instrument == "us.search_warrant" => {
                        stored_abroad.us_warrants_consumer_data_abroad += count.cases;
                    }
                    Customer::Enterprise if count.outcome == Outcome::Content => {
                        stored_abroad.us_enterprise_content_disclosed_abroad += count.cases;
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

        Self {
            period,
            generated_at: now,
            complete: now >= period.end(),
            checkpoint,
            records: None,
            publications: Vec::new(),
            case_summaries,
            criminal,
            emergency,
            preservation,
            enterprise,
            legal_process,
            stored_abroad,
            red_lines,
            assistance_orders: (options.assistance_orders == AssistanceOption::Bands)
                .then(|| Band::of(assistance, ns_options.option)),
            trend,
            national_security: NationalSecurity::publish(tally, period, ns_options, now),
        }
    }

    /// Commitments to the exact counts behind each national-security figure of the
    /// report on `period`, over the cases [`Report::from_counts`] bands, each with what
    /// opens it. The commitments are published with the report; the openings hold the
    /// exact counts, kept secret until the law allows them to be shown.
    pub fn commit_national_security(
        national_security: &[CaseSummary],
        period: HalfYear,
        options: &ReportOptions,
    ) -> Vec<NsCommitted> {
        let tally = ns_tally(national_security, period, options);
        NationalSecurity::commit(&tally, period, options.national_security.option)
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

    pub fn red_lines_total(&self) -> RedLineRow {
        let mut sum = RedLineRow::default();
        for row in self.red_lines.values() {
            sum.requests += row.requests;
            sum.refused += row.refused;
        }
        sum
    }

    pub fn enterprise_total(&self) -> EnterpriseRow {
        let mut sum = EnterpriseRow::default();
        for row in self.enterprise.values() {
            sum.merge(row);
        }
        sum
    }
}

/// The exact national-security counts of the report on `period`: the cases of the span
/// its figures cover, less new-platform orders still inside their 540 days.
fn ns_tally(
    national_security: &[CaseSummary],
    period: HalfYear,
    options: &ReportOptions,
) -> NsTally {
    let (start, end) = ReportSpan::new(period, options).national_security;
    let mut tally = NsTally::default();
    for summary in national_security {
        let at = summary.received_at;
        if summary.section == Section::NationalSecurity && start <= at && at < end {
            tally.add(summary, &options.national_security, options.now);
        }
    }
    tally
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
