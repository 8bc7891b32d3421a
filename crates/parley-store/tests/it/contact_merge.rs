//! Merging contacts, splitting identities out, and undoing both: what the agent sees after an
//! undo is exactly what they saw before the change.

use crate::common::account;
use parley_domain::*;
use parley_store::{Store, TimeHints};
use proptest::prelude::*;

/// A customer on `channel` (account external id = channel name) writing `text` at `at`.
fn customer_writes(
    s: &mut Store,
    a: AccountId,
    who: &str,
    name: &str,
    text: &str,
    at: Millis,
) -> ThreadId {
    let p = RemotePerson {
        remote_id: who.into(),
        display_name: name.into(),
        handle: None,
    };
    let batch = IngestBatch {
        messages: vec![IncomingMessage {
            remote_thread_id: format!("chat-{who}"),
            remote_id: format!("{who}-{at}"),
            direction: Direction::Inbound,
            sender: p.clone(),
            customer: p,
            text: text.into(),
            attachments: vec![],
            sent_at: at,
            reply_to_remote_id: None,
            subject: None,
            quoted_text: None,
        }],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, at)
        .expect("ingest")
        .changed_threads[0]
}

fn attr(key: &str, value: &str) -> ContactAttribute {
    ContactAttribute {
        key: key.into(),
        kind: AttributeKind::Text,
        value: value.into(),
    }
}

/// Everything an agent can see of every conversation's customer (the pane, with what the
/// customer's local time is worked out from).
fn seen(s: &Store, threads: &[ThreadId]) -> Vec<(ContactContext, TimeHints)> {
    threads
        .iter()
        .map(|t| {
            let ctx = s.contact_context(*t).expect("context").expect("contact");
            let hints = s.contact_time_hints(ctx.contact_id).expect("hints");
            (ctx, hints)
        })
        .collect()
}

struct World {
    s: Store,
    threads: Vec<ThreadId>,
}

/// Four customers on four channels: Ana on Messenger and by email is two strangers until
/// merged, Bo on SMS, Cy on Telegram.
fn world() -> World {
    let mut s = Store::open_in_memory().expect("store");
    let channels = [
        ChannelKind::Messenger,
        ChannelKind::Email,
        ChannelKind::Sms,
        ChannelKind::Telegram,
    ];
    let accounts: Vec<AccountId> = channels
        .iter()
        .map(|c| account(&mut s, *c, c.as_str()))
        .collect();
    let threads = vec![
        customer_writes(&mut s, accounts[0], "psid-ana", "Ana García", "hola", 1_000),
        customer_writes(
            &mut s,
            accounts[1],
            "ana@example.com",
            "Ana Garcia",
            "invoice?",
            2_000,
        ),
        customer_writes(
            &mut s,
            accounts[2],
            "+15550001111",
            "+15550001111",
            "where is it",
            3_000,
        ),
        customer_writes(&mut s, accounts[3], "42", "Cy", "hi", 4_000),
    ];
    World { s, threads }
}

fn contact_of(s: &Store, t: ThreadId) -> ContactId {
    s.contact_context(t)
        .expect("read")
        .expect("contact")
        .contact_id
}

#[test]
fn a_merge_gives_one_customer_with_every_identity_and_conversation_and_undo_separates_them() {
    let World { mut s, threads } = world();
    let (ana_fb, ana_mail) = (contact_of(&s, threads[0]), contact_of(&s, threads[1]));
    s.add_note(ana_mail, "prefers email", "Kim", 10)
        .expect("store call");
    s.set_contact_attribute(ana_fb, &attr("Plan", "Basic"), 11)
        .expect("store call");
    s.set_contact_attribute(ana_mail, &attr("plan", "Pro"), 12)
        .expect("store call");
    s.set_contact_attribute(ana_mail, &attr("City", "Lyon"), 13)
        .expect("store call");
    let before = seen(&s, &threads);

    let change = s
        .merge_contacts(
            &MergeChoice {
                survivor: ana_fb,
                absorbed: ana_mail,
                name_from: ana_mail,
                attributes_from: ana_mail,
            },
            100,
        )
        .expect("store call");
    assert_eq!(change.kind, ContactChangeKind::Merge);
    assert_eq!(change.summary, "Merged Ana Garcia into Ana Garcia");

    let after = seen(&s, &threads);
    assert_eq!(after[0], after[1], "both conversations show one customer");
    let ana = &after[0].0;
    assert_eq!(ana.contact_id, ana_fb);
    assert_eq!(ana.display_name, "Ana Garcia");
    assert_eq!(ana.first_seen_at, 1_000);
    let channels: Vec<ChannelKind> = ana.identities.iter().map(|i| i.channel).collect();
    assert_eq!(channels, [ChannelKind::Messenger, ChannelKind::Email]);
    assert_eq!(ana.conversations.len(), 2);
    assert_eq!(ana.conversations[0].thread_id, threads[1], "newest first");
    assert_eq!(ana.notes.len(), 1);
    let attrs: Vec<(&str, &str)> = ana
        .attributes
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(attrs, [("City", "Lyon"), ("plan", "Pro")]);
    assert_eq!(after[2..], before[2..], "other customers untouched");

    // The absorbed contact cannot be merged again, nor merged with itself.
    assert!(
        s.merge_contacts(
            &MergeChoice {
                survivor: contact_of(&s, threads[2]),
                absorbed: ana_mail,
                name_from: ana_mail,
                attributes_from: ana_mail,
            },
            101,
        )
        .is_err()
    );

    let undone = s.undo_contact_change(change.id, 200).expect("store call");
    assert!(undone.undone);
    assert_eq!(seen(&s, &threads), before, "undo restores exactly");

    // Undo again re-applies the same choices.
    let again = s.undo_contact_change(change.id, 300).expect("store call");
    assert!(!again.undone);
    assert_eq!(seen(&s, &threads), after);
}

#[test]
fn messages_arriving_after_a_merge_join_the_merged_customer_and_leave_with_their_identity() {
    let World { mut s, threads } = world();
    let (ana_fb, ana_mail) = (contact_of(&s, threads[0]), contact_of(&s, threads[1]));
    let change = s
        .merge_contacts(
            &MergeChoice {
                survivor: ana_fb,
                absorbed: ana_mail,
                name_from: ana_fb,
                attributes_from: ana_fb,
            },
            100,
        )
        .expect("store call");
    // A new email conversation from the same address after the merge.
    let email = s
        .accounts()
        .expect("store call")
        .into_iter()
        .find(|a| a.channel == ChannelKind::Email)
        .expect("store call");
    let p = RemotePerson {
        remote_id: "ana@example.com".into(),
        display_name: "Ana Garcia".into(),
        handle: None,
    };
    let batch = IngestBatch {
        messages: vec![IncomingMessage {
            remote_thread_id: "second-chain".into(),
            remote_id: "m2".into(),
            direction: Direction::Inbound,
            sender: p.clone(),
            customer: p,
            text: "one more thing".into(),
            attachments: vec![],
            sent_at: 5_000,
            reply_to_remote_id: None,
            subject: Some("Also".into()),
            quoted_text: None,
        }],
        ..Default::default()
    };
    let new_thread = s
        .apply_batch(email.id, &batch, None, 5_000)
        .expect("store call")
        .changed_threads[0];
    assert_eq!(
        contact_of(&s, new_thread),
        ana_fb,
        "joins the merged customer"
    );
    assert_eq!(
        s.contact_context(threads[0])
            .expect("store call")
            .expect("store call")
            .conversations
            .len(),
        3
    );

    s.undo_contact_change(change.id, 200).expect("store call");
    assert_eq!(
        contact_of(&s, new_thread),
        ana_mail,
        "leaves with the email identity"
    );
    assert_eq!(contact_of(&s, threads[1]), ana_mail);
    assert_eq!(
        s.contact_context(threads[0])
            .expect("store call")
            .expect("store call")
            .conversations
            .len(),
        1
    );
}

#[test]
fn splitting_the_last_identity_a_merge_brought_undoes_that_merge() {
    let World { mut s, threads } = world();
    let (ana_fb, ana_mail) = (contact_of(&s, threads[0]), contact_of(&s, threads[1]));
    let before = seen(&s, &threads);
    s.merge_contacts(
        &MergeChoice {
            survivor: ana_fb,
            absorbed: ana_mail,
            name_from: ana_fb,
            attributes_from: ana_fb,
        },
        100,
    )
    .expect("store call");
    let identity = s
        .contact_context(threads[1])
        .expect("read")
        .expect("contact")
        .identities[1]
        .id;
    let change = s.split_identity(identity, 200).expect("store call");
    assert_eq!(change.kind, ContactChangeKind::Merge);
    assert!(change.undone);
    assert_eq!(seen(&s, &threads), before);
    // A single identity cannot be separated from itself.
    let only = s
        .contact_context(threads[3])
        .expect("read")
        .expect("contact")
        .identities[0]
        .id;
    assert!(s.split_identity(only, 300).is_err());
}

#[test]
fn a_split_moves_the_identity_with_its_conversations_and_undo_brings_it_back() {
    let World { mut s, threads } = world();
    let (ana_fb, ana_mail, bo) = (
        contact_of(&s, threads[0]),
        contact_of(&s, threads[1]),
        contact_of(&s, threads[2]),
    );
    let merge = |s: &mut Store, absorbed| {
        s.merge_contacts(
            &MergeChoice {
                survivor: ana_fb,
                absorbed,
                name_from: ana_fb,
                attributes_from: ana_fb,
            },
            100,
        )
        .expect("store call")
    };
    merge(&mut s, ana_mail);
    merge(&mut s, bo);
    s.add_note(ana_fb, "VIP since 2020", "Kim", 150)
        .expect("store call");
    let before = seen(&s, &threads);
    // Bo's number is the last identity of the second merge: that merge is undone instead.
    let mail_identity = before[1].0.identities[1].id;
    assert_eq!(before[1].0.identities[1].channel, ChannelKind::Email);
    // Email came with the first merge, whose only identity it is: undo of that merge.
    let change = s.split_identity(mail_identity, 200).expect("store call");
    assert_eq!(change.kind, ContactChangeKind::Merge);
    assert_eq!(contact_of(&s, threads[1]), ana_mail);
    assert_eq!(contact_of(&s, threads[2]), ana_fb, "Bo's merge stays");
    s.undo_contact_change(change.id, 250).expect("store call");
    assert_eq!(seen(&s, &threads), before, "re-applied");

    // The Messenger identity (the survivor's own) splits into a new customer.
    let fb_identity = before[0].0.identities[0].id;
    let split = s.split_identity(fb_identity, 300).expect("store call");
    assert_eq!(split.kind, ContactChangeKind::Split);
    let fb_now = s
        .contact_context(threads[0])
        .expect("read")
        .expect("contact");
    assert_eq!(fb_now.contact_id, split.other_id);
    assert_eq!(fb_now.display_name, "Ana García");
    assert_eq!(fb_now.first_seen_at, 1_000);
    assert_eq!(fb_now.identities.len(), 1);
    assert!(
        fb_now.notes.is_empty(),
        "notes stay with the person they were written about"
    );
    assert_eq!(contact_of(&s, threads[1]), ana_fb);
    s.undo_contact_change(split.id, 400).expect("store call");
    assert_eq!(seen(&s, &threads), before, "split undone");
    assert!(
        s.undo_contact_change(split.id, 500).is_err(),
        "a split is undone once"
    );
}

#[test]
fn opt_out_belongs_to_the_channel_identity_not_the_merged_customer() {
    let World { mut s, threads } = world();
    let (ana_fb, ana_mail) = (contact_of(&s, threads[0]), contact_of(&s, threads[1]));
    s.merge_contacts(
        &MergeChoice {
            survivor: ana_fb,
            absorbed: ana_mail,
            name_from: ana_fb,
            attributes_from: ana_fb,
        },
        100,
    )
    .expect("store call");
    s.set_opted_out(threads[1], true).expect("store call");
    assert!(s.opted_out(threads[1]).expect("store call"));
    assert!(
        !s.opted_out(threads[0]).expect("store call"),
        "Messenger is still open"
    );
    let ids = s
        .contact_context(threads[0])
        .expect("read")
        .expect("contact")
        .identities;
    assert_eq!(
        ids.iter().map(|i| i.opted_out).collect::<Vec<_>>(),
        [false, true]
    );
}

#[test]
fn a_removed_account_takes_its_identities_and_leaves_the_merged_customer_consistent() {
    let World { mut s, threads } = world();
    let (ana_fb, ana_mail) = (contact_of(&s, threads[0]), contact_of(&s, threads[1]));
    let change = s
        .merge_contacts(
            &MergeChoice {
                survivor: ana_mail,
                absorbed: ana_fb,
                name_from: ana_mail,
                attributes_from: ana_mail,
            },
            100,
        )
        .expect("store call");
    let email = s
        .accounts()
        .expect("store call")
        .into_iter()
        .find(|a| a.channel == ChannelKind::Email)
        .expect("store call");
    s.remove_account(email.id).expect("store call");
    // The survivor still holds the Messenger identity, so it stays; the merge can be undone.
    let ana = s
        .contact_context(threads[0])
        .expect("read")
        .expect("contact");
    assert_eq!(ana.contact_id, ana_mail);
    assert_eq!(ana.identities.len(), 1);
    s.undo_contact_change(change.id, 200).expect("store call");
    assert_eq!(contact_of(&s, threads[0]), ana_fb);
}

#[test]
fn tags_join_on_a_merge_and_undo_takes_off_only_what_the_merge_added() {
    let World { mut s, threads } = world();
    let (ana_fb, ana_mail) = (contact_of(&s, threads[0]), contact_of(&s, threads[1]));
    s.add_contact_tag(ana_fb, "vip", 1).expect("tag");
    s.add_contact_tag(ana_mail, "VIP", 2).expect("tag");
    s.add_contact_tag(ana_mail, "wholesale", 3).expect("tag");
    s.add_contact_tag(ana_mail, "late payer", 4).expect("tag");
    let merge = s
        .merge_contacts(
            &MergeChoice {
                survivor: ana_fb,
                absorbed: ana_mail,
                name_from: ana_fb,
                attributes_from: ana_fb,
            },
            100,
        )
        .expect("merge");
    assert_eq!(
        s.contact_tags(ana_fb).expect("tags"),
        ["late payer", "vip", "wholesale"],
        "the union, one vip"
    );
    let found = |s: &Store, q: &str| {
        s.list_contacts(q, ContactSort::Name, None, 10)
            .expect("search")
            .contacts
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(found(&s, "wholesale"), [ana_fb], "the merged customer only");
    // An agent takes "late payer" off, and takes "wholesale" off and puts it back.
    s.remove_contact_tag(ana_fb, "late payer").expect("untag");
    s.remove_contact_tag(ana_fb, "wholesale").expect("untag");
    s.add_contact_tag(ana_fb, "wholesale", 150)
        .expect("tag again");
    s.undo_contact_change(merge.id, 200).expect("undo");
    assert_eq!(
        s.contact_tags(ana_fb).expect("tags"),
        ["vip", "wholesale"],
        "what agents added since stays"
    );
    assert_eq!(
        s.contact_tags(ana_mail).expect("tags"),
        ["late payer", "VIP", "wholesale"],
        "the absorbed customer comes back with its own"
    );
    let mut both = found(&s, "wholesale");
    both.sort();
    assert_eq!(both, [ana_fb, ana_mail]);
    // Applied again: "late payer", which an agent took off, stays off.
    s.undo_contact_change(merge.id, 300).expect("redo");
    assert_eq!(s.contact_tags(ana_fb).expect("tags"), ["vip", "wholesale"]);
}

/// What an agent may do to the four customers, in any order.
#[derive(Debug, Clone)]
enum Op {
    Merge {
        a: usize,
        b: usize,
        name_b: bool,
        attrs_b: bool,
    },
    Split {
        thread: usize,
        which: usize,
    },
    Undo {
        nth: usize,
    },
    Note {
        thread: usize,
    },
    Attribute {
        thread: usize,
        key: u8,
        value: u8,
    },
    Marks {
        thread: usize,
        vip: bool,
        blocked: bool,
    },
    Tag {
        thread: usize,
        tag: u8,
    },
    Untag {
        thread: usize,
        tag: u8,
    },
    Zone {
        thread: usize,
        zone: Option<u8>,
    },
}

const TAGS: [&str; 3] = ["vip", "Wholesale", "late payer"];
const ZONES: [&str; 3] = ["Europe/Berlin", "America/Chicago", "Asia/Tokyo"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..4usize, 0..4usize, any::<bool>(), any::<bool>())
            .prop_map(|(a, b, name_b, attrs_b)| Op::Merge { a, b, name_b, attrs_b }),
        2 => (0..4usize, 0..4usize).prop_map(|(thread, which)| Op::Split { thread, which }),
        2 => (0..8usize).prop_map(|nth| Op::Undo { nth }),
        1 => (0..4usize).prop_map(|thread| Op::Note { thread }),
        2 => (0..4usize, 0..3u8, 0..3u8)
            .prop_map(|(thread, key, value)| Op::Attribute { thread, key, value }),
        1 => (0..4usize, any::<bool>(), any::<bool>())
            .prop_map(|(thread, vip, blocked)| Op::Marks { thread, vip, blocked }),
        2 => (0..4usize, 0..3u8).prop_map(|(thread, tag)| Op::Tag { thread, tag }),
        1 => (0..4usize, 0..3u8).prop_map(|(thread, tag)| Op::Untag { thread, tag }),
        1 => (0..4usize, proptest::option::of(0..3u8))
            .prop_map(|(thread, zone)| Op::Zone { thread, zone }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Whatever happened before, undoing a merge or split right after it restores exactly what
    /// every conversation showed; a refused change changes nothing.
    #[test]
    fn undo_right_after_a_change_restores_exactly(ops in proptest::collection::vec(op(), 1..25)) {
        let World { mut s, threads } = world();
        let mut changes: Vec<ContactChangeId> = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            let now = 10_000 + step as Millis;
            let before = seen(&s, &threads);
            let done = match op {
                Op::Merge { a, b, name_b, attrs_b } => {
                    let (ca, cb) = (contact_of(&s, threads[a]), contact_of(&s, threads[b]));
                    let choice = MergeChoice {
                        survivor: ca,
                        absorbed: cb,
                        name_from: if name_b { cb } else { ca },
                        attributes_from: if attrs_b { cb } else { ca },
                    };
                    s.merge_contacts(&choice, now).ok()
                }
                Op::Split { thread, which } => {
                    let ids = s.contact_context(threads[thread]).expect("read").expect("contact").identities;
                    let result = s.split_identity(ids[which % ids.len()].id, now);
                    prop_assert_eq!(result.is_ok(), ids.len() > 1, "{:?}", result);
                    result.ok()
                }
                Op::Undo { nth } => {
                    if changes.is_empty() {
                        None
                    } else {
                        let id = changes[nth % changes.len()];
                        let _ = s.undo_contact_change(id, now);
                        None
                    }
                }
                Op::Note { thread } => {
                    let c = contact_of(&s, threads[thread]);
                    s.add_note(c, &format!("note {step}"), "Kim", now).expect("store call");
                    None
                }
                Op::Marks { thread, vip, blocked } => {
                    let c = contact_of(&s, threads[thread]);
                    let change = ContactMarksChange { vip: Some(vip), blocked: Some(blocked) };
                    s.set_contact_marks(c, change).expect("marks");
                    None
                }
                Op::Tag { thread, tag } => {
                    let c = contact_of(&s, threads[thread]);
                    // Written in another case now and then: still one tag.
                    let name = if step % 2 == 0 { TAGS[tag as usize].to_uppercase() } else { TAGS[tag as usize].to_string() };
                    s.add_contact_tag(c, &name, now).expect("tag");
                    None
                }
                Op::Untag { thread, tag } => {
                    let c = contact_of(&s, threads[thread]);
                    let had = s.contact_tags(c).expect("tags").iter().any(|t| t.eq_ignore_ascii_case(TAGS[tag as usize]));
                    prop_assert_eq!(s.remove_contact_tag(c, TAGS[tag as usize]).is_ok(), had);
                    None
                }
                Op::Zone { thread, zone } => {
                    let c = contact_of(&s, threads[thread]);
                    s.set_contact_time_zone(c, zone.map(|z| ZONES[z as usize]), now).expect("zone");
                    None
                }
                Op::Attribute { thread, key, value } => {
                    let c = contact_of(&s, threads[thread]);
                    s.set_contact_attribute(c, &attr(&format!("k{key}"), &format!("v{value}")), now)
                        .expect("store call");
                    None
                }
            };
            if let Some(change) = done {
                changes.push(change.id);
                let after = seen(&s, &threads);
                s.undo_contact_change(change.id, now).expect("store call");
                prop_assert_eq!(&seen(&s, &threads), &before, "undo of {:?}", change);
                // Keep the change applied for the following steps when it can be re-applied
                // (a merge); an undone split stays undone.
                if change.kind == ContactChangeKind::Merge && !change.undone {
                    s.undo_contact_change(change.id, now).expect("store call");
                    prop_assert_eq!(&seen(&s, &threads), &after, "redo of {:?}", change);
                }
            }
            // Every conversation's customer is live and holds the conversation's identity.
            for t in &threads {
                let ctx = s.contact_context(*t).expect("read").expect("contact");
                prop_assert!(!ctx.identities.is_empty());
                prop_assert!(ctx.conversations.iter().any(|c| c.thread_id == *t));
                // Its tags are each once, and the Contacts search finds it by exactly those.
                let mut folded: Vec<String> = ctx.tags.iter().map(|t| t.to_lowercase()).collect();
                folded.dedup();
                prop_assert_eq!(folded.len(), ctx.tags.len(), "{:?}", ctx.tags);
                for tag in TAGS {
                    let found = s
                        .list_contacts(tag, ContactSort::Name, None, 10)
                        .expect("search")
                        .contacts
                        .iter()
                        .any(|r| r.id == ctx.contact_id);
                    let has = ctx.tags.iter().any(|t| t.eq_ignore_ascii_case(tag));
                    prop_assert_eq!(found, has, "{} on {:?}", tag, ctx.tags);
                }
            }
        }
    }
}
