//! Builders shared by the store's email threading tests (`mod common;` in each file; a file
//! uses only some of them).
#![allow(dead_code)]

use parley_domain::*;
use parley_store::{NewAccount, Store};

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
