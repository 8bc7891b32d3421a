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

use parley_domain::{ChannelKind, IngestBatch};
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
    drop(store);
    println!(
        "{total} messages in {threads} threads written to {} in {:.1?}",
        db.display(),
        started.elapsed()
    );
}
