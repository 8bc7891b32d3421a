//! Notifications: the policy (which messages deserve one, grouping, quiet time, re-alerts) and
//! the service that feeds it the engine's events and hands its commands to a [`Notifier`] — the
//! OS call, which lives in the shell so this all runs and tests without a desktop.

mod grouped;
mod policy;
pub mod schedule;
mod service;

pub use grouped::SPIKE_KEY;
pub use policy::{Command, Incoming, Policy, SUMMARY_KEY, Shown, Source, first_line, thread_key};
pub use service::NotifyHandle;
pub(crate) use service::{load_prefs, spawn};

/// Shows notifications on the desktop. Calls must return quickly: the service calls them from
/// its task, so an implementation hands slow OS calls to a thread of its own.
pub trait Notifier: Send + Sync + 'static {
    /// Shows `n`, or updates in place the notification already shown under `n.key`.
    fn show(&self, n: &Shown);
    /// Shows a notification that stands for many messages.
    fn summary(&self, text: &str, sound: bool);
    /// Withdraws the notification shown under `key`, if it is still there.
    fn close(&self, key: &str);
}

/// For tests and headless runs: shows nothing.
#[derive(Debug, Default)]
pub struct NoNotifier;

impl Notifier for NoNotifier {
    fn show(&self, _: &Shown) {}
    fn summary(&self, _: &str, _: bool) {}
    fn close(&self, _: &str) {}
}
