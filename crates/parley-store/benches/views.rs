//! Issue 13's budgets for the inbox's views, on BUDGETS' data set (the corpus of
//! `ingest_search`: 10 messages per conversation on average, a few of 5k+):
//!
//! ```text
//! cargo bench -p parley-store --bench views                                 # 200k messages
//! PARLEY_BENCH_MESSAGES=1000000 cargo bench -p parley-store --bench views   # 100k threads
//! ```
//!
//! - switching view: the first page (50 rows) of every view, then the page after it, p50/p95
//!   (budget with the window's paint: ≤ 50 ms);
//! - counts: `view_counts` as the window calls it after a new message, p50/p95, measured right
//!   after a customer's message reopened a resolved conversation (budget ≤ 5 ms of store time).
//! - the Contacts screen (contacts are half the conversations: 400k messages give 20k): the first
//!   page of 50 by last contact and by name, with no query, a common one, a phone number typed
//!   with spaces, an attribute's value and one that matches nobody (a walk of every contact);
//!   and blocking then unblocking a customer (the count triggers).
//!
//! The workflow state is a worked inbox's: most conversations resolved, some open, pending and
//! snoozed, one in ten labelled, some prioritised.

use parley_domain::{
    AttributeKind, ChannelKind, ContactAttribute, ContactMarksChange, ContactSort, Direction,
    IncomingMessage, IngestBatch, LabelId, PageCursor, ThreadChange, ThreadId, ThreadView,
};
use parley_store::{NewAccount, Store};
use std::time::{Duration, Instant};

mod corpus;
use corpus::corpus;

const ROUNDS: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn timed<T>(rounds: usize, mut f: impl FnMut(usize) -> T) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let started = Instant::now();
        std::hint::black_box(f(i));
        times.push(started.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let total: usize = std::env::var("PARLEY_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (messages, _, threads) = corpus(total);
    let mut store = Store::open(&dir.path().join("parley.sqlite3")).expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Messenger,
                name: "Bench".into(),
                handle: None,
                external_id: "bench".into(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    let started = Instant::now();
    for chunk in messages.chunks(500) {
        let batch = IngestBatch {
            refetchable: true,
            messages: chunk.to_vec(),
            ..Default::default()
        };
        store.apply_batch(account, &batch, None, 0).expect("apply");
    }
    eprintln!(
        "ingested {total} messages in {threads} threads in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Every conversation, newest first.
    let mut all: Vec<ThreadId> = Vec::with_capacity(threads);
    let mut cursor: Option<PageCursor> = None;
    loop {
        let page = store
            .list_view(ThreadView::Open, cursor, 1000)
            .expect("page");
        all.extend(page.threads.iter().map(|t| t.id));
        match page.next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    let labels: Vec<LabelId> = ["Shipping", "Billing", "Returns", "VIP"]
        .iter()
        .map(|n| store.create_label(n, "#336699", 0).expect("label").id)
        .collect();
    // The newest 8% stay open, then 3% pending, 2% snoozed, the rest resolved.
    let n = all.len();
    let (open_end, pending_end, snoozed_end) = (n * 8 / 100, n * 11 / 100, n * 13 / 100);
    let now = 1_800_000_000_000;
    let started = Instant::now();
    for chunk in all[open_end..pending_end].chunks(1000) {
        store
            .change_threads(chunk, &ThreadChange::Pending, now)
            .expect("pending");
    }
    for (i, chunk) in all[pending_end..snoozed_end].chunks(1000).enumerate() {
        let until = now + 3_600_000 * (i as i64 + 1);
        store
            .change_threads(chunk, &ThreadChange::Snooze { until }, now)
            .expect("snooze");
    }
    for chunk in all[snoozed_end..].chunks(1000) {
        store
            .change_threads(chunk, &ThreadChange::Resolve { send_queued: None }, now)
            .expect("resolve");
    }
    for (i, label) in labels.iter().enumerate() {
        let tagged: Vec<ThreadId> = all.iter().copied().skip(i).step_by(40).collect();
        for chunk in tagged.chunks(1000) {
            store
                .change_threads(chunk, &ThreadChange::AddLabel { label: *label }, now)
                .expect("label");
        }
    }
    let urgent: Vec<ThreadId> = all.iter().copied().step_by(50).collect();
    for chunk in urgent.chunks(1000) {
        store
            .change_threads(chunk, &ThreadChange::SetPriority { priority: 4 }, now)
            .expect("priority");
    }
    let bulk = started.elapsed();
    eprintln!(
        "workflow state set on {n} threads in {:.1} s ({:.1} µs per thread and change)",
        bulk.as_secs_f64(),
        bulk.as_secs_f64() * 1e6 / (n as f64 * 1.4)
    );

    println!("views, {total} messages in {n} threads (first page of 50 | the page after it)");
    let views = [
        ("Open", ThreadView::Open),
        ("Waiting", ThreadView::Waiting),
        ("Unread", ThreadView::Unread),
        ("Pending", ThreadView::Pending),
        ("Snoozed", ThreadView::Snoozed),
        ("Resolved", ThreadView::Resolved),
        (
            "Messenger",
            ThreadView::Channel {
                channel: ChannelKind::Messenger,
            },
        ),
        ("Account", ThreadView::Account { account }),
        ("Label", ThreadView::Label { label: labels[0] }),
    ];
    let mut worst = Duration::ZERO;
    for (name, view) in views {
        let first = store.list_view(view, None, 50).expect("view");
        let (p50, p95) = timed(ROUNDS, |_| store.list_view(view, None, 50).expect("view"));
        let after = first.next;
        let (n50, n95) = timed(ROUNDS, |_| store.list_view(view, after, 50).expect("view"));
        worst = worst.max(p95).max(n95);
        println!(
            "  {name:<10} {:>5} rows  p50 {} p95 {}  |  p50 {} p95 {}",
            first.threads.len(),
            ms(p50),
            ms(p95),
            ms(n50),
            ms(n95)
        );
    }
    println!(
        "  worst p95 of a page: {} (budget with the paint: 50 ms)",
        ms(worst)
    );

    let (p50, p95) = timed(ROUNDS, |_| store.view_counts().expect("counts"));
    println!("view_counts, idle: p50 {} p95 {}", ms(p50), ms(p95));
    // A customer writes (most conversations are resolved, so most reopen), then the window
    // asks for the counts again.
    let (mut ingest, mut after) = (Vec::new(), Vec::new());
    for i in 0..ROUNDS {
        let like = &messages[(i * 7_919) % messages.len()];
        let message = IncomingMessage {
            remote_id: format!("late-{i}"),
            direction: Direction::Inbound,
            text: "one more question".into(),
            sent_at: now + i as i64,
            ..like.clone()
        };
        let started = Instant::now();
        store
            .apply_batch(
                account,
                &IngestBatch {
                    messages: vec![message],
                    ..Default::default()
                },
                None,
                now,
            )
            .expect("ingest");
        ingest.push(started.elapsed());
        let started = Instant::now();
        std::hint::black_box(store.view_counts().expect("counts"));
        after.push(started.elapsed());
    }
    ingest.sort();
    after.sort();
    let counts = store.view_counts().expect("counts");
    println!(
        "view_counts after a new message: p50 {} p95 {} (budget 5 ms); the message's ingest p50 \
         {}; now open {} pending {} snoozed {} resolved {}",
        ms(percentile(&after, 0.5)),
        ms(percentile(&after, 0.95)),
        ms(percentile(&ingest, 0.5)),
        counts.open,
        counts.pending,
        counts.snoozed,
        counts.resolved
    );

    contacts(&mut store, &all, now);
}

/// The Contacts screen's search and orders, and what a block costs.
fn contacts(store: &mut Store, threads: &[ThreadId], now: i64) {
    // One customer in ten has a phone number and a plan on record.
    let mut people: Vec<parley_domain::ContactId> = threads
        .iter()
        .map(|t| {
            store
                .thread(*t)
                .expect("thread")
                .expect("thread")
                .contact_id
        })
        .collect();
    people.sort();
    people.dedup();
    let started = Instant::now();
    for (i, c) in people.iter().enumerate().step_by(10) {
        for (key, value) in [
            (
                "Phone",
                format!("+1 (555) {:03}-{:04}", i / 10_000, i % 10_000),
            ),
            (
                "Plan",
                if i % 20 == 0 {
                    "Enterprise gold"
                } else {
                    "Basic"
                }
                .to_owned(),
            ),
        ] {
            let attribute = ContactAttribute {
                key: key.into(),
                kind: AttributeKind::Text,
                value,
            };
            store
                .set_contact_attribute(*c, &attribute, now)
                .expect("attribute");
        }
    }
    eprintln!(
        "details on {} contacts in {:.1} s",
        people.len().div_ceil(10),
        started.elapsed().as_secs_f64()
    );
    println!(
        "contacts, {} of them (first page of 50: by last contact | by name)",
        people.len()
    );
    let queries = [
        ("everyone", String::new()),
        ("common", "customer 1".to_owned()),
        ("phone", {
            let i = people.len() / 2 / 10 * 10;
            format!("555 {:03} {:04}", i / 10_000, i % 10_000)
        }),
        ("attribute", "enterprise".to_owned()),
        ("nobody", "zzz-nobody".to_owned()),
    ];
    let mut worst = Duration::ZERO;
    for (name, query) in &queries {
        let found = store
            .list_contacts(query, ContactSort::LastContact, None, 50)
            .expect("contacts")
            .contacts
            .len();
        let (l50, l95) = timed(ROUNDS, |_| {
            store
                .list_contacts(query, ContactSort::LastContact, None, 50)
                .expect("contacts")
        });
        let (n50, n95) = timed(ROUNDS, |_| {
            store
                .list_contacts(query, ContactSort::Name, None, 50)
                .expect("contacts")
        });
        worst = worst.max(l95).max(n95);
        println!(
            "  {name:<10} {found:>3} rows  p50 {} p95 {}  |  p50 {} p95 {}",
            ms(l50),
            ms(l95),
            ms(n50),
            ms(n95)
        );
    }
    println!("  worst p95 of a page: {}", ms(worst));
    // Every customer has two conversations.
    let who = people[people.len() / 3];
    let (b50, b95) = timed(ROUNDS, |i| {
        let change = ContactMarksChange {
            vip: None,
            blocked: Some(i % 2 == 0),
        };
        store.set_contact_marks(who, change).expect("marks")
    });
    println!(
        "block / unblock a customer: p50 {} p95 {}",
        ms(b50),
        ms(b95)
    );
}
