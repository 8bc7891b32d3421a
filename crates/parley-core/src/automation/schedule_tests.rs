//! Business hours against the clock: zones, DST in both directions, holidays, the words.

use super::*;
use parley_domain::Holiday;

/// Milliseconds of a civil time in a zone.
fn at(zone: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Millis {
    jiff::civil::date(y, mo, d)
        .at(h, mi, 0, 0)
        .in_tz(zone)
        .expect("zone")
        .timestamp()
        .as_millisecond()
}

fn utc(s: &str) -> Millis {
    s.parse::<Timestamp>().expect("timestamp").as_millisecond()
}

fn hours(zone: &str, spans: &[(u8, u16, u16)], holidays: &[&str]) -> BusinessHours {
    BusinessHours {
        time_zone: zone.into(),
        spans: spans
            .iter()
            .map(|&(weekday, start_minute, end_minute)| OpenSpan {
                weekday,
                start_minute,
                end_minute,
            })
            .collect(),
        holidays: holidays
            .iter()
            .map(|d| Holiday {
                date: (*d).into(),
                name: String::new(),
            })
            .collect(),
    }
}

fn weekdays_9_to_5(zone: &str, holidays: &[&str]) -> BusinessHours {
    let spans: Vec<(u8, u16, u16)> = (1..=5).map(|d| (d, 9 * 60, 17 * 60)).collect();
    hours(zone, &spans, holidays)
}

#[test]
fn open_and_closed_in_the_schedules_own_zone() {
    // 2026-03-02 is a Monday.
    let h = weekdays_9_to_5("Europe/Berlin", &[]);
    assert!(is_open(&h, at("Europe/Berlin", 2026, 3, 2, 9, 0)));
    assert!(is_open(&h, at("Europe/Berlin", 2026, 3, 2, 16, 59)));
    assert!(!is_open(&h, at("Europe/Berlin", 2026, 3, 2, 17, 0)));
    assert!(!is_open(&h, at("Europe/Berlin", 2026, 3, 2, 8, 59)));
    // 09:30 in New York is 15:30 in Berlin: open there.
    assert!(is_open(&h, at("America/New_York", 2026, 3, 2, 9, 30)));
    // Saturday.
    assert!(!is_open(&h, at("Europe/Berlin", 2026, 3, 7, 12, 0)));
}

#[test]
fn friday_evening_opens_on_monday_morning() {
    let h = weekdays_9_to_5("Europe/Berlin", &[]);
    let now = at("Europe/Berlin", 2026, 3, 6, 18, 0);
    let next = next_opening(&h, now).expect("opens");
    assert_eq!(next, at("Europe/Berlin", 2026, 3, 9, 9, 0));
    assert_eq!(opening_words(&h, next, now), "Monday 09:00 (Europe/Berlin)");
    assert_eq!(
        preview(&h, now).words,
        "We're closed now — we'll answer from Monday 09:00 (Europe/Berlin)."
    );
}

#[test]
fn the_next_opening_keeps_the_wall_clock_across_spring_forward() {
    // Berlin moves from UTC+1 to UTC+2 on Sunday 2026-03-29.
    let h = weekdays_9_to_5("Europe/Berlin", &[]);
    let saturday = at("Europe/Berlin", 2026, 3, 28, 20, 0);
    assert_eq!(saturday, utc("2026-03-28T19:00:00Z"));
    assert_eq!(
        next_opening(&h, saturday),
        Some(utc("2026-03-30T07:00:00Z")),
        "09:00 summer time on Monday"
    );
    // A Friday before the change still opens at 08:00 UTC that Friday.
    assert_eq!(
        next_opening(&h, utc("2026-03-27T06:00:00Z")),
        Some(utc("2026-03-27T08:00:00Z"))
    );
}

#[test]
fn an_opening_inside_the_dst_gap_moves_past_it() {
    // Sunday 2026-03-29 02:30 does not exist in Berlin: the clock jumps from 02:00 to 03:00.
    let h = hours("Europe/Berlin", &[(7, 2 * 60 + 30, 6 * 60)], &[]);
    let night = utc("2026-03-28T23:00:00Z");
    assert_eq!(next_opening(&h, night), Some(utc("2026-03-29T01:30:00Z")));
    assert!(is_open(&h, utc("2026-03-29T02:00:00Z")));
}

#[test]
fn the_next_opening_across_fall_back_in_new_york() {
    // New York goes from UTC-4 to UTC-5 on Sunday 2026-11-01; Monday opens at 09:00 EST.
    let h = weekdays_9_to_5("America/New_York", &[]);
    let friday_night = at("America/New_York", 2026, 10, 30, 22, 0);
    assert_eq!(friday_night, utc("2026-10-31T02:00:00Z"));
    assert_eq!(
        next_opening(&h, friday_night),
        Some(utc("2026-11-02T14:00:00Z"))
    );
    // An opening at the repeated hour takes its first occurrence.
    let sunday = hours("America/New_York", &[(7, 90, 180)], &[]);
    assert_eq!(
        next_opening(&sunday, utc("2026-11-01T00:00:00Z")),
        Some(utc("2026-11-01T05:30:00Z"))
    );
}

#[test]
fn holidays_are_closed_and_skipped() {
    // 2026-12-24 is a Thursday; the 25th (Friday) is a holiday, then the weekend.
    let h = weekdays_9_to_5("Europe/London", &["2026-12-25", "2026-12-28"]);
    assert!(!is_open(&h, at("Europe/London", 2026, 12, 25, 10, 0)));
    let now = at("Europe/London", 2026, 12, 24, 17, 30);
    let next = next_opening(&h, now).expect("opens");
    assert_eq!(next, at("Europe/London", 2026, 12, 29, 9, 0));
    assert_eq!(
        opening_words(&h, next, now),
        "Tuesday 09:00 (Europe/London)"
    );
    // Beyond a week, the date is said too.
    let long = weekdays_9_to_5(
        "Europe/London",
        &[
            "2026-12-25",
            "2026-12-28",
            "2026-12-29",
            "2026-12-30",
            "2026-12-31",
            "2027-01-01",
        ],
    );
    let next = next_opening(&long, now).expect("opens");
    assert_eq!(next, at("Europe/London", 2027, 1, 4, 9, 0));
    assert_eq!(
        opening_words(&long, next, now),
        "Monday 4 January 09:00 (Europe/London)"
    );
}

#[test]
fn the_same_day_and_the_next() {
    let h = hours(
        "Asia/Tokyo",
        &[
            (1, 9 * 60, 12 * 60),
            (1, 13 * 60, 18 * 60),
            (2, 9 * 60, 18 * 60),
        ],
        &[],
    );
    // Monday 2026-03-02 at lunch.
    let lunch = at("Asia/Tokyo", 2026, 3, 2, 12, 30);
    assert!(!is_open(&h, lunch));
    let next = next_opening(&h, lunch).expect("opens");
    assert_eq!(opening_words(&h, next, lunch), "today 13:00 (Asia/Tokyo)");
    let evening = at("Asia/Tokyo", 2026, 3, 2, 19, 0);
    let next = next_opening(&h, evening).expect("opens");
    assert_eq!(
        opening_words(&h, next, evening),
        "tomorrow 09:00 (Asia/Tokyo)"
    );
    // Open: the next opening is now.
    let open = at("Asia/Tokyo", 2026, 3, 2, 10, 0);
    assert_eq!(next_opening(&h, open), Some(open));
    assert!(preview(&h, open).open_now);
}

#[test]
fn a_schedule_without_open_time_never_opens() {
    let h = hours("UTC", &[], &[]);
    assert!(!is_open(&h, utc("2026-03-02T10:00:00Z")));
    assert_eq!(next_opening(&h, utc("2026-03-02T10:00:00Z")), None);
    assert_eq!(summary(&h), "Closed");
}

#[test]
fn the_summary_joins_days_with_the_same_hours() {
    let mut spans: Vec<(u8, u16, u16)> = (1..=5).map(|d| (d, 9 * 60, 17 * 60)).collect();
    spans.push((6, 10 * 60, 14 * 60));
    let h = hours("Europe/Berlin", &spans, &[]);
    assert_eq!(
        summary(&h),
        "Mon–Fri 09:00–17:00; Sat 10:00–14:00 (Europe/Berlin)"
    );
}

#[test]
fn bad_schedules_are_refused_in_words() {
    let mut h = weekdays_9_to_5("Mars/Olympus", &[]);
    assert!(check(&h).expect_err("zone").contains("not a time zone"));
    h.time_zone = "Europe/Berlin".into();
    assert!(check(&h).is_ok());
    h.spans.push(OpenSpan {
        weekday: 6,
        start_minute: 22 * 60,
        end_minute: 2 * 60,
    });
    assert!(
        check(&h)
            .expect_err("night")
            .contains("split a night shift")
    );
    h.spans.pop();
    h.holidays.push(Holiday {
        date: "25/12/2026".into(),
        name: "Christmas".into(),
    });
    assert!(check(&h).expect_err("date").contains("YYYY-MM-DD"));
}
