//! Provider timestamps into Parley's milliseconds. Providers send seconds (Telegram, Graph's
//! Instagram host) or dates (Twilio, Graph); a hostile or broken value must not overflow
//! (a panic in a debug build, a wrapped date in a release one): it is held to the years
//! 1970–9999, which also keeps the store's orderings sane.

use parley_domain::Millis;

/// 9999-12-31T23:59:59Z: the last second a four-digit year can name.
pub(crate) const MAX_SECS: i64 = 253_402_300_799;

/// Unix seconds as milliseconds, held to 1970–9999.
pub(crate) fn millis_from_secs(secs: i64) -> Millis {
    secs.clamp(0, MAX_SECS) * 1000
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A date, the seconds into its day and the zone's offset in seconds as UTC milliseconds;
/// `None` for a date that is no date or a result outside 1970–9999.
pub(crate) fn millis_from_civil(
    (year, month, day): (i64, i64, i64),
    secs_of_day: i64,
    offset_secs: i64,
) -> Option<Millis> {
    let valid = (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..=86_400).contains(&secs_of_day)
        && offset_secs.abs() <= 86_400;
    if !valid {
        return None;
    }
    let secs = days_from_civil(year, month, day) * 86_400 + secs_of_day - offset_secs;
    (0..=MAX_SECS).contains(&secs).then_some(secs * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_held_to_four_digit_years() {
        assert_eq!(millis_from_secs(1_700_000_000), 1_700_000_000_000);
        assert_eq!(millis_from_secs(i64::MAX), MAX_SECS * 1000);
        assert_eq!(millis_from_secs(i64::MIN), 0);
        assert_eq!(millis_from_civil((1970, 1, 1), 0, 0), Some(0));
        assert_eq!(
            millis_from_civil((2023, 11, 14), 22 * 3600 + 13 * 60 + 20, 0),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            millis_from_civil((1970, 1, 1), 0, 3600),
            None,
            "before 1970"
        );
        assert_eq!(millis_from_civil((99_999, 1, 1), 0, 0), None);
        assert_eq!(millis_from_civil((2023, 13, 1), 0, 0), None);
        assert_eq!(millis_from_civil((2023, 1, 1), -5, 0), None);
    }
}
