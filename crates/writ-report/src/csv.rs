//! CSV renderers.
//!
//! One file, several tables, so the checkpoint travels with the numbers:
//!
//! * line 1 is the header of the style's main table (Microsoft: exactly
//!   [`MICROSOFT_COLUMNS`]; Google: exactly [`GOOGLE_COLUMNS`], Google's published
//!   header), then its rows by ISO code, so a reader that takes the first table gets a
//!   plain CSV. Microsoft: one row per country. Google: per country an `All` row (every
//!   request but preservation), for the US one row per Google legal process (named by
//!   [`google_legal_process`]), and `Preservation Requests` with an empty percentage;
//! * each further table follows a blank line and a `# <name>` line, then its header:
//!   Microsoft style `# emergency`, `# enterprise`, `# preservation`, `# stored_abroad`;
//!   both styles `# national_security` (band bounds only) and last `# report`, `key,value`
//!   rows: period, generated_at, complete, case_summaries, checkpoint_size,
//!   checkpoint_root, checkpoint_note (the signed note, quoted, newlines kept).
//!
//! Fields are quoted per RFC 4180 when they hold a comma, quote or line break.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;

use writ_core::CountryCode;

use crate::national_security::NsStatus;
use crate::period::{Half, HalfYear};
use crate::report::{EMERGENCY_PROCESS, OutcomeRow, PRESERVATION_PROCESS, ProcessRow, Report};

pub const MICROSOFT_COLUMNS: &str = "country_code,country,total_requests,accounts_users_specified,disclosed_content,disclosed_only_noncontent,no_data_found,rejected_not_meeting_legal_requirements";
pub const EMERGENCY_COLUMNS: &str = "country_code,country,requests,accounts,disclosed_content,disclosed_only_noncontent,no_data_found,rejected";
pub const ENTERPRISE_COLUMNS: &str = "country_code,country,requests,accounts,redirected_to_customer,customer_notified,disclosed_content,disclosed_only_noncontent,rejected";
pub const PRESERVATION_COLUMNS: &str = "country_code,country,requests,accounts";
/// Demands for keys, direct access or a technical capability: all refused.
pub const RED_LINES_COLUMNS: &str = "country_code,country,requests,refused";
/// Google's published header, as in its `google-global-user-data-requests.csv`.
pub const GOOGLE_COLUMNS: &str = "Period Ending,Country/Region,CLDR Territory Code,Legal Process,User Data Requests,Percentage disclosed,Accounts";
/// Google's row for all of a country's requests (preservation apart).
pub const GOOGLE_ALL: &str = "All";
pub const GOOGLE_PRESERVATION: &str = "Preservation Requests";
pub const NATIONAL_SECURITY_COLUMNS: &str =
    "category,covers,requests_min,requests_max,accounts_min,accounts_max,status,note";

/// Which company's layout the main table follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    #[default]
    Microsoft,
    Google,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a report style: expected microsoft or google")]
pub struct StyleError(String);

impl FromStr for Style {
    type Err = StyleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "microsoft" => Ok(Self::Microsoft),
            "google" => Ok(Self::Google),
            _ => Err(StyleError(s.to_owned())),
        }
    }
}

/// Quotes a field when RFC 4180 needs it.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn country(code: CountryCode) -> String {
    format!("{},{}", code, field(code.name()))
}

pub fn render_csv(report: &Report, style: Style) -> String {
    let mut out = String::new();
    match style {
        Style::Microsoft => microsoft(report, &mut out),
        Style::Google => google(report, &mut out),
    }
    national_security(report, &mut out);
    metadata(report, &mut out);
    out
}

fn outcome_table(out: &mut String, rows: &BTreeMap<CountryCode, OutcomeRow>) {
    for (code, row) in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            country(*code),
            row.requests,
            row.accounts,
            row.content,
            row.non_content,
            row.no_data,
            row.rejected
        );
    }
}

fn section(out: &mut String, name: &str, header: &str) {
    let _ = write!(out, "\n# {name}\n{header}\n");
}

fn microsoft(report: &Report, out: &mut String) {
    out.push_str(MICROSOFT_COLUMNS);
    out.push('\n');
    outcome_table(out, &report.criminal);

    section(out, "emergency", EMERGENCY_COLUMNS);
    outcome_table(out, &report.emergency);

    section(out, "enterprise", ENTERPRISE_COLUMNS);
    for (code, row) in &report.enterprise {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            country(*code),
            row.requests,
            row.accounts,
            row.redirected,
            row.customer_notified,
            row.content,
            row.non_content,
            row.rejected
        );
    }

    section(out, "preservation", PRESERVATION_COLUMNS);
    for (code, row) in &report.preservation {
        let _ = writeln!(out, "{},{},{}", country(*code), row.requests, row.accounts);
    }

    section(out, "red_lines", RED_LINES_COLUMNS);
    for (code, row) in &report.red_lines {
        let _ = writeln!(out, "{},{},{}", country(*code), row.requests, row.refused);
    }
    if let Some(band) = report.assistance_orders {
        section(out, "assistance_orders", "requests_lo,requests_hi");
        let _ = writeln!(out, "{},{}", band.lo(), band.hi());
    }

    section(out, "stored_abroad", "metric,value");
    let abroad = &report.stored_abroad;
    let _ = writeln!(
        out,
        "us_warrants_consumer_data_abroad,{}\nus_enterprise_content_disclosed_abroad,{}",
        abroad.us_warrants_consumer_data_abroad, abroad.us_enterprise_content_disclosed_abroad
    );
}

/// Google's legal-process label for one of writ's rows (an instrument id, or
/// [`EMERGENCY_PROCESS`] / [`PRESERVATION_PROCESS`]): the one place writ's ids meet
/// Google's names. Google breaks down only the US; every other country is `All`.
pub fn google_legal_process(country: CountryCode, process: &str) -> &'static str {
    if process == PRESERVATION_PROCESS {
        return GOOGLE_PRESERVATION;
    }
    if !country.is_us() {
        return GOOGLE_ALL;
    }
    match process {
        "us.subpoena" => "Subpoenas",
        "us.search_warrant" => "Search Warrants",
        "us.court_order_2703d" | "us.all_writs" => "Other Court Orders",
        "us.pen_register" => "Pen Register Orders",
        "us.wiretap" => "Wiretap Orders",
        EMERGENCY_PROCESS | "us.emergency" => "Emergency Disclosure Requests",
        _ => "Other Legal Requests",
    }
}

/// Google's "Period Ending": the half-year's last day.
fn period_ending(period: HalfYear) -> String {
    let day = match period.half() {
        Half::H1 => "06-30",
        Half::H2 => "12-31",
    };
    format!("{}-{day}", period.year())
}

fn google(report: &Report, out: &mut String) {
    out.push_str(GOOGLE_COLUMNS);
    out.push('\n');
    let ending = period_ending(report.period);
    for (code, processes) in &report.legal_process {
        // Ordered as Google's file: by name, so `All` comes first.
        let mut rows = BTreeMap::<&str, ProcessRow>::new();
        let mut add = |name, row: &ProcessRow| {
            let sum = rows.entry(name).or_default();
            sum.requests += row.requests;
            sum.accounts = sum.accounts.saturating_add(row.accounts);
            sum.disclosed += row.disclosed;
        };
        for (process, row) in processes {
            let name = google_legal_process(*code, process);
            if name != GOOGLE_ALL {
                add(name, row);
            }
            if name != GOOGLE_PRESERVATION {
                add(GOOGLE_ALL, row);
            }
        }
        for (name, row) in rows {
            let percent = match row.percent_disclosed() {
                Some(p) if name != GOOGLE_PRESERVATION => p.to_string(),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "{ending},{},{code},{name},{},{percent},{}",
                field(code.name()),
                row.requests,
                row.accounts
            );
        }
    }
}

fn national_security(report: &Report, out: &mut String) {
    section(out, "national_security", NATIONAL_SECURITY_COLUMNS);
    let ns = &report.national_security;
    for figure in &ns.figures {
        let (bounds, status, note) = match &figure.status {
            NsStatus::Published { requests, accounts } => (
                format!(
                    "{},{},{},{}",
                    requests.lo(),
                    requests.hi(),
                    accounts.lo(),
                    accounts.hi()
                ),
                "published",
                format!("bands of {} ({})", ns.band_width, ns.statute),
            ),
            NsStatus::Withheld { reason, .. } => (",,,".to_owned(), "withheld", reason.clone()),
        };
        let _ = writeln!(
            out,
            "{},{},{bounds},{status},{}",
            figure.category.as_str(),
            field(&figure.covers),
            field(&note)
        );
    }
}

fn metadata(report: &Report, out: &mut String) {
    section(out, "report", "key,value");
    let rows = [
        ("period", report.period.to_string()),
        ("generated_at", report.generated_at.to_string()),
        ("complete", report.complete.to_string()),
        ("case_summaries", report.case_summaries.to_string()),
        ("checkpoint_size", report.checkpoint.size.to_string()),
        ("checkpoint_root", report.checkpoint.root.clone()),
        ("checkpoint_note", report.checkpoint.note.clone()),
    ];
    for (key, value) in rows {
        let _ = writeln!(out, "{key},{}", field(&value));
    }
}
