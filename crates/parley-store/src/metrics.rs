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
use parley_domain::*;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

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

impl Store {
    /// The metrics of `q`'s period and scope, days and hours counted in `local`.
    ///
    /// Three statements, each one pass over an index: the started conversations grouped by
    /// local hour and account (everything but the durations' percentiles comes from those
    /// groups), then the first responses and the resolutions, each sorted once.
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
        // The accounts in scope and their channels (a handful of rows): the statements then
        // need no join.
        let accounts: Vec<(i64, ChannelKind)> = {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT id, channel FROM accounts")?;
            crate::rows::collect(&mut stmt, [], |r| {
                Ok((r.get(0)?, crate::rows::channel(&r.get::<_, String>(1)?)?))
            })?
            .into_iter()
            .filter(|(id, c)| {
                (q.channels.is_empty() || q.channels.contains(c))
                    && (q.accounts.is_empty() || q.accounts.contains(&AccountId(*id)))
            })
            .collect()
        };
        let channel_of: std::collections::HashMap<i64, ChannelKind> =
            accounts.iter().copied().collect();
        let scope = format!(
            " AND +t.account_id IN ({})",
            if accounts.is_empty() {
                "NULL".to_owned()
            } else {
                accounts
                    .iter()
                    .map(|(id, _)| id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        let target_of = |channel: ChannelKind| {
            targets
                .iter()
                .find(|t| t.channel == channel)
                .map_or(30, |t| t.minutes)
        };
        let mut target_sql = String::from("(CASE t.account_id");
        for (id, c) in &accounts {
            target_sql.push_str(&format!(
                " WHEN {id} THEN {}",
                target_of(*c).max(1) * 60_000
            ));
        }
        target_sql.push_str(" ELSE 1800000 END)");
        let period = vec![Value::Integer(q.from), Value::Integer(q.to)];

        // 1. Started conversations by local hour and account.
        let hour = format!("({} / {HOUR_MS})", local.local_sql("t.started_at"));
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {hour} AS h, t.account_id, COUNT(*),
                    SUM(t.first_inbound_at IS NOT NULL),
                    SUM(t.first_inbound_at IS NOT NULL AND t.first_response_ms IS NULL),
                    SUM(t.message_count),
                    COUNT(t.first_response_ms),
                    SUM(t.first_response_ms <= {target_sql})
             FROM threads t WHERE t.started_at >= ?1 AND t.started_at < ?2{scope}
             GROUP BY h, t.account_id"
        ))?;
        let mut rows = stmt.query(params_from_iter(period.iter()))?;
        let (mut started, mut unanswered, mut messages) = (0i64, 0i64, 0i64);
        let mut heatmap = vec![vec![0i64; 24]; 7];
        let mut days: std::collections::BTreeMap<(i64, usize), i64> = Default::default();
        let mut shares: std::collections::BTreeMap<usize, (i64, i64)> = Default::default();
        let position = |c: ChannelKind| ChannelKind::ALL.iter().position(|k| *k == c).unwrap_or(0);
        while let Some(r) = rows.next()? {
            let (h, account, n): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let Some(&channel) = channel_of.get(&account) else {
                continue;
            };
            let customer: i64 = r.get(3)?;
            started += n;
            unanswered += r.get::<_, i64>(4)?;
            messages += r.get::<_, i64>(5)?;
            let share = shares.entry(position(channel)).or_default();
            share.0 += r.get::<_, i64>(6)?;
            share.1 += r.get::<_, Option<i64>>(7)?.unwrap_or(0);
            let day = h.div_euclid(24);
            *days.entry((day, position(channel))).or_default() += n;
            let weekday = (day + 3).rem_euclid(7) as usize;
            heatmap[weekday][h.rem_euclid(24) as usize] += customer;
        }
        drop(rows);
        drop(stmt);
        let within_target = shares
            .into_iter()
            .filter(|(_, (answered, _))| *answered > 0)
            .map(|(i, (answered, within))| {
                let channel = ChannelKind::ALL[i];
                TargetShare {
                    channel,
                    target_minutes: target_of(channel),
                    answered,
                    within,
                }
            })
            .collect();
        let per_day = days
            .into_iter()
            .map(|((day, i), conversations)| DayVolume {
                day: civil_day(day),
                channel: ChannelKind::ALL[i],
                conversations,
            })
            .collect();

        // 2. First responses, sorted (on the covering index's rows).
        let first_response = self.duration_stats(
            &format!(
                "SELECT t.first_response_ms FROM threads t
                 WHERE t.started_at >= ?1 AND t.started_at < ?2{scope}
                   AND t.first_response_ms IS NOT NULL ORDER BY 1"
            ),
            period.clone(),
        )?;
        // 3. Resolutions in the period, sorted.
        let resolution = self.duration_stats(
            &format!(
                "SELECT t.resolved_at - COALESCE(t.first_inbound_at, t.started_at) FROM threads t
                 WHERE t.resolved_at >= ?1 AND t.resolved_at < ?2{scope} ORDER BY 1"
            ),
            period,
        )?;

        Ok(Metrics {
            query: q.clone(),
            time_zone: local.zone.clone(),
            started,
            resolved: resolution.count,
            unanswered,
            first_response,
            resolution,
            within_target,
            messages_per_conversation: if started > 0 {
                messages as f64 / started as f64
            } else {
                0.0
            },
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
