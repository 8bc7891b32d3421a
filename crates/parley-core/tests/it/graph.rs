//! Facebook Pages (Messenger, Instagram) through the facade, against the fake Graph API.

use crate::common::{thread_of, unix_now};
use parley_core::{MemorySecrets, Parley, SecretStore};
use parley_domain::{
    ChannelKind, ComposerWindow, DeliveryState, ErrorCode, HandoverAction, HoldReason, ThreadOwner,
};
use parley_sim::eventually;
use parley_sim::graph::{BOT_APP_ID, FakeGraph, FakeGraphConfig, FakePage, Platform};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Rig {
    app: Arc<Parley>,
    fake: FakeGraph,
    secrets: Arc<MemorySecrets>,
    _dir: tempfile::TempDir,
}

const WEAK_PAGE: &str = "200000000000001";
const WEAK_TOKEN: &str = "EAAWeakPageToken0000000000000000000ZDZD";

async fn rig() -> Rig {
    let mut config = FakeGraphConfig::default();
    // A second Page whose token lacks a permission.
    config.pages.push(FakePage {
        id: WEAK_PAGE.to_owned(),
        name: "Weak Page".to_owned(),
        token: WEAK_TOKEN.to_owned(),
        instagram: None,
        scopes: vec![
            "pages_messaging".to_owned(),
            "pages_read_engagement".to_owned(),
        ],
        primary_receiver: true,
    });
    let fake = FakeGraph::start(config).await.expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = Arc::new(MemorySecrets::default());
    let mut core = crate::common::test_config(dir.path(), secrets.clone());
    core.api_roots.set("graph", fake.base_url());
    let app = Parley::start(core).await.expect("starts");
    Rig {
        app,
        fake,
        secrets,
        _dir: dir,
    }
}

/// A Messenger customer `name` whose last message, `text`, was sent `secs_ago` seconds ago.
fn messenger_customer_wrote(rig: &Rig, name: &str, text: &str, secs_ago: i64) {
    let customer = rig.fake.customer(Platform::Messenger, name, None);
    rig.fake.inject_message(
        &customer,
        Some(text),
        Vec::new(),
        Some(unix_now() - secs_ago),
    );
}

async fn add_page(rig: &Rig, instagram: bool, approved: bool) {
    let page = rig.fake.page_id().to_owned();
    let token = rig.fake.page_token().to_owned();
    let added = rig
        .app
        .add_facebook_page(format!(" {page} "), token, instagram, approved)
        .await
        .expect("added");
    assert_eq!(added.len(), if instagram { 2 } else { 1 });
}

#[tokio::test]
async fn adding_a_page_validates_names_missing_permissions_and_keeps_the_token_in_the_keychain() {
    let rig = rig().await;
    let page = rig.fake.page_id().to_owned();
    let token = rig.fake.page_token().to_owned();

    let err = rig
        .app
        .add_facebook_page("not-a-number".into(), token.clone(), false, false)
        .await
        .expect_err("shape");
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = rig
        .app
        .add_facebook_page(
            page.clone(),
            "EAAwrongwrongwrongwrongwrong".into(),
            false,
            false,
        )
        .await
        .expect_err("refused");
    assert_eq!(err.code, ErrorCode::AuthFailed);
    let err = rig
        .app
        .add_facebook_page(WEAK_PAGE.into(), WEAK_TOKEN.into(), false, false)
        .await
        .expect_err("permission");
    assert_eq!(err.code, ErrorCode::AuthFailed);
    assert!(
        err.message.contains("pages_manage_metadata"),
        "names the permission: {}",
        err.message
    );
    assert!(rig.app.list_accounts().await.expect("accounts").is_empty());

    add_page(&rig, true, false).await;
    let accounts = rig.app.list_accounts().await.expect("accounts");
    let channels: Vec<ChannelKind> = accounts.iter().map(|a| a.channel).collect();
    assert!(channels.contains(&ChannelKind::Messenger));
    assert!(channels.contains(&ChannelKind::Instagram));
    let ig = rig.fake.instagram().expect("linked").id.clone();
    assert_eq!(
        rig.secrets.get(&format!("messenger:{page}")).expect("get"),
        Some(token.clone())
    );
    assert_eq!(
        rig.secrets.get(&format!("instagram:{ig}")).expect("get"),
        Some(token.clone())
    );
    let err = rig
        .app
        .add_facebook_page(page.clone(), token, false, false)
        .await
        .expect_err("duplicate");
    assert_eq!(err.code, ErrorCode::Duplicate);

    let messenger = accounts
        .iter()
        .find(|a| a.channel == ChannelKind::Messenger)
        .expect("messenger");
    rig.app
        .remove_account(messenger.id, false)
        .await
        .expect("removed");
    assert_eq!(
        rig.secrets.get(&format!("messenger:{page}")).expect("get"),
        None
    );
    // The Instagram account keeps its own copy of the Page token.
    assert!(
        rig.secrets
            .get(&format!("instagram:{ig}"))
            .expect("get")
            .is_some()
    );
}

#[tokio::test]
async fn a_message_arrives_the_window_is_open_and_a_reply_reaches_meta() {
    let rig = rig().await;
    add_page(&rig, false, false).await;
    let person = rig.fake.customer(Platform::Messenger, "Ada Byron", None);
    let started = Instant::now();
    rig.fake
        .inject_text(&person, "Hello, is my order on its way?");
    let thread = thread_of(&rig.app, "Ada Byron").await;
    eprintln!(
        "message visible through the facade after {:?}",
        started.elapsed()
    );
    assert_eq!(thread.channel, ChannelKind::Messenger);
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert_eq!(detail.messages.messages.len(), 1);
    assert!(detail.history_note.is_none());
    let ComposerWindow::Open { closes_at } = detail.reply_window else {
        panic!("open window expected: {:?}", detail.reply_window);
    };
    let left = closes_at - detail.messages.messages[0].sent_at;
    assert_eq!(left, 24 * 3_600_000);

    rig.app
        .send_reply(thread.id, "Yes, it ships today.".into())
        .await
        .expect("queued");
    eventually(
        "the fake received the reply",
        Duration::from_secs(15),
        || async {
            rig.fake
                .sent_messages()
                .iter()
                .any(|s| s.text == "Yes, it ships today." && s.tag.is_none())
        },
    )
    .await;
    // The sent reply comes back in the next poll as the same message, not a duplicate.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    let replies: Vec<_> = detail
        .messages
        .messages
        .iter()
        .filter(|m| m.text == "Yes, it ships today.")
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].delivery, DeliveryState::Sent);
}

#[tokio::test]
async fn past_24_hours_an_approved_page_replies_with_the_human_agent_tag_and_after_7_days_holds() {
    let rig = rig().await;
    rig.fake.approve_human_agent(true);
    add_page(&rig, false, true).await;
    messenger_customer_wrote(&rig, "Late Larry", "Any news?", 30 * 3600);
    messenger_customer_wrote(&rig, "Gone Gina", "Thanks", 9 * 24 * 3600);
    let larry = thread_of(&rig.app, "Late Larry").await;
    let gina = thread_of(&rig.app, "Gone Gina").await;

    let detail = rig.app.open_thread(larry.id).await.expect("open");
    assert!(matches!(
        detail.reply_window,
        ComposerWindow::HumanAgentOnly { .. }
    ));
    rig.app
        .send_reply(larry.id, "Sorry for the wait!".into())
        .await
        .expect("queued");
    eventually("a tagged reply", Duration::from_secs(15), || async {
        rig.fake.sent_messages().iter().any(|s| {
            s.text == "Sorry for the wait!"
                && s.tag.as_deref() == Some("HUMAN_AGENT")
                && s.messaging_type == "MESSAGE_TAG"
        })
    })
    .await;

    let detail = rig.app.open_thread(gina.id).await.expect("open");
    assert!(matches!(
        detail.reply_window,
        ComposerWindow::Closed { closed_at: Some(_) }
    ));
    let echo = rig
        .app
        .send_reply(gina.id, "Hello again".into())
        .await
        .expect("queued");
    eventually("the reply is held", Duration::from_secs(15), || async {
        let detail = rig.app.open_thread(gina.id).await.expect("open");
        detail.messages.messages.iter().any(|m| {
            m.id == echo.id
                && m.delivery == DeliveryState::Held
                && m.hold_reason == Some(HoldReason::WindowClosed)
        })
    })
    .await;
    assert!(
        !rig.fake
            .sent_messages()
            .iter()
            .any(|s| s.text == "Hello again")
    );
}

#[tokio::test]
async fn without_approval_past_24_hours_the_composer_says_so() {
    let rig = rig().await;
    add_page(&rig, false, false).await;
    messenger_customer_wrote(&rig, "Late Lou", "Hello?", 30 * 3600);
    let thread = thread_of(&rig.app, "Late Lou").await;
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert!(matches!(
        detail.reply_window,
        ComposerWindow::HumanAgentNotApproved { .. }
    ));
    // The whole dialogue shows the same window for the channel (issue 14).
    let timeline = rig
        .app
        .contact_timeline(thread.contact_id, None, 20)
        .await
        .expect("timeline");
    assert_eq!(timeline.default_thread, Some(thread.id));
    assert_eq!(timeline.channels.len(), 1);
    assert_eq!(timeline.channels[0].reply_window, detail.reply_window);
    assert_eq!(timeline.channels[0].channel, ChannelKind::Messenger);
}

#[tokio::test]
async fn a_bot_owned_thread_is_marked_refuses_replies_plainly_and_can_be_taken_and_passed_back() {
    let rig = rig().await;
    add_page(&rig, false, false).await;
    let person = rig.fake.customer(Platform::Messenger, "Bot Betty", None);
    let injected = rig.fake.inject_text(&person, "I want a human");
    rig.fake
        .set_thread_owner(&injected.conversation_id, Some(BOT_APP_ID))
        .expect("owner");
    let thread = thread_of(&rig.app, "Bot Betty").await;
    let control = rig.app.thread_control(thread.id).await.expect("control");
    assert_eq!(
        control.owner,
        ThreadOwner::OtherApp {
            app_id: BOT_APP_ID.to_owned()
        }
    );
    assert_eq!(control.bot_app_id.as_deref(), Some(BOT_APP_ID));

    let echo = rig
        .app
        .send_reply(thread.id, "Hi, I'm here".into())
        .await
        .expect("queued");
    eventually(
        "the refused send fails plainly",
        Duration::from_secs(15),
        || async {
            let detail = rig.app.open_thread(thread.id).await.expect("open");
            detail.messages.messages.iter().any(|m| {
                m.id == echo.id
                    && m.delivery == DeliveryState::Failed
                    && m.delivery_note
                        .as_deref()
                        .is_some_and(|n| n.contains("controls this conversation"))
            })
        },
    )
    .await;

    let control = rig
        .app
        .handover(thread.id, HandoverAction::Take)
        .await
        .expect("take");
    assert_eq!(control.owner, ThreadOwner::Parley);
    rig.app.send_anyway(echo.id).await.expect("send anyway");
    eventually(
        "the reply goes out after taking control",
        Duration::from_secs(15),
        || async {
            rig.fake
                .sent_messages()
                .iter()
                .any(|s| s.text == "Hi, I'm here")
        },
    )
    .await;

    let control = rig
        .app
        .handover(thread.id, HandoverAction::PassBack)
        .await
        .expect("pass back");
    assert_eq!(
        control.owner,
        ThreadOwner::OtherApp {
            app_id: BOT_APP_ID.to_owned()
        }
    );
    assert_eq!(
        rig.fake.thread_owner(&injected.conversation_id).as_deref(),
        Some(BOT_APP_ID)
    );
    let control = rig.app.handover(thread.id, HandoverAction::Release).await;
    // Releasing a thread the bot owns is refused by Meta (only the owner releases): said plainly.
    if let Err(e) = control {
        assert!(!e.message.is_empty());
    }
}

async fn owner_of(app: &Parley, thread: parley_domain::ThreadId) -> Option<ThreadOwner> {
    app.list_threads(None, 100)
        .await
        .expect("threads")
        .threads
        .into_iter()
        .find(|t| t.id == thread)
        .and_then(|t| t.owner)
}

#[tokio::test]
async fn the_thread_list_shows_who_controls_a_thread_from_polls_opening_and_handover() {
    let rig = rig().await;
    add_page(&rig, false, false).await;
    let person = rig.fake.customer(Platform::Messenger, "Row Rita", None);
    let injected = rig.fake.inject_text(&person, "Is anyone there?");
    let thread = thread_of(&rig.app, "Row Rita").await;
    assert_eq!(owner_of(&rig.app, thread.id).await, None);

    // A bot takes the thread at Meta: the next poll marks the row, with no message needed.
    rig.fake
        .set_thread_owner(&injected.conversation_id, Some(BOT_APP_ID))
        .expect("owner");
    eventually(
        "the poll marks the row",
        Duration::from_secs(15),
        || async { owner_of(&rig.app, thread.id).await == Some(ThreadOwner::Elsewhere) },
    )
    .await;

    // Opening the thread asks thread_owner, which names the bot; the row agrees, and says so.
    let mut events = rig.app.subscribe();
    let control = rig.app.thread_control(thread.id).await.expect("control");
    let bot = ThreadOwner::OtherApp {
        app_id: BOT_APP_ID.to_owned(),
    };
    assert_eq!(control.owner, bot);
    assert_eq!(owner_of(&rig.app, thread.id).await, Some(bot.clone()));
    let mut announced = false;
    while let Ok(event) = events.try_recv() {
        if let parley_domain::CoreEvent::ThreadsChanged { thread_ids } = event {
            announced |= thread_ids.contains(&thread.id);
        }
    }
    assert!(announced, "the row is told to reload");

    // Take: the row shows Parley at once (not after a poll), and a later poll keeps it.
    let control = rig
        .app
        .handover(thread.id, HandoverAction::Take)
        .await
        .expect("take");
    assert_eq!(control.owner, ThreadOwner::Parley);
    assert_eq!(
        owner_of(&rig.app, thread.id).await,
        Some(ThreadOwner::Parley)
    );

    // Pass back: the bot again, named.
    let control = rig
        .app
        .handover(thread.id, HandoverAction::PassBack)
        .await
        .expect("pass back");
    assert_eq!(control.owner, bot);
    assert_eq!(owner_of(&rig.app, thread.id).await, Some(bot.clone()));
    // The poll's vaguer "another app" does not overwrite the bot's name: a poll that certainly
    // ran (it brought the customer's next message) leaves it.
    rig.fake.inject_text(&person, "Still there?");
    eventually("the next poll", Duration::from_secs(15), || async {
        rig.app
            .open_thread(thread.id)
            .await
            .expect("open")
            .messages
            .messages
            .iter()
            .any(|m| m.text == "Still there?")
    })
    .await;
    assert_eq!(owner_of(&rig.app, thread.id).await, Some(bot));

    // The bot lets go at Meta: a poll clears the mark.
    rig.fake
        .set_thread_owner(&injected.conversation_id, None)
        .expect("idle");
    eventually(
        "the poll clears the mark",
        Duration::from_secs(15),
        || async { owner_of(&rig.app, thread.id).await == Some(ThreadOwner::Parley) },
    )
    .await;
}

#[tokio::test]
async fn human_agent_approval_can_change_after_the_page_was_added() {
    let rig = rig().await;
    add_page(&rig, true, false).await;
    messenger_customer_wrote(&rig, "Late Lars", "Hello? Anyone?", 30 * 3600);
    let thread = thread_of(&rig.app, "Late Lars").await;
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert!(matches!(
        detail.reply_window,
        ComposerWindow::HumanAgentNotApproved { .. }
    ));
    let accounts = rig.app.list_accounts().await.expect("accounts");
    let messenger = accounts
        .iter()
        .find(|a| a.channel == ChannelKind::Messenger)
        .expect("messenger");
    assert_eq!(messenger.human_agent_approved, Some(false));

    let mut events = rig.app.subscribe();
    rig.fake.approve_human_agent(true);
    let changed = rig
        .app
        .set_human_agent_approved(messenger.id, true)
        .await
        .expect("saved");
    // Both accounts of the Page (Messenger and Instagram) follow the one approval.
    assert_eq!(changed.len(), 2);
    assert!(changed.iter().all(|a| a.human_agent_approved == Some(true)));
    // The open thread is told to reload, and now offers the HUMAN_AGENT reply.
    let mut reload = false;
    while let Ok(event) = events.try_recv() {
        if let parley_domain::CoreEvent::MessagesChanged { thread_id } = event {
            reload |= thread_id == thread.id;
        }
    }
    assert!(reload, "the open thread recomputes its window");
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert!(matches!(
        detail.reply_window,
        ComposerWindow::HumanAgentOnly { .. }
    ));

    // The running adapter uses it without a restart: the reply goes out tagged HUMAN_AGENT.
    rig.app
        .send_reply(thread.id, "Sorry for the wait!".into())
        .await
        .expect("queued");
    eventually(
        "the tagged reply reaches Meta",
        Duration::from_secs(15),
        || async {
            rig.fake
                .sent_messages()
                .iter()
                .any(|s| s.text == "Sorry for the wait!" && s.tag.as_deref() == Some("HUMAN_AGENT"))
        },
    )
    .await;

    // Kept across a reload of the accounts, and refused plainly for a channel without it.
    let accounts = rig.app.list_accounts().await.expect("accounts");
    assert!(
        accounts
            .iter()
            .all(|a| a.human_agent_approved == Some(true))
    );
    let err = rig
        .app
        .set_human_agent_approved(parley_domain::AccountId(9999), true)
        .await
        .expect_err("unknown");
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn instagram_threads_say_that_older_history_is_not_shared() {
    let rig = rig().await;
    add_page(&rig, true, false).await;
    let person = rig
        .fake
        .customer(Platform::Instagram, "Insta Ivy", Some("insta.ivy"));
    let start = unix_now() - 3600;
    for i in 0..25 {
        rig.fake.inject_message(
            &person,
            Some(&format!("message {i}")),
            Vec::new(),
            Some(start + i),
        );
    }
    // Instagram gives the username, not a name.
    let thread = thread_of(&rig.app, "insta.ivy").await;
    assert_eq!(thread.channel, ChannelKind::Instagram);
    let detail = rig.app.open_thread(thread.id).await.expect("open");
    assert!(
        detail
            .history_note
            .as_deref()
            .is_some_and(|n| n.contains("newest 20 messages")),
        "{:?}",
        detail.history_note
    );
    assert_eq!(detail.messages.messages.len(), 20);
}
