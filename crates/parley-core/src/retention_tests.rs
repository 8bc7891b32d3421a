//! Retention through the core: the cut-off in the agent's zone (DST, month ends, the same
//! instant in three zones), exactly the right conversations going, the confirmed preview's
//! count, the daily pass, an interrupted run finished, the downloaded files removed.

use super::*;
use crate::{CoreConfig, DemoMode, MemorySecrets, Paths};
use parley_store::NewAccount;
use std::sync::atomic::{AtomicI64, Ordering};

fn at(zone: &str, civil: &str) -> Millis {
    let dt: jiff::civil::DateTime = civil.parse().expect("civil");
    dt.to_zoned(TimeZone::get(zone).expect("zone"))
        .expect("zoned")
        .timestamp()
        .as_millisecond()
}

fn utc(s: &str) -> Millis {
    s.parse::<Timestamp>().expect("ts").as_millisecond()
}

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).expect("zone")
}

#[test]
fn the_cutoff_is_calendar_months_in_the_agents_zone() {
    let berlin = zone("Europe/Berlin");
    // Across the spring clock change: the same wall-clock noon a month earlier, an hour later
    // in UTC than a month of UTC days would say.
    assert_eq!(
        cutoff(utc("2026-04-15T10:00:00Z"), 1, &berlin),
        utc("2026-03-15T11:00:00Z")
    );
    // Month ends: 31 March less one month is the last day of February.
    assert_eq!(
        cutoff(at("Europe/Berlin", "2026-03-31T10:00"), 1, &berlin),
        at("Europe/Berlin", "2026-02-28T10:00")
    );
    assert_eq!(
        cutoff(at("Europe/Berlin", "2024-03-31T10:00"), 1, &berlin),
        at("Europe/Berlin", "2024-02-29T10:00")
    );
    assert_eq!(
        cutoff(at("Europe/Berlin", "2024-02-29T10:00"), 12, &berlin),
        at("Europe/Berlin", "2023-02-28T10:00")
    );
    // A time the clock change skipped (02:30 on 29 March 2026 in Berlin) is the time after it.
    assert_eq!(
        cutoff(at("Europe/Berlin", "2026-04-29T02:30"), 1, &berlin),
        utc("2026-03-29T01:30:00Z")
    );
    // Across the autumn change (an hour repeated): the earlier of the two.
    assert_eq!(
        cutoff(at("Europe/Berlin", "2026-11-25T02:30"), 1, &berlin),
        utc("2026-10-25T00:30:00Z")
    );
    // Long spans.
    assert_eq!(
        cutoff(
            at("America/Los_Angeles", "2026-07-01T00:00"),
            120,
            &zone("America/Los_Angeles")
        ),
        at("America/Los_Angeles", "2016-07-01T00:00")
    );
}

struct TestClock(AtomicI64);

impl parley_sync::Clock for TestClock {
    fn now(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}

async fn start(dir: &std::path::Path, now: Millis) -> (Arc<Parley>, Arc<TestClock>) {
    let clock = Arc::new(TestClock(AtomicI64::new(now)));
    let mut config = CoreConfig::new(
        Paths {
            data_dir: dir.join("data"),
            config_dir: dir.join("config"),
            log_dir: dir.join("logs"),
        },
        Arc::new(MemorySecrets::default()),
    );
    config.clock = clock.clone();
    config.demo = DemoMode::Off;
    (Parley::start(config).await.expect("starts"), clock)
}

/// An account, and a conversation resolved at each of `resolved` (two messages each, the first
/// with a photo); their ids.
async fn seed(app: &Parley, resolved: &[Millis]) -> (AccountId, Vec<ThreadId>) {
    let resolved = resolved.to_vec();
    app.db
        .call(move |s| {
            let a = s.insert_account(
                &NewAccount {
                    channel: ChannelKind::Telegram,
                    name: "Shop".into(),
                    handle: None,
                    external_id: "777".into(),
                    is_demo: false,
                },
                0,
            )?;
            let mut threads = Vec::new();
            for (i, when) in resolved.iter().enumerate() {
                let customer = RemotePerson {
                    remote_id: format!("u{i}"),
                    display_name: format!("Customer {i}"),
                    handle: None,
                };
                let message = |n: i64| IncomingMessage {
                    remote_thread_id: format!("c{i}"),
                    remote_id: format!("c{i}:{n}"),
                    direction: Direction::Inbound,
                    sender: customer.clone(),
                    customer: customer.clone(),
                    text: format!("question {n}"),
                    attachments: if n == 0 {
                        vec![Attachment {
                            kind: AttachmentKind::Photo,
                            remote_ref: Some(format!("file{i}")),
                            file_name: Some("photo.jpg".into()),
                            mime_type: Some("image/jpeg".into()),
                            size: Some(3),
                            description: None,
                        }]
                    } else {
                        vec![]
                    },
                    sent_at: when - 86_400_000 + n,
                    reply_to_remote_id: None,
                    subject: None,
                    quoted_text: None,
                };
                let batch = IngestBatch {
                    messages: vec![message(0), message(1)],
                    ..Default::default()
                };
                let t = s.apply_batch(a, &batch, None, *when)?.changed_threads[0];
                s.change_threads(&[t], &ThreadChange::Resolve { send_queued: None }, *when)?;
                threads.push(t);
            }
            Ok((a, threads))
        })
        .await
        .expect("seed")
}

async fn left(app: &Parley, threads: &[ThreadId]) -> Vec<usize> {
    let ids = threads.to_vec();
    let found = app
        .db
        .call(move |s| s.thread_summaries(&ids))
        .await
        .expect("summaries");
    threads
        .iter()
        .enumerate()
        .filter(|(_, t)| found.iter().any(|f| f.id == **t))
        .map(|(i, _)| i)
        .collect()
}

/// The photo of conversation `i`'s first message, as the attachment cache files it.
fn photo(app: &Parley, i: usize) -> std::path::PathBuf {
    let dir = crate::files::account_files(&app.paths().attachments(), ChannelKind::Telegram, "777");
    crate::files::attachment_file(
        &dir,
        &format!("c{i}:0"),
        0,
        &format!("file{i}"),
        &crate::files::safe_file_name(Some("photo.jpg"), Some("image/jpeg")),
    )
}

#[tokio::test]
async fn the_same_instant_purges_what_each_zone_calls_a_month_ago() {
    // 05:00 UTC on 31 March 2026 is 22:00 on the 30th in Los Angeles, 07:00 in Berlin and
    // 14:00 in Tokyo: a month before is 28 February 22:00 PST, 07:00 CET and 14:00 JST.
    let now = utc("2026-03-31T05:00:00Z");
    let resolved = [
        utc("2026-02-28T04:59:00Z"), // before all three
        utc("2026-02-28T05:00:00Z"), // Tokyo's cut-off: stays there
        utc("2026-02-28T05:59:00Z"), // before Berlin's (06:00 UTC)
        utc("2026-02-28T06:00:00Z"), // Berlin's cut-off: stays there
        utc("2026-03-01T05:59:00Z"), // before Los Angeles's (06:00 UTC on 1 March)
        utc("2026-03-01T06:00:00Z"), // stays everywhere
    ];
    for (name, gone) in [
        ("Asia/Tokyo", vec![0]),
        ("Europe/Berlin", vec![0, 1, 2]),
        ("America/Los_Angeles", vec![0, 1, 2, 3, 4]),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        let (app, _clock) = start(dir.path(), now).await;
        let (account, threads) = seed(&app, &resolved).await;
        for i in 0..resolved.len() {
            let p = photo(&app, i);
            std::fs::create_dir_all(p.parent().expect("dir")).expect("mkdir");
            std::fs::write(&p, b"jpg").expect("photo");
        }
        let z = zone(name);
        let preview = app
            .preview_retention_in(account, 1, &z)
            .await
            .expect("preview");
        assert_eq!(
            (preview.conversations, preview.messages),
            (gone.len() as i64, 2 * gone.len() as i64),
            "{name}"
        );
        assert_eq!(preview.oldest_resolved_at, Some(resolved[0]));
        assert_eq!(
            preview.newest_resolved_at,
            Some(resolved[*gone.last().expect("one")])
        );
        let set = app
            .set_retention_in(account, Some(1), Some(preview.cutoff), &z)
            .await
            .expect("set");
        let run = set.last_run.expect("ran");
        assert_eq!(run.conversations, gone.len() as i64, "{name}");
        assert_eq!(run.finished_at, Some(now));
        assert_eq!(set.next_at, Some(now + DAY_MS));
        let kept: Vec<usize> = (0..resolved.len()).filter(|i| !gone.contains(i)).collect();
        assert_eq!(left(&app, &threads).await, kept, "{name}");
        for i in 0..resolved.len() {
            assert_eq!(
                photo(&app, i).exists(),
                kept.contains(&i),
                "{name}: photo {i}"
            );
        }
    }
}

#[tokio::test]
async fn a_confirmed_preview_cannot_reach_newer_conversations_and_off_deletes_nothing() {
    let now = utc("2026-06-15T12:00:00Z");
    let dir = tempfile::tempdir().expect("tmp");
    let (app, _clock) = start(dir.path(), now).await;
    let z = zone("UTC");
    let (account, threads) = seed(
        &app,
        &[utc("2026-01-10T00:00:00Z"), utc("2026-06-01T00:00:00Z")],
    )
    .await;
    // A cut-off later than six months allow is refused; none at all too.
    let err = app
        .set_retention_in(account, Some(6), Some(now), &z)
        .await
        .expect_err("too new");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(
        app.set_retention_in(account, Some(6), None, &z)
            .await
            .is_err()
    );
    assert!(
        app.set_retention_in(account, Some(0), Some(0), &z)
            .await
            .is_err()
    );
    assert_eq!(left(&app, &threads).await, vec![0, 1]);
    // Off: nothing goes, and the daily pass leaves it alone.
    let off = app
        .set_retention_in(account, None, None, &z)
        .await
        .expect("off");
    assert_eq!((off.months, off.next_at, off.last_run), (None, None, None));
    assert_eq!(app.retention_if_due_in(&z).await.expect("pass"), 0);
    assert_eq!(left(&app, &threads).await, vec![0, 1]);
}

#[tokio::test]
async fn the_daily_pass_deletes_what_crossed_the_line_and_finishes_an_interrupted_run() {
    let day0 = utc("2026-06-15T12:00:00Z");
    let dir = tempfile::tempdir().expect("tmp");
    let (app, clock) = start(dir.path(), day0).await;
    let z = zone("UTC");
    let (account, threads) = seed(
        &app,
        &[
            utc("2026-03-01T00:00:00Z"),
            utc("2026-03-15T18:00:00Z"),
            utc("2026-03-16T18:00:00Z"),
        ],
    )
    .await;
    let preview = app
        .preview_retention_in(account, 3, &z)
        .await
        .expect("preview");
    assert_eq!(preview.conversations, 1);
    app.set_retention_in(account, Some(3), Some(preview.cutoff), &z)
        .await
        .expect("set");
    assert_eq!(left(&app, &threads).await, vec![1, 2]);
    // Not due again before a day has passed.
    clock.0.store(day0 + DAY_MS - 1, Ordering::SeqCst);
    assert_eq!(app.retention_if_due_in(&z).await.expect("pass"), 0);
    assert_eq!(left(&app, &threads).await, vec![1, 2]);
    // A day later the second crossed the line (resolved before 16 March 12:00).
    clock.0.store(day0 + DAY_MS, Ordering::SeqCst);
    assert_eq!(app.retention_if_due_in(&z).await.expect("pass"), 1);
    assert_eq!(left(&app, &threads).await, vec![2]);
    // A run that a crash interrupted (opened, not finished): the next pass finishes it, its
    // cut-off kept, even though the policy is now off.
    let cut = utc("2026-04-01T00:00:00Z");
    let later = day0 + 2 * DAY_MS;
    clock.0.store(later, Ordering::SeqCst);
    app.db
        .call(move |s| {
            s.set_retention_months(account, None, later)?;
            s.begin_retention_run(account, cut, later)
        })
        .await
        .expect("open run");
    assert_eq!(app.retention_if_due_in(&z).await.expect("pass"), 1);
    assert!(left(&app, &threads).await.is_empty());
    let settings = app.retention_settings().await.expect("settings");
    let run = settings[0].last_run.clone().expect("run");
    assert_eq!(
        (run.conversations, run.finished_at, run.cutoff),
        (1, Some(later), cut)
    );
    assert!(!photo(&app, 2).exists());
}
