//! The checks a gather step puts on an answer, and what of the answer is kept: the value that
//! passed (an order number without the words around it, an email address lower-cased), never
//! more than the customer wrote.

use parley_domain::AnswerCheck;
use regex::Regex;
use std::sync::LazyLock;

#[allow(clippy::unwrap_used)] // Constant patterns, checked by the tests.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").unwrap()
});
#[allow(clippy::unwrap_used)]
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[+-]?\d+(?:[.,]\d+)?$").unwrap());
#[allow(clippy::unwrap_used)]
static ORDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#?\b([A-Za-z0-9-]{3,20})\b").unwrap());

/// The longest pattern an owner may write, in characters.
const PATTERN_MAX: usize = 500;

/// A check ready to run (patterns compiled once).
#[derive(Debug, Clone)]
pub(crate) enum Check {
    AnyText,
    Email,
    Number,
    OrderNumber,
    Pattern(Regex),
}

/// Compiles an owner's pattern, or says what is wrong with it.
pub(crate) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    if pattern.trim().is_empty() || pattern.chars().count() > PATTERN_MAX {
        return Err(format!("a pattern is 1 to {PATTERN_MAX} characters"));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("the pattern {pattern:?} is not valid: {e}"))
}

impl Check {
    pub fn new(check: &AnswerCheck) -> Result<Self, String> {
        Ok(match check {
            AnswerCheck::AnyText => Self::AnyText,
            AnswerCheck::Email => Self::Email,
            AnswerCheck::Number => Self::Number,
            AnswerCheck::OrderNumber => Self::OrderNumber,
            AnswerCheck::Pattern { pattern } => Self::Pattern(compile_pattern(pattern)?),
        })
    }

    /// The value to keep when `answer` passes.
    pub fn accept(&self, answer: &str) -> Option<String> {
        let answer = answer.trim();
        if answer.is_empty() {
            return None;
        }
        match self {
            Self::AnyText => Some(answer.chars().take(2_000).collect()),
            Self::Email => EMAIL.find(answer).map(|m| m.as_str().to_lowercase()),
            Self::Number => {
                let compact: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
                NUMBER.is_match(&compact).then(|| compact.replace(',', "."))
            }
            Self::OrderNumber => ORDER
                .captures_iter(answer)
                .filter_map(|c| c.get(1))
                .map(|m| m.as_str())
                .find(|w| w.chars().filter(char::is_ascii_digit).count() >= 3)
                .map(|w| w.trim_matches('-').to_owned())
                .filter(|w| !w.is_empty()),
            Self::Pattern(re) => re.captures(answer).map(|c| {
                c.get(1)
                    .or_else(|| c.get(0))
                    .map_or_else(String::new, |m| m.as_str().to_owned())
            }),
        }
        .filter(|v| !v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(check: AnswerCheck, answer: &str) -> Option<String> {
        Check::new(&check).expect("check").accept(answer)
    }

    #[test]
    fn order_numbers_are_found_in_words_and_kept_alone() {
        let order = |a| accept(AnswerCheck::OrderNumber, a);
        assert_eq!(order("it's #4821").as_deref(), Some("4821"));
        assert_eq!(order("Pedido: A-10293").as_deref(), Some("A-10293"));
        assert_eq!(order("no lo sé"), None);
        assert_eq!(order("12"), None);
        assert_eq!(order("   "), None);
    }

    #[test]
    fn emails_numbers_and_patterns() {
        assert_eq!(
            accept(AnswerCheck::Email, "sure: Ana.Perez@Example.COM thanks").as_deref(),
            Some("ana.perez@example.com")
        );
        assert_eq!(accept(AnswerCheck::Email, "ana at example dot com"), None);
        assert_eq!(
            accept(AnswerCheck::Number, " 12,5 ").as_deref(),
            Some("12.5")
        );
        assert_eq!(accept(AnswerCheck::Number, "twelve"), None);
        let pattern = AnswerCheck::Pattern {
            pattern: r"(?i)\bSKU-(\d{4})\b".into(),
        };
        assert_eq!(
            accept(pattern.clone(), "it is sku-0042").as_deref(),
            Some("0042")
        );
        assert_eq!(accept(pattern, "it is sku-42"), None);
        assert_eq!(
            accept(AnswerCheck::AnyText, "  blue  ").as_deref(),
            Some("blue")
        );
    }

    #[test]
    fn a_bad_pattern_is_refused_with_the_reason() {
        let e = Check::new(&AnswerCheck::Pattern {
            pattern: "(unclosed".into(),
        })
        .expect_err("refused");
        assert!(e.contains("not valid"), "{e}");
    }
}
