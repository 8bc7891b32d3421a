//! Weeks of past conversations in the demo workspace (issue 16), so a new user's Review screen
//! and metrics page show meaningful charts at once: 676 conversations over the last eight
//! weeks, on every demo account, each a customer's question and the shop's answers, resolved.
//!
//! Why straight into the store and not through the simulator: the fakes would have to serve
//! eight weeks of history through the real adapters at the first sync, which takes minutes and
//! would bury the demo's live conversations; nor can the Bot API carry the shop's own past
//! replies. So the history is one ingest batch per account (the store's ordinary
//! `apply_batch`, which keeps every measure the review reads) and one transaction resolving
//! them, written once per demo workspace (a setting remembers it) when the demo starts.
//!
//! The times are realistic for a small shop: customers write mostly in the day and the
//! evening, more on weekdays; within opening hours (Monday to Friday 9–18, Saturday 10–14, the
//! demo's `{{business_hours}}`) the first answer comes in minutes, now and then in an hour;
//! outside them, soon after the shop opens. Days and hours are the computer's local ones.
//! Every customer has a name of their own (no two share a word that would make Parley suggest
//! merging them) and none is one of the live demo's customers.

use crate::facade::Parley;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use parley_domain::*;
use std::collections::HashMap;

const SEEDED_KEY: &str = "demo.historySeeded";
/// Days of history, ending four days ago (the live demo holds the last three).
const DAYS: i64 = 56;

const FIRST: [&str; 26] = [
    "Aaron", "Beatriz", "Cyrus", "Dalia", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jorge",
    "Karim", "Lotte", "Magnus", "Nadia", "Oskar", "Pilar", "Quentin", "Rania", "Stellan", "Tariq",
    "Ursula", "Viktor", "Wanda", "Ximena", "Yusuf", "Zara",
];
const LAST: [&str; 26] = [
    "Abara", "Brandt", "Castell", "Dahl", "Eriksen", "Ferreira", "Gallo", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Lund", "Mendes", "Nilsen", "Ortega", "Pereira", "Quist", "Ramos",
    "Silva", "Torres", "Uddin", "Varga", "Weber", "Xu", "Yilmaz", "Zhou",
];

/// (question, the answers, the customer's thanks)
const TOPICS: &[(&str, &[&str], &str)] = &[
    (
        "Hi, where is my order? It's been a week.",
        &["Sorry for the wait! It left our warehouse yesterday, tracking is on its way by email."],
        "Great, thanks!",
    ),
    (
        "Can I return the jacket if it doesn't fit?",
        &["Of course: you have 30 days. Reply here and I'll send the return label."],
        "Perfect, will do.",
    ),
    (
        "Do you ship to Norway?",
        &[
            "We do! Delivery takes 5–8 days and costs €9.",
            "Anything else I can help with?",
        ],
        "No, that's all. Thanks!",
    ),
    (
        "The mug arrived broken 😞",
        &[
            "Oh no, I'm sorry! Could you send a photo?",
            "Thanks — a new one goes out today, no need to return the broken one.",
        ],
        "That's very kind, thank you.",
    ),
    (
        "Is the sage green planter back in stock?",
        &["It comes back next Tuesday. Shall I reserve one for you?"],
        "Yes please!",
    ),
    (
        "I was charged twice for order 5512",
        &["Let me check… you're right, the second charge is refunded now; it shows in 3–5 days."],
        "Thank you for sorting it out.",
    ),
    (
        "What are your opening hours on Saturday?",
        &["Saturdays we're open 10:00–14:00."],
        "👍",
    ),
];

/// A small deterministic generator (the same history in every demo workspace).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

/// How many customers write in each local hour, relatively (night quiet, late-morning and
/// evening peaks).
const HOUR_WEIGHT: [u64; 24] = [
    1, 0, 0, 0, 0, 1, 2, 4, 7, 10, 12, 12, 9, 8, 9, 10, 9, 8, 7, 9, 10, 8, 5, 2,
];

/// The shop's opening hours on a weekday (local hours), if it opens.
fn opening(day: Weekday) -> Option<(i8, i8)> {
    match day {
        Weekday::Saturday => Some((10, 14)),
        Weekday::Sunday => None,
        _ => Some((9, 18)),
    }
}

/// When the shop answers a message written at `at`: minutes later within opening hours,
/// otherwise soon after it next opens.
fn answer_at(rng: &mut Lcg, at: Timestamp, tz: &TimeZone) -> Timestamp {
    let z = at.to_zoned(tz.clone());
    if let Some((open, close)) = opening(z.weekday())
        && z.hour() >= open
        && z.hour() < close
    {
        // Mostly 2–30 minutes (short ones likelier), one in eight waits 40–120.
        let minutes = if rng.below(8) == 0 {
            40 + rng.below(80) as i64
        } else {
            2 + (rng.unit() * rng.unit() * 30.0) as i64
        };
        return at + (minutes * 60).seconds();
    }
    // The next opening, then 5–45 minutes.
    let mut day = z.date();
    if opening(z.weekday()).is_some_and(|(open, _)| z.hour() < open) {
        // Opens later today.
    } else {
        day = day.tomorrow().unwrap_or(day);
    }
    while opening(day.weekday()).is_none() {
        day = day.tomorrow().unwrap_or(day);
    }
    let (open, _) = opening(day.weekday()).unwrap_or((9, 18));
    let opens = day
        .at(open, 0, 0, 0)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(at);
    opens + ((5 + rng.below(40) as i64) * 60).seconds()
}

/// The history's messages per account, and when each conversation was resolved (by remote
/// thread id).
type History = (
    Vec<(AccountId, IngestBatch)>,
    Vec<(AccountId, String, Millis)>,
);

/// The history for `accounts` (channel, id) before `now` (see the module doc).
pub fn history(
    accounts: &[(ChannelKind, AccountId)],
    now: Millis,
    tz: &TimeZone,
    agent: &str,
) -> History {
    let mut rng = Lcg(0x5eed_2026);
    let mut by_account: HashMap<AccountId, IngestBatch> = HashMap::new();
    let mut resolved = Vec::new();
    if accounts.is_empty() {
        return (Vec::new(), resolved);
    }
    let Ok(today) = Timestamp::from_millisecond(now).map(|t| t.to_zoned(tz.clone()).date()) else {
        return (Vec::new(), resolved);
    };
    let hour_total: u64 = HOUR_WEIGHT.iter().sum();
    let mut n = 0usize;
    for first in FIRST {
        for last in LAST {
            let i = n;
            n += 1;
            // Spread over the days, weekdays busier than weekends.
            let day: Date = loop {
                let back = 4 + rng.below(DAYS as u64) as i64;
                let d = today.checked_sub(back.days()).unwrap_or(today);
                let weekend = matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday);
                if !weekend || rng.below(3) == 0 {
                    break d;
                }
            };
            let mut pick = rng.below(hour_total);
            let mut hour = 0i8;
            for (h, w) in HOUR_WEIGHT.iter().enumerate() {
                if pick < *w {
                    hour = h as i8;
                    break;
                }
                pick -= w;
            }
            let minute = rng.below(60) as i8;
            let Ok(start) = day.at(hour, minute, 0, 0).to_zoned(tz.clone()) else {
                continue;
            };
            let (channel, account) = accounts[i % accounts.len()];
            let (remote_thread, remote_person) = match channel {
                ChannelKind::Telegram => {
                    (format!("{}", 9_100_000 + i), format!("{}", 9_100_000 + i))
                }
                ChannelKind::Sms => (format!("+1555017{i:04}"), format!("+1555017{i:04}")),
                ChannelKind::Whatsapp => (
                    format!("whatsapp:+4477009{i:05}"),
                    format!("whatsapp:+4477009{i:05}"),
                ),
                ChannelKind::Email => (format!("history-{i}"), format!("customer{i}@example.com")),
                _ => (format!("t_history_{i}"), format!("history-psid-{i}")),
            };
            let customer = RemotePerson {
                remote_id: remote_person,
                display_name: format!("{first} {last}"),
                handle: None,
            };
            let responder = RemotePerson {
                remote_id: "shop".into(),
                display_name: if rng.below(10) < 3 {
                    "Sam".into()
                } else {
                    agent.to_owned()
                },
                handle: None,
            };
            let (question, answers, thanks) = TOPICS[rng.below(TOPICS.len() as u64) as usize];
            let batch = by_account.entry(account).or_default();
            let mut at = start.timestamp();
            let mut k = 0;
            let mut push =
                |batch: &mut IngestBatch, direction: Direction, text: &str, at: Timestamp| {
                    let remote_id = format!("history-{i}-{k}");
                    k += 1;
                    if direction == Direction::Inbound {
                        batch.read_elsewhere.push(remote_id.clone());
                    }
                    batch.messages.push(IncomingMessage {
                        remote_thread_id: remote_thread.clone(),
                        remote_id,
                        direction,
                        sender: if direction == Direction::Inbound {
                            customer.clone()
                        } else {
                            responder.clone()
                        },
                        customer: customer.clone(),
                        text: text.into(),
                        attachments: Vec::new(),
                        sent_at: at.as_millisecond(),
                        reply_to_remote_id: None,
                        subject: (channel == ChannelKind::Email).then(|| "Question".to_owned()),
                        quoted_text: None,
                    });
                };
            push(batch, Direction::Inbound, question, at);
            for (j, answer) in answers.iter().enumerate() {
                at = if j == 0 {
                    answer_at(&mut rng, at, tz)
                } else {
                    at + ((1 + rng.below(5) as i64) * 60).seconds()
                };
                push(batch, Direction::Outbound, answer, at);
            }
            at += ((3 + rng.below(90) as i64) * 60).seconds();
            push(batch, Direction::Inbound, thanks, at);
            let done = at + ((2 + rng.below(60) as i64) * 60).seconds();
            resolved.push((account, remote_thread.clone(), done.as_millisecond()));
        }
    }
    let mut batches: Vec<(AccountId, IngestBatch)> = by_account.into_iter().collect();
    batches.sort_by_key(|(a, _)| a.0);
    (batches, resolved)
}

impl Parley {
    /// Writes the demo's history once per demo workspace (see the module doc).
    pub(crate) async fn seed_demo_history(&self) -> Result<(), IpcError> {
        let seeded = self
            .db
            .call(|s| s.setting(SEEDED_KEY))
            .await
            .map_err(crate::errors::store)?;
        if seeded.is_some() {
            return Ok(());
        }
        let accounts: Vec<(ChannelKind, AccountId)> = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(crate::errors::store)?
            .into_iter()
            .filter(|a| a.is_demo)
            .map(|a| (a.channel, a.id))
            .collect();
        if accounts.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let (batches, resolved) = history(
            &accounts,
            now,
            &TimeZone::system(),
            &crate::notes::agent_name(),
        );
        self.db
            .call(move |s| {
                let mut threads = Vec::new();
                for (account, batch) in &batches {
                    s.apply_batch(*account, batch, None, now)?;
                }
                for (account, remote, at) in &resolved {
                    if let Some(t) = s.thread_by_remote(*account, remote)? {
                        threads.push((t, *at));
                    }
                }
                s.seed_resolved(&threads)?;
                s.set_setting(SEEDED_KEY, "true", now)
            })
            .await
            .map_err(crate::errors::store)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_is_weeks_of_answered_conversations_with_names_of_their_own() {
        let tz = TimeZone::get("Europe/Berlin").expect("zone");
        let now = 1_780_000_000_000;
        let accounts = [
            (ChannelKind::Telegram, AccountId(1)),
            (ChannelKind::Sms, AccountId(2)),
        ];
        let (batches, resolved) = history(&accounts, now, &tz, "You");
        assert_eq!(resolved.len(), 676);
        let messages: Vec<&IncomingMessage> =
            batches.iter().flat_map(|(_, b)| &b.messages).collect();
        let names: std::collections::HashSet<&str> = messages
            .iter()
            .map(|m| m.customer.display_name.as_str())
            .collect();
        assert_eq!(names.len(), 676);
        let oldest = messages.iter().map(|m| m.sent_at).min().expect("some");
        let newest = messages.iter().map(|m| m.sent_at).max().expect("some");
        assert!(now - oldest > 40 * 86_400_000, "weeks of history");
        assert!(newest < now, "all in the past");
        // Unique remote ids per account.
        for (_, b) in &batches {
            let ids: std::collections::HashSet<&str> =
                b.messages.iter().map(|m| m.remote_id.as_str()).collect();
            assert_eq!(ids.len(), b.messages.len());
        }
        // Same input, same history.
        assert_eq!(history(&accounts, now, &tz, "You").1, resolved);
    }

    #[test]
    fn answers_come_in_minutes_when_open_and_after_opening_otherwise() {
        let tz = TimeZone::get("Europe/Berlin").expect("zone");
        let mut rng = Lcg(1);
        let at = |s: &str| {
            jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", s)
                .expect("time")
                .to_zoned(tz.clone())
                .expect("zoned")
                .timestamp()
        };
        // Wednesday 11:00: within two hours.
        let a = answer_at(&mut rng, at("2026-06-03 11:00"), &tz);
        assert!(a > at("2026-06-03 11:00") && a <= at("2026-06-03 13:00"));
        // Saturday 20:00: Monday after 9:00.
        let b = answer_at(&mut rng, at("2026-06-06 20:00"), &tz);
        assert!(
            b >= at("2026-06-08 09:05") && b <= at("2026-06-08 09:45"),
            "{b}"
        );
        // Tuesday 07:30: the same morning after 9:00.
        let c = answer_at(&mut rng, at("2026-06-02 07:30"), &tz);
        assert!(
            c >= at("2026-06-02 09:05") && c <= at("2026-06-02 09:45"),
            "{c}"
        );
    }
}
