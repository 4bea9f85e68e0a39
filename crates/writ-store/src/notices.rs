//! The outbox of notices, the gag register and preservation holds: what runs by the
//! clock. Each change is written with its audit event in one transaction; where two
//! workers could race (sending a notice, expiring a hold), the change is conditional on
//! the row's state, so only one of them writes it.

use sqlx::{PgConnection, Row, SqliteConnection};
use writ_core::{Actor, AuditEntry, CaseId, Category, Timestamp};
use writ_ledger::Known;

use crate::db_time::DbTime;
use crate::queries::{Queries, notice_columns, notice_from_row};
use crate::records::{NewJob, Notice, NoticeRecipient, NoticeState};
use crate::summaries::{SummaryQueries, enum_column};
use crate::{Pool, Store, StoreError};

/// A non-disclosure order on a case's demand.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Gag {
    pub id: i64,
    pub case_id: CaseId,
    /// The law or order it rests on, as the demand gave it.
    pub basis: Option<String>,
    /// When it ends; `None`: indefinite.
    pub until: Option<Timestamp>,
    /// When a court lifted it.
    pub lifted_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Gag {
    /// Whether it still forbids telling the person at `now`.
    pub fn in_force(&self, now: Timestamp) -> bool {
        self.lifted_at.is_none() && self.until.is_none_or(|until| until > now)
    }
}

/// What a court did to a gag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GagChange {
    /// Extended (or shortened) to a new end; `None`: indefinitely.
    Extend(Option<Timestamp>),
    Lift,
}

pub use writ_core::preservation::NewHold;

/// A preservation hold: the provider's deletion jobs must keep this data until it expires.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Hold {
    pub id: i64,
    pub case_id: CaseId,
    pub account: String,
    pub category: Category,
    pub expires_at: Timestamp,
    pub extension_days: i32,
    pub extended_at: Option<Timestamp>,
    pub expired_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Hold {
    pub fn active(&self, now: Timestamp) -> bool {
        self.expired_at.is_none() && self.expires_at > now
    }
}

pub(crate) trait NoticeQueries {
    async fn insert_gag(
        &mut self,
        case: CaseId,
        basis: Option<&str>,
        until: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn gags(&mut self, id: Option<i64>, case: Option<CaseId>)
    -> Result<Vec<Gag>, StoreError>;
    async fn change_gag(
        &mut self,
        id: i64,
        change: &GagChange,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn insert_hold(
        &mut self,
        case: CaseId,
        hold: &NewHold,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn holds(
        &mut self,
        id: Option<i64>,
        account: Option<&str>,
        case: Option<CaseId>,
    ) -> Result<Vec<Hold>, StoreError>;
    async fn extend_hold(&mut self, id: i64, at: Timestamp) -> Result<bool, StoreError>;
    async fn expire_hold(&mut self, id: i64, at: Timestamp) -> Result<bool, StoreError>;
    async fn notice(&mut self, id: i64) -> Result<Option<(CaseId, Notice)>, StoreError>;
    async fn claim_notice(
        &mut self,
        id: i64,
        now: Timestamp,
        until: Option<Timestamp>,
    ) -> Result<bool, StoreError>;
    async fn set_notice_state(
        &mut self,
        id: i64,
        from: NoticeState,
        to: NoticeState,
        at: Timestamp,
        hold_reason: Option<&str>,
    ) -> Result<bool, StoreError>;
    async fn insert_escalation(
        &mut self,
        case: CaseId,
        step: &str,
        notified: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn escalations(&mut self, case: CaseId) -> Result<Vec<Escalation>, StoreError>;
}

/// A deadline escalation that was sent.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Escalation {
    /// `page` (an emergency, at once) or the fraction of the time gone (`0.75`).
    pub step: String,
    /// Who was told.
    pub notified: String,
    pub at: Timestamp,
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

fn case_column(text: &str, what: &str) -> Result<CaseId, StoreError> {
    CaseId::parse(text).map_err(|e| corrupt(what, e))
}

macro_rules! notice_queries_for {
    ($connection:ty) => {
        impl NoticeQueries for $connection {
            async fn insert_gag(
                &mut self,
                case: CaseId,
                basis: Option<&str>,
                until: Option<Timestamp>,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO gags (case_id, basis, until, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(case.to_string())
                .bind(basis)
                .bind(until.map(DbTime))
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn gags(
                &mut self,
                id: Option<i64>,
                case: Option<CaseId>,
            ) -> Result<Vec<Gag>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, case_id, basis, until, lifted_at, created_at FROM gags \
                     WHERE ($1 IS NULL OR id = $1) AND ($2 IS NULL OR case_id = $2) ORDER BY id",
                )
                .bind(id)
                .bind(case.map(|c| c.to_string()))
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let case: String = row.try_get("case_id")?;
                        Ok(Gag {
                            id: row.try_get("id")?,
                            case_id: case_column(&case, "gags.case_id")?,
                            basis: row.try_get("basis")?,
                            until: row.try_get::<Option<DbTime>, _>("until")?.map(|t| t.0),
                            lifted_at: row.try_get::<Option<DbTime>, _>("lifted_at")?.map(|t| t.0),
                            created_at: row.try_get::<DbTime, _>("created_at")?.0,
                        })
                    })
                    .collect()
            }

            async fn change_gag(
                &mut self,
                id: i64,
                change: &GagChange,
                at: Timestamp,
            ) -> Result<bool, StoreError> {
                let done = match change {
                    GagChange::Extend(until) => {
                        sqlx::query("UPDATE gags SET until = $1 WHERE id = $2 AND lifted_at IS NULL")
                            .bind(until.map(DbTime))
                            .bind(id)
                            .execute(&mut *self)
                            .await?
                    }
                    GagChange::Lift => {
                        sqlx::query("UPDATE gags SET lifted_at = $1 WHERE id = $2 AND lifted_at IS NULL")
                            .bind(DbTime(at))
                            .bind(id)
                            .execute(&mut *self)
                            .await?
                    }
                };
                Ok(done.rows_affected() == 1)
            }

            async fn insert_hold(
                &mut self,
                case: CaseId,
                hold: &NewHold,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO holds (case_id, account, category, expires_at, extension_days, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(case.to_string())
                .bind(&hold.account)
                .bind(hold.category.as_str())
                .bind(DbTime(hold.expires_at))
                .bind(hold.extension_days)
                .bind(DbTime(now))
                .execute(&mut *self)
                .await?;
                Ok(())
            }

            async fn holds(
                &mut self,
                id: Option<i64>,
                account: Option<&str>,
                case: Option<CaseId>,
            ) -> Result<Vec<Hold>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, case_id, account, category, expires_at, extension_days, extended_at, \
                     expired_at, created_at FROM holds WHERE ($1 IS NULL OR id = $1) \
                     AND ($2 IS NULL OR account = $2) AND ($3 IS NULL OR case_id = $3) ORDER BY id",
                )
                .bind(id)
                .bind(account)
                .bind(case.map(|c| c.to_string()))
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        let case: String = row.try_get("case_id")?;
                        Ok(Hold {
                            id: row.try_get("id")?,
                            case_id: case_column(&case, "holds.case_id")?,
                            account: row.try_get("account")?,
                            category: enum_column(row.try_get("category")?, "holds.category")?,
                            expires_at: row.try_get::<DbTime, _>("expires_at")?.0,
                            extension_days: row.try_get("extension_days")?,
                            extended_at: row.try_get::<Option<DbTime>, _>("extended_at")?.map(|t| t.0),
                            expired_at: row.try_get::<Option<DbTime>, _>("expired_at")?.map(|t| t.0),
                            created_at: row.try_get::<DbTime, _>("created_at")?.0,
                        })
                    })
                    .collect()
            }

            async fn extend_hold(&mut self, id: i64, at: Timestamp) -> Result<bool, StoreError> {
                let Some(hold) = self.holds(Some(id), None, None).await?.pop() else {
                    return Ok(false);
                };
                let until = hold
                    .expires_at
                    .checked_add(time::Duration::days(i64::from(hold.extension_days)))
                    .ok_or_else(|| StoreError::OutOfRange("the extended expiry".into()))?;
                let done = sqlx::query(
                    "UPDATE holds SET expires_at = $1, extended_at = $2 WHERE id = $3 \
                     AND extended_at IS NULL AND expired_at IS NULL AND extension_days > 0 \
                     AND expires_at > $2",
                )
                .bind(DbTime(until))
                .bind(DbTime(at))
                .bind(id)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn expire_hold(&mut self, id: i64, at: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE holds SET expired_at = $1 WHERE id = $2 AND expired_at IS NULL \
                     AND expires_at <= $1",
                )
                .bind(DbTime(at))
                .bind(id)
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn notice(&mut self, id: i64) -> Result<Option<(CaseId, Notice)>, StoreError> {
                let row = sqlx::query(concat!(
                    "SELECT case_id, ", notice_columns!(), " FROM notices WHERE id = $1"
                ))
                .bind(id)
                .fetch_optional(&mut *self)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let case: String = row.try_get("case_id")?;
                let case = case_column(&case, "notices.case_id")?;
                Ok(Some((case, notice_from_row!(row)?)))
            }

            async fn claim_notice(
                &mut self,
                id: i64,
                now: Timestamp,
                until: Option<Timestamp>,
            ) -> Result<bool, StoreError> {
                // With no `until`, the claim is given back (the sending failed).
                let done = match until {
                    Some(until) => sqlx::query(
                        "UPDATE notices SET sending_until = $1 WHERE id = $2 AND state = 'pending' \
                         AND (sending_until IS NULL OR sending_until <= $3)",
                    )
                    .bind(DbTime(until))
                    .bind(id)
                    .bind(DbTime(now))
                    .execute(&mut *self)
                    .await?,
                    None => sqlx::query("UPDATE notices SET sending_until = NULL WHERE id = $1")
                        .bind(id)
                        .execute(&mut *self)
                        .await?,
                };
                Ok(done.rows_affected() == 1)
            }

            async fn insert_escalation(
                &mut self,
                case: CaseId,
                step: &str,
                notified: &str,
                at: Timestamp,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO escalations (case_id, step, notified, at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(case.to_string())
                .bind(step)
                .bind(notified)
                .bind(DbTime(at))
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn escalations(&mut self, case: CaseId) -> Result<Vec<Escalation>, StoreError> {
                let rows = sqlx::query(
                    "SELECT step, notified, at FROM escalations WHERE case_id = $1 ORDER BY at, step",
                )
                .bind(case.to_string())
                .fetch_all(&mut *self)
                .await?;
                rows.into_iter()
                    .map(|row| {
                        Ok(Escalation {
                            step: row.try_get("step")?,
                            notified: row.try_get("notified")?,
                            at: row.try_get::<DbTime, _>("at")?.0,
                        })
                    })
                    .collect()
            }

            async fn set_notice_state(
                &mut self,
                id: i64,
                from: NoticeState,
                to: NoticeState,
                at: Timestamp,
                hold_reason: Option<&str>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE notices SET state = $1, \
                     sent_at = CASE WHEN $1 = 'sent' THEN $2 ELSE sent_at END, \
                     hold_reason = COALESCE($3, hold_reason) WHERE id = $4 AND state = $5",
                )
                .bind(to.as_str())
                .bind(DbTime(at))
                .bind(hold_reason)
                .bind(id)
                .bind(from.as_str())
                .execute(&mut *self)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

notice_queries_for!(SqliteConnection);
notice_queries_for!(PgConnection);

impl Store {
    /// A notice and the case it is about.
    pub async fn notice(&self, id: i64) -> Result<(CaseId, Notice), StoreError> {
        with_connection!(self, |conn| { conn.notice(id).await })?.ok_or_else(|| {
            StoreError::NotFound {
                what: "notice",
                id: id.to_string(),
            }
        })
    }

    /// Takes a pending notice for sending until `until`: false if it is not pending or
    /// another worker is sending it. Only the worker that took it sends it.
    pub async fn claim_notice(
        &self,
        id: i64,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| { tx.claim_notice(id, now, Some(until)).await })
    }

    /// Gives back a notice whose sending failed, so it is tried again.
    pub async fn unclaim_notice(&self, id: i64, now: Timestamp) -> Result<(), StoreError> {
        in_transaction!(self, |tx| {
            tx.claim_notice(id, now, None).await?;
            Ok(())
        })
    }

    /// Records that a pending notice went out, with its `notice.sent` audit event. False
    /// (and nothing written) if it is no longer pending: held meanwhile, or sent by
    /// another worker.
    pub async fn notice_sent(&self, id: i64, at: Timestamp) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| {
            let Some((case, notice)) = tx.notice(id).await? else {
                return Ok(false);
            };
            if !tx
                .set_notice_state(id, NoticeState::Pending, NoticeState::Sent, at, None)
                .await?
            {
                return Ok(false);
            }
            if notice.recipient == NoticeRecipient::TenantAdmin {
                tx.set_customer_notified(case).await?;
            }
            let entry = AuditEntry::new(at, Actor::System, "notice.sent")
                .for_case(case)
                .with_details(serde_json::json!({
                    "notice": id,
                    "recipient": notice.recipient,
                    "address": notice.address,
                    "subject": notice.subject,
                }));
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }

    /// Holds a pending notice back, for a legal `reason`, with its audit event. False if
    /// it is not pending.
    pub async fn hold_notice(
        &self,
        id: i64,
        reason: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| {
            let Some((case, _)) = tx.notice(id).await? else {
                return Err(StoreError::NotFound {
                    what: "notice",
                    id: id.to_string(),
                });
            };
            if !tx
                .set_notice_state(
                    id,
                    NoticeState::Pending,
                    NoticeState::Held,
                    at,
                    Some(reason),
                )
                .await?
            {
                return Ok(false);
            }
            let entry = AuditEntry::new(at, actor.clone(), "notice.held")
                .for_case(case)
                .with_details(serde_json::json!({"notice": id, "reason": reason}));
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }

    /// Records that the on-call approver was told of a case's deadline (`step`), with
    /// its audit event. False (nothing written) if that step was recorded before.
    pub async fn record_escalation(
        &self,
        case: CaseId,
        step: &str,
        notified: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| {
            if !tx.insert_escalation(case, step, notified, at).await? {
                return Ok(false);
            }
            let entry = AuditEntry::new(at, Actor::System, "case.escalated")
                .for_case(case)
                .with_details(serde_json::json!({"step": step, "notified": notified}));
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }

    /// The escalations sent for a case, oldest first.
    pub async fn escalations(&self, case: CaseId) -> Result<Vec<Escalation>, StoreError> {
        with_connection!(self, |conn| { conn.escalations(case).await })
    }

    /// Every gag in the register, oldest first.
    pub async fn gags(&self) -> Result<Vec<Gag>, StoreError> {
        with_connection!(self, |conn| { conn.gags(None, None).await })
    }

    /// The gag on a case's demand, if it has one.
    pub async fn gag_of_case(&self, case: CaseId) -> Result<Option<Gag>, StoreError> {
        with_connection!(self, |conn| {
            Ok(conn.gags(None, Some(case)).await?.pop())
        })
    }

    pub async fn gag(&self, id: i64) -> Result<Gag, StoreError> {
        with_connection!(self, |conn| { conn.gags(Some(id), None).await })?
            .pop()
            .ok_or_else(|| StoreError::NotFound {
                what: "gag",
                id: id.to_string(),
            })
    }

    /// Records a court's extension or lifting of a gag, with its audit event, and queues
    /// `jobs` (the case's notices, which may now go out) in the same transaction. False
    /// if the gag was already lifted.
    pub async fn change_gag(
        &self,
        id: i64,
        change: &GagChange,
        reason: &str,
        actor: &Actor,
        at: Timestamp,
        jobs: &[NewJob],
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| {
            let Some(gag) = tx.gags(Some(id), None).await?.pop() else {
                return Err(StoreError::NotFound {
                    what: "gag",
                    id: id.to_string(),
                });
            };
            if !tx.change_gag(id, change, at).await? {
                return Ok(false);
            }
            let (action, details) = match change {
                GagChange::Extend(until) => (
                    "gag.extended",
                    serde_json::json!({"gag": id, "from": gag.until, "until": until, "reason": reason}),
                ),
                GagChange::Lift => (
                    "gag.lifted",
                    serde_json::json!({"gag": id, "reason": reason}),
                ),
            };
            for job in jobs {
                tx.insert_job(job, at).await?;
            }
            let entry = AuditEntry::new(at, actor.clone(), action)
                .for_case(gag.case_id)
                .with_details(details);
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }

    /// The holds on an account (all accounts: `None`), active or not, oldest first.
    pub async fn holds(&self, account: Option<&str>) -> Result<Vec<Hold>, StoreError> {
        with_connection!(self, |conn| { conn.holds(None, account, None).await })
    }

    pub async fn holds_of_case(&self, case: CaseId) -> Result<Vec<Hold>, StoreError> {
        with_connection!(self, |conn| { conn.holds(None, None, Some(case)).await })
    }

    pub async fn hold(&self, id: i64) -> Result<Hold, StoreError> {
        with_connection!(self, |conn| { conn.holds(Some(id), None, None).await })?
            .pop()
            .ok_or_else(|| StoreError::NotFound {
                what: "hold",
                id: id.to_string(),
            })
    }

    /// Extends an active hold once by its rule's extension, with its audit event, and
    /// queues `jobs` (its new expiry). False when it may not be: extended before, expired,
    /// or its rule allows no extension.
    pub async fn extend_hold(
        &self,
        id: i64,
        reason: &str,
        actor: &Actor,
        at: Timestamp,
        jobs: &[NewJob],
    ) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| {
            if !tx.extend_hold(id, at).await? {
                return Ok(false);
            }
            let Some(hold) = tx.holds(Some(id), None, None).await?.pop() else {
                return Ok(false);
            };
            for job in jobs {
                tx.insert_job(job, at).await?;
            }
            let entry = AuditEntry::new(at, actor.clone(), "hold.extended")
                .for_case(hold.case_id)
                .with_details(serde_json::json!({
                    "hold": id, "account": hold.account, "category": hold.category,
                    "expires_at": hold.expires_at, "reason": reason,
                }));
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }

    /// Ends a hold whose time has come, with its audit event. False if it has not come
    /// (the hold was extended) or the hold already ended.
    pub async fn expire_hold(&self, id: i64, at: Timestamp) -> Result<bool, StoreError> {
        in_transaction!(self, |tx| {
            if !tx.expire_hold(id, at).await? {
                return Ok(false);
            }
            let Some(hold) = tx.holds(Some(id), None, None).await?.pop() else {
                return Ok(false);
            };
            let entry = AuditEntry::new(at, Actor::System, "hold.expired")
                .for_case(hold.case_id)
                .with_details(serde_json::json!({
                    "hold": id, "account": hold.account, "category": hold.category,
                }));
            tx.append_audit(&entry, &mut Known::new()).await?;
            Ok(true)
        })
    }
}
