//! Builders the store's unit tests share (the integration tests have `tests/it/common.rs`).

use crate::{NewAccount, Store};
use parley_domain::*;

/// An account of `channel` whose provider id and name are `external`.
pub(crate) fn account(s: &mut Store, channel: ChannelKind, external: &str) -> AccountId {
    s.insert_account(
        &NewAccount {
            channel,
            name: external.into(),
            handle: None,
            external_id: external.into(),
            is_demo: false,
        },
        0,
    )
    .expect("account")
}

/// An inbound message `id` in conversation `chat` from its customer ("Customer {chat}", remote
/// id `u{chat}`).
pub(crate) fn inbound(chat: &str, id: &str, text: &str, at: Millis) -> IncomingMessage {
    let customer = RemotePerson {
        remote_id: format!("u{chat}"),
        display_name: format!("Customer {chat}"),
        handle: None,
    };
    IncomingMessage {
        remote_thread_id: chat.into(),
        remote_id: id.into(),
        direction: Direction::Inbound,
        sender: customer.clone(),
        customer,
        text: text.into(),
        attachments: vec![],
        sent_at: at,
        reply_to_remote_id: None,
        subject: None,
        quoted_text: None,
    }
}

/// The customer of `chat` writes message `id` at `at`; answers their conversation.
pub(crate) fn write(s: &mut Store, a: AccountId, chat: &str, id: &str, at: Millis) -> ThreadId {
    let batch = IngestBatch {
        messages: vec![inbound(chat, id, &format!("message {id}"), at)],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, at)
        .expect("ingest")
        .changed_threads[0]
}

/// SQLite's plan for `sql` with `params`, its steps joined by " | " (the index tests read it).
pub(crate) fn query_plan(s: &Store, sql: &str, params: impl rusqlite::Params) -> String {
    let mut stmt = s
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .expect("prepare");
    stmt.query_map(params, |r| r.get::<_, String>(3))
        .expect("plan")
        .collect::<rusqlite::Result<Vec<_>>>()
        .expect("rows")
        .join(" | ")
}
