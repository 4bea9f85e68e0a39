//! `/transparency`: the public report (no sign-in), with its CSV and JSON beside it.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use writ_report::{
    HalfYear, Report, Style, render_csv, render_html, render_json, stylesheet_csp_source,
};

use super::{WebError, render};
use writ_app::AppError;

use crate::ApiError;
use crate::access::AppState;

#[derive(Deserialize)]
pub(crate) struct ReportQuery {
    period: Option<String>,
    style: Option<String>,
    /// A published version (the latest without one).
    version: Option<u32>,
}

#[derive(Template)]
#[template(path = "transparency.html")]
struct TransparencyPage {
    period: String,
    section: String,
    checkpoint_size: u64,
    checkpoint_root: String,
}

/// The report for the period asked for, or the one in progress. Counts only: the
/// store is read without a desk because nothing about any one case leaves it.
async fn report(state: &AppState, query: &ReportQuery) -> Result<Arc<Report>, ApiError> {
    let period = query.period.as_deref();
    let now = state.clock.now();
    let period = match period {
        Some(text) => text.parse::<HalfYear>().map_err(|e| AppError::BadRequest {
            field: Some("period".into()),
            message: format!("period: {e}"),
        })?,
        None => HalfYear::containing(now).ok_or(AppError::NotFound)?,
    };
    Ok(writ_app::transparency::cached_report(
        &state.reports,
        state.unsafe_store(),
        period,
        state.publication(),
        query.version,
        now,
    )
    .await?)
}

/// `GET /transparency?period=2026-H2`
pub(crate) async fn page(
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let report = report(&state, &query).await?;
    let page = TransparencyPage {
        period: report.period.to_string(),
        section: render_html(&report),
        checkpoint_size: report.checkpoint.size,
        checkpoint_root: report.checkpoint.root.clone(),
    };
    // The report's section carries its own `<style>`: allow exactly that one, by hash.
    let csp = super::CSP.replacen(
        "style-src 'self'",
        &format!("style-src 'self' {}", stylesheet_csp_source()),
        1,
    );
    Ok(([(header::CONTENT_SECURITY_POLICY, csp)], render(&page)?).into_response())
}

/// `GET /transparency/report.csv?period=&style=microsoft|google`
pub(crate) async fn csv(
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let style = match query.style.as_deref() {
        None => Style::Microsoft,
        Some(text) => text.parse::<Style>().map_err(|_| AppError::BadRequest {
            field: Some("style".into()),
            message: "style: microsoft or google".into(),
        })?,
    };
    let report = report(&state, &query).await?;
    let name = format!(
        "attachment; filename=\"writ-transparency-{}.csv\"",
        report.period
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        render_csv(&report, style),
    )
        .into_response())
}

/// `GET /transparency/report.json?period=`
pub(crate) async fn json(
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, WebError> {
    let report = report(&state, &query).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        render_json(&report),
    )
        .into_response())
}
