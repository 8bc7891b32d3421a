//! The providers: each file (or folder) here holds everything Parley's core knows of one
//! provider — adding its accounts, building its adapter from a stored account, its own calls
//! (handover, templates), its composer window — and [`provider`] is the one place that maps a
//! channel to it. The adapters themselves (wire formats, sync, send) are in `parley-channels`.

pub(crate) mod email;
pub(crate) mod graph;
mod telegram;
pub(crate) mod twilio;

use crate::provider::Provider;
use parley_domain::ChannelKind;

/// The provider of each channel: a new channel is registered here, in one line.
pub(crate) fn provider(kind: ChannelKind) -> &'static dyn Provider {
    match kind {
        ChannelKind::Telegram => &telegram::Telegram,
        ChannelKind::Email => &email::Email,
        ChannelKind::Messenger | ChannelKind::Instagram => &graph::Graph,
        ChannelKind::Sms | ChannelKind::Whatsapp => &twilio::Twilio,
    }
}
