//! Instants in UTC, and the clock as a parameter.
//!
//! Library code never reads the system clock (see `clippy.toml`): it is handed a
//! [`Clock`] or a `now`, so tests can move time instead of sleeping.

use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

/// An instant, always UTC, with microsecond precision (what both databases keep).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 time (like 2026-03-02T09:00:00Z): {0:?}")]
pub struct TimestampError(String);

impl Timestamp {
    /// Parses RFC 3339 with any offset; the result is the same instant in UTC.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Self::from_datetime)
            .map_err(|_| TimestampError(text.to_owned()))
    }

    pub fn from_datetime(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        let micros = at.microsecond();
        // Truncate to microseconds; `replace_microsecond` cannot fail for a value it returned.
        Self(at.replace_microsecond(micros).unwrap_or(at))
    }

    pub fn from_unix_micros(micros: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .ok()
            .map(Self)
    }

    pub fn unix_micros(self) -> i64 {
        // Microseconds since 1970 fit an i64 for ±292,000 years.
        (self.0.unix_timestamp_nanos() / 1_000) as i64
    }

    pub fn datetime(self) -> OffsetDateTime {
        self.0
    }

    /// `self + by`, or `None` past the representable range (year 9999).
    pub fn checked_add(self, by: Duration) -> Option<Self> {
        self.0.checked_add(by).map(Self)
    }

    /// RFC 3339 with a `Z`, and fractional seconds only when there are some.
    pub fn to_rfc3339(self) -> String {
        // Formatting a UTC time within year 0..=9999 does not fail; the fallback keeps the
        // function total without a panic.
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.0.unix_timestamp().to_string())
    }
}

impl Timestamp {
    /// How a time reads in a sentence or on a page: `1 Jun 2027, 07:23 UTC`. One form
    /// everywhere people read times; RFC 3339 stays for what machines read.
    pub fn readable(self) -> String {
        let t = self.0;
        let month = t.month().to_string();
        format!(
            "{} {} {}, {:02}:{:02} UTC",
            t.day(),
            month.get(..3).unwrap_or(&month),
            t.year(),
            t.hour(),
            t.minute()
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Where "now" comes from. The binary wires the system clock; tests use [`ManualClock`].
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(Mutex::new(start))
    }

    pub fn set(&self, to: Timestamp) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(later) = now.checked_add(by) {
            *now = later;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_offsets_into_utc() {
        let t = Timestamp::parse("2026-03-02T10:30:00+01:30").unwrap();
        assert_eq!(t.to_string(), "2026-03-02T09:00:00Z");
    }

    #[test]
    fn refuses_what_is_not_rfc3339() {
        for bad in [
            "2026-03-02",
            "2026-03-02 09:00:00",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Timestamp::parse("2026-01-01T00:00:00Z").unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::hours(25));
        assert_eq!(clock.now().to_string(), "2026-01-02T01:00:00Z");
    }

    proptest! {
        #[test]
        fn text_and_micros_round_trip(micros in -62_135_596_800_000_000i64..253_402_300_799_000_000i64) {
            let t = Timestamp::from_unix_micros(micros).unwrap();
            prop_assert_eq!(t.unix_micros(), micros);
            prop_assert_eq!(Timestamp::parse(&t.to_rfc3339()).unwrap(), t);
        }
    }
}
