//! The scorer on Parley's evaluation set (`eval/messages.tsv`: customer messages written and
//! labelled by hand, in English, Spanish, German, French, Portuguese and a few others): the
//! precision and recall of the "negative" flag (angry or urgent), overall and per language,
//! against floors a little below what was measured (the figures are in
//! `docs/decisions/020-sentiment-and-spike.md`). Run with `--nocapture` to see the table.

use parley_sentiment::{Mood, score};
use std::collections::BTreeMap;

const SET: &str = include_str!("../eval/messages.tsv");
/// Written after the lexicon was tuned on `SET`, never used to tune it.
const HOLDOUT: &str = include_str!("../eval/holdout.tsv");

#[derive(Default, Clone, Copy)]
struct Counts {
    messages: u32,
    true_pos: u32,
    false_pos: u32,
    false_neg: u32,
    exact: u32,
}

impl Counts {
    fn precision(&self) -> f64 {
        let flagged = self.true_pos + self.false_pos;
        if flagged == 0 {
            1.0
        } else {
            f64::from(self.true_pos) / f64::from(flagged)
        }
    }
    fn recall(&self) -> f64 {
        let negative = self.true_pos + self.false_neg;
        if negative == 0 {
            1.0
        } else {
            f64::from(self.true_pos) / f64::from(negative)
        }
    }
    fn accuracy(&self) -> f64 {
        f64::from(self.exact) / f64::from(self.messages)
    }
}

fn evaluate(set: &str) -> (Counts, BTreeMap<String, Counts>, Vec<String>) {
    let mut all = Counts::default();
    let mut by_lang: BTreeMap<String, Counts> = BTreeMap::new();
    let mut misses = Vec::new();
    for line in set.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut fields = line.splitn(3, '\t');
        let (Some(lang), Some(label), Some(text)) = (fields.next(), fields.next(), fields.next())
        else {
            panic!("a line without three fields: {line:?}");
        };
        let expected = Mood::parse(label).unwrap_or_else(|| panic!("unknown label {label:?}"));
        let got = score(text);
        for c in [&mut all, by_lang.entry(lang.to_owned()).or_default()] {
            c.messages += 1;
            match (expected.flagged(), got.mood.flagged()) {
                (true, true) => c.true_pos += 1,
                (false, true) => c.false_pos += 1,
                (true, false) => c.false_neg += 1,
                (false, false) => {}
            }
            c.exact += u32::from(expected == got.mood);
        }
        if expected.flagged() != got.mood.flagged() {
            misses.push(format!(
                "{lang} {label:>7} got {:>7} ({:+.2}, urgency {:.1}): {text}",
                got.mood.as_str(),
                got.compound,
                got.urgency
            ));
        }
    }
    (all, by_lang, misses)
}

fn print(name: &str, all: &Counts, by_lang: &BTreeMap<String, Counts>, misses: &[String]) {
    println!("{name}\nlang  messages  precision  recall  4-way accuracy");
    for (lang, c) in by_lang.iter().chain([(&"all".to_owned(), all)]) {
        println!(
            "{lang:<5} {:>8}  {:>9.2}  {:>6.2}  {:>14.2}",
            c.messages,
            c.precision(),
            c.recall(),
            c.accuracy()
        );
    }
    println!("flag disagreements:\n{}\n", misses.join("\n"));
}

#[test]
fn the_negative_flag_on_the_evaluation_set() {
    let (all, by_lang, misses) = evaluate(SET);
    print("messages.tsv", &all, &by_lang, &misses);
    assert!(all.messages >= 300, "{} messages", all.messages);

    // Floors a little below the measured figures (see the module doc).
    let floors = [
        // measured: precision 1.00 everywhere; recall all 0.98, en 0.98, es 1.00, de 1.00,
        // fr 0.95, pt 1.00.
        ("all", 0.95, 0.93),
        ("en", 0.95, 0.93),
        ("es", 0.95, 0.90),
        ("de", 0.95, 0.90),
        ("fr", 0.95, 0.85),
        ("pt", 0.95, 0.90),
    ];
    for (lang, precision, recall) in floors {
        let c = if lang == "all" { &all } else { &by_lang[lang] };
        assert!(
            c.precision() >= precision && c.recall() >= recall,
            "{lang}: precision {:.2} (floor {precision}), recall {:.2} (floor {recall})",
            c.precision(),
            c.recall()
        );
    }
}

#[test]
fn the_negative_flag_on_the_held_out_set() {
    let (all, by_lang, misses) = evaluate(HOLDOUT);
    print("holdout.tsv", &all, &by_lang, &misses);
    assert!(all.messages >= 80, "{} messages", all.messages);
    // measured: precision 1.00 (0.96 when first measured), recall 0.63 (English 0.41: its
    // misses are complaints in words the lexicon lacks, "the last straw", "zero stars").
    let (precision, recall) = (0.85, 0.55);
    assert!(
        all.precision() >= precision && all.recall() >= recall,
        "held out: precision {:.2} (floor {precision}), recall {:.2} (floor {recall})",
        all.precision(),
        all.recall()
    );
}
