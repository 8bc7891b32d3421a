//! The daily backup: a task that sleeps until the schedule's next backup is due (woken early
//! when the schedule changes), makes it into the chosen folder, and keeps the newest N.
//! Time is the injected clock's; the wait is tokio's, and never longer than an hour, so a
//! laptop waking from sleep catches up within the hour.

use super::{DAY_MS, rotate, scheduled_name};
use crate::facade::Parley;
use parley_domain::{IpcError, Millis};
use std::path::PathBuf;
use std::sync::Weak;
use std::time::Duration;

/// The longest single wait.
const MAX_WAIT: Duration = Duration::from_secs(3600);

impl Parley {
    /// Makes the scheduled backup when it is due at `now`; answers whether one was made
    /// (`Err`: it was due and failed; the failure is also kept for Settings).
    pub async fn backup_if_due(&self) -> Result<bool, IpcError> {
        let now = self.clock.now();
        let s = self.load_schedule().await?;
        let (Some(next), Some(folder), Some(key)) =
            (s.next_at(now), s.folder.clone(), s.key.clone())
        else {
            return Ok(false);
        };
        if next > now {
            return Ok(false);
        }
        let folder = PathBuf::from(folder);
        let target = folder.join(scheduled_name(now));
        let written = self.write_backup(&key, &target).await;
        let written = match written {
            Ok(w) => {
                let keep = s.keep();
                let f = folder.clone();
                match tokio::task::spawn_blocking(move || rotate(&f, keep)).await {
                    Ok(Ok(_)) => Ok(w),
                    Ok(Err(e)) => {
                        tracing::warn!("old backups not rotated: {e}");
                        Ok(w)
                    }
                    Err(e) => Err(super::internal(e)),
                }
            }
            Err(e) => Err(e),
        };
        self.record(now, &target, &written, true).await;
        written.map(|_| true)
    }
}

/// Runs the schedule while the core lives.
pub(crate) fn spawn(app: Weak<Parley>) {
    tokio::spawn(async move {
        loop {
            let Some(strong) = app.upgrade() else { return };
            if let Err(e) = strong.backup_if_due().await {
                tracing::warn!("scheduled backup failed: {}", e.message);
            }
            let wait = wait_for(&strong).await;
            // Only the wake-up is held while waiting: the core can go meanwhile.
            let wake = strong.backup.wake.clone();
            drop(strong);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = wake.notified() => {}
            }
        }
    });
}

async fn wait_for(app: &Parley) -> Duration {
    let now: Millis = app.clock.now();
    let next = app
        .load_schedule()
        .await
        .ok()
        .and_then(|s| s.next_at(now))
        .unwrap_or(now + DAY_MS);
    Duration::from_millis((next - now).max(1000) as u64).min(MAX_WAIT)
}
