//! Settings → Automation: the workspace's business hours, and per account its own hours (or
//! the workspace's), the greeting and the away message. Kept as one JSON document in the
//! `settings` table (`automation`), read once and cached; saving checks everything first and
//! answers in words what is wrong.

use super::schedule;
use crate::errors;
use crate::facade::Parley;
use crate::saved_replies::template;
use parley_domain::*;
use tokio::sync::RwLock;

/// The settings key of the automation settings (a JSON document).
pub(crate) const AUTOMATION_KEY: &str = "automation";
/// The longest rule text, in characters.
const RULE_TEXT_MAX: usize = 2_000;
/// The longest once-per-customer period: a year.
const PERIOD_HOURS_MAX: u32 = 24 * 366;

/// The cached settings (`None` until first read).
#[derive(Default)]
pub(crate) struct AutomationState {
    settings: RwLock<Option<(AutomationSettings, bool)>>,
}

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

fn check_rule(what: &str, rule: &RuleSettings) -> Result<(), IpcError> {
    if rule.enabled && rule.text.trim().is_empty() {
        return Err(invalid(format!(
            "The {what} is on but has no text: write it, or turn it off."
        )));
    }
    if rule.text.chars().count() > RULE_TEXT_MAX {
        return Err(invalid(format!(
            "The {what} is longer than {RULE_TEXT_MAX} characters: shorten it."
        )));
    }
    template::parse(&rule.text).map_err(|e| invalid(format!("The {what}: {}", e.0)))?;
    if rule.period_hours == 0 || rule.period_hours > PERIOD_HOURS_MAX {
        return Err(invalid(format!(
            "The {what}'s \"at most once per customer\" must be between 1 hour and a year."
        )));
    }
    Ok(())
}

/// What is wrong with the settings, in words.
pub(crate) fn check(settings: &AutomationSettings) -> Result<(), IpcError> {
    schedule::check(&settings.hours).map_err(invalid)?;
    for a in &settings.accounts {
        if let Some(h) = &a.hours {
            schedule::check(h).map_err(invalid)?;
        }
        check_rule("greeting", &a.greeting)?;
        check_rule("away message", &a.away)?;
    }
    Ok(())
}

impl Parley {
    /// The automation settings and whether they were ever saved (the defaults otherwise).
    pub(crate) async fn automation_settings_saved(&self) -> (AutomationSettings, bool) {
        if let Some(cached) = self.automation.settings.read().await.clone() {
            return cached;
        }
        let mut slot = self.automation.settings.write().await;
        if let Some(cached) = slot.clone() {
            return cached;
        }
        let loaded = match self.db.call(|s| s.setting(AUTOMATION_KEY)).await {
            Ok(Some(json)) => match serde_json::from_str::<AutomationSettings>(&json) {
                Ok(s) => (s, true),
                Err(e) => {
                    tracing::warn!("automation settings unreadable ({e}); using the defaults");
                    (AutomationSettings::default(), false)
                }
            },
            Ok(None) => (AutomationSettings::default(), false),
            Err(e) => {
                tracing::warn!("automation settings could not be read: {e}");
                // Not cached: the next call tries again.
                return (AutomationSettings::default(), false);
            }
        };
        *slot = Some(loaded.clone());
        loaded
    }

    /// Settings → Automation, with every account listed (the defaults, off, for those never
    /// set) in the accounts' order.
    pub async fn automation_settings(&self) -> Result<AutomationSettings, IpcError> {
        let (mut settings, _) = self.automation_settings_saved().await;
        let accounts = self
            .db
            .call(|s| s.accounts())
            .await
            .map_err(errors::store)?;
        settings.accounts = accounts.iter().map(|a| settings.account(a.id)).collect();
        Ok(settings)
    }

    /// Saves Settings → Automation (checked first: zones, intervals, dates, texts, periods).
    pub async fn set_automation_settings(
        &self,
        settings: AutomationSettings,
    ) -> Result<AutomationSettings, IpcError> {
        check(&settings)?;
        let json = serde_json::to_string(&settings)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let now = self.clock.now();
        let mut slot = self.automation.settings.write().await;
        self.db
            .call(move |s| s.set_setting(AUTOMATION_KEY, &json, now))
            .await
            .map_err(errors::store)?;
        *slot = Some((settings, true));
        drop(slot);
        self.automation_settings().await
    }

    /// Forgets the automation of an account that is gone (removed with its conversations, or
    /// the demo's): SQLite gives a deleted account's row id to the next account added, which must
    /// not inherit its greeting or away message (the demo's greeting would greet a real bot's
    /// customers).
    pub(crate) async fn forget_automation_of(&self, account: AccountId) {
        let (mut settings, saved) = self.automation_settings_saved().await;
        if !saved || !settings.accounts.iter().any(|a| a.account_id == account) {
            return;
        }
        settings.accounts.retain(|a| a.account_id != account);
        let Ok(json) = serde_json::to_string(&settings) else {
            return;
        };
        let now = self.clock.now();
        let mut slot = self.automation.settings.write().await;
        match self
            .db
            .call(move |s| s.set_setting(AUTOMATION_KEY, &json, now))
            .await
        {
            Ok(()) => *slot = Some((settings, true)),
            Err(e) => tracing::warn!("a removed account's automation stays: {e}"),
        }
    }

    /// What a schedule means now (the settings screen's preview of the next opening).
    pub fn preview_business_hours(&self, hours: BusinessHours) -> Result<HoursPreview, IpcError> {
        schedule::check(&hours).map_err(invalid)?;
        Ok(schedule::preview(&hours, self.clock.now()))
    }

    /// The schedule's one-line summary for `{{business_hours}}` on `account`, once the
    /// automation settings were saved; `None` before.
    pub(crate) async fn business_hours_summary(&self, account: AccountId) -> Option<String> {
        let (settings, saved) = self.automation_settings_saved().await;
        saved.then(|| schedule::summary(settings.hours_of(account)))
    }
}
