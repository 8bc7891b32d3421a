//! Issue 14's budget for the whole dialogue with a customer: a customer with 20k messages over
//! five channels (one of them email, in many threads), in a big workspace (BUDGETS' corpus of
//! `ingest_search`, spread over the same five accounts):
//!
//! ```text
//! cargo bench -p parley-store --bench timeline                                 # 200k messages
//! PARLEY_BENCH_MESSAGES=1000000 cargo bench -p parley-store --bench timeline   # 1M
//! ```
//!
//! - the first page (50 messages) as the core reads it when the dialogue opens: the page, the
//!   reply channels and each channel's thread target (its reply window's input), p50/p95
//!   (budget ≤ 30 ms of store time);
//! - an older page from the middle of the history, p50/p95, and the whole history walked back;
//! - the same first page for an ordinary customer, for comparison.
//!
//! The customer's identities are joined into one contact as a merge of contacts does it (on the
//! rows, through a second connection: the store has no merge yet).

use parley_domain::{
    ChannelKind, ContactId, Direction, IncomingMessage, IngestBatch, MergeChoice, PageCursor,
    RemotePerson,
};
use parley_store::{NewAccount, Store};
use std::time::{Duration, Instant};

mod corpus;
use corpus::corpus;

const ROUNDS: usize = 200;
const PAGE: u32 = 50;
const CUSTOMER_MESSAGES: usize = 20_000;

const CHANNELS: [(ChannelKind, &str); 5] = [
    (ChannelKind::Email, "support@shop.example"),
    (ChannelKind::Whatsapp, "+15550001"),
    (ChannelKind::Messenger, "Shop Page"),
    (ChannelKind::Telegram, "shop_bot"),
    (ChannelKind::Sms, "+15550002"),
];
/// How the customer's messages fall on the channels above, in percent.
const SHARE: [u64; 5] = [30, 25, 20, 17, 8];
/// Email messages per mail thread of the customer.
const MAILS_PER_THREAD: usize = 40;

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

/// What the core reads in its store call when the dialogue opens.
fn first_page(store: &Store, contact: ContactId) -> usize {
    let page = store.contact_timeline(contact, None, PAGE).expect("page");
    let channels = store.contact_reply_channels(contact).expect("channels");
    for c in &channels {
        std::hint::black_box(store.thread_target(c.thread_id).expect("target"));
    }
    page.items.len() + channels.len()
}

/// The customer's messages, interleaved over the channels and the year (xorshift, fixed seed).
fn customer(total: usize) -> Vec<Vec<IncomingMessage>> {
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut per_channel: Vec<Vec<IncomingMessage>> = vec![Vec::new(); CHANNELS.len()];
    let mut at = 1_700_000_000_000_i64;
    for i in 0..total {
        at += 1_000 + (next() % 1_500_000) as i64;
        let mut pick = next() % 100;
        let mut c = 0;
        while pick >= SHARE[c] {
            pick -= SHARE[c];
            c += 1;
        }
        let (kind, _) = CHANNELS[c];
        let customer = RemotePerson {
            remote_id: format!("vip-{}", kind.as_str()),
            display_name: "Very Important Customer".into(),
            handle: None,
        };
        let thread = if kind == ChannelKind::Email {
            format!("vip-mail-{}", per_channel[c].len() / MAILS_PER_THREAD)
        } else {
            format!("vip-{}", kind.as_str())
        };
        per_channel[c].push(IncomingMessage {
            remote_thread_id: thread,
            remote_id: format!("vip-{i}"),
            direction: if next() % 5 < 3 {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            sender: customer.clone(),
            customer,
            text: format!("message {i} about order #{}", 10_000 + next() % 90_000),
            attachments: vec![],
            sent_at: at,
            reply_to_remote_id: None,
            subject: (kind == ChannelKind::Email).then(|| "Order".to_owned()),
            quoted_text: None,
        });
    }
    per_channel
}

fn main() {
    let total: usize = std::env::var("PARLEY_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("parley.sqlite3");
    let mut store = Store::open(&path).expect("store");
    let accounts: Vec<_> = CHANNELS
        .iter()
        .map(|(channel, name)| {
            store
                .insert_account(
                    &NewAccount {
                        channel: *channel,
                        name: (*name).into(),
                        handle: None,
                        external_id: (*name).into(),
                        is_demo: false,
                    },
                    0,
                )
                .expect("account")
        })
        .collect();

    // The workspace: every conversation of the corpus on one of the five accounts.
    let started = Instant::now();
    let (messages, thread_of, threads) = corpus(total);
    for (chunk, threads_of) in messages.chunks(500).zip(thread_of.chunks(500)) {
        let mut by_account: Vec<Vec<IncomingMessage>> = vec![Vec::new(); accounts.len()];
        for (m, t) in chunk.iter().zip(threads_of) {
            by_account[t % accounts.len()].push(m.clone());
        }
        for (account, batch) in accounts.iter().zip(by_account) {
            if batch.is_empty() {
                continue;
            }
            let batch = IngestBatch {
                refetchable: true,
                messages: batch,
                ..Default::default()
            };
            store.apply_batch(*account, &batch, None, 0).expect("apply");
        }
    }
    // The customer, as each account's sync pages them in.
    let theirs = customer(CUSTOMER_MESSAGES);
    let counts: Vec<usize> = theirs.iter().map(Vec::len).collect();
    for (account, messages) in accounts.iter().zip(theirs) {
        for chunk in messages.chunks(500) {
            let batch = IngestBatch {
                refetchable: true,
                messages: chunk.to_vec(),
                ..Default::default()
            };
            store.apply_batch(*account, &batch, None, 0).expect("apply");
        }
    }
    eprintln!(
        "ingested {total} messages in {threads} threads and the customer's {CUSTOMER_MESSAGES} in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // One contact for the customer's five identities: merged as the agent merges them.
    let (contact, merged) = {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        let contacts: Vec<i64> = {
            let mut stmt = conn
                .prepare("SELECT DISTINCT contact_id FROM identities WHERE remote_id LIKE 'vip-%'")
                .expect("prepare");
            stmt.query_map([], |r| r.get(0))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        let keep = ContactId(*contacts.iter().min().expect("the customer"));
        for other in contacts.iter().filter(|c| **c != keep.0) {
            let choice = MergeChoice {
                survivor: keep,
                absorbed: ContactId(*other),
                name_from: keep,
                attributes_from: keep,
            };
            store.merge_contacts(&choice, 0).expect("merge");
        }
        (keep, contacts.len())
    };
    let their_threads = {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        conn.query_row(
            "SELECT count(*) FROM threads WHERE contact_id = ?1",
            [contact.0],
            |r| r.get::<_, i64>(0),
        )
        .expect("count")
    };
    // An ordinary customer of the corpus (two conversations), for comparison.
    let ordinary = {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        ContactId(
            conn.query_row(
                "SELECT contact_id FROM identities WHERE remote_id = 'u7' LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("u7"),
        )
    };

    println!(
        "whole dialogue: a customer with {CUSTOMER_MESSAGES} messages ({} identities joined, \
         {their_threads} threads; {counts:?} per channel {:?}) in a workspace of {total} messages",
        merged,
        CHANNELS.map(|c| c.0.as_str())
    );
    let (p50, p95) = timed(ROUNDS, |_| first_page(&store, contact));
    println!(
        "  first page ({PAGE}) + reply channels + targets: p50 {} p95 {} (budget 30 ms)",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = timed(ROUNDS, |_| {
        store.contact_timeline(contact, None, PAGE).expect("page")
    });
    println!(
        "    of which the page:      p50 {} p95 {}",
        ms(p50),
        ms(p95)
    );
    let (p50, p95) = timed(ROUNDS, |_| {
        store.contact_reply_channels(contact).expect("channels")
    });
    println!(
        "    of which the channels:  p50 {} p95 {}",
        ms(p50),
        ms(p95)
    );

    // The whole history, page by page, and a page from its middle.
    let started = Instant::now();
    let mut cursor: Option<PageCursor> = None;
    let (mut pages, mut seen, mut middle) = (0, 0, None);
    loop {
        let page = store.contact_timeline(contact, cursor, PAGE).expect("page");
        pages += 1;
        seen += page.items.len();
        if seen >= CUSTOMER_MESSAGES / 2 && middle.is_none() {
            middle = page.older;
        }
        match page.older {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let walk = started.elapsed();
    assert_eq!(seen, CUSTOMER_MESSAGES, "every message once");
    let (p50, p95) = timed(ROUNDS, |_| {
        store.contact_timeline(contact, middle, PAGE).expect("page")
    });
    println!(
        "  an older page (middle of the history): p50 {} p95 {}; all {pages} pages walked back in \
         {} ({} per page)",
        ms(p50),
        ms(p95),
        ms(walk),
        ms(walk / pages)
    );
    let (p50, p95) = timed(ROUNDS, |_| first_page(&store, ordinary));
    println!(
        "  an ordinary customer's first page + channels: p50 {} p95 {}",
        ms(p50),
        ms(p95)
    );
}
