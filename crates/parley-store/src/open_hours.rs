//! Business hours as the review counts them (issue 16: first response and resolution times
//! "counted in business hours when set"): each account's open intervals as UTC instants, with
//! the open time before each, so the open time between two instants is two binary searches.
//!
//! The intervals are computed in the core from the weekly schedule, its zone and holidays (jiff,
//! `parley-core/src/automation/schedule.rs`), so daylight saving and holidays are already in
//! them; here they are only summed. The metrics fold them in Rust ([`crate::Store::metrics`]);
//! the review list's "slower than the target" reads them through the SQL function
//! `parley_open_ms(account, from, to)`, registered by [`crate::Store::set_open_hours`].

use crate::Store;
use crate::error::Result;
use parley_domain::{AccountId, Millis};
use rusqlite::functions::FunctionFlags;
use std::collections::HashMap;
use std::sync::Arc;

/// The SQL function giving the open milliseconds of an account between two instants.
pub(crate) const OPEN_MS_FN: &str = "parley_open_ms";

/// One schedule's open intervals, sorted and disjoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    starts: Vec<Millis>,
    ends: Vec<Millis>,
    /// Open milliseconds before `starts[i]`.
    before: Vec<i64>,
}

impl Calendar {
    /// The calendar of `spans` (`[start, end)` instants; any order, overlaps merged, empty
    /// ones dropped).
    pub fn new(mut spans: Vec<(Millis, Millis)>) -> Calendar {
        spans.retain(|(s, e)| e > s);
        spans.sort_unstable();
        let mut c = Calendar::default();
        for (s, e) in spans {
            match c.ends.last_mut() {
                Some(last) if s <= *last => *last = (*last).max(e),
                _ => {
                    c.starts.push(s);
                    c.ends.push(e);
                }
            }
        }
        let mut total = 0;
        for (s, e) in c.starts.iter().zip(&c.ends) {
            c.before.push(total);
            total += e - s;
        }
        c
    }

    /// Open milliseconds before `at`.
    fn open_until(&self, at: Millis) -> i64 {
        let i = self.starts.partition_point(|&s| s <= at);
        if i == 0 {
            return 0;
        }
        self.before[i - 1] + (at.min(self.ends[i - 1]) - self.starts[i - 1])
    }

    /// Open milliseconds from `from` to `to` (0 when `to` is not after `from`).
    pub fn open_ms(&self, from: Millis, to: Millis) -> i64 {
        if to <= from {
            return 0;
        }
        self.open_until(to) - self.open_until(from)
    }
}

/// Every account's calendar: its own, or the workspace's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenHours {
    pub workspace: Calendar,
    pub accounts: HashMap<AccountId, Calendar>,
}

impl OpenHours {
    /// Open milliseconds of `account` from `from` to `to`.
    pub fn open_ms(&self, account: AccountId, from: Millis, to: Millis) -> i64 {
        self.accounts
            .get(&account)
            .unwrap_or(&self.workspace)
            .open_ms(from, to)
    }
}

impl Store {
    /// Makes `hours` the calendar the review list's SQL counts in (`parley_open_ms`), until the
    /// next call. Set it in the same store call as the query that reads it.
    pub fn set_open_hours(&self, hours: Arc<OpenHours>) -> Result<()> {
        self.conn.create_scalar_function(
            OPEN_MS_FN,
            3,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| {
                let account = AccountId(ctx.get(0)?);
                let (from, to): (Millis, Millis) = (ctx.get(1)?, ctx.get(2)?);
                Ok(hours.open_ms(account, from, to))
            },
        )?;
        Ok(())
    }

    /// The first instant a conversation started (where a calendar must begin).
    pub fn first_started_at(&self) -> Result<Option<Millis>> {
        Ok(self
            .conn
            .prepare_cached("SELECT min(started_at) FROM threads")?
            .query_row([], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_time_sums_the_intervals_between_two_instants() {
        let c = Calendar::new(vec![(100, 200), (300, 400), (150, 250), (500, 500)]);
        assert_eq!(c.open_ms(0, 1000), 250);
        assert_eq!(c.open_ms(120, 320), 130 + 20);
        assert_eq!(c.open_ms(260, 290), 0);
        assert_eq!(c.open_ms(350, 350), 0);
        assert_eq!(c.open_ms(400, 100), 0);
        assert_eq!(c.open_ms(-5, 100), 0);
        assert_eq!(c.open_ms(399, 10_000), 1);
    }
}
