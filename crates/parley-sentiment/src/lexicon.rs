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

/// The parsed lists. A phrase is stored under its words joined by one space.
pub(crate) struct Lexicon {
    /// Valence words, emoji and rule words. A word that is both a rule and a valence word
    /// ("super", "so") keeps both: the scorer decides from what follows.
    pub rules: HashMap<String, Rule>,
    pub valence_also: HashMap<String, f32>,
    pub urgency: HashMap<String, f32>,
    /// Sarcasm cues: `true` when the cue counts only beside something negative.
    pub sarcasm: HashMap<String, bool>,
    /// The first word of every phrase of any list, so single words skip the phrase look-ups.
    pub phrase_starts: HashSet<String>,
    /// The longest phrase, in words.
    pub longest: usize,
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
        rules: HashMap::new(),
        valence_also: HashMap::new(),
        urgency: HashMap::new(),
        sarcasm: HashMap::new(),
        phrase_starts: HashSet::new(),
        longest: 1,
    };
    let note_phrase = |key: &str, lex: &mut Lexicon| {
        let words = key.split(' ').count();
        if words > 1 {
            lex.longest = lex.longest.max(words);
            if let Some(first) = key.split(' ').next() {
                lex.phrase_starts.insert(first.to_owned());
            }
        }
    };
    for list in VALENCE.iter().chain([&EMOJI]) {
        for (term, value) in lines(list) {
            let Ok(v) = value.trim().parse::<f32>() else {
                continue;
            };
            let key = fold_phrase(term);
            note_phrase(&key, &mut lex);
            lex.rules.insert(key, Rule::Valence(v));
        }
    }
    for (kind, term) in lines(MODIFIERS) {
        let key = fold_phrase(term);
        if kind == "sarcasm" || kind == "sarcasm-if-negative" {
            note_phrase(&key, &mut lex);
            lex.sarcasm.insert(key, kind != "sarcasm");
            continue;
        }
        let rule = match kind {
            "negator" => Rule::Negator,
            "after-negator" => Rule::AfterNegator,
            "booster" => Rule::Booster,
            "dampener" => Rule::Dampener,
            "but" => Rule::But,
            _ => continue,
        };
        note_phrase(&key, &mut lex);
        if let Some(Rule::Valence(v)) = lex.rules.insert(key.clone(), rule) {
            lex.valence_also.insert(key, v);
        }
    }
    for (term, value) in lines(URGENCY) {
        let Ok(w) = value.trim().parse::<f32>() else {
            continue;
        };
        let key = fold_phrase(term);
        note_phrase(&key, &mut lex);
        lex.urgency.insert(key, w);
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
        assert!(lex.rules.len() > 500, "{} rule words", lex.rules.len());
        assert_eq!(lex.rules.get("nao"), Some(&Rule::Negator));
        assert_eq!(lex.rules.get("wutend"), Some(&Rule::Valence(-3.4)));
        assert!(lex.urgency.contains_key("j'attends toujours"));
        assert_eq!(lex.sarcasm.get("🙄"), Some(&false));
        assert_eq!(lex.sarcasm.get("oh great"), Some(&true));
        assert!(lex.valence_also.contains_key("super"));
        assert!(lex.phrase_starts.contains("still"));
    }
}
