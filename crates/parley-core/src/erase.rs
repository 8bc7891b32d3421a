//! Per-customer erase, as the agent asks for it from the customer's pane: the store's erase
//! (`parley-store/src/erase.rs`: every row, the index, the log) and then the erased messages'
//! downloaded attachments on disk.

use crate::errors;
use crate::facade::Parley;
use parley_domain::{ContactId, CoreEvent, IpcError};

impl Parley {
    /// Erases everything Parley holds about the customer `contact` (and the contacts merged
    /// into them): conversations, messages, files, notes, details, tags. It cannot be undone.
    pub async fn erase_customer(&self, contact: ContactId) -> Result<(), IpcError> {
        let now = self.clock.now();
        let files = self
            .db
            .call(move |s| s.erase_contact(contact, now))
            .await
            .map_err(errors::store)?;
        let base = self.paths().attachments();
        for account in files {
            let dir = crate::files::account_files(&base, account.channel, &account.external_id);
            for (key, attachments) in account.messages {
                for (index, a) in attachments.iter().enumerate() {
                    let Some(remote_ref) = a.remote_ref.as_deref() else {
                        continue;
                    };
                    let name = crate::files::safe_file_name(
                        a.file_name.as_deref(),
                        a.mime_type.as_deref(),
                    );
                    let path = crate::files::attachment_file(&dir, &key, index, remote_ref, &name);
                    if let Err(e) = tokio::fs::remove_file(&path).await
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!("an erased customer's file stays: {e}");
                    }
                }
            }
        }
        let _ = self
            .events
            .send(CoreEvent::ThreadsChanged { thread_ids: vec![] });
        let _ = self.events.send(CoreEvent::ContactsChanged);
        Ok(())
    }
}
