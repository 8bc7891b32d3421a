//! The Contacts screen's search, orders and paging, and what the VIP / Blocked marks do to the
//! inbox's views and counts.

use crate::common::{account, mail};
use parley_domain::*;
use parley_store::*;
use std::collections::BTreeSet;

fn someone(remote_id: &str, name: &str, handle: Option<&str>) -> RemotePerson {
    RemotePerson {
        remote_id: remote_id.into(),
        display_name: name.into(),
        handle: handle.map(str::to_owned),
    }
}

/// `who` writes message `id` in conversation `chat` at `at`; answers the conversation.
fn says(
    s: &mut Store,
    a: AccountId,
    chat: &str,
    who: &RemotePerson,
    id: &str,
    at: Millis,
) -> ThreadId {
    let message = IncomingMessage {
        remote_thread_id: chat.into(),
        remote_id: id.into(),
        direction: Direction::Inbound,
        sender: who.clone(),
        customer: who.clone(),
        text: format!("text of {id}"),
        attachments: vec![],
        sent_at: at,
        reply_to_remote_id: None,
        subject: None,
        quoted_text: None,
    };
    let batch = IngestBatch {
        messages: vec![message],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, at)
        .expect("ingest")
        .changed_threads[0]
}

fn contact_of(s: &Store, thread: ThreadId) -> ContactId {
    s.thread(thread).expect("read").expect("thread").contact_id
}

/// Every page of the screen, `size` rows at a time.
fn walk(s: &Store, query: &str, sort: ContactSort, size: u32) -> Vec<ContactRow> {
    let mut out = Vec::new();
    let mut cursor: Option<ContactCursor> = None;
    loop {
        let page = s
            .list_contacts(query, sort, cursor.as_ref(), size)
            .expect("page");
        assert!(page.contacts.len() <= size as usize);
        out.extend(page.contacts);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return out,
        }
        assert!(out.len() <= 10_000, "the pages do not end");
    }
}

fn names(s: &Store, query: &str) -> BTreeSet<String> {
    walk(s, query, ContactSort::Name, 50)
        .into_iter()
        .map(|c| c.display_name)
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn contacts_are_found_by_name_handle_email_phone_and_attribute_value() {
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let mailbox = account(&mut s, ChannelKind::Email, "support@shop.example");
    let sms = account(&mut s, ChannelKind::Sms, "+15550100");
    let wa = account(&mut s, ChannelKind::Whatsapp, "+15550101");
    let grace = someone("1001", "Grace Hopper", Some("grace_h"));
    says(&mut s, tg, "1001", &grace, "g1", 10);
    let ada = s
        .apply_batch(
            mailbox,
            &IngestBatch {
                messages: vec![mail(
                    "<a1@x>",
                    "t-ada",
                    ("ada@example.com", "Ada Lovelace"),
                    11,
                )],
                ..Default::default()
            },
            None,
            11,
        )
        .expect("mail")
        .changed_threads[0];
    says(
        &mut s,
        sms,
        "+15551234567",
        &someone("+15551234567", "+15551234567", None),
        "s1",
        12,
    );
    let linus = says(
        &mut s,
        wa,
        "whatsapp:+44 20 7946 0958",
        &someone("whatsapp:+44 20 7946 0958", "Linus", None),
        "w1",
        13,
    );
    let emile = says(
        &mut s,
        tg,
        "1002",
        &someone("1002", "Émile Zola", None),
        "e1",
        14,
    );
    s.set_contact_attribute(
        contact_of(&s, emile),
        &ContactAttribute {
            key: "Plan".into(),
            kind: AttributeKind::Text,
            value: "Enterprise Gold".into(),
        },
        15,
    )
    .expect("attribute");

    let all = set(&[
        "Grace Hopper",
        "Ada Lovelace",
        "+15551234567",
        "Linus",
        "Émile Zola",
    ]);
    assert_eq!(names(&s, ""), all);
    assert_eq!(names(&s, "   "), all);
    // The name, in any case; the handle, with or without its @; the Telegram user id.
    assert_eq!(names(&s, "hopper"), set(&["Grace Hopper"]));
    assert_eq!(names(&s, "GRACE_H"), set(&["Grace Hopper"]));
    assert_eq!(names(&s, "@grace_h"), set(&["Grace Hopper"]));
    assert_eq!(names(&s, "1001"), set(&["Grace Hopper"]));
    // The email address, or part of it.
    assert_eq!(names(&s, "ada@example.COM"), set(&["Ada Lovelace"]));
    assert_eq!(names(&s, "lovelace"), set(&["Ada Lovelace"]));
    // A phone number typed with spaces, brackets or dashes finds it stored without them, and
    // one stored with them (WhatsApp's remote id) typed without.
    assert_eq!(names(&s, "+1 555 123"), set(&["+15551234567"]));
    assert_eq!(names(&s, "(555) 123-45"), set(&["+15551234567"]));
    assert_eq!(names(&s, "442079460958"), set(&["Linus"]));
    assert_eq!(names(&s, "20 7946"), set(&["Linus"]));
    // An attribute's value.
    assert_eq!(names(&s, "enterprise gold"), set(&["Émile Zola"]));
    // Beyond ASCII: as written, or by the rest of the name.
    assert_eq!(names(&s, "Émile"), set(&["Émile Zola"]));
    assert_eq!(names(&s, "zola"), set(&["Émile Zola"]));
    assert!(names(&s, "nobody at all").is_empty());
    // Text that means something to LIKE or GLOB is only text here.
    assert!(names(&s, "%").is_empty());
    assert!(names(&s, "_h*").is_empty());

    // What the search knows follows changes: a new handle, a removed attribute, a rename.
    says(
        &mut s,
        tg,
        "1001",
        &someone("1001", "Grace Hopper", Some("amazing_grace")),
        "g2",
        20,
    );
    assert_eq!(names(&s, "amazing"), set(&["Grace Hopper"]));
    assert!(names(&s, "grace_h").is_empty());
    s.remove_contact_attribute(contact_of(&s, emile), "plan")
        .expect("removed");
    assert!(names(&s, "enterprise").is_empty());
    // Removing an account removes its customers from the screen.
    s.remove_account(mailbox).expect("removed");
    assert!(names(&s, "ada").is_empty());
    assert!(
        s.contact_by_id(contact_of(&s, linus))
            .expect("read")
            .is_some()
    );
    let _ = ada;

    // Each row says who it is: channels, handle, last contact.
    let rows = walk(&s, "hopper", ContactSort::LastContact, 10);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].channels, [ChannelKind::Telegram]);
    assert_eq!(rows[0].handle.as_deref(), Some("amazing_grace"));
    assert_eq!(rows[0].last_contact_at, 20);
    assert!(!rows[0].vip && !rows[0].blocked);
}

#[test]
fn both_orders_page_without_gaps_or_repeats_and_last_contact_follows_new_messages() {
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let sms = account(&mut s, ChannelKind::Sms, "+15550100");
    let first = ["ada", "Bob", "carol", "Dave", "eve", "Bob", "ada"];
    let mut threads = Vec::new();
    for i in 0..23 {
        let name = format!("{} {}", first[i % first.len()], i % 5);
        // Several contacts share a time and several a name: the id breaks the ties.
        let at = 1_000 + (i as Millis % 6) * 10;
        let a = if i % 3 == 0 { sms } else { tg };
        threads.push(says(
            &mut s,
            a,
            &format!("c{i}"),
            &someone(&format!("u{i}"), &name, None),
            &format!("m{i}"),
            at,
        ));
    }
    let rows = walk(&s, "", ContactSort::Name, 200);
    assert_eq!(rows.len(), 23);
    let mut by_name: Vec<(String, i64)> = rows
        .iter()
        .map(|c| (c.display_name.to_lowercase(), c.id.0))
        .collect();
    by_name.sort();
    let got: Vec<(String, i64)> = rows
        .iter()
        .map(|c| (c.display_name.to_lowercase(), c.id.0))
        .collect();
    assert_eq!(got, by_name, "A to Z, case ignored, then by id");

    let last = walk(&s, "", ContactSort::LastContact, 200);
    let mut expected: Vec<(Millis, i64)> =
        last.iter().map(|c| (c.last_contact_at, c.id.0)).collect();
    expected.sort_by(|a, b| b.cmp(a));
    let got: Vec<(Millis, i64)> = last.iter().map(|c| (c.last_contact_at, c.id.0)).collect();
    assert_eq!(got, expected, "newest contact first, then by id");

    for sort in [ContactSort::Name, ContactSort::LastContact] {
        let whole: Vec<ContactId> = walk(&s, "", sort, 200).iter().map(|c| c.id).collect();
        for size in [1, 2, 3, 5, 7, 22, 23] {
            let paged: Vec<ContactId> = walk(&s, "", sort, size).iter().map(|c| c.id).collect();
            assert_eq!(paged, whole, "{sort:?} in pages of {size}");
        }
        // With a query too: only the matches, in the same order.
        let bobs: Vec<ContactId> = walk(&s, "bob", sort, 200).iter().map(|c| c.id).collect();
        assert_eq!(bobs.len(), 7);
        for size in [1, 4] {
            let paged: Vec<ContactId> = walk(&s, "bob", sort, size).iter().map(|c| c.id).collect();
            assert_eq!(paged, bobs, "{sort:?} bobs in pages of {size}");
        }
    }
    assert!(matches!(
        s.list_contacts("", ContactSort::Name, None, 0),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.list_contacts("", ContactSort::Name, None, CONTACT_PAGE_MAX + 1),
        Err(StoreError::Invalid(_))
    ));

    // A customer who writes again comes first; removing their only newer conversation takes
    // them back to what they still have.
    let ten = contact_of(&s, threads[10]);
    says(
        &mut s,
        tg,
        "c10",
        &someone("u10", "ada 0", None),
        "again",
        5_000,
    );
    let top = &walk(&s, "", ContactSort::LastContact, 1)[0];
    assert_eq!((top.id, top.last_contact_at), (ten, 5_000));
    assert_eq!(top.channels, [ChannelKind::Telegram]);
    let mut mixed = walk(&s, "", ContactSort::LastContact, 200);
    mixed.retain(|c| c.channels == [ChannelKind::Sms]);
    assert_eq!(mixed.len(), 8);
}

/// The counts as a scan finds them, leaving blocked customers out: what the triggers must keep.
fn recounted(path: &std::path::Path) -> ViewCounts {
    let conn = rusqlite::Connection::open(path).expect("second connection");
    let from = "FROM threads t JOIN contacts c ON c.id = t.contact_id AND c.blocked = 0";
    let n = |cond: &str| -> i64 {
        conn.query_row(&format!("SELECT COUNT(*) {from} WHERE {cond}"), [], |r| {
            r.get(0)
        })
        .expect("count")
    };
    let mut counts = ViewCounts {
        open: n("t.status = 'open'"),
        pending: n("t.status = 'pending'"),
        snoozed: n("t.status = 'snoozed'"),
        resolved: n("t.status = 'resolved'"),
        unread: n("t.unread_count > 0"),
        waiting: n("t.status = 'open' AND t.waiting_since IS NOT NULL"),
        ..ViewCounts::default()
    };
    let mut stmt = conn
        .prepare(&format!(
            "SELECT t.account_id, COUNT(*) {from} WHERE t.status = 'open'
             GROUP BY t.account_id ORDER BY t.account_id"
        ))
        .expect("prepare");
    counts.accounts = stmt
        .query_map([], |r| {
            Ok(AccountCount {
                account: AccountId(r.get(0)?),
                count: r.get(1)?,
            })
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    let mut stmt = conn
        .prepare(&format!(
            "SELECT tl.label_id, COUNT(*) {from} JOIN thread_labels tl ON tl.thread_id = t.id
             WHERE t.status = 'open' GROUP BY tl.label_id ORDER BY tl.label_id"
        ))
        .expect("prepare");
    counts.labels = stmt
        .query_map([], |r| {
            Ok(LabelCount {
                label: LabelId(r.get(0)?),
                count: r.get(1)?,
            })
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    counts
}

fn same_counts(s: &Store, path: &std::path::Path) -> ViewCounts {
    let kept = s.view_counts().expect("counts");
    let mut compared = kept.clone();
    compared.channels.clear();
    assert_eq!(compared, recounted(path));
    // The unread messages' sum kept beside the counts (the tray's badge), blocked ones apart.
    let conn = rusqlite::Connection::open(path).expect("second connection");
    let summed: i64 = conn
        .query_row(
            "SELECT COALESCE(SUM(t.unread_count), 0) FROM threads t
               JOIN contacts c ON c.id = t.contact_id AND c.blocked = 0",
            [],
            |r| r.get(0),
        )
        .expect("sum");
    assert_eq!(s.unread_total().expect("unread"), summed, "unread messages");
    kept
}

fn listed(s: &Store, view: ThreadView) -> BTreeSet<ThreadId> {
    let mut out = BTreeSet::new();
    let mut cursor = None;
    loop {
        let page = s.list_view(view, cursor, 2).expect("view");
        out.extend(page.threads.iter().map(|t| t.id));
        match page.next {
            Some(n) => cursor = Some(n),
            None => return out,
        }
    }
}

#[test]
fn blocking_hides_a_customer_from_every_view_and_count_and_unblocking_restores_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("parley.db");
    let mut s = Store::open(&path).expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let mailbox = account(&mut s, ChannelKind::Email, "support@shop.example");
    let vip_label = s.create_label("Billing", "#7c3aed", 0).expect("label");
    let ada_mail = |id: &str, thread: &str, at: Millis| IngestBatch {
        messages: vec![mail(id, thread, ("ada@example.com", "Ada Lovelace"), at)],
        ..Default::default()
    };
    // Ada has four conversations in the mailbox: open and unread with a label, waiting on an
    // answer, pending, resolved, snoozed. Grace (Telegram) and Bob (mail) are not blocked.
    let mut ada = Vec::new();
    for (i, thread) in ["t1", "t2", "t3", "t4", "t5"].iter().enumerate() {
        let at = 100 + i as Millis;
        let out = s
            .apply_batch(
                mailbox,
                &ada_mail(&format!("<a{i}@x>"), thread, at),
                None,
                at,
            )
            .expect("mail");
        ada.push(out.changed_threads[0]);
    }
    let grace = says(&mut s, tg, "g", &someone("g", "Grace", None), "g1", 110);
    let bob = s
        .apply_batch(
            mailbox,
            &IngestBatch {
                messages: vec![mail("<b1@x>", "tb", ("bob@example.com", "Bob"), 111)],
                ..Default::default()
            },
            None,
            111,
        )
        .expect("mail")
        .changed_threads[0];
    s.change_threads(
        &[ada[0], grace, bob],
        &ThreadChange::AddLabel {
            label: vip_label.id,
        },
        120,
    )
    .expect("label");
    s.queue_reply(ada[1], "on it", "Agent", 121).expect("reply");
    s.change_threads(&[ada[1]], &ThreadChange::MarkRead, 121)
        .expect("read");
    s.change_threads(&[ada[2]], &ThreadChange::Pending, 122)
        .expect("pending");
    s.change_threads(&[ada[3]], &ThreadChange::Resolve { send_queued: None }, 123)
        .expect("resolve");
    s.change_threads(&[ada[4]], &ThreadChange::Snooze { until: 10_000 }, 124)
        .expect("snooze");
    let contact = contact_of(&s, ada[0]);
    assert!(
        ada.iter().all(|t| contact_of(&s, *t) == contact),
        "one customer"
    );

    let before = same_counts(&s, &path);
    assert_eq!(
        (before.open, before.pending, before.resolved, before.snoozed),
        (4, 1, 1, 1)
    );
    let views = [
        ThreadView::Open,
        ThreadView::Waiting,
        ThreadView::Unread,
        ThreadView::Pending,
        ThreadView::Snoozed,
        ThreadView::Resolved,
        ThreadView::Channel {
            channel: ChannelKind::Email,
        },
        ThreadView::Account { account: mailbox },
        ThreadView::Label {
            label: vip_label.id,
        },
    ];
    let shown_before: Vec<BTreeSet<ThreadId>> = views.iter().map(|v| listed(&s, *v)).collect();
    assert!(
        shown_before
            .iter()
            .all(|ids| ada.iter().any(|t| ids.contains(t))),
        "Ada is in every view"
    );
    let unread_before = s.unread_total().expect("unread");

    // VIP changes no count; it shows on every conversation and in the pane.
    let marks = s
        .set_contact_marks(
            contact,
            ContactMarksChange {
                vip: Some(true),
                blocked: None,
            },
        )
        .expect("vip");
    assert_eq!(
        marks,
        ContactMarks {
            vip: true,
            blocked: false
        }
    );
    assert_eq!(s.view_counts().expect("counts"), before);
    assert!(
        ada.iter()
            .all(|t| s.thread(*t).expect("read").expect("thread").vip)
    );
    assert!(!s.thread(grace).expect("read").expect("thread").vip);
    assert!(
        s.contact_by_id(contact)
            .expect("read")
            .expect("contact")
            .vip
    );

    // Blocked: in no view, in no count, not in the unread total.
    let marks = s
        .set_contact_marks(
            contact,
            ContactMarksChange {
                vip: None,
                blocked: Some(true),
            },
        )
        .expect("block");
    assert_eq!(
        marks,
        ContactMarks {
            vip: true,
            blocked: true
        }
    );
    let blocked = same_counts(&s, &path);
    assert_eq!(
        (
            blocked.open,
            blocked.pending,
            blocked.resolved,
            blocked.snoozed,
            blocked.waiting
        ),
        (2, 0, 0, 0, 2)
    );
    assert_eq!(
        blocked.labels,
        [LabelCount {
            label: vip_label.id,
            count: 2
        }]
    );
    for view in views {
        let ids = listed(&s, view);
        assert!(
            ada.iter().all(|t| !ids.contains(t)),
            "{view:?} still lists Ada"
        );
    }
    assert!(listed(&s, ThreadView::Open).contains(&grace));
    assert!(s.unread_total().expect("unread") < unread_before);
    assert_eq!(
        s.blocked_threads(&[grace, ada[2], ada[2]])
            .expect("blocked"),
        [ada[2]]
    );
    // Still there for whoever looks: the conversation, the contact, search.
    let t = s.thread(ada[0]).expect("read").expect("thread");
    assert!(t.blocked && t.vip);
    assert!(walk(&s, "ada", ContactSort::Name, 10)[0].blocked);

    // While blocked, her messages are stored, found by search, and change no count: a new
    // conversation, a message that reopens the resolved one, a status change, a label.
    let fresh = s
        .apply_batch(mailbox, &ada_mail("<a9@x>", "t9", 200), None, 200)
        .expect("mail")
        .changed_threads[0];
    s.apply_batch(mailbox, &ada_mail("<a10@x>", "t4", 201), None, 201)
        .expect("mail");
    assert_eq!(
        s.thread(ada[3]).expect("read").expect("thread").status,
        ThreadStatus::Open
    );
    s.change_threads(&[ada[0]], &ThreadChange::Resolve { send_queued: None }, 202)
        .expect("resolve");
    s.change_threads(
        &[fresh, ada[1]],
        &ThreadChange::AddLabel {
            label: vip_label.id,
        },
        203,
    )
    .expect("label");
    s.change_threads(
        &[ada[1]],
        &ThreadChange::RemoveLabel {
            label: vip_label.id,
        },
        204,
    )
    .expect("unlabel");
    assert_eq!(s.view_counts().expect("counts"), blocked);
    same_counts(&s, &path);
    assert_eq!(
        s.messages(fresh, None, 10)
            .expect("messages")
            .messages
            .len(),
        1
    );
    assert!(
        s.search("text", 50)
            .expect("search")
            .iter()
            .any(|h| h.thread_id == fresh),
        "a blocked customer's message is still searchable"
    );

    // Unblocked: back where their statuses now put them, counts exact.
    s.set_contact_marks(
        contact,
        ContactMarksChange {
            vip: None,
            blocked: Some(false),
        },
    )
    .expect("unblock");
    let after = same_counts(&s, &path);
    assert_eq!(after.open, 5, "t2, t4 (reopened), t9, Grace and Bob");
    assert_eq!((after.pending, after.snoozed, after.resolved), (1, 1, 1));
    assert!(listed(&s, ThreadView::Open).contains(&fresh));
    assert!(listed(&s, ThreadView::Resolved).contains(&ada[0]));
    assert!(
        listed(
            &s,
            ThreadView::Label {
                label: vip_label.id
            }
        )
        .contains(&fresh)
    );

    // Blocking twice, or changing only VIP, moves nothing; a missing contact is said so.
    s.set_contact_marks(
        contact,
        ContactMarksChange {
            vip: None,
            blocked: Some(true),
        },
    )
    .expect("block");
    s.set_contact_marks(
        contact,
        ContactMarksChange {
            vip: None,
            blocked: Some(true),
        },
    )
    .expect("again");
    s.set_contact_marks(
        contact,
        ContactMarksChange {
            vip: Some(false),
            blocked: None,
        },
    )
    .expect("not vip");
    let again = same_counts(&s, &path);
    assert_eq!(again.open, 2);
    assert!(matches!(
        s.set_contact_marks(ContactId(9_999), ContactMarksChange::default()),
        Err(StoreError::NotFound(_))
    ));
    // Removing the account while she is blocked leaves the counts exact too.
    s.remove_account(mailbox).expect("remove");
    let gone = same_counts(&s, &path);
    assert_eq!(gone.open, 1);
    s.delete_label(vip_label.id).expect("delete label");
    same_counts(&s, &path);
}

#[test]
fn a_version_16_workspace_gets_its_search_and_last_contact_filled_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("raw");
        assert_eq!(migrations::migrate(&mut conn, Some(16)).expect("v16"), 16);
        conn.execute_batch(
            "INSERT INTO accounts (id, channel, name, external_id, created_at)
                 VALUES (1, 'sms', '+15550100', '+15550100', 0);
             INSERT INTO contacts (id, display_name, first_seen_at) VALUES (1, 'Zoë', 10), (2, 'Al', 5);
             INSERT INTO identities (id, contact_id, account_id, remote_id, handle, display_name)
                 VALUES (1, 1, 1, '+33 6 12 34 56 78', 'zozo', 'Zoë');
             INSERT INTO threads (id, account_id, contact_id, identity_id, remote_thread_id,
                                  last_activity_at, unread_count)
                 VALUES (1, 1, 1, 1, 'chat1', 20, 1), (2, 1, 1, 1, 'chat2', 70, 0);
             INSERT INTO contact_attributes (contact_id, key, kind, value, updated_at)
                 VALUES (2, 'City', 'text', 'Lyon', 1);",
        )
        .expect("old data");
    }
    let s = Store::open(&path).expect("migrate");
    let counts_before = recounted(&path);
    let rows = walk(&s, "", ContactSort::LastContact, 10);
    let seen: Vec<(&str, Millis)> = rows
        .iter()
        .map(|c| (c.display_name.as_str(), c.last_contact_at))
        .collect();
    assert_eq!(seen, [("Zoë", 70), ("Al", 5)]);
    assert_eq!(names(&s, "zozo"), set(&["Zoë"]));
    assert_eq!(names(&s, "6 12 34 56"), set(&["Zoë"]));
    assert_eq!(names(&s, "lyon"), set(&["Al"]));
    same_counts(&s, &path);
    assert_eq!(counts_before.open, 2);
}

#[test]
fn a_conversation_moved_between_a_blocked_and_a_free_customer_keeps_the_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("parley.db");
    let mut s = Store::open(&path).expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let a = says(&mut s, tg, "a", &someone("a", "Ann", None), "a1", 10);
    let b = says(&mut s, tg, "b", &someone("b", "Ben", None), "b1", 20);
    let (ann, ben) = (contact_of(&s, a), contact_of(&s, b));
    s.set_contact_marks(
        ann,
        ContactMarksChange {
            vip: None,
            blocked: Some(true),
        },
    )
    .expect("block");
    // What merging two customers does: a conversation changes hands, each way.
    let other = rusqlite::Connection::open(&path).expect("second connection");
    other
        .execute(
            "UPDATE threads SET contact_id = ?1 WHERE id = ?2",
            [ben.0, a.0],
        )
        .expect("move");
    let moved = same_counts(&s, &path);
    assert_eq!(moved.open, 2);
    assert_eq!(walk(&s, "ben", ContactSort::Name, 5)[0].last_contact_at, 20);
    other
        .execute(
            "UPDATE threads SET contact_id = ?1 WHERE id IN (?2, ?3)",
            [ann.0, a.0, b.0],
        )
        .expect("move back");
    let back = same_counts(&s, &path);
    assert_eq!(back.open, 0);
    let ben_row = &walk(&s, "ben", ContactSort::Name, 5)[0];
    assert_eq!(
        ben_row.last_contact_at, 20,
        "first seen, nothing newer left"
    );
    assert_eq!(walk(&s, "ann", ContactSort::Name, 5)[0].last_contact_at, 20);
}
