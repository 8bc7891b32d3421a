//! The outbound policy the dispatcher asks before each send (issue 18): is it night for the
//! customer (their quiet hours, in their local time), and which caps hold an agent's proactive
//! message. The customer's zone is worked out in `parley-core` (`customer_time.rs`, which
//! parses phone numbers), so the core hands its policy to each [`AccountRunner`]; this crate
//! only asks, on the store's thread, and passes the answer to `Store::outbox_begin` in the
//! [`Recheck`], where the decision and the move are one transaction.
//!
//! [`AccountRunner`]: crate::AccountRunner
//! [`Recheck`]: parley_store::Recheck

use parley_domain::{Millis, OutboundSettings, ThreadId};
use parley_store::{QuietHold, Store, StoreError};

/// The outbound part of the re-check before a send.
pub trait OutboundPolicy: Send + Sync + 'static {
    /// For the customer of `thread` at `now`: quiet hours now (until when, and the note), and the
    /// caps for proactive messages (`None`: none).
    fn recheck(
        &self,
        store: &Store,
        thread: ThreadId,
        now: Millis,
    ) -> Result<(Option<QuietHold>, Option<OutboundSettings>), StoreError>;
}

/// No quiet hours and no caps: for tests and tools that do not exercise them.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoPolicy;

impl OutboundPolicy for NoPolicy {
    fn recheck(
        &self,
        _store: &Store,
        _thread: ThreadId,
        _now: Millis,
    ) -> Result<(Option<QuietHold>, Option<OutboundSettings>), StoreError> {
        Ok((None, None))
    }
}
