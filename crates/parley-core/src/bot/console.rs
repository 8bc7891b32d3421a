//! The test console of Settings → Bot: what the bot would do with one typed message, as a new
//! conversation would meet it. Pure: nothing is stored or sent.

use super::machine::{HandoffReason, Outgoing, decide};
use super::words::words;
use crate::facade::Parley;
use crate::saved_replies::{Values, fill};
use parley_domain::*;

impl Parley {
    /// What the bot would answer to `text` (the rules as saved, turned on or not, and the
    /// bot's settings; a saved reply is filled as for a customer Parley knows nothing about).
    pub async fn try_bot(&self, text: String) -> Result<BotTrial, IpcError> {
        // Every rule, turned on or not: the owner tries a rule before turning it on.
        let mut compiled = (*self.compiled_bot().await?).clone();
        for r in &mut compiled.rules {
            r.rule.rule.enabled = true;
        }
        if text.trim().is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "Type a message a customer might send.",
            ));
        }
        let decision = decide(&compiled, None, &text);
        if let Some(h) = &decision.handoff
            && let HandoffReason::Asked { phrase } = &h.reason
        {
            return Ok(BotTrial::HandOff {
                phrase: phrase.clone(),
                message: compiled.settings.handoff_message.clone(),
            });
        }
        let Some(rule_id) = decision.rule else {
            return Ok(BotTrial::NoMatch);
        };
        let Some(rule) = compiled.rules.iter().find(|r| r.rule.id == rule_id) else {
            return Ok(BotTrial::NoMatch);
        };
        let phrase = compiled
            .best_rule(&words(&text))
            .map(|(_, p)| p.text.clone())
            .unwrap_or_default();
        let message = match decision.send.first() {
            Some(Outgoing::Text(t)) => t.clone(),
            Some(Outgoing::Answer(id)) => {
                let id = *id;
                let reply = self
                    .db
                    .call(move |s| s.saved_reply(id))
                    .await
                    .map_err(crate::errors::store)?;
                let values = Values {
                    full_name: None,
                    agent_name: Some(crate::notes::agent_name()),
                    business_hours: Some(self.business_hours().await?),
                    attributes: Vec::new(),
                };
                fill(&reply, ChannelKind::Telegram, &values).text
            }
            None => String::new(),
        };
        let no_answer = decision
            .handoff
            .as_ref()
            .is_some_and(|h| h.reason == HandoffReason::NoAnswer);
        Ok(BotTrial::Matched {
            rule_id,
            rule_name: rule.rule.rule.name.clone(),
            phrase,
            message,
            questions: rule
                .rule
                .rule
                .steps
                .iter()
                .skip(1)
                .map(|s| s.question.clone())
                .collect(),
            no_answer,
        })
    }
}
