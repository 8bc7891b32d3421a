use std::time::Duration;

/// How a provider call failed, in the terms the sync engine and the outbox decide on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The credentials were refused; nothing will work until the agent gives new ones.
    #[error("{0}")]
    Unauthorized(String),
    /// Slow down; try again after the given time.
    #[error("{message}")]
    RateLimited {
        retry_after: Duration,
        message: String,
    },
    /// Another client consumes this account's updates, or a webhook is set.
    #[error("{0}")]
    Conflict(String),
    /// The provider refused this request for good (bad recipient, blocked, too long...).
    #[error("{message}")]
    Rejected { code: i64, message: String },
    /// The request did not reach the provider, or the provider failed without acting: safe to retry.
    #[error("{0}")]
    Transient(String),
    /// The request may have reached the provider and the answer was lost or unreadable. For a send
    /// this means the message may have gone out: never resend blindly.
    #[error("{0}")]
    Uncertain(String),
    /// The provider answered something that does not follow its documented format.
    #[error("{0}")]
    Malformed(String),
}

impl ChannelError {
    /// Worth trying again later without the agent doing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ChannelError::RateLimited { .. }
                | ChannelError::Transient(_)
                | ChannelError::Malformed(_)
                | ChannelError::Conflict(_)
        )
    }

    /// The provider's own wait, when it named one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ChannelError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}
