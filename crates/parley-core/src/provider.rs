//! What each provider tells the generic code: how to build a stored account's adapter, whether
//! calls besides the sync must go through the running adapter, its composer window, and its
//! limits on a reply. `providers/mod.rs` maps each channel to its provider.

use crate::adapter::Adapter;
use crate::facade::Parley;
use async_trait::async_trait;
use parley_domain::{ChannelKind, ComposerWindow, IpcError, Millis, ThreadId};
use parley_store::{AccountRow, Store, ThreadTarget};
use std::collections::BTreeMap;

#[async_trait]
pub(crate) trait Provider: Send + Sync {
    /// The provider's short name (`"telegram"`): the key of its API root in [`ApiRoots`] and,
    /// upper-cased, of the app's `PARLEY_<NAME>_API` switch.
    fn name(&self) -> &'static str;

    /// The channels it carries (Graph: Messenger and Instagram).
    fn channels(&self) -> &'static [ChannelKind];

    /// The adapter of a stored account, from its row, its settings and its secret (kept in the
    /// keychain under `secret_key(channel, external id)`). An error with code `AuthFailed`,
    /// `Storage`, `NotFound` or `InvalidInput` stops the account until the agent acts; any other
    /// is shown as a wait.
    async fn build(
        &self,
        app: &Parley,
        account: &AccountRow,
        secret: &str,
    ) -> Result<Adapter, IpcError>;

    /// `Some(why)`: downloads and other calls go through the running adapter (it holds a rate
    /// budget shared with the sync), and `why` is what the agent reads when it is not running.
    /// `None` (the default): such calls build an adapter of their own.
    fn calls_need_running_adapter(&self) -> Option<&'static str> {
        None
    }

    /// The composer's window for a thread and a note to show at its top, read in the store
    /// call that opens the thread.
    fn thread_extras(
        &self,
        _s: &Store,
        _target: &ThreadTarget,
        _now: Millis,
    ) -> parley_store::Result<(ComposerWindow, Option<String>)> {
        Ok((ComposerWindow::Always, None))
    }

    /// The agent opened one of this provider's conversations (email fetches the HTML of mail
    /// stored before Parley kept it). Must return at once: slow work goes to a task.
    fn thread_opened(&self, _app: &Parley, _thread: ThreadId) {}

    /// How files go with a reply (the channel module's `ATTACHMENT_RULE`); asked also when no
    /// adapter runs (staging a file offline).
    fn attachment_rule(&self) -> parley_channels::AttachmentRule;

    /// Whether the business may write to a customer who never wrote (a Telegram bot may not:
    /// the user must start it first). Automated messages are only ever sent in answer to a
    /// customer's message; this is checked all the same.
    fn may_write_first(&self) -> bool {
        true
    }

    /// Refuses a reply the channel cannot carry (too long, ...) before it is queued.
    fn check_reply(&self, _text: &str) -> Result<(), IpcError> {
        Ok(())
    }
}

/// Where each provider's API lives when not at the provider's own address: tests, benches and the
/// app's `PARLEY_<NAME>_API` switches point a provider at a fake. Keyed by [`Provider::name`], so
/// a new provider needs no field anywhere.
#[derive(Debug, Clone, Default)]
pub struct ApiRoots(BTreeMap<&'static str, String>);

impl ApiRoots {
    /// Points the provider named `name` (`"telegram"`, `"graph"`, `"twilio"`) at `root`.
    ///
    /// # Panics
    /// On a name no provider has: a typo would otherwise send a test to the real API.
    pub fn set(&mut self, name: &str, root: impl Into<String>) {
        let known = crate::providers::all()
            .map(|p| p.name())
            .find(|known| *known == name)
            .unwrap_or_else(|| panic!("no provider is named {name:?}"));
        self.0.insert(known, root.into());
    }

    /// The root set for `name`, if any (`None`: the provider's own).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `PARLEY_<NAME>_API` for each provider (`PARLEY_TELEGRAM_API`, `PARLEY_GRAPH_API`, ...).
    pub fn from_env() -> Self {
        let mut roots = Self::default();
        for provider in crate::providers::all() {
            let var = format!("PARLEY_{}_API", provider.name().to_ascii_uppercase());
            if let Ok(root) = std::env::var(&var) {
                roots.0.insert(provider.name(), root);
            }
        }
        roots
    }
}
