//! The email adapter's first sync into a real store, against a real Dovecot (the adapter's
//! harness): progress while it runs, nothing lost or doubled when mail arrives mid-way, and
//! replies threaded across a restart by the store (the adapter remembers nothing).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::email_harness;
use crate::email_store;

use email_harness::{CUSTOMER, MailServers, USER, mail_at};
use email_store::open_store;
use parley_channels::email::{EmailChannel, EmailConfig};
use parley_domain::{AccountId, SyncProgress, ThreadId};
use parley_store::Store;
use std::collections::HashMap;
use std::time::Duration;

/// One fetch stored with its cursor, as the sync task does. Returns (messages, more, progress).
async fn step(
    ch: &EmailChannel,
    store: &mut Store,
    account: AccountId,
) -> (usize, bool, Option<SyncProgress>) {
    email_store::step(ch, store, account, Duration::ZERO).await
}

async fn sync_all(ch: &EmailChannel, store: &mut Store, account: AccountId) {
    for _ in 0..100 {
        if !step(ch, store, account).await.1 {
            return;
        }
    }
    panic!("the sync did not finish");
}

/// Every stored message's text → its thread.
fn stored(store: &Store) -> HashMap<String, Vec<ThreadId>> {
    let mut out: HashMap<String, Vec<ThreadId>> = HashMap::new();
    for t in store.list_threads(None, 1000).expect("threads").threads {
        for m in store.messages(t.id, None, 1000).expect("messages").messages {
            out.entry(m.text.trim().to_string()).or_default().push(t.id);
        }
    }
    out
}

fn customer_mail(n: u32, extra: &str) -> Vec<u8> {
    mail_at(
        &format!("Mon, 2 Jun 2025 10:{:02}:{:02} +0000", n / 60, n % 60),
        &format!("Alice <{CUSTOMER}>"),
        USER,
        &format!("Question {n}"),
        Some(&format!("q{n}@customer.test")),
        extra,
        &format!("body {n}"),
    )
}

fn paged(s: &MailServers, page: u32) -> EmailConfig {
    let mut c = s.plain_config();
    c.page_size = page;
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn first_sync_reports_progress_and_loses_nothing_when_mail_arrives_mid_way() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    for n in 1..=25 {
        admin.append("INBOX", &customer_mail(n, ""));
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut store, account) = open_store(&dir.path().join("p.sqlite3"));
    let ch = EmailChannel::new(paged(&s, 10));
    let progress = |done| {
        Some(SyncProgress {
            scope: "INBOX".into(),
            done,
            total: 25,
        })
    };

    let (n, more, p) = step(&ch, &mut store, account).await;
    assert_eq!((n, more, p), (10, true, progress(10)));

    // Mail arrives in INBOX and Sent while the first sync runs: read once each, the INBOX one
    // at the next page, Sent's once INBOX's backlog is done.
    admin.append("INBOX", &customer_mail(26, ""));
    admin.append(
        "Sent",
        &mail_at(
            "Mon, 2 Jun 2025 11:00:00 +0000",
            &format!("Shop <{USER}>"),
            CUSTOMER,
            "Re: Question 25",
            Some("answer@shop.test"),
            "In-Reply-To: <q25@customer.test>\r\nReferences: <q25@customer.test>\r\n",
            "answer 25",
        ),
    );
    let (n, more, p) = step(&ch, &mut store, account).await;
    assert_eq!((n, more, p), (11, true, progress(20)));
    let (n, more, p) = step(&ch, &mut store, account).await;
    // The rest of INBOX, then Sent's whole (one-message) first sync: caught up, no progress.
    assert_eq!((n, more, p), (6, false, None));
    let (n, more, p) = step(&ch, &mut store, account).await;
    assert_eq!((n, more, p), (0, false, None));

    let all = stored(&store);
    for n in 1..=26 {
        assert_eq!(all[&format!("body {n}")].len(), 1, "body {n}");
    }
    assert_eq!(all.len(), 27, "{all:?}");
    assert_eq!(
        all["answer 25"], all["body 25"],
        "the reply joins its thread"
    );

    // Later mail is read through the kept session (no new SELECT needed) and a new channel.
    admin.append("INBOX", &customer_mail(27, ""));
    assert_eq!(step(&ch, &mut store, account).await.0, 1);
    admin.append("INBOX", &customer_mail(28, ""));
    let fresh = EmailChannel::new(paged(&s, 10));
    assert_eq!(step(&fresh, &mut store, account).await.0, 1);
    assert_eq!(stored(&store).len(), 29);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_after_a_restart_with_only_in_reply_to_joins_its_thread() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let c = format!("Alice <{CUSTOMER}>");
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:00:00 +0000",
            &c,
            USER,
            "Order 42 is late",
            Some("root@customer.test"),
            "",
            "Where is my order?",
        ),
    );
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:10:00 +0000",
            &c,
            USER,
            "Re: Order 42 is late",
            Some("second@customer.test"),
            "In-Reply-To: <root@customer.test>\r\nReferences: <root@customer.test>\r\n",
            "Any news?",
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite3");
    {
        let (mut store, account) = open_store(&path);
        let ch = EmailChannel::new(s.plain_config());
        sync_all(&ch, &mut store, account).await;
        let all = stored(&store);
        assert_eq!(all["Any news?"], all["Where is my order?"]);
    }

    // A restart: a new channel (empty thread index) and the store opened again. The reply
    // names only its direct parent, which is not the thread's root, under another subject.
    admin.append(
        "INBOX",
        &mail_at(
            "Mon, 2 Jun 2025 09:20:00 +0000",
            &c,
            USER,
            "Tracking number",
            Some("third@customer.test"),
            "In-Reply-To: <second@customer.test>\r\n",
            "Here is the tracking number you asked for.",
        ),
    );
    let (mut store, account) = open_store(&path);
    let ch = EmailChannel::new(s.plain_config());
    sync_all(&ch, &mut store, account).await;
    let all = stored(&store);
    assert_eq!(
        all["Here is the tracking number you asked for."], all["Where is my order?"],
        "{all:?}"
    );
    assert_eq!(store.list_threads(None, 100).unwrap().threads.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_marked_seen_in_another_client_is_marked_read() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    admin.append("INBOX", &customer_mail(1, ""));
    admin.append("INBOX", &customer_mail(2, ""));
    // Already read in another client before Parley's first sync.
    admin.cmd("SELECT INBOX");
    admin.cmd("UID STORE 2 +FLAGS (\\Seen)");
    let dir = tempfile::tempdir().unwrap();
    let (mut store, account) = open_store(&dir.path().join("p.sqlite3"));
    let ch = EmailChannel::new(s.plain_config());
    sync_all(&ch, &mut store, account).await;
    let unread = |store: &Store, body: &str| {
        let thread = stored(store)[body][0];
        store.thread(thread).unwrap().unwrap().unread_count
    };
    assert_eq!(unread(&store, "body 1"), 1);
    assert_eq!(unread(&store, "body 2"), 0, "seen before the first sync");

    // Read elsewhere after the sync: the next fetch (CONDSTORE CHANGEDSINCE) marks it read.
    admin.cmd("UID STORE 1 +FLAGS (\\Seen)");
    let (n, more, _) = step(&ch, &mut store, account).await;
    assert_eq!((n, more), (0, false));
    assert_eq!(unread(&store, "body 1"), 0);

    // Also through a new session that has to SELECT again (a restart).
    admin.append("INBOX", &customer_mail(3, ""));
    let fresh = EmailChannel::new(s.plain_config());
    assert_eq!(step(&fresh, &mut store, account).await.0, 1);
    assert_eq!(unread(&store, "body 3"), 1);
    admin.cmd("UID STORE 3 +FLAGS (\\Seen)");
    let fresh = EmailChannel::new(s.plain_config());
    step(&fresh, &mut store, account).await;
    assert_eq!(unread(&store, "body 3"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_sync_interrupted_by_a_restart_resumes_where_it_stopped() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    for n in 1..=25 {
        admin.append("INBOX", &customer_mail(n, ""));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.sqlite3");
    let progress = |done| {
        Some(SyncProgress {
            scope: "INBOX".into(),
            done,
            total: 25,
        })
    };
    {
        let (mut store, account) = open_store(&path);
        let ch = EmailChannel::new(paged(&s, 10));
        assert_eq!(
            step(&ch, &mut store, account).await,
            (10, true, progress(10))
        );
    }
    // Restarted: a new session has to SELECT again; the cursor carries the count.
    let (mut store, account) = open_store(&path);
    let ch = EmailChannel::new(paged(&s, 10));
    assert_eq!(
        step(&ch, &mut store, account).await,
        (10, true, progress(20))
    );
    assert_eq!(step(&ch, &mut store, account).await, (5, false, None));
    let all = stored(&store);
    assert_eq!(all.len(), 25);
    assert!(all.values().all(|threads| threads.len() == 1));
}

/// Newest first, one mail per page: a reply whose References list only its direct parent is
/// stored two pages before that parent, in a thread of its own; the parent's arrival joins it.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_read_before_its_parent_is_joined_when_the_parent_arrives() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let c = format!("Alice <{CUSTOMER}>");
    for (at, subject, id, headers, body) in [
        (
            "09:00",
            "Order 7",
            "root7@customer.test",
            "",
            "Order 7 is missing",
        ),
        (
            "09:10",
            "Re: Order 7",
            "second7@customer.test",
            "In-Reply-To: <root7@customer.test>\r\nReferences: <root7@customer.test>\r\n",
            "Still nothing",
        ),
        (
            "09:20",
            "Re: Order 7",
            "third7@customer.test",
            "In-Reply-To: <second7@customer.test>\r\nReferences: <second7@customer.test>\r\n",
            "It arrived, thanks",
        ),
    ] {
        admin.append(
            "INBOX",
            &mail_at(
                &format!("Mon, 2 Jun 2025 {at}:00 +0000"),
                &c,
                USER,
                subject,
                Some(id),
                headers,
                body,
            ),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let (mut store, account) = open_store(&dir.path().join("p.sqlite3"));
    let ch = EmailChannel::new(paged(&s, 1));
    assert_eq!(step(&ch, &mut store, account).await.0, 1);
    assert_eq!(stored(&store).len(), 1, "the newest reply came first");
    sync_all(&ch, &mut store, account).await;
    let all = stored(&store);
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(
        all["It arrived, thanks"], all["Order 7 is missing"],
        "{all:?}"
    );
    assert_eq!(all["Still nothing"], all["Order 7 is missing"], "{all:?}");
    let threads = store.list_threads(None, 100).unwrap().threads;
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].unread_count, 3);
    assert_eq!(threads[0].snippet, "It arrived, thanks");
}
