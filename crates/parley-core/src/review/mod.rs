//! The manager's side (issue 16) as the window uses it: the review list and its transcript
//! (`mod.rs`), annotations and the checklist (`annotations.rs`), the metrics in the agent's time
//! zone (`metrics.rs`) and exports to a file (`export.rs`). The SQL lives in the store
//! (`parley-store/src/review.rs`, `metrics.rs`, `annotations.rs`, `export/`).

pub mod annotations;
pub mod export;
mod export_zip;
pub mod metrics;

use crate::errors;
use crate::facade::Parley;
use parley_domain::*;
use parley_store::{TARGETS_KEY, targets_from_json};

/// Rows of one page of the review list at most.
pub const REVIEW_PAGE_MAX: u32 = 200;
/// Messages of one page of a transcript.
pub const TRANSCRIPT_PAGE: u32 = 200;

pub(crate) fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message.into())
}

impl Parley {
    /// Every channel's first-response target (the defaults where none was set).
    pub async fn review_targets(&self) -> Result<Vec<ResponseTarget>, IpcError> {
        let json = self
            .db
            .call(|s| s.setting(TARGETS_KEY))
            .await
            .map_err(errors::store)?;
        Ok(targets_from_json(json.as_deref()))
    }

    /// Sets the first-response targets (minutes, 1 minute to 7 days).
    pub async fn set_review_targets(
        &self,
        targets: Vec<ResponseTarget>,
    ) -> Result<Vec<ResponseTarget>, IpcError> {
        let mut map = serde_json::Map::new();
        for t in &targets {
            if !(1..=7 * 24 * 60).contains(&t.minutes) {
                return Err(invalid(format!(
                    "Not saved: the target for {} must be between 1 minute and 7 days.",
                    t.channel.display_name()
                )));
            }
            map.insert(t.channel.as_str().into(), t.minutes.into());
        }
        let json = serde_json::Value::Object(map).to_string();
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(TARGETS_KEY, &json, now))
            .await
            .map_err(errors::store)?;
        self.review_targets().await
    }

    /// One page of the review list.
    pub async fn review_page(
        &self,
        filter: ReviewFilter,
        after: Option<ReviewCursor>,
        limit: u32,
    ) -> Result<ReviewPage, IpcError> {
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to <= from
        {
            return Err(invalid(
                "The period ends before it starts: choose an end after the start.",
            ));
        }
        let targets = self.review_targets().await?;
        let now = self.clock.now();
        let limit = limit.clamp(1, REVIEW_PAGE_MAX);
        let (filter, hours) = self.with_open_hours(filter, now).await?;
        self.db
            .call(move |s| {
                if let Some(h) = hours {
                    s.set_open_hours(h)?;
                }
                s.review_page(&filter, &targets, now, after, limit)
            })
            .await
            .map_err(errors::store)
    }

    /// The calendar a filter counting business hours needs (registered in the store call that
    /// reads it); without a schedule set, the filter counts wall-clock time.
    pub(crate) async fn with_open_hours(
        &self,
        mut filter: ReviewFilter,
        now: Millis,
    ) -> Result<
        (
            ReviewFilter,
            Option<std::sync::Arc<parley_store::OpenHours>>,
        ),
        IpcError,
    > {
        if !filter.business_hours {
            return Ok((filter, None));
        }
        let hours = self.review_open_hours(now).await?;
        filter.business_hours = hours.is_some();
        Ok((filter, hours))
    }

    /// The names that answered conversations first (the "answered by" choices).
    pub async fn review_responders(&self) -> Result<Vec<String>, IpcError> {
        self.db
            .call(|s| s.responders())
            .await
            .map_err(errors::store)
    }

    /// A conversation made for reading: its first page of messages (or of the whole dialogue
    /// with the customer, every channel), its status changes, the customer's notes, the
    /// manager's annotations and scores.
    pub async fn review_transcript(
        &self,
        thread: ThreadId,
        whole_dialogue: bool,
    ) -> Result<Transcript, IpcError> {
        let targets = self.review_targets().await?;
        let now = self.clock.now();
        self.db
            .call(move |s| {
                let row = s
                    .review_row(thread, &targets, now, false)?
                    .ok_or(parley_store::StoreError::NotFound("conversation"))?;
                let thread_ids = if whole_dialogue {
                    s.contact_thread_ids(row.contact_id)?
                } else {
                    vec![thread]
                };
                let first_page = s.transcript_page(&thread_ids, None, TRANSCRIPT_PAGE)?;
                let mut events = Vec::new();
                for &t in &thread_ids {
                    events.extend(s.thread_events(t)?);
                }
                events.sort_by_key(|e| e.at);
                let notes = s.contact_notes(row.contact_id)?;
                let annotations = s.annotations(
                    &AnnotationFilter {
                        thread_id: Some(thread),
                        ..Default::default()
                    },
                    1000,
                )?;
                let checklist = s.checklist()?;
                let scores = s.scores(thread)?;
                Ok(Transcript {
                    row,
                    whole_dialogue,
                    thread_ids,
                    first_page,
                    events,
                    notes,
                    annotations,
                    checklist,
                    scores,
                })
            })
            .await
            .map_err(errors::store)
    }

    /// The transcript's following messages.
    pub async fn transcript_page(
        &self,
        threads: Vec<ThreadId>,
        after: Option<PageCursor>,
    ) -> Result<TranscriptPage, IpcError> {
        if threads.is_empty() || threads.len() > 500 {
            return Err(invalid("A transcript covers 1 to 500 conversations."));
        }
        self.db
            .call(move |s| s.transcript_page(&threads, after, TRANSCRIPT_PAGE))
            .await
            .map_err(errors::store)
    }
}

#[cfg(test)]
mod tests;
