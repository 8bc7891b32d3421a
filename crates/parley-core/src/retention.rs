//! Retention (issue 18; `docs/decisions/026-retention.md`): per account, conversations resolved
//! more than N calendar months ago — in the agent's time zone — are deleted, by hand after a
//! preview of their exact count, and by a daily pass (at start when one is overdue).
//!
//! The store deletes in batches, each one transaction (`parley-store/src/retention.rs`); here
//! the run is driven: the cut-off computed, the batches called one by one (the store is free
//! between them), the file rebuilt once, the deleted messages' downloaded files removed, and the
//! run closed. A run a crash interrupted stays open in the store; the next pass finishes it.

use crate::errors;
use crate::facade::Parley;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use parley_domain::*;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Conversations per batch (one transaction each).
const BATCH: u32 = 200;
const DAY_MS: Millis = 86_400_000;
/// The longest single wait of the daily pass (a laptop waking from sleep catches up within it).
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// The daily pass's wake-up, and the lock that keeps two runs from interleaving.
#[derive(Default)]
pub(crate) struct RetentionState {
    pub(crate) wake: Arc<tokio::sync::Notify>,
    running: tokio::sync::Mutex<()>,
}

/// The cut-off of a retention of `months` at `now`: the same wall-clock time `months` calendar
/// months earlier in `zone`. A day the month lacks is its last day (31 March less one month is
/// 28 or 29 February); a time a clock change skipped is read as the time after the change.
/// Conversations resolved before it go.
pub fn cutoff(now: Millis, months: u32, zone: &TimeZone) -> Millis {
    let Ok(ts) = Timestamp::from_millisecond(now) else {
        return Millis::MIN;
    };
    match ts
        .to_zoned(zone.clone())
        .checked_sub(i64::from(months).months())
    {
        Ok(then) => then.timestamp().as_millisecond(),
        Err(_) => Millis::MIN,
    }
}

/// When the daily pass next looks at an account with a policy.
fn next_at(last: Option<&RetentionRun>, now: Millis) -> Millis {
    match last {
        Some(run) if run.finished_at.is_some() => run.started_at + DAY_MS,
        _ => now,
    }
}

impl Parley {
    /// Every account's retention, as Settings shows it.
    pub async fn retention_settings(&self) -> Result<Vec<RetentionSettings>, IpcError> {
        let now = self.clock.now();
        let (accounts, rows) = self
            .db
            .call(|s| Ok((s.accounts()?, s.retention_rows()?)))
            .await
            .map_err(errors::store)?;
        Ok(accounts
            .into_iter()
            .map(|a| {
                let row = rows.iter().find(|r| r.account == a.id);
                let months = row.and_then(|r| r.months);
                let last_run = row.and_then(|r| r.last_run.clone());
                RetentionSettings {
                    account_id: a.id,
                    months,
                    next_at: months.map(|_| next_at(last_run.as_ref(), now)),
                    last_run,
                }
            })
            .collect())
    }

    /// What a retention of `months` on the account would delete now, exactly.
    pub async fn preview_retention(
        &self,
        account_id: AccountId,
        months: u32,
    ) -> Result<RetentionPreview, IpcError> {
        self.preview_retention_in(account_id, months, &TimeZone::system())
            .await
    }

    pub(crate) async fn preview_retention_in(
        &self,
        account_id: AccountId,
        months: u32,
        zone: &TimeZone,
    ) -> Result<RetentionPreview, IpcError> {
        check_months(months)?;
        let cut = cutoff(self.clock.now(), months, zone);
        let count = self
            .db
            .call(move |s| {
                s.account(account_id)?
                    .ok_or(parley_store::StoreError::NotFound("account"))?;
                s.retention_count(account_id, cut)
            })
            .await
            .map_err(errors::store)?;
        Ok(RetentionPreview {
            account_id,
            months,
            cutoff: cut,
            conversations: count.conversations,
            messages: count.messages,
            oldest_resolved_at: count.oldest_resolved_at,
            newest_resolved_at: count.newest_resolved_at,
        })
    }

    /// Sets the account's retention. Off (`months: null`) deletes nothing. On, it deletes now
    /// what the preview the agent confirmed showed — conversations resolved before `cutoff`, the
    /// preview's — and then daily. A `cutoff` later than `months` allow now is refused.
    pub async fn set_retention(
        &self,
        account_id: AccountId,
        months: Option<u32>,
        cutoff: Option<Millis>,
    ) -> Result<RetentionSettings, IpcError> {
        self.set_retention_in(account_id, months, cutoff, &TimeZone::system())
            .await
    }

    pub(crate) async fn set_retention_in(
        &self,
        account_id: AccountId,
        months: Option<u32>,
        confirmed: Option<Millis>,
        zone: &TimeZone,
    ) -> Result<RetentionSettings, IpcError> {
        // Held from the policy's write to the end of its run: the daily pass must not see the
        // new policy first and delete with its own, later cut-off.
        let _guard = self.retention.running.lock().await;
        let now = self.clock.now();
        let run_with = match months {
            Some(m) => {
                check_months(m)?;
                let Some(confirmed) = confirmed else {
                    return Err(IpcError::new(
                        ErrorCode::InvalidInput,
                        "Preview what this deletes first.",
                    ));
                };
                if confirmed > cutoff(now, m, zone) {
                    return Err(IpcError::new(
                        ErrorCode::InvalidInput,
                        format!(
                            "That preview deletes conversations resolved less than {m} months ago. Preview again."
                        ),
                    ));
                }
                Some(confirmed)
            }
            None => None,
        };
        self.db
            .call(move |s| s.set_retention_months(account_id, months, now))
            .await
            .map_err(errors::store)?;
        if let Some(cut) = run_with {
            self.run_retention(account_id, cut).await?;
            self.finish_retention(&[account_id]).await?;
        }
        drop(_guard);
        self.retention.wake.notify_one();
        let _ = self.events.send(CoreEvent::RetentionChanged);
        self.retention_settings()
            .await?
            .into_iter()
            .find(|r| r.account_id == account_id)
            .ok_or_else(|| errors::not_found("account"))
    }

    /// The daily pass at `now`: every account whose policy is due, and every run a crash left
    /// open. Answers how many conversations went.
    pub async fn retention_if_due(&self) -> Result<i64, IpcError> {
        self.retention_if_due_in(&TimeZone::system()).await
    }

    pub(crate) async fn retention_if_due_in(&self, zone: &TimeZone) -> Result<i64, IpcError> {
        let _guard = self.retention.running.lock().await;
        let now = self.clock.now();
        let (rows, unfinished) = self
            .db
            .call(|s| Ok((s.retention_rows()?, s.unfinished_retention_runs()?)))
            .await
            .map_err(errors::store)?;
        // Interrupted runs first, with their own cut-off (the owner confirmed it); then the due.
        let mut runs: Vec<(AccountId, Millis)> = unfinished;
        for row in rows {
            let (Some(months), true) = (row.months, !runs.iter().any(|(a, _)| *a == row.account))
            else {
                continue;
            };
            if next_at(row.last_run.as_ref(), now) <= now {
                runs.push((row.account, cutoff(now, months, zone)));
            }
        }
        if runs.is_empty() {
            // Files a crash left behind after their rows went.
            self.remove_purged_files().await;
            return Ok(0);
        }
        let mut deleted = 0;
        let mut done = Vec::new();
        for (account, cut) in runs {
            match self.run_retention(account, cut).await {
                Ok(n) => {
                    deleted += n;
                    done.push(account);
                }
                Err(e) => {
                    tracing::warn!("retention of account {} failed: {}", account.0, e.message);
                    let message = e.message.clone();
                    let now = self.clock.now();
                    let _ = self
                        .db
                        .call(move |s| s.finish_retention_run(account, now, Some(&message)))
                        .await;
                }
            }
        }
        self.finish_retention(&done).await?;
        let _ = self.events.send(CoreEvent::RetentionChanged);
        Ok(deleted)
    }

    /// One account's run with `cut`, batch by batch, left open (see [`Self::finish_retention`]).
    async fn run_retention(&self, account: AccountId, cut: Millis) -> Result<i64, IpcError> {
        let now = self.clock.now();
        self.db
            .call(move |s| s.begin_retention_run(account, cut, now))
            .await
            .map_err(errors::store)?;
        let mut deleted = 0;
        loop {
            let batch = self
                .db
                .call(move |s| s.purge_resolved_batch(account, cut, BATCH))
                .await
                .map_err(errors::store)?;
            if batch.conversations == 0 {
                break;
            }
            deleted += batch.conversations;
            let _ = self
                .events
                .send(CoreEvent::ThreadsChanged { thread_ids: vec![] });
        }
        Ok(deleted)
    }

    /// After the runs of `accounts`: the deleted bytes out of the files, the downloaded files
    /// removed, and the runs closed — in that order, so a crash before the end leaves the run
    /// open and the next pass does it all again.
    async fn finish_retention(&self, accounts: &[AccountId]) -> Result<(), IpcError> {
        self.db
            .call(|s| s.compact_after_purge())
            .await
            .map_err(errors::store)?;
        self.remove_purged_files().await;
        let now = self.clock.now();
        let accounts = accounts.to_vec();
        self.db
            .call(move |s| {
                for a in accounts {
                    s.finish_retention_run(a, now, None)?;
                }
                Ok(())
            })
            .await
            .map_err(errors::store)?;
        Ok(())
    }

    /// Removes the downloaded files of deleted messages from disk, then forgets them.
    async fn remove_purged_files(&self) {
        let base = self.paths().attachments();
        loop {
            let files = match self.db.call(|s| s.purged_files(500)).await {
                Ok(f) => f,
                Err(e) => {
                    tracing::warn!("files of deleted conversations not read: {e}");
                    return;
                }
            };
            if files.is_empty() {
                return;
            }
            let mut removed = Vec::new();
            for f in files {
                let dir = crate::files::account_files(&base, f.channel, &f.external_id);
                let mut all = true;
                for (index, a) in f.attachments.iter().enumerate() {
                    let Some(remote_ref) = a.remote_ref.as_deref() else {
                        continue;
                    };
                    let name = crate::files::safe_file_name(
                        a.file_name.as_deref(),
                        a.mime_type.as_deref(),
                    );
                    let path = crate::files::attachment_file(
                        &dir,
                        &f.message_key,
                        index,
                        remote_ref,
                        &name,
                    );
                    if let Err(e) = tokio::fs::remove_file(&path).await
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        tracing::warn!("a deleted conversation's file stays: {e}");
                        all = false;
                    }
                }
                if all {
                    removed.push(f.id);
                }
            }
            if removed.is_empty() {
                return;
            }
            if let Err(e) = self.db.call(move |s| s.forget_purged_files(&removed)).await {
                tracing::warn!("removed files not forgotten: {e}");
                return;
            }
        }
    }
}

fn check_months(months: u32) -> Result<(), IpcError> {
    if !(1..=RETENTION_MONTHS_MAX).contains(&months) {
        return Err(IpcError::new(
            ErrorCode::InvalidInput,
            format!("Choose between 1 and {RETENTION_MONTHS_MAX} months."),
        ));
    }
    Ok(())
}

/// Runs the daily pass while the core lives (the first at start, which catches up an overdue
/// or interrupted run).
pub(crate) fn spawn(app: Weak<Parley>) {
    tokio::spawn(async move {
        loop {
            let Some(strong) = app.upgrade() else { return };
            if let Err(e) = strong.retention_if_due().await {
                tracing::warn!("retention pass failed: {}", e.message);
            }
            let wait = wait_for(&strong).await;
            let wake = strong.retention.wake.clone();
            drop(strong);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = wake.notified() => {}
            }
        }
    });
}

async fn wait_for(app: &Parley) -> Duration {
    let now = app.clock.now();
    let next = app
        .retention_settings()
        .await
        .ok()
        .and_then(|all| all.iter().filter_map(|r| r.next_at).min())
        .unwrap_or(now + DAY_MS);
    Duration::from_millis((next - now).max(1000) as u64).min(MAX_WAIT)
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
