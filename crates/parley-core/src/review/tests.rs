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
