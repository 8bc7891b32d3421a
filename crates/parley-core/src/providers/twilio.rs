//! Twilio: SMS/MMS numbers and WhatsApp senders of one Twilio account.
//!
//! **Accounts.** One Twilio account becomes up to two Parley accounts sharing its credentials:
//! `sms` for its phone numbers and `whatsapp` for its `whatsapp:+E164` senders, so that each
//! account has one reply-window rule (SMS none; WhatsApp 24 h, then approved templates). Both
//! have the Account SID (`AC…`) as external id; the Auth Token is kept under `sms:{AC}` and/or
//! `whatsapp:{AC}` (the one rule `"{channel}:{external id}"`).
//!
//! **Per-account settings** (settings table, key `twilio:{channel}:{AC}`, JSON
//! [`TwilioAccountSettings`]): the watched numbers, written before the account row.
//!
//! **Opt-out.** An inbound STOP sets `identities.opted_out` in the batch that stores it (the
//! adapter reports it), START clears it; a send refused with 21610 sets it too (the
//! outbox records it with the failed reply, see `Channel::refusal_means_opted_out`). The outbox holds replies to an opted-out contact.

use crate::adapter::{Adapter, AdapterHooks};
use crate::errors;
use crate::facade::Parley;
use crate::provider::Provider;
use async_trait::async_trait;
use parley_channels::Channel;
use parley_channels::twilio::{TwilioChannel, TwilioConfig, WHATSAPP_WINDOW};
use parley_domain::*;
use parley_store::{AccountRow, Store, ThreadTarget};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Time between polls of a live Twilio account (two List calls per watched number).
pub(crate) const POLL_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TwilioAccountSettings {
    pub numbers: Vec<String>,
}

pub(crate) fn settings_key(channel: ChannelKind, account_sid: &str) -> String {
    format!("twilio:{}:{account_sid}", channel.as_str())
}

pub(crate) fn is_twilio(channel: ChannelKind) -> bool {
    matches!(channel, ChannelKind::Sms | ChannelKind::Whatsapp)
}

pub(crate) fn read_settings(
    s: &Store,
    channel: ChannelKind,
    account_sid: &str,
) -> parley_store::Result<Option<TwilioAccountSettings>> {
    Ok(s.setting(&settings_key(channel, account_sid))?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// The composer's window for a WhatsApp thread whose customer last wrote at `last_inbound`.
pub(crate) fn composer_window(
    channel: ChannelKind,
    last_inbound: Option<Millis>,
    now: Millis,
) -> ComposerWindow {
    if channel != ChannelKind::Whatsapp {
        return ComposerWindow::Always;
    }
    let window = i64::try_from(WHATSAPP_WINDOW.as_millis()).unwrap_or(i64::MAX);
    match last_inbound {
        Some(last) if now <= last + window => ComposerWindow::Open {
            closes_at: last + window,
        },
        Some(last) => ComposerWindow::TemplatesOnly {
            closed_at: Some(last + window),
        },
        None => ComposerWindow::TemplatesOnly { closed_at: None },
    }
}

/// A watched address as the agent typed it, normalised: `+E164` or `whatsapp:+E164`.
pub(crate) fn normalise_number(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let (prefix, rest) = match raw.get(..9) {
        Some(p) if p.eq_ignore_ascii_case("whatsapp:") => ("whatsapp:", &raw[9..]),
        _ => ("", raw),
    };
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let ok = digits.len() >= 8
        && digits.len() <= 16
        && digits.starts_with('+')
        && digits[1..].chars().all(|c| c.is_ascii_digit())
        && !digits[1..].starts_with('0');
    if ok {
        Ok(format!("{prefix}{digits}"))
    } else {
        Err(format!(
            "“{raw}” is not a number in international format. Write it as +15551234567, or whatsapp:+15551234567 for a WhatsApp sender."
        ))
    }
}

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

pub(crate) struct Twilio;

const NAME: &str = "twilio";

#[async_trait]
impl Provider for Twilio {
    fn name(&self) -> &'static str {
        NAME
    }

    fn channels(&self) -> &'static [ChannelKind] {
        &[ChannelKind::Sms, ChannelKind::Whatsapp]
    }

    fn attachment_rule(&self) -> parley_channels::AttachmentRule {
        parley_channels::twilio::ATTACHMENT_RULE
    }

    /// Builds the adapter of a stored SMS/WhatsApp account from its settings.
    async fn build(
        &self,
        app: &Parley,
        account: &AccountRow,
        token: &str,
    ) -> Result<Adapter, IpcError> {
        let (channel, external) = (account.channel, account.external_id.clone());
        let settings = app
            .db
            .call(move |s| read_settings(s, channel, &external))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| {
                IpcError::new(
                    ErrorCode::AuthFailed,
                    "Parley lost which numbers of this Twilio account to watch. Remove the account and add it again.",
                )
            })?;
        let channel = app.twilio_channel(&account.external_id, token, &settings.numbers)?;
        Ok(Adapter::new(channel))
    }

    fn calls_need_running_adapter(&self) -> Option<&'static str> {
        Some("This Twilio account is not running (see Accounts for why).")
    }

    fn thread_extras(
        &self,
        _s: &Store,
        target: &ThreadTarget,
        now: Millis,
    ) -> parley_store::Result<(ComposerWindow, Option<String>)> {
        let window = composer_window(target.channel, target.last_inbound_at, now);
        Ok((window, None))
    }
}

impl AdapterHooks for TwilioChannel {}

impl Parley {
    /// A Twilio adapter for some numbers of one account, pointed at the configured API base.
    pub(crate) fn twilio_channel(
        &self,
        account_sid: &str,
        auth_token: &str,
        numbers: &[String],
    ) -> Result<Arc<TwilioChannel>, IpcError> {
        let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
        let mut cfg =
            TwilioConfig::new(account_sid, auth_token, &numbers).with_clock(self.clock.clone());
        if let Some(base) = self.api_roots.get(NAME) {
            cfg = cfg.with_base(base);
        }
        cfg.poll_interval = POLL_INTERVAL;
        Ok(Arc::new(TwilioChannel::new(cfg).map_err(errors::channel)?))
    }

    /// Validates the credentials and numbers with Twilio, keeps the Auth Token in the keychain,
    /// adds an SMS account (phone numbers) and/or a WhatsApp account (senders), and starts them.
    pub async fn add_twilio_account(
        &self,
        account_sid: String,
        auth_token: String,
        numbers: Vec<String>,
    ) -> Result<Vec<AccountSummary>, IpcError> {
        let sid = account_sid.trim().to_owned();
        let token = auth_token.trim().to_owned();
        if !(sid.len() == 34
            && sid.starts_with("AC")
            && sid[2..].chars().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(invalid(
                "An Account SID starts with AC followed by 32 letters and digits. Copy it from the Twilio Console (Account Info).",
            ));
        }
        if token.len() < 16 || token.chars().any(char::is_whitespace) {
            return Err(invalid(
                "That does not look like an Auth Token. Copy it from the Twilio Console (Account Info, “Auth Token”, Show).",
            ));
        }
        let mut sms = Vec::new();
        let mut whatsapp = Vec::new();
        for raw in numbers.iter().filter(|n| !n.trim().is_empty()) {
            let n = normalise_number(raw).map_err(invalid)?;
            let list = if n.starts_with("whatsapp:") {
                &mut whatsapp
            } else {
                &mut sms
            };
            if !list.contains(&n) {
                list.push(n);
            }
        }
        if sms.is_empty() && whatsapp.is_empty() {
            return Err(invalid(
                "Add at least one number for Parley to watch: +15551234567 for SMS, whatsapp:+15551234567 for a WhatsApp sender.",
            ));
        }
        let mut validated = Vec::new();
        for list in [sms, whatsapp].into_iter().filter(|l| !l.is_empty()) {
            let channel = self.twilio_channel(&sid, &token, &list)?;
            let identity = channel.validate().await.map_err(errors::channel)?;
            validated.push((channel, identity, list));
        }
        if let Some(identity) = self
            .already_added(validated.iter().map(|(_, i, _)| i))
            .await?
        {
            return Err(IpcError::new(
                ErrorCode::Duplicate,
                format!(
                    "The {} numbers of the Twilio account {} are already in Parley. Remove that account first to change its numbers.",
                    if identity.channel == ChannelKind::Whatsapp {
                        "WhatsApp"
                    } else {
                        "SMS"
                    },
                    identity.name
                ),
            ));
        }
        for (_, identity, list) in &validated {
            self.save_secret(
                &crate::facade::secret_key(identity.channel, &identity.external_id),
                &token,
            )
            .await?;
            let json = serde_json::to_string(&TwilioAccountSettings {
                numbers: list.clone(),
            })
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
        for (channel, identity, _) in validated {
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

    /// The running Twilio adapter of an SMS/WhatsApp account.
    fn twilio_of(&self, account: AccountId) -> Result<Arc<TwilioChannel>, IpcError> {
        self.adapter_of::<TwilioChannel>(account).ok_or_else(|| {
            invalid("This conversation is not on a Twilio number that Parley is syncing right now (see Accounts).")
        })
    }

    /// The approved templates the composer offers for a WhatsApp (or SMS) thread.
    pub async fn message_templates(
        &self,
        thread: ThreadId,
    ) -> Result<Vec<MessageTemplate>, IpcError> {
        let target = self.thread_target(thread).await?;
        let channel = self.twilio_of(target.account_id)?;
        let templates = channel
            .approved_templates()
            .await
            .map_err(errors::channel)?;
        Ok(templates
            .into_iter()
            .map(|t| MessageTemplate {
                content_sid: t.content_sid,
                name: t.name,
                language: t.language,
                body: t.body,
                variables: t
                    .variables
                    .into_iter()
                    .map(|(key, value)| TemplateVariable { key, value })
                    .collect(),
            })
            .collect())
    }

    /// Queues an approved template for the customer of a thread (the only way to write on
    /// WhatsApp past the 24-hour window). It goes through the outbox like any reply, so it waits
    /// out a lost network, is retried, and is never sent twice blindly; the outbox does not hold
    /// it for the window (the template is the channel's way past it).
    pub async fn send_template(
        &self,
        thread: ThreadId,
        content_sid: String,
        variables: Vec<TemplateVariable>,
    ) -> Result<MessageView, IpcError> {
        let content_sid = content_sid.trim().to_owned();
        if !content_sid.starts_with("HX") {
            return Err(invalid("Choose one of the account's approved templates."));
        }
        let (target, opted_out) = self
            .db
            .call(move |s| Ok((s.thread_target(thread)?, s.opted_out(thread)?)))
            .await
            .map_err(errors::store)?;
        let target = target.ok_or_else(|| errors::not_found("conversation"))?;
        if opted_out {
            return Err(invalid(
                "This customer opted out of your messages (they texted STOP). Parley sends nothing until they opt back in.",
            ));
        }
        let channel = self.twilio_of(target.account_id)?;
        let templates = channel
            .approved_templates()
            .await
            .map_err(errors::channel)?;
        let template = templates
            .iter()
            .find(|t| t.content_sid == content_sid)
            .ok_or_else(|| {
                invalid("This template is not (or no longer) approved for this Twilio account.")
            })?;
        let values: BTreeMap<String, String> = variables
            .iter()
            .map(|v| (v.key.clone(), v.value.trim().to_owned()))
            .collect();
        if let Some((key, _)) = template
            .variables
            .iter()
            .find(|(k, _)| values.get(k).is_none_or(|v| v.is_empty()))
        {
            return Err(invalid(format!(
                "Fill in every placeholder of the template ({{{{{key}}}}} is empty)."
            )));
        }
        let mut text = template
            .body
            .clone()
            .unwrap_or_else(|| template.name.clone());
        for (k, v) in &values {
            text = text.replace(&format!("{{{{{k}}}}}"), v);
        }
        let options = SendOptions {
            template: Some(TemplateSend {
                content_sid,
                variables: values,
            }),
            media_urls: Vec::new(),
        };
        self.queue_with_options(thread, target.account_id, text, options)
            .await
    }

    /// Queues a reply with media the provider fetches from public https addresses (Twilio's
    /// `MediaUrl`: up to 10, 5 MB in all). Parley cannot upload files from this computer to
    /// Twilio, so the agent gives links.
    pub async fn send_reply_with_media(
        &self,
        thread: ThreadId,
        text: String,
        media_urls: Vec<String>,
    ) -> Result<MessageView, IpcError> {
        let text = text.trim_end().to_owned();
        let urls = media_urls
            .iter()
            .map(|u| check_media_url(u))
            .collect::<Result<Vec<_>, _>>()?;
        if urls.len() > MAX_MEDIA_URLS {
            return Err(invalid(format!(
                "Twilio sends at most {MAX_MEDIA_URLS} media with one message; this reply has {}.",
                urls.len()
            )));
        }
        if urls.is_empty() && text.trim().is_empty() {
            return Err(invalid("The reply is empty."));
        }
        let target = self.thread_target(thread).await?;
        if !is_twilio(target.channel) {
            return Err(invalid(
                "Media links are for SMS and WhatsApp conversations; attach files on this channel instead.",
            ));
        }
        let options = SendOptions {
            template: None,
            media_urls: urls,
        };
        self.queue_with_options(thread, target.account_id, text, options)
            .await
    }

    /// Keeps the composer's media links with `thread`'s draft (SQLite, one transaction), so
    /// they survive switching threads and a restart; each is checked as it would be on sending.
    pub async fn save_draft_media_links(
        &self,
        thread: ThreadId,
        media_urls: Vec<String>,
    ) -> Result<(), IpcError> {
        let urls = media_urls
            .iter()
            .map(|u| check_media_url(u))
            .collect::<Result<Vec<_>, _>>()?;
        if urls.len() > MAX_MEDIA_URLS {
            return Err(invalid(format!(
                "Twilio sends at most {MAX_MEDIA_URLS} media with one message; remove one first."
            )));
        }
        let now = self.clock.now();
        self.db
            .call(move |s| s.save_draft_media_links(thread, &urls, now))
            .await
            .map_err(errors::store)
    }

    async fn queue_with_options(
        &self,
        thread: ThreadId,
        account: AccountId,
        text: String,
        options: SendOptions,
    ) -> Result<MessageView, IpcError> {
        let author = self.author_name(account).await?;
        let now = self.clock.now();
        let queued = self
            .db
            .call(move |s| s.queue_reply_with_options(thread, &text, &author, &options, now))
            .await
            .map_err(errors::store)?;
        tracing::info!(%thread, "twilio: reply queued with send options");
        self.wake_outbox(account);
        let _ = self
            .events
            .send(CoreEvent::MessagesChanged { thread_id: thread });
        let _ = self.events.send(CoreEvent::ThreadsChanged {
            thread_ids: vec![thread],
        });
        Ok(queued.message)
    }
}

/// How many `MediaUrl`s Twilio takes with one message.
const MAX_MEDIA_URLS: usize = 10;

/// A media link Twilio can fetch: an absolute http(s) address with a host, at most 2,048
/// characters, no credentials in it. Twilio fetches it from the public internet, so a link to
/// this computer or a private network can never work and is refused with the reason.
fn check_media_url(raw: &str) -> Result<String, IpcError> {
    let raw = raw.trim();
    let refuse = |why: &str| invalid(format!("“{raw}” cannot be sent as media: {why}"));
    if raw.len() > 2048 {
        return Err(refuse("the link is longer than 2,048 characters."));
    }
    let url = url::Url::parse(raw)
        .map_err(|_| refuse("it is not a web address (it should start with https://)."))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(refuse(
            "only https:// (or http://) links can be fetched by Twilio.",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse(
            "the link contains a user name or password; use a public link.",
        ));
    }
    let public = match url.host() {
        None => false,
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d != "localhost"
                && !d.ends_with(".localhost")
                && !d.ends_with(".local")
                && d.contains('.')
        }
        Some(url::Host::Ipv4(ip)) => {
            !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified())
        }
        Some(url::Host::Ipv6(ip)) => !(ip.is_loopback() || ip.is_unspecified()),
    };
    if !public {
        return Err(refuse(
            "Twilio fetches media from the public internet, and this address is on this computer or a private network.",
        ));
    }
    Ok(url.to_string())
}
