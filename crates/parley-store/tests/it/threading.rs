//! Replies are filed in the thread of the message they answer when the store holds it, whatever
//! thread the adapter proposed: the channel needs no memory across restarts.

use parley_domain::*;
use parley_store::Store;

use crate::common;
use common::{parents, thread_of};

fn account(s: &mut Store, external_id: &str) -> AccountId {
    common::account(s, ChannelKind::Email, external_id)
}

/// A mail whose adapter proposed its own id as the thread (what the email adapter does when it
/// has not seen the parent since start-up).
fn mail(id: &str, from: &str, at: Millis) -> IncomingMessage {
    common::mail(id, id, (from, from), at)
}

fn thread_count(s: &Store) -> usize {
    s.list_threads(None, 100).expect("threads").threads.len()
}

#[test]
fn a_reply_after_a_restart_joins_its_parents_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.sqlite3");
    let a = {
        let mut s = Store::open(&path).expect("open");
        let a = account(&mut s, "agent@shop.test");
        let other = account(&mut s, "other@shop.test");
        s.apply_batch(
            a,
            &IngestBatch {
                messages: vec![mail("root@x", "anna@x", 10)],
                ..Default::default()
            },
            Some(("updates", "1")),
            0,
        )
        .expect("first sync");
        // The same Message-ID in another account must never attract this account's replies.
        s.apply_batch(
            other,
            &IngestBatch {
                messages: vec![mail("elsewhere@x", "anna@x", 10)],
                ..Default::default()
            },
            None,
            0,
        )
        .expect("other account");
        a
    };

    // A restart: a new store on the same file, and an adapter that remembers nothing.
    let mut s = Store::open(&path).expect("reopen");
    let out = s
        .apply_batch(
            a,
            &IngestBatch {
                messages: vec![
                    // Only In-Reply-To, to a message stored before the restart.
                    mail("reply1@x", "anna@x", 20),
                    // Nearest parent unknown, an older one stored: the first known one counts.
                    mail("reply2@x", "anna@x", 30),
                    // Its parent is earlier in this same batch.
                    mail("reply3@x", "anna@x", 40),
                    // Parents nowhere in this account (one only in the other account): the
                    // adapter's proposal stands.
                    mail("fresh@x", "ben@x", 50),
                ],
                reply_parents: vec![
                    parents("reply1@x", &["root@x"]),
                    parents("reply2@x", &["lost@x", "root@x"]),
                    parents("reply3@x", &["reply2@x"]),
                    parents("fresh@x", &["never-seen@x", "elsewhere@x"]),
                ],
                ..Default::default()
            },
            Some(("updates", "2")),
            0,
        )
        .expect("after restart");
    assert_eq!(out.new_messages.len(), 4);

    let root = thread_of(&s, "root@x");
    for reply in ["reply1@x", "reply2@x", "reply3@x"] {
        assert_eq!(thread_of(&s, reply), root, "{reply}");
    }
    assert_ne!(thread_of(&s, "fresh@x"), root);
    // root, fresh, and the other account's one: no thread was made for the replies.
    assert_eq!(thread_count(&s), 3);
    let summary = s.thread(root).expect("thread").expect("exists");
    assert_eq!(summary.unread_count, 4);
    assert_eq!(summary.snippet, "text of reply3@x");
    assert_ne!(thread_of(&s, "elsewhere@x"), root);

    // A replay of the batch changes nothing.
    let again = s
        .apply_batch(
            a,
            &IngestBatch {
                messages: vec![mail("reply1@x", "anna@x", 20)],
                reply_parents: vec![parents("reply1@x", &["root@x"])],
                ..Default::default()
            },
            None,
            0,
        )
        .expect("replay");
    assert!(again.new_messages.is_empty());
    assert_eq!(thread_count(&s), 3);
}

#[test]
fn mail_read_in_another_client_marks_its_thread_read_unless_a_newer_one_is_unread() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, "agent@shop.test");
    let mut reply = mail("b@x", "anna@x", 20);
    reply.remote_thread_id = "a@x".into();
    s.apply_batch(
        a,
        &IngestBatch {
            messages: vec![mail("a@x", "anna@x", 10), reply, mail("c@x", "ben@x", 30)],
            // Read elsewhere as they are first read: the older of a thread's two, and all of
            // the other thread.
            read_elsewhere: vec!["a@x".into(), "c@x".into()],
            ..Default::default()
        },
        None,
        0,
    )
    .expect("batch");
    let unread = |s: &Store, id: &str| {
        s.thread(thread_of(s, id))
            .expect("thread")
            .expect("exists")
            .unread_count
    };
    assert_eq!(
        unread(&s, "a@x"),
        1,
        "only b@x: a@x was read before Parley saw it"
    );
    assert_eq!(unread(&s, "c@x"), 0);

    // Later the newest is read elsewhere too (a batch with no messages, only the flag).
    let out = s
        .apply_batch(
            a,
            &IngestBatch {
                read_elsewhere: vec!["b@x".into(), "unknown@x".into()],
                ..Default::default()
            },
            None,
            0,
        )
        .expect("flags");
    assert_eq!(unread(&s, "a@x"), 0);
    assert_eq!(out.changed_threads, [thread_of(&s, "a@x")]);
}

/// The stored message whose text [`mail`] wrote for `id`.
fn stored(s: &Store, id: &str) -> MessageView {
    let t = thread_of(s, id);
    s.messages(t, None, 100)
        .expect("messages")
        .messages
        .into_iter()
        .find(|m| m.text == format!("text of {id}"))
        .expect("stored")
}

#[test]
fn a_strangers_reply_in_a_customers_thread_says_who_wrote_it() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, "agent@shop.test");
    let first = IngestBatch {
        messages: vec![mail("root@x", "anna@customer.test", 10)],
        ..Default::default()
    };
    s.apply_batch(a, &first, None, 10).expect("root");
    // Someone else answers Anna's mail (References name it): filed there, but never silently.
    let reply = IngestBatch {
        messages: vec![
            mail("eve1@x", "eve@elsewhere.test", 20),
            mail("anna2@x", "anna@customer.test", 30),
        ],
        reply_parents: vec![
            parents("eve1@x", &["root@x"]),
            parents("anna2@x", &["root@x"]),
        ],
        ..Default::default()
    };
    s.apply_batch(a, &reply, None, 20).expect("replies");
    assert_eq!(thread_of(&s, "eve1@x"), thread_of(&s, "root@x"));
    let note = stored(&s, "eve1@x").delivery_note.expect("a note");
    assert!(
        note.contains("eve@elsewhere.test") && note.contains("anna@customer.test"),
        "{note}"
    );
    assert_eq!(
        stored(&s, "anna2@x").delivery_note,
        None,
        "the customer's own"
    );
    assert_eq!(stored(&s, "root@x").delivery_note, None);
}

#[test]
fn a_mail_claiming_the_shops_address_is_doubted_until_it_turns_up_in_sent() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, "agent@shop.test");
    // Found in INBOX under the shop's address: inbound, with the adapter's warning.
    let inbox = IngestBatch {
        messages: vec![common::mail(
            "copy@x",
            "copy@x",
            ("anna@customer.test", "Anna"),
            10,
        )],
        warnings: vec![MessageWarning {
            remote_id: "copy@x".into(),
            text: OWN_ADDRESS_IN_INBOX.into(),
        }],
        ..Default::default()
    };
    s.apply_batch(a, &inbox, None, 10).expect("inbox");
    let doubted = stored(&s, "copy@x");
    assert_eq!(doubted.direction, Direction::Inbound);
    assert_eq!(doubted.delivery_note.as_deref(), Some(OWN_ADDRESS_IN_INBOX));
    // A replay of the same warning does not touch another message.
    s.apply_batch(a, &inbox, None, 11).expect("replay");
    // The same mail in Sent: it was the shop's own.
    let mut sent = common::mail("copy@x", "copy@x", ("anna@customer.test", "Anna"), 10);
    sent.direction = Direction::Outbound;
    sent.sender = RemotePerson {
        remote_id: "agent@shop.test".into(),
        display_name: "Shop".into(),
        handle: None,
    };
    let sent = IngestBatch {
        messages: vec![sent],
        ..Default::default()
    };
    s.apply_batch(a, &sent, None, 12).expect("sent");
    let confirmed = stored(&s, "copy@x");
    assert_eq!(confirmed.direction, Direction::Outbound);
    assert_eq!(confirmed.delivery_note, None);
    assert_eq!(confirmed.author_name, "Shop");
    let thread = s
        .thread(thread_of(&s, "copy@x"))
        .expect("read")
        .expect("thread");
    assert_eq!(thread.unread_count, 0);
    assert_eq!(thread.waiting_since, None, "the shop had the last word");
    // A warning goes with the message its batch stores; a replay leaves it as it is.
    let late = IngestBatch {
        messages: vec![mail("root@x", "anna@customer.test", 5)],
        warnings: vec![MessageWarning {
            remote_id: "root@x".into(),
            text: "late".into(),
        }],
        ..Default::default()
    };
    s.apply_batch(a, &late, None, 13).expect("first");
    s.apply_batch(a, &late, None, 14).expect("replay");
    assert_eq!(stored(&s, "root@x").delivery_note.as_deref(), Some("late"));
}
