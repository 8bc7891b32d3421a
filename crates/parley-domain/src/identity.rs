//! "One customer, one dialogue" (issue 14): the contacts Parley suggests merging, and why.
//!
//! Parley never merges on its own. The engine (`parley_core::suggest`) reads one
//! [`MergeCandidate`] per contact, as the store hands them over, and returns
//! [`MergeSuggestion`]s for the agent to review; each says in [`MergeReason`]s what the two
//! contacts share.

use crate::ids::{AccountId, ContactId, Millis};
use crate::kinds::ChannelKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What two contacts share that makes Parley think they are one customer.
///
/// Values are the normalised forms the engine compared (an email lowercased and without its
/// `+tag`, a phone in E.164), so the agent sees exactly what matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum MergeReason {
    /// The same Telegram user (Telegram's user ids are global: two bots see the same id for the
    /// same person). `id` is that numeric id.
    SameUser { channel: ChannelKind, id: String },
    /// The same email address, from an email identity or an email-like attribute.
    SameEmail { email: String },
    /// The same phone number (E.164), from an SMS or WhatsApp identity or a phone-like attribute.
    SamePhone { phone: String },
    /// The same username on one service (Instagram on two accounts, or a Telegram/Instagram
    /// username the agents recorded as an attribute), lowercased, without `@`.
    SameHandle {
        channel: ChannelKind,
        handle: String,
    },
    /// Very similar names, as each contact shows them.
    SimilarName { a: String, b: String },
}

/// One channel identity of a [`MergeCandidate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateIdentity {
    /// The account the identity belongs to: two contacts that each have an identity on the same
    /// account were told apart by the provider itself, so their names alone never match.
    pub account: AccountId,
    pub channel: ChannelKind,
    /// The provider's id of the person, as the adapter stored it (`+15551234567`,
    /// `whatsapp:+4915…`, an address, a Telegram user id, a page-scoped id).
    pub remote_id: String,
    /// A username such as Telegram's or Instagram's, when the provider gives one.
    pub handle: Option<String>,
    pub display_name: String,
}

/// What the store hands the suggestion engine for one contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeCandidate {
    pub contact: ContactId,
    pub display_name: String,
    pub identities: Vec<CandidateIdentity>,
    /// The agents' typed attributes, (key, value). Keys such as "email", "E-mail", "Phone
    /// number", "WhatsApp", "Telegram" or "Instagram" are read for contact data.
    pub attributes: Vec<(String, String)>,
    /// The contact's first and last message, any direction, any channel.
    pub first_activity_at: Millis,
    pub last_activity_at: Millis,
}

/// Two contacts Parley thinks are one customer, for the agent to merge or dismiss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MergeSuggestion {
    /// The lower contact id of the pair (`a < b`); a dismissed pair is stored as `(a, b)`.
    pub a: ContactId,
    pub b: ContactId,
    pub a_name: String,
    pub b_name: String,
    /// The channels each contact is reachable on, in `ChannelKind::ALL` order.
    pub a_channels: Vec<ChannelKind>,
    pub b_channels: Vec<ChannelKind>,
    /// Why, strongest first; never empty.
    pub reasons: Vec<MergeReason>,
    /// How sure Parley is, in percent (1..=100); the list is sorted by it.
    pub score: u8,
}
