//! Benchmark helper (bench/email_first_sync.sh): Parley's first sync of a mailbox, through the
//! email adapter into a fresh store, page by page with its cursor, exactly as the sync task does.
//! Prints `messages seconds`. Reads PARLEY_BENCH_{IMAP_PORT,USER,PASSWORD,DB} from the environment.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use parley_channels::Channel;
use parley_channels::email::{EmailChannel, EmailConfig, EmailSecret, Security, ServerConfig};
use parley_domain::ChannelKind;
use parley_store::{NewAccount, Store};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
    let port: u16 = var("PARLEY_BENCH_IMAP_PORT").parse().expect("port");
    let user = var("PARLEY_BENCH_USER");
    let server = ServerConfig {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
    };
    let mut cfg = EmailConfig::new(
        &user,
        &user,
        EmailSecret::Password(var("PARLEY_BENCH_PASSWORD")),
        server.clone(),
        server,
    );
    if let Ok(p) = std::env::var("PARLEY_BENCH_PAGE") {
        cfg.page_size = p.parse().expect("page size");
    }
    let channel = EmailChannel::new(cfg);
    let mut store = Store::open(std::path::Path::new(&var("PARLEY_BENCH_DB"))).expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Email,
                name: user.clone(),
                handle: None,
                external_id: user.clone(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    let start = Instant::now();
    let mut cursor: Option<String> = None;
    let mut count = 0usize;
    let mut first_page = None;
    loop {
        let fetched = channel
            .fetch(cursor.as_deref(), Duration::ZERO)
            .await
            .expect("fetch");
        count += fetched.batch.messages.len();
        if first_page.is_none() && count > 0 {
            first_page = Some(start.elapsed());
        }
        if let Some(c) = &fetched.cursor {
            cursor = Some(c.clone());
        }
        store
            .apply_batch(
                account,
                &fetched.batch,
                fetched.cursor.as_deref().map(|c| ("updates", c)),
                0,
            )
            .expect("apply");
        if !fetched.more {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "parley: first page visible after {:.2} s",
        first_page.unwrap_or_default().as_secs_f64()
    );
    println!("{count} {secs:.3}");
}
