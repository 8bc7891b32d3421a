//! The cursor (see the module doc of `graph`): the mark, the newest known message per
//! conversation, the conversations with partial history, a walk in progress.

use parley_domain::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The known-id map is pruned to the most recently updated conversations beyond this; an evicted
/// conversation that comes back is read further than needed, which upserts make harmless.
const KNOWN_CAP: usize = 5000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Walk {
    pub(super) after: Option<String>,
    /// Newest updated_time seen when this walk started; becomes the mark when it completes.
    pub(super) mark: Option<Millis>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Cursor {
    pub(super) v: u32,
    #[serde(default)]
    pub(super) mark: Option<Millis>,
    /// conversation id → (newest known message id, conversation updated_time).
    #[serde(default)]
    pub(super) known: BTreeMap<String, (String, Millis)>,
    #[serde(default)]
    pub(super) partial: BTreeSet<String>,
    #[serde(default)]
    pub(super) walk: Option<Walk>,
    /// Conversations the list last said another app controls (`is_owner: false`), so that only
    /// a change of control goes into a batch.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(super) elsewhere: BTreeSet<String>,
}

impl Cursor {
    pub(super) fn parse(text: Option<&str>) -> Cursor {
        crate::cursor::parse(text, "graph")
    }

    pub(super) fn to_json(&self) -> String {
        crate::cursor::to_json(self)
    }

    pub(super) fn prune(&mut self) {
        if self.known.len() <= KNOWN_CAP {
            return;
        }
        let mut times: Vec<Millis> = self.known.values().map(|(_, t)| *t).collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        let cutoff = times[KNOWN_CAP - 1];
        self.known.retain(|_, (_, t)| *t >= cutoff);
    }
}

/// Conversations whose older history Meta does not expose (Instagram keeps only the newest 20
/// messages readable), as recorded in a cursor this adapter returned.
pub fn partial_history_threads(cursor: &str) -> Vec<String> {
    Cursor::parse(Some(cursor)).partial.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_lists_partial_threads() {
        let mut c = Cursor {
            v: 1,
            mark: Some(5),
            ..Cursor::default()
        };
        c.partial.insert("ig1".into());
        c.known.insert("t_1".into(), ("m_1".into(), 5));
        let json = c.to_json();
        assert_eq!(Cursor::parse(Some(&json)), c);
        assert_eq!(partial_history_threads(&json), vec!["ig1".to_owned()]);
        assert_eq!(Cursor::parse(Some("garbage")), Cursor::default());
    }
}
