use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
        #[ts(type = "number")]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A channel account (one Telegram bot, one Facebook Page, one mailbox...).
    AccountId
);
id_type!(
    /// A customer: one person, whatever channels they write from.
    ContactId
);
id_type!(
    /// One channel identity of a contact (a Telegram user of one bot, an email address...).
    IdentityId
);
id_type!(
    /// A conversation with a contact on one account.
    ThreadId
);
id_type!(
    /// A message stored locally.
    MessageId
);
id_type!(
    /// An item waiting in, or gone through, the outbox.
    OutboxId
);
id_type!(
    /// A label the agents put on conversations.
    LabelId
);
id_type!(
    /// A private note on a contact.
    NoteId
);
id_type!(
    /// A saved reply (canned answer) the agents insert with `/`.
    SavedReplyId
);
id_type!(
    /// A merge of two contacts or a split of an identity out of one, as recorded (to undo it).
    ContactChangeId
);

/// Milliseconds since the Unix epoch, UTC. Every timestamp in Parley's store and DTOs uses it.
pub type Millis = i64;
