//! The demo workspace: with no real account, the fake Telegram server runs in-process on
//! 127.0.0.1, simulated customers write to a demo bot, and the real Telegram adapter talks to it.
//! So a new user sees the real code paths at work: sync, notifications, replies.
//!
//! Beside it runs a fake Graph API with a simulated Facebook Page ("Parley Demo Shop") and its
//! linked Instagram account, read by the real Graph adapter: a few seeded customers whose last
//! messages are 2 h, 30 h and 9 days old (so the composer shows each reply-window state), and
//! now and then a new message. Its state persists in `data/demo/graph.json`.
//!
//! A fake Twilio account has an SMS number and a WhatsApp sender (one WhatsApp customer inside
//! the 24-hour window, one outside it, so the template picker shows; three in far zones, so a
//! reply to whichever is at night shows the quiet-hours hold; an SMS customer who texted STOP,
//! so the pane shows the opt-out and no reply goes to them). On every channel the
//! simulated customers sometimes answer the agent's replies, as the Telegram ones do.

use parley_channels::Channel;
use parley_channels::graph::{GraphChannel, GraphConfig, GraphPlatform};
use parley_channels::telegram::TelegramChannel;
use parley_channels::twilio::{TwilioChannel, TwilioConfig};
use parley_domain::{AccountIdentity, ErrorCode, IpcError};
use parley_sim::demo::demo_fake_config;
use parley_sim::demo::{answer_graph_replies, answer_twilio_replies};
use parley_sim::graph::{
    ALL_SCOPES, FakeGraph, FakeGraphConfig, FakePage, InstagramAccount, Platform,
};
use parley_sim::twilio::{FakeTwilio, FakeTwilioConfig, OwnedNumber, Template};
use parley_sim::{DEMO_BOT_TOKEN, DemoConfig, DemoHandle, DemoWorld, FakeTelegram};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct DemoRuntime {
    dir: PathBuf,
    fake: Arc<FakeTelegram>,
    _world: DemoHandle,
    channel: Arc<TelegramChannel>,
    identity: AccountIdentity,
    graph: Option<DemoGraph>,
    twilio: Option<DemoTwilio>,
}

/// The simulated SMS number and WhatsApp sender: their fake Twilio server, the adapters reading
/// them, the texting customers.
pub(crate) struct DemoTwilio {
    fake: Arc<FakeTwilio>,
    pub(crate) channels: Vec<(AccountIdentity, Arc<TwilioChannel>)>,
    writer: tokio::task::JoinHandle<()>,
    _answers: DemoHandle,
}

impl Drop for DemoTwilio {
    fn drop(&mut self) {
        self.writer.abort();
        self.fake.shutdown();
    }
}

/// The demo's SMS number (a US test number).
pub(crate) const DEMO_SMS_NUMBER: &str = "+15005550006";
/// The demo's WhatsApp sender (Twilio's sandbox number).
pub(crate) const DEMO_WHATSAPP_NUMBER: &str = "+14155238886";

impl DemoTwilio {
    async fn start(dir: &Path, control_secret: &str) -> Result<Self, IpcError> {
        let config = FakeTwilioConfig {
            control_secret: Some(control_secret.to_owned()),
            friendly_name: "Parley Demo Shop".to_owned(),
            numbers: vec![
                OwnedNumber::sms(DEMO_SMS_NUMBER),
                OwnedNumber::whatsapp(DEMO_WHATSAPP_NUMBER),
            ],
            templates: vec![Template {
                sid: "HXde000000000000000000000000000001".to_owned(),
                friendly_name: "order_follow_up".to_owned(),
                body:
                    "Hi {{1}}, this is Parley Demo Shop about your order {{2}}. Reply to continue."
                        .to_owned(),
                variables: vec![
                    ("1".to_owned(), "first_name".to_owned()),
                    ("2".to_owned(), "order_number".to_owned()),
                ],
                approved: true,
            }],
            messaging_service_sid: None,
            status_step: std::time::Duration::from_secs(1),
            state_file: Some(dir.join("twilio.json")),
            ..FakeTwilioConfig::default()
        };
        let fake = Arc::new(
            FakeTwilio::start(config)
                .await
                .map_err(|e| demo_error("its simulated SMS number", e))?,
        );
        if fake.messages().is_empty() {
            seed_twilio(&fake);
        }
        // Also for a demo folder written before the WhatsApp sender existed.
        if !fake
            .messages()
            .iter()
            .any(|m| m.to.starts_with("whatsapp:"))
        {
            seed_whatsapp(&fake);
        }
        // Also for a demo folder written before quiet hours and opt-outs existed.
        if !fake
            .messages()
            .iter()
            .any(|m| m.from == NIGHT_CUSTOMERS[0].0)
        {
            seed_respectful(&fake);
        }
        let whatsapp = format!("whatsapp:{DEMO_WHATSAPP_NUMBER}");
        let mut channels = Vec::new();
        for (numbers, what) in [
            ([DEMO_SMS_NUMBER], "the demo SMS number"),
            ([whatsapp.as_str()], "the demo WhatsApp sender"),
        ] {
            let mut cfg = TwilioConfig::new(fake.account_sid(), fake.auth_token(), &numbers)
                .with_base(&fake.base_url());
            cfg.poll_interval = std::time::Duration::from_secs(2);
            let channel =
                Arc::new(TwilioChannel::new(cfg).map_err(|e| demo_error("the Twilio adapter", e))?);
            let identity = channel.validate().await.map_err(|e| demo_error(what, e))?;
            channels.push((identity, channel));
        }
        let writer = tokio::spawn(text_now_and_then(fake.clone(), twilio_gap()));
        let answers = answer_twilio_replies(fake.clone(), demo_config());
        Ok(Self {
            fake,
            channels,
            writer,
            _answers: answers,
        })
    }
}

/// Three customers who texted the demo number, 20 min, 5 h and 2 days ago.
fn seed_twilio(fake: &FakeTwilio) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let seeds: [(&str, i64, &str); 3] = [
        ("+14155550101", 20 * 60, "Hi, is my order #4821 on its way?"),
        ("+14155550102", 5 * 3600, "Can I pick up in store tomorrow?"),
        (
            "+14155550103",
            2 * 24 * 3600,
            "Thanks for the quick delivery!",
        ),
    ];
    for (from, age, text) in seeds {
        if let Err(e) =
            fake.inject_inbound(from, DEMO_SMS_NUMBER, text, Vec::new(), Some(now - age))
        {
            tracing::warn!("demo SMS seed: {e}");
        }
    }
}

/// Two WhatsApp customers: one wrote 3 h ago (free replies for 21 more hours), one 2 days ago
/// (past the 24-hour window: only an approved template may go out, so the composer offers them).
fn seed_whatsapp(fake: &FakeTwilio) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let to = format!("whatsapp:{DEMO_WHATSAPP_NUMBER}");
    let seeds: [(&str, i64, &str); 2] = [
        (
            "whatsapp:+447700900123",
            3 * 3600,
            "Hello! Is the rain jacket also available in green?",
        ),
        (
            "whatsapp:+4915110000456",
            2 * 24 * 3600,
            "My parcel says delivered but it is not here.",
        ),
    ];
    for (from, age, text) in seeds {
        if let Err(e) = fake.inject_inbound(from, &to, text, Vec::new(), Some(now - age)) {
            tracing::warn!("demo WhatsApp seed: {e}");
        }
    }
}

/// WhatsApp customers in far zones (issue 18): Japan, Nigeria and Peru, whose zones the phone
/// numbers give (one zone each, 8 to 10 hours apart), so at any hour it is night for at least
/// one of them and a reply to them shows the quiet-hours hold. They wrote 2 hours ago.
const NIGHT_CUSTOMERS: [(&str, &str); 3] = [
    (
        "whatsapp:+819012345678",
        "Konbanwa! Do you ship the ceramic vase to Osaka?",
    ),
    (
        "whatsapp:+2348031234567",
        "Hello, can I pay for my order on delivery?",
    ),
    (
        "whatsapp:+51912345678",
        "Hola, do you have the rain jacket in size S?",
    ),
];

/// The far-zone WhatsApp customers, and an SMS customer who asked a question 3 days ago and
/// then texted STOP: the pane shows "Opted out by message “STOP”", and no reply can go to them.
fn seed_respectful(fake: &FakeTwilio) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let whatsapp = format!("whatsapp:{DEMO_WHATSAPP_NUMBER}");
    for (from, text) in NIGHT_CUSTOMERS {
        if let Err(e) = fake.inject_inbound(from, &whatsapp, text, Vec::new(), Some(now - 2 * 3600))
        {
            tracing::warn!("demo WhatsApp seed: {e}");
        }
    }
    let stop = [
        (3 * 24 * 3600, "Do you ship to Canada?"),
        (3 * 24 * 3600 - 600, "STOP"),
    ];
    for (age, text) in stop {
        if let Err(e) = fake.inject_inbound(
            "+14155550106",
            DEMO_SMS_NUMBER,
            text,
            Vec::new(),
            Some(now - age),
        ) {
            tracing::warn!("demo SMS seed: {e}");
        }
    }
}

/// `PARLEY_DEMO_PACE`: fast → every few seconds; off → never; default → every 2 minutes.
fn twilio_gap() -> Option<std::time::Duration> {
    match std::env::var("PARLEY_DEMO_PACE").as_deref() {
        Ok("fast") => Some(std::time::Duration::from_secs(5)),
        Ok("off") => None,
        _ => Some(std::time::Duration::from_secs(120)),
    }
}

/// Now and then a customer texts the demo number.
async fn text_now_and_then(fake: Arc<FakeTwilio>, gap: Option<std::time::Duration>) {
    let Some(gap) = gap else { return };
    let lines: [(&str, &str); 3] = [
        ("+14155550104", "Do you have the ceramic vase in white?"),
        ("+14155550101", "Also, can you leave it with my neighbour?"),
        ("+14155550105", "What are your opening hours on Saturday?"),
    ];
    let mut i = 0usize;
    loop {
        tokio::time::sleep(gap).await;
        let (from, text) = lines[i % lines.len()];
        if let Err(e) = fake.inject_inbound(from, DEMO_SMS_NUMBER, text, Vec::new(), None) {
            tracing::warn!("demo SMS: {e}");
        }
        i += 1;
    }
}

/// The simulated Facebook Page: its fake server, the adapters reading it, the writing customers.
pub(crate) struct DemoGraph {
    fake: Arc<FakeGraph>,
    pub(crate) channels: Vec<(AccountIdentity, Arc<GraphChannel>)>,
    writer: tokio::task::JoinHandle<()>,
    _answers: DemoHandle,
}

impl Drop for DemoGraph {
    fn drop(&mut self) {
        self.writer.abort();
        self.fake.shutdown();
    }
}

pub(crate) const DEMO_PAGE_ID: &str = "100000000000042";
const DEMO_PAGE_TOKEN: &str = "EAAParleyDemoPageToken0000000000000000ZDZD";

impl DemoGraph {
    async fn start(
        dir: &Path,
        control_secret: &str,
        poll_interval: Duration,
    ) -> Result<Self, IpcError> {
        let config = FakeGraphConfig {
            control_secret: Some(control_secret.to_owned()),
            pages: vec![FakePage {
                id: DEMO_PAGE_ID.to_owned(),
                name: "Parley Demo Shop".to_owned(),
                token: DEMO_PAGE_TOKEN.to_owned(),
                instagram: Some(InstagramAccount {
                    id: "17841400000000042".to_owned(),
                    username: "parley.demo.shop".to_owned(),
                }),
                scopes: ALL_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
                primary_receiver: true,
            }],
            state_file: Some(dir.join("graph.json")),
            ..FakeGraphConfig::default()
        };
        let fake = Arc::new(
            FakeGraph::start(config)
                .await
                .map_err(|e| demo_error("its simulated Facebook Page", e))?,
        );
        // The demo Page shows every window state, the HUMAN_AGENT one included.
        fake.approve_human_agent(true);
        if !fake.is_seeded() {
            seed_graph(&fake);
        }
        let mut channels = Vec::new();
        for platform in [GraphPlatform::Messenger, GraphPlatform::Instagram] {
            let mut cfg = GraphConfig::new(DEMO_PAGE_ID, DEMO_PAGE_TOKEN, platform)
                .with_api_base(&fake.base_url());
            cfg.human_agent_approved = true;
            cfg.poll_interval = poll_interval;
            let channel =
                Arc::new(GraphChannel::new(cfg).map_err(|e| demo_error("the Graph adapter", e))?);
            let identity = channel
                .validate()
                .await
                .map_err(|e| demo_error("the demo Page", e))?;
            channels.push((identity, channel));
        }
        let writer = tokio::spawn(write_now_and_then(fake.clone(), graph_gap()));
        let answers = answer_graph_replies(fake.clone(), demo_config());
        Ok(Self {
            fake,
            channels,
            writer,
            _answers: answers,
        })
    }
}

/// Three customers on each platform, with last messages of different ages.
fn seed_graph(fake: &FakeGraph) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let hour = 3600;
    let people: [(Platform, &str, Option<&str>, i64, &str); 6] = [
        (
            Platform::Messenger,
            "Amelia Hart",
            None,
            2 * hour,
            "Hi! Do you ship to Ireland?",
        ),
        (
            Platform::Messenger,
            "Jonas Berg",
            None,
            30 * hour,
            "The blue mug arrived chipped, what can I do?",
        ),
        (
            Platform::Messenger,
            "Priya Nair",
            None,
            9 * 24 * hour,
            "Thanks, all good!",
        ),
        (
            Platform::Instagram,
            "Lea Moreau",
            Some("lea.moreau"),
            hour,
            "Is the linen tote still in stock? 😍",
        ),
        (
            Platform::Instagram,
            "Tom Okafor",
            Some("tomokafor"),
            40 * hour,
            "Can I change the size of my order?",
        ),
        (
            Platform::Instagram,
            "Mina Park",
            Some("minapark.studio"),
            8 * 24 * hour,
            "Love the new collection",
        ),
    ];
    for (platform, name, username, age, text) in people {
        let person = fake.customer(platform, name, username);
        // Two of them with a profile picture, as the User Profile API gives it.
        match name {
            "Amelia Hart" => {
                fake.set_profile_pic(&person, "image/png", parley_sim::demo::pictures::AMBER)
            }
            "Lea Moreau" => {
                fake.set_profile_pic(&person, "image/png", parley_sim::demo::pictures::TEAL)
            }
            _ => {}
        }
        fake.inject_message(&person, Some(text), Vec::new(), Some(now - age));
    }
    fake.mark_seeded();
}

/// `PARLEY_DEMO_PACE`: fast → every few seconds; off → never; default → every 90 s.
fn graph_gap() -> Option<std::time::Duration> {
    match std::env::var("PARLEY_DEMO_PACE").as_deref() {
        Ok("fast") => Some(std::time::Duration::from_secs(4)),
        Ok("off") => None,
        _ => Some(std::time::Duration::from_secs(90)),
    }
}

/// Now and then a new customer message on the demo Page, alternating Messenger and Instagram.
async fn write_now_and_then(fake: Arc<FakeGraph>, gap: Option<std::time::Duration>) {
    let Some(gap) = gap else { return };
    let lines: [(Platform, &str, Option<&str>, &str); 4] = [
        (
            Platform::Messenger,
            "Sofia Rossi",
            None,
            "Hello, are you open on Sunday?",
        ),
        (
            Platform::Instagram,
            "Kai Nakamura",
            Some("kai.nkm"),
            "Do you do gift wrapping?",
        ),
        (
            Platform::Messenger,
            "Amelia Hart",
            None,
            "Also, how long does delivery take?",
        ),
        (
            Platform::Instagram,
            "Lea Moreau",
            Some("lea.moreau"),
            "Just ordered, thank you!",
        ),
    ];
    let mut people = std::collections::HashMap::new();
    let mut i = 0usize;
    loop {
        tokio::time::sleep(gap).await;
        let (platform, name, username, text) = lines[i % lines.len()];
        let person = people
            .entry(name)
            .or_insert_with(|| fake.customer(platform, name, username))
            .clone();
        fake.inject_text(&person, text);
        i += 1;
    }
}

/// A new random secret for the demo fakes' control API (244 random bits).
fn control_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Writes `contents` to `path` readable by this user only (it holds the control secret).
async fn write_private(path: &Path, contents: String) -> std::io::Result<()> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        // An older file keeps its mode when reopened: narrow it too.
        #[cfg(unix)]
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        std::io::Write::write_all(&mut file, contents.as_bytes())
    })
    .await
    .map_err(std::io::Error::other)?
}

fn demo_error(what: &str, e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorCode::Internal,
        format!(
            "The demo workspace could not start ({what}: {e}). Add a real account in Accounts."
        ),
    )
}

impl DemoRuntime {
    pub(crate) async fn start(data_dir: &Path, graph_poll: Duration) -> Result<Self, IpcError> {
        let dir = data_dir.join("demo");
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| demo_error("its folder", e))?;
        // The fakes' control API answers only to this run's secret, which only this process
        // and whoever can read the data folder (the end-to-end tests) know.
        let secret = control_secret();
        let mut config = demo_fake_config(Some(dir.join("telegram.json")));
        config.control_secret = Some(secret.clone());
        let fake = Arc::new(
            FakeTelegram::start(config)
                .await
                .map_err(|e| demo_error("its simulated Telegram server", e))?,
        );
        let world = DemoWorld::start(fake.clone(), demo_config());
        let channel = Arc::new(
            TelegramChannel::new(&fake.base_url(), DEMO_BOT_TOKEN)
                .map_err(|e| demo_error("the Telegram adapter", e))?,
        );
        let identity = channel
            .validate()
            .await
            .map_err(|e| demo_error("the demo bot", e))?;
        // The end-to-end tests drive the simulated customers through this server's control API.
        let graph = match DemoGraph::start(&dir, &secret, graph_poll).await {
            Ok(g) => Some(g),
            Err(e) => {
                // The Telegram demo still works without the simulated Page.
                tracing::warn!("demo Facebook Page unavailable: {}", e.message);
                None
            }
        };
        let twilio = match DemoTwilio::start(&dir, &secret).await {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!("demo SMS number unavailable: {}", e.message);
                None
            }
        };
        let endpoint = serde_json::json!({
            "telegram": fake.base_url(),
            "graph": graph.as_ref().map(|g| g.fake.base_url()),
            "twilio": twilio.as_ref().map(|t| t.fake.base_url()),
            "control_secret": secret,
        });
        write_private(&dir.join("endpoint.json"), endpoint.to_string())
            .await
            .map_err(|e| demo_error("its endpoint file", e))?;
        Ok(Self {
            dir,
            fake,
            _world: world,
            channel,
            identity,
            graph,
            twilio,
        })
    }

    pub(crate) fn identity(&self) -> AccountIdentity {
        self.identity.clone()
    }

    pub(crate) fn channel(&self) -> Arc<TelegramChannel> {
        self.channel.clone()
    }

    /// The demo Page's Messenger and Instagram accounts and their adapters.
    pub(crate) fn graph_channels(&self) -> Vec<(AccountIdentity, Arc<GraphChannel>)> {
        self.graph
            .as_ref()
            .map(|g| g.channels.clone())
            .unwrap_or_default()
    }

    /// The demo SMS number's and WhatsApp sender's accounts and adapters.
    pub(crate) fn twilio_channels(&self) -> Vec<(AccountIdentity, Arc<TwilioChannel>)> {
        self.twilio
            .as_ref()
            .map(|t| t.channels.clone())
            .unwrap_or_default()
    }

    pub(crate) fn base_url(&self) -> String {
        self.fake.base_url()
    }

    /// Stops the simulation and deletes its files.
    pub(crate) async fn discard(self) {
        self.fake.shutdown();
        let dir = self.dir.clone();
        drop(self);
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await {
            tracing::warn!("could not delete the demo folder {}: {e}", dir.display());
        }
    }
}

/// `PARLEY_DEMO_PACE=fast` makes the simulated customers write every second or two (handy for
/// trying notifications); `off` silences them (tests and benchmarks that count notifications);
/// the default pace is calmer.
fn demo_config() -> DemoConfig {
    let mut config = DemoConfig {
        // A new workspace meets the FAQ bot (`demo_bot.rs`) soon after the first start.
        bot_customer_after: Some(std::time::Duration::from_secs(20)),
        ..DemoConfig::default()
    };
    match std::env::var("PARLEY_DEMO_PACE").as_deref() {
        Ok("fast") => {
            config.min_gap = std::time::Duration::from_secs(1);
            config.max_gap = std::time::Duration::from_secs(2);
            config.bot_customer_after = Some(std::time::Duration::from_secs(3));
        }
        Ok("off") => {
            // A year between messages and no answers to replies: silent for any test run.
            config.min_gap = std::time::Duration::from_secs(365 * 24 * 3600);
            config.max_gap = config.min_gap;
            config.answer_probability = 0.0;
            config.bot_customer_after = None;
        }
        _ => {}
    }
    config
}

/// `PARLEY_DEMO_STAGGER_MS=N`: the demo's accounts start one after another, N ms apart, in the
/// reverse of their usual order (the account that is usually live first goes live last), so
/// tests can check what the agent sees when accounts go live in another order and pace than on
/// the machine that wrote them. Unset or 0: all start at once.
pub(crate) fn start_stagger() -> std::time::Duration {
    let ms = std::env::var("PARLEY_DEMO_STAGGER_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    std::time::Duration::from_millis(ms.min(60_000))
}
