//! Simulated customers writing to the fake's demo bot, so the app has something alive to show
//! when no real account is configured. The app's real Telegram adapter talks to the fake.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::demo_script::{self, Line, Persona};
use crate::telegram::{
    BotIdentity, Customer, FakeTelegram, FakeTelegramConfig, InboundContent, now_unix,
};

/// Not a secret: only the in-process fake accepts it.
pub const DEMO_BOT_TOKEN: &str = "123456:DEMO-parley-not-a-secret";

/// Profile pictures for the simulated customers (128×128 PNG).
pub mod pictures {
    pub static TEAL: &[u8] = include_bytes!("../assets/avatar_teal.png");
    pub static AMBER: &[u8] = include_bytes!("../assets/avatar_amber.png");
    pub static INDIGO: &[u8] = include_bytes!("../assets/avatar_indigo.png");
}

/// The fake configured as the demo shop's bot, persisting to `state_file` when given.
pub fn demo_fake_config(state_file: Option<PathBuf>) -> FakeTelegramConfig {
    FakeTelegramConfig {
        tokens: vec![DEMO_BOT_TOKEN.to_owned()],
        bot: BotIdentity {
            id: 123_456,
            first_name: "Parley Demo Shop".to_owned(),
            username: "parley_demo_bot".to_owned(),
        },
        state_file,
        ..FakeTelegramConfig::default()
    }
}

#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// Same seed, same fresh state: same conversation content.
    pub seed: u64,
    pub min_gap: Duration,
    pub max_gap: Duration,
    /// Chance that a customer answers the shop's message.
    pub answer_probability: f64,
    /// Range of how long a customer takes to answer.
    pub answer_delay: (Duration, Duration),
    /// In a new demo workspace, this long after the start a customer asks where her order is
    /// and answers the shop's bot (`None`: never). Any customer answers a question of the bot
    /// it knows (`demo_script::BOT_ANSWERS`) while `answer_probability` is above zero.
    pub bot_customer_after: Option<Duration>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed: 0x5eed_0f9a_41e7,
            min_gap: Duration::from_secs(8),
            max_gap: Duration::from_secs(25),
            answer_probability: 0.6,
            answer_delay: (Duration::from_secs(2), Duration::from_secs(6)),
            bot_customer_after: None,
        }
    }
}

/// Stops the simulation when dropped; the fake keeps running.
pub struct DemoHandle {
    task: JoinHandle<()>,
}

impl DemoHandle {
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for DemoHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub struct DemoWorld;

impl DemoWorld {
    /// Seeds the history on the first ever start (synchronously, so it is there when this
    /// returns), then spawns the simulation on the current tokio runtime.
    pub fn start(fake: Arc<FakeTelegram>, config: DemoConfig) -> DemoHandle {
        let mut rng = StdRng::seed_from_u64(config.seed);
        if !fake.is_seeded() {
            seed_history(&fake, &mut rng);
            fake.mark_seeded();
        }
        // A restart must not replay the exact sequence of the previous run; folding in what the
        // state already holds keeps a fresh start deterministic and a restart different.
        let customers = fake.customers().len() as u64;
        let rng = StdRng::seed_from_u64(
            config.seed
                ^ customers.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                ^ fake.sent_total().rotate_left(29),
        );
        let task = tokio::spawn(run(fake, config, rng));
        DemoHandle { task }
    }
}

fn seed_history(fake: &FakeTelegram, rng: &mut StdRng) {
    let now = now_unix();
    let mut entries: Vec<(i64, Customer, InboundContent)> = Vec::new();
    let mut invoice_no = 1040;
    for (persona, lines) in demo_script::HISTORY {
        let customer = add_persona(fake, persona);
        if let Some((_, picture)) = demo_script::PICTURES
            .iter()
            .find(|(name, _)| *name == persona.first_name)
        {
            fake.set_profile_photo(&customer, picture, 128, 128);
        }
        // Conversations start somewhere in the last three days, at least an hour ago.
        let mut date = now - rng.random_range(3_600..3 * 86_400);
        for line in *lines {
            invoice_no += 1;
            entries.push((date, customer.clone(), line_content(line, invoice_no)));
            date += rng.random_range(20..900);
        }
    }
    // Update ids follow dates, as they would have had these messages really arrived back then.
    entries.sort_by_key(|(date, _, _)| *date);
    for (date, customer, content) in entries {
        if let Err(e) = fake.inject_message_at(&customer, content, date) {
            tracing::warn!(error = %e, "demo: seeding a message failed");
        }
    }
}

fn add_persona(fake: &FakeTelegram, persona: &Persona) -> Customer {
    fake.customer_with_language(
        persona.first_name,
        persona.last_name,
        persona.username,
        persona.language,
    )
}

fn line_content(line: &Line, invoice_no: u32) -> InboundContent {
    match line {
        Line::Text(t) => InboundContent::Text((*t).to_owned()),
        Line::Photo(caption) => InboundContent::Photo {
            caption: Some((*caption).to_owned()),
        },
        Line::Location(lat, lon) => InboundContent::Location {
            lat: *lat,
            lon: *lon,
        },
        Line::Invoice => InboundContent::Document {
            file_name: format!("invoice-{invoice_no}.pdf"),
            mime_type: "application/pdf".to_owned(),
            bytes: invoice_pdf(invoice_no),
        },
        Line::Sticker(emoji) => InboundContent::Sticker {
            emoji: (*emoji).to_owned(),
        },
        Line::Voice(duration) => InboundContent::Voice {
            duration: *duration,
        },
        Line::Contact(phone, name) => InboundContent::Contact {
            phone: (*phone).to_owned(),
            first_name: (*name).to_owned(),
        },
    }
}

/// What a customer answers to the bot's question `asked`, if it is one the demo knows.
fn bot_answer(asked: &str, customer: &Customer) -> Option<String> {
    let asked = asked.to_lowercase();
    let first: String = deunicode_lower(&customer.first_name);
    demo_script::BOT_ANSWERS
        .iter()
        .find(|(question, _)| asked.contains(question))
        .map(|(_, answer)| answer.replace("{first}", &first))
}

/// A first name as an email's local part (ASCII letters only).
fn deunicode_lower(name: &str) -> String {
    let folded: String = name
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        })
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if folded.is_empty() {
        "customer".to_owned()
    } else {
        folded.to_ascii_lowercase()
    }
}

async fn run(fake: Arc<FakeTelegram>, config: DemoConfig, mut rng: StdRng) {
    let mut changes = fake.subscribe_changes();
    let mut last_seen = fake.sent_total();
    let mut next_new = Instant::now() + gap(&config, &mut rng);
    let mut answers: Vec<(Instant, i64)> = Vec::new();
    // Answers to the bot's questions: (when, chat, text).
    let mut bot_answers: Vec<(Instant, i64, String)> = Vec::new();
    let probability = config.answer_probability.clamp(0.0, 1.0);
    let persona = &demo_script::BOT_CUSTOMER;
    let mut bot_customer_at = config
        .bot_customer_after
        .filter(|_| {
            !fake.customers().iter().any(|c| {
                c.first_name == persona.first_name && c.last_name.as_deref() == persona.last_name
            })
        })
        .map(|after| Instant::now() + after);
    loop {
        let wake = answers
            .iter()
            .map(|(at, _)| *at)
            .chain(bot_answers.iter().map(|(at, _, _)| *at))
            .chain(bot_customer_at)
            .fold(next_new, Instant::min);
        tokio::select! {
            () = tokio::time::sleep_until(wake) => {}
            changed = changes.changed() => if changed.is_err() { return },
        }
        for sent in fake.sent_after(last_seen) {
            last_seen = last_seen.max(sent.seq);
            if probability > 0.0
                && let Some(customer) = fake.customers().into_iter().find(|c| c.id == sent.chat_id)
                && let Some(text) = bot_answer(&sent.text, &customer)
            {
                let (lo, _) = config.answer_delay;
                bot_answers.push((Instant::now() + lo, sent.chat_id, text));
                continue;
            }
            let already = answers.iter().any(|(_, chat)| *chat == sent.chat_id);
            if !already && rng.random_bool(probability) {
                let (lo, hi) = config.answer_delay;
                let delay = if hi > lo {
                    rng.random_range(lo..=hi)
                } else {
                    lo
                };
                answers.push((Instant::now() + delay, sent.chat_id));
            }
        }
        let now = Instant::now();
        let due: Vec<i64> = answers
            .iter()
            .filter(|(at, _)| *at <= now)
            .map(|(_, c)| *c)
            .collect();
        answers.retain(|(at, _)| *at > now);
        let (due_bot, later): (Vec<_>, Vec<_>) =
            bot_answers.into_iter().partition(|(at, _, _)| *at <= now);
        bot_answers = later;
        for (_, chat_id, text) in due_bot {
            if let Some(customer) = fake.customers().into_iter().find(|c| c.id == chat_id)
                && let Err(e) = fake.inject_text(&customer, &text)
            {
                tracing::warn!(error = %e, "demo: answer to the bot failed");
            }
        }
        if bot_customer_at.is_some_and(|at| at <= now) {
            bot_customer_at = None;
            let customer = add_persona(&fake, persona);
            if let Err(e) = fake.inject_text(&customer, demo_script::BOT_CUSTOMER_OPENER) {
                tracing::warn!(error = %e, "demo: the bot's customer could not write");
            }
        }
        for chat_id in due {
            let Some(customer) = fake.customers().into_iter().find(|c| c.id == chat_id) else {
                continue;
            };
            let text = pick(&mut rng, demo_script::FOLLOW_UPS);
            if let Err(e) = fake.inject_text(&customer, text) {
                tracing::warn!(error = %e, "demo: follow-up failed");
            }
        }
        if now >= next_new {
            spontaneous_message(&fake, &mut rng);
            next_new = now + gap(&config, &mut rng);
        }
    }
}

/// The demo Page's customers (Messenger, Instagram) answer the Page's replies like the Telegram
/// ones do: with `answer_probability`, after a delay within `answer_delay`, one answer per
/// conversation at a time. Stops when the handle is dropped.
pub fn answer_graph_replies(fake: Arc<crate::graph::FakeGraph>, config: DemoConfig) -> DemoHandle {
    let task = tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0x6a09_e667);
        let mut changes = fake.subscribe_changes();
        // Replies sent before this run are not answered again.
        let mut last_seen = fake
            .sent_messages()
            .iter()
            .map(|s| s.seq)
            .max()
            .unwrap_or(0);
        let mut answers: Vec<(Instant, String)> = Vec::new();
        loop {
            let wake = answers.iter().map(|(at, _)| *at).min();
            tokio::select! {
                () = sleep_until_or_forever(wake) => {}
                changed = changes.changed() => if changed.is_err() { return },
            }
            let seen = last_seen;
            for sent in fake.sent_messages().into_iter().filter(|s| s.seq > seen) {
                last_seen = last_seen.max(sent.seq);
                let already = answers.iter().any(|(_, who)| *who == sent.recipient_id);
                if !already && answer_now(&config, &mut rng) {
                    answers.push((
                        Instant::now() + answer_delay(&config, &mut rng),
                        sent.recipient_id,
                    ));
                }
            }
            let now = Instant::now();
            let due: Vec<String> = answers
                .iter()
                .filter(|(at, _)| *at <= now)
                .map(|(_, who)| who.clone())
                .collect();
            answers.retain(|(at, _)| *at > now);
            for who in due {
                if let Some(person) = fake.person(&who) {
                    fake.inject_text(&person, pick(&mut rng, demo_script::FOLLOW_UPS));
                }
            }
        }
    });
    DemoHandle { task }
}

/// The demo SMS and WhatsApp customers answer the shop's texts the same way.
pub fn answer_twilio_replies(
    fake: Arc<crate::twilio::FakeTwilio>,
    config: DemoConfig,
) -> DemoHandle {
    let task = tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(config.seed ^ 0xbb67_ae85);
        let mut changes = fake.subscribe_changes();
        let mut last_seen = fake
            .sent_through_api()
            .iter()
            .map(|m| m.seq)
            .max()
            .unwrap_or(0);
        // (when, customer, the shop's number they answer).
        let mut answers: Vec<(Instant, String, String)> = Vec::new();
        loop {
            let wake = answers.iter().map(|(at, _, _)| *at).min();
            tokio::select! {
                () = sleep_until_or_forever(wake) => {}
                changed = changes.changed() => if changed.is_err() { return },
            }
            let seen = last_seen;
            for sent in fake.sent_through_api().into_iter().filter(|m| m.seq > seen) {
                last_seen = last_seen.max(sent.seq);
                let already = answers.iter().any(|(_, who, _)| *who == sent.to);
                if !already && answer_now(&config, &mut rng) {
                    let at = Instant::now() + answer_delay(&config, &mut rng);
                    answers.push((at, sent.to, sent.from));
                }
            }
            let now = Instant::now();
            let due: Vec<(String, String)> = answers
                .iter()
                .filter(|(at, _, _)| *at <= now)
                .map(|(_, who, number)| (who.clone(), number.clone()))
                .collect();
            answers.retain(|(at, _, _)| *at > now);
            for (who, number) in due {
                let text = pick(&mut rng, demo_script::FOLLOW_UPS);
                if let Err(e) = fake.inject_inbound(&who, &number, text, Vec::new(), None) {
                    tracing::warn!(error = %e, "demo: SMS/WhatsApp follow-up failed");
                }
            }
        }
    });
    DemoHandle { task }
}

async fn sleep_until_or_forever(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn answer_now(config: &DemoConfig, rng: &mut StdRng) -> bool {
    rng.random_bool(config.answer_probability.clamp(0.0, 1.0))
}

fn answer_delay(config: &DemoConfig, rng: &mut StdRng) -> Duration {
    let (lo, hi) = config.answer_delay;
    if hi > lo {
        rng.random_range(lo..=hi)
    } else {
        lo
    }
}

fn gap(config: &DemoConfig, rng: &mut StdRng) -> Duration {
    if config.max_gap > config.min_gap {
        rng.random_range(config.min_gap..=config.max_gap)
    } else {
        config.min_gap
    }
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items
        .get(rng.random_range(0..items.len().max(1)))
        .copied()
        .unwrap_or("Hello!")
}

fn spontaneous_message(fake: &FakeTelegram, rng: &mut StdRng) {
    let customers = fake.customers();
    let newcomers: Vec<&Persona> = demo_script::NEWCOMERS
        .iter()
        .filter(|p| {
            !customers
                .iter()
                .any(|c| c.first_name == p.first_name && c.last_name.as_deref() == p.last_name)
        })
        .collect();
    let customer = if customers.is_empty() || (!newcomers.is_empty() && rng.random_bool(0.15)) {
        match newcomers.get(rng.random_range(0..newcomers.len().max(1))) {
            Some(persona) => add_persona(fake, persona),
            None => return,
        }
    } else {
        customers[rng.random_range(0..customers.len())].clone()
    };
    let roll: f64 = rng.random();
    let content = if roll < 0.06 {
        InboundContent::Photo {
            caption: Some(pick(rng, demo_script::PHOTO_CAPTIONS).to_owned()),
        }
    } else if roll < 0.10 {
        InboundContent::Sticker {
            emoji: pick(rng, demo_script::STICKER_EMOJI).to_owned(),
        }
    } else if roll < 0.13 {
        let (lat, lon) = demo_script::LOCATIONS[rng.random_range(0..demo_script::LOCATIONS.len())];
        InboundContent::Location { lat, lon }
    } else if roll < 0.16 {
        InboundContent::Voice {
            duration: rng.random_range(2..20),
        }
    } else {
        let local = customer.language_code.as_deref().and_then(|lang| {
            demo_script::LOCAL_OPENERS
                .iter()
                .find(|(l, _)| *l == lang)
                .map(|(_, text)| *text)
        });
        let text = match local {
            Some(text) if rng.random_bool(0.4) => text,
            _ => pick(rng, demo_script::OPENERS),
        };
        InboundContent::Text(text.to_owned())
    };
    if let Err(e) = fake.inject_message(&customer, content) {
        tracing::warn!(error = %e, "demo: message failed");
    }
}

/// A small but well-formed one-page PDF, so that viewers open it rather than complain.
fn invoice_pdf(number: u32) -> Vec<u8> {
    let stream = format!(
        "BT /F1 18 Tf 60 760 Td (Parley Demo Shop - Invoice {number}) Tj ET\n\
         BT /F1 12 Tf 60 720 Td (1 x Rain jacket, size M ........ 89.00 EUR) Tj ET\n\
         BT /F1 12 Tf 60 700 Td (Shipping ........................ 4.90 EUR) Tj ET\n\
         BT /F1 12 Tf 60 670 Td (Total ........................... 93.90 EUR) Tj ET\n"
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref_at = pdf.len();
    let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        xref.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.extend_from_slice(xref.as_bytes());
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}
