//! How to reach one Twilio account: the hosts, the credentials, the watched numbers, the
//! patience and the clock.

use parley_domain::{Clock, SystemClock};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";
pub const DEFAULT_MESSAGING_BASE: &str = "https://messaging.twilio.com";
pub const DEFAULT_CONTENT_BASE: &str = "https://content.twilio.com";
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How to reach one Twilio account.
#[derive(Clone)]
pub struct TwilioConfig {
    pub api_base: String,
    pub messaging_base: String,
    pub content_base: String,
    pub account_sid: String,
    pub auth_token: String,
    /// Watched numbers: `+E164` (SMS/MMS) and `whatsapp:+E164` (WhatsApp senders).
    pub numbers: Vec<String>,
    /// Time between polls while live (`fetch` with a wait).
    pub poll_interval: Duration,
    pub page_size: u32,
    /// How far back the first sync reads.
    pub initial_history: Duration,
    pub call_timeout: Duration,
    /// Where the adapter reads the time (how far back a poll asks, a sent reply's fallback time).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The Auth Token is a secret: never print it.
        f.debug_struct("TwilioConfig")
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .field("numbers", &self.numbers)
            .finish_non_exhaustive()
    }
}

impl TwilioConfig {
    pub fn new(account_sid: &str, auth_token: &str, numbers: &[&str]) -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_owned(),
            messaging_base: DEFAULT_MESSAGING_BASE.to_owned(),
            content_base: DEFAULT_CONTENT_BASE.to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
            poll_interval: Duration::from_secs(10),
            page_size: 100,
            initial_history: Duration::from_secs(14 * 24 * 3600),
            call_timeout: CALL_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// Points the api, messaging and content hosts at one base (tests, the demo).
    pub fn with_base(mut self, base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        self.api_base.clone_from(&base);
        self.messaging_base.clone_from(&base);
        self.content_base = base;
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
