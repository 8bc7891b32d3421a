//! R1 for the outbox: a harness process saves drafts, queues replies and lets the real sync task
//! and dispatcher flush them to the fake Telegram server while this test kills it with SIGKILL
//! at random moments. After every kill: `PRAGMA integrity_check` is ok, no draft or queued reply
//! the harness saw committed is lost, and the fake received each reply at most once (the harness
//! never chooses "send again", the only path allowed to resend an uncertain reply).
//!
//! Automated messages (a greeting, an away message: `Store::queue_automated`, issue 15) are
//! queued too, now and then, and held to the same oracle: never lost once committed, never
//! received twice.
//!
//! The harness is this same test binary re-executed with `PARLEY_CRASH_CHILD` set (so no extra
//! binary target). `PARLEY_CRASH_CYCLES` sets the number of kills (20 by default, to keep CI
//! short; `bench/crash_soak.sh` runs thousands).
//!
//! The oracle is complete: the fake counts every send it ever accepted, per text, so "at most
//! once" is checked for every reply of the run, however long. Every random choice (faults, kill
//! times, which thread, queue or not, pauses) comes from one seed, printed at the start and in
//! a failure, and set with `PARLEY_CRASH_SEED` to replay a run (the kill lands at the same
//! planned time; what the processes did by then may still differ a little). A failure names
//! the reply it is about and prints its whole history: each state it was seen in, by cycle.

use parley_channels::telegram::TelegramChannel;
use parley_domain::{AutomatedBy, AutomationKind, ChannelKind, ThreadId};
use parley_sim::{FakeTelegram, FakeTelegramConfig, Fault};
use parley_store::{NewAccount, Store};
use parley_sync::{AccountRunner, Db, SystemClock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const CHILD_ENV: &str = "PARLEY_CRASH_CHILD";
const CUSTOMERS: usize = 5;

fn db_path(dir: &Path) -> PathBuf {
    dir.join("parley.sqlite3")
}

fn journal_path(dir: &Path) -> PathBuf {
    dir.join("journal.txt")
}

/// The harness: runs until killed (or, with `drain`, until the outbox is empty).
#[test]
fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return; // Not a harness run: nothing to do.
    };
    let mut parts = spec.splitn(6, '|');
    let dir = PathBuf::from(parts.next().expect("dir"));
    let url = parts.next().expect("url").to_string();
    let token = parts.next().expect("token").to_string();
    let cycle: u32 = parts.next().expect("cycle").parse().expect("cycle number");
    let seed: u64 = parts.next().expect("seed").parse().expect("seed");
    let drain = parts.next() == Some("drain");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(harness(dir, url, token, cycle, seed, drain));
}

async fn harness(dir: PathBuf, url: String, token: String, cycle: u32, seed: u64, drain: bool) {
    // The harness's own choices: from the run's seed and the cycle, so a replay repeats them.
    let mut rng =
        StdRng::seed_from_u64(seed ^ u64::from(cycle).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut store = Store::open(&db_path(&dir)).expect("open store");
    store.recover_interrupted(0).expect("recover");
    let account = match store.accounts().expect("accounts").first() {
        Some(a) => a.id,
        None => store
            .insert_account(
                &NewAccount {
                    channel: ChannelKind::Telegram,
                    name: "Crash Bot".into(),
                    handle: None,
                    external_id: "110201543".into(),
                    is_demo: false,
                },
                0,
            )
            .expect("account"),
    };
    send_held_anyway(&mut store).expect("send anyway");
    // Durability, not the frequency caps (issue 18), is under test: the harness's rules may
    // write to a customer as often as it likes.
    store
        .set_outbound_settings(
            &parley_domain::OutboundSettings {
                automated_per_day: 10_000,
                automated_per_week: 10_000,
                ..Default::default()
            },
            0,
        )
        .expect("caps");
    let db = Db::new(store);
    let channel = TelegramChannel::new(&url, &token)
        .expect("client")
        .with_timeouts(Duration::from_secs(2), Duration::from_secs(2));
    let (events, _) = tokio::sync::broadcast::channel(4096);
    let handle = AccountRunner {
        account,
        channel: Arc::new(channel),
        db: db.clone(),
        clock: Arc::new(SystemClock),
        events,
        long_poll: Duration::from_millis(500),
        policy: Arc::new(parley_sync::NoPolicy),
    }
    .spawn();
    if drain {
        for _ in 0..3000 {
            // Still the agent: a reply held while draining is sent anyway too, so every reply
            // ends sent (or uncertain), and the final check covers them all.
            db.call(send_held_anyway).await.expect("send anyway");
            // Done when nothing is due or in flight; replies behind a held one stay queued.
            let busy = db
                .call(move |s| {
                    let due = !s.due_outbox(account, i64::MAX, 1)?.is_empty();
                    let in_flight = s.list_threads(None, 50)?.threads.iter().any(|t| {
                        s.messages(t.id, None, 1000).is_ok_and(|p| {
                            p.messages
                                .iter()
                                .any(|m| m.delivery == parley_domain::DeliveryState::Sending)
                        })
                    });
                    Ok(due || in_flight)
                })
                .await
                .expect("outbox");
            if !busy {
                return;
            }
            handle.wake_outbox();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the outbox did not drain");
    }
    let mut journal = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(journal_path(&dir))
        .expect("journal");
    // A line is written (and synced) only after the store call returned: it means "committed".
    // Each line goes out in one write(2), which SIGKILL cannot split (`writeln!` would issue one
    // write per fragment, and a kill between them would glue two cycles' lines together).
    let mut note = |line: String| {
        journal
            .write_all(format!("{line}\n").as_bytes())
            .expect("journal write");
        journal.sync_data().expect("journal sync");
    };
    let mut n = 0u32;
    loop {
        let threads: Vec<ThreadId> = db
            .call(|s| s.list_threads(None, 50))
            .await
            .expect("threads")
            .threads
            .into_iter()
            .map(|t| t.id)
            .collect();
        if threads.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let (pick, queue, automated, pause) = (
            rng.random_range(0..threads.len()),
            rng.random_bool(0.3),
            rng.random_bool(0.15),
            rng.random_range(30..200),
        );
        let thread = threads[pick];
        n += 1;
        let text = format!("reply c{cycle} n{n}");
        let t = text.clone();
        db.call(move |s| s.save_draft(thread, &t, 1))
            .await
            .expect("draft");
        note(format!("D\t{}\t{text}", thread.0));
        if queue {
            let t = text.clone();
            db.call(move |s| s.queue_reply(thread, &t, "Crash Bot", 2))
                .await
                .expect("queue");
            note(format!("Q\t{}\t{text}", thread.0));
            handle.wake_outbox();
        }
        if automated {
            // A rule's message: through the same outbox, the draft untouched.
            let text = format!("auto c{cycle} n{n}");
            let t = text.clone();
            let by = AutomatedBy::new(AutomationKind::Greeting, "Greeting");
            db.call(move |s| s.queue_automated(thread, &t, &by, None, 2))
                .await
                .expect("queue automated");
            note(format!("A\t{}\t{text}", thread.0));
            handle.wake_outbox();
        }
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

/// Acting as the agent: held replies (a customer wrote meanwhile) are sent anyway, so the
/// threads they block keep flowing. Never "send again": uncertain replies stay uncertain.
fn send_held_anyway(store: &mut Store) -> Result<(), parley_store::StoreError> {
    let mut held = Vec::new();
    for t in store.list_threads(None, 50)?.threads {
        held.extend(
            store
                .messages(t.id, None, 1000)?
                .messages
                .into_iter()
                .filter(|m| m.delivery == parley_domain::DeliveryState::Held)
                .map(|m| m.id),
        );
    }
    for m in held {
        store.outbox_send_anyway(m, 3)?;
    }
    Ok(())
}

fn run_child(
    dir: &Path,
    fake: &FakeTelegram,
    cycle: u32,
    seed: u64,
    drain: bool,
) -> std::process::Child {
    let spec = format!(
        "{}|{}|{}|{cycle}|{seed}|{}",
        dir.display(),
        fake.base_url(),
        fake.token(),
        if drain { "drain" } else { "run" }
    );
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "crash::crash_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, spec)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn harness")
}

/// A check that did not hold: what, and which reply (when it is about one).
struct Failure {
    reply: Option<String>,
    message: String,
}

/// Returns a [`Failure`] from the enclosing function when `$cond` does not hold.
macro_rules! check {
    ($cond:expr, $reply:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(Failure {
                reply: $reply,
                message: format!($($fmt)+),
            });
        }
    };
}

struct Db2 {
    drafts: HashMap<i64, String>,
    /// body → (state, resends)
    outbox: HashMap<String, (String, i64)>,
    /// body → (thread, outbox id)
    placed: HashMap<String, (i64, i64)>,
}

fn inspect(dir: &Path) -> Result<Db2, Failure> {
    let conn = rusqlite::Connection::open(db_path(dir)).expect("open");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    check!(integrity == "ok", None, "integrity_check: {integrity}");
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("foreign_key_check");
    check!(fk == 0, None, "{fk} foreign key violations");
    let mut drafts = HashMap::new();
    let mut stmt = conn
        .prepare("SELECT thread_id, body FROM drafts")
        .expect("drafts");
    for row in stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .expect("query")
    {
        let (t, b) = row.expect("row");
        drafts.insert(t, b);
    }
    let mut outbox = HashMap::new();
    let mut placed = HashMap::new();
    let mut stmt = conn
        .prepare("SELECT body, state, resends, thread_id, id FROM outbox")
        .expect("outbox");
    for row in stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .expect("query")
    {
        let (b, s, n, t, id) = row.expect("row");
        placed.insert(b.clone(), (t, id));
        let first = outbox.insert(b.clone(), (s, n)).is_none();
        check!(first, Some(b.clone()), "reply {b:?} queued twice");
    }
    // Every outbound echo has its outbox item and vice versa (nothing half-written).
    let orphans: i64 = conn
        .query_row(
            "SELECT count(*) FROM messages m WHERE m.direction = 'outbound'
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id)",
            [],
            |r| r.get(0),
        )
        .expect("orphans");
    check!(
        orphans == 0,
        None,
        "{orphans} outbound messages without an outbox item"
    );
    Ok(Db2 {
        drafts,
        outbox,
        placed,
    })
}

/// The (cycle, number) a harness text was written in, for "is this one newer".
fn order(text: &str) -> (u32, u32) {
    let mut words = text.split(' ').skip(1);
    let mut num = |prefix: char| {
        words
            .next()
            .and_then(|w| w.strip_prefix(prefix))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    let cycle = num('c');
    (cycle, num('n'))
}

/// Checks the journal against the store, and every send the fake ever accepted against the
/// outbox. Returns how many times each text was sent.
fn verify(dir: &Path, fake: &FakeTelegram, db: &Db2) -> Result<BTreeMap<String, u64>, Failure> {
    let journal = std::fs::read_to_string(journal_path(dir)).unwrap_or_default();
    let mut last_draft: HashMap<i64, String> = HashMap::new();
    let mut queued = 0;
    for line in journal.lines() {
        let mut f = line.splitn(3, '\t');
        let (kind, thread, text) = (
            f.next().expect("kind"),
            f.next().expect("thread").parse::<i64>().expect("thread id"),
            f.next().expect("text").to_string(),
        );
        match kind {
            "D" => {
                last_draft.insert(thread, text);
            }
            "Q" | "A" => {
                queued += 1;
                check!(
                    db.outbox.contains_key(&text),
                    Some(text.clone()),
                    "queued reply {text:?} was lost"
                );
            }
            other => panic!("bad journal line {other}"),
        }
    }
    for (thread, text) in &last_draft {
        // A later draft of the thread may have been committed just before the kill, without its
        // journal line: it replaces this one legitimately.
        let newer = |other: &String| order(other) >= order(text);
        let kept = db.drafts.get(thread).is_some_and(newer)
            || db.outbox.contains_key(text)
            || db
                .placed
                .iter()
                .any(|(body, (t, _))| t == thread && body.starts_with("reply") && newer(body));
        check!(
            kept,
            Some(text.clone()),
            "draft {text:?} of thread {thread} was lost (drafts {:?}, journal in {})",
            db.drafts,
            dir.display()
        );
    }
    let sent = fake.sent_counts();
    for (text, count) in &sent {
        let Some((state, resends)) = db.outbox.get(text) else {
            return Err(Failure {
                reply: Some(text.clone()),
                message: format!("the fake received {text:?}, which was never queued"),
            });
        };
        let allowed = 1 + u64::try_from(*resends).unwrap_or(0);
        check!(
            *count <= allowed,
            Some(text.clone()),
            "{text:?} was sent {count} times (state {state}, {resends} resends)"
        );
    }
    for (text, (state, _)) in &db.outbox {
        // "sent" means the provider confirmed it: the fake must have it.
        check!(
            state != "sent" || sent.contains_key(text),
            Some(text.clone()),
            "{text:?} is marked sent but the fake never received it"
        );
    }
    check!(
        queued <= db.outbox.len(),
        None,
        "{queued} queued in the journal, {} in the outbox",
        db.outbox.len()
    );
    Ok(sent)
}

/// Each reply's states as the checks saw them: (cycle, state, resends, times the fake had it),
/// one entry per change.
#[derive(Default)]
struct History(HashMap<String, Vec<(u32, String, i64, u64)>>);

impl History {
    fn record(&mut self, cycle: u32, db: &Db2, sent: &BTreeMap<String, u64>) {
        for (body, (state, resends)) in &db.outbox {
            let now = (
                cycle,
                state.clone(),
                *resends,
                sent.get(body).copied().unwrap_or(0),
            );
            let seen = self.0.entry(body.clone()).or_default();
            if seen
                .last()
                .is_none_or(|last| (&last.1, last.2, last.3) != (&now.1, now.2, now.3))
            {
                seen.push(now);
            }
        }
    }

    fn of(&self, reply: &str) -> String {
        let (cycle, n) = order(reply);
        let mut out = format!("  written in cycle {cycle} (its harness's reply number {n})\n");
        for (cycle, state, resends, sent) in self.0.get(reply).map_or(&[][..], Vec::as_slice) {
            out.push_str(&format!(
                "  after cycle {cycle}: {state}, {resends} resends, the fake has it {sent} times\n"
            ));
        }
        out
    }
}

/// The checks after one cycle; what they saw goes into the history first, so a failure's
/// history ends with the state that failed.
fn check_cycle(
    dir: &Path,
    fake: &FakeTelegram,
    cycle: u32,
    history: &mut History,
) -> Result<(Db2, BTreeMap<String, u64>), Failure> {
    let db = inspect(dir)?;
    history.record(cycle, &db, &fake.sent_counts());
    let sent = verify(dir, fake, &db)?;
    Ok((db, sent))
}

/// The run's seed: `PARLEY_CRASH_SEED`, or a new one.
fn seed() -> u64 {
    std::env::var("PARLEY_CRASH_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| rand::rng().random())
}

#[test]
fn kill_nine_while_flushing_loses_nothing_and_sends_nothing_twice() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let cycles: u32 = std::env::var("PARLEY_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed = seed();
    eprintln!("crash test: seed {seed}, {cycles} cycles (replay with PARLEY_CRASH_SEED={seed})");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let fake = rt
        .block_on(FakeTelegram::start(FakeTelegramConfig::default()))
        .expect("fake");
    let _guard = rt.enter();
    for i in 0..CUSTOMERS {
        let c = fake.customer(&format!("Customer{i}"), None, None);
        fake.inject_text(&c, "hello").expect("inject");
    }
    let customers = fake.customers();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = if std::env::var_os("PARLEY_CRASH_KEEP").is_some() {
        tempfile::TempDir::with_prefix("parley-crash-")
            .expect("tempdir")
            .keep()
    } else {
        tmp.path().to_path_buf()
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let mut history = History::default();
    let fail = |history: &History, cycle: u32, f: Failure| -> ! {
        let about = f
            .reply
            .as_deref()
            .map(|r| format!("\nhistory of {r:?}:\n{}", history.of(r)))
            .unwrap_or_default();
        panic!(
            "cycle {cycle}: {}{about}\nseed {seed}: replay with PARLEY_CRASH_SEED={seed} \
             PARLEY_CRASH_CYCLES={cycles} (workspace {}, kept with PARLEY_CRASH_KEEP=1)",
            f.message,
            dir.display()
        )
    };
    for cycle in 0..cycles {
        // Some cycles also lose answers, fail sends or have customers write while replies wait.
        match rng.random_range(0..9) {
            0 => fake.inject_fault("sendMessage", Fault::AcceptThenDrop, 1),
            1 => fake.inject_fault("sendMessage", Fault::ServerError { status: 502 }, 2),
            2 => fake.inject_fault("getUpdates", Fault::ServerError { status: 503 }, 3),
            3 => {
                let c = &customers[rng.random_range(0..customers.len())];
                fake.inject_text(c, "are you there?").expect("inject");
            }
            _ => {}
        }
        let kill_after = Duration::from_millis(rng.random_range(200..1500));
        let mut child = run_child(dir.as_path(), &fake, cycle, seed, false);
        std::thread::sleep(kill_after);
        child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix.
        let status = child.wait().expect("wait");
        assert!(!status.success(), "the harness exited by itself: {status}");
        if let Err(f) = check_cycle(dir.as_path(), &fake, cycle, &mut history) {
            fail(&history, cycle, f);
        }
    }
    // Last, a run that is not killed: everything waiting leaves, exactly once.
    let mut child = run_child(dir.as_path(), &fake, cycles, seed, true);
    let status = child.wait().expect("wait");
    assert!(status.success(), "drain run failed: {status}");
    let (db, sent) = match check_cycle(dir.as_path(), &fake, cycles, &mut history) {
        Ok(checked) => checked,
        Err(f) => fail(&history, cycles, f),
    };
    let mut stats: BTreeMap<String, usize> = BTreeMap::new();
    for (body, (state, _)) in &db.outbox {
        *stats.entry(state.clone()).or_default() += 1;
        let (thread, id) = db.placed[body];
        let behind_held = db.outbox.iter().any(|(b, (s, _))| {
            let (t, i) = db.placed[b];
            s == "held" && t == thread && i < id
        });
        let times = sent.get(body).copied().unwrap_or(0);
        let settled = match state.as_str() {
            "sent" => times == 1,
            "uncertain" => times <= 1,
            "held" | "failed" => true,
            "queued" | "retrying" => behind_held,
            _ => false,
        };
        if !settled {
            let f = Failure {
                reply: Some(body.clone()),
                message: format!("{body:?} left {state} after the drain, sent {times} times"),
            };
            fail(&history, cycles, f);
        }
    }
    eprintln!(
        "crash test: seed {seed}, {cycles} kill -9 cycles, {} replies queued, {} sends received \
         by the fake, final states {stats:?}",
        db.outbox.len(),
        sent.values().sum::<u64>()
    );
    assert!(
        stats.get("sent").copied().unwrap_or(0) > 0,
        "nothing was ever sent"
    );
}
