//! Merging contacts that are the same person, splitting an identity back out, and Undo
//! (store: `parley-store/src/contact_merge.rs`, which documents what moves). Suggestions of who
//! might be the same person come from [`crate::suggest`]; Parley never merges on its own.

use crate::errors;
use crate::facade::Parley;
use parley_domain::{
    ContactChange, ContactChangeId, ContactId, CoreEvent, ErrorCode, IdentityId, IpcError,
    MergeChoice, MergePreview,
};

fn merge_error(e: parley_store::StoreError) -> IpcError {
    match e {
        parley_store::StoreError::Invalid(why) => {
            IpcError::new(ErrorCode::InvalidInput, format!("Nothing changed: {why}."))
        }
        parley_store::StoreError::NotFound(what) => IpcError::new(
            ErrorCode::NotFound,
            format!("Nothing changed: that {what} is no longer there (reload and try again)."),
        ),
        other => errors::store(other),
    }
}

impl Parley {
    /// Both customers as the merge dialog shows them.
    pub async fn merge_preview(
        &self,
        a: ContactId,
        b: ContactId,
    ) -> Result<MergePreview, IpcError> {
        self.db
            .call(move |s| s.merge_preview(a, b))
            .await
            .map_err(merge_error)
    }

    pub async fn merge_contacts(&self, choice: MergeChoice) -> Result<ContactChange, IpcError> {
        let now = self.clock.now();
        let change = self
            .db
            .call(move |s| s.merge_contacts(&choice, now))
            .await
            .map_err(merge_error)?;
        self.contacts_changed(&change).await;
        Ok(change)
    }

    pub async fn split_identity(&self, identity: IdentityId) -> Result<ContactChange, IpcError> {
        let now = self.clock.now();
        let change = self
            .db
            .call(move |s| s.split_identity(identity, now))
            .await
            .map_err(merge_error)?;
        self.contacts_changed(&change).await;
        Ok(change)
    }

    /// Undoes a merge or a split (an undone merge is applied again).
    pub async fn undo_contact_change(
        &self,
        id: ContactChangeId,
    ) -> Result<ContactChange, IpcError> {
        let now = self.clock.now();
        let change = self
            .db
            .call(move |s| s.undo_contact_change(id, now))
            .await
            .map_err(merge_error)?;
        self.contacts_changed(&change).await;
        Ok(change)
    }

    /// The agent says these two are not the same person: never suggested again.
    pub async fn dismiss_merge_suggestion(
        &self,
        a: ContactId,
        b: ContactId,
    ) -> Result<(), IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.dismiss_merge_suggestion(a, b, now))
            .await
            .map_err(merge_error)
    }

    /// The inbox shows the customer's name on every row: the rows of both sides change.
    async fn contacts_changed(&self, change: &ContactChange) {
        let contacts = [change.contact_id, change.other_id];
        match self
            .db
            .call(move |s| s.threads_of_contacts(&contacts))
            .await
        {
            Ok(thread_ids) => {
                let _ = self.events.send(CoreEvent::ThreadsChanged { thread_ids });
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not list the threads a contact change touched")
            }
        }
    }
}
