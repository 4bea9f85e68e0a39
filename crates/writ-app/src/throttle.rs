//! Failed sign-ins wait, not a lock a stranger could set off (NIST SP 800-63B §5.2.2):
//! after each failure the next try waits twice as long as the last (1 s, 2 s, 4 s, … at
//! most a minute), per account (in the store) and per source address (here, in memory).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Mutex;

use writ_core::Timestamp;

/// The longest wait after failed sign-ins, in seconds.
const MAX_DELAY_SECONDS: i64 = 60;
/// Source addresses remembered at most; the oldest waits are forgotten first.
const MAX_ADDRESSES: usize = 10_000;

/// How long the next sign-in waits after `failures` in a row: 1 s, doubling, capped.
pub(crate) fn delay_after(failures: i32) -> time::Duration {
    let doublings = u32::try_from(failures.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    time::Duration::seconds((1i64 << doublings).min(MAX_DELAY_SECONDS))
}

/// Failed sign-ins per source address, in memory (each process throttles the
/// addresses it sees; a proxy in front of writ is one address).
#[derive(Debug, Default)]
pub struct AddressThrottle(Mutex<BTreeMap<IpAddr, (i32, Timestamp)>>);

impl AddressThrottle {
    /// Until when `address` must wait, if it must.
    pub(crate) fn waits_until(&self, address: IpAddr, now: Timestamp) -> Option<Timestamp> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.get(&address)
            .map(|(_, until)| *until)
            .filter(|until| *until > now)
    }

    /// Counts a failure from `address`; until when it must wait.
    pub(crate) fn failed(&self, address: IpAddr, now: Timestamp) -> Timestamp {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= MAX_ADDRESSES
            && !map.contains_key(&address)
            && let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (_, until))| *until)
                .map(|(a, _)| *a)
        {
            map.remove(&oldest);
        }
        let failures = map.get(&address).map_or(0, |(n, _)| *n).saturating_add(1);
        let until = now.checked_add(delay_after(failures)).unwrap_or(now);
        map.insert(address, (failures, until));
        until
    }

    pub(crate) fn succeeded(&self, address: IpAddr) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        map.remove(&address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_doubles_the_wait_from_a_second_to_a_minute() {
        let waits: Vec<i64> = (0..=8).map(|n| delay_after(n).whole_seconds()).collect();
        assert_eq!(waits, [1, 1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(delay_after(i32::MAX).whole_seconds(), 60);
    }
}
