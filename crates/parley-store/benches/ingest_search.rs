//! BUDGETS P1 (ingest) and P2 (search), measured against a floor in the same run:
//!
//! ```text
//! cargo bench -p parley-store --bench ingest_search            # 200k messages
//! PARLEY_BENCH_MESSAGES=1000000 cargo bench -p parley-store --bench ingest_search
//! PARLEY_BENCH_CHANNEL=telegram ...   # a Telegram account: ingest commits with synchronous=FULL
//! ```
//!
//! P1: `Store::apply_batch` (threads, contacts, FTS, cursor, 500 messages per batch, a Messenger
//! account so `synchronous=NORMAL` as for every re-fetchable channel, see ARCHITECTURE) against
//! a bare rusqlite insert of **the same rows** in the same run: the message rows *and* their FTS
//! rows, into the same `messages` table (columns, unique key, thread index) and the same
//! external-content FTS5 table, with the same pragmas, a prepared-statement loop and one
//! transaction per batch, but none of Parley's logic (thread/contact resolution, summaries,
//! cursor). Until November 2026 the peer left the FTS rows out (one bare table), so it was not
//! the same rows and the ratio looked several times worse than it is; that figure is still
//! printed, for reference only.
//!
//! The corpus is BUDGETS' data set shaped as a first sync delivers it (see [`corpus`]): messages
//! clustered per conversation, a few conversations with 5k+ messages, chat-like text.
//!
//! P2: the first page of `Store::search` for common, rare and prefix queries, p50/p95 over
//! repeated runs. `QUERIES` are also what bench/notmuch_search.py asks notmuch (the peer) on
//! the same corpus written as a maildir: `PARLEY_BENCH_MAILDIR=<dir>` writes it there first (one
//! file per message; once, when `<dir>/cur` does not exist yet), and
//! `PARLEY_BENCH_MAILDIR_ONLY=1` stops after that.
//!
//! Besides the human lines, one machine-readable line per figure for bench/all.sh:
//! `RESULT id=P1 ...` and `RESULT id=P2 query=... p50_ms=... p95_ms=...`.
//!
//! Both run twice, into a plain store and an encrypted one (SQLCipher with a raw 256-bit key as
//! the app uses it, issue 18: within 15 %), side by side: the encrypted figures and their
//! overhead follow the plain ones (`RESULT id=P1enc`, `id=P2enc`).

use parley_domain::{ChannelKind, Direction, IncomingMessage, IngestBatch};
use parley_store::{DbKey, NewAccount, Store};
use std::io::Write;
use std::time::{Duration, Instant};

const BATCH: usize = 500;

/// P2's queries (bench/notmuch_search.py asks notmuch the same): common words, a word pair, CJK,
/// a prefix, a rare word (a long-tail name of the corpus: 6 hits at 200k) and one without hits.
/// `Store::search` reads the last word as a prefix; the peer is asked the same (`word*`).
const QUERIES: &[&str] = &[
    "order",
    "delivery refund",
    "配達",
    "trac",
    "envío gracias",
    "fafapulmi",
    "nothinglikethis",
];

/// The first page of results, as the search box asks for it.
const PAGE: u32 = 50;

mod corpus;
use corpus::corpus;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The peer's schema: Parley's `messages` table as migrations 1, 2 and 5 leave it (columns,
/// unique key, thread index) and its external-content FTS5 index with the same tokenizer.
const PEER_SCHEMA: &str = "
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY, thread_id INTEGER NOT NULL, account_id INTEGER NOT NULL,
        remote_id TEXT, direction TEXT NOT NULL, author_name TEXT NOT NULL, text TEXT NOT NULL,
        attachments TEXT NOT NULL DEFAULT '[]', sent_at INTEGER NOT NULL, edited_at INTEGER,
        delivery TEXT NOT NULL, delivery_note TEXT, reply_to_remote_id TEXT, subject TEXT,
        quoted_text TEXT, UNIQUE (account_id, remote_id));
    CREATE INDEX messages_thread_time ON messages(thread_id, sent_at, id);
    CREATE VIRTUAL TABLE messages_fts USING fts5(text, content = 'messages',
        content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');";

/// The pragmas `Store` runs ingest with (`lib.rs`; `synchronous` as `apply_batch` chooses it for
/// the bench account's channel).
fn peer_pragmas(synchronous: &str) -> String {
    format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous};
         PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=8192;"
    )
}

/// A bare rusqlite insert of the rows: a prepared-statement loop, one transaction per batch,
/// no thread/contact resolution, summaries or cursor. With `fts`, each message's FTS row too.
fn bare_insert(
    path: &std::path::Path,
    messages: &[IncomingMessage],
    thread_of: &[usize],
    fts: bool,
    synchronous: &str,
) -> Duration {
    let mut bare = rusqlite::Connection::open(path).expect("bare db");
    bare.execute_batch(&peer_pragmas(synchronous))
        .expect("pragmas");
    bare.execute_batch(PEER_SCHEMA).expect("bare schema");
    let started = Instant::now();
    for (chunk, threads) in messages.chunks(BATCH).zip(thread_of.chunks(BATCH)) {
        let tx = bare.transaction().expect("tx");
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO messages (thread_id, account_id, remote_id, direction,
                         author_name, text, attachments, sent_at, delivery)
                     VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .expect("prepare");
            let mut index = tx
                .prepare_cached("INSERT INTO messages_fts (rowid, text) VALUES (?1, ?2)")
                .expect("prepare fts");
            for (m, t) in chunk.iter().zip(threads) {
                let attachments = serde_json::to_string(&m.attachments).expect("json");
                insert
                    .execute(rusqlite::params![
                        *t as i64 + 1,
                        m.remote_id,
                        m.direction.as_str(),
                        m.sender.display_name,
                        m.text,
                        attachments,
                        m.sent_at,
                        if m.direction == Direction::Inbound {
                            "received"
                        } else {
                            "sent"
                        },
                    ])
                    .expect("insert");
                if fts {
                    index
                        .execute(rusqlite::params![tx.last_insert_rowid(), m.text])
                        .expect("fts insert");
                }
            }
        }
        tx.commit().expect("commit");
    }
    started.elapsed()
}

/// `ms` since the epoch as an RFC 5322 date (UTC).
fn rfc5322_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The corpus as a maildir for the P2 peer (notmuch): one file per message in `<dir>/cur`, with
/// the headers a mail client writes (a conversation is a thread: each message refers to the
/// conversation's first one), the text as a UTF-8 body.
fn write_maildir(dir: &std::path::Path, messages: &[IncomingMessage], thread_of: &[usize]) {
    let cur = dir.join("cur");
    if cur.exists() {
        return;
    }
    let started = Instant::now();
    for sub in ["tmp", "new"] {
        std::fs::create_dir_all(dir.join(sub)).expect("maildir");
    }
    let partial = dir.join("cur.partial");
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).expect("maildir");
    let mut first_of = std::collections::HashMap::new();
    for (i, (m, t)) in messages.iter().zip(thread_of).enumerate() {
        let first = *first_of.entry(*t).or_insert(i);
        let (from, to) = if m.direction == Direction::Inbound {
            (
                format!(
                    "{} <{}@customers.example>",
                    m.sender.display_name, m.sender.remote_id
                ),
                "Shop <shop@parley.example>".to_owned(),
            )
        } else {
            (
                "Shop <shop@parley.example>".to_owned(),
                format!(
                    "{} <{}@customers.example>",
                    m.customer.display_name, m.customer.remote_id
                ),
            )
        };
        let mut mail = format!(
            "From: {from}\r\nTo: {to}\r\nSubject: Conversation {t}\r\nDate: {}\r\n\
             Message-ID: <m{i}@bench.parley.example>\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
            rfc5322_date(m.sent_at)
        );
        if first != i {
            mail.push_str(&format!(
                "In-Reply-To: <m{first}@bench.parley.example>\r\n\
                 References: <m{first}@bench.parley.example>\r\n"
            ));
        }
        mail.push_str("\r\n");
        mail.push_str(&m.text);
        mail.push_str("\r\n");
        let mut f = std::fs::File::create(partial.join(format!("{i}.bench:2,S"))).expect("file");
        f.write_all(mail.as_bytes()).expect("write");
    }
    std::fs::rename(&partial, &cur).expect("maildir");
    println!(
        "maildir: {} messages written to {} in {:.1?}",
        messages.len(),
        cur.display(),
        started.elapsed()
    );
}

fn main() {
    let total: usize = std::env::var("PARLEY_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    // Rounds of each P2 query (the smoke runs one).
    let rounds: usize = std::env::var("PARLEY_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    // A channel whose history can be fetched again (Messenger), so `apply_batch` commits with
    // synchronous=NORMAL; `PARLEY_BENCH_CHANNEL=telegram` measures the FULL path (Telegram's
    // cursor acknowledges the updates, see ARCHITECTURE).
    let telegram = std::env::var("PARLEY_BENCH_CHANNEL").is_ok_and(|c| c == "telegram");
    let (channel, synchronous) = if telegram {
        (ChannelKind::Telegram, "FULL")
    } else {
        (ChannelKind::Messenger, "NORMAL")
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (messages, thread_of, threads) = corpus(total);
    if let Some(dir) = std::env::var_os("PARLEY_BENCH_MAILDIR") {
        write_maildir(std::path::Path::new(&dir), &messages, &thread_of);
        if std::env::var("PARLEY_BENCH_MAILDIR_ONLY").is_ok_and(|v| v == "1") {
            return;
        }
    }
    let batches: Vec<IngestBatch> = messages
        .chunks(BATCH)
        .map(|chunk| IngestBatch {
            refetchable: !telegram,
            messages: chunk.to_vec(),
            ..Default::default()
        })
        .collect();

    // The peer: the same message rows and their FTS rows into the same schema.
    let bare_time = bare_insert(
        &dir.path().join("bare.sqlite3"),
        &messages,
        &thread_of,
        true,
        synchronous,
    );
    // For reference only: the peer this bench used before, without the FTS rows.
    let no_fts_time = bare_insert(
        &dir.path().join("nofts.sqlite3"),
        &messages,
        &thread_of,
        false,
        synchronous,
    );

    let plain = run_store(
        &dir.path().join("parley.sqlite3"),
        None,
        channel,
        &batches,
        rounds,
    );
    let key = DbKey::from_bytes(std::array::from_fn(|i| i as u8 ^ 0xa5));
    let encrypted = run_store(
        &dir.path().join("encrypted.sqlite3"),
        Some(&key),
        channel,
        &batches,
        rounds,
    );
    let store_time = plain.ingest;
    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    println!(
        "P1 ingest, {total} messages in {threads} threads, {BATCH} per transaction, \
         {} account, synchronous={synchronous}",
        channel.as_str()
    );
    println!(
        "  bare insert + FTS    : {:>9.0} msg/s ({:.2?})  <- the peer",
        rate(bare_time),
        bare_time
    );
    println!(
        "  bare insert, no FTS  : {:>9.0} msg/s ({:.2?})  (reference only)",
        rate(no_fts_time),
        no_fts_time
    );
    println!(
        "  Store::apply_batch   : {:>9.0} msg/s ({:.2?})",
        rate(store_time),
        store_time
    );
    println!(
        "  ratio store/bare     : {:.2} (target >= 0.8)",
        rate(store_time) / rate(bare_time)
    );
    println!(
        "RESULT id=P1 messages={total} parley_msg_s={:.0} peer_msg_s={:.0} nofts_msg_s={:.0}",
        rate(store_time),
        rate(bare_time),
        rate(no_fts_time)
    );

    println!(
        "  encrypted apply_batch: {:>9.0} msg/s ({:.2?})  overhead {:+.1}% (target <= +15%)",
        rate(encrypted.ingest),
        encrypted.ingest,
        (encrypted.ingest.as_secs_f64() / plain.ingest.as_secs_f64() - 1.0) * 100.0
    );
    println!(
        "RESULT id=P1enc messages={total} parley_msg_s={:.0} peer_msg_s={:.0}",
        rate(encrypted.ingest),
        rate(plain.ingest)
    );

    println!(
        "P2 search, first page of {PAGE}, {total} messages, {rounds} rounds (plain | encrypted)"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for ((query, (p50, p95), hits), (_, (e50, e95), _)) in
        plain.search.iter().zip(&encrypted.search)
    {
        println!(
            "  {query:<18} p50 {p50:>8.2?}  p95 {p95:>8.2?}  ({hits} hits)  target p95 <= 10 ms | \
             p50 {e50:>8.2?}  p95 {e95:>8.2?}  ({:+.1}% at p50)",
            (e50.as_secs_f64() / p50.as_secs_f64() - 1.0) * 100.0
        );
        // The query is the last field: it may hold spaces.
        println!(
            "RESULT id=P2 messages={total} rounds={rounds} hits={hits} p50_ms={:.3} p95_ms={:.3} query={query}",
            ms(*p50),
            ms(*p95)
        );
        println!(
            "RESULT id=P2enc messages={total} rounds={rounds} hits={hits} p50_ms={:.3} p95_ms={:.3} query={query}",
            ms(*e50),
            ms(*e95)
        );
    }
}

struct StoreRun {
    ingest: Duration,
    /// Per query: (p50, p95) and the hits.
    search: Vec<(&'static str, (Duration, Duration), usize)>,
}

/// `Store::apply_batch` of every batch, then `rounds` of each query, into a new store at `path`
/// (keyed with `key`, or plain).
fn run_store(
    path: &std::path::Path,
    key: Option<&DbKey>,
    channel: ChannelKind,
    batches: &[IngestBatch],
    rounds: usize,
) -> StoreRun {
    let mut store = match key {
        Some(key) => Store::open_encrypted(path, key),
        None => Store::open(path),
    }
    .expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel,
                name: "Bench".into(),
                handle: None,
                external_id: "bench".into(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    let started = Instant::now();
    for (n, batch) in batches.iter().enumerate() {
        let cursor = n.to_string();
        store
            .apply_batch(account, batch, Some(("updates", &cursor)), 0)
            .expect("apply");
    }
    let ingest = started.elapsed();
    let mut search = Vec::new();
    for &query in QUERIES {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            hits = store.search(query, PAGE).expect("search").len();
            times.push(started.elapsed());
        }
        times.sort();
        search.push((
            query,
            (percentile(&times, 0.5), percentile(&times, 0.95)),
            hits,
        ));
    }
    StoreRun { ingest, search }
}
