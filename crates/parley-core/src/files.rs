//! Pure helpers for files from outside: names safe on every OS, the name a customer sees, a
//! MIME type from what the window reported, and the registry of the last files dropped on the
//! window (see `drops.rs`).

use parley_domain::{ChannelKind, Millis};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How long a drop waits for the window to stage it.
pub const DROP_LIFETIME_MS: Millis = 30_000;

/// The paths of the last drop from the operating system, and when it happened.
#[derive(Debug, Default)]
pub struct DropRegistry {
    last: Mutex<Option<(Vec<PathBuf>, Millis)>>,
}

impl DropRegistry {
    /// Keeps `paths` as the last drop, in place of any earlier one.
    pub fn remember(&self, paths: Vec<PathBuf>, now: Millis) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        *last = (!paths.is_empty()).then_some((paths, now));
    }

    /// The last drop, once: `None` when there was none, it was taken, or it is older than
    /// [`DROP_LIFETIME_MS`].
    pub fn take(&self, now: Millis) -> Option<Vec<PathBuf>> {
        let taken = self.last.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        let (paths, at) = taken;
        (now >= at && now - at <= DROP_LIFETIME_MS).then_some(paths)
    }
}

/// 16 hex digits of the SHA-256 of `parts`, each ended by a NUL (so no two lists agree).
fn key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The folder of one account's downloaded attachments, inside `attachments`: named by what the
/// provider calls the account, never by a row id (SQLite reuses those after a delete, and a new
/// account must never be shown a removed one's file). Deleted with the account.
pub(crate) fn account_files(
    attachments: &Path,
    channel: ChannelKind,
    external_id: &str,
) -> PathBuf {
    attachments.join(key(&[channel.as_str(), external_id]))
}

/// A downloaded attachment's file in its account's folder: named by the message's provider id,
/// the part and the provider's reference to the file, then the safe name the agent sees.
pub(crate) fn attachment_file(
    account_dir: &Path,
    message_remote_id: &str,
    index: usize,
    remote_ref: &str,
    name: &str,
) -> PathBuf {
    account_dir.join(format!(
        "{}-{name}",
        key(&[message_remote_id, &index.to_string(), remote_ref])
    ))
}

/// The name the customer sees: the agent's own file name without folders, line breaks or
/// control characters (it goes into mail headers and multipart fields).
pub(crate) fn display_name(name: &str, mime: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !parley_domain::text::is_bidi_control(*c))
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        safe_file_name(None, Some(mime))
    } else {
        cleaned
    }
}

/// A MIME type as the window reported it, or one guessed from the name.
pub(crate) fn mime_of(reported: &str, name: &str) -> String {
    let reported = reported.trim().to_ascii_lowercase();
    let valid = reported.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && reported
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"/.+-_".contains(&c))
    });
    if valid {
        return reported;
    }
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}

/// A file name safe on every OS, derived from an untrusted one.
pub(crate) fn safe_file_name(name: Option<&str>, mime: Option<&str>) -> String {
    let cleaned: String = name
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('.')
        .chars()
        .take(80)
        .collect();
    if !cleaned.is_empty() {
        return cleaned;
    }
    let ext = match mime {
        Some("image/jpeg") => "jpg",
        Some("image/png") => "png",
        Some("image/webp") => "webp",
        Some("audio/ogg") => "ogg",
        Some("video/mp4") => "mp4",
        Some("application/pdf") => "pdf",
        _ => "bin",
    };
    format!("attachment.{ext}")
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_from_customers_are_tamed() {
        assert_eq!(
            safe_file_name(Some("../../etc/passwd"), None),
            "_.._etc_passwd"
        );
        assert_eq!(
            safe_file_name(Some("invoice 12.pdf"), None),
            "invoice_12.pdf"
        );
        assert_eq!(safe_file_name(None, Some("image/jpeg")), "attachment.jpg");
        assert_eq!(
            safe_file_name(Some("..."), Some("application/pdf")),
            "attachment.pdf"
        );
    }
}
