//! The staff queue's query string, read once for the API and the console: `limit`,
//! `cursor`, `state` (repeatable, or `any`), `q`, `agency`, `country`, `instrument`,
//! `received_from`, `received_to`, `overdue`, `escalated`, `mine` (assigned to the
//! caller), `route` (`counsel`: the counsel view). Empty values are ignored
//! (a console form sends every field).

use writ_core::{AgencyId, CaseState, CountryCode, Timestamp, UserId};
use writ_store::{CaseQuery, MAX_PAGE};

use writ_app::AppError;

use crate::ApiError;

/// Cases per page unless `limit` says otherwise.
pub const DEFAULT_PAGE: u32 = 50;

fn bad(field: &str, message: impl std::fmt::Display) -> ApiError {
    AppError::BadRequest {
        field: Some(field.into()),
        message: format!("{field}: {message}"),
    }
    .into()
}

/// A date (`2026-01-31`, midnight UTC) or an RFC 3339 time.
fn time(field: &str, text: &str) -> Result<Timestamp, ApiError> {
    let text = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    Timestamp::parse(&text).map_err(|e| bad(field, e))
}

fn flag(field: &str, text: &str) -> Result<bool, ApiError> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(bad(field, "true or false")),
    }
}

/// The query the pairs ask for, `now` deciding what is overdue and `me` whose cases
/// are `mine`.
pub fn parse(
    pairs: &[(String, String)],
    now: Timestamp,
    me: UserId,
) -> Result<CaseQuery, ApiError> {
    let mut query = CaseQuery {
        limit: DEFAULT_PAGE,
        ..CaseQuery::default()
    };
    let mut states = Vec::new();
    let mut any = false;
    for (key, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "limit" => {
                query.limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| bad("limit", format!("a number from 1 to {MAX_PAGE}")))?;
            }
            "cursor" => {
                let key = hex::decode(value)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(|| bad("cursor", "not a cursor writ gave"))?;
                query.after = Some(key);
            }
            "state" if value == "any" => any = true,
            "state" => states.push(value.parse::<CaseState>().map_err(|e| bad("state", e))?),
            "q" => query.search = Some(value.to_owned()),
            "agency" => query.agency = Some(AgencyId::parse(value).map_err(|e| bad("agency", e))?),
            "country" => {
                query.country = Some(CountryCode::parse(value).map_err(|e| bad("country", e))?);
            }
            "instrument" => query.instrument = Some(value.to_owned()),
            "received_from" => query.received_from = Some(time("received_from", value)?),
            "received_to" => query.received_to = Some(time("received_to", value)?),
            "overdue" => query.overdue_at = flag("overdue", value)?.then_some(now),
            "escalated" => query.escalated = flag("escalated", value)?,
            "mine" => query.assignee = flag("mine", value)?.then_some(me),
            "route" => {
                query.route = Some(
                    serde_json::from_value(serde_json::Value::String(value.to_owned()))
                        .map_err(|_| bad("route", "not a route (`counsel`, `process`, …)"))?,
                );
            }
            other => return Err(bad(other, "not a filter of the queue")),
        }
    }
    query.states = if any {
        Some(Vec::new())
    } else if states.is_empty() {
        None
    } else {
        Some(states)
    };
    Ok(query)
}

/// The URL of the page after the last key `next`: `path` with the same filters.
pub fn next_url(path: &str, pairs: &[(String, String)], next: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if key != "cursor" && !value.trim().is_empty() {
            out.append_pair(key, value);
        }
    }
    out.append_pair("cursor", &hex::encode(next));
    format!("{path}?{}", out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> UserId {
        UserId::parse("5f0c2b9e-7d1a-4e3b-9c8d-2a6f4b1e0d3c").unwrap()
    }

    fn pairs(text: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect()
    }

    #[test]
    fn filters_are_read_and_bad_ones_named() {
        let now = Timestamp::parse("2026-03-01T00:00:00Z").unwrap();
        let query = parse(
            &pairs("state=received&state=in_review&country=DE&overdue=true&limit=7&q=&received_from=2026-01-01"),
            now,
            me(),
        )
        .unwrap();
        assert_eq!(
            query.states,
            Some(vec![CaseState::Received, CaseState::InReview])
        );
        assert_eq!(query.limit, 7);
        assert_eq!(query.overdue_at, Some(now));
        assert_eq!(query.search, None);
        assert_eq!(query.assignee, None);
        let mine = parse(&pairs("mine=true"), now, me()).unwrap();
        assert_eq!(mine.assignee, Some(me()));
        assert_eq!(
            query.received_from,
            Some(Timestamp::parse("2026-01-01T00:00:00Z").unwrap())
        );
        assert_eq!(
            parse(&pairs("state=any&state=closed"), now, me())
                .unwrap()
                .states,
            Some(vec![])
        );
        assert_eq!(parse(&[], now, me()).unwrap().states, None);
        for (text, field) in [
            ("limit=0", "limit"),
            ("limit=501", "limit"),
            ("cursor=zz", "cursor"),
            ("state=pending", "state"),
            ("country=UK", "country"),
            ("overdue=yes", "overdue"),
            ("mine=me", "mine"),
            ("colour=red", "colour"),
        ] {
            match parse(&pairs(text), now, me()) {
                Err(ApiError::App(AppError::BadRequest { field: Some(f), .. })) => {
                    assert_eq!(f, field, "{text}")
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_next_url_keeps_the_filters_and_its_cursor_reads_back() {
        let url = next_url(
            "/api/v1/cases",
            &pairs("state=any&q=a b&cursor=00&limit=2"),
            "1~|x",
        );
        assert_eq!(url, "/api/v1/cases?state=any&q=a+b&limit=2&cursor=317e7c78");
        let query = parse(
            &pairs(url.split_once('?').unwrap().1),
            Timestamp::parse("2026-03-01T00:00:00Z").unwrap(),
            me(),
        )
        .unwrap();
        assert_eq!(query.after.as_deref(), Some("1~|x"));
    }
}
