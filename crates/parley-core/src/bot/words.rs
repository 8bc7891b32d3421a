//! How the bot reads text: a message and a phrase become the same kind of word list, so a phrase
//! matches whatever the case, accents, punctuation and spacing — in any script.
//!
//! - Letters and digits are transliterated to ASCII (`deunicode`: "Dónde" → "donde", "Größe" →
//!   "grosse", "你好" → "ni hao", "заказ" → "zakaz") and lower-cased; a decomposed accent
//!   (a combining mark after its letter) is dropped the same way. Everything else — punctuation,
//!   symbols, emoji — separates words, so "order?!" is "order" and an emoji never matches a word.
//! - A phrase matches where its words appear in a row in the message, on whole words: "order"
//!   is not found in "reorder". A phrase's word written with a trailing `*` matches any word it
//!   starts ("pedido*" finds "pedidos").

/// One word of a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    Exact(String),
    Prefix(String),
}

impl Pattern {
    fn matches(&self, word: &str) -> bool {
        match self {
            Self::Exact(w) => w == word,
            Self::Prefix(p) => word.starts_with(p.as_str()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Exact(w) | Self::Prefix(w) => w.len(),
        }
    }
}

/// A phrase ready to be looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    /// As the owner wrote it.
    pub text: String,
    words: Vec<Pattern>,
}

fn combining(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// The text with each letter and digit transliterated and lower-cased, and everything else a
/// space.
fn folded(text: &str, keep_star: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if keep_star && c == '*' {
            out.push('*');
        } else if c.is_alphanumeric() || combining(c) {
            if let Some(t) = deunicode::deunicode_char(c) {
                // Transliterations may hold spaces ("ni hao") or punctuation ("'"): only their
                // letters and digits count.
                for t in t.chars() {
                    if t.is_ascii_alphanumeric() {
                        out.push(t.to_ascii_lowercase());
                    } else {
                        out.push(' ');
                    }
                }
                // A CJK character is a word of its own.
                if !c.is_ascii() && t.contains(' ') {
                    out.push(' ');
                }
            }
        } else {
            out.push(' ');
        }
    }
    out
}

/// The words of a text as the bot compares them.
pub(crate) fn words(text: &str) -> Vec<String> {
    folded(text, false)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

impl Phrase {
    /// `None` when the phrase has no letter or digit.
    pub fn new(text: &str) -> Option<Self> {
        let mut words = Vec::new();
        for chunk in folded(text, true).split_whitespace() {
            let (chunk, prefix) = match chunk.strip_suffix('*') {
                Some(c) => (c, true),
                None => (chunk, false),
            };
            // A star inside a word separates, like punctuation.
            let parts: Vec<&str> = chunk.split('*').filter(|p| !p.is_empty()).collect();
            let last = parts.len().saturating_sub(1);
            for (i, p) in parts.iter().enumerate() {
                words.push(if prefix && i == last {
                    Pattern::Prefix((*p).to_owned())
                } else {
                    Pattern::Exact((*p).to_owned())
                });
            }
        }
        (!words.is_empty()).then(|| Self {
            text: text.trim().to_owned(),
            words,
        })
    }

    /// How strongly the phrase matches `message` (its length in letters), or `None`.
    pub fn score(&self, message: &[String]) -> Option<usize> {
        let n = self.words.len();
        if n > message.len() {
            return None;
        }
        message
            .windows(n)
            .any(|w| w.iter().zip(&self.words).all(|(m, p)| p.matches(m)))
            .then(|| self.words.iter().map(Pattern::len).sum::<usize>() + n)
    }
}

/// Phrases that always hand the conversation to a person, in the languages Parley's customers
/// write most (the owner adds more in Settings → Bot).
pub(crate) const BUILT_IN_HANDOFF: &[&str] = &[
    // English
    "talk to a person",
    "talk to a human",
    "talk to someone",
    "talk to an agent",
    "speak to a person",
    "speak to a human",
    "speak to someone",
    "speak to an agent",
    "agent please",
    "real person",
    "human",
    "operator",
    "representative",
    // Spanish
    "persona",
    "hablar con alguien",
    "humano",
    "agente",
    "operador",
    // Portuguese
    "pessoa",
    "atendente",
    "falar com alguem",
    // German
    "mit einem menschen",
    "mensch",
    "mitarbeiter",
    "echte person",
    // French
    "humain",
    "une personne",
    "parler a quelqu un",
    "conseiller",
    // Italian
    "operatore",
    "parlare con qualcuno",
    // Dutch
    "medewerker",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(phrase: &str, message: &str) -> bool {
        Phrase::new(phrase)
            .expect("phrase")
            .score(&words(message))
            .is_some()
    }

    #[test]
    fn accents_case_punctuation_and_spacing_do_not_matter() {
        assert!(hit("dónde está mi pedido", "¿DONDE   esta mi PEDIDO??"));
        assert!(hit("donde esta mi pedido", "Hola, ¿dónde está mi pedido?"));
        // Decomposed accents (a combining mark after the letter).
        assert!(hit("donde", "Do\u{301}nde"));
        assert!(hit("où est ma commande", "Bonjour, ou est ma commande ?"));
        assert!(hit("Größe", "welche grosse?"));
        assert!(hit(
            "wo ist meine bestellung",
            "Hallo! Wo ist meine Bestellung???"
        ));
        assert!(hit("cadê meu pedido", "oi, cade meu pedido"));
        assert!(hit("where is my order", "Hi there — where is my order? 🙂"));
    }

    #[test]
    fn whole_words_only_and_stars_match_word_starts() {
        assert!(!hit("order", "I want to reorder"));
        assert!(!hit("order", "orders"));
        assert!(hit("order*", "two orders"));
        assert!(hit("pedido*", "mis pedidos no llegan"));
        assert!(!hit("my order", "order my"));
    }

    #[test]
    fn other_scripts_match_themselves() {
        assert!(hit("你好", "你好，请问你们周末营业吗？"));
        assert!(hit("где мой заказ", "Здравствуйте! Где мой заказ?"));
        assert!(!hit("营业", "你好"));
        // Emoji and symbols are no words.
        assert!(words("👍 🙂 !!").is_empty());
    }

    #[test]
    fn a_phrase_needs_a_word_and_longer_phrases_score_higher() {
        assert!(Phrase::new(" ?! ").is_none());
        let message = words("where is my order please");
        let short = Phrase::new("order").expect("p").score(&message);
        let long = Phrase::new("where is my order").expect("p").score(&message);
        assert!(long > short, "{long:?} {short:?}");
    }
}
