//! Real-world mail written by others: the test corpus mail-parser ships in its crate (legacy
//! mailers, malformed mail, RFC examples and third-party collections; Apache-2.0/MIT, in the cargo
//! registry of every machine that built Parley — nothing is fetched here). Every mail is read
//! without a panic and shown sensibly (text without markup, sanitised HTML without script), and
//! the whole corpus goes through a real Dovecot and Parley's email channel.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::email_harness::*;
use parley_channels::Channel;
use parley_channels::email::*;
use std::path::PathBuf;
use std::time::Duration;

/// mail-parser's version in Cargo.lock, and its sources in the cargo registry.
fn corpus_dir() -> PathBuf {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"))
        .expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"mail-parser\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_owned())
        .expect("mail-parser in Cargo.lock");
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let registry = home.join("registry/src");
    for index in std::fs::read_dir(&registry)
        .expect("the cargo registry")
        .flatten()
    {
        let dir = index
            .path()
            .join(format!("mail-parser-{version}/resources/eml"));
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "mail-parser {version}'s sources are not in {}",
        registry.display()
    );
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut dirs = vec![corpus_dir()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_mail_of_the_corpus_reads_sensibly() {
    let mails = corpus();
    assert!(mails.len() >= 90, "{} mails", mails.len());
    for (name, raw) in &mails {
        let p = parse_message(raw);
        assert!(!p.remote_id.is_empty(), "{name}: no identity");
        assert!(
            p.text.len() <= MAX_TEXT_CHARS + 8,
            "{name}: text over its cap"
        );
        let lower = p.text.to_lowercase();
        assert!(
            !lower.contains("<script") && !lower.contains("</div>"),
            "{name}: markup in the text"
        );
        if let Some(html) = &p.html {
            let lower = html.to_lowercase();
            for bad in [
                "<script",
                "javascript:",
                " onerror=",
                " onload=",
                "<iframe",
                "<object",
            ] {
                assert!(!lower.contains(bad), "{name}: {bad} survived sanitising");
            }
            // Rendering for the frame works on every kept body.
            let shown = render_html(html, &|_| None, |h| Some(h.to_owned()));
            assert!(!shown.to_lowercase().contains("<script"), "{name}");
        }
        for a in &p.attachments {
            if let Some(n) = &a.file_name {
                assert!(
                    !n.contains('/') && !n.contains('\\'),
                    "{name}: a path in {n:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_corpus_goes_through_dovecot_and_the_channel() {
    let Some(s) = MailServers::start() else {
        return;
    };
    let mut admin = s.admin();
    let mut stored = 0;
    for (_, raw) in corpus() {
        // Dovecot refuses what no server would store (bare NULs); those are not Parley's to read.
        if admin.try_append("INBOX", &raw) {
            stored += 1;
        }
    }
    eprintln!("the corpus: {stored} mails stored by Dovecot");
    assert!(stored >= 80, "Dovecot stored {stored}");
    let ch = EmailChannel::new(s.plain_config());
    let mut cursor: Option<String> = None;
    let mut read = 0;
    for _ in 0..200 {
        let f = ch
            .fetch(cursor.as_deref(), Duration::ZERO)
            .await
            .expect("a page");
        read += f.batch.server_locations.len();
        for m in &f.batch.messages {
            assert!(!m.remote_id.is_empty() && !m.remote_thread_id.is_empty());
            assert!(
                !m.customer.remote_id.is_empty(),
                "{}: no customer",
                m.remote_id
            );
        }
        if f.cursor.is_some() {
            cursor = f.cursor;
        }
        if !f.more {
            break;
        }
    }
    assert_eq!(read, stored, "every stored mail was read");
}
