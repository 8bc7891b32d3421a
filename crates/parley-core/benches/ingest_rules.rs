//! Issue 15's budget: "rules are evaluated in the sync's ingest path without slowing it — P1 ingest
//! stays within 10 % with ten rules and the sentiment scorer on".
//!
//! ```text
//! cargo bench -p parley-core --bench ingest_rules [-- ROUNDS MESSAGES]   (default 5 rounds, 6000)
//! ```
//!
//! The whole path, not the store alone (that is `parley-store`'s `ingest_search` bench): a core
//! on a fresh workspace with one Telegram account against the fake Telegram server; once the
//! account is live, MESSAGES customer messages (ten each from MESSAGES/10 new customers; one in
//! ten asks a rule's question, one in fifteen is angry) are put on the server at once, and the
//! figure is the time until the last of them is stored — the sync's long polls, the ingest
//! transactions with the scorer, and whatever the rules take from the same database and CPU
//! meanwhile. Each round runs it twice, alternately: rules **off** (no greeting, away message or
//! bot) and **on** (greeting and away message on the account, the FAQ bot on with ten rules, one
//! with gather steps). The scorer runs in both (it is part of the ingest). Also printed: when the
//! rules' own messages have all left (on), which is their cost after the ingest. Medians; the
//! machine may be shared, so the ratio of the same round's two runs is the figure to quote.

use parley_core::{CoreConfig, DemoMode, MemorySecrets, Parley, Paths};
use parley_domain::*;
use parley_sim::{FakeTelegram, FakeTelegramConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RULES: &[(&str, &[&str])] = &[
    (
        "Where is my order",
        &[
            "where is my order",
            "dónde está mi pedido",
            "wo ist meine bestellung",
        ],
    ),
    (
        "Opening hours",
        &["opening hours", "when are you open", "horario"],
    ),
    (
        "Shipping cost",
        &["shipping cost", "how much is shipping", "gastos de envío"],
    ),
    ("Returns", &["return policy", "can i return", "devolución"]),
    ("Sizes", &["size chart", "what size", "talla"]),
    ("Payment", &["pay by invoice", "payment methods", "paypal"]),
    ("Gift cards", &["gift card", "voucher", "gutschein"]),
    (
        "Pickup",
        &["pick up in store", "click and collect", "abholen"],
    ),
    ("Discounts", &["discount code", "promo code", "rabatt"]),
    ("Warranty", &["warranty", "guarantee", "garantía"]),
];

const CHAT: &[&str] = &[
    "Hi, is the blue jacket still available in M?",
    "Thanks a lot, that helps!",
    "Can you send me the tracking number please",
    "ok",
    "Perfect, see you tomorrow then 😊",
    "Hallo, ist die Lieferung schon unterwegs?",
    "Gracias por la ayuda",
    "The mug I got yesterday has a crack in the handle",
    "Do you ship to Ireland?",
];
const ANGRY: &str = "This is the THIRD time I ask and nobody answers!!! Absolutely unacceptable";

struct Rig {
    app: Arc<Parley>,
    fake: FakeTelegram,
    db: std::path::PathBuf,
    /// The workspace's database key (it is encrypted at rest), to count what is stored.
    key: parley_store::DbKey,
    _dir: tempfile::TempDir,
}

async fn rig(rules: bool) -> Rig {
    let fake = FakeTelegram::start(FakeTelegramConfig::default())
        .await
        .expect("fake");
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = Paths {
        data_dir: dir.path().join("data"),
        config_dir: dir.path().join("config"),
        log_dir: dir.path().join("logs"),
    };
    let db = paths.data_dir.join("parley.sqlite3");
    let data_dir = paths.data_dir.clone();
    let secrets = Arc::new(MemorySecrets::default());
    let mut config = CoreConfig::new(paths, secrets.clone());
    config.api_roots.set("telegram", fake.base_url());
    config.demo = DemoMode::Off;
    config.long_poll = Duration::from_secs(1);
    let app = Parley::start(config).await.expect("starts");
    let account = app
        .add_telegram_account(fake.token().into())
        .await
        .expect("account")
        .id;
    if rules {
        let mut settings = app.automation_settings().await.expect("settings");
        let mut on = settings.account(account);
        on.greeting.enabled = true;
        on.away.enabled = true;
        settings.accounts = vec![on];
        app.set_automation_settings(settings)
            .await
            .expect("automation");
        for (i, (name, phrases)) in RULES.iter().enumerate() {
            let answer = app
                .create_saved_reply(SavedReplyInput {
                    folder: "Bot".into(),
                    title: (*name).into(),
                    body: format!("About {name}, {{{{first_name|there}}}}: see our help page."),
                    variants: vec![],
                })
                .await
                .expect("reply")
                .id;
            let steps = if i == 0 {
                vec![GatherStep {
                    question: "What is your order number?".into(),
                    check: AnswerCheck::OrderNumber,
                    attribute: "Order".into(),
                    retry_message: "That is not an order number.".into(),
                    max_retries: 1,
                }]
            } else {
                Vec::new()
            };
            app.create_faq_rule(FaqRuleInput {
                name: (*name).into(),
                enabled: true,
                phrases: phrases.iter().map(|p| (*p).to_string()).collect(),
                saved_reply_id: Some(answer),
                steps,
            })
            .await
            .expect("rule");
        }
        app.set_bot_settings(BotSettings {
            accounts: vec![account],
            ..BotSettings::default()
        })
        .await
        .expect("bot");
    }
    let start = Instant::now();
    while app.list_accounts().await.expect("accounts")[0].sync != SyncState::Live {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the account never went live"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let key = parley_core::workspace_key::stored_key(&*secrets, &data_dir)
        .expect("keychain")
        .expect("the workspace's key");
    Rig {
        app,
        fake,
        db,
        key,
        _dir: dir,
    }
}

fn stored(db: &std::path::Path, key: &parley_store::DbKey) -> i64 {
    let conn = parley_store::connect(db, Some(key), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("read-only connection");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    conn.query_row(
        "SELECT count(*) FROM messages WHERE direction = 'inbound'",
        [],
        |r| r.get(0),
    )
    .expect("count")
}

/// (seconds until every message is stored, seconds until the rules' messages have left)
async fn run(rules: bool, messages: usize) -> (f64, Option<f64>) {
    let rig = rig(rules).await;
    let customers: Vec<_> = (0..messages / 10)
        .map(|i| {
            rig.fake
                .customer(&format!("Customer{i}"), Some("Bench"), None)
        })
        .collect();
    let t0 = Instant::now();
    for n in 0..messages {
        let c = &customers[n % customers.len()];
        let text = if n % 10 == 3 {
            let (_, phrases) = RULES[n % RULES.len()];
            format!("Hi, {}?", phrases[n % phrases.len()])
        } else if n % 15 == 7 {
            ANGRY.to_string()
        } else {
            CHAT[n % CHAT.len()].to_string()
        };
        rig.fake.inject_text(c, &text).expect("inject");
    }
    let want = i64::try_from(messages).expect("count");
    let db = rig.db.clone();
    loop {
        let (db, key) = (db.clone(), rig.key.clone());
        if tokio::task::spawn_blocking(move || stored(&db, &key))
            .await
            .expect("count")
            >= want
        {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "the messages were never all stored"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ingest = t0.elapsed().as_secs_f64();
    let mut settled = None;
    if rules {
        // Their messages have left when the outbox is empty and a greeting went to everyone.
        loop {
            let status = rig.app.outbox_status().await.expect("outbox");
            let sent = rig.fake.sent_messages().len();
            if sent >= customers.len() && status.waiting == 0 {
                settled = Some(t0.elapsed().as_secs_f64());
                break;
            }
            if t0.elapsed() > Duration::from_secs(600) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(rig.app);
    (ingest, settled)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(5);
    let messages: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(6000);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (mut off, mut on, mut ratios, mut settled) = (vec![], vec![], vec![], vec![]);
    for round in 1..=rounds {
        let (a, _) = rt.block_on(run(false, messages));
        let (b, s) = rt.block_on(run(true, messages));
        println!(
            "round {round}: rules off {a:.2} s, on {b:.2} s ({:.0} vs {:.0} msg/s), on/off {:.3}{}",
            messages as f64 / a,
            messages as f64 / b,
            b / a,
            s.map_or(String::new(), |s| format!(
                "; the rules' messages all left at {s:.2} s"
            ))
        );
        off.push(a);
        on.push(b);
        ratios.push(b / a);
        settled.extend(s);
    }
    let ratio = median(ratios);
    println!(
        "ingest of {messages} messages through the sync: rules off {:.2} s, on {:.2} s (medians of {rounds}); \
         median on/off {ratio:.3} — {} (budget: within 10 %)",
        median(off),
        median(on),
        if ratio <= 1.10 { "within" } else { "OVER" }
    );
    if !settled.is_empty() {
        println!(
            "the rules' own messages had all left after {:.2} s (median)",
            median(settled)
        );
    }
}
