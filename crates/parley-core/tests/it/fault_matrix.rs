//! The fault matrix for the Graph API (Messenger) and Twilio (SMS): each fault their fakes can
//! inject, once while the sync reads and once while a reply goes out, through the whole core
//! (accounts added as an agent adds them, the sync, the outbox, the store) — and what the agent
//! then sees. Generated into `docs/fault-matrix/<channel>.md` and asserted (`PARLEY_UPDATE_FAULTS=1`
//! writes the new tables, to be read and committed); every row must also hold the rules: no
//! message lost, no reply sent twice, every failure said in words. Telegram's table comes from
//! `parley-sync`'s test of the same name.

use crate::common::{thread_of, unix_now};
use parley_core::{MemorySecrets, Parley};
use parley_domain::{CoreEvent, DeliveryState, Direction, SyncState};
use parley_sim::fault_table::{check_table, reply_outcome, stable};
use parley_sim::graph::{self, FakeGraph, FakeGraphConfig, Platform};
use parley_sim::twilio::{
    self, FakeTwilio, FakeTwilioConfig, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SMS_NUMBER,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
enum Which {
    Messenger,
    Sms,
}

enum Fake {
    Graph(FakeGraph),
    Twilio(FakeTwilio),
}

struct Rig {
    app: Arc<Parley>,
    fake: Fake,
    _dir: tempfile::TempDir,
}

#[derive(Clone)]
enum AnyFault {
    Graph(graph::Fault),
    Twilio(twilio::Fault),
}

async fn rig(which: Which) -> Rig {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut core = crate::common::test_config(dir.path(), Arc::new(MemorySecrets::default()));
    let fake = match which {
        Which::Messenger => {
            let fake = FakeGraph::start(FakeGraphConfig::default())
                .await
                .expect("fake");
            core.api_roots.set("graph", fake.base_url());
            Fake::Graph(fake)
        }
        Which::Sms => {
            let config = FakeTwilioConfig {
                status_step: Duration::from_millis(100),
                ..FakeTwilioConfig::default()
            };
            let fake = FakeTwilio::start(config).await.expect("fake");
            core.api_roots.set("twilio", fake.base_url());
            Fake::Twilio(fake)
        }
    };
    let app = Parley::start(core).await.expect("starts");
    Rig {
        app,
        fake,
        _dir: dir,
    }
}

impl Rig {
    /// The customer writes `n` messages.
    fn customer_writes(&self, n: usize) -> &'static str {
        match &self.fake {
            Fake::Graph(f) => {
                let c = f.customer(Platform::Messenger, "Grace Hopper", None);
                for i in 0..n {
                    f.inject_message(
                        &c,
                        Some(&format!("message {i}")),
                        Vec::new(),
                        Some(unix_now() - 60),
                    );
                }
                "Grace Hopper"
            }
            Fake::Twilio(f) => {
                for i in 0..n {
                    f.inject_inbound(
                        "+14155550199",
                        TEST_SMS_NUMBER,
                        &format!("message {i}"),
                        Vec::new(),
                        None,
                    )
                    .expect("inbound");
                }
                "+14155550199"
            }
        }
    }

    async fn add_account(&self) {
        match &self.fake {
            Fake::Graph(f) => {
                self.app
                    .add_facebook_page(
                        f.page_id().to_owned(),
                        f.page_token().to_owned(),
                        false,
                        true,
                    )
                    .await
                    .expect("page added");
            }
            Fake::Twilio(_) => {
                self.app
                    .add_twilio_account(
                        TEST_ACCOUNT_SID.to_owned(),
                        TEST_AUTH_TOKEN.to_owned(),
                        vec![TEST_SMS_NUMBER.to_owned()],
                    )
                    .await
                    .expect("twilio added");
            }
        }
    }

    fn inject(&self, op: &str, fault: AnyFault) {
        match (&self.fake, fault) {
            (Fake::Graph(f), AnyFault::Graph(fault)) => f.inject_fault(op, fault, 1),
            (Fake::Twilio(f), AnyFault::Twilio(fault)) => f.inject_fault(op, fault, 1),
            _ => unreachable!("a fault of another fake"),
        }
    }

    fn sync_op(&self) -> &'static str {
        match self.fake {
            Fake::Graph(_) => "conversations",
            Fake::Twilio(_) => "list",
        }
    }

    /// How many times the provider really sent something to the customer.
    fn sent(&self) -> usize {
        match &self.fake {
            Fake::Graph(f) => f.sent_messages().len(),
            Fake::Twilio(f) => f.sent_through_api().len(),
        }
    }
}

fn faults(which: Which) -> Vec<(&'static str, AnyFault)> {
    match which {
        Which::Messenger => vec![
            (
                "rate limited (code 613, 1 minute)",
                graph::Fault::RateLimited {
                    code: 613,
                    estimated_minutes: Some(1),
                },
            ),
            (
                "500 from the API (transient)",
                graph::Fault::ServerError { status: 500 },
            ),
            (
                "502 from a proxy (HTML page)",
                graph::Fault::ServerError { status: 502 },
            ),
            (
                "temporary send failure (code 1200)",
                graph::Fault::TemporaryFailure,
            ),
            ("token expired (code 190)", graph::Fault::ExpiredToken),
            (
                "no answer, connection closed (not acted)",
                graph::Fault::Hang { secs: 1.0 },
            ),
            (
                "acted, then the connection dropped",
                graph::Fault::AcceptThenDrop,
            ),
            ("malformed JSON", graph::Fault::MalformedJson),
        ]
        .into_iter()
        .map(|(n, f)| (n, AnyFault::Graph(f)))
        .collect(),
        Which::Sms => vec![
            (
                "429 with Retry-After",
                twilio::Fault::RateLimited {
                    retry_after_secs: Some(1),
                },
            ),
            (
                "500 from the API",
                twilio::Fault::ServerError { status: 500 },
            ),
            (
                "502 from a proxy (HTML page)",
                twilio::Fault::ServerError { status: 502 },
            ),
            (
                "no answer, connection closed (not acted)",
                twilio::Fault::Hang { secs: 1.0 },
            ),
            (
                "acted, then the connection dropped",
                twilio::Fault::AcceptThenDrop,
            ),
            ("malformed JSON (not acted)", twilio::Fault::MalformedJson),
        ]
        .into_iter()
        .map(|(n, f)| (n, AnyFault::Twilio(f)))
        .collect(),
    }
}

async fn while_syncing(which: Which, fault: AnyFault) -> String {
    let rig = rig(which).await;
    let mut rx = rig.app.subscribe();
    let name = rig.customer_writes(2);
    rig.inject(rig.sync_op(), fault);
    rig.add_account().await;
    let start = Instant::now();
    let outcome = loop {
        let stored = match rig
            .app
            .list_threads(None, 10)
            .await
            .expect("threads")
            .threads
            .first()
        {
            Some(t) if t.contact_name == name => rig
                .app
                .open_thread(t.id)
                .await
                .expect("open")
                .messages
                .messages
                .len(),
            _ => 0,
        };
        if stored == 2 {
            break "both messages stored".to_owned();
        }
        let accounts = rig.app.list_accounts().await.expect("accounts");
        if let Some(SyncState::AuthFailed { .. }) = accounts.first().map(|a| a.sync.clone()) {
            break format!("{stored} stored; the agent must act");
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no outcome");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut said: Vec<String> = Vec::new();
    while let Ok(event) = rx.try_recv() {
        if let CoreEvent::AccountChanged { account } = event {
            let s = match account.sync {
                SyncState::Backoff { reason, .. } => format!("waits ({reason})"),
                SyncState::AuthFailed { reason } => format!("stops: {reason}"),
                _ => continue,
            };
            if said.last() != Some(&s) {
                said.push(s);
            }
        }
    }
    said.push(outcome);
    stable(&said.join(" → "))
}

async fn while_sending(which: Which, fault: AnyFault) -> String {
    let rig = rig(which).await;
    let name = rig.customer_writes(1);
    rig.add_account().await;
    let thread = thread_of(&rig.app, name).await;
    rig.inject("send", fault);
    rig.app
        .send_reply(thread.id, "Your order ships today.".into())
        .await
        .expect("queued");
    let start = Instant::now();
    let settled = |d: DeliveryState| {
        matches!(
            d,
            DeliveryState::Sent
                | DeliveryState::Delivered
                | DeliveryState::Read
                | DeliveryState::Failed
                | DeliveryState::Uncertain
                | DeliveryState::Held
        )
    };
    let reply = loop {
        let detail = rig.app.open_thread(thread.id).await.expect("open");
        if let Some(m) = detail
            .messages
            .messages
            .into_iter()
            .find(|m| m.direction == Direction::Outbound && settled(m.delivery))
        {
            break m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the reply never settled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    reply_outcome(reply.delivery, reply.delivery_note.as_deref(), rig.sent())
}

async fn table(which: Which, title: &str, sync_op: &str, send_op: &str) -> String {
    let mut runs = Vec::new();
    for (name, fault) in faults(which) {
        runs.push((
            name,
            tokio::spawn(while_syncing(which, fault.clone())),
            tokio::spawn(while_sending(which, fault)),
        ));
    }
    let mut out = format!(
        "# Fault matrix — {title}\n\n\
         Generated by `crates/parley-core/tests/it/fault_matrix.rs` (the fake server, the whole core: \
         the account added as an agent adds it, the sync, the outbox, the store): each fault injected once, \
         and what the agent then sees (a reply: the first state it settles in; an uncertain one is then \
         looked for at the provider by the next sync, see the adapters' reconcile tests). `PARLEY_UPDATE_FAULTS=1 cargo test -p parley-core --test it fault_matrix` \
         rewrites it.\n\n\
         | fault | while syncing ({sync_op}) | while sending a reply ({send_op}) |\n|---|---|---|\n"
    );
    for (name, syncing, sending) in runs {
        let syncing = syncing.await.expect("the sync case ran");
        let sending = sending.await.expect("the send case ran");
        out.push_str(&format!("| {name} | {syncing} | {sending} |\n"));
    }
    out
}

fn check(file: &str, table: &str) {
    check_table(
        &format!(
            "{}/../../docs/fault-matrix/{file}",
            env!("CARGO_MANIFEST_DIR")
        ),
        table,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_of_the_graph_fake_ends_as_the_table_says() {
    let t = table(
        Which::Messenger,
        "Graph API (Messenger)",
        "conversations",
        "Send API",
    )
    .await;
    check("messenger.md", &t);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_of_the_twilio_fake_ends_as_the_table_says() {
    let t = table(
        Which::Sms,
        "Twilio (SMS)",
        "List Messages",
        "Create Message",
    )
    .await;
    check("sms.md", &t);
}
