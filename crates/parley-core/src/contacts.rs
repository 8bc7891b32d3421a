//! The Contacts screen and the customer's VIP / Blocked marks (store: `parley-store/src/
//! directory.rs`; what Blocked means: the module doc of `parley-domain/src/contacts.rs`).

use crate::errors;
use crate::facade::Parley;
use parley_domain::*;

/// More conversations than the window re-reads at once (`thread_summaries`): it reloads instead.
const CHANGED_THREADS_MAX: usize = 1000;

impl Parley {
    /// One page of the Contacts screen (`query` blank: everyone).
    pub async fn list_contacts(
        &self,
        query: String,
        sort: ContactSort,
        cursor: Option<ContactCursor>,
        limit: u32,
    ) -> Result<ContactPage, IpcError> {
        let limit = limit.clamp(1, CONTACT_PAGE_MAX);
        self.db
            .call(move |s| s.list_contacts(&query, sort, cursor.as_ref(), limit))
            .await
            .map_err(errors::store)
    }

    /// Sets or clears a customer's marks. Their conversations change with them (a VIP mark in
    /// each row; blocked, out of every view and count), so the window re-reads them; blocking
    /// also withdraws what their conversations show on the desktop.
    pub async fn set_contact_marks(
        &self,
        contact: ContactId,
        change: ContactMarksChange,
    ) -> Result<ContactMarks, IpcError> {
        let (marks, threads) = self
            .db
            .call(move |s| {
                let marks = s.set_contact_marks(contact, change)?;
                Ok((marks, s.contact_thread_ids(contact)?))
            })
            .await
            .map_err(errors::store)?;
        if marks.blocked {
            for t in &threads {
                self.notify.blocked(*t);
            }
        }
        if !threads.is_empty() {
            // An empty list tells the window to reload every row it holds.
            let thread_ids = if threads.len() > CHANGED_THREADS_MAX {
                Vec::new()
            } else {
                threads
            };
            let _ = self.events.send(CoreEvent::ThreadsChanged { thread_ids });
        }
        Ok(marks)
    }
}
