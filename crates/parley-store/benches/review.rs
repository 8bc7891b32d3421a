//! Issue 16's budgets for the manager's review, on BUDGETS' data set (the corpus of
//! `ingest_search`: 10 messages per conversation on average, a few of 5k+, over a year):
//!
//! ```text
//! cargo bench -p parley-store --bench review                                 # 200k messages
//! PARLEY_BENCH_MESSAGES=1000000 cargo bench -p parley-store --bench review   # 100k threads
//! ```
//!
//! - the review list's first page (50 rows) and the page after it, p50/p95, for the default
//!   filter (newest first) and others (a period, a channel, slower than the target, no answer,
//!   words: a common one, "order", in one message of eight, a rarer one, a number in a dozen
//!   messages; by first response and by length) — budget ≤ 50 ms for the first page;
//! - the metrics of a year (every started conversation of the corpus' year, days and hours in a
//!   zone with two daylight-saving changes), p50/p95 — budget ≤ 300 ms.
//!
//! Most conversations are resolved (as in a worked inbox), so resolution times exist too.

use parley_domain::{
    ChannelKind, IngestBatch, MetricsQuery, ReviewFilter, ReviewSort, ThreadChange, ThreadId,
    ThreadView,
};
use parley_store::{LocalOffsets, NewAccount, Store, targets_from_json};
use std::time::{Duration, Instant};

mod corpus;
use corpus::corpus;

const ROUNDS: usize = 30;
const HOUR: i64 = 3_600_000;

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
    // PARLEY_BENCH_DB=<file> keeps the workspace there (for looking at plans with `sqlite3`).
    let path = std::env::var_os("PARLEY_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("parley.sqlite3"));
    let (messages, _, threads) = corpus(total);
    let mut store = Store::open(&path).expect("store");
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
    let (first, last) = messages.iter().fold((i64::MAX, i64::MIN), |(a, b), m| {
        (a.min(m.sent_at), b.max(m.sent_at))
    });
    drop(messages);
    eprintln!(
        "ingested {total} messages in {threads} threads in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut all: Vec<ThreadId> = Vec::with_capacity(threads);
    let mut cursor = None;
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
    // The newest 10% stay open; the rest resolved.
    let n = all.len();
    for chunk in all[n / 10..].chunks(1000) {
        store
            .change_threads(
                chunk,
                &ThreadChange::Resolve { send_queued: None },
                last + HOUR,
            )
            .expect("resolve");
    }

    let targets = targets_from_json(None);
    let now = last + 2 * HOUR;
    let base = ReviewFilter::default();
    let filters: Vec<(&str, ReviewFilter)> = vec![
        ("newest first", base.clone()),
        (
            "a month",
            ReviewFilter {
                from: Some(first + 150 * 24 * HOUR),
                to: Some(first + 180 * 24 * HOUR),
                ..base.clone()
            },
        ),
        (
            "channel",
            ReviewFilter {
                channels: vec![ChannelKind::Messenger],
                ..base.clone()
            },
        ),
        (
            "slower than target",
            ReviewFilter {
                slow_only: true,
                ..base.clone()
            },
        ),
        (
            "no answer yet",
            ReviewFilter {
                unanswered_only: true,
                ..base.clone()
            },
        ),
        (
            "words",
            ReviewFilter {
                text: Some("order".into()),
                ..base.clone()
            },
        ),
        (
            "a rarer word",
            ReviewFilter {
                text: Some("kalo".into()),
                ..base.clone()
            },
        ),
        (
            "a rare number",
            ReviewFilter {
                text: Some("54321".into()),
                ..base.clone()
            },
        ),
        (
            "by first response",
            ReviewFilter {
                sort: ReviewSort::FirstResponse,
                ..base.clone()
            },
        ),
        (
            "by length",
            ReviewFilter {
                sort: ReviewSort::Length,
                ..base.clone()
            },
        ),
    ];
    println!("review list, {total} messages in {n} threads (first page of 50 | the page after it)");
    for (name, f) in &filters {
        let next = store
            .review_page(f, &targets, now, None, 50)
            .expect("page")
            .next;
        let (p50, p95) = timed(ROUNDS, |_| {
            store.review_page(f, &targets, now, None, 50).expect("page")
        });
        let (q50, q95) = timed(ROUNDS, |_| {
            store.review_page(f, &targets, now, next, 50).expect("page")
        });
        println!(
            "  {name:<20} p50 {} p95 {} | p50 {} p95 {}",
            ms(p50),
            ms(p95),
            ms(q50),
            ms(q95)
        );
    }

    // A year, in a zone with two daylight-saving changes (+1 h, +2 h from the 90th day to the
    // 300th).
    let year = MetricsQuery {
        from: first,
        to: first + 365 * 24 * HOUR,
        channels: vec![],
        accounts: vec![],
        business_hours: false,
    };
    let local = LocalOffsets {
        zone: "Europe/Berlin".into(),
        spans: vec![
            (i64::MIN, HOUR),
            (first + 90 * 24 * HOUR, 2 * HOUR),
            (first + 300 * 24 * HOUR, HOUR),
        ],
    };
    let m = store
        .metrics(&year, &targets, &local, None)
        .expect("metrics");
    let (p50, p95) = timed(ROUNDS, |_| {
        store
            .metrics(&year, &targets, &local, None)
            .expect("metrics")
    });
    println!(
        "metrics of a year ({} started, {} resolved, {} answered): p50 {} p95 {}",
        m.started,
        m.resolved,
        m.first_response.count,
        ms(p50),
        ms(p95)
    );
}
