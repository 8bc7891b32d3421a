//! The reply window: 24 hours after the customer's last message, 7 days for a person's reply with
//! the HUMAN_AGENT tag where Meta approved the Page.

use parley_domain::Millis;
use std::time::Duration;

/// The standard window and the HUMAN_AGENT extension.
pub const STANDARD_WINDOW: Duration = Duration::from_secs(24 * 3600);
pub const HUMAN_AGENT_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// A message tag for replies outside the standard window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageTag {
    /// A person answering, up to 7 days after the customer's last message; needs Meta's approval.
    HumanAgent,
}

/// What the composer should say about the reply window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowState {
    /// A normal reply is allowed until `closes_at`.
    Open { closes_at: Millis },
    /// Only a person's reply with the HUMAN_AGENT tag, until `closes_at`.
    HumanAgentOnly { closes_at: Millis },
    /// Within 7 days, but this Page is not approved for HUMAN_AGENT: no reply possible.
    HumanAgentNotApproved,
    /// More than 7 days: no reply possible until the customer writes again.
    Closed,
}

/// The reply window for a conversation whose customer last wrote at `last_inbound`.
pub fn window_state(last_inbound: Millis, now: Millis, human_agent_approved: bool) -> WindowState {
    let std = last_inbound + millis(STANDARD_WINDOW);
    let ha = last_inbound + millis(HUMAN_AGENT_WINDOW);
    if now <= std {
        WindowState::Open { closes_at: std }
    } else if now <= ha && human_agent_approved {
        WindowState::HumanAgentOnly { closes_at: ha }
    } else if now <= ha {
        WindowState::HumanAgentNotApproved
    } else {
        WindowState::Closed
    }
}

pub(super) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_states() {
        let h = 3_600_000;
        assert_eq!(
            window_state(0, 23 * h, false),
            WindowState::Open { closes_at: 24 * h }
        );
        assert_eq!(
            window_state(0, 25 * h, true),
            WindowState::HumanAgentOnly { closes_at: 168 * h }
        );
        assert_eq!(
            window_state(0, 25 * h, false),
            WindowState::HumanAgentNotApproved
        );
        assert_eq!(window_state(0, 169 * h, true), WindowState::Closed);
    }
}
