//! The cursor (see the module doc of `twilio`): the newest message time seen and the sids seen
//! inside the one-day overlap, with their last status.

use super::threads::millis;
use parley_domain::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;
/// Sids remembered in the cursor at most (about two days of a busy account).
const SEEN_CAP: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Seen {
    pub(super) t: Millis,
    pub(super) s: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Cursor {
    pub(super) v: u32,
    #[serde(default)]
    pub(super) newest: Option<Millis>,
    #[serde(default)]
    pub(super) seen: BTreeMap<String, Seen>,
}

impl Cursor {
    pub(super) fn parse(text: Option<&str>) -> Cursor {
        crate::cursor::parse(text, "twilio")
    }

    pub(super) fn to_json(&self) -> String {
        crate::cursor::to_json(self)
    }

    /// The first day the next poll asks for: the newest day seen minus one, for messages that
    /// arrive late with an earlier `date_sent` and for the day boundary.
    pub(super) fn since_day(&self, now: Millis, initial: Duration) -> Millis {
        match self.newest {
            Some(n) => (n.div_euclid(DAY_MS) - 1) * DAY_MS,
            None => (now - millis(initial)).div_euclid(DAY_MS) * DAY_MS,
        }
    }

    pub(super) fn prune(&mut self) {
        let Some(newest) = self.newest else { return };
        let floor = (newest.div_euclid(DAY_MS) - 1) * DAY_MS;
        self.seen.retain(|_, s| s.t >= floor);
        if self.seen.len() > SEEN_CAP {
            let mut times: Vec<Millis> = self.seen.values().map(|s| s.t).collect();
            times.sort_unstable_by(|a, b| b.cmp(a));
            let cutoff = times[SEEN_CAP - 1];
            self.seen.retain(|_, s| s.t >= cutoff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_overlaps_one_day_and_prunes_what_cannot_return() {
        let day = DAY_MS;
        let mut c = Cursor {
            v: 1,
            newest: Some(10 * day + 5),
            ..Cursor::default()
        };
        assert_eq!(c.since_day(0, Duration::ZERO), 9 * day);
        c.seen.insert(
            "SMold".into(),
            Seen {
                t: 8 * day,
                s: "delivered".into(),
            },
        );
        c.seen.insert(
            "SMnew".into(),
            Seen {
                t: 9 * day + 1,
                s: "sent".into(),
            },
        );
        c.prune();
        assert_eq!(c.seen.keys().collect::<Vec<_>>(), vec!["SMnew"]);
        assert_eq!(Cursor::parse(Some(&c.to_json())), c);
        assert_eq!(Cursor::parse(Some("garbage")), Cursor::default());
    }
}
