//! Merging two contacts that are the same person, and splitting an identity back out.

use crate::{ChannelKind, ContactAttribute, ContactChangeId, ContactId, IdentityId, Millis};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the agent chose when merging `absorbed` into `survivor`: whose name the customer keeps,
/// and whose value wins where both have the same attribute. Everything else is kept from both
/// (identities, conversations, notes, the attributes only one of them has).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MergeChoice {
    pub survivor: ContactId,
    pub absorbed: ContactId,
    /// `survivor` or `absorbed`.
    pub name_from: ContactId,
    /// `survivor` or `absorbed`.
    pub attributes_from: ContactId,
}

/// One of the two contacts in the merge dialog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MergeSide {
    pub contact_id: ContactId,
    pub display_name: String,
    /// Each identity's channel, in the order they were first seen.
    pub channels: Vec<ChannelKind>,
    pub identity_count: u32,
    pub conversation_count: u32,
    pub note_count: u32,
    pub attributes: Vec<ContactAttribute>,
    #[ts(type = "number | null")]
    pub last_activity_at: Option<Millis>,
}

/// Both sides of a merge, and the attribute keys where they disagree (the agent picks a side).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MergePreview {
    pub a: MergeSide,
    pub b: MergeSide,
    pub conflicting_keys: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ContactChangeKind {
    Merge,
    Split,
}

/// A merge or split as done (or undone): what Undo names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactChange {
    pub id: ContactChangeId,
    pub kind: ContactChangeKind,
    /// The contact that stayed (merge) or the one the identity left (split).
    pub contact_id: ContactId,
    /// The contact merged away, or the one the split created.
    pub other_id: ContactId,
    /// The identity a split moved.
    pub identity_id: Option<IdentityId>,
    /// What happened, for the agent ("Merged Ana García into Ana Garcia").
    pub summary: String,
    pub undone: bool,
}
