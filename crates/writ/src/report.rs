//! `writ report`: the transparency report for a half-year, from the store (at its latest
//! signed checkpoint) or from a file of case summaries.

use std::path::PathBuf;

use writ_core::Clock;
use writ_report::{
    Anchor, BandOption, HalfYear, NsOptions, Report, ReportOptions, Style, read_json_lines,
    render_csv, render_html, render_json,
};

use crate::config::Config;
use crate::{Failure, clock, print, runtime};

pub struct Request {
    pub period: String,
    pub format: String,
    pub style: String,
    pub input: Option<PathBuf>,
    pub bands: Option<String>,
    pub config: Config,
}

pub fn run(request: Request) -> Result<(), Failure> {
    let invalid = |flag: &str, e: &dyn std::fmt::Display| Failure::Invalid(format!("{flag}: {e}"));
    let period: HalfYear = request
        .period
        .parse()
        .map_err(|e| invalid("--period", &e))?;
    let style: Style = request
        .style
        .parse()
        .map_err(|_| invalid("--style", &"microsoft or google"))?;
    let bands = match &request.bands {
        None => request.config.report.national_security_bands,
        Some(text) => BandOption::ALL
            .into_iter()
            .find(|b| b.as_str() == text)
            .ok_or_else(|| invalid("--bands", &"band1000, band500, band250 or band100"))?,
    };
    if !matches!(request.format.as_str(), "csv" | "json" | "html") {
        return Err(invalid("--format", &"csv, json or html"));
    }
    let now = clock::SystemClock.now();
    let assistance_orders = request.config.report.assistance_orders;
    let report = match &request.input {
        Some(path) => {
            let file =
                std::fs::File::open(path).map_err(|e| invalid(&path.display().to_string(), &e))?;
            let summaries = read_json_lines(std::io::BufReader::new(file))
                .map_err(|e| invalid(&path.display().to_string(), &e))?;
            // Summaries from a file carry no audit log: the report says so (size 0).
            let anchor = Anchor {
                size: 0,
                root: writ_ledger::EMPTY_TREE_HASH.to_string(),
                note: format!(
                    "computed from {}, not from writ's audit log",
                    path.display()
                ),
            };
            let options = ReportOptions {
                assistance_orders,
                ..ReportOptions::new(NsOptions::new(bands), now)
            };
            Report::build(&summaries, period, anchor, &options).map_err(|e| invalid("input", &e))?
        }
        None => runtime()?.block_on(async {
            let store = crate::open_store(&request.config.database()?).await?;
            let report = writ_app::transparency::report(
                &store,
                period,
                writ_app::transparency::Publication {
                    bands,
                    assistance_orders,
                },
                now,
            )
            .await;
            store.close().await;
            anyhow::Ok(report?)
        })?,
    };
    print(&match request.format.as_str() {
        "json" => render_json(&report),
        "html" => format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>Transparency report {}</title></head><body>\n{}\n</body></html>\n",
            report.period,
            render_html(&report)
        ),
        _ => render_csv(&report, style),
    });
    Ok(())
}
