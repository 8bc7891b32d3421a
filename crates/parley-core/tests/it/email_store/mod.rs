//! The email adapter feeding a real store the way the sync task does, for the tests that run it
//! against the mail harness (`crate::email_store`).

use parley_channels::Channel;
use parley_channels::email::EmailChannel;
use parley_domain::{AccountId, ChannelKind, SyncProgress};
use parley_store::{NewAccount, Store};
use std::path::Path;
use std::time::Duration;

/// The store at `path` with the harness's mail account (added on the first open).
pub fn open_store(path: &Path) -> (Store, AccountId) {
    let mut store = Store::open(path).expect("store");
    let account = match store.accounts().expect("accounts").first() {
        Some(a) => a.id,
        None => store
            .insert_account(
                &NewAccount {
                    channel: ChannelKind::Email,
                    name: crate::email_harness::USER.into(),
                    handle: None,
                    external_id: crate::email_harness::USER.into(),
                    is_demo: false,
                },
                0,
            )
            .expect("account"),
    };
    (store, account)
}

/// One fetch (waiting up to `wait`) stored with its cursor, as the sync task does. Returns
/// (messages, more, progress).
pub async fn step(
    ch: &EmailChannel,
    store: &mut Store,
    account: AccountId,
    wait: Duration,
) -> (usize, bool, Option<SyncProgress>) {
    let cursor = store.cursor(account, "updates").expect("cursor");
    let f = ch.fetch(cursor.as_deref(), wait).await.expect("fetch");
    store
        .apply_batch(
            account,
            &f.batch,
            f.cursor.as_deref().map(|c| ("updates", c)),
            0,
        )
        .expect("apply");
    (f.batch.messages.len(), f.more, f.progress)
}
