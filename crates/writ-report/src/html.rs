//! The HTML fragment for the public `/transparency` page: one `<section>` with the
//! tables and three inline SVG charts. No script, no `style` attributes (the page's CSP
//! forbids them; SVG presentation attributes are not styles), every text escaped.
//! The section carries its own small `<style>` ([`STYLESHEET`], every rule under
//! `.writ-report`), so it reads the same on writ's page and pasted anywhere else; a
//! page with a CSP allows it by [`stylesheet_csp_source`]. Charts scale with their
//! container up to 40rem; their legends are HTML lists, at the text's size whatever the
//! chart's scale. Tables sit in `div.writ-table-scroll`, which scrolls sideways on a
//! phone (and takes the keyboard's focus, so it can be scrolled without a mouse).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use writ_core::CountryCode;

use crate::national_security::NsStatus;
use crate::report::{OutcomeRow, Report};

/// Escapes text for element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `37196` → `37,196`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    let tenths = (part * 1000 + whole / 2) / whole;
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// The report's stylesheet, inlined in the section as `<style>` exactly as here.
pub const STYLESHEET: &str = include_str!("report.css");

/// The CSP source that allows the section's `<style>`: `'sha256-…'` of [`STYLESHEET`].
pub fn stylesheet_csp_source() -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(STYLESHEET.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

const CONTENT: &str = "#1b4f72";
const NON_CONTENT: &str = "#2e86c1";
const NO_DATA: &str = "#aab7b8";
const REJECTED: &str = "#c0392b";
const OTHER: &str = "#f5cba7";
const EMERGENCY: &str = "#d35400";
const LEGAL: &str = "#2e86c1";

pub fn render_html(report: &Report) -> String {
    let mut out = String::new();
    let period = escape(&report.period.to_string());
    let _ = writeln!(
        out,
        "<section class=\"writ-report\" aria-labelledby=\"writ-report-{period}\">\n\
         <style>{STYLESHEET}</style>"
    );
    let _ = writeln!(
        out,
        "<h2 id=\"writ-report-{period}\">Government requests for customer data, {period}</h2>"
    );
    let total = report.criminal_total();
    let status = if report.complete {
        ""
    } else {
        " The period is not over: figures are provisional."
    };
    let _ = writeln!(
        out,
        "<p>{} law-enforcement requests naming {} accounts; {} emergency requests. \
         Computed from {} case summaries at audit checkpoint {} (root <code>{}</code>).{status}</p>",
        count(total.requests),
        count(total.accounts),
        count(report.emergency_total().requests),
        count(report.case_summaries),
        count(report.checkpoint.size),
        escape(&report.checkpoint.root),
    );

    let _ = writeln!(out, "<h3>Requests per country (top 20)</h3>");
    out.push_str(&countries_chart(&report.criminal));
    let _ = writeln!(out, "<h3>Outcomes over time</h3>");
    out.push_str(&outcomes_chart(report));
    let _ = writeln!(out, "<h3>Emergency and legal-process requests</h3>");
    out.push_str(&emergency_chart(report));

    outcome_table(
        &mut out,
        "Law-enforcement requests by country",
        &report.criminal,
        total,
        true,
    );
    outcome_table(
        &mut out,
        "Emergency requests",
        &report.emergency,
        report.emergency_total(),
        false,
    );
    enterprise_table(&mut out, report);
    preservation_table(&mut out, report);
    red_lines_table(&mut out, report);
    national_security_table(&mut out, report);

    let _ = writeln!(
        out,
        "<h3>Audit checkpoint</h3>\n<p>Tree size {}, root <code>{}</code>. Signed note:</p>\n<pre>{}</pre>",
        count(report.checkpoint.size),
        escape(&report.checkpoint.root),
        escape(&report.checkpoint.note)
    );
    match (&report.records, report.shown_publication()) {
        (Some(head), Some(shown)) => {
            let url = escape(&shown.records_url(report.period));
            let _ = writeln!(
                out,
                "<h3>Case records</h3>\n<p>Published (version {}): {} public case records, one \
                 per case (national-security cases and assistance orders excepted), tree root \
                 <code>{}</code>, counted at audit checkpoint {}. Every figure above but the \
                 national-security bands can be recomputed from <a href=\"{url}\">the records</a> \
                 (<code>writ report verify</code>).</p>",
                shown.version,
                count(head.size),
                escape(&head.root.to_string()),
                count(shown.checkpoint.size),
            );
            if report.publications.len() > 1 {
                let _ = writeln!(
                    out,
                    "<table>\n<caption>Versions of this report</caption>\n<thead><tr><th>Version</th>\
                     <th>Published</th><th>Records</th><th>Root</th><th>Reason</th></tr></thead>\n<tbody>"
                );
                for p in &report.publications {
                    let _ = writeln!(
                        out,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                        p.version,
                        escape(&p.published_at.to_string()),
                        count(p.records.size),
                        escape(&p.records.root.to_string()),
                        escape(p.reason.as_deref().unwrap_or("first publication")),
                    );
                }
                out.push_str("</tbody>\n</table>\n");
            }
        }
        _ => {
            let _ = writeln!(
                out,
                "<h3>Case records</h3>\n<p>Provisional: the records of this period are not \
                 published yet, and the report has no root.</p>"
            );
        }
    }
    out.push_str("</section>\n");
    out
}

fn svg_open(out: &mut String, height: u64, title: &str) {
    let _ = writeln!(
        out,
        "<svg class=\"writ-chart\" viewBox=\"0 0 640 {height}\" width=\"100%\" role=\"img\" \
         preserveAspectRatio=\"xMinYMin meet\" font-family=\"sans-serif\" font-size=\"13\">\
         <title>{}</title>",
        escape(title)
    );
}

fn countries_chart(rows: &BTreeMap<CountryCode, OutcomeRow>) -> String {
    let mut top: Vec<(CountryCode, u64)> = rows.iter().map(|(c, r)| (*c, r.requests)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(20);
    let mut out = String::new();
    if top.is_empty() {
        out.push_str("<p>No requests in this period.</p>\n");
        return out;
    }
    let max = top.first().map_or(1, |t| t.1).max(1);
    let row_height = 22;
    svg_open(
        &mut out,
        top.len() as u64 * row_height + 4,
        "Law-enforcement requests per requesting country, top 20",
    );
    for (i, (code, requests)) in top.iter().enumerate() {
        let y = i as u64 * row_height + 2;
        let width = requests * 460 / max;
        let _ = writeln!(
            out,
            "<g><title>{}: {}</title><text x=\"0\" y=\"{}\">{}</text>\
             <rect x=\"40\" y=\"{y}\" width=\"{width}\" height=\"16\" fill=\"{LEGAL}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text></g>",
            escape(code.name()),
            count(*requests),
            y + 13,
            escape(code.as_str()),
            44 + width,
            y + 13,
            count(*requests)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A chart's legend, as HTML after it: body-sized text beside a colour swatch.
fn legend(out: &mut String, items: &[(&str, &str)]) {
    out.push_str("<ul class=\"writ-legend\">");
    for (label, colour) in items {
        let _ = write!(
            out,
            "<li><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">\
             <rect width=\"12\" height=\"12\" fill=\"{colour}\"/></svg>{}</li>",
            escape(label)
        );
    }
    out.push_str("</ul>\n");
}

/// 100 % stacked bars per half-year: criminal outcomes as shares of requests.
fn outcomes_chart(report: &Report) -> String {
    let mut out = String::new();
    let row_height = 22;
    let rows = report.trend.len() as u64;
    svg_open(
        &mut out,
        rows * row_height + 4,
        "Share of law-enforcement requests by outcome, per half-year",
    );
    for (i, point) in report.trend.iter().enumerate() {
        let y = i as u64 * row_height + 2;
        let row = &point.criminal;
        let other = row.redirected + row.withdrawn + row.pending;
        let parts = [
            ("content", row.content, CONTENT),
            ("non-content only", row.non_content, NON_CONTENT),
            ("no data found", row.no_data, NO_DATA),
            ("rejected", row.rejected, REJECTED),
            ("redirected, withdrawn or pending", other, OTHER),
        ];
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text>",
            y + 13,
            escape(&point.period.to_string())
        );
        let mut x = 70;
        for (label, part, colour) in parts {
            if row.requests == 0 || part == 0 {
                continue;
            }
            let width = part * 560 / row.requests;
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"16\" fill=\"{colour}\">\
                 <title>{} {label}: {} of {} ({})</title></rect>",
                escape(&point.period.to_string()),
                count(part),
                count(row.requests),
                percent(part, row.requests)
            );
            x += width;
        }
        out.push('\n');
    }
    out.push_str("</svg>\n");
    legend(
        &mut out,
        &[
            ("content", CONTENT),
            ("non-content only", NON_CONTENT),
            ("no data found", NO_DATA),
            ("rejected", REJECTED),
            ("redirected / withdrawn / pending", OTHER),
        ],
    );
    out
}

/// Requests per half-year, legal process and emergency side by side in one bar.
fn emergency_chart(report: &Report) -> String {
    let mut out = String::new();
    let row_height = 22;
    let rows = report.trend.len() as u64;
    let max = report
        .trend
        .iter()
        .map(|p| p.criminal.requests + p.emergency.requests)
        .max()
        .unwrap_or(0)
        .max(1);
    svg_open(
        &mut out,
        rows * row_height + 4,
        "Legal-process and emergency requests per half-year",
    );
    for (i, point) in report.trend.iter().enumerate() {
        let y = i as u64 * row_height + 2;
        let legal = point.criminal.requests;
        let emergency = point.emergency.requests;
        let legal_width = legal * 460 / max;
        let emergency_width = emergency * 460 / max;
        let label = escape(&point.period.to_string());
        let _ = writeln!(
            out,
            "<text x=\"0\" y=\"{}\">{label}</text>\
             <rect x=\"70\" y=\"{y}\" width=\"{legal_width}\" height=\"16\" fill=\"{LEGAL}\">\
             <title>{label} legal process: {}</title></rect>\
             <rect x=\"{}\" y=\"{y}\" width=\"{emergency_width}\" height=\"16\" fill=\"{EMERGENCY}\">\
             <title>{label} emergency: {}</title></rect>\
             <text x=\"{}\" y=\"{}\">{} / {}</text>",
            y + 13,
            count(legal),
            70 + legal_width,
            count(emergency),
            74 + legal_width + emergency_width,
            y + 13,
            count(legal),
            count(emergency)
        );
    }
    out.push_str("</svg>\n");
    legend(
        &mut out,
        &[("legal process", LEGAL), ("emergency", EMERGENCY)],
    );
    out
}

/// `label` names the scrolling region for a screen reader (it is the table's heading).
fn table_open(out: &mut String, label: &str, headers: &[&str]) {
    let _ = write!(
        out,
        "<div class=\"writ-table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{}\">\
         <table>\n<thead><tr>",
        escape(label)
    );
    for header in headers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(header));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

fn table_close(out: &mut String) {
    out.push_str("</tbody>\n</table></div>\n");
}

fn cells(out: &mut String, first: &str, values: &[String]) {
    let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape(first));
    for value in values {
        let _ = write!(out, "<td>{}</td>", escape(value));
    }
    out.push_str("</tr>\n");
}

fn outcome_cells(row: &OutcomeRow, with_percent: bool) -> Vec<String> {
    let n = |part: u64| {
        if with_percent {
            format!("{} ({})", count(part), percent(part, row.requests))
        } else {
            count(part)
        }
    };
    vec![
        count(row.requests),
        count(row.accounts),
        n(row.content),
        n(row.non_content),
        n(row.no_data),
        n(row.rejected),
    ]
}

fn outcome_table(
    out: &mut String,
    heading: &str,
    rows: &BTreeMap<CountryCode, OutcomeRow>,
    total: OutcomeRow,
    with_percent: bool,
) {
    let _ = writeln!(out, "<h3>{}</h3>", escape(heading));
    table_open(
        out,
        heading,
        &[
            "Country",
            "Requests",
            "Accounts specified",
            "Content disclosed",
            "Only non-content disclosed",
            "No data found",
            "Rejected",
        ],
    );
    for (code, row) in rows {
        cells(out, code.name(), &outcome_cells(row, with_percent));
    }
    cells(out, "Total", &outcome_cells(&total, with_percent));
    table_close(out);
}

fn enterprise_table(out: &mut String, report: &Report) {
    out.push_str("<h3>Requests about enterprise customers</h3>\n");
    table_open(
        out,
        "Requests about enterprise customers",
        &[
            "Country",
            "Requests",
            "Accounts",
            "Redirected to the customer",
            "Customer notified",
            "Content disclosed",
            "Only non-content disclosed",
            "Rejected",
        ],
    );
    let total = report.enterprise_total();
    let rows = report
        .enterprise
        .iter()
        .map(|(code, row)| (code.name(), *row))
        .chain([("Total", total)]);
    for (name, row) in rows {
        cells(
            out,
            name,
            &[
                count(row.requests),
                count(row.accounts),
                count(row.redirected),
                count(row.customer_notified),
                count(row.content),
                count(row.non_content),
                count(row.rejected),
            ],
        );
    }
    table_close(out);
}

fn preservation_table(out: &mut String, report: &Report) {
    out.push_str("<h3>Preservation requests</h3>\n");
    table_open(
        out,
        "Preservation requests",
        &["Country", "Requests", "Accounts"],
    );
    let total = report.preservation_total();
    let rows = report
        .preservation
        .iter()
        .map(|(code, row)| (code.name(), *row))
        .chain([("Total", total)]);
    for (name, row) in rows {
        cells(out, name, &[count(row.requests), count(row.accounts)]);
    }
    table_close(out);
}

fn red_lines_table(out: &mut String, report: &Report) {
    out.push_str(
        "<h3 id=\"red-lines\">Demands for keys, direct access or technical capability</h3>\n\
         <p>No government gets the provider's encryption keys, direct access to its systems or \
         customers' data, or the ability to break its encryption. Every such demand is \
         refused; the rest of the demand, if any, is decided on its own.</p>\n",
    );
    table_open(
        out,
        "Demands for keys, direct access or technical capability",
        &["Country", "Demands", "Refused"],
    );
    let rows = report
        .red_lines
        .iter()
        .map(|(code, row)| (code.name(), *row))
        .chain([("Total", report.red_lines_total())]);
    for (name, row) in rows {
        cells(out, name, &[count(row.requests), count(row.refused)]);
    }
    table_close(out);
    if let Some(band) = report.assistance_orders {
        let _ = writeln!(
            out,
            "<p>Assistance orders (All Writs Act orders, technical capability notices), secret \
             by statute: {}–{}, in the bands used for national-security process.</p>",
            count(band.lo()),
            count(band.hi())
        );
    }
}

fn national_security_table(out: &mut String, report: &Report) {
    let ns = &report.national_security;
    let _ = writeln!(
        out,
        "<h3>US national security process</h3>\n<p>Reported in bands of {} as {} allows.</p>",
        count(ns.band_width),
        escape(ns.statute)
    );
    table_open(
        out,
        "US national security process",
        &["Process", "Period", "Requests", "Accounts (selectors)"],
    );
    for figure in &ns.figures {
        let (requests, accounts) = match &figure.status {
            NsStatus::Published { requests, accounts } => (
                format!("{}–{}", count(requests.lo()), count(requests.hi())),
                format!("{}–{}", count(accounts.lo()), count(accounts.hi())),
            ),
            NsStatus::Withheld { reason, .. } => (format!("withheld: {reason}"), String::new()),
        };
        cells(
            out,
            figure.category.label(),
            &[figure.covers.clone(), requests, accounts],
        );
    }
    table_close(out);
}
