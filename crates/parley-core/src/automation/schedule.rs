//! Business hours: a weekly schedule of open intervals in its own IANA time zone, with holiday
//! dates. Answers whether the business is open at a moment, when it next opens (across DST
//! changes and holidays, by walking civil days in the zone and resolving each opening there),
//! and the words the away message and `{{business_hours}}` use.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use parley_domain::{BusinessHours, HoursPreview, Millis, OpenSpan};

const MINUTES_PER_DAY: u16 = 24 * 60;
/// How far ahead the next opening is looked for (a schedule closed for longer has none).
const LOOKAHEAD_DAYS: i32 = 400;

/// The schedule's zone; `None` when the name is unknown (settings refuse such a name).
pub fn zone(hours: &BusinessHours) -> Option<TimeZone> {
    TimeZone::get(hours.time_zone.trim()).ok()
}

fn weekday_number(w: Weekday) -> u8 {
    w.to_monday_one_offset() as u8
}

fn is_holiday(hours: &BusinessHours, date: Date) -> bool {
    let key = date.to_string();
    hours.holidays.iter().any(|h| h.date.trim() == key)
}

fn spans_of(hours: &BusinessHours, weekday: u8) -> Vec<OpenSpan> {
    let mut spans: Vec<OpenSpan> = hours
        .spans
        .iter()
        .filter(|s| s.weekday == weekday && s.start_minute < s.end_minute)
        .copied()
        .collect();
    spans.sort_by_key(|s| s.start_minute);
    spans
}

fn local(hours: &BusinessHours, now: Millis) -> Option<Zoned> {
    Some(
        Timestamp::from_millisecond(now)
            .ok()?
            .to_zoned(zone(hours)?),
    )
}

/// Whether someone answers at `now`. A schedule whose zone is unknown counts as open (an away
/// message must never go out on a guess).
pub fn is_open(hours: &BusinessHours, now: Millis) -> bool {
    let Some(local) = local(hours, now) else {
        return true;
    };
    if is_holiday(hours, local.date()) {
        return false;
    }
    let minute = local.hour() as u16 * 60 + local.minute() as u16;
    spans_of(hours, weekday_number(local.weekday()))
        .iter()
        .any(|s| minute >= s.start_minute && minute < s.end_minute.min(MINUTES_PER_DAY))
}

/// The instant a span's start minute means on `date` in `tz`; a start inside a DST gap moves
/// forward past it (jiff's "compatible" rule), as a wall clock would.
fn instant(tz: &TimeZone, date: Date, minute: u16) -> Option<Zoned> {
    let hour = i8::try_from(minute / 60).ok()?;
    let min = i8::try_from(minute % 60).ok()?;
    if hour >= 24 {
        return None;
    }
    date.at(hour, min, 0, 0).to_zoned(tz.clone()).ok()
}

/// When the business next opens: `now` when it is open, else the first open interval's start
/// after `now` (holidays skipped), in the schedule's zone. `None` when nothing opens within a
/// year or the zone is unknown.
pub fn next_opening(hours: &BusinessHours, now: Millis) -> Option<Millis> {
    if is_open(hours, now) {
        return Some(now);
    }
    let tz = zone(hours)?;
    let local = local(hours, now)?;
    let mut date = local.date();
    for _ in 0..LOOKAHEAD_DAYS {
        if !is_holiday(hours, date) {
            for span in spans_of(hours, weekday_number(date.weekday())) {
                if let Some(at) = instant(&tz, date, span.start_minute) {
                    let ms = at.timestamp().as_millisecond();
                    // A start that DST moved onto another day belongs to that day's walk.
                    if ms > now && at.date() == date {
                        return Some(ms);
                    }
                }
            }
        }
        date = date.tomorrow().ok()?;
    }
    None
}

/// The open intervals of `hours` touching `[from, to)`, as UTC instants: each open span of
/// each civil day in the schedule's zone (holidays skipped), resolved there, so a day across a
/// daylight-saving change keeps its wall-clock hours (an open span over the change is an hour
/// shorter or longer). A span ending at 24:00 ends at the next day's midnight. Empty when the
/// zone is unknown.
pub fn open_intervals(hours: &BusinessHours, from: Millis, to: Millis) -> Vec<(Millis, Millis)> {
    let (Some(tz), Some(first), Some(last)) = (zone(hours), local(hours, from), local(hours, to))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Ok(mut date) = first.date().yesterday() else {
        return out;
    };
    let end_date = last.date();
    while date <= end_date {
        if !is_holiday(hours, date) {
            for span in spans_of(hours, weekday_number(date.weekday())) {
                let start = instant(&tz, date, span.start_minute);
                let end = if span.end_minute >= MINUTES_PER_DAY {
                    date.tomorrow()
                        .ok()
                        .and_then(|d| d.at(0, 0, 0, 0).to_zoned(tz.clone()).ok())
                } else {
                    instant(&tz, date, span.end_minute)
                };
                if let (Some(s), Some(e)) = (start, end) {
                    let (s, e) = (
                        s.timestamp().as_millisecond(),
                        e.timestamp().as_millisecond(),
                    );
                    if e > s && e > from && s < to {
                        out.push((s, e));
                    }
                }
            }
        }
        match date.tomorrow() {
            Ok(d) => date = d,
            Err(_) => break,
        }
    }
    out
}

/// "Monday 09:00 (Europe/Berlin)" for the opening at `at`, seen from `now`: "today 14:00",
/// "tomorrow 09:00", a weekday within the week, the date beyond ("Monday 4 January 09:00").
pub fn opening_words(hours: &BusinessHours, at: Millis, now: Millis) -> String {
    let (Some(when), Some(today)) = (local(hours, at), local(hours, now)) else {
        return String::new();
    };
    let days = (when.date() - today.date()).get_days();
    let day = match days {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        2..=6 => when.strftime("%A").to_string(),
        _ => when.strftime("%A %-d %B").to_string(),
    };
    format!(
        "{day} {} ({})",
        when.strftime("%H:%M"),
        hours.time_zone.trim()
    )
}

/// The preview of the settings screen, and what the away message says.
pub fn preview(hours: &BusinessHours, now: Millis) -> HoursPreview {
    let open_now = is_open(hours, now);
    let next = next_opening(hours, now);
    let next_words = match next {
        Some(at) if !open_now => opening_words(hours, at, now),
        Some(_) => "now".to_owned(),
        None => String::new(),
    };
    let words = if open_now {
        "We're open now.".to_owned()
    } else if next.is_some() {
        format!("We're closed now — we'll answer from {next_words}.")
    } else {
        "We're closed, and no opening time is set.".to_owned()
    };
    HoursPreview {
        open_now,
        next_opening: next,
        words,
        next_opening_words: next_words,
    }
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// The schedule in one line, for `{{business_hours}}`: "Mon–Fri 09:00–17:00, Sat 10:00–14:00
/// (Europe/Berlin)". Consecutive days with the same hours are joined.
pub fn summary(hours: &BusinessHours) -> String {
    let day_hours: Vec<String> = (1..=7u8)
        .map(|d| {
            spans_of(hours, d)
                .iter()
                .map(|s| format!("{}–{}", hhmm(s.start_minute), hhmm(s.end_minute)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let mut parts = Vec::new();
    let mut d = 0;
    while d < 7 {
        if day_hours[d].is_empty() {
            d += 1;
            continue;
        }
        let mut end = d;
        while end + 1 < 7 && day_hours[end + 1] == day_hours[d] {
            end += 1;
        }
        let days = if end == d {
            DAY_NAMES[d].to_owned()
        } else {
            format!("{}–{}", DAY_NAMES[d], DAY_NAMES[end])
        };
        parts.push(format!("{days} {}", day_hours[d]));
        d = end + 1;
    }
    if parts.is_empty() {
        return "Closed".to_owned();
    }
    format!("{} ({})", parts.join("; "), hours.time_zone.trim())
}

/// What is wrong with a schedule, in words for the settings screen.
pub fn check(hours: &BusinessHours) -> Result<(), String> {
    if zone(hours).is_none() {
        return Err(format!(
            "{:?} is not a time zone Parley knows. Choose one such as Europe/Berlin or America/New_York.",
            hours.time_zone
        ));
    }
    for s in &hours.spans {
        if !(1..=7).contains(&s.weekday) {
            return Err("A business-hours day is out of range.".into());
        }
        if s.start_minute >= s.end_minute || s.end_minute > MINUTES_PER_DAY {
            return Err(format!(
                "On {}, the hours {}–{} do not make an interval: the end must come after the start, on the same day (split a night shift in two).",
                DAY_NAMES[usize::from(s.weekday - 1)],
                hhmm(s.start_minute.min(MINUTES_PER_DAY)),
                hhmm(s.end_minute.min(MINUTES_PER_DAY))
            ));
        }
    }
    for h in &hours.holidays {
        if h.date.trim().parse::<Date>().is_err() {
            return Err(format!(
                "The holiday {:?} is not a date: write it as YYYY-MM-DD.",
                h.date
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
