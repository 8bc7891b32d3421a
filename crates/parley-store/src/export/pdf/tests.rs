//! The PDF read back (`pdf-extract`, `lopdf`): every script's text is there to select, each
//! page has its header and "Page N of M", a long conversation breaks across pages, a character
//! no font has becomes a placeholder and a note.
//!
//! These tests draw with the machine's fonts, as the app does: they first check that the fonts
//! CI installs (`scripts/setup.sh`) are there and fail naming the Debian package otherwise
//! (`docs/decisions/025-pdf-export.md`).

use super::fonts::{Fonts, is_emoji};
use crate::Store;
use crate::export::{ExportConversation, ExportMeta, writer};
use crate::review::targets_from_json;
use crate::review::tests::{ingest, outbound};
use crate::test_support::{account, inbound};
use parley_domain::*;

const T0: Millis = 1_780_000_000_000;
const DAY: Millis = 86_400_000;
const HOSTILE: &str = "<script>alert(1)</script>\u{202E}evil\u{202C} %PDF-1.7 endobj (\\)";
const ARABIC: &str = "مرحبا بكم";
const CJK: &str = "你好世界";
const CYRILLIC: &str = "Здравствуйте";
const EMOJI: &str = "👋🏽";

/// Fails with the Debian package to install when a script has no font on this machine.
fn require_fonts() {
    let mut fonts = Fonts::system();
    for (c, package) in [
        ('A', "fonts-noto-core"),
        ('Ж', "fonts-noto-core"),
        ('م', "fonts-noto-core"),
        ('你', "fonts-noto-cjk"),
        ('👋', "fonts-noto-color-emoji"),
    ] {
        assert!(
            fonts.pick(c, is_emoji(c), false, None).is_some(),
            "no font on this machine has {c:?}: install the Debian package {package} \
             (scripts/setup.sh installs it)"
        );
    }
}

/// Exports `threads` to PDF as the core does: a planning pass, then the drawing pass.
fn pdf(s: &Store, threads: &[ThreadId]) -> (Vec<u8>, Vec<String>) {
    let batch: Vec<ExportConversation> = s
        .export_batch(threads, &targets_from_json(None), T0, false)
        .expect("batch");
    let mut out = Vec::new();
    let notes;
    {
        let mut w = writer(ExportFormat::Pdf, &mut out);
        assert_eq!(w.passes(), 2);
        for c in &batch {
            w.plan(c).expect("plan");
        }
        w.begin(&ExportMeta {
            exported_at: T0 + DAY,
            checklist: vec![],
        })
        .expect("begin");
        for c in &batch {
            w.conversation(c).expect("conversation");
        }
        w.finish().expect("finish");
        notes = w.notes();
    }
    (out, notes)
}

/// The text of each page.
fn pages(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let doc = lopdf::Document::load_mem(bytes).expect("lopdf reads it");
    let n = doc.get_pages().len();
    let texts = pdf_extract::extract_text_from_mem_by_pages(bytes).expect("text extracts");
    assert_eq!(texts.len(), n);
    texts
}

/// Without spaces, which text extraction puts in or leaves out as it judges the gaps.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn customer_named(name: &str, chat: &str, id: &str, text: &str, at: Millis) -> IncomingMessage {
    let mut m = inbound(chat, id, text, at);
    m.customer.display_name = name.into();
    m.sender = m.customer.clone();
    m
}

#[test]
fn every_script_is_selectable_text_with_header_and_page_numbers() {
    require_fonts();
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "shop");
    let name = "Олена Ковальчук";
    let mut file = customer_named(name, "1", "a", &format!("Hello {CYRILLIC}"), T0);
    file.attachments = vec![Attachment {
        kind: AttachmentKind::Document,
        remote_ref: Some("f1".into()),
        file_name: Some("invoice-2041.pdf".into()),
        mime_type: Some("application/pdf".into()),
        size: Some(12),
        description: None,
    }];
    let t = ingest(
        &mut s,
        tg,
        vec![
            file,
            {
                let mut m = outbound("1", "b", &format!("Reply: {ARABIC} and {CJK}"), T0 + 60_000);
                m.customer.display_name = name.into();
                m
            },
            customer_named(name, "1", "c", &format!("Thanks {EMOJI}!"), T0 + DAY + 5),
            customer_named(name, "1", "d", HOSTILE, T0 + DAY + 9),
        ],
    )[0];
    let (bytes, notes) = pdf(&s, &[t]);
    assert!(notes.is_empty(), "every character had a font: {notes:?}");
    let texts = pages(&bytes);
    assert_eq!(texts.len(), 1, "a short conversation is one page");
    let page = squeeze(&texts[0]);
    for expected in [
        "Customer:ОленаКовальчук",
        "Period:2026-05-28–2026-05-29(UTC)",
        "Page1of1",
        "HelloЗдравствуйте",
        "你好世界",
        "Attachment:invoice-2041.pdf",
        "<script>alert(1)</script>",
        "%PDF-1.7endobj(\\)",
        "Thanks",
    ] {
        assert!(
            page.contains(expected),
            "{expected:?} in page text {page:?}"
        );
    }
    // Arabic is drawn right to left; extraction gives the letters in one order or the other.
    let arabic = squeeze(ARABIC);
    let reversed: String = arabic.chars().rev().collect();
    assert!(
        page.contains(&arabic) || page.contains(&reversed),
        "Arabic in {page:?}"
    );
    assert!(page.contains('👋'), "the emoji maps back to its character");
    // The hostile text is text: no action, no JavaScript, no extra page.
    let raw = String::from_utf8_lossy(&bytes);
    assert!(!raw.contains("/JavaScript") && !raw.contains("/JS"));
}

#[test]
fn a_long_conversation_breaks_across_pages_each_headed_and_numbered() {
    require_fonts();
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "shop");
    let long = "A very long complaint about the parcel that never came. ".repeat(70);
    let mut messages = vec![customer_named("Greta Long", "7", "0", &long, T0)];
    for i in 1..40 {
        messages.push(if i % 2 == 0 {
            customer_named(
                "Greta Long",
                "7",
                &i.to_string(),
                &format!("Message {i} 你好"),
                T0 + i * 60_000,
            )
        } else {
            let mut m = outbound("7", &i.to_string(), &format!("Answer {i}"), T0 + i * 60_000);
            m.customer = messages[0].customer.clone();
            m
        });
    }
    let t1 = ingest(&mut s, tg, messages)[0];
    let t2 = ingest(
        &mut s,
        tg,
        vec![customer_named(
            "Bruno Short",
            "8",
            "a",
            "Just one line",
            T0 + 3 * DAY,
        )],
    )[0];
    let (bytes, _) = pdf(&s, &[t1, t2]);
    let texts = pages(&bytes);
    let n = texts.len();
    assert!(n >= 4, "the long conversation spans several pages: {n}");
    for (i, text) in texts.iter().enumerate() {
        let page = squeeze(text);
        assert!(
            page.contains(&format!("Page{}of{n}", i + 1)),
            "numbered: {page:?}"
        );
        let who = if i + 1 == n {
            "Customer:BrunoShort"
        } else {
            "Customer:GretaLong"
        };
        assert!(page.contains(who), "page {} headed {who}: {page:?}", i + 1);
        assert!(page.contains("Period:"), "page {} has the period", i + 1);
    }
    // One conversation after the other, the second on a page of its own; messages in order.
    assert!(squeeze(&texts[n - 1]).contains("Justoneline"));
    let all = squeeze(&texts.join(""));
    let order: Vec<usize> = (1..40)
        .map(|i| {
            let word = if i % 2 == 0 { "Message" } else { "Answer" };
            all.find(&format!("{word}{i}"))
                .unwrap_or_else(|| panic!("{word} {i} in the text"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "in order: {order:?}");
}

#[test]
fn a_character_no_font_has_becomes_a_placeholder_and_a_note() {
    require_fonts();
    let mut s = Store::open_in_memory().expect("open");
    let tg = account(&mut s, ChannelKind::Telegram, "shop");
    // A private-use character of plane 16: no font on any machine here draws it.
    let t = ingest(
        &mut s,
        tg,
        vec![inbound("1", "a", "odd \u{10FFFD} one", T0)],
    )[0];
    let (bytes, notes) = pdf(&s, &[t]);
    let page = squeeze(&pages(&bytes)[0]);
    assert!(page.contains("odd[U+10FFFD]one"), "{page:?}");
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("[U+10FFFD]"), "{notes:?}");
}
