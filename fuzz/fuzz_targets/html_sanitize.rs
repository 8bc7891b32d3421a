//! The email HTML sanitiser (`parley_channels::email::sanitize_html`: ammonia's allow-list plus
//! the CSS allow-list of `email/css.rs`). The first byte chooses where the rest goes: the whole
//! HTML (0, 1), a `style` attribute (2: the CSS allow-list) or a link's and an image's URL (3).
//! Property (`parley_fuzz::assert_safe_html`, on the output as a browser parses it): no script,
//! no event handler, no `url(` or other loading CSS, no scheme outside http/https/mailto/cid,
//! images only from `cid:` or the remote-image placeholder; and the counts agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_channels::email::{MAX_REMOTE_IMAGES, html_to_text, sanitize_html};

fuzz_target!(init: parley_fuzz::self_check(), |data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let rest = String::from_utf8_lossy(rest);
    let html = match mode % 4 {
        2 => format!("<div style=\"{rest}\">x</div><p style='{rest}'>y</p>"),
        3 => format!("<a href=\"{rest}\">x</a><img src=\"{rest}\">"),
        _ => rest.into_owned(),
    };
    let out = sanitize_html(&html);
    parley_fuzz::assert_safe_html(&out.html);
    assert!(out.remote_images.len() <= MAX_REMOTE_IMAGES);
    assert!(out.blocked_images >= out.remote_images.len());
    if mode % 4 == 0 {
        std::hint::black_box(html_to_text(&out.html));
    }
});
