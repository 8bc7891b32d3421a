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
    };
    let m = s
        .metrics(&q, &targets_from_json(None), &berlin())
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
        .metrics(&only_mail, &targets_from_json(None), &berlin())
        .expect("metrics");
    assert_eq!((m.started, m.resolved, m.first_response.count), (1, 0, 1));
    // A tighter email target moves the share.
    let tight = targets_from_json(Some(r#"{"email": 60}"#));
    let m = s.metrics(&only_mail, &tight, &berlin()).expect("metrics");
    assert_eq!(m.within_target[0].within, 0);
    assert!(
        s.metrics(&MetricsQuery { to: q.from, ..q }, &tight, &berlin())
            .is_err()
    );
}
