//! When notifications may pop: do-not-disturb and the weekly working hours, in the schedule's
//! own time zone (an agent in Berlin working for a shop's hours keeps Berlin's clock, DST included).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use parley_domain::{Millis, NotificationPrefs, WorkingHours};

const MINUTES_PER_DAY: u16 = 24 * 60;

/// The zone a schedule is written in. An unknown name falls back to the computer's zone rather
/// than silencing or un-silencing everything; the settings screen only offers valid names.
fn zone(name: &str) -> TimeZone {
    if name.trim().is_empty() {
        return TimeZone::system();
    }
    TimeZone::get(name).unwrap_or_else(|e| {
        tracing::warn!("unknown time zone {name:?} in working hours ({e}); using the system's");
        TimeZone::system()
    })
}

/// True when an IANA zone name is known (the settings screen validates with it).
pub fn is_known_zone(name: &str) -> bool {
    name.trim().is_empty() || TimeZone::get(name).is_ok()
}

/// Whether `now` falls inside the working hours.
pub fn in_working_hours(hours: &WorkingHours, now: Millis) -> bool {
    let Ok(ts) = Timestamp::from_millisecond(now) else {
        return true;
    };
    let local = ts.to_zoned(zone(&hours.time_zone));
    let today = local.weekday().to_monday_one_offset() as u8;
    let yesterday = if today == 1 { 7 } else { today - 1 };
    let minute = local.hour() as u16 * 60 + local.minute() as u16;
    hours.spans.iter().any(|s| {
        let (start, end) = (
            s.start_minute.min(MINUTES_PER_DAY),
            s.end_minute.min(MINUTES_PER_DAY),
        );
        if start == end {
            s.weekday == today
        } else if start < end {
            s.weekday == today && (start..end).contains(&minute)
        } else {
            // Runs past midnight: the evening part today, the morning part the day after.
            (s.weekday == today && minute >= start) || (s.weekday == yesterday && minute < end)
        }
    })
}

/// Why notifications are held back right now, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// Do not disturb, switched on by the agent (or the tray's pause).
    Dnd,
    /// Outside the working hours.
    OffHours,
}

pub fn quiet(prefs: &NotificationPrefs, now: Millis) -> Option<Quiet> {
    if prefs.dnd_until.is_some_and(|until| now < until) {
        Some(Quiet::Dnd)
    } else if prefs.working_hours.enabled && !in_working_hours(&prefs.working_hours, now) {
        Some(Quiet::OffHours)
    } else {
        None
    }
}

/// Tomorrow at 08:00 in the schedule's zone: the tray's "pause until tomorrow".
pub fn tomorrow_morning(hours: &WorkingHours, now: Millis) -> Millis {
    let fallback = now + 24 * 3_600_000;
    let Ok(ts) = Timestamp::from_millisecond(now) else {
        return fallback;
    };
    let local = ts.to_zoned(zone(&hours.time_zone));
    local
        .date()
        .tomorrow()
        .and_then(|d| d.at(8, 0, 0, 0).to_zoned(local.time_zone().clone()))
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::WorkingSpan;

    /// Milliseconds of a civil time in a zone.
    fn at(zone: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Millis {
        jiff::civil::date(y, mo, d)
            .at(h, mi, 0, 0)
            .in_tz(zone)
            .expect("zone")
            .timestamp()
            .as_millisecond()
    }

    fn hours(zone: &str, spans: &[(u8, u16, u16)]) -> WorkingHours {
        WorkingHours {
            enabled: true,
            time_zone: zone.into(),
            spans: spans
                .iter()
                .map(|&(weekday, start_minute, end_minute)| WorkingSpan {
                    weekday,
                    start_minute,
                    end_minute,
                })
                .collect(),
        }
    }

    #[test]
    fn office_hours_in_their_own_zone() {
        // 2026-03-02 is a Monday.
        let h = hours("Europe/Berlin", &[(1, 9 * 60, 17 * 60)]);
        assert!(in_working_hours(&h, at("Europe/Berlin", 2026, 3, 2, 9, 0)));
        assert!(in_working_hours(
            &h,
            at("Europe/Berlin", 2026, 3, 2, 16, 59)
        ));
        assert!(!in_working_hours(
            &h,
            at("Europe/Berlin", 2026, 3, 2, 17, 0)
        ));
        assert!(!in_working_hours(
            &h,
            at("Europe/Berlin", 2026, 3, 2, 8, 59)
        ));
        // The same instant seen from New York is 3:00, but the schedule is Berlin's.
        assert!(in_working_hours(
            &h,
            at("America/New_York", 2026, 3, 2, 4, 0)
        ));
        // Tuesday has no span.
        assert!(!in_working_hours(
            &h,
            at("Europe/Berlin", 2026, 3, 3, 10, 0)
        ));
    }

    #[test]
    fn a_night_shift_runs_across_midnight_and_across_the_week_end() {
        // Sunday 22:00 → Monday 06:00, in Tokyo.
        let h = hours("Asia/Tokyo", &[(7, 22 * 60, 6 * 60)]);
        // 2026-03-01 is a Sunday.
        assert!(in_working_hours(&h, at("Asia/Tokyo", 2026, 3, 1, 23, 30)));
        assert!(in_working_hours(&h, at("Asia/Tokyo", 2026, 3, 2, 5, 59)));
        assert!(!in_working_hours(&h, at("Asia/Tokyo", 2026, 3, 2, 6, 0)));
        assert!(!in_working_hours(&h, at("Asia/Tokyo", 2026, 3, 1, 21, 59)));
        // Saturday night is not Sunday night.
        assert!(!in_working_hours(&h, at("Asia/Tokyo", 2026, 2, 28, 23, 0)));
    }

    #[test]
    fn daylight_saving_keeps_the_local_clock() {
        // Berlin moved to summer time on 2026-03-29; 9:00 local is 8:00 UTC before, 7:00 after.
        let h = hours("Europe/Berlin", &[(1, 9 * 60, 17 * 60)]);
        assert!(in_working_hours(&h, at("UTC", 2026, 3, 23, 8, 0)));
        assert!(!in_working_hours(&h, at("UTC", 2026, 3, 23, 7, 30)));
        assert!(in_working_hours(&h, at("UTC", 2026, 3, 30, 7, 30)));
    }

    #[test]
    fn dnd_beats_working_hours_and_ends_by_itself() {
        let now = at("UTC", 2026, 3, 2, 10, 0);
        let mut prefs = NotificationPrefs {
            dnd_until: Some(now + 60_000),
            ..Default::default()
        };
        assert_eq!(quiet(&prefs, now), Some(Quiet::Dnd));
        assert_eq!(quiet(&prefs, now + 60_000), None);
        prefs.working_hours = hours("UTC", &[(1, 9 * 60, 17 * 60)]);
        assert_eq!(quiet(&prefs, now + 60_000), None);
        assert_eq!(
            quiet(&prefs, at("UTC", 2026, 3, 2, 18, 0)),
            Some(Quiet::OffHours)
        );
        prefs.working_hours.enabled = false;
        assert_eq!(quiet(&prefs, at("UTC", 2026, 3, 2, 18, 0)), None);
    }

    #[test]
    fn pause_until_tomorrow_is_eight_in_the_morning_local() {
        let h = hours("America/New_York", &[]);
        let now = at("America/New_York", 2026, 3, 2, 23, 30);
        assert_eq!(
            tomorrow_morning(&h, now),
            at("America/New_York", 2026, 3, 3, 8, 0)
        );
        assert!(is_known_zone("Asia/Kolkata"));
        assert!(!is_known_zone("Mars/Olympus"));
    }
}
