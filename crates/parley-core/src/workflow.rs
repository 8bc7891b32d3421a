//! The workflow as the window uses it: views and their counts, status/priority/label changes on
//! one or many conversations (with Undo), labels, snooze choices in the agent's time zone, and
//! the task that wakes snoozed conversations at their time (or at the next start, in order).

use crate::errors;
use crate::facade::Parley;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use parley_domain::*;
use parley_sync::EngineEvent;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// The wake-up task looks again at least this often (a clock change, a missed wake).
const WAKE_CHECK: Duration = Duration::from_secs(30);

/// The hour "this evening" and the morning choices mean.
const EVENING: i8 = 18;
const MORNING: i8 = 9;

/// Snooze choices for an agent at `now` in `tz`: in 1 hour, this evening (18:00, while it is
/// before 17:00), tomorrow 09:00, next Monday 09:00 — wall-clock times, DST included.
pub fn snooze_choices(now: Millis, tz: &TimeZone) -> Vec<SnoozeChoice> {
    let Ok(ts) = Timestamp::from_millisecond(now) else {
        return Vec::new();
    };
    let here = ts.to_zoned(tz.clone());
    let at = |z: &Zoned, hour: i8| -> Option<Zoned> {
        z.date()
            .to_datetime(Time::constant(hour, 0, 0, 0))
            .to_zoned(tz.clone())
            .ok()
    };
    let mut out = Vec::new();
    let mut push = |label: &str, z: Option<Zoned>, fmt: &str| {
        if let Some(z) = z
            && z.timestamp() > ts
        {
            out.push(SnoozeChoice {
                label: label.to_owned(),
                when: z.strftime(fmt).to_string(),
                until: z.timestamp().as_millisecond(),
            });
        }
    };
    push("In 1 hour", here.checked_add(1.hour()).ok(), "%H:%M");
    if here.hour() < EVENING - 1 {
        push("This evening", at(&here, EVENING), "%H:%M");
    }
    let tomorrow = here.checked_add(1.day()).ok();
    push(
        "Tomorrow",
        tomorrow.as_ref().and_then(|t| at(t, MORNING)),
        "%a %H:%M",
    );
    let days_to_monday = match here.weekday() {
        Weekday::Monday => 7,
        d => 8 - d.to_monday_one_offset(),
    };
    let monday = here.checked_add(i64::from(days_to_monday).days()).ok();
    push(
        "Next Monday",
        monday.as_ref().and_then(|m| at(m, MORNING)),
        "%a %d %b %H:%M",
    );
    out
}

impl Parley {
    /// One page of a view of the inbox.
    pub async fn list_view(
        &self,
        view: ThreadView,
        cursor: Option<PageCursor>,
        limit: u32,
    ) -> Result<ThreadPage, IpcError> {
        let limit = limit.clamp(1, 200);
        self.db
            .call(move |s| s.list_view(view, cursor, limit))
            .await
            .map_err(errors::store)
    }

    /// These conversations as they are now (those that still exist), in the order asked: what
    /// the window re-reads after `threadsChanged` to place the changed rows in its list.
    pub async fn thread_summaries(
        &self,
        threads: Vec<ThreadId>,
    ) -> Result<Vec<ThreadSummary>, IpcError> {
        self.db
            .call(move |s| s.thread_summaries(&threads))
            .await
            .map_err(errors::store)
    }

    /// How many conversations each view holds.
    pub async fn view_counts(&self) -> Result<ViewCounts, IpcError> {
        self.db
            .call(|s| s.view_counts())
            .await
            .map_err(errors::store)
    }

    /// Applies one change to one or several conversations in one transaction; the outcome holds
    /// their states before, for Undo.
    pub async fn change_threads(
        &self,
        threads: Vec<ThreadId>,
        change: ThreadChange,
    ) -> Result<ChangeOutcome, IpcError> {
        if threads.is_empty() {
            return Ok(ChangeOutcome {
                applied: true,
                before: Vec::new(),
                queued_replies: 0,
            });
        }
        let now = self.clock.now();
        let ids = threads.clone();
        let outcome = self
            .db
            .call(move |s| s.change_threads(&ids, &change, now))
            .await
            .map_err(workflow_error)?;
        if outcome.applied {
            self.threads_changed(threads);
            self.wake_snoozes();
        }
        Ok(outcome)
    }

    /// Undo: puts conversations back as a change found them.
    pub async fn undo_change(&self, before: Vec<ThreadState>) -> Result<(), IpcError> {
        let restored = self
            .db
            .call(move |s| s.restore_threads(&before))
            .await
            .map_err(errors::store)?;
        self.threads_changed(restored);
        self.wake_snoozes();
        Ok(())
    }

    fn threads_changed(&self, threads: Vec<ThreadId>) {
        for &thread_id in &threads {
            // The thread shows its status history.
            let _ = self.events.send(CoreEvent::MessagesChanged { thread_id });
        }
        let _ = self.events.send(CoreEvent::ThreadsChanged {
            thread_ids: threads,
        });
    }

    pub async fn list_labels(&self) -> Result<Vec<Label>, IpcError> {
        self.db.call(|s| s.labels()).await.map_err(errors::store)
    }

    pub async fn create_label(&self, name: String, color: String) -> Result<Label, IpcError> {
        let now = self.clock.now();
        let label = self
            .db
            .call(move |s| s.create_label(&name, &color, now))
            .await
            .map_err(workflow_error)?;
        let _ = self.events.send(CoreEvent::LabelsChanged);
        Ok(label)
    }

    pub async fn update_label(
        &self,
        label: LabelId,
        name: String,
        color: String,
    ) -> Result<Label, IpcError> {
        let updated = self
            .db
            .call(move |s| s.update_label(label, &name, &color))
            .await
            .map_err(workflow_error)?;
        let _ = self.events.send(CoreEvent::LabelsChanged);
        Ok(updated)
    }

    /// Deletes a label and takes it off every conversation.
    pub async fn delete_label(&self, label: LabelId) -> Result<(), IpcError> {
        let threads = self
            .db
            .call(move |s| s.delete_label(label))
            .await
            .map_err(errors::store)?;
        let _ = self.events.send(CoreEvent::LabelsChanged);
        let _ = self.events.send(CoreEvent::ThreadsChanged {
            thread_ids: threads,
        });
        Ok(())
    }

    /// The quick snooze choices, in the computer's time zone.
    pub fn snooze_choices(&self) -> Vec<SnoozeChoice> {
        snooze_choices(self.clock.now(), &TimeZone::system())
    }

    /// Has the wake-up task look at the snoozes now (one was set, moved or undone).
    pub(crate) fn wake_snoozes(&self) {
        self.snooze_wake.notify_one();
    }

    /// Starts the task that wakes snoozed conversations: at once (those due while Parley was
    /// closed, in the order they were due), then at each one's time.
    pub(crate) fn spawn_snooze_waker(self: &Arc<Self>) {
        let app: Weak<Parley> = Arc::downgrade(self);
        let wake = self.snooze_wake.clone();
        tokio::spawn(async move {
            loop {
                let Some(app) = app.upgrade() else { return };
                let wait = app.wake_due().await;
                drop(app);
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = wake.notified() => {}
                }
            }
        });
    }

    /// Wakes what is due and says how long until the next one (at most [`WAKE_CHECK`]).
    async fn wake_due(&self) -> Duration {
        let now = self.clock.now();
        match self.db.call(move |s| s.wake_snoozed(now)).await {
            Ok(woken) if !woken.is_empty() => {
                let threads: Vec<ThreadId> = woken.iter().map(|w| w.thread).collect();
                tracing::info!(count = woken.len(), "snoozed conversations woke");
                let _ = self.engine.send(EngineEvent::SnoozesEnded { woken });
                self.threads_changed(threads);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("could not wake snoozed conversations: {e}"),
        }
        let next = self.db.call(|s| s.next_wake()).await.ok().flatten();
        let now = self.clock.now();
        next.map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
            .unwrap_or(WAKE_CHECK)
            .min(WAKE_CHECK)
    }
}

/// A refused workflow change in the agent's words.
fn workflow_error(e: parley_store::StoreError) -> IpcError {
    match e {
        parley_store::StoreError::Invalid(why) => IpcError::new(
            ErrorCode::InvalidInput,
            match why.as_str() {
                "a snooze must end in the future" => {
                    "Choose a time in the future to snooze until.".to_owned()
                }
                _ => format!("That change is not possible: {why}."),
            },
        ),
        parley_store::StoreError::Duplicate => IpcError::new(
            ErrorCode::Duplicate,
            "A label with this name already exists.",
        ),
        other => errors::store(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(tz: &TimeZone, s: &str) -> Millis {
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", s)
            .expect("datetime")
            .to_zoned(tz.clone())
            .expect("zoned")
            .timestamp()
            .as_millisecond()
    }

    fn labels(choices: &[SnoozeChoice]) -> Vec<(&str, &str)> {
        choices
            .iter()
            .map(|c| (c.label.as_str(), c.when.as_str()))
            .collect()
    }

    #[test]
    fn choices_are_wall_clock_times_across_a_dst_change_in_berlin() {
        let tz = TimeZone::get("Europe/Berlin").expect("zone");
        // Saturday 28 March 2026, 10:00; clocks go forward on Sunday 29 March at 02:00.
        let now = at(&tz, "2026-03-28 10:00");
        let c = snooze_choices(now, &tz);
        assert_eq!(
            labels(&c),
            vec![
                ("In 1 hour", "11:00"),
                ("This evening", "18:00"),
                ("Tomorrow", "Sun 09:00"),
                ("Next Monday", "Mon 30 Mar 09:00"),
            ]
        );
        // Tomorrow 09:00 is 22 h later, not 23: the night is an hour shorter.
        assert_eq!(c[2].until - now, 22 * 3_600_000);
        assert_eq!(c[3].until, at(&tz, "2026-03-30 09:00"));
    }

    #[test]
    fn choices_in_new_york_across_the_autumn_change_and_late_in_the_day() {
        let tz = TimeZone::get("America/New_York").expect("zone");
        // Saturday 31 October 2026, 20:30; clocks go back on Sunday 1 November at 02:00.
        let now = at(&tz, "2026-10-31 20:30");
        let c = snooze_choices(now, &tz);
        // No "this evening" at 20:30.
        assert_eq!(
            labels(&c),
            vec![
                ("In 1 hour", "21:30"),
                ("Tomorrow", "Sun 09:00"),
                ("Next Monday", "Mon 02 Nov 09:00"),
            ]
        );
        // The night is an hour longer: 13 h 30 to 09:00.
        assert_eq!(c[1].until - now, 13 * 3_600_000 + 30 * 60_000);
    }

    #[test]
    fn on_a_monday_next_monday_is_a_week_away() {
        let tz = TimeZone::get("Europe/Berlin").expect("zone");
        let now = at(&tz, "2026-12-07 08:00");
        let c = snooze_choices(now, &tz);
        let monday = c.iter().find(|c| c.label == "Next Monday").expect("monday");
        assert_eq!(monday.until, at(&tz, "2026-12-14 09:00"));
    }
}
