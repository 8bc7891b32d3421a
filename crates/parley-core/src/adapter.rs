//! A running account as the generic code holds it: its sync task (or why it is not running)
//! and its adapter — the [`Channel`] the sync and the outbox use, the few things generic code
//! may ask of it beyond that ([`AdapterHooks`]), and the adapter's own type for its provider's
//! calls (handover, templates), reached with [`Adapter::get`].

use parley_channels::Channel;
use parley_domain::{AccountSummary, SyncState, ThreadOwner};
use parley_sync::SyncHandle;
use std::any::Any;
use std::sync::Arc;

/// What generic code may ask of a running adapter beyond [`Channel`]. Each provider implements
/// it for its adapter; every method has a do-nothing default.
pub(crate) trait AdapterHooks: Send + Sync + 'static {
    /// Adds what the Accounts screen shows of this provider (a Page's HUMAN_AGENT approval).
    fn describe(&self, _summary: &mut AccountSummary) {}

    /// The agent has one of this account's conversations open (`true`) or none: an adapter
    /// that polls can poll faster while the agent watches.
    fn set_focused(&self, _focused: bool) {}

    /// Whether Parley's own automation (the FAQ bot) may write in a conversation whose owner,
    /// as last stored, is `owner` (`None`: never reported). Where one app at a time controls a
    /// conversation, only while Parley's app does.
    fn automation_may_answer(&self, _owner: Option<&ThreadOwner>) -> bool {
        true
    }
}

/// One account's adapter, shared by its sync task, its outbox and its provider's calls.
#[derive(Clone)]
pub(crate) struct Adapter {
    pub channel: Arc<dyn Channel>,
    hooks: Arc<dyn AdapterHooks>,
    own: Arc<dyn Any + Send + Sync>,
}

impl Adapter {
    pub fn new<C: Channel + AdapterHooks>(adapter: Arc<C>) -> Self {
        Self {
            channel: adapter.clone(),
            hooks: adapter.clone(),
            own: adapter,
        }
    }

    pub fn hooks(&self) -> &dyn AdapterHooks {
        self.hooks.as_ref()
    }

    /// The adapter as its own type, when it is a `C`.
    pub fn get<C: Send + Sync + 'static>(&self) -> Option<Arc<C>> {
        self.own.clone().downcast::<C>().ok()
    }
}

/// Whether an account's tasks run.
pub(crate) enum Runner {
    Running(SyncHandle),
    /// Not running (its secret is missing, or it waits for a staggered demo start); the state
    /// says why.
    Idle(SyncState),
}

/// One account in the registry of running accounts.
pub(crate) struct Live {
    pub runner: Runner,
    /// `None` when no adapter could be built.
    pub adapter: Option<Adapter>,
}
