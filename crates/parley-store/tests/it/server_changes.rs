//! Email locations on the server and expunges there (migration 11): a message expunged from
//! every mailbox it was in is kept and marked; other UIDVALIDITYs, mailboxes and accounts are
//! untouched; a message found again is no longer marked; the cursor moves in the same batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use parley_domain::*;
use parley_store::*;

fn inbound(id: &str) -> IncomingMessage {
    let p = RemotePerson {
        remote_id: "grace@customer.test".into(),
        display_name: "Grace".into(),
        handle: None,
    };
    IncomingMessage {
        remote_thread_id: format!("root-{id}"),
        remote_id: id.into(),
        direction: Direction::Inbound,
        sender: p.clone(),
        customer: p,
        text: id.into(),
        attachments: vec![],
        sent_at: 10,
        reply_to_remote_id: None,
        subject: Some("Order".into()),
        quoted_text: None,
    }
}

fn at(id: &str, mailbox: &str, uid: u32) -> ServerLocation {
    ServerLocation {
        remote_id: id.into(),
        mailbox: mailbox.into(),
        uidvalidity: 7,
        uid,
    }
}

fn gone(mailbox: &str, uidvalidity: u32, ranges: &[(u32, u32)]) -> IngestBatch {
    IngestBatch {
        vanished: vec![VanishedUids {
            mailbox: mailbox.into(),
            uidvalidity,
            ranges: ranges.to_vec(),
        }],
        ..Default::default()
    }
}

fn account(s: &mut Store, ext: &str) -> AccountId {
    s.insert_account(
        &NewAccount {
            channel: ChannelKind::Email,
            name: ext.into(),
            handle: None,
            external_id: ext.into(),
            is_demo: false,
        },
        1,
    )
    .expect("account")
}

/// remote text → deleted from the mailbox, for one account.
fn deleted(s: &Store, a: AccountId) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for t in s.list_threads(None, 100).expect("threads").threads {
        if t.account_id != a {
            continue;
        }
        for m in s.messages(t.id, None, 100).expect("messages").messages {
            out.push((m.text, m.deleted_on_server));
        }
    }
    out.sort();
    out
}

#[test]
fn expunged_mail_is_kept_and_marked_only_when_gone_everywhere() {
    let mut s = Store::open_in_memory().expect("store");
    let a = account(&mut s, "agent@shop.test");
    let b = account(&mut s, "other@shop.test");
    let batch = IngestBatch {
        messages: vec![inbound("m1"), inbound("m2"), inbound("m3"), inbound("m4")],
        server_locations: vec![
            at("m1", "INBOX", 1),
            at("m2", "INBOX", 2),
            at("m3", "INBOX", 3),
            at("m3", "Sent", 1),
            at("m4", "INBOX", 4),
            // A location for a message not in the store is ignored.
            at("nowhere", "INBOX", 9),
        ],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, 1).expect("apply");
    let other = IngestBatch {
        messages: vec![inbound("m2")],
        server_locations: vec![at("m2", "INBOX", 2)],
        ..Default::default()
    };
    s.apply_batch(b, &other, None, 1).expect("apply");

    // Another UIDVALIDITY (the mailbox was rebuilt) and another mailbox match nothing.
    s.apply_batch(a, &gone("INBOX", 8, &[(1, 4)]), None, 2)
        .unwrap();
    s.apply_batch(a, &gone("Archive", 7, &[(1, 4)]), None, 2)
        .unwrap();
    assert!(deleted(&s, a).iter().all(|(_, d)| !d));

    // A range with UIDs that never existed; m3 is still in Sent; the cursor moves with it.
    let out = s
        .apply_batch(
            a,
            &gone("INBOX", 7, &[(2, 3), (5, 100)]),
            Some(("updates", "c1")),
            3,
        )
        .unwrap();
    assert_eq!(out.changed_threads.len(), 1, "m2's thread changed");
    assert_eq!(s.cursor(a, "updates").unwrap().as_deref(), Some("c1"));
    assert_eq!(
        deleted(&s, a),
        [
            ("m1".into(), false),
            ("m2".into(), true),
            ("m3".into(), false),
            ("m4".into(), false)
        ]
    );
    assert_eq!(deleted(&s, b), [("m2".into(), false)], "other account");

    // Gone from Sent too: now marked. Replaying the expunge changes nothing.
    s.apply_batch(a, &gone("Sent", 7, &[(1, 1)]), None, 4)
        .unwrap();
    let again = s
        .apply_batch(a, &gone("INBOX", 7, &[(2, 3)]), None, 5)
        .unwrap();
    assert!(again.changed_threads.is_empty());
    assert_eq!(
        deleted(&s, a).iter().filter(|(_, d)| *d).count(),
        2,
        "m2 and m3"
    );

    // m2 found again (moved back into INBOX under a new UID): no longer marked.
    let back = IngestBatch {
        messages: vec![inbound("m2")],
        server_locations: vec![at("m2", "INBOX", 20)],
        ..Default::default()
    };
    s.apply_batch(a, &back, None, 6).unwrap();
    assert_eq!(
        deleted(&s, a),
        [
            ("m1".into(), false),
            ("m2".into(), false),
            ("m3".into(), true),
            ("m4".into(), false)
        ]
    );
}
