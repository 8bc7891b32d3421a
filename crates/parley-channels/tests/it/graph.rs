//! The Graph adapter (Messenger and Instagram) against the fake Graph API on 127.0.0.1.

use parley_channels::graph::{
    GraphChannel, GraphConfig, GraphPlatform, MessageTag, PAGE_INBOX_APP_ID,
    partial_history_threads,
};
use parley_channels::{Channel, ChannelError, OutgoingMessage};
use parley_domain::{AttachmentKind, Direction, IncomingMessage};
use parley_sim::graph::{
    BOT_APP_ID, FakeGraph, FakeGraphConfig, Fault, InboundAttachment, Person, Platform,
};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::common::now;

const HOUR: i64 = 3600;

async fn fake() -> FakeGraph {
    FakeGraph::start(FakeGraphConfig::default())
        .await
        .expect("fake starts")
}

fn config(fake: &FakeGraph, platform: GraphPlatform) -> GraphConfig {
    let mut cfg = GraphConfig::new(fake.page_id(), fake.page_token(), platform)
        .with_api_base(&fake.base_url());
    cfg.call_timeout = Duration::from_secs(3);
    cfg
}

fn channel(fake: &FakeGraph, platform: GraphPlatform) -> GraphChannel {
    GraphChannel::new(config(fake, platform)).expect("client")
}

/// A channel with a generous budget, for tests about behaviour rather than pace.
fn quick_channel(fake: &FakeGraph, platform: GraphPlatform) -> GraphChannel {
    let mut cfg = config(fake, platform);
    cfg.budget_calls = 100;
    GraphChannel::new(cfg).expect("client")
}

fn reply(conv: &str, person: &Person, text: &str) -> OutgoingMessage {
    OutgoingMessage {
        send_options: Default::default(),
        remote_thread_id: conv.to_owned(),
        customer_remote_id: person.id.clone(),
        text: text.to_owned(),
        reply_to_remote_id: None,
        customer_last_wrote_at: None,
        client_message_id: None,
        attachments: vec![],
    }
}

/// Fetches until the adapter says nothing more is waiting; returns messages and the cursor.
async fn sync(
    ch: &GraphChannel,
    mut cursor: Option<String>,
) -> (Vec<IncomingMessage>, Option<String>) {
    let mut all = Vec::new();
    loop {
        let f = ch
            .fetch(cursor.as_deref(), Duration::ZERO)
            .await
            .expect("fetch");
        all.extend(f.batch.messages);
        if f.cursor.is_some() {
            cursor = f.cursor;
        }
        if !f.more {
            return (all, cursor);
        }
    }
}

#[tokio::test]
async fn validates_page_and_instagram_and_names_missing_permissions() {
    let fake = fake().await;
    let me = channel(&fake, GraphPlatform::Messenger)
        .validate()
        .await
        .expect("valid");
    assert_eq!(me.external_id, fake.page_id());
    assert_eq!(me.name, "Parley Test Shop");
    let ig = channel(&fake, GraphPlatform::Instagram)
        .validate()
        .await
        .expect("valid");
    assert_eq!(ig.handle.as_deref(), Some("parley.test.shop"));
    assert_eq!(
        channel(&fake, GraphPlatform::Messenger)
            .linked_instagram()
            .await
            .expect("page"),
        Some((
            "17841400008460056".to_owned(),
            "parley.test.shop".to_owned()
        ))
    );

    let mut cfg = FakeGraphConfig::default();
    cfg.pages[0]
        .scopes
        .retain(|s| s != "pages_manage_metadata" && s != "instagram_manage_messages");
    let limited = FakeGraph::start(cfg).await.expect("fake");
    let err = channel(&limited, GraphPlatform::Instagram)
        .validate()
        .await
        .expect_err("missing");
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("pages_manage_metadata") && text.contains("instagram_manage_messages"),
        "{text}"
    );

    let wrong = GraphChannel::new(
        GraphConfig::new(fake.page_id(), "EAAwrongtoken", GraphPlatform::Messenger)
            .with_api_base(&fake.base_url()),
    )
    .expect("client");
    let err = wrong.validate().await.expect_err("refused");
    assert!(matches!(err, ChannelError::Unauthorized(_)), "{err:?}");
    assert!(err.to_string().contains("new Page access token"), "{err}");
    assert!(!err.to_string().contains("EAAwrongtoken"));
}

#[tokio::test]
async fn first_sync_of_500_conversations_pages_through_everything() {
    let fake = fake().await;
    let t0 = now() - 48 * HOUR;
    let mut expected = HashSet::new();
    for i in 0..500 {
        let p = fake.customer(Platform::Messenger, &format!("Customer {i}"), None);
        let m = fake.inject_message(&p, Some(&format!("hello {i}")), vec![], Some(t0 + i * 60));
        expected.insert(m.message_id);
    }
    // One long conversation whose history needs the messages edge's `next` links.
    let long = fake.customer(Platform::Messenger, "Long Talker", None);
    for i in 0..45 {
        let m = fake.inject_message(
            &long,
            Some(&format!("line {i}")),
            vec![],
            Some(t0 - 3600 + i),
        );
        expected.insert(m.message_id);
    }
    let ch = channel(&fake, GraphPlatform::Messenger);
    let started = Instant::now();
    let (messages, cursor) = sync(&ch, None).await;
    let got: HashSet<String> = messages.iter().map(|m| m.remote_id.clone()).collect();
    assert_eq!(got.len(), messages.len(), "no duplicates");
    assert_eq!(got, expected);
    assert!(cursor.is_some());
    assert!(messages.iter().all(|m| m.direction == Direction::Inbound));
    let anna = messages
        .iter()
        .find(|m| m.text == "hello 7")
        .expect("present");
    assert_eq!(anna.customer.display_name, "Customer 7");
    assert!(anna.remote_thread_id.starts_with("t_"));
    let pages = fake
        .request_log()
        .iter()
        .filter(|r| r.op == "conversations")
        .count();
    assert_eq!(pages, 6, "500 + 1 conversations at 100 per page");
    eprintln!("first sync took {:?}", started.elapsed());

    // Nothing new: the next poll brings nothing and does not move the cursor.
    let again = ch
        .fetch(cursor.as_deref(), Duration::ZERO)
        .await
        .expect("fetch");
    assert!(again.batch.is_empty());
    assert!(again.cursor.is_none());
}

#[tokio::test]
async fn incremental_polls_find_new_messages_including_one_written_mid_walk() {
    let fake = fake().await;
    let t0 = now() - 10 * HOUR;
    let mut people = Vec::new();
    for i in 0..230 {
        let p = fake.customer(Platform::Messenger, &format!("P{i}"), None);
        fake.inject_message(&p, Some("old"), vec![], Some(t0 + i));
        people.push(p);
    }
    let ch = channel(&fake, GraphPlatform::Messenger);
    let (first, cursor) = sync(&ch, None).await;
    assert_eq!(first.len(), 230);

    // New messages in an old and a new conversation; a second walk starts, and while it pages
    // (25 per page on later polls) the oldest conversation gets a message and jumps to the top.
    fake.inject_text(&people[100], "new in an old conversation");
    let newcomer = fake.customer(Platform::Messenger, "Newcomer", None);
    fake.inject_text(&newcomer, "first words");
    for p in people.iter().take(60) {
        fake.inject_text(p, "bump");
    }
    let before = fake.request_log().len();
    let walking = async {
        let mut cursor = cursor.clone();
        let mut found = Vec::new();
        loop {
            let f = ch
                .fetch(cursor.as_deref(), Duration::ZERO)
                .await
                .expect("fetch");
            found.extend(f.batch.messages);
            cursor = f.cursor.or(cursor);
            if !f.more {
                return (found, cursor);
            }
        }
    };
    let injector = async {
        while fake.request_log()[before..]
            .iter()
            .filter(|r| r.op == "conversations")
            .count()
            < 2
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        fake.inject_text(&people[0], "written while paging")
    };
    let ((found, cursor), late) = tokio::join!(walking, injector);
    let texts: Vec<&str> = found.iter().map(|m| m.text.as_str()).collect();
    assert!(texts.contains(&"new in an old conversation"));
    assert!(texts.contains(&"first words"));

    // A conversation that jumps to the top behind the walker (people[0]) is read in the next
    // walk, back to its last known message: its bump and the late message come then.
    let (next, _) = sync(&ch, cursor).await;
    let all: Vec<&IncomingMessage> = found.iter().chain(next.iter()).collect();
    let ids: HashSet<&str> = all.iter().map(|m| m.remote_id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "nothing twice");
    assert_eq!(all.iter().filter(|m| m.text == "bump").count(), 60);
    assert!(
        ids.contains(late.message_id.as_str()),
        "the message written mid-walk is never lost"
    );
}

#[tokio::test]
async fn echoes_and_own_sends_appear_once_as_outbound() {
    let fake = fake().await;
    let p = fake.customer(Platform::Messenger, "Anna Müller", None);
    let m = fake.inject_text(&p, "Where is my parcel?");
    let ch = quick_channel(&fake, GraphPlatform::Messenger);
    let (first, cursor) = sync(&ch, None).await;
    assert_eq!(first.len(), 1);

    let receipt = ch
        .send(&reply(&m.conversation_id, &p, "It left today."))
        .await
        .expect("sent");
    assert!(receipt.remote_id.starts_with("m_"));
    let echo = fake
        .inject_page_echo(&m.conversation_id, "Sent from Business Suite", None)
        .expect("echo");
    let (next, cursor) = sync(&ch, cursor).await;
    assert_eq!(next.len(), 2, "{next:?}");
    assert!(next.iter().all(|m| m.direction == Direction::Outbound));
    assert!(next.iter().any(|m| m.remote_id == receipt.remote_id));
    assert!(next.iter().any(|m| m.remote_id == echo.message_id));
    assert!(next.iter().all(|m| m.customer.remote_id == p.id));
    let (again, _) = sync(&ch, cursor).await;
    assert!(again.is_empty(), "nothing twice: {again:?}");
}

#[tokio::test]
async fn instagram_history_beyond_20_is_marked_partial_not_an_error() {
    let fake = fake().await;
    let t0 = now() - 5 * HOUR;
    let chatty = fake.customer(Platform::Instagram, "Chatty", Some("chatty.cat"));
    let mut conv = String::new();
    for i in 0..30 {
        conv = fake
            .inject_message(&chatty, Some(&format!("msg {i}")), vec![], Some(t0 + i))
            .conversation_id;
    }
    let brief = fake.customer(Platform::Instagram, "Brief", Some("brief.one"));
    let short = fake.inject_message(&brief, Some("hi"), vec![InboundAttachment::photo()], None);
    let messenger = fake.customer(Platform::Messenger, "Not on IG", None);
    fake.inject_text(&messenger, "messenger only");

    let ch = quick_channel(&fake, GraphPlatform::Instagram);
    let (messages, cursor) = sync(&ch, None).await;
    assert_eq!(
        messages.len(),
        21,
        "20 newest of one, 1 of the other, no Messenger"
    );
    assert!(messages.iter().any(|m| m.text == "msg 29"));
    assert!(!messages.iter().any(|m| m.text == "msg 9"));
    let chatty_msg = messages
        .iter()
        .find(|m| m.text == "msg 29")
        .expect("newest");
    assert_eq!(chatty_msg.customer.handle.as_deref(), Some("chatty.cat"));
    let partial = partial_history_threads(&cursor.expect("cursor"));
    assert_eq!(partial, vec![conv]);
    assert!(!partial.contains(&short.conversation_id));

    // The photo downloads through a fresh lookup of its message.
    let photo = messages
        .iter()
        .find(|m| m.text == "hi")
        .expect("photo message");
    assert_eq!(photo.attachments[0].kind, AttachmentKind::Photo);
    let r = photo.attachments[0].remote_ref.clone().expect("ref");
    let file = ch.download(&r).await.expect("download");
    assert_eq!(file.bytes, InboundAttachment::photo().bytes);
    assert_eq!(file.file_name.as_deref(), Some("damaged_parcel.jpg"));
}

#[tokio::test]
async fn every_window_case_gives_the_right_outcome() {
    let fake = fake().await;
    let ch = quick_channel(&fake, GraphPlatform::Messenger);
    let mut conv = HashMap::new();
    for (name, ago) in [
        ("fresh", 2 * HOUR),
        ("day_old", 30 * HOUR),
        ("week_old", 8 * 24 * HOUR),
    ] {
        let p = fake.customer(Platform::Messenger, name, None);
        let m = fake.inject_message(&p, Some("hi"), vec![], Some(now() - ago));
        conv.insert(name, (p, m.conversation_id));
    }
    let (p, c) = &conv["fresh"];
    ch.send(&reply(c, p, "inside 24 h"))
        .await
        .expect("inside the window");

    let (p, c) = &conv["day_old"];
    let err = ch
        .send(&reply(c, p, "too late"))
        .await
        .expect_err("window closed");
    assert!(
        matches!(
            err,
            ChannelError::Rejected {
                code: 2_018_278,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("24-hour window closed"));
    let err = ch
        .send_with_tag(&reply(c, p, "human"), MessageTag::HumanAgent)
        .await
        .expect_err("not approved");
    assert!(err.to_string().contains("not approved"), "{err}");
    fake.approve_human_agent(true);
    ch.send_with_tag(&reply(c, p, "a person answers"), MessageTag::HumanAgent)
        .await
        .expect("HUMAN_AGENT within 7 days");
    assert_eq!(
        fake.sent_messages()
            .last()
            .and_then(|s| s.tag.clone())
            .as_deref(),
        Some("HUMAN_AGENT")
    );

    let (p, c) = &conv["week_old"];
    let err = ch
        .send_with_tag(&reply(c, p, "way too late"), MessageTag::HumanAgent)
        .await
        .expect_err("beyond 7 days");
    assert!(
        matches!(
            err,
            ChannelError::Rejected {
                code: 2_018_278,
                ..
            }
        ),
        "{err:?}"
    );

    let ig = fake.customer(Platform::Instagram, "Insta", Some("insta"));
    let m = fake.inject_message(&ig, Some("hey"), vec![], Some(now() - 30 * HOUR));
    let err = quick_channel(&fake, GraphPlatform::Instagram)
        .send(&reply(&m.conversation_id, &ig, "late"))
        .await
        .expect_err("instagram window");
    assert!(
        matches!(
            err,
            ChannelError::Rejected {
                code: 2_534_022,
                ..
            }
        ),
        "{err:?}"
    );

    let long = "x".repeat(2000);
    let (p, c) = &conv["fresh"];
    let err = ch.send(&reply(c, p, &long)).await.expect_err("too long");
    assert!(matches!(err, ChannelError::Rejected { code: 100, .. }));

    assert!(matches!(
        ch.reply_window(),
        parley_domain::ReplyWindow::SinceLastInbound {
            millis: 86_400_000,
            alternative: None
        }
    ));
    ch.set_human_agent_approved(true);
    // Approved: the outbox's window is the 7 days; `send` adds the tag past 24 h.
    assert!(matches!(
        ch.reply_window(),
        parley_domain::ReplyWindow::SinceLastInbound {
            millis: 604_800_000,
            alternative: None
        }
    ));
}

#[tokio::test]
async fn handover_round_trip() {
    let fake = fake().await;
    let p = fake.customer(Platform::Messenger, "Bot User", None);
    let m = fake.inject_text(&p, "I want a human");
    fake.set_thread_owner(&m.conversation_id, Some(BOT_APP_ID))
        .expect("owner");
    let ch = quick_channel(&fake, GraphPlatform::Messenger);

    let err = ch
        .send(&reply(&m.conversation_id, &p, "hello"))
        .await
        .expect_err("bot owns it");
    assert!(
        matches!(
            err,
            ChannelError::Rejected {
                code: 2_018_300,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("take control first"));
    assert_eq!(
        ch.thread_owner(&p.id).await.expect("owner").as_deref(),
        Some(BOT_APP_ID)
    );

    ch.request_thread_control(&p.id, Some("agent wants it"))
        .await
        .expect("request");
    assert_eq!(
        fake.control_requested_by(&m.conversation_id).as_deref(),
        Some(fake.app_id())
    );
    ch.take_thread_control(&p.id, None).await.expect("take");
    assert_eq!(
        ch.thread_owner(&p.id).await.expect("owner").as_deref(),
        Some(fake.app_id())
    );
    ch.send(&reply(&m.conversation_id, &p, "A person here."))
        .await
        .expect("sent");

    ch.pass_thread_control(&p.id, PAGE_INBOX_APP_ID, Some("to the inbox"))
        .await
        .expect("pass");
    assert_eq!(
        fake.thread_owner(&m.conversation_id).as_deref(),
        Some(PAGE_INBOX_APP_ID)
    );
    ch.take_thread_control(&p.id, None)
        .await
        .expect("take back");
    ch.pass_thread_control(&p.id, BOT_APP_ID, None)
        .await
        .expect("back to the bot");
    assert_eq!(
        fake.thread_owner(&m.conversation_id).as_deref(),
        Some(BOT_APP_ID)
    );
    ch.take_thread_control(&p.id, None).await.expect("take");
    ch.release_thread_control(&p.id, None)
        .await
        .expect("release");
    assert_eq!(ch.thread_owner(&p.id).await.expect("owner"), None);
}

#[tokio::test]
async fn polls_read_who_controls_each_conversation_without_extra_calls() {
    use parley_domain::{ThreadControlFact, ThreadMeta};
    let fake = fake().await;
    let a = fake.customer(Platform::Messenger, "Ada", None);
    let b = fake.customer(Platform::Messenger, "Bo", None);
    let ma = fake.inject_text(&a, "hello");
    let mb = fake.inject_text(&b, "hi");
    fake.set_thread_owner(&ma.conversation_id, Some(BOT_APP_ID))
        .expect("owner");
    let ch = quick_channel(&fake, GraphPlatform::Messenger);
    let fetch = |cursor: Option<String>| {
        let ch = &ch;
        async move {
            ch.fetch(cursor.as_deref(), Duration::ZERO)
                .await
                .expect("fetch")
        }
    };
    let calls = |fake: &FakeGraph| {
        fake.request_log()
            .iter()
            .filter(|r| r.op != "page" && r.op != "debug_token")
            .count()
    };

    // The first sync: the messages, and "another app" for the bot's conversation only.
    let first = fetch(None).await;
    assert_eq!(first.batch.messages.len(), 2);
    assert_eq!(
        first.batch.threads,
        vec![ThreadMeta {
            remote_thread_id: ma.conversation_id.clone(),
            control: ThreadControlFact::AnotherApp,
        }]
    );
    let cursor = first.cursor.clone();

    // Nothing changed: nothing to store, and one call (the conversation list) as before.
    let before = calls(&fake);
    let quiet = fetch(cursor.clone()).await;
    assert!(quiet.batch.is_empty(), "{:?}", quiet.batch);
    assert_eq!(calls(&fake) - before, 1, "a quiet poll is one call");

    // The bot hands the first conversation back and takes the second: one poll, one call, both
    // changes, though neither conversation has a new message (past the mark, still listed).
    fake.set_thread_owner(&ma.conversation_id, None)
        .expect("idle");
    fake.set_thread_owner(&mb.conversation_id, Some(BOT_APP_ID))
        .expect("bot");
    let before = calls(&fake);
    let changed = fetch(cursor).await;
    assert_eq!(calls(&fake) - before, 1, "ownership costs no extra call");
    assert!(changed.batch.messages.is_empty());
    let mut facts = changed.batch.threads.clone();
    facts.sort_by(|x, y| x.remote_thread_id.cmp(&y.remote_thread_id));
    let mut want = vec![
        ThreadMeta {
            remote_thread_id: ma.conversation_id.clone(),
            control: ThreadControlFact::ThisApp,
        },
        ThreadMeta {
            remote_thread_id: mb.conversation_id.clone(),
            control: ThreadControlFact::AnotherApp,
        },
    ];
    want.sort_by(|x, y| x.remote_thread_id.cmp(&y.remote_thread_id));
    assert_eq!(facts, want);
    // The list asked for the field, as Meta's Conversation Routing documents it.
    assert!(
        changed.cursor.is_some(),
        "the cursor remembers what it reported"
    );
}

#[tokio::test]
async fn every_injected_fault_is_mapped() {
    let fake = fake().await;
    let p = fake.customer(Platform::Messenger, "Faulty", None);
    let m = fake.inject_text(&p, "hi");
    let mut cfg = config(&fake, GraphPlatform::Messenger);
    cfg.budget_calls = 100;
    // Slowed pacing (after high usage) is one call per two windows: keep the window short here.
    cfg.budget_window = Duration::from_millis(100);
    cfg.call_timeout = Duration::from_millis(500);
    let ch = GraphChannel::new(cfg).expect("client");
    ch.validate().await.expect("valid");
    let fetch = || ch.fetch(None, Duration::ZERO);
    let out = reply(&m.conversation_id, &p, "hello");
    let send = || ch.send(&out);

    for code in [4, 17, 32, 613] {
        fake.inject_fault(
            "conversations",
            Fault::RateLimited {
                code,
                estimated_minutes: Some(2),
            },
            1,
        );
        let err = fetch().await.expect_err("rate limited");
        assert_eq!(
            err.retry_after(),
            Some(Duration::from_secs(120)),
            "{code}: {err:?}"
        );
    }
    fake.inject_fault(
        "conversations",
        Fault::RateLimited {
            code: 4,
            estimated_minutes: None,
        },
        1,
    );
    assert!(matches!(
        fetch().await,
        Err(ChannelError::RateLimited { .. })
    ));
    // The rate-limit answers reported 100 % usage, so the adapter paces itself at half speed
    // until usage is reported low again.
    assert!(ch.budget().is_slowed());
    fake.set_usage(Some(5));
    fetch().await.expect("fetch");
    assert!(!ch.budget().is_slowed());
    fake.set_usage(None);

    for status in [500, 502, 503] {
        fake.inject_fault("conversations", Fault::ServerError { status }, 1);
        assert!(
            matches!(fetch().await, Err(ChannelError::Transient(_))),
            "{status}"
        );
    }
    fake.inject_fault("send", Fault::TemporaryFailure, 1);
    assert!(matches!(send().await, Err(ChannelError::Transient(_))));

    fake.inject_fault("conversations", Fault::MalformedJson, 1);
    assert!(matches!(fetch().await, Err(ChannelError::Malformed(_))));
    fake.inject_fault("send", Fault::MalformedJson, 1);
    assert!(matches!(send().await, Err(ChannelError::Uncertain(_))));

    let sent_before = fake.sent_messages().len();
    fake.inject_fault("send", Fault::AcceptThenDrop, 1);
    let err = send().await.expect_err("answer lost");
    assert!(matches!(err, ChannelError::Uncertain(_)), "{err:?}");
    assert_eq!(
        fake.sent_messages().len(),
        sent_before + 1,
        "the fake did send it"
    );

    fake.inject_fault("conversations", Fault::Hang { secs: 2.0 }, 1);
    assert!(matches!(fetch().await, Err(ChannelError::Transient(_))));
    fake.inject_fault("send", Fault::Hang { secs: 2.0 }, 1);
    assert!(matches!(send().await, Err(ChannelError::Uncertain(_))));

    fake.inject_fault("conversations", Fault::ExpiredToken, 1);
    let err = fetch().await.expect_err("expired");
    assert!(matches!(err, ChannelError::Unauthorized(_)));
    assert!(err.to_string().contains("new Page access token"));
    fake.expire_token(true);
    assert!(matches!(send().await, Err(ChannelError::Unauthorized(_))));
    fake.expire_token(false);

    fake.set_unavailable(&m.conversation_id, true)
        .expect("conv");
    let err = send().await.expect_err("unavailable");
    assert!(
        matches!(
            err,
            ChannelError::Rejected {
                code: 1_545_041,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    fake.set_unavailable(&m.conversation_id, false)
        .expect("conv");

    // High usage in the headers slows the adapter down.
    fake.set_usage(Some(92));
    fetch().await.expect("fetch");
    assert!(ch.budget().is_slowed());
    fake.set_usage(Some(10));
    fetch().await.expect("fetch");
    assert!(!ch.budget().is_slowed());

    // Connection refused: transient for reads and sends (nothing reached Meta).
    fake.shutdown();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(fetch().await, Err(ChannelError::Transient(_))));
}

#[tokio::test]
async fn polling_never_exceeds_two_calls_per_second_per_page() {
    let fake = fake().await;
    let people: Vec<Person> = (0..5)
        .map(|i| fake.customer(Platform::Messenger, &format!("Busy {i}"), None))
        .collect();
    for p in &people {
        fake.inject_text(p, "hello");
    }
    let mut cfg = config(&fake, GraphPlatform::Messenger);
    cfg.poll_interval = Duration::from_millis(50);
    let messenger = GraphChannel::new(cfg.clone()).expect("client");
    // The Instagram inbox of the same Page shares the budget.
    cfg.platform = GraphPlatform::Instagram;
    let instagram = GraphChannel::new(cfg).expect("client");
    let ig_person = fake.customer(Platform::Instagram, "Gram", Some("gram"));
    fake.inject_text(&ig_person, "hey");

    let run_for = Duration::from_secs(10);
    let start = Instant::now();
    async fn poll(ch: &GraphChannel, start: Instant, run_for: Duration) -> usize {
        let mut cursor: Option<String> = None;
        let mut seen = 0;
        while start.elapsed() < run_for {
            let f = ch
                .fetch(cursor.as_deref(), Duration::from_secs(1))
                .await
                .expect("fetch");
            seen += f.batch.messages.len();
            cursor = f.cursor.or(cursor);
        }
        seen
    }
    let traffic = async {
        let mut i = 0;
        while start.elapsed() < run_for {
            let p = &people[i % people.len()];
            fake.inject_text(p, &format!("more {i}"));
            let conv = fake.conversation_ids(Platform::Messenger)[0].clone();
            let _ = messenger.send(&reply(&conv, p, "ok")).await;
            i += 1;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let (seen_m, seen_i, ()) = tokio::join!(
        poll(&messenger, start, run_for),
        poll(&instagram, start, run_for),
        traffic
    );
    assert!(
        seen_m > 5 && seen_i >= 1,
        "the run did real work: {seen_m} {seen_i}"
    );

    let times: Vec<Instant> = fake
        .request_log()
        .iter()
        .filter(|r| r.page_id == fake.page_id())
        .map(|r| r.at)
        .collect();
    assert!(
        times.len() >= 12,
        "enough requests to judge: {}",
        times.len()
    );
    let mut worst = 0;
    for (i, t) in times.iter().enumerate() {
        let in_window = times[i..]
            .iter()
            .take_while(|u| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        worst = worst.max(in_window);
    }
    eprintln!(
        "{} requests in {:?}; busiest 1 s window: {worst}",
        times.len(),
        start.elapsed()
    );
    assert!(
        worst <= 2,
        "budget exceeded: {worst} requests in one second"
    );
}

#[tokio::test]
async fn reconcile_finds_a_send_whose_answer_was_lost_and_proves_one_that_never_arrived() {
    let fake = fake().await;
    let p = fake.customer(Platform::Messenger, "Lost Answer", None);
    let m = fake.inject_text(&p, "are you there?");
    let mut cfg = config(&fake, GraphPlatform::Messenger);
    cfg.budget_calls = 100;
    cfg.call_timeout = Duration::from_millis(500);
    let ch = GraphChannel::new(cfg).expect("client");
    ch.validate().await.expect("valid");
    let queued_at = now() * 1000;

    // Accepted, answer lost: the thread shows it, so it was sent, with Meta's id.
    let out = reply(&m.conversation_id, &p, "Yes, here.\r\nHow can I help?");
    fake.inject_fault("send", Fault::AcceptThenDrop, 1);
    let err = ch.send(&out).await.expect_err("answer lost");
    assert!(matches!(err, ChannelError::Uncertain(_)), "{err:?}");
    let sent = fake.sent_messages();
    assert_eq!(sent.len(), 1);
    match ch.reconcile(&out, queued_at).await.expect("reconcile") {
        parley_channels::Reconciled::Sent(receipt) => {
            assert_eq!(receipt.remote_id, sent[0].message_id);
        }
        other => panic!("expected Sent, got {other:?}"),
    }

    // Never reached Meta (the answer was unreadable before anything was stored): every message
    // since it was queued is readable and none is it.
    let out = reply(&m.conversation_id, &p, "A second thought.");
    fake.inject_fault("send", Fault::MalformedJson, 1);
    let err = ch.send(&out).await.expect_err("unreadable answer");
    assert!(matches!(err, ChannelError::Uncertain(_)), "{err:?}");
    assert_eq!(fake.sent_messages().len(), 1, "the fake stored nothing");
    assert_eq!(
        ch.reconcile(&out, queued_at).await.expect("reconcile"),
        parley_channels::Reconciled::NotSent
    );

    // The same text from the customer, not the Page, is not the reply.
    fake.inject_text(&p, "A second thought.");
    assert_eq!(
        ch.reconcile(&out, queued_at).await.expect("reconcile"),
        parley_channels::Reconciled::NotSent
    );

    // Meta unreachable: an error, not a guess.
    fake.inject_fault("messages", Fault::ServerError { status: 500 }, 1);
    assert!(ch.reconcile(&out, queued_at).await.is_err());
}

#[tokio::test]
async fn profile_pictures_come_from_the_user_profile_api_for_messenger_and_instagram() {
    let fake = fake().await;
    let picture = parley_sim::demo::pictures::AMBER;
    for platform in [Platform::Messenger, Platform::Instagram] {
        let with = fake.customer(platform, "Lea Moreau", Some("lea.moreau"));
        let without = fake.customer(platform, "Tom Okafor", Some("tomokafor"));
        fake.set_profile_pic(&with, "image/png", picture);
        let ch = quick_channel(
            &fake,
            match platform {
                Platform::Messenger => GraphPlatform::Messenger,
                Platform::Instagram => GraphPlatform::Instagram,
            },
        );
        let got = ch
            .profile_photo(&with.id)
            .await
            .expect("asked")
            .expect("a picture");
        assert_eq!(got.bytes, picture, "{platform:?}");
        assert!(
            ch.profile_photo(&without.id)
                .await
                .expect("asked")
                .is_none()
        );
    }
}
