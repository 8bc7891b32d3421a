//! The bot's decisions, pure: given the rules, where the conversation is with the bot and the
//! customer's message, what to send, what to keep and whether a person takes over.
//!
//! ```text
//! no session ─handoff phrase─▶ hand off (handoff message)
//!            ─rule with steps─▶ asking{step 0} (its first question)
//!            ─rule without steps─▶ answer (its saved reply; no saved reply: hand off)
//!            ─nothing matches─▶ quiet
//! asking{i} ─handoff phrase─▶ hand off (what was gathered so far)
//!           ─answer passes─▶ keep it as the contact's attribute; asking{i+1} (its question)
//!                            or, after the last step, the answer, then hand off
//!           ─answer fails─▶ retry message, same step; past max retries: hand off
//! ```
//! The rate limit (the engine's) turns any decision that would send past it into a quiet hand
//! off. Every decision is applied in one transaction with the messages it sends
//! (`parley-store/src/bot.rs`).

use super::checks::Check;
use super::words::{BUILT_IN_HANDOFF, Phrase, words};
use parley_domain::{BotSettings, FaqRule, FaqRuleId};
use serde::{Deserialize, Serialize};

/// A rule ready to run.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub rule: FaqRule,
    phrases: Vec<Phrase>,
    checks: Vec<Check>,
}

/// Every rule and the bot's settings, ready to run (rebuilt when the owner changes them).
#[derive(Debug, Clone, Default)]
pub(crate) struct Compiled {
    pub rules: Vec<CompiledRule>,
    pub handoff: Vec<Phrase>,
    pub settings: BotSettings,
}

impl CompiledRule {
    pub fn new(rule: FaqRule) -> Result<Self, String> {
        let phrases = rule
            .rule
            .phrases
            .iter()
            .filter_map(|p| Phrase::new(p))
            .collect();
        let checks = rule
            .rule
            .steps
            .iter()
            .map(|s| Check::new(&s.check))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            rule,
            phrases,
            checks,
        })
    }
}

impl Compiled {
    /// Rules that cannot be compiled (a pattern saved by an older build) are left out, logged.
    pub fn new(rules: Vec<FaqRule>, settings: BotSettings) -> Self {
        let rules = rules
            .into_iter()
            .filter_map(|r| {
                let id = r.id;
                CompiledRule::new(r)
                    .map_err(|e| tracing::warn!(rule = %id, "FAQ rule left out: {e}"))
                    .ok()
            })
            .collect();
        let handoff = BUILT_IN_HANDOFF
            .iter()
            .copied()
            .chain(settings.handoff_phrases.iter().map(String::as_str))
            .filter_map(Phrase::new)
            .collect();
        Self {
            rules,
            handoff,
            settings,
        }
    }

    fn rule(&self, id: FaqRuleId) -> Option<&CompiledRule> {
        self.rules
            .iter()
            .find(|r| r.rule.id == id && r.rule.rule.enabled)
    }

    /// The handoff phrase in `message`, if any.
    pub fn handoff_phrase(&self, message: &[String]) -> Option<&Phrase> {
        self.handoff.iter().find(|p| p.score(message).is_some())
    }

    /// The enabled rule matching best (its longest phrase; the first rule on a tie), with the
    /// phrase.
    pub fn best_rule(&self, message: &[String]) -> Option<(&CompiledRule, &Phrase)> {
        let mut best: Option<(usize, &CompiledRule, &Phrase)> = None;
        for r in self.rules.iter().filter(|r| r.rule.rule.enabled) {
            for p in &r.phrases {
                if let Some(score) = p.score(message)
                    && best.as_ref().is_none_or(|(s, _, _)| score > *s)
                {
                    best = Some((score, r, p));
                }
            }
        }
        best.map(|(_, r, p)| (r, p))
    }
}

/// One answer the bot gathered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Gathered {
    pub question: String,
    pub attribute: String,
    pub value: String,
}

/// Where a conversation is with the bot: asking the rule's step `step`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Session {
    pub rule: FaqRuleId,
    pub step: usize,
    pub retries: u32,
    /// What the customer first asked.
    pub question: String,
    pub answers: Vec<Gathered>,
}

/// A message the bot sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outgoing {
    Text(String),
    /// The rule's saved reply, filled for the customer when it is sent (after the answers
    /// gathered are kept, so it can name them).
    Answer(parley_domain::SavedReplyId),
}

/// Why a person takes over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HandoffReason {
    /// The customer asked for a person.
    Asked { phrase: String },
    /// Every question was answered.
    Gathered,
    /// Too many answers did not pass a step's check.
    BadAnswers { question: String },
    /// The rule has no saved reply to answer with.
    NoAnswer,
    /// The bot reached its limit of messages for this customer.
    RateLimited,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Handoff {
    pub reason: HandoffReason,
    pub rule_name: Option<String>,
    /// What the customer first asked (or this message, without a session).
    pub question: String,
    pub answers: Vec<Gathered>,
}

/// What to do with one message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Decision {
    /// The rule behind what is sent (`None`: the handoff message of no rule).
    pub rule: Option<FaqRuleId>,
    pub send: Vec<Outgoing>,
    /// The conversation's session after this message (`None`: no session).
    pub session: Option<Session>,
    /// Attributes to keep on the customer (key, value).
    pub keep: Vec<(String, String)>,
    pub handoff: Option<Handoff>,
}

impl Decision {
    /// The bot stays quiet (and ends any session).
    #[cfg(test)]
    pub fn quiet(&self) -> bool {
        self.send.is_empty() && self.handoff.is_none() && self.keep.is_empty()
    }

    /// Instead of this decision: a person takes over without a word from the bot (the rate
    /// limit), keeping what was already gathered.
    pub fn rate_limited(session: Option<&Session>, rule_name: Option<String>, text: &str) -> Self {
        Self {
            rule: session.map(|s| s.rule),
            handoff: Some(Handoff {
                reason: HandoffReason::RateLimited,
                rule_name,
                question: session.map_or_else(|| text.to_owned(), |s| s.question.clone()),
                answers: session.map(|s| s.answers.clone()).unwrap_or_default(),
            }),
            ..Self::default()
        }
    }
}

/// Decides what the bot does with `text` in a conversation at `session`.
pub(crate) fn decide(compiled: &Compiled, session: Option<&Session>, text: &str) -> Decision {
    let message = words(text);
    // A session whose rule was deleted or turned off ends; the message is read afresh.
    let session = session.and_then(|s| compiled.rule(s.rule).map(|r| (s, r)));
    if let Some(phrase) = compiled.handoff_phrase(&message) {
        return Decision {
            rule: session.map(|(s, _)| s.rule),
            send: vec![Outgoing::Text(compiled.settings.handoff_message.clone())],
            handoff: Some(Handoff {
                reason: HandoffReason::Asked {
                    phrase: phrase.text.clone(),
                },
                rule_name: session.map(|(_, r)| r.rule.rule.name.clone()),
                question: session
                    .map_or_else(|| text.trim().to_owned(), |(s, _)| s.question.clone()),
                answers: session.map(|(s, _)| s.answers.clone()).unwrap_or_default(),
            }),
            ..Decision::default()
        };
    }
    match session {
        Some((s, r)) => answer_step(compiled, s, r, text),
        None => match compiled.best_rule(&message) {
            Some((r, _)) => start(compiled, r, text),
            None => Decision::default(),
        },
    }
}

/// A rule matched a message outside any session.
fn start(compiled: &Compiled, r: &CompiledRule, text: &str) -> Decision {
    let rule = &r.rule;
    if let Some(first) = rule.rule.steps.first() {
        return Decision {
            rule: Some(rule.id),
            send: vec![Outgoing::Text(first.question.clone())],
            session: Some(Session {
                rule: rule.id,
                step: 0,
                retries: 0,
                question: text.trim().to_owned(),
                answers: Vec::new(),
            }),
            ..Decision::default()
        };
    }
    finish(compiled, r, text.trim().to_owned(), Vec::new(), false)
}

/// The answer (or, with no saved reply, the handoff message); a hand off when asked.
fn finish(
    compiled: &Compiled,
    r: &CompiledRule,
    question: String,
    answers: Vec<Gathered>,
    hand_off: bool,
) -> Decision {
    let rule = &r.rule;
    let (send, reason) = match rule.rule.saved_reply_id {
        Some(id) if rule.saved_reply_title.is_some() => (
            Outgoing::Answer(id),
            hand_off.then_some(HandoffReason::Gathered),
        ),
        _ => (
            Outgoing::Text(compiled.settings.handoff_message.clone()),
            Some(HandoffReason::NoAnswer),
        ),
    };
    Decision {
        rule: Some(rule.id),
        send: vec![send],
        session: None,
        keep: Vec::new(),
        handoff: reason.map(|reason| Handoff {
            reason,
            rule_name: Some(rule.rule.name.clone()),
            question,
            answers,
        }),
    }
}

fn answer_step(compiled: &Compiled, s: &Session, r: &CompiledRule, text: &str) -> Decision {
    let steps = &r.rule.rule.steps;
    let (Some(step), Some(check)) = (steps.get(s.step), r.checks.get(s.step)) else {
        // The rule lost steps since: answer with what there is.
        return finish(compiled, r, s.question.clone(), s.answers.clone(), true);
    };
    match check.accept(text) {
        Some(value) => {
            let mut answers = s.answers.clone();
            answers.retain(|a| a.attribute != step.attribute);
            answers.push(Gathered {
                question: step.question.clone(),
                attribute: step.attribute.clone(),
                value: value.clone(),
            });
            let keep = vec![(step.attribute.clone(), value)];
            match steps.get(s.step + 1) {
                Some(next) => Decision {
                    rule: Some(s.rule),
                    send: vec![Outgoing::Text(next.question.clone())],
                    session: Some(Session {
                        step: s.step + 1,
                        retries: 0,
                        answers,
                        ..s.clone()
                    }),
                    keep,
                    handoff: None,
                },
                None => Decision {
                    keep,
                    ..finish(compiled, r, s.question.clone(), answers, true)
                },
            }
        }
        None if s.retries < step.max_retries => Decision {
            rule: Some(s.rule),
            send: vec![Outgoing::Text(step.retry_message.clone())],
            session: Some(Session {
                retries: s.retries + 1,
                ..s.clone()
            }),
            ..Decision::default()
        },
        None => Decision {
            rule: Some(s.rule),
            send: vec![Outgoing::Text(compiled.settings.handoff_message.clone())],
            session: None,
            keep: Vec::new(),
            handoff: Some(Handoff {
                reason: HandoffReason::BadAnswers {
                    question: step.question.clone(),
                },
                rule_name: Some(r.rule.rule.name.clone()),
                question: s.question.clone(),
                answers: s.answers.clone(),
            }),
        },
    }
}

/// The note a person finds when the bot hands over.
pub(crate) fn summary_note(h: &Handoff) -> String {
    let mut lines = vec![match &h.reason {
        HandoffReason::Asked { phrase } => {
            format!("Bot handed off: the customer asked for a person (\"{phrase}\").")
        }
        HandoffReason::Gathered => "Bot handed off: the customer answered every question.".into(),
        HandoffReason::BadAnswers { question } => {
            format!("Bot handed off: no valid answer to \"{question}\".")
        }
        HandoffReason::NoAnswer => {
            "Bot handed off: the rule has no saved reply to answer with.".into()
        }
        HandoffReason::RateLimited => {
            "Bot handed off: it reached its limit of messages to this customer this hour.".into()
        }
    }];
    if let Some(name) = &h.rule_name {
        lines.push(format!("Rule: {name}"));
    }
    let question: String = h.question.chars().take(300).collect();
    if !question.is_empty() {
        lines.push(format!("Asked: {question}"));
    }
    for a in &h.answers {
        lines.push(format!("{}: {}", a.attribute, a.value));
    }
    lines.join("\n")
}
