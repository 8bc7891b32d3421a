//! Automated messages (issue 15): what marks a message as sent by a rule rather than by an agent.
//! Every automated message goes through the outbox like a reply (its re-checks, opt-outs and
//! never-send-twice hold), with its rule as the author; the thread shows it as "Sent
//! automatically · Greeting". The rules themselves live in `parley-core/src/automation/`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Which kind of rule sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AutomationKind {
    /// The greeting for a customer's first message ever on an account.
    Greeting,
    /// The away message outside business hours.
    Away,
    /// An answer of the FAQ bot.
    FaqBot,
    /// Spike mode's acknowledgement ("we got your message").
    SpikeAck,
}

impl AutomationKind {
    pub const ALL: [AutomationKind; 4] = [
        AutomationKind::Greeting,
        AutomationKind::Away,
        AutomationKind::FaqBot,
        AutomationKind::SpikeAck,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AutomationKind::Greeting => "greeting",
            AutomationKind::Away => "away",
            AutomationKind::FaqBot => "faqBot",
            AutomationKind::SpikeAck => "spikeAck",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the thread names it: "Sent automatically · Greeting".
    pub fn label(self) -> &'static str {
        match self {
            AutomationKind::Greeting => "Greeting",
            AutomationKind::Away => "Away message",
            AutomationKind::FaqBot => "FAQ bot",
            AutomationKind::SpikeAck => "Busy acknowledgement",
        }
    }
}

/// The rule that sent an automated message: its kind and its human name (the author the thread
/// shows, e.g. "Greeting" or "FAQ: opening hours").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedBy {
    pub kind: AutomationKind,
    pub rule: String,
}

impl AutomatedBy {
    pub fn new(kind: AutomationKind, rule: impl Into<String>) -> Self {
        Self {
            kind,
            rule: rule.into(),
        }
    }
}

/// One open interval of a weekday, in minutes after local midnight (`end_minute` after
/// `start_minute`; 1440 is midnight at the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenSpan {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u8,
    pub start_minute: u16,
    pub end_minute: u16,
}

/// A day the business is closed whatever the weekday says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Holiday {
    /// `YYYY-MM-DD`, in the schedule's zone.
    pub date: String,
    /// "Christmas Day"; may be empty.
    pub name: String,
}

/// When someone answers: a weekly schedule in its own IANA time zone, with holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct BusinessHours {
    /// An IANA zone such as `Europe/Berlin`.
    pub time_zone: String,
    pub spans: Vec<OpenSpan>,
    pub holidays: Vec<Holiday>,
}

impl Default for BusinessHours {
    fn default() -> Self {
        // Monday to Friday, 9:00 to 17:00, in UTC until the agent picks their zone.
        Self {
            time_zone: "UTC".into(),
            spans: (1..=5)
                .map(|weekday| OpenSpan {
                    weekday,
                    start_minute: 9 * 60,
                    end_minute: 17 * 60,
                })
                .collect(),
            holidays: Vec::new(),
        }
    }
}

/// One rule's settings on one account (greeting, away message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleSettings {
    pub enabled: bool,
    /// The message, in the saved replies' grammar (`{{first_name|there}}`,
    /// `{{next_opening}}` for the away message).
    pub text: String,
    /// At most once per customer within this many hours.
    pub period_hours: u32,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            text: String::new(),
            period_hours: 24,
        }
    }
}

/// Automation on one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct AccountAutomation {
    pub account_id: crate::ids::AccountId,
    /// This account's own business hours; `null`: the workspace's.
    pub hours: Option<BusinessHours>,
    pub greeting: RuleSettings,
    pub away: RuleSettings,
}

impl Default for AccountAutomation {
    fn default() -> Self {
        Self {
            account_id: crate::ids::AccountId(0),
            hours: None,
            greeting: RuleSettings {
                text: DEFAULT_GREETING.into(),
                ..RuleSettings::default()
            },
            away: RuleSettings {
                text: DEFAULT_AWAY.into(),
                period_hours: 12,
                ..RuleSettings::default()
            },
        }
    }
}

/// The greeting a new account starts with (off until turned on).
pub const DEFAULT_GREETING: &str = "Hi {{first_name|there}}, thanks for getting in touch! Someone from our team will answer here shortly.";
/// The away message a new account starts with (off until turned on).
pub const DEFAULT_AWAY: &str =
    "Thanks for your message! We're closed now; we'll answer from {{next_opening}}.";

/// Every automation setting of the workspace (Settings → Automation).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct AutomationSettings {
    /// The workspace's business hours (accounts without their own use these).
    pub hours: BusinessHours,
    /// Per account; an account missing here has every rule off.
    pub accounts: Vec<AccountAutomation>,
}

impl AutomationSettings {
    /// An account's settings (the defaults, all off, when it has none).
    pub fn account(&self, id: crate::ids::AccountId) -> AccountAutomation {
        self.accounts
            .iter()
            .find(|a| a.account_id == id)
            .cloned()
            .unwrap_or_else(|| AccountAutomation {
                account_id: id,
                ..AccountAutomation::default()
            })
    }

    /// The business hours an account keeps.
    pub fn hours_of(&self, id: crate::ids::AccountId) -> &BusinessHours {
        self.accounts
            .iter()
            .find(|a| a.account_id == id)
            .and_then(|a| a.hours.as_ref())
            .unwrap_or(&self.hours)
    }
}

/// What a schedule means at a moment: the settings screen's preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HoursPreview {
    pub open_now: bool,
    /// When it next opens (now, when open); `null` when the schedule has no open time.
    #[ts(type = "number | null")]
    pub next_opening: Option<crate::ids::Millis>,
    /// "We're open now." / "We're closed now — we'll answer from Monday 09:00 (Europe/Berlin)."
    pub words: String,
    /// What `{{next_opening}}` becomes: "Monday 09:00 (Europe/Berlin)".
    pub next_opening_words: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in AutomationKind::ALL {
            assert_eq!(AutomationKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(AutomationKind::parse("nope"), None);
    }
}
