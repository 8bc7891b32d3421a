//! The rest of the customer pane: the customer's local time (worked out in
//! `customer_time.rs`), a zone set by hand, and the agents' tags (store:
//! `parley-store/src/customer.rs`; what they mean: `parley-domain/src/customer.rs`).

use crate::errors;
use crate::facade::Parley;
use parley_domain::{ContactContext, ContactId, ErrorCode, IpcError, ThreadId};

fn invalid(e: parley_store::StoreError) -> IpcError {
    match e {
        parley_store::StoreError::Invalid(why) => {
            IpcError::new(ErrorCode::InvalidInput, format!("Not saved: {why}."))
        }
        other => errors::store(other),
    }
}

impl Parley {
    /// The customer of a conversation as the pane shows them, local time included.
    pub async fn contact_context(&self, thread: ThreadId) -> Result<ContactContext, IpcError> {
        let found = self
            .db
            .call(move |s| {
                let Some(ctx) = s.contact_context(thread)? else {
                    return Ok(None);
                };
                let hints = s.contact_time_hints(ctx.contact_id)?;
                Ok(Some((ctx, hints)))
            })
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("conversation"))?;
        Ok(self.with_local_time(found).await)
    }

    /// A customer as the context pane shows them, by id (the Contacts screen's detail).
    pub async fn contact_by_id(&self, contact: ContactId) -> Result<ContactContext, IpcError> {
        let found = self
            .db
            .call(move |s| {
                let Some(ctx) = s.contact_by_id(contact)? else {
                    return Ok(None);
                };
                let hints = s.contact_time_hints(contact)?;
                Ok(Some((ctx, hints)))
            })
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("contact"))?;
        Ok(self.with_local_time(found).await)
    }

    /// Works the local time out beside the store (the first phone number parsed in a process
    /// loads `phonenumber`'s metadata).
    async fn with_local_time(
        &self,
        (mut ctx, hints): (ContactContext, parley_store::TimeHints),
    ) -> ContactContext {
        let now = self.clock.now();
        tokio::task::spawn_blocking(move || {
            ctx.local_time = crate::customer_time::customer_time(&ctx, &hints, now);
            ctx
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Sets the customer's time zone by hand (an IANA name, "Europe/Berlin"), or clears it
    /// (`None`: the pane goes back to what phone and email say); answers the customer as the
    /// pane now shows them.
    pub async fn set_contact_time_zone(
        &self,
        contact: ContactId,
        zone: Option<String>,
    ) -> Result<ContactContext, IpcError> {
        let zone = match zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
            None => None,
            Some(name) => Some(
                crate::customer_time::known_zone(name)
                    .ok_or_else(|| {
                        IpcError::new(
                            ErrorCode::InvalidInput,
                            format!("Not saved: {name:?} is not a time zone Parley knows."),
                        )
                    })?
                    .name()
                    .to_owned(),
            ),
        };
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_contact_time_zone(contact, zone.as_deref(), now))
            .await
            .map_err(invalid)?;
        self.contact_by_id(contact).await
    }

    /// Every zone the pane's picker offers, A to Z.
    pub fn time_zone_choices(&self) -> Vec<String> {
        crate::customer_time::zone_choices()
    }

    /// Tags a customer; answers all their tags, A to Z.
    pub async fn add_contact_tag(
        &self,
        contact: ContactId,
        tag: String,
    ) -> Result<Vec<String>, IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.add_contact_tag(contact, &tag, now))
            .await
            .map_err(invalid)
    }

    /// Takes a tag off a customer; answers the tags left.
    pub async fn remove_contact_tag(
        &self,
        contact: ContactId,
        tag: String,
    ) -> Result<Vec<String>, IpcError> {
        self.db
            .call(move |s| s.remove_contact_tag(contact, &tag))
            .await
            .map_err(invalid)
    }
}
