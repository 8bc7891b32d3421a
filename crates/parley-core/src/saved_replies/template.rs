//! The variables of saved replies: a grammar small enough to read in one go, written here
//! rather than taken from a crate (the minimal template crates read `a | b` as a filter
//! pipeline, not as "b when a has no value", and fail or print nothing on an unknown name
//! instead of telling which names had no value).
//!
//! ```text
//! text      = { literal | escape | variable }
//! escape    = "\{{"                       (a literal "{{")
//! variable  = "{{" name [ "|" fallback ] "}}"   (on one line)
//! name      = one or more characters but "{", "}", "|" and line breaks; spaces around it are
//!             ignored, and so are case and the difference between " ", "_" and "-"
//!             ({{First name}} = {{first_name}})
//! fallback  = any characters but "}" and line breaks (spaces around it are ignored; it may be
//!             empty: {{Order|}} leaves nothing, on purpose)
//! ```
//!
//! A "}}" outside a variable is plain text. A "{{" that is not closed on its line, an empty
//! name, or a name with "{" is an error ([`TemplateError`]): a saved reply with one is not
//! saved or imported, so no raw `{{…}}` ever reaches a customer by accident.
//!
//! Values are plain text: whatever a customer's name or an attribute holds is inserted as it is
//! (never read as a template itself, never as HTML).

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Var {
        /// As written (trimmed).
        name: String,
        fallback: Option<String>,
    },
}

/// Why a text is not a valid template, in words for the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key a variable's name is looked up by: lower case, runs of spaces, "_" and "-" as one
/// "_".
pub fn name_key(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.trim().chars() {
        if c.is_whitespace() || c == '_' || c == '-' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('_');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn snippet(s: &str) -> String {
    let cut: String = s.chars().take(30).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Parses `text` into pieces (adjacent text pieces joined).
pub fn parse(text: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("\\{{") {
            lit.push_str("{{");
            rest = after;
            continue;
        }
        if let Some(after) = rest.strip_prefix("{{") {
            let line_end = after.find('\n').unwrap_or(after.len());
            let Some(close) = after[..line_end].find("}}") else {
                return Err(TemplateError(format!(
                    "\"{{{{{}\" is not closed: end the variable with }}}}, or write \\{{{{ for two plain braces",
                    snippet(after[..line_end].trim_end())
                )));
            };
            let inner = &after[..close];
            let (name, fallback) = match inner.split_once('|') {
                Some((n, f)) => (n.trim(), Some(f.trim().to_owned())),
                None => (inner.trim(), None),
            };
            if name.is_empty() {
                return Err(TemplateError(
                    "\"{{}}\" names no variable: write its name between the braces, like {{first_name}}"
                        .into(),
                ));
            }
            if name.contains('{') || fallback.as_deref().is_some_and(|f| f.contains('{')) {
                return Err(TemplateError(format!(
                    "\"{{{{{}}}}}\" is not a variable: a name or fallback cannot hold \"{{\"",
                    snippet(inner)
                )));
            }
            if !lit.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut lit)));
            }
            pieces.push(Piece::Var {
                name: name.to_owned(),
                fallback,
            });
            rest = &after[close + 2..];
            continue;
        }
        let c = rest.chars().next().unwrap_or_default();
        lit.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !lit.is_empty() {
        pieces.push(Piece::Text(lit));
    }
    Ok(pieces)
}

/// WhatsApp shows `*bold*`, `_italic_`, `~strikethrough~` and ```` ```monospace``` ```` in a
/// plain message; every other channel Parley sends on shows them as typed. Removes such markers
/// (only where they pair up around text on one line, as WhatsApp reads them), so a body written
/// with them reads cleanly as plain text.
pub fn strip_formatting(text: &str) -> String {
    let text = text.replace("```", "");
    let chars: Vec<char> = text.chars().collect();
    let mut drop = vec![false; chars.len()];
    let boundary = |c: Option<&char>| c.is_none_or(|c| !c.is_alphanumeric());
    let mut i = 0;
    while i < chars.len() {
        let m = chars[i];
        if matches!(m, '*' | '_' | '~')
            && !drop[i]
            && boundary(i.checked_sub(1).and_then(|j| chars.get(j)))
            && chars
                .get(i + 1)
                .is_some_and(|c| !c.is_whitespace() && *c != m)
        {
            // The closing marker: same character, on the same line, after a non-space, before a
            // boundary.
            let mut j = i + 2;
            let mut found = None;
            while j < chars.len() && chars[j] != '\n' {
                if chars[j] == m && !chars[j - 1].is_whitespace() && boundary(chars.get(j + 1)) {
                    found = Some(j);
                    break;
                }
                j += 1;
            }
            if let Some(j) = found {
                drop[i] = true;
                drop[j] = true;
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    chars
        .iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|(c, _)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, fallback: Option<&str>) -> Piece {
        Piece::Var {
            name: name.into(),
            fallback: fallback.map(Into::into),
        }
    }

    #[test]
    fn variables_fallbacks_and_escapes() {
        assert_eq!(
            parse("Hi {{ first_name | there }}, order {{Order}}.").expect("parse"),
            vec![
                Piece::Text("Hi ".into()),
                var("first_name", Some("there")),
                Piece::Text(", order ".into()),
                var("Order", None),
                Piece::Text(".".into()),
            ]
        );
        assert_eq!(
            parse("{{Order|}}").expect("parse"),
            vec![var("Order", Some(""))]
        );
        assert_eq!(
            parse("literal \\{{x}} and }} and { alone").expect("parse"),
            vec![Piece::Text("literal {{x}} and }} and { alone".into())]
        );
        // A fallback may hold "|" after the first one.
        assert_eq!(
            parse("{{a|b|c}}").expect("parse"),
            vec![var("a", Some("b|c"))]
        );
        assert_eq!(parse("").expect("parse"), vec![]);
        assert_eq!(
            parse("Grüße, {{Kunde seit}} ✓").expect("parse"),
            vec![
                Piece::Text("Grüße, ".into()),
                var("Kunde seit", None),
                Piece::Text(" ✓".into())
            ]
        );
    }

    #[test]
    fn broken_variables_are_refused_in_words() {
        let e = parse("Hi {{first_name, welcome").expect_err("unclosed");
        assert!(
            e.0.contains("\"{{first_name, welcome\" is not closed"),
            "{e}"
        );
        // Closing on a later line does not count.
        assert!(parse("{{first\n}}").is_err());
        assert!(
            parse("{{ }}")
                .expect_err("empty")
                .0
                .contains("names no variable")
        );
        assert!(parse("{{ | x }}").is_err());
        assert!(
            parse("{{{x}}}")
                .expect_err("brace")
                .0
                .contains("cannot hold")
        );
    }

    #[test]
    fn names_match_however_they_are_spaced_or_cased() {
        assert_eq!(name_key(" First name "), "first_name");
        assert_eq!(name_key("first-NAME"), "first_name");
        assert_eq!(name_key("Customer  since"), "customer_since");
        assert_eq!(name_key("__x__"), "x");
    }

    #[test]
    fn formatting_markers_become_plain_text() {
        assert_eq!(strip_formatting("*Open* _today_ ~not~"), "Open today not");
        assert_eq!(strip_formatting("```code```"), "code");
        // Markers inside words, alone, or around spaces stay.
        assert_eq!(
            strip_formatting("order_number_2 and 5 * 3 * 2"),
            "order_number_2 and 5 * 3 * 2"
        );
        assert_eq!(strip_formatting("a * b*"), "a * b*");
        assert_eq!(strip_formatting("*not\nclosed*"), "*not\nclosed*");
        assert_eq!(strip_formatting("(*note*)"), "(note)");
    }
}
