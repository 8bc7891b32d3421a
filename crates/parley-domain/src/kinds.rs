//! The two kinds everything is sorted by: the channel a conversation is on, and where it
//! stands for the team.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A messaging channel Parley speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ChannelKind {
    Telegram,
    Messenger,
    Instagram,
    Whatsapp,
    Sms,
    Email,
}

impl ChannelKind {
    /// Every channel, in the order the UI lists them.
    pub const ALL: [ChannelKind; 6] = [
        ChannelKind::Telegram,
        ChannelKind::Messenger,
        ChannelKind::Instagram,
        ChannelKind::Whatsapp,
        ChannelKind::Sms,
        ChannelKind::Email,
    ];

    /// The channel's name as people write it ("WhatsApp", "SMS"): in notifications, notes and,
    /// through the bindings' `CHANNEL_NAMES`, the window.
    pub fn display_name(self) -> &'static str {
        match self {
            ChannelKind::Telegram => "Telegram",
            ChannelKind::Messenger => "Messenger",
            ChannelKind::Instagram => "Instagram",
            ChannelKind::Whatsapp => "WhatsApp",
            ChannelKind::Sms => "SMS",
            ChannelKind::Email => "Email",
        }
    }

    /// Who answers for the channel, as a sentence names it ("… refused by the mail server").
    pub fn provider_phrase(self) -> &'static str {
        match self {
            ChannelKind::Sms => "the SMS provider",
            ChannelKind::Email => "the mail server",
            other => other.display_name(),
        }
    }

    /// Whether the provider gives customers' profile pictures (fetched for the customer pane).
    pub fn has_profile_pictures(self) -> bool {
        matches!(
            self,
            ChannelKind::Telegram | ChannelKind::Messenger | ChannelKind::Instagram
        )
    }

    /// The first-response target of the channel when nobody set one: a quick chat expects an
    /// answer within half an hour, an email within four hours.
    pub fn default_response_target_minutes(self) -> i64 {
        match self {
            ChannelKind::Email => 240,
            _ => 30,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Telegram => "telegram",
            ChannelKind::Messenger => "messenger",
            ChannelKind::Instagram => "instagram",
            ChannelKind::Whatsapp => "whatsapp",
            ChannelKind::Sms => "sms",
            ChannelKind::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "telegram" => ChannelKind::Telegram,
            "messenger" => ChannelKind::Messenger,
            "instagram" => ChannelKind::Instagram,
            "whatsapp" => ChannelKind::Whatsapp,
            "sms" => ChannelKind::Sms,
            "email" => ChannelKind::Email,
            _ => return None,
        })
    }
}

/// Where a conversation stands for the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ThreadStatus {
    Open,
    Pending,
    Snoozed,
    Resolved,
}

impl ThreadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadStatus::Open => "open",
            ThreadStatus::Pending => "pending",
            ThreadStatus::Snoozed => "snoozed",
            ThreadStatus::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => ThreadStatus::Open,
            "pending" => ThreadStatus::Pending,
            "snoozed" => ThreadStatus::Snoozed,
            "resolved" => ThreadStatus::Resolved,
            _ => return None,
        })
    }
}
