//! Text shaping: snippets, highlight markers, safe FTS queries.

use parley_domain::{Attachment, AttachmentKind, TextSegment};
use std::borrow::Cow;

/// FTS `snippet()` wraps hits in these; nothing stored may contain them, or customer text could
/// fake a highlight.
pub(crate) const HIT_START: char = '\u{2}';
pub(crate) const HIT_END: char = '\u{3}';

/// Long enough for one line of the thread list at any window width.
const SNIPPET_CHARS: usize = 140;

pub(crate) fn strip_markers(s: &str) -> Cow<'_, str> {
    if s.contains([HIT_START, HIT_END]) {
        Cow::Owned(
            s.chars()
                .filter(|c| *c != HIT_START && *c != HIT_END)
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// The thread-list line for a message: its first non-blank line with whitespace collapsed, or a
/// word for its first attachment when it has no text.
pub(crate) fn snippet(text: &str, attachments: &[Attachment]) -> String {
    match text.lines().find(|l| !l.trim().is_empty()) {
        Some(line) => shorten(line),
        None => attachments.first().map(attachment_word).unwrap_or_default(),
    }
}

fn shorten(line: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    // Collapsing whitespace also turns tabs and stray control characters into plain spaces.
    for word in line.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        for c in (!out.is_empty())
            .then_some(' ')
            .into_iter()
            .chain(word.chars())
        {
            if count == SNIPPET_CHARS {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

fn attachment_word(a: &Attachment) -> String {
    let name = |fallback: &str| {
        a.file_name
            .as_deref()
            .map(shorten)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| fallback.to_owned())
    };
    match a.kind {
        AttachmentKind::Photo => "📷 Photo".to_owned(),
        AttachmentKind::Document => format!("📎 {}", name("Document")),
        AttachmentKind::Voice => "🎤 Voice message".to_owned(),
        AttachmentKind::Audio => format!("🎵 {}", name("Audio")),
        AttachmentKind::Video => "🎬 Video".to_owned(),
        AttachmentKind::Sticker => match a.description.as_deref().map(shorten) {
            Some(emoji) if !emoji.is_empty() => format!("{emoji} Sticker"),
            _ => "Sticker".to_owned(),
        },
        AttachmentKind::Location => "📍 Location".to_owned(),
        AttachmentKind::Contact => "👤 Contact".to_owned(),
        AttachmentKind::Other => format!("📎 {}", name("Attachment")),
    }
}

/// Turns what the user typed into an FTS5 query that cannot be a syntax error: every word becomes
/// a quoted string (so `AND`, `NEAR(`, `col:` and `*` are plain text), the last one a prefix, all
/// ANDed. `None` when nothing searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .split(|c: char| c.is_whitespace() || c.is_control())
        // A word without a letter or digit yields no token, and an empty phrase matches nothing
        // anyway; dropping it keeps `"foo" AND ""` from hiding every result.
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    let last = words.len().checked_sub(1)?;
    let mut q = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            q.push_str(" AND ");
        }
        q.push_str(w);
        if i == last {
            q.push('*');
        }
    }
    Some(q)
}

/// Splits an FTS snippet into plain and highlighted pieces.
pub(crate) fn segments(snippet: &str) -> Vec<TextSegment> {
    let mut out: Vec<TextSegment> = Vec::new();
    let mut current = String::new();
    let mut hit = false;
    let flush = |text: &mut String, hit: bool, out: &mut Vec<TextSegment>| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(prev) if prev.hit == hit => prev.text.push_str(text),
            _ => out.push(TextSegment {
                text: text.clone(),
                hit,
            }),
        }
        text.clear();
    };
    for c in snippet.chars() {
        match c {
            HIT_START | HIT_END => {
                flush(&mut current, hit, &mut out);
                hit = c == HIT_START;
            }
            _ => current.push(c),
        }
    }
    flush(&mut current, hit, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn att(kind: AttachmentKind, file_name: Option<&str>, description: Option<&str>) -> Attachment {
        Attachment {
            kind,
            remote_ref: None,
            file_name: file_name.map(str::to_owned),
            mime_type: None,
            size: None,
            description: description.map(str::to_owned),
        }
    }

    #[test]
    fn snippet_takes_first_line_and_truncates_on_char_boundary() {
        assert_eq!(snippet("\n\n  hello   world \nsecond", &[]), "hello world");
        let long = "é".repeat(300);
        let s = snippet(&long, &[]);
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(&"a".repeat(140), &[]), "a".repeat(140));
    }

    #[test]
    fn snippet_words_for_attachments() {
        let doc = att(AttachmentKind::Document, Some("invoice.pdf"), None);
        assert_eq!(snippet("", &[doc]), "📎 invoice.pdf");
        assert_eq!(
            snippet(" ", &[att(AttachmentKind::Photo, None, None)]),
            "📷 Photo"
        );
        assert_eq!(
            snippet("", &[att(AttachmentKind::Sticker, None, Some("😀"))]),
            "😀 Sticker"
        );
        assert_eq!(
            snippet("", &[att(AttachmentKind::Voice, None, None)]),
            "🎤 Voice message"
        );
        assert_eq!(snippet("", &[]), "");
    }

    #[test]
    fn fts_query_quotes_everything() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(fts_query("\" * ( :"), None);
        assert_eq!(fts_query("foo"), Some("\"foo\"*".into()));
        assert_eq!(
            fts_query("a\"b NEAR("),
            Some("\"a\"\"b\" AND \"NEAR(\"*".into())
        );
    }

    #[test]
    fn segments_split_on_markers() {
        let s = segments("a \u{2}hit\u{3} b \u{2}\u{3}c");
        assert_eq!(
            s,
            vec![
                TextSegment {
                    text: "a ".into(),
                    hit: false
                },
                TextSegment {
                    text: "hit".into(),
                    hit: true
                },
                TextSegment {
                    text: " b c".into(),
                    hit: false
                },
            ]
        );
        assert_eq!(strip_markers("x\u{2}y\u{3}"), "xy");
    }
}
