//! The system clock: the one place writ reads the time. Everything else is handed it.

use writ_core::{Clock, Timestamp};

pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // This is the clock that library code is handed.
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(time::OffsetDateTime::now_utc())
    }
}
