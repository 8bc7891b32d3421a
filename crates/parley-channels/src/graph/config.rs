//! How to reach one Page: which inbox, where the API is, the budget, the patience and the clock.

use super::budget;
use parley_domain::{Clock, SystemClock};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Where the real Graph API lives; tests and the demo point the adapter elsewhere.
pub const DEFAULT_API_BASE: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v23.0";
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Which inbox of the Page this adapter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GraphPlatform {
    Messenger,
    Instagram,
}

impl GraphPlatform {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            GraphPlatform::Messenger => "messenger",
            GraphPlatform::Instagram => "instagram",
        }
    }

    /// Permissions the Page token needs for this inbox.
    pub fn required_permissions(self) -> &'static [&'static str] {
        match self {
            GraphPlatform::Messenger => &[
                "pages_messaging",
                "pages_read_engagement",
                "pages_manage_metadata",
            ],
            GraphPlatform::Instagram => &[
                "pages_messaging",
                "pages_read_engagement",
                "pages_manage_metadata",
                "instagram_manage_messages",
            ],
        }
    }
}

/// How to reach one Page.
#[derive(Clone)]
pub struct GraphConfig {
    pub api_base: String,
    pub api_version: String,
    pub page_id: String,
    pub page_token: String,
    pub platform: GraphPlatform,
    /// Time between polls while live (`fetch` with a wait).
    pub poll_interval: Duration,
    /// Whether Meta approved this Page's app for the HUMAN_AGENT tag (a Page setting).
    pub human_agent_approved: bool,
    pub call_timeout: Duration,
    /// The per-Page budget: calls per window.
    pub budget_calls: usize,
    pub budget_window: Duration,
    /// Where the adapter reads the time (the reply window, a sent reply's time).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for GraphConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: never print it.
        f.debug_struct("GraphConfig")
            .field("api_base", &self.api_base)
            .field("page_id", &self.page_id)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

impl GraphConfig {
    pub fn new(page_id: &str, page_token: &str, platform: GraphPlatform) -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            page_id: page_id.to_owned(),
            page_token: page_token.to_owned(),
            platform,
            poll_interval: Duration::from_secs(5),
            human_agent_approved: false,
            call_timeout: CALL_TIMEOUT,
            budget_calls: 2,
            budget_window: Duration::from_secs(1) + budget::GUARD,
            clock: Arc::new(SystemClock),
        }
    }

    pub fn with_api_base(mut self, base: &str) -> Self {
        self.api_base = base.trim_end_matches('/').to_owned();
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
