//! Which messages deserve a notification, and what the OS should show. Pure: every decision
//! takes `now` from the caller (the service reads the injected clock), so it is tested without
//! a desktop or a real clock.

use super::schedule;
use parley_domain::{AccountId, ChannelKind, Direction, Millis, NotificationPrefs, ThreadId};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest body shown; notification servers cut long bodies anyway, and a short one reads better.
const BODY_MAX_CHARS: usize = 200;

/// The body in place of the customer's text when the agent chose not to show message text.
pub const HIDDEN_BODY: &str = "New message";

/// One notification to show, or to update in place when `key` is already showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub thread: ThreadId,
    /// One per thread, so a burst updates one notification.
    pub key: String,
    /// Customer name and channel.
    pub summary: String,
    /// The first line of the newest message, as plain text.
    pub body: String,
    /// Messages since the agent last looked at the thread.
    pub count: u32,
    /// A re-alert: the customer has waited without a reply.
    pub waiting: bool,
    pub sound: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Show(Shown),
    Close {
        key: String,
    },
    /// A notification that stands for many messages (initial sync, the end of quiet time).
    Summary {
        text: String,
        sound: bool,
    },
}

/// A message as the policy needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub thread: ThreadId,
    pub direction: Direction,
    pub contact_name: String,
    pub text: String,
    /// The customer is blocked: their messages are kept but never notify, nor count as waiting
    /// for a re-alert.
    pub blocked: bool,
}

/// The account a batch of messages came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub account: AccountId,
    pub channel: ChannelKind,
    pub account_name: String,
}

#[derive(Debug, Clone)]
struct Group {
    summary_name: String,
    channel: ChannelKind,
    body: String,
    count: u32,
}

/// A customer who wrote and has had no reply yet. Kept apart from `Group`, which goes when the
/// agent looks at the thread: looking is not answering.
#[derive(Debug, Clone)]
struct Waiting {
    since: Millis,
    realerted: bool,
    summary_name: String,
    channel: ChannelKind,
    body: String,
}

pub fn thread_key(thread: ThreadId) -> String {
    format!("thread-{thread}")
}

pub const SUMMARY_KEY: &str = "summary";

/// The first non-blank line, without control characters, shortened: what a notification shows.
pub fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    let Some(line) = line else {
        return "Sent an attachment".into();
    };
    let clean: String = line.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > BODY_MAX_CHARS {
        let mut cut: String = clean.chars().take(BODY_MAX_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        clean
    }
}

/// "a", "a and b", "a, b and c".
fn joined(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Accounts that started together (the app's start, an account added) and read their history:
/// one summary for all of them, once none is still reading.
#[derive(Debug, Default)]
struct FirstSyncRound {
    /// Accounts still connecting or catching up.
    pending: BTreeSet<AccountId>,
    /// Per account (in id order, the order they were added in): its name, channel and the
    /// threads its history brought.
    read: BTreeMap<AccountId, (String, ChannelKind, BTreeSet<ThreadId>)>,
}

#[derive(Debug, Default)]
pub struct Policy {
    prefs: NotificationPrefs,
    open_thread: Option<ThreadId>,
    focused: bool,
    groups: HashMap<ThreadId, Group>,
    waiting: HashMap<ThreadId, Waiting>,
    /// Messages held back by quiet time, per thread, for the summary when it ends.
    held: BTreeMap<ThreadId, u32>,
    /// The first syncs under way, for the one "N conversations synced" summary.
    first_sync: FirstSyncRound,
    was_quiet: bool,
    /// Spike mode is on: new messages group into one notification (`grouped.rs`).
    spike: Option<super::grouped::SpikeGroup>,
}

impl Policy {
    pub fn new(prefs: NotificationPrefs, now: Millis) -> Self {
        let was_quiet = schedule::quiet(&prefs, now).is_some();
        Self {
            prefs,
            was_quiet,
            ..Default::default()
        }
    }

    pub fn prefs(&self) -> &NotificationPrefs {
        &self.prefs
    }

    /// New preferences: a thread muted now loses its notification at once, and switching DND off
    /// delivers the summary of what waited.
    pub fn set_prefs(&mut self, prefs: NotificationPrefs, now: Millis) -> Vec<Command> {
        let hide_text = self.prefs.show_message_text && !prefs.show_message_text;
        self.prefs = prefs;
        let mut out = Vec::new();
        let silenced: Vec<ThreadId> = self
            .groups
            .keys()
            .copied()
            .filter(|t| self.prefs.muted_threads.contains(t) || !self.prefs.enabled)
            .collect();
        for thread in silenced {
            self.groups.remove(&thread);
            out.push(Command::Close {
                key: thread_key(thread),
            });
        }
        if hide_text {
            // Text already on screen goes at once (the screen may be shared from now on),
            // replaced in place and without a sound: nothing new arrived.
            let mut showing: Vec<ThreadId> = self.groups.keys().copied().collect();
            showing.sort();
            for thread in showing {
                if let Some(shown) = self.shown(thread) {
                    out.push(Command::Show(Shown {
                        sound: false,
                        ..shown
                    }));
                }
            }
        }
        out.extend(self.tick(now));
        out
    }

    /// What a notification may show of a message's first line: the line itself, or only that
    /// there is one when the agent hid message text.
    fn body(&self, first_line: &str) -> String {
        if self.prefs.show_message_text {
            first_line.to_owned()
        } else {
            HIDDEN_BODY.to_owned()
        }
    }

    fn visible(&self, thread: ThreadId) -> bool {
        self.focused && self.open_thread == Some(thread)
    }

    /// What the window shows: the open thread and whether the window has the focus. A thread
    /// the agent is now looking at needs no notification any more.
    pub fn set_view(&mut self, open_thread: Option<ThreadId>, focused: bool) -> Vec<Command> {
        self.open_thread = open_thread;
        self.focused = focused;
        let mut out = match open_thread {
            Some(thread) if focused => self.seen(thread),
            _ => Vec::new(),
        };
        // Back in the window during a spike: the grouped notification has done its job.
        if focused && self.spike.as_mut().is_some_and(|g| g.clear()) {
            out.push(Command::Close {
                key: super::grouped::SPIKE_KEY.into(),
            });
        }
        out
    }

    /// Spike mode went on or off (`grouped.rs`).
    pub fn set_spike(&mut self, on: bool) -> Vec<Command> {
        match (on, self.spike.take()) {
            (true, group) => {
                self.spike = Some(group.unwrap_or_default());
                Vec::new()
            }
            (false, Some(group)) if !group.is_empty() => vec![Command::Close {
                key: super::grouped::SPIKE_KEY.into(),
            }],
            (false, _) => Vec::new(),
        }
    }

    /// The agent saw the thread (opened it, marked it read): its notification goes, its count
    /// starts again. The customer still waits for a reply, so the re-alert stays armed.
    pub fn seen(&mut self, thread: ThreadId) -> Vec<Command> {
        self.held.remove(&thread);
        match self.groups.remove(&thread) {
            Some(_) => vec![Command::Close {
                key: thread_key(thread),
            }],
            None => Vec::new(),
        }
    }

    /// The agent replied (from Parley or, seen through sync, from elsewhere).
    pub fn replied(&mut self, thread: ThreadId) -> Vec<Command> {
        self.waiting.remove(&thread);
        self.seen(thread)
    }

    fn allowed(&self, source: &Source, thread: ThreadId) -> bool {
        // `scope` needs no check yet: without assignment every thread is unassigned, so both
        // choices let every thread through (see `NotifyScope`).
        self.prefs.enabled
            && !self.prefs.muted_channels.contains(&source.channel)
            && !self.prefs.muted_accounts.contains(&source.account)
            && !self.prefs.muted_threads.contains(&thread)
    }

    /// Messages the sync stored for the first time.
    pub fn on_messages(
        &mut self,
        source: &Source,
        messages: &[Incoming],
        initial: bool,
        now: Millis,
    ) -> Vec<Command> {
        let mut out = self.tick(now);
        let quiet = schedule::quiet(&self.prefs, now).is_some();
        let mut touched: Vec<ThreadId> = Vec::new();
        for m in messages {
            if m.direction == Direction::Outbound {
                // The business wrote (Parley's own sends come back this way too): no alert, and
                // the customer is no longer waiting.
                out.extend(self.replied(m.thread));
                touched.retain(|t| *t != m.thread);
                continue;
            }
            if m.blocked || !self.allowed(source, m.thread) {
                continue;
            }
            if initial {
                // Also for an account nobody announced: its history still waits for its end.
                self.first_sync.pending.insert(source.account);
                self.first_sync
                    .read
                    .entry(source.account)
                    .or_insert_with(|| {
                        (source.account_name.clone(), source.channel, BTreeSet::new())
                    })
                    .2
                    .insert(m.thread);
                continue;
            }
            let body = first_line(&m.text);
            let w = self.waiting.entry(m.thread).or_insert_with(|| Waiting {
                since: now,
                realerted: false,
                summary_name: String::new(),
                channel: source.channel,
                body: String::new(),
            });
            w.summary_name = m.contact_name.clone();
            w.body = body.clone();
            if self.visible(m.thread) {
                continue;
            }
            if quiet {
                *self.held.entry(m.thread).or_default() += 1;
                continue;
            }
            let group = self.groups.entry(m.thread).or_insert_with(|| Group {
                summary_name: m.contact_name.clone(),
                channel: source.channel,
                body: String::new(),
                count: 0,
            });
            group.count += 1;
            group.summary_name = m.contact_name.clone();
            group.body = body;
            if !touched.contains(&m.thread) {
                touched.push(m.thread);
            }
        }
        let first = self.spike.as_ref().is_some_and(|g| g.is_empty());
        let mut grouped = false;
        for thread in touched {
            if let Some(shown) = self.shown(thread) {
                match self.spike.as_mut() {
                    Some(group) => {
                        group.add(shown);
                        grouped = true;
                    }
                    None => out.push(Command::Show(shown)),
                }
            }
        }
        if grouped && let Some(shown) = self.spike.as_ref().and_then(|g| g.shown(first)) {
            out.push(Command::Show(shown));
        }
        out
    }

    fn shown(&self, thread: ThreadId) -> Option<Shown> {
        let g = self.groups.get(&thread)?;
        let channel = g.channel.display_name();
        let summary = match g.count {
            0 | 1 => format!("{} · {channel}", g.summary_name),
            n => format!("{} · {channel} ({n} new)", g.summary_name),
        };
        Some(Shown {
            thread,
            key: thread_key(thread),
            summary,
            body: self.body(&g.body),
            count: g.count,
            waiting: false,
            sound: self.prefs.sound,
        })
    }

    /// These accounts start syncing together: their first syncs end in one summary.
    pub fn accounts_starting(&mut self, accounts: &[AccountId]) {
        self.first_sync.pending.extend(accounts.iter().copied());
    }

    /// An account stopped reading: it is live, or it cannot go on by itself for now (its
    /// credentials were refused, it backs off, it stopped). Once no account that started with it
    /// is still reading, one summary stands for every conversation their histories brought,
    /// instead of one alert per message or one summary per account.
    pub fn account_settled(&mut self, account: AccountId, now: Millis) -> Vec<Command> {
        let round = &mut self.first_sync;
        round.pending.remove(&account);
        if !round.pending.is_empty() {
            return Vec::new();
        }
        let read = std::mem::take(&mut round.read);
        let threads: usize = read.values().map(|(_, _, t)| t.len()).sum();
        if threads == 0 || schedule::quiet(&self.prefs, now).is_some() {
            return Vec::new();
        }
        let conversations = plural(threads, "conversation", "conversations");
        let text = if let [(name, _, _)] = read.values().collect::<Vec<_>>()[..] {
            format!("{name}: {conversations} synced")
        } else {
            let mut channels: Vec<&str> = Vec::new();
            for (_, channel, _) in read.values() {
                let name = channel.display_name();
                if !channels.contains(&name) {
                    channels.push(name);
                }
            }
            format!("{conversations} synced from {}", joined(&channels))
        };
        vec![Command::Summary { text, sound: false }]
    }

    /// Runs the timers: the end of quiet time and the waiting-customer re-alerts.
    pub fn tick(&mut self, now: Millis) -> Vec<Command> {
        let mut out = Vec::new();
        let quiet = schedule::quiet(&self.prefs, now);
        if self.was_quiet && quiet.is_none() && !self.held.is_empty() {
            let messages: u32 = self.held.values().sum();
            let reason = "while notifications were paused";
            out.push(Command::Summary {
                text: format!(
                    "{} in {} {reason}",
                    plural(messages as usize, "new message", "new messages"),
                    plural(self.held.len(), "conversation", "conversations"),
                ),
                sound: self.prefs.sound,
            });
            // The summary speaks for these customers; don't follow it with a re-alert each.
            for thread in std::mem::take(&mut self.held).into_keys() {
                if let Some(w) = self.waiting.get_mut(&thread) {
                    w.realerted = true;
                }
            }
        }
        self.was_quiet = quiet.is_some();
        // During a spike every customer waits: no re-alert each (`grouped.rs`).
        if quiet.is_some()
            || self.prefs.realert_minutes == 0
            || !self.prefs.enabled
            || self.spike.is_some()
        {
            return out;
        }
        let after = i64::from(self.prefs.realert_minutes) * 60_000;
        let due: Vec<ThreadId> = self
            .waiting
            .iter()
            .filter(|(_, w)| !w.realerted && now - w.since >= after)
            .map(|(t, _)| *t)
            .collect();
        for thread in due {
            if let Some(w) = self.waiting.get_mut(&thread) {
                w.realerted = true;
            }
            if self.visible(thread) || self.prefs.muted_threads.contains(&thread) {
                continue;
            }
            if let Some(shown) = self.realert(thread, now) {
                out.push(Command::Show(shown));
            }
        }
        out
    }

    fn realert(&self, thread: ThreadId, now: Millis) -> Option<Shown> {
        let w = self.waiting.get(&thread)?;
        let minutes = (now - w.since) / 60_000;
        Some(Shown {
            thread,
            key: thread_key(thread),
            summary: format!(
                "{} is waiting · {} · {minutes} min",
                w.summary_name,
                w.channel.display_name()
            ),
            body: self.body(&w.body),
            count: self.groups.get(&thread).map_or(0, |g| g.count),
            waiting: true,
            sound: self.prefs.sound,
        })
    }

    /// When `tick` must run next for a re-alert or the end of DND; `None` when nothing waits.
    /// (Working-hours edges are caught by the service's regular tick.)
    pub fn next_deadline(&self, now: Millis) -> Option<Millis> {
        let realert = (self.prefs.realert_minutes > 0)
            .then(|| {
                let after = i64::from(self.prefs.realert_minutes) * 60_000;
                self.waiting
                    .values()
                    .filter(|w| !w.realerted)
                    .map(|w| w.since + after)
                    .min()
            })
            .flatten();
        let dnd_end = self.prefs.dnd_until.filter(|u| *u > now);
        match (realert, dnd_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::{WorkingHours, WorkingSpan};

    const MIN: Millis = 60_000;
    /// 2026-03-02 10:00 UTC, a Monday.
    const T0: Millis = 1_772_445_600_000;

    fn source() -> Source {
        Source {
            account: AccountId(1),
            channel: ChannelKind::Telegram,
            account_name: "Demo Shop".into(),
        }
    }

    fn inbound(thread: i64, name: &str, text: &str) -> Incoming {
        Incoming {
            thread: ThreadId(thread),
            direction: Direction::Inbound,
            contact_name: name.into(),
            text: text.into(),
            blocked: false,
        }
    }

    fn outbound(thread: i64) -> Incoming {
        Incoming {
            thread: ThreadId(thread),
            direction: Direction::Outbound,
            contact_name: "Ada".into(),
            text: "On it".into(),
            blocked: false,
        }
    }

    fn shows(cmds: &[Command]) -> Vec<&Shown> {
        cmds.iter()
            .filter_map(|c| match c {
                Command::Show(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn policy() -> Policy {
        Policy::new(NotificationPrefs::default(), T0)
    }

    #[test]
    fn a_new_message_shows_name_channel_and_first_line() {
        let mut p = policy();
        let cmds = p.on_messages(
            &source(),
            &[inbound(
                7,
                "Ada Lovelace",
                "\n  Where is my order?\nIt was due Friday.",
            )],
            false,
            T0,
        );
        assert_eq!(
            cmds,
            vec![Command::Show(Shown {
                thread: ThreadId(7),
                key: "thread-7".into(),
                summary: "Ada Lovelace · Telegram".into(),
                body: "Where is my order?".into(),
                count: 1,
                waiting: false,
                sound: true,
            })]
        );
    }

    #[test]
    fn a_blocked_customer_never_notifies_nor_waits_for_a_re_alert() {
        let mut p = policy();
        let blocked = Incoming {
            blocked: true,
            ..inbound(7, "Spammer", "Buy now")
        };
        let cmds = p.on_messages(&source(), std::slice::from_ref(&blocked), false, T0);
        assert!(cmds.is_empty(), "{cmds:?}");
        // Not during the first sync's summary either, and no re-alert later.
        assert!(p.on_messages(&source(), &[blocked], true, T0).is_empty());
        assert!(p.tick(T0 + 600 * MIN).is_empty());
        assert!(p.account_settled(AccountId(1), T0 + 601 * MIN).is_empty());
        assert_eq!(p.next_deadline(T0 + 601 * MIN), None);
        // Someone else in the same batch still notifies.
        let cmds = p.on_messages(
            &source(),
            &[
                Incoming {
                    blocked: true,
                    ..inbound(7, "Spammer", "again")
                },
                inbound(8, "Ada", "Hello"),
            ],
            false,
            T0 + 602 * MIN,
        );
        let shown = shows(&cmds);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].thread, ThreadId(8));
    }

    #[test]
    fn a_burst_is_one_notification_updated_in_place_with_a_count() {
        let mut p = policy();
        let burst: Vec<Incoming> = (1..=10)
            .map(|i| inbound(7, "Ada", &format!("message {i}")))
            .collect();
        let cmds = p.on_messages(&source(), &burst[..4], false, T0);
        assert_eq!(shows(&cmds).len(), 1, "one batch, one notification");
        let mut last = None;
        for m in &burst[4..] {
            let cmds = p.on_messages(&source(), std::slice::from_ref(m), false, T0 + 1);
            let s = shows(&cmds);
            assert_eq!(s.len(), 1);
            assert_eq!(s[0].key, "thread-7", "same key: updated in place");
            last = Some(s[0].clone());
        }
        let last = last.expect("shown");
        assert_eq!(last.count, 10);
        assert_eq!(last.summary, "Ada · Telegram (10 new)");
        assert_eq!(last.body, "message 10");
        // Another thread gets its own notification.
        let cmds = p.on_messages(&source(), &[inbound(8, "Bob", "hi")], false, T0 + 2);
        assert_eq!(shows(&cmds)[0].key, "thread-8");
    }

    #[test]
    fn spike_mode_groups_every_conversation_into_one_notification() {
        let mut p = policy();
        p.set_spike(true);
        let cmds = p.on_messages(&source(), &[inbound(7, "Ada", "where is it")], false, T0);
        let s = shows(&cmds);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].key, "spike");
        assert!(s[0].sound, "the first one sounds");
        let cmds = p.on_messages(
            &source(),
            &[
                inbound(8, "Bob", "hi"),
                inbound(9, "Cy", "hello"),
                inbound(8, "Bob", "?"),
            ],
            false,
            T0 + 1,
        );
        let s = shows(&cmds);
        assert_eq!(s.len(), 1, "one notification for three conversations");
        assert_eq!(
            s[0].summary,
            "Spike mode · 4 new messages in 3 conversations"
        );
        assert!(!s[0].sound, "updates are silent");
        // No re-alert each while the spike lasts.
        assert!(shows(&p.tick(T0 + 60 * 60_000)).is_empty());
        // Back in the window: it goes; spike mode off: one per conversation again.
        let cmds = p.set_view(None, true);
        assert!(cmds.contains(&Command::Close {
            key: "spike".into()
        }));
        p.set_view(None, false);
        p.set_spike(false);
        let cmds = p.on_messages(&source(), &[inbound(10, "Di", "hey")], false, T0 + 2);
        assert_eq!(shows(&cmds)[0].key, "thread-10");
    }

    #[test]
    fn the_open_thread_in_a_focused_window_does_not_notify() {
        let mut p = policy();
        p.set_view(Some(ThreadId(7)), true);
        assert!(shows(&p.on_messages(&source(), &[inbound(7, "Ada", "hi")], false, T0)).is_empty());
        // Another thread still notifies.
        assert_eq!(
            shows(&p.on_messages(&source(), &[inbound(8, "Bob", "hi")], false, T0)).len(),
            1
        );
        // Open but the window in the background: notify.
        p.set_view(Some(ThreadId(7)), false);
        assert_eq!(
            shows(&p.on_messages(&source(), &[inbound(7, "Ada", "again")], false, T0)).len(),
            1
        );
        // Focusing it closes the notification.
        assert_eq!(
            p.set_view(Some(ThreadId(7)), true),
            vec![Command::Close {
                key: "thread-7".into()
            }]
        );
    }

    #[test]
    fn own_sends_never_notify_and_a_reply_closes_the_notification() {
        let mut p = policy();
        assert!(
            p.on_messages(&source(), &[outbound(7)], false, T0)
                .is_empty()
        );
        p.on_messages(&source(), &[inbound(7, "Ada", "hi")], false, T0);
        let cmds = p.on_messages(&source(), &[outbound(7)], false, T0 + 1);
        assert_eq!(
            cmds,
            vec![Command::Close {
                key: "thread-7".into()
            }]
        );
    }

    #[test]
    fn muted_threads_channels_accounts_and_the_master_switch_stay_silent() {
        let cases = [
            NotificationPrefs {
                muted_threads: vec![ThreadId(7)],
                ..Default::default()
            },
            NotificationPrefs {
                muted_channels: vec![ChannelKind::Telegram],
                ..Default::default()
            },
            NotificationPrefs {
                muted_accounts: vec![AccountId(1)],
                ..Default::default()
            },
            NotificationPrefs {
                enabled: false,
                ..Default::default()
            },
        ];
        for prefs in cases {
            let mut p = Policy::new(prefs.clone(), T0);
            let cmds = p.on_messages(&source(), &[inbound(7, "Ada", "secret")], false, T0);
            assert!(cmds.is_empty(), "{prefs:?} let {cmds:?} through");
            // Nor a re-alert later, which would show the muted thread's text.
            assert!(p.tick(T0 + 60 * MIN).is_empty(), "{prefs:?}");
        }
        // Muting a thread that is showing closes its notification.
        let mut p = policy();
        p.on_messages(&source(), &[inbound(7, "Ada", "hi")], false, T0);
        let prefs = NotificationPrefs {
            muted_threads: vec![ThreadId(7)],
            ..Default::default()
        };
        assert_eq!(
            p.set_prefs(prefs, T0),
            vec![Command::Close {
                key: "thread-7".into()
            }]
        );
    }

    #[test]
    fn a_thread_muted_then_unmuted_notifies_only_for_what_came_after() {
        let muted = NotificationPrefs {
            muted_threads: vec![ThreadId(7)],
            ..Default::default()
        };
        let mut p = Policy::new(muted.clone(), T0);
        assert!(
            p.on_messages(&source(), &[inbound(7, "Ada", "secret")], false, T0)
                .is_empty()
        );
        // Other threads are not affected.
        assert_eq!(
            shows(&p.on_messages(&source(), &[inbound(8, "Bob", "hi")], false, T0)).len(),
            1
        );
        // Unmuted: what came while muted stays quiet (no late alert, no re-alert with its
        // text); the next message notifies as usual.
        assert!(p.set_prefs(NotificationPrefs::default(), T0 + 1).is_empty());
        let realerts = p.tick(T0 + 60 * MIN);
        assert!(
            shows(&realerts).iter().all(|s| s.thread != ThreadId(7)),
            "{realerts:?}"
        );
        let cmds = p.on_messages(
            &source(),
            &[inbound(7, "Ada", "still there?")],
            false,
            T0 + 61 * MIN,
        );
        let s = shows(&cmds);
        assert_eq!(s.len(), 1, "{cmds:?}");
        assert_eq!(s[0].key, "thread-7");
        assert_eq!(s[0].body, "still there?");
        assert_eq!(s[0].count, 1, "the muted message is not counted");
        // Muted again while waiting: its re-alert is dropped too.
        p.set_prefs(muted, T0 + 62 * MIN);
        assert!(p.tick(T0 + 120 * MIN).is_empty());
    }

    #[test]
    fn hidden_message_text_shows_only_that_a_message_arrived() {
        let hidden = NotificationPrefs {
            show_message_text: false,
            ..Default::default()
        };
        let mut p = Policy::new(hidden.clone(), T0);
        let cmds = p.on_messages(
            &source(),
            &[inbound(7, "Ada", "My card number is 4111")],
            false,
            T0,
        );
        assert_eq!(
            cmds,
            vec![Command::Show(Shown {
                thread: ThreadId(7),
                key: "thread-7".into(),
                summary: "Ada · Telegram".into(),
                body: HIDDEN_BODY.into(),
                count: 1,
                waiting: false,
                sound: true,
            })]
        );
        // A burst and the waiting re-alert keep it hidden.
        let cmds = p.on_messages(
            &source(),
            &[inbound(7, "Ada", "and the CVV")],
            false,
            T0 + 1,
        );
        assert_eq!(shows(&cmds)[0].body, HIDDEN_BODY);
        assert_eq!(shows(&cmds)[0].summary, "Ada · Telegram (2 new)");
        let realert = p.tick(T0 + 5 * MIN);
        assert!(shows(&realert)[0].waiting);
        assert_eq!(shows(&realert)[0].body, HIDDEN_BODY);

        // Switching it off while a notification shows text replaces that text at once, quietly.
        let mut p = policy();
        p.on_messages(&source(), &[inbound(7, "Ada", "private")], false, T0);
        let cmds = p.set_prefs(hidden, T0 + 1);
        let s = shows(&cmds);
        assert_eq!(s.len(), 1, "{cmds:?}");
        assert_eq!(
            (s[0].key.as_str(), s[0].body.as_str(), s[0].sound),
            ("thread-7", HIDDEN_BODY, false)
        );
        // Switching it back on shows text again from the next message, without a replay.
        assert!(p.set_prefs(NotificationPrefs::default(), T0 + 2).is_empty());
        let cmds = p.on_messages(&source(), &[inbound(7, "Ada", "visible")], false, T0 + 3);
        assert_eq!(shows(&cmds)[0].body, "visible");
    }

    #[test]
    fn the_initial_sync_gives_one_summary() {
        let mut p = policy();
        let history: Vec<Incoming> = (0..312)
            .flat_map(|t| [inbound(t, "C", "old"), inbound(t, "C", "older")])
            .collect();
        assert!(p.on_messages(&source(), &history, true, T0).is_empty());
        assert_eq!(
            p.account_settled(AccountId(1), T0),
            vec![Command::Summary {
                text: "Demo Shop: 312 conversations synced".into(),
                sound: false
            }]
        );
        assert!(p.account_settled(AccountId(1), T0).is_empty(), "only once");
        // History does not arm re-alerts.
        assert!(p.tick(T0 + 60 * MIN).is_empty());
    }

    fn account(id: i64, channel: ChannelKind, name: &str) -> Source {
        Source {
            account: AccountId(id),
            channel,
            account_name: name.into(),
        }
    }

    fn summaries(cmds: &[Command]) -> Vec<&str> {
        cmds.iter()
            .filter_map(|c| match c {
                Command::Summary { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn accounts_that_start_together_give_one_summary_in_any_order() {
        let accounts = [
            account(1, ChannelKind::Telegram, "Demo Shop"),
            account(2, ChannelKind::Messenger, "Demo Shop"),
            account(3, ChannelKind::Instagram, "demo.shop"),
            account(4, ChannelKind::Sms, "+15005550006"),
            account(5, ChannelKind::Whatsapp, "whatsapp:+14155238886"),
        ];
        let ids: Vec<AccountId> = accounts.iter().map(|a| a.account).collect();
        // Every order in which the five could read their history and go live.
        let orders: [[usize; 5]; 4] = [
            [0, 1, 2, 3, 4],
            [4, 3, 2, 1, 0],
            [2, 0, 4, 1, 3],
            [1, 3, 0, 4, 2],
        ];
        for order in orders {
            let mut p = policy();
            p.accounts_starting(&ids);
            let mut shown = Vec::new();
            for (n, &i) in order.iter().enumerate() {
                let a = &accounts[i];
                let history = [
                    inbound(10 * a.account.0, "C", "old"),
                    inbound(10 * a.account.0 + 1, "D", "old"),
                ];
                shown.extend(p.on_messages(a, &history, true, T0));
                let settled = p.account_settled(a.account, T0);
                if n + 1 < order.len() {
                    assert!(
                        settled.is_empty(),
                        "{order:?}: a summary before the last account: {settled:?}"
                    );
                }
                shown.extend(settled);
            }
            assert_eq!(
                summaries(&shown),
                ["10 conversations synced from Telegram, Messenger, Instagram, SMS and WhatsApp"],
                "{order:?}"
            );
            assert!(shows(&shown).is_empty(), "history pops nothing: {shown:?}");
        }
    }

    #[test]
    fn an_account_with_nothing_to_read_or_that_fails_does_not_hold_the_summary_forever() {
        let mut p = policy();
        p.accounts_starting(&[AccountId(1), AccountId(2), AccountId(3)]);
        let tg = account(1, ChannelKind::Telegram, "Demo Shop");
        p.on_messages(&tg, &[inbound(7, "Ada", "old")], true, T0);
        assert!(
            p.account_settled(AccountId(1), T0).is_empty(),
            "2 and 3 are still starting"
        );
        // 2 was synced before (no history to read), 3's credentials are refused: both settle.
        assert!(p.account_settled(AccountId(2), T0).is_empty());
        assert_eq!(
            summaries(&p.account_settled(AccountId(3), T0)),
            ["Demo Shop: 1 conversation synced"]
        );
        // Going live again later (after a backoff) says nothing more.
        assert!(p.account_settled(AccountId(1), T0 + MIN).is_empty());
    }

    #[test]
    fn an_account_added_later_gets_its_own_summary_and_live_messages_still_notify() {
        let mut p = policy();
        p.accounts_starting(&[AccountId(1)]);
        let tg = account(1, ChannelKind::Telegram, "Demo Shop");
        p.on_messages(&tg, &[inbound(7, "Ada", "old")], true, T0);
        assert_eq!(summaries(&p.account_settled(AccountId(1), T0)).len(), 1);
        // A new message on the live account notifies while the added Page reads its history.
        p.accounts_starting(&[AccountId(2), AccountId(3)]);
        let cmds = p.on_messages(&tg, &[inbound(7, "Ada", "new")], false, T0 + 1);
        assert_eq!(shows(&cmds).len(), 1);
        let page = account(2, ChannelKind::Messenger, "Shop Page");
        p.on_messages(
            &page,
            &[inbound(20, "Bo", "old"), inbound(21, "Cy", "old")],
            true,
            T0 + 2,
        );
        assert!(
            p.account_settled(AccountId(2), T0 + 3).is_empty(),
            "its Instagram is still reading"
        );
        assert_eq!(
            summaries(&p.account_settled(AccountId(3), T0 + 4)),
            ["Shop Page: 2 conversations synced"]
        );
    }

    #[test]
    fn dnd_holds_everything_and_summarises_when_it_ends() {
        let prefs = NotificationPrefs {
            dnd_until: Some(T0 + 30 * MIN),
            ..Default::default()
        };
        let mut p = Policy::new(prefs, T0);
        for (i, t) in [7, 7, 8].into_iter().enumerate() {
            let cmds = p.on_messages(&source(), &[inbound(t, "C", "hi")], false, T0 + i as i64);
            assert!(cmds.is_empty(), "popped during DND: {cmds:?}");
        }
        assert_eq!(
            p.next_deadline(T0),
            Some(T0 + 5 * MIN).min(Some(T0 + 30 * MIN))
        );
        assert!(p.tick(T0 + 29 * MIN).is_empty(), "no re-alert during DND");
        assert_eq!(
            p.tick(T0 + 30 * MIN),
            vec![Command::Summary {
                text: "3 new messages in 2 conversations while notifications were paused".into(),
                sound: true
            }]
        );
        assert!(
            p.tick(T0 + 31 * MIN).is_empty(),
            "the summary replaces the re-alerts"
        );
        // Switching DND off by hand delivers the summary at once.
        let mut p = Policy::new(
            NotificationPrefs {
                dnd_until: Some(T0 + 60 * MIN),
                ..Default::default()
            },
            T0,
        );
        p.on_messages(&source(), &[inbound(7, "C", "hi")], false, T0);
        let cmds = p.set_prefs(NotificationPrefs::default(), T0 + MIN);
        assert!(
            matches!(&cmds[..], [Command::Summary { text, .. }] if text.starts_with("1 new message in 1 conversation"))
        );
    }

    #[test]
    fn outside_working_hours_nothing_pops_and_overnight_messages_wait_for_the_morning() {
        let prefs = NotificationPrefs {
            working_hours: WorkingHours {
                enabled: true,
                time_zone: "Europe/Berlin".into(),
                spans: (1..=5)
                    .map(|weekday| WorkingSpan {
                        weekday,
                        start_minute: 9 * 60,
                        end_minute: 17 * 60,
                    })
                    .collect(),
            },
            ..Default::default()
        };
        // Monday 2026-03-02 23:00 Berlin (22:00 UTC) until Tuesday 9:00 Berlin (8:00 UTC).
        let night = T0 + 12 * 60 * MIN;
        let morning = T0 + 22 * 60 * MIN;
        let mut p = Policy::new(prefs, night);
        assert!(
            p.on_messages(&source(), &[inbound(7, "Ada", "late")], false, night)
                .is_empty()
        );
        assert!(p.tick(morning - MIN).is_empty());
        let cmds = p.tick(morning);
        assert!(matches!(&cmds[..], [Command::Summary { .. }]), "{cmds:?}");
        // In hours, a new message pops at once.
        assert_eq!(
            shows(&p.on_messages(&source(), &[inbound(8, "Bob", "hi")], false, morning)).len(),
            1
        );
    }

    #[test]
    fn a_waiting_customer_is_re_alerted_once_unless_answered() {
        let mut p = policy();
        p.on_messages(&source(), &[inbound(7, "Ada", "hello?")], false, T0);
        p.on_messages(&source(), &[inbound(8, "Bob", "hi")], false, T0);
        assert_eq!(p.next_deadline(T0), Some(T0 + 5 * MIN));
        // Bob gets an answer.
        p.on_messages(&source(), &[outbound(8)], false, T0 + MIN);
        // The agent looks at Ada's thread and does not answer: looking is not replying.
        p.set_view(Some(ThreadId(7)), true);
        p.set_view(None, true);
        assert!(p.tick(T0 + 5 * MIN - 1).is_empty());
        let cmds = p.tick(T0 + 5 * MIN);
        assert_eq!(cmds.len(), 1, "{cmds:?}");
        let s = shows(&cmds)[0].clone();
        assert!(s.waiting);
        assert_eq!(s.key, "thread-7");
        assert_eq!(s.summary, "Ada is waiting · Telegram · 5 min");
        assert_eq!(s.body, "hello?");
        assert!(p.tick(T0 + 50 * MIN).is_empty(), "once only");
        assert_eq!(p.next_deadline(T0 + 50 * MIN), None);
    }

    #[test]
    fn re_alert_time_is_configurable_and_zero_turns_it_off() {
        let mut p = Policy::new(
            NotificationPrefs {
                realert_minutes: 2,
                ..Default::default()
            },
            T0,
        );
        p.on_messages(&source(), &[inbound(7, "Ada", "hi")], false, T0);
        assert_eq!(shows(&p.tick(T0 + 2 * MIN)).len(), 1);
        let mut p = Policy::new(
            NotificationPrefs {
                realert_minutes: 0,
                ..Default::default()
            },
            T0,
        );
        p.on_messages(&source(), &[inbound(7, "Ada", "hi")], false, T0);
        assert!(p.tick(T0 + 600 * MIN).is_empty());
        assert_eq!(p.next_deadline(T0), None);
    }

    #[test]
    fn bodies_are_one_plain_line() {
        assert_eq!(first_line("  \n\tHi\u{7}there\nsecond"), "Hithere");
        assert_eq!(first_line(""), "Sent an attachment");
        let long = "x".repeat(500);
        assert_eq!(first_line(&long).chars().count(), BODY_MAX_CHARS);
    }
}
