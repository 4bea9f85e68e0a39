//! What the report's benches share: a deterministic generator, the mix of sections and
//! outcomes they generate, the report's settings, and a timer.

use std::time::{Duration, Instant};

use writ_core::{CaseId, CountryCode, Timestamp};
use writ_report::{
    Anchor, BandOption, CaseSummary, Customer, NsOptions, Outcome, ReportOptions, Section,
};

/// A small deterministic generator (64-bit LCG, high bits).
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// `codes`, parsed.
pub fn countries(codes: &[&str]) -> Vec<CountryCode> {
    codes
        .iter()
        .map(|c| CountryCode::parse(c).unwrap())
        .collect()
}

/// A case's section and outcome, mostly criminal and non-content, as a large provider's.
pub fn section_and_outcome(rng: &mut Lcg) -> (Section, Outcome) {
    let section = match rng.next(100) {
        0..85 => Section::Criminal,
        85..93 => Section::Emergency,
        93..98 => Section::Preservation,
        _ => Section::NationalSecurity,
    };
    let outcome = match rng.next(100) {
        0..3 => Outcome::Content,
        3..77 => Outcome::NonContent,
        77..93 => Outcome::NoData,
        93..96 => Outcome::Rejected,
        96..97 => Outcome::Redirected,
        97..98 => Outcome::Withdrawn,
        _ => Outcome::Pending,
    };
    (section, outcome)
}

/// Case number `i`, received at `received` (µs), of `kind` under `instrument`; its
/// country, customer, accounts and storage abroad drawn from `rng`.
pub fn summary(
    i: usize,
    received: i64,
    (section, outcome): (Section, Outcome),
    instrument: &str,
    countries: &[CountryCode],
    rng: &mut Lcg,
) -> CaseSummary {
    CaseSummary {
        id: CaseId::parse(&format!("00000000-0000-4000-8000-{i:012x}")).unwrap(),
        received_at: Timestamp::from_unix_micros(received).unwrap(),
        authority_country: countries[rng.next(countries.len() as u64) as usize],
        instrument: instrument.to_owned(),
        section,
        customer: if rng.next(50) == 0 {
            Customer::Enterprise
        } else {
            Customer::Consumer
        },
        accounts: 1 + rng.next(4),
        outcome,
        data_stored_abroad: rng.next(100) == 0,
        customer_notified: false,
        red_line: false,
    }
}

/// The report's settings (national-security bands of 500) and a stand-in anchor.
pub fn settings() -> (ReportOptions, Anchor) {
    let options = ReportOptions::new(
        NsOptions::new(BandOption::Band500),
        Timestamp::parse("2027-06-01T00:00:00Z").unwrap(),
    );
    let anchor = Anchor {
        size: 1,
        root: "AAAA".to_owned(),
        note: "bench\n".to_owned(),
    };
    (options, anchor)
}

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
pub fn timed<T>(what: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = what();
    (value, started.elapsed())
}
