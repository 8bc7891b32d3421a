//! Whether an account can reach its provider, as the sync task observes it. Shared with the
//! outbox dispatcher (which waits while offline) and the facade (the offline banner).
//!
//! Detected, not guessed: an account goes offline when a poll fails for lack of network
//! (connection refused, timeout, 5xx: [`ChannelError::Transient`]) and comes back online only
//! when a later poll succeeds. A refused token, a rate limit or a conflict are not "offline": the
//! provider answered.

use parley_channels::ChannelError;
use parley_domain::Millis;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connectivity {
    /// No poll has failed for lack of network since the task started (or the last one succeeded).
    #[default]
    Online,
    Offline {
        since: Millis,
    },
}

impl Connectivity {
    pub fn is_online(self) -> bool {
        matches!(self, Connectivity::Online)
    }
}

/// True for the failures that mean the provider could not be reached.
pub(crate) fn means_offline(e: &ChannelError) -> bool {
    matches!(e, ChannelError::Transient(_))
}

/// The writer side, owned by the sync task.
pub(crate) struct ConnectivityTx(watch::Sender<Connectivity>);

impl ConnectivityTx {
    pub(crate) fn new() -> (Self, watch::Receiver<Connectivity>) {
        let (tx, rx) = watch::channel(Connectivity::Online);
        (Self(tx), rx)
    }

    pub(crate) fn current(&self) -> Connectivity {
        *self.0.borrow()
    }

    /// Returns true when this changed the state.
    pub(crate) fn poll_failed(&self, now: Millis) -> bool {
        self.0.send_if_modified(|c| {
            if c.is_online() {
                *c = Connectivity::Offline { since: now };
                true
            } else {
                false
            }
        })
    }

    /// Returns true when this changed the state.
    pub(crate) fn poll_succeeded(&self) -> bool {
        self.0.send_if_modified(|c| {
            if c.is_online() {
                false
            } else {
                *c = Connectivity::Online;
                true
            }
        })
    }
}
