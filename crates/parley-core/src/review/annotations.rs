//! A manager's annotations and checklist (store: `parley-store/src/annotations.rs`). They are
//! written by the person at this computer (`notes::agent_name`) and never reach a customer.

use crate::errors;
use crate::facade::Parley;
use parley_domain::*;

fn annotation_error(e: parley_store::StoreError) -> IpcError {
    match e {
        parley_store::StoreError::Invalid(why) => {
            IpcError::new(ErrorCode::InvalidInput, format!("Not saved: {why}."))
        }
        other => errors::store(other),
    }
}

impl Parley {
    pub async fn add_annotation(&self, input: AnnotationInput) -> Result<Annotation, IpcError> {
        let (author, now) = (crate::notes::agent_name(), self.clock.now());
        self.db
            .call(move |s| s.add_annotation(&input, &author, now))
            .await
            .map_err(annotation_error)
    }

    pub async fn update_annotation(&self, id: i64, body: String) -> Result<Annotation, IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.update_annotation(id, &body, now))
            .await
            .map_err(annotation_error)
    }

    pub async fn delete_annotation(&self, id: i64) -> Result<(), IpcError> {
        self.db
            .call(move |s| s.delete_annotation(id))
            .await
            .map_err(annotation_error)
    }

    /// Annotations matching the filter, newest first (200 at most).
    pub async fn list_annotations(
        &self,
        filter: AnnotationFilter,
    ) -> Result<Vec<Annotation>, IpcError> {
        self.db
            .call(move |s| s.annotations(&filter, 200))
            .await
            .map_err(errors::store)
    }

    pub async fn review_checklist(&self) -> Result<Vec<ChecklistItem>, IpcError> {
        self.db.call(|s| s.checklist()).await.map_err(errors::store)
    }

    pub async fn add_checklist_item(
        &self,
        label: String,
        kind: ChecklistKind,
    ) -> Result<ChecklistItem, IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.add_checklist_item(&label, kind, now))
            .await
            .map_err(annotation_error)
    }

    pub async fn remove_checklist_item(&self, id: i64) -> Result<(), IpcError> {
        self.db
            .call(move |s| s.remove_checklist_item(id))
            .await
            .map_err(annotation_error)
    }

    /// Scores a conversation on one checklist item (`null` clears it); answers its scores.
    pub async fn set_checklist_score(
        &self,
        thread: ThreadId,
        item: i64,
        score: Option<i64>,
    ) -> Result<Vec<ChecklistScore>, IpcError> {
        let (author, now) = (crate::notes::agent_name(), self.clock.now());
        self.db
            .call(move |s| {
                s.set_score(thread, item, score, &author, now)?;
                s.scores(thread)
            })
            .await
            .map_err(annotation_error)
    }
}
