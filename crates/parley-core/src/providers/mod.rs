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

/// Every provider: a new one is registered here, in one line.
static ALL: [&dyn Provider; 4] = [
    &telegram::Telegram,
    &email::Email,
    &graph::Graph,
    &twilio::Twilio,
];

pub(crate) fn all() -> impl Iterator<Item = &'static dyn Provider> {
    ALL.iter().copied()
}

/// The provider of a channel (each carries the channels its [`Provider::channels`] names).
pub(crate) fn provider(kind: ChannelKind) -> &'static dyn Provider {
    all()
        .find(|p| p.channels().contains(&kind))
        .expect("every channel has a provider (the test below)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_has_exactly_one_provider_and_names_are_unique() {
        for kind in ChannelKind::ALL {
            let carriers = all().filter(|p| p.channels().contains(&kind)).count();
            assert_eq!(carriers, 1, "{kind:?} is carried by {carriers} providers");
        }
        let mut names: Vec<_> = all().map(|p| p.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "two providers share a name");
    }
}
