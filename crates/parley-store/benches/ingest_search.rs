//! BUDGETS P1 (ingest) and P2 (search), measured against a floor in the same run:
//!
//! ```text
//! cargo bench -p parley-store --bench ingest_search            # 200k messages
//! PARLEY_BENCH_MESSAGES=1000000 cargo bench -p parley-store --bench ingest_search
//! ```
//! P1: `Store::apply_batch` (threads, contacts, FTS, cursor, synchronous=FULL, 500 per batch)
//! against a bare rusqlite insert of the same rows into one table in the same run. P2: the first
//! page of `Store::search` for common, rare and prefix queries, p50/p95 over repeated runs.

use parley_domain::{
    Attachment, AttachmentKind, ChannelKind, Direction, IncomingMessage, IngestBatch, RemotePerson,
};
use parley_store::{NewAccount, Store};
use std::time::{Duration, Instant};

const BATCH: usize = 500;

/// A deterministic generator (xorshift) so every run ingests the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "order",
    "delivery",
    "refund",
    "tracking",
    "parcel",
    "invoice",
    "size",
    "colour",
    "return",
    "thanks",
    "hello",
    "when",
    "where",
    "broken",
    "mug",
    "shoes",
    "jacket",
    "gift",
    "card",
    "Bestellung",
    "Lieferung",
    "pedido",
    "envío",
    "gracias",
    "commande",
    "livraison",
    "merci",
    "заказ",
    "доставка",
    "спасибо",
    "注文",
    "配達",
    "ありがとう",
    "订单",
    "快递",
    "谢谢",
    "طلب",
    "توصيل",
    "شكرا",
    "🙏",
    "😊",
    "📦",
    "👍",
    "today",
    "tomorrow",
    "store",
    "pickup",
    "discount",
];

fn message(rng: &mut Rng, i: usize, threads: usize) -> IncomingMessage {
    let thread = rng.below(threads);
    let len = 3 + rng.below(30);
    let text: Vec<&str> = (0..len).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    let customer = RemotePerson {
        remote_id: format!("u{thread}"),
        display_name: format!("Customer {thread}"),
        handle: None,
    };
    let attachments = if rng.below(20) == 0 {
        vec![Attachment {
            kind: AttachmentKind::Photo,
            remote_ref: Some(format!("file-{i}")),
            file_name: None,
            mime_type: Some("image/jpeg".into()),
            size: Some(120_000),
            description: None,
        }]
    } else {
        vec![]
    };
    IncomingMessage {
        remote_thread_id: format!("t{thread}"),
        remote_id: format!("m{i}"),
        direction: if rng.below(3) == 0 {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        sender: customer.clone(),
        customer,
        text: text.join(" "),
        attachments,
        sent_at: 1_700_000_000_000 + i as i64 * 1_000,
        reply_to_remote_id: None,
        subject: None,
        quoted_text: None,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let total: usize = std::env::var("PARLEY_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let threads = (total / 10).max(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let messages: Vec<IncomingMessage> =
        (0..total).map(|i| message(&mut rng, i, threads)).collect();

    // Floor: the same rows into one bare table, one transaction per batch, same pragmas.
    let bare_path = dir.path().join("bare.sqlite3");
    let mut bare = rusqlite::Connection::open(&bare_path).expect("bare db");
    bare.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
         CREATE TABLE m (id INTEGER PRIMARY KEY, thread TEXT, remote_id TEXT UNIQUE, direction TEXT,
                         author TEXT, text TEXT, attachments TEXT, sent_at INTEGER);",
    )
    .expect("bare schema");
    let started = Instant::now();
    for chunk in messages.chunks(BATCH) {
        let tx = bare.transaction().expect("tx");
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO m (thread, remote_id, direction, author, text, attachments, sent_at) VALUES (?,?,?,?,?,?,?)")
                .expect("prepare");
            for m in chunk {
                let attachments = serde_json::to_string(&m.attachments).expect("json");
                stmt.execute(rusqlite::params![
                    m.remote_thread_id,
                    m.remote_id,
                    m.direction.as_str(),
                    m.sender.display_name,
                    m.text,
                    attachments,
                    m.sent_at
                ])
                .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    let bare_time = started.elapsed();

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
    let started = Instant::now();
    for (n, chunk) in messages.chunks(BATCH).enumerate() {
        let batch = IngestBatch {
            messages: chunk.to_vec(),
            edits: vec![],
            ..Default::default()
        };
        let cursor = n.to_string();
        store
            .apply_batch(account, &batch, Some(("updates", &cursor)), 0)
            .expect("apply");
    }
    let store_time = started.elapsed();
    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    println!("P1 ingest, {total} messages in {threads} threads, {BATCH} per transaction");
    println!(
        "  bare rusqlite insert : {:>9.0} msg/s ({:.2?})",
        rate(bare_time),
        bare_time
    );
    println!(
        "  Store::apply_batch   : {:>9.0} msg/s ({:.2?})",
        rate(store_time),
        store_time
    );
    println!(
        "  ratio store/bare     : {:.2} (target >= 0.5; absolute target >= 100000 msg/s)",
        rate(store_time) / rate(bare_time)
    );

    println!("P2 search, first page of 50, {total} messages");
    for query in [
        "order",
        "delivery refund",
        "配達",
        "trac",
        "envío gracias",
        "nothinglikethis",
    ] {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..40 {
            let started = Instant::now();
            hits = store.search(query, 50).expect("search").len();
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "  {query:<18} p50 {:>8.2?}  p95 {:>8.2?}  ({hits} hits)  target p95 <= 10 ms",
            percentile(&times, 0.5),
            percentile(&times, 0.95)
        );
    }
}
