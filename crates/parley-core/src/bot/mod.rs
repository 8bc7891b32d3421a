//! The FAQ bot (issue 15): rules an owner writes in Settings → Bot — keywords and phrases in any
//! language, the saved reply that answers, and optional gather steps ("What is your order
//! number?" with a check) whose answers become the customer's attributes before a person takes
//! over with a summary note, a raised priority and a notification.
//!
//! - [`words`]: how messages and phrases are compared (accents, case, punctuation, scripts).
//! - [`checks`]: the checks a gather step puts on an answer.
//! - [`machine`]: the decisions, pure (the gather state machine is drawn there).
//! - [`rules`]: the owner's side — rules and settings checked and stored, compiled once per
//!   change.
//! - [`engine`]: when the bot may speak, and applying a decision in one transaction with the
//!   messages it queues.
//! - [`console`]: the settings' test console (what the bot would do; sends nothing).
//!
//! **Where the bot speaks.** On the accounts the owner turned it on for; never while an agent
//! has the conversation open in the window, nor within `agent_quiet_minutes` of an agent's
//! message, nor for a day after it handed the conversation over; at most `max_per_hour`
//! messages per customer (past it, a person takes over silently); only on messages at most
//! [`engine::FRESH`] old (never on history a sync catches up with); on channels where one app
//! at a time controls a conversation (Messenger, Instagram), only while Parley's does — the
//! adapter says so (`AdapterHooks::automation_may_answer`). "Talk to a person" and its
//! equivalents (a built-in multilingual list plus the owner's) hand over at once.

mod checks;
mod console;
mod engine;
mod machine;
mod rules;
mod words;

#[cfg(test)]
mod tests;

pub(crate) use engine::FaqBot;
pub(crate) use machine::Compiled;

use parley_domain::ThreadId;
use std::sync::{Arc, Mutex, PoisonError};

/// What the core keeps in memory for the bot: the compiled rules (dropped on every change,
/// rebuilt on next use) and the conversation the agent has open.
#[derive(Default)]
pub(crate) struct BotState {
    compiled: Mutex<(u64, Option<Arc<Compiled>>)>,
    open_thread: Mutex<Option<ThreadId>>,
}

impl BotState {
    pub fn compiled(&self) -> Option<Arc<Compiled>> {
        self.compiled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clone()
    }

    pub fn generation(&self) -> u64 {
        self.compiled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    /// Keeps `compiled` unless the rules changed since `generation` was read.
    pub fn keep_compiled(&self, generation: u64, compiled: Arc<Compiled>) {
        let mut c = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if c.0 == generation {
            c.1 = Some(compiled);
        }
    }

    pub fn forget_compiled(&self) {
        let mut c = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        c.0 += 1;
        c.1 = None;
    }

    pub fn set_open_thread(&self, thread: Option<ThreadId>) {
        *self
            .open_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = thread;
    }

    pub fn open_thread(&self) -> Option<ThreadId> {
        *self
            .open_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
