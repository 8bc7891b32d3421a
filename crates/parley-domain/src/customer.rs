//! The rest of the customer pane: the customer's local time (where it can be known) and the
//! agents' tags on the customer.
//!
//! **Local time.** Worked out in the core (`parley-core/src/customer_time.rs`) from, in this
//! order: a zone an agent set by hand (wins over every guess, until cleared); the country (and,
//! for the US and Canada, the area code) of the customer's phone number, when that gives one
//! zone; the UTC offset of the Date header of the customer's latest email; a phone number whose
//! country spans several zones (then only "several time zones" is said, never a guess).
//!
//! **Tags.** Free-form short tags on the customer (not on a conversation: those are labels),
//! one per name whatever the case, searchable in the Contacts screen, carried by merges
//! (`parley-store/src/contact_merge.rs`).

use crate::ids::Millis;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where the customer's local time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TimeSource {
    /// An agent picked the zone in the pane.
    SetByHand,
    /// The country (and area code) of the customer's phone number.
    Phone,
    /// The UTC offset of the Date header of the customer's latest email.
    Email,
}

/// The customer's local time as far as it can be known: the wall clock is the UI's to show
/// (from `zone` where there is one, which follows daylight saving; else from `offsetMinutes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerTime {
    /// An IANA zone ("Europe/Berlin"), when one is known.
    pub zone: Option<String>,
    /// The offset from UTC in minutes (east positive) now, or as the email said; `null` when
    /// `ambiguous`.
    pub offset_minutes: Option<i32>,
    pub source: TimeSource,
    /// The phone number's calling code (49 for "+49"), with [`TimeSource::Phone`].
    pub calling_code: Option<u16>,
    /// When the email the offset comes from was sent, with [`TimeSource::Email`].
    #[ts(type = "number | null")]
    pub observed_at: Option<Millis>,
    /// The phone's country spans several time zones and nothing tells which: no time is shown.
    pub ambiguous: bool,
}

/// The longest tag, in characters.
pub const TAG_MAX_CHARS: usize = 32;
/// The most tags one customer can have.
pub const TAGS_PER_CONTACT_MAX: usize = 50;
