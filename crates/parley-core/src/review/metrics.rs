//! The metrics page: the store counts (`parley-store/src/metrics.rs`); this file gives it the
//! agent's zone as UTC offsets over the period (daylight-saving changes included, from the zone
//! rules jiff reads from the system).

use crate::errors;
use crate::facade::Parley;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use parley_domain::*;
use parley_store::LocalOffsets;

/// The longest period the page shows at once (two years and a day).
const MAX_PERIOD_MS: i64 = 732 * 86_400_000;

/// The offsets of `tz` in force from `from` to `to`.
pub fn local_offsets(tz: &TimeZone, from: Millis, to: Millis) -> LocalOffsets {
    let zone = tz.iana_name().unwrap_or("local time").to_owned();
    let Ok(start) = Timestamp::from_millisecond(from) else {
        return LocalOffsets::fixed(&zone, 0);
    };
    let mut spans = vec![(i64::MIN, i64::from(tz.to_offset(start).seconds()) * 1000)];
    for t in tz.following(start) {
        let at = t.timestamp().as_millisecond();
        if at >= to {
            break;
        }
        spans.push((at, i64::from(t.offset().seconds()) * 1000));
    }
    LocalOffsets { zone, spans }
}

impl Parley {
    /// The metrics of a period, days and hours in the computer's time zone.
    pub async fn review_metrics(&self, query: MetricsQuery) -> Result<Metrics, IpcError> {
        self.review_metrics_in(query, &TimeZone::system()).await
    }

    pub async fn review_metrics_in(
        &self,
        query: MetricsQuery,
        tz: &TimeZone,
    ) -> Result<Metrics, IpcError> {
        if query.to <= query.from {
            return Err(super::invalid(
                "The period ends before it starts: choose an end after the start.",
            ));
        }
        if query.to - query.from > MAX_PERIOD_MS {
            return Err(super::invalid(
                "The period is longer than two years: choose a shorter one.",
            ));
        }
        let targets = self.review_targets().await?;
        let local = local_offsets(tz, query.from, query.to);
        self.db
            .call(move |s| s.metrics(&query, &targets, &local))
            .await
            .map_err(errors::store)
    }
}
