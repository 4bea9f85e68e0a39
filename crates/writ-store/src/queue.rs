//! The staff queue, a page at a time: open cases by default, emergencies first, then
//! by deadline; filtered and searched, every filter behind an index.
//!
//! Pages are keyset pages over `cases.queue_key`, the queue's order written as one
//! text when the case opens (none of its parts ever changes). A page starts after the
//! last key of the one before, so cases that arrive while someone pages never shift
//! what they have not seen yet, and no case already there is shown twice.

use sqlx::{PgConnection, QueryBuilder, Row, SqliteConnection};
use writ_core::policy::{Decision, Route};
use writ_core::{
    AgencyId, CaseId, CaseState, CountryCode, Demand, TargetKind, TargetValue, Timestamp, UserId,
};

use crate::db_time::DbTime;
use crate::queries::{case_columns, case_from_row, corrupt, json_column};
use crate::records::CaseRecord;
use crate::{Pool, Store, StoreError};

/// The largest page.
pub const MAX_PAGE: u32 = 500;

/// Which cases, in queue order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseQuery {
    /// `None`: the open cases (not in a final state); `Some(empty)`: every state.
    pub states: Option<Vec<CaseState>>,
    /// A reference (exact, or its start; any case), a target's identifier (exact,
    /// after intake's normalisation) or a case id.
    pub search: Option<String>,
    pub agency: Option<AgencyId>,
    pub country: Option<CountryCode>,
    pub instrument: Option<String>,
    /// Received at or after.
    pub received_from: Option<Timestamp>,
    /// Received before.
    pub received_to: Option<Timestamp>,
    /// Only cases whose deadline passed before this time (and still open).
    pub overdue_at: Option<Timestamp>,
    /// Only cases escalated to the on-call approver.
    pub escalated: bool,
    /// Only cases the engine routed so (`counsel`: the counsel view).
    pub route: Option<Route>,
    /// Only cases assigned to this member of staff (`mine`).
    pub assignee: Option<UserId>,
    /// The last key of the page before.
    pub after: Option<String>,
    /// At most this many (1 to [`MAX_PAGE`]).
    pub limit: u32,
}

/// A page of the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct CasePage {
    pub cases: Vec<CaseRecord>,
    /// The key to start the next page after; `None` on the last page.
    pub next: Option<String>,
}

/// Final states: what the queue leaves out unless asked.
const FINAL_STATES: &str = "('delivered', 'rejected', 'redirected', 'withdrawn', 'closed')";

/// The queue's order for one case, as one text.
pub(crate) fn queue_key(
    emergency: bool,
    deadline: Option<Timestamp>,
    received_at: Timestamp,
    id: CaseId,
) -> String {
    format!(
        "{}{}|{}|{id}",
        if emergency { '0' } else { '1' },
        deadline.map_or_else(|| "~".to_owned(), |d| DbTime(d).sortable()),
        DbTime(received_at).sortable(),
    )
}

/// The decision's route as the queue filters on it (`counsel`).
pub(crate) fn route_of(decision: Option<&Decision>) -> Option<String> {
    decision.map(|d| crate::summaries::enum_text(d.route))
}

/// The identifiers a demand names, as intake normalised them: what search finds.
pub(crate) fn target_values(demand: &Demand) -> Vec<String> {
    let mut values: Vec<String> = demand
        .targets
        .iter()
        .filter_map(|t| match &t.value {
            TargetValue::Specific(id) => Some(id.to_string().to_lowercase()),
            TargetValue::NotSpecific(_) => None,
        })
        .collect();
    values.sort();
    values.dedup();
    values
}

/// What `text` would be as a target of each kind, normalised as intake does.
fn search_values(text: &str) -> Vec<String> {
    let kinds = [
        TargetKind::Email,
        TargetKind::Phone,
        TargetKind::Username,
        TargetKind::AccountId,
        TargetKind::Ip,
        TargetKind::DeviceId,
    ];
    let mut values: Vec<String> = kinds
        .into_iter()
        .filter_map(|kind| match TargetValue::parse(kind, text) {
            Ok(TargetValue::Specific(id)) => Some(id.to_string().to_lowercase()),
            _ => None,
        })
        .collect();
    values.sort();
    values.dedup();
    values
}

/// The search text of `query`, if it has one.
fn search_text(query: &CaseQuery) -> Option<&str> {
    query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// What the statement needs to know of a search before it is written.
pub(crate) struct SearchPlan {
    /// The reference prefix matches at least [`BROAD_SEARCH`] cases.
    broad: bool,
    identifier: TargetMatches,
}

/// A prefix matching this many cases is searched by walking the queue.
const BROAD_SEARCH: i64 = 1000;

/// What a search finds by target identifier.
pub(crate) enum TargetMatches {
    /// The cases naming it, looked up first.
    Cases(Vec<String>),
    /// The normalised identifiers, when more than [`MAX_TARGET_CASES`] cases name them:
    /// matched in the statement itself instead.
    Values(Vec<String>),
}

/// The most cases a search lists by id.
const MAX_TARGET_CASES: usize = 10_000;

/// Pushes the WHERE and ORDER BY of `query` (one statement text for both backends),
/// with `targets` the [`SearchPlan`] of its search.
macro_rules! push_queue_clauses {
    ($builder:expr, $query:expr, $targets:expr) => {{
        let builder = $builder;
        let query: &CaseQuery = $query;
        match &query.states {
            None => {
                builder.push(" WHERE state NOT IN ");
                builder.push(FINAL_STATES);
            }
            Some(states) if states.is_empty() => {
                builder.push(" WHERE 1 = 1");
            }
            Some(states) => {
                builder.push(" WHERE state IN (");
                let mut list = builder.separated(", ");
                for state in states {
                    list.push_bind(state.as_str());
                }
                builder.push(")");
            }
        }
        if let Some(after) = &query.after {
            builder.push(" AND queue_key > ").push_bind(after.clone());
        }
        if let Some(country) = &query.country {
            builder
                .push(" AND authority_country = ")
                .push_bind(country.as_str().to_owned());
        }
        if let Some(instrument) = &query.instrument {
            builder
                .push(" AND instrument = ")
                .push_bind(instrument.clone());
        }
        if let Some(agency) = &query.agency {
            builder
                .push(" AND agency_id = ")
                .push_bind(agency.as_str().to_owned());
        }
        if let Some(from) = query.received_from {
            builder.push(" AND received_at >= ").push_bind(DbTime(from));
        }
        if let Some(to) = query.received_to {
            builder.push(" AND received_at < ").push_bind(DbTime(to));
        }
        if let Some(now) = query.overdue_at {
            builder.push(" AND deadline < ").push_bind(DbTime(now));
            builder.push(" AND state NOT IN ");
            builder.push(FINAL_STATES);
        }
        if let Some(route) = query.route {
            builder
                .push(" AND route = ")
                .push_bind(crate::summaries::enum_text(route));
        }
        if let Some(user) = query.assignee {
            builder.push(" AND assignee = ").push_bind(user.to_string());
        }
        if query.escalated {
            builder.push(" AND EXISTS (SELECT 1 FROM escalations e WHERE e.case_id = cases.id)");
        }
        if let Some(text) = search_text(query) {
            // A narrow search reads its few matches through their indexes (one range
            // or list per term: as a subquery, PostgreSQL would walk the whole queue for
            // one match) and sorts them. A broad prefix, matching thousands, instead
            // walks the queue's index and stops at the page's end: the reference is
            // then compared as an expression, which no index serves.
            let folded = text.to_lowercase();
            builder
                .push(match $targets.broad {
                    true => " AND (((reference_key || '') >= ",
                    false => " AND ((reference_key >= ",
                })
                .push_bind(folded.clone())
                .push(" AND reference_key < ")
                .push_bind(format!("{folded}\u{10FFFF}"))
                .push(")");
            if let Ok(id) = CaseId::parse(text) {
                builder.push(" OR id = ").push_bind(id.to_string());
            }
            let (open, items, close) = match &$targets.identifier {
                TargetMatches::Cases(ids) => (" OR id IN (", ids, ")"),
                TargetMatches::Values(values) => (
                    " OR id IN (SELECT case_id FROM case_targets WHERE value IN (",
                    values,
                    "))",
                ),
            };
            if !items.is_empty() {
                builder.push(open);
                let mut list = builder.separated(", ");
                for item in items {
                    list.push_bind(item.clone());
                }
                builder.push(close);
            }
            builder.push(")");
        }
        builder.push(" ORDER BY queue_key LIMIT ");
        builder.push_bind(i64::from(query.limit.clamp(1, MAX_PAGE)));
    }};
}

pub(crate) trait QueueQueries {
    async fn queue(&mut self, query: &CaseQuery) -> Result<CasePage, StoreError>;
    /// How broad the search for `text` is, and the cases naming it as an identifier.
    async fn plan_search(&mut self, text: &str) -> Result<SearchPlan, StoreError>;
    async fn insert_targets(&mut self, case: CaseId, values: &[String]) -> Result<(), StoreError>;
}

macro_rules! queue_queries_for {
    ($connection:ty) => {
        impl QueueQueries for $connection {
            async fn queue(&mut self, query: &CaseQuery) -> Result<CasePage, StoreError> {
                let mut builder = QueryBuilder::new(concat!(
                    "SELECT ",
                    case_columns!(),
                    ", queue_key FROM cases"
                ));
                let targets = match search_text(query) {
                    Some(text) => self.plan_search(text).await?,
                    None => SearchPlan {
                        broad: false,
                        identifier: TargetMatches::Cases(Vec::new()),
                    },
                };
                push_queue_clauses!(&mut builder, query, &targets);
                let rows = builder.build().fetch_all(&mut *self).await?;
                let full = rows.len() == query.limit.clamp(1, MAX_PAGE) as usize;
                let next = match rows.last() {
                    Some(row) if full => Some(row.try_get::<String, _>("queue_key")?),
                    _ => None,
                };
                let cases = rows
                    .into_iter()
                    .map(|row| case_from_row!(row))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(CasePage { cases, next })
            }

            async fn plan_search(&mut self, text: &str) -> Result<SearchPlan, StoreError> {
                let folded = text.to_lowercase();
                let prefixed: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE reference_key >= $1 \
                     AND reference_key < $2 LIMIT $3) AS matches",
                )
                .bind(&folded)
                .bind(format!("{folded}\u{10FFFF}"))
                .bind(BROAD_SEARCH)
                .fetch_one(&mut *self)
                .await?;
                let values = search_values(text);
                let identifier = if values.is_empty() {
                    TargetMatches::Cases(Vec::new())
                } else {
                    let mut select =
                        QueryBuilder::new("SELECT case_id FROM case_targets WHERE value IN (");
                    let mut list = select.separated(", ");
                    for value in &values {
                        list.push_bind(value.clone());
                    }
                    select.push(") LIMIT ");
                    select.push_bind(MAX_TARGET_CASES as i64 + 1);
                    let ids: Vec<String> =
                        select.build_query_scalar().fetch_all(&mut *self).await?;
                    match ids.len() > MAX_TARGET_CASES {
                        true => TargetMatches::Values(values),
                        false => TargetMatches::Cases(ids),
                    }
                };
                Ok(SearchPlan {
                    broad: prefixed >= BROAD_SEARCH,
                    identifier,
                })
            }

            async fn insert_targets(
                &mut self,
                case: CaseId,
                values: &[String],
            ) -> Result<(), StoreError> {
                for value in values {
                    sqlx::query("INSERT INTO case_targets (value, case_id) VALUES ($1, $2)")
                        .bind(value)
                        .bind(case.to_string())
                        .execute(&mut *self)
                        .await?;
                }
                Ok(())
            }
        }
    };
}

queue_queries_for!(SqliteConnection);
queue_queries_for!(PgConnection);

impl Store {
    /// A page of the queue (see [`CaseQuery`]).
    pub async fn queue(&self, query: &CaseQuery) -> Result<CasePage, StoreError> {
        with_connection!(self, |conn| { conn.queue(query).await })
    }
}
