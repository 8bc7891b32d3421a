//! The backup file: what is in it and how it is sealed.
//!
//! ```text
//! "PARLEY-BACKUP-1\n"                  magic, plain
//! u32 big-endian length, then the key  an age file sealed with the owner's passphrase (scrypt)
//!                                      holding a private key made for this file or the schedule
//! the payload                          an age stream to that key's public half: a tar of
//!                                      parley.sqlite3 (a consistent copy), the workspace's files,
//!                                      and manifest.json last (versions, counts, SHA-256 of each)
//! ```
//!
//! Why two layers (`docs/decisions/024-backup.md`): a scheduled backup must be written while
//! nobody types the passphrase, and the passphrase is never stored. Writing only needs the
//! public key; reading needs the private key, which exists on disk only sealed by the
//! passphrase. A wrong passphrase fails on the key, before anything is read; a damaged or cut
//! file fails age's authentication of the chunk it lands in (every chunk is authenticated and
//! the last one is marked as last).

use age::secrecy::{ExposeSecret, SecretString};
use parley_domain::{Millis, WorkspaceCounts};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

pub(crate) const MAGIC: &[u8] = b"PARLEY-BACKUP-1\n";
/// The manifest's format; bumped when the layout changes meaning.
pub(crate) const FORMAT_VERSION: u32 = 1;
pub(crate) const MANIFEST: &str = "manifest.json";
pub(crate) const DATABASE: &str = "parley.sqlite3";
/// The workspace's folders a backup carries (the demo's simulated providers included, so a
/// restored demo's cursors match its fakes).
pub(crate) const FOLDERS: &[&str] = &["attachments", "outgoing", "saved-replies", "demo"];
/// Files in those folders that are not data (the demo's per-run endpoint and secret).
const SKIPPED: &[&str] = &["endpoint.json"];
/// The longest sealed key a file may declare (a sealed key is a few hundred bytes).
const MAX_KEY: u32 = 64 * 1024;

/// What the backup says about itself; read back to verify a restore.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Manifest {
    pub format: u32,
    pub app_version: String,
    pub schema_version: u32,
    pub created_at: Millis,
    pub counts: WorkspaceCounts,
    pub files: Vec<ManifestFile>,
    /// The key of the database copy in the archive (64 hex digits), which only the sealed
    /// archive holds; absent in backups from before encryption at rest, whose copy is plain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// The key a backup is written to: the public half, and the private half sealed with the
/// owner's passphrase (neither is a secret on its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SealedKey {
    pub recipient: String,
    /// The age file (scrypt) holding the private key, base64.
    pub sealed: String,
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a backup cannot be opened, in the agent's words.
#[derive(Debug)]
pub(crate) enum OpenError {
    WrongPassphrase,
    Damaged(String),
    Io(io::Error),
}

impl SealedKey {
    /// A new key, its private half sealed with `passphrase` (scrypt: about a second's work).
    pub fn new(passphrase: &str) -> Result<SealedKey, String> {
        use base64::Engine;
        let identity = age::pq::Identity::generate();
        let recipient = identity.to_public().to_string();
        let secret = identity.to_string();
        let scrypt = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
        let sealed =
            age::encrypt(&scrypt, secret.expose_secret().as_bytes()).map_err(|e| e.to_string())?;
        Ok(SealedKey {
            recipient,
            sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
        })
    }

    fn sealed_bytes(&self) -> Result<Vec<u8>, String> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&self.sealed)
            .map_err(|e| e.to_string())
    }
}

/// Writes the file's head (magic and sealed key) and returns the encrypting payload writer.
pub(crate) fn seal<W: Write>(
    key: &SealedKey,
    mut out: W,
) -> Result<age::stream::StreamWriter<W>, String> {
    let sealed = key.sealed_bytes()?;
    let recipient: age::pq::Recipient = key.recipient.parse().map_err(|e: &str| e.to_owned())?;
    out.write_all(MAGIC).map_err(|e| e.to_string())?;
    out.write_all(&(sealed.len() as u32).to_be_bytes())
        .map_err(|e| e.to_string())?;
    out.write_all(&sealed).map_err(|e| e.to_string())?;
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .map_err(|e| e.to_string())?;
    encryptor.wrap_output(out).map_err(|e| e.to_string())
}

/// Reads the file's head, opens the key with `passphrase`, and returns the decrypted payload.
pub(crate) fn open<R: Read>(mut input: R, passphrase: &str) -> Result<impl Read, OpenError> {
    let mut magic = vec![0u8; MAGIC.len()];
    read_head(&mut input, &mut magic)?;
    if magic != MAGIC {
        return Err(OpenError::Damaged(
            "it is not a Parley backup (its first bytes are not a backup's)".into(),
        ));
    }
    let mut len = [0u8; 4];
    read_head(&mut input, &mut len)?;
    let len = u32::from_be_bytes(len);
    if len > MAX_KEY {
        return Err(OpenError::Damaged("its key is damaged".into()));
    }
    let mut sealed = vec![0u8; len as usize];
    read_head(&mut input, &mut sealed)?;
    let scrypt = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
    let secret = match age::decrypt(&scrypt, &sealed) {
        Ok(s) => s,
        Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
            return Err(OpenError::WrongPassphrase);
        }
        Err(e) => return Err(OpenError::Damaged(format!("its key is damaged ({e})"))),
    };
    let secret =
        String::from_utf8(secret).map_err(|_| OpenError::Damaged("its key is damaged".into()))?;
    let identity: age::pq::Identity = secret
        .parse()
        .map_err(|_| OpenError::Damaged("its key is damaged".into()))?;
    let decryptor = age::Decryptor::new(input).map_err(damaged)?;
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(damaged)
}

fn read_head<R: Read>(input: &mut R, buf: &mut [u8]) -> Result<(), OpenError> {
    input.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => OpenError::Damaged("it ends too early".into()),
        _ => OpenError::Io(e),
    })
}

fn damaged(e: age::DecryptError) -> OpenError {
    match e {
        age::DecryptError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => OpenError::Io(e),
        e => OpenError::Damaged(format!("its contents do not check out ({e})")),
    }
}

/// A reader that hashes what passes through it.
pub(crate) struct Hashing<R> {
    pub inner: R,
    pub hasher: Sha256,
    pub size: u64,
}

impl<R> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    pub fn digest(self) -> (u64, String) {
        (self.size, hex(&self.hasher.finalize()))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// Every file of the workspace's backed-up folders under `data_dir`, as paths relative to it
/// with `/` separators, sorted. Hidden files (partial downloads) are left out.
pub(crate) fn workspace_files(data_dir: &std::path::Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for folder in FOLDERS {
        walk(&data_dir.join(folder), folder, &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &std::path::Path, rel: &str, out: &mut Vec<String>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || SKIPPED.contains(&name.as_str()) {
            continue;
        }
        let kind = entry.file_type()?;
        let path = format!("{rel}/{name}");
        if kind.is_dir() {
            walk(&entry.path(), &path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// Whether `path` (from inside a backup) may be written under the staging folder: relative,
/// plain components only, and the database, the manifest or inside a backed-up folder.
pub(crate) fn allowed_path(path: &str) -> bool {
    let plain = !path.is_empty()
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
    if !plain {
        return false;
    }
    path == DATABASE
        || path == MANIFEST
        || FOLDERS
            .iter()
            .any(|f| path.strip_prefix(f).is_some_and(|r| r.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_workspace_paths_are_allowed() {
        assert!(allowed_path("parley.sqlite3"));
        assert!(allowed_path("attachments/telegram-1/a.jpg"));
        assert!(!allowed_path("../etc/passwd"));
        assert!(!allowed_path("attachments/../../x"));
        assert!(!allowed_path("/etc/passwd"));
        assert!(!allowed_path("attachmentsx/a"));
        assert!(!allowed_path("parley.lock"));
        assert!(!allowed_path("attachments"));
    }
}
