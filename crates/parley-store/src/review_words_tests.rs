//! The words filter against a naive model on random workspaces: both plans (a rare word's
//! "matching messages → conversations" and a common word's "walk the order, check each
//! conversation") page through exactly the conversations a plain query finds, in the list's
//! order, whatever the other conditions and the sort.

use super::{WordsPlan, review_sql, targets_from_json};
use crate::Store;
use crate::review::tests::{ingest, outbound};
use crate::test_support::{account, inbound};
use parley_domain::*;
use rusqlite::params_from_iter;

const MIN: i64 = 60_000;
const T0: Millis = 1_780_000_000_000;
const WORDS: &[&str] = &[
    "order", "orders", "refund", "parcel", "Ordnung", "gift", "hello",
];

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn workspace(rng: &mut Rng) -> Store {
    let mut s = Store::open_in_memory().expect("open");
    let accounts = [
        account(&mut s, ChannelKind::Telegram, "bot"),
        account(&mut s, ChannelKind::Email, "shop@example.com"),
    ];
    for chat in 0..40 {
        let a = accounts[rng.below(2) as usize];
        let start = T0 + rng.below(10_000) as i64 * MIN;
        let n = 1 + rng.below(6);
        let mut messages = Vec::new();
        for i in 0..n {
            let words: Vec<&str> = (0..1 + rng.below(3))
                .map(|_| WORDS[rng.below(WORDS.len() as u64) as usize])
                .collect();
            let (chat_s, id) = (chat.to_string(), i.to_string());
            let at = start + i as i64 * rng.below(90) as i64 * MIN;
            messages.push(if rng.below(2) == 0 {
                inbound(&chat_s, &id, &words.join(" "), at)
            } else {
                outbound(&chat_s, &id, &words.join(" "), at)
            });
        }
        ingest(&mut s, a, messages);
    }
    s
}

/// Every conversation with a message matching `q`, by a plain query, in the list's order.
fn naive(s: &Store, f: &ReviewFilter, q: &str) -> Vec<ThreadId> {
    let (key, inverted) = match f.sort {
        ReviewSort::Date => ("started_at", false),
        ReviewSort::Length => ("message_count", false),
        ReviewSort::FirstResponse => ("first_response_ms", false),
        ReviewSort::Wait => ("waiting_since", true),
    };
    let dir = if f.descending != inverted {
        "DESC"
    } else {
        "ASC"
    };
    let channels = if f.channels.is_empty() {
        String::new()
    } else {
        " AND account_id IN (SELECT id FROM accounts WHERE channel = 'email')".into()
    };
    let sql = format!(
        "SELECT id FROM threads WHERE {key} IS NOT NULL{channels} AND id IN (
           SELECT thread_id FROM messages WHERE id IN (
             SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1))
         ORDER BY {key} {dir}, id {dir}"
    );
    let mut stmt = s.conn.prepare(&sql).expect("naive");
    stmt.query_map([q], |r| Ok(ThreadId(r.get(0)?)))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

/// The conversations one plan pages through, `limit` at a time.
fn paged(s: &Store, f: &ReviewFilter, plan: WordsPlan, limit: u32) -> Vec<ThreadId> {
    let targets = targets_from_json(None);
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let (sql, p) = review_sql(f, &targets, T0, after, Some(limit + 1), plan).expect("sql");
        let mut stmt = s.conn.prepare(&sql).expect("prepare");
        let mut rows: Vec<ReviewRow> = crate::rows::collect(&mut stmt, params_from_iter(p), |r| {
            super::review_row(r, r.get(19)?)
        })
        .expect("rows");
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        out.extend(rows.iter().map(|r| r.thread_id));
        match rows.last() {
            Some(last) if more => {
                after = Some(ReviewCursor {
                    key: super::key_of(f.sort, last),
                    id: last.thread_id.0,
                })
            }
            _ => return out,
        }
    }
}

#[test]
fn both_plans_of_the_words_filter_agree_with_a_plain_query() {
    let sorts = [
        ReviewSort::Date,
        ReviewSort::Length,
        ReviewSort::FirstResponse,
        ReviewSort::Wait,
    ];
    for seed in 1..=12u64 {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        let s = workspace(&mut rng);
        for text in [
            "order",
            "ord",
            "refund gift",
            "ORDNUNG",
            "hel",
            "missing",
            "parcel hello",
        ] {
            let q = crate::text::fts_query(text).expect("query");
            for _ in 0..4 {
                let f = ReviewFilter {
                    text: Some(text.into()),
                    sort: sorts[rng.below(4) as usize],
                    descending: rng.below(2) == 0,
                    channels: if rng.below(3) == 0 {
                        vec![ChannelKind::Email]
                    } else {
                        vec![]
                    },
                    ..ReviewFilter::default()
                };
                let want = naive(&s, &f, &q);
                let limit = 1 + rng.below(7) as u32;
                for plan in [WordsPlan::Rare, WordsPlan::Common] {
                    assert_eq!(
                        paged(&s, &f, plan, limit),
                        want,
                        "seed {seed}, {text:?}, {plan:?}, {f:?}"
                    );
                }
                // And the page the store serves (its own choice of plan).
                let served = {
                    let mut out = Vec::new();
                    let mut after = None;
                    loop {
                        let p = s
                            .review_page(&f, &targets_from_json(None), T0, after, limit)
                            .expect("page");
                        out.extend(p.rows.iter().map(|r| r.thread_id));
                        match p.next {
                            Some(n) => after = Some(n),
                            None => break out,
                        }
                    }
                };
                assert_eq!(served, want, "seed {seed}, {text:?}, {f:?}");
            }
        }
    }
}

#[test]
fn a_common_word_walks_the_order_index() {
    let s = Store::open_in_memory().expect("open");
    let f = ReviewFilter {
        text: Some("order".into()),
        ..ReviewFilter::default()
    };
    let (sql, p) = review_sql(
        &f,
        &targets_from_json(None),
        T0,
        None,
        Some(51),
        WordsPlan::Common,
    )
    .expect("sql");
    let plan = crate::test_support::query_plan(&s, &sql, params_from_iter(p));
    assert!(plan.contains("threads_review_started"), "{plan}");
    assert!(plan.contains("messages_thread_time"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}

#[test]
fn the_plan_follows_how_many_messages_match() {
    let mut s = Store::open_in_memory().expect("open");
    let a = account(&mut s, ChannelKind::Telegram, "bot");
    let f = |t: &str| ReviewFilter {
        text: Some(t.into()),
        ..ReviewFilter::default()
    };
    let n = super::COMMON_WORDS as usize;
    let messages: Vec<_> = (0..n)
        .map(|i| {
            inbound(
                &(i % 50).to_string(),
                &i.to_string(),
                "order",
                T0 + i as i64,
            )
        })
        .chain([inbound("x", "rare", "refund", T0)])
        .collect();
    ingest(&mut s, a, messages);
    assert_eq!(
        super::words_plan(&s.conn, &f("ord")).expect("plan"),
        WordsPlan::Common
    );
    assert_eq!(
        super::words_plan(&s.conn, &f("refund")).expect("plan"),
        WordsPlan::Rare
    );
    assert_eq!(
        super::words_plan(&s.conn, &f("  ")).expect("plan"),
        WordsPlan::Rare
    );
}
