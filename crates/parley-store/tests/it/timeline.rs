//! The whole dialogue with a customer (`Store::contact_timeline`, `contact_reply_channels`): one
//! contact's threads on four channels, another customer's messages interleaved on the same
//! accounts.
//!
//! One contact with identities on several accounts is what the contacts' merge makes
//! ([`join_contacts`] merges through the store).

use crate::common::{account, inbound};
use parley_domain::*;
use parley_store::*;
use std::collections::{BTreeSet, HashMap};

struct Fixture {
    s: Store,
    telegram: AccountId,
    messenger: AccountId,
    whatsapp: AccountId,
    email: AccountId,
}

fn fixture() -> Fixture {
    let mut s = Store::open_in_memory().expect("store");
    let telegram = account(&mut s, ChannelKind::Telegram, "shop_bot");
    let messenger = account(&mut s, ChannelKind::Messenger, "Shop Page");
    let whatsapp = account(&mut s, ChannelKind::Whatsapp, "+15550001");
    let email = account(&mut s, ChannelKind::Email, "support@shop.example");
    Fixture {
        s,
        telegram,
        messenger,
        whatsapp,
        email,
    }
}

/// An agent's reply (as the provider echoes it) in thread `chat` with customer `cust`.
fn outbound(chat: &str, id: &str, cust: &str, text: &str, at: Millis) -> IncomingMessage {
    IncomingMessage {
        direction: Direction::Outbound,
        sender: RemotePerson {
            remote_id: "shop".into(),
            display_name: "Shop".into(),
            handle: None,
        },
        ..inbound(chat, id, cust, text, at)
    }
}

fn ingest(s: &mut Store, a: AccountId, messages: Vec<IncomingMessage>) {
    let batch = IngestBatch {
        messages,
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, 0).expect("ingest");
}

/// The contact of thread `chat` on account `a`.
fn contact_of(s: &Store, a: AccountId, chat_text_prefix: &str) -> ContactId {
    let threads = s.list_threads(None, 1000).expect("threads").threads;
    threads
        .iter()
        .find(|t| {
            t.account_id == a
                && s.messages(t.id, None, 1000)
                    .expect("messages")
                    .messages
                    .iter()
                    .any(|m| m.text.starts_with(chat_text_prefix))
        })
        .map(|t| t.contact_id)
        .expect("thread stored")
}

/// Merges `others` into `keep`, as the agent does (keep's name and attributes win).
fn join_contacts(s: &mut Store, keep: ContactId, others: &[ContactId]) {
    for other in others.iter().filter(|c| **c != keep) {
        let choice = MergeChoice {
            survivor: keep,
            absorbed: *other,
            name_from: keep,
            attributes_from: keep,
        };
        s.merge_contacts(&choice, 0).expect("merge");
    }
}

/// Ana on Telegram, Messenger, WhatsApp and email (two mail threads), Bob on the same accounts
/// in between; messages of the same instant on several channels. Answers Ana's and Bob's
/// contacts.
fn ana_and_bob(f: &mut Fixture) -> (ContactId, ContactId) {
    let (tg, fb, wa, em) = (f.telegram, f.messenger, f.whatsapp, f.email);
    ingest(
        &mut f.s,
        tg,
        vec![
            inbound("tg-ana", "t1", "ana", "ana tg hello", 1_000),
            outbound("tg-ana", "t2", "ana", "ana tg answer", 1_500),
            inbound("tg-ana", "t3", "ana", "ana tg same instant", 5_000),
            inbound("tg-bob", "tb1", "bob", "bob tg", 1_200),
            inbound("tg-bob", "tb2", "bob", "bob tg late", 9_000),
        ],
    );
    ingest(
        &mut f.s,
        fb,
        vec![
            inbound("fb-ana", "f1", "ana", "ana fb first", 2_000),
            inbound("fb-ana", "f2", "ana", "ana fb same instant", 5_000),
            outbound("fb-ana", "f3", "ana", "ana fb answer", 5_000),
            inbound("fb-bob", "fb1", "bob", "bob fb", 5_000),
        ],
    );
    ingest(
        &mut f.s,
        wa,
        vec![
            inbound("wa-ana", "w1", "ana", "ana wa same instant", 5_000),
            inbound("wa-ana", "w2", "ana", "ana wa last words", 7_000),
            inbound("wa-bob", "wb1", "bob", "bob wa", 7_000),
        ],
    );
    let mail = |chat: &str, id: &str, text: &str, at: Millis, direction: Direction| {
        let mut m = match direction {
            Direction::Inbound => inbound(chat, id, "ana@example.com", text, at),
            Direction::Outbound => outbound(chat, id, "ana@example.com", text, at),
        };
        m.subject = Some(format!("About {chat}"));
        m
    };
    ingest(
        &mut f.s,
        em,
        vec![
            mail("order-1", "e1", "ana em order", 3_000, Direction::Inbound),
            mail(
                "order-1",
                "e2",
                "ana em order answer",
                6_000,
                Direction::Outbound,
            ),
            mail("refund-2", "e3", "ana em refund", 4_000, Direction::Inbound),
            // The agent's latest message of all, on Telegram after Ana's last words on WhatsApp.
        ],
    );
    ingest(
        &mut f.s,
        tg,
        vec![outbound("tg-ana", "t4", "ana", "ana tg late answer", 8_000)],
    );
    let ana = [
        contact_of(&f.s, tg, "ana tg"),
        contact_of(&f.s, fb, "ana fb"),
        contact_of(&f.s, wa, "ana wa"),
        contact_of(&f.s, em, "ana em"),
    ];
    let bob = [
        contact_of(&f.s, tg, "bob tg"),
        contact_of(&f.s, fb, "bob fb"),
        contact_of(&f.s, wa, "bob wa"),
    ];
    join_contacts(&mut f.s, ana[0], &ana);
    join_contacts(&mut f.s, bob[0], &bob);
    (ana[0], bob[0])
}

/// Every message of every thread of `contact`, in the conversation view's order.
fn every_message(s: &Store, contact: ContactId) -> Vec<MessageView> {
    let mut all = Vec::new();
    let threads = s.list_threads(None, 1000).expect("threads").threads;
    for t in threads.iter().filter(|t| t.contact_id == contact) {
        all.extend(s.messages(t.id, None, 1000).expect("messages").messages);
    }
    all.sort_by_key(|m| (m.sent_at, m.id));
    all
}

/// The whole timeline, walked back page by page, oldest first.
fn walk(s: &Store, contact: ContactId, limit: u32) -> Vec<TimelineMessage> {
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = s.contact_timeline(contact, cursor, limit).expect("page");
        assert!(page.items.len() <= limit as usize);
        if page.older.is_some() {
            assert_eq!(
                page.items.len(),
                limit as usize,
                "a short page before the end"
            );
        }
        pages.push(page.items);
        match page.older {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    pages.into_iter().rev().flatten().collect()
}

#[test]
fn one_timeline_across_channels_in_order_at_any_page_size() {
    let mut f = fixture();
    let (ana, _) = ana_and_bob(&mut f);
    let expected = every_message(&f.s, ana);
    assert_eq!(expected.len(), 12, "Ana's messages on four channels");
    let ties = expected.iter().filter(|m| m.sent_at == 5_000).count();
    assert_eq!(ties, 4, "messages of the same instant on three channels");
    for limit in 1..=(expected.len() as u32 + 1) {
        let walked = walk(&f.s, ana, limit);
        let ids: Vec<MessageId> = walked.iter().map(|i| i.message.id).collect();
        let unique: BTreeSet<MessageId> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "a duplicate at page size {limit}");
        // The same rows as the conversation view maps them, in its order: no gap, no reorder.
        let messages: Vec<MessageView> = walked.into_iter().map(|i| i.message).collect();
        assert_eq!(messages, expected, "page size {limit}");
    }
    let first = f.s.contact_timeline(ana, None, 5).expect("page");
    let texts: Vec<&str> = first
        .items
        .iter()
        .map(|i| i.message.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "ana fb answer",
            "ana wa same instant",
            "ana em order answer",
            "ana wa last words",
            "ana tg late answer"
        ]
    );
}

#[test]
fn each_message_carries_its_threads_channel_and_account() {
    let mut f = fixture();
    let (ana, _) = ana_and_bob(&mut f);
    let names: HashMap<AccountId, &str> = [
        (f.telegram, "shop_bot"),
        (f.messenger, "Shop Page"),
        (f.whatsapp, "+15550001"),
        (f.email, "support@shop.example"),
    ]
    .into_iter()
    .collect();
    let items = walk(&f.s, ana, 4);
    let mut channels = BTreeSet::new();
    for item in &items {
        let thread =
            f.s.thread(item.message.thread_id)
                .expect("thread")
                .expect("exists");
        assert_eq!(item.channel, thread.channel, "{}", item.message.text);
        assert_eq!(item.account_id, thread.account_id, "{}", item.message.text);
        assert_eq!(item.account_name, names[&thread.account_id]);
        let prefix = match item.channel {
            ChannelKind::Telegram => "ana tg",
            ChannelKind::Messenger => "ana fb",
            ChannelKind::Whatsapp => "ana wa",
            ChannelKind::Email => "ana em",
            other => panic!("unexpected channel {other:?}"),
        };
        assert!(
            item.message.text.starts_with(prefix),
            "{}",
            item.message.text
        );
        channels.insert(item.channel.as_str());
    }
    assert_eq!(channels.len(), 4);
    let mail = items
        .iter()
        .find(|i| i.message.text == "ana em refund")
        .expect("mail");
    assert_eq!(mail.message.subject.as_deref(), Some("About refund-2"));
}

#[test]
fn other_customers_never_appear() {
    let mut f = fixture();
    let (ana, bob) = ana_and_bob(&mut f);
    let ana_items = walk(&f.s, ana, 3);
    assert!(ana_items.iter().all(|i| i.message.text.starts_with("ana ")));
    let bob_items = walk(&f.s, bob, 2);
    let texts: Vec<&str> = bob_items.iter().map(|i| i.message.text.as_str()).collect();
    assert_eq!(texts, ["bob tg", "bob fb", "bob wa", "bob tg late"]);
    let bob_threads: BTreeSet<ThreadId> = bob_items.iter().map(|i| i.message.thread_id).collect();
    assert!(
        ana_items
            .iter()
            .all(|i| !bob_threads.contains(&i.message.thread_id))
    );

    // A contact nobody knows has no dialogue (and the core says it does not exist).
    let nobody = ContactId(ana.0 + bob.0 + 100);
    assert!(!f.s.contact_exists(nobody).expect("exists"));
    assert!(f.s.contact_exists(ana).expect("exists"));
    let empty = f.s.contact_timeline(nobody, None, 10).expect("page");
    assert!(empty.items.is_empty() && empty.older.is_none());
    assert!(
        f.s.contact_reply_channels(nobody)
            .expect("channels")
            .is_empty()
    );
    assert!(f.s.contact_timeline(ana, None, 0).is_err());
}

#[test]
fn replies_default_to_the_channel_the_customer_last_wrote_on() {
    let mut f = fixture();
    let (ana, bob) = ana_and_bob(&mut f);
    let thread_with = |s: &Store, text: &str| {
        every_message(s, ana)
            .into_iter()
            .find(|m| m.text == text)
            .expect("message")
            .thread_id
    };
    // The agent answered on Telegram last, but Ana last wrote on WhatsApp.
    let channels = f.s.contact_reply_channels(ana).expect("channels");
    let order: Vec<ChannelKind> = channels.iter().map(|c| c.channel).collect();
    assert_eq!(
        order,
        [
            ChannelKind::Whatsapp,
            ChannelKind::Messenger,
            ChannelKind::Telegram,
            ChannelKind::Email
        ]
    );
    assert_eq!(
        channels[0].thread_id,
        thread_with(&f.s, "ana wa last words")
    );
    assert_eq!(channels[0].account_id, f.whatsapp);
    assert_eq!(channels[0].account_name, "+15550001");
    assert_eq!(channels[0].last_inbound.map(|l| l.0), Some(7_000));
    // Messenger and Telegram: Ana's last message there was at the same instant; the later row
    // (Messenger's, stored after) counts as newer.
    assert_eq!(channels[1].last_inbound.map(|l| l.0), Some(5_000));
    assert_eq!(channels[2].last_inbound.map(|l| l.0), Some(5_000));
    // Email: one identity, two threads; a reply goes into the most recently active one (the
    // agent's answer in "order-1" at 6 s), while Ana last wrote in "refund-2" (4 s).
    assert_eq!(channels[3].thread_id, thread_with(&f.s, "ana em order"));
    assert_eq!(channels[3].last_inbound.map(|l| l.0), Some(4_000));
    assert_eq!(
        channels
            .iter()
            .filter(|c| c.channel == ChannelKind::Email)
            .count(),
        1
    );

    // Ana writes by email: that is her last channel now, into the same mail thread as before
    // unless the new mail's thread is more recent (it is: a new thread).
    ingest(
        &mut f.s,
        f.email,
        vec![IncomingMessage {
            subject: Some("Again".into()),
            ..inbound("again-3", "e4", "ana@example.com", "ana em again", 10_000)
        }],
    );
    let channels = f.s.contact_reply_channels(ana).expect("channels");
    assert_eq!(channels[0].channel, ChannelKind::Email);
    assert_eq!(channels[0].thread_id, thread_with(&f.s, "ana em again"));
    assert_eq!(channels[0].last_inbound.map(|l| l.0), Some(10_000));

    // A channel the customer never wrote on comes last (an outbound-only thread).
    let sms = account(&mut f.s, ChannelKind::Sms, "+15550002");
    ingest(
        &mut f.s,
        sms,
        vec![outbound(
            "sms-ana",
            "s1",
            "+15559999",
            "ana sms notice",
            11_000,
        )],
    );
    let sms_contact = contact_of(&f.s, sms, "ana sms");
    join_contacts(&mut f.s, ana, &[sms_contact]);
    let channels = f.s.contact_reply_channels(ana).expect("channels");
    assert_eq!(channels.len(), 5);
    assert_eq!(channels[0].channel, ChannelKind::Email);
    let last = channels.last().expect("five");
    assert_eq!((last.channel, last.last_inbound), (ChannelKind::Sms, None));

    // Bob's channels are his own.
    let bobs = f.s.contact_reply_channels(bob).expect("channels");
    assert_eq!(bobs.len(), 3);
    assert_eq!(
        bobs[0].channel,
        ChannelKind::Telegram,
        "Bob last wrote on Telegram"
    );
    let ana_threads: BTreeSet<ThreadId> = channels.iter().map(|c| c.thread_id).collect();
    assert!(bobs.iter().all(|c| !ana_threads.contains(&c.thread_id)));
}

#[test]
fn queued_replies_and_files_show_as_in_their_thread() {
    let mut f = fixture();
    let (ana, _) = ana_and_bob(&mut f);
    let channels = f.s.contact_reply_channels(ana).expect("channels");
    let wa_thread = channels[0].thread_id;
    let photo = IncomingMessage {
        attachments: vec![Attachment {
            kind: AttachmentKind::Photo,
            remote_ref: Some("photo-1".into()),
            file_name: Some("box.jpg".into()),
            mime_type: Some("image/jpeg".into()),
            size: Some(1234),
            description: None,
        }],
        ..inbound("fb-ana", "f9", "ana", "ana fb photo", 7_500)
    };
    ingest(&mut f.s, f.messenger, vec![photo]);
    let queued =
        f.s.queue_reply(wa_thread, "On its way", "Shop", 12_000)
            .expect("queue");
    let page = f.s.contact_timeline(ana, None, 3).expect("page");
    let newest = page.items.last().expect("items");
    assert_eq!(newest.message, queued.message);
    assert_eq!(newest.message.delivery, DeliveryState::Queued);
    assert_eq!(newest.channel, ChannelKind::Whatsapp);
    let in_thread = f.s.messages(wa_thread, None, 1).expect("messages").messages;
    assert_eq!(newest.message, in_thread[0]);
    let photo = walk(&f.s, ana, 50)
        .into_iter()
        .find(|i| i.message.text == "ana fb photo")
        .expect("photo");
    assert_eq!(photo.message.attachments.len(), 1);
    assert_eq!(photo.channel, ChannelKind::Messenger);
}
