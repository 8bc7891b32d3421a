//! Writes a Parley workspace (`<data dir>/parley.sqlite3`) holding BUDGETS' data set, for
//! bench/startup_memory.sh (P3, P5):
//!
//! ```text
//! gen-workspace <data dir> [messages, default 1000000]
//! ```
//!
//! The corpus is the one of `crates/parley-store/benches/ingest_search.rs` (P1/P2): the same
//! file, `crates/parley-store/benches/corpus/mod.rs`, included with `#[path]`. It is ingested through `Store::apply_batch` (threads, contacts, FTS) into one Telegram
//! account marked as the demo's, so Parley starts with no sync of its own under
//! `PARLEY_DEMO=off`, and with `PARLEY_DEMO` unset the demo's simulated customers write into it
//! (the soak's live traffic).
//!
//! Then a workspace's workflow, so that views differ as an agent's do (bench/window_switch.sh):
//! two in five conversations resolved, one in twenty pending, one in fifty snoozed (until 2100),
//! one in eleven labelled "Wholesale" and one in thirteen "Returns", one in nine high priority.

use parley_domain::{ChannelKind, IngestBatch, ThreadChange, ThreadId};
use parley_store::{NewAccount, Store};
use std::time::Instant;

const BATCH: usize = 500;

#[path = "../../../crates/parley-store/benches/corpus/mod.rs"]
mod corpus;
use corpus::corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: gen-workspace <data dir> [messages]");
        std::process::exit(2);
    };
    let total: usize = args
        .next()
        .map_or(1_000_000, |n| n.parse().expect("a number"));
    let dir = std::path::PathBuf::from(dir);
    let db = dir.join("parley.sqlite3");
    if db.exists() {
        eprintln!("{} exists; remove it first", db.display());
        std::process::exit(1);
    }
    let started = Instant::now();
    let (messages, _, threads) = corpus(total);
    let mut store = Store::open(&db).expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                name: "Bench workspace".into(),
                handle: None,
                external_id: "bench".into(),
                is_demo: true,
            },
            0,
        )
        .expect("account");
    for chunk in messages.chunks(BATCH) {
        let batch = IngestBatch {
            messages: chunk.to_vec(),
            ..Default::default()
        };
        store.apply_batch(account, &batch, None, 0).expect("apply");
    }
    workflow(&mut store, threads as i64);
    drop(store);
    println!(
        "{total} messages in {threads} threads written to {} in {:.1?}",
        db.display(),
        started.elapsed()
    );
}

/// Statuses, labels and priorities over the conversations (ids 1..=threads), deterministic.
fn workflow(store: &mut Store, threads: i64) {
    let now = 1_700_000_000_000 + 365 * 24 * 3600 * 1000;
    let pick = |every: i64| -> Vec<ThreadId> {
        (1..=threads)
            .filter(|t| t % every == 0)
            .map(ThreadId)
            .collect()
    };
    let apply = |store: &mut Store, ids: Vec<ThreadId>, change: ThreadChange| {
        for chunk in ids.chunks(5_000) {
            store.change_threads(chunk, &change, now).expect("change");
        }
    };
    let wholesale = store
        .create_label("Wholesale", "#0891b2", now)
        .expect("label");
    let returns = store
        .create_label("Returns", "#dc2626", now)
        .expect("label");
    apply(
        store,
        pick(11),
        ThreadChange::AddLabel {
            label: wholesale.id,
        },
    );
    apply(
        store,
        pick(13),
        ThreadChange::AddLabel { label: returns.id },
    );
    apply(store, pick(9), ThreadChange::SetPriority { priority: 3 });
    // Two in five resolved (t % 5 is 0 or 1); pending and snoozed among the others.
    let resolved_ids = (1..=threads).filter(|t| t % 5 < 2).map(ThreadId).collect();
    apply(
        store,
        resolved_ids,
        ThreadChange::Resolve {
            send_queued: Some(true),
        },
    );
    let among = |every: i64, at: i64| {
        (1..=threads)
            .filter(|t| t % every == at)
            .map(ThreadId)
            .collect()
    };
    apply(store, among(20, 2), ThreadChange::Pending);
    // Until 2100: a wake-up at the app's start would move them.
    let until = 4_102_444_800_000;
    apply(store, among(50, 3), ThreadChange::Snooze { until });
}
