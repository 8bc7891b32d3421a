//! The word lists the scorer reads, compiled into the binary from `lexicon/*.tsv` and parsed
//! once into hash maps keyed by the folded form of each term (lowercase, Latin accents removed,
//! `ß` as `ss`, curly apostrophes straight), so "não", "nao" and "NÃO" are one key.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// The languages with a valence lexicon of their own. Other languages still get the emoji,
/// punctuation, capitals and any English words their customers use.
pub const LANGUAGES: [&str; 5] = ["en", "es", "de", "fr", "pt"];

const VALENCE: [&str; 5] = [
    include_str!("../lexicon/en.tsv"),
    include_str!("../lexicon/es.tsv"),
    include_str!("../lexicon/de.tsv"),
    include_str!("../lexicon/fr.tsv"),
    include_str!("../lexicon/pt.tsv"),
];
const EMOJI: &str = include_str!("../lexicon/emoji.tsv");
const MODIFIERS: &str = include_str!("../lexicon/modifiers.tsv");
const URGENCY: &str = include_str!("../lexicon/urgency.tsv");

/// What a word (or phrase) does to the score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Rule {
    Valence(f32),
    Negator,
    AfterNegator,
    Booster,
    Dampener,
    But,
}

/// Everything the lists say about one word or phrase.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Entry {
    pub rule: Option<Rule>,
    /// A rule word that is also a sentiment word ("super", "so"): its valence, used unless a
    /// sentiment word follows it directly.
    pub valence_also: Option<f32>,
    pub urgency: Option<f32>,
    /// A sarcasm cue: `Some(true)` when it counts only beside something negative.
    pub sarcasm: Option<bool>,
}

/// FNV-1a: the keys are short words, for which SipHash's set-up costs more than the hashing
/// (no untrusted party chooses the keys of these tables).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// The parsed lists, one table: a phrase is stored under its words joined by one space.
pub(crate) struct Lexicon {
    pub entries: HashMap<String, Entry, FnvBuild>,
    /// The first word of every phrase of any list, so single words skip the phrase look-ups.
    pub phrase_starts: HashSet<String, FnvBuild>,
    /// The longest phrase, in words.
    pub longest: usize,
}

impl Lexicon {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    #[cfg(test)]
    pub fn rule(&self, key: &str) -> Option<Rule> {
        self.get(key).and_then(|e| e.rule)
    }
}

pub(crate) fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(build)
}

/// Lines of a list: `#` comments and blank lines skipped, fields split on tabs.
fn lines(list: &str) -> impl Iterator<Item = (&str, &str)> {
    list.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
}

fn build() -> Lexicon {
    let mut lex = Lexicon {
        entries: HashMap::default(),
        phrase_starts: HashSet::default(),
        longest: 1,
    };
    fn entry<'a>(lex: &'a mut Lexicon, term: &str) -> &'a mut Entry {
        let key = fold_phrase(term);
        let words = key.split(' ').count();
        if words > 1 {
            lex.longest = lex.longest.max(words);
            if let Some(first) = key.split(' ').next() {
                lex.phrase_starts.insert(first.to_owned());
            }
        }
        lex.entries.entry(key).or_default()
    }
    for list in VALENCE.iter().chain([&EMOJI]) {
        for (term, value) in lines(list) {
            if let Ok(v) = value.trim().parse::<f32>() {
                entry(&mut lex, term).rule = Some(Rule::Valence(v));
            }
        }
    }
    for (kind, term) in lines(MODIFIERS) {
        let rule = match kind {
            "sarcasm" | "sarcasm-if-negative" => {
                entry(&mut lex, term).sarcasm = Some(kind != "sarcasm");
                continue;
            }
            "negator" => Rule::Negator,
            "after-negator" => Rule::AfterNegator,
            "booster" => Rule::Booster,
            "dampener" => Rule::Dampener,
            "but" => Rule::But,
            _ => continue,
        };
        let e = entry(&mut lex, term);
        if let Some(Rule::Valence(v)) = e.rule.replace(rule) {
            e.valence_also = Some(v);
        }
    }
    for (term, value) in lines(URGENCY) {
        if let Ok(w) = value.trim().parse::<f32>() {
            entry(&mut lex, term).urgency = Some(w);
        }
    }
    lex
}

/// A list's term as the tokenizer would produce it: each word folded, one space between.
fn fold_phrase(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for word in crate::tokens::tokenize(term).words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.folded);
    }
    out
}

/// Lowercase with Latin accents removed (`é`→`e`, `ß`→`ss`, `’`→`'`); other characters as they
/// are. Appends to `out`.
pub(crate) fn fold_into(c: char, out: &mut String) {
    let base = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => {
            out.push_str("ss");
            return;
        }
        '’' | '‘' | '`' | '´' => '\'',
        c if c.is_ascii() => c.to_ascii_lowercase(),
        c => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push(base);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parses_and_folds() {
        let lex = lexicon();
        assert!(lex.entries.len() > 700, "{} entries", lex.entries.len());
        assert_eq!(lex.rule("nao"), Some(Rule::Negator));
        assert_eq!(lex.rule("wutend"), Some(Rule::Valence(-3.4)));
        assert!(
            lex.get("j'attends toujours")
                .and_then(|e| e.urgency)
                .is_some()
        );
        assert_eq!(lex.get("🙄").and_then(|e| e.sarcasm), Some(false));
        assert_eq!(lex.get("oh great").and_then(|e| e.sarcasm), Some(true));
        assert!(lex.get("super").and_then(|e| e.valence_also).is_some());
        // "cancel" is both a valence-free urgency cue and nothing else; "refund" likewise.
        assert_eq!(lex.get("refund").and_then(|e| e.rule), None);
        assert!(lex.phrase_starts.contains("still"));
    }
}
