//! Respectful outbound (issue 18) in the core: the outbound policy each account's dispatcher asks
//! before a send ([`CorePolicy`]: quiet hours in the customer's local time, and the caps), the
//! workspace's settings for them, and an agent's opt-out mark in the customer pane.
//!
//! **Quiet hours.** The customer's zone is what the pane shows (`customer_time.rs`: a zone set
//! by hand, the phone number's zone, the latest email's Date offset); with none, or "several time
//! zones", nothing is held (the pane already says the time is unknown). Inside the workspace's
//! window (default 21:00–08:00, local to the customer, `chrono-tz` across daylight saving) a
//! reply is held with `HoldReason::QuietHours`, a note in words and its release time, the next
//! end of the window in the customer's zone; the dispatcher releases it then. An agent's answer
//! to a customer who wrote in the last 15 minutes is held with a note that asks ("They wrote 3
//! min ago — send now?"): "Send anyway" is the confirmed override. The decision:
//! `docs/decisions/023-quiet-hours.md`.

use crate::errors;
use crate::facade::Parley;
use chrono::{Duration as ChronoDuration, FixedOffset, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use parley_domain::{
    ContactContext, CoreEvent, CustomerTime, ErrorCode, IdentityId, IpcError,
    LIVE_CONVERSATION_MILLIS, Millis, OptOutSource, OutboundSettings, ThreadId,
};
use parley_store::{QuietHold, Store, StoreError};
use parley_sync::OutboundPolicy;

/// The policy the core gives every account's dispatcher.
#[derive(Debug, Default, Clone, Copy)]
pub struct CorePolicy;

impl OutboundPolicy for CorePolicy {
    fn recheck(
        &self,
        store: &Store,
        thread: ThreadId,
        now: Millis,
    ) -> Result<(Option<QuietHold>, Option<OutboundSettings>), StoreError> {
        let settings = store.outbound_settings()?;
        let quiet = if settings.quiet_hours_enabled {
            quiet_hold_for(store, thread, &settings, now)?
        } else {
            None
        };
        Ok((quiet, Some(settings)))
    }
}

/// Quiet hours for the customer of `thread` now, if it is night for them.
pub fn quiet_hold_for(
    store: &Store,
    thread: ThreadId,
    settings: &OutboundSettings,
    now: Millis,
) -> Result<Option<QuietHold>, StoreError> {
    let Some(ctx) = store.contact_context(thread)? else {
        return Ok(None);
    };
    let hints = store.contact_time_hints(ctx.contact_id)?;
    let Some(time) = crate::customer_time::customer_time(&ctx, &hints, now) else {
        return Ok(None);
    };
    let last_inbound = store.thread_target(thread)?.and_then(|t| t.last_inbound_at);
    Ok(quiet_hold(
        &time,
        settings,
        now,
        &ctx.display_name,
        last_inbound,
    ))
}

/// The customer's wall clock: a zone (daylight saving included) or a fixed offset (an email's).
enum Wall {
    Zone(Tz),
    Fixed(FixedOffset),
}

/// Whether `now` falls in the customer's quiet hours; when it does, until when (the next end of
/// the window in their time) and the note the agent reads. `None` with no known time.
pub fn quiet_hold(
    time: &CustomerTime,
    settings: &OutboundSettings,
    now: Millis,
    name: &str,
    last_inbound: Option<Millis>,
) -> Option<QuietHold> {
    if time.ambiguous {
        return None;
    }
    let wall = match time
        .zone
        .as_deref()
        .and_then(crate::customer_time::known_zone)
    {
        Some(zone) => Wall::Zone(zone),
        None => Wall::Fixed(FixedOffset::east_opt(time.offset_minutes? * 60)?),
    };
    let utc = Utc.timestamp_millis_opt(now).single()?;
    let local = match &wall {
        Wall::Zone(z) => utc.with_timezone(z).naive_local(),
        Wall::Fixed(f) => utc.with_timezone(f).naive_local(),
    };
    let minute = u16::try_from(local.hour() * 60 + local.minute()).ok()?;
    if !settings.is_quiet_minute(minute) {
        return None;
    }
    // The window's end: today if it is still ahead, else tomorrow, in the customer's time.
    let end = NaiveTime::from_hms_opt(
        u32::from(settings.quiet_end_minute / 60),
        u32::from(settings.quiet_end_minute % 60),
        0,
    )?;
    let mut day = local.date();
    if local.time() >= end {
        day = day.succ_opt()?;
    }
    let end_local = day.and_time(end);
    let until = match &wall {
        // A morning that falls in a daylight-saving gap starts at the first instant after it.
        Wall::Zone(z) => match z.from_local_datetime(&end_local) {
            chrono::LocalResult::Single(t) => t.timestamp_millis(),
            chrono::LocalResult::Ambiguous(first, _) => first.timestamp_millis(),
            chrono::LocalResult::None => z
                .from_local_datetime(&(end_local + ChronoDuration::hours(1)))
                .earliest()?
                .timestamp_millis(),
        },
        Wall::Fixed(f) => f
            .from_local_datetime(&end_local)
            .single()?
            .timestamp_millis(),
    };
    let place = match (&wall, time.offset_minutes) {
        (Wall::Zone(z), _) => z.name().to_owned(),
        (Wall::Fixed(_), Some(m)) => format!("UTC{}", offset_words(m)),
        (Wall::Fixed(_), None) => "their time".to_owned(),
    };
    let clock = format!("{:02}:{:02}", local.hour(), local.minute());
    let morning = format!(
        "{:02}:{:02}",
        settings.quiet_end_minute / 60,
        settings.quiet_end_minute % 60
    );
    let wrote = last_inbound
        .map(|at| now.saturating_sub(at))
        .filter(|ago| *ago < LIVE_CONVERSATION_MILLIS);
    let note = match wrote {
        Some(ago) => format!(
            "{name} wrote {} ago, and it is {clock} for them ({place}): quiet hours. Send now? \
             Otherwise it goes by itself at {morning} their time.",
            ago_words(ago)
        ),
        None => format!(
            "It is {clock} for {name} ({place}), within quiet hours. It goes by itself at \
             {morning} their time, or choose Send now."
        ),
    };
    Some(QuietHold { until, note })
}

fn ago_words(ms: Millis) -> String {
    let minutes = ms / 60_000;
    if minutes < 1 {
        "moments".to_owned()
    } else if minutes == 1 {
        "1 min".to_owned()
    } else {
        format!("{minutes} min")
    }
}

fn offset_words(minutes: i32) -> String {
    let sign = if minutes < 0 { '-' } else { '+' };
    let m = minutes.unsigned_abs();
    format!("{sign}{:02}:{:02}", m / 60, m % 60)
}

impl Parley {
    /// Settings → Outbound: quiet hours and frequency caps.
    pub async fn outbound_settings(&self) -> Result<OutboundSettings, IpcError> {
        self.db
            .call(|s| s.outbound_settings())
            .await
            .map_err(errors::store)
    }

    /// Saves quiet hours and caps (checked first); replies already held keep their release time.
    pub async fn set_outbound_settings(
        &self,
        settings: OutboundSettings,
    ) -> Result<OutboundSettings, IpcError> {
        settings
            .validate()
            .map_err(|why| IpcError::new(ErrorCode::InvalidInput, format!("Not saved: {why}")))?;
        let now = self.clock.now();
        self.db
            .call(move |s| {
                s.set_outbound_settings(&settings, now)?;
                s.outbound_settings()
            })
            .await
            .map_err(errors::store)
    }

    /// An agent marks the customer opted out of messages on one identity (or back in, when the
    /// customer asked): recorded with the agent's name and the time, shown in the pane, which
    /// this answers as it now is.
    pub async fn set_identity_opt_out(
        &self,
        identity: IdentityId,
        opted_out: bool,
    ) -> Result<ContactContext, IpcError> {
        let (agent, now) = (crate::notes::agent_name(), self.clock.now());
        let threads = self
            .db
            .call(move |s| {
                s.set_identity_opt_out(identity, opted_out, OptOutSource::Agent, Some(&agent), now)
            })
            .await
            .map_err(errors::store)?;
        let Some(&first) = threads.first() else {
            return Err(errors::not_found("conversation of this identity"));
        };
        let _ = self.events.send(CoreEvent::ContactsChanged);
        let _ = self.events.send(CoreEvent::ThreadsChanged {
            thread_ids: threads,
        });
        self.contact_context(first).await
    }
}

#[cfg(test)]
mod tests;
