//! Facebook Pages: Messenger and Instagram Direct through Meta's Graph API.
//!
//! **Secrets.** The Page access token is kept under `messenger:{page id}`. An Instagram
//! professional account linked to the Page reads its messages with the *same* Page token; Parley
//! stores a copy under `instagram:{instagram id}`, so that every account row finds its secret by
//! the one rule `"{channel}:{external id}"`, and removing one of the two accounts leaves the other
//! working.
//!
//! **Per-account settings** (settings table, key `graph:{channel}:{external id}`, JSON
//! [`GraphAccountSettings`]): the Page id (an Instagram account's external id is its own id, not
//! the Page's) and whether Meta approved the Page for the HUMAN_AGENT tag. They are written before
//! the account row, so a row never exists without them.
//!
//! **Reply window.** The composer's state comes from [`window_state`] on the customer's newest
//! stored message and the Page's approval; the outbox enforces the same rule when the reply
//! leaves (`Channel::reply_window` gives 7 days for an approved Page, 24 h otherwise, and the
//! adapter tags a reply past 24 h with HUMAN_AGENT itself).
//!
//! # Pages end to end
//!
//! `parley-channels/src/graph` (one adapter, a `platform`) polls the Conversations API within the
//! per-Page budget of 2 calls/s, shared by every adapter instance of the Page (`RateBudget::shared`).
//! The facade (`parley-core/src/providers/graph.rs`) keeps the running `GraphChannel` of each account so that
//! handover calls and downloads spend the same budget; it polls an account every 1 s while one of its
//! threads is open and every 3 s otherwise (a quiet poll is one call).
//!
//! - **Reply window**: `ThreadDetail.replyWindow` (`ComposerWindow`) is computed from the customer's
//!   newest stored message and the Page's approval (`graph::window_state`); the composer counts down
//!   from it. At send time the same rule holds: `reply_window()` is 7 days for an approved Page, 24 h
//!   otherwise (the outbox holds what is past it), and `OutgoingMessage.customer_last_wrote_at` lets
//!   the adapter send a reply past 24 h with `MESSAGE_TAG`/`HUMAN_AGENT`. Telegram ignores the field.
//! - **Handover**: `thread_control` (owner via `thread_owner`, compared with the token's app id from
//!   `debug_token`) and `handover(take | request | passBack | release)`; a send refused with
//!   10/2018300 fails with "Another app (e.g. a bot) controls this conversation; take control first".
//!   The owner is kept per thread (`threads.owner`/`owner_app_id`, migration 8) and shown in the
//!   thread list (`ThreadSummary.owner`, a "Bot" badge): polls ask the conversation list for
//!   `is_owner` (no extra call; the cursor's `elsewhere` set makes only a *change* go into the batch
//!   as `IngestBatch.threads`, stored in the batch's transaction); opening a thread and every
//!   handover action store what `thread_owner` said (naming the app) and emit `threadsChanged`. The
//!   list's vaguer "another app" never overwrites a named bot; "this app may answer" clears it.
//! - **HUMAN_AGENT approval** is editable in Accounts (`set_human_agent_approved`): saved for every
//!   account of the Page in one transaction, applied to the running adapters' `reply_window` at once,
//!   and `messagesChanged` is emitted for threads whose customer wrote 24 h–7 days ago (the only
//!   ones whose window moves), so an open composer recomputes.
//! - **Instagram history**: conversations the adapter's cursor lists as partial carry
//!   `ThreadDetail.historyNote`, shown at the top of the thread.
//! - **Demo**: a fake Graph API runs in-process beside the Telegram one (`data/demo/graph.json`, URL in
//!   `data/demo/endpoint.json` as `graph`), with a Page approved for HUMAN_AGENT, six seeded customers
//!   whose last messages are 1 h to 9 days old (every window state) and a new message every 90 s.
//!   Its customers, like the SMS/WhatsApp ones (`parley_sim::demo::answer_{graph,twilio}_replies`),
//!   sometimes answer the agent's replies after a few seconds. The demo Twilio account also has a
//!   WhatsApp sender with one customer inside the 24-hour window and one outside (template picker).

use crate::adapter::{Adapter, AdapterHooks};
use crate::errors;
use crate::facade::Parley;
use crate::provider::Provider;
use async_trait::async_trait;
use parley_channels::Channel;
use parley_channels::graph::{
    GraphChannel, GraphConfig, GraphPlatform, INSTAGRAM_INBOX_APP_ID, PAGE_INBOX_APP_ID,
    WindowState, partial_history_threads, window_state,
};
use parley_domain::*;
use parley_store::{AccountRow, Store, ThreadTarget};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Poll interval for an account while the agent has one of its threads open, and otherwise.
/// Messenger and Instagram of one Page share its budget of 2 calls per second; a quiet poll costs
/// one call, so 1 s + 3 s stays under it, and the adapter's shared budget caps it regardless.
pub(crate) const POLL_OPEN: Duration = Duration::from_secs(1);
pub(crate) const POLL_IDLE: Duration = Duration::from_secs(3);

/// What Instagram conversations say at the top when Meta hides their older messages.
pub(crate) const INSTAGRAM_HISTORY_NOTE: &str = "Instagram only shares the newest 20 messages of a conversation with apps, so older messages of this conversation cannot be shown here. They are still in the Instagram app.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphAccountSettings {
    pub page_id: String,
    #[serde(default)]
    pub human_agent_approved: bool,
}

pub(crate) fn settings_key(channel: ChannelKind, external_id: &str) -> String {
    format!("graph:{}:{external_id}", channel.as_str())
}

/// The bot last seen owning threads of this Page: where "pass back" sends a thread.
fn bot_key(page_id: &str) -> String {
    format!("graph.bot:{page_id}")
}

pub(crate) fn platform_of(channel: ChannelKind) -> Option<GraphPlatform> {
    match channel {
        ChannelKind::Messenger => Some(GraphPlatform::Messenger),
        ChannelKind::Instagram => Some(GraphPlatform::Instagram),
        _ => None,
    }
}

/// Reads the account's Graph settings; `None` when missing or unreadable.
pub(crate) fn read_settings(
    s: &Store,
    channel: ChannelKind,
    external_id: &str,
) -> parley_store::Result<Option<GraphAccountSettings>> {
    Ok(s.setting(&settings_key(channel, external_id))?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// The composer's window for a thread of `channel` whose customer last wrote at `last_inbound`.
pub(crate) fn composer_window(
    channel: ChannelKind,
    last_inbound: Option<Millis>,
    human_agent_approved: bool,
    now: Millis,
) -> ComposerWindow {
    if platform_of(channel).is_none() {
        return ComposerWindow::Always;
    }
    let Some(last) = last_inbound else {
        return ComposerWindow::Closed { closed_at: None };
    };
    match window_state(last, now, human_agent_approved) {
        WindowState::Open { closes_at } => ComposerWindow::Open { closes_at },
        WindowState::HumanAgentOnly { closes_at } => ComposerWindow::HumanAgentOnly { closes_at },
        WindowState::HumanAgentNotApproved => ComposerWindow::HumanAgentNotApproved {
            closed_at: last + 24 * 3_600_000,
        },
        WindowState::Closed => ComposerWindow::Closed {
            closed_at: Some(last + 7 * 24 * 3_600_000),
        },
    }
}

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

pub(crate) struct Graph;

const NAME: &str = "graph";

#[async_trait]
impl Provider for Graph {
    fn name(&self) -> &'static str {
        NAME
    }

    fn channels(&self) -> &'static [ChannelKind] {
        &[ChannelKind::Messenger, ChannelKind::Instagram]
    }

    fn attachment_rule(&self) -> parley_channels::AttachmentRule {
        parley_channels::graph::ATTACHMENT_RULE
    }

    /// Builds the Graph adapter of a stored Messenger/Instagram account from its settings.
    async fn build(
        &self,
        app: &Parley,
        account: &AccountRow,
        token: &str,
    ) -> Result<Adapter, IpcError> {
        let Some(platform) = platform_of(account.channel) else {
            return Err(errors::not_found("account"));
        };
        let (channel, external) = (account.channel, account.external_id.clone());
        let settings = app
            .db
            .call(move |s| read_settings(s, channel, &external))
            .await
            .map_err(errors::store)?;
        let settings = match (settings, account.channel) {
            (Some(s), _) => s,
            // A Messenger account's external id is its Page id.
            (None, ChannelKind::Messenger) => GraphAccountSettings {
                page_id: account.external_id.clone(),
                human_agent_approved: false,
            },
            (None, _) => {
                return Err(IpcError::new(
                    ErrorCode::AuthFailed,
                    "Parley lost which Facebook Page this Instagram account belongs to. Remove the account and add the Page again.",
                ));
            }
        };
        let channel = app.graph_channel(
            &settings.page_id,
            token,
            platform,
            settings.human_agent_approved,
        )?;
        Ok(Adapter::new(channel))
    }

    fn calls_need_running_adapter(&self) -> Option<&'static str> {
        Some("This Facebook Page account is not running (see Accounts for why).")
    }

    /// The window from the customer's newest message and the Page's approval; Instagram
    /// conversations whose older messages Meta hides say so.
    fn thread_extras(
        &self,
        s: &Store,
        target: &ThreadTarget,
        now: Millis,
    ) -> parley_store::Result<(ComposerWindow, Option<String>)> {
        let approved = match s.account(target.account_id)? {
            Some(a) => {
                read_settings(s, a.channel, &a.external_id)?.is_some_and(|g| g.human_agent_approved)
            }
            None => false,
        };
        let window = composer_window(target.channel, target.last_inbound_at, approved, now);
        let note = if target.channel == ChannelKind::Instagram {
            s.cursor(target.account_id, parley_sync::CURSOR_KEY)?
                .filter(|c| partial_history_threads(c).contains(&target.remote_thread_id))
                .map(|_| INSTAGRAM_HISTORY_NOTE.to_owned())
        } else {
            None
        };
        Ok((window, note))
    }
}

impl AdapterHooks for GraphChannel {
    fn describe(&self, summary: &mut AccountSummary) {
        summary.human_agent_approved = Some(self.human_agent_approved());
    }

    /// Polls faster while the agent has one of the account's conversations open.
    fn set_focused(&self, focused: bool) {
        self.set_poll_interval(if focused { POLL_OPEN } else { POLL_IDLE });
    }

    /// Handover Protocol: only while Parley's app owns the conversation — as a named owner, or
    /// as the conversation list has always said (`is_owner`, stored as no owner). Idle, Meta's
    /// inbox or another app (a bot of the Page's): the bot stays quiet.
    fn automation_may_answer(&self, owner: Option<&ThreadOwner>) -> bool {
        matches!(owner, None | Some(ThreadOwner::Parley))
    }
}

impl Parley {
    /// A Graph adapter for one Page inbox, pointed at the configured API base.
    pub(crate) fn graph_channel(
        &self,
        page_id: &str,
        token: &str,
        platform: GraphPlatform,
        human_agent_approved: bool,
    ) -> Result<Arc<GraphChannel>, IpcError> {
        let mut cfg = GraphConfig::new(page_id, token, platform)
            .with_api_base(self.api_root(NAME, parley_channels::graph::DEFAULT_API_BASE))
            .with_clock(self.clock.clone());
        cfg.human_agent_approved = human_agent_approved;
        cfg.poll_interval = POLL_IDLE;
        Ok(Arc::new(GraphChannel::new(cfg).map_err(errors::channel)?))
    }

    /// Validates a Page access token with Meta (naming any missing permission), keeps it in the
    /// keychain, adds the Page's Messenger inbox and, when asked, its linked Instagram account,
    /// and starts syncing them.
    pub async fn add_facebook_page(
        &self,
        page_id: String,
        token: String,
        include_instagram: bool,
        human_agent_approved: bool,
    ) -> Result<Vec<AccountSummary>, IpcError> {
        let page_id = page_id.trim().to_owned();
        let token = token.trim().to_owned();
        if page_id.is_empty() || !page_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid(
                "A Page id is a number, such as 104857600123456. Find it in the Page's About section or in Meta Business Suite under Settings → Business assets.",
            ));
        }
        if token.len() < 20 || token.chars().any(char::is_whitespace) {
            return Err(invalid(
                "That does not look like a Page access token. Generate one for this Page in the Graph API Explorer or Meta Business Suite and paste it whole.",
            ));
        }
        let mut platforms = vec![GraphPlatform::Messenger];
        if include_instagram {
            platforms.push(GraphPlatform::Instagram);
        }
        // Validate everything before saving anything, so a refused Instagram check leaves no
        // half-added Page behind.
        let mut validated = Vec::new();
        for platform in platforms {
            let channel = self.graph_channel(&page_id, &token, platform, human_agent_approved)?;
            let identity = channel.validate().await.map_err(errors::channel)?;
            validated.push((channel, identity));
        }
        if let Some(identity) = self.already_added(validated.iter().map(|(_, i)| i)).await? {
            return Err(IpcError::new(
                ErrorCode::Duplicate,
                format!(
                    "The {} account {} is already in Parley.",
                    identity.channel.as_str(),
                    identity.name
                ),
            ));
        }
        for (_, identity) in &validated {
            self.save_secret(
                &crate::facade::secret_key(identity.channel, &identity.external_id),
                &token,
            )
            .await?;
            let settings = GraphAccountSettings {
                page_id: page_id.clone(),
                human_agent_approved,
            };
            let json = serde_json::to_string(&settings)
                .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
            let key = settings_key(identity.channel, &identity.external_id);
            let now = self.clock.now();
            self.db
                .call(move |s| s.set_setting(&key, &json, now))
                .await
                .map_err(errors::store)?;
        }
        self.stop_demo().await?;
        // Every account is stored before the first one runs, so their first syncs are
        // announced as one.
        let mut added = Vec::new();
        let mut channels = Vec::new();
        for (channel, identity) in validated {
            let id = self
                .insert_real_account(identity.channel, &identity)
                .await
                .map_err(errors::store)?;
            added.push(id);
            channels.push(channel);
        }
        self.accounts_starting(&added);
        for (id, channel) in added.iter().zip(channels) {
            self.run(*id, Adapter::new(channel));
        }
        self.announce_added(&added).await
    }

    /// The running Graph adapter of a Messenger/Instagram account.
    fn graph_of(&self, account: AccountId) -> Result<Arc<GraphChannel>, IpcError> {
        self.adapter_of::<GraphChannel>(account).ok_or_else(|| {
            invalid("This conversation is not on a Facebook Page that Parley is syncing right now.")
        })
    }

    /// Who controls a Messenger/Instagram conversation (Meta's handover protocol).
    pub async fn thread_control(&self, thread: ThreadId) -> Result<ThreadControl, IpcError> {
        let target = self.thread_target(thread).await?;
        let channel = self.graph_of(target.account_id)?;
        let owner = channel
            .thread_owner(&target.customer_remote_id)
            .await
            .map_err(errors::channel)?;
        let own = channel.own_app_id().await.map_err(errors::channel)?;
        let page = self.page_id_of(target.account_id).await?;
        let owner = match owner {
            None => ThreadOwner::Idle,
            Some(app) if Some(&app) == own.as_ref() => ThreadOwner::Parley,
            Some(app) if app == PAGE_INBOX_APP_ID || app == INSTAGRAM_INBOX_APP_ID => {
                ThreadOwner::MetaInbox
            }
            Some(app) => {
                // Remember the bot, so "pass back" knows where to send the thread later.
                let (key, value, now) = (bot_key(&page), app.clone(), self.clock.now());
                self.db
                    .call(move |s| s.set_setting(&key, &value, now))
                    .await
                    .map_err(errors::store)?;
                ThreadOwner::OtherApp { app_id: app }
            }
        };
        let key = bot_key(&page);
        let stored = owner.clone();
        let (bot_app_id, changed) = self
            .db
            .call(move |s| Ok((s.setting(&key)?, s.set_thread_owner(thread, Some(&stored))?)))
            .await
            .map_err(errors::store)?;
        if changed {
            // The thread list shows who controls the thread: keep its row in step.
            let _ = self.events.send(CoreEvent::ThreadsChanged {
                thread_ids: vec![thread],
            });
        }
        Ok(ThreadControl { owner, bot_app_id })
    }

    /// Saves whether Meta approved the Page for the HUMAN_AGENT tag (for every account of the
    /// Page: its Messenger inbox and linked Instagram account), applies it to the running
    /// adapters at once, and makes open conversations recompute their reply window.
    pub async fn set_human_agent_approved(
        &self,
        account: AccountId,
        approved: bool,
    ) -> Result<Vec<AccountSummary>, IpcError> {
        let row = self.account_row(account).await?;
        if platform_of(row.channel).is_none() {
            return Err(invalid(
                "Only Facebook Page accounts (Messenger, Instagram) have the HUMAN_AGENT approval.",
            ));
        }
        let page = self.page_id_of(account).await?;
        let now = self.clock.now();
        // One transaction: every account of the Page agrees afterwards.
        let accounts = self
            .db
            .call(move |s| {
                let mut entries = Vec::new();
                let mut ids = Vec::new();
                for a in s.accounts()? {
                    if platform_of(a.channel).is_none() {
                        continue;
                    }
                    let current = read_settings(s, a.channel, &a.external_id)?;
                    let settings = match current {
                        Some(g) if g.page_id == page => g,
                        None if a.id == account => GraphAccountSettings {
                            page_id: page.clone(),
                            human_agent_approved: approved,
                        },
                        _ => continue,
                    };
                    let json = serde_json::to_string(&GraphAccountSettings {
                        human_agent_approved: approved,
                        ..settings
                    })
                    .map_err(|e| parley_store::StoreError::Invalid(e.to_string()))?;
                    entries.push((settings_key(a.channel, &a.external_id), json));
                    ids.push(a.id);
                }
                s.set_settings(&entries, now)?;
                Ok(ids)
            })
            .await
            .map_err(errors::store)?;
        for id in &accounts {
            if let Some(channel) = self.adapter_of::<GraphChannel>(*id) {
                channel.set_human_agent_approved(approved);
            }
        }
        let mut summaries = Vec::new();
        for id in &accounts {
            if let Some(summary) = self.account_summary(*id).await? {
                let _ = self.events.send(CoreEvent::AccountChanged {
                    account: summary.clone(),
                });
                summaries.push(summary);
            }
        }
        // The approval only matters between 24 h and 7 days after the customer's last message:
        // those conversations reload, and an open one recomputes its composer window.
        let (from, to) = (now - 7 * 24 * 3_600_000, now - 24 * 3_600_000);
        for id in accounts {
            let threads = self
                .db
                .call(move |s| s.threads_last_inbound_between(id, from, to))
                .await
                .map_err(errors::store)?;
            for thread_id in threads {
                let _ = self.events.send(CoreEvent::MessagesChanged { thread_id });
            }
        }
        Ok(summaries)
    }

    /// Takes, requests, passes back or releases control of a conversation; returns who controls
    /// it afterwards.
    pub async fn handover(
        &self,
        thread: ThreadId,
        action: HandoverAction,
    ) -> Result<ThreadControl, IpcError> {
        let target = self.thread_target(thread).await?;
        let channel = self.graph_of(target.account_id)?;
        let psid = target.customer_remote_id.as_str();
        let note = Some("Parley: a person answers in this conversation");
        let result = match action {
            HandoverAction::Take => channel.take_thread_control(psid, note).await,
            HandoverAction::Request => channel.request_thread_control(psid, note).await,
            HandoverAction::Release => channel.release_thread_control(psid, None).await,
            HandoverAction::PassBack => {
                let key = bot_key(&self.page_id_of(target.account_id).await?);
                let bot = self
                    .db
                    .call(move |s| s.setting(&key))
                    .await
                    .map_err(errors::store)?
                    .ok_or_else(|| {
                        invalid("Parley has not seen a bot own this Page's conversations, so it does not know which app to pass this one to. Use Release instead: the bot can then take it.")
                    })?;
                channel
                    .pass_thread_control(psid, &bot, Some("Parley: back to the bot"))
                    .await
            }
        };
        result.map_err(errors::channel)?;
        self.thread_control(thread).await
    }

    async fn page_id_of(&self, account: AccountId) -> Result<String, IpcError> {
        let row = self.account_row(account).await?;
        let (channel, external) = (row.channel, row.external_id.clone());
        let settings = self
            .db
            .call(move |s| read_settings(s, channel, &external))
            .await
            .map_err(errors::store)?;
        Ok(settings.map_or(row.external_id, |s| s.page_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composer_window_follows_meta_rules() {
        let h = 3_600_000;
        assert_eq!(
            composer_window(ChannelKind::Telegram, None, false, 0),
            ComposerWindow::Always
        );
        assert_eq!(
            composer_window(ChannelKind::Messenger, Some(0), false, h),
            ComposerWindow::Open { closes_at: 24 * h }
        );
        assert_eq!(
            composer_window(ChannelKind::Instagram, Some(0), true, 30 * h),
            ComposerWindow::HumanAgentOnly { closes_at: 168 * h }
        );
        assert_eq!(
            composer_window(ChannelKind::Messenger, Some(0), false, 30 * h),
            ComposerWindow::HumanAgentNotApproved { closed_at: 24 * h }
        );
        assert_eq!(
            composer_window(ChannelKind::Messenger, Some(0), true, 200 * h),
            ComposerWindow::Closed {
                closed_at: Some(168 * h)
            }
        );
        assert_eq!(
            composer_window(ChannelKind::Messenger, None, true, 0),
            ComposerWindow::Closed { closed_at: None }
        );
    }
}
