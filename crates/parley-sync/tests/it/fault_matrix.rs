//! The fault matrix: each fault the fake Telegram Bot API can inject, once while the sync reads
//! (getUpdates) and once while a reply goes out (sendMessage), through the real sync task,
//! outbox dispatcher and SQLite store — and what the agent then sees. The table is generated
//! from what happened and kept in `docs/fault-matrix/telegram.md`; this test fails when the outcome of a
//! fault changes (`PARLEY_UPDATE_FAULTS=1` writes the new table, to be read and committed). Every
//! row must also hold the rules: no panic, no message lost, no reply sent twice, every failure
//! said in words.

use crate::engine::{Rig, rig, talk};
use parley_domain::{DeliveryState, SyncState};
use parley_sim::Fault;
use parley_sim::fault_table::{check_table, reply_outcome, stable};
use parley_sync::EngineEvent;
use std::time::{Duration, Instant};

fn faults() -> Vec<(&'static str, Fault)> {
    vec![
        (
            "429 with Retry-After",
            Fault::RateLimited { retry_after: 1 },
        ),
        ("500 from the API", Fault::ServerError { status: 500 }),
        (
            "502 from a proxy (HTML page)",
            Fault::ServerError { status: 502 },
        ),
        (
            "no answer, timed out (not acted)",
            Fault::Hang { secs: 5.0 },
        ),
        ("acted, then the connection dropped", Fault::AcceptThenDrop),
        ("malformed JSON", Fault::MalformedJson),
        ("truncated JSON", Fault::TruncatedJson),
        ("token revoked (401)", Fault::Unauthorized),
    ]
}

/// The sync states a run went through, in words, without repeats.
fn states(rx: &mut tokio::sync::broadcast::Receiver<EngineEvent>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    while let Ok(event) = rx.try_recv() {
        if let EngineEvent::State { state, .. } = event {
            let said = match state {
                SyncState::Backoff { reason, .. } => format!("waits ({reason})"),
                SyncState::AuthFailed { reason } => format!("stops: {reason}"),
                SyncState::Conflict { reason } => format!("conflict: {reason}"),
                _ => continue,
            };
            if seen.last() != Some(&said) {
                seen.push(said);
            }
        }
    }
    seen
}

async fn while_syncing(fault: Fault) -> String {
    let rig = rig().await;
    let mut rx = rig.events.subscribe();
    talk(&rig.fake, 2).await;
    rig.fake.inject_fault("getUpdates", fault, 1);
    let handle = rig.spawn();
    let start = Instant::now();
    let outcome = loop {
        if rig.message_count().await == 2 {
            break "both messages stored".to_owned();
        }
        if let SyncState::AuthFailed { .. } = handle.state() {
            break format!("{} stored; the agent must act", rig.message_count().await);
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no outcome");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut said = states(&mut rx);
    said.push(outcome);
    stable(&said.join(" → "))
}

async fn while_sending(fault: Fault) -> String {
    let rig = rig().await;
    talk(&rig.fake, 1).await;
    let handle = rig.spawn();
    let start = Instant::now();
    while rig.message_count().await < 1 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the thread never came"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let thread = rig.only_thread().await;
    rig.fake.inject_fault("sendMessage", fault, 1);
    rig.reply(thread, "Your order ships today.").await;
    handle.wake_outbox();
    let settled = |d: DeliveryState| {
        matches!(
            d,
            DeliveryState::Sent
                | DeliveryState::Failed
                | DeliveryState::Uncertain
                | DeliveryState::Held
        )
    };
    let reply = loop {
        let reply = outbound(&rig, thread).await;
        if let Some(m) = reply.filter(|m| settled(m.delivery)) {
            break m;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the reply never settled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    reply_outcome(
        reply.delivery,
        reply.delivery_note.as_deref(),
        rig.fake.sent_messages().len(),
    )
}

async fn outbound(
    rig: &Rig,
    thread: parley_domain::ThreadId,
) -> Option<parley_domain::MessageView> {
    rig.messages(thread)
        .await
        .into_iter()
        .find(|m| m.direction == parley_domain::Direction::Outbound)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_of_the_telegram_fake_ends_as_the_table_says() {
    let mut runs = Vec::new();
    for (name, fault) in faults() {
        let (a, b) = (fault.clone(), fault);
        runs.push((
            name,
            tokio::spawn(while_syncing(a)),
            tokio::spawn(while_sending(b)),
        ));
    }
    let mut table = String::from(
        "# Fault matrix — Telegram Bot API\n\n\
         Generated by `crates/parley-sync/tests/it/fault_matrix.rs` (the fake Telegram server, the real sync task, \
         outbox and SQLite store): each fault injected once, and what the agent then sees. \
         `PARLEY_UPDATE_FAULTS=1 cargo test -p parley-sync --test it fault_matrix` rewrites it.\n\n\
         | fault | while syncing (getUpdates) | while sending a reply (sendMessage) |\n|---|---|---|\n",
    );
    for (name, syncing, sending) in runs {
        let syncing = syncing.await.expect("the sync case ran");
        let sending = sending.await.expect("the send case ran");
        table.push_str(&format!("| {name} | {syncing} | {sending} |\n"));
    }
    check_table(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/fault-matrix/telegram.md"
        ),
        &table,
    );
}
