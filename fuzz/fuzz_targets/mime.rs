//! The MIME path (`parley_channels::email::parse_message`): any bytes as a raw mail. Properties:
//! no panic; the shown text, quoted history, subject, names and address lists stay within their
//! caps; the sanitised HTML is safe (`parley_fuzz::assert_safe_html`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_channels::email::{MAX_REMOTE_IMAGES, MAX_TEXT_CHARS, parse_message};

/// The longest marker a cap appends (`cap_quoted`'s).
const CAP_MARK: usize = "\n[… earlier messages not kept]".len();

fuzz_target!(init: {
    parley_fuzz::self_check();
    parley_fuzz::let_mail_parser_panics_unwind();
}, |data: &[u8]| {
    let m = parse_message(data);
    assert!(!m.remote_id.is_empty(), "every mail gets an id");
    assert!(m.text.len() <= MAX_TEXT_CHARS + CAP_MARK, "text {} bytes", m.text.len());
    if let Some(q) = &m.quoted {
        assert!(q.len() <= 64 * 1024 + CAP_MARK, "quoted {} bytes", q.len());
    }
    assert!(m.subject.chars().count() <= 998 + 1, "subject {} chars", m.subject.chars().count());
    for a in m.from.iter().chain(&m.to).chain(&m.cc) {
        if let Some(name) = &a.name {
            assert!(name.chars().count() <= 256 + 1, "name {} chars", name.chars().count());
        }
    }
    assert!(m.to.len() <= 100 && m.cc.len() <= 100);
    for p in &m.attachments {
        if let Some(name) = &p.file_name {
            assert!(name.chars().count() <= 256 + 1, "file name {} chars", name.chars().count());
        }
    }
    if let Some(html) = &m.html {
        parley_fuzz::assert_safe_html(html);
    }
    assert!(m.remote_images.len() <= MAX_REMOTE_IMAGES);
});
