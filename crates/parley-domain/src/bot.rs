//! The FAQ bot: rules the owner writes (phrases that start them, gather steps, the saved reply
//! that answers), the bot's settings (which accounts it answers on, when it stays quiet, the
//! phrases that hand a conversation to a person) and what the settings' test console shows.
//! The matching and the gather machine are in `parley-core/src/bot/`; the tables in
//! `parley-store/src/bot.rs`.

use crate::ids::{AccountId, Millis, SavedReplyId};
use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// The most phrases one rule may have.
pub const BOT_PHRASES_MAX: usize = 50;
/// The longest phrase, question or message, in characters.
pub const BOT_TEXT_MAX: usize = 1_000;
/// The most gather steps one rule may have.
pub const BOT_STEPS_MAX: usize = 8;

/// An FAQ rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(type = "number")]
pub struct FaqRuleId(pub i64);

impl fmt::Display for FaqRuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a gather step accepts as an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum AnswerCheck {
    /// Any text that is not empty.
    AnyText,
    /// An email address (`name@domain.tld`); stored lower-cased.
    Email,
    /// A number (digits, one decimal point or comma, an optional sign).
    Number,
    /// An order number: 3 to 20 letters and digits (and `-`), with at least 3 digits; a leading
    /// `#` and words around it ("it's #4821") are allowed, only the number is kept.
    OrderNumber,
    /// A regular expression (Rust `regex` syntax) the answer must contain; the whole match is
    /// kept (or its first group, when it has one).
    Pattern { pattern: String },
}

/// One question the bot asks before answering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GatherStep {
    /// What the bot asks ("What is your order number?").
    pub question: String,
    pub check: AnswerCheck,
    /// The contact attribute the answer is kept under ("Order", "Email").
    pub attribute: String,
    /// What the bot says when the answer does not pass the check.
    pub retry_message: String,
    /// Bad answers allowed before a person takes over (0: the first bad answer hands off).
    pub max_retries: u32,
}

/// An FAQ rule as the owner wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FaqRuleInput {
    pub name: String,
    pub enabled: bool,
    /// Keywords and phrases, any language; matched on whole words, ignoring case, accents and
    /// punctuation. A word ending in `*` matches any word it starts ("pedido*").
    pub phrases: Vec<String>,
    /// The saved reply the bot answers with (filled with the customer's details, the answers
    /// gathered included).
    pub saved_reply_id: Option<SavedReplyId>,
    /// Asked in order before the answer; with any, the conversation is handed to a person
    /// after the answer, with a note of what was gathered.
    pub steps: Vec<GatherStep>,
}

/// An FAQ rule as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FaqRule {
    pub id: FaqRuleId,
    /// Rules are tried in this order when two match equally well.
    #[ts(type = "number")]
    pub position: i64,
    #[serde(flatten)]
    pub rule: FaqRuleInput,
    /// The saved reply's title (`None`: no saved reply, or it was deleted).
    pub saved_reply_title: Option<String>,
    #[ts(type = "number")]
    pub updated_at: Millis,
}

/// Where and when the bot answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct BotSettings {
    /// The accounts the bot answers on (none: the bot is off).
    pub accounts: Vec<AccountId>,
    /// The bot stays quiet in a conversation an agent wrote in within these minutes.
    pub agent_quiet_minutes: u32,
    /// The most messages the bot sends one customer in an hour; past it a person takes over.
    pub max_per_hour: u32,
    /// Phrases that hand the conversation to a person at once, beside the built-in ones
    /// ("talk to a person", "agent please", "humano", "Mitarbeiter"…).
    pub handoff_phrases: Vec<String>,
    /// What the bot says when it hands a conversation to a person.
    pub handoff_message: String,
}

impl Default for BotSettings {
    fn default() -> Self {
        Self {
            accounts: Vec::new(),
            agent_quiet_minutes: 30,
            max_per_hour: 10,
            handoff_phrases: Vec::new(),
            handoff_message:
                "Thanks! A person from our team will answer you here as soon as possible."
                    .to_owned(),
        }
    }
}

/// What the bot would do with one message (the test console; nothing is sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum BotTrial {
    /// No rule matches: the bot stays quiet.
    NoMatch,
    /// A handoff phrase: the conversation goes to a person at once.
    HandOff {
        phrase: String,
        /// What the bot says before it does.
        message: String,
    },
    /// A rule matches.
    Matched {
        #[serde(rename = "ruleId")]
        rule_id: FaqRuleId,
        #[serde(rename = "ruleName")]
        rule_name: String,
        /// The phrase of the rule that matched, as the owner wrote it.
        phrase: String,
        /// What the bot sends now: the first question, or the answer.
        message: String,
        /// The questions that would follow, in order.
        questions: Vec<String>,
        /// The rule's saved reply is missing: the bot would hand off instead of answering.
        #[serde(rename = "noAnswer")]
        no_answer: bool,
    },
}
