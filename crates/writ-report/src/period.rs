//! The reporting period: a calendar half-year, `2013-H1` (January–June) or `2013-H2`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month, Time};
use writ_core::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Half {
    H1,
    H2,
}

/// A half-year, UTC: `[start, end)`, `end` being the next half-year's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfYear {
    year: i32,
    half: Half,
    start: Timestamp,
    end: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a reporting period: expected YYYY-H1 or YYYY-H2, e.g. 2013-H1")]
pub struct PeriodError(String);

/// Midnight UTC on 1 January or 1 July.
fn first_day(year: i32, month: Month) -> Option<Timestamp> {
    let date = Date::from_calendar_date(year, month, 1).ok()?;
    Some(Timestamp::from_datetime(
        date.with_time(Time::MIDNIGHT).assume_utc(),
    ))
}

impl HalfYear {
    /// Years 1970–9998, so that the end (and a year or two of publication delay after
    /// it) is representable.
    pub fn new(year: i32, half: Half) -> Option<Self> {
        if !(1970..=9998).contains(&year) {
            return None;
        }
        let (start, end) = match half {
            Half::H1 => (
                first_day(year, Month::January)?,
                first_day(year, Month::July)?,
            ),
            Half::H2 => (
                first_day(year, Month::July)?,
                first_day(year + 1, Month::January)?,
            ),
        };
        Some(Self {
            year,
            half,
            start,
            end,
        })
    }

    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let error = || PeriodError(text.to_owned());
        let (year, half) = text.split_once('-').ok_or_else(error)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(error());
        }
        let year: i32 = year.parse().map_err(|_| error())?;
        let half = match half {
            "H1" => Half::H1,
            "H2" => Half::H2,
            _ => return Err(error()),
        };
        Self::new(year, half).ok_or_else(error)
    }

    /// The half-year a moment falls in.
    pub fn containing(at: Timestamp) -> Option<Self> {
        let date = at.datetime().date();
        let half = if u8::from(date.month()) <= 6 {
            Half::H1
        } else {
            Half::H2
        };
        Self::new(date.year(), half)
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn half(&self) -> Half {
        self.half
    }

    /// The first instant of the period.
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// The first instant after the period (exclusive end).
    pub fn end(&self) -> Timestamp {
        self.end
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }

    pub fn previous(&self) -> Option<Self> {
        match self.half {
            Half::H1 => Self::new(self.year - 1, Half::H2),
            Half::H2 => Self::new(self.year, Half::H1),
        }
    }
}

impl fmt::Display for HalfYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let half = match self.half {
            Half::H1 => "H1",
            Half::H2 => "H2",
        };
        write!(f, "{:04}-{half}", self.year)
    }
}

impl FromStr for HalfYear {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for HalfYear {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HalfYear {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn periods_parse_and_bound_their_half_year() {
        let h1 = HalfYear::parse("2013-H1").unwrap();
        assert_eq!(h1.to_string(), "2013-H1");
        assert_eq!(h1.start(), at("2013-01-01T00:00:00Z"));
        assert_eq!(h1.end(), at("2013-07-01T00:00:00Z"));
        assert!(h1.contains(at("2013-06-30T23:59:59.999999Z")));
        assert!(!h1.contains(at("2013-07-01T00:00:00Z")));
        assert!(!h1.contains(at("2012-12-31T23:59:59Z")));
        let h2 = HalfYear::parse("2013-H2").unwrap();
        assert_eq!(h2.end(), at("2014-01-01T00:00:00Z"));
        assert_eq!(h2.previous(), Some(h1));
        assert_eq!(h1.previous().unwrap().to_string(), "2012-H2");
        assert_eq!(HalfYear::containing(at("2013-07-01T00:00:00Z")), Some(h2));
        assert!(h1 < h2);
    }

    #[test]
    fn other_spellings_are_refused() {
        for text in [
            "2013-h1", "2013-H3", "2013H1", "13-H1", "2013-Q1", "", "+201-H1", "1969-H2",
        ] {
            let error = HalfYear::parse(text).unwrap_err().to_string();
            assert!(error.contains("YYYY-H1"), "{text}: {error}");
        }
    }
}
