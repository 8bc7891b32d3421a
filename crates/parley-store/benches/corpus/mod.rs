//! BUDGETS' data set, generated deterministically: chat-like text, conversations delivered as a
//! first sync pages them. Shared by the P1/P2 bench (`ingest_search.rs`) and the workspace
//! generator of the start-up and memory bench (`bench/gen-workspace`, through `#[path]`).

use parley_domain::{Attachment, AttachmentKind, Direction, IncomingMessage, RemotePerson};

/// A deterministic generator (xorshift) so every run ingests the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "order",
    "delivery",
    "refund",
    "tracking",
    "parcel",
    "invoice",
    "size",
    "colour",
    "return",
    "thanks",
    "hello",
    "when",
    "where",
    "broken",
    "mug",
    "shoes",
    "jacket",
    "gift",
    "card",
    "Bestellung",
    "Lieferung",
    "pedido",
    "envío",
    "gracias",
    "commande",
    "livraison",
    "merci",
    "заказ",
    "доставка",
    "спасибо",
    "注文",
    "配達",
    "ありがとう",
    "订单",
    "快递",
    "谢谢",
    "طلب",
    "توصيل",
    "شكرا",
    "🙏",
    "😊",
    "📦",
    "👍",
    "today",
    "tomorrow",
    "store",
    "pickup",
    "discount",
];

/// A synthetic long tail of words (names, products, places), so the vocabulary is Zipf-like as in
/// real chat rather than 48 words that every message repeats.
fn tail_word(rng: &mut Rng) -> String {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ten", "ra", "sha", "vo", "ne", "dri", "pul", "mar", "zo", "ki", "bel",
        "to", "gan", "sor", "li", "que", "fa",
    ];
    // Low ranks far more often than high ones: rank = n * u^3.
    let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
    let mut rank = (20_000.0 * u * u * u) as usize;
    let mut w = String::new();
    loop {
        w.push_str(SYLLABLES[rank % SYLLABLES.len()]);
        rank /= SYLLABLES.len();
        if rank == 0 {
            break;
        }
    }
    w
}

fn text(rng: &mut Rng) -> String {
    // Mostly short lines, now and then a long message.
    let len = if rng.below(10) == 0 {
        20 + rng.below(60)
    } else {
        1 + rng.below(14)
    };
    let mut words: Vec<String> = Vec::with_capacity(len);
    for _ in 0..len {
        match rng.below(10) {
            0..=5 => words.push(WORDS[rng.below(WORDS.len())].to_owned()),
            6..=8 => words.push(tail_word(rng)),
            _ => words.push(format!("#{}", 10_000 + rng.below(90_000))),
        }
    }
    words.join(" ")
}

/// One message of conversation `thread` (customer `thread / 2`: a customer writes in two
/// conversations, so contacts are half the threads, as in BUDGETS' data set).
fn message(rng: &mut Rng, thread: usize, i: usize, sent_at: i64) -> IncomingMessage {
    let person = thread / 2;
    let customer = RemotePerson {
        remote_id: format!("u{person}"),
        display_name: format!("Customer {person}"),
        handle: None,
    };
    let attachments = if rng.below(20) == 0 {
        vec![Attachment {
            kind: AttachmentKind::Photo,
            remote_ref: Some(format!("file-{i}")),
            file_name: None,
            mime_type: Some("image/jpeg".into()),
            size: Some(120_000),
            description: None,
        }]
    } else {
        vec![]
    };
    IncomingMessage {
        remote_thread_id: format!("t{thread}"),
        remote_id: format!("m{i}"),
        direction: if rng.below(3) == 0 {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        sender: customer.clone(),
        customer,
        text: text(rng),
        attachments,
        sent_at,
        reply_to_remote_id: None,
        subject: None,
        quoted_text: None,
    }
}

/// The corpus in the order a first sync delivers it, with each message's conversation number.
///
/// BUDGETS' data set: `total / 10` conversations, a few with 5k+ messages, the rest skewed
/// (many short, some long). A sync walks the provider's conversations one after another and
/// pages through each one's history, so messages arrive clustered per conversation (oldest
/// first within it), not scattered over every thread of the workspace.
pub fn corpus(total: usize) -> (Vec<IncomingMessage>, Vec<usize>, usize) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let threads = (total / 10).max(1);
    // A few big conversations: 3 at 200k, 10 at 1M, 5k..8k messages each (while they fit).
    let big = (total / 100_000).clamp(1, 10).max(3).min(threads);
    let mut sizes = vec![1usize; threads];
    let mut left = total.saturating_sub(threads);
    for size in sizes.iter_mut().take(big) {
        let extra = (5_000 + rng.below(3_000)).min(left / 2);
        *size += extra;
        left -= extra;
    }
    // The rest skewed toward the lower-numbered conversations: index = n * u^2.
    for _ in 0..left {
        let u = (rng.next() % 1_000_000) as f64 / 1_000_000.0;
        let t = big + ((threads - big) as f64 * u * u) as usize;
        sizes[t.min(threads - 1)] += 1;
    }
    // Visit the conversations in a shuffled order, as a provider lists them.
    let mut order: Vec<usize> = (0..threads).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut messages = Vec::with_capacity(total);
    let mut thread_of = Vec::with_capacity(total);
    let year_ms = 365 * 24 * 3600 * 1000_i64;
    for &t in &order {
        // A conversation's messages spread over part of the year, in order.
        let mut at = 1_700_000_000_000 + (rng.next() % year_ms as u64) as i64 / 2;
        for _ in 0..sizes[t] {
            at += 1_000 + (rng.next() % 3_600_000) as i64;
            let i = messages.len();
            messages.push(message(&mut rng, t, i, at));
            thread_of.push(t);
        }
    }
    (messages, thread_of, threads)
}
