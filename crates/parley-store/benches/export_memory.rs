//! Issue 16's memory budget for exports: 10k conversations (100k messages of BUDGETS' corpus)
//! written to each format the way the core writes them (ids first, then
//! `EXPORT_BATCH` = 25 conversations read, written and dropped), the process's peak resident
//! memory measured around each format (`VmHWM`, reset through `/proc/self/clear_refs`).
//!
//! ```text
//! cargo bench -p parley-store --bench export_memory        # 10k conversations
//! PARLEY_BENCH_MESSAGES=200000 cargo bench -p parley-store --bench export_memory   # 20k
//! ```
//!
//! Budget: under 200 MiB each. Linux only (reads `/proc`).

use parley_domain::{ChannelKind, ExportFormat, IngestBatch, ReviewFilter};
use parley_store::export::{ExportMeta, writer};
use parley_store::{NewAccount, Store, targets_from_json};
use std::io::BufWriter;
use std::time::Instant;

mod corpus;
use corpus::corpus;

/// The peak resident memory since the last reset, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn reset_peak() {
    // "5" resets the peak resident set size to the current one (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let total: usize = std::env::var("PARLEY_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let (messages, _, threads) = corpus(total);
    let mut store = Store::open(&dir.path().join("parley.sqlite3")).expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                name: "Bench".into(),
                handle: None,
                external_id: "bench".into(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    for chunk in messages.chunks(500) {
        let batch = IngestBatch {
            refetchable: true,
            messages: chunk.to_vec(),
            ..Default::default()
        };
        store.apply_batch(account, &batch, None, 0).expect("apply");
    }
    drop(messages);
    let targets = targets_from_json(None);
    let now = i64::MAX / 4;
    println!("export of {threads} conversations ({total} messages), 25 at a time");
    for format in [ExportFormat::Csv, ExportFormat::Html, ExportFormat::Json] {
        reset_peak();
        let before = peak_kib();
        let started = Instant::now();
        // The ids, as the core gathers them.
        let mut ids = Vec::new();
        let mut after = None;
        loop {
            let (page, next) = store
                .review_ids(&ReviewFilter::default(), &targets, now, after, 500)
                .expect("ids");
            ids.extend(page);
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let path = dir.path().join(format!("export.{format:?}"));
        let file = std::fs::File::create(&path).expect("file");
        let mut out = writer(format, BufWriter::new(file));
        out.begin(&ExportMeta {
            exported_at: 0,
            checklist: vec![],
        })
        .expect("begin");
        let mut written = 0usize;
        for chunk in ids.chunks(25) {
            let batch = store
                .export_batch(chunk, &targets, now, false)
                .expect("batch");
            for c in &batch {
                out.conversation(c).expect("write");
                written += c.messages.len();
            }
        }
        out.finish().expect("finish");
        drop(out);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let peak = peak_kib();
        println!(
            "  {format:?}: {} conversations, {written} messages, {:.1} MiB file in {:.1} s; peak RSS {:.1} MiB (before {:.1} MiB)",
            ids.len(),
            size as f64 / 1048576.0,
            started.elapsed().as_secs_f64(),
            peak as f64 / 1024.0,
            before as f64 / 1024.0
        );
        let _ = std::fs::remove_file(&path);
    }
}
