//! The zone's offsets over a period and export file names.

use super::export::safe_name;
use super::metrics::local_offsets;
use jiff::tz::TimeZone;

const HOUR: i64 = 3_600_000;

#[test]
fn offsets_follow_daylight_saving_within_the_period() {
    let tz = TimeZone::get("Europe/Berlin").expect("zone");
    // 2026-03-01 to 2026-04-01: one change, at 2026-03-29 01:00 UTC, from +1 to +2.
    let (from, to) = (1_772_323_200_000, 1_775_001_600_000);
    let o = local_offsets(&tz, from, to);
    assert_eq!(o.zone, "Europe/Berlin");
    assert_eq!(
        o.spans,
        vec![(i64::MIN, HOUR), (1_774_746_000_000, 2 * HOUR)]
    );
    // A year holds both changes.
    let year = local_offsets(&tz, 1_767_225_600_000, 1_798_761_600_000);
    assert_eq!(year.spans.len(), 3);
    assert_eq!(year.spans[2].1, HOUR);
    // A zone without daylight saving has one span.
    let kolkata = local_offsets(&TimeZone::get("Asia/Kolkata").expect("zone"), from, to);
    assert_eq!(kolkata.spans, vec![(i64::MIN, 5 * HOUR + 30 * 60_000)]);
}

#[test]
fn export_names_are_safe() {
    assert_eq!(safe_name("Anna Schmidt"), "Anna-Schmidt");
    assert_eq!(safe_name("../../etc/passwd"), "etc-passwd");
    assert_eq!(safe_name("<script>"), "script");
    assert_eq!(safe_name("///"), "conversations");
    assert_eq!(safe_name("مرحبا 你好"), "مرحبا-你好");
}

/// Business hours as the review counts them: Monday to Friday 09:00–17:00 in Berlin, Good
/// Friday 2026 a holiday; the hand-computed open time between two civil times.
mod business_hours {
    use crate::automation::schedule::open_intervals;
    use parley_domain::{BusinessHours, Holiday, Millis, OpenSpan};
    use parley_store::Calendar;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;

    fn berlin(y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Millis {
        jiff::civil::date(y, mo, d)
            .at(h, mi, 0, 0)
            .in_tz("Europe/Berlin")
            .expect("zone")
            .timestamp()
            .as_millisecond()
    }

    fn schedule(extra: &[(u8, u16, u16)]) -> BusinessHours {
        BusinessHours {
            time_zone: "Europe/Berlin".into(),
            spans: (1..=5)
                .map(|weekday| (weekday, 9 * 60, 17 * 60))
                .chain(extra.iter().copied())
                .map(|(weekday, start_minute, end_minute)| OpenSpan {
                    weekday,
                    start_minute,
                    end_minute,
                })
                .collect(),
            holidays: vec![Holiday {
                date: "2026-04-03".into(),
                name: "Good Friday".into(),
            }],
        }
    }

    fn calendar(hours: &BusinessHours) -> Calendar {
        Calendar::new(open_intervals(
            hours,
            berlin(2026, 3, 1, 0, 0),
            berlin(2026, 4, 30, 0, 0),
        ))
    }

    #[test]
    fn open_time_across_daylight_saving_a_holiday_and_a_weekend() {
        let c = calendar(&schedule(&[]));
        // The DST week: Friday 27 March 16:00 (+1) to Monday 30 March 10:00 (+2): one hour on
        // Friday, one on Monday, though 65 hours passed.
        let (fri, mon) = (berlin(2026, 3, 27, 16, 0), berlin(2026, 3, 30, 10, 0));
        assert_eq!(mon - fri, 65 * HOUR);
        assert_eq!(c.open_ms(fri, mon), 2 * HOUR);
        // The whole week after the change: five days of eight hours.
        assert_eq!(
            c.open_ms(berlin(2026, 3, 30, 0, 0), berlin(2026, 4, 6, 0, 0)),
            4 * 8 * HOUR,
            "Good Friday is closed"
        );
        // Thursday 2 April 16:30 answered on Easter Monday 6 April 09:30 (no holiday set for
        // it): half an hour each side of the closed Good Friday and weekend.
        assert_eq!(
            c.open_ms(berlin(2026, 4, 2, 16, 30), berlin(2026, 4, 6, 9, 30)),
            HOUR
        );
        // A message on Saturday 21 March at 11:00 answered on Monday 23 at 09:45: 45 minutes.
        assert_eq!(
            c.open_ms(berlin(2026, 3, 21, 11, 0), berlin(2026, 3, 23, 9, 45)),
            45 * MIN
        );
        // Written and answered while closed: nothing.
        assert_eq!(
            c.open_ms(berlin(2026, 3, 27, 18, 0), berlin(2026, 3, 27, 23, 0)),
            0
        );
    }

    #[test]
    fn a_whole_day_open_over_the_change_has_its_23_or_25_hours() {
        // Open all Sunday: 29 March 2026 (spring forward) and 25 October 2026 (fall back).
        let hours = schedule(&[(7, 0, 24 * 60)]);
        let c = Calendar::new(open_intervals(
            &hours,
            berlin(2026, 3, 1, 0, 0),
            berlin(2026, 11, 1, 0, 0),
        ));
        let day = |m, d| c.open_ms(berlin(2026, m, d, 0, 0), berlin(2026, m, d + 1, 0, 0));
        assert_eq!(day(3, 29), 23 * HOUR);
        assert_eq!(day(10, 25), 25 * HOUR);
        assert_eq!(day(3, 22), 24 * HOUR);
        // Saturday to Monday 10:00 counts Sunday's 23 hours and Monday's one.
        assert_eq!(
            c.open_ms(berlin(2026, 3, 28, 12, 0), berlin(2026, 3, 30, 10, 0)),
            24 * HOUR
        );
    }
}
