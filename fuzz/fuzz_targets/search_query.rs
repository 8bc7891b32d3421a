//! The search query builder (`parley_store::fts_query`, behind `Store::search` and the review
//! list's text filter) and the queries it builds, run against an in-memory store holding a few
//! messages. Properties: the query is only quoted phrases (each with a letter or digit, quotes
//! doubled, no control character) joined by ` AND `, the last a prefix; and neither search nor
//! the review list ever fails (an FTS5 syntax error would be an `Err`, caught here as a crash).
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_domain::{
    ChannelKind, Direction, IncomingMessage, IngestBatch, RemotePerson, ReviewFilter,
};
use parley_store::{NewAccount, Store, fts_query, search_patterns};

thread_local! {
    static STORE: Store = seeded();
}

fn seeded() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    let account = store
        .insert_account(
            &NewAccount {
                channel: ChannelKind::Telegram,
                name: "Fuzz".into(),
                handle: None,
                external_id: "fuzz".into(),
                is_demo: false,
            },
            0,
        )
        .expect("account");
    let texts = [
        "hello world, where is my order 4711?",
        "Café crème — Grüße aus Köln",
        "NEAR AND OR NOT \"quoted\" col:x * ^",
        "日本語のテキスト 中文 한국어",
        "a\u{93E} \u{345}x ² \u{200D}y emoji 🎉",
    ];
    let person = RemotePerson {
        remote_id: "42".into(),
        display_name: "Ana".into(),
        handle: None,
    };
    let batch = IngestBatch {
        messages: texts
            .iter()
            .enumerate()
            .map(|(i, t)| IncomingMessage {
                remote_thread_id: "42".into(),
                remote_id: format!("42:{i}"),
                direction: Direction::Inbound,
                sender: person.clone(),
                customer: person.clone(),
                text: (*t).into(),
                attachments: Vec::new(),
                sent_at: 1_700_000_000_000 + i as i64,
                reply_to_remote_id: None,
                subject: None,
                quoted_text: None,
            })
            .collect(),
        ..Default::default()
    };
    store.apply_batch(account, &batch, None, 0).expect("seed");
    store
}

/// Checks the builder's shape: `"w1" AND "w2" AND … "wn"*`.
fn check_shape(input: &str, q: &str) {
    let mut rest = q;
    loop {
        let Some(after_quote) = rest.strip_prefix('"') else {
            panic!("{input:?} -> {q:?}: a phrase must start with a quote at {rest:?}");
        };
        // The phrase runs to the first quote not doubled.
        let mut phrase = String::new();
        let mut chars = after_quote.char_indices().peekable();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => {
                    if let Some(&(_, '"')) = chars.peek() {
                        chars.next();
                        phrase.push('"');
                    } else {
                        break i;
                    }
                }
                Some((_, c)) => {
                    assert!(!c.is_control(), "{input:?} -> {q:?}: a control character");
                    phrase.push(c);
                }
                None => panic!("{input:?} -> {q:?}: an unterminated phrase"),
            }
        };
        assert!(
            phrase.chars().any(char::is_alphanumeric),
            "{input:?} -> {q:?}: a phrase without a letter or digit"
        );
        rest = &after_quote[end + 1..];
        if rest == "*" {
            return;
        }
        match rest.strip_prefix(" AND ") {
            Some(r) => rest = r,
            None => panic!("{input:?} -> {q:?}: expected ` AND ` or the final `*` at {rest:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let built = fts_query(&input);
    if let Some(q) = &built {
        check_shape(&input, q);
    } else {
        assert!(
            !input
                .split(|c: char| c.is_whitespace() || c.is_control())
                .any(|w| w.chars().any(char::is_alphanumeric)),
            "{input:?}: a word with a letter was dropped"
        );
    }
    std::hint::black_box(search_patterns(&input));
    STORE.with(|store| {
        if let Err(e) = store.search(&input, 5) {
            panic!("search({input:?}) failed: {e}");
        }
        let filter = ReviewFilter {
            text: Some(input.to_string()),
            ..Default::default()
        };
        if let Err(e) = store.review_page(&filter, &[], 1_800_000_000_000, None, 5) {
            panic!("the review list's text filter {input:?} failed: {e}");
        }
    });
});
