//! Parley's on-device mood scorer: how negative and how urgent a customer's message reads, from
//! word lists and a few rules, in microseconds and without the text leaving the machine.
//!
//! It is a lexicon-and-rules scorer in the manner of VADER (Hutto & Gilbert, 2014), written for
//! customer-service messages rather than tweets:
//!
//! - **valence words and phrases** from `lexicon/{en,es,de,fr,pt}.tsv` and `lexicon/emoji.tsv`
//!   (-4 .. +4), compared with accents folded ("pessimo" is "péssimo");
//! - **negation**: a negator up to three words before a sentiment word, in the same clause,
//!   flips and damps it ("not happy", "nicht zufrieden", "n'est pas content", "não gostei"); a
//!   negated positive is a complaint, a negated negative only mildly positive ("not bad"), and a
//!   booster between softens it ("not so good");
//!   French `pas` and German `nicht` also negate the word just before them;
//! - **boosters and dampeners** ("very", "muy", "sehr", "très", "muito"; "a bit");
//! - **capitals**: a word in capitals among lowercase ones counts more; a message shouted in
//!   capitals counts as anger;
//! - **`!`, `?!` and `??`** strengthen the tone;
//! - **contrast** ("but", "pero", "aber", "mais", "mas"): what comes after counts more;
//! - **sarcasm cues** (🙄, "oh great", "thanks for nothing", "/s", "na toll") turn the message's
//!   positive words negative ("great, another week of waiting 🙄");
//! - **urgency cues** (`lexicon/urgency.tsv`: "asap", "still waiting", "third time", deadlines,
//!   "refund", "chargeback", "lawyer", "cancel", and the same in the other languages) add up to
//!   an urgency weight, separate from the tone.
//!
//! The result is a [`Score`]: the tone (`compound`, -1 .. 1, VADER's normalisation), the urgency
//! weight, and a [`Mood`]: angry, urgent, neutral or happy. Angry and urgent are "flagged".
//!
//! Languages: English, Spanish, German, French and Portuguese have lexicons; any other language
//! is scored on its emoji, punctuation, capitals and the English words its writer mixes in, so
//! it is flagged only when those say so (a calm message in Italian stays neutral). The measured
//! precision and recall per language are in `docs/decisions/020-sentiment-and-spike.md` and the
//! floors in `tests/eval.rs`.
//!
//! Only the first [`MAX_CHARS`] characters are read: the customer's tone shows early, and a long
//! email with a quoted history costs no more than a short chat message.

mod lexicon;
mod tokens;

use lexicon::{Rule, lexicon};
use tokens::{Tokens, Word, tokenize};

pub use lexicon::LANGUAGES;

/// How much of a message is read.
pub const MAX_CHARS: usize = 1500;

/// At or below this tone a message is angry.
const ANGRY_AT: f32 = -0.45;
/// At or above this tone (and not urgent) a message is happy.
const HAPPY_AT: f32 = 0.45;
/// Urgency cues adding up to this make a message urgent.
const URGENT_AT: f32 = 1.0;
/// An urgent message whose tone is at least this positive is a pleasant request, not a flag.
const URGENT_UNLESS_TONE: f32 = 0.5;

/// The mood of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mood {
    Angry,
    Urgent,
    Neutral,
    Happy,
}

impl Mood {
    pub fn as_str(self) -> &'static str {
        match self {
            Mood::Angry => "angry",
            Mood::Urgent => "urgent",
            Mood::Neutral => "neutral",
            Mood::Happy => "happy",
        }
    }

    pub fn parse(s: &str) -> Option<Mood> {
        Some(match s {
            "angry" => Mood::Angry,
            "urgent" => Mood::Urgent,
            "neutral" => Mood::Neutral,
            "happy" => Mood::Happy,
            _ => return None,
        })
    }

    /// Angry or urgent: the thread is flagged and its priority raised.
    pub fn flagged(self) -> bool {
        matches!(self, Mood::Angry | Mood::Urgent)
    }
}

/// What the scorer made of a message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub mood: Mood,
    /// The tone, -1 (furious) .. 1 (delighted).
    pub compound: f32,
    /// The urgency cues' weight (0 when there are none; [`URGENT_AT`] makes a message urgent).
    pub urgency: f32,
}

impl Score {
    /// How upset or pressing the message is, 0 ..= 100: the larger of its negativity and its
    /// urgency. Flagged messages sort by it.
    pub fn severity(&self) -> u8 {
        let negative = (-self.compound).max(0.0);
        let urgent = (self.urgency / (2.0 * URGENT_AT)).min(1.0);
        (negative.max(urgent) * 100.0).round() as u8
    }

    /// Angry and with urgency cues too ("refund me NOW or I call my lawyer"): the most
    /// pressing kind.
    pub fn angry_and_urgent(&self) -> bool {
        self.mood == Mood::Angry && self.urgency >= URGENT_AT
    }
}

/// What a sarcasm cue itself weighs ("thanks for nothing" has no other sentiment word).
const SARCASM: f32 = 1.6;

/// Scores one message.
pub fn score(text: &str) -> Score {
    let text = match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let tokens = tokenize(text);
    let found = matches(&tokens.words);
    let (urgency, sarcasm) = cues(&tokens.words, &found);
    let compound = tone(&tokens, &found, sarcasm);
    let urgent = urgency >= URGENT_AT && compound < URGENT_UNLESS_TONE;
    let mood = if compound <= ANGRY_AT {
        Mood::Angry
    } else if urgent {
        Mood::Urgent
    } else if compound >= HAPPY_AT {
        Mood::Happy
    } else {
        Mood::Neutral
    };
    Score {
        mood,
        compound,
        urgency,
    }
}

/// What the lists know starting at one word: for each list, its longest phrase (or the word
/// itself) there, with its length in words.
#[derive(Default, Clone, Copy)]
struct Found {
    rule: Option<(Rule, usize)>,
    urgency: Option<(f32, usize)>,
    sarcasm: Option<(bool, usize)>,
}

/// Every word's [`Found`], with one table look-up per candidate phrase (longest first) and one
/// reused key buffer.
fn matches(words: &[Word]) -> Vec<Found> {
    let lex = lexicon();
    let mut out = vec![Found::default(); words.len()];
    let mut key = String::new();
    for (i, found) in out.iter_mut().enumerate() {
        let mut note = |e: &lexicon::Entry, len: usize| {
            if found.rule.is_none() {
                found.rule = e.rule.map(|r| (r, len));
            }
            if found.urgency.is_none() {
                found.urgency = e.urgency.map(|u| (u, len));
            }
            if found.sarcasm.is_none() {
                found.sarcasm = e.sarcasm.map(|c| (c, len));
            }
        };
        if lex.phrase_starts.contains(words[i].folded.as_str()) {
            for len in (2..=lex.longest.min(words.len() - i)).rev() {
                key.clear();
                for (n, w) in words[i..i + len].iter().enumerate() {
                    if n > 0 {
                        key.push(' ');
                    }
                    key.push_str(&w.folded);
                }
                if let Some(e) = lex.get(&key) {
                    note(e, len);
                }
            }
        }
        if let Some(e) = lex.get(&words[i].folded) {
            note(e, 1);
        }
    }
    out
}

/// The urgency weight and whether a sarcasm cue is present. A cue right after a negator does
/// not count ("not urgent", "no rush"). A sarcasm cue in words ("oh great", "great job") counts
/// only beside something negative or pressing when it is ambiguous ("oh great", "great job");
/// an unambiguous one ("thanks for nothing", 🙄, "/s") always counts.
fn cues(words: &[Word], found: &[Found]) -> (f32, bool) {
    let negated = |i: usize| {
        i > 0
            && words[i - 1].sentence == words[i].sentence
            && matches!(
                found[i - 1].rule,
                Some((Rule::Negator | Rule::AfterNegator, 1))
            )
    };
    let (mut urgency, mut i) = (0.0f32, 0);
    while i < words.len() {
        match found[i].urgency {
            Some((w, len)) => {
                if !negated(i) {
                    urgency += w;
                }
                i += len;
            }
            None => i += 1,
        }
    }
    let mut sarcasm = false;
    let mut worded_sarcasm = false;
    for f in found {
        match f.sarcasm {
            Some((true, _)) => worded_sarcasm = true,
            Some((false, _)) => sarcasm = true,
            None => {}
        }
    }
    if worded_sarcasm && !sarcasm {
        let negative = urgency > 0.0
            || found
                .iter()
                .any(|f| matches!(f.rule, Some((Rule::Valence(v), _)) if v < 0.0));
        sarcasm = negative;
    }
    (urgency, sarcasm)
}

/// One word (or phrase) the rules act on, at its word position.
struct Item {
    rule: Rule,
    at: usize,
    sentence: u32,
    caps: bool,
}

/// The tone, -1 .. 1.
fn tone(tokens: &Tokens, found: &[Found], sarcasm: bool) -> f32 {
    let lex = lexicon();
    let words = &tokens.words;
    let mut items: Vec<Item> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match found[i].rule {
            Some((rule, len)) => {
                items.push(Item {
                    rule,
                    at: i,
                    sentence: words[i].sentence,
                    caps: words[i..i + len].iter().all(|w| w.caps),
                });
                i += len;
            }
            None => i += 1,
        }
    }
    // A rule word that is also a sentiment word ("super", "so") is the latter unless a
    // sentiment word follows it directly ("super slow").
    for k in 0..items.len() {
        let next_is_sentiment = items
            .get(k + 1)
            .is_some_and(|n| n.at == items[k].at + 1 && matches!(n.rule, Rule::Valence(_)));
        if !next_is_sentiment
            && let Some(v) = lex
                .get(&words[items[k].at].folded)
                .and_then(|e| e.valence_also)
        {
            items[k].rule = Rule::Valence(v);
        }
    }
    let letter_words = words.iter().filter(|w| w.letters).count();
    let caps_words = words.iter().filter(|w| w.caps).count();
    let mixed_caps = caps_words > 0 && caps_words < letter_words;
    let shouting = letter_words >= 3 && caps_words * 10 >= letter_words * 8;
    let but_at = items
        .iter()
        .rev()
        .find(|it| it.rule == Rule::But)
        .map(|it| it.at);

    let mut sum = 0.0f32;
    for (k, item) in items.iter().enumerate() {
        let Rule::Valence(mut v) = item.rule else {
            continue;
        };
        let sign = v.signum();
        if item.caps && mixed_caps {
            v += sign * 0.733;
        }
        let mut negated = false;
        // A booster between a negator and the word softens the negation: "not so good" is
        // milder than "not good" (litotes), not stronger.
        let mut boosted = false;
        let mut softened = false;
        for before in items[..k].iter().rev() {
            let distance = item.at - before.at;
            if distance > 3 || before.sentence != item.sentence {
                break;
            }
            let scale = 1.0 - 0.05 * (distance as f32 - 1.0);
            match before.rule {
                Rule::Booster => {
                    v += sign * 0.293 * scale;
                    boosted = true;
                }
                Rule::Dampener => v -= sign * 0.293 * scale,
                // "nicht" and "pas" negate what follows them too ("nicht zufrieden").
                Rule::Negator | Rule::AfterNegator => {
                    negated = true;
                    softened |= boosted;
                }
                _ => {}
            }
        }
        if let Some(after) = items.get(k + 1)
            && after.rule == Rule::AfterNegator
            && after.sentence == item.sentence
            && after.at - item.at <= 2
        {
            negated = true;
        }
        // Emoji are not negated ("personne ne répond 😡"). A negated positive word is a
        // complaint ("not happy"); a negated negative one is only mildly positive ("not bad").
        if negated && words[item.at].letters {
            v *= match (v > 0.0, softened) {
                (true, false) => -0.9,
                (true, true) => -0.6,
                (false, _) => -0.5,
            };
        }
        if sarcasm && v > 0.0 {
            v *= -0.8;
        }
        if let Some(b) = but_at {
            v *= if item.at < b { 0.5 } else { 1.5 };
        }
        sum += v;
    }
    if sarcasm {
        sum -= SARCASM;
    }
    if shouting {
        sum -= 2.2;
    }
    if tokens.interrobang {
        sum -= 0.6;
    }
    if sum != 0.0 {
        let mut emphasis = tokens.exclamations.min(4) as f32 * 0.292;
        if tokens.questions > 1 {
            emphasis += tokens.questions.min(3) as f32 * 0.18;
        }
        sum += sum.signum() * emphasis;
    }
    sum / (sum * sum + 15.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mood(text: &str) -> Mood {
        score(text).mood
    }

    #[test]
    fn the_rules_act() {
        assert_eq!(
            mood("This is the worst service ever, I am furious"),
            Mood::Angry
        );
        assert_eq!(mood("I am happy with it"), Mood::Happy);
        assert_eq!(mood("I am not happy with it"), Mood::Angry);
        assert_eq!(mood("No problem at all, thanks!"), Mood::Happy);
        assert_eq!(mood("Great, another week of waiting 🙄"), Mood::Angry);
        assert_eq!(mood("Where is my order? Need it ASAP"), Mood::Urgent);
        assert_eq!(mood("Can you tell me your opening hours?"), Mood::Neutral);
        assert_eq!(
            mood("Estoy harto, es la tercera vez que escribo"),
            Mood::Angry
        );
        assert_eq!(mood("Ça ne marche pas du tout, je suis déçu"), Mood::Angry);
        assert_eq!(mood("Vielen Dank, alles gut!"), Mood::Happy);
        assert_eq!(
            mood("Péssimo atendimento, quero meu reembolso"),
            Mood::Angry
        );
        assert_eq!(mood("😡😡😡"), Mood::Angry);
    }

    #[test]
    fn the_demo_customers_read_as_meant() {
        // parley-sim's demo_script: Derek Holt is the upset one, the openers say what they say.
        let derek = score(
            "This is the third time I'm writing and NOBODY has answered. Absolutely \
             unacceptable 😡",
        );
        assert!(derek.angry_and_urgent(), "{derek:?}");
        assert_eq!(
            mood("If I don't hear back today I'm filing a chargeback."),
            Mood::Urgent
        );
        assert_eq!(
            mood("Seriously?! My order is two weeks late and nobody answers my emails 😤"),
            Mood::Angry
        );
        assert!(mood("I need a refund for order #4915 asap, it arrived broken.").flagged());
        assert_eq!(
            mood("Hi! Just wanted to say the coffee beans were amazing ☕"),
            Mood::Happy
        );
        assert_eq!(mood("Do you ship to Canada?"), Mood::Neutral);
        // 李伟 apologises for his English: no complaint.
        let liwei = score("Sorry, my English is not so good. Are you open on Saturday?");
        assert_eq!(liwei.mood, Mood::Neutral, "{liwei:?}");
    }

    #[test]
    fn capitals_and_exclamations_strengthen() {
        let calm = score("this is bad").compound;
        let loud = score("this is BAD!!!").compound;
        assert!(loud < calm, "{loud} < {calm}");
        assert_eq!(mood("WHERE IS MY PARCEL I PAID TWO WEEKS AGO"), Mood::Angry);
    }

    #[test]
    fn long_text_is_cut_on_a_char_boundary() {
        let long = "é".repeat(10_000) + " furious";
        assert_eq!(score(&long).mood, Mood::Neutral);
        assert_eq!(score("").mood, Mood::Neutral);
    }

    #[test]
    fn severity_orders_flags() {
        assert!(score("I am furious, refund me now").severity() > 50);
        assert!(score("thanks").severity() == 0);
        assert!(
            score("refund asap, lawyer").angry_and_urgent()
                || score("refund asap, lawyer").mood == Mood::Urgent
        );
    }
}
