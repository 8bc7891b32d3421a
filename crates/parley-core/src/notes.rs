//! The customer's notes and attributes in the context pane (store: `parley-store/src/notes.rs`).

use crate::errors;
use crate::facade::Parley;
use parley_domain::{
    AttributeKind, ContactAttribute, ContactId, ContactNote, ErrorCode, IpcError, NoteId,
};

/// Who writes a note on this computer: the system's user name until Parley has agents of its
/// own.
pub(crate) fn agent_name() -> String {
    ["PARLEY_AGENT_NAME", "USER", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|n| !n.trim().is_empty()))
        .map_or_else(|| "You".to_owned(), |n| n.trim().to_owned())
}

fn note_error(e: parley_store::StoreError) -> IpcError {
    match e {
        parley_store::StoreError::Invalid(why) => {
            IpcError::new(ErrorCode::InvalidInput, format!("Not saved: {why}."))
        }
        other => errors::store(other),
    }
}

impl Parley {
    pub async fn add_note(
        &self,
        contact: ContactId,
        body: String,
    ) -> Result<ContactNote, IpcError> {
        let (author, now) = (agent_name(), self.clock.now());
        self.db
            .call(move |s| s.add_note(contact, &body, &author, now))
            .await
            .map_err(note_error)
    }

    pub async fn update_note(&self, note: NoteId, body: String) -> Result<ContactNote, IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.update_note(note, &body, now))
            .await
            .map_err(note_error)
    }

    pub async fn delete_note(&self, note: NoteId) -> Result<(), IpcError> {
        self.db
            .call(move |s| s.delete_note(note))
            .await
            .map_err(note_error)
    }

    /// Sets one attribute (a link must be one Parley would open); answers them all.
    pub async fn set_contact_attribute(
        &self,
        contact: ContactId,
        attribute: ContactAttribute,
    ) -> Result<Vec<ContactAttribute>, IpcError> {
        if attribute.kind == AttributeKind::Link {
            crate::links::validate_link(&attribute.value)?;
        }
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_contact_attribute(contact, &attribute, now))
            .await
            .map_err(note_error)
    }

    pub async fn remove_contact_attribute(
        &self,
        contact: ContactId,
        key: String,
    ) -> Result<Vec<ContactAttribute>, IpcError> {
        self.db
            .call(move |s| s.remove_contact_attribute(contact, &key))
            .await
            .map_err(note_error)
    }
}
