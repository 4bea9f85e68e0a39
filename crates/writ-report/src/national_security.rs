//! US national-security process (NSLs, FISA orders and directives), reported only as
//! the bands 50 U.S.C. 1874 allows, only once its delays have passed.
//!
//! The exact counts live in [`NsTally`], which is private to the crate and turned into
//! [`Band`]s before a [`crate::Report`] exists; a `Band` cannot be built from outside
//! this module. So no renderer can print an exact count: it never has one.
//!
//! The options (50 U.S.C. 1874(a), timing (b)), as `docs/legal-research.md` Part B
//! summarises them (its open item 1 asks counsel to confirm (a)(2)–(4) and (b)):
//!
//! | option | statute | figures | band | covers | publishable from |
//! |---|---|---|---|---|---|
//! | `band1000` | (a)(1) | NSLs, FISA content, FISA non-content, each requests + selectors | 1,000 (0–999) | the half-year | NSLs: end of the half-year; FISA: 180 days after it |
//! | `band500` | (a)(2) | same six | 500 (0–499) | the half-year | as `band1000` (see below) |
//! | `band250` | (a)(3) | all national-security process combined, requests + selectors | 250 (0–249) | the half-year | 180 days after it (the total includes FISA) |
//! | `band100` | (a)(4) | as `band250` | 100 (0–99) | the calendar year | one year after the year ends |
//!
//! Choices where the law or the summary leaves room, all on the side of publishing
//! later rather than too early:
//! * (b)(2) reads "previous 180 days" for (a)(2); Google and Microsoft, both on bands of
//!   500, still publish FISA figures six months late. We do the same until counsel
//!   confirms the shorter delay.
//! * The delay runs from the period's exclusive end (1 July / 1 January), one day later
//!   than counting from 30 June / 31 December.
//! * A FISA order for a platform, product or service that never had one before may not
//!   be reported until 540 days after it was received ((b)(1)). The operator lists such
//!   cases in [`NsOptions::new_platform_orders`]; until their 540 days have passed they
//!   are left out of every figure (not withheld as a figure: a withheld FISA row would
//!   itself reveal the new order). Applied under every option.
//! * Every national-security case received in the covered period counts, whatever its
//!   outcome: the statute counts process "received".

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Duration;
use writ_core::{CaseId, Timestamp};

use crate::count_commitment::CountOpening;
use crate::period::{Half, HalfYear};
use crate::record::Commitment;
use crate::summary::CaseSummary;

/// Which reporting structure of 50 U.S.C. 1874(a) the provider has chosen (config).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BandOption {
    /// (a)(1): six separate figures in bands of 1,000.
    Band1000,
    /// (a)(2): six separate figures in bands of 500.
    Band500,
    /// (a)(3): all process combined, bands of 250, semi-annual.
    Band250,
    /// (a)(4): all process combined, bands of 100, annual.
    Band100,
}

impl BandOption {
    pub const ALL: [Self; 4] = [Self::Band1000, Self::Band500, Self::Band250, Self::Band100];

    pub fn width(self) -> u64 {
        match self {
            Self::Band1000 => 1000,
            Self::Band500 => 500,
            Self::Band250 => 250,
            Self::Band100 => 100,
        }
    }

    /// NSLs, FISA content and FISA non-content reported apart (otherwise one total).
    pub fn separate_categories(self) -> bool {
        matches!(self, Self::Band1000 | Self::Band500)
    }

    /// Covers a calendar year rather than the half-year.
    pub fn annual(self) -> bool {
        matches!(self, Self::Band100)
    }

    pub fn statute(self) -> &'static str {
        match self {
            Self::Band1000 => "50 U.S.C. 1874(a)(1)",
            Self::Band500 => "50 U.S.C. 1874(a)(2)",
            Self::Band250 => "50 U.S.C. 1874(a)(3)",
            Self::Band100 => "50 U.S.C. 1874(a)(4)",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Band1000 => "band1000",
            Self::Band500 => "band500",
            Self::Band250 => "band250",
            Self::Band100 => "band100",
        }
    }
}

/// `(lo, hi)` of the band of `width` holding `count`: `lo = ⌊count / width⌋ · width`,
/// `hi = lo + width − 1`; 0 and 999 are both `(0, 999)` for a width of 1,000. A width of
/// 0 is taken as 1.
pub fn band(count: u64, width: u64) -> (u64, u64) {
    let width = width.max(1);
    let lo = count / width * width;
    (lo, lo.saturating_add(width - 1))
}

/// A range the law allows to be published. Only this module makes them, and only with a
/// statutory width, so a `Band` never narrows to an exact count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Band {
    lo: u64,
    hi: u64,
}

impl Band {
    /// Only in the bands the statute allows: for national-security process here, and
    /// for assistance orders, which are published in the same bands.
    pub(crate) fn of(count: u64, option: BandOption) -> Self {
        let (lo, hi) = band(count, option.width());
        Self { lo, hi }
    }

    pub fn lo(&self) -> u64 {
        self.lo
    }

    pub fn hi(&self) -> u64 {
        self.hi
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.lo, self.hi)
    }
}

/// What a national-security figure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NsCategory {
    NationalSecurityLetters,
    FisaContent,
    FisaNonContent,
    /// (a)(3), (a)(4): NSLs and FISA together.
    AllNationalSecurityProcess,
}

impl NsCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NationalSecurityLetters => "national_security_letters",
            Self::FisaContent => "fisa_content",
            Self::FisaNonContent => "fisa_non_content",
            Self::AllNationalSecurityProcess => "all_national_security_process",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NationalSecurityLetters => "National Security Letters",
            Self::FisaContent => "FISA orders and directives for content",
            Self::FisaNonContent => "FISA orders for non-content",
            Self::AllNationalSecurityProcess => "All national security process (NSLs and FISA)",
        }
    }

    /// Which separate category a national-security case's instrument falls in:
    /// `us.nsl*` → NSLs; pen-register, business-records (50 U.S.C. 1842, 1861) and any
    /// instrument id naming `non_content` → FISA non-content; every other FISA
    /// instrument (`us.fisa_order`, `us.fisa_702`, unknown ones) → FISA content, the
    /// category the wider authorities belong to.
    pub fn of_instrument(instrument: &str) -> Self {
        if instrument.starts_with("us.nsl") {
            Self::NationalSecurityLetters
        } else if [
            "non_content",
            "pen_register",
            "business_records",
            "1842",
            "1861",
        ]
        .iter()
        .any(|word| instrument.contains(word))
        {
            Self::FisaNonContent
        } else {
            Self::FisaContent
        }
    }
}

/// The national-security part of the report's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NsOptions {
    pub option: BandOption,
    /// FISA cases that were the first order for a new platform, product or service; left
    /// out until 540 days after they were received.
    #[serde(default)]
    pub new_platform_orders: BTreeSet<CaseId>,
}

impl NsOptions {
    pub fn new(option: BandOption) -> Self {
        Self {
            option,
            new_platform_orders: BTreeSet::new(),
        }
    }
}

/// One figure: published as bands, or withheld until a date with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NsStatus {
    Published {
        requests: Band,
        /// Customer selectors (accounts) targeted.
        accounts: Band,
    },
    Withheld {
        publishable_from: Timestamp,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NsFigure {
    pub category: NsCategory,
    /// `2013-H1`, or `2013` for the annual option.
    pub covers: String,
    #[serde(flatten)]
    pub status: NsStatus,
}

/// The national-security section as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NationalSecurity {
    pub option: BandOption,
    pub statute: &'static str,
    pub band_width: u64,
    pub figures: Vec<NsFigure>,
}

/// Exact counts, crate-private, consumed by [`NationalSecurity::publish`].
#[derive(Default)]
pub(crate) struct NsTally {
    /// Requests and accounts per separate category, indexed NSL, content, non-content.
    counts: [(u64, u64); 3],
}

impl NsTally {
    /// Counts a national-security case if it falls in the covered span and is not a
    /// new-platform order still inside its 540 days.
    pub(crate) fn add(&mut self, summary: &CaseSummary, options: &NsOptions, now: Timestamp) {
        if options.new_platform_orders.contains(&summary.id) {
            let clear = summary.received_at.checked_add(Duration::days(540));
            if clear.is_none_or(|clear| now < clear) {
                return;
            }
        }
        let index = match NsCategory::of_instrument(&summary.instrument) {
            NsCategory::NationalSecurityLetters => 0,
            NsCategory::FisaContent => 1,
            _ => 2,
        };
        let (requests, accounts) = &mut self.counts[index];
        *requests += 1;
        *accounts = accounts.saturating_add(summary.accounts);
    }
}

impl NsTally {
    /// The exact counts behind each figure the option publishes, in the report's order.
    fn figures(&self, option: BandOption) -> Vec<(NsCategory, (u64, u64))> {
        let [nsl, content, non_content] = self.counts;
        if option.separate_categories() {
            vec![
                (NsCategory::NationalSecurityLetters, nsl),
                (NsCategory::FisaContent, content),
                (NsCategory::FisaNonContent, non_content),
            ]
        } else {
            vec![(
                NsCategory::AllNationalSecurityProcess,
                sum(&[nsl, content, non_content]),
            )]
        }
    }
}

/// The commitments to the exact counts behind one national-security figure, published
/// with the report so that the figure can be proved once the law allows
/// ([`crate::count_commitment`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NsCommitment {
    pub category: NsCategory,
    /// `2013-H1`, or `2013` for the annual option, as the figure's.
    pub covers: String,
    pub requests: Commitment,
    pub accounts: Commitment,
}

/// An [`NsCommitment`] and what opens it. The openings hold the exact counts: the
/// provider keeps them secret, and reveals them only when the law allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NsCommitted {
    pub commitment: NsCommitment,
    pub requests: CountOpening,
    pub accounts: CountOpening,
}

/// The span national-security figures cover for a report on `period`.
pub(crate) fn covered_span(period: HalfYear, option: BandOption) -> (Timestamp, Timestamp) {
    if option.annual() {
        match (
            HalfYear::new(period.year(), Half::H1),
            HalfYear::new(period.year(), Half::H2),
        ) {
            (Some(h1), Some(h2)) => (h1.start(), h2.end()),
            _ => (period.start(), period.end()),
        }
    } else {
        (period.start(), period.end())
    }
}

impl NationalSecurity {
    pub(crate) fn publish(
        tally: NsTally,
        period: HalfYear,
        options: &NsOptions,
        now: Timestamp,
    ) -> Self {
        let option = options.option;
        let (_, end) = covered_span(period, option);
        let covers = covers(period, option);
        let after = |days: i64| end.checked_add(Duration::days(days));
        // `None` only past year 9999: withheld, with the end as the (unreached) date.
        let figure =
            |category: NsCategory, counts: (u64, u64), from: Option<Timestamp>, why: &str| {
                let status = match from {
                    Some(from) if now >= from => NsStatus::Published {
                        requests: Band::of(counts.0, option),
                        accounts: Band::of(counts.1, option),
                    },
                    _ => {
                        let from = from.unwrap_or(end);
                        NsStatus::Withheld {
                            publishable_from: from,
                            reason: format!(
                                "{} for {covers} may be published from {} ({}; {why})",
                                category.label(),
                                from.datetime().date(),
                                option.statute(),
                            ),
                        }
                    }
                };
                NsFigure {
                    category,
                    covers: covers.clone(),
                    status,
                }
            };
        let fisa_why = "FISA figures cover a period ending at least 180 days before \
                        publication, 50 U.S.C. 1874(b)";
        let figures = tally
            .figures(option)
            .into_iter()
            .map(|(category, counts)| match (option, category) {
                (BandOption::Band100, _) => {
                    let from = HalfYear::new(period.year() + 1, Half::H2).map(|next| next.end());
                    let why = "annual figures cover a year ending at least one year before \
                               publication, 50 U.S.C. 1874(b)";
                    figure(category, counts, from, why)
                }
                (BandOption::Band250, _) => figure(
                    category,
                    counts,
                    after(180),
                    "the total includes FISA figures, which cover a period ending at least 180 \
                     days before publication, 50 U.S.C. 1874(b)",
                ),
                (_, NsCategory::NationalSecurityLetters) => figure(
                    category,
                    counts,
                    after(0),
                    "NSLs for the previous 180 days, once the period is over",
                ),
                _ => figure(category, counts, after(180), fisa_why),
            })
            .collect();
        Self {
            option,
            statute: option.statute(),
            band_width: option.width(),
            figures,
        }
    }
}

impl NationalSecurity {
    /// Commits, with fresh salts, to the exact counts behind each figure of the report
    /// on `period`: the same cases, span and categories as the report's bands.
    pub(crate) fn commit(
        tally: &NsTally,
        period: HalfYear,
        option: BandOption,
    ) -> Vec<NsCommitted> {
        let covers = covers(period, option);
        tally
            .figures(option)
            .into_iter()
            .map(|(category, (requests, accounts))| {
                let (requests, requests_commitment) = CountOpening::new(requests);
                let (accounts, accounts_commitment) = CountOpening::new(accounts);
                NsCommitted {
                    commitment: NsCommitment {
                        category,
                        covers: covers.clone(),
                        requests: requests_commitment,
                        accounts: accounts_commitment,
                    },
                    requests,
                    accounts,
                }
            })
            .collect()
    }
}

/// What a figure covers: the half-year, or the calendar year for the annual option.
fn covers(period: HalfYear, option: BandOption) -> String {
    if option.annual() {
        period.year().to_string()
    } else {
        period.to_string()
    }
}

fn sum(counts: &[(u64, u64)]) -> (u64, u64) {
    counts.iter().fold((0, 0), |(r, a), (dr, da)| {
        (r.saturating_add(*dr), a.saturating_add(*da))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_statutory_edges() {
        assert_eq!(band(0, 1000), (0, 999));
        assert_eq!(band(999, 1000), (0, 999));
        assert_eq!(band(1000, 1000), (1000, 1999));
        assert_eq!(band(249, 250), (0, 249));
        assert_eq!(band(250, 250), (250, 499));
        assert_eq!(band(499, 500), (0, 499));
        assert_eq!(band(500, 500), (500, 999));
        assert_eq!(band(99, 100), (0, 99));
        assert_eq!(band(100, 100), (100, 199));
        assert_eq!(band(7, 0), (7, 7));
        assert_eq!(band(u64::MAX, 1000).1, u64::MAX);
    }

    #[test]
    fn instruments_fall_in_one_category() {
        assert_eq!(
            NsCategory::of_instrument("us.nsl"),
            NsCategory::NationalSecurityLetters
        );
        assert_eq!(
            NsCategory::of_instrument("us.fisa_order"),
            NsCategory::FisaContent
        );
        assert_eq!(
            NsCategory::of_instrument("us.fisa_702"),
            NsCategory::FisaContent
        );
        assert_eq!(
            NsCategory::of_instrument("us.fisa_business_records"),
            NsCategory::FisaNonContent
        );
        assert_eq!(
            NsCategory::of_instrument("us.fisa_non_content"),
            NsCategory::FisaNonContent
        );
    }
}
