//! Links in customer text open only through here, and only when they are web or mail links.

use parley_domain::{ErrorCode, IpcError};
use std::path::Path;
use url::Url;

/// Parses `raw` and accepts only http, https and mailto URLs, the only kinds Parley lets the OS
/// open from customer text. Anything else (`javascript:`, `file:`, custom schemes that launch
/// programs) is refused.
pub fn validate_link(raw: &str) -> Result<Url, IpcError> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|_| {
        IpcError::new(
            ErrorCode::UnsafeLink,
            "This is not a valid web address, so Parley will not open it.",
        )
    })?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "mailto" => Ok(plain_mailto(url)),
        other => Err(IpcError::new(
            ErrorCode::UnsafeLink,
            format!("Parley only opens web and e-mail links; this one is a \"{other}:\" link."),
        )),
    }
}

/// A mail link keeps its recipients and only the `to`, `cc`, `subject` and `body` fields: a
/// mail program would otherwise attach a local file (`attach=`, `attachment=`) or add hidden
/// recipients on a customer's say.
fn plain_mailto(mut url: Url) -> Url {
    const KEPT: &[&str] = &["to", "cc", "subject", "body"];
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| KEPT.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.set_query(None);
    if !kept.is_empty() {
        url.query_pairs_mut().extend_pairs(kept);
    }
    url
}

/// Whether a downloaded attachment may be handed to the OS to open: documents and media only,
/// never something the OS would run (scripts, executables, desktop entries).
pub fn safe_to_open(path: &Path) -> bool {
    const SAFE: &[&str] = &[
        "jpg", "jpeg", "png", "gif", "webp", "bmp", "heic", "pdf", "txt", "csv", "ogg", "oga",
        "opus", "mp3", "m4a", "wav", "mp4", "mov", "webm", "mkv", "doc", "docx", "xls", "xlsx",
        "ppt", "pptx", "odt", "ods", "odp", "rtf",
    ];
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SAFE.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_open() {
        assert!(validate_link("https://example.com/a?b=c").is_ok());
        assert!(validate_link(" http://example.com ").is_ok());
        assert!(validate_link("mailto:anna@example.com").is_ok());
        let mail = |raw: &str| validate_link(raw).expect(raw).to_string();
        assert_eq!(
            mail("mailto:anna@example.com?subject=Order%2042&attach=/home/me/.ssh/id_rsa&body=Hi"),
            "mailto:anna@example.com?subject=Order+42&body=Hi"
        );
        assert_eq!(
            mail("mailto:a@example.com?ATTACHMENT=C:%5Csecret.pdf&Bcc=spy@example.net"),
            "mailto:a@example.com"
        );
        assert_eq!(
            mail("mailto:a@example.com?cc=b@example.com"),
            "mailto:a@example.com?cc=b%40example.com"
        );
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "ms-msdt:/id",
            "not a url",
            "http://",
        ] {
            let e = validate_link(bad).expect_err(bad);
            assert_eq!(e.code, ErrorCode::UnsafeLink, "{bad}");
        }
    }

    #[test]
    fn only_documents_and_media_open() {
        assert!(safe_to_open(Path::new("/tmp/x/invoice.PDF")));
        assert!(!safe_to_open(Path::new("/tmp/x/run.sh")));
        assert!(!safe_to_open(Path::new("/tmp/x/app.desktop")));
        assert!(!safe_to_open(Path::new("/tmp/x/noext")));
    }
}
