//! The sync's cursor, kept as JSON between fetches: per mailbox its UIDVALIDITY, how far new mail
//! and the first sync's backlog have been read, HIGHESTMODSEQ, and the pending copies to look at
//! again (**Cursor** in the `email` module doc).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Role {
    Inbox,
    Sent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct BoxCursor {
    pub(super) name: String,
    pub(super) uidvalidity: u32,
    pub(super) top: u32,
    pub(super) below: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) modseq: Option<u64>,
    /// Messages in the mailbox when its first sync began, and how many of them the backlog
    /// walk has read: the progress shown while it runs.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) total: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(super) read: u32,
    /// UIDs read while they carried [`PENDING_KEYWORD`](super::PENDING_KEYWORD) (a reply whose
    /// send is not settled): not ingested, looked at again at each fetch until the keyword is
    /// gone (then read as any mail) or the copy is (then forgotten). At most
    /// [`MAX_PENDING_UIDS`], oldest dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) pending: Vec<u32>,
}

/// Pending copies a mailbox cursor keeps track of (see `BoxCursor::pending`).
pub(super) const MAX_PENDING_UIDS: usize = 64;

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Cursor {
    pub(super) v: u32,
    pub(super) boxes: BTreeMap<Role, BoxCursor>,
}

/// The first sync still under way (INBOX, then Sent): its mailbox and how many of the messages
/// it held when it began have been read.
pub(super) fn first_sync_progress(cur: &Cursor) -> Option<parley_domain::SyncProgress> {
    let b = cur.boxes.values().find(|b| b.below > 1)?;
    let total = b.total.max(b.read);
    Some(parley_domain::SyncProgress {
        scope: b.name.clone(),
        done: u64::from(b.read),
        total: u64::from(total),
    })
}
