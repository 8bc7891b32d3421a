//! The away message: outside the account's business hours (its own schedule or the
//! workspace's), saying when someone will answer (`{{next_opening}}`: "Monday 09:00
//! (Europe/Berlin)"), at most once per customer per its period, never on a thread an agent
//! answered in the last hour.

use super::greeting::AGENT_RECENTLY;
use super::{Arrival, Planned, Responder, fill_template, schedule};
use crate::facade::Parley;
use async_trait::async_trait;
use parley_domain::{AutomatedBy, AutomationKind, Millis};

pub(crate) struct Away;

#[async_trait]
impl Responder for Away {
    async fn plan(&self, app: &Parley, arrival: &Arrival) -> Vec<Planned> {
        if arrival.agent_answered_within(AGENT_RECENTLY) {
            return Vec::new();
        }
        let (settings, _) = app.automation_settings_saved().await;
        let rule = settings.account(arrival.account).away;
        if !rule.enabled || rule.text.trim().is_empty() {
            return Vec::new();
        }
        let hours = settings.hours_of(arrival.account);
        let preview = schedule::preview(hours, arrival.now);
        if preview.open_now {
            return Vec::new();
        }
        let next = if preview.next_opening_words.is_empty() {
            "as soon as we can".to_owned()
        } else {
            preview.next_opening_words
        };
        vec![Planned {
            text: fill_template(app, arrival, &rule.text, &[("next_opening", next)]).await,
            by: AutomatedBy::new(AutomationKind::Away, AutomationKind::Away.label()),
            once_per: Some(Millis::from(rule.period_hours) * 3_600_000),
        }]
    }
}
