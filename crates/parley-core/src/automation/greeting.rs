//! The greeting: for a customer's first message ever on an account, when the account has it
//! on, at most once per customer per its period, never on a thread an agent answered in the
//! last hour.

use super::{Arrival, Planned, Responder, fill_template};
use crate::facade::Parley;
use async_trait::async_trait;
use parley_domain::{AutomatedBy, AutomationKind, Millis};

/// No rule writes where an agent answered within this long.
pub(crate) const AGENT_RECENTLY: Millis = 3_600_000;

pub(crate) struct Greeting;

#[async_trait]
impl Responder for Greeting {
    async fn plan(&self, app: &Parley, arrival: &Arrival) -> Vec<Planned> {
        if !arrival.first_message_ever || arrival.agent_answered_within(AGENT_RECENTLY) {
            return Vec::new();
        }
        let (settings, _) = app.automation_settings_saved().await;
        let rule = settings.account(arrival.account).greeting;
        if !rule.enabled || rule.text.trim().is_empty() {
            return Vec::new();
        }
        vec![Planned {
            text: fill_template(app, arrival, &rule.text, &[]).await,
            by: AutomatedBy::new(AutomationKind::Greeting, AutomationKind::Greeting.label()),
            once_per: Some(Millis::from(rule.period_hours) * 3_600_000),
        }]
    }
}
