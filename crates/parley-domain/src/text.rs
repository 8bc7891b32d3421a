//! Text from outside shown as it is, not as it pretends to be.

/// Unicode's explicit direction controls (embeddings, overrides, isolates, marks). In a file
/// name `invoice\u{202E}fdp.exe` reads as "invoiceexe.pdf"; without them it reads as it is.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// `text` without direction controls.
pub fn without_bidi_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_bidi_control) {
        text.chars().filter(|c| !is_bidi_control(*c)).collect()
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_reads_as_it_is() {
        assert_eq!(
            without_bidi_controls("invoice\u{202E}fdp.exe"),
            "invoicefdp.exe"
        );
        assert_eq!(
            without_bidi_controls("\u{2067}a\u{2069}\u{200F}b\u{061C}"),
            "ab"
        );
        assert_eq!(without_bidi_controls("فاتورة.pdf"), "فاتورة.pdf");
    }
}
