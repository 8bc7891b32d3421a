//! Splitting a message into the words the scorer looks up: letters, digits and inner
//! apostrophes make a word; each emoji is a word of its own; sentence ends (`.`, `!`, `?`, new
//! lines) are remembered so negation does not reach across them; `!` and `?` are counted.

use crate::lexicon::fold_into;

#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// Lowercase, accents folded (see `lexicon::fold_into`).
    pub folded: String,
    /// Written in capitals (two letters or more, none lowercase).
    pub caps: bool,
    /// Has letters (capitals are judged on these only).
    pub letters: bool,
    /// The sentence it belongs to (counted from 0).
    pub sentence: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub words: Vec<Word>,
    pub exclamations: u32,
    pub questions: u32,
    /// `?!` or `!?` somewhere: exasperation.
    pub interrobang: bool,
}

/// Emoji modifiers that carry no meaning of their own: variation selectors, the zero-width
/// joiner, skin tones.
fn is_modifier(c: char) -> bool {
    matches!(
        c,
        '\u{FE0E}' | '\u{FE0F}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}'
    )
}

/// Pictographs and symbols scored as words (emoji, hearts, stars).
fn is_pictograph(c: char) -> bool {
    matches!(c,
        '\u{1F300}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}' | '\u{2B50}' | '\u{2B55}')
}

pub(crate) fn tokenize(text: &str) -> Tokens {
    let mut t = Tokens::default();
    let mut current = String::new();
    let (mut upper, mut lower) = (0u32, 0u32);
    let mut sentence = 0u32;
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    let finish =
        |current: &mut String, upper: &mut u32, lower: &mut u32, sentence, t: &mut Tokens| {
            // A trailing apostrophe is quoting, not part of the word.
            while current.ends_with('\'') {
                current.pop();
            }
            if !current.is_empty() {
                t.words.push(Word {
                    folded: std::mem::take(current),
                    caps: *upper >= 2 && *lower == 0,
                    letters: *upper + *lower > 0,
                    sentence,
                });
            }
            current.clear();
            (*upper, *lower) = (0, 0);
        };
    while let Some(c) = chars.next() {
        let apostrophe = matches!(c, '\'' | '’' | '‘');
        if c.is_alphanumeric()
            || (apostrophe && !current.is_empty())
            || (c == '-'
                && !current.is_empty()
                && chars.peek().is_some_and(|n| n.is_alphanumeric()))
        {
            if c.is_uppercase() {
                upper += 1;
            } else if c.is_lowercase() {
                lower += 1;
            }
            fold_into(c, &mut current);
        } else {
            finish(&mut current, &mut upper, &mut lower, sentence, &mut t);
            match c {
                '!' => {
                    t.exclamations += 1;
                    t.interrobang |= prev == Some('?');
                    sentence += 1;
                }
                '?' => {
                    t.questions += 1;
                    t.interrobang |= prev == Some('!');
                    sentence += 1;
                }
                // A comma ends a clause: negation stops there too.
                '.' | ',' | '\n' | ';' | ':' => sentence += 1,
                '/' if chars.peek() == Some(&'s') => {
                    // "/s", the sarcasm tag, kept as one word.
                    chars.next();
                    t.words.push(Word {
                        folded: "/s".to_owned(),
                        caps: false,
                        letters: false,
                        sentence,
                    });
                }
                c if is_pictograph(c) => t.words.push(Word {
                    folded: c.to_string(),
                    caps: false,
                    letters: false,
                    sentence,
                }),
                c if is_modifier(c) => {}
                _ => {}
            }
        }
        prev = Some(c);
    }
    finish(&mut current, &mut upper, &mut lower, sentence, &mut t);
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).words.into_iter().map(|w| w.folded).collect()
    }

    #[test]
    fn words_emoji_and_punctuation() {
        assert_eq!(words("Don’t   WORK?! 😡😡"), ["don't", "work", "😡", "😡"]);
        assert_eq!(
            words("Não chegou, é péssimo"),
            ["nao", "chegou", "e", "pessimo"]
        );
        assert_eq!(
            words("Straße ❤️ e-mail 'quoted'"),
            ["strasse", "❤", "e-mail", "quoted"]
        );
        let t = tokenize("WHERE is it?! Now!!");
        assert!(t.interrobang);
        assert_eq!((t.exclamations, t.questions), (3, 1));
        assert!(t.words[0].caps && !t.words[1].caps);
        assert_eq!(t.words[3].sentence, 2);
    }
}
