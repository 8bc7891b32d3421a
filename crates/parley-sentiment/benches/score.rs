//! How long a score takes: every message of the evaluation set scored again and again, the
//! time per message printed (`cargo bench -p parley-sentiment`). Ingest scores each inbound
//! message once (BUDGETS P1 runs with it, `parley-store`'s `ingest_search` bench).

use std::hint::black_box;
use std::time::Instant;

const SET: &str = include_str!("../eval/messages.tsv");

fn main() {
    let texts: Vec<&str> = SET
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .collect();
    let long = "Hello, I am writing about my order. ".repeat(100);
    // Warm the lexicon up (parsed once per process).
    black_box(parley_sentiment::score("warm up"));
    for (name, set, rounds) in [
        ("evaluation messages", texts.clone(), 300u32),
        ("a 3,600-character email", vec![long.as_str()], 20_000),
    ] {
        let started = Instant::now();
        for _ in 0..rounds {
            for t in &set {
                black_box(parley_sentiment::score(black_box(t)));
            }
        }
        let n = f64::from(rounds) * set.len() as f64;
        let per = started.elapsed().as_secs_f64() / n;
        println!("{name:<24}: {:>7.2} µs per message ({n} scored)", per * 1e6);
    }
}
