//! The PDF export's memory and time for many conversations (issue 16: an export stays bounded
//! in memory, "10k conversations … under 200 MiB"):
//!
//! ```text
//! cargo bench -p parley-store --bench export_pdf                                    # 1,000
//! PARLEY_BENCH_CONVERSATIONS=10000 cargo bench -p parley-store --bench export_pdf
//! ```
//!
//! Stores N conversations of 12 messages (Latin, Cyrillic, Arabic, CJK and emoji), then exports
//! them as the core does (25 conversations read per batch, a planning pass then the drawing
//! pass, into a file) and prints the peak resident memory of the export alone (Linux: the peak
//! is reset through `/proc/self/clear_refs` after the store is built), the file's size and
//! pages, and the time taken.

use parley_domain::{
    ChannelKind, Direction, ExportFormat, IncomingMessage, IngestBatch, RemotePerson, ThreadId,
};
use parley_store::export::{ExportMeta, writer};
use parley_store::{NewAccount, Store, targets_from_json};
use std::io::BufWriter;
use std::time::Instant;

const T0: i64 = 1_780_000_000_000;
const TEXTS: [&str; 6] = [
    "Hello, my parcel has not arrived yet. Could you check the tracking number for me please?",
    "Здравствуйте! Заказ пришёл повреждённым, что делать?",
    "مرحبا، أريد تغيير عنوان التوصيل من فضلك",
    "你好，我想退货。这个尺寸不合适。",
    "Thanks a lot 👍🏽 that was quick 🎉",
    "We have sent a replacement today; it should arrive within three working days. Sorry again!",
];

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::var("PARLEY_BENCH_CONVERSATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&dir.path().join("parley.sqlite3")).expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                external_id: "bench".into(),
                name: "Bench shop".into(),
                handle: None,
                is_demo: false,
            },
            T0,
        )
        .expect("account");
    let mut messages = Vec::new();
    for c in 0..n {
        let customer = RemotePerson {
            remote_id: format!("u{c}"),
            display_name: format!("Customer {c} Ковальчук"),
            handle: None,
        };
        for m in 0..12 {
            let outbound = m % 2 == 1;
            messages.push(IncomingMessage {
                remote_thread_id: format!("c{c}"),
                remote_id: format!("c{c}-m{m}"),
                direction: if outbound {
                    Direction::Outbound
                } else {
                    Direction::Inbound
                },
                sender: if outbound {
                    RemotePerson {
                        remote_id: "agent".into(),
                        display_name: "Alex".into(),
                        handle: None,
                    }
                } else {
                    customer.clone()
                },
                customer: customer.clone(),
                text: TEXTS[(c + m) % TEXTS.len()].repeat(1 + m % 3),
                attachments: vec![],
                sent_at: T0 + (c as i64) * 3_600_000 + (m as i64) * 60_000,
                reply_to_remote_id: None,
                subject: None,
                quoted_text: None,
            });
        }
        if messages.len() >= 12_000 || c + 1 == n {
            let batch = IngestBatch {
                messages: std::mem::take(&mut messages),
                ..Default::default()
            };
            store
                .apply_batch(account, &batch, None, T0)
                .expect("ingest");
        }
    }
    let targets = targets_from_json(None);
    let mut ids: Vec<ThreadId> = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = store
            .review_ids(&Default::default(), &targets, T0, after, 500)
            .expect("ids");
        ids.extend(page);
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(ids.len(), n);

    let before = peak_kib();
    // Reset the peak so that it measures the export alone.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let started = Instant::now();
    let path = dir.path().join("export.pdf");
    let file = std::fs::File::create(&path).expect("file");
    let mut out = writer(ExportFormat::Pdf, BufWriter::new(file));
    for pass in 1..=out.passes() {
        let planning = pass < out.passes();
        if !planning {
            out.begin(&ExportMeta {
                exported_at: T0,
                checklist: vec![],
            })
            .expect("begin");
        }
        for chunk in ids.chunks(25) {
            let batch = store
                .export_batch(chunk, &targets, T0, false)
                .expect("batch");
            for c in &batch {
                if planning {
                    out.plan(c).expect("plan");
                } else {
                    out.conversation(c).expect("conversation");
                }
            }
        }
    }
    out.finish().expect("finish");
    drop(out);
    let took = started.elapsed();
    let peak = peak_kib();
    let size = std::fs::metadata(&path).expect("file").len();
    let pages = lopdf::Document::load(&path)
        .expect("a PDF")
        .get_pages()
        .len();
    println!(
        "PDF export of {n} conversations ({} messages): {:.1} MiB file, {pages} pages, {:.1} s",
        n * 12,
        size as f64 / 1_048_576.0,
        took.as_secs_f64()
    );
    println!(
        "peak resident memory: {:.1} MiB during the export{} (before it: {:.1} MiB)",
        peak as f64 / 1024.0,
        if reset {
            ""
        } else {
            " (peak not reset: includes building the store)"
        },
        before as f64 / 1024.0
    );
}
