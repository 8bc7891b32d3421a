//! Email HTML kept beside its message (migration 9).

use parley_domain::*;
use parley_store::*;

fn inbound(id: &str) -> IncomingMessage {
    let p = RemotePerson {
        remote_id: "grace@customer.test".into(),
        display_name: "Grace".into(),
        handle: None,
    };
    IncomingMessage {
        remote_thread_id: "root@customer.test".into(),
        remote_id: id.into(),
        direction: Direction::Inbound,
        sender: p.clone(),
        customer: p,
        text: "Hello".into(),
        attachments: vec![],
        sent_at: 10,
        reply_to_remote_id: None,
        subject: Some("Order".into()),
        quoted_text: None,
    }
}

fn html(id: &str, text: &str) -> HtmlBody {
    HtmlBody {
        remote_id: id.into(),
        html: format!("<p>{text}</p><img src=\"parley-remote:0\">"),
        remote_images: vec!["https://img.test/a.png".into()],
        inline_parts: vec![("logo@x".into(), 1)],
    }
}

#[test]
fn html_is_stored_with_its_message_once_and_goes_with_it() {
    let mut s = Store::open_in_memory().expect("store");
    let a = crate::common::account(&mut s, ChannelKind::Email, "agent@shop.test");
    let batch = IngestBatch {
        messages: vec![inbound("m1@x"), inbound("m2@x")],
        html_bodies: vec![
            html("m1@x", "first"),
            // HTML for a message not in the store is ignored, not an error.
            html("nowhere@x", "lost"),
        ],
        ..Default::default()
    };
    s.apply_batch(a, &batch, None, 1).expect("apply");
    // A replay with different HTML keeps the first copy.
    let replay = IngestBatch {
        messages: vec![inbound("m1@x")],
        html_bodies: vec![html("m1@x", "second")],
        ..Default::default()
    };
    s.apply_batch(a, &replay, None, 2).expect("replay");

    let thread = s.list_threads(None, 10).expect("threads").threads[0].id;
    let messages = s.messages(thread, None, 10).expect("messages").messages;
    let m1 = messages
        .iter()
        .find(|m| m.text == "Hello" && m.has_html)
        .expect("m1 has html");
    assert_eq!(m1.remote_images, 1);
    let m2 = messages.iter().find(|m| m.id != m1.id).expect("m2");
    assert!(!m2.has_html);
    assert_eq!(m2.remote_images, 0);

    let stored = s.message_html(m1.id).expect("read").expect("stored");
    assert!(stored.html.contains("first"), "{}", stored.html);
    assert_eq!(
        stored.remote_images,
        vec!["https://img.test/a.png".to_string()]
    );
    assert_eq!(stored.inline_parts, vec![("logo@x".to_string(), 1)]);
    assert!(s.message_html(m2.id).expect("read").is_none());

    // Removing the account removes the messages and their HTML.
    s.remove_account(a).expect("remove");
    assert!(s.message_html(m1.id).expect("read").is_none());
}

#[test]
fn a_mail_reusing_a_held_message_id_does_not_change_what_that_message_shows() {
    let mut s = Store::open_in_memory().expect("store");
    let a = crate::common::account(&mut s, ChannelKind::Email, "agent@shop.test");
    // The agent's reply, found in Sent: plain text, its Message-ID known to the customer.
    let agent = RemotePerson {
        remote_id: "agent@shop.test".into(),
        display_name: "Shop".into(),
        handle: None,
    };
    let reply = IncomingMessage {
        direction: Direction::Outbound,
        sender: agent,
        text: "Your refund is on its way".into(),
        remote_id: "reply-1@shop.test".into(),
        ..inbound("reply-1@shop.test")
    };
    s.apply_batch(
        a,
        &IngestBatch {
            messages: vec![reply],
            ..Default::default()
        },
        None,
        1,
    )
    .expect("reply");
    // A customer sends a mail with the same Message-ID and HTML of their own.
    let forged = IngestBatch {
        messages: vec![IncomingMessage {
            text: "We never refund".into(),
            ..inbound("reply-1@shop.test")
        }],
        html_bodies: vec![html("reply-1@shop.test", "We never refund")],
        ..Default::default()
    };
    s.apply_batch(a, &forged, None, 2).expect("forged");
    let thread = s.list_threads(None, 10).expect("threads").threads[0].id;
    let messages = s.messages(thread, None, 10).expect("messages").messages;
    let reply = messages
        .iter()
        .find(|m| m.direction == Direction::Outbound)
        .expect("the agent's reply");
    assert_eq!(reply.text, "Your refund is on its way");
    assert!(!reply.has_html, "the reply took the forged HTML");
    assert!(s.message_html(reply.id).expect("read").is_none());
}

#[test]
fn a_held_message_id_from_someone_else_is_another_message_and_its_replays_are_not() {
    let mut s = Store::open_in_memory().expect("store");
    let a = crate::common::account(&mut s, ChannelKind::Email, "agent@shop.test");
    let agent = RemotePerson {
        remote_id: "agent@shop.test".into(),
        display_name: "Shop".into(),
        handle: None,
    };
    let reply = IncomingMessage {
        direction: Direction::Outbound,
        sender: agent,
        text: "Your refund is on its way".into(),
        ..inbound("reply-1@shop.test")
    };
    let apply = |s: &mut Store, messages: Vec<IncomingMessage>, html_bodies: Vec<HtmlBody>, at| {
        s.apply_batch(
            a,
            &IngestBatch {
                ids_chosen_by_sender: true,
                messages,
                html_bodies,
                ..Default::default()
            },
            None,
            at,
        )
        .expect("apply")
    };
    apply(&mut s, vec![reply], vec![], 1);
    // The customer's mail reusing the reply's Message-ID is theirs, kept with its own HTML.
    let theirs = IncomingMessage {
        text: "Where is it?".into(),
        ..inbound("reply-1@shop.test")
    };
    apply(
        &mut s,
        vec![theirs.clone()],
        vec![html("reply-1@shop.test", "Where is it?")],
        2,
    );
    // Read again (an overlapping page): nothing new.
    apply(
        &mut s,
        vec![theirs],
        vec![html("reply-1@shop.test", "again")],
        3,
    );
    // Another customer's mail with a Message-ID Grace's mail already has: theirs too.
    let ada = RemotePerson {
        remote_id: "ada@customer.test".into(),
        display_name: "Ada".into(),
        handle: None,
    };
    let grace_first = inbound("grace-1@customer.test");
    apply(&mut s, vec![grace_first.clone()], vec![], 4);
    let ada_mail = IncomingMessage {
        remote_thread_id: "ada-root@customer.test".into(),
        sender: ada.clone(),
        customer: ada,
        text: "Same id, other person".into(),
        ..inbound("grace-1@customer.test")
    };
    apply(&mut s, vec![ada_mail.clone(), grace_first], vec![], 5);
    apply(&mut s, vec![ada_mail], vec![], 6);

    let mut texts = Vec::new();
    for t in s.list_threads(None, 10).expect("threads").threads {
        for m in s.messages(t.id, None, 10).expect("messages").messages {
            texts.push((m.text.clone(), m.direction, m.has_html));
            if m.text == "Where is it?" {
                let kept = s.message_html(m.id).expect("read").expect("its html");
                assert!(kept.html.contains("Where is it?"), "{}", kept.html);
            }
        }
    }
    texts.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        texts,
        [
            ("Hello".to_string(), Direction::Inbound, false),
            (
                "Same id, other person".to_string(),
                Direction::Inbound,
                false
            ),
            ("Where is it?".to_string(), Direction::Inbound, true),
            (
                "Your refund is on its way".to_string(),
                Direction::Outbound,
                false
            ),
        ]
    );
}
