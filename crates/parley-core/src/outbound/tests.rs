//! Quiet hours in the customer's local time: several zones, a daylight-saving change, an email's
//! fixed offset, an unknown or ambiguous zone, and the note for a customer who just wrote.

use super::*;
use parley_domain::TimeSource;

const MIN: Millis = 60_000;
const HOUR: Millis = 60 * MIN;

fn zone(name: &str) -> CustomerTime {
    CustomerTime {
        zone: Some(name.into()),
        offset_minutes: None,
        source: TimeSource::Phone,
        calling_code: None,
        observed_at: None,
        ambiguous: false,
    }
}

/// Unix millis of a UTC wall time.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Millis {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("time")
        .timestamp_millis()
}

fn hold(t: &CustomerTime, now: Millis) -> Option<QuietHold> {
    quiet_hold(t, &OutboundSettings::default(), now, "Ana", None)
}

#[test]
fn night_in_tokyo_is_day_in_new_york() {
    // 14:10 UTC = 23:10 in Tokyo (no DST), 09:10 in New York in January (EST).
    let now = utc(2025, 1, 15, 14, 10);
    let tokyo = hold(&zone("Asia/Tokyo"), now).expect("night in Tokyo");
    // Morning in Tokyo: 08:00 JST = 23:00 UTC the same day.
    assert_eq!(tokyo.until, utc(2025, 1, 15, 23, 0));
    assert!(
        tokyo.note.contains("23:10 for Ana (Asia/Tokyo)") && tokyo.note.contains("08:00"),
        "{}",
        tokyo.note
    );
    assert_eq!(hold(&zone("America/New_York"), now), None);
    // Just before and at the edges of the window.
    assert_eq!(hold(&zone("Asia/Tokyo"), utc(2025, 1, 15, 11, 59)), None); // 20:59
    assert!(hold(&zone("Asia/Tokyo"), utc(2025, 1, 15, 12, 0)).is_some()); // 21:00
    assert!(hold(&zone("Asia/Tokyo"), utc(2025, 1, 15, 22, 59)).is_some()); // 07:59
    assert_eq!(hold(&zone("Asia/Tokyo"), utc(2025, 1, 15, 23, 0)), None); // 08:00
}

#[test]
fn berlin_across_the_spring_and_autumn_changes() {
    // Sunday 30 March 2025 Berlin goes from CET (+1) to CEST (+2) at 02:00 local.
    // Saturday 22:30 local (21:30 UTC): held until Sunday 08:00 CEST = 06:00 UTC.
    let sat = utc(2025, 3, 29, 21, 30);
    let h = hold(&zone("Europe/Berlin"), sat).expect("night");
    assert_eq!(h.until, utc(2025, 3, 30, 6, 0));
    // The same UTC hour a week earlier (CET): morning is 07:00 UTC.
    let h = hold(&zone("Europe/Berlin"), utc(2025, 3, 22, 21, 30)).expect("night");
    assert_eq!(h.until, utc(2025, 3, 23, 7, 0));
    // 06:30 UTC on the Sunday of the change is 08:30 CEST: day already.
    assert_eq!(hold(&zone("Europe/Berlin"), utc(2025, 3, 30, 6, 30)), None);
    // Autumn, 26 October 2025 (back to CET): 23:00 CEST Saturday = 21:00 UTC; morning 08:00
    // CET = 07:00 UTC.
    let h = hold(&zone("Europe/Berlin"), utc(2025, 10, 25, 21, 0)).expect("night");
    assert_eq!(h.until, utc(2025, 10, 26, 7, 0));
}

#[test]
fn new_york_across_its_change_and_a_morning_in_the_gap() {
    // 9 March 2025: 02:00 EST becomes 03:00 EDT. 23:30 EST Saturday = 04:30 UTC Sunday.
    let h = hold(&zone("America/New_York"), utc(2025, 3, 9, 4, 30)).expect("night");
    assert_eq!(h.until, utc(2025, 3, 9, 12, 0)); // 08:00 EDT
    // A window ending at 02:30 local, which does not exist that night: released at 03:30 EDT
    // (the first instant the wall clock passes it).
    let odd = OutboundSettings {
        quiet_start_minute: 22 * 60,
        quiet_end_minute: 2 * 60 + 30,
        ..OutboundSettings::default()
    };
    let h = quiet_hold(
        &zone("America/New_York"),
        &odd,
        utc(2025, 3, 9, 4, 30),
        "Ana",
        None,
    )
    .expect("night");
    assert_eq!(h.until, utc(2025, 3, 9, 7, 30));
}

#[test]
fn an_emails_offset_serves_and_unknown_or_ambiguous_holds_nothing() {
    let mail = CustomerTime {
        zone: None,
        offset_minutes: Some(330),
        source: TimeSource::Email,
        calling_code: None,
        observed_at: Some(0),
        ambiguous: false,
    };
    // 18:00 UTC = 23:30 in India.
    let h = hold(&mail, utc(2025, 1, 15, 18, 0)).expect("night");
    assert!(h.note.contains("UTC+05:30"), "{}", h.note);
    assert_eq!(h.until, utc(2025, 1, 16, 2, 30));
    let several = CustomerTime {
        zone: None,
        offset_minutes: None,
        ambiguous: true,
        ..mail
    };
    assert_eq!(hold(&several, utc(2025, 1, 15, 18, 0)), None);
}

#[test]
fn a_customer_who_just_wrote_is_asked_about_and_settings_apply() {
    let now = utc(2025, 1, 15, 14, 10); // 23:10 in Tokyo
    let h = quiet_hold(
        &zone("Asia/Tokyo"),
        &OutboundSettings::default(),
        now,
        "Kenji",
        Some(now - 3 * MIN),
    )
    .expect("night");
    assert!(
        h.note.starts_with("Kenji wrote 3 min ago") && h.note.contains("Send now?"),
        "{}",
        h.note
    );
    // An hour ago is no live conversation.
    let h = quiet_hold(
        &zone("Asia/Tokyo"),
        &OutboundSettings::default(),
        now,
        "Kenji",
        Some(now - HOUR),
    )
    .expect("night");
    assert!(h.note.starts_with("It is 23:10 for Kenji"), "{}", h.note);
    // A window of 23:30–07:00 leaves 23:10 alone.
    let late = OutboundSettings {
        quiet_start_minute: 23 * 60 + 30,
        quiet_end_minute: 7 * 60,
        ..OutboundSettings::default()
    };
    assert_eq!(
        quiet_hold(&zone("Asia/Tokyo"), &late, now, "Kenji", None),
        None
    );
}
