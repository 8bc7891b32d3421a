//! Images inside the window: attachment thumbnails served through the `parley-media` URI scheme,
//! and the HTML of an email (sanitised at sync time, `parley_channels::email::render_html`) as a
//! document for a script-less sandboxed frame, with its remote images fetched here, by Rust, only
//! when the agent asks.
//!
//! Rules: only raster images recognised by their first bytes (PNG, JPEG, GIF, WebP) are ever
//! served or inlined, with the sniffed type, whatever the provider or the customer claimed;
//! never SVG or HTML. Remote images: http/https only, no cookies, no proxy, no referrer, at most
//! [`MAX_REMOTE_IMAGE_BYTES`] each and [`REMOTE_TIMEOUT`], and never from loopback, private,
//! link-local or otherwise non-public addresses (checked on every resolution and redirect)
//! unless `PARLEY_ALLOW_LOCAL_MEDIA=1` (the tests' local servers).

use crate::errors;
use crate::facade::Parley;
use base64::Engine;
use parley_channels::email::{ImageSource, render_html};
use parley_channels::net::UrlRefused;
use parley_domain::{ErrorCode, IpcError, MessageHtml, MessageId};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

/// The URI scheme the window loads attachment images from.
pub const MEDIA_SCHEME: &str = "parley-media";
/// Larger attachments are not shown inline (the chip opens them).
pub const MAX_INLINE_IMAGE_BYTES: u64 = 25 * 1024 * 1024;
/// One remote image at most.
pub const MAX_REMOTE_IMAGE_BYTES: usize = 5 * 1024 * 1024;
/// All remote images of one message together at most (they travel as `data:` URIs).
pub const MAX_REMOTE_TOTAL_BYTES: usize = 20 * 1024 * 1024;
/// One remote image, connection to last byte.
pub const REMOTE_TIMEOUT: Duration = Duration::from_secs(10);

/// A raster image type recognised by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageType {
    pub fn content_type(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
            ImageType::Webp => "image/webp",
        }
    }
}

/// What the bytes are, by their first bytes only (never by name or declared type).
pub fn sniff_image(bytes: &[u8]) -> Option<ImageType> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageType::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageType::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageType::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageType::Webp)
    } else {
        None
    }
}

/// An image ready to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaImage {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// `(message, attachment index)` from a `parley-media` request path: `/12/0` (or `/12%2F0`, as
/// Tauri's `convertFileSrc` encodes it).
pub fn parse_media_path(path: &str) -> Option<(MessageId, usize)> {
    let decoded = path.replace("%2F", "/").replace("%2f", "/");
    let mut parts = decoded.trim_start_matches('/').split('/');
    let message = parts.next()?.parse::<i64>().ok()?;
    let index = parts.next()?.parse::<usize>().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((MessageId(message), index))
}

/// Tauri's custom-scheme origin: `http://<scheme>.localhost` on Windows, `<scheme>://localhost`
/// elsewhere.
fn media_origin() -> String {
    if cfg!(windows) {
        format!("http://{MEDIA_SCHEME}.localhost")
    } else {
        format!("{MEDIA_SCHEME}://localhost")
    }
}

/// The URL the webview loads attachment `index` of `message` from.
pub fn media_url(message: MessageId, index: usize) -> String {
    format!("{}/{}%2F{index}", media_origin(), message.0)
}

/// Where a link in an email's frame points instead of its target. The frame runs no script
/// (WebKitGTK does not even call the window's listeners inside it), so a click navigates the
/// frame to this URL; the media scheme handler opens the target with the system opener (after
/// `validate_link` again) and answers 204, so the frame stays on the mail. Only http, https and
/// mailto links get one; any other link is removed.
pub fn link_url(href: &str) -> Option<String> {
    let url = crate::links::validate_link(href).ok()?;
    let encoded: String = url::form_urlencoded::byte_serialize(url.as_str().as_bytes()).collect();
    Some(format!("{}{LINK_PATH}?u={encoded}", media_origin()))
}

/// The path of [`link_url`]s.
pub const LINK_PATH: &str = "/link";

/// The link a `parley-media` request asks to open (path [`LINK_PATH`], query `u`), if it is one.
pub fn parse_link_request(path: &str, query: Option<&str>) -> Option<String> {
    if path != LINK_PATH {
        return None;
    }
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "u")
        .map(|(_, v)| v.into_owned())
}

/// The policy of the frame showing an email's HTML: nothing but its own inline styles and
/// images from `data:` and Parley's media scheme (both platform forms).
pub const FRAME_CSP: &str = "default-src 'none'; img-src data: parley-media: http://parley-media.localhost; style-src 'unsafe-inline'";

/// The `srcdoc` document: sanitised HTML under the frame's own CSP, with a few readable defaults.
fn frame_document(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"{FRAME_CSP}\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<style>html{{background:#fff}}\
body{{margin:0;padding:8px 10px;font:13.5px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;overflow-wrap:anywhere}}\
img{{max-width:100%;height:auto}}table{{max-width:100%}}pre{{white-space:pre-wrap}}\
blockquote{{margin:4px 0;padding-left:8px;border-left:2px solid #c8ccd1;color:#57606a}}\
a[href]{{color:#0b62d6}}</style></head><body>{body}</body></html>"
    )
}

/// One key per attachment being downloaded, so two thumbnails of it download it once.
static IN_FLIGHT: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Default::default);

fn not_an_image() -> IpcError {
    IpcError::new(
        ErrorCode::InvalidInput,
        "This attachment is not an image Parley shows inline (PNG, JPEG, GIF or WebP); open it instead.",
    )
}

fn too_large() -> IpcError {
    IpcError::new(
        ErrorCode::InvalidInput,
        "This image is too large to show inline; open it instead.",
    )
}

impl Parley {
    /// The bytes of an image attachment for the window (downloaded once, into the same place
    /// `fetch_attachment` keeps it), with its sniffed type. Refuses anything but PNG, JPEG, GIF
    /// and WebP, and anything over [`MAX_INLINE_IMAGE_BYTES`].
    pub async fn media_image(
        &self,
        message: MessageId,
        index: usize,
    ) -> Result<MediaImage, IpcError> {
        // The size the provider gave decides first: a file too large is never downloaded to be
        // refused. (The type is judged by the bytes alone: mailers label inline images loosely.)
        let listed = self
            .db
            .call(move |s| s.message_ref(message))
            .await
            .map_err(errors::store)?
            .and_then(|m| m.attachments.into_iter().nth(index));
        if listed
            .and_then(|a| a.size)
            .is_some_and(|size| u64::try_from(size).unwrap_or(0) > MAX_INLINE_IMAGE_BYTES)
        {
            return Err(too_large());
        }
        let key = self
            .paths()
            .attachments()
            .join(format!("{}-{index}", message.0));
        let gate = IN_FLIGHT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.clone())
            .or_default()
            .clone();
        let path = {
            let _held = gate.lock().await;
            self.fetch_attachment(message, index).await
        };
        IN_FLIGHT
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
        let path = path?;
        let read_error = |e: std::io::Error| {
            IpcError::new(
                ErrorCode::Storage,
                format!("The downloaded attachment could not be read ({e})."),
            )
        };
        let size = tokio::fs::metadata(&path).await.map_err(read_error)?.len();
        if size > MAX_INLINE_IMAGE_BYTES {
            return Err(too_large());
        }
        let bytes = tokio::fs::read(&path).await.map_err(read_error)?;
        let kind = sniff_image(&bytes).ok_or_else(not_an_image)?;
        Ok(MediaImage {
            bytes,
            content_type: kind.content_type(),
        })
    }

    /// An email's kept HTML as a document for the conversation's sandboxed frame: `cid:` images
    /// point at the message's parts through the media scheme; remote images stay out unless
    /// `load_remote`, then Rust fetches them (see the module rules) and inlines them as `data:`.
    pub async fn message_html(
        &self,
        message: MessageId,
        load_remote: bool,
    ) -> Result<MessageHtml, IpcError> {
        let stored = self
            .db
            .call(move |s| s.message_html(message))
            .await
            .map_err(errors::store)?
            .ok_or_else(|| errors::not_found("email's HTML"))?;
        let fetched: Vec<Option<String>> = if load_remote {
            RemoteImages::from_env()
                .fetch_all(&stored.remote_images)
                .await
        } else {
            Vec::new()
        };
        let inline: HashMap<String, usize> = stored
            .inline_parts
            .iter()
            .map(|(cid, i)| (cid.to_ascii_lowercase(), *i))
            .collect();
        let used = Mutex::new(Vec::<u32>::new());
        let html = render_html(
            &stored.html,
            &|source| match source {
                ImageSource::Cid(cid) => {
                    let index = *inline.get(&cid.to_ascii_lowercase())?;
                    let mut used = used.lock().unwrap_or_else(PoisonError::into_inner);
                    if let Ok(i) = u32::try_from(index)
                        && !used.contains(&i)
                    {
                        used.push(i);
                    }
                    Some(media_url(message, index))
                }
                ImageSource::Remote(n) => fetched.get(n).cloned().flatten(),
            },
            link_url,
        );
        let loaded = fetched.iter().filter(|f| f.is_some()).count();
        Ok(MessageHtml {
            document: frame_document(&html),
            remote_images: u32::try_from(stored.remote_images.len()).unwrap_or(u32::MAX),
            loaded_images: u32::try_from(loaded).unwrap_or(u32::MAX),
            inline_parts: used.into_inner().unwrap_or_else(PoisonError::into_inner),
        })
    }
}

/// Why a remote image was not loaded (logged; the frame just shows it missing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteImageError {
    #[error("only http and https images are loaded")]
    Scheme,
    #[error("the address is local or private, which Parley never loads from")]
    Refused,
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the image is larger than the limit")]
    TooLarge,
    #[error("the file is not a PNG, JPEG, GIF or WebP image")]
    NotAnImage,
    #[error("the download failed: {0}")]
    Network(String),
}

/// Fetches the remote images of an email, once the agent asked for them.
#[derive(Clone)]
pub struct RemoteImages {
    allowed: fn(IpAddr) -> bool,
    max_bytes: usize,
    timeout: Duration,
}

impl RemoteImages {
    /// Public addresses only, unless `PARLEY_ALLOW_LOCAL_MEDIA=1`.
    pub fn from_env() -> Self {
        let local = std::env::var("PARLEY_ALLOW_LOCAL_MEDIA").is_ok_and(|v| v == "1");
        RemoteImages::new(if local { |_| true } else { is_public })
    }

    /// With an address rule of the caller's (tests allow their own loopback server only).
    pub fn new(allowed: fn(IpAddr) -> bool) -> Self {
        RemoteImages {
            allowed,
            max_bytes: MAX_REMOTE_IMAGE_BYTES,
            timeout: REMOTE_TIMEOUT,
        }
    }

    pub fn with_max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max;
        self
    }

    fn client(&self) -> Result<reqwest::Client, RemoteImageError> {
        parley_channels::net::checked_client(self.allowed, self.timeout)
            .map_err(|e| RemoteImageError::Network(e.without_url().to_string()))
    }

    /// Each URL's image as a `data:` URI, or `None` where it could not be loaded; four at a time,
    /// each within what is left of [`MAX_REMOTE_TOTAL_BYTES`], and no more downloads once an
    /// image did not fit in it.
    pub async fn fetch_all(&self, urls: &[String]) -> Vec<Option<String>> {
        let Ok(client) = self.client() else {
            return vec![None; urls.len()];
        };
        let mut out = vec![None; urls.len()];
        let mut total = 0usize;
        for (chunk_no, chunk) in urls.chunks(4).enumerate() {
            let left = MAX_REMOTE_TOTAL_BYTES.saturating_sub(total);
            if left == 0 {
                tracing::info!("remote images: total limit reached");
                break;
            }
            let mut set = tokio::task::JoinSet::new();
            for (i, url) in chunk.iter().enumerate() {
                let this = self.clone().with_max_bytes(self.max_bytes.min(left));
                let (client, url) = (client.clone(), url.clone());
                set.spawn(async move { (i, this.fetch_with(&client, &url).await) });
            }
            let mut results = set.join_all().await;
            results.sort_by_key(|(i, _)| *i);
            let mut full = false;
            for (i, result) in results {
                match result {
                    Ok((kind, bytes)) if total + bytes.len() <= MAX_REMOTE_TOTAL_BYTES => {
                        total += bytes.len();
                        out[chunk_no * 4 + i] = Some(format!(
                            "data:{};base64,{}",
                            kind.content_type(),
                            base64::engine::general_purpose::STANDARD.encode(&bytes)
                        ));
                    }
                    Ok(_) => full = true,
                    Err(RemoteImageError::TooLarge) if left < self.max_bytes => full = true,
                    Err(e) => tracing::info!("a remote image was not loaded: {e}"),
                }
            }
            if full {
                tracing::info!("remote images: total limit reached");
                break;
            }
        }
        out
    }

    /// One image: its sniffed type and bytes.
    pub async fn fetch(&self, url: &str) -> Result<(ImageType, Vec<u8>), RemoteImageError> {
        let client = self.client()?;
        self.fetch_with(&client, url).await
    }

    async fn fetch_with(
        &self,
        client: &reqwest::Client,
        raw: &str,
    ) -> Result<(ImageType, Vec<u8>), RemoteImageError> {
        let url = url::Url::parse(raw.trim()).map_err(|_| RemoteImageError::Scheme)?;
        parley_channels::net::check_url(&url, self.allowed).map_err(|r| match r {
            UrlRefused::Scheme => RemoteImageError::Scheme,
            UrlRefused::Address => RemoteImageError::Refused,
        })?;
        let network = |e: reqwest::Error| {
            // A redirect or a resolution the address rule stopped is a refusal, not a failure.
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(err) = source {
                let said = err.to_string();
                if said.contains(parley_channels::net::LOCAL_ONLY) {
                    return RemoteImageError::Refused;
                }
                if said.contains(parley_channels::net::NOT_HTTP) {
                    return RemoteImageError::Scheme;
                }
                source = err.source();
            }
            RemoteImageError::Network(e.without_url().to_string())
        };
        let mut response = client
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                "image/png,image/jpeg,image/gif,image/webp",
            )
            .send()
            .await
            .map_err(network)?;
        if !response.status().is_success() {
            return Err(RemoteImageError::Status(response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(RemoteImageError::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(network)? {
            if bytes.len() + chunk.len() > self.max_bytes {
                return Err(RemoteImageError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        let kind = sniff_image(&bytes).ok_or(RemoteImageError::NotAnImage)?;
        Ok((kind, bytes))
    }
}

pub use parley_channels::net::is_public;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_only_raster_images() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some(ImageType::Png));
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(sniff_image(b"GIF89a..."), Some(ImageType::Gif));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageType::Webp));
        for bad in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"[..],
            b"<html><script>alert(1)</script>",
            b"%PDF-1.4",
            b"",
            b"\x89PN",
            b"RIFF\0\0\0\0WAVE",
        ] {
            assert_eq!(sniff_image(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn media_paths_and_urls() {
        assert_eq!(parse_media_path("/12/0"), Some((MessageId(12), 0)));
        assert_eq!(parse_media_path("/12%2F3"), Some((MessageId(12), 3)));
        for bad in ["/", "/12", "/x/0", "/12/0/1", "/12/-1", "/../etc/passwd"] {
            assert_eq!(parse_media_path(bad), None, "{bad}");
        }
        let url = url::Url::parse(&media_url(MessageId(7), 2)).expect("url");
        assert_eq!(parse_media_path(url.path()), Some((MessageId(7), 2)));
    }

    #[test]
    fn links_go_through_the_media_scheme_and_back() {
        let link = link_url("https://shop.test/help?a=1&b=2#x").expect("web link");
        let url = url::Url::parse(&link).expect("url");
        assert_eq!(url.path(), LINK_PATH);
        assert_eq!(
            parse_link_request(url.path(), url.query()).as_deref(),
            Some("https://shop.test/help?a=1&b=2#x")
        );
        assert!(link_url("mailto:help@shop.test").is_some());
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "cid:x",
            "/relative",
        ] {
            assert_eq!(link_url(bad), None, "{bad}");
        }
        assert_eq!(parse_link_request("/12/0", Some("u=https://x.test")), None);
        assert_eq!(parse_link_request(LINK_PATH, None), None);
    }

    #[test]
    fn frame_document_carries_its_own_policy() {
        let doc = frame_document("<p>hi</p>");
        assert!(doc.contains("http-equiv=\"Content-Security-Policy\""));
        assert!(doc.contains("default-src 'none'"));
        assert!(!doc.contains("script-src"));
        assert!(doc.contains("<body><p>hi</p></body>"));
    }
}
