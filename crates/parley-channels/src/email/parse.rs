//! MIME → what Parley shows: ids, threading headers, addresses, the text to show (quoted history
//! folded away but kept), sanitised HTML and attachment metadata.
//!
//! Everything here is pure and never panics on hostile input (fuzzed through `parse_message` in
//! the tests with the messy-MIME corpus); a message mail-parser cannot read at all still becomes a
//! [`ParsedEmail`] with a hash id, so one broken mail never stalls a sync.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};
use parley_domain::{AttachmentKind, Millis};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Shown text is cut here: a pasted log or a newsletter must not bloat the store and the search
/// index. The full body stays on the server (see `EmailChannel::body`).
pub const MAX_TEXT_CHARS: usize = 64 * 1024;
/// The quoted history kept under a message (a long chain quotes every earlier mail again).
pub const MAX_QUOTED_CHARS: usize = 64 * 1024;
/// A subject as shown and stored (RFC 5322 lines stop at 998 characters).
pub const MAX_SUBJECT_CHARS: usize = 998;
/// A display name or attachment file name.
pub const MAX_NAME_CHARS: usize = 256;
/// Addresses kept from each of To and Cc (a mail to a whole list names them all).
pub const MAX_ADDRESSES: usize = 100;
const TEXT_WIDTH: usize = 100;

/// A name and address from a header. The address is lower-cased: customers are identified by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress {
    pub name: Option<String>,
    pub address: String,
}

/// An attachment (or inline part) as listed by the parser; `index` is its position among the
/// message's attachments, the `part` of the download reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartInfo {
    pub index: usize,
    pub kind: AttachmentKind,
    pub file_name: Option<String>,
    pub mime_type: String,
    pub size: usize,
    /// `Content-ID` without angle brackets, for `cid:` references in the HTML.
    pub content_id: Option<String>,
    pub inline: bool,
    /// Its IMAP section (`2`, `1.3`), when the mail's structure gives one (see `parts`).
    pub section: Option<String>,
    /// `size` is the decoded size exactly (read from the whole mail), not the server's estimate.
    pub exact_size: bool,
}

/// One message, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    /// The Message-ID without angle brackets, or `hash:<hex>` of stable headers when absent.
    pub remote_id: String,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    /// Oldest first, as the header lists them.
    pub references: Vec<String>,
    pub subject: String,
    pub from: Option<EmailAddress>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    pub date: Option<Millis>,
    /// The Date header's UTC offset in minutes east (`+0200` is 120), when it gives one
    /// (`-0000` says the sender's zone is unknown: `None`).
    pub date_offset_minutes: Option<i32>,
    /// What the conversation shows: plain text, quoted history folded away.
    pub text: String,
    /// The folded history ("On … wrote:" blocks and `>` lines), when there was any.
    pub quoted: Option<String>,
    /// The sanitised HTML body, when the mail had one: no scripts, handlers, forms, styles or
    /// remote images (`cid:` images stay, for the attachments to resolve).
    pub html: Option<String>,
    /// How many remote images were removed from `html` (the UI can offer to load them).
    pub blocked_images: usize,
    /// The removed remote images' URLs, in the order of their `parley-remote:N` placeholders
    /// in `html` (see [`render_html`]).
    pub remote_images: Vec<String>,
    pub attachments: Vec<PartInfo>,
}

/// The offset a Date header gives, in minutes east of UTC; `-0000` (RFC 5322: no information
/// about the local zone) and offsets beyond ±14 h are none.
fn date_offset_minutes(d: &mail_parser::DateTime) -> Option<i32> {
    let minutes = i32::from(d.tz_hour) * 60 + i32::from(d.tz_minute);
    if (d.tz_before_gmt && minutes == 0) || minutes > 14 * 60 || d.tz_minute >= 60 {
        return None;
    }
    Some(if d.tz_before_gmt { -minutes } else { minutes })
}

/// Reads MIME with mail-parser, which panics on some hostile mail (a slice out of range in its
/// multipart parser, found by fuzzing: `fuzz/corpus/mime/crash-nested-boundary-slice`). Such a
/// mail is unreadable (`None`) rather than a panic that stops the sync at the same mail on
/// every start and fails its download each time.
pub(super) fn read_mime(raw: &[u8]) -> Option<mail_parser::Message<'_>> {
    std::panic::catch_unwind(|| MessageParser::default().parse(raw))
        .ok()
        .flatten()
}

/// Reads one raw message. Never fails: unreadable input gives a message with a hash id, the
/// raw bytes as lossy text, and no attachments.
pub fn parse_message(raw: &[u8]) -> ParsedEmail {
    let Some(msg) = read_mime(raw) else {
        let text = String::from_utf8_lossy(raw);
        let (shown, quoted) = fold_quotes(&text);
        return ParsedEmail {
            remote_id: hash_id(&[raw]),
            message_id: None,
            in_reply_to: Vec::new(),
            references: Vec::new(),
            subject: String::new(),
            from: None,
            to: Vec::new(),
            cc: Vec::new(),
            date: None,
            date_offset_minutes: None,
            text: cap(shown),
            quoted: quoted.map(cap_quoted),
            html: None,
            blocked_images: 0,
            remote_images: Vec::new(),
            attachments: Vec::new(),
        };
    };

    let message_id = msg.message_id().and_then(clean_id);
    let remote_id = match &message_id {
        Some(id) => id.clone(),
        None => {
            // The headers a client never rewrites, plus the body: stable across servers and
            // re-downloads, so a message without Message-ID keeps one identity.
            let header = |name: &str| msg.header_raw(name).unwrap_or("").as_bytes().to_vec();
            let body_start = usize::try_from(msg.root_part().offset_body).unwrap_or(0);
            let body = raw.get(body_start..).unwrap_or(&[]);
            hash_id(&[
                &header("Date"),
                &header("From"),
                &header("To"),
                &header("Cc"),
                &header("Subject"),
                body,
            ])
        }
    };

    let html_raw = msg
        .html_bodies()
        .find(|p| p.is_text_html())
        .and_then(|p| p.text_contents().map(str::to_owned));
    let plain = msg
        .text_bodies()
        .find(|p| p.is_text() && !p.is_text_html())
        .and_then(|p| p.text_contents().map(str::to_owned));
    let sanitized = html_raw.as_deref().map(sanitize_html);

    let full_text = match (&plain, &sanitized) {
        (Some(p), _) => normalise_newlines(p),
        (None, Some(s)) => html_to_text(&s.html),
        (None, None) => String::new(),
    };
    let (shown, quoted) = fold_quotes(&full_text);

    let sections = super::parts::sections(&msg);
    let attachments = msg
        .attachments
        .iter()
        .filter_map(|id| Some((*id as usize, msg.parts.get(*id as usize)?)))
        .enumerate()
        .map(|(index, (id, part))| {
            let (ctype, subtype) = part
                .content_type()
                .map(|ct| {
                    (
                        ct.ctype().to_ascii_lowercase(),
                        ct.subtype().unwrap_or("octet-stream").to_ascii_lowercase(),
                    )
                })
                .unwrap_or_else(|| ("application".into(), "octet-stream".into()));
            let kind = match ctype.as_str() {
                "image" => AttachmentKind::Photo,
                "audio" => AttachmentKind::Audio,
                "video" => AttachmentKind::Video,
                _ => AttachmentKind::Document,
            };
            PartInfo {
                index,
                kind,
                file_name: part.attachment_name().map(clean_file_name),
                mime_type: format!("{ctype}/{subtype}"),
                // What a download hands out (an attached message: the message itself).
                size: match &part.body {
                    mail_parser::PartType::Message(inner) => attached_message_bytes(inner).len(),
                    _ => part.contents().len(),
                },
                content_id: part.content_id().and_then(clean_id),
                inline: part
                    .content_disposition()
                    .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline")),
                section: sections.get(&id).cloned(),
                exact_size: true,
            }
        })
        .collect();

    ParsedEmail {
        remote_id,
        message_id,
        in_reply_to: id_list(msg.in_reply_to()),
        references: id_list(msg.references()),
        subject: msg
            .subject()
            .map(|s| cap_chars(&collapse_ws(s), MAX_SUBJECT_CHARS))
            .unwrap_or_default(),
        from: msg.from().and_then(|a| addresses(a).into_iter().next()),
        to: msg.to().map(addresses).unwrap_or_default(),
        cc: msg.cc().map(addresses).unwrap_or_default(),
        date: msg.date().map(|d| d.to_timestamp().saturating_mul(1000)),
        date_offset_minutes: msg.date().and_then(date_offset_minutes),
        text: cap(shown),
        quoted: quoted.map(cap_quoted),
        html: sanitized.as_ref().map(|s| s.html.clone()),
        blocked_images: sanitized.as_ref().map_or(0, |s| s.blocked_images),
        remote_images: sanitized.map(|s| s.remote_images).unwrap_or_default(),
        attachments,
    }
}

/// The bytes of an attached message (message/rfc822). mail-parser's `Message::raw_message`
/// indexes `parts[0]`, which panics on an attached message it read into no parts at all (the
/// fuzzer found one in a multipart/digest); such a message is no bytes here.
pub(super) fn attached_message_bytes<'a>(inner: &'a mail_parser::Message<'_>) -> &'a [u8] {
    inner
        .parts
        .first()
        .and_then(|p| {
            let (start, end) = (p.offset_header as usize, p.offset_end as usize);
            inner.raw_message.get(start..end)
        })
        .unwrap_or_default()
}

/// The bytes and name of the `index`th attachment of a raw message.
pub fn attachment_bytes(raw: &[u8], index: usize) -> Option<(Vec<u8>, Option<String>)> {
    let msg = read_mime(raw)?;
    let part = msg.attachments().nth(index)?;
    let name = part.attachment_name().map(clean_file_name);
    // An attached message (message/rfc822) is handed out as the message itself.
    let bytes = match part.message() {
        Some(inner) => attached_message_bytes(inner).to_vec(),
        None => part.contents().to_vec(),
    };
    Some((bytes, name))
}

/// HTML after [`sanitize_html`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizedHtml {
    pub html: String,
    pub blocked_images: usize,
    /// The removed remote images (http/https only), in placeholder order.
    pub remote_images: Vec<String>,
}

/// A remote image's `src` in sanitised HTML is `parley-remote:N`, N its index in
/// [`SanitizedHtml::remote_images`]: a scheme nothing loads, resolved by [`render_html`] only
/// when the agent asked for the images.
pub const REMOTE_IMAGE_SCHEME: &str = "parley-remote";
/// At most this many remote images are kept for "load images"; more are simply removed.
pub const MAX_REMOTE_IMAGES: usize = 50;

fn builder<'a>() -> ammonia::Builder<'a> {
    let mut builder = ammonia::Builder::default();
    builder
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .add_generic_attributes(["style"]);
    for (tag, attributes) in super::css::PRESENTATIONAL {
        builder.add_tag_attributes(tag, attributes.iter().copied());
    }
    builder
}

/// `style` and the presentational attributes, as `css` keeps them: `Some(None)` removes the
/// attribute; `None` for any other attribute.
fn styled(attribute: &str, value: &str) -> Option<Option<String>> {
    if attribute == "style" {
        return Some(super::css::clean_style(value));
    }
    if super::css::is_presentational(attribute) {
        return Some(super::css::clean_presentational(attribute, value));
    }
    None
}

/// Cleans an email's HTML for display inside the app: ammonia's allow-list (no script, style
/// element, form, iframe or event handlers, so nothing runs), `style` attributes reduced to the
/// allow-listed inline CSS of `css::clean_style` (no `url()`, positioning or huge sizes, so
/// nothing loads and nothing escapes the message box) plus checked presentational table
/// attributes, links limited to http/https/mailto and opened in a new context, relative URLs
/// refused (`//host/x` would load remotely), and images only from `cid:` parts: a remote image is
/// a tracking pixel until the agent asks for it, so its `src` becomes a `parley-remote:N`
/// placeholder (nothing loads it) and its URL is kept and counted.
pub fn sanitize_html(html: &str) -> SanitizedHtml {
    let remote = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let blocked = Arc::new(AtomicUsize::new(0));
    let (urls, counter) = (Arc::clone(&remote), Arc::clone(&blocked));
    let mut builder = builder();
    builder
        .url_schemes(["http", "https", "mailto", "cid"].into_iter().collect())
        .attribute_filter(move |element, attribute, value| {
            if let Some(kept) = styled(attribute, value) {
                return kept.map(Into::into);
            }
            if element == "img" && attribute == "src" {
                let lower = value.trim_start().to_ascii_lowercase();
                if lower.starts_with("cid:") {
                    return Some(value.into());
                }
                if lower.starts_with("http:") || lower.starts_with("https:") {
                    counter.fetch_add(1, Ordering::Relaxed);
                    let mut urls = urls
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if urls.len() < MAX_REMOTE_IMAGES {
                        urls.push(value.trim().to_string());
                        return Some(format!("{REMOTE_IMAGE_SCHEME}:{}", urls.len() - 1).into());
                    }
                }
                return None;
            }
            Some(value.into())
        });
    let html = builder.clean(html).to_string();
    let remote_images = std::mem::take(
        &mut *remote
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    SanitizedHtml {
        html,
        blocked_images: blocked.load(Ordering::Relaxed),
        remote_images,
    }
}

/// An image source in sanitised HTML, as [`render_html`] asks about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSource<'a> {
    /// `cid:<content id>` (without the scheme).
    Cid(&'a str),
    /// The `N`th remote image.
    Remote(usize),
}

/// Sanitised HTML (from [`sanitize_html`], e.g. as stored) made ready to show: cleaned once more
/// with the same rules, each image source replaced by what `resolve` answers (a `data:` URI or
/// Parley's media scheme) or removed when it answers `None`, and each link's `href` replaced by
/// what `link` answers (removed on `None`), with its real target named (see [`super::links`]).
pub fn render_html(
    html: &str,
    resolve: &dyn Fn(ImageSource<'_>) -> Option<String>,
    link: fn(&str) -> Option<String>,
) -> String {
    let remote_prefix = format!("{REMOTE_IMAGE_SCHEME}:");
    // `resolve` is not Send/Sync; the filter must be, so the answers are worked out first.
    let mut answers: std::collections::HashMap<String, String> = Default::default();
    let mut collect = builder();
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen_in = Arc::clone(&seen);
    collect
        .url_schemes(
            ["http", "https", "mailto", "cid", REMOTE_IMAGE_SCHEME]
                .into_iter()
                .collect(),
        )
        .attribute_filter(move |element, attribute, value| {
            if element == "img" && attribute == "src" {
                seen_in
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(value.to_string());
            }
            Some(value.into())
        });
    let _ = collect.clean(html);
    let sources = std::mem::take(
        &mut *seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for src in sources {
        let trimmed = src.trim();
        let lower = trimmed.to_ascii_lowercase();
        let source = if lower.starts_with("cid:") {
            Some(ImageSource::Cid(&trimmed[4..]))
        } else if let Some(n) = lower.strip_prefix(&remote_prefix) {
            n.parse().ok().map(ImageSource::Remote)
        } else {
            None
        };
        if let Some(url) = source.and_then(resolve) {
            answers.insert(src.clone(), url);
        }
    }
    let mut builder = builder();
    builder
        .url_schemes(
            ["http", "https", "mailto", "cid", REMOTE_IMAGE_SCHEME]
                .into_iter()
                .collect(),
        )
        .attribute_filter(move |element, attribute, value| {
            if let Some(kept) = styled(attribute, value) {
                return kept.map(Into::into);
            }
            if element == "img" && attribute == "src" {
                return answers.get(value).map(|u| u.clone().into());
            }
            Some(value.into())
        });
    // Links are given their click address, title and note once the markup is clean.
    super::links::rewrite_links(&builder.clean(html).to_string(), &link)
}

/// Plain text of (already sanitised) HTML: no markup, no link footnotes, blockquotes as `>`.
pub fn html_to_text(html: &str) -> String {
    let config = html2text::config::with_decorator(html2text::render::TrivialDecorator::new())
        .no_link_wrapping();
    match config.string_from_read(html.as_bytes(), TEXT_WIDTH) {
        Ok(text) => normalise_newlines(&text),
        // html2text fails only on pathological nesting; ammonia's text without tags is a fair
        // fallback (it is already escaped, so unescape the few entities it produces).
        Err(_) => ammonia::Builder::empty()
            .clean(html)
            .to_string()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    }
}

/// Splits text into what to show and the quoted history: lines starting with `>`, attribution
/// lines ("On … wrote:", also wrapped over two lines, and a few other languages) and everything
/// after a forwarded/original-message separator go to the history. If nothing would be left to
/// show, everything is shown.
pub fn fold_quotes(text: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut shown: Vec<&str> = Vec::new();
    let mut quoted: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        if trimmed.starts_with('>') {
            quoted.push(line);
            i += 1;
            continue;
        }
        if is_separator(trimmed) {
            quoted.extend_from_slice(&lines[i..]);
            break;
        }
        if is_attribution(trimmed) {
            quoted.push(line);
            i += 1;
            continue;
        }
        // "On Mon, 1 Jan 2024 at 10:00, Bob <bob@example.com>\nwrote:" as wrapped by clients.
        if let Some(next) = lines.get(i + 1)
            && starts_attribution(trimmed)
            && is_attribution(&format!("{trimmed} {}", next.trim()))
        {
            quoted.push(line);
            quoted.push(next);
            i += 2;
            continue;
        }
        shown.push(line);
        i += 1;
    }
    let shown_text = shown.join("\n").trim().to_string();
    if quoted.is_empty() {
        return (shown_text, None);
    }
    if shown_text.is_empty() {
        return (text.trim().to_string(), None);
    }
    (shown_text, Some(quoted.join("\n")))
}

fn starts_attribution(line: &str) -> bool {
    let lower = line.to_lowercase();
    ["on ", "le ", "am ", "el ", "il ", "op "]
        .iter()
        .any(|p| lower.starts_with(p))
}

fn is_attribution(line: &str) -> bool {
    let lower = line.trim_end().to_lowercase();
    (lower.starts_with("on ") && lower.ends_with("wrote:"))
        || (lower.starts_with("le ")
            && (lower.ends_with("a écrit :") || lower.ends_with("a écrit:")))
        || (lower.starts_with("am ") && lower.ends_with("schrieb:"))
        || (lower.starts_with("el ") && lower.ends_with("escribió:"))
        || (lower.starts_with("il ") && lower.ends_with("ha scritto:"))
        || (lower.starts_with("op ") && lower.ends_with("geschreven:"))
}

fn is_separator(line: &str) -> bool {
    let lower = line.trim().to_lowercase();
    lower.starts_with("-----original message-----")
        || lower.starts_with("-----ursprüngliche nachricht-----")
        || lower.starts_with("---------- forwarded message")
        || lower.starts_with("-------- original message")
        || lower.starts_with("begin forwarded message:")
        || (lower.len() >= 20 && lower.chars().all(|c| c == '_'))
}

/// Lower-case subject without reply/forward prefixes (`Re:`, `Fwd:`, `AW:`, `Re[2]:`, …) and with
/// whitespace collapsed: the threading fallback for clients that drop In-Reply-To/References.
pub fn normalise_subject(subject: &str) -> (String, bool) {
    let mut s = collapse_ws(subject).to_lowercase();
    let mut had_prefix = false;
    loop {
        let trimmed = s.trim_start();
        let Some(colon) = trimmed.find(':') else {
            break;
        };
        let head = &trimmed[..colon];
        let word = head.split('[').next().unwrap_or(head).trim();
        let is_prefix = matches!(
            word,
            "re" | "fw" | "fwd" | "aw" | "wg" | "sv" | "vs" | "antw" | "tr" | "rv" | "ref"
        ) && head.len() <= 8;
        if !is_prefix {
            break;
        }
        had_prefix = true;
        s = trimmed[colon + 1..].trim_start().to_string();
    }
    (s.trim().to_string(), had_prefix)
}

fn addresses(address: &Address<'_>) -> Vec<EmailAddress> {
    address
        .iter()
        .filter_map(|a| {
            let addr = a.address()?.trim().trim_matches(['<', '>']).to_lowercase();
            if addr.is_empty() {
                return None;
            }
            let name = a
                .name()
                .map(|n| cap_chars(&collapse_ws(n), MAX_NAME_CHARS))
                .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&addr));
            Some(EmailAddress {
                name,
                address: addr,
            })
        })
        .take(MAX_ADDRESSES)
        .collect()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => clean_id(t).into_iter().collect(),
        HeaderValue::TextList(list) => list.iter().filter_map(|t| clean_id(t)).collect(),
        _ => Vec::new(),
    }
}

/// A message id without angle brackets or whitespace; `None` when nothing usable is left.
pub fn clean_id(id: &str) -> Option<String> {
    let id: String = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    (!id.is_empty() && id.len() <= 995).then_some(id)
}

pub(super) fn clean_file_name(name: &str) -> String {
    // Only the last path component, no control characters: the name is shown and may be used
    // to save the file.
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() <= MAX_NAME_CHARS {
        return clean;
    }
    // Cut the stem, keep the extension (it says what the file is).
    match clean.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 10 => {
            let room = MAX_NAME_CHARS - ext.chars().count() - 1;
            format!("{}.{ext}", cap_chars(stem, room))
        }
        _ => cap_chars(&clean, MAX_NAME_CHARS),
    }
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn normalise_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn cap(mut s: String) -> String {
    if s.len() > MAX_TEXT_CHARS {
        let mut end = MAX_TEXT_CHARS;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("\n[…]");
    }
    s
}

fn cap_quoted(mut s: String) -> String {
    if s.len() > MAX_QUOTED_CHARS {
        let mut end = MAX_QUOTED_CHARS;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("\n[… earlier messages not kept]");
    }
    s
}

/// At most `max` characters, an ellipsis marking a cut.
fn cap_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

fn hash_id(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update((p.len() as u64).to_be_bytes());
        hasher.update(p);
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("hash:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attached_message_read_into_no_parts_is_no_bytes() {
        // Found by the fuzzer (fuzz/corpus/mime/crash-digest-part-without-parts): mail-parser
        // reads this digest's part into a message without parts, and its `raw_message()`
        // panicked on `parts[0]`, in the sync and on every download of the mail.
        let raw = b">\nContent-Type: multipart/digest;boundary=1\n\n--1\n\nan";
        let parsed = parse_message(raw);
        assert_eq!(parsed.attachments.len(), 1);
        assert_eq!(parsed.attachments[0].size, 0);
        let (bytes, _) = attachment_bytes(raw, 0).expect("the attachment");
        assert!(bytes.is_empty());
    }

    #[test]
    fn a_part_mail_parser_loses_track_of_reads_on_in_every_build() {
        // Found by the fuzzer (fuzz/corpus/mime/crash-rfc822-part-missing-multipart): mail-parser
        // meets `debug_assert!(false, "Invalid part ID…")` here and reads on in release builds;
        // debug builds (tests, the e2e app) panicked until the workspace turned its debug
        // assertions off (Cargo.toml, `profile.dev.package.mail-parser`).
        let raw = b"za e\n\
          Content-Type: multipart/mD\x00\x00;boundary=\"=_2d98f6c3ddf4b54299ae2604b2717254\"\n\
          Enede\n\
          \n\
          --=_2d98f6c3ddf4b54299ae2604b2717254Content-Type: message/rfc822;F3T\n\
          \n\
          Tnt\n\
          Content-Type: message/rfc822;t;\n\
          \n\
          Del\n\
          \n\
          To\n\
          --=_2d98f6c3ddf4b54299ae2604b2717254--\n";
        let parsed = parse_message(raw);
        assert!(!parsed.remote_id.is_empty());
    }

    #[test]
    fn a_mail_mail_parser_panics_on_is_read_as_unreadable() {
        // Found by the fuzzer (fuzz/corpus/mime/crash-nested-boundary-slice): mail-parser
        // 0.11.2 slices out of range in its multipart parser, in release builds too.
        let raw = b"Fr\x00\n\
          Content-Type: multipart/alternative; boundary=sub1\"\n\
          \n\
          Se\n\
          --sub1\n\
          Content-Type: text/html\n\
          rl\n\
          \n\
          --sub1teu1\n\
          Content-Type: text/html\n\
          \n\
          <p>\n\
          --sub1\n\
          Content-Type: multipart/alternative; boundary=\"sub2\"\n\
          \n\
          --sub2\n\
          Cgue\n\
          \n\
          u--sub2--\n\
          --bee\n\
          \n";
        let parsed = parse_message(raw);
        assert!(parsed.remote_id.starts_with("hash:"));
        assert!(parsed.attachments.is_empty());
        assert_eq!(attachment_bytes(raw, 0), None);
    }

    #[test]
    fn folds_attribution_and_quotes() {
        let text = "Thanks, that works.\n\nOn Mon, 1 Jan 2024 at 10:00, Bob <bob@example.com>\nwrote:\n> Try turning it off\n> and on again.";
        let (shown, quoted) = fold_quotes(text);
        assert_eq!(shown, "Thanks, that works.");
        let quoted = quoted.expect("quoted");
        assert!(quoted.contains("wrote:"));
        assert!(quoted.contains("> and on again."));
    }

    #[test]
    fn keeps_the_date_headers_offset() {
        let offset = |date: &str| {
            let raw = format!("From: a@x.test\r\nDate: {date}\r\nSubject: s\r\n\r\nbody");
            parse_message(raw.as_bytes()).date_offset_minutes
        };
        assert_eq!(offset("Mon, 3 Mar 2025 23:10:00 +0900"), Some(540));
        assert_eq!(offset("Mon, 3 Mar 2025 09:10:00 -0330"), Some(-210));
        assert_eq!(offset("Mon, 3 Mar 2025 14:10:00 +0000"), Some(0));
        assert_eq!(
            offset("Mon, 3 Mar 2025 14:10:00 -0000"),
            None,
            "zone unknown"
        );
        let no_date = parse_message(b"From: a@x.test\r\nSubject: s\r\n\r\nbody");
        assert_eq!(no_date.date_offset_minutes, None);
    }

    #[test]
    fn all_quoted_shows_everything() {
        let (shown, quoted) = fold_quotes("> only a quote");
        assert_eq!(shown, "> only a quote");
        assert!(quoted.is_none());
    }

    #[test]
    fn subject_prefixes() {
        assert_eq!(
            normalise_subject("Re: AW: Fwd:  Order  42"),
            ("order 42".into(), true)
        );
        assert_eq!(normalise_subject("Re[2]: x"), ("x".into(), true));
        assert_eq!(normalise_subject("Order: 42"), ("order: 42".into(), false));
    }

    #[test]
    fn sanitises_hostile_html() {
        let s = sanitize_html(
            r#"<p onclick="x()">Hi<script>alert(1)</script><img src="https://t.example/p.gif" onerror="alert(2)"><img src="//t.example/q.gif"><img src="cid:logo@x"><a href="javascript:alert(3)">x</a><style>body{}</style><form><input></form></p>"#,
        );
        let lower = s.html.to_lowercase();
        for bad in [
            "script",
            "onclick",
            "onerror",
            "javascript:",
            "t.example",
            "<style",
            "<form",
            "<input",
        ] {
            assert!(!lower.contains(bad), "{bad} in {}", s.html);
        }
        assert!(lower.contains("cid:logo@x"));
        // The protocol-relative one is removed by the relative-URL rule before the count.
        assert_eq!(s.blocked_images, 1);
        assert_eq!(s.remote_images, vec!["https://t.example/p.gif".to_string()]);
        assert!(s.html.contains("src=\"parley-remote:0\""), "{}", s.html);
    }

    #[test]
    fn keeps_safe_inline_css_and_table_attributes_through_both_cleanings() {
        let s = sanitize_html(
            r##"<table width="600" bgcolor="#F4F4F4" cellpadding="8" style="border-collapse: collapse; position: fixed"><tr><td valign="top" style="color: #C0392B; font-weight: bold; background: url(https://t.example/bg.png)" onclick="x()">Total</td><td width="javascript:x" style="\75rl(x); color: red">1</td></tr></table><div style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:99">overlay</div>"##,
        );
        let html = &s.html;
        assert!(
            html.contains(r#"style="border-collapse: collapse""#),
            "{html}"
        );
        assert!(
            html.contains(r#"style="color: #c0392b; font-weight: bold""#),
            "{html}"
        );
        assert!(html.contains(r##"bgcolor="#f4f4f4""##), "{html}");
        assert!(html.contains(r#"width="600""#) && html.contains(r#"cellpadding="8""#));
        assert!(html.contains(r#"valign="top""#), "{html}");
        for bad in [
            "position",
            "url",
            "t.example",
            "onclick",
            "javascript",
            "\\",
            "z-index",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        // The overlay keeps only its harmless sizes, not its positioning.
        assert!(
            html.contains(r#"<div style="width: 100%; height: 100%">overlay"#),
            "{html}"
        );
        // The second cleaning (for the frame) keeps the same styles.
        let shown = render_html(html, &|_| None, |href| Some(href.to_string()));
        assert!(
            shown.contains(r#"style="color: #c0392b; font-weight: bold""#),
            "{shown}"
        );
        assert!(shown.contains(r##"bgcolor="#f4f4f4""##), "{shown}");
    }

    #[test]
    fn placeholders_come_only_from_the_sanitiser() {
        // A mail cannot forge a placeholder (its scheme is not allowed in input) nor make text
        // into an image.
        let s = sanitize_html(
            r#"<img src="parley-remote:0"><p>src="parley-remote:0"</p><img src="http://a.test/1.png"><img src="data:image/png;base64,AAAA">"#,
        );
        assert_eq!(s.remote_images, vec!["http://a.test/1.png".to_string()]);
        assert_eq!(s.html.matches("<img").count(), 3, "{}", s.html);
        assert_eq!(s.html.matches("src=").count(), 2, "{}", s.html);
        let shown = render_html(
            &s.html,
            &|src| match src {
                ImageSource::Remote(0) => Some("data:image/png;base64,QUJD".into()),
                _ => None,
            },
            |href| Some(href.to_string()),
        );
        assert_eq!(shown.matches("src=").count(), 2, "{shown}");
        assert!(
            shown.contains(r#"<img src="data:image/png;base64,QUJD">"#),
            "{shown}"
        );
        assert!(!shown.contains(r#"<img src="parley-remote"#), "{shown}");
    }

    #[test]
    fn render_resolves_cid_and_remote_images_or_drops_them() {
        let s = sanitize_html(
            r#"<p onclick="x()">Hi</p><img src="cid:Logo@X"><img src="cid:gone@x"><img src="https://t.test/a.png"><img src="https://t.test/b.png"><a href="https://shop.test/help">help</a>"#,
        );
        assert_eq!(s.remote_images.len(), 2);
        let blocked = render_html(
            &s.html,
            &|src| match src {
                ImageSource::Cid(id) if id.eq_ignore_ascii_case("logo@x") => {
                    Some("parley-media://localhost/7%2F1".into())
                }
                _ => None,
            },
            |href| Some(format!("parley-media://localhost/link?u={href}")),
        );
        assert!(
            blocked.contains(r#"src="parley-media://localhost/7%2F1""#),
            "{blocked}"
        );
        assert!(
            !blocked.contains("cid:"),
            "an unknown part is dropped: {blocked}"
        );
        assert!(!blocked.contains("parley-remote"), "{blocked}");
        assert!(!blocked.contains("t.test"), "{blocked}");
        assert!(!blocked.contains("onclick"), "{blocked}");
        assert!(
            blocked.contains(r#"href="parley-media://localhost/link?u=https://shop.test/help""#),
            "{blocked}"
        );
        let loaded = render_html(
            &s.html,
            &|src| match src {
                ImageSource::Remote(n) => Some(format!("data:image/png;base64,{n}")),
                ImageSource::Cid(_) => None,
            },
            |_| None,
        );
        assert!(!loaded.contains("href"), "{loaded}");
        assert!(loaded.contains("data:image/png;base64,0"), "{loaded}");
        assert!(loaded.contains("data:image/png;base64,1"), "{loaded}");
    }

    #[test]
    fn remote_images_are_capped() {
        let many: String = (0..MAX_REMOTE_IMAGES + 5)
            .map(|i| format!(r#"<img src="https://t.test/{i}.png">"#))
            .collect();
        let s = sanitize_html(&many);
        assert_eq!(s.remote_images.len(), MAX_REMOTE_IMAGES);
        assert_eq!(s.blocked_images, MAX_REMOTE_IMAGES + 5);
    }

    #[test]
    fn headers_names_and_quoted_history_have_size_caps() {
        let to: Vec<String> = (0..500).map(|i| format!("r{i}@list.test")).collect();
        let quoted: String = (0..20_000)
            .map(|i| format!("> line {i} of a very long history\r\n"))
            .collect();
        let raw = format!(
            "From: \"{name}\" <big@evil.test>\r\nTo: {to}\r\nSubject: {subject}\r\n\
             Message-ID: <caps@evil.test>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nShort answer.\r\n\r\n\
             On Mon, someone wrote:\r\n{quoted}--b\r\n\
             Content-Type: application/pdf; name=\"{file}.pdf\"\r\n\
             Content-Disposition: attachment; filename=\"{file}.pdf\"\r\n\r\nJVBERi0=\r\n--b--\r\n",
            name = "é".repeat(2_000),
            to = to.join(", "),
            subject = "Ж".repeat(5_000),
            file = "f".repeat(1_000),
        );
        let p = parse_message(raw.as_bytes());
        assert_eq!(p.text, "Short answer.");
        assert_eq!(
            p.subject.chars().count(),
            MAX_SUBJECT_CHARS + 1,
            "cut with an ellipsis"
        );
        assert!(p.subject.ends_with('…'));
        let from = p.from.expect("from");
        assert_eq!(from.name.expect("name").chars().count(), MAX_NAME_CHARS + 1);
        assert_eq!(p.to.len(), MAX_ADDRESSES);
        let quoted = p.quoted.expect("history");
        assert!(quoted.len() <= MAX_QUOTED_CHARS + 64, "{}", quoted.len());
        assert!(quoted.ends_with("[… earlier messages not kept]"));
        let name = p.attachments[0].file_name.as_deref().expect("file name");
        assert_eq!(name.chars().count(), MAX_NAME_CHARS + 1);
        assert!(name.ends_with("f….pdf"), "{name}");
    }
}
