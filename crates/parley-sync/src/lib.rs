//! The engine between channels and the store: one sync task and one outbox dispatcher per
//! account, both written as explicit state machines, with time from an injected [`Clock`].

mod account;
mod backoff;
mod connectivity;
mod db;
mod handle;
mod outbox;
mod policy;
mod runner;

pub use account::CURSOR_KEY;
pub use backoff::Backoff;
pub use connectivity::Connectivity;
pub use db::Db;
pub use handle::SyncHandle;
/// The clock lives in parley-domain, so the channel adapters below this crate read the same one.
pub use parley_domain::{Clock, SystemClock};
pub use policy::{NoPolicy, OutboundPolicy};
pub use runner::{AccountRunner, EngineEvent, LONG_POLL};
