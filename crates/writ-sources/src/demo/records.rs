//! The demo provider's database: its directory (tenants, accounts, devices) and its
//! records (IP sessions, calls, instant messages), in SQLite or PostgreSQL.
//!
//! This schema is what the default queries of [`crate::directory`] and
//! [`crate::records`] read. Times are `timestamptz` on PostgreSQL and, on SQLite, UTC
//! text in one fixed width (`2026-03-02T09:00:00.000000Z`), so text order is time order.
//! IP addresses are text in canonical form (`203.0.113.7`, `2001:db8::1`).
//!
//! [`write_records`] fills it from a [`DemoSpec`], deterministically from the seed: an
//! account's records depend only on the seed, the account and its place in the spec,
//! never on the clock. Accounts are written in groups, one transaction each, so memory
//! stays small for 10,000 accounts. [`ProviderDb::add`] adds hand-made records in tests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;
use writ_core::Timestamp;
use writ_core::demand::Period;

use super::{DemoAccount, DemoSpec, DemoTenant};
use crate::records::DatabaseUrl;
use crate::records::sql::{Access, Db, DbTime, on_pool};

/// The demo schema on SQLite.
pub const SQLITE_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    seats       INTEGER NOT NULL,
    admin_email TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    phone         TEXT,
    username      TEXT NOT NULL UNIQUE,
    tenant_id     TEXT REFERENCES tenants (id),
    created_at    TEXT NOT NULL,
    plan          TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_phone ON accounts (phone);
CREATE TABLE IF NOT EXISTS devices (
    device_id  TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind       TEXT NOT NULL,
    first_seen TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_account ON devices (account_id);
CREATE TABLE IF NOT EXISTS ip_sessions (
    id         INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    device_id  TEXT,
    ip         TEXT NOT NULL,
    port       INTEGER,
    started_at TEXT NOT NULL,
    ended_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ip_sessions_account ON ip_sessions (account_id, started_at);
CREATE INDEX IF NOT EXISTS ip_sessions_ip ON ip_sessions (ip, started_at);
CREATE TABLE IF NOT EXISTS calls (
    id          INTEGER PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    other_party TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    duration_s  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_account ON calls (account_id, started_at);
CREATE TABLE IF NOT EXISTS messages (
    id         INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    direction  TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    peer       TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_account ON messages (account_id, sent_at);
"#;

/// The demo schema on PostgreSQL.
pub const POSTGRES_SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    seats       INTEGER NOT NULL,
    admin_email TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    phone         TEXT,
    username      TEXT NOT NULL UNIQUE,
    tenant_id     TEXT REFERENCES tenants (id),
    created_at    TIMESTAMPTZ NOT NULL,
    plan          TEXT NOT NULL,
    password_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_phone ON accounts (phone);
CREATE TABLE IF NOT EXISTS devices (
    device_id  TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind       TEXT NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_account ON devices (account_id);
CREATE TABLE IF NOT EXISTS ip_sessions (
    id         BIGSERIAL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    device_id  TEXT,
    ip         TEXT NOT NULL,
    port       INTEGER,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS ip_sessions_account ON ip_sessions (account_id, started_at);
CREATE INDEX IF NOT EXISTS ip_sessions_ip ON ip_sessions (ip, started_at);
CREATE TABLE IF NOT EXISTS calls (
    id          BIGSERIAL PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    other_party TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    duration_s  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_account ON calls (account_id, started_at);
CREATE TABLE IF NOT EXISTS messages (
    id         BIGSERIAL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    direction  TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    peer       TEXT NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_account ON messages (account_id, sent_at);
"#;

/// How many records an account gets, on average, per day of the spec's period.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordVolume {
    pub sessions_per_day: f64,
    pub calls_per_day: f64,
    pub messages_per_day: f64,
    /// Accounts generated and written per transaction.
    pub accounts_per_batch: usize,
}

impl Default for RecordVolume {
    /// A few a day: about 4,000 records per account over a year.
    fn default() -> Self {
        Self {
            sessions_per_day: 2.0,
            calls_per_day: 3.0,
            messages_per_day: 6.0,
            accounts_per_batch: 50,
        }
    }
}

/// How many rows [`write_records`] wrote to each table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordStats {
    pub tenants: u64,
    pub accounts: u64,
    pub devices: u64,
    pub ip_sessions: u64,
    pub calls: u64,
    pub messages: u64,
}

impl RecordStats {
    fn add(&mut self, records: &Records) {
        self.tenants += records.tenants.len() as u64;
        self.accounts += records.accounts.len() as u64;
        self.devices += records.devices.len() as u64;
        self.ip_sessions += records.sessions.len() as u64;
        self.calls += records.calls.len() as u64;
        self.messages += records.messages.len() as u64;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    #[error("demo provider database: {0}")]
    Open(String),
    #[error("demo provider database: {what}: {source}")]
    Database {
        what: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "in",
            Self::Outgoing => "out",
        }
    }
}

/// An account row: the directory entry plus what the provider keeps about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRecord {
    pub account: DemoAccount,
    pub created_at: Timestamp,
    /// `free`, `premium`, `business`.
    pub plan: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    pub account_id: String,
    /// An IMEI for a phone, an opaque id for other devices.
    pub device_id: String,
    /// `phone`, `laptop`, `tablet`.
    pub kind: String,
    pub first_seen: Timestamp,
}

/// One entry of the IP-assignment (login) log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpSession {
    pub account_id: String,
    pub device_id: Option<String>,
    pub ip: IpAddr,
    /// The source port behind carrier-grade NAT, where there is one.
    pub port: Option<u16>,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRecord {
    pub account_id: String,
    pub direction: Direction,
    /// The other end, E.164.
    pub other_party: String,
    pub started_at: Timestamp,
    pub duration_s: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    pub account_id: String,
    pub direction: Direction,
    /// The other end: a username or a phone number.
    pub peer: String,
    pub sent_at: Timestamp,
    pub body: String,
}

/// Rows to insert, in any combination; [`ProviderDb::add`] writes them in one
/// transaction, parents first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub tenants: Vec<DemoTenant>,
    pub accounts: Vec<AccountRecord>,
    pub devices: Vec<DeviceRecord>,
    pub sessions: Vec<IpSession>,
    pub calls: Vec<CallRecord>,
    pub messages: Vec<MessageRecord>,
}

/// Creates the demo schema at `database_url` (a new SQLite file, or a PostgreSQL
/// database) and fills it from `spec`.
pub async fn write_records(
    database_url: &str,
    spec: &DemoSpec,
    volume: &RecordVolume,
) -> Result<RecordStats, RecordsError> {
    let db = ProviderDb::create(database_url).await?;
    let stats = db.write_spec(spec, volume).await;
    db.close().await;
    stats
}

/// A handle on the demo provider's database, for writing.
#[derive(Debug)]
pub struct ProviderDb {
    db: Db,
}

/// Rows per INSERT statement: well under both backends' limits on parameters.
const ROWS_PER_STATEMENT: usize = 1_000;

macro_rules! insert {
    ($tx:expr, $rows:expr, $sql:expr, |$b:ident, $row:ident| $push:expr) => {
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            let mut builder = QueryBuilder::new($sql);
            builder.push_values(chunk, |mut $b, $row| {
                $push;
            });
            builder.build().execute(&mut *$tx).await?;
        }
    };
}

impl ProviderDb {
    /// Opens the database at `database_url`, creating a missing SQLite file, and
    /// creates the schema's tables that do not exist yet.
    pub async fn create(database_url: &str) -> Result<Self, RecordsError> {
        let db = Db::connect(&DatabaseUrl::new(database_url), Access::Create)
            .await
            .map_err(RecordsError::Open)?;
        let schema = match &db {
            Db::Sqlite(_) => SQLITE_SCHEMA,
            Db::Postgres(_) => POSTGRES_SCHEMA,
        };
        let created = on_pool!(&db, |pool| sqlx::raw_sql(schema)
            .execute(pool)
            .await
            .map(|_| ()));
        if let Err(source) = created {
            db.close().await;
            return Err(RecordsError::Database {
                what: "creating the schema",
                source,
            });
        }
        Ok(Self { db })
    }

    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Writes `records` in one transaction: tenants, accounts, devices, then the logs.
    pub async fn add(&self, records: &Records) -> Result<(), RecordsError> {
        on_pool!(&self.db, |pool| {
            async {
                let mut tx = pool.begin().await?;
                insert!(tx, records.tenants, "INSERT INTO tenants (id, name, seats, admin_email) ", |b, t| b
                    .push_bind(t.id.clone())
                    .push_bind(t.name.clone())
                    .push_bind(i64::from(t.seats))
                    .push_bind(t.admin_email.clone()));
                insert!(tx, records.accounts,
                    "INSERT INTO accounts (id, name, email, phone, username, tenant_id, created_at, plan, password_hash) ",
                    |b, a| b
                        .push_bind(a.account.id.clone())
                        .push_bind(a.account.name.clone())
                        .push_bind(a.account.email.clone())
                        .push_bind(a.account.phone.clone())
                        .push_bind(a.account.username.clone())
                        .push_bind(a.account.tenant.clone())
                        .push_bind(DbTime(a.created_at))
                        .push_bind(a.plan.clone())
                        .push_bind(fake_password_hash(&a.account.id)));
                insert!(tx, records.devices, "INSERT INTO devices (device_id, account_id, kind, first_seen) ", |b, d| b
                    .push_bind(d.device_id.clone())
                    .push_bind(d.account_id.clone())
                    .push_bind(d.kind.clone())
                    .push_bind(DbTime(d.first_seen)));
                insert!(tx, records.sessions,
                    "INSERT INTO ip_sessions (account_id, device_id, ip, port, started_at, ended_at) ",
                    |b, s| b
                        .push_bind(s.account_id.clone())
                        .push_bind(s.device_id.clone())
                        .push_bind(s.ip.to_string())
                        .push_bind(s.port.map(i32::from))
                        .push_bind(DbTime(s.started_at))
                        .push_bind(DbTime(s.ended_at)));
                insert!(tx, records.calls,
                    "INSERT INTO calls (account_id, direction, other_party, started_at, duration_s) ",
                    |b, c| b
                        .push_bind(c.account_id.clone())
                        .push_bind(c.direction.as_str())
                        .push_bind(c.other_party.clone())
                        .push_bind(DbTime(c.started_at))
                        .push_bind(i64::from(c.duration_s)));
                insert!(tx, records.messages,
                    "INSERT INTO messages (account_id, direction, peer, sent_at, body) ",
                    |b, m| b
                        .push_bind(m.account_id.clone())
                        .push_bind(m.direction.as_str())
                        .push_bind(m.peer.clone())
                        .push_bind(DbTime(m.sent_at))
                        .push_bind(m.body.clone()));
                tx.commit().await
            }
            .await
        })
        .map_err(|source| RecordsError::Database {
            what: "inserting records",
            source,
        })
    }

    /// Writes the spec's tenants and accounts and every account's generated records.
    pub async fn write_spec(
        &self,
        spec: &DemoSpec,
        volume: &RecordVolume,
    ) -> Result<RecordStats, RecordsError> {
        let mut stats = RecordStats::default();
        let tenants = Records {
            tenants: spec.tenants.clone(),
            ..Records::default()
        };
        self.add(&tenants).await?;
        stats.add(&tenants);
        let batch = volume.accounts_per_batch.max(1);
        for (group, accounts) in spec.accounts.chunks(batch).enumerate() {
            let mut records = Records::default();
            for offset in 0..accounts.len() {
                let one = account_records(spec, group * batch + offset, volume);
                records.accounts.extend(one.accounts);
                records.devices.extend(one.devices);
                records.sessions.extend(one.sessions);
                records.calls.extend(one.calls);
                records.messages.extend(one.messages);
            }
            self.add(&records).await?;
            stats.add(&records);
        }
        Ok(stats)
    }
}

/// Not a password hash: the demo's accounts table has the column a real one has, so
/// that the default subscriber query can be seen to leave it out.
fn fake_password_hash(account_id: &str) -> String {
    let digest = Sha256::digest(format!("writ demo, not a password: {account_id}"));
    format!("$demo$not-a-password${}", hex::encode(&digest[..16]))
}

/// A generator for one account and purpose, independent of every other account.
pub(crate) fn account_rng(seed: u64, account_id: &str, purpose: &str) -> StdRng {
    let mut hash = Sha256::new();
    hash.update(seed.to_le_bytes());
    hash.update(purpose.as_bytes());
    hash.update([0]);
    hash.update(account_id.as_bytes());
    let digest = hash.finalize();
    let mut seed_bytes = [0u8; 32];
    seed_bytes.copy_from_slice(&digest);
    StdRng::from_seed(seed_bytes)
}

/// `mean`, rounded up or down at random so that the expected value is `mean`.
fn stochastic_round(rng: &mut StdRng, mean: f64) -> u64 {
    if !mean.is_finite() || mean <= 0.0 {
        return 0;
    }
    let whole = mean.floor();
    let extra = u64::from(rng.random_bool((mean - whole).clamp(0.0, 1.0)));
    whole as u64 + extra
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A time inside `period`, mostly during waking hours (UTC).
fn time_in(rng: &mut StdRng, period: Period) -> Timestamp {
    let from = period.from().unix_micros();
    let to = period.to().unix_micros();
    let mut pick = || from + rng.random_range(0..=(to - from).max(0));
    let mut at = pick();
    for _ in 0..4 {
        let hour = at.rem_euclid(MICROS_PER_DAY) / 3_600_000_000;
        if hour >= 7 {
            break;
        }
        at = pick();
    }
    Timestamp::from_unix_micros(at).unwrap_or(period.from())
}

fn count_over(rng: &mut StdRng, per_day: f64, period: Period) -> u64 {
    let days =
        (period.to().unix_micros() - period.from().unix_micros()) as f64 / MICROS_PER_DAY as f64;
    stochastic_round(rng, per_day * days)
}

fn add_micros(at: Timestamp, micros: i64) -> Timestamp {
    Timestamp::from_unix_micros(at.unix_micros().saturating_add(micros)).unwrap_or(at)
}

/// The account's addresses: unique to its place in the spec, so that no two accounts
/// ever hold the same address (the directory would refuse to choose between them).
fn account_ips(index: usize) -> [IpAddr; 3] {
    let index = index as u32;
    let base = u32::from(Ipv4Addr::new(100, 64, 0, 0)) + (index % (1 << 20)) * 4;
    let v6 = Ipv6Addr::new(
        0x2001,
        0x0db8,
        (index >> 16) as u16,
        index as u16,
        0,
        0,
        0,
        1,
    );
    [
        IpAddr::V4(Ipv4Addr::from(base)),
        IpAddr::V4(Ipv4Addr::from(base + 1)),
        IpAddr::V6(v6),
    ]
}

const PHRASES: [&str; 24] = [
    "Running 10 minutes late",
    "Can you send me the report?",
    "Sure, see you at 6",
    "Thanks!",
    "Did you see the news today?",
    "Call me when you can",
    "Lunch tomorrow?",
    "On my way",
    "The meeting moved to Thursday, 3pm",
    "She said \"fine, but not before Friday\"",
    "Happy birthday!",
    "Got it, thanks",
    "Where did we park?",
    "Flight lands at 21:40",
    "Can you pick up milk, eggs and bread?",
    "Sounds good",
    "I'll check and get back to you",
    "Let's talk tonight",
    "Here's the address:\n12 Harbour Street\nFlat 3",
    "Not sure yet",
    "Good luck with the interview",
    "The invoice is in the shared folder",
    "Miss you",
    "ok",
];

fn random_phone(rng: &mut StdRng) -> String {
    match rng.random_range(0..3) {
        0 => format!("+4930555{:04}", rng.random_range(0..10_000)),
        1 => format!("+44207946{:04}", rng.random_range(0..10_000)),
        _ => format!("+1206555{:04}", rng.random_range(0..10_000)),
    }
}

/// Everything the provider keeps about the spec's `index`th account over the spec's
/// period: its account row, devices, IP sessions, calls and messages, sorted by time.
/// Empty when there is no such account.
pub fn account_records(spec: &DemoSpec, index: usize, volume: &RecordVolume) -> Records {
    let Some(account) = spec.accounts.get(index) else {
        return Records::default();
    };
    let period = spec.period;
    let mut rng = account_rng(spec.seed, &account.id, "records");
    let created_at = add_micros(
        period.from(),
        -rng.random_range(60..1_500) * MICROS_PER_DAY - rng.random_range(0..MICROS_PER_DAY),
    );
    let plan = match (&account.tenant, rng.random_bool(0.3)) {
        (Some(_), _) => "business",
        (None, true) => "premium",
        (None, false) => "free",
    };
    let mut records = Records {
        accounts: vec![AccountRecord {
            account: account.clone(),
            created_at,
            plan: plan.to_owned(),
        }],
        ..Records::default()
    };

    let device_count = rng.random_range(1..=2);
    for k in 0..device_count {
        let digest = Sha256::digest(format!("{}:{}:{k}", spec.seed, account.id));
        let (kind, device_id) = if k == 0 {
            // An IMEI-like 15 digits.
            let number = u64::from_le_bytes([
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], 0,
            ]) % 10_000_000_000_000;
            ("phone", format!("35{number:013}"))
        } else {
            let kind = if rng.random_bool(0.5) {
                "laptop"
            } else {
                "tablet"
            };
            (kind, format!("dev-{}", hex::encode(&digest[..8])))
        };
        records.devices.push(DeviceRecord {
            account_id: account.id.clone(),
            device_id,
            kind: kind.to_owned(),
            first_seen: add_micros(created_at, rng.random_range(0..30) * MICROS_PER_DAY),
        });
    }

    let ips = account_ips(index);
    for _ in 0..count_over(&mut rng, volume.sessions_per_day, period) {
        let started_at = time_in(&mut rng, period);
        let ip = *ips.choose(&mut rng).unwrap_or(&ips[0]);
        let device = records
            .devices
            .choose(&mut rng)
            .map(|d| d.device_id.clone());
        records.sessions.push(IpSession {
            account_id: account.id.clone(),
            device_id: device,
            ip,
            port: ip.is_ipv4().then(|| rng.random_range(1024..=65535)),
            started_at,
            ended_at: add_micros(started_at, rng.random_range(300..21_600) * 1_000_000),
        });
    }

    let others: Vec<&DemoAccount> = spec
        .accounts
        .iter()
        .filter(|a| a.id != account.id)
        .collect();
    for _ in 0..count_over(&mut rng, volume.calls_per_day, period) {
        let other_party = match others.choose(&mut rng).and_then(|a| a.phone.clone()) {
            Some(phone) if rng.random_bool(0.4) => phone,
            _ => random_phone(&mut rng),
        };
        let duration_s = if rng.random_bool(0.1) {
            0
        } else {
            // Mostly short, some long: log-uniform from 10 s to an hour.
            (10f64 * 360f64.powf(rng.random::<f64>())) as u32
        };
        records.calls.push(CallRecord {
            account_id: account.id.clone(),
            direction: if rng.random_bool(0.5) {
                Direction::Incoming
            } else {
                Direction::Outgoing
            },
            other_party,
            started_at: time_in(&mut rng, period),
            duration_s,
        });
    }

    for _ in 0..count_over(&mut rng, volume.messages_per_day, period) {
        let peer = match others.choose(&mut rng) {
            Some(other) if rng.random_bool(0.6) => other.username.clone(),
            _ => random_phone(&mut rng),
        };
        let body = PHRASES.choose(&mut rng).copied().unwrap_or("ok").to_owned();
        records.messages.push(MessageRecord {
            account_id: account.id.clone(),
            direction: if rng.random_bool(0.5) {
                Direction::Incoming
            } else {
                Direction::Outgoing
            },
            peer,
            sent_at: time_in(&mut rng, period),
            body,
        });
    }

    records.sessions.sort_by_key(|s| s.started_at);
    records.calls.sort_by_key(|c| c.started_at);
    records.messages.sort_by_key(|m| m.sent_at);
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(seed: u64) -> DemoSpec {
        crate::demo::test_spec("2025-03-01T00:00:00Z", "2026-03-01T00:00:00Z", seed)
    }

    #[test]
    fn generation_is_deterministic_and_depends_on_the_seed() {
        let volume = RecordVolume::default();
        assert_eq!(
            account_records(&spec(7), 0, &volume),
            account_records(&spec(7), 0, &volume)
        );
        assert_ne!(
            account_records(&spec(7), 0, &volume),
            account_records(&spec(8), 0, &volume)
        );
        assert_eq!(account_records(&spec(7), 99, &volume), Records::default());
    }

    #[test]
    fn a_year_has_a_few_records_a_day_all_inside_the_period() {
        let spec = spec(1);
        let records = account_records(&spec, 0, &RecordVolume::default());
        let calls = records.calls.len();
        assert!((900..1300).contains(&calls), "{calls} calls");
        assert!(records.messages.len() > 1800, "{}", records.messages.len());
        assert!(!records.devices.is_empty() && records.devices.len() <= 2);
        assert!(
            records
                .calls
                .iter()
                .all(|c| spec.period.contains(c.started_at))
        );
        assert!(
            records
                .messages
                .iter()
                .all(|m| spec.period.contains(m.sent_at))
        );
        assert!(
            records
                .sessions
                .iter()
                .all(|s| spec.period.contains(s.started_at) && s.ended_at > s.started_at)
        );
        assert!(records.accounts[0].created_at < spec.period.from());
    }

    #[test]
    fn accounts_never_share_an_address() {
        let mut seen = std::collections::BTreeSet::new();
        for index in 0..10_000 {
            for ip in account_ips(index) {
                assert!(seen.insert(ip), "{ip} given twice");
            }
        }
    }
}
