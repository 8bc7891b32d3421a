//! Builders the store's tests share.

use parley_domain::*;
use parley_store::{NewAccount, Store};

/// A customer `id`, called "Customer {id}".
pub fn person(id: &str) -> RemotePerson {
    RemotePerson {
        remote_id: id.into(),
        display_name: format!("Customer {id}"),
        handle: None,
    }
}

/// The Telegram bot "Bot" (external id 1) the outbox and file tests reply from.
pub fn bot_account(s: &mut Store) -> AccountId {
    s.insert_account(
        &NewAccount {
            channel: ChannelKind::Telegram,
            name: "Bot".into(),
            handle: None,
            external_id: "1".into(),
            is_demo: false,
        },
        1,
    )
    .expect("account")
}

pub fn account(s: &mut Store, channel: ChannelKind, external_id: &str) -> AccountId {
    s.insert_account(
        &NewAccount {
            channel,
            name: external_id.into(),
            handle: None,
            external_id: external_id.into(),
            is_demo: false,
        },
        0,
    )
    .expect("account")
}

/// An inbound message from customer `cust` ([`person`]) in thread `chat`.
pub fn inbound(chat: &str, id: &str, cust: &str, text: &str, at: Millis) -> IncomingMessage {
    let p = person(cust);
    IncomingMessage {
        remote_thread_id: chat.into(),
        remote_id: id.into(),
        direction: Direction::Inbound,
        sender: p.clone(),
        customer: p,
        text: text.into(),
        attachments: vec![],
        sent_at: at,
        reply_to_remote_id: None,
        subject: None,
        quoted_text: None,
    }
}

/// An inbound mail `id` from `customer` (address, name), filed by its adapter in `thread`; its
/// text is "text of {id}".
pub fn mail(id: &str, thread: &str, customer: (&str, &str), at: Millis) -> IncomingMessage {
    let customer = RemotePerson {
        remote_id: customer.0.into(),
        display_name: customer.1.into(),
        handle: None,
    };
    IncomingMessage {
        remote_thread_id: thread.into(),
        remote_id: id.into(),
        direction: Direction::Inbound,
        sender: customer.clone(),
        customer,
        text: format!("text of {id}"),
        attachments: vec![],
        sent_at: at,
        reply_to_remote_id: None,
        subject: Some("Order".into()),
        quoted_text: None,
    }
}

/// What `id` says it answers (In-Reply-To, References).
pub fn parents(id: &str, of: &[&str]) -> ReplyParents {
    ReplyParents {
        remote_id: id.into(),
        parents: of.iter().map(|p| (*p).to_string()).collect(),
    }
}

/// The thread holding the mail `remote_id` (its text is "text of {remote_id}", as [`mail`] writes).
pub fn thread_of(s: &Store, remote_id: &str) -> ThreadId {
    let page = s.list_threads(None, 100).expect("threads");
    for t in page.threads {
        let msgs = s.messages(t.id, None, 100).expect("messages").messages;
        if msgs
            .iter()
            .any(|m| m.text == format!("text of {remote_id}"))
        {
            return t.id;
        }
    }
    panic!("{remote_id} is not stored");
}

/// The files directly in `dir` whose bytes hold `needle` (an erased or purged customer's words
/// must be in none).
pub fn files_holding(dir: &std::path::Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let bytes = std::fs::read(e.path()).unwrap_or_default();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.push(e.path().display().to_string());
        }
    }
    found
}
