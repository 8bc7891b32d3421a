//! Links in an email's HTML, as the agent will see them. A phishing mail shows one address and
//! links to another ("www.yourbank.example" → `https://evil.test/login`); the frame runs no script
//! and the link opens through Rust, so what Parley can do is say where a link really goes before it
//! is clicked. After ammonia has sanitised the mail, [`rewrite_links`] gives every link a `title`
//! with its real target (shown on hover) and its click address from the caller; a link whose text
//! names a host or mail address that its target is not gets a visible note right after it,
//! "→ evil.test". The check is [`misleading_target`], pure and tested on its own.

use lol_html::html_content::{ContentType, EndTag};
use lol_html::{EndTagHandler, RewriteStrSettings, element, rewrite_str, text};
use std::cell::RefCell;
use std::rc::Rc;

/// File extensions that look like a top-level domain in link text ("invoice.pdf"): never a claim.
const FILE_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "rtf", "txt", "csv", "zip",
    "rar", "gz", "png", "jpg", "jpeg", "gif", "webp", "svg", "heic", "mp3", "mp4", "mov", "html",
    "htm", "php", "aspx", "jsp", "json", "xml", "eml", "ics", "vcf", "exe", "msi", "dmg", "apk",
];

/// The real target to show when a link's visible `text` claims a host or mail address that the
/// link (`href`, already validated: http, https or mailto) does not go to; `None` when the text
/// claims nothing ("Click here") or what its target is (also a subdomain either way, and
/// `www.` ignored).
pub fn misleading_target(text: &str, href: &str) -> Option<String> {
    let target = url::Url::parse(href.trim()).ok()?;
    if target.scheme() == "mailto" {
        let address = target
            .path()
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let address = percent_decode(&address);
        let claimed = claimed_addresses(text);
        return (!claimed.is_empty() && !claimed.contains(&address) && !address.is_empty())
            .then_some(address);
    }
    let host = bare_host(target.host_str()?);
    let claims = claimed_hosts(text);
    if claims.is_empty() || claims.iter().any(|c| related(c, &host)) {
        return None;
    }
    Some(host)
}

/// The sanitised `html` with every link's `href` replaced by `click(original)` (removed when it
/// gives none), a `title` naming the original, and the misleading ones followed by a note.
pub fn rewrite_links(html: &str, click: &dyn Fn(&str) -> Option<String>) -> String {
    // The open link's original target and the text read inside it so far.
    let open: Rc<RefCell<Option<(String, String)>>> = Rc::default();
    let (on_start, on_text) = (Rc::clone(&open), Rc::clone(&open));
    let settings = RewriteStrSettings::new()
        .append_element_content_handler(element!("a[href]", move |el| {
            let original = decode_entities(&el.get_attribute("href").unwrap_or_default());
            match click(&original) {
                Some(url) => {
                    el.set_attribute("href", &url.replace('&', "&amp;"))?;
                    el.set_attribute("title", &original.replace('&', "&amp;"))?;
                }
                None => el.remove_attribute("href"),
            }
            *on_start.borrow_mut() = Some((original, String::new()));
            let at_end = Rc::clone(&on_start);
            if let Some(handlers) = el.end_tag_handlers() {
                let handler: EndTagHandler<'static> = Box::new(move |end: &mut EndTag<'_>| {
                    if let Some((target, text)) = at_end.borrow_mut().take()
                        && let Some(real) = misleading_target(&text, &target)
                    {
                        end.after(&note(&real), ContentType::Html);
                    }
                    Ok(())
                });
                handlers.push(handler);
            }
            Ok(())
        }))
        .append_element_content_handler(text!("a[href]", move |chunk| {
            if let Some((_, text)) = on_text.borrow_mut().as_mut() {
                text.push_str(&decode_entities(chunk.as_str()));
            }
            Ok(())
        }));
    // The input is html5ever's own serialisation, which lol_html always reads; should it ever
    // fail, no link is left pointing anywhere.
    rewrite_str(html, settings).unwrap_or_else(|_| strip_links(html))
}

/// The note after a misleading link (escaped: the host comes from the mail).
fn note(real: &str) -> String {
    format!(
        "<span data-parley-real-target=\"\" style=\"margin-left:3px;padding:0 4px;border-radius:3px;\
background:#fff4e5;color:#8a4b00;font-size:11px;white-space:nowrap\">\u{26a0} goes to {}</span>",
        escape(real)
    )
}

fn strip_links(html: &str) -> String {
    ammonia::Builder::default()
        .rm_tags(["a"])
        .clean(html)
        .to_string()
}

/// Host names the text names (lowercased, ASCII/punycode, without `www.`).
fn claimed_hosts(text: &str) -> Vec<String> {
    tokens(text)
        .filter(|t| !t.contains('@'))
        .filter_map(|token| {
            let rest = strip_scheme(token);
            let host = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
            let host = host.trim_end_matches('.');
            let tld = host.rsplit('.').next()?;
            let plausible = host.contains('.')
                && tld.chars().count() >= 2
                && tld.chars().all(char::is_alphabetic)
                && !FILE_EXTENSIONS.contains(&tld.to_lowercase().as_str())
                && host
                    .split('.')
                    .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
            if !plausible {
                return None;
            }
            let parsed = url::Url::parse(&format!("http://{host}/")).ok()?;
            Some(bare_host(parsed.host_str()?))
        })
        .collect()
}

/// Mail addresses the text names (lowercased).
fn claimed_addresses(text: &str) -> Vec<String> {
    tokens(text)
        .map(|t| t.strip_prefix("mailto:").unwrap_or(t))
        .filter(|t| {
            let mut parts = t.split('@');
            matches!((parts.next(), parts.next(), parts.next()),
                (Some(local), Some(domain), None) if !local.is_empty() && domain.contains('.'))
        })
        .map(str::to_lowercase)
        .collect()
}

fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || "<>()[]{}\"'«»“”‘’,;|".contains(c))
        .map(|t| t.trim_end_matches(['.', ',', ':', ';', '!', '?']))
        .filter(|t| !t.is_empty())
}

fn strip_scheme(token: &str) -> &str {
    let lower = token.to_ascii_lowercase();
    for scheme in ["https://", "http://"] {
        if lower.starts_with(scheme) {
            return &token[scheme.len()..];
        }
    }
    token
}

fn bare_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    host.strip_prefix("www.").map(str::to_owned).unwrap_or(host)
}

/// The same site: equal, or one a subdomain of the other.
fn related(claimed: &str, host: &str) -> bool {
    claimed == host
        || host.ends_with(&format!(".{claimed}"))
        || claimed.ends_with(&format!(".{host}"))
}

/// The entities html5ever's serialiser writes (text: `&amp; &lt; &gt; &nbsp;`; attributes also
/// `&quot;`).
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_names_another_host_is_misleading() {
        let real = misleading_target("www.yourbank.example", "https://evil.test/login");
        assert_eq!(real.as_deref(), Some("evil.test"));
        assert_eq!(
            misleading_target(
                "Sign in at https://yourbank.example/secure",
                "https://evil.test/"
            )
            .as_deref(),
            Some("evil.test")
        );
        // A look-alike in another script is another host (its punycode is shown).
        assert_eq!(
            misleading_target("pаypal.com", "https://paypal.com/").as_deref(),
            Some("paypal.com"),
            "Cyrillic а in the text"
        );
        assert_eq!(
            misleading_target("paypal.com", "https://xn--pypal-4ve.com/").as_deref(),
            Some("xn--pypal-4ve.com")
        );
    }

    #[test]
    fn text_that_names_the_target_or_nothing_is_not() {
        for (text, href) in [
            ("Click here", "https://evil.test/"),
            ("shop.test", "https://shop.test/orders"),
            ("www.shop.test", "https://shop.test/"),
            ("shop.test", "https://track.shop.test/x"),
            ("help.shop.test", "https://shop.test/help"),
            ("SHOP.TEST/orders.", "https://shop.test/orders"),
            (
                "Download invoice.pdf",
                "https://files.shop.test/invoice.pdf",
            ),
            ("version 1.2", "https://shop.test/"),
            ("", "https://shop.test/"),
        ] {
            assert_eq!(misleading_target(text, href), None, "{text} → {href}");
        }
    }

    #[test]
    fn mail_addresses_are_compared_too() {
        assert_eq!(
            misleading_target("support@shop.test", "mailto:collect@evil.test?subject=x").as_deref(),
            Some("collect@evil.test")
        );
        assert_eq!(
            misleading_target("Write to Support@Shop.test", "mailto:support@shop.test"),
            None
        );
        assert_eq!(
            misleading_target("write to us", "mailto:support@shop.test"),
            None
        );
    }

    #[test]
    fn links_get_their_click_address_a_title_and_a_note_when_misleading() {
        let html = "<p>Pay at <a href=\"https://evil.test/pay?a=1&amp;b=2\">www.shop.test/pay</a> \
or <a href=\"https://shop.test/\">shop.test</a> or <a href=\"ftp://x\">old</a></p>";
        let out = rewrite_links(html, &|href| {
            href.starts_with("https://")
                .then(|| format!("parley-media://localhost/link?u={}", href.len()))
        });
        assert!(
            out.contains("href=\"parley-media://localhost/link?u=29\""),
            "{out}"
        );
        assert!(
            out.contains("title=\"https://evil.test/pay?a=1&amp;b=2\""),
            "{out}"
        );
        assert_eq!(out.matches("data-parley-real-target").count(), 1, "{out}");
        assert!(
            out.contains("</a><span data-parley-real-target=\"\""),
            "{out}"
        );
        assert!(out.contains("\u{26a0} goes to evil.test</span>"), "{out}");
        assert!(
            out.contains("<a>old</a>"),
            "a link with no click address keeps no href: {out}"
        );
    }

    #[test]
    fn nested_markup_counts_as_the_link_text_and_hostile_hosts_stay_text() {
        let html = "<a href=\"https://evil.test/\"><b>my</b>bank.example</a>";
        let out = rewrite_links(html, &|h| Some(h.to_owned()));
        assert!(out.contains("goes to evil.test"), "{out}");
        let html = "<a href=\"mailto:a%3Cb%3E@evil.test\">support@shop.test</a>";
        let out = rewrite_links(html, &|h| Some(h.to_owned()));
        assert!(out.contains("goes to a&lt;b&gt;@evil.test"), "{out}");
        assert!(!out.contains("<b>@"), "{out}");
    }
}
