//! Merging contacts that are the same person, splitting an identity back out, and Undo
//! (store: `parley-store/src/contact_merge.rs`, which documents what moves). Suggestions of who
//! might be the same person come from [`crate::suggest`]; Parley never merges on its own.

use crate::errors;
use crate::facade::Parley;
use parley_domain::{
    ContactChange, ContactChangeId, ContactId, CoreEvent, ErrorCode, IdentityId, IpcError,
    MergeChoice, MergePreview, MergeSuggestion,
};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// How many suggestions are kept (the review list shows them surest first).
const SUGGESTIONS_KEPT: usize = 500;

/// The suggestions last computed and the revision of the store's inputs they were computed
/// from: the pane asks on every customer it shows, the engine runs only when something changed.
#[derive(Default)]
pub(crate) struct SuggestionCache(Mutex<Option<(String, Arc<Vec<MergeSuggestion>>)>>);

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

    /// Who might be the same person, surest first: the pairs naming `contact`, or all of them.
    /// Parley never merges on its own; the agent reviews each.
    pub async fn merge_suggestions(
        &self,
        contact: Option<ContactId>,
        limit: u32,
    ) -> Result<Vec<MergeSuggestion>, IpcError> {
        let all = self.all_suggestions().await?;
        Ok(all
            .iter()
            .filter(|s| contact.is_none_or(|c| s.a == c || s.b == c))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn all_suggestions(&self) -> Result<Arc<Vec<MergeSuggestion>>, IpcError> {
        let revision = self
            .db
            .call(|s| s.merge_inputs_revision())
            .await
            .map_err(errors::store)?;
        if let Some((seen, list)) = self.suggestions.0.lock().expect("cache").as_ref()
            && *seen == revision
        {
            return Ok(list.clone());
        }
        let (candidates, dismissed) = self
            .db
            .call(|s| Ok((s.merge_candidates()?, s.merge_dismissals()?)))
            .await
            .map_err(errors::store)?;
        // The engine runs beside the store, not holding it.
        let list = tokio::task::spawn_blocking(move || {
            let dismissed: HashSet<(ContactId, ContactId)> = dismissed.into_iter().collect();
            crate::suggest::suggest(&candidates, &dismissed, SUGGESTIONS_KEPT)
        })
        .await
        .map_err(|e| {
            IpcError::new(
                ErrorCode::Internal,
                format!("Could not compare customers: {e}."),
            )
        })?;
        let list = Arc::new(list);
        *self.suggestions.0.lock().expect("cache") = Some((revision, list.clone()));
        Ok(list)
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
