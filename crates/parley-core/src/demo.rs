//! The demo workspace: with no real account, the fake Telegram server runs in-process on
//! 127.0.0.1, simulated customers write to a demo bot, and the real Telegram adapter talks to it.
//! So a new user sees the real code paths at work: sync, notifications, replies.

use parley_channels::Channel;
use parley_channels::telegram::TelegramChannel;
use parley_domain::{AccountIdentity, ErrorCode, IpcError};
use parley_fakes::demo::demo_fake_config;
use parley_fakes::{DEMO_BOT_TOKEN, DemoConfig, DemoHandle, DemoWorld, FakeTelegram};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) struct DemoRuntime {
    dir: PathBuf,
    fake: Arc<FakeTelegram>,
    _world: DemoHandle,
    channel: Arc<TelegramChannel>,
    identity: AccountIdentity,
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
    pub(crate) async fn start(data_dir: &Path) -> Result<Self, IpcError> {
        let dir = data_dir.join("demo");
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| demo_error("its folder", e))?;
        let config = demo_fake_config(Some(dir.join("telegram.json")));
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
        let endpoint = serde_json::json!({ "telegram": fake.base_url() });
        tokio::fs::write(dir.join("endpoint.json"), endpoint.to_string())
            .await
            .map_err(|e| demo_error("its endpoint file", e))?;
        Ok(Self {
            dir,
            fake,
            _world: world,
            channel,
            identity,
        })
    }

    pub(crate) fn identity(&self) -> AccountIdentity {
        self.identity.clone()
    }

    pub(crate) fn channel(&self) -> Arc<dyn Channel> {
        self.channel.clone()
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
    let mut config = DemoConfig::default();
    match std::env::var("PARLEY_DEMO_PACE").as_deref() {
        Ok("fast") => {
            config.min_gap = std::time::Duration::from_secs(1);
            config.max_gap = std::time::Duration::from_secs(2);
        }
        Ok("off") => {
            // A year between messages and no answers to replies: silent for any test run.
            config.min_gap = std::time::Duration::from_secs(365 * 24 * 3600);
            config.max_gap = config.min_gap;
            config.answer_probability = 0.0;
        }
        _ => {}
    }
    config
}
