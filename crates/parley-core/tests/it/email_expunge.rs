//! Mail expunged on the server by another client, against a real Dovecot (the adapter's
//! harness) and a real store: kept and marked "deleted from the mailbox", found while Parley
//! waits in IDLE and after a reconnect, with QRESYNC (`VANISHED`) and without it (the UID
//! SEARCH fallback); nothing else is marked and `\Seen` changes still arrive. Also: mail stored
//! before Parley kept HTML gets its HTML once, through `EmailChannel::body`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::email_harness;
use crate::email_store;

use email_harness::{Admin, CUSTOMER, MailServers, USER, mail_at};
use email_store::open_store;
use parley_channels::Channel;
use parley_channels::email::{EmailChannel, EmailConfig};
use parley_domain::AccountId;
use parley_store::Store;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// One fetch (waiting up to `wait`) stored with its cursor; whether more is waiting.
async fn step(ch: &EmailChannel, store: &mut Store, account: AccountId, wait: Duration) -> bool {
    email_store::step(ch, store, account, wait).await.1
}

/// Every stored message's text → (deleted from the mailbox, unread count of its thread).
fn stored(store: &Store) -> BTreeMap<String, (bool, i64)> {
    let mut out = BTreeMap::new();
    for t in store.list_threads(None, 1000).expect("threads").threads {
        for m in store.messages(t.id, None, 1000).expect("messages").messages {
            out.insert(
                m.text.trim().to_string(),
                (m.deleted_on_server, t.unread_count),
            );
        }
    }
    out
}

fn customer_mail(n: u32) -> Vec<u8> {
    mail_at(
        &format!("Mon, 2 Jun 2025 10:00:{n:02} +0000"),
        &format!("Alice <{CUSTOMER}>"),
        USER,
        &format!("Question {n}"),
        Some(&format!("q{n}@customer.test")),
        "",
        &format!("body {n}"),
    )
}

fn expunge(admin: &mut Admin, uid: u32) {
    admin.cmd("SELECT INBOX");
    admin.cmd(&format!("UID STORE {uid} +FLAGS (\\Deleted)"));
    admin.cmd("EXPUNGE");
}

fn config(s: &MailServers, qresync: bool) -> EmailConfig {
    let mut c = s.plain_config();
    c.use_qresync = qresync;
    c
}

async fn expunged_mail_is_kept_and_marked(qresync: bool) {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    for n in 1..=5 {
        admin.append("INBOX", &customer_mail(n));
    }
    let dir = tempfile::tempdir().unwrap();
    let (store, account) = open_store(&dir.path().join("p.sqlite3"));
    let store = Arc::new(Mutex::new(store));
    let ch = Arc::new(EmailChannel::new(config(&s, qresync)));
    for _ in 0..10 {
        if !step(&ch, &mut *store.lock().await, account, Duration::ZERO).await {
            break;
        }
    }
    // One more fetch after the first sync (the fallback compares UIDs once per session).
    step(&ch, &mut *store.lock().await, account, Duration::ZERO).await;
    assert!(stored(&*store.lock().await).values().all(|(d, _)| !d));

    // Expunged while Parley waits in IDLE: the waiting fetch returns with it. Whether the
    // expunge lands before or during the IDLE, the outcome is the same (no timing assumed).
    let waiting = {
        let (ch, store) = (ch.clone(), store.clone());
        tokio::spawn(async move {
            let mut store = store.lock().await;
            step(&ch, &mut store, account, Duration::from_secs(30)).await;
        })
    };
    let mut admin = tokio::task::spawn_blocking(move || {
        expunge(&mut admin, 2);
        admin
    })
    .await
    .unwrap();
    tokio::time::timeout(Duration::from_secs(25), waiting)
        .await
        .expect("the IDLE fetch returned")
        .unwrap();
    let got = stored(&*store.lock().await);
    assert!(got["body 2"].0, "expunged during IDLE: {got:?}");
    assert_eq!(
        got.iter().filter(|(_, (d, _))| *d).count(),
        1,
        "only the expunged mail is marked: {got:?}"
    );

    // Expunged while Parley is disconnected (a restart): found when it connects again, and a
    // `\Seen` from another client arrives in the same fetch.
    drop(ch);
    expunge(&mut admin, 4);
    admin.cmd("UID STORE 5 +FLAGS (\\Seen)");
    let fresh = EmailChannel::new(config(&s, qresync));
    step(&fresh, &mut *store.lock().await, account, Duration::ZERO).await;
    let got = stored(&*store.lock().await);
    let deleted: Vec<&str> = got
        .iter()
        .filter(|(_, (d, _))| *d)
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(deleted, ["body 2", "body 4"], "{got:?}");
    assert_eq!(got["body 5"].1, 0, "read elsewhere: {got:?}");
    assert_eq!(got["body 1"].1, 1, "{got:?}");
    assert_eq!(got.len(), 5, "nothing was removed: {got:?}");

    // Nothing new: a later fetch reports the same expunges no more and changes nothing.
    step(&fresh, &mut *store.lock().await, account, Duration::ZERO).await;
    assert_eq!(stored(&*store.lock().await), got);
}

/// Replies' copies in Sent written before SMTP (pending until it answers): the sync stores no
/// pending copy, the confirmed one once, and removing the copy of a refused send marks nothing
/// "deleted from the mailbox" (it was never stored).
async fn pending_sent_copies_are_not_messages(qresync: bool) {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    admin.append("INBOX", &customer_mail(1));
    let dir = tempfile::tempdir().unwrap();
    let (mut store, account) = open_store(&dir.path().join("p.sqlite3"));
    let ch = EmailChannel::new(config(&s, qresync));
    for _ in 0..10 {
        if !step(&ch, &mut store, account, Duration::ZERO).await {
            break;
        }
    }
    step(&ch, &mut store, account, Duration::ZERO).await;
    let reply = |to: &str, text: &str| parley_channels::OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: "q1@customer.test".into(),
        customer_remote_id: to.into(),
        text: text.into(),
        reply_to_remote_id: Some("q1@customer.test".into()),
        customer_last_wrote_at: None,
        client_message_id: Some(ch.new_message_id()),
        attachments: vec![],
    };
    ch.send(&reply("drop@customer.test", "lost answer"))
        .await
        .unwrap_err();
    ch.send(&reply("tempfail@customer.test", "refused"))
        .await
        .unwrap_err();
    ch.send(&reply(CUSTOMER, "accepted")).await.unwrap();
    for _ in 0..3 {
        step(&ch, &mut store, account, Duration::ZERO).await;
    }
    let got = stored(&store);
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        ["accepted", "body 1"],
        "{got:?}"
    );
    assert!(got.values().all(|(d, _)| !d), "{got:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_sent_copies_with_qresync() {
    pending_sent_copies_are_not_messages(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_sent_copies_without_qresync() {
    pending_sent_copies_are_not_messages(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expunges_arrive_through_qresync_in_idle_and_after_a_reconnect() {
    expunged_mail_is_kept_and_marked(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_qresync_the_uid_search_fallback_finds_them() {
    expunged_mail_is_kept_and_marked(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_stored_without_html_gets_it_once_when_the_server_is_reachable() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let html = mail_at(
        "Mon, 2 Jun 2025 10:00:01 +0000",
        &format!("Alice <{CUSTOMER}>"),
        USER,
        "Invoice",
        Some("invoice@customer.test"),
        "",
        "",
    );
    // The same mail as HTML only.
    let html = String::from_utf8(html)
        .unwrap()
        .replace("text/plain", "text/html")
        .replace(
            "\r\n\r\n\r\n",
            "\r\n\r\n<p style=\"color: red\">Total <b>42</b></p>\r\n",
        );
    admin.append("INBOX", html.as_bytes());
    admin.append("INBOX", &customer_mail(7));
    let dir = tempfile::tempdir().unwrap();
    let (mut store, account) = open_store(&dir.path().join("p.sqlite3"));
    let ch = EmailChannel::new(s.plain_config());
    // Stored as a Parley from before migration 9 did: no HTML kept, no server locations.
    let f = ch.fetch(None, Duration::ZERO).await.unwrap();
    assert_eq!(f.batch.html_bodies.len(), 1, "the mail has HTML");
    let mut old = f.batch.clone();
    old.html_bodies.clear();
    old.server_locations.clear();
    store.apply_batch(account, &old, None, 0).unwrap();
    let threads: Vec<_> = store.list_threads(None, 10).unwrap().threads;
    let db = parley_sync::Db::new(store);

    // Unreachable: nothing is marked, so it is tried again later.
    let mut down = s.plain_config();
    down.imap.port = 1;
    down.timeout = Duration::from_secs(2);
    let offline = EmailChannel::new(down);
    for t in &threads {
        assert!(
            parley_core::email_html::fetch_missing_html(&db, &offline, t.id)
                .await
                .is_err()
        );
    }

    let mut with_html = Vec::new();
    for t in &threads {
        with_html.extend(
            parley_core::email_html::fetch_missing_html(&db, &ch, t.id)
                .await
                .unwrap(),
        );
    }
    assert_eq!(with_html.len(), 1, "only the HTML mail");
    let (shown, left) = db
        .call(move |s| {
            let mut shown = Vec::new();
            let mut left = 0;
            for t in &threads {
                for m in s.messages(t.id, None, 10)?.messages {
                    shown.push((m.subject.clone().unwrap_or_default(), m.has_html));
                }
                left += s.html_to_fetch(t.id, 10)?.len();
            }
            Ok((shown, left))
        })
        .await
        .unwrap();
    assert!(shown.contains(&("Invoice".to_string(), true)), "{shown:?}");
    assert!(
        shown.contains(&("Question 7".to_string(), false)),
        "{shown:?}"
    );
    assert_eq!(left, 0, "each mail is fetched once");
    let html = db
        .call(move |s| s.message_html(with_html[0]))
        .await
        .unwrap()
        .unwrap();
    assert!(html.html.contains("style=\"color: red\""), "{}", html.html);
}
