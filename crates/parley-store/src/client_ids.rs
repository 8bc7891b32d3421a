//! Client-made message ids (an email Message-ID): chosen and committed in the outbox row before
//! the provider is called, so a send whose answer was lost can be looked up at the provider.

use crate::Store;
use crate::error::{Result, StoreError};
use parley_domain::OutboxId;
use rusqlite::{OptionalExtension, params};

impl Store {
    /// Keeps `proposed` as the reply's client message id unless it already has one, and returns
    /// the one it has now. One statement, so a retry or a resend reuses the first id.
    pub fn outbox_client_message_id(&mut self, id: OutboxId, proposed: &str) -> Result<String> {
        self.conn
            .prepare_cached(
                "UPDATE outbox SET client_message_id = COALESCE(client_message_id, ?2)
                 WHERE id = ?1 RETURNING client_message_id",
            )?
            .query_row(params![id.0, proposed], |r| r.get::<_, String>(0))
            .optional()?
            .ok_or(StoreError::NotFound("reply"))
    }
}
