//! The metrics of a period (issue 16), in SQL over the measures each conversation keeps
//! (`review.rs`, migration 26) and their indexes: conversations started and resolved, first
//! response and resolution times (median and 90th percentile, nearest rank), the share answered
//! within each channel's target, messages per conversation, the busiest hours (weekday × hour)
//! and the volume per day and channel.
//!
//! Which conversations count: those *started* in the period (their first message), except
//! "resolved" and the resolution time, which count those whose last resolution falls in it. A
//! conversation reopened and resolved again counts once, at its last resolution, its time from
//! the customer's first message to that resolution.
//!
//! Days and hours are the agent's local ones. SQLite knows no zones, so the caller passes the
//! zone's UTC offsets over the period ([`LocalOffsets`], built from the zone rules in the core)
//! and each instant is shifted by the offset in force then: a day across a daylight-saving change
//! has its 23 or 25 hours, and every instant lands in the hour a wall clock showed. Durations are
//! differences of instants and need no zone.

use crate::Store;
use crate::error::{Result, StoreError};
use crate::review::target_ms_sql;
use parley_domain::*;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// A zone's UTC offsets over a period: `spans[i] = (from, offset)` means the offset (in
/// milliseconds) is in force from `from` (UTC) until the next span's `from`. Sorted; the first
/// span covers everything before it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalOffsets {
    pub zone: String,
    pub spans: Vec<(Millis, i64)>,
}

impl LocalOffsets {
    /// A zone with one offset for ever (UTC: 0).
    pub fn fixed(zone: &str, offset_ms: i64) -> LocalOffsets {
        LocalOffsets {
            zone: zone.into(),
            spans: vec![(i64::MIN, offset_ms)],
        }
    }

    /// SQL shifting the instant `col` to local wall-clock milliseconds (the numbers are ours).
    fn local_sql(&self, col: &str) -> String {
        match self.spans.as_slice() {
            [] => col.to_owned(),
            [(_, o)] => format!("({col} + {o})"),
            [(_, first), rest @ ..] => {
                let mut sql = format!("({col} + CASE");
                let mut current = *first;
                for (from, o) in rest {
                    sql.push_str(&format!(" WHEN {col} < {from} THEN {current}"));
                    current = *o;
                }
                sql.push_str(&format!(" ELSE {current} END)"));
                sql
            }
        }
    }
}

/// The civil date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn civil_day(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The scope condition (channels, accounts) and its parameters.
fn scope(q: &MetricsQuery) -> (String, Vec<Value>) {
    let mut sql = String::new();
    let mut p = Vec::new();
    if !q.channels.is_empty() {
        sql.push_str(&format!(
            " AND a.channel IN ({})",
            vec!["?"; q.channels.len()].join(", ")
        ));
        p.extend(q.channels.iter().map(|c| Value::Text(c.as_str().into())));
    }
    if !q.accounts.is_empty() {
        sql.push_str(&format!(
            " AND t.account_id IN ({})",
            vec!["?"; q.accounts.len()].join(", ")
        ));
        p.extend(q.accounts.iter().map(|a| Value::Integer(a.0)));
    }
    (sql, p)
}

impl Store {
    /// The metrics of `q`'s period and scope, days and hours counted in `local`.
    pub fn metrics(
        &self,
        q: &MetricsQuery,
        targets: &[ResponseTarget],
        local: &LocalOffsets,
    ) -> Result<Metrics> {
        if q.to <= q.from {
            return Err(StoreError::Invalid(
                "the period must end after it starts".into(),
            ));
        }
        let (scope_sql, scope_p) = scope(q);
        let started = format!(
            "FROM threads t JOIN accounts a ON a.id = t.account_id
             WHERE t.started_at >= ? AND t.started_at < ?{scope_sql}"
        );
        let with = |extra: &[Value]| -> Vec<Value> {
            let mut p = vec![Value::Integer(q.from), Value::Integer(q.to)];
            p.extend(scope_p.iter().cloned());
            p.extend(extra.iter().cloned());
            p
        };

        let (count, unanswered, mean_messages): (i64, i64, Option<f64>) = self
            .conn
            .prepare(&format!(
                "SELECT COUNT(*),
                        COALESCE(SUM(t.first_inbound_at IS NOT NULL AND t.first_response_ms IS NULL), 0),
                        AVG(t.message_count) {started}"
            ))?
            .query_row(params_from_iter(with(&[])), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;

        let resolved_from = format!(
            "FROM threads t JOIN accounts a ON a.id = t.account_id
             WHERE t.resolved_at >= ? AND t.resolved_at < ?{scope_sql}"
        );
        let resolved: i64 = self
            .conn
            .prepare(&format!("SELECT COUNT(*) {resolved_from}"))?
            .query_row(params_from_iter(with(&[])), |r| r.get(0))?;

        let first_response = self.duration_stats(
            &format!(
                "SELECT t.first_response_ms {started} AND t.first_response_ms IS NOT NULL
                 ORDER BY 1"
            ),
            with(&[]),
        )?;
        let resolution = self.duration_stats(
            &format!(
                "SELECT t.resolved_at - COALESCE(t.first_inbound_at, t.started_at) {resolved_from}
                 ORDER BY 1"
            ),
            with(&[]),
        )?;

        let target = target_ms_sql(targets);
        let mut within_target = Vec::new();
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT a.channel, COUNT(t.first_response_ms),
                        COALESCE(SUM(t.first_response_ms <= {target}), 0)
                 {started} AND t.first_inbound_at IS NOT NULL GROUP BY a.channel"
            ))?;
            let mut rows = stmt.query(params_from_iter(with(&[])))?;
            while let Some(r) = rows.next()? {
                let channel = crate::rows::channel(&r.get::<_, String>(0)?)?;
                within_target.push(TargetShare {
                    channel,
                    target_minutes: targets
                        .iter()
                        .find(|t| t.channel == channel)
                        .map_or(30, |t| t.minutes),
                    answered: r.get(1)?,
                    within: r.get(2)?,
                });
            }
        }
        within_target.sort_by_key(|s| ChannelKind::ALL.iter().position(|c| *c == s.channel));

        let day = format!("({} / {DAY_MS})", local.local_sql("t.started_at"));
        let mut per_day = Vec::new();
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {day} AS d, a.channel, COUNT(*) {started} GROUP BY d, a.channel
                 ORDER BY d, a.channel"
            ))?;
            let mut rows = stmt.query(params_from_iter(with(&[])))?;
            while let Some(r) = rows.next()? {
                per_day.push(DayVolume {
                    day: civil_day(r.get(0)?),
                    channel: crate::rows::channel(&r.get::<_, String>(1)?)?,
                    conversations: r.get(2)?,
                });
            }
        }

        let at = local.local_sql("t.first_inbound_at");
        let mut heatmap = vec![vec![0i64; 24]; 7];
        {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT ((({at} / {DAY_MS}) + 3) % 7 + 7) % 7 AS wd,
                        (({at} % {DAY_MS}) + {DAY_MS}) % {DAY_MS} / {HOUR_MS} AS h, COUNT(*)
                 {started} AND t.first_inbound_at IS NOT NULL GROUP BY wd, h"
            ))?;
            let mut rows = stmt.query(params_from_iter(with(&[])))?;
            while let Some(r) = rows.next()? {
                let (wd, h, n): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
                if let Some(cell) = heatmap
                    .get_mut(wd as usize)
                    .and_then(|row| row.get_mut(h as usize))
                {
                    *cell = n;
                }
            }
        }

        Ok(Metrics {
            query: q.clone(),
            time_zone: local.zone.clone(),
            started: count,
            resolved,
            unanswered,
            first_response,
            resolution,
            within_target,
            messages_per_conversation: mean_messages.unwrap_or(0.0),
            heatmap,
            per_day,
        })
    }

    /// The median and 90th percentile (nearest rank) of the durations `sql` lists in order.
    fn duration_stats(&self, sql: &str, p: Vec<Value>) -> Result<DurationStats> {
        let mut stmt = self.conn.prepare(sql)?;
        let values: Vec<i64> =
            crate::rows::collect(&mut stmt, params_from_iter(p), |r| Ok(r.get::<_, i64>(0)?))?;
        Ok(stats_of_sorted(&values))
    }
}

/// Nearest-rank percentiles of sorted values: the `ceil(p × n)`-th value.
pub fn stats_of_sorted(values: &[i64]) -> DurationStats {
    let n = values.len();
    let rank = |p: f64| -> Option<i64> {
        if n == 0 {
            return None;
        }
        let k = ((p * n as f64).ceil() as usize).clamp(1, n);
        Some(values[k - 1])
    };
    DurationStats {
        count: n as i64,
        median_ms: rank(0.5),
        p90_ms: rank(0.9),
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
