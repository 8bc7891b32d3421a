//! The metrics page: the store counts (`parley-store/src/metrics.rs`); this file gives it the
//! agent's zone as UTC offsets over the period (daylight-saving changes included, from the zone
//! rules jiff reads from the system), and, when asked and a business-hours schedule is set,
//! the calendar of open hours the times are counted in ([`Parley::review_open_hours`]).

use crate::automation::schedule;
use crate::errors;
use crate::facade::Parley;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use parley_domain::*;
use parley_store::{Calendar, LocalOffsets, OpenHours};
use std::sync::Arc;

const DAY_MS: i64 = 86_400_000;

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
    /// The open hours of every account (its own schedule or the workspace's, zones, DST and
    /// holidays included) from the first stored conversation to a day after `until`; `None`
    /// when no business hours were ever set (times are then counted in wall-clock time).
    pub(crate) async fn review_open_hours(
        &self,
        until: Millis,
    ) -> Result<Option<Arc<OpenHours>>, IpcError> {
        let (settings, saved) = self.automation_settings_saved().await;
        if !saved {
            return Ok(None);
        }
        let first = self
            .db
            .call(|s| s.first_started_at())
            .await
            .map_err(errors::store)?
            .unwrap_or(until);
        let (from, to) = (first - DAY_MS, until + DAY_MS);
        let calendar = |h: &BusinessHours| Calendar::new(schedule::open_intervals(h, from, to));
        Ok(Some(Arc::new(OpenHours {
            workspace: calendar(&settings.hours),
            accounts: settings
                .accounts
                .iter()
                .filter_map(|a| Some((a.account_id, calendar(a.hours.as_ref()?))))
                .collect(),
        })))
    }

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
        let hours = if query.business_hours {
            self.review_open_hours(self.clock.now().max(query.to))
                .await?
        } else {
            None
        };
        self.db
            .call(move |s| s.metrics(&query, &targets, &local, hours.as_deref()))
            .await
            .map_err(errors::store)
    }
}
