//! Metrics against hand-computed fixtures: percentiles, reopened conversations, targets,
//! local days and hours across a daylight-saving change.

use super::{LocalOffsets, civil_day, stats_of_sorted};
use crate::Store;
use crate::review::targets_from_json;
use crate::review::tests::{ingest, outbound};
use crate::test_support::{account, inbound};
use parley_domain::*;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

/// 2026-03-29 00:00 UTC: Europe/Berlin moves from +1 to +2 at 01:00 UTC that day.
const MAR29: Millis = 1_774_742_400_000;

fn berlin() -> LocalOffsets {
    LocalOffsets {
        zone: "Europe/Berlin".into(),
        spans: vec![(i64::MIN, HOUR), (MAR29 + HOUR, 2 * HOUR)],
    }
}

#[test]
fn days_and_percentiles_are_computed_by_hand() {
    assert_eq!(civil_day(0), "1970-01-01");
    assert_eq!(civil_day(MAR29 / 86_400_000), "2026-03-29");
    assert_eq!(civil_day(-1), "1969-12-31");
    let s = stats_of_sorted(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!((s.count, s.median_ms, s.p90_ms), (10, Some(5), Some(9)));
    let one = stats_of_sorted(&[7]);
    assert_eq!((one.median_ms, one.p90_ms), (Some(7), Some(7)));
    assert_eq!(stats_of_sorted(&[]).median_ms, None);
}

#[test]
fn the_metrics_of_a_period_across_daylight_saving() {
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    let mail = account(&mut s, ChannelKind::Email, "shop@example.com");
    // Saturday 2026-03-28 23:30 UTC = Sunday 00:30 in Berlin (+1): answered in 10 minutes.
    let a = ingest(
        &mut s,
        tg,
        vec![
            inbound("1", "q", "hi", MAR29 - 30 * MIN),
            outbound("1", "r", "hello", MAR29 - 20 * MIN),
        ],
    )[0];
    // Sunday 00:30 UTC = 01:30 (+1): answered in 40 minutes (late for Telegram's 30).
    let b = ingest(
        &mut s,
        tg,
        vec![
            inbound("2", "q", "hi", MAR29 + 30 * MIN),
            outbound("2", "r", "hello", MAR29 + 70 * MIN),
        ],
    )[0];
    // Sunday 01:30 UTC = 03:30 (+2, after the change): never answered.
    ingest(&mut s, tg, vec![inbound("3", "q", "hi", MAR29 + 90 * MIN)]);
    // An email on Monday 2026-03-30 08:00 UTC = 10:00 (+2), answered in 3 hours (within 4).
    ingest(
        &mut s,
        mail,
        vec![
            inbound("4", "q", "hello", MAR29 + 32 * HOUR),
            outbound("4", "r", "hi", MAR29 + 35 * HOUR),
        ],
    );
    // Conversation b is resolved, reopened by the customer and resolved again: it counts once,
    // from the customer's first message to the last resolution (5 hours).
    let resolve = ThreadChange::Resolve { send_queued: None };
    s.change_threads(&[b], &resolve, MAR29 + 2 * HOUR)
        .expect("resolve");
    ingest(
        &mut s,
        tg,
        vec![inbound("2", "q2", "one more thing", MAR29 + 3 * HOUR)],
    );
    s.change_threads(&[b], &resolve, MAR29 + 30 * MIN + 5 * HOUR)
        .expect("resolve");
    s.change_threads(&[a], &resolve, MAR29 + 30 * MIN)
        .expect("resolve");

    let q = MetricsQuery {
        from: MAR29 - HOUR,
        to: MAR29 + 48 * HOUR,
        channels: vec![],
        accounts: vec![],
        business_hours: false,
    };
    let m = s
        .metrics(&q, &targets_from_json(None), &berlin(), None)
        .expect("metrics");
    assert_eq!(m.started, 4);
    assert_eq!(m.resolved, 2);
    assert_eq!(m.unanswered, 1);
    // First responses: 10, 40, 180 minutes.
    assert_eq!(m.first_response.count, 3);
    assert_eq!(m.first_response.median_ms, Some(40 * MIN));
    assert_eq!(m.first_response.p90_ms, Some(180 * MIN));
    // Resolutions: a in 60 minutes, b in 5 hours.
    assert_eq!(m.resolution.median_ms, Some(60 * MIN));
    assert_eq!(m.resolution.p90_ms, Some(5 * HOUR));
    // Messages: 2 + 3 + 1 + 2 over 4 conversations.
    assert!((m.messages_per_conversation - 2.0).abs() < 1e-9);
    let tg_share = m
        .within_target
        .iter()
        .find(|x| x.channel == ChannelKind::Telegram)
        .expect("tg");
    assert_eq!(
        (tg_share.answered, tg_share.within, tg_share.target_minutes),
        (2, 1, 30)
    );
    let mail_share = m
        .within_target
        .iter()
        .find(|x| x.channel == ChannelKind::Email)
        .expect("mail");
    assert_eq!((mail_share.answered, mail_share.within), (1, 1));
    // Local days: three Telegram conversations on Sunday, the email on Monday.
    let days: Vec<(&str, ChannelKind, i64)> = m
        .per_day
        .iter()
        .map(|d| (d.day.as_str(), d.channel, d.conversations))
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-03-29", ChannelKind::Telegram, 3),
            ("2026-03-30", ChannelKind::Email, 1)
        ]
    );
    // Sunday (index 6) at 00, 01 and 03 local (02 does not exist that night); Monday 10.
    assert_eq!(m.heatmap[6][0], 1);
    assert_eq!(m.heatmap[6][1], 1);
    assert_eq!(m.heatmap[6][2], 0);
    assert_eq!(m.heatmap[6][3], 1);
    assert_eq!(m.heatmap[0][10], 1);
    assert_eq!(m.heatmap.iter().flatten().sum::<i64>(), 4);

    // The scope narrows everything.
    let only_mail = MetricsQuery {
        channels: vec![ChannelKind::Email],
        ..q.clone()
    };
    let m = s
        .metrics(&only_mail, &targets_from_json(None), &berlin(), None)
        .expect("metrics");
    assert_eq!((m.started, m.resolved, m.first_response.count), (1, 0, 1));
    // A tighter email target moves the share.
    let tight = targets_from_json(Some(r#"{"email": 60}"#));
    let m = s
        .metrics(&only_mail, &tight, &berlin(), None)
        .expect("metrics");
    assert_eq!(m.within_target[0].within, 0);
    assert!(
        s.metrics(&MetricsQuery { to: q.from, ..q }, &tight, &berlin(), None)
            .is_err()
    );
}

/// Counted in business hours: open [T, T+1h) and [T+48h, T+50h) only (a calendar the core
/// would build from a schedule), Telegram's target 90 minutes.
#[test]
fn business_hours_count_only_the_open_time() {
    use crate::open_hours::{Calendar, OpenHours};
    const T: Millis = MAR29 + 8 * HOUR;
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    // Written in the first open hour, answered 48 hours later: one open hour.
    let answered = ingest(
        &mut s,
        tg,
        vec![
            inbound("1", "q", "hi", T + 30 * MIN),
            outbound("1", "r", "hello", T + 48 * HOUR + 30 * MIN),
        ],
    )[0];
    s.change_threads(
        &[answered],
        &ThreadChange::Resolve { send_queued: None },
        T + 49 * HOUR,
    )
    .expect("resolve");
    // Written half an hour before closing, not answered by T+100h: half an open hour.
    let waiting = ingest(
        &mut s,
        tg,
        vec![inbound("2", "q", "hi", T + 49 * HOUR + 30 * MIN)],
    )[0];
    let hours = OpenHours {
        workspace: Calendar::new(vec![(T, T + HOUR), (T + 48 * HOUR, T + 50 * HOUR)]),
        accounts: Default::default(),
    };
    let targets = targets_from_json(Some(r#"{"telegram": 90}"#));
    let q = MetricsQuery {
        from: T - HOUR,
        to: T + 60 * HOUR,
        channels: vec![],
        accounts: vec![],
        business_hours: true,
    };
    let wall = s.metrics(&q, &targets, &berlin(), None).expect("metrics");
    assert!(!wall.business_hours);
    assert_eq!(wall.first_response.median_ms, Some(48 * HOUR));
    assert_eq!(wall.resolution.median_ms, Some(48 * HOUR + 30 * MIN));
    assert_eq!(wall.within_target[0].within, 0);
    let open = s
        .metrics(&q, &targets, &berlin(), Some(&hours))
        .expect("metrics");
    assert!(open.business_hours);
    assert_eq!(open.first_response.median_ms, Some(HOUR));
    // From T+30m to T+49h: 30 minutes, then one hour of the second opening.
    assert_eq!(open.resolution.median_ms, Some(90 * MIN));
    assert_eq!(
        (open.within_target[0].answered, open.within_target[0].within),
        (1, 1)
    );

    // "Slower than the target", at T+100h.
    let slow = |business_hours| {
        let f = ReviewFilter {
            slow_only: true,
            business_hours,
            ..ReviewFilter::default()
        };
        s.review_page(&f, &targets, T + 100 * HOUR, None, 10)
            .expect("page")
            .rows
            .iter()
            .map(|r| (r.thread_id, r.slow))
            .collect::<Vec<_>>()
    };
    assert_eq!(slow(false), vec![(waiting, true), (answered, true)]);
    s.set_open_hours(std::sync::Arc::new(hours))
        .expect("calendar");
    assert_eq!(slow(true), vec![]);
    // A tighter target (20 minutes): both late in open hours too.
    let tight = targets_from_json(Some(r#"{"telegram": 20}"#));
    let f = ReviewFilter {
        slow_only: true,
        business_hours: true,
        ..ReviewFilter::default()
    };
    let rows = s
        .review_page(&f, &tight, T + 100 * HOUR, None, 10)
        .expect("page")
        .rows;
    assert_eq!(rows.len(), 2);
}

/// The review list's sort by first response and an export's rows count business hours too
/// when asked: a reply after 46 wall-clock hours that took one open hour comes before one
/// after two wall-clock hours, all of them open.
#[test]
fn business_hours_order_the_first_response_sort_and_flag_exported_rows() {
    use crate::open_hours::{Calendar, OpenHours};
    const T: Millis = MAR29 + 8 * HOUR;
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "bot");
    // Open [T, T+3h) and [T+48h, T+50h).
    let hours = OpenHours {
        workspace: Calendar::new(vec![(T, T + 3 * HOUR), (T + 48 * HOUR, T + 50 * HOUR)]),
        accounts: Default::default(),
    };
    // Written at T+2h30, answered at T+48h30: 46 hours, one open hour (30 minutes each side).
    let overnight = ingest(
        &mut s,
        tg,
        vec![
            inbound("1", "q", "hi", T + 2 * HOUR + 30 * MIN),
            outbound("1", "r", "hello", T + 48 * HOUR + 30 * MIN),
        ],
    )[0];
    // Written at T, answered at T+2h: two hours, all open.
    let same_day = ingest(
        &mut s,
        tg,
        vec![
            inbound("2", "q", "hi", T),
            outbound("2", "r", "hello", T + 2 * HOUR),
        ],
    )[0];
    let targets = targets_from_json(Some(r#"{"telegram": 90}"#));
    let now = T + 100 * HOUR;
    let sorted = |s: &Store, business_hours| {
        let f = ReviewFilter {
            sort: ReviewSort::FirstResponse,
            descending: false,
            business_hours,
            ..ReviewFilter::default()
        };
        // One row a page: the keyset cursor must follow the same key as the order.
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = s.review_page(&f, &targets, now, after, 1).expect("page");
            out.extend(page.rows.iter().map(|r| (r.thread_id, r.first_response_ms)));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        out
    };
    assert_eq!(
        sorted(&s, false),
        vec![(same_day, Some(2 * HOUR)), (overnight, Some(46 * HOUR))]
    );
    s.set_open_hours(std::sync::Arc::new(hours))
        .expect("calendar");
    assert_eq!(
        sorted(&s, true),
        vec![(overnight, Some(HOUR)), (same_day, Some(2 * HOUR))]
    );

    // An export's rows: wall-clock, both late (target 90 minutes); in open hours only the
    // same-day answer is.
    let flags = |business_hours| {
        s.export_batch(&[overnight, same_day], &targets, now, business_hours)
            .expect("batch")
            .iter()
            .map(|c| (c.row.slow, c.row.first_response_ms))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        flags(false),
        vec![(true, Some(46 * HOUR)), (true, Some(2 * HOUR))]
    );
    assert_eq!(
        flags(true),
        vec![(false, Some(HOUR)), (true, Some(2 * HOUR))]
    );
}
