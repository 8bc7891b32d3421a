//! The running tasks of one account: [`AccountRunner::spawn`] starts its sync task
//! (`account.rs`) and its outbox dispatcher (`outbox.rs`) and returns their [`SyncHandle`].

use crate::connectivity::{Connectivity, ConnectivityTx};
use crate::outbox;
use crate::runner::{AccountRunner, next_revision};
use parley_domain::SyncState;
use std::sync::Arc;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// The running tasks of one account; dropping it stops them.
pub struct SyncHandle {
    sync: JoinHandle<()>,
    outbox: JoinHandle<()>,
    wake_outbox: Arc<Notify>,
    state: watch::Receiver<(u64, SyncState)>,
    connectivity: watch::Receiver<Connectivity>,
}

impl SyncHandle {
    pub fn state(&self) -> SyncState {
        self.state.borrow().1.clone()
    }

    /// The state with its revision, which grows with every state change of every account in
    /// this process, so the window can tell a stale summary (an answer computed before an event
    /// it already applied) from a newer one.
    pub fn snapshot(&self) -> (u64, SyncState) {
        self.state.borrow().clone()
    }

    pub fn connectivity(&self) -> Connectivity {
        *self.connectivity.borrow()
    }

    /// A reply was queued: look at the outbox now rather than at the next tick.
    pub fn wake_outbox(&self) {
        self.wake_outbox.notify_one();
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        self.sync.abort();
        self.outbox.abort();
    }
}

impl AccountRunner {
    /// Starts the sync task and the outbox dispatcher.
    pub fn spawn(self) -> SyncHandle {
        let (state_tx, state_rx) = watch::channel((next_revision(), SyncState::Connecting));
        let (online_tx, online_rx) = ConnectivityTx::new();
        let wake = Arc::new(Notify::new());
        let outbox = tokio::spawn(outbox::run(self.clone(), wake.clone(), online_rx.clone()));
        let sync = tokio::spawn(self.run(state_tx, online_tx));
        SyncHandle {
            sync,
            outbox,
            wake_outbox: wake,
            state: state_rx,
            connectivity: online_rx,
        }
    }
}
