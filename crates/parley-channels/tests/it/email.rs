//! The email channel against a real Dovecot and a real SMTP server (aiosmtpd), started by the
//! harness on 127.0.0.1 (see email_harness.rs and tests/mail/).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::email_harness::*;
use parley_channels::email::*;
use parley_channels::{Channel, ChannelError, Fetched, OutgoingMessage, Reconciled};
use parley_domain::{Direction, IncomingMessage};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Fetches until `more` is false; returns every message and the final cursor.
async fn sync_all(
    ch: &EmailChannel,
    cursor: Option<String>,
) -> (Vec<IncomingMessage>, Option<String>) {
    let mut cursor = cursor;
    let mut all = Vec::new();
    for _ in 0..100 {
        let Fetched {
            batch,
            cursor: c,
            more,
            ..
        } = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
        all.extend(batch.messages);
        if c.is_some() {
            cursor = c;
        }
        if !more {
            return (all, cursor);
        }
    }
    panic!("sync did not finish");
}

fn assert_no_secret(e: &ChannelError) {
    assert!(!e.to_string().contains(PASSWORD), "secret in error: {e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_tells_each_problem_apart() {
    let Some(s) = MailServers::start() else {
        return;
    };

    for sec in [Security::None, Security::StartTls, Security::Tls] {
        let id = EmailChannel::new(s.config(sec, sec)).validate().await;
        let id = id.unwrap_or_else(|e| panic!("{sec:?}: {e}"));
        assert_eq!(id.external_id, USER);
    }

    // Certificate not trusted (the test CA is not given).
    let mut c = s.config(Security::Tls, Security::Tls);
    c.extra_roots_pem = None;
    let e = EmailChannel::new(c).validate().await.unwrap_err();
    assert!(
        matches!(
            e,
            ChannelError::Rejected {
                code: CODE_CERTIFICATE,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("certificate"), "{e}");
    assert_no_secret(&e);

    // Unreachable host/port.
    let mut c = s.plain_config();
    c.imap.port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = EmailChannel::new(c).validate().await.unwrap_err();
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");
    assert!(e.to_string().contains("Could not reach"), "{e}");

    // TLS on the plain port, STARTTLS on the TLS port: both a mismatch, for IMAP and SMTP.
    let mut c = s.config(Security::Tls, Security::None);
    c.imap.port = s.imap_port;
    let e = EmailChannel::new(c).validate().await.unwrap_err();
    assert!(
        matches!(
            e,
            ChannelError::Rejected {
                code: CODE_TLS_MISMATCH,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("STARTTLS"), "{e}");

    let mut c = s.config(Security::StartTls, Security::None);
    c.imap.port = s.imaps_port;
    c.timeout = Duration::from_millis(800);
    let e = EmailChannel::new(c).validate().await.unwrap_err();
    assert!(
        matches!(
            e,
            ChannelError::Rejected {
                code: CODE_TLS_MISMATCH,
                ..
            }
        ),
        "{e:?}"
    );

    let mut c = s.config(Security::None, Security::Tls);
    c.smtp.port = s.smtp_port;
    let e = EmailChannel::new(c).validate().await.unwrap_err();
    assert!(
        matches!(
            e,
            ChannelError::Rejected {
                code: CODE_TLS_MISMATCH,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("SMTP"), "{e}");

    // No encryption is refused for anything but this computer.
    let mut c = s.plain_config();
    c.imap.host = "imap.example.com".into();
    let e = EmailChannel::new(c).validate().await.unwrap_err();
    assert!(
        matches!(
            e,
            ChannelError::Rejected {
                code: CODE_INSECURE,
                ..
            }
        ),
        "{e:?}"
    );

    // Wrong password (last: Dovecot slows down further logins from an address after a failure).
    let mut c = s.plain_config();
    c.secret = EmailSecret::Password("wrong".into());
    let e = EmailChannel::new(c).validate().await.unwrap_err();
    assert!(matches!(e, ChannelError::Unauthorized(_)), "{e:?}");
    assert!(e.to_string().contains("user name or password"), "{e}");
    assert_no_secret(&e);
}

#[tokio::test(flavor = "multi_thread")]
async fn first_sync_pages_newest_first_then_deltas() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    for i in 1..=25 {
        let date = format!("Mon, 2 Jun 2025 10:{i:02}:00 +0000");
        admin.append(
            "INBOX",
            &mail_at(
                &date,
                CUSTOMER,
                USER,
                &format!("Question {i}"),
                Some(&format!("q{i}@customer.test")),
                "",
                "?",
            ),
        );
    }
    let mut config = s.plain_config();
    config.page_size = 10;
    let ch = EmailChannel::new(config);

    let first = ch.fetch(None, Duration::ZERO).await.unwrap();
    assert!(first.more, "pages remain");
    let ids: HashSet<String> = first
        .batch
        .messages
        .iter()
        .map(|m| m.remote_id.clone())
        .collect();
    let newest: HashSet<String> = (16..=25).map(|i| format!("q{i}@customer.test")).collect();
    assert_eq!(ids, newest, "the first page is the newest mail");

    let (rest, cursor) = sync_all(&ch, first.cursor).await;
    let mut all: Vec<String> = ids
        .into_iter()
        .chain(rest.iter().map(|m| m.remote_id.clone()))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 25);

    // Nothing new: an empty batch, no more.
    let idle = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
    assert!(idle.batch.messages.is_empty() && !idle.more);

    admin.append(
        "INBOX",
        &mail(
            CUSTOMER,
            USER,
            "One more",
            Some("late@customer.test"),
            "",
            "!",
        ),
    );
    let delta = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
    let got: Vec<&str> = delta
        .batch
        .messages
        .iter()
        .map(|m| m.remote_id.as_str())
        .collect();
    assert_eq!(got, ["late@customer.test"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_push_returns_within_a_second() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let ch = EmailChannel::new(s.plain_config());
    let (_, cursor) = sync_all(&ch, None).await;

    let port = s.imap_port;
    let appended_at = std::sync::Arc::new(std::sync::Mutex::new(None));
    let stamp = appended_at.clone();
    let admin = s.admin();
    let appender = std::thread::spawn(move || {
        let mut admin = admin;
        std::thread::sleep(Duration::from_millis(700));
        admin.append(
            "INBOX",
            &mail(
                CUSTOMER,
                USER,
                "Push",
                Some("push@customer.test"),
                "",
                "now",
            ),
        );
        *stamp.lock().unwrap() = Some(Instant::now());
        let _ = port;
    });
    let started = Instant::now();
    let f = ch
        .fetch(cursor.as_deref(), Duration::from_secs(20))
        .await
        .unwrap();
    let returned = Instant::now();
    appender.join().unwrap();
    let appended = appended_at.lock().unwrap().expect("appended");
    assert_eq!(f.batch.messages.len(), 1);
    assert_eq!(f.batch.messages[0].remote_id, "push@customer.test");
    let latency = returned.saturating_duration_since(appended);
    assert!(
        latency < Duration::from_secs(1),
        "IDLE push took {latency:?}"
    );
    assert!(returned - started < Duration::from_secs(5));

    // With nothing arriving, a waiting fetch returns empty after the wait.
    let t = Instant::now();
    let f = ch
        .fetch(f.cursor.as_deref(), Duration::from_millis(600))
        .await
        .unwrap();
    assert!(f.batch.messages.is_empty());
    assert!(t.elapsed() >= Duration::from_millis(550) && t.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn reconnects_after_the_server_restarts() {
    let Some(mut s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    admin.append(
        "INBOX",
        &mail(
            CUSTOMER,
            USER,
            "Before",
            Some("before@customer.test"),
            "",
            "1",
        ),
    );
    let ch = EmailChannel::new(s.plain_config());
    let (msgs, cursor) = sync_all(&ch, None).await;
    assert_eq!(msgs.len(), 1);

    // The held session dies with the server; the next fetch reconnects by itself.
    s.restart_dovecot();
    s.admin().append(
        "INBOX",
        &mail(
            CUSTOMER,
            USER,
            "After",
            Some("after@customer.test"),
            "",
            "2",
        ),
    );
    let f = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
    let ids: Vec<&str> = f
        .batch
        .messages
        .iter()
        .map(|m| m.remote_id.as_str())
        .collect();
    assert_eq!(ids, ["after@customer.test"]);

    // A restart while a fetch waits in IDLE: it reconnects by itself and still returns the
    // mail that arrives after the restart.
    let ch = std::sync::Arc::new(ch);
    let waiting = tokio::spawn({
        let ch = ch.clone();
        let cursor = f.cursor.clone();
        async move { ch.fetch(cursor.as_deref(), Duration::from_secs(20)).await }
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    tokio::task::block_in_place(|| {
        s.restart_dovecot();
        std::thread::sleep(Duration::from_millis(300));
        s.admin().append(
            "INBOX",
            &mail(
                CUSTOMER,
                USER,
                "Later",
                Some("later@customer.test"),
                "",
                "3",
            ),
        );
    });
    let t = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("returned")
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(5));
    let got = match result {
        Ok(f) => f.batch.messages,
        // Also acceptable: the drop is reported (retryable) and the next fetch has the mail.
        Err(e) => {
            assert!(e.is_retryable(), "{e:?}");
            ch.fetch(f.cursor.as_deref(), Duration::ZERO)
                .await
                .unwrap()
                .batch
                .messages
        }
    };
    assert!(
        got.iter().any(|m| m.remote_id == "later@customer.test"),
        "{got:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn uidvalidity_change_resyncs_without_duplicates() {
    let Some(mut s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    for i in 1..=6 {
        admin.append(
            "INBOX",
            &mail(
                CUSTOMER,
                USER,
                &format!("M{i}"),
                Some(&format!("m{i}@customer.test")),
                "",
                "x",
            ),
        );
    }
    // One without a Message-ID: its hash id must be stable too.
    admin.append(
        "INBOX",
        &mail(CUSTOMER, USER, "No id", None, "", "no message id here"),
    );
    let before = admin.uidvalidity("INBOX");
    drop(admin);
    let mut config = s.plain_config();
    config.page_size = 4;
    let ch = EmailChannel::new(config);
    let (first, cursor) = sync_all(&ch, None).await;
    let first_ids: HashSet<String> = first.iter().map(|m| m.remote_id.clone()).collect();
    assert_eq!(first_ids.len(), 7);
    assert!(first_ids.iter().any(|id| id.starts_with("hash:")));

    s.reset_uidvalidity();
    assert_ne!(
        s.admin().uidvalidity("INBOX"),
        before,
        "the harness changed UIDVALIDITY"
    );
    let (again, cursor2) = sync_all(&ch, cursor).await;
    let again_ids: HashSet<String> = again.iter().map(|m| m.remote_id.clone()).collect();
    assert_eq!(
        again_ids, first_ids,
        "the same messages, under the same ids: no duplicates"
    );
    assert_ne!(cursor2, None);

    // And afterwards it is quiet again.
    let f = ch.fetch(cursor2.as_deref(), Duration::ZERO).await.unwrap();
    assert!(f.batch.messages.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn threads_a_reply_chain_and_replies_with_the_right_headers() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let c = "Alice Customer <alice@customer.test>";
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:00:00 +0000",
            c,
            USER,
            "Order 42 is late",
            Some("root@customer.test"),
            "",
            "Where is my order?",
        ),
    );
    admin.append("Sent", &mail_at("Mon, 2 Jun 2025 09:10:00 +0000", &format!("Shop <{USER}>"), c, "Re: Order 42 is late", Some("r1@shop.test"),
        "In-Reply-To: <root@customer.test>\r\nReferences: <root@customer.test>\r\n",
        "It ships today.\n\nOn Mon, 2 Jun 2025 at 09:00, Alice Customer <alice@customer.test> wrote:\n> Where is my order?"));
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:20:00 +0000",
            c,
            USER,
            "Re: Order 42 is late",
            Some("c2@customer.test"),
            "In-Reply-To: <r1@shop.test>\r\nReferences: <root@customer.test> <r1@shop.test>\r\n",
            "Thanks!\n\nOn Mon, 2 Jun 2025, Shop wrote:\n> It ships today.",
        ),
    );
    // A client that keeps only In-Reply-To.
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:30:00 +0000",
            c,
            USER,
            "Re: Order 42 is late",
            Some("c3@customer.test"),
            "In-Reply-To: <c2@customer.test>\r\n",
            "One more thing.",
        ),
    );
    // A client that drops both: the normalised subject and the address find the thread.
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:40:00 +0000",
            c,
            USER,
            "RE: Fwd: order 42 is  late",
            Some("c4@customer.test"),
            "",
            "Hello?",
        ),
    );
    // Someone else with the same subject is a different conversation.
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:50:00 +0000",
            "bob@other.test",
            USER,
            "Re: Order 42 is late",
            Some("b1@other.test"),
            "",
            "Me too",
        ),
    );

    let ch = EmailChannel::new(s.plain_config());
    let (msgs, cursor) = sync_all(&ch, None).await;
    let by_id: HashMap<&str, &IncomingMessage> =
        msgs.iter().map(|m| (m.remote_id.as_str(), m)).collect();
    for id in [
        "root@customer.test",
        "r1@shop.test",
        "c2@customer.test",
        "c3@customer.test",
        "c4@customer.test",
    ] {
        assert_eq!(by_id[id].remote_thread_id, "root@customer.test", "{id}");
        assert_eq!(by_id[id].customer.remote_id, "alice@customer.test", "{id}");
    }
    assert_eq!(by_id["b1@other.test"].remote_thread_id, "b1@other.test");
    let r1 = by_id["r1@shop.test"];
    assert_eq!(r1.direction, Direction::Outbound);
    assert_eq!(r1.text, "It ships today.", "quoted history folded");
    assert_eq!(by_id["c2@customer.test"].direction, Direction::Inbound);
    assert_eq!(by_id["c2@customer.test"].text, "Thanks!");
    assert_eq!(
        by_id["c2@customer.test"].customer.display_name,
        "Alice Customer"
    );
    assert_eq!(
        by_id["c2@customer.test"].reply_to_remote_id.as_deref(),
        Some("r1@shop.test")
    );
    let body = ch.body("r1@shop.test").await.unwrap().expect("found");
    assert!(
        body.quoted.unwrap().contains("> Where is my order?"),
        "the folded history is retrievable"
    );

    // Reply: lands in the SMTP sink with the right headers, and in Sent.
    let out = OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: "root@customer.test".into(),
        customer_remote_id: "alice@customer.test".into(),
        text: "It is on its way — tracking 123.".into(),
        reply_to_remote_id: Some("c4@customer.test".into()),
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![],
    };
    let receipt = ch.send(&out).await.unwrap();
    let sink = s.sink_messages();
    assert_eq!(sink.len(), 1);
    let (env, raw) = &sink[0];
    assert_eq!(env["to"][0], "alice@customer.test");
    assert_eq!(env["from"], USER);
    let sent = parse_message(raw);
    assert_eq!(sent.message_id.as_deref(), Some(receipt.remote_id.as_str()));
    assert_eq!(sent.in_reply_to, ["c4@customer.test"]);
    assert_eq!(
        sent.references.first().map(String::as_str),
        Some("root@customer.test")
    );
    assert_eq!(
        sent.references.last().map(String::as_str),
        Some("c4@customer.test")
    );
    assert!(
        sent.subject.to_lowercase().starts_with("re:"),
        "{}",
        sent.subject
    );
    assert_eq!(sent.text, "It is on its way — tracking 123.");
    let copy = ch
        .find_sent(&receipt.remote_id)
        .await
        .unwrap()
        .expect("in Sent");
    assert_eq!(copy.mailbox, "Sent");
    assert!(
        ch.find_sent("never-sent@shop.test")
            .await
            .unwrap()
            .is_none()
    );

    // The next sync reads the copy back as outbound, same id, same thread.
    let f = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
    let echo = f
        .batch
        .messages
        .iter()
        .find(|m| m.remote_id == receipt.remote_id)
        .expect("echo");
    assert_eq!(echo.direction, Direction::Outbound);
    assert_eq!(echo.remote_thread_id, "root@customer.test");
    assert_eq!(echo.customer.remote_id, "alice@customer.test");

    // A fresh channel (after a restart) still builds the headers, from the server.
    let fresh = EmailChannel::new(s.plain_config());
    let r = fresh
        .send(&OutgoingMessage {
            send_options: Default::default(),
            reply_to_remote_id: Some("c2@customer.test".into()),
            ..out.clone()
        })
        .await
        .unwrap();
    let sink = s.sink_messages();
    let again = parse_message(&sink[1].1);
    assert_eq!(again.message_id.as_deref(), Some(r.remote_id.as_str()));
    assert_eq!(
        again.references,
        ["root@customer.test", "r1@shop.test", "c2@customer.test"]
    );
    assert_eq!(again.subject, "Re: Order 42 is late");
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_answers_map_to_retry_refuse_and_uncertain() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let ch = EmailChannel::new(s.plain_config());
    let msg = |to: &str| OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: "t@customer.test".into(),
        customer_remote_id: to.into(),
        text: "hello".into(),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![],
    };
    let e = ch.send(&msg("tempfail@customer.test")).await.unwrap_err();
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");
    let e = ch.send(&msg("reject@customer.test")).await.unwrap_err();
    assert!(
        matches!(e, ChannelError::Rejected { code: 550, .. }),
        "{e:?}"
    );
    let e = ch.send(&msg("not an address")).await.unwrap_err();
    assert!(matches!(e, ChannelError::Rejected { .. }), "{e:?}");

    // The server takes the message, then the answer is lost: uncertain, never "failed".
    let id = ch.new_message_id();
    let e = ch
        .send_email_with_id(&msg("drop@customer.test"), &id)
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Uncertain(_)), "{e:?}");
    assert_eq!(s.sink_messages().len(), 1, "the server did act");
    // Reconciliation looks in Sent: only a pending copy is there (no confirmed one), so
    // find_sent finds nothing and `sent_record` says pending; a send that completed is found.
    assert!(ch.find_sent(&id).await.unwrap().is_none());
    assert!(matches!(
        ch.sent_record(&id).await.unwrap(),
        SentRecord::Pending(_)
    ));
    let ok = ch.send(&msg("alice@customer.test")).await.unwrap();
    assert!(
        ch.find_sent(&format!("<{}>", ok.remote_id))
            .await
            .unwrap()
            .is_some()
    );

    // SMTP down: nothing was sent, retry later.
    let mut c = s.plain_config();
    c.smtp.port = s.imap_port.wrapping_add(0);
    c.smtp.port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = EmailChannel::new(c)
        .send(&msg("alice@customer.test"))
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Transient(_)), "{e:?}");
    assert_no_secret(&e);
}

/// Each copy of a Message-ID in Sent, as seen by a plain IMAP client: whether it carries
/// Parley's pending keyword.
fn sent_copies(admin: &mut Admin, id: &str) -> Vec<bool> {
    admin.cmd("SELECT \"Sent\"");
    let lines = admin.cmd(&format!("UID SEARCH HEADER Message-ID \"<{id}>\""));
    let uids: Vec<String> = lines
        .iter()
        .find(|l| l.starts_with("* SEARCH"))
        .map(|l| l.split_whitespace().skip(2).map(str::to_string).collect())
        .unwrap_or_default();
    uids.iter()
        .map(|uid| {
            let lines = admin.cmd(&format!("UID FETCH {uid} (FLAGS)"));
            let line = lines.iter().find(|l| l.contains("FLAGS")).expect("flags");
            assert!(line.contains("\\Seen"), "{line}");
            line.contains(PENDING_KEYWORD)
        })
        .collect()
}

/// How many messages the SMTP sink holds with this Message-ID.
fn delivered(s: &MailServers, id: &str) -> usize {
    s.sink_messages()
        .iter()
        .filter(|(_, raw)| parse_message(raw).message_id.as_deref() == Some(id))
        .count()
}

/// The copy in Sent is written before SMTP, marked pending, and settled by SMTP's answer, so
/// reconciliation never reads a lost answer as "not sent" (which would send the reply twice).
#[tokio::test(flavor = "multi_thread")]
async fn sent_copy_written_first_makes_reconciliation_safe() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let ch = EmailChannel::new(s.plain_config());
    let (none, mut cursor) = sync_all(&ch, None).await;
    assert!(none.is_empty());
    let msg = |to: &str, id: &str| OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: "t@customer.test".into(),
        customer_remote_id: to.into(),
        text: format!("hello {id}"),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: Some(id.into()),
        attachments: vec![],
    };

    // Dovecot keeps keywords in Sent.
    let perm = admin.cmd("SELECT \"Sent\"");
    assert!(
        perm.iter()
            .any(|l| l.contains("PERMANENTFLAGS") && l.contains("\\*")),
        "{perm:?}"
    );

    // The answer after DATA is lost: uncertain; the server took it once; its copy is pending;
    // reconciliation says unknown, never "not sent".
    let lost = ch.new_message_id();
    let e = ch
        .send(&msg("drop@customer.test", &lost))
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Uncertain(_)), "{e:?}");
    assert_eq!(delivered(&s, &lost), 1);
    assert_eq!(sent_copies(&mut admin, &lost), [true]);
    assert!(matches!(
        ch.sent_record(&lost).await.unwrap(),
        SentRecord::Pending(_)
    ));
    assert_eq!(
        ch.reconcile(&msg("drop@customer.test", &lost), 0)
            .await
            .unwrap(),
        Reconciled::Unknown
    );
    assert_eq!(delivered(&s, &lost), 1, "nothing was sent again");

    // Accepted: one copy, confirmed; reconciliation says sent.
    let ok = ch.new_message_id();
    let r = ch.send(&msg(CUSTOMER, &ok)).await.unwrap();
    assert_eq!(r.remote_id, ok);
    assert_eq!(delivered(&s, &ok), 1);
    assert_eq!(sent_copies(&mut admin, &ok), [false]);
    match ch.reconcile(&msg(CUSTOMER, &ok), 0).await.unwrap() {
        Reconciled::Sent(receipt) => assert_eq!(receipt.remote_id, ok),
        other => panic!("{other:?}"),
    }

    // Refused before DATA (451 and 550 at RCPT), or SMTP unreachable: the pending copy is gone,
    // reconciliation proves it was not sent, and sending again delivers it once.
    let mut down = s.plain_config();
    down.smtp.port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = EmailChannel::new(down);
    for (to, via) in [
        ("tempfail@customer.test", &ch),
        ("reject@customer.test", &ch),
        (CUSTOMER, &down),
    ] {
        let id = ch.new_message_id();
        let e = via.send(&msg(to, &id)).await.unwrap_err();
        assert!(
            matches!(
                e,
                ChannelError::Transient(_) | ChannelError::Rejected { .. }
            ),
            "{to}: {e:?}"
        );
        assert_eq!(delivered(&s, &id), 0, "{to}");
        assert!(sent_copies(&mut admin, &id).is_empty(), "{to}");
        assert_eq!(
            ch.reconcile(&msg(to, &id), 0).await.unwrap(),
            Reconciled::NotSent,
            "{to}"
        );
        if to == CUSTOMER {
            ch.send(&msg(to, &id)).await.unwrap();
            assert_eq!(delivered(&s, &id), 1);
            assert_eq!(sent_copies(&mut admin, &id), [false]);
        }
    }

    // Parley stopped after writing the pending copy, before calling SMTP: unknown (safe).
    let crashed = ch.new_message_id();
    admin.append(
        "Sent",
        &mail(
            USER,
            CUSTOMER,
            "Re: crash",
            Some(&crashed),
            "",
            "written, never sent",
        ),
    );
    admin.cmd("SELECT \"Sent\"");
    let found = admin.cmd(&format!("UID SEARCH HEADER Message-ID \"<{crashed}>\""));
    let uid = found
        .iter()
        .find(|l| l.starts_with("* SEARCH"))
        .and_then(|l| l.split_whitespace().nth(2))
        .expect("appended")
        .to_string();
    admin.cmd(&format!(
        "UID STORE {uid} +FLAGS (\\Seen {PENDING_KEYWORD})"
    ));
    assert_eq!(
        ch.reconcile(&msg(CUSTOMER, &crashed), 0).await.unwrap(),
        Reconciled::Unknown
    );
    assert_eq!(delivered(&s, &crashed), 0);

    // The sync shows no pending copy; the confirmed replies once each.
    let (msgs, c) = sync_all(&ch, cursor).await;
    cursor = c;
    let count =
        |msgs: &[IncomingMessage], id: &str| msgs.iter().filter(|m| m.remote_id == id).count();
    assert_eq!(count(&msgs, &lost), 0, "a pending copy is not a message");
    assert_eq!(count(&msgs, &crashed), 0, "a pending copy is not a message");
    assert_eq!(count(&msgs, &ok), 1);
    assert_eq!(
        msgs.iter().find(|m| m.remote_id == ok).unwrap().direction,
        Direction::Outbound
    );

    // A pending copy the sync passed over is read once its keyword is gone (as when SMTP's
    // answer comes after the sync looked), and not again after that.
    admin.cmd("SELECT \"Sent\"");
    admin.cmd(&format!("UID STORE {uid} -FLAGS ({PENDING_KEYWORD})"));
    let (msgs, c) = sync_all(&ch, cursor).await;
    cursor = c;
    assert_eq!(count(&msgs, &crashed), 1, "read once confirmed");
    assert_eq!(count(&msgs, &lost), 0);
    let (msgs, _) = sync_all(&ch, cursor).await;
    assert_eq!(count(&msgs, &crashed), 0, "not read twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn direction_comes_from_the_mailbox_not_from_the_from_header() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let shop = format!("Shop <{USER}>");
    let alice = "Alice Customer <alice@customer.test>";
    // Anyone can write the shop's address in From: delivered to INBOX, it is not the shop's.
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:00:00 +0000",
            &shop,
            alice,
            "Refund approved",
            Some("forged@evil.test"),
            "",
            "We refund everything, no questions asked.",
        ),
    );
    // The shop's real mail is in Sent.
    admin.append(
        "Sent",
        &mail_at(
            "Mon, 2 Jun 2025 09:05:00 +0000",
            &shop,
            alice,
            "Your order",
            Some("real@shop.test"),
            "",
            "It ships today.",
        ),
    );
    let ch = EmailChannel::new(s.plain_config());
    let mut cursor: Option<String> = None;
    let (mut msgs, mut warnings) = (Vec::new(), Vec::new());
    for _ in 0..100 {
        let f = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
        msgs.extend(f.batch.messages);
        warnings.extend(f.batch.warnings);
        if f.cursor.is_some() {
            cursor = f.cursor;
        }
        if !f.more {
            break;
        }
    }
    let forged = msgs
        .iter()
        .find(|m| m.remote_id == "forged@evil.test")
        .expect("the forged mail");
    assert_eq!(forged.direction, Direction::Inbound);
    assert_eq!(forged.customer.remote_id, "alice@customer.test");
    assert_eq!(forged.sender.remote_id, USER, "it says who it claims to be");
    assert!(
        warnings
            .iter()
            .any(|w| w.remote_id == "forged@evil.test"
                && w.text == parley_domain::OWN_ADDRESS_IN_INBOX),
        "{warnings:?}"
    );
    let real = msgs
        .iter()
        .find(|m| m.remote_id == "real@shop.test")
        .expect("the shop's mail");
    assert_eq!(real.direction, Direction::Outbound);
    assert!(!warnings.iter().any(|w| w.remote_id == "real@shop.test"));
}

#[tokio::test(flavor = "multi_thread")]
async fn large_mail_is_read_within_a_byte_budget_and_the_cursor_moves_on() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let c = "Alice Customer <alice@customer.test>";
    let filler = |n: usize| "0123456789abcdef\n".repeat(n / 17);
    // Five mails of ~40 KB and one of ~300 KB, with a budget of 100 KB a page and mails over
    // 200 KB read as their start only.
    for i in 0..5 {
        admin.append(
            "INBOX",
            &mail_at(
                &format!("Mon, 2 Jun 2025 09:0{i}:00 +0000"),
                c,
                USER,
                &format!("Photo {i}"),
                Some(&format!("m{i}@customer.test")),
                "",
                &format!("Mail number {i}.\n{}", filler(40_000)),
            ),
        );
    }
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:30:00 +0000",
            c,
            USER,
            "The whole catalogue",
            Some("huge@customer.test"),
            "",
            &format!("Here is everything we have.\n{}", filler(300_000)),
        ),
    );
    let mut config = s.plain_config();
    config.page_bytes = 100_000;
    config.whole_mail_max = 200_000;
    config.large_body = 8_000;
    let ch = EmailChannel::new(config);
    let mut cursor: Option<String> = None;
    let (mut msgs, mut pages) = (Vec::new(), 0);
    for _ in 0..50 {
        let f = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
        pages += 1;
        let read: usize = f.batch.messages.iter().map(|m| m.text.len()).sum();
        assert!(read <= 100_000 + 8_000, "a page read {read} bytes of text");
        msgs.extend(f.batch.messages);
        if f.cursor.is_some() {
            cursor = f.cursor;
        }
        if !f.more {
            break;
        }
    }
    assert!(
        pages >= 3,
        "the budget split the mailbox into pages ({pages})"
    );
    let mut ids: Vec<&str> = msgs.iter().map(|m| m.remote_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "huge@customer.test",
            "m0@customer.test",
            "m1@customer.test",
            "m2@customer.test",
            "m3@customer.test",
            "m4@customer.test"
        ],
        "every mail read once"
    );
    let huge = msgs
        .iter()
        .find(|m| m.remote_id == "huge@customer.test")
        .expect("the large mail");
    assert!(
        huge.text.starts_with("Here is everything we have."),
        "{}",
        &huge.text[..60]
    );
    assert!(huge.text.len() < 20_000, "only its start was read");
    // New mail after the first sync goes through the same budget.
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 10:00:00 +0000",
            c,
            USER,
            "One more",
            Some("late@customer.test"),
            "",
            "Still there?",
        ),
    );
    let f = ch.fetch(cursor.as_deref(), Duration::ZERO).await.unwrap();
    assert_eq!(f.batch.messages.len(), 1);
    assert_eq!(f.batch.messages[0].text, "Still there?");
}
