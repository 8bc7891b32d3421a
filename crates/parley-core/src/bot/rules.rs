//! The owner's side of the bot: rules (checked, stored, ordered), the bot's settings, and the
//! compiled form the engine and the test console run, rebuilt whenever either changes.

use super::checks::Check;
use super::machine::Compiled;
use super::words::Phrase;
use crate::errors;
use crate::facade::Parley;
use parley_domain::*;
use std::sync::Arc;

/// The setting holding [`BotSettings`] (JSON).
pub(crate) const SETTINGS_KEY: &str = "bot.settings";
const NAME_MAX: usize = 80;
const ATTRIBUTE_MAX: usize = 40;
const RETRIES_MAX: u32 = 5;
const QUIET_MAX: u32 = 24 * 60;
const PER_HOUR_MAX: u32 = 100;

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

fn text(what: &str, value: &str) -> Result<String, IpcError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > BOT_TEXT_MAX {
        return Err(invalid(format!(
            "{what} must be 1 to {BOT_TEXT_MAX} characters."
        )));
    }
    Ok(value.to_owned())
}

fn phrases(what: &str, list: &[String]) -> Result<Vec<String>, IpcError> {
    let mut out: Vec<String> = Vec::new();
    for p in list.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let p = text(what, p)?;
        if Phrase::new(&p).is_none() {
            return Err(invalid(format!(
                "The phrase \"{p}\" has no letter or digit to look for: write a word."
            )));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&p)) {
            out.push(p);
        }
    }
    if out.len() > BOT_PHRASES_MAX {
        return Err(invalid(format!(
            "A list holds at most {BOT_PHRASES_MAX} phrases: remove some."
        )));
    }
    Ok(out)
}

/// Checks and tidies a rule as the owner wrote it (trimmed, phrases once each, every pattern
/// compiled), or says what to fix.
pub(crate) fn validate(input: FaqRuleInput) -> Result<FaqRuleInput, IpcError> {
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(invalid(format!(
            "A rule's name must be 1 to {NAME_MAX} characters."
        )));
    }
    let phrases = phrases("A phrase", &input.phrases)?;
    if phrases.is_empty() {
        return Err(invalid(
            "Add at least one keyword or phrase the rule answers to.",
        ));
    }
    if input.steps.len() > BOT_STEPS_MAX {
        return Err(invalid(format!(
            "A rule asks at most {BOT_STEPS_MAX} questions."
        )));
    }
    let mut steps = Vec::with_capacity(input.steps.len());
    for (i, s) in input.steps.into_iter().enumerate() {
        let n = i + 1;
        let attribute = s.attribute.trim().to_owned();
        if attribute.is_empty()
            || attribute.chars().count() > ATTRIBUTE_MAX
            || attribute.chars().any(char::is_control)
        {
            return Err(invalid(format!(
                "Question {n}: the detail it is kept as must be 1 to {ATTRIBUTE_MAX} characters (e.g. \"Order\")."
            )));
        }
        if s.max_retries > RETRIES_MAX {
            return Err(invalid(format!(
                "Question {n}: at most {RETRIES_MAX} retries."
            )));
        }
        let check = match s.check {
            AnswerCheck::Pattern { pattern } => AnswerCheck::Pattern {
                pattern: pattern.trim().to_owned(),
            },
            other => other,
        };
        Check::new(&check).map_err(|e| invalid(format!("Question {n}: {e}.")))?;
        steps.push(GatherStep {
            question: text(&format!("Question {n}"), &s.question)?,
            check,
            attribute,
            retry_message: text(&format!("Question {n}'s retry message"), &s.retry_message)?,
            max_retries: s.max_retries,
        });
    }
    Ok(FaqRuleInput {
        name,
        enabled: input.enabled,
        phrases,
        saved_reply_id: input.saved_reply_id,
        steps,
    })
}

fn validate_settings(s: BotSettings) -> Result<BotSettings, IpcError> {
    if s.agent_quiet_minutes > QUIET_MAX {
        return Err(invalid(format!(
            "The bot's quiet time after an agent wrote is at most {QUIET_MAX} minutes."
        )));
    }
    if s.max_per_hour == 0 || s.max_per_hour > PER_HOUR_MAX {
        return Err(invalid(format!(
            "The bot sends one customer 1 to {PER_HOUR_MAX} messages an hour."
        )));
    }
    let mut accounts = s.accounts;
    accounts.sort();
    accounts.dedup();
    Ok(BotSettings {
        accounts,
        agent_quiet_minutes: s.agent_quiet_minutes,
        max_per_hour: s.max_per_hour,
        handoff_phrases: phrases("A handoff phrase", &s.handoff_phrases)?,
        handoff_message: text("The handoff message", &s.handoff_message)?,
    })
}

fn rule_error(e: parley_store::StoreError) -> IpcError {
    match e {
        parley_store::StoreError::NotFound("saved reply") => {
            invalid("The saved reply chosen as the answer no longer exists: pick another one.")
        }
        other => errors::store(other),
    }
}

impl Parley {
    /// Every FAQ rule, in the order they are tried.
    pub async fn faq_rules(&self) -> Result<Vec<FaqRule>, IpcError> {
        self.db.call(|s| s.faq_rules()).await.map_err(errors::store)
    }

    pub async fn create_faq_rule(&self, input: FaqRuleInput) -> Result<FaqRule, IpcError> {
        let input = validate(input)?;
        let now = self.clock.now();
        let rule = self
            .db
            .call(move |s| s.create_faq_rule(&input, now))
            .await
            .map_err(rule_error)?;
        self.bot.forget_compiled();
        Ok(rule)
    }

    pub async fn update_faq_rule(
        &self,
        id: FaqRuleId,
        input: FaqRuleInput,
    ) -> Result<FaqRule, IpcError> {
        let input = validate(input)?;
        let now = self.clock.now();
        let rule = self
            .db
            .call(move |s| s.update_faq_rule(id, &input, now))
            .await
            .map_err(rule_error)?;
        self.bot.forget_compiled();
        Ok(rule)
    }

    pub async fn delete_faq_rule(&self, id: FaqRuleId) -> Result<(), IpcError> {
        self.db
            .call(move |s| s.delete_faq_rule(id))
            .await
            .map_err(errors::store)?;
        self.bot.forget_compiled();
        Ok(())
    }

    /// Moves a rule one place earlier (`by` -1) or later (1); answers every rule.
    pub async fn move_faq_rule(&self, id: FaqRuleId, by: i64) -> Result<Vec<FaqRule>, IpcError> {
        let rules = self
            .db
            .call(move |s| s.move_faq_rule(id, by.signum()))
            .await
            .map_err(errors::store)?;
        self.bot.forget_compiled();
        Ok(rules)
    }

    /// The bot's settings (the defaults, off everywhere, until saved).
    pub async fn bot_settings(&self) -> Result<BotSettings, IpcError> {
        let (json, accounts) = self
            .db
            .call(|s| Ok((s.setting(SETTINGS_KEY)?, s.bot_accounts()?)))
            .await
            .map_err(errors::store)?;
        let settings: BotSettings = json
            .and_then(|j| {
                serde_json::from_str(&j)
                    .map_err(|e| tracing::warn!("bot settings unreadable, using defaults: {e}"))
                    .ok()
            })
            .unwrap_or_default();
        Ok(BotSettings {
            accounts,
            ..settings
        })
    }

    /// Saves the bot's settings; accounts that no longer exist are left out.
    pub async fn set_bot_settings(&self, settings: BotSettings) -> Result<BotSettings, IpcError> {
        let settings = validate_settings(settings)?;
        // The accounts live in their own table (they go with their account); the rest is JSON.
        let json = serde_json::to_string(&BotSettings {
            accounts: Vec::new(),
            ..settings.clone()
        })
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let now = self.clock.now();
        let wanted = settings.accounts.clone();
        let accounts = self
            .db
            .call(move |s| s.set_bot_settings(SETTINGS_KEY, &json, &wanted, now))
            .await
            .map_err(errors::store)?;
        self.bot.forget_compiled();
        Ok(BotSettings {
            accounts,
            ..settings
        })
    }

    /// The rules and settings ready to run (compiled once per change).
    pub(crate) async fn compiled_bot(&self) -> Result<Arc<Compiled>, IpcError> {
        if let Some(c) = self.bot.compiled() {
            return Ok(c);
        }
        let generation = self.bot.generation();
        let rules = self.faq_rules().await?;
        let settings = self.bot_settings().await?;
        let compiled = Arc::new(Compiled::new(rules, settings));
        self.bot.keep_compiled(generation, compiled.clone());
        Ok(compiled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(check: AnswerCheck) -> GatherStep {
        GatherStep {
            question: " What is your order number? ".into(),
            check,
            attribute: " Order ".into(),
            retry_message: "Please send the number only.".into(),
            max_retries: 2,
        }
    }

    fn input(phrases: &[&str], steps: Vec<GatherStep>) -> FaqRuleInput {
        FaqRuleInput {
            name: " Orders ".into(),
            enabled: true,
            phrases: phrases.iter().map(|p| (*p).to_owned()).collect(),
            saved_reply_id: None,
            steps,
        }
    }

    #[test]
    fn rules_are_tidied_and_what_is_wrong_is_said() {
        let ok = validate(input(
            &[" where is my order ", "Where is my order", "", "pedido*"],
            vec![step(AnswerCheck::OrderNumber)],
        ))
        .expect("valid");
        assert_eq!(ok.name, "Orders");
        assert_eq!(ok.phrases, ["where is my order", "pedido*"]);
        assert_eq!(ok.steps[0].attribute, "Order");
        assert_eq!(ok.steps[0].question, "What is your order number?");

        let e = validate(input(&["?!"], vec![])).expect_err("no word");
        assert!(e.message.contains("no letter or digit"), "{}", e.message);
        let e = validate(input(&[], vec![])).expect_err("no phrase");
        assert!(e.message.contains("at least one"), "{}", e.message);
        let e = validate(input(
            &["x"],
            vec![step(AnswerCheck::Pattern {
                pattern: "([".into(),
            })],
        ))
        .expect_err("bad pattern");
        assert!(e.message.starts_with("Question 1:"), "{}", e.message);
        let mut long = step(AnswerCheck::AnyText);
        long.max_retries = 9;
        assert!(validate(input(&["x"], vec![long])).is_err());
    }

    #[test]
    fn settings_are_checked() {
        let ok = validate_settings(BotSettings {
            accounts: vec![AccountId(2), AccountId(1), AccountId(2)],
            handoff_phrases: vec!["  quiero un humano ".into()],
            ..BotSettings::default()
        })
        .expect("valid");
        assert_eq!(ok.accounts, [AccountId(1), AccountId(2)]);
        assert_eq!(ok.handoff_phrases, ["quiero un humano"]);
        for bad in [
            BotSettings {
                max_per_hour: 0,
                ..BotSettings::default()
            },
            BotSettings {
                agent_quiet_minutes: 5_000,
                ..BotSettings::default()
            },
            BotSettings {
                handoff_message: "  ".into(),
                ..BotSettings::default()
            },
        ] {
            assert!(validate_settings(bad).is_err());
        }
    }
}
