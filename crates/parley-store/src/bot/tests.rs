use super::*;
use crate::test_support::{account, inbound};

fn rule(name: &str, reply: Option<SavedReplyId>) -> FaqRuleInput {
    FaqRuleInput {
        name: name.into(),
        enabled: true,
        phrases: vec!["where is my order".into(), "pedido*".into()],
        saved_reply_id: reply,
        steps: vec![GatherStep {
            question: "What is your order number?".into(),
            check: AnswerCheck::OrderNumber,
            attribute: "Order".into(),
            retry_message: "That does not look like an order number.".into(),
            max_retries: 1,
        }],
    }
}

fn reply(s: &mut Store) -> SavedReplyId {
    s.create_saved_reply(
        &SavedReplyInput {
            folder: "Shipping".into(),
            title: "Where is my order".into(),
            body: "On its way".into(),
            variants: vec![],
        },
        1,
    )
    .expect("reply")
    .id
}

/// The customer of `chat` writes `text`: their thread and the message's id.
fn customer_writes(
    s: &mut Store,
    a: AccountId,
    chat: &str,
    id: &str,
    text: &str,
    at: Millis,
) -> (ThreadId, MessageId) {
    let batch = IngestBatch {
        messages: vec![inbound(chat, id, text, at)],
        ..Default::default()
    };
    let out = s.apply_batch(a, &batch, None, at).expect("ingest");
    let m = &out.new_messages[0];
    (m.thread_id, m.message_id)
}

#[test]
fn rules_are_kept_in_order_with_their_reply_title_and_survive_the_reply_going() {
    let mut s = Store::open_in_memory().expect("open");
    let r = reply(&mut s);
    let first = s
        .create_faq_rule(&rule("Orders", Some(r)), 5)
        .expect("create");
    assert_eq!(
        first.saved_reply_title.as_deref(),
        Some("Where is my order")
    );
    assert_eq!(first.rule.steps[0].check, AnswerCheck::OrderNumber);
    let second = s.create_faq_rule(&rule("Hours", None), 6).expect("create");
    assert!(second.position > first.position);
    assert!(matches!(
        s.create_faq_rule(&rule("Bad", Some(SavedReplyId(999))), 7),
        Err(StoreError::NotFound(_))
    ));
    let moved = s.move_faq_rule(second.id, -1).expect("move");
    assert_eq!(
        moved.iter().map(|r| r.id).collect::<Vec<_>>(),
        [second.id, first.id]
    );
    let mut edit = rule("Orders (edited)", Some(r));
    edit.enabled = false;
    let edited = s.update_faq_rule(first.id, &edit, 8).expect("update");
    assert_eq!(
        (
            edited.rule.name.as_str(),
            edited.rule.enabled,
            edited.updated_at
        ),
        ("Orders (edited)", false, 8)
    );
    s.delete_saved_reply(r).expect("delete reply");
    let kept = s.faq_rules().expect("rules");
    assert_eq!(kept.len(), 2);
    assert_eq!(
        (
            kept[1].rule.saved_reply_id,
            kept[1].saved_reply_title.clone()
        ),
        (None, None)
    );
    s.delete_faq_rule(second.id).expect("delete");
    assert!(matches!(
        s.delete_faq_rule(second.id),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn a_turn_writes_session_attributes_note_priority_and_sends_together_and_only_once() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Telegram, "shop");
    let (thread, m1) = customer_writes(&mut s, a, "7", "7:1", "where is my order", 100);
    let ctx = s.bot_context(thread, 0, 0).expect("read").expect("context");
    assert_eq!(ctx.session, None);
    assert_eq!(
        ctx.pending,
        [BotPending {
            message: m1,
            text: "where is my order".into(),
            sent_at: 100
        }]
    );
    // Too old to answer.
    assert!(
        s.bot_context(thread, 0, 101)
            .expect("read")
            .expect("context")
            .pending
            .is_empty()
    );
    let contact = ctx.contact;
    let turn = BotTurn {
        session: Some("{\"step\":0}".into()),
        ..BotTurn::new(thread, contact, m1)
    };
    let by = AutomatedBy::new(AutomationKind::FaqBot, "FAQ: Orders");
    let sent = s
        .apply_bot_turn(&turn, &["What is your order number?".to_owned()], &by, 110)
        .expect("turn")
        .expect("applied");
    assert_eq!(sent.len(), 1);
    // The same message again: nothing is written, nothing queued.
    assert_eq!(
        s.apply_bot_turn(&turn, &["again".to_owned()], &by, 111)
            .expect("turn"),
        None
    );
    let queued = s.message(sent[0]).expect("read").expect("message");
    assert_eq!(queued.text, "What is your order number?");

    let ctx = s.bot_context(thread, 0, 0).expect("read").expect("context");
    assert!(ctx.pending.is_empty(), "read once");
    // The bot's own message is not an agent's; it counts for the rate limit.
    assert_eq!(ctx.agent_wrote_at, None);
    assert_eq!(ctx.bot_sends_since, 1);
    assert_eq!(
        s.bot_context(thread, 111, 0)
            .expect("read")
            .expect("ctx")
            .bot_sends_since,
        0
    );
    assert_eq!(
        ctx.session.expect("session").session.as_deref(),
        Some("{\"step\":0}")
    );

    // A failing queue (no text) leaves nothing behind.
    let (_, m2) = customer_writes(&mut s, a, "7", "7:2", "#4821", 120);
    let pending = s
        .bot_context(thread, 0, 0)
        .expect("read")
        .expect("context")
        .pending;
    assert_eq!(pending.iter().map(|p| p.message).collect::<Vec<_>>(), [m2]);
    let failing = BotTurn {
        keep: vec![("Order".into(), "4821".into())],
        handed_off: true,
        note: Some("Bot handed off".into()),
        ..BotTurn::new(thread, contact, m2)
    };
    assert!(
        s.apply_bot_turn(&failing, &["  ".to_owned()], &by, 130)
            .is_err()
    );
    assert!(s.contact_attributes(contact).expect("attrs").is_empty());
    assert!(s.contact_notes(contact).expect("notes").is_empty());

    let applied = s.apply_bot_turn(&failing, &[], &by, 130).expect("turn");
    assert_eq!(applied, Some(vec![]));
    let attrs = s.contact_attributes(contact).expect("attrs");
    assert_eq!(
        (attrs[0].key.as_str(), attrs[0].value.as_str()),
        ("Order", "4821")
    );
    let notes = s.contact_notes(contact).expect("notes");
    assert_eq!(
        (notes[0].body.as_str(), notes[0].author.as_str()),
        ("Bot handed off", "Bot")
    );
    let summary = s.thread(thread).expect("read").expect("thread");
    assert_eq!(summary.priority, HANDOFF_PRIORITY);
    let row = s
        .bot_context(thread, 0, 0)
        .expect("read")
        .expect("ctx")
        .session
        .expect("row");
    assert_eq!(
        (row.session, row.handed_off_at, row.last_message_id),
        (None, Some(130), m2)
    );

    // An agent's reply counts as the agent writing.
    s.queue_reply(thread, "Checking now", "Alex", 140)
        .expect("reply");
    let ctx = s.bot_context(thread, 0, 0).expect("read").expect("ctx");
    assert_eq!(ctx.agent_wrote_at, Some(140));
}

#[test]
fn the_bots_accounts_go_with_their_account() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Telegram, "shop");
    let b = account(&mut s, ChannelKind::Sms, "+15550001");
    let kept = s
        .set_bot_settings("bot.settings", "{}", &[a, b, AccountId(999)], 1)
        .expect("save");
    assert_eq!(kept, [a, b]);
    let (thread, _) = customer_writes(&mut s, a, "9", "9:1", "hi", 5);
    assert!(
        s.bot_context(thread, 0, 0)
            .expect("read")
            .expect("ctx")
            .bot_on
    );
    s.remove_account(b).expect("remove");
    assert_eq!(s.bot_accounts().expect("accounts"), [a]);
    s.set_bot_settings("bot.settings", "{}", &[], 2)
        .expect("off");
    assert!(
        !s.bot_context(thread, 0, 0)
            .expect("read")
            .expect("ctx")
            .bot_on
    );
    assert_eq!(
        s.setting("bot.settings").expect("read").as_deref(),
        Some("{}")
    );
}
