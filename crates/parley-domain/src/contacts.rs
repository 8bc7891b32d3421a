//! The Contacts screen: finding a customer by name, handle, email, phone or attribute value,
//! a page at a time, and the agents' VIP / Blocked marks.
//!
//! What Blocked means (the store's `contacts.blocked`): the customer's messages are still synced
//! and stored, but their conversations are listed in no inbox view and counted in none (nor in
//! the tray's unread total), and they never notify. Everything else stays reachable on purpose:
//! the Contacts screen lists them (marked), their conversations open from there or from search
//! (which still finds their messages), a draft already written to them stays in Drafts, and a
//! reply can still be sent. Unblocking puts their conversations back where their status says.

use crate::ids::{ContactId, Millis};
use crate::kinds::ChannelKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The order of the Contacts screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ContactSort {
    /// The customer who was in touch last first (their newest conversation activity).
    LastContact,
    /// By name, A to Z (case ignored).
    Name,
}

/// A keyset position in the Contacts screen: the last row's sort keys and id. Both keys are
/// filled; the sort reads the one it orders by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactCursor {
    #[ts(type = "number")]
    pub last_contact_at: Millis,
    pub name: String,
    pub id: ContactId,
}

/// One customer as the Contacts screen lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactRow {
    pub id: ContactId,
    pub display_name: String,
    /// The channels they write from, each once, in the usual channel order.
    pub channels: Vec<ChannelKind>,
    /// What tells two people of the same name apart: their first identity's handle, else its
    /// remote id (an address, a number).
    pub handle: Option<String>,
    /// Their newest conversation activity (their first sighting when they have none).
    #[ts(type = "number")]
    pub last_contact_at: Millis,
    pub vip: bool,
    pub blocked: bool,
}

/// One page of the Contacts screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactPage {
    pub contacts: Vec<ContactRow>,
    /// Pass back for the next page; `null` on the last.
    pub next: Option<ContactCursor>,
}

/// A customer's marks as they now stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactMarks {
    pub vip: bool,
    pub blocked: bool,
}

/// A change to a customer's marks: `null` leaves that mark as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactMarksChange {
    pub vip: Option<bool>,
    pub blocked: Option<bool>,
}

/// The most rows one Contacts page holds.
pub const CONTACT_PAGE_MAX: u32 = 200;
