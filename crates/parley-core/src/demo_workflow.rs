//! The demo's workflow and customer context, so a new user meets them: a few labels, some
//! conversations resolved, one pending, one snoozed until tomorrow morning, some labelled and
//! prioritised, notes and details on two customers, one customer marked VIP (María García's
//! phone is the number that texted the demo SMS line, so Parley suggests merging the two; it is
//! also what gives her local time in the pane, San Francisco's), tags on two customers, and
//! one customer's time zone set by hand (Kenji Watanabe writes on Telegram, which tells no
//! zone).
//! Applied once per demo workspace (a setting remembers it), as the seeded conversations arrive
//! through the first syncs — through the same calls the window makes.
//!
//! Saved replies in two folders and the business hours their `{{business_hours}}` reads are
//! seeded once too (their own setting), at once: they need no conversation. So is automation
//! (Settings → Automation): the shop's weekly schedule and, on every demo account, the greeting,
//! so a new simulated customer is greeted; the away message is there to turn on.
//!
//! The customers named here are all from the demo's seeded Telegram history (parley-sim's
//! `demo_script::HISTORY`, there from the first sync even with the simulated customers silent);
//! none of them is one an end-to-end test looks for in the Open view.

use crate::facade::Parley;
use parley_domain::{
    AccountAutomation, AccountId, AttributeKind, AutomationSettings, BusinessHours, ChannelKind,
    ContactAttribute, ContactMarksChange, ErrorCode, LabelId, OpenSpan, PRIORITY_URGENT,
    SavedReplyInput, SavedReplyVariant, ThreadChange, ThreadId,
};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

const SEEDED_KEY: &str = "demo.workflowSeeded";
const REPLIES_SEEDED_KEY: &str = "demo.savedRepliesSeeded";
const AUTOMATION_SEEDED_KEY: &str = "demo.automationSeeded";

const BUSINESS_HOURS: &str = "Monday to Friday 9:00–18:00, Saturday 10:00–14:00";

/// (folder, title, body, per-channel bodies)
type DemoReply = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(ChannelKind, &'static str)],
);

const SAVED_REPLIES: &[DemoReply] = &[
    (
        "Shipping",
        "Where is my order",
        "Hi {{first_name|there}}, thanks for waiting! I checked on {{Order|your order}}: it is on its way, and the tracking link comes by email as soon as the carrier scans it. — {{agent_name}}",
        &[(
            ChannelKind::Sms,
            "Hi {{first_name|there}}, {{Order|your order}} is on its way; tracking comes by email. — {{agent_name}}",
        )],
    ),
    (
        "Shipping",
        "Shipping times",
        "Hi {{first_name|there}}! Orders leave within *1–2 business days*; delivery takes 3–5 days in the EU and 5–10 days elsewhere.",
        &[],
    ),
    (
        "Store",
        "Opening hours",
        "We are open *{{business_hours}}*. Outside those hours leave us a message and we answer first thing.",
        &[],
    ),
];

/// How long the first syncs may take to bring the named conversations.
const PATIENCE: Duration = Duration::from_secs(90);

const LABELS: &[(&str, &str)] = &[
    ("Shipping", "#2563eb"),
    ("Billing", "#d97706"),
    ("Returns", "#dc2626"),
    ("VIP", "#7c3aed"),
];

/// What happens to whose conversation.
enum Step {
    Resolve,
    Pending,
    /// Until the snooze menu's "Tomorrow" (09:00 in the agent's zone).
    SnoozeTomorrow,
    Label(&'static str),
    Priority(i64),
    /// A private note on the customer.
    Note(&'static str),
    /// A detail the business knows about the customer.
    Detail(&'static str, AttributeKind, &'static str),
    /// The customer is marked VIP (a mark in their rows and the pane).
    Vip,
    /// A tag on the customer (the pane's chips; the Contacts screen finds them by it).
    Tag(&'static str),
    /// The customer's time zone, set by hand in the pane.
    TimeZone(&'static str),
}

const PLAN: &[(&str, &[Step])] = &[
    (
        "María García",
        &[
            Step::Label("Shipping"),
            Step::Detail("Order", AttributeKind::Text, "#4821 — linen tote bag"),
            Step::Detail("Customer since", AttributeKind::Date, "2023-05-12"),
            // The number that texted the demo's SMS line about the same order: Parley suggests
            // merging the two (same phone), so a new user meets a customer on two channels.
            Step::Detail("Phone", AttributeKind::Text, "+1 415 555 0101"),
            Step::Note("Ordered twice before. Offer express shipping if this one is late."),
            Step::Tag("repeat buyer"),
        ],
    ),
    (
        "Olusegun Adebayo",
        &[
            Step::Label("Returns"),
            Step::Label("Shipping"),
            Step::Priority(3),
            Step::Detail("Lifetime spend", AttributeKind::Number, "412.50"),
            Step::Note("Box arrived crushed: ask for a photo, then send a replacement."),
        ],
    ),
    ("Anna Müller", &[Step::Pending, Step::Label("Billing")]),
    ("Sophie Martin", &[Step::Resolve]),
    ("Tomás Novák", &[Step::Resolve, Step::Label("Shipping")]),
    (
        "Kenji Watanabe",
        &[Step::SnoozeTomorrow, Step::TimeZone("Asia/Tokyo")],
    ),
    (
        "Chloé Dubois",
        &[
            Step::Label("VIP"),
            Step::Vip,
            Step::Tag("wholesale"),
            Step::Priority(PRIORITY_URGENT),
        ],
    ),
    (
        "Priya Natarajan",
        &[Step::Label("Billing"), Step::Priority(2)],
    ),
];

impl Parley {
    /// Seeds the demo's workflow once, in the background, as its conversations arrive.
    pub(crate) fn spawn_demo_workflow(self: &Arc<Self>) {
        let app: Weak<Parley> = Arc::downgrade(self);
        tokio::spawn(async move {
            if let Some(app) = app.upgrade()
                && let Err(e) = app.seed_demo_saved_replies().await
            {
                tracing::warn!("demo saved replies: {}", e.message);
            }
            // The FAQ bot answers with saved replies: seeded after them.
            if let Some(app) = app.upgrade()
                && let Err(e) = app.seed_demo_bot().await
            {
                tracing::warn!("demo bot: {}", e.message);
            }
            let deadline = tokio::time::Instant::now() + PATIENCE;
            // Weeks of past conversations for the Review screen (`demo_history.rs`).
            if let Some(app) = app.upgrade()
                && let Err(e) = app.seed_demo_history().await
            {
                tracing::warn!("demo history: {}", e.message);
            }
            loop {
                let Some(app) = app.upgrade() else { return };
                match app
                    .seed_demo_workflow(tokio::time::Instant::now() >= deadline)
                    .await
                {
                    Ok(true) => return,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!("demo workflow: {}", e.message);
                        return;
                    }
                }
                drop(app);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
    }

    /// The demo's business hours and greeting, once per demo workspace, before its accounts run
    /// (so the first newcomer is greeted): Monday to Friday 9–18 and Saturday 10–14 in the
    /// computer's zone, the greeting on for every demo account.
    pub(crate) async fn seed_demo_automation(
        &self,
        accounts: &[AccountId],
    ) -> Result<(), parley_domain::IpcError> {
        let seeded = self
            .db
            .call(|s| s.setting(AUTOMATION_SEEDED_KEY))
            .await
            .map_err(crate::errors::store)?;
        if seeded.is_some() {
            return Ok(());
        }
        let zone = jiff::tz::TimeZone::system()
            .iana_name()
            .filter(|z| jiff::tz::TimeZone::get(z).is_ok())
            .unwrap_or("UTC")
            .to_owned();
        let mut spans: Vec<OpenSpan> = (1..=5)
            .map(|weekday| OpenSpan {
                weekday,
                start_minute: 9 * 60,
                end_minute: 18 * 60,
            })
            .collect();
        spans.push(OpenSpan {
            weekday: 6,
            start_minute: 10 * 60,
            end_minute: 14 * 60,
        });
        let settings = AutomationSettings {
            hours: BusinessHours {
                time_zone: zone,
                spans,
                holidays: Vec::new(),
            },
            accounts: accounts
                .iter()
                .map(|&account_id| {
                    let mut a = AccountAutomation {
                        account_id,
                        ..AccountAutomation::default()
                    };
                    a.greeting.enabled = true;
                    a
                })
                .collect(),
        };
        self.set_automation_settings(settings).await?;
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(AUTOMATION_SEEDED_KEY, "true", now))
            .await
            .map_err(crate::errors::store)
    }

    /// The demo's saved replies and the text of `{{business_hours}}`, once per demo workspace.
    async fn seed_demo_saved_replies(&self) -> Result<(), parley_domain::IpcError> {
        if self.demo.lock().await.is_none() {
            return Ok(());
        }
        let seeded = self
            .db
            .call(|s| s.setting(REPLIES_SEEDED_KEY))
            .await
            .map_err(crate::errors::store)?;
        if seeded.is_some() {
            return Ok(());
        }
        self.set_business_hours(BUSINESS_HOURS.into()).await?;
        for (folder, title, body, variants) in SAVED_REPLIES {
            let input = SavedReplyInput {
                folder: (*folder).into(),
                title: (*title).into(),
                body: (*body).into(),
                variants: variants
                    .iter()
                    .map(|(channel, body)| SavedReplyVariant {
                        channel: *channel,
                        body: (*body).into(),
                    })
                    .collect(),
            };
            match self.create_saved_reply(input).await {
                Ok(_) => {}
                Err(e) if e.code == ErrorCode::Duplicate => {}
                Err(e) => return Err(e),
            }
        }
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(REPLIES_SEEDED_KEY, "true", now))
            .await
            .map_err(crate::errors::store)?;
        Ok(())
    }

    /// Applies the plan when every named conversation is there (or `last_try`, to those that
    /// are); answers whether it is done.
    async fn seed_demo_workflow(&self, last_try: bool) -> Result<bool, parley_domain::IpcError> {
        if self.demo.lock().await.is_none() {
            return Ok(true);
        }
        let seeded = self
            .db
            .call(|s| s.setting(SEEDED_KEY))
            .await
            .map_err(crate::errors::store)?;
        if seeded.is_some() {
            return Ok(true);
        }
        let page = self.list_threads(None, 200).await?;
        let by_name: HashMap<&str, ThreadId> = page
            .threads
            .iter()
            .map(|t| (t.contact_name.as_str(), t.id))
            .collect();
        let found = PLAN
            .iter()
            .filter(|(name, _)| by_name.contains_key(name))
            .count();
        if found < PLAN.len() && !last_try {
            return Ok(false);
        }
        let mut labels: HashMap<&str, LabelId> = HashMap::new();
        for (name, color) in LABELS {
            let id = match self.create_label((*name).into(), (*color).into()).await {
                Ok(l) => l.id,
                Err(e) if e.code == ErrorCode::Duplicate => self
                    .list_labels()
                    .await?
                    .into_iter()
                    .find(|l| l.name.eq_ignore_ascii_case(name))
                    .map(|l| l.id)
                    .ok_or(e)?,
                Err(e) => return Err(e),
            };
            labels.insert(name, id);
        }
        let tomorrow = self
            .snooze_choices()
            .into_iter()
            .find(|c| c.label == "Tomorrow")
            .map(|c| c.until);
        for (name, steps) in PLAN {
            let Some(&thread) = by_name.get(name) else {
                continue;
            };
            for step in *steps {
                let contact = || async { self.contact_context(thread).await.map(|c| c.contact_id) };
                let change = match step {
                    Step::Note(body) => {
                        self.add_note(contact().await?, (*body).into()).await?;
                        continue;
                    }
                    Step::Detail(key, kind, value) => {
                        let attribute = ContactAttribute {
                            key: (*key).into(),
                            kind: *kind,
                            value: (*value).into(),
                        };
                        self.set_contact_attribute(contact().await?, attribute)
                            .await?;
                        continue;
                    }
                    Step::Tag(tag) => {
                        self.add_contact_tag(contact().await?, (*tag).into())
                            .await?;
                        continue;
                    }
                    Step::TimeZone(zone) => {
                        self.set_contact_time_zone(contact().await?, Some((*zone).into()))
                            .await?;
                        continue;
                    }
                    Step::Vip => {
                        let change = ContactMarksChange {
                            vip: Some(true),
                            blocked: None,
                        };
                        self.set_contact_marks(contact().await?, change).await?;
                        continue;
                    }
                    Step::Resolve => ThreadChange::Resolve {
                        send_queued: Some(true),
                    },
                    Step::Pending => ThreadChange::Pending,
                    Step::SnoozeTomorrow => match tomorrow {
                        Some(until) => ThreadChange::Snooze { until },
                        None => continue,
                    },
                    Step::Label(l) => ThreadChange::AddLabel { label: labels[l] },
                    Step::Priority(priority) => ThreadChange::SetPriority {
                        priority: *priority,
                    },
                };
                self.change_threads(vec![thread], change).await?;
            }
        }
        let now = self.clock.now();
        self.db
            .call(move |s| s.set_setting(SEEDED_KEY, "true", now))
            .await
            .map_err(crate::errors::store)?;
        tracing::info!(
            "demo: workflow seeded ({found} of {} conversations)",
            PLAN.len()
        );
        Ok(true)
    }
}
