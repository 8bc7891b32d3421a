//! Respectful outbound (issue 18): the workspace's quiet hours and frequency caps (Settings), the
//! record of a customer's opt-out on one identity (the customer pane), and the opt-out / opt-in
//! keywords a customer can write on any text channel.
//!
//! The rules themselves: the outbox re-check (`parley-store/src/outbox.rs`, `parley-sync`'s
//! `outbox.rs` module doc), the customer's local time (`parley-core/src/customer_time.rs`) and
//! the policy that joins them (`parley-core/src/outbound.rs`); the decision is written down in
//! `docs/decisions/023-quiet-hours.md`.

use crate::{ChannelKind, Millis};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The settings key of [`OutboundSettings`] (one JSON document).
pub const OUTBOUND_SETTINGS_KEY: &str = "outbound";

/// A customer who wrote this recently is in a live conversation: an agent's answer is not held
/// until morning without asking, and an automated answer to them is not held at all.
pub const LIVE_CONVERSATION_MILLIS: Millis = 15 * 60 * 1000;
/// An agent's message is "proactive" (counted against the caps) when the customer has not
/// written for this long.
pub const PROACTIVE_AFTER_MILLIS: Millis = 24 * 60 * 60 * 1000;

/// Quiet hours and frequency caps, workspace-wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct OutboundSettings {
    /// Hold messages while it is night for the customer (their local time).
    pub quiet_hours_enabled: bool,
    /// When quiet hours start and end, in minutes after local midnight (21:00 = 1260). The
    /// window may cross midnight (21:00–08:00).
    pub quiet_start_minute: u16,
    pub quiet_end_minute: u16,
    /// Automated messages (greeting, away, busy acknowledgement) to one customer, at most.
    pub automated_per_day: u16,
    pub automated_per_week: u16,
    /// Agents' proactive messages (the customer has not written for 24 h) to one customer.
    pub proactive_per_day: u16,
    pub proactive_per_week: u16,
}

impl Default for OutboundSettings {
    fn default() -> Self {
        OutboundSettings {
            quiet_hours_enabled: true,
            quiet_start_minute: 21 * 60,
            quiet_end_minute: 8 * 60,
            automated_per_day: 3,
            automated_per_week: 10,
            proactive_per_day: 2,
            proactive_per_week: 5,
        }
    }
}

impl OutboundSettings {
    /// Refuses what cannot work, in words.
    pub fn validate(&self) -> Result<(), String> {
        if self.quiet_start_minute >= 24 * 60 || self.quiet_end_minute >= 24 * 60 {
            return Err("Quiet hours start and end must be times of day (00:00 to 23:59).".into());
        }
        if self.quiet_hours_enabled && self.quiet_start_minute == self.quiet_end_minute {
            return Err(
                "Quiet hours need a start and an end that differ (e.g. 21:00 to 08:00).".into(),
            );
        }
        if self.automated_per_day == 0 || self.proactive_per_day == 0 {
            return Err("A daily cap of 0 would stop every message; use at least 1.".into());
        }
        if self.automated_per_week < self.automated_per_day
            || self.proactive_per_week < self.proactive_per_day
        {
            return Err("A weekly cap cannot be lower than the daily one.".into());
        }
        Ok(())
    }

    /// Whether `minute` (after local midnight) falls in the quiet window.
    pub fn is_quiet_minute(&self, minute: u16) -> bool {
        let (start, end) = (self.quiet_start_minute, self.quiet_end_minute);
        if start < end {
            minute >= start && minute < end
        } else {
            minute >= start || minute < end
        }
    }
}

/// Who or what recorded an opt-out (or opt-in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum OptOutSource {
    /// The customer wrote a keyword (STOP, BAJA, START…); the word is kept.
    Keyword,
    /// An agent marked it in the customer pane; their name is kept.
    Agent,
    /// It came with an import.
    Import,
    /// The provider refused a reply because the customer opted out there (Twilio's 21610).
    Provider,
}

impl OptOutSource {
    pub fn as_str(self) -> &'static str {
        match self {
            OptOutSource::Keyword => "keyword",
            OptOutSource::Agent => "agent",
            OptOutSource::Import => "import",
            OptOutSource::Provider => "provider",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "keyword" => OptOutSource::Keyword,
            "agent" => OptOutSource::Agent,
            "import" => OptOutSource::Import,
            "provider" => OptOutSource::Provider,
            _ => return None,
        })
    }
}

/// The latest opt-out or opt-in of one identity: how and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OptOutRecord {
    /// True: opted out; false: opted back in.
    pub opted_out: bool,
    pub source: OptOutSource,
    /// The customer's word (“STOP”) or the agent's name.
    pub detail: Option<String>,
    #[ts(type = "number")]
    pub at: Millis,
}

/// What a whole inbound message says about being messaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKeyword {
    Out,
    In,
}

/// Opt-out words: carriers' (US/CA: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) and their
/// common equivalents in Spanish, German, French, Portuguese, Italian and Dutch. Compared after
/// [`fold`] (upper case, no diacritics).
const OUT_WORDS: &[&str] = &[
    "STOP",
    "STOPALL",
    "STOP ALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "OPTOUT",
    "OPT OUT",
    "OPT-OUT",
    "REVOKE",
    // es
    "BAJA",
    "ALTO",
    "DETENER",
    "CANCELAR",
    "DARSE DE BAJA",
    // de
    "STOPP",
    "ABMELDEN",
    "ABBESTELLEN",
    // fr
    "ARRET",
    "ARRETER",
    "DESABONNER",
    "DESINSCRIRE",
    // pt
    "PARAR",
    "SAIR",
    "CANCELAR INSCRICAO",
    // it
    "ANNULLA",
    "BASTA",
    "DISISCRIVITI",
    // nl
    "AFMELDEN",
    "STOPPEN",
];

/// Opt-in words: START, UNSTOP, YES and equivalents.
const IN_WORDS: &[&str] = &[
    "START",
    "UNSTOP",
    "YES",
    "SUBSCRIBE",
    // es
    "ALTA",
    "REANUDAR",
    // de
    "ANMELDEN",
    // fr
    "DEMARRER",
    "REPRENDRE",
    // pt
    "INICIAR",
    "VOLTAR",
    // it
    "INIZIA",
    "RIPRENDI",
    // nl
    "AANMELDEN",
];

/// Upper case without diacritics (the Latin letters the keywords use), inner white space made
/// one space, surrounding white space and closing punctuation dropped.
pub fn fold(text: &str) -> String {
    let trimmed = text
        .trim()
        .trim_end_matches(['.', '!', '?', '¡', '¿'])
        .trim_start_matches(['¡', '¿'])
        .trim();
    let mut out = String::with_capacity(trimmed.len());
    let mut space = false;
    for c in trimmed.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                'A'
            }
            'ç' | 'Ç' => 'C',
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'E',
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
            'ñ' | 'Ñ' => 'N',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'O',
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
            'ý' | 'ÿ' | 'Ý' => 'Y',
            other => other,
        };
        out.extend(base.to_uppercase());
    }
    out
}

/// What the whole of `text`, written by a customer on `channel`, says about being messaged:
/// a keyword alone (case and diacritics aside) on a text channel; on email only "unsubscribe"
/// as the whole text (an email's words are rarely one keyword by chance).
pub fn opt_keyword(channel: ChannelKind, text: &str) -> Option<OptKeyword> {
    let folded = fold(text);
    if folded.is_empty() || folded.len() > 24 {
        return None;
    }
    if channel == ChannelKind::Email {
        return (folded == "UNSUBSCRIBE").then_some(OptKeyword::Out);
    }
    if OUT_WORDS.contains(&folded.as_str()) {
        Some(OptKeyword::Out)
    } else if IN_WORDS.contains(&folded.as_str()) {
        Some(OptKeyword::In)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_in_several_languages_whole_message_only() {
        use ChannelKind::*;
        for (channel, text) in [
            (Sms, "STOP"),
            (Sms, " stop. "),
            (Whatsapp, "Baja"),
            (Telegram, "STOPP"),
            (Messenger, "arrêt"),
            (Instagram, "Arret!"),
            (Sms, "sair"),
            (Whatsapp, "Annulla"),
            (Telegram, "unsubscribe"),
            (Email, "Unsubscribe"),
        ] {
            assert_eq!(opt_keyword(channel, text), Some(OptKeyword::Out), "{text}");
        }
        for (channel, text) in [(Sms, "start"), (Whatsapp, "UNSTOP"), (Telegram, "Démarrer")] {
            assert_eq!(opt_keyword(channel, text), Some(OptKeyword::In), "{text}");
        }
        for (channel, text) in [
            (Sms, "please stop calling me at work"),
            (Sms, "stopwatch"),
            (Email, "STOP"),
            (Telegram, ""),
        ] {
            assert_eq!(opt_keyword(channel, text), None, "{text}");
        }
    }

    #[test]
    fn quiet_window_may_cross_midnight() {
        let s = OutboundSettings::default();
        assert!(s.is_quiet_minute(23 * 60 + 10));
        assert!(s.is_quiet_minute(0));
        assert!(s.is_quiet_minute(7 * 60 + 59));
        assert!(!s.is_quiet_minute(8 * 60));
        assert!(!s.is_quiet_minute(20 * 60 + 59));
        let day = OutboundSettings {
            quiet_start_minute: 12 * 60,
            quiet_end_minute: 14 * 60,
            ..s
        };
        assert!(day.is_quiet_minute(13 * 60));
        assert!(!day.is_quiet_minute(15 * 60));
        assert!(s.validate().is_ok());
    }
}
