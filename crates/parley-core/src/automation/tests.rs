//! The hook's own rules: the channel's, and what an arrival knows.

use super::*;

const HOUR: Millis = 3_600_000;

fn window(hours: i64) -> ReplyWindow {
    ReplyWindow::SinceLastInbound {
        millis: hours * HOUR,
        alternative: Some("an approved template".into()),
    }
}

#[test]
fn nothing_goes_outside_the_reply_window() {
    let now = 100 * HOUR;
    assert_eq!(
        channel_allows(true, &window(24), Some(now - HOUR), now),
        None
    );
    let why = channel_allows(true, &window(24), Some(now - 25 * HOUR), now).expect("closed");
    assert!(why.contains("an approved template"), "{why}");
    // Without a window, any time after the customer wrote.
    assert_eq!(
        channel_allows(true, &ReplyWindow::None, Some(now - 300 * HOUR), now),
        None
    );
}

#[test]
fn nothing_goes_before_the_customer_wrote_where_the_channel_forbids_it() {
    let now = 100 * HOUR;
    assert!(channel_allows(false, &ReplyWindow::None, None, now).is_some());
    assert_eq!(
        channel_allows(false, &ReplyWindow::None, Some(now), now),
        None
    );
    assert_eq!(channel_allows(true, &ReplyWindow::None, None, now), None);
}

#[test]
fn an_agent_answer_within_the_hour_counts() {
    let arrival = Arrival {
        account: AccountId(1),
        channel: ChannelKind::Telegram,
        thread: ThreadId(1),
        contact: ContactId(1),
        contact_name: "Ada Lovelace".into(),
        texts: vec!["hi".into()],
        first_message_ever: true,
        last_agent_reply_at: Some(10 * HOUR - HOUR / 2),
        last_inbound_at: Some(10 * HOUR),
        now: 10 * HOUR,
    };
    assert!(arrival.agent_answered_within(HOUR));
    assert!(!arrival.agent_answered_within(HOUR / 4));
    assert_eq!(arrival.first_name(), Some("Ada"));
}
