//! Spike mode's notifications: while it is on, every conversation's new messages update one
//! notification ("Spike mode · 12 new messages in 7 conversations") instead of one each, it
//! sounds only when it first appears, waiting re-alerts are left out (the queue is known to be
//! long), and it goes when the agent comes back to the window.

use super::policy::Shown;
use parley_domain::ThreadId;
use std::collections::BTreeMap;

/// The key of spike mode's one notification.
pub const SPIKE_KEY: &str = "spike";

/// What spike mode's notification stands for.
#[derive(Debug, Clone, Default)]
pub struct SpikeGroup {
    /// Each conversation's messages since the agent last looked at it.
    threads: BTreeMap<ThreadId, u32>,
    newest: Option<Shown>,
}

impl SpikeGroup {
    /// A conversation's notification as it would have shown on its own.
    pub fn add(&mut self, shown: Shown) {
        self.threads.insert(shown.thread, shown.count.max(1));
        self.newest = Some(shown);
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    /// The agent looked: the group starts again. Returns whether it had shown.
    pub fn clear(&mut self) -> bool {
        let had = !self.is_empty();
        self.threads.clear();
        self.newest = None;
        had
    }

    /// The one notification; `first` when it was not showing yet (only then it sounds).
    pub fn shown(&self, first: bool) -> Option<Shown> {
        let newest = self.newest.as_ref()?;
        let messages: u32 = self.threads.values().sum();
        let conversations = self.threads.len();
        Some(Shown {
            thread: newest.thread,
            key: SPIKE_KEY.into(),
            summary: format!(
                "Spike mode · {messages} new {} in {conversations} {}",
                if messages == 1 { "message" } else { "messages" },
                if conversations == 1 {
                    "conversation"
                } else {
                    "conversations"
                },
            ),
            body: format!("Newest: {} — {}", newest.summary, newest.body),
            count: messages,
            waiting: false,
            sound: first && newest.sound,
        })
    }
}
